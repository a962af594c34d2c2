#ifndef HLEAK_CLI_MSG_H
#define HLEAK_CLI_MSG_H

#include "input.h"

/* Exit codes, documented in README.md and docs/man/hleak.md. */
#define HL_EXIT_OK 0      /* success; no gate failed */
#define HL_EXIT_GATE 1    /* a leak gate failed */
#define HL_EXIT_USAGE 2   /* the command line was wrong */
#define HL_EXIT_FAILURE 3 /* input unreadable, process unreachable, ... */
#define HL_EXIT_UNJUDGED 4 /* a gate was asked for but could not judge;
                            * run: fewer than two points to compare */
#define HL_EXIT_PROGRAM 5 /* run: the program itself failed */

#if defined(__MINGW32__)
/* mingw builds use its C99 printf (__USE_MINGW_ANSI_STDIO), not msvcrt's */
#define HL__PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define HL__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HL__PRINTF(a, b)
#endif

/* Diagnostics on stderr: "hleak: error: ...", lowercase, no period. */
void hl_error(const char *fmt, ...) HL__PRINTF(1, 2);
void hl_warn(const char *fmt, ...) HL__PRINTF(1, 2);
void hl_note(const char *fmt, ...) HL__PRINTF(1, 2);

/*
 * Reports a usage error with the command's usage lines and returns
 * HL_EXIT_USAGE, so callers can `return hl_usage_error(...)`.
 */
int hl_usage_error(const char *const *usage, const char *fmt, ...)
    HL__PRINTF(2, 3);

/* Prints usage lines (then help text, may be NULL) to stdout; returns 0. */
int hl_usage_help(const char *const *usage, const char *help);

/*
 * The one message for an input file hleak could not read, naming its kind:
 * "cannot read snapshot 'F': file is truncated", "cannot read dump 'F':
 * the dump has no handle data; ...". Returns HL_EXIT_FAILURE.
 */
int hl_error_read(const char *path, int err,
                  const struct hl_input_info *info);

/* "AFTER ... is older than BEFORE ...", both times to the millisecond
 * (two runs a second apart must not read alike). Returns HL_EXIT_USAGE. */
int hl_error_reversed(const char *bpath, uint64_t btime, const char *apath,
                      uint64_t atime);

/* "'FILE' holds no handle 0x304 (772); it has N handles" (path NULL:
 * "process PID ..."): --handle asked for a value the snapshot does not
 * hold. Returns HL_EXIT_USAGE, as a --type the file does not hold is. */
int hl_error_no_handle(const char *path, uint64_t pid, uint32_t value,
                       size_t count);

/* Initialises *s and reads a snapshot or dump into it, from standard
 * input when path is "-", reporting a failure as hl_error_read() does.
 * Returns 0 or HL_EXIT_FAILURE; *s is to be released either way. */
int hl_read_input(const char *path, struct hl_snapshot *s);

struct hl_system;

/* As hl_read_input(), but a whole-system snapshot (`snapshot --all`) is
 * read into a new *sys (free with hl_system_free()), s left empty; *sys
 * stays NULL for the other kinds. */
int hl_read_input_any(const char *path, struct hl_snapshot *s,
                      struct hl_system **sys);

/* Checks stdout after writing a report; reports and returns
 * HL_EXIT_FAILURE on a write error, else 0. */
int hl_finish_stdout(int err);

#endif
