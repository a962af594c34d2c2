#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hleak/collect.h"
#include "ntfake.h"
#include "win/win-int.h"
#include "snapshot-int.h"
#include "winutil.h"

/*
 * A pipe read end that a thread of this process is blocked reading
 * (synchronous ReadFile, nothing written): on Windows its name query
 * waits for the file object's lock, held by the pending read. First with
 * the real calls (Wine answers at once, Windows should time out), then
 * with a name query on that very object that never returns (a wait on an
 * event nobody sets), which must end in the worker's timeout.
 */

#define TIMEOUT_MS 300

static struct hl_nt_api fake;
static HANDLE rd, wr, reader, never;
static DWORD main_tid;
static BOOL(WINAPI *same_object)(HANDLE a, HANDLE b);
static LONG volatile blocked_queries;

static DWORD WINAPI read_blocked(void *arg)
{
    char byte;
    DWORD got;

    (void)arg;
    ReadFile(rd, &byte, 1, &got, NULL);
    return 0;
}

static int setup(void **state)
{
    HMODULE kb = GetModuleHandleW(L"kernelbase.dll");

    (void)state;
    ntf_init();
    fake = *ntf_real;
    main_tid = GetCurrentThreadId();
    blocked_queries = 0;
    /* CompareObjectHandles (Windows 10+): the fake knows the pipe's
     * duplicates by object, without asking their names */
    if (kb == NULL)
        kb = GetModuleHandleW(L"kernel32.dll");
    same_object = (BOOL(WINAPI *)(HANDLE, HANDLE))(void (*)(void))
        GetProcAddress(kb, "CompareObjectHandles");
    assert_true(CreatePipe(&rd, &wr, NULL, 0));
    never = CreateEventW(NULL, TRUE, FALSE, NULL);
    reader = CreateThread(NULL, 0, read_blocked, NULL, 0, NULL);
    assert_non_null(never);
    assert_non_null(reader);
    /* let it get into ReadFile */
    Sleep(200);
    assert_int_equal(WaitForSingleObject(reader, 0), WAIT_TIMEOUT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hl__nt_set(NULL);
    CloseHandle(wr); /* ends the read */
    assert_int_equal(WaitForSingleObject(reader, 10000), WAIT_OBJECT_0);
    CloseHandle(reader);
    CloseHandle(rd);
    CloseHandle(never);
    return 0;
}

static int collect_opts(struct hl_snapshot *s, ULONGLONG *took, int details)
{
    struct hl_collect_opts opts;
    ULONGLONG t0 = GetTickCount64();
    int err;

    memset(&opts, 0, sizeof(opts));
    opts.name_timeout_ms = TIMEOUT_MS;
    opts.details = details;
    err = wu_collect_self(&opts, s, NULL);
    *took = GetTickCount64() - t0;
    return err;
}

static int collect(struct hl_snapshot *s, ULONGLONG *took)
{
    return collect_opts(s, took, 0);
}

/* Every handle but rd has no name error: this test opened no other File
 * handle that a pending read holds. */
static void check_others_named(const struct hl_snapshot *s)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == (uintptr_t)rd)
            continue;
        if (s->handles[i].name_err != HL_NAME_ERR_NONE)
            fail_msg("handle 0x%lx (%s): name error %u",
                     (unsigned long)s->handles[i].value,
                     hl_snapshot_str(s, s->handles[i].type),
                     s->handles[i].name_err);
    }
}

static void test_hang_real_blocked_pipe(void **state)
{
    struct hl_snapshot s;
    const struct hl_handle *h;
    ULONGLONG took;

    (void)state;
    assert_int_equal(collect(&s, &took), 0);
    h = wu_find(&s, rd);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "File");
    /* Windows: timed out; Wine 8.0: named, the query does not wait */
    assert_true(h->name_err == HL_NAME_ERR_NONE ||
                h->name_err == HL_NAME_ERR_TIMEOUT);
    print_message("blocked read end: %s '%s' in %lu ms\n",
                  h->name_err == HL_NAME_ERR_NONE ? "named" : "timed out",
                  hl_snapshot_str(&s, h->nt_name), (unsigned long)took);
    /* one timeout and the bounded wait for the worker, with a margin */
    assert_true(took < 5000);
    check_others_named(&s);
    h = wu_find(&s, wr);
    assert_non_null(h);
    assert_int_equal(h->name_err, HL_NAME_ERR_NONE);
    hl_snapshot_release(&s);
}

