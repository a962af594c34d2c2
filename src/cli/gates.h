#ifndef HLEAK_CLI_GATES_H
#define HLEAK_CLI_GATES_H

#include <stddef.h>

#include "diff-int.h"
#include "formats.h"
#include "hleak/ignore.h"
#include "opt.h"

/*
 * The leak gates and their reports, as `diff` and `run` take them
 * (--fail-on-new, --fail-on, --fail-on-dead, --ignore, --ignore-file,
 * --json, --junit, --sarif, --top): one parser, one type check, one writer, so
 * the two commands judge alike. A command puts the rows below in its own
 * sorted option table, hands every option id to hl_cli_gates_opt(), and
 * after parsing calls hl_cli_gates_ready().
 */
enum {
    HL_GATE_OPT_FAIL_ON = 1000,
    HL_GATE_OPT_FAIL_ON_DEAD,
    HL_GATE_OPT_FAIL_ON_NEW,
    HL_GATE_OPT_IGNORE,
    HL_GATE_OPT_IGNORE_FILE,
    HL_GATE_OPT_JSON,
    HL_GATE_OPT_JUNIT,
    HL_GATE_OPT_SARIF,
    HL_GATE_OPT_TOP
};

/* The option rows, each in its place of a table sorted by long name. */
#define HL_GATE_ROW_FAIL_ON {"fail-on", 0, 1, HL_GATE_OPT_FAIL_ON}
#define HL_GATE_ROW_FAIL_ON_DEAD {"fail-on-dead", 0, 1, HL_GATE_OPT_FAIL_ON_DEAD}
#define HL_GATE_ROW_FAIL_ON_NEW {"fail-on-new", 0, 1, HL_GATE_OPT_FAIL_ON_NEW}
#define HL_GATE_ROW_IGNORE {"ignore", 0, 1, HL_GATE_OPT_IGNORE}
#define HL_GATE_ROW_IGNORE_FILE {"ignore-file", 0, 1, HL_GATE_OPT_IGNORE_FILE}
#define HL_GATE_ROW_JSON {"json", 0, 0, HL_GATE_OPT_JSON}
#define HL_GATE_ROW_JUNIT {"junit", 0, 1, HL_GATE_OPT_JUNIT}
#define HL_GATE_ROW_SARIF {"sarif", 0, 1, HL_GATE_OPT_SARIF}
#define HL_GATE_ROW_TOP {"top", 0, 1, HL_GATE_OPT_TOP}

/* Where an ignore pattern came from, for the message on its TYPE: a
 * file and line, or (file NULL) the --ignore argument. */
struct hl_cli_ignore_origin {
    const char *file;
    size_t line;
    const char *arg;
};

struct hl_cli_gates {
    const char *const *usage;       /* the command's, for its errors */
    struct hl_diff_opts opts;       /* the gates; pointers set by _ready */
    struct hl_diff_report_opts report;
    struct hl_patterns ignores;
    struct hl_cli_ignore_origin *origins; /* one per pattern */
    size_t origins_cap;
    struct hl_type_limit *limits;
    size_t nlimits, limits_cap;
    const struct hl__format *format; /* NULL until an option chooses */
    const char *junit;
    const char *sarif;
    int ignore_stdin; /* --ignore-file -: read by hl_cli_gates_stdin() */
};

void hl_cli_gates_init(struct hl_cli_gates *g, const char *const *usage);
void hl_cli_gates_release(struct hl_cli_gates *g);

/* Handles option id (p's current one): 0 when done, 1 when it is not a
 * gate option, else an exit code (the error reported). */
int hl_cli_gates_opt(struct hl_cli_gates *g, int id, struct hl_optparse *p);

/* Chooses the report printed ("json", "csv"); a second choice is a usage
 * error. Returns 0 or HL_EXIT_USAGE. */
int hl_cli_gates_set_format(struct hl_cli_gates *g, const char *name);

/* Reads --ignore-file - now (the caller checked no input is '-'). */
int hl_cli_gates_stdin(struct hl_cli_gates *g);

/* After parsing: points opts at the patterns and limits, and chooses
 * the text report (colored on a terminal) when none was chosen. */
void hl_cli_gates_ready(struct hl_cli_gates *g);

/* Refuses a TYPE that names nothing in Windows or in the two snapshots
 * (a typo would switch a gate off). Returns 0 or an exit code. */
int hl_cli_gates_check_types(const struct hl_cli_gates *g,
                             const struct hl_snapshot *before,
                             const struct hl_snapshot *after);

/* Warns on stderr of the ignore patterns that matched nothing, when the
 * report printed is not the text one (which lists them). */
void hl_cli_gates_warn_unmatched(const struct hl_cli_gates *g,
                                 const struct hl_diff *d);

/* Prints the report to stdout and writes --junit/--sarif; returns 0,
 * HL_EXIT_GATE when a gate failed, or an exit code. */
int hl_cli_gates_report(const struct hl_cli_gates *g,
                        const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after);

#endif
