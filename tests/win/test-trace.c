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
#include "trace.h"
#include "win/win-int.h"

/*
 * Handle tracing through fakes of the call table: Wine has no class 32
 * (NtSetInformationProcess answers STATUS_NOT_IMPLEMENTED, the query
 * STATUS_INVALID_INFO_CLASS), so the records the fakes return are written
 * as bytes by ntbytes.c in the documented PROCESS_HANDLE_TRACING_QUERY
 * layout of this build (x64: 0x10-byte header, 0xA0-byte entries; x86:
 * 0x08 and 0x50; phnt ntpsapi.h), never with src/win/nt.h's
 * structures. The live cases accept both answers: "not supported" (Wine)
 * and a working kernel.
 */

static const struct hl_nt_api *real;
static struct hl_nt_api fake;

/* what the fakes saw and answer */
static int set_calls;
static ULONG set_class, set_len;
static struct hl_nt_handle_tracing_enable_ex set_buf;
static int set_buf_null;
static NTSTATUS set_status;
static int query_calls;
static NTSTATUS query_status;   /* != 0: the class-32 query answers this */
static ULONG query_total;       /* TotalTraces the fake reports */
static int query_overflow;      /* answer mismatch, ReturnLength = written */
static HANDLE traced;           /* the handle the fake records trace */
static ULONG traced_at;         /* the index of its record */
static uint64_t frame0, frame1; /* its open stack */
static int module_calls;
/* The layout the fake writes: this build's, or a copy with one field
 * moved. */
static struct ntb_layout lay;

static int setup(void **state)
{
    (void)state;
    real = hl__nt_default();
    assert_non_null(real);
    fake = *real;
    set_calls = query_calls = module_calls = 0;
    set_class = set_len = 0;
    set_buf_null = 0;
    memset(&set_buf, 0, sizeof(set_buf));
    set_status = STATUS_SUCCESS;
    query_status = 0;
    query_total = 0;
    query_overflow = 0;
    traced = NULL;
    traced_at = 0;
    lay = *ntb_native();
    return 0;
}

static NTSTATUS NTAPI fake_set(HANDLE proc, ULONG cls, void *buf, ULONG len)
{
    (void)proc;
    set_calls++;
    set_class = cls;
    set_len = len;
    set_buf_null = buf == NULL;
    if (buf != NULL && len == sizeof(set_buf))
        memcpy(&set_buf, buf, sizeof(set_buf));
    return set_status;
}

/* Writes record i of buf. */
static void put_record(unsigned char *buf, size_t i, uint64_t handle,
                       uint64_t pid, uint64_t tid, uint32_t type, uint64_t f0,
                       uint64_t f1)
{
    /* a kernel frame first, as the kernel records them (x86 kernel
     * addresses are above 0x80000000) */
    const uint64_t frames[3] = { lay.ptr == 8 ? 0xfffff80312345678ull
                                              : 0x81234567u,
                                 f0, f1 };

    ntb_trace_entry(&lay, buf, i, handle, pid, tid, type, frames,
                    f1 != 0 ? 3 : 2);
}

static NTSTATUS NTAPI fake_qip(HANDLE proc, ULONG cls, void *buf, ULONG len,
                               ULONG *ret)
{
    unsigned char *b = buf;
    ULONG cap, n, i;

    if (cls != HL_NT_PROCESS_HANDLE_TRACING)
        return real->query_information_process(proc, cls, buf, len, ret);
    query_calls++;
    if (query_status != 0)
        return query_status;
    if (len < ntb_trace_size(&lay, 0))
        return STATUS_INFO_LENGTH_MISMATCH;
    cap = (ULONG)((len - ntb_trace_size(&lay, 0)) / lay.tre_size);
    ntb_trace_header(&lay, b, 0, query_total);
    n = query_total < cap ? query_total : cap;
    for (i = 0; i < n; i++) {
        if (i == traced_at && traced != NULL)
            put_record(b, i, (uintptr_t)traced, GetCurrentProcessId(), 77,
                       HL_TRACE_OPEN, frame0, frame1);
        else /* older noise: closes of other values, another process */
            put_record(b, i, 0x100000 + 4 * (uint64_t)i,
                       i % 2 ? GetCurrentProcessId() : 4,
                       5, HL_TRACE_CLOSE, frame0, 0);
    }
    if (ret != NULL)
        *ret = (ULONG)ntb_trace_size(&lay, n);
    if (query_overflow || n < query_total)
        return STATUS_INFO_LENGTH_MISMATCH;
    return STATUS_SUCCESS;
}

