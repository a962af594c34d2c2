#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "formats.h"
#include "hleak/collect.h"
#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "watch.h"
#include "msg.h"
#include "objtypes.h"
#include "opt.h"
#include "sampling.h"
#include "target.h"
#include "typecheck.h"

static const char *const watch_usage[] = {
    "hleak watch (-p PID | -n IMAGE) [--interval DUR] "
    "[--duration DUR | --samples N] [--csv FILE] [--svg FILE] [--keep DIR] "
    "[--fail-on-growth [TYPE=]RATE]... [--until-exit]",
    NULL,
};

static const char watch_help[] =
    "\n"
    "Samples the process's handle counts per type at every interval,\n"
    "shows them live (a table redrawn in place on a terminal, one line\n"
    "per sample otherwise), and at the end tells for each type whether it\n"
    "is growing (in handles per minute), stable or shrinking. A type that\n"
    "rises and then levels off (a cache) is stable; see docs/watch.md.\n"
    "\n"
    "options:\n"
    "  -p, --pid PID           the process to watch\n"
    "  -n, --name IMAGE        the process whose image file is IMAGE\n"
    "  --interval DUR          time between samples (default 1s; 50ms to\n"
    "                          1h); DUR is a whole number and a unit: ms,\n"
    "                          s, m or h, as in 500ms, 2m\n"
    "  --duration DUR          stop after DUR (default: at Ctrl+C)\n"
    "  --samples N             stop after N samples\n"
    "  --csv FILE              write one row per sample: UTC time, seconds,\n"
    "                          total, one column per type; each row is\n"
    "                          written as its sample is taken\n"
    "  --svg FILE              write a chart of the counts per type\n"
    "  --keep DIR              write full snapshots (with names) of the\n"
    "                          first and last samples to DIR/first.snap and\n"
    "                          DIR/last.snap, for 'hleak diff' (DIR is\n"
    "                          made if missing); none of the three '-'\n"
    "  --fail-on-growth RATE   exit 1 when a type grows by more than RATE\n"
    "                          handles per minute; TYPE=RATE for one type\n"
    "                          (overrides RATE); repeatable; exit 4 when\n"
    "                          the samples are too few to judge (under 5)\n"
    "  --until-exit            the process exiting ends the watch normally\n"
    "                          (to watch a test run to its end)\n"
    "  -h, --help              print this help\n"
    "\n"
    "Output paths are checked before the first sample. Ctrl+C (and\n"
    "Ctrl+Break, the console closing, SIGTERM where the system delivers\n"
    "it) ends the watch; the verdict and every file are still written.\n"
    "A write to standard output that fails (a closed pipe) ends it too.\n"
    "The live table is colored on a terminal unless NO_COLOR is set.\n"
    "\n"
    "Exit status: 0 no growth gate failed, 1 a growth gate failed, 2 usage\n"
    "error, 3 failure (a file or standard output not writable) or the\n"
    "process exited (without --until-exit), 4 a growth gate could not\n"
    "judge (too few samples).\n";

enum { OPT_CSV = 1, OPT_DURATION, OPT_FAIL_ON_GROWTH, OPT_INTERVAL, OPT_KEEP,
       OPT_SAMPLES, OPT_SVG, OPT_UNTIL_EXIT };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt watch_opts[] = {
    {"csv", 0, 1, OPT_CSV},
    {"duration", 0, 1, OPT_DURATION},
    {"fail-on-growth", 0, 1, OPT_FAIL_ON_GROWTH},
    {"interval", 0, 1, OPT_INTERVAL},
    {"keep", 0, 1, OPT_KEEP},
    {"name", 'n', 1, HL_CLI_OPT_NAME},
    {"pid", 'p', 1, HL_CLI_OPT_PID},
    {"samples", 0, 1, OPT_SAMPLES},
    {"svg", 0, 1, OPT_SVG},
    {"until-exit", 0, 0, OPT_UNTIL_EXIT},
};

