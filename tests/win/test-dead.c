#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "ntfake.h"
#include "snapshot-int.h"
#include "win/win-int.h"

/*
 * Dead targets and GUI counts: the classification of Process and Thread
 * handles through fakes of every call it makes (target-exit-win.c), the
 * GUI probe (gui-win.c), and the collector on this process with a thread
 * that has exited.
 */

static const struct hl_nt_api *real;
static struct hl_nt_api fake;

/* Sentinels the fakes know: the caller's duplicate and the retry's. */
#define DUP ((HANDLE)(uintptr_t)0x1110)
#define DUP2 ((HANDLE)(uintptr_t)0x2220)

/* What each sentinel answers; ok = 0 makes the call fail. */
struct answer {
    DWORD wait;       /* WAIT_OBJECT_0, WAIT_TIMEOUT or WAIT_FAILED */
    int code_ok;
    DWORD code;
    int times_ok;
    uint64_t exit_time;
    DWORD id;
};

static struct answer on_dup, on_dup2;
static int dup_calls;
static DWORD dup_access;
static int closed2;

static const struct answer *answer_of(HANDLE h)
{
    return h == DUP2 ? &on_dup2 : &on_dup;
}

static DWORD WINAPI f_wait(HANDLE h, DWORD ms)
{
    (void)ms;
    return answer_of(h)->wait;
}

static BOOL WINAPI f_code(HANDLE h, DWORD *code)
{
    if (!answer_of(h)->code_ok)
        return FALSE;
    *code = answer_of(h)->code;
    return TRUE;
}

static BOOL WINAPI f_times(HANDLE h, FILETIME *c, FILETIME *e, FILETIME *k,
                           FILETIME *u)
{
    const struct answer *a = answer_of(h);

    (void)c;
    (void)k;
    (void)u;
    if (!a->times_ok)
        return FALSE;
    e->dwLowDateTime = (DWORD)a->exit_time;
    e->dwHighDateTime = (DWORD)(a->exit_time >> 32);
    return TRUE;
}

static DWORD WINAPI f_id(HANDLE h)
{
    return answer_of(h)->id;
}

static BOOL WINAPI f_dup(HANDLE sp, HANDLE s, HANDLE dp, HANDLE *d,
                         DWORD access, BOOL inherit, DWORD opts)
{
    (void)sp;
    (void)s;
    (void)dp;
    (void)inherit;
    (void)opts;
    dup_calls++;
    dup_access = access;
    *d = DUP2;
    return TRUE;
}

static BOOL WINAPI f_close(HANDLE h)
{
    closed2 += h == DUP2;
    return TRUE;
}

static int setup(void **state)
{
    (void)state;
    real = hl__nt_default();
    assert_non_null(real);
    fake = *real;
    fake.wait_for_single_object = f_wait;
    fake.get_exit_code_process = f_code;
    fake.get_exit_code_thread = f_code;
    fake.get_process_times = f_times;
    fake.get_thread_times = f_times;
    fake.get_process_id = f_id;
    fake.get_thread_id = f_id;
    fake.duplicate_handle = f_dup;
    fake.close_handle = f_close;
    memset(&on_dup, 0, sizeof(on_dup));
    memset(&on_dup2, 0, sizeof(on_dup2));
    on_dup.wait = on_dup2.wait = WAIT_FAILED;
    dup_calls = closed2 = 0;
    dup_access = 0;
    return 0;
}

static void classify(int is_thread, struct hl_target *t)
{
    memset(t, 0xcc, sizeof(*t));
    hl__target_of(&fake, GetCurrentProcess(), 0x44, is_thread, DUP, t);
}

static void test_dead_wait_signaled_is_exited(void **state)
{
    struct hl_target t;

    (void)state;
    on_dup = (struct answer){WAIT_OBJECT_0, 1, 3, 1, 0x01d9000012345678ull,
                             1204};
    classify(1, &t);
    assert_int_equal(t.state, HL_TARGET_EXITED);
    assert_int_equal(t.flags, HL_TARGET_HAS_CODE);
    assert_int_equal(t.exit_code, 3);
    assert_int_equal(t.exit_time, 0x01d9000012345678ull);
    assert_int_equal(t.id, 1204);
    /* nothing missing: no second duplicate */
    assert_int_equal(dup_calls, 0);
}

