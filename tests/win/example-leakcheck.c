/* The example of docs/library.md, "Checking a test for handle leaks":
 * keep the two the same. */
#include <stdio.h>

#include <hleak/cmocka.h> /* cmocka's header and the leak check with it */

/* The code under test: writes a file and must close it. */
static int save_settings(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    fputs("volume=7\n", f);
    return fclose(f);
}

static void test_save_settings_closes_its_file(void **state)
{
    struct hl_leak_check *lc;

    (void)state;
    assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
    assert_int_equal(save_settings("settings.ini"), 0);
    HL_ASSERT_NO_HANDLE_LEAK(lc);
    remove("settings.ini");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_settings_closes_its_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
