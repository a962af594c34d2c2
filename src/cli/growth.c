#include "growth.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "diff-int.h"
#include "formats.h"
#include "hleak/err.h"
#include "msg.h"
#include "objtypes.h"
#include "opt.h"
#include "typecheck.h"

int hl_cli_file_arg(const char *const *usage, const char *opt,
                    const char *what, const char *arg, const char **out)
{
    if (strcmp(arg, "-") == 0)
        return hl_usage_error(usage,
                              "--%s '-': standard output carries %s; give "
                              "a file name",
                              opt, what);
    *out = arg;
    return 0;
}

void hl_cli_growth_init(struct hl_cli_growth *g, const char *const *usage)
{
    memset(g, 0, sizeof(*g));
    g->usage = usage;
    hl_watch_init(&g->series);
}

void hl_cli_growth_release(struct hl_cli_growth *g)
{
    hl_watch_log_close(g->log);
    g->log = NULL;
    hl_watch_release(&g->series);
    hl__free(g->limits);
    g->limits = NULL;
    g->nlimits = g->limits_cap = 0;
}

/* "10", "0.5": a decimal number of handles per minute. */
static int parse_rate(const char *s, double *rate)
{
    size_t n = strspn(s, "0123456789"), f = 0;

    if (s[n] == '.')
        f = strspn(s + n + 1, "0123456789");
    if (n == 0 || n > 9 || s[n + (s[n] == '.' ? f + 1 : 0)] != '\0' ||
        (s[n] == '.' && f == 0))
        return HL_EINVAL;
    *rate = strtod(s, NULL);
    return 0;
}

int hl_cli_growth_add_limit(struct hl_cli_growth *g, char *spec)
{
    const char *num, *suggest = NULL;
    enum hl__objtype_verdict verdict;
    size_t tlen;
    double rate;
    int err;

    if (hl_opt_gate_spec(spec, 0, &tlen, &num) != 0 ||
        parse_rate(num, &rate) != 0)
        return hl_usage_error(g->usage,
                              "invalid --fail-on-growth '%s': RATE or "
                              "TYPE=RATE expected, RATE in handles per "
                              "minute",
                              spec);
    if (tlen != 0)
        spec[tlen] = '\0';
    /* A typo must not switch the gate off. The live types are not known
     * yet: a name near a Windows type, or with quotes a shell left in, is
     * refused now; one far from every Windows type waits for the first
     * sample (a newer Windows may have it). */
    verdict = tlen != 0 ? hl__objtype_check(spec, NULL, 0, &suggest)
                        : HL__OBJTYPE_KNOWN;
    if ((verdict == HL__OBJTYPE_QUOTED ||
         (verdict == HL__OBJTYPE_UNKNOWN && suggest != NULL)) &&
        (err = hl_cli_check_type(g->usage, "--fail-on-growth", spec, 0,
                                 NULL, 0)) != 0)
        return err;
    err = hl__grow((void **)&g->limits, &g->limits_cap, g->nlimits + 1,
                   sizeof(*g->limits));
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    g->limits[g->nlimits].type = tlen != 0 ? spec : NULL;
    g->limits[g->nlimits].rate = rate;
    g->limits[g->nlimits].unchecked = verdict != HL__OBJTYPE_KNOWN;
    g->nlimits++;
    return 0;
}

/* A gate that the planned samples could never satisfy is refused before
 * the run; one cut short still ends "could not judge" (exit 4). */
int hl_cli_growth_check_planned(const struct hl_cli_growth *g, uint64_t n,
                                const char *what, const char *advice)
{
    if (g->nlimits == 0 || n == 0 || n >= HL_TREND_MIN_SAMPLES)
        return -1;
    return hl_usage_error(g->usage,
                          "--fail-on-growth needs at least %d samples to "
                          "judge; %s takes %" PRIu64 " (%s)",
                          HL_TREND_MIN_SAMPLES, what, n, advice);
}

