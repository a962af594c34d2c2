#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hleak/err.h"

static void test_err_codes_are_negative_and_distinct(void **state)
{
    int seen[HL__ERR_COUNT] = {0};
    int code;

    (void)state;
    for (code = -1; code > HL__ERR_END; code--) {
        assert_true(code < 0);
        assert_int_equal(seen[-code - 1], 0);
        seen[-code - 1] = 1;
        assert_string_not_equal(hl_strerror(code), "unknown error");
        assert_string_not_equal(hl_err_name(code), "UNKNOWN");
    }
}

static void test_err_names_match_codes(void **state)
{
    (void)state;
    assert_string_equal(hl_err_name(HL_ENOMEM), "ENOMEM");
    assert_string_equal(hl_strerror(HL_ENOMEM), "out of memory");
    assert_string_equal(hl_err_name(HL_ETRUNC), "ETRUNC");
    assert_string_equal(hl_strerror(HL_OK), "success");
}

static void test_err_unknown_codes(void **state)
{
    (void)state;
    assert_string_equal(hl_strerror(1), "unknown error");
    assert_string_equal(hl_strerror(HL__ERR_END), "unknown error");
    assert_string_equal(hl_err_name(-1000), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_codes_are_negative_and_distinct),
        cmocka_unit_test(test_err_names_match_codes),
        cmocka_unit_test(test_err_unknown_codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
