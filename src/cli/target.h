#ifndef HLEAK_CLI_TARGET_H
#define HLEAK_CLI_TARGET_H

#include <stdint.h>

/*
 * Resolves -n IMAGE to exactly one pid for the live commands. None, or
 * several (which it lists, to choose one with -p), is an error reported
 * here. Returns 0 or HL_EXIT_FAILURE.
 */
int hl_cli_find_pid(const char *image, uint64_t *pid);

/* The argument of -p PID into *pid. Returns 0, or HL_EXIT_USAGE after
 * the usage error. */
int hl_cli_opt_pid(const char *const *usage, const char *arg,
                   uint64_t *pid);

/* Returns 0 when exactly one of -p PID and -n IMAGE was given, or
 * HL_EXIT_USAGE after the usage error. */
int hl_cli_one_target(const char *const *usage, int have_pid,
                      const char *image);

struct hl_diag;

/* For --verbose: the system call that failed, and its status code. */
void hl_cli_note_failed_call(const struct hl_diag *diag);

#endif
