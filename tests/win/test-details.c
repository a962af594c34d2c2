/*
 * snapshot --details through the injected NT table: for each kind the
 * fake answers a buffer laid out byte by byte at the documented offsets
 * (phnt's and the SDK's structures, this build's pointer size), never
 * with the collector's own structures, and the snapshot must hold
 * exactly the decoded values; a refused or failing query must read
 * "unknown", never fail the snapshot. The objects are this process's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <windows.h>

#include <sddl.h>

#include "core-int.h"
#include "details.h"
#include "ntfake.h"
#include "snapshot-int.h"
#include "winutil.h"

#define PTR ((size_t)sizeof(void *))

static struct hl_nt_api fake;
static NTSTATUS deny;   /* != 0: every detail query answers this */
static int file_calls;  /* File detail queries made */
static uint32_t sec_attrs; /* the Section's AllocationAttributes */

static void put32(void *buf, size_t off, uint32_t v)
{
    hl__put_le32((unsigned char *)buf + off, v);
}

static void put64(void *buf, size_t off, uint64_t v)
{
    hl__put_le64((unsigned char *)buf + off, v);
}

static void put_ptr(void *buf, size_t off, uint64_t v)
{
    if (PTR == 8)
        put64(buf, off, v);
    else
        put32(buf, off, (uint32_t)v);
}

/* The start of every fake answer: the class it answers (else
 * STATUS_INVALID_INFO_CLASS), the refusal when set, the size, then len
 * bytes of a pattern: a field the collector reads that the answer did not
 * set shows as garbage. 0 when the caller is to fill in the fields. */
static NTSTATUS answer(ULONG cls, ULONG want, void *buf, ULONG len,
                       ULONG need, ULONG *ret)
{
    if (cls != want)
        return STATUS_INVALID_INFO_CLASS;
    if (deny != 0)
        return deny;
    if (ret != NULL)
        *ret = need;
    if (len < need)
        return STATUS_INFO_LENGTH_MISMATCH;
    memset(buf, 0xA5, len);
    return STATUS_SUCCESS;
}

/* OBJECT_BASIC_INFORMATION: HandleCount @8, PointerCount @12, 56 bytes */
static NTSTATUS NTAPI fake_query_object(HANDLE h, ULONG cls, void *buf,
                                        ULONG len, ULONG *ret)
{
    NTSTATUS st;

    if (cls != HL_NT_OBJECT_BASIC_INFORMATION)
        return ntf_query_object(h, cls, buf, len, ret);
    st = answer(cls, cls, buf, len, 56, ret);
    if (st == 0) {
        memset(buf, 0, 56);
        put32(buf, 8, 5);
        put32(buf, 12, 65539);
    }
    return st;
}

/* EVENT_BASIC_INFORMATION: EventType @0, EventState @4 */
static NTSTATUS NTAPI fake_event(HANDLE h, ULONG cls, void *buf, ULONG len,
                                 ULONG *ret)
{
    NTSTATUS st = answer(cls, 0, buf, len, 8, ret);

    (void)h;
    if (st == 0)
        put64(buf, 0, (uint64_t)1 << 32); /* type 0, state 1 */
    return st;
}

/* MUTANT_BASIC_INFORMATION: CurrentCount @0, OwnedByCaller @4,
 * AbandonedState @5; MUTANT_OWNER_INFORMATION (class 1): CLIENT_ID, pid
 * @0 and tid @PTR */
static NTSTATUS NTAPI fake_mutant(HANDLE h, ULONG cls, void *buf, ULONG len,
                                  ULONG *ret)
{
    NTSTATUS st;

    (void)h;
    if (cls > 1)
        return STATUS_INVALID_INFO_CLASS;
    st = answer(cls, cls, buf, len, cls == 1 ? (ULONG)(2 * PTR) : 8, ret);
    if (st == 0 && cls == 0) {
        put32(buf, 0, (uint32_t)-2);
        put32(buf, 4, 0x0101); /* owned by caller, abandoned */
    } else if (st == 0) {
        put_ptr(buf, 0, 4321);
        put_ptr(buf, PTR, 8765);
    }
    return st;
}

