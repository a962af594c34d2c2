#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "hleak/err.h"
#include "msg.h"
#include "opt.h"
#include "selftest.h"

static const char *const selftest_usage[] = {
    "hleak selftest [--json] [--timeout MS] [--deadline SEC]",
    NULL,
};

static const char selftest_help[] =
    "\n"
    "Checks what hleak can do on this system, on a child copy of itself\n"
    "that holds known handles: one named event opened 101 times, a file,\n"
    "a registry key, threads alive and exited, a process, a section and a\n"
    "pipe with a thread blocked reading it. It snapshots, saves and\n"
    "reloads, diffs, traces and dumps the child through the same code as\n"
    "the other commands, checks every answer, and prints one row per\n"
    "capability: ok, not supported here (the system said so, and why), or\n"
    "FAILED (with the reason). Paste the whole output into bug reports.\n"
    "\n"
    "options:\n"
    "  --json             print the report as JSON\n"
    "  --timeout MS       bound on one blocking name query (default 500,\n"
    "                     1 to 60000)\n"
    "  --deadline SEC     bound on the whole run (default 120, 10 to 3600);\n"
    "                     past it the child is killed and the checks not\n"
    "                     done fail\n"
    "  -h, --help         print this help\n"
    "\n"
    "The child is killed at the end, always; its temporary folder and the\n"
    "key HKCU\\Software\\hleak-selftest-<pid> are removed.\n"
    "\n"
    "Exit status: 0 nothing failed, 1 a check FAILED, 2 usage error,\n"
    "3 failure (no live Windows here, the 32-bit hleak on 64-bit\n"
    "Windows, the report cannot be written).\n";

enum { OPT_CHILD = 1, OPT_DEADLINE, OPT_FAULT, OPT_JSON, OPT_TIMEOUT };

/* Sorted by long name: hl_opt_next() checks. --child and --inject-fault
 * are for hleak itself and its tests, so --help leaves them out. */
static const struct hl_opt selftest_opts[] = {
    {"child", 0, 0, OPT_CHILD},
    {"deadline", 0, 1, OPT_DEADLINE},
    {"inject-fault", 0, 1, OPT_FAULT},
    {"json", 0, 0, OPT_JSON},
    {"timeout", 0, 1, OPT_TIMEOUT},
};

static const struct hl_opt_table selftest_table =
    HL_OPT_TABLE(selftest_opts, selftest_usage, selftest_help);

int cmd_selftest(int argc, char **argv)
{
    struct st_report report;
    struct st_opts o;
    struct hl_optparse p;
    size_t ok, unsupported, failed;
    uint64_t v;
    int json = 0, child = 0, id, err, rc;

    memset(&o, 0, sizeof(o));
    o.deadline_s = 120;
    o.timeout_ms = 500;
    hl_opt_init(&p, argc, argv, &selftest_table);
    while ((id = hl_opt_next(&p)) != HL_OPT_END) {
        switch (id) {
        case OPT_CHILD:
            child = 1;
            break;
        case OPT_DEADLINE:
            if ((rc = hl_opt_number(&p, "deadline", "seconds", 10, 3600,
                                    &v)) != 0)
                return rc;
            o.deadline_s = (unsigned)v;
            break;
        case OPT_FAULT:
            if (strcmp(p.arg, ST_FAULT_NAME) != 0)
                return hl_usage_error(selftest_usage,
                                      "unknown fault '%s'", p.arg);
            o.fault = ST_FAULT_NAME;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_TIMEOUT:
            if ((rc = hl_opt_number(&p, "timeout", "milliseconds", 1, 60000,
                                    &v)) != 0)
                return rc;
            o.timeout_ms = (unsigned)v;
            break;
        default:
            return p.status;
        }
    }
    if (child)
        return st_child_main(p.npos, p.argv);
    if ((rc = hl_opt_positionals_max(&p, 0)) != 0)
        return rc;
    memset(&report, 0, sizeof(report));
    err = st_run(&o, &report);
    if (err != 0) {
        hl_error("cannot run the self-test: %s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (json)
        st_report_json(stdout, &report);
    else
        st_report_text(stdout, &report);
    if (hl_finish_stdout(0) != 0)
        return HL_EXIT_FAILURE;
    st_tally(&report, &ok, &unsupported, &failed);
    return failed != 0 ? HL_EXIT_GATE : HL_EXIT_OK;
}
