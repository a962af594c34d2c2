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
#include "hleak/snapfile.h"
#include "names.h"
#include "win/win-int.h"
#include "snapshot-int.h"
#include "winutil.h"

/*
 * The risks of issue 14 ("real Windows"), each through the injected call
 * table where Wine cannot show it: a name worker slow to start (its
 * DLL_THREAD_ATTACH under the loader lock), a handle whose type cannot
 * be read, a collection that would run past its deadline, a process that
 * refuses PROCESS_DUP_HANDLE (protected or elevated), the library leaving
 * its host's token alone, GUI counts of another session, Token names
 * looked up once per SID, a type list that disagrees with a known
 * handle, volumes mounted on folders, the console code page, and the
 * CLI's watchdog.
 */

static const struct hl_nt_api *real;
static struct hl_nt_api fake;

/* ---- threads the fake create_thread starts late ---- */

#define MAX_THREADS 64

struct late {
    LPTHREAD_START_ROUTINE fn;
    void *arg;
};

static struct late lates[MAX_THREADS];
static HANDLE late_threads[MAX_THREADS]; /* our own duplicates */
static DWORD late_tids[MAX_THREADS];
static volatile LONG nlate;
static volatile LONG bodies;  /* threads that reached their own body */
static DWORD start_delay_ms;  /* the simulated DLL_THREAD_ATTACH */

static DWORD WINAPI late_main(void *arg)
{
    struct late *l = arg;

    Sleep(start_delay_ms);
    InterlockedIncrement(&bodies);
    return l->fn(l->arg);
}

