/*
 * `hleak ps`: every process with its handle counts from one system-wide
 * query, ranked; with --interval, sampled and ranked by growth. The
 * sampling keeps least-squares sums per process and type, not the series,
 * so a long run costs no more memory than a short one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "msg.h"
#include "opt.h"
#include "ps.h"
#include "sampling.h"
#include "syssample.h"
#include "target.h"

static const char *const ps_usage[] = {
    "hleak ps [--top N] [--sort KEY] [--types] [--no-gui] [--json | --csv]",
    "hleak ps --interval DUR [--duration DUR | --samples N] [--top N] "
    "[--types] [--json | --csv]",
    NULL,
};

static const char ps_help[] =
    "\n"
    "Lists every process with its handle count and its GDI and USER\n"
    "object counts, largest handle count first. The handle counts come\n"
    "from one system-wide query, so processes hleak cannot open have them\n"
    "too; GDI and USER counts need the process opened, and show as '-'\n"
    "(null in JSON, empty in CSV) where they could not be read.\n"
    "\n"
    "With --interval it samples every DUR and ranks the processes by\n"
    "growth (handles per minute, a least-squares fit over the samples),\n"
    "live on a terminal (redrawn in place) and one line per sample\n"
    "otherwise, and ends with the top grower in one line. Processes are\n"
    "told apart by pid and start time: one that starts or exits while\n"
    "sampling is shown as new or exited.\n"
    "\n"
    "options:\n"
    "  --top N          show the first N processes only\n"
    "  --sort KEY       handles (default), gdi, user (largest first), pid\n"
    "                   or name; not with --interval, which ranks by growth\n"
    "  --no-gui         do not read GDI and USER counts (shown as '-'):\n"
    "                   that opens every process and makes a GUI object\n"
    "                   in hleak, which under Wine starts its display\n"
    "                   driver (slow); handle counts are not affected\n"
    "  --types          counts per handle type: the top types of each\n"
    "                   process in text (growing types with --interval),\n"
    "                   every type in JSON and CSV\n"
    "  --json           write JSON\n"
    "  --csv            write CSV\n"
    "  --interval DUR   sample every DUR (50ms to 1h); DUR is a whole\n"
    "                   number and a unit: ms, s, m or h, as in 500ms, 2s\n"
    "  --duration DUR   stop sampling after DUR (default: at Ctrl+C)\n"
    "  --samples N      stop after N samples\n"
    "                   (--duration or --samples alone sample every 1s)\n"
    "  -h, --help       print this help\n"
    "\n"
    "Ctrl+C ends sampling; the ranking is still printed. JSON and CSV\n"
    "print only the final ranking. GDI and USER counts are not sampled.\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 failure (the system's handle\n"
    "list could not be read, or standard output failed).\n";

enum { OPT_CSV = 1, OPT_DURATION, OPT_INTERVAL, OPT_JSON, OPT_NO_GUI,
       OPT_SAMPLES, OPT_SORT, OPT_TOP, OPT_TYPES };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt ps_opts[] = {
    {"csv", 0, 0, OPT_CSV},
    {"duration", 0, 1, OPT_DURATION},
    {"interval", 0, 1, OPT_INTERVAL},
    {"json", 0, 0, OPT_JSON},
    {"no-gui", 0, 0, OPT_NO_GUI},
    {"samples", 0, 1, OPT_SAMPLES},
    {"sort", 0, 1, OPT_SORT},
    {"top", 0, 1, OPT_TOP},
    {"types", 0, 0, OPT_TYPES},
};

static const struct hl_opt_table ps_table =
    HL_OPT_TABLE(ps_opts, ps_usage, ps_help);

enum sort_key { SORT_HANDLES, SORT_GDI, SORT_USER, SORT_PID, SORT_NAME };

static const char *const sort_names[] = {"handles", "gdi", "user", "pid",
                                         "name"};

enum format { FMT_TEXT, FMT_JSON, FMT_CSV };

/* Rows of the live view when --top is not given. */
#define LIVE_ROWS 20u

struct ps_args {
    uint64_t top; /* 0: all */
    int sort, have_sort, with_types, format, sampling, no_gui;
    uint64_t interval_ms, duration_ms, samples;
};

