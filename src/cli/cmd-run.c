#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "collect-cli.h"
#include "core-int.h"
#include "gates.h"
#include "growth.h"
#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "launch.h"
#include "msg.h"
#include "opt.h"
#include "sampling.h"
#include "target.h"
#include "trace.h"

static const char *const run_usage[] = {
    "hleak run [--every DUR] [--warmup DUR] [--no-debug] [--trace] "
    "[--keep DIR] [--csv FILE] [--svg FILE] [--json] [--top N] "
    "[--fail-on-new N] [--fail-on TYPE=N]... [--fail-on-dead N] "
    "[--fail-on-growth [TYPE=]RATE]... [--ignore TYPE:GLOB]... "
    "[--ignore-file FILE]... [--junit FILE] [--sarif FILE] [--verbose] "
    "-- PROGRAM [ARGS...]",
    NULL,
};

static const char run_help[] =
    "\n"
    "Starts PROGRAM with ARGS, follows it to its end, and compares two\n"
    "snapshots of its handles with the gates and reports of 'hleak diff'.\n"
    "\n"
    "Checkpoints: hleak runs PROGRAM as its debugger; each time PROGRAM\n"
    "calls OutputDebugString(\"hleak:checkpoint\") or\n"
    "OutputDebugString(\"hleak:checkpoint LABEL\") (libhleak's\n"
    "hl_checkpoint(\"LABEL\") does it, and costs nothing without a\n"
    "debugger) it is stopped in that call while hleak takes a snapshot.\n"
    "The first checkpoint is the baseline, the last the final point;\n"
    "each one's handle count is printed (growth per iteration).\n"
    "\n"
    "Time: when PROGRAM marks no checkpoint, or with --no-debug, the\n"
    "baseline is the snapshot at --warmup and the final point the last of\n"
    "those taken --every DUR before PROGRAM exits (a snapshot counts once\n"
    "PROGRAM was seen running after it).\n"
    "\n"
    "Growth: the handle counts per type of every snapshot (time ones and\n"
    "checkpoints) form a series, as 'hleak watch' samples, and the end\n"
    "tells for each type whether it is growing (handles per minute),\n"
    "stable or shrinking: a leak that grows and a cache that levels off\n"
    "are told apart without checkpoints (see docs/watch.md).\n"
    "\n"
    "As a debugger, hleak changes what PROGRAM sees: IsDebuggerPresent()\n"
    "is true, and the heap is the debug heap unless _NO_DEBUG_HEAP=1 is\n"
    "in the environment; --no-debug avoids both (time points only).\n"
    "PROGRAM runs in a job that ends it when hleak ends; Ctrl+C ends it\n"
    "and the verdict is still given for what was seen.\n"
    "\n"
    "options:\n"
    "  --every DUR          a time snapshot every DUR (default 1s; 50ms to\n"
    "                       1h, as a whole number and ms, s, m or h)\n"
    "  --warmup DUR         the time baseline at DUR (default: --every)\n"
    "  --no-debug           do not debug PROGRAM: time points only\n"
    "  --trace              turn handle tracing on before PROGRAM's first\n"
    "                       instruction, so leaks carry their open stack\n"
    "                       (where the system supports it; said if not)\n"
    "  --keep DIR           keep every snapshot taken in DIR (it must\n"
    "                       exist), as NNN.snap; else none is left\n"
    "  --csv FILE           write the counts per type of every snapshot,\n"
    "                       one row each, as 'hleak watch --csv' does\n"
    "                       (each row written as its snapshot is taken)\n"
    "  --svg FILE           write a chart of the counts per type\n"
    "  --json               print the diff as JSON instead of text\n"
    "  --top N              show at most N groups per list (text)\n"
    "  --fail-on-new N      exit 1 when more than N handles were opened\n"
    "                       between the two points and are still open\n"
    "  --fail-on TYPE=N     the same for one type; repeatable\n"
    "  --fail-on-dead N     exit 1 when the final point holds more than N\n"
    "                       handles to exited threads and processes\n"
    "  --fail-on-growth RATE\n"
    "                       exit 1 when a type grows by more than RATE\n"
    "                       handles per minute over the snapshots;\n"
    "                       TYPE=RATE for one type; repeatable; exit 4\n"
    "                       when they are too few to judge (under 5)\n"
    "  --ignore TYPE:GLOB   drop matching groups, as diff does; repeatable\n"
    "  --ignore-file FILE   read ignore patterns from FILE; repeatable\n"
    "  --junit FILE         also write a JUnit XML report\n"
    "  --sarif FILE         also write a SARIF 2.1.0 report\n"
    "  -v, --verbose        also print PROGRAM's other debug strings and\n"
    "                       each snapshot taken\n"
    "  -h, --help           print this help\n"
    "\n"
    "Exit status: 0 no gate failed and PROGRAM exited 0, 1 a gate failed,\n"
    "2 usage error, 3 hleak failed (PROGRAM not started, a snapshot not\n"
    "taken, a file not written), 4 fewer than two points to compare or\n"
    "too few snapshots for --fail-on-growth, 5 PROGRAM exited with a\n"
    "non-zero code (printed) and no gate failed.\n";

