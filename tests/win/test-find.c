#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "cmds.h"
#include "core-int.h"
#include "hleak/caps.h"
#include "hleak/system.h"
#include "ntbytes.h"
#include "ntfake.h"
#include "ntprocs.h"
#include "syssnap.h"
#include "system-int.h"
#include "win/win-int.h"
#include "winutil.h"

/*
 * The name search (hl_system_find()) on a made-up system: the handle list
 * (class 64), the process list (class 5) and the type list (class 3) are
 * bytes (ntbytes.c, ntprocs.c); the handles they list are real objects of
 * this process (a file, an event, a registry key, a thread), so their
 * names are the system's, re-laid as bytes by ntf_query_object(). The
 * made-up processes open as this one, except PID_DENIED, which refuses.
 */

#define IX_EVENT 0x31
#define IX_FILE 0x25
#define IX_KEY 0x2C
#define IX_THREAD 0x08

#define PID_A 1000      /* the file and an event */
#define PID_B 1001      /* the event, the key, the thread */
#define PID_DENIED 1002 /* refuses duplication; holds the file */
#define PID_REUSED 1003 /* its pid now names another process */

#define FT_2020 132223104000000000ull
#define TIMEOUT_MS 300

static struct hl_nt_api fake;
static struct ntp_layout lay;
static HANDLE file, stuck, event, thread, never;
static HKEY key;
static WCHAR key_path[64];
static char file_path[MAX_PATH * 3];
static int with_stuck;
static DWORD last_pid;
static LONG volatile name_queries;