static BOOL WINAPI fake_mod_first(HANDLE snap, MODULEENTRY32W *me)
{
    (void)snap;
    module_calls++;
    if (me->dwSize != sizeof(*me))
        return FALSE;
    me->modBaseAddr = (BYTE *)GetModuleHandleW(NULL);
    me->modBaseSize = 0x4000000;
    wcscpy(me->szExePath, L"C:\\fake\\test-win-trace.exe");
    return TRUE;
}

static BOOL WINAPI fake_mod_next(HANDLE snap, MODULEENTRY32W *me)
{
    (void)snap;
    (void)me;
    SetLastError(ERROR_NO_MORE_FILES);
    return FALSE;
}

/* A new event whose open the fake records, with two frames in this
 * program among 40 records, and the fakes installed. */
static HANDLE trace_new_event(void)
{
    uintptr_t base = (uintptr_t)GetModuleHandleW(NULL);
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);

    assert_non_null(ev);
    traced = ev;
    frame0 = base + 0x1234;
    frame1 = base + 0x5678;
    query_total = 40;
    fake.query_information_process = fake_qip;
    fake.module32_first = fake_mod_first;
    fake.module32_next = fake_mod_next;
    hl__nt_set(&fake);
    return ev;
}

static void test_wtrace_set_on_off_and_errors(void **state)
{
    uint64_t self = GetCurrentProcessId();

    (void)state;
    fake.set_information_process = fake_set;
    hl__nt_set(&fake);

    assert_int_equal(hl_trace_set(self, 1, 0x2000, NULL), 0);
    assert_int_equal(set_class, 32);
    assert_int_equal(set_len, 8);
    assert_int_equal(set_buf.Flags, 0);
    assert_int_equal(set_buf.TotalSlots, 0x2000);

    assert_int_equal(hl_trace_set(self, 0, 0, NULL), 0);
    assert_int_equal(set_len, 0);
    assert_true(set_buf_null);

    /* out of range: refused before any call */
    assert_int_equal(hl_trace_set(self, 1, 5, NULL), HL_EINVAL);
    assert_int_equal(set_calls, 2);

    set_status = STATUS_NOT_IMPLEMENTED; /* Wine */
    assert_int_equal(hl_trace_set(self, 1, 0, NULL), HL_ENOTSUP);
    set_status = STATUS_INVALID_INFO_CLASS;
    assert_int_equal(hl_trace_set(self, 1, 0, NULL), HL_ENOTSUP);
    set_status = STATUS_ACCESS_DENIED;
    {
        struct hl_diag diag;

        assert_int_equal(hl_trace_set(self, 1, 0, &diag), HL_EACCES);
        assert_non_null(diag.call);
        assert_int_equal(diag.status, 0xC0000022u);
        assert_int_equal(diag.is_ntstatus, 1);
    }
    assert_int_equal(hl_trace_set(0, 1, 0, NULL), HL_ENOPROC);
}

