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
#include "hleak/system.h"
#include "ntbytes.h"
#include "ntfake.h"
#include "ntprocs.h"
#include "win/win-int.h"

/*
 * The whole-system view (hleak/system.h) on NT answers that are only
 * bytes: the handle list (class 64), the process list (class 5, ntprocs.c)
 * and the type list (class 3), in this build's documented layout (x64 in
 * the win64 build, x86 in win32). Processes and handles are made up; only
 * the GUI case opens a real process (this one).
 */

#define IX_EVENT 0x31
#define IX_FILE 0x25
#define IX_KEY 0x2C
#define IX_NONAME 0x40 /* in no type list */

#define PID_A 1000
#define PID_B 1001
#define PID_LATE 1002  /* started after the handle list was read */
#define PID_GONE 999   /* in the handle list, exited before class 5 */
#define PID_GUI 1004

/* 2020-01-01 and 2100-01-01 as FILETIMEs */
#define FT_2020 132223104000000000ull
#define FT_2100 157469184000000000ull

static struct hl_nt_api fake;
static struct ntp_layout lay;
static int calls64, calls5;
static size_t extra;       /* Event handles of PID_A beyond the base list */
static size_t grow_by;     /* added to extra by each class-64 call */
static NTSTATUS fail64;    /* class 64 answers this when set */
static int short_next;     /* the first entry's NextEntryOffset is 4 */
static uint64_t gui_start; /* what GetProcessTimes says for PID_GUI */

