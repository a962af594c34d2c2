#include "gates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "msg.h"
#include "textdec.h"
#include "typecheck.h"

void hl_cli_gates_init(struct hl_cli_gates *g, const char *const *usage)
{
    memset(g, 0, sizeof(*g));
    g->usage = usage;
    hl_patterns_init(&g->ignores);
}

void hl_cli_gates_release(struct hl_cli_gates *g)
{
    hl_patterns_release(&g->ignores);
    hl__free(g->origins);
    hl__free(g->limits);
    g->origins = NULL;
    g->limits = NULL;
}

static int add_limit(struct hl_cli_gates *g, char *spec)
{
    const char *num;
    size_t tlen;
    uint64_t max;
    int err;

    if (hl_opt_gate_spec(spec, 1, &tlen, &num) != 0 ||
        hl_opt_uint(num, 0, UINT64_MAX, &max) != 0)
        return hl_usage_error(g->usage,
                              "invalid --fail-on '%s': TYPE=N expected, N a "
                              "whole number",
                              spec);
    err = hl__grow((void **)&g->limits, &g->limits_cap, g->nlimits + 1,
                   sizeof(*g->limits));
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    spec[tlen] = '\0';
    g->limits[g->nlimits].type = spec;
    g->limits[g->nlimits].max = max;
    g->nlimits++;
    return 0;
}

/* Records where the patterns added since ignores held `before` came
 * from. */
static int note_origins(struct hl_cli_gates *g, size_t before,
                        const char *file, size_t line, const char *arg)
{
    int err;

    err = hl__grow((void **)&g->origins, &g->origins_cap, g->ignores.count,
                   sizeof(*g->origins));
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    for (; before < g->ignores.count; before++) {
        g->origins[before].file = file;
        g->origins[before].line = line;
        g->origins[before].arg = arg;
    }
    return 0;
}

/* Adds the patterns of one line; returns 0 or an exit code. */
static int add_ignore_line(struct hl_cli_gates *g, const char *path,
                           const char *text, size_t len, size_t line)
{
    size_t before = g->ignores.count, bad;
    int err;

    err = hl_patterns_parse(&g->ignores, text, len, &bad);
    if (err == HL_EINVAL)
        return hl_usage_error(g->usage,
                              "ignore file '%s', line %zu: TYPE:GLOB "
                              "expected",
                              path, line);
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return note_origins(g, before, path, line, NULL);
}

static int add_ignore_file(struct hl_cli_gates *g, const char *path)
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
        return hl_usage_error(g->usage,
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

        rc = add_ignore_line(g, path, text + pos, end - pos, ++line);
        pos = end + 1;
    }
    hl__free(text);
    return rc;
}

int hl_cli_gates_stdin(struct hl_cli_gates *g)
{
    return add_ignore_file(g, "-");
}

int hl_cli_gates_set_format(struct hl_cli_gates *g, const char *name)
{
    if (g->format != NULL)
        return hl_usage_error(g->usage,
                              "--json and --csv exclude each other");
    g->format = hl__format_find(name, HL__USE_DIFF);
    return 0;
}

static int add_ignore(struct hl_cli_gates *g, const char *arg)
{
    size_t before = g->ignores.count;
    int err = hl_patterns_add(&g->ignores, arg);

    if (err == HL_EINVAL)
        return hl_usage_error(g->usage,
                              "invalid --ignore '%s': TYPE:GLOB expected",
                              arg);
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return note_origins(g, before, NULL, 0, arg);
}

