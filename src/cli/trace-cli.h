#ifndef HLEAK_CLI_TRACE_CLI_H
#define HLEAK_CLI_TRACE_CLI_H

#include "snapshot-int.h"

/*
 * After a live snapshot: says how many handles carry an open stack (handle
 * tracing), and with symbols names the stacks' addresses (dbghelp), which
 * only warns when it cannot. Returns 0, or HL_EXIT_FAILURE when memory ran
 * out (reported here).
 */
int hl_cli_symbolize(struct hl_snapshot *s, int symbols, int verbose);

#endif