static HANDLE WINAPI fake_create_thread(SECURITY_ATTRIBUTES *sa,
                                        SIZE_T stack,
                                        LPTHREAD_START_ROUTINE fn,
                                        void *arg, DWORD flags, DWORD *tid)
{
    LONG i = InterlockedIncrement(&nlate) - 1;
    HANDLE t;

    assert_true(i < MAX_THREADS);
    lates[i].fn = fn;
    lates[i].arg = arg;
    t = real->create_thread(sa, stack, late_main, &lates[i], flags,
                            &late_tids[i]);
    assert_non_null(t);
    assert_true(DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(),
                                &late_threads[i], 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    if (tid != NULL)
        *tid = late_tids[i];
    return t;
}

static int on_worker(void)
{
    DWORD me = GetCurrentThreadId();
    LONG i;

    for (i = 0; i < nlate; i++) {
        if (late_tids[i] == me)
            return 1;
    }
    return 0;
}

/* Waits for every started thread to end; returns how many ended with
 * exit code 0 (by returning: TerminateThread's code here is 1). */
static LONG join_lates(DWORD ms)
{
    LONG i, clean = 0;

    for (i = 0; i < nlate; i++) {
        DWORD code = 1;

        if (WaitForSingleObject(late_threads[i], ms) == WAIT_OBJECT_0 &&
            GetExitCodeThread(late_threads[i], &code) && code == 0)
            clean++;
        CloseHandle(late_threads[i]);
    }
    return clean;
}

/* ---- name queries that block, and type queries that fail ---- */

static const WCHAR *block_mark; /* names containing it block on workers */
static int fail_types;          /* ObjectTypeInformation fails */
static volatile LONG blocked_here; /* blocking names asked off a worker */
static HANDLE never;

static NTSTATUS NTAPI fake_query_object(HANDLE h, ULONG cls, void *buf,
                                        ULONG len, ULONG *ret)
{
    NTSTATUS st;

    if (fail_types && h != NULL && cls == HL_NT_OBJECT_TYPE_INFORMATION)
        return STATUS_ACCESS_DENIED;
    st = real->query_object(h, cls, buf, len, ret);
    if (block_mark != NULL && cls == HL_NT_OBJECT_NAME_INFORMATION &&
        NT_SUCCESS(st)) {
        const struct hl_nt_unicode_string *us = buf;
        WCHAR tmp[512];
        size_t n = us->Length / sizeof(WCHAR);

        if (n >= 512)
            n = 511;
        if (us->Buffer != NULL)
            memcpy(tmp, us->Buffer, n * sizeof(WCHAR));
        tmp[us->Buffer != NULL ? n : 0] = L'\0';
        if (wcsstr(tmp, block_mark) != NULL) {
            if (!on_worker()) {
                /* it would hang the collection: count it, do not hang */
                InterlockedIncrement(&blocked_here);
                return STATUS_ACCESS_DENIED;
            }
            WaitForSingleObject(never, INFINITE);
        }
    }
    return st;
}

/* ---- the target's rights, protection and elevation ---- */

static int target_elevated = -1; /* TokenElevation of the target's token */
static HANDLE target_token;
static volatile LONG dups_from_target;
static volatile LONG adjust_calls;
static volatile LONG lookup_calls;

static BOOL WINAPI fake_dup(HANDLE sp, HANDLE s, HANDLE dp, HANDLE *d,
                            DWORD access, BOOL inherit, DWORD opts)
{
    if (sp != GetCurrentProcess())
        InterlockedIncrement(&dups_from_target);
    return real->duplicate_handle(sp, s, dp, d, access, inherit, opts);
}

static BOOL WINAPI fake_open_token(HANDLE p, DWORD access, HANDLE *token)
{
    BOOL ok = real->open_process_token(p, access, token);

    if (ok && p != GetCurrentProcess())
        target_token = *token;
    return ok;
}

static BOOL WINAPI fake_token_info(HANDLE token, TOKEN_INFORMATION_CLASS cls,
                                   void *buf, DWORD len, DWORD *ret)
{
    if (cls == TokenElevation && target_elevated >= 0) {
        TOKEN_ELEVATION te;

        te.TokenIsElevated = token == target_token ? (DWORD)target_elevated
                                                   : 0;
        if (len < sizeof(te)) {
            SetLastError(ERROR_INSUFFICIENT_BUFFER);
            return FALSE;
        }
        memcpy(buf, &te, sizeof(te));
        *ret = sizeof(te);
        return TRUE;
    }
    return real->get_token_information(token, cls, buf, len, ret);
}

static BOOL WINAPI fake_adjust(HANDLE token, BOOL all, TOKEN_PRIVILEGES *st,
                               DWORD len, TOKEN_PRIVILEGES *prev, DWORD *ret)
{
    InterlockedIncrement(&adjust_calls);
    return real->adjust_token_privileges(token, all, st, len, prev, ret);
}

static BOOL WINAPI fake_lookup(const WCHAR *sys, PSID sid, WCHAR *name,
                               DWORD *name_len, WCHAR *domain,
                               DWORD *domain_len, SID_NAME_USE *use)
{
    InterlockedIncrement(&lookup_calls);
    return real->lookup_account_sid(sys, sid, name, name_len, domain,
                                    domain_len, use);
}

/* ---- GUI sessions ---- */

static volatile LONG gui_calls;

static BOOL WINAPI fake_session(DWORD pid, DWORD *session)
{
    *session = pid == GetCurrentProcessId() ? 1 : 0;
    return TRUE;
}

static DWORD WINAPI fake_gui(HANDLE proc, DWORD flags)
{
    InterlockedIncrement(&gui_calls);
    return real->get_gui_resources(proc, flags);
}

/* ---- harness ---- */

static int setup(void **state)
{
    (void)state;
    wu_real = real = hl__nt_default();
    assert_non_null(real);
    fake = *real;
    fake.create_thread = fake_create_thread;
    fake.query_object = fake_query_object;
    fake.open_process = wu_fake_open_process;
    fake.query_information_process = wu_fake_qip;
    fake.duplicate_handle = fake_dup;
    fake.open_process_token = fake_open_token;
    fake.get_token_information = fake_token_info;
    fake.adjust_token_privileges = fake_adjust;
    fake.lookup_account_sid = fake_lookup;
    nlate = bodies = 0;
    start_delay_ms = 0;
    block_mark = NULL;
    fail_types = 0;
    blocked_here = 0;
    wu_refuse_dup = 0;
    wu_protection_byte = target_elevated = -1;
    target_token = NULL;
    dups_from_target = adjust_calls = lookup_calls = gui_calls = 0;
    never = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(never);
    hl__nt_set(&fake);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hl__nt_set(NULL);
    hl__namer_start_ms = 10000u;
    CloseHandle(never);
    return 0;
}

static int collect(struct hl_snapshot *s, unsigned timeout_ms,
                   unsigned deadline_ms, unsigned threads)
{
    return wu_collect_limits(s, NULL, timeout_ms, deadline_ms, threads, 0);
}

static HANDLE temp_file(const WCHAR *stem, int k)
{
    WCHAR dir[MAX_PATH];
    WCHAR path[MAX_PATH + 64];
    DWORD n = GetTempPathW(MAX_PATH, dir);

    assert_true(n > 0 && n < MAX_PATH);
    _snwprintf(path, MAX_PATH + 64, L"%ls%ls-%lu-%d.txt", dir, stem,
               (unsigned long)GetCurrentProcessId(), k);
    path[MAX_PATH + 63] = L'\0';
    return CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                       CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
}

/* ---- 1. the worker's clock starts after its own start signal ---- */

static void test_risks_slow_start_is_not_timed(void **state)
{
    HANDLE f = temp_file(L"hleak-risk-slow-start", 0);
    struct hl_snapshot s;
    const struct hl_handle *h;

    (void)state;
    assert_true(f != INVALID_HANDLE_VALUE);
    /* a start far longer than the name timeout, as DLL_THREAD_ATTACH of
     * a host with many DLLs can be */
    start_delay_ms = 400;
    assert_int_equal(collect(&s, 50, 0, 1), 0);
    h = wu_find(&s, f);
    assert_non_null(h);
    assert_int_equal(h->name_err, HL_NAME_ERR_NONE);
    assert_non_null(strstr(hl_snapshot_str(&s, h->nt_name),
                           "hleak-risk-slow-start"));
    hl_snapshot_release(&s);
    assert_true(nlate > 0);
    /* no worker was killed before it ran its own code */
    assert_int_equal(join_lates(5000), nlate);
    assert_int_equal(bodies, nlate);
    CloseHandle(f);
}

static void test_risks_never_started_is_orphaned(void **state)
{
    HANDLE f = temp_file(L"hleak-risk-no-start", 0);
    struct hl_snapshot s;
    const struct hl_handle *h;
    unsigned before = wu_count_own_handles(0x4000);
    ULONGLONG t0;

    (void)state;
    assert_true(f != INVALID_HANDLE_VALUE);
    hl__namer_start_ms = 200;
    start_delay_ms = 1500;
    t0 = GetTickCount64();
    assert_int_equal(collect(&s, 50, 0, 1), 0);
    /* one start-up wait, then no new worker for this thread */
    assert_true(GetTickCount64() - t0 < 1400);
    assert_int_equal(nlate, 1);
    h = wu_find(&s, f);
    assert_non_null(h);
    assert_int_equal(h->name_err, HL_NAME_ERR_TIMEOUT);
    hl_snapshot_release(&s);
    /* it starts late, finds itself orphaned, quits and frees itself:
     * never terminated (exit code 0) */
    assert_int_equal(join_lates(5000), 1);
    assert_int_equal(bodies, 1);
    Sleep(100);
    assert_int_equal(wu_count_own_handles(0x4000), before);
    CloseHandle(f);
}

/* ---- 2. a handle of unknown type is asked on the timed worker ---- */

static void test_risks_unknown_type_is_timed(void **state)
{
    WCHAR name[64];
    HANDLE ev;
    struct hl_snapshot s;
    const struct hl_handle *h;

    (void)state;
    swprintf(name, 64, L"hleak-risk-hang-%lu", GetCurrentProcessId());
    ev = CreateEventW(NULL, TRUE, FALSE, name);
    assert_non_null(ev);
    fail_types = 1;
    block_mark = L"hleak-risk-hang";
    assert_int_equal(collect(&s, 100, 0, 1), 0);
    /* never asked where it could hang the collection */
    assert_int_equal(blocked_here, 0);
    h = wu_find(&s, ev);
    assert_non_null(h);
    assert_int_equal(h->name_err, HL_NAME_ERR_TIMEOUT);
    hl_snapshot_release(&s);
    CloseHandle(ev);
}

/* ---- the deadline: a never-returning query ends with a clear error ---- */

#define SLOW_FILES 30

static void test_risks_deadline_ends_collection(void **state)
{
    HANDLE files[SLOW_FILES];
    struct hl_snapshot s;
    ULONGLONG t0, ms;
    int k;

    (void)state;
    for (k = 0; k < SLOW_FILES; k++) {
        files[k] = temp_file(L"hleak-risk-deadline", k);
        assert_true(files[k] != INVALID_HANDLE_VALUE);
    }
    /* each name blocks for ever on the worker: 30 x 200 ms without a
     * bound on the whole */
    block_mark = L"hleak-risk-deadline";
    t0 = GetTickCount64();
    assert_int_equal(collect(&s, 200, 1000, 1), HL_ETIMEDOUT);
    ms = GetTickCount64() - t0;
    print_message("deadline 1000 ms: ended after %llu ms\n",
                  (unsigned long long)ms);
    assert_true(ms < 3000);
    assert_int_equal(s.count, 0);
    hl_snapshot_release(&s);
    for (k = 0; k < SLOW_FILES; k++)
        CloseHandle(files[k]);
}

/* ---- 5. protected and elevated targets ---- */

static void check_refused(uint32_t want, const char *text)
{
    struct hl_snapshot s, back;
    unsigned char *buf = NULL;
    size_t len = 0, i;

    dups_from_target = 0;
    assert_int_equal(collect(&s, 0, 0, 0), 0);
    assert_int_equal(s.access, want);
    assert_true(s.count > 0);
    for (i = 0; i < s.count; i++)
        assert_int_equal(s.handles[i].name_err, HL_NAME_ERR_ACCESS);
    /* no futile duplication per handle */
    assert_int_equal(dups_from_target, 0);
    assert_string_equal(hl_access_str(s.access), text);
    /* the file keeps it */
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), 0);
    assert_int_equal(back.access, want);
    assert_int_equal(back.collect_flags, s.collect_flags);
    hl__free(buf);
    hl_snapshot_release(&back);
    hl_snapshot_release(&s);
}