static const struct hl_opt_table watch_table =
    HL_OPT_TABLE(watch_opts, watch_usage, watch_help);

struct growth_limit {
    const char *type; /* NULL: every type without its own limit */
    double rate;      /* handles per minute */
    int unchecked;    /* no Windows type: checked on the first sample */
};

struct watch_args {
    struct hl_collect_opts copts;
    struct hl_cli_target t;
    uint64_t interval_ms;
    uint64_t duration_ms; /* 0: none */
    uint64_t samples;     /* 0: none */
    const char *csv, *svg, *keep;
    int until_exit;
    struct growth_limit *limits;
    size_t nlimits, limits_cap;
};

/* Why sampling stopped. */
enum stop {
    STOP_DONE,
    STOP_INTERRUPTED, /* Ctrl+C, Ctrl+Break, console closed, SIGTERM */
    STOP_EXITED,      /* the process exited */
    STOP_OUTPUT       /* standard output or the CSV file failed */
};

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

static int add_limit(struct watch_args *a, char *spec)
{
    const char *num, *suggest = NULL;
    enum hl__objtype_verdict verdict;
    size_t tlen;
    double rate;
    int err;

    if (hl_opt_gate_spec(spec, 0, &tlen, &num) != 0 ||
        parse_rate(num, &rate) != 0)
        return hl_usage_error(watch_usage,
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
        (err = hl_cli_check_type(watch_usage, "--fail-on-growth", spec, 0,
                                 NULL, 0)) != 0)
        return err;
    err = hl__grow((void **)&a->limits, &a->limits_cap, a->nlimits + 1,
                   sizeof(*a->limits));
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    a->limits[a->nlimits].type = tlen != 0 ? spec : NULL;
    a->limits[a->nlimits].rate = rate;
    a->limits[a->nlimits].unchecked = verdict != HL__OBJTYPE_KNOWN;
    a->nlimits++;
    return 0;
}

/* A gate that the planned samples could never satisfy is refused before
 * the run; a watch cut short still ends "could not judge" (exit 4). */
static int check_gate_samples(const struct watch_args *a)
{
    uint64_t n = a->samples;

    if (a->nlimits == 0)
        return -1;
    if (a->duration_ms != 0)
        n = a->duration_ms / a->interval_ms + 1;
    if (n == 0 || n >= HL_TREND_MIN_SAMPLES)
        return -1;
    return hl_usage_error(watch_usage,
                          "--fail-on-growth needs at least %d samples to "
                          "judge; this watch takes %" PRIu64
                          " (lengthen --duration or --samples, or shorten "
                          "--interval)",
                          HL_TREND_MIN_SAMPLES, n);
}

/* A file or folder option: '-' would be a file named '-', and standard
 * output already carries the live table. Returns 0 or an exit code. */
static int path_arg(const char *opt, const char *arg, const char **out)
{
    if (strcmp(arg, "-") == 0)
        return hl_usage_error(watch_usage,
                              "--%s '-': standard output carries the live "
                              "table; give a file name",
                              opt);
    *out = arg;
    return 0;
}

/* Parses the command line; returns -1 to go on, else an exit code. */
static int parse_args(struct watch_args *a, struct hl_optparse *p)
{
    int id, rc;

    while ((id = hl_cli_target_next(&a->t, p)) != HL_OPT_END) {
        switch (id) {
        case OPT_CSV:
            if ((rc = path_arg("csv", p->arg, &a->csv)) != 0)
                return rc;
            break;
        case OPT_DURATION:
            if ((rc = hl_cli_duration(watch_usage, p->arg,
                                      &a->duration_ms)) != 0)
                return rc;
            break;
        case OPT_FAIL_ON_GROWTH:
            if ((rc = add_limit(a, (char *)p->arg)) != 0)
                return rc;
            break;
        case OPT_INTERVAL:
            if ((rc = hl_cli_interval(watch_usage, p->arg,
                                      &a->interval_ms)) != 0)
                return rc;
            break;
        case OPT_KEEP:
            if ((rc = path_arg("keep", p->arg, &a->keep)) != 0)
                return rc;
            break;
        case OPT_SAMPLES:
            if ((rc = hl_cli_samples(p, &a->samples)) != 0)
                return rc;
            break;
        case OPT_SVG:
            if ((rc = path_arg("svg", p->arg, &a->svg)) != 0)
                return rc;
            break;
        case OPT_UNTIL_EXIT:
            a->until_exit = 1;
            break;
        default:
            return p->status;
        }
    }
    if ((rc = hl_opt_positionals_max(p, 0)) != 0)
        return rc;
    if ((rc = hl_cli_one_bound(watch_usage, a->duration_ms, a->samples)) !=
        0)
        return rc;
    return check_gate_samples(a);
}

