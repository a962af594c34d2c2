#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hleak/caps.h"
#include "hleak/collect.h"
#include "dump.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "launch.h"
#include "trace.h"

/*
 * hl_capabilities() tells the truth about each live part on its own: a
 * capability it reports answers a call (here: a pid no system has, which
 * each refuses as no such process), one it does not report returns
 * HL_ENOTSUP. The same file passes on every build, whatever was built.
 */

#define NO_SUCH_PID 0x100000000ull

static void check(unsigned cap, int err)
{
    if (hl_capabilities() & cap)
        assert_int_equal(err, HL_ENOPROC);
    else
        assert_int_equal(err, HL_ENOTSUP);
}

static void test_caps_collect(void **state)
{
    struct hl_collect_opts opts = {NO_SUCH_PID, 0, 1, 0, 0, 0};
    struct hl_snapshot s;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    check(HL_CAP_COLLECT, hl_collect(&opts, &s, NULL));
    hl_snapshot_release(&s);
    /* GUI counts come with a collection, never alone */
    if (hl_capabilities() & HL_CAP_GUI)
        assert_true(hl_capabilities() & HL_CAP_COLLECT);
}

static void test_caps_dump(void **state)
{
    (void)state;
    check(HL_CAP_DUMP, hl_dump_write(NO_SUCH_PID, "hleak-caps.dmp", NULL));
}

static void test_caps_trace(void **state)
{
    size_t records;
    int on;

    (void)state;
    check(HL_CAP_TRACE, hl_trace_status(NO_SUCH_PID, &on, &records, NULL));
}

/* The whole-system view takes no pid: with the capability it answers. */
static void test_caps_system(void **state)
{
    struct hl_system *sys = NULL;
    int err = hl_system_take(0, &sys, NULL);

    (void)state;
    if (hl_capabilities() & HL_CAP_SYSTEM) {
        assert_int_equal(err, 0);
        assert_true(hl_system_count(sys) > 0);
    } else {
        assert_int_equal(err, HL_ENOTSUP);
        assert_null(sys);
    }
    hl_system_free(sys);
}

/* A search needs a view: without the capability there is none, and the
 * stub says HL_ENOTSUP whatever it is given. */
static void test_caps_find(void **state)
{
    struct hl_system *sys = NULL;
    struct hl_find *f = NULL;
    struct hl_find_opts o;
    int err;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.pattern = "hl-caps-no-such-name-*";
    if (!(hl_capabilities() & HL_CAP_FIND)) {
        assert_int_equal(hl_system_find(NULL, &o, &f, NULL), HL_ENOTSUP);
        assert_null(f);
        return;
    }
    assert_int_equal(hl_system_take(0, &sys, NULL), 0);
    err = hl_system_find(sys, &o, &f, NULL);
    assert_int_equal(err, 0);
    assert_int_equal(hl_find_count(f), 0);
    hl_find_free(f);
    hl_system_free(sys);
}

/* A program no system has: refused as no such file, or not supported. */
static void test_caps_launch(void **state)
{
    char *argv[] = {"hl-caps-no-such-program-here.exe", NULL};
    struct hl_launch_opts o = {argv, 0};
    struct hl_launch *l = NULL;
    uint64_t pid;

    (void)state;
    assert_int_equal(hl_launch_start(&o, &l, &pid, NULL),
                     (hl_capabilities() & HL_CAP_LAUNCH) ? HL_ENOENT
                                                         : HL_ENOTSUP);
    assert_null(l);
}

static void test_caps_known_bits_only(void **state)
{
    (void)state;
    assert_int_equal(hl_capabilities() & ~(HL_CAP_COLLECT | HL_CAP_GUI |
                                           HL_CAP_DUMP | HL_CAP_TRACE |
                                           HL_CAP_SYSTEM | HL_CAP_FIND |
                                           HL_CAP_LAUNCH),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps_collect),
        cmocka_unit_test(test_caps_dump),
        cmocka_unit_test(test_caps_trace),
        cmocka_unit_test(test_caps_system),
        cmocka_unit_test(test_caps_find),
        cmocka_unit_test(test_caps_launch),
        cmocka_unit_test(test_caps_known_bits_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