enum {
    OPT_CSV = 1,
    OPT_EVERY,
    OPT_FAIL_ON_GROWTH,
    OPT_KEEP,
    OPT_SVG,
    OPT_NO_DEBUG,
    OPT_TRACE,
    OPT_WARMUP
};

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt run_opts[] = {
    {"csv", 0, 1, OPT_CSV},
    {"every", 0, 1, OPT_EVERY},
    HL_GATE_ROW_FAIL_ON,
    HL_GATE_ROW_FAIL_ON_DEAD,
    {"fail-on-growth", 0, 1, OPT_FAIL_ON_GROWTH},
    HL_GATE_ROW_FAIL_ON_NEW,
    HL_GATE_ROW_IGNORE,
    HL_GATE_ROW_IGNORE_FILE,
    HL_GATE_ROW_JSON,
    HL_GATE_ROW_JUNIT,
    {"keep", 0, 1, OPT_KEEP},
    {"no-debug", 0, 0, OPT_NO_DEBUG},
    HL_GATE_ROW_SARIF,
    {"svg", 0, 1, OPT_SVG},
    HL_GATE_ROW_TOP,
    {"trace", 0, 0, OPT_TRACE},
    {"verbose", 'v', 0, HL_CLI_OPT_VERBOSE},
    {"warmup", 0, 1, OPT_WARMUP},
};

static const struct hl_opt_table run_table =
    HL_OPT_TABLE(run_opts, run_usage, run_help);

struct run_args {
    struct hl_cli_gates g;
    struct hl_cli_growth growth; /* the counts series, --csv, --svg */
    uint64_t every_ms, warmup_ms;
    const char *keep;
    int no_debug, trace, verbose;
    char **argv; /* PROGRAM and ARGS, NULL-terminated */
};

/* The two points compared and what leads to them. */
struct run_state {
    struct hl_cli_target t;
    struct hl_collect_opts copts;
    struct hl_snapshot first, last, pending;
    int have_first, have_last, have_pending;
    uint64_t pending_mid, pending_wall; /* when pending was taken */
    char first_label[HL_LAUNCH_MAX_LABEL + 32];
    char last_label[HL_LAUNCH_MAX_LABEL + 32];
    size_t checkpoints, ticks, kept;
    size_t prev_count;
};

