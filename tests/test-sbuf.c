#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "json.h"

static void test_sbuf_printf_short_and_long(void **state)
{
    struct hl__sbuf b;
    char big[1000];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    hl__sbuf_init(&b);
    hl__sbuf_printf(&b, "%d-%s", 42, "a");
    hl__sbuf_printf(&b, "[%s]", big);
    assert_int_equal(b.err, 0);
    assert_int_equal(b.len, 4 + 1001);
    assert_memory_equal(b.data, "42-a[xxx", 8);
    assert_string_equal(b.data + b.len - 2, "x]");
    hl__sbuf_release(&b);
}

/* in through one of the escaping appenders gives want. */
static void expect_escaped(void (*escape)(struct hl__sbuf *, const char *),
                           const char *in, const char *want)
{
    struct hl__sbuf b;

    hl__sbuf_init(&b);
    escape(&b, in);
    assert_string_equal(b.data, want);
    hl__sbuf_release(&b);
}

static void test_sbuf_xml_escapes(void **state)
{
    (void)state;
    expect_escaped(hl__sbuf_xml, "a<b>&\"c'\x01\t\xc3\xa9",
                   "a&lt;b&gt;&amp;&quot;c&apos;\xef\xbf\xbd\t\xc3\xa9");
}

static void test_sbuf_json_escapes(void **state)
{
    (void)state;
    expect_escaped(hl__sbuf_json, "C:\\a \"b\"\n\x1f",
                   "\"C:\\\\a \\\"b\\\"\\n\\u001f\"");
}

static void test_sbuf_oom_sticks(void **state)
{
    struct hl__sbuf b;

    (void)state;
    hl__sbuf_init(&b);
    hl__alloc_fail_at(1, 0);
    hl__sbuf_puts(&b, "first");
    hl__alloc_fail_at(0, 0);
    hl__sbuf_puts(&b, "second");
    assert_int_equal(b.err, HL_ENOMEM);
    assert_int_equal(b.len, 0);
    hl__sbuf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sbuf_printf_short_and_long),
        cmocka_unit_test(test_sbuf_xml_escapes),
        cmocka_unit_test(test_sbuf_json_escapes),
        cmocka_unit_test(test_sbuf_oom_sticks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