int hl_cli_gates_opt(struct hl_cli_gates *g, int id, struct hl_optparse *p)
{
    uint64_t v;
    int rc;

    switch (id) {
    case HL_GATE_OPT_JSON:
        return hl_cli_gates_set_format(g, "json");
    case HL_GATE_OPT_FAIL_ON:
        return add_limit(g, (char *)p->arg);
    case HL_GATE_OPT_FAIL_ON_DEAD:
    case HL_GATE_OPT_FAIL_ON_NEW:
        rc = hl_opt_number(p,
                           id == HL_GATE_OPT_FAIL_ON_DEAD ? "--fail-on-dead"
                                                          : "--fail-on-new",
                           NULL, 0, UINT64_MAX, &v);
        if (rc != 0)
            return rc;
        if (id == HL_GATE_OPT_FAIL_ON_DEAD) {
            g->opts.fail_on_dead = 1;
            g->opts.fail_on_dead_max = v;
        } else {
            g->opts.fail_on_new = 1;
            g->opts.fail_on_new_max = v;
        }
        return 0;
    case HL_GATE_OPT_IGNORE:
        return add_ignore(g, p->arg);
    case HL_GATE_OPT_IGNORE_FILE:
        if (strcmp(p->arg, "-") != 0)
            return add_ignore_file(g, p->arg);
        if (g->ignore_stdin)
            return hl_usage_error(g->usage, "--ignore-file '-' given twice");
        g->ignore_stdin = 1;
        return 0;
    case HL_GATE_OPT_JUNIT:
    case HL_GATE_OPT_SARIF:
        /* the text, JSON or CSV report has standard output */
        if (strcmp(p->arg, "-") == 0)
            return hl_usage_error(g->usage,
                                  "--%s '-': standard output carries "
                                  "the diff report; give a file name",
                                  id == HL_GATE_OPT_JUNIT ? "junit"
                                                          : "sarif");
        *(id == HL_GATE_OPT_JUNIT ? &g->junit : &g->sarif) = p->arg;
        return 0;
    case HL_GATE_OPT_TOP:
        if ((rc = hl_opt_number(p, "--top", NULL, 1, SIZE_MAX, &v)) != 0)
            return rc;
        g->report.top = (size_t)v;
        return 0;
    default:
        return 1;
    }
}

static int use_color(void)
{
    const char *no_color = getenv("NO_COLOR");

    return hl__stdout_is_tty() && (no_color == NULL || *no_color == '\0');
}

void hl_cli_gates_ready(struct hl_cli_gates *g)
{
    g->opts.ignores = &g->ignores;
    g->opts.fail_on = g->limits;
    g->opts.nfail_on = g->nlimits;
    if (g->format == NULL)
        g->format = hl__format_find("text", HL__USE_DIFF);
    g->report.color =
        (g->format->flags & HL__FORMAT_FOR_PEOPLE) != 0 && use_color();
}

int hl_cli_gates_check_types(const struct hl_cli_gates *g,
                             const struct hl_snapshot *before,
                             const struct hl_snapshot *after)
{
    const struct hl_snapshot *snaps[2];
    char where[512];
    size_t i;
    int rc;

    snaps[0] = before;
    snaps[1] = after;
    for (i = 0; i < g->nlimits; i++) {
        rc = hl_cli_check_type(g->usage, "--fail-on", g->limits[i].type, 0,
                               snaps, 2);
        if (rc != 0)
            return rc;
    }
    for (i = 0; i < g->ignores.count; i++) {
        const struct hl_cli_ignore_origin *o = &g->origins[i];

        if (strcmp(g->ignores.items[i].type, "*") == 0)
            continue;
        if (o->file != NULL)
            snprintf(where, sizeof(where), "ignore file '%s', line %zu",
                     o->file, o->line);
        else
            snprintf(where, sizeof(where), "--ignore '%s'", o->arg);
        rc = hl_cli_check_type(g->usage, where, g->ignores.items[i].type,
                               o->file != NULL, snaps, 2);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A stale ignore file shows on stderr too, where the text report (which
 * lists them) is not what was printed. */
void hl_cli_gates_warn_unmatched(const struct hl_cli_gates *g,
                                 const struct hl_diff *d)
{
    size_t i;

    if (g->format->flags & HL__FORMAT_FOR_PEOPLE)
        return;
    for (i = 0; i < d->nignores; i++) {
        if (d->ignore_hits[i] == 0)
            hl_warn("ignore pattern '%s' matched no handle in either "
                    "snapshot",
                    hl_diff_str(d, d->ignore_specs[i]));
    }
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

int hl_cli_gates_report(const struct hl_cli_gates *g,
                        const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after)
{
    int rc;

    hl_cli_gates_warn_unmatched(g, d);
    rc = hl_finish_stdout(
        g->format->diff_print(stdout, d, before, after, &g->report));
    if (rc == 0)
        rc = write_report("junit", g->junit, d, before, after);
    if (rc == 0)
        rc = write_report("sarif", g->sarif, d, before, after);
    if (rc == 0 && d->gate_failed)
        rc = HL_EXIT_GATE;
    return rc;
}