static void test_dead_wait_timeout_is_alive(void **state)
{
    struct hl_target t;

    (void)state;
    on_dup = (struct answer){WAIT_TIMEOUT, 1, STILL_ACTIVE, 1, 0, 77};
    classify(0, &t);
    assert_int_equal(t.state, HL_TARGET_ALIVE);
    assert_int_equal(t.flags, 0);
    assert_int_equal(t.exit_time, 0);
    assert_int_equal(t.id, 77);
}

static void test_dead_exit_code_259_with_exit_time_is_exited(void **state)
{
    struct hl_target t;

    (void)state;
    /* no wait right anywhere; the thread exited with code 259, which the
     * code alone would read as running */
    on_dup = (struct answer){WAIT_FAILED, 1, STILL_ACTIVE, 1, 0x1234, 9};
    on_dup2 = on_dup;
    classify(1, &t);
    assert_int_equal(t.state, HL_TARGET_EXITED);
    assert_int_equal(t.exit_code, STILL_ACTIVE);
    assert_int_equal(t.exit_time, 0x1234);
}

static void test_dead_exit_code_259_alone_is_unknown(void **state)
{
    struct hl_target t;

    (void)state;
    on_dup = (struct answer){WAIT_FAILED, 1, STILL_ACTIVE, 0, 0, 9};
    on_dup2 = on_dup;
    classify(1, &t);
    assert_int_equal(t.state, HL_TARGET_UNKNOWN);
    assert_int_equal(dup_calls, 1);
    assert_int_equal(closed2, 1);
}

static void test_dead_other_code_without_wait_is_exited(void **state)
{
    struct hl_target t;

    (void)state;
    on_dup = (struct answer){WAIT_FAILED, 1, 0xc0000005u, 0, 0, 5};
    on_dup2 = on_dup;
    classify(0, &t);
    assert_int_equal(t.state, HL_TARGET_EXITED);
    assert_int_equal(t.exit_code, 0xc0000005u);
    assert_int_equal(t.exit_time, 0);
}

static void test_dead_retries_on_a_query_duplicate(void **state)
{
    struct hl_target t;

    (void)state;
    /* the handle's own rights allow nothing; the query duplicate tells */
    on_dup = (struct answer){WAIT_FAILED, 0, 0, 0, 0, 0};
    on_dup2 = (struct answer){WAIT_OBJECT_0, 1, 1, 1, 0x99, 4321};
    classify(1, &t);
    assert_int_equal(dup_calls, 1);
    assert_int_equal(dup_access,
                     SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION);
    assert_int_equal(closed2, 1);
    assert_int_equal(t.state, HL_TARGET_EXITED);
    assert_int_equal(t.exit_code, 1);
    assert_int_equal(t.exit_time, 0x99);
    assert_int_equal(t.id, 4321);
}

static void test_dead_retry_fills_what_the_first_lacked(void **state)
{
    struct hl_target t;

    (void)state;
    /* exited, but the code and time need the query right */
    on_dup = (struct answer){WAIT_OBJECT_0, 0, 0, 0, 0, 0};
    on_dup2 = (struct answer){WAIT_FAILED, 1, 2, 1, 0x77, 31};
    classify(0, &t);
    assert_int_equal(dup_access,
                     SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION);
    assert_int_equal(t.state, HL_TARGET_EXITED);
    assert_int_equal(t.flags, HL_TARGET_HAS_CODE);
    assert_int_equal(t.exit_code, 2);
    assert_int_equal(t.exit_time, 0x77);
    assert_int_equal(t.id, 31);
}

/* ---- GUI counts ---- */

static int gui_mode; /* 0 zero for everything, 1 all 5, 2 no peaks */

