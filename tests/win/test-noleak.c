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
#include "hleak/hleak.h"
#include "diff-int.h"
#include "show.h"
#include "watch.h"

/*
 * hleak leaks no handle of its own: each public operation runs inside a
 * leak check of this process (under Wine on Linux), and the check must
 * find nothing left open. A child process (this program, started with
 * "child") is the other target.
 */

static PROCESS_INFORMATION child;
static char tmp_snap[MAX_PATH * 3];
static char tmp_out[MAX_PATH * 3];

static void temp_path(const char *stem, char *out, size_t cap)
{
    char dir[MAX_PATH];
    DWORD n = GetTempPathA(MAX_PATH, dir);

    assert_true(n > 0 && n < MAX_PATH);
    snprintf(out, cap, "%s%s-%lu", dir, stem,
             (unsigned long)GetCurrentProcessId());
}

static int start_child(void **state)
{
    WCHAR exe[MAX_PATH];
    WCHAR cmd[MAX_PATH + 16];
    STARTUPINFOW si;

    (void)state;
    if (GetModuleFileNameW(NULL, exe, MAX_PATH) == 0)
        return -1;
    _snwprintf(cmd, MAX_PATH + 16, L"\"%ls\" child", exe);
    cmd[MAX_PATH + 15] = L'\0';
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
                        &child))
        return -1;
    /* let it come up before anything looks at it */
    WaitForInputIdle(child.hProcess, 2000);
    Sleep(200);
    temp_path("hleak-noleak.snap", tmp_snap, sizeof(tmp_snap));
    temp_path("hleak-noleak.txt", tmp_out, sizeof(tmp_out));
    return 0;
}

static int stop_child(void **state)
{
    (void)state;
    TerminateProcess(child.hProcess, 0);
    WaitForSingleObject(child.hProcess, 5000);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    remove(tmp_snap);
    remove(tmp_out);
    return 0;
}

/* Three snapshots of pid (0: this process) under a leak check: names on
 * one thread, on many, and none. */
static void snapshots_leak_nothing(DWORD pid, unsigned many)
{
    struct hl_collect_opts opts;
    struct hl_leak_check *lc;
    struct hl_snapshot *s;
    int i;

    memset(&opts, 0, sizeof(opts));
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    for (i = 0; i < 3; i++) {
        opts.threads = i == 0 ? 1u : many;
        opts.no_names = i == 2;
        assert_int_equal(hl_snapshot_take(pid, &opts, &s), 0);
        assert_int_equal(hl_snapshot_pid(s),
                         pid != 0 ? pid : GetCurrentProcessId());
        assert_true(hl_snapshot_count(s) > 0);
        hl_snapshot_free(s);
    }
    HL_ASSERT_NO_HANDLE_LEAK(lc);
}

static void test_noleak_collect_other_process(void **state)
{
    (void)state;
    snapshots_leak_nothing(child.dwProcessId, 4u);
}

static void test_noleak_collect_self(void **state)
{
    (void)state;
    snapshots_leak_nothing(0, HL_COLLECT_MAX_THREADS);
}

static void test_noleak_no_such_process(void **state)
{
    struct hl_leak_check *lc;
    struct hl_snapshot *s;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    /* process ids are multiples of 4: this one names nothing */
    assert_int_equal(hl_snapshot_take(0xFFFFFFF1u, NULL, &s), HL_ENOPROC);
    hl_snapshot_free(s);
    HL_ASSERT_NO_HANDLE_LEAK(lc);
}

static void test_noleak_snapfile_diff_show(void **state)
{
    struct hl_show_opts so;
    struct hl_leak_check *lc;
    struct hl_type_count *tc = NULL;
    struct hl_snapshot *a;
    struct hl_snapshot *b;
    struct hl_snapshot *c;
    struct hl_diff *d;
    size_t n = 0;
    FILE *out;

    (void)state;
    assert_int_equal(hl_snapshot_take(child.dwProcessId, NULL, &a), 0);
    assert_int_equal(hl_snapshot_take(0, NULL, &b), 0);
    out = fopen(tmp_out, "wb");
    assert_non_null(out);
    memset(&so, 0, sizeof(so));

    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    assert_int_equal(hl_snapshot_save(tmp_snap, a), 0);
    assert_int_equal(hl_snapshot_load(tmp_snap, &c), 0);
    assert_int_equal(hl_snapshot_count(c), hl_snapshot_count(a));
    assert_int_equal(hl_diff_new(a, c, NULL, &d), 0);
    assert_int_equal(hl_diff_count(d, HL_DIFF_OPENED), 0);
    assert_int_equal(hl_diff_report(out, d, a, c, HL_REPORT_TEXT), 0);
    hl_diff_free(d);
    assert_int_equal(hl_diff_new(a, b, NULL, &d), 0);
    assert_int_equal(d->match, HL_MATCH_BY_NAME);
    assert_int_equal(hl_diff_report(out, d, a, b, HL_REPORT_TEXT), 0);
    assert_int_equal(hl_diff_report(out, d, a, b, HL_REPORT_JSON), 0);
    assert_int_equal(hl_diff_report(out, d, a, b, HL_REPORT_CSV), 0);
    hl_diff_free(d);
    assert_int_equal(hl_show_text(out, b, &so), 0);
    assert_int_equal(hl_show_json(out, b, &so), 0);
    assert_int_equal(hl_count_by_type(b, NULL, &tc, &n), 0);
    assert_true(n > 0);
    hl_free(tc);
    hl_snapshot_free(c);
    HL_ASSERT_NO_HANDLE_LEAK(lc);

    assert_true(ftell(out) > 0);
    fclose(out);
    hl_snapshot_free(a);
    hl_snapshot_free(b);
}