static void test_risks_protected_target(void **state)
{
    (void)state;
    wu_refuse_dup = 1;
    wu_protection_byte = 0x31; /* PsProtectedTypeProtectedLight, signer 3 */
    check_refused(HL_ACCESS_PROTECTED,
                  "protected process: names cannot be read");
}

static void test_risks_elevated_target(void **state)
{
    (void)state;
    wu_refuse_dup = 1;
    wu_protection_byte = 0;
    target_elevated = 1;
    check_refused(HL_ACCESS_ELEVATED, "elevated process: run hleak elevated");
}

static void test_risks_refused_otherwise(void **state)
{
    (void)state;
    wu_refuse_dup = 1;
    wu_protection_byte = 0;
    target_elevated = 0;
    check_refused(HL_ACCESS_DENIED,
                  "handle duplication refused: names cannot be read");
}

static void test_risks_full_access_recorded(void **state)
{
    struct hl_snapshot s;

    (void)state;
    assert_int_equal(collect(&s, 0, 0, 0), 0);
    assert_int_equal(s.access, HL_ACCESS_FULL);
    assert_true(s.collect_flags & HL_COLLECT_RECORDED);
    hl_snapshot_release(&s);
}

/* ---- 4. the library leaves its host's token alone ---- */

static void test_risks_library_keeps_token(void **state)
{
    struct hl_snapshot s;
    int on = -1;

    (void)state;
    assert_int_equal(collect(&s, 0, 0, 0), 0);
    assert_int_equal(adjust_calls, 0);
    hl_snapshot_release(&s);
    /* only when asked */
    assert_int_equal(hl_debug_privilege_enable(&on), 0);
    assert_int_equal(adjust_calls, 1);
    assert_true(on == 0 || on == 1);
    assert_int_equal(collect(&s, 0, 0, 0), 0);
    assert_int_equal((s.collect_flags & HL_COLLECT_DEBUG_PRIV) != 0, on);
    hl_snapshot_release(&s);
}

