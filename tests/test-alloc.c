/* The array helpers every module grows, sorts and searches its arrays
 * with (alloc.c, strutil.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/err.h"

struct item {
    uint64_t a;
    char b[13];
};

static int all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;

    while (n-- > 0)
        if (*c++ != 0)
            return 0;
    return 1;
}

static void test_push_appends_zeroed(void **state)
{
    struct item *arr = NULL, *e = NULL;
    size_t cap = 0, count = 0, i;

    (void)state;
    for (i = 0; i < 100; i++) {
        assert_int_equal(hl__push((void **)&arr, &cap, &count, sizeof(*arr),
                                  (void **)&e), 0);
        assert_int_equal(count, i + 1);
        assert_ptr_equal(e, &arr[i]);
        assert_true(all_zero(e, sizeof(*e)));
        e->a = i;
        e->b[0] = 'x';
    }
    assert_true(cap >= 100);
    for (i = 0; i < 100; i++)
        assert_true(arr[i].a == i && arr[i].b[0] == 'x');
    hl__free(arr);
}

static void test_push_failure_changes_nothing(void **state)
{
    struct item *arr = NULL, *e = NULL;
    size_t cap = 0, count = 0;

    (void)state;
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl__push((void **)&arr, &cap, &count, sizeof(*arr),
                              (void **)&e), HL_ENOMEM);
    hl__alloc_fail_at(0, 0);
    assert_null(arr);
    assert_int_equal(cap, 0);
    assert_int_equal(count, 0);
}

static void test_grow_zeroed_zeroes_only_the_new(void **state)
{
    uint32_t *arr = NULL;
    size_t cap = 0, i;

    (void)state;
    assert_int_equal(hl__grow_zeroed((void **)&arr, &cap, 3, sizeof(*arr)),
                     0);
    assert_true(cap >= 3);
    assert_true(all_zero(arr, cap * sizeof(*arr)));
    for (i = 0; i < cap; i++)
        arr[i] = 7;
    i = cap;
    assert_int_equal(hl__grow_zeroed((void **)&arr, &cap, i + 1,
                                     sizeof(*arr)), 0);
    assert_true(cap > i);
    assert_int_equal(arr[0], 7);
    assert_int_equal(arr[i - 1], 7);
    assert_true(all_zero(arr + i, (cap - i) * sizeof(*arr)));
    /* no growth needed: nothing touched */
    arr[i] = 5;
    assert_int_equal(hl__grow_zeroed((void **)&arr, &cap, i + 1,
                                     sizeof(*arr)), 0);
    assert_int_equal(arr[i], 5);
    assert_int_equal(hl__grow_zeroed((void **)&arr, &cap, SIZE_MAX,
                                     sizeof(*arr)), HL_ETOOBIG);
    hl__free(arr);
}

static uint64_t item_key(const void *elem)
{
    return ((const struct item *)elem)->a;
}

static void test_lower_bound_and_pair_order(void **state)
{
    struct item v[5] = {{2, ""}, {4, ""}, {4, ""}, {9, ""}, {UINT64_MAX, ""}};

    (void)state;
    assert_int_equal(hl__lower_bound(v, 5, sizeof(*v), 0, item_key), 0);
    assert_int_equal(hl__lower_bound(v, 5, sizeof(*v), 2, item_key), 0);
    assert_int_equal(hl__lower_bound(v, 5, sizeof(*v), 3, item_key), 1);
    assert_int_equal(hl__lower_bound(v, 5, sizeof(*v), 4, item_key), 1);
    assert_int_equal(hl__lower_bound(v, 5, sizeof(*v), 5, item_key), 3);
    assert_int_equal(hl__lower_bound(v, 5, sizeof(*v), UINT64_MAX, item_key),
                     4);
    assert_int_equal(hl__lower_bound(v, 4, sizeof(*v), 10, item_key), 4);
    assert_int_equal(hl__lower_bound(v, 0, sizeof(*v), 1, item_key), 0);
    /* the first key decides; the second breaks ties; no overflow */
    assert_int_equal(hl__cmp_pair(1, 9, 2, 0), -1);
    assert_int_equal(hl__cmp_pair(UINT64_MAX, 0, 0, 9), 1);
    assert_int_equal(hl__cmp_pair(5, 1, 5, 2), -1);
    assert_int_equal(hl__cmp_pair(5, UINT64_MAX, 5, 0), 1);
    assert_int_equal(hl__cmp_pair(5, 7, 5, 7), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_appends_zeroed),
        cmocka_unit_test(test_push_failure_changes_nothing),
        cmocka_unit_test(test_grow_zeroed_zeroes_only_the_new),
        cmocka_unit_test(test_lower_bound_and_pair_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