/* SEMAPHORE_BASIC_INFORMATION: CurrentCount @0, MaximumCount @4 */
static NTSTATUS NTAPI fake_semaphore(HANDLE h, ULONG cls, void *buf,
                                     ULONG len, ULONG *ret)
{
    NTSTATUS st = answer(cls, 0, buf, len, 8, ret);

    (void)h;
    if (st == 0)
        put64(buf, 0, ((uint64_t)9 << 32) | 3);
    return st;
}

/* TIMER_BASIC_INFORMATION: RemainingTime @0 (8), TimerState @8, 16 */
static NTSTATUS NTAPI fake_timer(HANDLE h, ULONG cls, void *buf, ULONG len,
                                 ULONG *ret)
{
    NTSTATUS st = answer(cls, 0, buf, len, 16, ret);

    (void)h;
    if (st == 0) {
        put64(buf, 0, 0);
        ((unsigned char *)buf)[8] = 1;
    }
    return st;
}

/* KEY_BASIC_INFORMATION: LastWriteTime @0, TitleIndex @8, NameLength @12,
 * Name @16 */
static NTSTATUS NTAPI fake_key(HANDLE h, ULONG cls, void *buf, ULONG len,
                               ULONG *ret)
{
    NTSTATUS st = answer(cls, 0, buf, len, 18, ret);

    (void)h;
    if (st == 0) {
        put64(buf, 0, 134406676530000000ull);
        put64(buf, 8, (uint64_t)2 << 32); /* TitleIndex 0, NameLength 2 */
        ((unsigned char *)buf)[16] = 'k';
        ((unsigned char *)buf)[17] = 0;
    }
    return st;
}

/* SECTION_BASIC_INFORMATION: BaseAddress @0, AllocationAttributes @PTR,
 * MaximumSize @2*PTR (x64 16, x86 8), 24 or 16 bytes */
static NTSTATUS NTAPI fake_section(HANDLE h, ULONG cls, void *buf, SIZE_T len,
                                   SIZE_T *ret)
{
    ULONG got = 0;
    NTSTATUS st = answer(cls, 0, buf, (ULONG)len, (ULONG)(2 * PTR + 8), &got);

    (void)h;
    if (ret != NULL)
        *ret = got;
    if (st == 0) {
        put_ptr(buf, 0, 0);
        put32(buf, PTR, sec_attrs);
        put64(buf, 2 * PTR, 0x3000);
    }
    return st;
}

/* The Section file-name fakes. map_mode: what NtMapViewOfSection does. */
enum { MAP_ANSWER, MAP_REFUSE, MAP_STUCK };
static int map_mode;
static LONG volatile maps, unmaps; /* views mapped and unmapped */
static SIZE_T view_asked;          /* the last view size asked */
static HANDLE stuck_ev;            /* a stuck map waits on it */
static WCHAR mapped_name[512];     /* the name the query answers */
#define FAKE_VIEW ((void *)(ULONG_PTR)0x7ff10000u)