/* ---- 6. GUI counts of another session ---- */

static void test_risks_gui_other_session(void **state)
{
    struct hl_gui g;

    (void)state;
    fake.process_id_to_session_id = fake_session;
    fake.get_gui_resources = real->get_gui_resources != NULL ? fake_gui
                                                             : NULL;
    hl__gui_counts(&fake, GetCurrentProcess(), GetCurrentProcessId() + 4,
                   &g);
    assert_int_equal(g.flags, HL_GUI_ASKED | HL_GUI_OTHER_SESSION);
    assert_int_equal(gui_calls, 0);
    assert_int_equal(g.gdi, 0);
}

static void test_risks_gui_session_in_file(void **state)
{
    struct hl_snapshot s, back;
    unsigned char *buf = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    s.gui.flags = HL_GUI_ASKED | HL_GUI_OTHER_SESSION;
    s.collect_flags = HL_COLLECT_RECORDED | HL_COLLECT_GUI_SESSION;
    s.access = HL_ACCESS_FULL;
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), 0);
    assert_int_equal(back.gui.flags, HL_GUI_ASKED | HL_GUI_OTHER_SESSION);
    hl__free(buf);
    hl_snapshot_release(&back);
    hl_snapshot_release(&s);
}

/* ---- 7. one account lookup per SID ---- */

