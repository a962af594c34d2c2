/*
 * The self-test's judgements (src/cli/selftest-check.c) fed right and
 * wrong answers: every check must fail when the system answers wrongly,
 * and read "not supported here" only when it said it cannot.
 */
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
#include "selftest.h"
#include "testutil.h"

#define TAG "hleak-selftest-77"
#define EVENT "\\Sessions\\1\\BaseNamedObjects\\" TAG "-event"

static void add(struct hl_snapshot *s, uint32_t value, const char *type,
                const char *name, uint8_t name_err)
{
    assert_int_equal(hl_test_add(s, value, type, name, NULL, 0x1f0003), 0);
    s->handles[s->count - 1].name_err = name_err;
}

static void target(struct hl_snapshot *s, uint32_t value, uint8_t state,
                   uint32_t id, uint32_t code)
{
    struct hl_target t;
    size_t i;

    memset(&t, 0, sizeof(t));
    t.state = state;
    t.id = id;
    if (state == HL_TARGET_EXITED) {
        t.flags = HL_TARGET_HAS_CODE;
        t.exit_code = code;
    }
    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == value)
            assert_int_equal(hl_snapshot_set_target(s, i, &t), 0);
    }
}

static void line(struct st_manifest *m, const char *text)
{
    assert_int_equal(st_manifest_line(m, text), 0);
}

/* What the child announces, and a snapshot that agrees with it, with
 * `events` handles to the named event (ST_EVENTS is right). */
static void world(struct st_manifest *m, struct hl_snapshot *s,
                  unsigned events)
{
    char buf[64];
    unsigned i;

    st_manifest_init(m, TAG, "\\" TAG "-0\\held.txt");
    assert_int_equal(hl_snapshot_init(s), 0);
    assert_int_equal(hl_snapshot_intern(s, "SystemExtendedHandleInformation",
                                        &s->method),
                     0);
    for (i = 0; i < events; i++) {
        if (i < ST_EVENTS) {
            snprintf(buf, sizeof(buf), "event %x", 0x100 + 4 * i);
            line(m, buf);
        }
        add(s, 0x100 + 4 * i, "Event", EVENT, HL_NAME_ERR_NONE);
    }
    line(m, "file 10");
    add(s, 0x10, "File", "C:\\Temp\\" TAG "-0\\held.txt", 0);
    line(m, "key 14");
    add(s, 0x14, "Key", "HKCU\\Software\\" TAG, 0);
    line(m, "section 18");
    add(s, 0x18, "Section",
        "\\Sessions\\1\\BaseNamedObjects\\" TAG "-section", 0);
    line(m, "thread 1c 500 alive");
    add(s, 0x1c, "Thread", "tid 500 in hleak.exe", 0);
    target(s, 0x1c, HL_TARGET_ALIVE, 500, 0);
    line(m, "thread 20 501 exited 24095");
    add(s, 0x20, "Thread", "tid 501 in hleak.exe", 0);
    target(s, 0x20, HL_TARGET_EXITED, 501, ST_THREAD_CODE);
    line(m, "process 24 77");
    add(s, 0x24, "Process", "hleak.exe (pid 77)", 0);
    target(s, 0x24, HL_TARGET_ALIVE, 77, 0);
    line(m, "pipe 28");
    add(s, 0x28, "File", "", HL_NAME_ERR_TIMEOUT);
    line(m, "gui 1 1");
    assert_int_equal(st_manifest_line(m, "ready"), 1);
    s->gui.flags = HL_GUI_ALL;
    s->gui.gdi = s->gui.user = 3;
}

static void teardown(struct st_manifest *m, struct hl_snapshot *s)
{
    st_manifest_release(m);
    hl_snapshot_release(s);
}

/* A world and an empty report on it. */
struct world_fx {
    struct st_manifest m;
    struct hl_snapshot s;
    struct st_report r;
};

static void world_fx_make(struct world_fx *w, unsigned events)
{
    memset(&w->r, 0, sizeof(w->r));
    world(&w->m, &w->s, events);
}

static void world_fx_release(struct world_fx *w)
{
    teardown(&w->m, &w->s);
}

/* The agreeing world (ST_EVENTS) as the test's state. */
static int world_setup(void **state)
{
    static struct world_fx fx;

    world_fx_make(&fx, ST_EVENTS);
    *state = &fx;
    return 0;
}

static int world_teardown(void **state)
{
    struct world_fx *w = *state;

    teardown(&w->m, &w->s);
    return 0;
}