static NTSTATUS NTAPI fake_map(HANDLE sec, HANDLE proc, void **base,
                               ULONG_PTR zero_bits, SIZE_T commit,
                               LARGE_INTEGER *offset, SIZE_T *view,
                               ULONG inherit, ULONG type, ULONG protect)
{
    (void)sec, (void)zero_bits, (void)commit, (void)offset, (void)type;
    /* hleak's own process, read-only, never the target */
    if (proc != GetCurrentProcess() || protect != PAGE_READONLY ||
        inherit != 2 || *base != NULL)
        return STATUS_INVALID_PARAMETER;
    view_asked = *view;
    if (map_mode == MAP_REFUSE)
        return STATUS_ACCESS_DENIED;
    if (map_mode == MAP_STUCK)
        WaitForSingleObject(stuck_ev, 30000);
    InterlockedIncrement(&maps);
    *base = FAKE_VIEW;
    *view = 4096;
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI fake_unmap(HANDLE proc, void *base)
{
    if (proc != GetCurrentProcess() || base != FAKE_VIEW)
        return STATUS_INVALID_PARAMETER;
    InterlockedIncrement(&unmaps);
    return STATUS_SUCCESS;
}

/* MemoryMappedFilenameInformation (2): UNICODE_STRING Length @0,
 * MaximumLength @2, Buffer @PTR, then the characters at 2*PTR */
static NTSTATUS NTAPI fake_query_vm(HANDLE proc, void *base, ULONG cls,
                                    void *buf, SIZE_T len, SIZE_T *ret)
{
    size_t n = wcslen(mapped_name) * sizeof(WCHAR);
    unsigned char *b = buf;

    if (proc != GetCurrentProcess() || base != FAKE_VIEW || cls != 2)
        return STATUS_INVALID_PARAMETER;
    if (ret != NULL)
        *ret = 2 * PTR + n + 2;
    if (len < 2 * PTR + n + 2)
        return STATUS_BUFFER_OVERFLOW;
    memset(buf, 0xA5, len);
    hl__put_le16(b, (uint16_t)n);
    hl__put_le16(b + 2, (uint16_t)(n + 2));
    put_ptr(buf, PTR, (uint64_t)(ULONG_PTR)(b + 2 * PTR));
    memcpy(b + 2 * PTR, mapped_name, n + 2);
    return STATUS_SUCCESS;
}

/* FILE_FS_DEVICE_INFORMATION: DeviceType @0, Characteristics @4;
 * FILE_MODE_INFORMATION: Mode @0; IO_STATUS_BLOCK: Status @0,
 * Information @PTR */
static NTSTATUS NTAPI fake_file(HANDLE h, struct hl_nt_io_status *io,
                                void *buf, ULONG len, ULONG cls)
{
    (void)h;
    InterlockedIncrement((LONG volatile *)&file_calls);
    if (deny != 0)
        return deny;
    if (cls == HL_NT_FILE_FS_DEVICE_INFORMATION && len >= 8) {
        put32(buf, 0, 0x11);
        put32(buf, 4, 0);
    } else if (cls == HL_NT_FILE_MODE_INFORMATION && len >= 4) {
        put32(buf, 0, 0x20);
    } else {
        return STATUS_INVALID_INFO_CLASS;
    }
    put32(io, 0, 0);
    put_ptr(io, PTR, len);
    return STATUS_SUCCESS;
}

static BOOL WINAPI refuse_token_info(HANDLE token,
                                     TOKEN_INFORMATION_CLASS cls, void *buf,
                                     DWORD len, DWORD *ret)
{
    (void)token, (void)cls, (void)buf, (void)len, (void)ret;
    SetLastError(ERROR_ACCESS_DENIED);
    return FALSE;
}

static int setup(void **state)
{
    (void)state;
    ntf_init();
    fake = *ntf_real;
    fake.query_object = fake_query_object;
    fake.query_event = fake_event;
    fake.query_mutant = fake_mutant;
    fake.query_semaphore = fake_semaphore;
    fake.query_timer = fake_timer;
    fake.query_key = fake_key;
    fake.query_section = fake_section;
    fake.map_view_of_section = fake_map;
    fake.unmap_view_of_section = fake_unmap;
    fake.query_virtual_memory = fake_query_vm;
    map_mode = MAP_REFUSE;
    maps = unmaps = 0;
    view_asked = 1;
    sec_attrs = 0x1800000;
    fake.query_volume_information_file = fake_file;
    fake.query_information_file = fake_file;
    deny = 0;
    file_calls = 0;
    hl__nt_set(&fake);
    return 0;
}

/* This process's objects of each kind. */
struct objects {
    HANDLE ev, mu, sem, timer, sec, file, token;
    HKEY key;
    char path[MAX_PATH];
};

static void open_objects(struct objects *o)
{
    char dir[MAX_PATH];

    o->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    o->mu = CreateMutexW(NULL, FALSE, NULL);
    o->sem = CreateSemaphoreW(NULL, 1, 2, NULL);
    o->timer = CreateWaitableTimerW(NULL, TRUE, NULL);
    o->sec = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                4096, NULL);
    assert_true(GetTempPathA(sizeof(dir), dir) != 0);
    assert_true(GetTempFileNameA(dir, "hld", 0, o->path) != 0);
    o->file = CreateFileA(o->path, GENERIC_READ, FILE_SHARE_READ, NULL,
                          OPEN_EXISTING, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY,
                                 &o->token));
    assert_int_equal(RegOpenKeyExW(HKEY_CURRENT_USER, L"Software", 0,
                                   KEY_READ, &o->key),
                     ERROR_SUCCESS);
    assert_non_null(o->ev);
    assert_non_null(o->mu);
    assert_non_null(o->sem);
    assert_non_null(o->timer);
    assert_non_null(o->sec);
    assert_true(o->file != INVALID_HANDLE_VALUE);
}