#define TOKENS 5

static void test_risks_token_lookup_once_per_sid(void **state)
{
    HANDLE tok[TOKENS];
    struct hl_snapshot s;
    const char *first = NULL;
    int k;

    (void)state;
    for (k = 0; k < TOKENS; k++)
        assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY,
                                     &tok[k]));
    assert_int_equal(collect(&s, 0, 0, 2), 0);
    for (k = 0; k < TOKENS; k++) {
        const struct hl_handle *h = wu_find(&s, tok[k]);
        const char *name;

        assert_non_null(h);
        name = hl_snapshot_str(&s, h->name);
        assert_true(name[0] != '\0');
        if (first == NULL)
            first = name;
        assert_string_equal(name, first);
    }
    assert_int_equal(lookup_calls, 1);
    hl_snapshot_release(&s);
    for (k = 0; k < TOKENS; k++)
        CloseHandle(tok[k]);
}

/* ---- 8. a type list that disagrees with a known handle is dropped ---- */

/* Every index 0..63 named "Event": whatever index the enumeration gives
 * our own Process handle, the list names it wrongly. */
static NTSTATUS NTAPI fake_types_all_event(HANDLE h, ULONG cls, void *buf,
                                           ULONG len, ULONG *ret)
{
    static const WCHAR event[] = L"Event";
    struct hl_nt_object_types_info hdr;
    unsigned char *p = buf;
    size_t off = HL_NT_TYPES_FIRST_OFFSET;
    size_t step = sizeof(struct hl_nt_object_type_info) +
                  ((sizeof(event) + sizeof(void *) - 1) &
                   ~(sizeof(void *) - 1));
    size_t need = off + 64 * step;
    ULONG i;

    if (h != NULL || cls != HL_NT_OBJECT_TYPES_INFORMATION)
        return real->query_object(h, cls, buf, len, ret);
    if (ret != NULL)
        *ret = (ULONG)need;
    if (len < need)
        return STATUS_INFO_LENGTH_MISMATCH;
    memset(buf, 0, need);
    memset(&hdr, 0, sizeof(hdr));
    hdr.NumberOfTypes = 64;
    memcpy(p, &hdr, sizeof(hdr));
    for (i = 0; i < 64; i++, off += step) {
        struct hl_nt_object_type_info e;

        memset(&e, 0, sizeof(e));
        e.TypeName.Length = (USHORT)(sizeof(event) - sizeof(WCHAR));
        e.TypeName.MaximumLength = (USHORT)sizeof(event);
        e.TypeName.Buffer = (WCHAR *)(p + off + sizeof(e));
        e.TypeIndex = (UCHAR)i;
        memcpy(p + off, &e, sizeof(e));
        memcpy(p + off + sizeof(e), event, sizeof(event));
    }
    return STATUS_SUCCESS;
}

