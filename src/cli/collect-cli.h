#ifndef HLEAK_CLI_COLLECT_CLI_H
#define HLEAK_CLI_COLLECT_CLI_H

#include "hleak/collect.h"
#include "snapshot-int.h"
#include "target.h"

/*
 * Collects the handles of process t->pid into *snap (initialised here;
 * release it whatever the result) as `hleak snapshot` does, for every
 * command that collects one process: under a watchdog a minute past the
 * deadline, its failures reported (no such process, access denied, exited,
 * past the deadline) as "cannot VERB process PID" and ending in lost ("no
 * snapshot written"). A process that let no name be read draws a warning,
 * or with require_names an error. Returns 0 or an exit code.
 */
int hl_cli_collect(const struct hl_cli_target *t,
                   const struct hl_collect_opts *copts, int require_names,
                   const char *verb, const char *lost,
                   struct hl_snapshot *snap);

#endif
