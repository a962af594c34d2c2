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
#include "win/win-int.h"
#include "snapshot-int.h"

/*
 * The whole collector on NT answers that are only bytes: the handle list
 * (class 51, or class 64 with other processes' entries), the type list
 * (class 3) with made-up type indexes, and names and type names re-laid
 * from the real ones, all written by ntbytes.c in this build's documented
 * layout (x64 or x86). Then each field of that layout is moved in turn:
 * the collector, reading with src/win/nt.h, must then get a wrong answer,
 * which shows these tests would catch a wrong offset in nt.h.
 */

/* Made-up type indexes, far from any system's numbering, so a type name
 * can only come from the fixture's type list. */
#define IX_PROCESS 0x07
#define IX_FILE 0x25
#define IX_KEY 0x2C
#define IX_EVENT 0x31

#define OTHER_PID 4
#define NFX 6

static struct hl_nt_api fake;
static struct ntb_layout cur; /* the layout the fakes write */
static int use51;             /* class 51 answers; else class 64 */
static int type_calls;

static struct {
    HANDLE ev[3];
    HANDLE named;
    HANDLE file;
    HKEY key;
    HANDLE own; /* the collector's handle on this process */
    WCHAR path[MAX_PATH + 64];
    char path8[3 * MAX_PATH + 64];
    char named_tail[64];
    char key_name[64];
    struct ntb_handle h[NFX];
} fx;

static void fx_handle(size_t i, HANDLE v, uint32_t access, uint16_t type,
                      uint32_t attrs)
{
    memset(&fx.h[i], 0, sizeof(fx.h[i]));
    fx.h[i].pid = GetCurrentProcessId();
    fx.h[i].value = (uintptr_t)v;
    fx.h[i].access = access;
    fx.h[i].type = type;
    fx.h[i].attrs = attrs;
    /* class 64 only; kernel-looking, different for each */
    fx.h[i].object = (sizeof(void *) == 8 ? 0xFFFF9A0012340000ull
                                          : 0x81230000u) +
                     0x40 * (uint64_t)i;
    fx.h[i].handle_count = 1 + i;
    fx.h[i].pointer_count = 0x8000 + i;
}

static int setup(void **state)
{
    WCHAR dir[MAX_PATH];
    WCHAR name[64];
    DWORD pid = GetCurrentProcessId();
    size_t i;

    (void)state;
    ntf_init();
    cur = *ntb_native();
    ntf_layout = &cur;
    fake = *ntf_real;
    use51 = 1;
    memset(&fx, 0, sizeof(fx));
    for (i = 0; i < 3; i++)
        fx.ev[i] = CreateEventW(NULL, FALSE, FALSE, NULL);
    _snwprintf(name, 64, L"hleak-fx-%lu", (unsigned long)pid);
    fx.named = CreateEventW(NULL, FALSE, FALSE, name);
    snprintf(fx.named_tail, sizeof(fx.named_tail),
             "\\BaseNamedObjects\\hleak-fx-%lu", (unsigned long)pid);
    assert_true(GetTempPathW(MAX_PATH, dir) > 0);
    _snwprintf(fx.path, MAX_PATH + 64, L"%lshleak-fx-%lu.txt", dir,
               (unsigned long)pid);
    fx.file = CreateFileW(fx.path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                          CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    assert_true(fx.file != INVALID_HANDLE_VALUE);
    assert_true(WideCharToMultiByte(CP_UTF8, 0, fx.path, -1, fx.path8,
                                    sizeof(fx.path8), NULL, NULL) > 0);
    _snwprintf(name, 64, L"Software\\hleak-fx-%lu", (unsigned long)pid);
    snprintf(fx.key_name, sizeof(fx.key_name), "HKCU\\Software\\hleak-fx-%lu",
             (unsigned long)pid);
    assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER, name, 0, NULL, 0,
                                     KEY_READ, NULL, &fx.key, NULL),
                     ERROR_SUCCESS);
    fx_handle(0, fx.ev[0], EVENT_ALL_ACCESS, IX_EVENT, 0);
    fx_handle(1, fx.ev[1], SYNCHRONIZE | EVENT_MODIFY_STATE, IX_EVENT,
              2 /* OBJ_INHERIT */);
    fx_handle(2, fx.ev[2], EVENT_ALL_ACCESS, IX_EVENT, 1 /* protect */);
    fx_handle(3, fx.named, EVENT_ALL_ACCESS, IX_EVENT, 0);
    fx_handle(4, fx.file, 0x0012019F, IX_FILE, 0);
    fx_handle(5, (HANDLE)fx.key, KEY_READ, IX_KEY, 0);
    return 0;
}

