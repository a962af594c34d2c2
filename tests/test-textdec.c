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

/* One input and what it decodes to. */
struct dec_case {
    const char *in;
    size_t len;
    const char *want;
};

#define C(lit, want) {(lit), sizeof(lit) - 1, (want)}

static void decode_cases(const struct dec_case *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (decode_is((const unsigned char *)c[i].in, c[i].len,
                      c[i].want) != 0)
            fail_msg("case %lu: refused", (unsigned long)i);
    }
}

static void test_textdec_utf8(void **state)
{
    static const struct dec_case cases[] = {
        C("", ""),
        C("Event:*\nFile:x\n", "Event:*\nFile:x\n"),
        /* the BOM goes, CR LF stays for the pattern parser */
        C("\xef\xbb\xbf" "Event:*\r\n", "Event:*\r\n"),
        C("File:na\xc3\xafve \xf0\x9f\x98\x80",
          "File:na\xc3\xafve \xf0\x9f\x98\x80"),
    };

    (void)state;
    decode_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_textdec_utf16(void **state)
{
    static const struct dec_case cases[] = {
        C("\xff\xfe" "E\0v\0:\0*\0\r\0\n\0", "Ev:*\r\n"),
        C("\xfe\xff" "\0E\0v\0:\0*\0\n", "Ev:*\n"),
        /* U+00EF and a pair (U+1F600) */
        C("\xff\xfe\xef\0=\xd8\x00\xde", "\xc3\xaf\xf0\x9f\x98\x80"),
        C("\xff\xfe", ""),
    };

    (void)state;
    decode_cases(cases, sizeof(cases) / sizeof(cases[0]));
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

/* hl__utf16_to_utf8() of len bytes (LE, or BE) is want, with its first
 * U+FFFD of damage at bad (SIZE_MAX: none); nothing written past the
 * room hl__utf16_utf8_size() promised. */
static void utf16_is(const unsigned char *p, size_t len, int be,
                     const char *want, size_t bad)
{
    char d[64];
    size_t size = hl__utf16_utf8_size(len), n, got_bad = 0;

    assert_true(size > 0 && size < sizeof(d));
    memset(d, '#', sizeof(d));
    n = hl__utf16_to_utf8(d, p, len, be, &got_bad);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(d, want, n + 1);
    assert_true(n + 1 <= size);
    assert_int_equal(d[size], '#');
    assert_int_equal(got_bad, bad);
    /* first_bad may be left out */
    assert_int_equal(hl__utf16_to_utf8(d, p, len, be, NULL), n);
}

#define FFFD "\xef\xbf\xbd"
#define NONE SIZE_MAX

static void test_utf16_decoder(void **state)
{
    (void)state;
    /* empty */
    utf16_is(S(""), 0, "", NONE);
    /* the BMP: ASCII, U+00EF, U+65E5, U+FFFF (a non-character, kept) */
    utf16_is(S("a\0\xef\0\xe5\x65\xff\xff"), 0,
             "a\xc3\xaf\xe6\x97\xa5\xef\xbf\xbf", NONE);
    utf16_is(S("\0a\0\xef\x65\xe5"), 1, "a\xc3\xaf\xe6\x97\xa5", NONE);
    /* pairs: U+10000, U+1F600, U+10FFFF; LE and BE */
    utf16_is(S("\x00\xd8\x00\xdc" "=\xd8\x00\xde" "\xff\xdb\xff\xdf"), 0,
             "\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", NONE);
    utf16_is(S("\xd8\x3d\xde\x00"), 1, "\xf0\x9f\x98\x80", NONE);
    /* an unpaired high surrogate: before a letter, last, before another
     * high one that does pair */
    utf16_is(S("a\0\x3d\xd8" "b\0"), 0, "a" FFFD "b", 1);
    utf16_is(S("a\0\x3d\xd8"), 0, "a" FFFD, 1);
    utf16_is(S("\x3d\xd8\x3d\xd8\x00\xde"), 0, FFFD "\xf0\x9f\x98\x80", 0);
    /* an unpaired low surrogate: alone, and two in a row */
    utf16_is(S("\x00\xdc"), 0, FFFD, 0);
    utf16_is(S("x\0\x00\xdc\xff\xdf"), 0, "x" FFFD FFFD, 1);
    /* a pair in the wrong order is two unpaired surrogates */
    utf16_is(S("\x00\xdc\x00\xd8"), 0, FFFD FFFD, 0);
    /* an embedded NUL: shown, not a cut */
    utf16_is(S("x\0\0\0y\0"), 0, "x" FFFD "y", 1);
    utf16_is(S("\0\0"), 1, FFFD, 0);
    /* an odd length: the dangling byte is half a unit */
    utf16_is(S("a\0b"), 0, "a" FFFD, 1);
    utf16_is(S("b"), 0, FFFD, 0);
    /* a high surrogate whose low half is cut to one byte */
    utf16_is(S("\x3d\xd8\x00"), 0, FFFD FFFD, 0);
}

static void test_utf16_size(void **state)
{
    (void)state;
    assert_int_equal(hl__utf16_utf8_size(0), 1);
    assert_int_equal(hl__utf16_utf8_size(1), 4);
    assert_int_equal(hl__utf16_utf8_size(2), 4);
    assert_int_equal(hl__utf16_utf8_size(5), 10);
    /* too much for a size_t is 0, never a wrapped small size */
    assert_int_equal(hl__utf16_utf8_size(SIZE_MAX), 0);
    assert_int_equal(hl__utf16_utf8_size(SIZE_MAX / 3 * 2), 0);
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
        cmocka_unit_test(test_utf16_decoder),
        cmocka_unit_test(test_utf16_size),
        cmocka_unit_test(test_textdec_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