static void close_objects(struct objects *o)
{
    CloseHandle(o->ev);
    CloseHandle(o->mu);
    CloseHandle(o->sem);
    CloseHandle(o->timer);
    CloseHandle(o->sec);
    CloseHandle(o->file);
    CloseHandle(o->token);
    RegCloseKey(o->key);
}

/* The details of h in s, which must be there with that kind. */
static const struct hl_details *details_of(const struct hl_snapshot *s,
                                           HANDLE h, uint32_t kind)
{
    const struct hl_handle *e = wu_find(s, h);
    const struct hl_details *d;

    assert_non_null(e);
    d = hl_snapshot_details(s, (size_t)(e - s->handles));
    assert_non_null(d);
    assert_int_equal(d->kind, kind);
    return d;
}

static const char *text_of(const struct hl_snapshot *s, HANDLE h,
                           char *buf, size_t len)
{
    const struct hl_handle *e = wu_find(s, h);

    assert_non_null(e);
    return hl__details_text(s, (size_t)(e - s->handles), buf, len);
}

static int collect(struct hl_snapshot *s, int details)
{
    struct hl_collect_opts o;

    memset(&o, 0, sizeof(o));
    o.details = details;
    return wu_collect_self(&o, s, NULL);
}

/* The user SID of this process's token, asked directly of advapi32. */
static void own_sid(char *out, size_t len)
{
    union {
        TOKEN_USER tu;
        unsigned char b[256];
    } u;
    HANDLE token;
    DWORD got;
    char *str = NULL;

    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    assert_true(GetTokenInformation(token, TokenUser, &u, sizeof(u), &got));
    assert_true(ConvertSidToStringSidA(u.tu.User.Sid, &str));
    snprintf(out, len, "%s", str);
    LocalFree(str);
    CloseHandle(token);
}

static void test_every_kind(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    const struct hl_details *d;
    const struct hl_handle_extra *x;
    char buf[256], sid[200];
    unsigned before;

    (void)state;
    open_objects(&o);
    own_sid(sid, sizeof(sid));
    /* a first collection warms what the system caches for good (account
     * lookups, loaded DLLs: see test-noleak.c) */
    assert_int_equal(collect(&s, 1), 0);
    hl_snapshot_release(&s);
    before = wu_count_own_handles(WU_PROBE_ALL);
    assert_int_equal(collect(&s, 1), 0);
    /* every duplicate closed, nothing else opened */
    assert_int_equal(wu_count_own_handles(WU_PROBE_ALL), before);

    d = details_of(&s, o.ev, HL_DETAILS_EVENT);
    assert_int_equal(d->known, HL_DETAILS_BASIC);
    assert_true(d->a == 0 && d->b == 1);
    assert_string_equal(text_of(&s, o.ev, buf, sizeof(buf)),
                        "notification, signaled");

    d = details_of(&s, o.mu, HL_DETAILS_MUTANT);
    assert_int_equal(d->known, HL_DETAILS_BASIC | HL_DETAILS_MORE);
    assert_true(d->a == -2 && d->b == 1 && d->c == 4321 && d->d == 8765);
    assert_string_equal(text_of(&s, o.mu, buf, sizeof(buf)),
                        "owned by tid 8765 in pid 4321, held 3 times, "
                        "abandoned");

    d = details_of(&s, o.sem, HL_DETAILS_SEMAPHORE);
    assert_true(d->a == 3 && d->b == 9);
    assert_string_equal(text_of(&s, o.sem, buf, sizeof(buf)),
                        "count 3 of 9");

    d = details_of(&s, o.timer, HL_DETAILS_TIMER);
    assert_true(d->known == HL_DETAILS_BASIC && d->b == 1);

    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_true(d->a == 0x3000 && d->b == 0x1800000);
    assert_string_equal(text_of(&s, o.sec, buf, sizeof(buf)),
                        "image, 0x3000 bytes");

    d = details_of(&s, o.file, HL_DETAILS_FILE);
    assert_int_equal(d->known, HL_DETAILS_BASIC | HL_DETAILS_MORE);
    assert_true(d->a == 0x11 && d->b == 0x20);
    assert_string_equal(text_of(&s, o.file, buf, sizeof(buf)),
                        "named pipe, synchronous");
    assert_true(file_calls >= 2);

    d = details_of(&s, (HANDLE)o.key, HL_DETAILS_KEY);
    assert_true(d->a == 134406676530000000ll);

    d = details_of(&s, o.token, HL_DETAILS_TOKEN);
    assert_int_equal(d->known, HL_DETAILS_BASIC);
    assert_string_equal(hl_snapshot_str(&s, d->text), sid);

    /* the counts, our own duplicate left out of the handle count */
    x = hl_snapshot_extra(&s, (size_t)(wu_find(&s, o.ev) - s.handles));
    assert_non_null(x);
    assert_true(x->flags & HL_EXTRA_COUNTS);
    assert_int_equal(x->handle_count, 4);
    assert_int_equal(x->pointer_count, 65539);
    hl_snapshot_release(&s);
    close_objects(&o);
}