static int parse_args(struct run_args *a, struct hl_optparse *p)
{
    int id, rc;

    while ((id = hl_opt_next(p)) != HL_OPT_END) {
        switch (id) {
        case OPT_EVERY:
            if ((rc = hl_cli_interval(run_usage, p->arg, &a->every_ms)) != 0)
                return rc;
            break;
        case OPT_WARMUP:
            if ((rc = hl_cli_duration(run_usage, p->arg, &a->warmup_ms)) != 0)
                return rc;
            break;
        case OPT_KEEP:
            if ((rc = hl_cli_file_arg(run_usage, "keep", "the report",
                                      p->arg, &a->keep)) != 0)
                return rc;
            break;
        case OPT_CSV:
            if ((rc = hl_cli_file_arg(run_usage, "csv", "the report",
                                      p->arg, &a->growth.csv)) != 0)
                return rc;
            break;
        case OPT_SVG:
            if ((rc = hl_cli_file_arg(run_usage, "svg", "the report",
                                      p->arg, &a->growth.svg)) != 0)
                return rc;
            break;
        case OPT_FAIL_ON_GROWTH:
            if ((rc = hl_cli_growth_add_limit(&a->growth, (char *)p->arg)) !=
                0)
                return rc;
            break;
        case OPT_NO_DEBUG:
            a->no_debug = 1;
            break;
        case OPT_TRACE:
            a->trace = 1;
            break;
        case HL_CLI_OPT_VERBOSE:
            a->verbose = 1;
            break;
        case HL_OPT_STOP:
            return p->status;
        default:
            if ((rc = hl_cli_gates_opt(&a->g, id, p)) != 0)
                return rc == 1 ? p->status : rc;
            break;
        }
    }
    if (p->npos < 1)
        return hl_usage_error(run_usage, "a program to run expected, after "
                                         "'--'");
    if (a->g.ignore_stdin && (rc = hl_cli_gates_stdin(&a->g)) != 0)
        return rc;
    if (a->every_ms == 0)
        a->every_ms = 1000;
    if (a->warmup_ms == 0)
        a->warmup_ms = a->every_ms;
    /* hl_opt moved the positionals to argv[0..npos); PROGRAM's own
     * options after '--' are among them */
    p->argv[p->npos] = NULL;
    a->argv = p->argv;
    return -1;
}

