#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "ntbytes.h"
#include "ntfake.h"
#include "winutil.h"
#include "win/win-int.h"
#include "snapshot-int.h"

/*
 * The collector against fakes (a copy of the real call table with some
 * calls replaced) and against this very process. Under Wine class 51 is
 * not implemented and Object is always 0, so the live cases exercise the
 * class-64 fallback. Every faked NT answer is laid out as bytes by
 * ntbytes.c at the documented offsets of this build's layout (x64 or
 * x86), never with the collector's own structures: names and type names
 * are the real answers re-laid that way (ntfake.c).
 */

static const struct hl_nt_api *real;
static struct hl_nt_api fake;

/* ---- counters and knobs the fakes read ---- */
static int calls51;
static int calls64;
static int mismatches51; /* class-51 calls to answer with a mismatch */
static NTSTATUS status51; /* != 0: class 51 always answers this */
static ULONG forever_ret; /* ReturnLength of the endless mismatch */
static HANDLE deny_dup;   /* duplication refused: access denied */
static HANDLE nodup;      /* duplication refused: not supported */
static int open_calls;
static DWORD open_error;
static HANDLE never;      /* an event nobody sets */
static const WCHAR *hang_name; /* name queries containing this block */
static DWORD main_tid;    /* the test's own thread never blocks */

static int setup(void **state)
{
    (void)state;
    real = hl__nt_default();
    assert_non_null(real);
    ntf_init();
    fake = *real;
    fake.query_object = ntf_query_object;
    calls51 = calls64 = mismatches51 = open_calls = 0;
    status51 = 0;
    forever_ret = 0;
    deny_dup = nodup = NULL;
    open_error = ERROR_SUCCESS;
    hang_name = NULL;
    main_tid = GetCurrentThreadId();
    return 0;
}

static int collect_self(struct hl_snapshot *s, struct hl_diag *d,
                        unsigned timeout_ms, int no_names)
{
    return wu_collect_limits(s, d, timeout_ms, 0, 0, no_names);
}

static void check_event(const struct hl_snapshot *s, HANDLE h)
{
    const struct hl_handle *e = wu_find(s, h);

    assert_non_null(e);
    assert_string_equal(hl_snapshot_str(s, e->type), "Event");
}

/* The entry of h in s, which must be there with the name error name_err
 * and, unless type is NULL, of that type. */
static const struct hl_handle *expect_handle(const struct hl_snapshot *s,
                                             HANDLE h, uint8_t name_err,
                                             const char *type)
{
    const struct hl_handle *e = wu_find(s, h);

    assert_non_null(e);
    assert_int_equal(e->name_err, name_err);
    if (type != NULL)
        assert_string_equal(hl_snapshot_str(s, e->type), type);
    return e;
}

/* n unnamed events, manual-reset or not, into h. */
static void new_events(HANDLE *h, int n, BOOL manual)
{
    int i;

    for (i = 0; i < n; i++)
        h[i] = CreateEventW(NULL, manual, FALSE, NULL);
}

static void close_all(HANDLE *h, int n)
{
    int i;

    for (i = 0; i < n; i++)
        CloseHandle(h[i]);
}

/* ---- fakes ---- */

/* This process's handles, read from the real class-64 list. */
static struct ntb_handle self_list[16384];

/* Fills buf as class 51 would, from the real class-64 list. */
static NTSTATUS fill_class51(void *buf, ULONG len, ULONG *ret_len)
{
    size_t n = ntf_self_handles(self_list, 16384);

    assert_true(n > 0 && n <= 16384);
    return ntf_answer_handles(ntb_native(), 0, self_list, n, buf, len,
                              ret_len);
}

static NTSTATUS NTAPI fake_qip(HANDLE proc, ULONG cls, void *buf, ULONG len,
                               ULONG *ret_len)
{
    if (cls != HL_NT_PROCESS_HANDLE_INFORMATION)
        return real->query_information_process(proc, cls, buf, len,
                                               ret_len);
    calls51++;
    if (status51 != 0) {
        if (status51 == STATUS_INFO_LENGTH_MISMATCH && ret_len != NULL)
            *ret_len = forever_ret != 0 ? forever_ret : len * 2;
        return status51;
    }
    if (calls51 <= mismatches51) {
        /* a useless length the first time, a short one the second */
        if (ret_len != NULL)
            *ret_len = calls51 == 1 ? 0 : len + 16;
        return STATUS_INFO_LENGTH_MISMATCH;
    }
    return fill_class51(buf, len, ret_len);
}

