/*
 * The shared least-squares fit (fit.c) and the whole-system sampler of
 * `hleak ps --interval` (syssample.c), on views built by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "fit.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "snapshot-int.h"
#include "syssample.h"
#include "system-int.h"

static int near(double a, double b, double tol)
{
    return a - b <= tol && b - a <= tol;
}

static void test_fit_line_and_r2(void **state)
{
    struct hl__fit f;
    int i;

    (void)state;
    hl__fit_init(&f);
    assert_true(hl__fit_slope(&f) == 0);
    for (i = 0; i < 10; i++)
        hl__fit_add(&f, i * 2.0, 7.0 + 3.0 * i * 2.0);
    assert_true(near(hl__fit_slope(&f), 3.0, 1e-12));
    assert_true(near(hl__fit_r2(&f), 1.0, 1e-12));
    /* a constant series follows its flat line exactly */
    hl__fit_init(&f);
    for (i = 0; i < 5; i++)
        hl__fit_add(&f, i, 42);
    assert_true(hl__fit_slope(&f) == 0);
    assert_true(hl__fit_r2(&f) == 1);
    /* one point, or points at one time, have no slope */
    hl__fit_init(&f);
    hl__fit_add(&f, 5, 1);
    hl__fit_add(&f, 5, 9);
    assert_true(hl__fit_slope(&f) == 0);
}

/* Counts near four billion at a year's seconds: the one-pass formula
 * reads 0.49988 here (its sums cancel), the exact slope is
 * 0.5000015000015. */
static void test_fit_keeps_digits_of_large_values(void **state)
{
    struct hl__fit f;
    int i;

    (void)state;
    hl__fit_init(&f);
    for (i = 0; i < 1000; i++)
        hl__fit_add(&f, 86400.0 * 365 + i, 4000000000.0 + 0.5 * i +
                                               (i % 2 ? 0.25 : -0.25));
    assert_true(near(hl__fit_slope(&f), 0.5000015000015, 1e-9));
}

/* A series that starts late reads as having been 0 before. */
static void test_fit_times_is_zeros_before(void **state)
{
    static const double c[] = {0, 0, 0, 30, 60};
    struct hl__fit whole, late, base;
    int i;

    (void)state;
    hl__fit_init(&whole);
    hl__fit_init(&base);
    for (i = 0; i < 5; i++)
        hl__fit_add(&whole, i, c[i]);
    for (i = 0; i < 3; i++)
        hl__fit_add(&base, i, 99);
    hl__fit_times(&late, &base);
    for (i = 3; i < 5; i++)
        hl__fit_add(&late, i, c[i]);
    assert_true(near(hl__fit_slope(&late), hl__fit_slope(&whole), 1e-12));
    assert_true(near(hl__fit_r2(&late), hl__fit_r2(&whole), 1e-12));
}

struct fake_proc {
    uint64_t pid, start;
    const char *image;
    uint64_t handles; /* HL_SYSTEM_UNKNOWN: not counted */
    uint32_t events, files;
};

/* A view of procs (by pid) with the types Event and File, or Event
 * only. */
static struct hl_system *make_view(const struct fake_proc *procs, size_t n,
                                   int with_files, uint64_t time)
{
    struct hl_system *sys = hl__calloc(1, sizeof(*sys));
    size_t i, nt = with_files ? 2 : 1;

    assert_non_null(sys);
    sys->time = time;
    sys->names = hl__calloc(1, sizeof(*sys->names));
    sys->procs = hl__calloc(n + 1, sizeof(*sys->procs));
    sys->type_names = hl__calloc(nt, sizeof(*sys->type_names));
    sys->counts = hl__calloc(n * nt + 1, sizeof(*sys->counts));
    assert_true(sys->names && sys->procs && sys->type_names && sys->counts);
    assert_int_equal(hl_snapshot_init(sys->names), 0);
    sys->ntypes = nt;
    assert_int_equal(hl_snapshot_intern(sys->names, "Event",
                                        &sys->type_names[0]), 0);
    if (with_files)
        assert_int_equal(hl_snapshot_intern(sys->names, "File",
                                            &sys->type_names[1]), 0);
    for (i = 0; i < n; i++) {
        sys->procs[i].pid = procs[i].pid;
        sys->procs[i].start = procs[i].start;
        sys->procs[i].handles = procs[i].handles;
        assert_int_equal(hl_snapshot_intern(sys->names, procs[i].image,
                                            &sys->procs[i].image), 0);
        sys->counts[i * nt] = procs[i].events;
        if (with_files)
            sys->counts[i * nt + 1] = procs[i].files;
    }
    sys->nprocs = n;
    return sys;
}

