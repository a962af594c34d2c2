#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "textdec.h"

#define S(lit) (const unsigned char *)(lit), sizeof(lit) - 1

/* Decodes and compares with want; returns the line of a failure. */
static int decode_is(const unsigned char *buf, size_t len, const char *want)
{
    char *out = NULL;
    size_t n = 0, line = 99;
    int err = hl__text_decode(buf, len, &out, &n, &line);

    if (err != 0)
        return err;
    assert_int_equal(line, 0);
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
    hl__free(out);
    return 0;
}

static size_t bad_line(const unsigned char *buf, size_t len)
{
    char *out = NULL;
    size_t n, line = 0;

    assert_int_equal(hl__text_decode(buf, len, &out, &n, &line), HL_EINVAL);
    assert_null(out);
    return line;
}

static void test_textdec_utf8(void **state)
{
    (void)state;
    assert_int_equal(decode_is(S(""), ""), 0);
    assert_int_equal(decode_is(S("Event:*\nFile:x\n"), "Event:*\nFile:x\n"),
                     0);
    /* the BOM goes, CR LF stays for the pattern parser */
    assert_int_equal(decode_is(S("\xef\xbb\xbf" "Event:*\r\n"), "Event:*\r\n"),
                     0);
    assert_int_equal(decode_is(S("File:na\xc3\xafve \xf0\x9f\x98\x80"),
                               "File:na\xc3\xafve \xf0\x9f\x98\x80"),
                     0);
}

static void test_textdec_utf16(void **state)
{
    (void)state;
    assert_int_equal(decode_is(S("\xff\xfe" "E\0v\0:\0*\0\r\0\n\0"),
                               "Ev:*\r\n"),
                     0);
    assert_int_equal(decode_is(S("\xfe\xff" "\0E\0v\0:\0*\0\n"), "Ev:*\n"),
                     0);
    /* U+00EF and a pair (U+1F600) */
    assert_int_equal(decode_is(S("\xff\xfe\xef\0=\xd8\x00\xde"),
                               "\xc3\xaf\xf0\x9f\x98\x80"),
                     0);
    assert_int_equal(decode_is(S("\xff\xfe"), ""), 0);
}

static void test_textdec_refusals_name_the_line(void **state)
{
    (void)state;
    assert_int_equal(bad_line(S("ok\n\xff\n")), 2);
    assert_int_equal(bad_line(S("a\nb\nc\xc0\xaf")), 3);  /* overlong */
    assert_int_equal(bad_line(S("\xed\xa0\x80")), 1);     /* surrogate */
    assert_int_equal(bad_line(S("\xf4\x90\x80\x80")), 1); /* > U+10FFFF */
    assert_int_equal(bad_line(S("abc\xe2\x82")), 1);      /* cut short */
    /* UTF-16 without a BOM reads as UTF-8 with NULs: refused */
    assert_int_equal(bad_line(S("E\0v\0")), 1);
    /* odd length, a lone low surrogate, a high one without its pair */
    assert_int_equal(bad_line(S("\xff\xfe" "a\0\n\0b")), 2);
    assert_int_equal(bad_line(S("\xff\xfe\x00\xdc")), 1);
    assert_int_equal(bad_line(S("\xff\xfe\x3d\xd8" "a\0")), 1);
    assert_int_equal(bad_line(S("\xff\xfe\x3d\xd8")), 1);
    assert_int_equal(bad_line(S("\xfe\xff\0\n\0\0")), 2);
}

static void test_textdec_out_of_memory(void **state)
{
    char *out = NULL;
    size_t n, line;

    (void)state;
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl__text_decode(S("x"), &out, &n, &line), HL_ENOMEM);
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl__text_decode(S("\xff\xfex\0"), &out, &n, &line),
                     HL_ENOMEM);
    hl__alloc_fail_at(0, 0);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textdec_utf8),
        cmocka_unit_test(test_textdec_utf16),
        cmocka_unit_test(test_textdec_refusals_name_the_line),
        cmocka_unit_test(test_textdec_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