int hl_cli_growth_open(struct hl_cli_growth *g)
{
    int err;

    if (g->svg != NULL && (err = hl__fs_check_writable(g->svg)) != 0) {
        hl_error("cannot write SVG file '%s': %s", g->svg, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (g->csv != NULL && (err = hl_watch_log_open(g->csv, &g->log)) != 0) {
        hl_error("cannot write CSV file '%s': %s", g->csv, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return 0;
}

/* The gate types Windows' table lacks, against the process's own types
 * at the first sample. Returns 0 or HL_EXIT_USAGE. */
static int check_live_types(const struct hl_cli_growth *g,
                            const struct hl_snapshot *snap)
{
    size_t i;
    int rc;

    for (i = 0; i < g->nlimits; i++) {
        if (g->limits[i].unchecked &&
            (rc = hl_cli_check_type(g->usage, "--fail-on-growth",
                                    g->limits[i].type, 0, &snap, 1)) != 0)
            return rc;
    }
    return 0;
}

/* Counts snap's handles per type and appends them as a sample. */
static int add_counts(struct hl_watch *series,
                      const struct hl_snapshot *snap, double t,
                      uint64_t wall)
{
    uint32_t *per_id, *counts;
    const char **names;
    size_t i, n = 0, nids = snap->strings.count;
    int err = HL_ENOMEM;

    per_id = hl__calloc(nids, sizeof(*per_id));
    counts = hl__calloc(nids, sizeof(*counts));
    names = hl__calloc(nids, sizeof(*names));
    if (per_id == NULL || counts == NULL || names == NULL)
        goto out_free;
    for (i = 0; i < snap->count; i++) {
        if (snap->handles[i].type < nids)
            per_id[snap->handles[i].type]++;
    }
    for (i = 0; i < nids; i++) {
        if (per_id[i] == 0)
            continue;
        names[n] = hl_snapshot_str(snap, (uint32_t)i);
        /* a type the system would not name still needs a column */
        if (*names[n] == '\0')
            names[n] = "(unknown)";
        counts[n++] = per_id[i];
    }
    err = hl_watch_add(series, t, wall, names, counts, n);

out_free:
    hl__free(names);
    hl__free(counts);
    hl__free(per_id);
    return err;
}

int hl_cli_growth_add(struct hl_cli_growth *g, const struct hl_snapshot *snap,
                      uint64_t mid_us, uint64_t wall)
{
    int err, rc;

    if (g->series.nsamples == 0) {
        if ((rc = check_live_types(g, snap)) != 0)
            return rc;
        g->mid0_us = mid_us;
    }
    err = add_counts(&g->series, snap, (double)(mid_us - g->mid0_us) / 1e6,
                     wall);
    if (err != 0) {
        hl_error("cannot record a sample: %s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return 0;
}

int hl_cli_growth_log(struct hl_cli_growth *g, const char *stops)
{
    int err;

    if (g->log == NULL)
        return 0;
    err = hl_watch_log_update(g->log, &g->series);
    if (err != 0) {
        hl_error("cannot write CSV file '%s': %s; %s", g->csv,
                 hl_strerror(err), stops);
        return HL_EIO;
    }
    return 0;
}

/* The series in format name (a row with a watch entry) to path. */
static int write_series(const struct hl_watch *series, const char *name,
                        const char *path, const char *title)
{
    const struct hl__format *f = hl__format_find(name, HL__USE_WATCH);
    char *buf = NULL;
    size_t len = 0;
    int err = f->watch(series, title, &buf, &len);

    if (err == 0) {
        err = hl__fs_write_atomic(path, buf, len);
        hl_free(buf);
    }
    if (err != 0) {
        hl_error("cannot write %s file '%s': %s", f->label, path,
                 hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    hl_note("wrote %s", path);
    return 0;
}

/* The CSV file is complete once the last sample is in and on disk. */
static int finish_csv(struct hl_cli_growth *g)
{
    int err;

    if (g->log == NULL)
        return 0;
    err = hl_watch_log_update(g->log, &g->series);
    if (hl_watch_log_close(g->log) != 0 && err == 0)
        err = HL_EIO;
    g->log = NULL;
    if (err != 0) {
        hl_error("cannot write CSV file '%s': %s", g->csv, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    hl_note("wrote %s", g->csv);
    return 0;
}

int hl_cli_growth_finish(struct hl_cli_growth *g, const char *title)
{
    int rc = finish_csv(g);

    if (g->svg != NULL)
        rc |= write_series(&g->series, "svg", g->svg, title);
    return rc != 0 ? HL_EXIT_FAILURE : 0;
}

struct verdict_row {
    const char *name;
    struct hl_trend tr;
};

/* Growing first, fastest first; then shrinking; then the rest by name. */
static int verdict_cmp(const void *pa, const void *pb)
{
    const struct verdict_row *a = pa, *b = pb;
    int ra = a->tr.cls == HL_TREND_GROWING     ? 0
             : a->tr.cls == HL_TREND_SHRINKING ? 1
                                               : 2;
    int rb = b->tr.cls == HL_TREND_GROWING     ? 0
             : b->tr.cls == HL_TREND_SHRINKING ? 1
                                               : 2;

    if (ra != rb)
        return ra - rb;
    if (ra == 0 && a->tr.slope != b->tr.slope)
        return a->tr.slope > b->tr.slope ? -1 : 1;
    return strcmp(a->name, b->name);
}

static const struct hl_cli_growth_limit *
limit_for(const struct hl_cli_growth *g, const char *type)
{
    const struct hl_cli_growth_limit *any = NULL;
    size_t i;

    for (i = 0; i < g->nlimits; i++) {
        if (g->limits[i].type == NULL)
            any = &g->limits[i];
        else if (hl__type_eq(type, g->limits[i].type))
            return &g->limits[i];
    }
    return any;
}

/* The verdict's line for one type: its class and the measured rate. */
static void print_row(FILE *out, const struct verdict_row *row,
                      size_t width, size_t nsamples)
{
    const struct hl_trend *tr = &row->tr;

    fprintf(out, "  %-*s  %-9s ", (int)width, row->name,
            hl_trend_class_str(tr->cls));
    /* one sample has no rate; from two on the rate is shown, classified
     * or not, so a user can see what could not be judged */
    if (nsamples < 2)
        fprintf(out, "%13s", "no rate");
    else
        fprintf(out, "%+9.1f/min", tr->slope);
    fprintf(out, "  %s", hl_trend_why_str(tr->why));
    /* how well a line fits says nothing about a flat series */
    if (tr->why != HL_TREND_FLAT && tr->why != HL_TREND_FEW_SAMPLES)
        fprintf(out, " (fit %.2f)", tr->steadiness);
    fprintf(out, "\n");
}

static int over_limit(const struct hl_cli_growth *g,
                      const struct verdict_row *row, double *rate)
{
    const struct hl_cli_growth_limit *lim = limit_for(g, row->name);

    if (lim == NULL || row->tr.cls != HL_TREND_GROWING ||
        row->tr.slope <= lim->rate)
        return 0;
    *rate = lim->rate;
    return 1;
}

int hl_cli_growth_to_diff(const struct hl_cli_growth *g, struct hl_diff *d)
{
    const struct hl_watch *w = &g->series;
    const struct hl_cli_growth_limit *lim;
    struct hl_trend tr;
    size_t i, k;
    int err;

    for (k = 0; k < g->nlimits; k++) {
        const char *worst = NULL;
        double rate = 0.0, lrate;
        int failed = 0;

        lim = &g->limits[k];
        for (i = 0; i < w->ntypes; i++) {
            if (limit_for(g, w->types[i].name) != lim ||
                hl_watch_trend(w, i, &tr) != 0)
                continue;
            /* the failing type first, else the fastest one */
            lrate = 0.0;
            if (over_limit(g, &(struct verdict_row){w->types[i].name, tr},
                           &lrate)) {
                if (!failed || tr.slope > rate) {
                    worst = w->types[i].name;
                    rate = tr.slope;
                }
                failed = 1;
            } else if (!failed && tr.slope > 0.0 &&
                       (worst == NULL || tr.slope > rate)) {
                worst = w->types[i].name;
                rate = tr.slope;
            }
        }
        err = hl__diff_add_growth(d, lim->type, worst, rate, lim->rate,
                                  w->nsamples,
                                  w->nsamples >= HL_TREND_MIN_SAMPLES,
                                  failed);
        if (err != 0) {
            hl_error("%s", hl_strerror(err));
            return HL_EXIT_FAILURE;
        }
    }
    return 0;
}

int hl_cli_growth_verdict(const struct hl_cli_growth *g, FILE *out,
                          const char *advice, int *gate_failed,
                          int *undecided)
{
    const struct hl_watch *w = &g->series;
    struct verdict_row *rows;
    size_t i, width = 4;
    double rate;

    *gate_failed = 0;
    /* Every type has as many samples: too few for one is too few for
     * all, and a gate that cannot judge must not pass. */
    *undecided = g->nlimits > 0 && w->nsamples < HL_TREND_MIN_SAMPLES;
    rows = hl__calloc(w->ntypes + 1, sizeof(*rows));
    if (rows == NULL) {
        hl_error("%s", hl_strerror(HL_ENOMEM));
        return HL_EXIT_FAILURE;
    }
    for (i = 0; i < w->ntypes; i++) {
        rows[i].name = w->types[i].name;
        hl_watch_trend(w, i, &rows[i].tr);
        if (strlen(rows[i].name) > width)
            width = strlen(rows[i].name);
    }
    qsort(rows, w->ntypes, sizeof(*rows), verdict_cmp);
    if (out != NULL) {
        fprintf(out, "verdict after %zu sample%s over %.1f s:\n",
                w->nsamples, w->nsamples == 1 ? "" : "s",
                w->nsamples > 0 ? w->t[w->nsamples - 1] : 0.0);
        for (i = 0; i < w->ntypes; i++)
            print_row(out, &rows[i], width, w->nsamples);
        fflush(out);
    }
    for (i = 0; i < w->ntypes; i++) {
        if (!over_limit(g, &rows[i], &rate))
            continue;
        *gate_failed = 1;
        hl_error("%s grows by %.1f handles per minute, over the limit "
                     "of %g",
                 rows[i].name, rows[i].tr.slope, rate);
    }
    if (*undecided)
        hl_error("cannot judge growth: %zu sample%s, the trend needs at "
                 "least %d; %s",
                 w->nsamples, w->nsamples == 1 ? "" : "s",
                 HL_TREND_MIN_SAMPLES, advice);
    else if (w->nsamples < HL_TREND_MIN_SAMPLES)
        hl_note("%zu sample%s: too few to tell growing from stable (the "
                "trend needs at least %d)",
                w->nsamples, w->nsamples == 1 ? "" : "s",
                HL_TREND_MIN_SAMPLES);
    hl__free(rows);
    return 0;
}
