#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "hleak/err.h"
#include "trace.h"
#include "msg.h"
#include "opt.h"
#include "target.h"

static const char *const trace_usage[] = {
    "hleak trace (on | off | status) (-p PID | -n IMAGE) [--slots N] "
    "[--verbose]",
    NULL,
};

static const char trace_help[] =
    "\n"
    "Turns the kernel's handle tracing of a process on or off, or tells\n"
    "whether it is on. While it is on, the kernel records the stack of\n"
    "every handle open and close in a ring buffer, and 'hleak snapshot'\n"
    "stores each open handle's most recent open stack (see docs/traces.md).\n"
    "\n"
    "options:\n"
    "  -p, --pid PID      the process\n"
    "  -n, --name IMAGE   the process whose image file is IMAGE\n"
    "  --slots N          records the ring buffer keeps (on only; 128 to\n"
    "                     131072, rounded by the kernel to a power of two;\n"
    "                     default 4096)\n"
    "  --verbose          on failure, also print the failing system call\n"
    "                     and its status code\n"
    "  -h, --help         print this help\n"
    "\n"
    "While tracing is on, closing an invalid handle in the process raises\n"
    "an exception (STATUS_INVALID_HANDLE) there, which can end a process\n"
    "that closes handles carelessly. Turn tracing off when done.\n"
    "\n"
    "Exit status: 0 done, 2 usage error, 3 failure (no such process, access\n"
    "denied, handle tracing not supported on this system).\n";

enum { OPT_SLOTS = 1 };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt trace_opts[] = {
    {"name", 'n', 1, HL_CLI_OPT_NAME},
    {"pid", 'p', 1, HL_CLI_OPT_PID},
    {"slots", 0, 1, OPT_SLOTS},
    {"verbose", 0, 0, HL_CLI_OPT_VERBOSE},
};

static const struct hl_opt_table trace_table =
    HL_OPT_TABLE(trace_opts, trace_usage, trace_help);

static int report_trace_error(const struct hl_cli_target *t, int err,
                              const struct hl_diag *diag)
{
    if (err == HL_ENOTSUP)
        hl_error("handle tracing is not supported on this system");
    else if (err == HL_EEXITED)
        hl_error("process %" PRIu64 " is exiting", t->pid);
    else
        return hl_cli_target_error(t, err, diag,
                                   "change handle tracing of process %" PRIu64,
                                   t->pid);
    return hl_cli_target_failed(t, diag);
}

int cmd_trace(int argc, char **argv)
{
    struct hl_diag diag;
    struct hl_cli_target t = {0, NULL, 0, 0};
    struct hl_optparse p;
    const char *action;
    uint64_t pid, slots = 0;
    size_t records = 0;
    int have_slots = 0, on = 0, id, err, rc;

    hl_opt_init(&p, argc, argv, &trace_table);
    while ((id = hl_cli_target_next(&t, &p)) != HL_OPT_END) {
        switch (id) {
        case OPT_SLOTS:
            if ((rc = hl_opt_number(&p, "slot count", NULL,
                                    HL_TRACE_MIN_SLOTS, HL_TRACE_MAX_SLOTS,
                                    &slots)) != 0)
                return rc;
            have_slots = 1;
            break;
        default:
            return p.status;
        }
    }
    if (p.npos == 0)
        return hl_usage_error(trace_usage, "say on, off or status");
    if ((rc = hl_opt_positionals_max(&p, 1)) != 0)
        return rc;
    action = p.argv[0];
    if (strcmp(action, "on") != 0 && strcmp(action, "off") != 0 &&
        strcmp(action, "status") != 0)
        return hl_usage_error(trace_usage,
                              "unknown action '%s': on, off or status "
                              "expected",
                              action);
    if (have_slots && strcmp(action, "on") != 0)
        return hl_usage_error(trace_usage, "--slots goes with 'on' only");
    if ((rc = hl_cli_target_resolve(&t, trace_usage)) != 0)
        return rc;
    pid = t.pid;

    memset(&diag, 0, sizeof(diag));
    if (strcmp(action, "status") == 0) {
        err = hl_trace_status(pid, &on, &records, &diag);
        if (err != 0)
            return report_trace_error(&t, err, &diag);
        if (on)
            printf("handle tracing of process %" PRIu64 " is on (%zu "
                   "records)\n",
                   pid, records);
        else
            printf("handle tracing of process %" PRIu64 " is off\n", pid);
        return hl_finish_stdout(0);
    }
    on = strcmp(action, "on") == 0;
    err = hl_trace_set(pid, on, (uint32_t)slots, &diag);
    if (err != 0)
        return report_trace_error(&t, err, &diag);
    if (on) {
        hl_note("handle tracing of process %" PRIu64 " is on (%" PRIu64
                " slots); 'hleak snapshot' now records open stacks",
                pid, slots != 0 ? slots : (uint64_t)HL_TRACE_DEFAULT_SLOTS);
        hl_warn("while tracing is on, closing an invalid handle in process "
                "%" PRIu64 " raises an exception there; run 'hleak trace off "
                "-p %" PRIu64 "' when done",
                pid, pid);
    } else {
        hl_note("handle tracing of process %" PRIu64 " is off", pid);
    }
    return HL_EXIT_OK;
}