static NTSTATUS NTAPI fake_qsi_forever(ULONG cls, void *buf, ULONG len,
                                       ULONG *ret_len)
{
    (void)buf;
    if (cls != HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION)
        return real->query_system_information(cls, buf, len, ret_len);
    calls64++;
    if (ret_len != NULL)
        *ret_len = forever_ret != 0 ? forever_ret : len + 1;
    return STATUS_INFO_LENGTH_MISMATCH;
}

static HANDLE other_pid_value; /* also listed for another process */

/* Class 64 as bytes: this process's handles, then other_pid_value again
 * as a handle of process 4 with a type no one has, which must be left
 * out. */
static NTSTATUS NTAPI fake_qsi_count(ULONG cls, void *buf, ULONG len,
                                     ULONG *ret_len)
{
    size_t n;

    if (cls != HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION)
        return real->query_system_information(cls, buf, len, ret_len);
    calls64++;
    n = ntf_self_handles(self_list, 16383);
    assert_true(n > 0 && n <= 16383);
    memset(&self_list[n], 0, sizeof(self_list[n]));
    self_list[n].pid = 4;
    self_list[n].value = (uintptr_t)other_pid_value;
    self_list[n].access = 0x1234;
    self_list[n].type = 0xEE;
    return ntf_answer_handles(ntb_native(), 1, self_list, n + 1, buf, len,
                              ret_len);
}

static BOOL WINAPI fake_dup(HANDLE src_proc, HANDLE src, HANDLE dst_proc,
                            HANDLE *dst, DWORD access, BOOL inherit,
                            DWORD opts)
{
    if (deny_dup != NULL && src == deny_dup) {
        SetLastError(ERROR_ACCESS_DENIED);
        return FALSE;
    }
    if (nodup != NULL && src == nodup) {
        SetLastError(ERROR_NOT_SUPPORTED);
        return FALSE;
    }
    return real->duplicate_handle(src_proc, src, dst_proc, dst, access,
                                  inherit, opts);
}

static BOOL WINAPI fake_dup_fail(HANDLE src_proc, HANDLE src,
                                 HANDLE dst_proc, HANDLE *dst, DWORD access,
                                 BOOL inherit, DWORD opts)
{
    (void)src_proc;
    (void)src;
    (void)dst_proc;
    (void)dst;
    (void)access;
    (void)inherit;
    (void)opts;
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
}

static DWORD WINAPI fake_wait_signalled(HANDLE h, DWORD ms)
{
    (void)h;
    (void)ms;
    return WAIT_OBJECT_0;
}

static HANDLE WINAPI fake_open_fail(DWORD access, BOOL inherit, DWORD pid)
{
    (void)access;
    (void)inherit;
    (void)pid;
    open_calls++;
    SetLastError(open_error);
    return NULL;
}

/* Blocks forever on the name of the object whose name contains
 * hang_name, as a pipe with a pending read would. */
static NTSTATUS NTAPI fake_query_object(HANDLE h, ULONG cls, void *buf,
                                        ULONG len, ULONG *ret_len)
{
    WCHAR name[2048];
    size_t n;
    NTSTATUS st;

    if (cls != HL_NT_OBJECT_NAME_INFORMATION || hang_name == NULL)
        return ntf_query_object(h, cls, buf, len, ret_len);
    st = ntf_real_string(h, cls, (uint16_t *)name, 2047, &n);
    if (!NT_SUCCESS(st))
        return st;
    name[n] = L'\0';
    if (wcsstr(name, hang_name) != NULL) {
        /* blocking the caller itself would hang the test: fail instead,
         * the query was meant for the worker */
        if (GetCurrentThreadId() == main_tid)
            return STATUS_ACCESS_DENIED;
        WaitForSingleObject(never, INFINITE);
    }
    return ntf_answer_string(cls, (const uint16_t *)name, n, buf, len,
                             ret_len);
}

/* ---- enumeration ---- */

static void test_collect_mismatch_then_data(void **state)
{
    struct hl_snapshot s;
    HANDLE ev[3];
    int i;

    (void)state;
    new_events(ev, 3, TRUE);
    fake.query_information_process = fake_qip;
    mismatches51 = 2;
    hl__nt_set(&fake);
    assert_int_equal(collect_self(&s, NULL, 0, 0), 0);
    assert_int_equal(calls51, 3);
    assert_string_equal(hl_snapshot_str(&s, s.method),
                        "ProcessHandleInformation");
    for (i = 0; i < 3; i++)
        check_event(&s, ev[i]);
    hl_snapshot_release(&s);
    close_all(ev, 3);
}

