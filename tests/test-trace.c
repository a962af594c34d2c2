#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "diff-int.h"
#include "hleak/snapfile.h"
#include "testutil.h"
#include "trace.h"

#define PID 0x1234u

/* A PROCESS_HANDLE_TRACING_QUERY buffer built by hand, in either layout
 * (offsets of phnt @7e09744 ntpsapi.h PROCESS_HANDLE_TRACING_QUERY and
 * _ENTRY by the LLP64 / ILP32 rules, written independently of
 * src/core/trace.c). */
struct tbuf {
    unsigned char data[0x10 + 8 * 0xA0];
    size_t len;
    unsigned ps;
};

static void tb_init(struct tbuf *t, unsigned ps, uint32_t total)
{
    memset(t, 0, sizeof(*t));
    t->ps = ps;
    t->len = ps == 8 ? 0x10 : 0x08;
    hl__put_le32(t->data + (ps == 8 ? 0x08 : 0x04), total);
}

static void put_ptr(unsigned char *p, unsigned ps, uint64_t v)
{
    if (ps == 8)
        hl__put_le64(p, v);
    else
        hl__put_le32(p, (uint32_t)v);
}

/* Appends a record; frames ends at the first 0 (up to 16). */
static void tb_add(struct tbuf *t, uint64_t handle, uint64_t pid,
                   uint64_t tid, uint32_t type, const uint64_t *frames)
{
    unsigned char *e = t->data + t->len;
    size_t k;

    if (t->ps == 8) {
        hl__put_le64(e + 0x00, handle);
        hl__put_le64(e + 0x08, pid);
        hl__put_le64(e + 0x10, tid);
        hl__put_le32(e + 0x18, type);
        for (k = 0; frames != NULL && k < 16 && frames[k] != 0; k++)
            put_ptr(e + 0x20 + 8 * k, 8, frames[k]);
        t->len += 0xA0;
    } else {
        hl__put_le32(e + 0x00, (uint32_t)handle);
        hl__put_le32(e + 0x04, (uint32_t)pid);
        hl__put_le32(e + 0x08, (uint32_t)tid);
        hl__put_le32(e + 0x0C, type);
        for (k = 0; frames != NULL && k < 16 && frames[k] != 0; k++)
            put_ptr(e + 0x10 + 4 * k, 4, frames[k]);
        t->len += 0x50;
    }
}

/* One user-mode frame. */
static const uint64_t user_fr[] = { 0x7ff600001000ull, 0 };

/* t parsed as pointer size ps, which must succeed; the entries go to *e
 * and whether the answer was cut short to *trunc (unless NULL). Returns
 * how many entries were read. */
static size_t parse_n(const struct tbuf *t, unsigned ps,
                      struct hl_trace_entry **e, int *trunc)
{
    size_t n;
    int cut;

    assert_int_equal(hl_trace_parse(t->data, t->len, ps, e, &n, &cut), 0);
    if (trunc != NULL)
        *trunc = cut;
    return n;
}

static void snap_new(struct hl_snapshot *s, uint64_t pid)
{
    assert_int_equal(hl_snapshot_init(s), 0);
    s->pid = pid;
    s->start_time = 777;
}

static void add(struct hl_snapshot *s, uint32_t value, const char *type,
                const char *name)
{
    assert_int_equal(hl_test_add(s, value, type, name, NULL, 0x1f0003), 0);
}

/* Two unnamed events, 0x40 and 0x44. */
static void add_two_events(struct hl_snapshot *s)
{
    add(s, 0x40, "Event", "");
    add(s, 0x44, "Event", "");
}

/* A snapshot of PID as the test's state. */
static int snap_setup(void **state)
{
    static struct hl_snapshot snap;

    snap_new(&snap, PID);
    *state = &snap;
    return 0;
}

static int snap_teardown(void **state)
{
    hl_snapshot_release(*state);
    return 0;
}

/* Index of the handle with value v. */
static size_t idx(const struct hl_snapshot *s, uint32_t v)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == v)
            return i;
    }
    fail_msg("no handle %u", v);
    return 0;
}

static void parse_and_apply(struct hl_snapshot *s, const struct tbuf *t,
                            struct hl_trace_stats *st)
{
    struct hl_trace_entry *e;
    size_t n;
    int trunc;

    assert_int_equal(hl_trace_parse(t->data, t->len, t->ps, &e, &n, &trunc),
                     0);
    assert_int_equal(trunc, 0);
    assert_int_equal(hl_trace_apply(s, e, n, st), 0);
    hl_trace_free(e);
}

