#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "diff-int.h"
#include "formats.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "input.h"
#include "msg.h"
#include "opt.h"
#include "sys-cli.h"
#include "textdec.h"
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
    OPT_EXACT_NAMES,
    OPT_FAIL_ON,
    OPT_FAIL_ON_DEAD,
    OPT_FAIL_ON_NEW,
    OPT_IGNORE,
    OPT_IGNORE_FILE,
    OPT_JSON,
    OPT_JUNIT,
    OPT_SARIF,
    OPT_TOP
};

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt diff_opts[] = {
    {"all-values", 0, 0, OPT_ALL_VALUES},
    {"allow-reversed", 0, 0, OPT_ALLOW_REVERSED},
    {"csv", 0, 0, OPT_CSV},
    {"exact-names", 0, 0, OPT_EXACT_NAMES},
    {"fail-on", 0, 1, OPT_FAIL_ON},
    {"fail-on-dead", 0, 1, OPT_FAIL_ON_DEAD},
    {"fail-on-new", 0, 1, OPT_FAIL_ON_NEW},
    {"ignore", 0, 1, OPT_IGNORE},
    {"ignore-file", 0, 1, OPT_IGNORE_FILE},
    {"json", 0, 0, OPT_JSON},
    {"junit", 0, 1, OPT_JUNIT},
    {"sarif", 0, 1, OPT_SARIF},
    {"top", 0, 1, OPT_TOP},
};

static const struct hl_opt_table diff_table =
    HL_OPT_TABLE(diff_opts, diff_usage, diff_help);

/* Where an ignore pattern came from, for the message on its TYPE: a
 * file and line, or (file NULL) the --ignore argument. */
struct ignore_origin {
    const char *file;
    size_t line;
    const char *arg;
};

struct diff_args {
    struct hl_diff_opts opts;
    struct hl_diff_report_opts report;
    struct hl_patterns ignores;
    struct ignore_origin *origins; /* one per pattern in ignores */
    size_t origins_cap;
    struct hl_type_limit *limits;
    size_t nlimits, limits_cap;
    const struct hl__format *format; /* NULL until an option chooses */
    const char *junit;
    const char *sarif;
    int allow_reversed;
    int ignore_stdin; /* --ignore-file -, read once BEFORE and AFTER are */
};

static int add_limit(struct diff_args *a, char *spec)
{
    const char *num;
    size_t tlen;
    uint64_t max;
    int err;

    if (hl_opt_gate_spec(spec, 1, &tlen, &num) != 0 ||
        hl_opt_uint(num, 0, UINT64_MAX, &max) != 0)
        return hl_usage_error(diff_usage,
                              "invalid --fail-on '%s': TYPE=N expected, N a "
                              "whole number",
                              spec);
    err = hl__grow((void **)&a->limits, &a->limits_cap, a->nlimits + 1,
                   sizeof(*a->limits));
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    spec[tlen] = '\0';
    a->limits[a->nlimits].type = spec;
    a->limits[a->nlimits].max = max;
    a->nlimits++;
    return 0;
}

/* Records where the patterns added since ignores held `before` came
 * from. */
static int note_origins(struct diff_args *a, size_t before, const char *file,
                        size_t line, const char *arg)
{
    int err;

    err = hl__grow((void **)&a->origins, &a->origins_cap, a->ignores.count,
                   sizeof(*a->origins));
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    for (; before < a->ignores.count; before++) {
        a->origins[before].file = file;
        a->origins[before].line = line;
        a->origins[before].arg = arg;
    }
    return 0;
}

/* Adds the patterns of one line; returns 0 or an exit code. */
static int add_ignore_line(struct diff_args *a, const char *path,
                           const char *text, size_t len, size_t line)
{
    size_t before = a->ignores.count, bad;
    int err;

    err = hl_patterns_parse(&a->ignores, text, len, &bad);
    if (err == HL_EINVAL)
        return hl_usage_error(diff_usage,
                              "ignore file '%s', line %zu: TYPE:GLOB "
                              "expected",
                              path, line);
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return note_origins(a, before, path, line, NULL);
}