static void test_wtrace_status(void **state)
{
    uint64_t self = GetCurrentProcessId();
    size_t records = 99;
    int on = 5;

    (void)state;
    fake.query_information_process = fake_qip;
    hl__nt_set(&fake);

    query_status = STATUS_INVALID_PARAMETER; /* tracing off */
    assert_int_equal(hl_trace_status(self, &on, &records, NULL), 0);
    assert_int_equal(on, 0);
    assert_int_equal(records, 0);

    query_status = 0; /* on, 7 records: the header-only query overflows */
    query_total = 7;
    assert_int_equal(hl_trace_status(self, &on, &records, NULL), 0);
    assert_int_equal(on, 1);
    assert_int_equal(records, 7);

    query_status = STATUS_INVALID_INFO_CLASS; /* Wine */
    assert_int_equal(hl_trace_status(self, &on, &records, NULL), HL_ENOTSUP);
    query_status = STATUS_ACCESS_DENIED;
    assert_int_equal(hl_trace_status(self, &on, &records, NULL), HL_EACCES);
}

static void test_wtrace_snapshot_records_open_stack(void **state)
{
    struct hl_collect_opts opts;
    struct hl_snapshot s;
    const IMAGE_DOS_HEADER *dos;
    const IMAGE_NT_HEADERS *nt;
    const struct hl_stack *st = NULL;
    char txt[128], want[64];
    HANDLE ev;
    size_t i;
    uintptr_t base = (uintptr_t)GetModuleHandleW(NULL);

    (void)state;
    ev = trace_new_event();

    memset(&opts, 0, sizeof(opts));
    opts.pid = GetCurrentProcessId();
    opts.no_names = 1;
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_collect(&opts, &s, NULL), 0);
    assert_true(query_calls >= 1);
    for (i = 0; i < s.count; i++) {
        const struct hl_stack *x = hl_snapshot_handle_stack(&s, i);

        if (s.handles[i].value == (uint32_t)(uintptr_t)ev)
            st = x;
        else
            assert_null(x); /* only the traced handle has an open */
    }
    assert_non_null(st);
    assert_int_equal(st->thread_id, 77);
    assert_int_equal(st->depth, 2); /* the kernel frame dropped */
    assert_int_equal(s.frames[st->first], base + 0x1234);
    /* the module list, with the PE timestamp read from the image */
    assert_int_equal(module_calls, 1);
    assert_int_equal(s.nmodules, 1);
    dos = (const IMAGE_DOS_HEADER *)base;
    nt = (const IMAGE_NT_HEADERS *)(base + (uintptr_t)dos->e_lfanew);
    assert_int_equal(s.modules[0].timestamp, nt->FileHeader.TimeDateStamp);
    assert_string_equal(hl_snapshot_resolve(&s, base + 0x5678, txt,
                                            sizeof(txt)),
                        "test-win-trace.exe+0x5678");
    snprintf(want, sizeof(want), "%s", "C:\\fake\\test-win-trace.exe");
    assert_string_equal(hl_snapshot_str(&s, s.modules[0].name), want);
    hl_snapshot_release(&s);
    CloseHandle(ev);
}

static void test_wtrace_snapshot_without_tracing_has_no_stacks(void **state)
{
    struct hl_collect_opts opts;
    struct hl_snapshot s;
    NTSTATUS answers[] = { STATUS_INVALID_PARAMETER, STATUS_INVALID_INFO_CLASS,
                           STATUS_ACCESS_DENIED };
    size_t k;

    (void)state;
    fake.query_information_process = fake_qip;
    fake.module32_first = fake_mod_first;
    fake.module32_next = fake_mod_next;
    hl__nt_set(&fake);
    for (k = 0; k < sizeof(answers) / sizeof(answers[0]); k++) {
        query_status = answers[k];
        memset(&opts, 0, sizeof(opts));
        opts.pid = GetCurrentProcessId();
        opts.no_names = 1;
        assert_int_equal(hl_snapshot_init(&s), 0);
        assert_int_equal(hl_collect(&opts, &s, NULL), 0);
        assert_true(s.count > 0);
        assert_int_equal(s.nstacks, 0);
        assert_int_equal(s.nmodules, 0);
        hl_snapshot_release(&s);
    }
    assert_int_equal(module_calls, 0);
}

