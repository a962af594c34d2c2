#ifndef HLEAK_CORE_LAUNCH_H
#define HLEAK_CORE_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/diag.h"

/*
 * Starting a program and following it to its end, for `hleak run`
 * (src/win/launch-win.c; src/stub/launch-none.c elsewhere). As its
 * debugger (the default) hleak sees each checkpoint the program marks
 * with OutputDebugString("hleak:checkpoint[ LABEL]"), while the program
 * is stopped in that call; without debugging it only sees the program
 * end. Either way the program is in a kill-on-close job: it never
 * outlives hleak.
 */

/* The string a checkpoint sends, and what may follow it: " LABEL". */
#define HL_CHECKPOINT_PREFIX "hleak:checkpoint"
/* The longest debug string read; a longer one is not ours. */
#define HL_LAUNCH_MAX_STRING 4096u
/* The longest checkpoint label kept. */
#define HL_LAUNCH_MAX_LABEL 256u

struct hl_launch_opts {
    char *const *argv; /* the program and its arguments, UTF-8 */
    int no_debug;      /* 1: not as its debugger (no checkpoints) */
};

/* What hl_launch_wait() saw. */
enum hl_launch_kind {
    HL_LAUNCH_NONE = 0,   /* nothing within the time given */
    HL_LAUNCH_CHECKPOINT, /* the program is stopped at a checkpoint */
    HL_LAUNCH_STRING,     /* a debug string that is not a checkpoint */
    HL_LAUNCH_EXITED      /* the program ended; exit_code is its code */
};

struct hl_launch_event {
    enum hl_launch_kind kind;
    char label[HL_LAUNCH_MAX_LABEL]; /* the checkpoint's LABEL ("" none);
                                      * for HL_LAUNCH_STRING the start of
                                      * the string, for -v */
    uint32_t exit_code;
};

struct hl_launch;

/*
 * Starts opts->argv suspended (so handle tracing can be turned on before
 * its first instruction), in a kill-on-close job; *pid is its process id.
 * Returns 0, HL_ENOENT (no such program), HL_EACCES, HL_ENOMEM,
 * HL_EQUERY (another failure, in diag) or HL_ENOTSUP where programs are
 * not started (every OS but Windows).
 */
int hl_launch_start(const struct hl_launch_opts *opts, struct hl_launch **out,
                    uint64_t *pid, struct hl_diag *diag);

/* Lets the suspended program run. Returns 0 or HL_EQUERY. */
int hl_launch_resume(struct hl_launch *l, struct hl_diag *diag);

/*
 * Waits at most ms milliseconds for what the program does next: a
 * checkpoint (it stays stopped until the next call), another debug
 * string (its text dropped unless the caller prints it), or its end.
 * After HL_LAUNCH_EXITED every wait says so again. Returns 0 or
 * HL_EQUERY.
 */
int hl_launch_wait(struct hl_launch *l, unsigned ms,
                   struct hl_launch_event *ev, struct hl_diag *diag);

/* Ends the program (Ctrl+C) with exit code code; the next waits see it
 * exit. Returns 0 or HL_EQUERY. */
int hl_launch_kill(struct hl_launch *l, uint32_t code);

/* Ends the program if it still runs, and frees l; NULL is ignored. */
void hl_launch_free(struct hl_launch *l);

/*
 * Parses a debug string of len bytes: 1 when it is a checkpoint
 * ("hleak:checkpoint" alone or followed by a space and a label, one
 * trailing newline allowed), with the label copied to label[cap] (cut at
 * cap - 1 bytes, control bytes made '?'), else 0. Portable, so it is
 * tested anywhere.
 */
int hl_launch_parse_checkpoint(const char *s, size_t len, char *label,
                               size_t cap);

/* argv as one Windows command line (CreateProcess's), each argument
 * quoted so the program's C runtime splits it back as it was; *out is
 * freed with hl__free(). Returns 0 or HL_ENOMEM. */
int hl_launch_cmdline(char *const *argv, char **out);

#endif