/* Without --details nothing is asked and nothing recorded. */
static void test_not_asked(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    const struct hl_handle *e;

    (void)state;
    open_objects(&o);
    assert_int_equal(collect(&s, 0), 0);
    assert_null(s.details);
    e = wu_find(&s, o.ev);
    assert_non_null(e);
    assert_null(hl_snapshot_extra(&s, (size_t)(e - s.handles)));
    assert_int_equal(file_calls, 0);
    hl_snapshot_release(&s);
    close_objects(&o);
}

/* Every detail query refused: each reads "unknown", the snapshot is
 * taken, and no counts are claimed. */
static void test_denied(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    char buf[64];
    HANDLE hs[7];
    size_t k;

    (void)state;
    open_objects(&o);
    deny = STATUS_ACCESS_DENIED;
    fake.get_token_information = refuse_token_info;
    assert_int_equal(collect(&s, 1), 0);
    hs[0] = o.ev, hs[1] = o.mu, hs[2] = o.sem, hs[3] = o.sec;
    hs[4] = o.file, hs[5] = (HANDLE)o.key, hs[6] = o.token;
    for (k = 0; k < 7; k++) {
        const struct hl_handle *e = wu_find(&s, hs[k]);
        const struct hl_handle_extra *x;

        assert_string_equal(text_of(&s, hs[k], buf, sizeof(buf)), "unknown");
        x = hl_snapshot_extra(&s, (size_t)(e - s.handles));
        assert_true(x == NULL || (x->flags & HL_EXTRA_COUNTS) == 0);
    }
    hl_snapshot_release(&s);
    close_objects(&o);
}

/* ntdll without the detail calls (an older or a stripped one): unknown,
 * no crash. */
static void test_missing_calls(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    char buf[64];

    (void)state;
    open_objects(&o);
    fake.query_event = fake.query_mutant = fake.query_semaphore = NULL;
    fake.query_timer = fake.query_key = NULL;
    fake.query_section = NULL;
    fake.query_volume_information_file = fake.query_information_file = NULL;
    assert_int_equal(collect(&s, 1), 0);
    assert_string_equal(text_of(&s, o.ev, buf, sizeof(buf)), "unknown");
    assert_string_equal(text_of(&s, o.sec, buf, sizeof(buf)), "unknown");
    assert_string_equal(text_of(&s, o.file, buf, sizeof(buf)), "unknown");
    hl_snapshot_release(&s);
    close_objects(&o);
}

/* OBJECT_BASIC_INFORMATION as the system answers it: its HandleCount is
 * every handle open to the object at the moment of the query, hleak's
 * own duplicates included. */
static NTSTATUS NTAPI live_query_object(HANDLE h, ULONG cls, void *buf,
                                        ULONG len, ULONG *ret)
{
    return ntf_real->query_object(h, cls, buf, len, ret);
}