static int teardown(void **state)
{
    WCHAR name[64];
    size_t i;

    (void)state;
    hl__nt_set(NULL);
    ntf_layout = ntb_native();
    for (i = 0; i < 3; i++)
        CloseHandle(fx.ev[i]);
    CloseHandle(fx.named);
    CloseHandle(fx.file);
    RegCloseKey(fx.key);
    _snwprintf(name, 64, L"Software\\hleak-fx-%lu",
               (unsigned long)GetCurrentProcessId());
    RegDeleteKeyW(HKEY_CURRENT_USER, name);
    return 0;
}

/* ---- the fakes ---- */

static HANDLE WINAPI fx_open_process(DWORD access, BOOL inherit, DWORD pid)
{
    HANDLE h = ntf_real->open_process(access, inherit, pid);

    /* the collector's own handle: the one that may duplicate */
    if (h != NULL && (access & PROCESS_DUP_HANDLE) && fx.own == NULL)
        fx.own = h;
    return h;
}

static NTSTATUS NTAPI fx_qip(HANDLE proc, ULONG cls, void *buf, ULONG len,
                             ULONG *ret_len)
{
    if (cls != HL_NT_PROCESS_HANDLE_INFORMATION)
        return ntf_real->query_information_process(proc, cls, buf, len,
                                                   ret_len);
    if (!use51)
        return STATUS_INVALID_INFO_CLASS;
    return ntf_answer_handles(&cur, 0, fx.h, NFX, buf, len, ret_len);
}

/* Class 64: the fixture's handles, the collector's own handle on us (a
 * Process handle, which calibrates the type map), and handles of another
 * process, one with the value of one of ours. */
static NTSTATUS NTAPI fx_qsi(ULONG cls, void *buf, ULONG len,
                             ULONG *ret_len)
{
    struct ntb_handle all[NFX + 3];

    if (cls != HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION)
        return ntf_real->query_system_information(cls, buf, len, ret_len);
    memset(all, 0, sizeof(all));
    all[0].pid = OTHER_PID;
    all[0].value = fx.h[0].value;
    all[0].access = 0xDEAD;
    all[0].type = IX_KEY;
    memcpy(all + 1, fx.h, sizeof(fx.h));
    all[NFX + 1].pid = GetCurrentProcessId();
    all[NFX + 1].value = (uintptr_t)fx.own;
    all[NFX + 1].access = PROCESS_DUP_HANDLE;
    all[NFX + 1].type = IX_PROCESS;
    all[NFX + 2] = all[0];
    all[NFX + 2].value = 0x1234;
    return ntf_answer_handles(&cur, 1, all, NFX + 3, buf, len, ret_len);
}

/* Class 3 in bytes; MaximumLength values that the pointer-aligned walk
 * and a 2-byte one step over differently. */
