#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <windows.h>

#include "hleak/cmocka.h"
#include "hleak/collect.h"
#include "hleak/leakcheck.h"
#include "diff-int.h"
#include "hleak/ignore.h"
#include "winutil.h"

/*
 * The leak-check helper on this very process (under Wine on Linux): what
 * it reports, what it must not (hleak's own handles), and the cmocka
 * assertion, including that it fails a leaking test.
 */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static void print_groups(const struct hl_diff *d)
{
    char msg[2048];

    hl_leak_check_format(msg, sizeof(msg), d);
    print_message("%s", msg);
}

static void test_leakcheck_nothing_opened_reports_nothing(void **state)
{
    struct hl_leak_check *lc;
    struct hl_diff *d;
    int i;

    (void)state;
    for (i = 0; i < 20; i++) {
        assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
        assert_int_equal(hl_leak_check_end(lc, &d), 0);
        assert_true(hl_diff_count(d, HL_DIFF_BEFORE) > 0);
        if (hl_diff_count(d, HL_DIFF_OPENED) != 0 || hl_diff_count(d, HL_DIFF_CLOSED) != 0)
            print_groups(d);
        assert_int_equal(d->match, HL_MATCH_IDENTITY);
        assert_int_equal(hl_diff_ngroups(d, HL_DIFF_LIST_OPENED), 0);
        assert_int_equal(hl_diff_count(d, HL_DIFF_OPENED), 0);
        assert_int_equal(hl_diff_count(d, HL_DIFF_CLOSED), 0);
        hl_diff_free(d);
        hl_leak_check_free(lc);
    }
}