/* n handles to one Event and n to one File: each must read exactly n. The
 * File duplicates wait in a batch for the File-name worker, and the name
 * threads run side by side; a count taken while hleak holds a duplicate
 * of a sibling handle reads high (it did, before the counts were taken
 * alone after the names). */
static void test_counts_exact(void **state)
{
    enum { N = 12 };
    HANDLE ev[N], file[N];
    char dir[MAX_PATH], path[MAX_PATH];
    struct hl_snapshot s;
    struct hl_collect_opts o;
    size_t k;

    (void)state;
    fake.query_object = live_query_object;
    assert_true(GetTempPathA(sizeof(dir), dir) != 0);
    assert_true(GetTempFileNameA(dir, "hlc", 0, path) != 0);
    ev[0] = CreateEventW(NULL, TRUE, FALSE, NULL);
    file[0] = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL,
                          OPEN_EXISTING, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    assert_non_null(ev[0]);
    assert_true(file[0] != INVALID_HANDLE_VALUE);
    for (k = 1; k < N; k++) {
        assert_true(DuplicateHandle(GetCurrentProcess(), ev[0],
                                    GetCurrentProcess(), &ev[k], 0, FALSE,
                                    DUPLICATE_SAME_ACCESS));
        assert_true(DuplicateHandle(GetCurrentProcess(), file[0],
                                    GetCurrentProcess(), &file[k], 0, FALSE,
                                    DUPLICATE_SAME_ACCESS));
    }
    memset(&o, 0, sizeof(o));
    o.details = 1;
    o.threads = 2;
    assert_int_equal(wu_collect_self(&o, &s, NULL), 0);
    for (k = 0; k < 2 * N; k++) {
        HANDLE h = k < N ? ev[k] : file[k - N];
        const struct hl_handle *e = wu_find(&s, h);
        const struct hl_handle_extra *x;

        assert_non_null(e);
        x = hl_snapshot_extra(&s, (size_t)(e - s.handles));
        assert_non_null(x);
        assert_true(x->flags & HL_EXTRA_COUNTS);
        assert_int_equal(x->handle_count, N);
    }
    hl_snapshot_release(&s);
    for (k = 0; k < N; k++) {
        CloseHandle(ev[k]);
        CloseHandle(file[k]);
    }
}

/* The file o->file is open on, as NtQueryObject names it: the answer the
 * fake map query gives, so the Section's name must come out as the File
 * handle's own friendly name. */
static void name_of_file(struct objects *o)
{
    union {
        struct hl_nt_unicode_string us;
        unsigned char b[sizeof(struct hl_nt_unicode_string) + 1024];
    } u;
    ULONG got = 0;

    assert_int_equal(ntf_real->query_object(o->file,
                                            HL_NT_OBJECT_NAME_INFORMATION,
                                            &u, sizeof(u), &got), 0);
    assert_true(u.us.Length > 0 && u.us.Length < sizeof(mapped_name) - 2);
    memcpy(mapped_name, u.us.Buffer, u.us.Length);
    mapped_name[u.us.Length / sizeof(WCHAR)] = 0;
}

static const char *name_in(const struct hl_snapshot *s, HANDLE h)
{
    const struct hl_handle *e = wu_find(s, h);

    assert_non_null(e);
    return hl_snapshot_str(s, e->name);
}

/* A SEC_FILE section: a one-page read-only view of hleak's duplicate,
 * unmapped, the name through the File-name rules; then an image (view
 * size 0: the whole image). */