static int process_gone(int err)
{
    return err == HL_ENOPROC || err == HL_EEXITED;
}

/* The state of one watch. */
struct watcher {
    const struct watch_args *a;
    struct hl_watch series;
    uint64_t mid0_us;  /* clock at the middle of the first collection */
    char image[128];   /* "app.exe", for titles */
    int tty, color;
    unsigned drawn;    /* lines of the live table on screen */
    struct hl_watch_log *csv; /* the --csv file, written as samples come */
    int stdout_failed; /* reported already; nothing more goes there */
};

/* Counts snap's handles per type and appends them as a sample. */
static int add_counts(struct watcher *wt, const struct hl_snapshot *snap,
                      double t, uint64_t wall)
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
    err = hl_watch_add(&wt->series, t, wall, names, counts, n);

out_free:
    hl__free(names);
    hl__free(counts);
    hl__free(per_id);
    return err;
}

static int keep_path(const char *dir, const char *file, char *buf,
                     size_t len)
{
    size_t n = strlen(dir);
    const char *sep = n > 0 && (dir[n - 1] == '/' || dir[n - 1] == '\\')
                          ? ""
                          : "/";
    int w = snprintf(buf, len, "%s%s%s", dir, sep, file);

    return w < 0 || (size_t)w >= len ? HL_ETOOBIG : 0;
}

/*
 * Takes one sample; a full one (with names) is also written to the keep
 * folder as file. Returns 0, HL_ENOPROC/HL_EEXITED when the process is
 * gone, or an exit code > 0 after reporting.
 */
/* The gate types Windows' table lacks, against the process's own types
 * at the first sample. Returns 0 or HL_EXIT_USAGE. */
static int check_live_types(const struct watch_args *a,
                            const struct hl_snapshot *snap)
{
    size_t i;
    int rc;

    for (i = 0; i < a->nlimits; i++) {
        if (a->limits[i].unchecked &&
            (rc = hl_cli_check_type(watch_usage, "--fail-on-growth",
                                    a->limits[i].type, 0, &snap, 1)) != 0)
            return rc;
    }
    return 0;
}

static int take_sample(struct watcher *wt, int full, const char *file)
{
    struct hl_collect_opts copts = wt->a->copts;
    struct hl_snapshot snap;
    uint64_t c0, c1, w0, w1, mid;
    char path[1024];
    int err, rc = HL_EXIT_FAILURE;

    err = hl_snapshot_init(&snap);
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    copts.no_names = !full;
    w0 = hl__clock_wall();
    c0 = hl__clock_us();
    err = hl_collect(&copts, &snap, NULL);
    c1 = hl__clock_us();
    w1 = hl__clock_wall();
    if (process_gone(err)) {
        rc = err;
        goto out_release;
    }
    if (err != 0) {
        hl_error("cannot sample process %" PRIu64 ": %s", copts.pid,
                 hl_strerror(err));
        goto out_release;
    }
    if (wt->series.nsamples == 0 &&
        (rc = check_live_types(wt->a, &snap)) != 0)
        goto out_release;
    rc = HL_EXIT_FAILURE;
    /* The sample stands for the middle of its collection. */
    mid = c0 + (c1 - c0) / 2;
    if (wt->series.nsamples == 0) {
        wt->mid0_us = mid;
        snprintf(wt->image, sizeof(wt->image), "%s",
                 hl_snapshot_image_name(&snap));
    }
    err = add_counts(wt, &snap, (double)(mid - wt->mid0_us) / 1e6,
                     w0 + (w1 - w0) / 2);
    if (err != 0) {
        hl_error("cannot record a sample: %s", hl_strerror(err));
        goto out_release;
    }
    if (full) {
        err = keep_path(wt->a->keep, file, path, sizeof(path));
        if (err == 0)
            err = hl_snapfile_write(path, &snap);
        if (err != 0) {
            hl_error("cannot write snapshot '%s': %s", path,
                     hl_strerror(err));
            goto out_release;
        }
    }
    rc = 0;

out_release:
    hl_snapshot_release(&snap);
    return rc;
}