static int parse_args(struct ps_args *a, struct hl_optparse *p)
{
    int id, rc;
    size_t i;

    while ((id = hl_opt_next(p)) != HL_OPT_END) {
        switch (id) {
        case OPT_CSV:
        case OPT_JSON:
            if (a->format != FMT_TEXT)
                return hl_usage_error(ps_usage,
                                      "give at most one of --json and "
                                      "--csv");
            a->format = id == OPT_CSV ? FMT_CSV : FMT_JSON;
            break;
        case OPT_DURATION:
            if ((rc = hl_cli_duration(ps_usage, p->arg, &a->duration_ms)) !=
                0)
                return rc;
            a->sampling = 1;
            break;
        case OPT_INTERVAL:
            if ((rc = hl_cli_interval(ps_usage, p->arg, &a->interval_ms)) !=
                0)
                return rc;
            a->sampling = 1;
            break;
        case OPT_SAMPLES:
            if ((rc = hl_cli_samples(p, &a->samples)) != 0)
                return rc;
            a->sampling = 1;
            break;
        case OPT_SORT:
            for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
                if (strcmp(p->arg, sort_names[i]) == 0)
                    break;
            if (i == sizeof(sort_names) / sizeof(sort_names[0]))
                return hl_usage_error(ps_usage,
                                      "invalid --sort '%s': one of handles, "
                                      "gdi, user, pid, name expected",
                                      p->arg);
            a->sort = (int)i;
            a->have_sort = 1;
            break;
        case OPT_TOP:
            if ((rc = hl_opt_number(p, "--top", NULL, 1, 100000000,
                                    &a->top)) != 0)
                return rc;
            break;
        case OPT_TYPES:
            a->with_types = 1;
            break;
        case OPT_NO_GUI:
            a->no_gui = 1;
            break;
        default:
            return p->status;
        }
    }
    if ((rc = hl_opt_positionals_max(p, 0)) != 0)
        return rc;
    if ((rc = hl_cli_one_bound(ps_usage, a->duration_ms, a->samples)) != 0)
        return rc;
    if (a->sampling && a->have_sort)
        return hl_usage_error(ps_usage,
                              "--sort does not apply with --interval: "
                              "processes are ranked by growth");
    if (a->no_gui && (a->sort == SORT_GDI || a->sort == SORT_USER))
        return hl_usage_error(ps_usage,
                              "--sort %s needs the GUI counts that "
                              "--no-gui leaves out",
                              sort_names[a->sort]);
    return -1;
}

static int take_system(unsigned flags, struct hl_system **out)
{
    struct hl_diag diag;
    int err;

    memset(&diag, 0, sizeof(diag));
    err = hl_system_take(flags, out, &diag);
    if (err == 0)
        return 0;
    hl_error("cannot read the system's handle list: %s", hl_strerror(err));
    hl_cli_note_failed_call(&diag);
    return HL_EXIT_FAILURE;
}

static int finish(int err)
{
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return hl_finish_stdout(0);
}

static int print_view(const struct ps_args *a, struct ps_view *v)
{
    if (a->top != 0 && v->nrows > a->top)
        v->nrows = (size_t)a->top;
    v->with_types = a->with_types;
    switch (a->format) {
    case FMT_JSON:
        return ps_print_json(v);
    case FMT_CSV:
        return ps_print_csv(v);
    default:
        return ps_print_text(v);
    }
}

/* ---- one take ---- */

/* The --sort key, for qsort()'s comparison (one sort at a time). */
static int sort_key_of;

/* Image names compare as Windows compares file names: ASCII case
 * ignored. */
static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;

        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

/* A count unknown sorts below every known one. */
static int cmp_desc(uint64_t a, int a_known, uint64_t b, int b_known)
{
    if (a_known != b_known)
        return a_known ? -1 : 1;
    return a > b ? -1 : a < b;
}

static int cmp_handles(const struct ps_row *a, const struct ps_row *b)
{
    return cmp_desc(a->handles, a->handles != HL_SYSTEM_UNKNOWN, b->handles,
                    b->handles != HL_SYSTEM_UNKNOWN);
}

