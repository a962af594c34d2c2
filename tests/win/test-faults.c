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
#include "dump.h"
#include "win/win-int.h"
#include "snapshot-int.h"
#include "winutil.h"

/*
 * Fault injection through the call table: every call the collector makes
 * fails in turn (each of its first invocations alone, then every one),
 * in four ways: access denied, invalid handle, the process gone (the call
 * fails as for a dead process, and from then on the process handle is
 * signalled), and a length mismatch that never ends. hl_collect() on this
 * process must then end within a time bound with a complete snapshot (our
 * marker events all there; one whose name could not be read says why) or
 * with a documented error and no snapshot, and close every handle it
 * opened.
 */

enum call {
    C_QSI, C_QIP, C_QO, C_RTL_VERSION, C_OPEN_PROCESS, C_DUPLICATE,
    C_CLOSE, C_WAIT, C_IMAGE_NAME, C_PROCESS_TIMES, C_WOW64, C_PROCESS_ID,
    C_THREAD_ID, C_PROCESS_OF_THREAD, C_OPEN_TOKEN, C_TOKEN_INFO,
    C_LOOKUP_SID, C_SID_STRING, C_PRIV_VALUE, C_ADJUST_PRIV, C_DOS_DEVICE,
    C_COMPUTER_NAME, C_TOOLHELP, C_PROCESS32_FIRST, C_PROCESS32_NEXT,
    C_SESSION_ID, C_FIRST_VOLUME, C_NEXT_VOLUME, C_VOLUME_CLOSE,
    C_VOLUME_PATHS, C_CREATE_THREAD, C_COUNT
};

static const char *const call_names[C_COUNT] = {
    "NtQuerySystemInformation", "NtQueryInformationProcess",
    "NtQueryObject", "RtlGetVersion", "OpenProcess", "DuplicateHandle",
    "CloseHandle", "WaitForSingleObject", "QueryFullProcessImageNameW",
    "GetProcessTimes", "IsWow64Process", "GetProcessId", "GetThreadId",
    "GetProcessIdOfThread", "OpenProcessToken", "GetTokenInformation",
    "LookupAccountSidW", "ConvertSidToStringSidW", "LookupPrivilegeValueW",
    "AdjustTokenPrivileges", "QueryDosDeviceW", "GetComputerNameW",
    "CreateToolhelp32Snapshot", "Process32FirstW", "Process32NextW",
    "ProcessIdToSessionId", "FindFirstVolumeW", "FindNextVolumeW",
    "FindVolumeClose", "GetVolumePathNamesForVolumeNameW", "CreateThread",
};

enum fault { F_DENIED, F_BADHANDLE, F_GONE, F_MISMATCH, F_COUNT };

static const char *const fault_names[F_COUNT] = {
    "access denied", "invalid handle", "process gone",
    "length mismatch forever",
};

#define MARKERS 8
#define KTH_MAX 3             /* the first invocations failed one by one */
#define NAME_TIMEOUT_MS 300
#define TIME_BOUND_MS 30000

static const struct hl_nt_api *real;
static struct hl_nt_api fake;
static volatile LONG counts[C_COUNT];
static enum call fail_call;
static enum fault fail_how;
static LONG fail_kth;          /* 0: every invocation */
static volatile LONG armed;    /* 0: no fault (a counting run) */
static volatile LONG gone;     /* the target "died" */
static volatile LONG injected; /* faults actually delivered */
static HANDLE markers[MARKERS];

/* 1 when this invocation of call c must fail. */
static int hit(enum call c)
{
    LONG n = InterlockedIncrement(&counts[c]);

    if (!armed || c != fail_call || (fail_kth != 0 && n != fail_kth))
        return 0;
    InterlockedIncrement(&injected);
    if (fail_how == F_GONE)
        InterlockedExchange(&gone, 1);
    return 1;
}

static NTSTATUS nt_fault(void)
{
    switch (fail_how) {
    case F_DENIED:
        return STATUS_ACCESS_DENIED;
    case F_BADHANDLE:
        return (NTSTATUS)STATUS_INVALID_HANDLE;
    case F_GONE:
        return STATUS_PROCESS_IS_TERMINATING;
    default:
        return STATUS_INFO_LENGTH_MISMATCH;
    }
}

static DWORD win32_fault(void)
{
    switch (fail_how) {
    case F_DENIED:
        return ERROR_ACCESS_DENIED;
    case F_BADHANDLE:
        return ERROR_INVALID_HANDLE;
    case F_GONE:
        return ERROR_INVALID_PARAMETER;
    default:
        return ERROR_INSUFFICIENT_BUFFER;
    }
}