static void add(struct hl__sys_sampler *sm, const struct fake_proc *p,
                size_t n, int with_files, double t)
{
    struct hl_system *sys = make_view(p, n, with_files, (uint64_t)t);

    assert_int_equal(hl__sys_sampler_add(sm, sys, t), 0);
    hl_system_free(sys);
}

static const struct hl__sys_tracked *
find(const struct hl__sys_sampler *sm, uint64_t pid, uint64_t start)
{
    size_t i;

    for (i = 0; i < sm->nprocs; i++)
        if (sm->procs[i].pid == pid && sm->procs[i].start == start)
            return &sm->procs[i];
    fail_msg("pid %u start %u not tracked", (unsigned)pid, (unsigned)start);
    return NULL;
}

static size_t global_type(const struct hl__sys_sampler *sm, const char *name)
{
    size_t k;

    for (k = 0; k < sm->ntypes; k++)
        if (strcmp(sm->type_names[k], name) == 0)
            return k;
    fail_msg("type %s not seen", name);
    return 0;
}

/*
 * Four takes 10 s apart: a steady process, a leaker (+5 events a take),
 * one that exits after the second take, one that starts at the third
 * whose pid a dead process had, and the type File first seen at the
 * third take, in the leaker (+6 a take from then).
 */
static void test_sampler_ranks_and_tracks(void **state)
{
    struct fake_proc t0[] = {{4, 0, "System", 100, 100, 0},
                             {8, 80, "leaky.exe", 10, 10, 0},
                             {12, 90, "old.exe", 7, 7, 0}};
    struct fake_proc t1[] = {{4, 0, "System", 100, 100, 0},
                             {8, 80, "leaky.exe", 15, 15, 0},
                             {12, 90, "old.exe", 7, 7, 0}};
    struct fake_proc t2[] = {{4, 0, "System", 100, 100, 0},
                             {8, 80, "leaky.exe", 26, 20, 6},
                             {12, 200, "new.exe", 3, 3, 0}};
    struct fake_proc t3[] = {{4, 0, "System", 100, 100, 0},
                             {8, 80, "leaky.exe", 37, 25, 12},
                             {12, 200, "new.exe", HL_SYSTEM_UNKNOWN, 0, 0}};
    struct hl__sys_sampler sm;
    const struct hl__sys_tracked *sys, *leak, *old, *young;
    size_t ev, fi;

    (void)state;
    hl__sys_sampler_init(&sm);
    add(&sm, t0, 3, 0, 0);
    add(&sm, t1, 3, 0, 10);
    add(&sm, t2, 3, 1, 20);
    add(&sm, t3, 3, 1, 30);
    assert_int_equal(sm.nsamples, 4);
    assert_int_equal(sm.nprocs, 4);
    assert_true(sm.t_first == 0 && sm.t_last == 30);
    assert_true(sm.taken == 30);
    ev = global_type(&sm, "Event");
    fi = global_type(&sm, "File");

    sys = find(&sm, 4, 0);
    assert_true(hl__sys_rate(sys) == 0);
    assert_int_equal(sys->first_sample, 0);
    assert_int_equal(sys->last_sample, 3);

    leak = find(&sm, 8, 80);
    /* handles 10, 15, 26, 37 at 0, 10, 20, 30 s: 0.92/s least squares */
    assert_true(near(hl__sys_rate(leak), 0.92 * 60, 1e-9));
    assert_true(near(hl__sys_type_rate(leak, ev), 30.0, 1e-9));
    /* File: 0, 0, 6, 12 (none before it was seen) */
    assert_true(near(hl__sys_type_rate(leak, fi), 0.42 * 60, 1e-9));
    assert_true(leak->first == 10 && leak->last == 37);

    old = find(&sm, 12, 90);
    assert_int_equal(old->last_sample, 1); /* exited after take 2 */
    assert_true(hl__sys_rate(old) == 0);

    young = find(&sm, 12, 200);
    assert_int_equal(young->first_sample, 2);
    assert_int_equal(young->last_sample, 3);
    /* counted once: an uncounted take adds no point, so no rate */
    assert_true(young->fit.n == 1);
    assert_true(young->counted && young->last == 3);
    assert_true(hl__sys_rate(young) == 0);
    assert_true(hl__sys_type_rate(young, 99) == 0);
    hl__sys_sampler_release(&sm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_line_and_r2),
        cmocka_unit_test(test_fit_keeps_digits_of_large_values),
        cmocka_unit_test(test_fit_times_is_zeros_before),
        cmocka_unit_test(test_sampler_ranks_and_tracks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
