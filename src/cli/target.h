#ifndef HLEAK_CLI_TARGET_H
#define HLEAK_CLI_TARGET_H

#include <stdint.h>

#include "msg.h"

struct hl_diag;
struct hl_optparse;

/*
 * Whether this build can do the live work of command name, which needs
 * the HL_CAP_* bits needs: when not, says so ("needs Windows") and returns
 * HL_EXIT_FAILURE; else enables SeDebugPrivilege (the tool's choice, made
 * here for every live command and live form; the library never makes it)
 * and returns 0. main.c asks for each command of its table; a command
 * live only in some forms (show -p) asks itself.
 */
int hl_cli_live_ready(const char *name, unsigned needs);

/* For --verbose: the system call that failed, and its status code. */
void hl_cli_note_failed_call(const struct hl_diag *diag);

/*
 * The options every live command shares, so they read and fail alike:
 * tables list them with these ids.
 */
enum { HL_CLI_OPT_NAME = 0x100, HL_CLI_OPT_PID, HL_CLI_OPT_VERBOSE };

struct hl_cli_target {
    uint64_t pid;
    const char *image; /* -n IMAGE, or NULL */
    int have_pid;
    int verbose;
};

/* hl_opt_next() for a live command: takes -p, -n and --verbose into t
 * itself and returns the other options' ids (HL_OPT_STOP with p->status
 * on a bad pid). */
int hl_cli_target_next(struct hl_cli_target *t, struct hl_optparse *p);

/* After the options: exactly one of -p and -n was given, and -n names one
 * running process, whose pid is then t->pid. Returns 0, HL_EXIT_USAGE or
 * HL_EXIT_FAILURE, the error reported. */
int hl_cli_target_resolve(struct hl_cli_target *t, const char *const *usage);

/*
 * Reports err from a live command on t->pid: no such process, access
 * denied (run elevated) or the cause, after "cannot " and what the command
 * was doing (a printf format); with --verbose also the failed call.
 * Returns HL_EXIT_FAILURE.
 */
int hl_cli_target_error(const struct hl_cli_target *t, int err,
                        const struct hl_diag *diag, const char *fmt, ...)
    HL__PRINTF(4, 5);

/* For an error a command words itself: the --verbose note, and
 * HL_EXIT_FAILURE. */
int hl_cli_target_failed(const struct hl_cli_target *t,
                         const struct hl_diag *diag);

#endif