static void test_wtrace_ring_overflow_keeps_newest_bounded(void **state)
{
    const struct hl_nt_api *api;
    struct hl_trace_entry *e;
    unsigned char *buf;
    size_t len, n;
    int trunc;
    HANDLE self;

    (void)state;
    /* far more records than fit, and the kernel says mismatch every time
     * with ReturnLength = the bytes it wrote */
    traced = (HANDLE)(uintptr_t)0x44;
    frame0 = 0x7ff600001000ull;
    frame1 = 0x7ff600002000ull;
    query_total = 0x20000;
    query_overflow = 1;
    fake.query_information_process = fake_qip;
    hl__nt_set(&fake);
    api = hl__nt_get();
    self = GetCurrentProcess();
    assert_int_equal(hl__trace_query(api, self, &buf, &len, NULL), 0);
    assert_true(query_calls <= 10);
    assert_true(query_calls >= 2);
    assert_int_equal((len - lay.trq_traces) % lay.tre_size, 0);
    assert_int_equal(hl_trace_parse(buf, len, (unsigned)lay.ptr, &e, &n,
                                    &trunc),
                     0);
    /* what was written is kept, and the newest record is first */
    assert_true(n >= 1024);
    assert_int_equal(trunc, 0x20000 > n);
    assert_int_equal(e[0].handle, 0x44);
    assert_int_equal(e[0].depth, 2);
    hl_trace_free(e);
    hl__free(buf);

    /* a query that keeps failing another way is an error, no buffer */
    query_status = STATUS_INVALID_INFO_CLASS;
    buf = NULL;
    assert_int_equal(hl__trace_query(api, self, &buf, &len, NULL),
                     HL_ENOTSUP);
    assert_null(buf);
}

/* 1 when a no-names snapshot of this process gave the traced handle, and
 * it alone, its open stack as the fake wrote it. */
static int open_stack_read_right(HANDLE ev)
{
    struct hl_collect_opts opts;
    struct hl_snapshot s;
    const struct hl_stack *st = NULL;
    size_t i;
    int others = 0, ok;

    memset(&opts, 0, sizeof(opts));
    opts.pid = GetCurrentProcessId();
    opts.no_names = 1;
    assert_int_equal(hl_snapshot_init(&s), 0);
    if (hl_collect(&opts, &s, NULL) != 0) {
        hl_snapshot_release(&s);
        return 0;
    }
    for (i = 0; i < s.count; i++) {
        const struct hl_stack *x = hl_snapshot_handle_stack(&s, i);

        if (s.handles[i].value == (uint32_t)(uintptr_t)ev)
            st = x;
        else
            others += x != NULL;
    }
    ok = st != NULL && others == 0 && st->thread_id == 77 &&
         st->depth == 2 && s.frames[st->first] == frame0 &&
         s.frames[st->first + 1] == frame1;
    hl_snapshot_release(&s);
    return ok;
}

/* Each field of the class-32 layout moved in turn: the status or the
 * snapshot's stacks must come out wrong. */
static void test_wtrace_moved_field_is_caught(void **state)
{
    static const struct {
        const char *field;
        size_t off;
    } moved[] = {
#define F(f) { #f, offsetof(struct ntb_layout, f) }
        F(trq_total), F(trq_traces), F(tre_size), F(tre_pid), F(tre_tid),
        F(tre_type), F(tre_stacks),
#undef F
    };
    HANDLE ev;
    size_t k;

    (void)state;
    traced_at = 3; /* past the first: a wrong entry size shows */
    ev = trace_new_event();
    assert_true(open_stack_read_right(ev));
    for (k = 0; k < sizeof(moved) / sizeof(moved[0]); k++) {
        size_t *f = (size_t *)((char *)&lay + moved[k].off);
        size_t records = 0;
        int on = 0;
        int status_right;

        lay = *ntb_native();
        *f += lay.ptr;
        assert_int_equal(hl_trace_status(GetCurrentProcessId(), &on,
                                         &records, NULL),
                         0);
        status_right = on == 1 && records == 40;
        if (status_right && open_stack_read_right(ev))
            fail_msg("%s %s moved, yet the trace read right",
                     lay.name, moved[k].field);
        print_message("%s %s moved: %s\n", lay.name, moved[k].field,
                      status_right ? "stacks wrong" : "record count wrong");
    }
    lay = *ntb_native();
    CloseHandle(ev);
}

