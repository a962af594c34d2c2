#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "diff-int.h"
#include "formats.h"
#include "gates.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "input.h"
#include "msg.h"
#include "opt.h"
#include "sys-cli.h"
#include "typecheck.h"

static const char *const diff_usage[] = {
    "hleak diff [--json | --csv] [--top N] [--all-values] [--exact-names] "
    "[--allow-reversed] "
    "[--fail-on-new N] "
    "[--fail-on TYPE=N]... [--fail-on-dead N] [--ignore TYPE:GLOB]... "
    "[--ignore-file FILE]... "
    "[--junit FILE] [--sarif FILE] BEFORE AFTER",
    NULL,
};

static const char diff_help[] =
    "\n"
    "Compares two snapshots of a process and reports the handles opened\n"
    "between them and still open, grouped by type and name (unnamed ones\n"
    "by type and access), largest group first; the handles closed; and\n"
    "the count of each type before and after.\n"
    "\n"
    "Under each group's line in the text report are its handle values in\n"
    "hex, the first 8 and how many more (\"values 0x1a4 0x1a8 (+97\n"
    "more)\"), for '!handle 0x1a4' or Process Explorer; matched by name,\n"
    "those of AFTER (\"values in after\"; of BEFORE for a closed group),\n"
    "every handle of the group's name there.\n"
    "\n"
    "Names are grouped by pattern: numbers, hex numbers, GUIDs and SIDs\n"
    "become {n}, {hex}, {guid}, {sid}, so a temp file per request is one\n"
    "group (\"C:\\Temp\\req-{n}.tmp  x1000\"); --exact-names groups by\n"
    "exact name instead.\n"
    "\n"
    "Two snapshots of the same process (same pid and start time) are\n"
    "matched handle by handle (\"identity\"): a handle value closed and\n"
    "reused for another object counts as one closed and one opened.\n"
    "Snapshots of different processes (two runs of a program) are compared\n"
    "by counts (\"by-name\"): a group opened is one whose name pattern has\n"
    "more handles in AFTER, so names that embed a pid or a tid match their\n"
    "counterparts; with --exact-names, exact names with each process's own\n"
    "pid and thread ids read as {pid} and {tid}. BEFORE and AFTER may each\n"
    "be a snapshot or a Windows minidump with handle data, told apart by\n"
    "content; one of them may be '-', standard input.\n"
    "\n"
    "BEFORE and AFTER may also be two whole-system snapshots ('hleak\n"
    "snapshot --all'): processes are matched by pid and start time (a\n"
    "reused pid is another process) and ranked by growth (handles in\n"
    "AFTER minus BEFORE) with the types that grew; processes started and\n"
    "exited in between are listed apart, never as growth. --fail-on-new N\n"
    "and --fail-on TYPE=N then judge each process on its own; --top,\n"
    "--json, --csv, --allow-reversed, --junit and --sarif (a case or\n"
    "result per gate and process) apply; the other options do not\n"
    "(a usage error). A whole-system snapshot and one of a process are\n"
    "not compared (a usage error).\n"
    "\n"
    "AFTER taken before BEFORE is refused (swapped inputs would pass every\n"
    "leak off as closed) unless --allow-reversed; two different programs\n"
    "(image paths differ) draw a warning.\n"
    "\n"
    "Each TYPE (--fail-on, --ignore, ignore files) must be a Windows\n"
    "object type (Event, Mutant, File, Key, ...) or a type in the inputs,\n"
    "case ignored: a typo is a usage error, not a gate that never fails.\n"
    "\n"
    "options:\n"
    "  --json               print JSON instead of text\n"
    "  --csv                print CSV, one row per group\n"
    "  --top N              show at most N groups per list (text)\n"
    "  --all-values         show every handle value of a group, not the\n"
    "                       first 8 (text; JSON \"values\" has them all)\n"
    "  --exact-names        group by exact name, not by name pattern\n"
    "  --allow-reversed     compare even when AFTER is older than BEFORE\n"
    "  --fail-on-new N      exit 1 when more than N handles were opened\n"
    "                       and are still open (after ignores)\n"
    "  --fail-on TYPE=N     exit 1 when more than N handles of TYPE were\n"
    "                       opened and are still open; repeatable\n"
    "  --fail-on-dead N     exit 1 when AFTER holds more than N handles to\n"
    "                       threads and processes that have exited\n"
    "  --ignore TYPE:GLOB   drop groups whose type is TYPE (or *) and whose\n"
    "                       name matches GLOB (* and ?, case ignored): the\n"
    "                       full, NT or last part of the name, or the\n"
    "                       group's pattern as printed\n"
    "                       ('File:C:\\req-{n}.tmp', 'Event:<unnamed>');\n"
    "                       repeatable; patterns that match no handle are\n"
    "                       listed as a warning\n"
    "  --ignore-file FILE   read ignore patterns from FILE, one per line,\n"
    "                       '#' starts a comment; UTF-8 (with or without\n"
    "                       BOM) or UTF-16 with BOM; repeatable; '-':\n"
    "                       standard input\n"
    "  --junit FILE         also write a JUnit XML report: each gate a test\n"
    "                       case, failing with the groups that broke it\n"
    "                       (a file: not '-', standard output has the\n"
    "                       report; likewise --sarif)\n"
    "  --sarif FILE         also write a SARIF 2.1.0 report: each opened\n"
    "                       group a result (error when it broke a gate)\n"
    "  -h, --help           print this help\n"
    "\n"
    "Text output is colored on a terminal unless NO_COLOR is set.\n"
    "\n"
    "Exit status: 0 no gate failed, 1 a gate failed, 2 usage error (bad\n"
    "option, number, pattern or type; AFTER older than BEFORE), 3 an input\n"
    "could not be read, 4 (whole-system snapshots) a gate was asked and a\n"
    "process in both was not counted in one of them.\n";