static void test_leakcheck_three_events_reported(void **state)
{
    struct hl_leak_check *lc;
    struct hl_diff *d;
    const uint32_t *handles;
    size_t nhandles;
    HANDLE ev[3];
    uint32_t want[3];
    size_t i;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    for (i = 0; i < 3; i++) {
        ev[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
        assert_non_null(ev[i]);
        want[i] = (uint32_t)(uintptr_t)ev[i];
    }
    assert_int_equal(hl_leak_check_end(lc, &d), 0);
    qsort(want, 3, sizeof(want[0]), cmp_u32);
    print_groups(d);
    assert_int_equal(hl_diff_count(d, HL_DIFF_OPENED), 3);
    assert_int_equal(hl_diff_ngroups(d, HL_DIFF_LIST_OPENED), 1);
    assert_string_equal(hl_diff_group_type(d, HL_DIFF_LIST_OPENED, 0), "Event");
    assert_string_equal(hl_diff_group_name(d, HL_DIFF_LIST_OPENED, 0), "");
    assert_int_equal(hl_diff_group_access(d, HL_DIFF_LIST_OPENED, 0), EVENT_ALL_ACCESS);
    assert_int_equal(hl_diff_group_count(d, HL_DIFF_LIST_OPENED, 0), 3);
    handles = hl_diff_group_handles(d, HL_DIFF_LIST_OPENED, 0, &nhandles);
    assert_int_equal(nhandles, 3);
    assert_memory_equal(handles, want, sizeof(want));
    assert_int_equal(hl_diff_count(d, HL_DIFF_CLOSED), 0);
    hl_diff_free(d);

    /* closed again, a second end reports nothing */
    for (i = 0; i < 3; i++)
        CloseHandle(ev[i]);
    assert_int_equal(hl_leak_check_end(lc, &d), 0);
    assert_int_equal(hl_diff_count(d, HL_DIFF_OPENED), 0);
    hl_diff_free(d);
    hl_leak_check_free(lc);
}

static void test_leakcheck_closed_is_not_a_leak(void **state)
{
    struct hl_leak_check *lc;
    struct hl_diff *d;
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE tmp;

    (void)state;
    assert_non_null(ev);
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    CloseHandle(ev);
    /* opened and closed inside: not reported either */
    tmp = CreateMutexW(NULL, FALSE, NULL);
    assert_non_null(tmp);
    CloseHandle(tmp);
    assert_int_equal(hl_leak_check_end(lc, &d), 0);
    assert_int_equal(hl_diff_count(d, HL_DIFF_OPENED), 0);
    assert_int_equal(hl_diff_count(d, HL_DIFF_CLOSED), 1);
    assert_string_equal(hl_diff_group_type(d, HL_DIFF_LIST_CLOSED, 0), "Event");
    hl_diff_free(d);
    hl_leak_check_free(lc);
}

static void test_leakcheck_ignores_and_names(void **state)
{
    WCHAR name[64];
    struct hl_leak_check_opts opts;
    struct hl_leak_check *lc;
    struct hl_patterns *ign;
    struct hl_diff *d;
    HANDLE ev[2];
    HANDLE mutex;
    char want[80];
    char msg[1024];
    int i;

    (void)state;
    assert_int_equal(hl_patterns_new(&ign), 0);
    assert_int_equal(hl_patterns_add(ign, "Event:*\\hleak-lc-ev-*"), 0);
    memset(&opts, 0, sizeof(opts));
    opts.ignores = ign;
    assert_int_equal(hl_leak_check_begin(&lc, &opts), 0);
    for (i = 0; i < 2; i++) {
        _snwprintf(name, 64, L"hleak-lc-ev-%lu-%d",
                   (unsigned long)GetCurrentProcessId(), i);
        ev[i] = CreateEventW(NULL, TRUE, FALSE, name);
        assert_non_null(ev[i]);
    }
    _snwprintf(name, 64, L"hleak-lc-mutex-%lu",
               (unsigned long)GetCurrentProcessId());
    mutex = CreateMutexW(NULL, FALSE, name);
    assert_non_null(mutex);
    assert_int_equal(hl_leak_check_end(lc, &d), 0);
    print_groups(d);
    assert_int_equal(hl_diff_count(d, HL_DIFF_OPENED), 1);
    assert_int_equal(hl_diff_count(d, HL_DIFF_IGNORED_OPENED), 2);
    assert_string_equal(hl_diff_group_type(d, HL_DIFF_LIST_OPENED, 0), "Mutant");
    snprintf(want, sizeof(want), "\\hleak-lc-mutex-%lu",
             (unsigned long)GetCurrentProcessId());
    assert_non_null(strstr(hl_diff_group_name(d, HL_DIFF_LIST_OPENED, 0), want));
    hl_leak_check_format(msg, sizeof(msg), d);
    assert_non_null(strstr(msg, "1 handle opened and still open, in 1 "
                                "group (2 more ignored)\n  1 Mutant \""));
    assert_non_null(strstr(msg, want));
    hl_diff_free(d);
    hl_leak_check_free(lc);
    CloseHandle(mutex);
    CloseHandle(ev[0]);
    CloseHandle(ev[1]);
    hl_patterns_free(ign);
}

/* A snapshot of this process has the handles it had before the call:
 * none of the collector's own (its handle on the process, duplicates,
 * name threads and their events). Names asked on several threads, so
 * every kind of helper handle exists during the call. */
static void test_leakcheck_snapshot_has_no_own_handles(void **state)
{
    struct hl_collect_opts opts;
    struct hl_snapshot *s;
    unsigned before;
    size_t i;
    int k;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    for (k = 0; k < 5; k++) {
        opts.threads = k == 0 ? 1u : 4u;
        opts.no_names = k == 4;
        before = wu_count_own_handles(WU_PROBE_ALL);
        assert_int_equal(hl_snapshot_take(0, &opts, &s), 0);
        assert_int_equal(hl_snapshot_pid(s), GetCurrentProcessId());
        assert_int_equal(hl_snapshot_count(s), before);
        for (i = 0; i < hl_snapshot_count(s); i++) {
            DWORD flags;

            /* every value listed is open here, now that it returned */
            assert_true(GetHandleInformation(
                (HANDLE)(uintptr_t)hl_snapshot_handle(s, i)->value, &flags));
        }
        hl_snapshot_free(s);
    }
}

static void test_leakcheck_format_truncates(void **state)
{
    struct hl_leak_check *lc;
    struct hl_diff *d;
    HANDLE ev[12];
    char small[32];
    char full[1024];
    size_t need;
    size_t i;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    for (i = 0; i < 12; i++)
        ev[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_int_equal(hl_leak_check_end(lc, &d), 0);
    need = hl_leak_check_format(NULL, 0, d);
    assert_int_equal(hl_leak_check_format(full, sizeof(full), d), need);
    assert_int_equal(strlen(full), need);
    assert_non_null(strstr(full, "12 handles opened and still open, in 1 "
                                 "group\n  12 Event (unnamed, access "
                                 "0x001f0003): 0x"));
    assert_non_null(strstr(full, " ...\n")); /* 8 values shown of 12 */
    assert_int_equal(hl_leak_check_format(small, sizeof(small), d), need);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_string_equal(small + sizeof(small) - 4, "...");
    assert_memory_equal(small, full, sizeof(small) - 4);
    hl_diff_free(d);
    hl_leak_check_free(lc);
    for (i = 0; i < 12; i++)
        CloseHandle(ev[i]);
}

static void test_leakcheck_assert_passes_when_clean(void **state)
{
    struct hl_leak_check *lc;
    HANDLE ev;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    CloseHandle(ev);
    HL_ASSERT_NO_HANDLE_LEAK(lc);
    assert_null(lc);
}

static void test_leakcheck_end_without_begin(void **state)
{
    struct hl_leak_check *lc;
    struct hl_diff *d;

    (void)state;
    lc = NULL;
    assert_int_equal(hl_leak_check_end(lc, &d), HL_EINVAL);
    assert_null(d);
    assert_int_equal(hl_leak_check_begin(NULL, NULL), HL_EINVAL);
    hl_leak_check_free(lc);
}

/* Leaks on purpose: the group that runs it must count one failure. */
static HANDLE leaked;

static void test_leakcheck_assert_fails_on_leak(void **state)
{
    struct hl_leak_check *lc;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    leaked = CreateEventW(NULL, TRUE, FALSE, NULL);
    HL_ASSERT_NO_HANDLE_LEAK(lc);
}

int main(void)
{
    const struct CMUnitTest must_fail[] = {
        cmocka_unit_test(test_leakcheck_assert_fails_on_leak),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leakcheck_nothing_opened_reports_nothing),
        cmocka_unit_test(test_leakcheck_three_events_reported),
        cmocka_unit_test(test_leakcheck_closed_is_not_a_leak),
        cmocka_unit_test(test_leakcheck_ignores_and_names),
        cmocka_unit_test(test_leakcheck_snapshot_has_no_own_handles),
        cmocka_unit_test(test_leakcheck_format_truncates),
        cmocka_unit_test(test_leakcheck_assert_passes_when_clean),
        cmocka_unit_test(test_leakcheck_end_without_begin),
    };
    int failed;

    print_message("the next group leaks an event on purpose: its one "
                  "failure is expected\n");
    failed = cmocka_run_group_tests_name("expected-failure", must_fail,
                                         NULL, NULL);
    if (failed != 1 || leaked == NULL) {
        print_error("HL_ASSERT_NO_HANDLE_LEAK did not fail a leaking "
                    "test\n");
        return 1;
    }
    CloseHandle(leaked);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