static void test_manifest_lines(void **state)
{
    static const char *const bad[] = {
        "", "event", "event zz", "event 100000000", "event 1 2",
        "thread 1 2", "thread 1 2 sleeping", "thread 1 2 exited",
        "process 1", "gui 1", "gui -1 2", "bogus 1", "ready now",
        "event -1",
    };
    struct st_manifest m;
    size_t i;

    (void)state;
    st_manifest_init(&m, TAG, "");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(st_manifest_line(&m, bad[i]), HL_EINVAL);
    assert_int_equal(m.n, 0);
    line(&m, "thread 1c 500 exited 7\r");
    assert_int_equal(m.n, 1);
    assert_int_equal(m.items[0].value, 0x1c);
    assert_int_equal(m.items[0].id, 500);
    assert_int_equal(m.items[0].exited, 1);
    assert_int_equal(m.items[0].code, 7);
    assert_int_equal(st_manifest_count(&m, ST_THREAD), 1);
    st_manifest_release(&m);
}

static void test_snapshot_right(void **state)
{
    struct world_fx *w = *state;

    st_check_snapshot(&w->m, &w->s, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_LIST].verdict, ST_OK);
    assert_non_null(strstr(w->r.rows[ST_ROW_LIST].detail, "class 64"));
    assert_int_equal(w->r.rows[ST_ROW_NAMES].verdict, ST_OK);
    assert_int_equal(w->r.rows[ST_ROW_TARGETS].verdict, ST_OK);
    /* every address 0: zeroed, which is not a failure */
    assert_int_equal(w->r.rows[ST_ROW_OBJECTS].verdict, ST_UNSUPPORTED);
    assert_int_equal(w->r.rows[ST_ROW_GUI].verdict, ST_OK);
    st_check_hang(&w->m, &w->s, 600, 500, 12000, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_HANG].verdict, ST_OK);
}

/* The test fault's world: one handle more than announced. */
static void test_snapshot_uncounted_event(void **state)
{
    struct world_fx w;

    (void)state;
    world_fx_make(&w, ST_EVENTS + 1);
    st_check_snapshot(&w.m, &w.s, &w.r);
    assert_int_equal(w.r.rows[ST_ROW_LIST].verdict, ST_FAILED);
    assert_non_null(strstr(w.r.rows[ST_ROW_LIST].detail, "102"));
    world_fx_release(&w);
}

/* Ways the system can answer wrongly: each spoils the agreeing world. */
static void wrong_type(struct hl_snapshot *s)
{
    assert_int_equal(hl_snapshot_intern(s, "Mutant", &s->handles[0].type), 0);
}

static void missing_handle(struct hl_snapshot *s)
{
    s->handles[ST_EVENTS + 1].value = 0xfff0;
}

static void wrong_name(struct hl_snapshot *s)
{
    assert_int_equal(hl_snapshot_intern(s, "HKCU\\Software\\other",
                                        &s->handles[ST_EVENTS + 1].name),
                     0);
}

static void name_not_read(struct hl_snapshot *s)
{
    s->handles[ST_EVENTS].name_err = HL_NAME_ERR_ACCESS;
}

static void live_thread_exited(struct hl_snapshot *s)
{
    target(s, 0x1c, HL_TARGET_EXITED, 500, 0);
}

static void wrong_exit_code(struct hl_snapshot *s)
{
    target(s, 0x20, HL_TARGET_EXITED, 501, 1);
}

static void gui_below(struct hl_snapshot *s)
{
    s->gui.gdi = 0;
}

static void test_snapshot_wrong(void **state)
{
    static const struct {
        void (*spoil)(struct hl_snapshot *s);
        int row;
    } cases[] = {
        { wrong_type, ST_ROW_LIST },
        { missing_handle, ST_ROW_LIST },
        { wrong_name, ST_ROW_NAMES },
        { name_not_read, ST_ROW_NAMES },
        { live_thread_exited, ST_ROW_TARGETS },
        { wrong_exit_code, ST_ROW_TARGETS },
        { gui_below, ST_ROW_GUI },
    };
    struct world_fx w;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        world_fx_make(&w, ST_EVENTS);
        cases[i].spoil(&w.s);
        st_check_snapshot(&w.m, &w.s, &w.r);
        assert_int_equal(w.r.rows[cases[i].row].verdict, ST_FAILED);
        world_fx_release(&w);
    }

    /* GUI counts not reported at all */
    world_fx_make(&w, ST_EVENTS);
    w.s.gui.flags = HL_GUI_ASKED;
    st_check_snapshot(&w.m, &w.s, &w.r);
    assert_int_equal(w.r.rows[ST_ROW_GUI].verdict, ST_UNSUPPORTED);
    world_fx_release(&w);
}

