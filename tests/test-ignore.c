#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "ignore-int.h"

/* Each glob of pairs[i][0] matches pairs[i][1] (want 1) or not (0). */
static void expect_globs(const char *const (*pairs)[2], size_t n, int want)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!hl_glob_match(pairs[i][0], pairs[i][1]) != !want)
            fail_msg("glob \"%s\" on \"%s\": want %s", pairs[i][0],
                     pairs[i][1], want ? "a match" : "none");
    }
}

static void test_pattern_glob(void **state)
{
    static const char *const match[][2] = {
        {"*", ""},
        {"*", "anything"},
        {"", ""},
        {"C:\\Windows\\Fonts\\*", "c:\\WINDOWS\\fonts\\arial.ttf"},
        {"*req-???.tmp", "C:\\Temp\\req-184.tmp"},
        {"a*b*c", "aXXbYYbZc"},
        {"**a", "a"},
        /* ? is one character, not one byte */
        {"na?ve", "na\xc3\xafve"},
    };
    static const char *const differ[][2] = {
        {"", "x"},
        {"C:\\Windows\\Fonts\\*", "C:\\Windows\\Font\\arial.ttf"},
        {"*req-???.tmp", "C:\\Temp\\req-1841.tmp"},
        {"a*b*c", "aXXbYYbZ"},
        {"na??ve", "na\xc3\xafve"},
    };

    (void)state;
    expect_globs(match, sizeof(match) / sizeof(match[0]), 1);
    expect_globs(differ, sizeof(differ) / sizeof(differ[0]), 0);
}

static void test_pattern_glob_is_not_exponential(void **state)
{
    char s[4001];

    (void)state;
    memset(s, 'a', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    assert_false(hl_glob_match("*a*a*a*a*a*a*a*a*b", s));
}

static void test_pattern_add_and_match(void **state)
{
    struct hl_patterns p;

    (void)state;
    hl_patterns_init(&p);
    assert_int_equal(hl_patterns_add(&p, "File:C:\\Temp\\*"), 0);
    assert_int_equal(hl_patterns_add(&p, "*:\\BaseNamedObjects\\x"), 0);
    assert_int_equal(hl_patterns_add(&p, "Event:"), 0);
    assert_int_equal(hl_patterns_add(&p, "nocolon"), HL_EINVAL);
    assert_int_equal(hl_patterns_add(&p, ":glob"), HL_EINVAL);
    assert_int_equal(p.count, 3);
    assert_true(hl_patterns_match(&p, "file", "C:\\temp\\a"));
    assert_false(hl_patterns_match(&p, "Key", "C:\\temp\\a"));
    assert_true(hl_patterns_match(&p, "Mutant", "\\BaseNamedObjects\\x"));
    assert_true(hl_patterns_match(&p, "Event", ""));
    assert_false(hl_patterns_match(&p, "Event", "named"));
    /* the colon of a drive letter belongs to the glob */
    assert_string_equal(p.items[0].glob, "C:\\Temp\\*");
    hl_patterns_release(&p);
}

static void test_pattern_parse_file(void **state)
{
    static const char file[] = "# fonts are cached\r\n"
                               "File:C:\\Windows\\Fonts\\*\r\n"
                               "\n"
                               "   Key:*   \n"
                               "\t# indented comment\n"
                               "Event:";
    static const char bad[] = "Key:*\n\nbroken line\nEvent:*\n";
    struct hl_patterns p;
    size_t line = 0;

    (void)state;
    hl_patterns_init(&p);
    assert_int_equal(hl_patterns_parse(&p, file, sizeof(file) - 1, &line),
                     0);
    assert_int_equal(p.count, 3);
    assert_string_equal(p.items[0].glob, "C:\\Windows\\Fonts\\*");
    assert_string_equal(p.items[1].type, "Key");
    assert_string_equal(p.items[1].glob, "*");
    assert_string_equal(p.items[2].glob, "");
    hl_patterns_release(&p);

    hl_patterns_init(&p);
    assert_int_equal(hl_patterns_parse(&p, bad, sizeof(bad) - 1, &line),
                     HL_EINVAL);
    assert_int_equal(line, 3);
    hl_patterns_release(&p);
}

static void test_pattern_oom(void **state)
{
    struct hl_patterns p;
    unsigned long n;
    int err;

    (void)state;
    for (n = 1;; n++) {
        hl_patterns_init(&p);
        hl__alloc_fail_at(n, 0);
        err = hl_patterns_add(&p, "File:*");
        hl__alloc_fail_at(0, 0);
        hl_patterns_release(&p);
        if (err == 0)
            break;
        assert_int_equal(err, HL_ENOMEM);
    }
    assert_int_equal(n, 4);
}

/* Every pattern that matches counts its handles, not just the first: a
 * pattern that never does is a stale one (diff lists it). */
static void test_pattern_count_hits(void **state)
{
    struct hl_patterns p;
    size_t hits[3] = {0, 0, 0};
    const char *forms[] = {"C:\\Temp\\req-17.tmp", "C:\\Temp\\req-{n}.tmp"};
    const char *unnamed[] = {"", "<unnamed>"};

    (void)state;
    hl_patterns_init(&p);
    assert_int_equal(hl_patterns_add(&p, "File:C:\\Temp\\req-{n}.tmp"), 0);
    assert_int_equal(hl_patterns_add(&p, "*:*req-1?.tmp"), 0);
    assert_int_equal(hl_patterns_add(&p, "IoCompletion:<unnamed>"), 0);
    assert_true(hl_patterns_count(&p, "file", forms, 2, 5, hits));
    assert_int_equal(hits[0], 5);
    assert_int_equal(hits[1], 5);
    assert_int_equal(hits[2], 0);
    assert_true(hl_patterns_count(&p, "IoCompletion", unnamed, 2, 2, hits));
    assert_int_equal(hits[2], 2);
    assert_false(hl_patterns_count(&p, "Event", unnamed, 2, 1, hits));
    /* no hit array: a plain match */
    assert_true(hl_patterns_count(&p, "File", forms + 1, 1, 1, NULL));
    assert_false(hl_patterns_count(&p, "File", forms, 0, 1, NULL));
    assert_int_equal(hits[0] + hits[1] + hits[2], 12);
    hl_patterns_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_glob),
        cmocka_unit_test(test_pattern_glob_is_not_exponential),
        cmocka_unit_test(test_pattern_add_and_match),
        cmocka_unit_test(test_pattern_parse_file),
        cmocka_unit_test(test_pattern_oom),
        cmocka_unit_test(test_pattern_count_hits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