/* Both lists answer "length mismatch" whatever the length. */
static void fake_endless_mismatch(void)
{
    fake.query_information_process = fake_qip;
    fake.query_system_information = fake_qsi_forever;
    status51 = STATUS_INFO_LENGTH_MISMATCH;
    hl__nt_set(&fake);
}

static void test_collect_endless_mismatch_is_bounded(void **state)
{
    struct hl_diag d;
    struct hl_snapshot s;
    int err;

    (void)state;
    fake_endless_mismatch();
    err = collect_self(&s, &d, 0, 0);
    assert_true(err == HL_ETOOBIG || err == HL_EQUERY);
    assert_true(calls51 >= 1 && calls51 <= 10);
    assert_true(calls64 >= 1 && calls64 <= 10);
    assert_string_equal(d.call, "NtQuerySystemInformation");
    assert_int_equal(d.status, (uint32_t)STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(s.count, 0);
    hl_snapshot_release(&s);
}

static void test_collect_huge_length_is_capped(void **state)
{
    struct hl_snapshot s;

    (void)state;
    forever_ret = 0xFFFFFFF0u;
    fake_endless_mismatch();
    assert_int_equal(collect_self(&s, NULL, 0, 0), HL_ETOOBIG);
    /* first size, then the 256 MiB cap, then give up */
    assert_int_equal(calls51, 2);
    assert_int_equal(calls64, 2);
    hl_snapshot_release(&s);
}

static void test_collect_falls_back_to_class64(void **state)
{
    struct hl_diag d;
    struct hl_snapshot s;
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    size_t i;
    int seen = 0;

    (void)state;
    other_pid_value = ev;
    fake.query_information_process = fake_qip;
    fake.query_system_information = fake_qsi_count;
    status51 = STATUS_INVALID_INFO_CLASS;
    hl__nt_set(&fake);
    assert_int_equal(collect_self(&s, &d, 0, 0), 0);
    assert_int_equal(calls51, 1);
    assert_int_equal(calls64, 1);
    assert_string_equal(hl_snapshot_str(&s, s.method),
                        "SystemExtendedHandleInformation");
    /* the first method's failure is not reported as the failure */
    assert_null(d.call);
    check_event(&s, ev);
    /* the entry of process 4 with the same value is not ours */
    for (i = 0; i < s.count; i++) {
        seen += s.handles[i].value == (uintptr_t)ev;
        assert_int_not_equal(s.handles[i].granted_access, 0x1234);
    }
    assert_int_equal(seen, 1);
    hl_snapshot_release(&s);
    CloseHandle(ev);
}

/* ---- per-handle failures ---- */

static void test_collect_dup_refused_keeps_handle(void **state)
{
    struct hl_snapshot s;
    HANDLE a = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE b = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE c = CreateEventW(NULL, FALSE, FALSE, NULL);

    (void)state;
    deny_dup = a;
    nodup = b;
    fake.duplicate_handle = fake_dup;
    hl__nt_set(&fake);
    assert_int_equal(collect_self(&s, NULL, 0, 0), 0);
    expect_handle(&s, a, HL_NAME_ERR_ACCESS, "Event");
    expect_handle(&s, b, HL_NAME_ERR_NODUP, NULL);
    expect_handle(&s, c, HL_NAME_ERR_NONE, NULL);
    hl_snapshot_release(&s);
    CloseHandle(a);
    CloseHandle(b);
    CloseHandle(c);
}

/* A path in the temporary folder, and the file made there. */
static HANDLE temp_file(const WCHAR *stem, WCHAR *path, size_t cap)
{
    WCHAR dir[MAX_PATH];
    DWORD n = GetTempPathW(MAX_PATH, dir);

    assert_true(n > 0 && n < MAX_PATH);
    _snwprintf(path, cap, L"%ls%ls-%lu.txt", dir, stem,
               (unsigned long)GetCurrentProcessId());
    path[cap - 1] = L'\0';
    return CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                       CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
}

/* n temporary files named after fmt with their index, into h. */
static void temp_files(HANDLE *h, int n, const WCHAR *fmt)
{
    WCHAR path[MAX_PATH + 64];
    WCHAR stem[32];
    int i;

    for (i = 0; i < n; i++) {
        _snwprintf(stem, 32, fmt, i);
        h[i] = temp_file(stem, path, MAX_PATH + 64);
        assert_true(h[i] != INVALID_HANDLE_VALUE);
    }
}

/* Name queries of objects named "...hleak-hang..." block for good. */
static void fake_hanging_names(void)
{
    never = CreateEventW(NULL, TRUE, FALSE, NULL);
    hang_name = L"hleak-hang";
    fake.query_object = fake_query_object;
    hl__nt_set(&fake);
}

static void test_collect_name_query_times_out(void **state)
{
    WCHAR hang_path[MAX_PATH + 64];
    WCHAR ok_path[MAX_PATH + 64];
    struct hl_snapshot s;
    const struct hl_handle *h;
    HANDLE hang = temp_file(L"hleak-hang", hang_path, MAX_PATH + 64);
    HANDLE ok = temp_file(L"hleak-ok", ok_path, MAX_PATH + 64);
    ULONGLONG t0;
    ULONGLONG took;
    unsigned before;

    (void)state;
    assert_true(hang != INVALID_HANDLE_VALUE && ok != INVALID_HANDLE_VALUE);
    fake_hanging_names();
    before = wu_count_own_handles(WU_PROBE_ALL);
    t0 = GetTickCount64();
    assert_int_equal(collect_self(&s, NULL, 200, 0), 0);
    took = GetTickCount64() - t0;
    /* one timeout, plus the bounded wait for the worker to die */
    assert_true(took < 3000);
    expect_handle(&s, hang, HL_NAME_ERR_TIMEOUT, "File");
    h = expect_handle(&s, ok, HL_NAME_ERR_NONE, NULL);
    assert_non_null(strstr(hl_snapshot_str(&s, h->name), "hleak-ok"));
    /* the worker is gone and its duplicate closed */
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
    hl_snapshot_release(&s);
    CloseHandle(never);
    CloseHandle(hang);
    CloseHandle(ok);
}

/* Several name threads, several File handles that block: each times out
 * on its own thread's worker, and every other handle is still named. */
static void test_collect_threads_block_times_out(void **state)
{
    enum { HANG = 3, OK = 40, EVENTS = 600 };
    struct hl_snapshot s;
    const struct hl_handle *h;
    HANDLE hang[HANG];
    HANDLE ok[OK];
    HANDLE ev[EVENTS];
    ULONGLONG t0;
    ULONGLONG took;
    unsigned before;
    int i;

    (void)state;
    temp_files(hang, HANG, L"hleak-hang%d");
    temp_files(ok, OK, L"hleak-ok%d");
    new_events(ev, EVENTS, FALSE);
    fake_hanging_names();
    before = wu_count_own_handles(WU_PROBE_ALL);
    t0 = GetTickCount64();
    assert_int_equal(wu_collect_limits(&s, NULL, 200, 0, 4, 0), 0);
    took = GetTickCount64() - t0;
    /* at worst the three timeouts one after another, with the bounded
     * waits for the workers to die */
    assert_true(took < 6000);
    for (i = 0; i < HANG; i++)
        expect_handle(&s, hang[i], HL_NAME_ERR_TIMEOUT, "File");
    for (i = 0; i < OK; i++) {
        char want[32];

        h = expect_handle(&s, ok[i], HL_NAME_ERR_NONE, NULL);
        snprintf(want, sizeof(want), "hleak-ok%d-", i);
        assert_non_null(strstr(hl_snapshot_str(&s, h->name), want));
    }
    for (i = 0; i < EVENTS; i++)
        expect_handle(&s, ev[i], HL_NAME_ERR_NONE, "Event");
    /* every worker killed or stopped, every duplicate closed */
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
    hl_snapshot_release(&s);
    CloseHandle(never);
    close_all(hang, HANG);
    close_all(ok, OK);
    close_all(ev, EVENTS);
}

static void test_collect_target_exits(void **state)
{
    struct hl_diag d;
    struct hl_snapshot s;
    unsigned before;

    (void)state;
    fake.duplicate_handle = fake_dup_fail;
    fake.wait_for_single_object = fake_wait_signalled;
    hl__nt_set(&fake);
    before = wu_count_own_handles(WU_PROBE_ALL);
    assert_int_equal(collect_self(&s, &d, 0, 0), HL_EEXITED);
    assert_string_equal(d.call, "DuplicateHandle");
    assert_int_equal(s.count, 0);
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
    hl_snapshot_release(&s);
}

static void test_collect_open_errors(void **state)
{
    struct hl_diag d;
    struct hl_snapshot s;

    (void)state;
    fake.open_process = fake_open_fail;
    hl__nt_set(&fake);
    open_error = ERROR_INVALID_PARAMETER;
    assert_int_equal(collect_self(&s, &d, 0, 0), HL_ENOPROC);
    assert_string_equal(d.call, "OpenProcess");
    assert_int_equal(d.status, ERROR_INVALID_PARAMETER);
    assert_int_equal(d.is_ntstatus, 0);
    /* a missing process is not worth asking again with fewer rights */
    assert_int_equal(open_calls, 1);
    hl_snapshot_release(&s);

    open_calls = 0;
    open_error = ERROR_ACCESS_DENIED;
    assert_int_equal(collect_self(&s, &d, 0, 0), HL_EACCES);
    assert_int_equal(open_calls, 3);
    assert_int_equal(d.status, ERROR_ACCESS_DENIED);
    hl_snapshot_release(&s);
}

/* ---- type map ---- */

/* Appends one ObjectTypesInformation entry at *off in buf, in the
 * documented layout of this build. */
static void lay_type(unsigned char *buf, size_t *off, const WCHAR *name,
                     USHORT max_len, UCHAR index, int bad_pointer)
{
    *off = ntb_type_entry(ntb_native(), buf, *off, (uintptr_t)buf,
                          (const uint16_t *)name, wcslen(name), max_len,
                          index, bad_pointer);
}

static size_t lay_types(unsigned char *buf, ULONG count)
{
    size_t off = ntb_native()->types_first;

    memset(buf, 0xCC, 2048);
    ntb_types_header(ntb_native(), buf, count);
    /* odd MaximumLength values: only the aligned walk finds the next */
    lay_type(buf, &off, L"Key", 7, 19, 0);
    lay_type(buf, &off, L"Event", 11, 8, 1);
    lay_type(buf, &off, L"File", 10, 17, 0);
    return off;
}

static const char *type_at(const struct hl__typemap *tm,
                           const struct hl_snapshot *s, size_t idx)
{
    assert_true(tm->id[idx] != 0);
    return hl_snapshot_str(s, tm->id[idx] - 1);
}

/* The three types of lay_types() laid out, and the map read from them. */
struct typemap_fx {
    union {
        unsigned char b[2048];
        void *align;
    } buf;
    size_t len;
    struct hl__typemap tm;
    struct hl_snapshot s;
};

static void typemap_lay(struct typemap_fx *f, ULONG count)
{
    assert_int_equal(hl_snapshot_init(&f->s), 0);
    f->len = lay_types(f->buf.b, count);
}

/* The first len bytes parsed with numbering how, which must succeed. */
static void typemap_parse(struct typemap_fx *f, size_t len,
                          enum hl__typeidx how)
{
    assert_int_equal(hl__typemap_parse(&f->tm, f->buf.b, len, how, &f->s),
                     0);
}

/* Key, Event and File found at the indexes at[0..2]. */
static void expect_three(const struct typemap_fx *f, const size_t at[3])
{
    assert_string_equal(type_at(&f->tm, &f->s, at[0]), "Key");
    assert_string_equal(type_at(&f->tm, &f->s, at[1]), "Event");
    assert_string_equal(type_at(&f->tm, &f->s, at[2]), "File");
}

static void test_collect_typemap_aligned_walk(void **state)
{
    static const size_t by_field[3] = {19, 8, 17};
    /* Windows 7 numbering: position + 2 */
    static const size_t by_pos2[3] = {2, 3, 4};
    struct typemap_fx f;
    size_t i;
    int known = 0;

    (void)state;
    typemap_lay(&f, 3);
    typemap_parse(&f, f.len, HL__TYPEIDX_FIELD);
    expect_three(&f, by_field);
    for (i = 0; i < HL__TYPEMAP_SIZE; i++)
        known += f.tm.id[i] != 0;
    assert_int_equal(known, 3);

    typemap_parse(&f, f.len, HL__TYPEIDX_POS2);
    expect_three(&f, by_pos2);
    hl_snapshot_release(&f.s);
}

static void test_collect_typemap_count_past_buffer(void **state)
{
    struct typemap_fx f;

    (void)state;
    typemap_lay(&f, 1000);
    typemap_parse(&f, f.len, HL__TYPEIDX_FIELD);
    assert_string_equal(type_at(&f.tm, &f.s, 17), "File");
    /* cut inside the last entry: it is not read */
    typemap_parse(&f, f.len - 20, HL__TYPEIDX_FIELD);
    assert_int_equal(f.tm.id[17], 0);
    assert_string_equal(type_at(&f.tm, &f.s, 8), "Event");
    /* shorter than the header */
    typemap_parse(&f, 2, HL__TYPEIDX_FIELD);
    assert_int_equal(f.tm.id[19], 0);
    hl_snapshot_release(&f.s);
}

/* ---- live, against this process ---- */

static int ends_with(const char *s, const char *tail)
{
    size_t ls = strlen(s);
    size_t lt = strlen(tail);

    return ls >= lt && strcmp(s + ls - lt, tail) == 0;
}

static void test_collect_live_self(void **state)
{
    WCHAR file_path[MAX_PATH + 64];
    WCHAR ev_name[64];
    char want[MAX_PATH * 3 + 64];
    char tail[64];
    struct hl_diag d;
    struct hl_snapshot s;
    const struct hl_handle *h;
    HANDLE ev[5];
    HANDLE named;
    HANDLE file;
    HANDLE me;
    HKEY key;
    DWORD pid = GetCurrentProcessId();
    size_t i;
    int saw_self = 0;

    (void)state;
    for (i = 0; i < 5; i++)
        ev[i] = CreateEventW(NULL, FALSE, FALSE, NULL);
    _snwprintf(ev_name, 64, L"hleak-test-%lu", (unsigned long)pid);
    named = CreateEventW(NULL, FALSE, FALSE, ev_name);
    file = temp_file(L"hleak-live", file_path, MAX_PATH + 64);
    assert_true(file != INVALID_HANDLE_VALUE);
    assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER,
                                     L"Software\\hleak-test", 0, NULL, 0,
                                     KEY_READ, NULL, &key, NULL),
                     ERROR_SUCCESS);
    me = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    assert_non_null(me);

    assert_int_equal(collect_self(&s, &d, 0, 0), 0);
    assert_int_equal(s.pid, pid);
    assert_true(s.start_time != 0);
    assert_true(s.taken_at != 0);
    assert_int_equal(s.wow64, 0);
    assert_true(ends_with(hl_snapshot_str(&s, s.image), ".exe"));
    assert_true(strncmp(hl_snapshot_str(&s, s.os_version), "Windows ", 8) ==
                0);
    assert_string_equal(hl_snapshot_str(&s, s.hleak_version),
                        hl__version_full());
    assert_true(strlen(hl_snapshot_str(&s, s.host)) > 0);
    assert_true(strlen(hl_snapshot_str(&s, s.method)) > 0);

    for (i = 0; i < 5; i++) {
        h = wu_find(&s, ev[i]);
        assert_non_null(h);
        assert_string_equal(hl_snapshot_str(&s, h->type), "Event");
        assert_string_equal(hl_snapshot_str(&s, h->name), "");
        assert_int_equal(h->name_err, HL_NAME_ERR_NONE);
        assert_int_equal(h->granted_access, EVENT_ALL_ACCESS);
    }

    h = wu_find(&s, named);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "Event");
    snprintf(tail, sizeof(tail), "\\BaseNamedObjects\\hleak-test-%lu",
             (unsigned long)pid);
    assert_true(ends_with(hl_snapshot_str(&s, h->nt_name), tail));
    assert_string_equal(hl_snapshot_str(&s, h->name),
                        hl_snapshot_str(&s, h->nt_name));

    h = wu_find(&s, file);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "File");
    assert_int_equal(WideCharToMultiByte(CP_UTF8, 0, file_path, -1, want,
                                         sizeof(want), NULL, NULL) > 0,
                     1);
    print_message("file: nt '%s' friendly '%s' want '%s'\n",
                  hl_snapshot_str(&s, h->nt_name),
                  hl_snapshot_str(&s, h->name), want);
    assert_true(_stricmp(hl_snapshot_str(&s, h->name), want) == 0);

    h = wu_find(&s, key);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "Key");
    assert_true(_stricmp(hl_snapshot_str(&s, h->name),
                         "HKCU\\Software\\hleak-test") == 0);
    assert_true(strncmp(hl_snapshot_str(&s, h->nt_name), "\\REGISTRY\\",
                        10) == 0 ||
                _strnicmp(hl_snapshot_str(&s, h->nt_name), "\\REGISTRY\\",
                          10) == 0);

    /* a handle on this process is named after it; the collector's own
     * (left out of a snapshot of itself) is not the one counted */
    snprintf(tail, sizeof(tail), " (pid %lu)", (unsigned long)pid);
    for (i = 0; i < s.count; i++) {
        const char *type = hl_snapshot_str(&s, s.handles[i].type);
        const char *name = hl_snapshot_str(&s, s.handles[i].name);

        if (strcmp(type, "Process") == 0 && ends_with(name, tail) &&
            strncmp(name, hl_snapshot_image_name(&s),
                    strlen(hl_snapshot_image_name(&s))) == 0)
            saw_self++;
    }
    assert_int_equal(saw_self, 1);
    h = wu_find(&s, me);
    assert_non_null(h);
    assert_true(ends_with(hl_snapshot_str(&s, h->name), tail));

    hl_snapshot_release(&s);
    CloseHandle(me);
    RegCloseKey(key);
    RegDeleteKeyW(HKEY_CURRENT_USER, L"Software\\hleak-test");
    CloseHandle(file);
    CloseHandle(named);
    for (i = 0; i < 5; i++)
        CloseHandle(ev[i]);
}