/* The name query of any duplicate of rd blocks for good. */
static NTSTATUS NTAPI hang_on_pipe(HANDLE h, ULONG cls, void *buf, ULONG len,
                                   ULONG *ret_len)
{
    if (cls == HL_NT_OBJECT_NAME_INFORMATION && same_object(h, rd)) {
        /* the collecting thread itself must never be the one asked */
        if (GetCurrentThreadId() == main_tid)
            return STATUS_ACCESS_DENIED;
        InterlockedIncrement(&blocked_queries);
        WaitForSingleObject(never, INFINITE);
    }
    return ntf_query_object(h, cls, buf, len, ret_len);
}

/* Skips without CompareObjectHandles, else puts the blocking fakes given
 * (NULL: the real call) in the table; returns this process's handle
 * count before the collection. */
static unsigned hang_start(hl_nt_query_object_fn name,
                           hl_nt_query_file_fn device)
{
    if (same_object == NULL) {
        print_message("no CompareObjectHandles here: skipped\n");
        skip();
    }
    if (name != NULL)
        fake.query_object = name;
    if (device != NULL)
        fake.query_volume_information_file = device;
    hl__nt_set(&fake);
    return wu_count_own_handles(WU_PROBE_ALL);
}

static void test_hang_name_query_never_returns(void **state)
{
    struct hl_snapshot s;
    const struct hl_handle *h;
    ULONGLONG took;
    unsigned before;

    (void)state;
    before = hang_start(hang_on_pipe, NULL);
    assert_int_equal(collect(&s, &took), 0);
    assert_int_equal(blocked_queries, 1);
    h = wu_find(&s, rd);
    assert_non_null(h);
    assert_int_equal(h->name_err, HL_NAME_ERR_TIMEOUT);
    assert_string_equal(hl_snapshot_str(&s, h->type), "File");
    assert_string_equal(hl_snapshot_str(&s, h->nt_name), "");
    print_message("timed out in %lu ms (bound %u ms)\n", (unsigned long)took,
                  TIMEOUT_MS);
    assert_true(took >= TIMEOUT_MS);
    assert_true(took < 5000);
    check_others_named(&s);
    /* the stuck worker was terminated and its duplicate closed */
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
    hl_snapshot_release(&s);
}

/* With --details, a File detail query of any duplicate of rd blocks for
 * good (as one waiting for the lock the pending read holds would): it
 * must be asked on the worker, like the name, and end in its timeout. */
static NTSTATUS NTAPI hang_on_pipe_device(HANDLE h,
                                          struct hl_nt_io_status *io,
                                          void *buf, ULONG len, ULONG cls)
{
    if (same_object(h, rd)) {
        if (GetCurrentThreadId() == main_tid)
            return STATUS_ACCESS_DENIED;
        InterlockedIncrement(&blocked_queries);
        WaitForSingleObject(never, INFINITE);
    }
    return ntf_real->query_volume_information_file(h, io, buf, len, cls);
}

static void test_hang_file_details_never_return(void **state)
{
    struct hl_snapshot s;
    const struct hl_handle *h;
    const struct hl_details *d;
    ULONGLONG took;
    unsigned before;

    (void)state;
    before = hang_start(NULL, hang_on_pipe_device);
    assert_int_equal(collect_opts(&s, &took, 1), 0);
    assert_int_equal(blocked_queries, 1);
    h = wu_find(&s, rd);
    assert_non_null(h);
    /* the item (name and details) timed out as one */
    assert_int_equal(h->name_err, HL_NAME_ERR_TIMEOUT);
    d = hl_snapshot_details(&s, (size_t)(h - s.handles));
    assert_non_null(d);
    assert_int_equal(d->kind, HL_DETAILS_FILE);
    assert_int_equal(d->known, 0);
    assert_true(took >= TIMEOUT_MS);
    assert_true(took < 5000);
    check_others_named(&s);
    /* the write end, not blocked, has its details */
    h = wu_find(&s, wr);
    assert_non_null(h);
    d = hl_snapshot_details(&s, (size_t)(h - s.handles));
    assert_non_null(d);
    assert_true(d->known & HL_DETAILS_BASIC);
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
    hl_snapshot_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hang_real_blocked_pipe, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hang_name_query_never_returns,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_file_details_never_return,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