enum {
    OPT_ALLOW_REVERSED = 1,
    OPT_ALL_VALUES,
    OPT_CSV,
    OPT_EXACT_NAMES
};

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt diff_opts[] = {
    {"all-values", 0, 0, OPT_ALL_VALUES},
    {"allow-reversed", 0, 0, OPT_ALLOW_REVERSED},
    {"csv", 0, 0, OPT_CSV},
    {"exact-names", 0, 0, OPT_EXACT_NAMES},
    HL_GATE_ROW_FAIL_ON,
    HL_GATE_ROW_FAIL_ON_DEAD,
    HL_GATE_ROW_FAIL_ON_NEW,
    HL_GATE_ROW_IGNORE,
    HL_GATE_ROW_IGNORE_FILE,
    HL_GATE_ROW_JSON,
    HL_GATE_ROW_JUNIT,
    HL_GATE_ROW_SARIF,
    HL_GATE_ROW_TOP,
};

static const struct hl_opt_table diff_table =
    HL_OPT_TABLE(diff_opts, diff_usage, diff_help);

struct diff_args {
    struct hl_cli_gates g; /* the gates and reports, as run has them */
    int allow_reversed;
};

/* Parses the command line; returns -1 to go on, else an exit code. */
static int parse_args(struct diff_args *a, struct hl_optparse *p)
{
    int id, rc;

    while ((id = hl_opt_next(p)) != HL_OPT_END) {
        switch (id) {
        case OPT_CSV:
            if ((rc = hl_cli_gates_set_format(&a->g, "csv")) != 0)
                return rc;
            break;
        case OPT_EXACT_NAMES:
            a->g.opts.exact_names = 1;
            break;
        case OPT_ALLOW_REVERSED:
            a->allow_reversed = 1;
            break;
        case OPT_ALL_VALUES:
            a->g.report.all_values = 1;
            break;
        case HL_OPT_STOP:
            return p->status;
        default:
            if ((rc = hl_cli_gates_opt(&a->g, id, p)) != 0)
                return rc == 1 ? p->status : rc;
            break;
        }
    }
    if (p->npos != 2)
        return hl_usage_error(diff_usage, "two snapshot files expected, "
                                          "BEFORE and AFTER");
    if (strcmp(p->argv[0], "-") == 0 && strcmp(p->argv[1], "-") == 0)
        return hl_usage_error(diff_usage, "BEFORE and AFTER cannot both be "
                                          "'-' (standard input)");
    if (a->g.ignore_stdin) {
        if (strcmp(p->argv[0], "-") == 0 || strcmp(p->argv[1], "-") == 0)
            return hl_usage_error(diff_usage,
                                  "--ignore-file and %s cannot both be '-' "
                                  "(standard input)",
                                  strcmp(p->argv[0], "-") == 0 ? "BEFORE"
                                                               : "AFTER");
        if ((rc = hl_cli_gates_stdin(&a->g)) != 0)
            return rc;
    }
    return -1;
}

/*
 * Refuses swapped inputs: AFTER older than BEFORE turns every leak into
 * "closed" and passes the gate. A snapshot without a time (0) cannot be
 * judged and is not refused. Warns about two different programs.
 * Returns -1 to go on, else an exit code.
 */
static int check_order(const struct diff_args *a, const char *bpath,
                       const char *apath, const struct hl_snapshot *before,
                       const struct hl_snapshot *after)
{
    if (hl_diff_reversed(before, after) && !a->allow_reversed)
        return hl_error_reversed(bpath, before->taken_at, apath,
                                 after->taken_at);
    if (hl_diff_other_program(before, after))
        hl_warn("'%s' and '%s' are of different programs (%s, %s)", bpath,
                apath, hl_snapshot_str(before, before->image),
                hl_snapshot_str(after, after->image));
    return -1;
}