/* A failing Win32 call: sets the error, returns FALSE. */
static BOOL fail_bool(void)
{
    SetLastError(win32_fault());
    return FALSE;
}

/* A size to ask for that is always more than was given. */
static ULONG more(ULONG len)
{
    return len < 0x10000000u ? len * 2 + 64 : len;
}

/* A failed NT query: the length it asks for, and the fault. */
static NTSTATUS query_fault(ULONG len, ULONG *ret)
{
    if (ret != NULL)
        *ret = more(len);
    return nt_fault();
}

/* A close that failed or not (ok: what the real one said). A failing
 * close still closes: one that did not would leak by construction, which
 * is not what is under test. */
static BOOL close_result(enum call c, BOOL ok)
{
    if (!hit(c))
        return ok;
    return fail_bool();
}

/* ---- the fakes: count, maybe fail, else the real call ---- */

static NTSTATUS NTAPI f_qsi(ULONG cls, void *buf, ULONG len, ULONG *ret)
{
    if (!hit(C_QSI))
        return real->query_system_information(cls, buf, len, ret);
    return query_fault(len, ret);
}

static NTSTATUS NTAPI f_qip(HANDLE p, ULONG cls, void *buf, ULONG len,
                            ULONG *ret)
{
    if (!hit(C_QIP))
        return real->query_information_process(p, cls, buf, len, ret);
    return query_fault(len, ret);
}

static NTSTATUS NTAPI f_qo(HANDLE h, ULONG cls, void *buf, ULONG len,
                           ULONG *ret)
{
    if (!hit(C_QO))
        return real->query_object(h, cls, buf, len, ret);
    return query_fault(len, ret);
}

static NTSTATUS NTAPI f_rtl_version(OSVERSIONINFOW *info)
{
    if (!hit(C_RTL_VERSION))
        return real->rtl_get_version(info);
    return nt_fault();
}

static HANDLE WINAPI f_open_process(DWORD access, BOOL inherit, DWORD pid)
{
    if (!hit(C_OPEN_PROCESS))
        return real->open_process(access, inherit, pid);
    SetLastError(win32_fault());
    return NULL;
}

static BOOL WINAPI f_duplicate(HANDLE sp, HANDLE s, HANDLE dp, HANDLE *d,
                               DWORD access, BOOL inherit, DWORD opts)
{
    if (!hit(C_DUPLICATE))
        return real->duplicate_handle(sp, s, dp, d, access, inherit, opts);
    return fail_bool();
}

static BOOL WINAPI f_close(HANDLE h)
{
    return close_result(C_CLOSE, real->close_handle(h));
}

static DWORD WINAPI f_wait(HANDLE h, DWORD ms)
{
    if (gone)
        return WAIT_OBJECT_0;
    if (!hit(C_WAIT))
        return real->wait_for_single_object(h, ms);
    if (gone)
        return WAIT_OBJECT_0;
    SetLastError(win32_fault());
    return WAIT_FAILED;
}

static BOOL WINAPI f_image_name(HANDLE p, DWORD flags, WCHAR *buf,
                                DWORD *len)
{
    if (!hit(C_IMAGE_NAME))
        return real->query_full_process_image_name(p, flags, buf, len);
    return fail_bool();
}

static BOOL WINAPI f_process_times(HANDLE p, FILETIME *c, FILETIME *e,
                                   FILETIME *k, FILETIME *u)
{
    if (!hit(C_PROCESS_TIMES))
        return real->get_process_times(p, c, e, k, u);
    return fail_bool();
}

static BOOL WINAPI f_wow64(HANDLE p, BOOL *wow64)
{
    if (!hit(C_WOW64))
        return real->is_wow64_process(p, wow64);
    return fail_bool();
}

static DWORD WINAPI f_process_id(HANDLE p)
{
    if (!hit(C_PROCESS_ID))
        return real->get_process_id(p);
    SetLastError(win32_fault());
    return 0;
}

static DWORD WINAPI f_thread_id(HANDLE t)
{
    if (!hit(C_THREAD_ID))
        return real->get_thread_id(t);
    SetLastError(win32_fault());
    return 0;
}

static DWORD WINAPI f_process_of_thread(HANDLE t)
{
    if (!hit(C_PROCESS_OF_THREAD))
        return real->get_process_id_of_thread(t);
    SetLastError(win32_fault());
    return 0;
}

static BOOL WINAPI f_open_token(HANDLE p, DWORD access, HANDLE *token)
{
    if (!hit(C_OPEN_TOKEN))
        return real->open_process_token(p, access, token);
    return fail_bool();
}