static struct ntp_proc procs[] = {
    {0, 0, NULL, 0, 0},
    {4, 0, "System", 0, 0},
    {PID_A, FT_2020, "a.exe", 0, 0},
    {PID_B, FT_2020 + 1, "b.exe", 0, 0},
    {PID_DENIED, FT_2020 + 2, "d.exe", 0, 0},
    {PID_REUSED, FT_2020 + 3, "r.exe", 0, 0},
    {0, FT_2020 + 4, "hleak-test.exe", 0, 0}, /* this process */
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

static size_t handles(struct ntb_handle *h)
{
    size_t n = 0;

#define ADD(p, hv, ix)                                                     \
    do {                                                                   \
        memset(&h[n], 0, sizeof(h[n]));                                    \
        h[n].pid = (p);                                                    \
        h[n].value = (uintptr_t)(hv);                                      \
        h[n].access = 0x1F0003;                                            \
        h[n].type = (ix);                                                  \
        n++;                                                               \
    } while (0)
    ADD(PID_A, file, IX_FILE);
    ADD(PID_A, event, IX_EVENT);
    if (with_stuck)
        ADD(PID_A, stuck, IX_FILE);
    ADD(PID_B, event, IX_EVENT);
    ADD(PID_B, key, IX_KEY);
    ADD(PID_B, thread, IX_THREAD);
    ADD(PID_DENIED, file, IX_FILE);
    ADD(PID_REUSED, event, IX_EVENT);
    ADD(GetCurrentProcessId(), event, IX_EVENT);
#undef ADD
    return n;
}

static NTSTATUS NTAPI f_qsi(ULONG cls, void *buf, ULONG len, ULONG *ret_len)
{
    struct ntb_handle h[16];

    if (cls == HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION)
        return ntf_answer_handles(ntb_native(), 1, h, handles(h), buf, len,
                                  ret_len);
    if (cls == HL_NT_SYSTEM_PROCESS_INFORMATION)
        return (NTSTATUS)ntp_answer(ntb_native(), &lay, procs, NPROCS, buf,
                                    len, (uint32_t *)ret_len);
    return ntf_real->query_system_information(cls, buf, len, ret_len);
}

/* Class 3 with made-up indexes; class 1 counted, and for the stuck file
 * never answered (a wait on an event nobody sets). */
static NTSTATUS NTAPI f_query_object(HANDLE h, ULONG cls, void *buf,
                                     ULONG len, ULONG *ret_len)
{
    static const struct ntf_type types[] = {{L"Key", IX_KEY},
                                            {L"File", IX_FILE},
                                            {L"Event", IX_EVENT},
                                            {L"Thread", IX_THREAD}};

    if (cls == HL_NT_OBJECT_NAME_INFORMATION) {
        uint16_t w[512];
        size_t n = 0;

        InterlockedIncrement(&name_queries);
        if (ntf_real_string(h, cls, w, 511, &n) == STATUS_SUCCESS) {
            w[n] = 0;
            if (wcsstr((const WCHAR *)w, L"hl-find-stuck") != NULL)
                WaitForSingleObject(never, INFINITE);
        }
        return ntf_query_object(h, cls, buf, len, ret_len);
    }
    if (cls != HL_NT_OBJECT_TYPES_INFORMATION)
        return ntf_query_object(h, cls, buf, len, ret_len);
    return ntf_answer_types(types, 4, buf, len, ret_len);
}

static HANDLE WINAPI f_open_process(DWORD access, BOOL inherit, DWORD pid)
{
    last_pid = pid;
    if (pid == PID_DENIED) {
        SetLastError(ERROR_ACCESS_DENIED);
        return NULL;
    }
    return ntf_real->open_process(access, inherit, GetCurrentProcessId());
}

/* Each made-up process started when the list says, but PID_REUSED. */
static BOOL WINAPI f_times(HANDLE proc, FILETIME *created, FILETIME *exited,
                           FILETIME *kernel, FILETIME *user)
{
    BOOL ok = ntf_real->get_process_times(proc, created, exited, kernel,
                                          user);
    uint64_t t = FT_2020 + (last_pid - PID_A) + (last_pid == PID_REUSED);

    created->dwLowDateTime = (DWORD)t;
    created->dwHighDateTime = (DWORD)(t >> 32);
    return ok;
}

static HANDLE temp_file(const char *stem, char *path_out)
{
    WCHAR dir[MAX_PATH], path[MAX_PATH + 64];
    HANDLE h;

    assert_true(GetTempPathW(MAX_PATH, dir) > 0);
    swprintf(path, MAX_PATH + 64, L"%lshl-find-%hs-%lu.txt", dir, stem,
             (unsigned long)GetCurrentProcessId());
    h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    if (path_out != NULL)
        assert_true(WideCharToMultiByte(CP_UTF8, 0, path, -1, path_out,
                                        MAX_PATH * 3, NULL, NULL) > 0);
    return h;
}

static int setup(void **state)
{
    WCHAR ev[64];

    (void)state;
    ntf_init();
    fake = *ntf_real;
    fake.rtl_get_version = ntf_version_win10;
    fake.query_system_information = f_qsi;
    fake.query_object = f_query_object;
    fake.open_process = f_open_process;
    fake.get_process_times = f_times;
    lay = *ntp_native();
    procs[NPROCS - 1].pid = GetCurrentProcessId();
    with_stuck = 0;
    name_queries = 0;
    file = temp_file("file", file_path);
    stuck = temp_file("stuck", NULL);
    swprintf(ev, 64, L"hl-find-ev-%lu", (unsigned long)GetCurrentProcessId());
    event = CreateEventW(NULL, TRUE, FALSE, ev);
    never = CreateEventW(NULL, TRUE, FALSE, NULL);
    thread = OpenThread(THREAD_QUERY_LIMITED_INFORMATION, FALSE,
                        GetCurrentThreadId());
    swprintf(key_path, 64, L"Software\\hl-find-key-%lu",
             (unsigned long)GetCurrentProcessId());
    assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER, key_path, 0, NULL, 0,
                                     KEY_READ, NULL, &key, NULL),
                     ERROR_SUCCESS);
    assert_non_null(event);
    assert_non_null(never);
    assert_non_null(thread);
    hl__nt_set(&fake);
    return 0;
}

static int teardown(void **state)
{
    ntf_teardown(state);
    CloseHandle(file);
    CloseHandle(stuck);
    CloseHandle(event);
    CloseHandle(never);
    CloseHandle(thread);
    RegCloseKey(key);
    RegDeleteKeyW(HKEY_CURRENT_USER, key_path);
    return 0;
}

/* The search for pattern (of the types given, none: the defaults). */
static struct hl_find *search(const char *pattern, const char *const *types,
                              size_t ntypes)
{
    struct hl_system *sys = NULL;
    struct hl_find *f = NULL;
    struct hl_find_opts o;

    memset(&o, 0, sizeof(o));
    o.pattern = pattern;
    o.types = types;
    o.ntypes = ntypes;
    o.name_timeout_ms = TIMEOUT_MS;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_equal(hl_system_find(sys, &o, &f, NULL), 0);
    hl_system_free(sys);
    return f;
}