/* e as tb_add() wrote it, with the user frames want[0..depth). */
static void check_entry(const struct hl_trace_entry *e, uint64_t handle,
                        uint64_t pid, uint64_t tid, uint32_t type,
                        const uint64_t *want, uint32_t depth)
{
    uint32_t i;

    assert_int_equal(e->handle, handle);
    assert_int_equal(e->pid, pid);
    assert_int_equal(e->tid, tid);
    assert_int_equal(e->type, type);
    assert_int_equal(e->depth, depth);
    for (i = 0; i < depth; i++)
        assert_int_equal(e->frames[i], want[i]);
}

static void test_trace_parse_x64_layout(void **state)
{
    static const uint64_t fr[] = { 0xfffff80312345678ull, 0x7ff612340010ull,
                                   0x7ff612340020ull, 0 };
    static const uint64_t kept[] = { 0x7ff612340010ull, 0x7ff612340020ull };
    struct tbuf t;
    struct hl_trace_entry *e;
    int trunc;

    (void)state;
    tb_init(&t, 8, 2);
    tb_add(&t, 0x44, PID, 0x99, HL_TRACE_OPEN, fr);
    tb_add(&t, 0x48, PID + 1, 0x9a, HL_TRACE_CLOSE, NULL);
    assert_int_equal(t.len, 0x10 + 2 * 0xA0);
    assert_int_equal(parse_n(&t, 8, &e, &trunc), 2);
    assert_int_equal(trunc, 0);
    /* the kernel frame is dropped, the user frames keep their order */
    check_entry(&e[0], 0x44, PID, 0x99, HL_TRACE_OPEN, kept, 2);
    check_entry(&e[1], 0x48, PID + 1, 0x9a, HL_TRACE_CLOSE, NULL, 0);
    hl_trace_free(e);
}

static void test_trace_parse_x86_layout(void **state)
{
    static const uint64_t fr[] = { 0x00401010u, 0x82001000u, 0x77001234u,
                                   0 };
    static const uint64_t kept[] = { 0x00401010u, 0x77001234u };
    struct tbuf t;
    struct hl_trace_entry *e;

    (void)state;
    tb_init(&t, 4, 1);
    tb_add(&t, 0x1c, PID, 0x55, HL_TRACE_OPEN, fr);
    assert_int_equal(t.len, 0x08 + 0x50);
    assert_int_equal(parse_n(&t, 4, &e, NULL), 1);
    /* 0x82001000 is above the 2 GiB user range of x86 */
    check_entry(&e[0], 0x1c, PID, 0x55, HL_TRACE_OPEN, kept, 2);
    hl_trace_free(e);
    /* the same bytes read as x64 are a different (shorter) story */
    assert_int_equal(parse_n(&t, 8, &e, NULL), 0);
    assert_null(e);
}

