#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dump.h"
#include "hleak/collect.h"
#include "hleak/err.h"
#include "ntfake.h"
#include "trace.h"
#include "win/win-int.h"

/*
 * The bitness rule (wow64-win.c): a 32-bit hleak under WOW64 refuses live
 * work, a 64-bit one never does. IsWow64Process is faked through the
 * injected table, so both answers are tested in both builds, and so is
 * each entry point's call of the rule (before the target is opened).
 */

/* No process has this pid under Wine or Windows (not a multiple of 4). */
#define MISSING_PID 999999u

static struct hl_nt_api fake;
static int answer_ok;       /* 0: IsWow64Process fails */
static BOOL answer_wow64;
static int self_asked;

static BOOL WINAPI fake_is_wow64(HANDLE proc, BOOL *wow64)
{
    if (proc == GetCurrentProcess())
        self_asked++;
    if (!answer_ok) {
        SetLastError(ERROR_ACCESS_DENIED);
        return FALSE;
    }
    *wow64 = answer_wow64;
    return TRUE;
}

static int setup(void **state)
{
    const struct hl_nt_api *real = hl__nt_default();

    (void)state;
    assert_non_null(real);
    fake = *real;
    fake.is_wow64_process = fake_is_wow64;
    answer_ok = 1;
    answer_wow64 = FALSE;
    self_asked = 0;
    hl__nt_set(&fake);
    return 0;
}

static void test_rule_for_each_build(void **state)
{
    (void)state;
    answer_wow64 = TRUE;
    assert_int_equal(hl__wow64_check(&fake, 4), HL_EWOW64);
    assert_int_equal(hl__wow64_check(&fake, 8), 0);
    answer_wow64 = FALSE;
    assert_int_equal(hl__wow64_check(&fake, 4), 0);
    assert_int_equal(hl__wow64_check(&fake, 8), 0);
    answer_ok = 0;
    assert_int_equal(hl__wow64_check(&fake, 4), HL_EQUERY);
    /* a 64-bit hleak has nothing to ask */
    self_asked = 0;
    assert_int_equal(hl__wow64_check(&fake, 8), 0);
    assert_int_equal(self_asked, 0);
}

/* The real IsWow64Process, on this system: the test prefixes are a
 * 64-bit Windows for the 64-bit build and a 32-bit one for the 32-bit
 * build, so neither refuses. */
static void test_real_system_allows_this_build(void **state)
{
    BOOL wow64 = TRUE;

    (void)state;
    assert_true(IsWow64Process(GetCurrentProcess(), &wow64));
    assert_false(wow64);
    assert_int_equal(hl__wow64_check(NULL, sizeof(void *)), 0);
}

/* What each entry point returns for a missing pid when the fake says
 * "WOW64": this build's refusal, or the missing process it would have
 * found without the rule. */
static int expected_for_missing(void)
{
    return sizeof(void *) == 4 ? HL_EWOW64 : HL_ENOPROC;
}

static void test_collect_asks_before_opening(void **state)
{
    struct hl_collect_opts opts;
    struct hl_snapshot s;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    opts.pid = MISSING_PID;
    assert_int_equal(hl_snapshot_init(&s), 0);
    answer_wow64 = TRUE;
    assert_int_equal(hl_collect(&opts, &s, NULL), expected_for_missing());
    answer_wow64 = FALSE;
    assert_int_equal(hl_collect(&opts, &s, NULL), HL_ENOPROC);
    hl_snapshot_release(&s);
}

/* A 32-bit build refuses even its own process: the handle list still
 * passes through the WOW64 layer. */
static void test_collect_of_self_under_wow64(void **state)
{
    struct hl_collect_opts opts;
    struct hl_snapshot s;
    int err;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    opts.pid = GetCurrentProcessId();
    opts.no_names = 1;
    assert_int_equal(hl_snapshot_init(&s), 0);
    answer_wow64 = TRUE;
    err = hl_collect(&opts, &s, NULL);
    if (sizeof(void *) == 4) {
        assert_int_equal(err, HL_EWOW64);
        assert_int_equal(s.count, 0);
    } else {
        assert_int_equal(err, 0);
        assert_true(s.count > 0);
    }
    hl_snapshot_release(&s);
}

static void test_dump_and_trace_ask_too(void **state)
{
    int on = 0;
    size_t records = 0;

    (void)state;
    answer_wow64 = TRUE;
    assert_int_equal(hl_dump_write(MISSING_PID, "never-written.dmp", NULL),
                     expected_for_missing());
    assert_int_equal(hl_trace_status(MISSING_PID, &on, &records, NULL),
                     expected_for_missing());
    assert_int_equal(hl_trace_set(MISSING_PID, 1, 0, NULL),
                     expected_for_missing());
    assert_int_equal(GetFileAttributesW(L"never-written.dmp"),
                     INVALID_FILE_ATTRIBUTES);
}

static void test_message_names_the_remedy(void **state)
{
    (void)state;
    assert_string_equal(hl_strerror(HL_EWOW64),
                        "this is the 32-bit hleak running on 64-bit "
                        "Windows: use the 64-bit hleak.exe");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, ntf_teardown)
    const struct CMUnitTest tests[] = {
        T(test_rule_for_each_build),
        T(test_real_system_allows_this_build),
        T(test_collect_asks_before_opening),
        T(test_collect_of_self_under_wow64),
        T(test_dump_and_trace_ask_too),
        T(test_message_names_the_remedy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