static BOOL WINAPI f_token_info(HANDLE token, TOKEN_INFORMATION_CLASS cls,
                                void *buf, DWORD len, DWORD *ret)
{
    if (!hit(C_TOKEN_INFO))
        return real->get_token_information(token, cls, buf, len, ret);
    if (ret != NULL)
        *ret = more(len);
    return fail_bool();
}

static BOOL WINAPI f_lookup_sid(const WCHAR *sys, PSID sid, WCHAR *name,
                                DWORD *name_len, WCHAR *domain,
                                DWORD *domain_len, SID_NAME_USE *use)
{
    if (!hit(C_LOOKUP_SID))
        return real->lookup_account_sid(sys, sid, name, name_len, domain,
                                        domain_len, use);
    if (fail_how == F_MISMATCH) {
        *name_len = more(*name_len);
        *domain_len = more(*domain_len);
    }
    return fail_bool();
}

static BOOL WINAPI f_sid_string(PSID sid, WCHAR **out)
{
    if (!hit(C_SID_STRING))
        return real->convert_sid_to_string_sid(sid, out);
    return fail_bool();
}

static BOOL WINAPI f_priv_value(const WCHAR *sys, const WCHAR *name,
                                LUID *luid)
{
    if (!hit(C_PRIV_VALUE))
        return real->lookup_privilege_value(sys, name, luid);
    return fail_bool();
}

static BOOL WINAPI f_adjust_priv(HANDLE token, BOOL all,
                                 TOKEN_PRIVILEGES *state, DWORD len,
                                 TOKEN_PRIVILEGES *prev, DWORD *ret)
{
    if (!hit(C_ADJUST_PRIV))
        return real->adjust_token_privileges(token, all, state, len, prev,
                                             ret);
    return fail_bool();
}

static DWORD WINAPI f_dos_device(const WCHAR *dev, WCHAR *buf, DWORD len)
{
    if (!hit(C_DOS_DEVICE))
        return real->query_dos_device(dev, buf, len);
    SetLastError(win32_fault());
    return 0;
}

static BOOL WINAPI f_computer_name(WCHAR *buf, DWORD *len)
{
    if (!hit(C_COMPUTER_NAME))
        return real->get_computer_name(buf, len);
    if (fail_how == F_MISMATCH)
        *len = more(*len);
    return fail_bool();
}

static HANDLE WINAPI f_toolhelp(DWORD flags, DWORD pid)
{
    if (!hit(C_TOOLHELP))
        return real->create_toolhelp32_snapshot(flags, pid);
    SetLastError(win32_fault());
    return INVALID_HANDLE_VALUE;
}

static BOOL WINAPI f_process32_first(HANDLE snap, PROCESSENTRY32W *pe)
{
    if (!hit(C_PROCESS32_FIRST))
        return real->process32_first(snap, pe);
    return fail_bool();
}

static BOOL WINAPI f_process32_next(HANDLE snap, PROCESSENTRY32W *pe)
{
    if (!hit(C_PROCESS32_NEXT))
        return real->process32_next(snap, pe);
    return fail_bool();
}

static BOOL WINAPI f_session_id(DWORD pid, DWORD *session)
{
    if (!hit(C_SESSION_ID))
        return real->process_id_to_session_id(pid, session);
    return fail_bool();
}

static HANDLE WINAPI f_first_volume(WCHAR *name, DWORD len)
{
    if (!hit(C_FIRST_VOLUME))
        return real->find_first_volume(name, len);
    SetLastError(win32_fault());
    return INVALID_HANDLE_VALUE;
}

static BOOL WINAPI f_next_volume(HANDLE find, WCHAR *name, DWORD len)
{
    if (!hit(C_NEXT_VOLUME))
        return real->find_next_volume(find, name, len);
    return fail_bool();
}

static BOOL WINAPI f_volume_close(HANDLE find)
{
    return close_result(C_VOLUME_CLOSE, real->find_volume_close(find));
}

static BOOL WINAPI f_volume_paths(const WCHAR *vol, WCHAR *paths, DWORD len,
                                  DWORD *got)
{
    if (!hit(C_VOLUME_PATHS))
        return real->get_volume_path_names(vol, paths, len, got);
    if (fail_how == F_MISMATCH && got != NULL)
        *got = more(len);
    return fail_bool();
}

static HANDLE WINAPI f_create_thread(SECURITY_ATTRIBUTES *sa, SIZE_T stack,
                                     LPTHREAD_START_ROUTINE fn, void *arg,
                                     DWORD flags, DWORD *tid)
{
    if (!hit(C_CREATE_THREAD))
        return real->create_thread(sa, stack, fn, arg, flags, tid);
    SetLastError(win32_fault());
    return NULL;
}

