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

struct hl_system;

/*
 * The same for the whole-system snapshots sys[0..nsys) read from
 * paths[]: a type one of them holds is accepted as it is spelt there
 * (ASCII case ignored), "(type 42)" included: sysquery-win.c's label of a
 * type the system did not name. A "(type N)" none of them holds is a
 * usage error saying so; any other name is checked as above.
 */
int hl_cli_check_sys_type(const char *const *usage, const char *where,
                          const char *type,
                          const struct hl_system *const *sys,
                          const char *const *paths, size_t nsys);

#endif
