#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "launch.h"

/* The portable half of `hleak run`: which debug strings are checkpoints,
 * and argv as one Windows command line. */

static int parse(const char *s, char *label)
{
    return hl_launch_parse_checkpoint(s, strlen(s), label,
                                      HL_LAUNCH_MAX_LABEL);
}

static void test_checkpoint_strings(void **state)
{
    char label[HL_LAUNCH_MAX_LABEL], small[4];

    (void)state;
    assert_int_equal(parse("hleak:checkpoint", label), 1);
    assert_string_equal(label, "");
    assert_int_equal(parse("hleak:checkpoint iter 3\r\n", label), 1);
    assert_string_equal(label, "iter 3");
    assert_int_equal(parse("hleak:checkpoint a\tb", label), 1);
    assert_string_equal(label, "a?b");
    assert_int_equal(parse("hleak:checkpointx", label), 0);
    assert_int_equal(parse("hleak:check", label), 0);
    assert_int_equal(parse("xhleak:checkpoint", label), 0);
    assert_int_equal(parse("", label), 0);
    /* a label longer than the room is cut, NUL-terminated */
    assert_int_equal(hl_launch_parse_checkpoint("hleak:checkpoint abcdef",
                                                23, small, sizeof(small)),
                     1);
    assert_string_equal(small, "abc");
    /* the NUL OutputDebugStringA's length counts */
    assert_int_equal(hl_launch_parse_checkpoint("hleak:checkpoint z", 19,
                                                label, sizeof(label)),
                     1);
    assert_string_equal(label, "z");
}

static void check_cmdline(char **argv, const char *want)
{
    char *got;

    assert_int_equal(hl_launch_cmdline(argv, &got), 0);
    assert_string_equal(got, want);
    hl__free(got);
}

static void test_cmdline(void **state)
{
    char *plain[] = {"prog.exe", "a", "-x", NULL};
    char *spaced[] = {"C:\\Program Files\\p.exe", "a b", "", NULL};
    char *quotes[] = {"p", "say \"hi\"", "end\\", "dir\\ x\\", "q\\\"", NULL};

    (void)state;
    check_cmdline(plain, "prog.exe a -x");
    check_cmdline(spaced, "\"C:\\Program Files\\p.exe\" \"a b\" \"\"");
    /* backslashes count only before a quote (CommandLineToArgvW) */
    check_cmdline(quotes,
                  "p \"say \\\"hi\\\"\" end\\ \"dir\\ x\\\\\" \"q\\\\\\\"\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_strings),
        cmocka_unit_test(test_cmdline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