static void test_friendly_name(void **state)
{
    struct hl_find *f;

    (void)state;
    /* the whole DOS path, no wildcard: matched where it appears */
    f = search(file_path, NULL, 0);
    assert_int_equal(hl_find_count(f), 1);
    assert_int_equal(hl_find_pid(f, 0), PID_A);
    assert_string_equal(hl_find_image(f, 0), "a.exe");
    assert_int_equal(hl_find_value(f, 0), (uintptr_t)file);
    assert_string_equal(hl_find_type(f, 0), "File");
    assert_int_equal(hl_find_access(f, 0), 0x1F0003);
    assert_true(hl__ascii_caseeq(hl_find_name(f, 0), file_path));
    /* \Device\HarddiskVolume1\... on Windows, \??\C:\... under Wine */
    assert_non_null(strstr(hl_find_nt_name(f, 0), "\\hl-find-file-"));
    assert_true(strcmp(hl_find_nt_name(f, 0), hl_find_name(f, 0)) != 0);
    /* PID_DENIED holds it too, but could not be searched: counted */
    assert_int_equal(hl_find_nrefused(f), 1);
    assert_int_equal(hl_find_refused_pid(f, 0), PID_DENIED);
    assert_string_equal(hl_find_refused_image(f, 0), "d.exe");
    assert_int_equal(hl_find_refused_handles(f, 0), 1);
    assert_int_equal(hl_find_refused_why(f, 0), HL_ACCESS_DENIED);
    /* PID_REUSED is another process now: not searched, not matched */
    assert_int_equal(hl_find_exited(f), 1);
    assert_int_equal(hl_find_searched(f), 2);
    hl_find_free(f);
}

static void test_nt_name_glob(void **state)
{
    struct hl_find *f;
    char *nt;

    (void)state;
    f = search(file_path, NULL, 0);
    assert_int_equal(hl_find_count(f), 1);
    nt = hl__strdup(hl_find_nt_name(f, 0));
    assert_non_null(nt);
    hl_find_free(f);
    /* the NT name alone (a glob of itself under Wine, whose "\\??\\"
     * holds wildcards): the friendly name differs */
    f = search(nt, NULL, 0);
    hl__free(nt);
    assert_int_equal(hl_find_count(f), 1);
    assert_int_equal(hl_find_pid(f, 0), PID_A);
    hl_find_free(f);
    f = search("*\\HL-FIND-FILE-*.TXT", NULL, 0);
    assert_int_equal(hl_find_count(f), 1);
    hl_find_free(f);
    /* a glob matches whole names: a part of one matches nothing */
    f = search("hl-find-file-*", NULL, 0);
    assert_int_equal(hl_find_count(f), 0);
    hl_find_free(f);
}

static void test_substring_and_case(void **state)
{
    struct hl_find *f;
    size_t i;

    (void)state;
    /* the event, in both processes that hold it, by pid; not this
     * process's own handle on it */
    f = search("HL-FIND-EV-", NULL, 0);
    assert_int_equal(hl_find_count(f), 2);
    assert_int_equal(hl_find_pid(f, 0), PID_A);
    assert_int_equal(hl_find_pid(f, 1), PID_B);
    for (i = 0; i < 2; i++) {
        assert_string_equal(hl_find_type(f, i), "Event");
        assert_int_equal(hl_find_value(f, i), (uintptr_t)event);
        assert_non_null(strstr(hl_find_nt_name(f, i), "hl-find-ev-"));
    }
    hl_find_free(f);
}

static void test_type_filter(void **state)
{
    static const char *const keys[] = {"key"};
    static const char *const threads[] = {"Thread"};
    struct hl_find *f;

    (void)state;
    /* only the Key handles are named: one query */
    f = search("hl-find", keys, 1);
    assert_int_equal(name_queries, 1);
    assert_int_equal(hl_find_asked(f), 1);
    assert_int_equal(hl_find_count(f), 1);
    assert_int_equal(hl_find_pid(f, 0), PID_B);
    assert_string_equal(hl_find_type(f, 0), "Key");
    assert_memory_equal(hl_find_name(f, 0), "HKCU\\Software\\hl-find-key-",
                        26);
    assert_int_equal(hl_find_nrefused(f), 0);
    hl_find_free(f);
    /* by default Thread handles are not named (they have no name) */
    name_queries = 0;
    f = search("*", NULL, 0);
    assert_int_equal(hl_find_asked(f), 4);
    hl_find_free(f);
    /* asked for, a thread is found by its label */
    f = search("tid *", threads, 1);
    assert_int_equal(hl_find_count(f), 1);
    assert_int_equal(hl_find_pid(f, 0), PID_B);
    assert_string_equal(hl_find_type(f, 0), "Thread");
    hl_find_free(f);
}

