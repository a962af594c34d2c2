#ifndef HLEAK_CLI_SELFTEST_H
#define HLEAK_CLI_SELFTEST_H

/*
 * `hleak selftest`: a child copy of hleak holds handles it announces, the
 * parent snapshots, diffs, dumps and traces it through the library calls
 * the commands use, and each check below turns what it saw into one row.
 * The checks and the report are portable (selftest-manifest.c,
 * selftest-check.c, selftest-report.c), so tests feed them wrong answers on any OS; the
 * child and the orchestration are Windows only (selftest-win.c,
 * selftest-host-win.c, selftest-child-win.c; selftest-none.c elsewhere).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diff-int.h"
#include "snapshot-int.h"

/* What the child holds: one named event opened this many times, as in
 * WinDbg's !handle example where HandleCount 102 (with the debugger's
 * own) gave the leak away. */
#define ST_EVENTS 101u
#define ST_FILES 3u  /* handles to one file */
#define ST_KEYS 2u   /* handles to HKCU\Software\hleak-selftest-<pid> */
#define ST_DIFF_MORE 25u  /* events opened between the diff's snapshots */
#define ST_TRACE_MORE 5u  /* events opened while handle tracing is on */
/* The exit code of the child's thread that has exited. */
#define ST_THREAD_CODE 0x5e1fu

/* The one test fault (hidden --inject-fault): the child opens one event
 * more than it announces, so the checks must fail. */
#define ST_FAULT_NAME "uncounted-event"

enum st_verdict { ST_UNCHECKED, ST_OK, ST_UNSUPPORTED, ST_FAILED };

enum st_row {
    ST_ROW_LIST,      /* every announced handle, with its type */
    ST_ROW_CLASS51,   /* the per-process list (Windows 8+) */
    ST_ROW_NAMES,     /* event, file, key and section names */
    ST_ROW_TARGETS,   /* threads alive and exited, a process */
    ST_ROW_OBJECTS,   /* kernel object addresses */
    ST_ROW_DEBUGPRIV, /* SeDebugPrivilege */
    ST_ROW_GUI,       /* GDI and USER counts */
    ST_ROW_HANG,      /* the pipe with a pending synchronous read */
    ST_ROW_SNAPFILE,  /* save and load */
    ST_ROW_DIFF,      /* exactly +N */
    ST_ROW_TRACE,     /* handle tracing on, stacks, off */
    ST_ROW_DUMP,      /* the minidump's handle data stream */
    ST_ROW_CLEANUP,   /* the child, temp folder and registry key gone */
    ST_ROW_COUNT
};

struct st_row_result {
    enum st_verdict verdict;
    char detail[320];
};

/* Everything `hleak selftest` prints. Strings are "" when unknown. */
struct st_report {
    char version[64];
    char build[16];  /* what hleak was built for: "x64", "x86", ... */
    char os[64];     /* "Windows 10.0.19045" */
    char wine[32];   /* Wine's version when running under Wine */
    char arch[16];   /* the system's processor architecture */
    int wow64;       /* 1, 0, or -1 unknown */
    int elevated;    /* 1, 0, or -1 unknown */
    const char *fault; /* the test fault injected, or NULL */
    char stopped[160]; /* why later checks could not run, "" if none */
    struct st_row_result rows[ST_ROW_COUNT];
};

/* ---- what the child announced ---- */

enum st_kind {
    ST_EVENT,
    ST_FILE,
    ST_KEY,
    ST_THREAD,
    ST_PROCESS,
    ST_SECTION,
    ST_PIPE, /* the pipe end a thread is blocked reading */
    ST_KIND_COUNT
};

struct st_item {
    enum st_kind kind;
    uint32_t value;  /* the handle value in the child */
    uint32_t id;     /* thread: tid; process: pid */
    int exited;      /* thread: it has exited */
    uint32_t code;   /* thread: its exit code, when exited */
};

struct st_manifest {
    struct st_item *items;
    size_t n, cap;
    char tag[48];        /* object names start with it */
    char file_tail[128]; /* "\<temp folder>\held.txt" */
    uint32_t gdi, user;  /* GUI objects the child made */
    int has_gui;
};

void st_manifest_init(struct st_manifest *m, const char *tag,
                      const char *file_tail);
void st_manifest_release(struct st_manifest *m);

/*
 * Reads one line of the child ("event 1a4", "thread 1b0 1234 exited 24095",
 * "gui 1 1", "ready"). Returns 1 on "ready", 0 for an item, HL_EINVAL for
 * a line it does not know, HL_ENOMEM.
 */
int st_manifest_line(struct st_manifest *m, const char *line);

/* The protocol's word for kind ("event"). */
const char *st_kind_name(enum st_kind kind);

/* How many handles of kind were announced. */
size_t st_manifest_count(const struct st_manifest *m, enum st_kind kind);

/* ---- checks: each fills its rows of r ---- */

/* Sets a row (printf-style detail). */
void st_set(struct st_report *r, enum st_row row, enum st_verdict v,
            const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 4, 5)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The list, names, targets, object addresses and GUI rows, from the
 * first snapshot of the child. */
void st_check_snapshot(const struct st_manifest *m,
                       const struct hl_snapshot *s, struct st_report *r);

/*
 * The class 51 row: ok when the collector used it; otherwise status is
 * what NtQueryInformationProcess(51) answered when asked directly
 * (NTSTATUS; have_status 0 when it could not be asked).
 */
void st_check_class51(const struct hl_snapshot *s, int have_status,
                      uint32_t status, struct st_report *r);

/* The hang guard: the blocked pipe's name timed out or was read, and the
 * snapshot took at most bound_ms. */
void st_check_hang(const struct st_manifest *m, const struct hl_snapshot *s,
                   uint64_t elapsed_ms, unsigned timeout_ms,
                   uint64_t bound_ms, struct st_report *r);

/* NULL when a and b hold the same handles and facts, else a static
 * description of the first difference. */
const char *st_snapshot_diff(const struct hl_snapshot *a,
                             const struct hl_snapshot *b);

/* The diff row: exactly `more` Event handles of the tag opened, none
 * closed, matched one to one. */
void st_check_diff(const struct st_manifest *m, const struct hl_diff *d,
                   size_t more, struct st_report *r);

/* The trace row once tracing was on: how many of values[0..n) got an
 * open stack in s. */
void st_check_trace(const struct hl_snapshot *s, const uint32_t *values,
                    size_t n, int debug_priv, struct st_report *r);

/* The dump row for a dump read back: every announced handle with its
 * type (and name, when the dump has names). */
void st_check_dump(const struct st_manifest *m, const struct hl_snapshot *d,
                   struct st_report *r);

/* Rows never checked become FAILED with the reason in r->stopped. */
void st_finish(struct st_report *r);

/* ---- the report ---- */

/* Counts of each verdict. */
void st_tally(const struct st_report *r, size_t *ok, size_t *unsupported,
              size_t *failed);

int st_report_text(FILE *f, const struct st_report *r);
int st_report_json(FILE *f, const struct st_report *r);

/* ---- the platform part ---- */

struct st_opts {
    unsigned deadline_s;   /* the whole run, child included */
    unsigned timeout_ms;   /* one blocking name query */
    const char *fault;     /* ST_FAULT_NAME or NULL */
};

/* Runs the whole self-test into *r (zeroed by the caller). Returns 0, or
 * HL_ENOTSUP where live access is not built. */
int st_run(const struct st_opts *o, struct st_report *r);

/* The child's side (hidden `hleak selftest --child TAG DIR [FAULT]`);
 * returns its exit code. */
int st_child_main(int argc, char **argv);

#endif