static void test_objects(void **state)
{
    struct world_fx *w = *state;
    size_t i;

    for (i = 0; i < w->s.count; i++)
        assert_int_equal(
            hl_snapshot_set_object(&w->s, i,
                                   i < ST_EVENTS ? 0xffff1000u : 0x2000u + i),
            0);
    st_check_snapshot(&w->m, &w->s, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_OBJECTS].verdict, ST_OK);
    /* two objects for one event */
    assert_int_equal(hl_snapshot_set_object(&w->s, 3, 0xffff2000u), 0);
    st_check_snapshot(&w->m, &w->s, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_OBJECTS].verdict, ST_FAILED);
    /* some addresses hidden, some not */
    assert_int_equal(hl_snapshot_set_object(&w->s, 3, 0xffff1000u), 0);
    assert_int_equal(hl_snapshot_set_object(&w->s, ST_EVENTS, 0), 0);
    st_check_snapshot(&w->m, &w->s, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_OBJECTS].verdict, ST_FAILED);
}

static void test_class51(void **state)
{
    /* it answered, yet the collector did not use it: wrong */
    static const struct {
        int have_status;
        uint32_t status;
        int verdict;
    } cases[] = {
        { 1, 0xC0000003u, ST_UNSUPPORTED }, { 1, 0xC0000002u, ST_UNSUPPORTED },
        { 1, 0, ST_FAILED }, { 1, 0xC0000004u, ST_FAILED },
        { 1, 0xC0000022u, ST_FAILED }, { 0, 0, ST_FAILED },
    };
    struct hl_snapshot s;
    struct st_report r;
    size_t i;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_snapshot_intern(&s, "SystemExtendedHandleInformation",
                                        &s.method),
                     0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_check_class51(&s, cases[i].have_status, cases[i].status, &r);
        assert_int_equal(r.rows[ST_ROW_CLASS51].verdict, cases[i].verdict);
    }
    assert_int_equal(hl_snapshot_intern(&s, "ProcessHandleInformation",
                                        &s.method),
                     0);
    st_check_class51(&s, 0, 0, &r);
    assert_int_equal(r.rows[ST_ROW_CLASS51].verdict, ST_OK);
    hl_snapshot_release(&s);
}

static void test_hang(void **state)
{
    struct world_fx *w = *state;

    st_check_hang(&w->m, &w->s, 12001, 500, 12000, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_HANG].verdict, ST_FAILED);
    w->s.handles[w->s.count - 1].name_err = HL_NAME_ERR_QUERY;
    st_check_hang(&w->m, &w->s, 10, 500, 12000, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_HANG].verdict, ST_FAILED);
    /* named: it must be the pipe's name */
    w->s.handles[w->s.count - 1].name_err = HL_NAME_ERR_NONE;
    st_check_hang(&w->m, &w->s, 10, 500, 12000, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_HANG].verdict, ST_FAILED);
    assert_int_equal(hl_snapshot_intern(&w->s,
                                        "\\Device\\NamedPipe\\" TAG "-pipe",
                                        &w->s.handles[w->s.count - 1].name),
                     0);
    st_check_hang(&w->m, &w->s, 10, 500, 12000, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_HANG].verdict, ST_OK);
    w->s.handles[w->s.count - 1].value = 0xfff0;
    st_check_hang(&w->m, &w->s, 10, 500, 12000, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_HANG].verdict, ST_FAILED);
}

static void test_diff(void **state)
{
    struct st_manifest m, m2;
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;
    struct st_report r;

    (void)state;
    memset(&r, 0, sizeof(r));
    memset(&o, 0, sizeof(o));
    world(&m, &a, ST_EVENTS);
    world(&m2, &b, ST_EVENTS + ST_DIFF_MORE);
    a.pid = b.pid = 77;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    st_check_diff(&m, &d, ST_DIFF_MORE, &r);
    assert_int_equal(r.rows[ST_ROW_DIFF].verdict, ST_OK);
    st_check_diff(&m, &d, ST_DIFF_MORE + 1, &r);
    assert_int_equal(r.rows[ST_ROW_DIFF].verdict, ST_FAILED);
    hl_diff_release(&d);
    /* other processes: matched by name, which proves nothing */
    b.pid = 78;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    st_check_diff(&m, &d, ST_DIFF_MORE, &r);
    assert_int_equal(r.rows[ST_ROW_DIFF].verdict, ST_FAILED);
    hl_diff_release(&d);
    teardown(&m, &a);
    teardown(&m2, &b);
}

static void test_snapshot_diff(void **state)
{
    struct st_manifest m, m2;
    struct hl_snapshot a, b;

    (void)state;
    world(&m, &a, ST_EVENTS);
    world(&m2, &b, ST_EVENTS);
    assert_null(st_snapshot_diff(&a, &b));
    b.handles[5].granted_access ^= 1;
    assert_non_null(st_snapshot_diff(&a, &b));
    b.handles[5].granted_access ^= 1;
    assert_int_equal(hl_snapshot_intern(&b, "x", &b.handles[7].name), 0);
    assert_non_null(st_snapshot_diff(&a, &b));
    teardown(&m2, &b);
    world(&m2, &b, ST_EVENTS);
    target(&b, 0x1c, HL_TARGET_EXITED, 500, 0);
    assert_non_null(st_snapshot_diff(&a, &b));
    teardown(&m2, &b);
    world(&m2, &b, ST_EVENTS + 1);
    assert_non_null(st_snapshot_diff(&a, &b));
    teardown(&m, &a);
    teardown(&m2, &b);
}

