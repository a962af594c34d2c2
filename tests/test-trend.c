#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hleak/err.h"
#include "trend.h"

#define N 60

static double t[N];
static uint32_t c[N];

/* Deterministic noise in [-amp, amp], so failures reproduce. */
static int noise(unsigned *state, int amp)
{
    *state = *state * 1103515245u + 12345u;
    return (int)((*state >> 16) % (unsigned)(2 * amp + 1)) - amp;
}

static int near(double a, double b)
{
    return a - b < 1e-6 && b - a < 1e-6;
}

static void seconds(size_t n, double step)
{
    size_t i;

    for (i = 0; i < n; i++)
        t[i] = i * step;
}

static void test_trend_steady_leak_is_growing(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    /* one handle every six seconds: a staircase, 10 per minute */
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 100 + (uint32_t)(i / 6);
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_GROWING);
    assert_int_equal(tr.why, HL_TREND_STEADY);
    assert_true(tr.slope > 9.5 && tr.slope < 10.5);
    assert_true(tr.steadiness > 0.95);
}

static void test_trend_exact_slope(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    seconds(13, 0.5);
    for (i = 0; i < 13; i++)
        c[i] = 10 + 3 * (uint32_t)i;
    assert_int_equal(hl_trend_fit(t, c, 13, &tr), 0);
    /* 3 handles per half second */
    assert_true(tr.slope > 359.999 && tr.slope < 360.001);
    assert_true(tr.tail_slope > 359.999 && tr.tail_slope < 360.001);
    assert_true(tr.rise > 35.999 && tr.rise < 36.001);
    assert_true(tr.steadiness > 0.999999);
    assert_int_equal(tr.cls, HL_TREND_GROWING);
}

static void test_trend_noisy_leak_is_growing(void **state)
{
    struct hl_trend tr;
    unsigned seed = 7;
    size_t i;

    (void)state;
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = (uint32_t)(200 + (int)(i / 6) + noise(&seed, 1));
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_GROWING);
    assert_true(tr.slope > 8 && tr.slope < 12);
}

static void test_trend_plateau_is_stable(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    /* a cache: fills by 2 a second for 20 s, then holds */
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 50 + 2 * (uint32_t)(i < 20 ? i : 20);
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_STABLE);
    assert_int_equal(tr.why, HL_TREND_LEVELLED);
    assert_true(tr.slope > 10); /* the whole window does rise... */
    assert_true(tr.tail_slope < 0.001 && tr.tail_slope > -0.001);
}

static void test_trend_late_plateau_is_stable(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    /* rises for two thirds of the window, so the line fits well (R^2
     * near 0.9): only the flat end tells it from a leak */
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 50 + (uint32_t)(i < 42 ? i : 42);
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_true(tr.steadiness > HL_TREND_MIN_STEADY);
    assert_int_equal(tr.cls, HL_TREND_STABLE);
    assert_int_equal(tr.why, HL_TREND_LEVELLED);
}

static void test_trend_noise_is_stable(void **state)
{
    struct hl_trend tr;
    unsigned seed;
    size_t i;

    (void)state;
    seconds(N, 1);
    for (seed = 1; seed < 50; seed++) {
        unsigned s = seed;

        for (i = 0; i < N; i++)
            c[i] = (uint32_t)(500 + noise(&s, 3));
        assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
        assert_int_equal(tr.cls, HL_TREND_STABLE);
    }
}

static void test_trend_sawtooth_is_stable(void **state)
{
    struct hl_trend tr;
    size_t n, i;

    (void)state;
    /* a cache that fills by 5 a second and is flushed every 10 s, seen
     * over windows that end anywhere in a period */
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 30 + 5 * (uint32_t)(i % 10);
    for (n = 20; n <= N; n++) {
        assert_int_equal(hl_trend_fit(t, c, n, &tr), 0);
        assert_int_equal(tr.cls, HL_TREND_STABLE);
    }
}