static int cmp_row(const void *pa, const void *pb)
{
    const struct ps_row *a = pa, *b = pb;
    int c = 0;

    switch (sort_key_of) {
    case SORT_HANDLES:
        c = cmp_handles(a, b);
        break;
    case SORT_GDI:
        c = cmp_desc(a->gdi, a->gui_known, b->gdi, b->gui_known);
        break;
    case SORT_USER:
        c = cmp_desc(a->user, a->gui_known, b->user, b->gui_known);
        break;
    case SORT_NAME:
        c = ascii_casecmp(ps_image(a), ps_image(b));
        break;
    default:
        break;
    }
    if (c != 0)
        return c;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int run_once(const struct ps_args *a)
{
    struct hl_system *sys = NULL;
    struct ps_view v;
    int rc, err;

    if ((rc = take_system(a->no_gui ? 0 : HL_SYSTEM_GUI, &sys)) != 0)
        return rc;
    err = ps_view_of(sys, &v);
    if (err == 0) {
        sort_key_of = a->sort;
        qsort(v.rows, v.nrows, sizeof(*v.rows), cmp_row);
        err = print_view(a, &v);
    }
    ps_view_release(&v);
    hl_system_free(sys);
    return finish(err);
}

/* ---- sampling ---- */

/* A sampling run: the core's sampler, and how it is shown. */
struct sampler {
    const struct ps_args *a;
    struct hl__sys_sampler s;
    int tty, stdout_failed;
    unsigned drawn;
};

static int cmp_growth(const void *pa, const void *pb)
{
    const struct ps_row *a = pa, *b = pb;
    int c;

    if (a->have_rate != b->have_rate)
        return a->have_rate ? -1 : 1;
    if (a->have_rate && a->rate != b->rate)
        return a->rate > b->rate ? -1 : 1;
    if (a->delta != b->delta)
        return a->delta > b->delta ? -1 : 1;
    if ((c = cmp_handles(a, b)) != 0)
        return c;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* The ranking so far, into v (rows and rates allocated here). */
static int build_view(const struct sampler *sm, struct ps_view *v,
                      double **rates_out)
{
    double *rates;
    size_t i, k, nt = sm->s.ntypes;

    memset(v, 0, sizeof(*v));
    v->rows = hl__calloc(sm->s.nprocs + 1, sizeof(*v->rows));
    rates = hl__calloc(sm->s.nprocs * nt + 1, sizeof(*rates));
    *rates_out = rates;
    if (v->rows == NULL || rates == NULL)
        return HL_ENOMEM;
    for (i = 0; i < sm->s.nprocs; i++) {
        const struct hl__sys_tracked *p = &sm->s.procs[i];
        struct ps_row *r = &v->rows[i];

        r->pid = p->pid;
        r->start = p->start;
        r->image = p->image;
        r->handles = p->counted ? p->last : HL_SYSTEM_UNKNOWN;
        r->delta = (int64_t)p->last - (int64_t)p->first;
        r->have_rate = p->fit.n >= 2;
        r->rate = hl__sys_rate(p);
        r->status = p->last_sample + 1 < sm->s.nsamples ? PS_EXITED
                    : p->first_sample > 0             ? PS_NEW
                                                      : PS_RUNNING;
        r->type_rates = rates + i * nt;
        for (k = 0; k < nt; k++)
            rates[i * nt + k] = hl__sys_type_rate(p, k);
    }
    qsort(v->rows, sm->s.nprocs, sizeof(*v->rows), cmp_growth);
    v->type_names = (const char *const *)sm->s.type_names;
    v->ntypes = nt;
    v->nrows = sm->s.nprocs;
    v->interval = 1;
    v->nsamples = sm->s.nsamples;
    v->seconds = sm->s.t_last - sm->s.t_first;
    v->taken = sm->s.taken;
    return 0;
}

static int stdout_ok(void)
{
    return fflush(stdout) == 0 && !ferror(stdout);
}

/* Processes that started or exited since the previous sample, one line
 * each (pipes only: the live table shows them in its status column). */
static void print_changes(const struct sampler *sm)
{
    size_t i, s = sm->s.nsamples - 1;

    for (i = 0; i < sm->s.nprocs && s > 0; i++) {
        const struct hl__sys_tracked *p = &sm->s.procs[i];
        struct ps_row r;

        memset(&r, 0, sizeof(r));
        r.image = p->image;
        if (p->first_sample == s)
            printf("new: %s (pid %" PRIu64 ")\n", ps_image(&r), p->pid);
        else if (p->last_sample + 1 == s)
            printf("exited: %s (pid %" PRIu64 ")\n", ps_image(&r), p->pid);
    }
}

/* The live view after each sample; 0, HL_ENOMEM, or HL_EIO when standard
 * output failed. */
static int show_sample(struct sampler *sm)
{
    struct ps_view v;
    struct ps_args shown = *sm->a;
    double *rates = NULL;
    uint64_t total = 0;
    size_t i;
    int err;

    if (sm->a->format != FMT_TEXT)
        return 0;
    err = build_view(sm, &v, &rates);
    if (err == 0 && !sm->tty) {
        print_changes(sm);
        for (i = 0; i < v.nrows; i++)
            if (v.rows[i].handles != HL_SYSTEM_UNKNOWN &&
                v.rows[i].status != PS_EXITED)
                total += v.rows[i].handles;
        printf("sample %zu t=%.1fs: %" PRIu64 " handles", sm->s.nsamples,
               sm->s.t_last - sm->s.t_first, total);
        if (v.nrows > 0 && v.rows[0].have_rate && v.rows[0].rate > 0.0)
            printf("; fastest: %s (pid %" PRIu64 ") %+.1f/min",
                   ps_image(&v.rows[0]), v.rows[0].pid, v.rows[0].rate);
        printf("\n");
    } else if (err == 0) {
        if (sm->drawn > 0)
            printf("\x1b[%uA", sm->drawn);
        if (shown.top == 0)
            shown.top = LIVE_ROWS;
        printf("\x1b[2Khleak ps: sample %zu, %.1f s\n", sm->s.nsamples,
               sm->s.t_last - sm->s.t_first);
        /* each line cleared before it is written over */
        printf("\x1b[J");
        print_view(&shown, &v);
        sm->drawn = (unsigned)(v.nrows + 3);
    }
    hl__free(rates);
    hl__free(v.rows);
    if (err != 0)
        return err;
    return stdout_ok() ? 0 : HL_EIO;
}

/* Samples until done, interrupted, or standard output fails. */
static int sample_loop(struct sampler *sm, uint64_t start)
{
    const struct ps_args *a = sm->a;
    uint64_t interval_us = a->interval_ms * 1000, k, next, c0, c1;
    struct hl_system *sys;
    int rc, err;

    for (k = 0;; k = next) {
        if (hl_cli_wait_until(start + k * interval_us))
            return 0;
        c0 = hl__clock_us();
        if ((rc = take_system(0, &sys)) != 0)
            return rc;
        c1 = hl__clock_us();
        /* the sample stands for the middle of its take */
        err = hl__sys_sampler_add(&sm->s, sys,
                                  (double)(c0 + (c1 - c0) / 2 - start) / 1e6);
        hl_system_free(sys);
        if (err == 0)
            err = show_sample(sm);
        if (err == HL_EIO) {
            sm->stdout_failed = 1;
            hl_error("cannot write output: %s (standard output closed or "
                     "full); sampling stops",
                     hl_strerror(err));
            return HL_EXIT_FAILURE;
        }
        if (err != 0)
            return finish(err);
        if ((a->samples != 0 && sm->s.nsamples >= a->samples) ||
            (a->duration_ms != 0 &&
             (k + 1) * a->interval_ms > a->duration_ms))
            return 0;
        next = hl_cli_next_slot(start, a->interval_ms, a->duration_ms, k);
    }
}

static int run_sampling(const struct ps_args *a)
{
    struct sampler sm;
    struct ps_view v;
    double *rates = NULL;
    int rc, err;

    memset(&sm, 0, sizeof(sm));
    memset(&v, 0, sizeof(v));
    hl__sys_sampler_init(&sm.s);
    sm.a = a;
    if (hl__interrupt_install() != 0)
        hl_warn("cannot catch Ctrl+C; it will end hleak without output");
    sm.tty = a->format == FMT_TEXT && hl__stdout_is_tty() &&
             hl__console_enable_ansi();
    rc = sample_loop(&sm, hl__clock_us());
    if (rc == 0 && sm.s.nsamples == 0) {
        hl_note("interrupted before the first sample");
        rc = HL_EXIT_FAILURE;
    }
    if (rc == 0) {
        err = build_view(&sm, &v, &rates);
        if (err == 0 && sm.tty && sm.drawn > 0)
            printf("\x1b[%uA\x1b[J", sm.drawn);
        if (err == 0)
            err = print_view(a, &v);
        if (err == 0 && a->format == FMT_TEXT) {
            v.nrows = sm.s.nprocs;
            ps_print_top_grower(&v);
        }
        rc = finish(err);
    }
    hl__free(rates);
    hl__free(v.rows);
    hl__sys_sampler_release(&sm.s);
    return rc;
}

int cmd_ps(int argc, char **argv)
{
    struct ps_args a;
    struct hl_optparse p;
    int rc;

    memset(&a, 0, sizeof(a));
    a.interval_ms = 1000;
    hl_opt_init(&p, argc, argv, &ps_table);
    rc = parse_args(&a, &p);
    if (rc >= 0)
        return rc;
    return a.sampling ? run_sampling(&a) : run_once(&a);
}