static NTSTATUS fx_types(void *buf, ULONG len, ULONG *ret_len)
{
    static const struct {
        const WCHAR *name;
        uint16_t max;
        uint8_t index;
    } types[] = {
        { L"Directory", 18, 0x03 }, { L"Process", 14, IX_PROCESS },
        { L"File", 10, IX_FILE },   { L"Key", 10, IX_KEY },
        { L"Event", 10, IX_EVENT }, { L"Mutant", 14, 0x32 },
    };
    const size_t ntypes = sizeof(types) / sizeof(types[0]);
    unsigned char *b = buf;
    size_t need = cur.types_first;
    size_t off = cur.types_first;
    size_t i;

    for (i = 0; i < ntypes; i++)
        need += ntb_type_span(&cur, types[i].max);
    if (ret_len != NULL)
        *ret_len = (ULONG)need;
    if (need > len)
        return STATUS_INFO_LENGTH_MISMATCH;
    ntb_types_header(&cur, b, (uint32_t)ntypes);
    for (i = 0; i < ntypes; i++)
        off = ntb_type_entry(&cur, b, off, (uintptr_t)b,
                             (const uint16_t *)types[i].name,
                             wcslen(types[i].name), types[i].max,
                             types[i].index, 0);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI fx_query_object(HANDLE h, ULONG cls, void *buf,
                                      ULONG len, ULONG *ret_len)
{
    if (cls == HL_NT_OBJECT_TYPES_INFORMATION)
        return fx_types(buf, len, ret_len);
    if (cls == HL_NT_OBJECT_TYPE_INFORMATION)
        type_calls++;
    return ntf_query_object(h, cls, buf, len, ret_len);
}

static void fx_install(void)
{
    fake.rtl_get_version = ntf_version_win10;
    fake.open_process = fx_open_process;
    fake.query_information_process = fx_qip;
    fake.query_system_information = fx_qsi;
    fake.query_object = fx_query_object;
    hl__nt_set(&fake);
}

/* ---- the check ---- */

static char why[256];

/* Handle i (of the fixture) differs: what, and the value read. */
static int miss(const char *what, size_t i, unsigned long long got)
{
    snprintf(why, sizeof(why), "handle %lu: %s 0x%llx", (unsigned long)i,
             what, got);
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t ls = strlen(s);
    size_t lt = strlen(tail);

    return ls >= lt && _stricmp(s + ls - lt, tail) == 0;
}

/* 1 when s holds exactly the fixture's handles, as they went in; else 0
 * and why says what differs first. */
static int fx_matches(const struct hl_snapshot *s, int names)
{
    static const char *const type[NFX] = { "Event", "Event", "Event",
                                           "Event", "File", "Key" };
    size_t i, k;

    if (strcmp(hl_snapshot_str(s, s->method),
               use51 ? "ProcessHandleInformation"
                     : "SystemExtendedHandleInformation") != 0)
        return miss("method string", 0, s->method);
    if (s->count != NFX)
        return miss("count of handles", 0, s->count);
    /* A type list that disagrees with the collector's own Process handle
     * is dropped and every type confirmed on a duplicate instead, so a
     * moved class 3 field shows here rather than as a wrong type. */
    if (s->collect_flags & HL_COLLECT_TYPES_DROPPED)
        return miss("type list dropped, flags", 0, s->collect_flags);
    for (i = 0; i < NFX; i++) {
        const struct hl_handle *h = NULL;
        const char *nt, *name;

        for (k = 0; k < s->count; k++) {
            if (s->handles[k].value == fx.h[i].value)
                h = &s->handles[k];
        }
        if (h == NULL)
            return miss("missing, value", i, fx.h[i].value);
        if (h->granted_access != fx.h[i].access)
            return miss("access", i, h->granted_access);
        if (h->attributes != fx.h[i].attrs)
            return miss("attributes", i, h->attributes);
        if (strcmp(hl_snapshot_str(s, h->type), type[i]) != 0)
            return miss("type, string id", i, h->type);
        if (hl_snapshot_object(s, (size_t)(h - s->handles)) !=
            (use51 ? 0 : fx.h[i].object))
            return miss("object", i,
                        hl_snapshot_object(s, (size_t)(h - s->handles)));
        if (!names)
            continue;
        if (h->name_err != HL_NAME_ERR_NONE)
            return miss("name error", i, h->name_err);
        nt = hl_snapshot_str(s, h->nt_name);
        name = hl_snapshot_str(s, h->name);
        if (i < 3 && (nt[0] != '\0' || name[0] != '\0'))
            return miss("name of an unnamed event, bytes", i, strlen(nt));
        if ((i == 3 && !ends_with(nt, fx.named_tail)) ||
            (i == 4 && _stricmp(name, fx.path8) != 0) ||
            (i == 5 && _stricmp(name, fx.key_name) != 0))
            return miss("name, bytes", i, strlen(name));
    }
    return 1;
}

static int collect(struct hl_snapshot *s, int names)
{
    struct hl_collect_opts opts;

    memset(&opts, 0, sizeof(opts));
    opts.pid = GetCurrentProcessId();
    opts.no_names = !names;
    opts.threads = 1;
    fx.own = NULL;
    assert_int_equal(hl_snapshot_init(s), 0);
    return hl_collect(&opts, s, NULL);
}

/* ---- as documented: the collector reads back what went in ---- */

static void check_collect(int names)
{
    struct hl_snapshot s;
    int ok;

    fx_install();
    assert_int_equal(collect(&s, names), 0);
    ok = fx_matches(&s, names);
    if (!ok)
        print_message("%s layout: %s\n", cur.name, why);
    assert_true(ok);
    hl_snapshot_release(&s);
}

static void test_fx_class51(void **state)
{
    (void)state;
    check_collect(0);
    /* with names: the type map confirmed on duplicates (class 2), and the
     * name of each (class 1), both answered in bytes */
    type_calls = 0;
    check_collect(1);
    assert_true(type_calls >= 3);
}

static void test_fx_class64(void **state)
{
    (void)state;
    use51 = 0;
    check_collect(0);
    check_collect(1);
}

/* The type index alone, without the confirmation on duplicates: names
 * off, so the fixture's made-up indexes are the only source. */
static void test_fx_type_map_alone(void **state)
{
    struct hl_snapshot s;
    size_t i;

    (void)state;
    fx_install();
    assert_int_equal(collect(&s, 0), 0);
    for (i = 0; i < s.count; i++)
        assert_int_equal(s.handles[i].name_err, HL_NAME_ERR_SKIPPED);
    assert_true(fx_matches(&s, 0));
    hl_snapshot_release(&s);
}

/* ObjectTypeInformation and ObjectNameInformation directly, first too
 * small, then in bytes with the name away from the header. */
static void test_fx_type_and_name_queries(void **state)
{
    const struct hl_nt_api *api;
    struct hl__qbuf qb = { NULL, 0 };
    const WCHAR *w;
    size_t n;
    uint32_t name_err;
    int abandoned;
    char *type = NULL;
    char *utf8 = NULL;

    (void)state;
    fx_install();
    api = hl__nt_get();
    assert_int_equal(hl__query_type_name(api, fx.named, &type), 0);
    assert_string_equal(type, "Event");
    hl__free(type);
    assert_int_equal(hl__query_name(api, NULL, &qb, fx.named, 1000, &w, &n,
                                    &name_err, &abandoned),
                     0);
    assert_int_equal(name_err, HL_NAME_ERR_NONE);
    assert_int_equal(hl__utf8_from_utf16(w, n, &utf8), 0);
    assert_true(ends_with(utf8, fx.named_tail));
    /* the characters sit NTF_NAME_GAP bytes after the header */
    assert_true((const unsigned char *)w ==
                (const unsigned char *)qb.p + cur.us_size + NTF_NAME_GAP);
    hl__free(utf8);
    hl__qbuf_free(&qb);
}

/* ---- one field moved: the collector must see something wrong ---- */

struct mutation {
    const char *field;
    size_t off;  /* offsetof(struct ntb_layout, field) */
    int delta;   /* bytes moved; 0: the field becomes set */
    size_t set;
    int names;   /* the field is read only with names on */
    int sys;     /* class 64, else class 51 */
};

#define MOVE(f, d, nm, sy) { #f, offsetof(struct ntb_layout, f), d, 0, nm, sy }

static const struct mutation mutations[] = {
    /* class 64: which fx_matches() check catches it */
    MOVE(sys_handles, 8, 0, 1),   /* handles missing */
    MOVE(sys_entry, 4, 0, 1),     /* handles missing */
    MOVE(sys_object, 4, 0, 1),    /* object */
    MOVE(sys_pid, 4, 0, 1),       /* handles missing */
    MOVE(sys_value, 4, 0, 1),     /* handles missing */
    MOVE(sys_access, 2, 0, 1),    /* access */
    MOVE(sys_type, -2, 0, 1),     /* type */
    MOVE(sys_attrs, 4, 0, 1),     /* attributes */
    /* class 51 */
    MOVE(proc_handles, 4, 0, 0),  /* handles missing */
    MOVE(proc_entry, 4, 0, 0),    /* handles missing */
    MOVE(proc_value, 4, 0, 0),    /* handles missing */
    MOVE(proc_access, 4, 0, 0),   /* access */
    MOVE(proc_type, 4, 0, 0),     /* type */
    MOVE(proc_attrs, 4, 0, 0),    /* attributes */
    /* class 3 walk */
    MOVE(types_first, 4, 0, 0),   /* type */
    MOVE(type_size, 4, 0, 0),     /* type */
    MOVE(type_index, 1, 0, 0),    /* type */
    MOVE(us_length, 2, 0, 0),     /* type (empty names) */
    { "type_align", offsetof(struct ntb_layout, type_align), 0, 2, 0, 0 },
    /* classes 1 and 2 */
    MOVE(us_max, -2, 0, 0),       /* type: the walk steps wrong */
    /* classes 1 and 2 (the type walk does not trust Buffer anyway) */
    MOVE(us_buffer, 4, 1, 0),     /* name error */
};

/*
 * The class 3 walk on its own: a collector that cannot trust the list
 * names every type on a duplicate instead, so the end result may still be
 * right with a field moved; the map itself must not be. Sets why.
 */
static int fx_typemap_right(void)
{
    static const struct {
        uint8_t index;
        const char *name;
    } want[] = {
        { 0x03, "Directory" }, { IX_PROCESS, "Process" }, { IX_FILE, "File" },
        { IX_KEY, "Key" },     { IX_EVENT, "Event" },     { 0x32, "Mutant" },
    };
    static unsigned char buf[4096];
    struct hl__typemap tm;
    struct hl_snapshot s;
    ULONG got = 0;
    size_t i;
    int right = 1;

    assert_int_equal(fx_types(buf, sizeof(buf), &got), STATUS_SUCCESS);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl__typemap_parse(&tm, buf, got, HL__TYPEIDX_FIELD, &s),
                     0);
    for (i = 0; right && i < sizeof(want) / sizeof(want[0]); i++) {
        uint32_t id = tm.id[want[i].index];

        if (id == 0 || strcmp(hl_snapshot_str(&s, id - 1), want[i].name) != 0)
            right = miss("type list entry, index", i, want[i].index);
    }
    hl_snapshot_release(&s);
    return right;
}

static void test_fx_moved_field_is_caught(void **state)
{
    size_t i;

    (void)state;
    fx_install();
    for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        const struct mutation *m = &mutations[i];
        size_t *field = (size_t *)((char *)&cur + m->off);
        struct hl_snapshot s;
        int err;

        cur = *ntb_native();
        if (m->delta != 0)
            *field = (size_t)((ptrdiff_t)*field + m->delta);
        else
            *field = m->set;
        use51 = !m->sys;
        err = collect(&s, m->names);
        if (err == 0 && fx_matches(&s, m->names) && fx_typemap_right())
            fail_msg("%s %s moved, yet the collector read the fixture "
                     "right", cur.name, m->field);
        print_message("%s %s moved: %s\n", cur.name, m->field,
                      err != 0 ? "collection failed" : why);
        hl_snapshot_release(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_fx_class51),
        T(test_fx_class64),
        T(test_fx_type_map_alone),
        T(test_fx_type_and_name_queries),
        T(test_fx_moved_field_is_caught),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