static void test_timeout_does_not_hang(void **state)
{
    unsigned before = wu_count_own_handles(WU_PROBE_ALL);
    ULONGLONG t0;
    struct hl_find *f;

    (void)state;
    with_stuck = 1;
    t0 = GetTickCount64();
    f = search("hl-find-", NULL, 0);
    t0 = GetTickCount64() - t0;
    print_message("search with a stuck name query: %lu ms (bound %u ms)\n",
                  (unsigned long)t0, TIMEOUT_MS);
    assert_true(t0 >= TIMEOUT_MS);
    assert_true(t0 < 5000);
    assert_int_equal(hl_find_timeouts(f), 1);
    /* the others are found all the same: file, event x2, key */
    assert_int_equal(hl_find_count(f), 4);
    hl_find_free(f);
    /* every duplicate and process handle closed, the stuck worker's too */
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
}

/* A whole-system take with names (`snapshot --all --names`): each
 * process's named handles, and what became of those that could not be
 * named; through the file and back unchanged. */
static void test_system_names(void **state)
{
    unsigned before = wu_count_own_handles(WU_PROBE_ALL);
    struct hl_system *sys = NULL, *back = NULL;
    unsigned char *buf;
    uint64_t asked, timeouts;
    uint32_t why;
    size_t a, b, k, len, keys = 0;

    (void)state;
    with_stuck = 1;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_false(hl_system_has_names(sys));
    assert_int_equal(hl_system_read_names(sys, TIMEOUT_MS, 2, 0), 0);
    assert_true(hl_system_has_names(sys));
    a = ntp_index(sys, PID_A);
    b = ntp_index(sys, PID_B);
    /* a.exe: the file and the event named, the stuck file timed out */
    assert_int_equal(hl_system_names(sys, a, NULL, &asked, &timeouts),
                     HL_SYSTEM_NAMES_READ);
    assert_true(asked == 3 && timeouts == 1);
    assert_int_equal(hl_system_name_count(sys, a), 2);
    assert_true(hl_system_name_value(sys, a, 0) <
                hl_system_name_value(sys, a, 1));
    assert_int_equal(hl_system_name_value(sys, a, 0) == (uintptr_t)file ||
                         hl_system_name_value(sys, a, 1) == (uintptr_t)file,
                     1);
    /* b.exe: the event and the key; the thread is no named type */
    assert_int_equal(hl_system_names(sys, b, NULL, &asked, NULL),
                     HL_SYSTEM_NAMES_READ);
    assert_true(asked == 2);
    assert_int_equal(hl_system_name_count(sys, b), 2);
    for (k = 0; k < 2; k++) {
        const char *type = hl_system_type_name(sys,
                                               hl_system_name_type(sys, b, k));

        if (strcmp(type, "Key") == 0)
            assert_memory_equal(hl_system_name(sys, b, k),
                                "HKCU\\Software\\hl-find-key-", 26);
        else
            assert_non_null(strstr(hl_system_name_nt(sys, b, k),
                                   "hl-find-ev-"));
        keys += strcmp(type, "Key") == 0;
    }
    assert_int_equal(keys, 1);
    assert_int_equal(hl_system_names(sys, ntp_index(sys, PID_DENIED), &why,
                                     NULL, NULL),
                     HL_SYSTEM_NAMES_REFUSED);
    assert_int_equal(why, HL_ACCESS_DENIED);
    assert_int_equal(hl_system_names(sys, ntp_index(sys, PID_REUSED), NULL,
                                     NULL, NULL),
                     HL_SYSTEM_NAMES_EXITED);
    /* System holds none of the named types; this process is passed over */
    assert_int_equal(hl_system_names(sys, ntp_index(sys, 4), NULL, NULL, NULL),
                     HL_SYSTEM_NAMES_NONE);
    assert_int_equal(hl_system_names(sys,
                                     ntp_index(sys, GetCurrentProcessId()),
                                     NULL, NULL, NULL),
                     HL_SYSTEM_NAMES_NONE);
    /* asked again: nothing changes */
    assert_int_equal(hl_system_read_names(sys, TIMEOUT_MS, 2, 0), 0);
    assert_int_equal(hl_system_name_count(sys, a), 2);
    assert_int_equal(hl__syssnap_encode(sys, &buf, &len), 0);
    assert_int_equal(hl__syssnap_decode(buf, len, &back, NULL), 0);
    hl__free(buf);
    assert_true(hl_system_has_names(back));
    assert_int_equal(hl_system_name_count(back, b), 2);
    assert_string_equal(hl_system_name(back, b, 1), hl_system_name(sys, b, 1));
    assert_string_equal(hl_system_name_nt(back, a, 0),
                        hl_system_name_nt(sys, a, 0));
    /* a view read from a file has no handles left to name */
    hl_system_free(sys);
    sys = back;
    sys->flags = 0;
    assert_int_equal(hl_system_read_names(sys, 0, 0, 0), HL_EINVAL);
    assert_int_equal(hl_system_read_names(NULL, 0, 0, 0), HL_EINVAL);
    hl_system_free(sys);
    /* every duplicate and process handle closed */
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);
}