/* The real system: Wine says "not supported"; a Windows kernel works. */
static void test_wtrace_live_self(void **state)
{
    uint64_t self = GetCurrentProcessId();
    size_t records;
    int on, err;

    (void)state;
    err = hl_trace_set(self, 1, 0x100, NULL);
    if (err == HL_ENOTSUP) {
        assert_int_equal(hl_trace_status(self, &on, &records, NULL),
                         HL_ENOTSUP);
        return;
    }
    assert_int_equal(err, 0);
    assert_int_equal(hl_trace_status(self, &on, &records, NULL), 0);
    assert_int_equal(on, 1);
    assert_int_equal(hl_trace_set(self, 0, 0, NULL), 0);
    assert_int_equal(hl_trace_status(self, &on, &records, NULL), 0);
    assert_int_equal(on, 0);
}

/* A function of this program, for dbghelp to name. */
static __attribute__((noinline)) int symbol_target(int x)
{
    return x * 3 + 1;
}

static void test_wtrace_symbolize_self(void **state)
{
    struct hl_snapshot s;
    FILETIME created, exited, kernel, user;
    uint64_t frame = (uint64_t)(uintptr_t)&symbol_target + 4;
    uint32_t stack;
    size_t named = 0;
    const char *sym;
    int err;

    (void)state;
    assert_int_equal(symbol_target(1), 4);
    assert_int_equal(hl_snapshot_init(&s), 0);
    s.pid = GetCurrentProcessId();
    assert_true(GetProcessTimes(GetCurrentProcess(), &created, &exited,
                                &kernel, &user));
    s.start_time = (uint64_t)created.dwHighDateTime << 32 |
                   created.dwLowDateTime;
    assert_int_equal(hl_snapshot_add_module(&s, "C:\\x\\test-win-trace.exe",
                                            (uintptr_t)GetModuleHandleW(NULL),
                                            0x4000000, 0),
                     0);
    assert_int_equal(hl_snapshot_add_stack(&s, 1, &frame, 1, &stack), 0);
    err = hl_trace_symbolize(&s, &named, NULL);
    /* dbghelp may be missing or know no symbols for a stripped build */
    assert_true(err == 0 || err == HL_ENOTSUP || err == HL_EQUERY);
    sym = hl_snapshot_symbol(&s, frame);
    if (err == 0 && named == 1) {
        assert_non_null(sym);
        assert_non_null(strstr(sym, "test-win-trace.exe!"));
        print_message("dbghelp named the frame: %s\n", sym);
    } else {
        assert_null(sym);
        print_message("dbghelp named nothing (err %d)\n", err);
    }
    /* another process behind the same pid is refused */
    s.start_time ^= 1;
    assert_int_equal(hl_trace_symbolize(&s, &named, NULL), HL_ENOPROC);
    hl_snapshot_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wtrace_set_on_off_and_errors,
                                        setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_wtrace_status, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(
            test_wtrace_snapshot_records_open_stack, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(
            test_wtrace_snapshot_without_tracing_has_no_stacks, setup,
            ntf_teardown),
        cmocka_unit_test_setup_teardown(
            test_wtrace_ring_overflow_keeps_newest_bounded, setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_wtrace_moved_field_is_caught,
                                        setup, ntf_teardown),
        cmocka_unit_test_setup_teardown(test_wtrace_live_self, setup,
                                        ntf_teardown),
        cmocka_unit_test_setup_teardown(test_wtrace_symbolize_self, setup,
                                        ntf_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