static void trend_cell(const struct hl_trend *tr, size_t nsamples,
                       char *buf, size_t len)
{
    /* the rate so far, before there are samples enough to classify */
    if (tr->cls == HL_TREND_UNKNOWN && nsamples >= 2)
        snprintf(buf, len, "... %+.1f/min", tr->slope);
    else if (tr->cls == HL_TREND_UNKNOWN)
        snprintf(buf, len, "...");
    else if (tr->cls == HL_TREND_STABLE)
        snprintf(buf, len, "stable");
    else
        snprintf(buf, len, "%s %+.1f/min", hl_trend_class_str(tr->cls),
                 tr->slope);
}

/* 0 when everything printed so far reached standard output. */
static int stdout_ok(void)
{
    return fflush(stdout) == 0 && !ferror(stdout);
}

/* The live view: the table redrawn in place, or one line per sample.
 * Returns 0, or HL_EIO when standard output failed (a closed pipe, a
 * full disk). */
static int show_sample(struct watcher *wt)
{
    const struct hl_watch *w = &wt->series;
    size_t s = w->nsamples - 1, i;
    struct hl_trend tr;
    char cell[64];
    long delta;

    if (!wt->tty) {
        printf("t=%.3f total=%" PRIu64, w->t[s], w->total[s]);
        for (i = 0; i < w->ntypes; i++)
            printf(" %s=%" PRIu32, w->types[i].name, w->types[i].count[s]);
        printf("\n");
        return stdout_ok() ? 0 : HL_EIO;
    }
    /* back to the table's first line, then overwrite it line by line */
    if (wt->drawn > 0)
        printf("\x1b[%uA", wt->drawn);
    printf("\x1b[2K%s (pid %" PRIu64 "): sample %zu, %.1f s, %" PRIu64
           " handles\n",
           wt->image[0] ? wt->image : "process", wt->a->copts.pid, s + 1,
           w->t[s], w->total[s]);
    printf("\x1b[2K  %-24s %8s %8s  %s\n", "type", "now", "delta", "trend");
    for (i = 0; i < w->ntypes; i++) {
        hl_watch_trend(w, i, &tr);
        trend_cell(&tr, w->nsamples, cell, sizeof(cell));
        delta = (long)w->types[i].count[s] - (long)w->types[i].count[0];
        printf("\x1b[2K  %-24s %8" PRIu32 " %+8ld  %s%s%s\n",
               w->types[i].name, w->types[i].count[s], delta,
               wt->color && tr.cls == HL_TREND_GROWING ? "\x1b[31m" : "",
               cell,
               wt->color && tr.cls == HL_TREND_GROWING ? "\x1b[0m" : "");
    }
    printf("\x1b[J");
    wt->drawn = (unsigned)w->ntypes + 2;
    return stdout_ok() ? 0 : HL_EIO;
}

/*
 * Shows the sample just taken and appends it to the CSV file. Returns 0,
 * or HL_EIO after reporting that one of them failed: the watch must stop
 * rather than sample on with nowhere to put the results.
 */