static void test_noleak_watch_core(void **state)
{
    struct hl_leak_check *lc;
    struct hl_trend tr;
    struct hl_watch w;
    char *text = NULL;
    size_t len = 0;
    int i;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    hl_watch_init(&w);
    for (i = 0; i < 6; i++) {
        struct hl_type_count *tc = NULL;
        const char *names[64];
        uint32_t counts[64];
        struct hl_snapshot *s;
        size_t n = 0;
        size_t k;

        assert_int_equal(hl_snapshot_take(child.dwProcessId, NULL, &s), 0);
        assert_int_equal(hl_count_by_type(s, NULL, &tc, &n), 0);
        for (k = 0; k < n && k < 64; k++) {
            names[k] = hl_snapshot_str(s, tc[k].type);
            counts[k] = (uint32_t)tc[k].count;
        }
        assert_int_equal(hl_watch_add(&w, i, 0, names, counts, k), 0);
        hl_free(tc);
        hl_snapshot_free(s);
    }
    assert_int_equal(hl_watch_trend(&w, 0, &tr), 0);
    assert_int_equal(hl_watch_csv(&w, &text, &len), 0);
    assert_true(len > 0);
    hl_free(text);
    assert_int_equal(hl_watch_svg(&w, "child", &text, &len), 0);
    hl_free(text);
    hl_watch_release(&w);
    HL_ASSERT_NO_HANDLE_LEAK(lc);
}

static void test_noleak_proc_find(void **state)
{
    struct hl_proc_match *m = NULL;
    struct hl_leak_check *lc;
    size_t n = 0;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    assert_int_equal(hl_proc_find("test-win-noleak", &m, &n), 0);
    assert_true(n >= 2); /* this test and its child */
    hl_proc_matches_free(m, n);
    HL_ASSERT_NO_HANDLE_LEAK(lc);
}

/* Collections on several threads at once: collect.h says they may. */
static DWORD WINAPI take_three(void *arg)
{
    size_t *count = arg;
    struct hl_snapshot *s;
    int i;

    for (i = 0; i < 3; i++) {
        if (hl_snapshot_take(child.dwProcessId, NULL, &s) != 0)
            return 1;
        count[i] = hl_snapshot_count(s);
        hl_snapshot_free(s);
    }
    return 0;
}

static void test_noleak_collect_on_four_threads(void **state)
{
    struct hl_leak_check *lc;
    size_t count[4][3];
    HANDLE t[4];
    DWORD rc;
    int i;
    int k;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    for (i = 0; i < 4; i++) {
        t[i] = CreateThread(NULL, 0, take_three, count[i], 0, NULL);
        assert_non_null(t[i]);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(WaitForSingleObject(t[i], 60000), WAIT_OBJECT_0);
        assert_true(GetExitCodeThread(t[i], &rc));
        assert_int_equal(rc, 0);
        CloseHandle(t[i]);
    }
    /* the child does nothing meanwhile: every snapshot the same size */
    for (i = 0; i < 4; i++) {
        for (k = 0; k < 3; k++)
            assert_int_equal(count[i][k], count[0][0]);
    }
    HL_ASSERT_NO_HANDLE_LEAK(lc);
}

/* The helper itself: a check inside a check leaves nothing open. */
static void test_noleak_leak_check_nested(void **state)
{
    struct hl_leak_check *outer;
    struct hl_leak_check *inner;
    struct hl_diff *d;
    FILE *out;

    (void)state;
    out = fopen(tmp_out, "wb");
    assert_non_null(out);
    assert_int_equal(hl_leak_check_begin(&outer, NULL), 0);
    assert_int_equal(hl_leak_check_begin(&inner, NULL), 0);
    assert_int_equal(hl_leak_check_end(inner, &d), 0);
    assert_int_equal(hl_leak_check_print(out, inner, d), 0);
    hl_diff_free(d);
    hl_leak_check_free(inner);
    HL_ASSERT_NO_HANDLE_LEAK(outer);
    fclose(out);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noleak_collect_other_process),
        cmocka_unit_test(test_noleak_collect_self),
        cmocka_unit_test(test_noleak_collect_on_four_threads),
        cmocka_unit_test(test_noleak_no_such_process),
        cmocka_unit_test(test_noleak_snapfile_diff_show),
        cmocka_unit_test(test_noleak_watch_core),
        cmocka_unit_test(test_noleak_proc_find),
        cmocka_unit_test(test_noleak_leak_check_nested),
    };

    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        /* the other target: a few handles of its own, then wait */
        CreateEventW(NULL, TRUE, FALSE, NULL);
        CreateMutexW(NULL, FALSE, NULL);
        Sleep(120000);
        return 0;
    }
    return cmocka_run_group_tests(tests, start_child, stop_child);
}