/* ---- the harness ---- */

/* Handle values probed: the highest in use at the start, and room above
 * it. Windows and Wine hand out the lowest free value, so whatever a
 * collection leaks lands below the limit; probing all 16K values (a
 * wineserver call each) made the sweep take minutes. */
static uintptr_t probe_limit = WU_PROBE_ALL;

static void set_probe_limit(void)
{
    uintptr_t top = wu_top_handle();

    probe_limit = top + 0x1000 < WU_PROBE_ALL ? top + 0x1000 : WU_PROBE_ALL;
}

static void arm(int on, enum call c, enum fault how, LONG kth)
{
    memset((void *)counts, 0, sizeof(counts));
    fail_call = c;
    fail_how = how;
    fail_kth = kth;
    gone = 0;
    armed = on;
}

static int collect_self(struct hl_snapshot *s, struct hl_diag *d)
{
    struct hl_collect_opts opts;

    memset(&opts, 0, sizeof(opts));
    opts.name_timeout_ms = NAME_TIMEOUT_MS;
    return wu_collect_self(&opts, s, d);
}

static int documented(int err)
{
    return err == HL_ENOPROC || err == HL_EACCES || err == HL_EEXITED ||
           err == HL_EQUERY || err == HL_ETOOBIG || err == HL_ENOMEM ||
           err == HL_ETIMEDOUT;
}

struct tally {
    unsigned cases, faults, complete, failed, marked;
};

/* One collection with one fault armed; the checks of the file comment. */
static void one_case(enum call c, enum fault how, LONG kth,
                     struct tally *t)
{
    struct hl_diag diag;
    struct hl_snapshot s;
    unsigned before, after;
    ULONGLONG t0, ms;
    size_t i;
    int err;

    before = wu_count_own_handles(probe_limit);
    injected = 0;
    arm(1, c, how, kth);
    t0 = GetTickCount64();
    err = collect_self(&s, &diag);
    ms = GetTickCount64() - t0;
    arm(0, c, how, kth);
    t->cases++;
    t->faults += (unsigned)injected;
    if (ms > TIME_BOUND_MS)
        fail_msg("%s, %s, call %ld: took %llu ms", call_names[c],
                 fault_names[how], (long)kth, (unsigned long long)ms);
    if (err == 0) {
        t->complete++;
        for (i = 0; i < MARKERS; i++) {
            const struct hl_handle *h = wu_find(&s, markers[i]);
            const char *name;

            if (h == NULL)
                fail_msg("%s, %s, call %ld: marker %u missing",
                         call_names[c], fault_names[how], (long)kth,
                         (unsigned)i);
            name = hl_snapshot_str(&s, h->name);
            if (strstr(name, "hleak-fault-") != NULL)
                continue;
            /* the name is lost: the handle must say why */
            if (h->name_err == HL_NAME_ERR_NONE)
                fail_msg("%s, %s, call %ld: marker %u named \"%s\", "
                         "no name error",
                         call_names[c], fault_names[how], (long)kth,
                         (unsigned)i, name);
            t->marked++;
        }
    } else {
        t->failed++;
        if (!documented(err))
            fail_msg("%s, %s, call %ld: error %s", call_names[c],
                     fault_names[how], (long)kth, hl_err_name(err));
        /* a failed collection hands out nothing */
        assert_int_equal(s.count, 0);
    }
    hl_snapshot_release(&s);
    after = wu_count_own_handles(probe_limit);
    if (after != before)
        fail_msg("%s, %s, call %ld: %u handles before, %u after",
                 call_names[c], fault_names[how], (long)kth, before,
                 after);
}

static void test_faults_every_call_fails_in_turn(void **state)
{
    LONG baseline[C_COUNT];
    struct hl_snapshot s;
    struct tally t;
    unsigned called = 0;
    int c, how;
    LONG k;

    (void)state;
    memset(&t, 0, sizeof(t));
    /* a warm-up (the worker threads' first start), then the count */
    assert_int_equal(collect_self(&s, NULL), 0);
    hl_snapshot_release(&s);
    arm(0, C_COUNT, F_DENIED, 0);
    assert_int_equal(collect_self(&s, NULL), 0);
    hl_snapshot_release(&s);
    set_probe_limit();
    memcpy(baseline, (const void *)counts, sizeof(baseline));
    for (c = 0; c < C_COUNT; c++) {
        if (baseline[c] == 0)
            continue;
        called++;
        for (how = 0; how < F_COUNT; how++) {
            one_case((enum call)c, (enum fault)how, 0, &t);
            for (k = 1; k <= KTH_MAX && k <= baseline[c]; k++)
                one_case((enum call)c, (enum fault)how, k, &t);
        }
    }
    print_message("faults: handles probed up to 0x%x\n",
                  (unsigned)probe_limit);
    print_message("faults: %u calls of %d made by hl_collect, %u cases, "
                  "%u faults injected; %u complete snapshots (%u marker "
                  "names lost and marked), %u clean errors\n",
                  called, C_COUNT, t.cases, t.faults, t.complete, t.marked,
                  t.failed);
    /* the sweep reached the calls that matter */
    assert_true(baseline[C_OPEN_PROCESS] > 0 && baseline[C_DUPLICATE] > 0 &&
                baseline[C_QO] > 0 && baseline[C_WAIT] > 0);
    assert_true(t.faults >= t.cases);
}