static void test_risks_typemap_mismatch_dropped(void **state)
{
    struct hl_snapshot s;
    const struct hl_handle *h;
    HANDLE self = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                              GetCurrentProcessId());
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);

    (void)state;
    assert_non_null(self);
    assert_non_null(ev);
    fake.query_object = fake_types_all_event;
    assert_int_equal(collect(&s, 0, 0, 0), 0);
    if (!(s.collect_flags & HL_COLLECT_TYPES_DROPPED)) {
        /* class 51 lists no handle of ours on the target: no check */
        print_message("no own Process handle listed: check not made\n");
    } else {
        /* the types come from the duplicates, not the wrong list */
        h = wu_find(&s, self);
        assert_non_null(h);
        assert_string_equal(hl_snapshot_str(&s, h->type), "Process");
        h = wu_find(&s, ev);
        assert_non_null(h);
        assert_string_equal(hl_snapshot_str(&s, h->type), "Event");
    }
    hl_snapshot_release(&s);
    CloseHandle(self);
    CloseHandle(ev);
}

/* ---- 9. volumes mounted on folders ---- */

static int volumes_left;

static HANDLE WINAPI fake_first_volume(WCHAR *name, DWORD len)
{
    volumes_left = 2;
    wcsncpy(name, L"\\\\?\\Volume{11111111-2222-3333-4444-555555555555}\\",
            len);
    return (HANDLE)(uintptr_t)0x1234;
}

static BOOL WINAPI fake_next_volume(HANDLE find_h, WCHAR *name, DWORD len)
{
    assert_true(find_h == (HANDLE)(uintptr_t)0x1234);
    if (--volumes_left == 0) {
        SetLastError(ERROR_NO_MORE_FILES);
        return FALSE;
    }
    wcsncpy(name, L"\\\\?\\Volume{99999999-2222-3333-4444-555555555555}\\",
            len);
    return TRUE;
}

static BOOL WINAPI fake_volume_close(HANDLE find_h)
{
    assert_true(find_h == (HANDLE)(uintptr_t)0x1234);
    return TRUE;
}

/* Volume 1: a folder only; volume 9: a folder, then its letter. */
static BOOL WINAPI fake_volume_paths(const WCHAR *vol, WCHAR *paths,
                                     DWORD len, DWORD *got)
{
    static const WCHAR one[] = L"C:\\mnt\\data\\\0";
    static const WCHAR nine[] = L"C:\\other\\\0E:\\\0";
    const WCHAR *src = wcsstr(vol, L"{1111") != NULL ? one : nine;
    DWORD n = wcsstr(vol, L"{1111") != NULL ? sizeof(one) / sizeof(WCHAR)
                                            : sizeof(nine) / sizeof(WCHAR);

    if (len < n)
        return FALSE;
    memcpy(paths, src, n * sizeof(WCHAR));
    *got = n;
    return TRUE;
}

static DWORD WINAPI fake_dos_device(const WCHAR *dev, WCHAR *buf, DWORD len)
{
    const WCHAR *t = NULL;

    if (wcsstr(dev, L"{1111") != NULL)
        t = L"\\Device\\HarddiskVolume7";
    else if (wcsstr(dev, L"{9999") != NULL)
        t = L"\\Device\\HarddiskVolume9";
    else if (wcscmp(dev, L"E:") == 0) /* the same device again */
        t = L"\\Device\\HarddiskVolume9";
    else if (wcscmp(dev, L"S:") == 0) /* a subst: letters only */
        t = L"\\??\\C:\\src";
    if (t == NULL || wcslen(t) + 2 > len) {
        SetLastError(ERROR_FILE_NOT_FOUND);
        return 0;
    }
    wcscpy(buf, t);
    buf[wcslen(t) + 1] = L'\0';
    return (DWORD)wcslen(t) + 2;
}

