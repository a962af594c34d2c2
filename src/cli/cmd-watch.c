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
#include "growth.h"
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

struct watch_args {
    struct hl_collect_opts copts;
    struct hl_cli_target t;
    uint64_t interval_ms;
    uint64_t duration_ms; /* 0: none */
    uint64_t samples;     /* 0: none */
    const char *csv, *svg, *keep;
    int until_exit;
    struct hl_cli_growth *growth;
};

/* Why sampling stopped. */
enum stop {
    STOP_DONE,
    STOP_INTERRUPTED, /* Ctrl+C, Ctrl+Break, console closed, SIGTERM */
    STOP_EXITED,      /* the process exited */
    STOP_OUTPUT       /* standard output or the CSV file failed */
};

/* Parses the command line; returns -1 to go on, else an exit code. */
static int parse_args(struct watch_args *a, struct hl_optparse *p)
{
    int id, rc;

    while ((id = hl_cli_target_next(&a->t, p)) != HL_OPT_END) {
        switch (id) {
        case OPT_CSV:
            if ((rc = hl_cli_file_arg(watch_usage, "csv", "the live table",
                                      p->arg, &a->csv)) != 0)
                return rc;
            break;
        case OPT_DURATION:
            if ((rc = hl_cli_duration(watch_usage, p->arg,
                                      &a->duration_ms)) != 0)
                return rc;
            break;
        case OPT_FAIL_ON_GROWTH:
            if ((rc = hl_cli_growth_add_limit(a->growth, (char *)p->arg)) !=
                0)
                return rc;
            break;
        case OPT_INTERVAL:
            if ((rc = hl_cli_interval(watch_usage, p->arg,
                                      &a->interval_ms)) != 0)
                return rc;
            break;
        case OPT_KEEP:
            if ((rc = hl_cli_file_arg(watch_usage, "keep", "the live table",
                                      p->arg, &a->keep)) != 0)
                return rc;
            break;
        case OPT_SAMPLES:
            if ((rc = hl_cli_samples(p, &a->samples)) != 0)
                return rc;
            break;
        case OPT_SVG:
            if ((rc = hl_cli_file_arg(watch_usage, "svg", "the live table",
                                      p->arg, &a->svg)) != 0)
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
    /* a gate the planned samples could never satisfy costs no watch */
    return hl_cli_growth_check_planned(
        a->growth,
        a->duration_ms != 0 ? a->duration_ms / a->interval_ms + 1
                            : a->samples,
        "this watch",
        "lengthen --duration or --samples, or shorten --interval");
}

static int process_gone(int err)
{
    return err == HL_ENOPROC || err == HL_EEXITED;
}

/* The state of one watch. */
struct watcher {
    const struct watch_args *a;
    struct hl_cli_growth growth; /* the series, CSV and SVG, gates */
    char image[128];   /* "app.exe", for titles */
    int tty, color;
    unsigned drawn;    /* lines of the live table on screen */
    int stdout_failed; /* reported already; nothing more goes there */
};

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
    if (wt->growth.series.nsamples == 0)
        snprintf(wt->image, sizeof(wt->image), "%s",
                 hl_snapshot_image_name(&snap));
    /* The sample stands for the middle of its collection. */
    mid = c0 + (c1 - c0) / 2;
    if ((rc = hl_cli_growth_add(&wt->growth, &snap, mid,
                                w0 + (w1 - w0) / 2)) != 0)
        goto out_release;
    rc = HL_EXIT_FAILURE;
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
    const struct hl_watch *w = &wt->growth.series;
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
    if (hl_cli_growth_log(&wt->growth, "the watch stops") != 0)
        return HL_EIO;
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
        last = (a->samples != 0 &&
                wt->growth.series.nsamples + 1 >= a->samples) ||
               (a->duration_ms != 0 &&
                (k + 1) * a->interval_ms > a->duration_ms);
        full = a->keep != NULL && (k == 0 || last);
        rc = take_sample(wt, full, k == 0 ? "first.snap" : "last.snap");
        if (process_gone(rc) && wt->growth.series.nsamples > 0) {
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
    return hl_cli_growth_open(&wt->growth);
}

static int write_outputs(struct watcher *wt)
{
    char title[256];

    snprintf(title, sizeof(title), "hleak watch: %s (pid %" PRIu64 ")",
             wt->image[0] ? wt->image : "process", wt->a->copts.pid);
    return hl_cli_growth_finish(&wt->growth, title);
}

int cmd_watch(int argc, char **argv)
{
    struct watch_args a;
    struct watcher wt;
    struct hl_optparse p;
    const struct hl_watch *series = &wt.growth.series;
    const char *no_color = getenv("NO_COLOR");
    enum stop stop = STOP_DONE;
    int rc, gate_failed = 0, undecided = 0, out_rc;

    memset(&a, 0, sizeof(a));
    a.interval_ms = 1000;
    memset(&wt, 0, sizeof(wt));
    wt.a = &a;
    hl_cli_growth_init(&wt.growth, watch_usage);
    a.growth = &wt.growth;
    hl_opt_init(&p, argc, argv, &watch_table);
    rc = parse_args(&a, &p);
    if (rc >= 0)
        goto out_free;
    wt.growth.csv = a.csv;
    wt.growth.svg = a.svg;
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
        wt.growth.series.nsamples > 0) {
        rc = take_sample(&wt, a.keep != NULL, "last.snap");
        if (process_gone(rc))
            stop = STOP_EXITED;
        else if (rc != 0)
            goto out_free;
    }
    if (wt.growth.series.nsamples == 0) {
        hl_note("interrupted before the first sample");
        rc = HL_EXIT_FAILURE;
        goto out_free;
    }
    rc = hl_cli_growth_verdict(&wt.growth, wt.stdout_failed ? NULL : stdout,
                               "watch longer (--duration, --samples) or "
                               "more often (--interval)",
                               &gate_failed, &undecided);
    out_rc = write_outputs(&wt);
    if (rc == 0)
        rc = out_rc;
    if (rc == 0 && stop == STOP_OUTPUT)
        rc = HL_EXIT_FAILURE;
    if (stop == STOP_EXITED && a.until_exit) {
        hl_note("process %" PRIu64 " exited after %.1f s; the watch ends "
                "with it",
                a.copts.pid, series->t[series->nsamples - 1]);
    } else if (stop == STOP_EXITED) {
        hl_error("process %" PRIu64 " exited after %.1f s; the verdict and "
                 "files cover the %zu samples taken%s",
                 a.copts.pid, series->t[series->nsamples - 1],
                 series->nsamples,
                 a.keep != NULL && series->nsamples > 0
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
    hl_cli_growth_release(&wt.growth);
    return rc;
}