/* Two whole-system snapshots: the per-process gates, each process judged
 * alone; the options about handles and names are refused, not ignored.
 * One whole-system snapshot and one of a process: a usage error. */
static int diff_systems(const struct diff_args *a, const char *bpath,
                        const char *apath, const struct hl_system *before,
                        const struct hl_system *after)
{
    struct hl_cli_sysdiff s;
    const struct hl_system *sys[2];
    const char *paths[2];
    const struct hl_cli_gates *g = &a->g;
    const char *bad = g->ignores.count != 0 ? "--ignore/--ignore-file"
                      : g->opts.fail_on_dead ? "--fail-on-dead"
                      : g->opts.exact_names  ? "--exact-names"
                      : g->report.all_values ? "--all-values"
                                             : NULL;
    size_t i;
    int rc;

    if (before == NULL || after == NULL)
        return hl_usage_error(diff_usage, "'%s' is %s and '%s' %s: diff "
                              "compares two of a kind",
                              before != NULL ? bpath : apath,
                              "a whole-system snapshot",
                              before != NULL ? apath : bpath,
                              "is of one process");
    if (bad != NULL)
        return hl_usage_error(diff_usage, "%s does not apply to "
                              "whole-system snapshots ('%s', '%s')",
                              bad, bpath, apath);
    sys[0] = before;
    sys[1] = after;
    paths[0] = bpath;
    paths[1] = apath;
    for (i = 0; i < g->nlimits; i++)
        if ((rc = hl_cli_check_sys_type(diff_usage, "--fail-on",
                                        g->limits[i].type, sys, paths,
                                        2)) != 0)
            return rc;
    memset(&s, 0, sizeof(s));
    s.gates.fail_on_new = g->opts.fail_on_new;
    s.gates.fail_on_new_max = g->opts.fail_on_new_max;
    s.gates.fail_on = g->limits;
    s.gates.nfail_on = g->nlimits;
    s.format = g->format == hl__format_find("json", HL__USE_DIFF)
                   ? HL_CLI_SYSDIFF_JSON
               : g->format == hl__format_find("csv", HL__USE_DIFF)
                   ? HL_CLI_SYSDIFF_CSV
                   : HL_CLI_SYSDIFF_TEXT;
    s.top = g->report.top;
    s.allow_reversed = a->allow_reversed;
    s.junit = g->junit;
    s.sarif = g->sarif;
    return hl_cli_diff_system(&s, bpath, apath, before, after);
}

int cmd_diff(int argc, char **argv)
{
    struct diff_args a;
    struct hl_optparse p;
    struct hl_snapshot before, after;
    struct hl_system *sys_before = NULL, *sys_after = NULL;
    struct hl_diff d;
    int err, rc;

    memset(&a, 0, sizeof(a));
    hl_cli_gates_init(&a.g, diff_usage);
    memset(&d, 0, sizeof(d));
    /* both releasable before they are read */
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    hl_opt_init(&p, argc, argv, &diff_table);
    if ((rc = parse_args(&a, &p)) != -1)
        goto out_release;
    hl_cli_gates_ready(&a.g);

    if ((rc = hl_read_input_any(p.argv[0], &before, &sys_before)) != 0 ||
        (rc = hl_read_input_any(p.argv[1], &after, &sys_after)) != 0)
        goto out_release;
    if (sys_before != NULL || sys_after != NULL) {
        rc = diff_systems(&a, p.argv[0], p.argv[1], sys_before, sys_after);
        goto out_release;
    }
    if ((rc = hl_cli_gates_check_types(&a.g, &before, &after)) != 0)
        goto out_release;
    if ((rc = check_order(&a, p.argv[0], p.argv[1], &before, &after)) != -1)
        goto out_release;
    err = hl_diff_compute(&before, &after, &a.g.opts, &d);
    if (err != 0) {
        hl_error("cannot compare '%s' and '%s': %s", p.argv[0], p.argv[1],
                 hl_strerror(err));
        rc = HL_EXIT_FAILURE;
        goto out_release;
    }
    if (a.g.opts.fail_on_dead && !d.dead.recorded && d.dead.unknown != 0)
        hl_warn("'%s' does not record which threads and processes exited "
                "(a dump, or taken with --no-names): --fail-on-dead "
                "counts none",
                p.argv[1]);
    rc = hl_cli_gates_report(&a.g, &d, &before, &after);

out_release:
    hl_system_free(sys_before);
    hl_system_free(sys_after);
    hl_diff_release(&d);
    hl_snapshot_release(&before);
    hl_snapshot_release(&after);
    hl_cli_gates_release(&a.g);
    return rc;
}