static void test_trace(void **state)
{
    static const uint64_t frames[2] = {0x1000, 0x2000};
    const uint32_t values[2] = {0x100, 0x104};
    struct world_fx *w = *state;
    uint32_t stack;

    st_check_trace(&w->s, values, 2, 0, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_TRACE].verdict, ST_UNSUPPORTED);
    st_check_trace(&w->s, values, 2, 1, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_TRACE].verdict, ST_FAILED);
    assert_int_equal(hl_snapshot_add_stack(&w->s, 1, frames, 2, &stack), 0);
    assert_int_equal(hl_snapshot_set_handle_stack(&w->s, 0, stack), 0);
    st_check_trace(&w->s, values, 2, 0, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_TRACE].verdict, ST_FAILED);
    assert_int_equal(hl_snapshot_set_handle_stack(&w->s, 1, stack), 0);
    st_check_trace(&w->s, values, 2, 0, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_TRACE].verdict, ST_OK);
}

static void test_dump(void **state)
{
    struct world_fx *w = *state;

    st_check_dump(&w->m, &w->s, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_DUMP].verdict, ST_OK);
    assert_int_equal(
        hl_snapshot_intern(&w->s, "Key", &w->s.handles[2].type), 0);
    st_check_dump(&w->m, &w->s, &w->r);
    assert_int_equal(w->r.rows[ST_ROW_DUMP].verdict, ST_FAILED);
}

/* What write(f, r) writes, freed with free(). */
static char *written(int (*write)(FILE *f, const struct st_report *r),
                     const struct st_report *r)
{
    FILE *f = tmpfile();
    char *buf;

    assert_non_null(f);
    assert_int_equal(write(f, r), 0);
    buf = hl_test_slurp(f);
    assert_non_null(buf);
    return buf;
}

/* Rows never reached fail; the text and JSON count them so. */
static void test_report(void **state)
{
    struct st_report r;
    size_t ok, unsupported, failed;
    char *buf;

    (void)state;
    memset(&r, 0, sizeof(r));
    st_set(&r, ST_ROW_LIST, ST_OK, "fine");
    st_set(&r, ST_ROW_CLASS51, ST_UNSUPPORTED, "no");
    /* a detail cut inside a UTF-8 sequence ("é" is c3 a9) */
    st_set(&r, ST_ROW_NAMES, ST_OK, "%.2s", "x\xc3\xa9");
    assert_string_equal(r.rows[ST_ROW_NAMES].detail, "x?");
    snprintf(r.stopped, sizeof(r.stopped), "the child did not start");
    st_finish(&r);
    assert_int_equal(r.rows[ST_ROW_DUMP].verdict, ST_FAILED);
    assert_non_null(strstr(r.rows[ST_ROW_DUMP].detail, "did not start"));
    st_tally(&r, &ok, &unsupported, &failed);
    assert_int_equal(ok, 2);
    assert_int_equal(unsupported, 1);
    assert_int_equal(failed, ST_ROW_COUNT - 3);

    buf = written(st_report_json, &r);
    assert_non_null(strstr(buf, "\"check\": \"class-51\", \"result\": "
                                "\"unsupported\""));
    assert_non_null(strstr(buf, "\"failed\": 10"));
    assert_non_null(strstr(buf, "\"elevated\": false"));

    r.elevated = -1;
    r.fault = ST_FAULT_NAME;
    free(buf);
    buf = written(st_report_text, &r);
    assert_non_null(strstr(buf, "2 ok, 1 not supported here, 10 FAILED"));
    assert_non_null(strstr(buf, "test fault injected"));
    assert_non_null(strstr(buf, "process: not WOW64, unknown"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_lines),
        cmocka_unit_test_setup_teardown(test_snapshot_right, world_setup,
                                        world_teardown),
        cmocka_unit_test(test_snapshot_uncounted_event),
        cmocka_unit_test(test_snapshot_wrong),
        cmocka_unit_test_setup_teardown(test_objects, world_setup,
                                        world_teardown),
        cmocka_unit_test(test_class51),
        cmocka_unit_test_setup_teardown(test_hang, world_setup,
                                        world_teardown),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_snapshot_diff),
        cmocka_unit_test_setup_teardown(test_trace, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_dump, world_setup,
                                        world_teardown),
        cmocka_unit_test(test_report),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
