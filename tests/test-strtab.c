#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "strtab.h"

static void test_strtab_id_zero_is_empty(void **state)
{
    struct hl_strtab st;
    uint32_t id = 99;

    (void)state;
    assert_int_equal(hl_strtab_init(&st), 0);
    assert_int_equal(st.count, 1);
    assert_string_equal(hl_strtab_get(&st, 0), "");
    assert_int_equal(hl_strtab_len(&st, 0), 0);
    assert_int_equal(hl_strtab_intern(&st, "", 0, &id), 0);
    assert_int_equal(id, 0);
    /* A non-NULL pointer with length 0 is the empty string too. */
    id = 99;
    assert_int_equal(hl_strtab_intern(&st, "abc", 0, &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(st.count, 1);
    hl_strtab_release(&st);
}

static void test_strtab_interning_dedups(void **state)
{
    struct hl_strtab st;
    uint32_t a, b, c, d, e;

    (void)state;
    assert_int_equal(hl_strtab_init(&st), 0);
    assert_int_equal(hl_strtab_intern(&st, "Event", 5, &a), 0);
    assert_int_equal(hl_strtab_intern(&st, "File", 4, &b), 0);
    assert_int_equal(hl_strtab_intern(&st, "Event", 5, &c), 0);
    /* A prefix is a different string, and the length bounds the read. */
    assert_int_equal(hl_strtab_intern(&st, "Eventually", 2, &d), 0);
    assert_int_equal(hl_strtab_intern(&st, "Ev", 2, &e), 0);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_int_equal(c, a);
    assert_int_equal(d, 3);
    assert_int_equal(e, d);
    assert_int_equal(st.count, 4);
    assert_string_equal(hl_strtab_get(&st, a), "Event");
    assert_string_equal(hl_strtab_get(&st, b), "File");
    assert_string_equal(hl_strtab_get(&st, d), "Ev");
    assert_int_equal(hl_strtab_len(&st, a), 5);
    assert_null(hl_strtab_get(&st, 4));
    assert_int_equal(hl_strtab_len(&st, 4), 0);
    hl_strtab_release(&st);
}

static void test_strtab_grows_past_100k(void **state)
{
    struct hl_strtab st;
    char s[32];
    uint32_t i, id;
    int n;

    (void)state;
    assert_int_equal(hl_strtab_init(&st), 0);
    for (i = 1; i <= 100000; i++) {
        n = snprintf(s, sizeof(s), "\\BaseNamedObjects\\obj-%u", i);
        assert_int_equal(hl_strtab_intern(&st, s, (size_t)n, &id), 0);
        assert_int_equal(id, i);
    }
    assert_int_equal(st.count, 100001);
    /* Every string is still found, with its first id, after the growth. */
    for (i = 1; i <= 100000; i++) {
        n = snprintf(s, sizeof(s), "\\BaseNamedObjects\\obj-%u", i);
        assert_int_equal(hl_strtab_intern(&st, s, (size_t)n, &id), 0);
        assert_int_equal(id, i);
        assert_string_equal(hl_strtab_get(&st, i), s);
    }
    assert_int_equal(st.count, 100001);
    hl_strtab_release(&st);
}

static void test_strtab_refuses_embedded_nul(void **state)
{
    struct hl_strtab st;
    uint32_t id = 77;

    (void)state;
    assert_int_equal(hl_strtab_init(&st), 0);
    assert_int_equal(hl_strtab_intern(&st, "a\0b", 3, &id), HL_EINVAL);
    assert_int_equal(id, 77);
    assert_int_equal(st.count, 1);
    assert_int_equal(hl_strtab_intern(&st, "a", 1, &id), 0);
    assert_int_equal(id, 1);
    hl_strtab_release(&st);
}

static void test_strtab_init_out_of_memory(void **state)
{
    struct hl_strtab st;
    unsigned long n;
    int err;

    (void)state;
    for (n = 1;; n++) {
        hl__alloc_fail_at(n, 0);
        err = hl_strtab_init(&st);
        hl__alloc_fail_at(0, 0);
        if (err == 0)
            break;
        assert_int_equal(err, HL_ENOMEM);
        assert_null(st.data);
        assert_null(st.slots);
        assert_int_equal(st.count, 0);
    }
    assert_true(n > 1);
    hl_strtab_release(&st);
}

/*
 * Fails each allocation in turn while interning, and checks the table is
 * still whole afterwards: every string interned before the failure keeps
 * its id, and interning works again once memory returns.
 */
static void test_strtab_out_of_memory_leaves_table_usable(void **state)
{
    struct hl_strtab st;
    char s[32];
    unsigned long n;
    uint32_t i, id, done;
    int err, len, failed;

    (void)state;
    for (n = 1;; n++) {
        assert_int_equal(hl_strtab_init(&st), 0);
        failed = 0;
        done = 0;
        hl__alloc_fail_at(n, 0);
        for (i = 1; i <= 200; i++) {
            len = snprintf(s, sizeof(s), "string-%u", i);
            err = hl_strtab_intern(&st, s, (size_t)len, &id);
            if (err != 0) {
                assert_int_equal(err, HL_ENOMEM);
                failed = 1;
                break;
            }
            assert_int_equal(id, i);
            done = i;
        }
        hl__alloc_fail_at(0, 0);
        assert_int_equal(st.count, done + 1);
        for (i = 1; i <= done; i++) {
            len = snprintf(s, sizeof(s), "string-%u", i);
            assert_string_equal(hl_strtab_get(&st, i), s);
            assert_int_equal(hl_strtab_intern(&st, s, (size_t)len, &id), 0);
            assert_int_equal(id, i);
        }
        assert_int_equal(hl_strtab_intern(&st, "after", 5, &id), 0);
        assert_int_equal(id, done + 1);
        assert_string_equal(hl_strtab_get(&st, id), "after");
        hl_strtab_release(&st);
        if (!failed)
            break;
    }
    assert_true(n > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strtab_id_zero_is_empty),
        cmocka_unit_test(test_strtab_interning_dedups),
        cmocka_unit_test(test_strtab_grows_past_100k),
        cmocka_unit_test(test_strtab_refuses_embedded_nul),
        cmocka_unit_test(test_strtab_init_out_of_memory),
        cmocka_unit_test(test_strtab_out_of_memory_leaves_table_usable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