/* hl_dump_write opens its target through the same table: a refusal or a
 * target gone is faked there, reported as the call that failed, and
 * leaves no file. */
static void test_faults_dump_open_fails(void **state)
{
    static const struct {
        enum fault how;
        int err;
        DWORD status;
    } cases[] = {{F_DENIED, HL_EACCES, ERROR_ACCESS_DENIED},
                 {F_GONE, HL_ENOPROC, ERROR_INVALID_PARAMETER}};
    char dir[MAX_PATH], path[MAX_PATH + 32];
    size_t i;

    (void)state;
    assert_true(GetTempPathA(sizeof(dir), dir) > 0);
    snprintf(path, sizeof(path), "%shleak-fault-%lu.dmp", dir,
             GetCurrentProcessId());
    DeleteFileA(path);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hl_diag diag;
        int err;

        memset(&diag, 0, sizeof(diag));
        injected = 0;
        arm(1, C_OPEN_PROCESS, cases[i].how, 0);
        err = hl_dump_write(GetCurrentProcessId(), path, &diag);
        arm(0, C_OPEN_PROCESS, cases[i].how, 0);
        assert_int_equal(err, cases[i].err);
        assert_true(injected > 0);
        assert_non_null(diag.call);
        assert_string_equal(diag.call, "OpenProcess");
        assert_int_equal(diag.status, cases[i].status);
        assert_int_equal(diag.is_ntstatus, 0);
        assert_int_equal(GetFileAttributesA(path), INVALID_FILE_ATTRIBUTES);
    }
}

static int setup(void **state)
{
    wchar_t name[64];
    int i;

    (void)state;
    real = hl__nt_default();
    assert_non_null(real);
    fake = *real;
    fake.query_system_information = f_qsi;
    fake.query_information_process = f_qip;
    fake.query_object = f_qo;
    fake.rtl_get_version = f_rtl_version;
    fake.open_process = f_open_process;
    fake.duplicate_handle = f_duplicate;
    fake.close_handle = f_close;
    fake.wait_for_single_object = f_wait;
    fake.query_full_process_image_name = f_image_name;
    fake.get_process_times = f_process_times;
    fake.is_wow64_process = f_wow64;
    fake.get_process_id = f_process_id;
    fake.get_thread_id = f_thread_id;
    fake.get_process_id_of_thread = f_process_of_thread;
    fake.open_process_token = f_open_token;
    fake.get_token_information = f_token_info;
    fake.lookup_account_sid = f_lookup_sid;
    fake.convert_sid_to_string_sid = f_sid_string;
    fake.lookup_privilege_value = f_priv_value;
    fake.adjust_token_privileges = f_adjust_priv;
    fake.query_dos_device = f_dos_device;
    fake.get_computer_name = f_computer_name;
    fake.create_toolhelp32_snapshot = f_toolhelp;
    fake.process32_first = f_process32_first;
    fake.process32_next = f_process32_next;
    fake.process_id_to_session_id = f_session_id;
    fake.find_first_volume = f_first_volume;
    fake.find_next_volume = f_next_volume;
    fake.find_volume_close = f_volume_close;
    fake.get_volume_path_names = f_volume_paths;
    fake.create_thread = f_create_thread;
    hl__nt_set(&fake);
    for (i = 0; i < MARKERS; i++) {
        swprintf(name, 64, L"hleak-fault-%lu-%d", GetCurrentProcessId(), i);
        markers[i] = CreateEventW(NULL, TRUE, FALSE, name);
        assert_non_null(markers[i]);
    }
    return 0;
}

static int teardown(void **state)
{
    int i;

    (void)state;
    hl__nt_set(NULL);
    for (i = 0; i < MARKERS; i++)
        CloseHandle(markers[i]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_every_call_fails_in_turn),
        cmocka_unit_test(test_faults_dump_open_fails),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