static struct ntp_proc procs[] = {
    {0, 0, NULL, 0, 0},
    {4, 0, "System", 1234, 0},
    {PID_A, FT_2020, "a.exe", 0, 0},
    {PID_B, FT_2020 + 1, "B.exe", 7, 1},
    {PID_LATE, FT_2100, "late.exe", 0, 0},
    {PID_GUI, FT_2020 + 2, "gui.exe", 0, 0},
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

static const struct ntb_handle base[] = {
    {0, 4, 0x4, 0x1F0001, IX_KEY, 0, 0, 0},
    {0, PID_GONE, 0x8, 0x1, IX_EVENT, 0, 0, 0},
    {0, PID_A, 0x10, 0x1F0003, IX_EVENT, 0, 0, 0},
    {0, PID_A, 0x14, 0x1F0003, IX_EVENT, 0, 0, 0},
    {0, PID_A, 0x18, 0x120089, IX_FILE, 2, 0, 0},
    {0, PID_B, 0x4, 0x20019, IX_KEY, 0, 0, 0},
    {0, PID_B, 0x8, 0x1, IX_NONAME, 0, 0, 0},
    {0, PID_LATE, 0x4, 0x1, IX_EVENT, 0, 0, 0},
    {0, PID_GUI, 0x4, 0x1, IX_FILE, 0, 0, 0},
};
#define NBASE (sizeof(base) / sizeof(base[0]))

static NTSTATUS answer64(void *buf, ULONG len, ULONG *ret_len)
{
    size_t n = NBASE + extra, i;
    struct ntb_handle *all = calloc(n, sizeof(*all));
    NTSTATUS st;

    assert_non_null(all);
    memcpy(all, base, sizeof(base));
    for (i = NBASE; i < n; i++) {
        all[i].pid = PID_A;
        all[i].value = 0x1000 + 4 * i;
        all[i].type = IX_EVENT;
    }
    st = ntf_answer_handles(ntb_native(), 1, all, n, buf, len, ret_len);
    free(all);
    return st;
}

static NTSTATUS NTAPI f_qsi(ULONG cls, void *buf, ULONG len, ULONG *ret_len)
{
    NTSTATUS st;

    if (cls == HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION) {
        calls64++;
        if (fail64 != 0)
            return fail64;
        st = answer64(buf, len, ret_len);
        /* the list grows once, between this answer and the next call */
        extra += grow_by;
        grow_by = 0;
        return st;
    }
    if (cls == HL_NT_SYSTEM_PROCESS_INFORMATION) {
        calls5++;
        st = (NTSTATUS)ntp_answer(ntb_native(), &lay, procs, NPROCS, buf, len,
                                  (uint32_t *)ret_len);
        if (st == STATUS_SUCCESS && short_next) {
            uint32_t four = 4; /* little-endian, as every target is */

            memcpy((unsigned char *)buf + lay.next, &four, 4);
        }
        return st;
    }
    return ntf_real->query_system_information(cls, buf, len, ret_len);
}

/* Class 3: Event, File and Key at made-up indexes. */
static NTSTATUS NTAPI f_query_object(HANDLE h, ULONG cls, void *buf,
                                     ULONG len, ULONG *ret_len)
{
    static const struct ntf_type types[] = {
        {L"Key", IX_KEY}, {L"File", IX_FILE}, {L"Event", IX_EVENT}};

    if (cls != HL_NT_OBJECT_TYPES_INFORMATION)
        return ntf_real->query_object(h, cls, buf, len, ret_len);
    return ntf_answer_types(types, 3, buf, len, ret_len);
}

/* Only PID_GUI opens (as this process, for real calls on it). */
static HANDLE WINAPI f_open_process(DWORD access, BOOL inherit, DWORD pid)
{
    if (pid == PID_GUI)
        return ntf_real->open_process(access, inherit, GetCurrentProcessId());
    SetLastError(ERROR_ACCESS_DENIED);
    return NULL;
}

static BOOL WINAPI f_times(HANDLE proc, FILETIME *created, FILETIME *exited,
                           FILETIME *kernel, FILETIME *user)
{
    BOOL ok = ntf_real->get_process_times(proc, created, exited, kernel,
                                          user);

    created->dwLowDateTime = (DWORD)gui_start;
    created->dwHighDateTime = (DWORD)(gui_start >> 32);
    return ok;
}

static DWORD WINAPI f_gui(HANDLE proc, DWORD what)
{
    (void)proc;
    SetLastError(ERROR_SUCCESS);
    return what == 0 ? 7 : what == 1 ? 9 : 11;
}

static BOOL WINAPI f_session(DWORD pid, DWORD *session)
{
    (void)pid;
    *session = 1;
    return TRUE;
}

static int setup(void **state)
{
    (void)state;
    ntf_init();
    fake = *ntf_real;
    fake.rtl_get_version = ntf_version_win10;
    fake.query_system_information = f_qsi;
    fake.query_object = f_query_object;
    fake.open_process = f_open_process;
    fake.get_process_times = f_times;
    fake.get_gui_resources = f_gui;
    fake.process_id_to_session_id = f_session;
    lay = *ntp_native();
    calls64 = calls5 = 0;
    extra = grow_by = 0;
    fail64 = 0;
    short_next = 0;
    gui_start = FT_2020 + 2;
    hl__nt_set(&fake);
    return 0;
}


static uint64_t type_count(const struct hl_system *sys, size_t i,
                           const char *type)
{
    size_t t;

    for (t = 0; t < hl_system_ntypes(sys); t++)
        if (strcmp(hl_system_type_name(sys, t), type) == 0)
            return hl_system_type_count(sys, i, t);
    fail_msg("type %s not listed", type);
    return 0;
}

static void test_counts(void **state)
{
    struct hl_system *sys = NULL;
    size_t a, i;
    uint32_t gdi, user;

    (void)state;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_equal(calls64, 1);
    assert_int_equal(calls5, 1);
    /* the process list's processes, by pid; PID_GONE is not one */
    assert_int_equal(hl_system_count(sys), NPROCS);
    for (i = 1; i < NPROCS; i++)
        assert_true(hl_system_pid(sys, i - 1) < hl_system_pid(sys, i));
    a = ntp_index(sys, PID_A);
    assert_string_equal(hl_system_image(sys, a), "a.exe");
    assert_int_equal(hl_system_start_time(sys, a), FT_2020);
    assert_int_equal(hl_system_handles(sys, a), 3);
    assert_int_equal(hl_system_reported_handles(sys, a), 0);
    assert_int_equal(type_count(sys, a, "Event"), 2);
    assert_int_equal(type_count(sys, a, "File"), 1);
    assert_int_equal(type_count(sys, a, "Key"), 0);
    /* the count is the handle list's, not the process list's 1234 */
    i = ntp_index(sys, 4);
    assert_int_equal(hl_system_handles(sys, i), 1);
    assert_int_equal(hl_system_reported_handles(sys, i), 1234);
    assert_int_equal(hl_system_start_time(sys, i), 0);
    /* no handles listed: a true 0 */
    i = ntp_index(sys, 0);
    assert_int_equal(hl_system_handles(sys, i), 0);
    assert_string_equal(hl_system_image(sys, i), "");
    /* started after the list was read: unknown, not 0 or 1 */
    i = ntp_index(sys, PID_LATE);
    assert_true(hl_system_handles(sys, i) == HL_SYSTEM_UNKNOWN);
    assert_true(type_count(sys, i, "Event") == HL_SYSTEM_UNKNOWN);
    /* an index no type list names, and an image name outside the answer */
    i = ntp_index(sys, PID_B);
    assert_int_equal(type_count(sys, i, "(type 64)"), 1);
    assert_string_equal(hl_system_image(sys, i), "");
    /* by name */
    assert_int_equal(hl_system_ntypes(sys), 4);
    assert_string_equal(hl_system_type_name(sys, 0), "(type 64)");
    assert_string_equal(hl_system_type_name(sys, 1), "Event");
    assert_string_equal(hl_system_type_name(sys, 3), "Key");
    /* not asked */
    assert_int_equal(
        hl_system_gui(sys, ntp_index(sys, PID_GUI), &gdi, &user), 0);
    assert_true(hl_system_time(sys) > FT_2020 &&
                hl_system_time(sys) < FT_2100);
    hl_system_free(sys);
}

static void test_growth(void **state)
{
    struct hl_system *sys = NULL;

    (void)state;
    /* past the first 1 MiB, then more again before the second call */
    extra = 40000;
    grow_by = 20000;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_equal(calls64, 3);
    assert_int_equal(hl_system_handles(sys, ntp_index(sys, PID_A)), 60003);
    assert_int_equal(type_count(sys, ntp_index(sys, PID_A), "Event"), 60002);
    hl_system_free(sys);
}

static void test_refused(void **state)
{
    struct hl_system *sys = (void *)1;
    struct hl_diag diag;

    (void)state;
    memset(&diag, 0, sizeof(diag));
    fail64 = STATUS_ACCESS_DENIED;
    assert_int_equal(hl_system_take(0, &sys, &diag), HL_EACCES);
    assert_null(sys);
    assert_string_equal(diag.call, "NtQuerySystemInformation");
    assert_int_equal(diag.status, (uint32_t)STATUS_ACCESS_DENIED);
    assert_int_equal(calls5, 0);
}

static void test_short_entry(void **state)
{
    struct hl_system *sys = NULL;

    (void)state;
    /* an entry shorter than its header ends the walk there */
    short_next = 1;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_equal(hl_system_count(sys), 1);
    assert_int_equal(hl_system_pid(sys, 0), 0);
    hl_system_free(sys);
}

static void test_gui(void **state)
{
    struct hl_system *sys = NULL;
    uint32_t gdi = 0, user = 0;

    (void)state;
    assert_int_equal(hl_system_take(HL_SYSTEM_GUI, &sys, NULL), 0);
    assert_int_equal(
        hl_system_gui(sys, ntp_index(sys, PID_GUI), &gdi, &user), 1);
    assert_int_equal(gdi, 7);
    assert_int_equal(user, 9);
    /* refused to open: unknown, its handles still counted */
    assert_int_equal(
        hl_system_gui(sys, ntp_index(sys, PID_A), &gdi, &user), 0);
    assert_int_equal(hl_system_handles(sys, ntp_index(sys, PID_A)), 3);
    hl_system_free(sys);
    /* the pid names another process by now: not its counts */
    gui_start = FT_2020 + 99;
    assert_int_equal(hl_system_take(HL_SYSTEM_GUI, &sys, NULL), 0);
    assert_int_equal(
        hl_system_gui(sys, ntp_index(sys, PID_GUI), &gdi, &user), 0);
    hl_system_free(sys);
}

/* The fixture written with one field moved must be misread: these tests
 * would see a wrong offset in nt.h. */
static void test_moved_fields(void **state)
{
    struct hl_system *sys = NULL;

    (void)state;
    lay.pid += sizeof(void *);
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_not_equal(hl_system_pid(sys, hl_system_count(sys) - 1),
                         PID_GUI);
    hl_system_free(sys);
    lay = *ntp_native();
    lay.create += 8;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_not_equal(hl_system_start_time(sys, ntp_index(sys, PID_A)),
                         FT_2020);
    hl_system_free(sys);
    lay = *ntp_native();
    lay.handles += 4;
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    assert_int_not_equal(hl_system_reported_handles(sys, ntp_index(sys, 4)),
                         1234);
    hl_system_free(sys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_growth, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_short_entry, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_gui, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_moved_fields, setup, ntf_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