static void check_file_name(const struct hl_dev_drive *map, size_t n,
                            const char *nt, const char *want)
{
    char *got = NULL;

    assert_int_equal(hl__names_file(nt, map, n, &got), 0);
    assert_string_equal(got, want);
    hl__free(got);
}

static void test_risks_volume_mount_points(void **state)
{
    struct hl_dev_drive *map = NULL;
    size_t n = 0;

    (void)state;
    fake.find_first_volume = fake_first_volume;
    fake.find_next_volume = fake_next_volume;
    fake.find_volume_close = fake_volume_close;
    fake.get_volume_path_names = fake_volume_paths;
    fake.query_dos_device = fake_dos_device;
    assert_int_equal(hl__devmap_build(&fake, &map, &n), 0);
    assert_int_equal(n, 3);
    check_file_name(map, n, "\\Device\\HarddiskVolume7\\x\\y.txt",
                    "C:\\mnt\\data\\x\\y.txt");
    check_file_name(map, n, "\\Device\\HarddiskVolume9\\y.txt", "E:\\y.txt");
    hl__devmap_free(map, n);
}

/* ---- 10. the console code page is given back ---- */

static void test_risks_console_code_page_restored(void **state)
{
    char arg0[] = "test";
    char *args[] = {arg0, NULL};
    char **argv = args;
    int argc = 1;
    UINT before;

    (void)state;
    if (GetConsoleOutputCP() == 0)
        AllocConsole();
    if (GetConsoleOutputCP() == 0 || !SetConsoleOutputCP(437)) {
        print_message("no console here: skipped\n");
        skip();
    }
    before = GetConsoleOutputCP();
    assert_int_equal(hl__console_init(&argc, &argv), 0);
    assert_int_equal(GetConsoleOutputCP(), CP_UTF8);
    hl__console_close();
    assert_int_equal(GetConsoleOutputCP(), before);
}

/* ---- the CLI's watchdog ends a stuck process with a clear error ---- */

static void test_risks_watchdog_ends_stuck_process(void **state)
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    WCHAR exe[MAX_PATH];
    WCHAR cmd[MAX_PATH + 32];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE rd, wr;
    char out[256];
    DWORD got = 0, code = 0, n;

    (void)state;
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    _snwprintf(cmd, MAX_PATH + 32, L"\"%ls\" --watchdog-child", exe);
    cmd[MAX_PATH + 31] = L'\0';
    assert_true(CreatePipe(&rd, &wr, &sa, 0));
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = wr;
    assert_true(CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL,
                               &si, &pi));
    CloseHandle(wr);
    /* the child sleeps 30 s; its watchdog ends it after 0.3 s */
    assert_int_equal(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    assert_true(GetExitCodeProcess(pi.hProcess, &code));
    assert_int_equal(code, 3);
    while (got + 1 < sizeof(out) &&
           ReadFile(rd, out + got, (DWORD)(sizeof(out) - 1 - got), &n,
                    NULL) &&
           n > 0)
        got += n;
    out[got] = '\0';
    assert_string_equal(out, "hleak: error: collection stuck (test)\n");
    CloseHandle(rd);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_risks_slow_start_is_not_timed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_risks_never_started_is_orphaned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_risks_unknown_type_is_timed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_risks_deadline_ends_collection,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_risks_protected_target, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_risks_elevated_target, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_risks_refused_otherwise, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_risks_full_access_recorded,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_risks_library_keeps_token,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_risks_gui_other_session, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_risks_gui_session_in_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_risks_token_lookup_once_per_sid, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_risks_typemap_mismatch_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_risks_volume_mount_points,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_risks_console_code_page_restored, setup, teardown),
        cmocka_unit_test(test_risks_watchdog_ends_stuck_process),
    };

    if (argc == 2 && strcmp(argv[1], "--watchdog-child") == 0) {
        assert_int_equal(hl__watchdog_start(300, "collection stuck (test)"),
                         0);
        Sleep(30000);
        return 0;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