static void test_section_file(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    const struct hl_details *d;
    char buf[1024], want[1024];
    DWORD before, after;

    (void)state;
    open_objects(&o);
    name_of_file(&o);
    map_mode = MAP_ANSWER;
    sec_attrs = 0x800000;
    assert_true(GetProcessHandleCount(GetCurrentProcess(), &before));
    assert_int_equal(collect(&s, 1), 0);
    assert_true(GetProcessHandleCount(GetCurrentProcess(), &after));
    assert_int_equal(after, before);
    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_true(d->text != 0);
    assert_string_equal(hl_snapshot_str(&s, d->text), name_in(&s, o.file));
    snprintf(want, sizeof(want), "file, 0x3000 bytes, %s",
             name_in(&s, o.file));
    assert_string_equal(text_of(&s, o.sec, buf, sizeof(buf)), want);
    assert_int_equal(view_asked, 4096);
    assert_true(maps >= 1);
    assert_int_equal(maps, unmaps);
    hl_snapshot_release(&s);

    sec_attrs = 0x1800000;
    maps = unmaps = 0;
    assert_int_equal(collect(&s, 1), 0);
    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_string_equal(hl_snapshot_str(&s, d->text), name_in(&s, o.file));
    assert_int_equal(view_asked, 0);
    assert_true(maps >= 1);
    assert_int_equal(maps, unmaps);
    hl_snapshot_release(&s);

    /* a pagefile section is not mapped at all */
    sec_attrs = 0x8000000;
    view_asked = 1;
    assert_int_equal(collect(&s, 1), 0);
    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_int_equal(d->text, 0);
    assert_int_equal(view_asked, 1);
    hl_snapshot_release(&s);
    close_objects(&o);
}

/* A refused map, or a duplicate without SECTION_MAP_READ: no name, no
 * failure, nothing left mapped. */
static void test_section_refused(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    const struct hl_details *d;
    char buf[256];
    HANDLE query_only;

    (void)state;
    open_objects(&o);
    name_of_file(&o);
    sec_attrs = 0x800000;
    map_mode = MAP_REFUSE;
    assert_int_equal(collect(&s, 1), 0);
    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_int_equal(d->text, 0);
    assert_string_equal(text_of(&s, o.sec, buf, sizeof(buf)),
                        "file, 0x3000 bytes");
    assert_int_equal(maps, 0);
    hl_snapshot_release(&s);

    /* SECTION_QUERY alone: never mapped */
    map_mode = MAP_ANSWER;
    view_asked = 1;
    assert_true(DuplicateHandle(GetCurrentProcess(), o.sec,
                                GetCurrentProcess(), &query_only, 0x0001,
                                FALSE, 0));
    assert_int_equal(collect(&s, 1), 0);
    d = details_of(&s, query_only, HL_DETAILS_SECTION);
    assert_int_equal(d->text, 0);
    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_true(d->text != 0);
    assert_int_equal(maps, unmaps);
    hl_snapshot_release(&s);
    CloseHandle(query_only);
    close_objects(&o);
}

/* A map that never returns (a file on a stuck share): the Section has no
 * name, the collection goes on within its bound, and later handles still
 * have theirs. */
static void test_section_stuck(void **state)
{
    struct objects o;
    struct hl_snapshot s;
    struct hl_collect_opts opts;
    const struct hl_details *d;
    ULONGLONG t0;

    (void)state;
    open_objects(&o);
    name_of_file(&o);
    sec_attrs = 0x800000;
    map_mode = MAP_STUCK;
    view_asked = 1;
    stuck_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(stuck_ev);
    memset(&opts, 0, sizeof(opts));
    opts.details = 1;
    opts.name_timeout_ms = 300;
    t0 = GetTickCount64();
    assert_int_equal(wu_collect_self(&opts, &s, NULL), 0);
    assert_true(GetTickCount64() - t0 < 20000);
    d = details_of(&s, o.sec, HL_DETAILS_SECTION);
    assert_int_equal(d->text, 0);
    /* the map was entered, and never came back */
    assert_int_equal(view_asked, 4096);
    assert_int_equal(maps, 0);
    /* the File handle after it is still named, with its details */
    assert_true(name_in(&s, o.file)[0] != '\0');
    d = details_of(&s, o.file, HL_DETAILS_FILE);
    assert_true(d->known != 0);
    hl_snapshot_release(&s);
    SetEvent(stuck_ev);
    CloseHandle(stuck_ev);
    close_objects(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_kind, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_not_asked, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_denied, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_counts_exact, setup,
                                        ntf_teardown),
        cmocka_unit_test_setup_teardown(test_missing_calls, setup,
                                        ntf_teardown),
        cmocka_unit_test_setup_teardown(test_section_file, setup,
                                        ntf_teardown),
        cmocka_unit_test_setup_teardown(test_section_refused, setup,
                                        ntf_teardown),
        cmocka_unit_test_setup_teardown(test_section_stuck, setup,
                                        ntf_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