static DWORD WINAPI wait_thread(void *arg)
{
    WaitForSingleObject(arg, INFINITE);
    return 0;
}

static void test_collect_live_thread_and_token(void **state)
{
    char want[128];
    struct hl_snapshot s;
    const struct hl_handle *h;
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD tid = 0;
    HANDLE thread = CreateThread(NULL, 0, wait_thread, stop, 0, &tid);
    HANDLE token = NULL;

    (void)state;
    assert_non_null(thread);
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    assert_int_equal(collect_self(&s, NULL, 0, 0), 0);

    h = wu_find(&s, thread);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "Thread");
    snprintf(want, sizeof(want), "tid %lu in %s (pid %lu)",
             (unsigned long)tid, hl_snapshot_image_name(&s),
             (unsigned long)GetCurrentProcessId());
    assert_string_equal(hl_snapshot_str(&s, h->name), want);

    h = wu_find(&s, token);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "Token");
    print_message("token: '%s'\n", hl_snapshot_str(&s, h->name));
    assert_int_equal(h->name_err, HL_NAME_ERR_NONE);
    assert_true(strlen(hl_snapshot_str(&s, h->name)) > 0);

    hl_snapshot_release(&s);
    SetEvent(stop);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    CloseHandle(token);
    CloseHandle(stop);
}