/* Keeps s in --keep DIR as the next NNN.snap (written atomically). */
static int keep_snapshot(const struct run_args *a, struct run_state *st,
                         const struct hl_snapshot *s)
{
    char path[4096];
    int err;

    if (a->keep == NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/%03zu.snap", a->keep, ++st->kept);
    if ((err = hl_snapshot_save(path, s)) != 0) {
        hl_error("cannot write snapshot '%s': %s", path, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (a->verbose)
        hl_note("kept %s", path);
    return 0;
}

/* Makes s the baseline (the first point) or the final point. */
static void take_point(struct run_state *st, struct hl_snapshot *s,
                       const char *label)
{
    if (!st->have_first) {
        st->first = *s;
        st->have_first = 1;
        snprintf(st->first_label, sizeof(st->first_label), "%s", label);
    } else {
        if (st->have_last)
            hl_snapshot_release(&st->last);
        st->last = *s;
        st->have_last = 1;
        snprintf(st->last_label, sizeof(st->last_label), "%s", label);
    }
    memset(s, 0, sizeof(*s));
}

/* Drops the time points: a checkpoint came, checkpoints decide. */
static void drop_points(struct run_state *st)
{
    if (st->have_first)
        hl_snapshot_release(&st->first);
    if (st->have_last)
        hl_snapshot_release(&st->last);
    if (st->have_pending)
        hl_snapshot_release(&st->pending);
    st->have_first = st->have_last = st->have_pending = 0;
}

/* Adds s, taken around clock time mid (wall time wall, the middle of its
 * collection), to the growth series and the CSV file. Returns 0 or an
 * exit code after reporting. */
static int add_sample(struct run_args *a, const struct hl_snapshot *s,
                      uint64_t mid, uint64_t wall)
{
    int rc = hl_cli_growth_add(&a->growth, s, mid, wall);

    if (rc == 0 && hl_cli_growth_log(&a->growth, "the run stops") != 0)
        rc = HL_EXIT_FAILURE;
    return rc;
}

/* A checkpoint's snapshot: the program is held still while it is taken,
 * so it joins the growth series at once. */
static int snap(struct run_args *a, struct run_state *st,
                struct hl_snapshot *s)
{
    uint64_t c0 = hl__clock_us(), w0 = hl__clock_wall(), c1, w1;
    int rc = hl_cli_collect(&st->t, &st->copts, 0, "snapshot",
                            "no verdict given", s);

    c1 = hl__clock_us();
    w1 = hl__clock_wall();
    if (rc == 0)
        rc = keep_snapshot(a, st, s);
    if (rc == 0)
        rc = add_sample(a, s, c0 + (c1 - c0) / 2, w0 + (w1 - w0) / 2);
    return rc;
}

static int on_checkpoint(struct run_args *a, struct run_state *st,
                         const char *label)
{
    struct hl_snapshot s;
    char name[HL_LAUNCH_MAX_LABEL + 32];
    int rc;

    if (st->checkpoints == 0)
        drop_points(st);
    st->checkpoints++;
    if ((rc = snap(a, st, &s)) != 0) {
        hl_snapshot_release(&s);
        return rc;
    }
    if (*label != '\0')
        snprintf(name, sizeof(name), "checkpoint %zu '%s'", st->checkpoints,
                 label);
    else
        snprintf(name, sizeof(name), "checkpoint %zu", st->checkpoints);
    if (st->checkpoints == 1)
        hl_note("%s: %zu handles (baseline)", name, s.count);
    else
        hl_note("%s: %zu handles (%+lld since the last)", name, s.count,
                (long long)s.count - (long long)st->prev_count);
    st->prev_count = s.count;
    take_point(st, &s, name);
    return 0;
}

/* A time snapshot, pending until the program is seen running after it:
 * one taken as the program ended may hold none of its handles. */
static int on_tick(struct run_args *a, struct run_state *st)
{
    struct hl_snapshot s;
    struct hl_diag diag;
    uint64_t c0, c1, w0, w1;
    int rc, err;

    st->ticks++;
    memset(&diag, 0, sizeof(diag));
    w0 = hl__clock_wall();
    c0 = hl__clock_us();
    err = hl_snapshot_init(&s);
    if (err == 0)
        err = hl_collect(&st->copts, &s, &diag);
    c1 = hl__clock_us();
    w1 = hl__clock_wall();
    if (err == HL_EEXITED || err == HL_ENOPROC) {
        /* the program ended while it was taken: not hleak's failure */
        hl_snapshot_release(&s);
        return 0;
    }
    if (err != 0) {
        hl_snapshot_release(&s);
        return hl_cli_target_error(&st->t, err, &diag, "snapshot process "
                                   "%" PRIu64, st->t.pid);
    }
    if ((rc = keep_snapshot(a, st, &s)) != 0) {
        hl_snapshot_release(&s);
        return rc;
    }
    if (a->verbose)
        hl_note("time snapshot %zu: %zu handles", st->ticks, s.count);
    if (st->have_pending)
        hl_snapshot_release(&st->pending);
    st->pending = s;
    st->have_pending = 1;
    st->pending_mid = c0 + (c1 - c0) / 2;
    st->pending_wall = w0 + (w1 - w0) / 2;
    return 0;
}

/* The pending time snapshot becomes a point, and a sample of the growth
 * series: one taken as the program ended (dropped) would show a fall
 * that never happened. Returns 0 or an exit code. */
static int commit_pending(struct run_args *a, struct run_state *st)
{
    char name[64];
    int rc;

    if (!st->have_pending)
        return 0;
    snprintf(name, sizeof(name), "time snapshot %zu", st->ticks);
    st->have_pending = 0;
    rc = add_sample(a, &st->pending, st->pending_mid, st->pending_wall);
    take_point(st, &st->pending, name);
    return rc;
}

static void start_trace(const struct run_args *a, uint64_t pid)
{
    struct hl_diag diag;
    int err;

    memset(&diag, 0, sizeof(diag));
    err = hl_trace_set(pid, 1, 0, &diag);
    if (err == HL_ENOTSUP)
        hl_warn("handle tracing is not supported on this system: the run "
                "goes on without open stacks");
    else if (err != 0)
        hl_warn("cannot turn handle tracing on: %s; the run goes on "
                "without open stacks",
                hl_strerror(err));
    if (err != 0 && a->verbose)
        hl_cli_note_failed_call(&diag);
}

/* Follows the program to its end; *code is its exit code, *interrupted
 * set when Ctrl+C ended it. Returns 0 or an exit code. */
static int follow(struct run_args *a, struct run_state *st,
                  struct hl_launch *l, uint32_t *code, int *interrupted)
{
    struct hl_launch_event ev;
    struct hl_diag diag;
    uint64_t base = hl__clock_us() + a->warmup_ms * 1000u, due = base, now;
    uint64_t k = 0;
    int rc, err, time_points = 1;

    memset(&diag, 0, sizeof(diag));
    for (;;) {
        unsigned ms;

        if (hl__interrupted() && !*interrupted) {
            *interrupted = 1;
            hl_note("interrupted: ending the program; the verdict is for "
                    "what was seen");
            rc = commit_pending(a, st);
            (void)hl_launch_kill(l, 0xC000013Au);
            if (rc != 0)
                return rc;
        }
        now = hl__clock_us();
        ms = !time_points || *interrupted ? 200u
             : due > now                  ? (unsigned)((due - now) / 1000u)
                                          : 0u;
        if (ms > 200u)
            ms = 200u; /* Ctrl+C is looked at this often */
        err = hl_launch_wait(l, ms, &ev, &diag);
        if (err != 0) {
            hl_error("cannot follow the program: %s", hl_strerror(err));
            if (a->verbose)
                hl_cli_note_failed_call(&diag);
            return HL_EXIT_FAILURE;
        }
        switch (ev.kind) {
        case HL_LAUNCH_EXITED:
            /* a pending time snapshot was not followed by the program
             * running: it may have been taken as it ended */
            if (st->have_pending)
                hl_snapshot_release(&st->pending);
            st->have_pending = 0;
            *code = ev.exit_code;
            return 0;
        case HL_LAUNCH_CHECKPOINT:
            time_points = 0;
            if (!*interrupted && (rc = on_checkpoint(a, st, ev.label)) != 0)
                return rc;
            break;
        case HL_LAUNCH_STRING:
            if (a->verbose)
                hl_note("program: %s", ev.label);
            /* the program runs */
            if ((rc = commit_pending(a, st)) != 0)
                return rc;
            break;
        case HL_LAUNCH_NONE:
            if ((rc = commit_pending(a, st)) != 0)
                return rc;
            break;
        }
        if (time_points && !*interrupted && hl__clock_us() >= due) {
            if ((rc = on_tick(a, st)) != 0)
                return rc;
            k = hl_cli_next_slot(base, a->every_ms, 0, k);
            due = base + k * a->every_ms * 1000u;
        }
    }
}

/* The verdict: the diff of the two points, its gates and reports. */
static int verdict(const struct run_args *a, struct run_state *st)
{
    struct hl_diff d;
    int err, rc;

    if (!st->have_first || !st->have_last) {
        hl_error("fewer than two points to compare (%zu checkpoints, %zu "
                 "time snapshots): mark two checkpoints, or let the "
                 "program run past --warmup and one --every",
                 st->checkpoints, st->ticks);
        return HL_EXIT_UNJUDGED;
    }
    if (st->checkpoints == 0)
        hl_note("no checkpoint marked: compared by time (%s and %s)",
                st->first_label, st->last_label);
    else
        hl_note("compared %s with %s", st->first_label, st->last_label);
    if ((rc = hl_cli_gates_check_types(&a->g, &st->first, &st->last)) != 0)
        return rc;
    memset(&d, 0, sizeof(d));
    err = hl_diff_compute(&st->first, &st->last, &a->g.opts, &d);
    if (err != 0) {
        hl_error("cannot compare the two points: %s", hl_strerror(err));
        hl_diff_release(&d);
        return HL_EXIT_FAILURE;
    }
    /* the growth gates join the diff's, so every report carries them */
    if ((rc = hl_cli_growth_to_diff(&a->growth, &d)) == 0)
        rc = hl_cli_gates_report(&a->g, &d, &st->first, &st->last);
    hl_diff_release(&d);
    return rc;
}

/*
 * The growth verdict of the series, after the diff's (rc): printed with
 * the text report on standard output, on standard error beside a
 * machine report (JSON) so that stays one document. A growth gate that
 * failed makes rc 1; one that could not judge makes a passing rc 4.
 * The CSV and SVG files are completed whatever the verdict.
 */
static int growth_verdict(struct run_args *a, int rc)
{
    FILE *out = (a->g.format->flags & HL__FORMAT_FOR_PEOPLE) ? stdout
                                                             : stderr;
    char title[256];
    int vrc = 0, frc, gate_failed = 0, undecided = 0;
    /* too few samples give a table of "unknown" rows: only the note on
     * standard error says so (two checkpoints, a short run) */
    int table = a->growth.series.nsamples >= HL_TREND_MIN_SAMPLES;

    if (out == stdout && table)
        fprintf(out, "\n"); /* apart from the diff's verdict */
    if (a->growth.series.nsamples > 0 || a->growth.nlimits > 0)
        vrc = hl_cli_growth_verdict(
            &a->growth, table ? out : NULL,
            "let the program run longer, snapshot more often (--every) "
            "or mark more checkpoints",
            &gate_failed, &undecided);
    snprintf(title, sizeof(title), "hleak run: %s", a->argv[0]);
    frc = hl_cli_growth_finish(&a->growth, title);
    if (vrc != 0 && rc != HL_EXIT_USAGE)
        return vrc;
    if (gate_failed && (rc == 0 || rc == HL_EXIT_UNJUDGED))
        return HL_EXIT_GATE;
    if (frc != 0 && (rc == 0 || rc == HL_EXIT_GATE ||
                     rc == HL_EXIT_UNJUDGED))
        return frc;
    if (undecided && rc == 0)
        return HL_EXIT_UNJUDGED;
    return rc;
}

static int run_program(struct run_args *a)
{
    struct hl_launch_opts lo;
    struct hl_launch *l = NULL;
    struct run_state st;
    struct hl_diag diag;
    uint64_t pid;
    uint32_t code = 0;
    int err, rc, interrupted = 0;

    memset(&st, 0, sizeof(st));
    memset(&diag, 0, sizeof(diag));
    memset(&lo, 0, sizeof(lo));
    lo.argv = a->argv;
    lo.no_debug = a->no_debug;
    /* a mistyped output path costs no run */
    if ((rc = hl_cli_growth_open(&a->growth)) != 0)
        return rc;
    (void)hl__interrupt_install();
    err = hl_launch_start(&lo, &l, &pid, &diag);
    if (err != 0) {
        hl_error("cannot start '%s': %s", a->argv[0], hl_strerror(err));
        if (a->verbose)
            hl_cli_note_failed_call(&diag);
        return HL_EXIT_FAILURE;
    }
    st.t.pid = pid;
    st.t.have_pid = 1;
    st.t.verbose = a->verbose;
    st.copts.pid = pid;
    if (a->verbose)
        hl_note("started '%s' as process %" PRIu64 "%s", a->argv[0], pid,
                a->no_debug ? " (not debugged)" : "");
    if (a->trace)
        start_trace(a, pid);
    if ((err = hl_launch_resume(l, &diag)) != 0) {
        hl_error("cannot start '%s': %s", a->argv[0], hl_strerror(err));
        rc = HL_EXIT_FAILURE;
    } else {
        rc = follow(a, &st, l, &code, &interrupted);
    }
    hl_launch_free(l);
    if (rc == 0) {
        if (!interrupted)
            hl_note("the program exited with code %" PRIu32 "%s", code,
                    code != 0 ? " (a failure)" : "");
        rc = growth_verdict(a, verdict(a, &st));
        if (!interrupted && code != 0 &&
            (rc == 0 || rc == HL_EXIT_UNJUDGED))
            rc = HL_EXIT_PROGRAM;
    }
    drop_points(&st);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a;
    struct hl_optparse p;
    int rc;

    memset(&a, 0, sizeof(a));
    hl_cli_gates_init(&a.g, run_usage);
    hl_cli_growth_init(&a.growth, run_usage);
    hl_opt_init(&p, argc, argv, &run_table);
    if ((rc = parse_args(&a, &p)) == -1) {
        hl_cli_gates_ready(&a.g);
        rc = run_program(&a);
    }
    hl_cli_gates_release(&a.g);
    hl_cli_growth_release(&a.growth);
    return rc;
}