static int record_sample(struct watcher *wt)
{
    int err = 0;

    if (wt->csv != NULL)
        err = hl_watch_log_update(wt->csv, &wt->series);
    if (err != 0) {
        hl_error("cannot write CSV file '%s': %s; the watch stops",
                 wt->a->csv, hl_strerror(err));
        return HL_EIO;
    }
    if (show_sample(wt) != 0) {
        wt->stdout_failed = 1;
        hl_error("cannot write output: %s (standard output closed or "
                 "full); the watch stops",
                 hl_strerror(HL_EIO));
        return HL_EIO;
    }
    return 0;
}

/* Samples until done; sets *stop. Returns 0 or an exit code. */
static int sample_loop(struct watcher *wt, enum stop *stop)
{
    const struct watch_args *a = wt->a;
    uint64_t interval_us = a->interval_ms * 1000, start, k, next;
    int last, full, rc;

    start = hl__clock_us();
    for (k = 0;; k = next) {
        if (hl_cli_wait_until(start + k * interval_us)) {
            *stop = STOP_INTERRUPTED;
            return 0;
        }
        last = (a->samples != 0 && wt->series.nsamples + 1 >= a->samples) ||
               (a->duration_ms != 0 &&
                (k + 1) * a->interval_ms > a->duration_ms);
        full = a->keep != NULL && (k == 0 || last);
        rc = take_sample(wt, full, k == 0 ? "first.snap" : "last.snap");
        if (process_gone(rc) && wt->series.nsamples > 0) {
            *stop = STOP_EXITED;
            return 0;
        }
        if (process_gone(rc)) {
            hl_error("no process with pid %" PRIu64, a->copts.pid);
            return HL_EXIT_FAILURE;
        }
        if (rc != 0)
            return rc;
        if (record_sample(wt) != 0) {
            *stop = STOP_OUTPUT;
            return 0;
        }
        if (last) {
            *stop = STOP_DONE;
            return 0;
        }
        next = hl_cli_next_slot(start, a->interval_ms, a->duration_ms, k);
    }
}