static void test_trace_parse_refuses_short_and_caps_total(void **state)
{
    struct tbuf t;
    struct hl_trace_entry *e = (struct hl_trace_entry *)&t;
    size_t n = 77, k;
    int trunc = 5;

    (void)state;
    tb_init(&t, 8, 0xffffffffu);
    tb_add(&t, 4, PID, 1, HL_TRACE_OPEN, NULL);
    tb_add(&t, 8, PID, 1, HL_TRACE_OPEN, NULL);
    /* shorter than the header, at every length: refused, outputs kept */
    for (k = 0; k < 0x10; k++) {
        assert_int_equal(hl_trace_parse(t.data, k, 8, &e, &n, &trunc),
                         HL_ETRUNC);
        assert_ptr_equal(e, (struct hl_trace_entry *)&t);
        assert_int_equal(n, 77);
    }
    assert_int_equal(hl_trace_parse(t.data, t.len, 3, &e, &n, &trunc),
                     HL_EINVAL);
    /* a huge TotalTraces reads only what lies in the buffer (a partial
     * last record is not read) and says the answer was cut short */
    assert_int_equal(hl_trace_parse(t.data, t.len - 1, 8, &e, &n, &trunc),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(trunc, 1);
    assert_int_equal(e[0].handle, 4);
    hl_trace_free(e);
    /* TotalTraces smaller than the buffer: the rest is not records */
    tb_init(&t, 8, 1);
    tb_add(&t, 4, PID, 1, HL_TRACE_OPEN, NULL);
    tb_add(&t, 8, PID, 1, HL_TRACE_OPEN, NULL);
    assert_int_equal(hl_trace_parse(t.data, t.len, 8, &e, &n, &trunc), 0);
    assert_int_equal(n, 1);
    assert_int_equal(trunc, 0);
    hl_trace_free(e);
}

static void test_trace_newest_open_wins_for_reused_value(void **state)
{
    static const uint64_t old_fr[] = { 0x7ff600001000ull, 0 };
    static const uint64_t new_fr[] = { 0x7ff600002000ull, 0x7ff600003000ull,
                                       0 };
    unsigned ps;

    (void)state;
    for (ps = 4; ps <= 8; ps += 4) {
        struct hl_snapshot s;
        struct hl_trace_stats st;
        const struct hl_stack *stk;
        struct tbuf t;

        snap_new(&s, PID);
        add(&s, 0x40, "Event", "");
        /* newest first: 0x40 was opened, closed, and opened again */
        tb_init(&t, ps, 3);
        tb_add(&t, 0x40, PID, 7, HL_TRACE_OPEN,
               ps == 8 ? new_fr : (const uint64_t[]){ 0x402000, 0x403000,
                                                      0 });
        tb_add(&t, 0x40, PID, 6, HL_TRACE_CLOSE, NULL);
        tb_add(&t, 0x40, PID, 5, HL_TRACE_OPEN,
               ps == 8 ? old_fr : (const uint64_t[]){ 0x401000, 0 });
        parse_and_apply(&s, &t, &st);
        stk = hl_snapshot_handle_stack(&s, 0);
        assert_non_null(stk);
        assert_int_equal(stk->thread_id, 7);
        assert_int_equal(stk->depth, 2);
        assert_int_equal(s.frames[stk->first],
                         ps == 8 ? 0x7ff600002000ull : 0x402000);
        assert_int_equal(st.matched, 1);
        assert_int_equal(st.closed, 0);
        hl_snapshot_release(&s);
    }
}

static void test_trace_close_after_open_gives_no_stack(void **state)
{
    struct hl_snapshot *s = *state;
    struct hl_trace_stats st;
    struct tbuf t;

    add_two_events(s);
    /* 0x40's newest record is a close: its reopen fell out of the ring,
     * the open below belongs to the handle that was closed */
    tb_init(&t, 8, 3);
    tb_add(&t, 0x40, PID, 2, HL_TRACE_CLOSE, NULL);
    tb_add(&t, 0x44, PID, 2, HL_TRACE_OPEN, user_fr);
    tb_add(&t, 0x40, PID, 1, HL_TRACE_OPEN, user_fr);
    parse_and_apply(s, &t, &st);
    assert_null(hl_snapshot_handle_stack(s, idx(s, 0x40)));
    assert_non_null(hl_snapshot_handle_stack(s, idx(s, 0x44)));
    assert_int_equal(st.closed, 1);
    assert_int_equal(st.matched, 1);
}

static void test_trace_foreign_badref_and_zeroed_ignored(void **state)
{
    static const uint64_t kernel_only[] = { 0xfffff80000001000ull, 0 };
    struct hl_snapshot *s = *state;
    struct hl_trace_stats st;
    struct tbuf t;

    add(s, 0x40, "Event", "");
    add(s, 0x44, "Mutant", "");
    add(s, 0x48, "File", "C:\\x");
    tb_init(&t, 8, 5);
    /* another process's record of the same value (a DuplicateHandle into
     * the target runs in the source's context) */
    tb_add(&t, 0x40, PID + 4, 3, HL_TRACE_OPEN, user_fr);
    tb_add(&t, 0x40, PID, 2, HL_TRACE_BADREF, user_fr);
    tb_add(&t, 0x40, PID, 1, HL_TRACE_OPEN,
           (const uint64_t[]){ 0x7ff600005000ull, 0 });
    /* zeroed stacks (24H2 without SeDebugPrivilege) and kernel-only */
    tb_add(&t, 0x44, PID, 1, HL_TRACE_OPEN, NULL);
    tb_add(&t, 0x48, PID, 1, HL_TRACE_OPEN, kernel_only);
    parse_and_apply(s, &t, &st);
    assert_int_equal(st.records, 5);
    assert_int_equal(st.foreign, 1);
    assert_int_equal(st.matched, 1);
    assert_int_equal(st.zeroed, 2);
    assert_int_equal(st.untraced, 0);
    assert_int_equal(s->frames[hl_snapshot_handle_stack(s, 0)->first],
                     0x7ff600005000ull);
    assert_null(hl_snapshot_handle_stack(s, 1));
    assert_null(hl_snapshot_handle_stack(s, 2));
}

static void test_trace_module_offset_offline(void **state)
{
    static const uint64_t fr[] = { 0x7ff612341234ull, 0x7ffa00000010ull,
                                   0x10, 0 };
    struct hl_snapshot s, r;
    struct tbuf t;
    unsigned char *buf;
    size_t len;
    char txt[128];
    const struct hl_stack *stk;

    (void)state;
    snap_new(&s, PID);
    add(&s, 0x40, "Event", "");
    assert_int_equal(hl_snapshot_add_module(&s, "C:\\app\\server.exe",
                                            0x7ff612340000ull, 0x10000,
                                            0x5f000000),
                     0);
    assert_int_equal(hl_snapshot_add_module(&s,
                                            "C:\\Windows\\System32\\"
                                            "KERNELBASE.dll",
                                            0x7ffa00000000ull, 0x200000, 0),
                     0);
    tb_init(&t, 8, 1);
    tb_add(&t, 0x40, PID, 9, HL_TRACE_OPEN, fr);
    parse_and_apply(&s, &t, NULL);
    /* a symbol for one address, as --symbols stores it */
    assert_int_equal(hl_snapshot_add_symbol(&s, 0x7ffa00000010ull,
                                            "KERNELBASE.dll!CreateEventW+0x10"),
                     0);
    /* written, then read back as on another machine */
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    assert_int_equal(hl_snapshot_init(&r), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &r, NULL), 0);
    hl__free(buf);
    stk = hl_snapshot_handle_stack(&r, 0);
    assert_non_null(stk);
    assert_int_equal(stk->depth, 3);
    assert_int_equal(stk->thread_id, 9);
    assert_string_equal(hl_snapshot_resolve(&r, r.frames[stk->first], txt,
                                            sizeof(txt)),
                        "server.exe+0x1234");
    assert_string_equal(hl_snapshot_resolve(&r, r.frames[stk->first + 1],
                                            txt, sizeof(txt)),
                        "KERNELBASE.dll!CreateEventW+0x10");
    assert_string_equal(hl_snapshot_resolve(&r, r.frames[stk->first + 2],
                                            txt, sizeof(txt)),
                        "0x0000000000000010");
    assert_null(hl_snapshot_symbol(&r, 0x7ff612341234ull));
    hl_snapshot_release(&r);
    hl_snapshot_release(&s);
}