static DWORD WINAPI f_gui(HANDLE proc, DWORD what)
{
    (void)proc;
    if (gui_mode == 0)
        return 0;
    if (gui_mode == 2 && (what == 2 || what == 4)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    return 5 + what;
}

static void test_gui_zero_for_self_is_not_reported(void **state)
{
    struct hl_gui g;

    (void)state;
    fake.get_gui_resources = f_gui;
    gui_mode = 0;
    hl__gui_counts(&fake, GetCurrentProcess(), GetCurrentProcessId(), &g);
    assert_int_equal(g.flags, HL_GUI_ASKED);
    assert_int_equal(g.gdi, 0);
}

static void test_gui_missing_call_is_not_reported(void **state)
{
    struct hl_gui g;

    (void)state;
    fake.get_gui_resources = NULL;
    hl__gui_counts(&fake, GetCurrentProcess(), GetCurrentProcessId(), &g);
    assert_int_equal(g.flags, HL_GUI_ASKED);
}

static void test_gui_counts_and_peaks(void **state)
{
    struct hl_gui g;

    (void)state;
    fake.get_gui_resources = f_gui;
    gui_mode = 1;
    hl__gui_counts(&fake, GetCurrentProcess(), GetCurrentProcessId(), &g);
    assert_int_equal(g.flags, HL_GUI_ALL);
    assert_int_equal(g.gdi, 5);
    assert_int_equal(g.user, 6);
    assert_int_equal(g.gdi_peak, 7);
    assert_int_equal(g.user_peak, 9);
}

static void test_gui_without_peaks(void **state)
{
    struct hl_gui g;

    (void)state;
    fake.get_gui_resources = f_gui;
    gui_mode = 2;
    hl__gui_counts(&fake, GetCurrentProcess(), GetCurrentProcessId(), &g);
    assert_int_equal(g.flags, HL_GUI_ASKED | HL_GUI_COUNTS);
    assert_int_equal(g.gdi, 5);
    assert_int_equal(g.gdi_peak, 0);
}

/* ---- live: this process ---- */

static DWORD WINAPI exit_at_once(void *arg)
{
    return (DWORD)(uintptr_t)arg;
}

static DWORD WINAPI wait_for_event(void *arg)
{
    WaitForSingleObject((HANDLE)arg, INFINITE);
    return 0;
}

static void test_dead_live_thread_states(void **state)
{
    const struct hl_nt_api *api = hl__nt_default();
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE gone, running;
    DWORD gone_tid, running_tid;
    struct hl_collect_opts opts;
    struct hl_snapshot s;
    size_t i, found = 0;

    (void)state;
    assert_non_null(stop);
    gone = CreateThread(NULL, 0, exit_at_once, (void *)(uintptr_t)7, 0,
                        &gone_tid);
    running = CreateThread(NULL, 0, wait_for_event, stop, 0, &running_tid);
    assert_non_null(gone);
    assert_non_null(running);
    assert_int_equal(WaitForSingleObject(gone, 10000), WAIT_OBJECT_0);

    memset(&opts, 0, sizeof(opts));
    opts.pid = GetCurrentProcessId();
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_collect(&opts, &s, NULL), 0);
    (void)api;
    for (i = 0; i < s.count; i++) {
        const struct hl_target *t = hl_snapshot_target(&s, i);
        HANDLE v = (HANDLE)(uintptr_t)s.handles[i].value;

        if (v != gone && v != running)
            continue;
        found++;
        assert_non_null(t);
        if (v == gone) {
            assert_int_equal(t->state, HL_TARGET_EXITED);
            assert_int_equal(t->flags & HL_TARGET_HAS_CODE,
                             HL_TARGET_HAS_CODE);
            assert_int_equal(t->exit_code, 7);
            assert_int_equal(t->id, gone_tid);
        } else {
            assert_int_equal(t->state, HL_TARGET_ALIVE);
            assert_int_equal(t->id, running_tid);
        }
    }
    assert_int_equal(found, 2);
    /* the record asked the system; flags say whether it reports GUI
     * objects, and never 0 counts without HL_GUI_COUNTS */
    assert_true(s.gui.flags & HL_GUI_ASKED);
    if (!(s.gui.flags & HL_GUI_COUNTS))
        assert_int_equal(s.gui.gdi + s.gui.user, 0);
    hl_snapshot_release(&s);
    SetEvent(stop);
    WaitForSingleObject(running, 10000);
    CloseHandle(running);
    CloseHandle(gone);
    CloseHandle(stop);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, ntf_teardown)
    const struct CMUnitTest tests[] = {
        T(test_dead_wait_signaled_is_exited),
        T(test_dead_wait_timeout_is_alive),
        T(test_dead_exit_code_259_with_exit_time_is_exited),
        T(test_dead_exit_code_259_alone_is_unknown),
        T(test_dead_other_code_without_wait_is_exited),
        T(test_dead_retries_on_a_query_duplicate),
        T(test_dead_retry_fills_what_the_first_lacked),
        T(test_gui_zero_for_self_is_not_reported),
        T(test_gui_missing_call_is_not_reported),
        T(test_gui_counts_and_peaks),
        T(test_gui_without_peaks),
        T(test_dead_live_thread_states),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