/* The series in format name (a row with a watch entry) to path. */
static int write_series(const struct watcher *wt, const char *name,
                        const char *path, const char *title)
{
    const struct hl__format *f = hl__format_find(name, HL__USE_WATCH);
    char *buf = NULL;
    size_t len = 0;
    int err = f->watch(&wt->series, title, &buf, &len);

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

/*
 * Before the first sample, so a mistyped path costs no run: the CSV file's
 * log is prepared (its folder checked), the SVG file and the keep folder
 * are checked as their atomic writes at the end will need them. Returns 0
 * or an exit code after reporting.
 */
static int check_outputs(struct watcher *wt)
{
    const struct watch_args *a = wt->a;
    char path[1024];
    int err;

    if (a->keep != NULL) {
        err = hl__fs_mkdir(a->keep);
        if (err != 0) {
            hl_error("cannot create folder '%s': %s", a->keep,
                     hl_strerror(err));
            return HL_EXIT_FAILURE;
        }
        err = keep_path(a->keep, "first.snap", path, sizeof(path));
        if (err == 0)
            err = hl__fs_check_writable(path);
        if (err != 0) {
            hl_error("cannot write to folder '%s': %s", a->keep,
                     hl_strerror(err));
            return HL_EXIT_FAILURE;
        }
    }
    if (a->svg != NULL && (err = hl__fs_check_writable(a->svg)) != 0) {
        hl_error("cannot write SVG file '%s': %s", a->svg, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (a->csv != NULL && (err = hl_watch_log_open(a->csv, &wt->csv)) != 0) {
        hl_error("cannot write CSV file '%s': %s", a->csv, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return 0;
}

/* The CSV file is complete once the last sample is in and on disk. */
static int finish_csv(struct watcher *wt)
{
    int err;

    if (wt->csv == NULL)
        return 0;
    err = hl_watch_log_update(wt->csv, &wt->series);
    if (hl_watch_log_close(wt->csv) != 0 && err == 0)
        err = HL_EIO;
    wt->csv = NULL;
    if (err != 0) {
        hl_error("cannot write CSV file '%s': %s", wt->a->csv,
                 hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    hl_note("wrote %s", wt->a->csv);
    return 0;
}

static int write_outputs(struct watcher *wt)
{
    char title[256];
    int rc;

    rc = finish_csv(wt);
    if (wt->a->svg != NULL) {
        snprintf(title, sizeof(title), "hleak watch: %s (pid %" PRIu64 ")",
                 wt->image[0] ? wt->image : "process", wt->a->copts.pid);
        rc |= write_series(wt, "svg", wt->a->svg, title);
    }
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

static const struct growth_limit *limit_for(const struct watch_args *a,
                                            const char *type)
{
    const struct growth_limit *any = NULL;
    size_t i;

    for (i = 0; i < a->nlimits; i++) {
        if (a->limits[i].type == NULL)
            any = &a->limits[i];
        else if (hl__type_eq(type, a->limits[i].type))
            return &a->limits[i];
    }
    return any;
}

/* The verdict's line for one type: its class and the measured rate. */
static void print_row(const struct verdict_row *row, size_t width,
                      size_t nsamples)
{
    const struct hl_trend *tr = &row->tr;

    printf("  %-*s  %-9s ", (int)width, row->name,
           hl_trend_class_str(tr->cls));
    /* one sample has no rate; from two on the rate is shown, classified
     * or not, so a user can see what could not be judged */
    if (nsamples < 2)
        printf("%13s", "no rate");
    else
        printf("%+9.1f/min", tr->slope);
    printf("  %s", hl_trend_why_str(tr->why));
    /* how well a line fits says nothing about a flat series */
    if (tr->why != HL_TREND_FLAT && tr->why != HL_TREND_FEW_SAMPLES)
        printf(" (fit %.2f)", tr->steadiness);
    printf("\n");
}

/*
 * Prints the verdict per type (unless standard output failed already),
 * sets *gate_failed when a type grows faster than its limit, *undecided
 * when a growth gate was asked for but the samples are too few to judge.
 * Returns 0 or an exit code.
 */
static int print_verdict(const struct watcher *wt, int *gate_failed,
                         int *undecided)
{
    const struct hl_watch *w = &wt->series;
    const struct growth_limit *lim;
    struct verdict_row *rows;
    size_t i, width = 4;

    *gate_failed = 0;
    /* Every type has as many samples: too few for one is too few for
     * all, and a gate that cannot judge must not pass. */
    *undecided = wt->a->nlimits > 0 && w->nsamples < HL_TREND_MIN_SAMPLES;
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
    if (!wt->stdout_failed) {
        printf("verdict after %zu sample%s over %.1f s:\n", w->nsamples,
               w->nsamples == 1 ? "" : "s",
               w->nsamples > 0 ? w->t[w->nsamples - 1] : 0.0);
        for (i = 0; i < w->ntypes; i++)
            print_row(&rows[i], width, w->nsamples);
        fflush(stdout);
    }
    for (i = 0; i < w->ntypes; i++) {
        lim = limit_for(wt->a, rows[i].name);
        if (lim != NULL && rows[i].tr.cls == HL_TREND_GROWING &&
            rows[i].tr.slope > lim->rate)
            *gate_failed = 1;
    }
    for (i = 0; i < w->ntypes; i++) {
        lim = limit_for(wt->a, rows[i].name);
        if (lim != NULL && rows[i].tr.cls == HL_TREND_GROWING &&
            rows[i].tr.slope > lim->rate)
            hl_error("%s grows by %.1f handles per minute, over the limit "
                     "of %g",
                     rows[i].name, rows[i].tr.slope, lim->rate);
    }
    if (*undecided)
        hl_error("cannot judge growth: %zu sample%s, the trend needs at "
                 "least %d; watch longer (--duration, --samples) or more "
                 "often (--interval)",
                 w->nsamples, w->nsamples == 1 ? "" : "s",
                 HL_TREND_MIN_SAMPLES);
    else if (w->nsamples < HL_TREND_MIN_SAMPLES)
        hl_note("%zu sample%s: too few to tell growing from stable (the "
                "trend needs at least %d)",
                w->nsamples, w->nsamples == 1 ? "" : "s",
                HL_TREND_MIN_SAMPLES);
    hl__free(rows);
    return 0;
}

int cmd_watch(int argc, char **argv)
{
    struct watch_args a;
    struct watcher wt;
    struct hl_optparse p;
    const char *no_color = getenv("NO_COLOR");
    enum stop stop = STOP_DONE;
    int rc, gate_failed = 0, undecided = 0, out_rc;

    memset(&a, 0, sizeof(a));
    a.interval_ms = 1000;
    memset(&wt, 0, sizeof(wt));
    wt.a = &a;
    hl_watch_init(&wt.series);
    hl_opt_init(&p, argc, argv, &watch_table);
    rc = parse_args(&a, &p);
    if (rc >= 0)
        goto out_free;
    if ((rc = hl_cli_target_resolve(&a.t, watch_usage)) != 0)
        goto out_free;
    a.copts.pid = a.t.pid;
    if ((rc = check_outputs(&wt)) != 0)
        goto out_free;

    if (hl__interrupt_install() != 0)
        hl_warn("cannot catch Ctrl+C; it will end hleak without output");
    wt.tty = hl__stdout_is_tty() && hl__console_enable_ansi();
    wt.color = wt.tty && (no_color == NULL || *no_color == '\0');

    rc = sample_loop(&wt, &stop);
    if (rc != 0)
        goto out_free;
    /* Ctrl+C came between samples: the counts at the moment of stopping
     * are worth a row, and the last full snapshot is still owed. When the
     * output failed, the sample just taken is that moment (another one
     * now would stand at the same millisecond of the CSV): only the full
     * snapshot is owed. */
    if ((stop == STOP_INTERRUPTED ||
         (stop == STOP_OUTPUT && a.keep != NULL)) &&
        wt.series.nsamples > 0) {
        rc = take_sample(&wt, a.keep != NULL, "last.snap");
        if (process_gone(rc))
            stop = STOP_EXITED;
        else if (rc != 0)
            goto out_free;
    }
    if (wt.series.nsamples == 0) {
        hl_note("interrupted before the first sample");
        rc = HL_EXIT_FAILURE;
        goto out_free;
    }
    rc = print_verdict(&wt, &gate_failed, &undecided);
    out_rc = write_outputs(&wt);
    if (rc == 0)
        rc = out_rc;
    if (rc == 0 && stop == STOP_OUTPUT)
        rc = HL_EXIT_FAILURE;
    if (stop == STOP_EXITED && a.until_exit) {
        hl_note("process %" PRIu64 " exited after %.1f s; the watch ends "
                "with it",
                a.copts.pid, wt.series.t[wt.series.nsamples - 1]);
    } else if (stop == STOP_EXITED) {
        hl_error("process %" PRIu64 " exited after %.1f s; the verdict and "
                 "files cover the %zu samples taken%s",
                 a.copts.pid, wt.series.t[wt.series.nsamples - 1],
                 wt.series.nsamples,
                 a.keep != NULL && wt.series.nsamples > 0
                     ? " (no last.snap: nothing was left to read)"
                     : "");
        if (rc == 0)
            rc = HL_EXIT_FAILURE;
    }
    if (rc == 0 && gate_failed)
        rc = HL_EXIT_GATE;
    if (rc == 0 && undecided)
        rc = HL_EXIT_UNJUDGED;
    if (rc == 0)
        rc = hl_finish_stdout(0);

out_free:
    /* the rows so far stay on disk whatever stopped the watch */
    hl_watch_log_close(wt.csv);
    hl_watch_release(&wt.series);
    hl__free(a.limits);
    return rc;
}