static void test_trace_symbols_sorted_and_replaced(void **state)
{
    struct hl_snapshot s;

    (void)state;
    snap_new(&s, PID);
    assert_int_equal(hl_snapshot_add_symbol(&s, 30, "c"), 0);
    assert_int_equal(hl_snapshot_add_symbol(&s, 10, "a"), 0);
    assert_int_equal(hl_snapshot_add_symbol(&s, 20, "b"), 0);
    assert_int_equal(hl_snapshot_add_symbol(&s, 20, "b2"), 0);
    assert_int_equal(s.nsymbols, 3);
    assert_int_equal(s.symbols[0].address, 10);
    assert_int_equal(s.symbols[2].address, 30);
    assert_string_equal(hl_snapshot_symbol(&s, 20), "b2");
    assert_null(hl_snapshot_symbol(&s, 25));
    hl_snapshot_release(&s);
}

static void test_trace_apply_oom_fails_cleanly(void **state)
{
    unsigned long nth;

    (void)state;
    for (nth = 1; nth < 40; nth++) {
        struct hl_snapshot s;
        struct hl_trace_entry *e;
        struct tbuf t;
        size_t n;
        int trunc, err;

        snap_new(&s, PID);
        add_two_events(&s);
        tb_init(&t, 8, 2);
        tb_add(&t, 0x40, PID, 1, HL_TRACE_OPEN, user_fr);
        tb_add(&t, 0x44, PID, 1, HL_TRACE_OPEN, user_fr);
        hl__alloc_fail_at(nth, 1);
        err = hl_trace_parse(t.data, t.len, 8, &e, &n, &trunc);
        if (err == 0) {
            err = hl_trace_apply(&s, e, n, NULL);
            hl_trace_free(e);
        }
        hl__alloc_fail_at(0, 0);
        assert_true(err == 0 || err == HL_ENOMEM);
        if (err == 0)
            assert_non_null(hl_snapshot_handle_stack(&s, 1));
        hl_snapshot_release(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_parse_x64_layout),
        cmocka_unit_test(test_trace_parse_x86_layout),
        cmocka_unit_test(test_trace_parse_refuses_short_and_caps_total),
        cmocka_unit_test(test_trace_newest_open_wins_for_reused_value),
        cmocka_unit_test_setup_teardown(
            test_trace_close_after_open_gives_no_stack, snap_setup,
            snap_teardown),
        cmocka_unit_test_setup_teardown(
            test_trace_foreign_badref_and_zeroed_ignored, snap_setup,
            snap_teardown),
        cmocka_unit_test(test_trace_module_offset_offline),
        cmocka_unit_test(test_trace_symbols_sorted_and_replaced),
        cmocka_unit_test(test_trace_apply_oom_fails_cleanly),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