/* `hleak find ARGS...` as the command runs it (cmd_find); its exit
 * status, and the time it took into *ms. args ends with NULL. */
static int find_cmd(ULONGLONG *ms, const char *const *args)
{
    char *argv[16];
    int argc = 0, rc;
    ULONGLONG t0 = GetTickCount64();

    argv[argc++] = (char *)"find";
    while (*args != NULL && argc < 15)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    rc = cmd_find(argc, argv);
    fflush(stdout);
    *ms = GetTickCount64() - t0;
    return rc;
}

/* The command's --timeout reaches the name workers: a query that never
 * returns ends after 200 ms, well before the default 1 s; its handle is
 * not taken for a non-match: with nothing else matching, exit 4, not 1. */
static void test_cmd_timeout_is_no_non_match(void **state)
{
    static const char *const stuck_only[] = {
        "--timeout", "200", "--type", "File", "hl-find-stuck", NULL};
    static const char *const with_others[] = {
        "--timeout", "200", "--threads", "3", "--json", "hl-find-", NULL};
    ULONGLONG ms;
    int rc;

    (void)state;
    with_stuck = 1;
    rc = find_cmd(&ms, stuck_only);
    print_message("find --timeout 200 with a stuck query: exit %d in %lu "
                  "ms\n", rc, (unsigned long)ms);
    assert_int_equal(rc, 4);
    assert_true(ms >= 200);
    assert_true(ms < 1000);
    /* matches found beside the stuck one: exit 0, the timeout reported */
    assert_int_equal(find_cmd(&ms, with_others), 0);
    /* nothing stuck, nothing matching: "not found" can be said */
    with_stuck = 0;
    assert_int_equal(find_cmd(&ms, stuck_only), 1);
}

/* The command's --deadline ends a search stuck past it: exit 3, no
 * result, after about the deadline (the query's own timeout is 60 s). */
static void test_cmd_deadline(void **state)
{
    static const char *const args[] = {"--timeout", "60000", "--deadline",
                                       "1", "--json", "hl-find-", NULL};
    ULONGLONG ms;
    int rc;

    (void)state;
    with_stuck = 1;
    rc = find_cmd(&ms, args);
    print_message("find --deadline 1 with a stuck query: exit %d in %lu "
                  "ms\n", rc, (unsigned long)ms);
    assert_int_equal(rc, 3);
    assert_true(ms >= 1000);
    assert_true(ms < 10000);
}

static void test_bad_args(void **state)
{
    struct hl_system *sys = NULL;
    struct hl_find *f = (struct hl_find *)&f;
    struct hl_find_opts o;

    (void)state;
    memset(&o, 0, sizeof(o));
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_equal(hl_system_find(sys, &o, &f, NULL), HL_EINVAL);
    assert_null(f);
    assert_int_equal(hl_system_find(NULL, &o, &f, NULL), HL_EINVAL);
    hl_system_free(sys);
    assert_true(hl_capabilities() & HL_CAP_FIND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_friendly_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nt_name_glob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_substring_and_case, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_type_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_does_not_hang, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_system_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_timeout_is_no_non_match,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