static int add_ignore_file(struct diff_args *a, const char *path)
{
    unsigned char *buf;
    char *text;
    size_t len, tlen, line = 0, pos = 0;
    int err, rc = 0;

    err = strcmp(path, "-") == 0 ? hl__fs_read_stdin(&buf, &len)
                                 : hl__fs_read(path, &buf, &len);
    if (err != 0) {
        hl_error("cannot read ignore file '%s': %s", path, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    /* Notepad writes a BOM, Windows PowerShell 5's '>' UTF-16LE. */
    err = hl__text_decode(buf, len, &text, &tlen, &line);
    hl__free(buf);
    if (err == HL_EINVAL)
        return hl_usage_error(diff_usage,
                              "ignore file '%s', line %zu: not text in "
                              "UTF-8, or UTF-16 with a byte-order mark",
                              path, line);
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    /* Line by line, to remember each pattern's line for the type check
     * that can only come once the inputs are read. */
    while (rc == 0 && pos < tlen) {
        const char *nl = memchr(text + pos, '\n', tlen - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : tlen;

        rc = add_ignore_line(a, path, text + pos, end - pos, ++line);
        pos = end + 1;
    }
    hl__free(text);
    return rc;
}

/* Refuses a TYPE that names nothing in Windows or in the inputs: a typo
 * would otherwise switch a gate off. Returns 0 or an exit code. */
static int check_types(const struct diff_args *a,
                       const struct hl_snapshot *before,
                       const struct hl_snapshot *after)
{
    const struct hl_snapshot *snaps[2];
    char where[512];
    size_t i;
    int rc;

    snaps[0] = before;
    snaps[1] = after;
    for (i = 0; i < a->nlimits; i++) {
        rc = hl_cli_check_type(diff_usage, "--fail-on", a->limits[i].type, 0,
                               snaps, 2);
        if (rc != 0)
            return rc;
    }
    for (i = 0; i < a->ignores.count; i++) {
        const struct ignore_origin *o = &a->origins[i];

        if (strcmp(a->ignores.items[i].type, "*") == 0)
            continue;
        if (o->file != NULL)
            snprintf(where, sizeof(where), "ignore file '%s', line %zu",
                     o->file, o->line);
        else
            snprintf(where, sizeof(where), "--ignore '%s'", o->arg);
        rc = hl_cli_check_type(diff_usage, where, a->ignores.items[i].type,
                               o->file != NULL, snaps, 2);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Parses the command line; returns -1 to go on, else an exit code. */
static int parse_args(struct diff_args *a, struct hl_optparse *p)
{
    uint64_t v;
    int id, err, rc;

    while ((id = hl_opt_next(p)) != HL_OPT_END) {
        switch (id) {
        case OPT_CSV:
        case OPT_JSON:
            if (a->format != NULL)
                return hl_usage_error(diff_usage,
                                      "--json and --csv exclude each other");
            a->format = hl__format_find(id == OPT_CSV ? "csv" : "json",
                                        HL__USE_DIFF);
            break;
        case OPT_EXACT_NAMES:
            a->opts.exact_names = 1;
            break;
        case OPT_ALLOW_REVERSED:
            a->allow_reversed = 1;
            break;
        case OPT_ALL_VALUES:
            a->report.all_values = 1;
            break;
        case OPT_FAIL_ON:
            if ((rc = add_limit(a, (char *)p->arg)) != 0)
                return rc;
            break;
        case OPT_FAIL_ON_DEAD:
            if ((rc = hl_opt_number(p, "--fail-on-dead", NULL, 0, UINT64_MAX,
                                    &v)) != 0)
                return rc;
            a->opts.fail_on_dead = 1;
            a->opts.fail_on_dead_max = v;
            break;
        case OPT_FAIL_ON_NEW:
            if ((rc = hl_opt_number(p, "--fail-on-new", NULL, 0, UINT64_MAX,
                                    &v)) != 0)
                return rc;
            a->opts.fail_on_new = 1;
            a->opts.fail_on_new_max = v;
            break;
        case OPT_IGNORE:
            v = a->ignores.count;
            err = hl_patterns_add(&a->ignores, p->arg);
            if (err == 0 &&
                (rc = note_origins(a, (size_t)v, NULL, 0, p->arg)) != 0)
                return rc;
            if (err == HL_EINVAL)
                return hl_usage_error(diff_usage,
                                      "invalid --ignore '%s': TYPE:GLOB "
                                      "expected",
                                      p->arg);
            if (err != 0) {
                hl_error("%s", hl_strerror(err));
                return HL_EXIT_FAILURE;
            }
            break;
        case OPT_IGNORE_FILE:
            if (strcmp(p->arg, "-") == 0) {
                if (a->ignore_stdin)
                    return hl_usage_error(diff_usage, "--ignore-file '-' "
                                                      "given twice");
                a->ignore_stdin = 1;
            } else if ((rc = add_ignore_file(a, p->arg)) != 0) {
                return rc;
            }
            break;
        case OPT_JUNIT:
        case OPT_SARIF:
            /* the text, JSON or CSV report has standard output */
            if (strcmp(p->arg, "-") == 0)
                return hl_usage_error(diff_usage,
                                      "--%s '-': standard output carries "
                                      "the diff report; give a file name",
                                      id == OPT_JUNIT ? "junit" : "sarif");
            *(id == OPT_JUNIT ? &a->junit : &a->sarif) = p->arg;
            break;
        case OPT_TOP:
            if ((rc = hl_opt_number(p, "--top", NULL, 1, SIZE_MAX, &v)) != 0)
                return rc;
            a->report.top = (size_t)v;
            break;
        default:
            return p->status;
        }
    }
    if (p->npos != 2)
        return hl_usage_error(diff_usage, "two snapshot files expected, "
                                          "BEFORE and AFTER");
    if (strcmp(p->argv[0], "-") == 0 && strcmp(p->argv[1], "-") == 0)
        return hl_usage_error(diff_usage, "BEFORE and AFTER cannot both be "
                                          "'-' (standard input)");
    if (a->ignore_stdin) {
        if (strcmp(p->argv[0], "-") == 0 || strcmp(p->argv[1], "-") == 0)
            return hl_usage_error(diff_usage,
                                  "--ignore-file and %s cannot both be '-' "
                                  "(standard input)",
                                  strcmp(p->argv[0], "-") == 0 ? "BEFORE"
                                                               : "AFTER");
        if ((rc = add_ignore_file(a, "-")) != 0)
            return rc;
    }
    return -1;
}

/* The report of format name (a row with diff_write) to path, if given. */
static int write_report(const char *name, const char *path,
                        const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after)
{
    const struct hl__format *f = hl__format_find(name, HL__USE_DIFF_FILE);
    int err;

    if (path == NULL || (err = f->diff_write(path, d, before, after)) == 0)
        return 0;
    hl_error("cannot write %s report '%s': %s", f->label, path,
             hl_strerror(err));
    return HL_EXIT_FAILURE;
}

static int write_ci_reports(const struct diff_args *a, const struct hl_diff *d,
                            const struct hl_snapshot *before,
                            const struct hl_snapshot *after)
{
    int rc = write_report("junit", a->junit, d, before, after);

    return rc != 0 ? rc : write_report("sarif", a->sarif, d, before, after);
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

/* A stale ignore file shows on stderr too, where the text report (which
 * lists them) is not what was printed. */
static void warn_unmatched(const struct diff_args *a, const struct hl_diff *d)
{
    size_t i;

    if (a->format->flags & HL__FORMAT_FOR_PEOPLE)
        return;
    for (i = 0; i < d->nignores; i++) {
        if (d->ignore_hits[i] == 0)
            hl_warn("ignore pattern '%s' matched no handle in either "
                    "snapshot",
                    hl_diff_str(d, d->ignore_specs[i]));
    }
}

static int use_color(void)
{
    const char *no_color = getenv("NO_COLOR");

    return hl__stdout_is_tty() && (no_color == NULL || *no_color == '\0');
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
    const char *bad = a->ignores.count != 0 ? "--ignore/--ignore-file"
                      : a->opts.fail_on_dead ? "--fail-on-dead"
                      : a->opts.exact_names  ? "--exact-names"
                      : a->report.all_values ? "--all-values"
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
    for (i = 0; i < a->nlimits; i++)
        if ((rc = hl_cli_check_sys_type(diff_usage, "--fail-on",
                                        a->limits[i].type, sys, paths,
                                        2)) != 0)
            return rc;
    memset(&s, 0, sizeof(s));
    s.gates.fail_on_new = a->opts.fail_on_new;
    s.gates.fail_on_new_max = a->opts.fail_on_new_max;
    s.gates.fail_on = a->limits;
    s.gates.nfail_on = a->nlimits;
    s.format = a->format == hl__format_find("json", HL__USE_DIFF)
                   ? HL_CLI_SYSDIFF_JSON
               : a->format == hl__format_find("csv", HL__USE_DIFF)
                   ? HL_CLI_SYSDIFF_CSV
                   : HL_CLI_SYSDIFF_TEXT;
    s.top = a->report.top;
    s.allow_reversed = a->allow_reversed;
    s.junit = a->junit;
    s.sarif = a->sarif;
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
    hl_patterns_init(&a.ignores);
    memset(&d, 0, sizeof(d));
    /* both releasable before they are read */
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    hl_opt_init(&p, argc, argv, &diff_table);
    if ((rc = parse_args(&a, &p)) != -1)
        goto out_release;
    a.opts.ignores = &a.ignores;
    a.opts.fail_on = a.limits;
    a.opts.nfail_on = a.nlimits;
    if (a.format == NULL)
        a.format = hl__format_find("text", HL__USE_DIFF);
    a.report.color =
        (a.format->flags & HL__FORMAT_FOR_PEOPLE) != 0 && use_color();

    if ((rc = hl_read_input_any(p.argv[0], &before, &sys_before)) != 0 ||
        (rc = hl_read_input_any(p.argv[1], &after, &sys_after)) != 0)
        goto out_release;
    if (sys_before != NULL || sys_after != NULL) {
        rc = diff_systems(&a, p.argv[0], p.argv[1], sys_before, sys_after);
        goto out_release;
    }
    if ((rc = check_types(&a, &before, &after)) != 0)
        goto out_release;
    if ((rc = check_order(&a, p.argv[0], p.argv[1], &before, &after)) != -1)
        goto out_release;
    err = hl_diff_compute(&before, &after, &a.opts, &d);
    if (err != 0) {
        hl_error("cannot compare '%s' and '%s': %s", p.argv[0], p.argv[1],
                 hl_strerror(err));
        rc = HL_EXIT_FAILURE;
        goto out_release;
    }
    if (a.opts.fail_on_dead && !d.dead.recorded && d.dead.unknown != 0)
        hl_warn("'%s' does not record which threads and processes exited "
                "(a dump, or taken with --no-names): --fail-on-dead "
                "counts none",
                p.argv[1]);
    warn_unmatched(&a, &d);
    err = a.format->diff_print(stdout, &d, &before, &after, &a.report);
    rc = hl_finish_stdout(err);
    if (rc == 0)
        rc = write_ci_reports(&a, &d, &before, &after);
    if (rc == 0 && d.gate_failed)
        rc = HL_EXIT_GATE;

out_release:
    hl_system_free(sys_before);
    hl_system_free(sys_after);
    hl_diff_release(&d);
    hl_snapshot_release(&before);
    hl_snapshot_release(&after);
    hl_patterns_release(&a.ignores);
    hl__free(a.origins);
    hl__free(a.limits);
    return rc;
}
