#ifndef HLEAK_CLI_TYPECHECK_H
#define HLEAK_CLI_TYPECHECK_H

#include <stddef.h>

#include "snapshot-int.h"

/*
 * Checks a TYPE the user gave (--fail-on, --ignore, --type,
 * --fail-on-growth) against Windows' object types and the types of the
 * inputs (snaps, nsnaps; may be none), so that a typo is refused instead
 * of silently matching nothing. where says where it was given, for the
 * message ("--fail-on 'Evnt=0'", "ignore file 'x', line 3"); in_file
 * tells an ignore file from the command line (quotes left in by a shell).
 * Reports a usage error; returns 0 or HL_EXIT_USAGE.
 */
int hl_cli_check_type(const char *const *usage, const char *where,
                      const char *type, int in_file,
                      const struct hl_snapshot *const *snaps, size_t nsnaps);

#endif