/* The snapshot must not depend on how many threads asked: the same
 * handles, in the same order, with the same strings. */
static void test_collect_threads_same_as_sequential(void **state)
{
    enum { EVENTS = 2500, NAMED = 300, FILES = 20, KEYS = 20 };
    static HANDLE ev[EVENTS];
    static HANDLE named[NAMED];
    WCHAR name[64];
    HANDLE file[FILES];
    HKEY key[KEYS];
    struct hl_snapshot seq;
    struct hl_snapshot par;
    size_t i;
    int n;

    (void)state;
    new_events(ev, EVENTS, FALSE);
    for (n = 0; n < NAMED; n++) {
        _snwprintf(name, 64, L"hleak-par-%lu-%d",
                   (unsigned long)GetCurrentProcessId(), n);
        named[n] = CreateEventW(NULL, FALSE, FALSE, name);
    }
    temp_files(file, FILES, L"hleak-par%d");
    for (n = 0; n < KEYS; n++) {
        _snwprintf(name, 64, L"Software\\hleak-par\\k%d", n);
        assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER, name, 0, NULL,
                                         0, KEY_READ, NULL, &key[n], NULL),
                         ERROR_SUCCESS);
    }

    assert_int_equal(wu_collect_limits(&seq, NULL, 0, 0, 1, 0), 0);
    assert_int_equal(wu_collect_limits(&par, NULL, 0, 0, 4, 0), 0);
    assert_true(seq.count >= EVENTS + NAMED + FILES + KEYS);
    assert_int_equal(par.count, seq.count);
    for (i = 0; i < seq.count; i++) {
        const struct hl_handle *a = &seq.handles[i];
        const struct hl_handle *b = &par.handles[i];

        assert_int_equal(a->value, b->value);
        assert_int_equal(a->granted_access, b->granted_access);
        assert_int_equal(a->attributes, b->attributes);
        assert_int_equal(a->name_err, b->name_err);
        assert_string_equal(hl_snapshot_str(&seq, a->type),
                            hl_snapshot_str(&par, b->type));
        assert_string_equal(hl_snapshot_str(&seq, a->name),
                            hl_snapshot_str(&par, b->name));
        assert_string_equal(hl_snapshot_str(&seq, a->nt_name),
                            hl_snapshot_str(&par, b->nt_name));
    }
    /* and the names are really there, not equally missing */
    for (n = 0; n < NAMED; n++) {
        const struct hl_handle *h =
            expect_handle(&par, named[n], HL_NAME_ERR_NONE, NULL);

        _snwprintf(name, 64, L"hleak-par-%lu-%d",
                   (unsigned long)GetCurrentProcessId(), n);
        assert_true(strlen(hl_snapshot_str(&par, h->nt_name)) >
                    wcslen(name));
    }
    hl_snapshot_release(&seq);
    hl_snapshot_release(&par);
    for (n = 0; n < KEYS; n++) {
        RegCloseKey(key[n]);
        _snwprintf(name, 64, L"Software\\hleak-par\\k%d", n);
        RegDeleteKeyW(HKEY_CURRENT_USER, name);
    }
    RegDeleteKeyW(HKEY_CURRENT_USER, L"Software\\hleak-par");
    close_all(file, FILES);
    close_all(named, NAMED);
    close_all(ev, EVENTS);
}