static void test_trend_shrinking(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 1000 - 2 * (uint32_t)i;
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_SHRINKING);
    assert_true(tr.slope < -119.99 && tr.slope > -120.01);
}

static void test_trend_constant_is_flat(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 42;
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_STABLE);
    assert_int_equal(tr.why, HL_TREND_FLAT);
    assert_true(tr.slope == 0);
    assert_true(tr.steadiness == 1);
}

static void test_trend_one_step_is_not_a_leak(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    /* one handle opened once, halfway: a line gains 1.5, under the
     * minimum rise */
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 42 + (i >= N / 2);
    assert_int_equal(hl_trend_fit(t, c, N, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_STABLE);
}

static void test_trend_too_few_samples(void **state)
{
    struct hl_trend tr;
    size_t i;

    (void)state;
    seconds(N, 1);
    for (i = 0; i < N; i++)
        c[i] = 10 * (uint32_t)i;
    assert_int_equal(hl_trend_fit(t, c, HL_TREND_MIN_SAMPLES - 1, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_UNKNOWN);
    assert_int_equal(tr.why, HL_TREND_FEW_SAMPLES);
    /* unknown, yet the rate is measured: 10 a second */
    assert_true(near(tr.slope, 600));
    assert_true(near(tr.rise, 10 * (HL_TREND_MIN_SAMPLES - 2)));
    assert_int_equal(hl_trend_fit(t, c, HL_TREND_MIN_SAMPLES, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_GROWING);
}

static void test_trend_rate_from_two_samples(void **state)
{
    struct hl_trend tr;

    (void)state;
    seconds(2, 30);
    c[0] = 100;
    c[1] = 106;
    assert_int_equal(hl_trend_fit(t, c, 2, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_UNKNOWN);
    assert_true(near(tr.slope, 12));
    assert_true(near(tr.tail_slope, 12));
    /* one sample has no rate: every number is 0 */
    assert_int_equal(hl_trend_fit(t, c, 1, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_UNKNOWN);
    assert_true(tr.slope == 0 && tr.rise == 0 && tr.steadiness == 0);
}

static void test_trend_rejects_unordered_times(void **state)
{
    struct hl_trend tr = {1, 2, 3, 4, 5, 6};
    double bad[5] = {0, 1, 1, 2, 3};
    uint32_t cnt[5] = {1, 2, 3, 4, 5};

    (void)state;
    assert_int_equal(hl_trend_fit(bad, cnt, 5, &tr), HL_EINVAL);
    assert_true(tr.slope == 1 && tr.cls == 5);
}

static void test_trend_names(void **state)
{
    (void)state;
    assert_string_equal(hl_trend_class_str(HL_TREND_GROWING), "growing");
    assert_string_equal(hl_trend_class_str(HL_TREND_SHRINKING),
                        "shrinking");
    assert_string_equal(hl_trend_class_str(HL_TREND_STABLE), "stable");
    assert_string_equal(hl_trend_class_str(99), "unknown");
    assert_string_equal(hl_trend_why_str(HL_TREND_LEVELLED),
                        "levelled off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trend_steady_leak_is_growing),
        cmocka_unit_test(test_trend_exact_slope),
        cmocka_unit_test(test_trend_noisy_leak_is_growing),
        cmocka_unit_test(test_trend_plateau_is_stable),
        cmocka_unit_test(test_trend_late_plateau_is_stable),
        cmocka_unit_test(test_trend_noise_is_stable),
        cmocka_unit_test(test_trend_sawtooth_is_stable),
        cmocka_unit_test(test_trend_shrinking),
        cmocka_unit_test(test_trend_constant_is_flat),
        cmocka_unit_test(test_trend_one_step_is_not_a_leak),
        cmocka_unit_test(test_trend_too_few_samples),
        cmocka_unit_test(test_trend_rate_from_two_samples),
        cmocka_unit_test(test_trend_rejects_unordered_times),
        cmocka_unit_test(test_trend_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