static void test_collect_no_names(void **state)
{
    struct hl_snapshot s;
    const struct hl_handle *h;
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, L"hleak-test-no-names");
    size_t i;

    (void)state;
    assert_int_equal(collect_self(&s, NULL, 0, 1), 0);
    for (i = 0; i < s.count; i++)
        assert_int_equal(s.handles[i].name_err, HL_NAME_ERR_SKIPPED);
    h = wu_find(&s, ev);
    assert_non_null(h);
    assert_string_equal(hl_snapshot_str(&s, h->type), "Event");
    assert_string_equal(hl_snapshot_str(&s, h->nt_name), "");
    hl_snapshot_release(&s);
    CloseHandle(ev);
}

static void test_collect_repeated_leaks_nothing(void **state)
{
    struct hl_snapshot s;
    unsigned before;
    unsigned after;
    int i;

    (void)state;
    before = wu_count_own_handles(WU_PROBE_ALL);
    for (i = 0; i < 100; i++) {
        assert_int_equal(collect_self(&s, NULL, 0, 0), 0);
        assert_true(s.count > 0);
        hl_snapshot_release(&s);
    }
    after = wu_count_own_handles(WU_PROBE_ALL);
    assert_int_equal(after, before);
}

static void test_collect_proc_find_self(void **state)
{
    WCHAR path[MAX_PATH];
    char exe[MAX_PATH * 3];
    struct hl_proc_match *m = NULL;
    size_t n = 0;
    size_t i;
    char *base;
    char *dot;
    int found = 0;

    (void)state;
    assert_true(GetModuleFileNameW(NULL, path, MAX_PATH) > 0);
    assert_true(WideCharToMultiByte(CP_UTF8, 0, path, -1, exe, sizeof(exe),
                                    NULL, NULL) > 0);
    base = strrchr(exe, '\\');
    base = base != NULL ? base + 1 : exe;
    dot = strrchr(base, '.');
    assert_non_null(dot);
    *dot = '\0'; /* ".exe" may be left out */
    assert_int_equal(hl_proc_find(base, &m, &n), 0);
    for (i = 0; i < n; i++)
        found += m[i].pid == GetCurrentProcessId();
    assert_int_equal(found, 1);
    hl_proc_matches_free(m, n);

    assert_int_equal(hl_proc_find("no-such-hleak-image", &m, &n), 0);
    assert_int_equal(n, 0);
    hl_proc_matches_free(m, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, ntf_teardown)
        T(test_collect_mismatch_then_data),
        T(test_collect_endless_mismatch_is_bounded),
        T(test_collect_huge_length_is_capped),
        T(test_collect_falls_back_to_class64),
        T(test_collect_dup_refused_keeps_handle),
        T(test_collect_name_query_times_out),
        T(test_collect_threads_block_times_out),
        T(test_collect_target_exits),
        T(test_collect_open_errors),
        T(test_collect_typemap_aligned_walk),
        T(test_collect_typemap_count_past_buffer),
        T(test_collect_live_self),
        T(test_collect_live_thread_and_token),
        T(test_collect_threads_same_as_sequential),
        T(test_collect_no_names),
        T(test_collect_repeated_leaks_nothing),
        T(test_collect_proc_find_self),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
