#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "names.h"

static char dev1[] = "\\Device\\HarddiskVolume1";
static char dev10[] = "\\Device\\HarddiskVolume10";
static char dev3[] = "\\Device\\HarddiskVolume3";
static char drive_c[] = "C:";
static char drive_d[] = "D:";
static char drive_e[] = "E:";

static const struct hl_dev_drive devmap[] = {
    {dev1, drive_d},
    {dev10, drive_e},
    {dev3, drive_c},
};
#define DEVMAP_COUNT (sizeof(devmap) / sizeof(devmap[0]))

static const char *const sid = "S-1-5-21-1-2-3-1001";

static void check_file(const char *nt, const char *want)
{
    char *got = NULL;

    assert_int_equal(hl__names_file(nt, devmap, DEVMAP_COUNT, &got), 0);
    assert_string_equal(got, want);
    hl__free(got);
}

static void check_key(const char *nt, const char *user, const char *want)
{
    char *got = NULL;

    assert_int_equal(hl__names_key(nt, user, &got), 0);
    assert_string_equal(got, want);
    hl__free(got);
}

static void test_names_file_dos_prefix(void **state)
{
    (void)state;
    check_file("\\??\\Z:\\tmp\\file.txt", "Z:\\tmp\\file.txt");
    check_file("\\??\\c:", "c:");
    check_file("\\??\\UNC\\srv\\share\\a", "\\\\srv\\share\\a");
    /* not a drive letter: left alone */
    check_file("\\??\\pipe\\x", "\\??\\pipe\\x");
    check_file("\\??\\1:\\x", "\\??\\1:\\x");
}

static void test_names_file_device_boundary(void **state)
{
    (void)state;
    check_file("\\Device\\HarddiskVolume3\\Windows\\x.dll",
               "C:\\Windows\\x.dll");
    check_file("\\Device\\HarddiskVolume10\\data", "E:\\data");
    check_file("\\Device\\HarddiskVolume1\\data", "D:\\data");
    check_file("\\device\\harddiskvolume1\\data", "D:\\data");
    check_file("\\Device\\HarddiskVolume1", "D:");
    /* a volume with no drive letter keeps its NT name */
    check_file("\\Device\\HarddiskVolume100\\x",
               "\\Device\\HarddiskVolume100\\x");
    check_file("\\Device\\HarddiskVolume", "\\Device\\HarddiskVolume");
}

static void test_names_file_longest_prefix_wins(void **state)
{
    static char dev_short[] = "\\Device\\LanmanRedirector";
    static char dev_long[] = "\\Device\\LanmanRedirector\\;Z:0000abcd\\srv";
    static char drive_y[] = "Y:";
    static char drive_z[] = "Z:";
    const struct hl_dev_drive map[] = {
        {dev_short, drive_y},
        {dev_long, drive_z},
    };
    char *got = NULL;

    (void)state;
    assert_int_equal(
        hl__names_file("\\Device\\LanmanRedirector\\;Z:0000abcd\\srv\\f",
                       map, 2, &got),
        0);
    assert_string_equal(got, "Z:\\f");
    hl__free(got);
}

static void test_names_file_unc(void **state)
{
    (void)state;
    check_file("\\Device\\Mup\\server\\share\\dir\\f.txt",
               "\\\\server\\share\\dir\\f.txt");
    check_file("\\Device\\LanmanRedirector\\server\\share",
               "\\\\server\\share");
    check_file("\\Device\\Mup\\;LanmanRedirector\\;Z:000\\srv\\sh\\f",
               "\\\\srv\\sh\\f");
    check_file("\\device\\mup\\srv\\x", "\\\\srv\\x");
    check_file("\\Device\\Mup", "\\Device\\Mup");
    check_file("\\Device\\MupX\\srv", "\\Device\\MupX\\srv");
    check_file("\\Device\\Mup\\;only", "\\Device\\Mup\\;only");
}

static void test_names_file_other_left_alone(void **state)
{
    (void)state;
    check_file("\\Device\\NamedPipe\\foo", "\\Device\\NamedPipe\\foo");
    check_file("", "");
}

static void test_names_key_machine(void **state)
{
    (void)state;
    check_key("\\REGISTRY\\MACHINE\\SOFTWARE\\x", sid, "HKLM\\SOFTWARE\\x");
    check_key("\\Registry\\Machine", sid, "HKLM");
    check_key("\\REGISTRY\\MACHINEX\\a", sid, "\\REGISTRY\\MACHINEX\\a");
}

static void test_names_key_user(void **state)
{
    (void)state;
    check_key("\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001\\Software\\hleak", sid,
              "HKCU\\Software\\hleak");
    check_key("\\REGISTRY\\User\\s-1-5-21-1-2-3-1001", sid, "HKCU");
    check_key("\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001_Classes\\CLSID", sid,
              "HKCU\\Software\\Classes\\CLSID");
    check_key("\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001_classes", sid,
              "HKCU\\Software\\Classes");
    /* another user, and a SID that only starts like ours */
    check_key("\\REGISTRY\\USER\\S-1-5-18\\x", sid, "HKU\\S-1-5-18\\x");
    check_key("\\REGISTRY\\USER\\S-1-5-21-1-2-3-10012\\x", sid,
              "HKU\\S-1-5-21-1-2-3-10012\\x");
    check_key("\\REGISTRY\\USER", sid, "HKU");
    check_key("\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001\\x", NULL,
              "HKU\\S-1-5-21-1-2-3-1001\\x");
    check_key("\\REGISTRY\\USERS", sid, "\\REGISTRY\\USERS");
    check_key("\\REGISTRY", sid, "\\REGISTRY");
}

static void test_names_friendly_by_type(void **state)
{
    char *got = NULL;

    (void)state;
    assert_int_equal(hl__names_friendly("Key", "\\REGISTRY\\MACHINE\\S",
                                        devmap, DEVMAP_COUNT, sid, &got),
                     0);
    assert_string_equal(got, "HKLM\\S");
    hl__free(got);
    assert_int_equal(hl__names_friendly("File", "\\??\\C:\\a", devmap,
                                        DEVMAP_COUNT, sid, &got),
                     0);
    assert_string_equal(got, "C:\\a");
    hl__free(got);
    /* the rules are for File and Key only */
    assert_int_equal(hl__names_friendly("Event", "\\??\\C:\\a", devmap,
                                        DEVMAP_COUNT, sid, &got),
                     0);
    assert_string_equal(got, "\\??\\C:\\a");
    hl__free(got);
}

static void test_names_out_of_memory(void **state)
{
    char *got = NULL;

    (void)state;
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl__names_key("\\REGISTRY\\USER", sid, &got), HL_ENOMEM);
    assert_null(got);
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl__names_file("\\??\\C:\\", devmap, DEVMAP_COUNT, &got),
                     HL_ENOMEM);
    assert_null(got);
    hl__alloc_fail_at(0, 0);
}

static void test_names_image_match(void **state)
{
    static const struct {
        const char *exe, *want;
        int match;
    } cases[] = {
        {"notepad.exe", "notepad", 1},     {"Notepad.EXE", "NOTEPAD.exe", 1},
        {"notepad.exe", "notepad.exe", 1}, {"notepad.exe", "note", 0},
        {"notepad.com", "notepad", 0},     {"notepad", "notepad.exe", 0},
        {"a.exe", "", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (!hl__names_image_match(cases[i].exe, cases[i].want) !=
            !cases[i].match)
            fail_msg("\"%s\" as \"%s\": want %d", cases[i].exe,
                     cases[i].want, cases[i].match);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_file_dos_prefix),
        cmocka_unit_test(test_names_file_device_boundary),
        cmocka_unit_test(test_names_file_longest_prefix_wins),
        cmocka_unit_test(test_names_file_unc),
        cmocka_unit_test(test_names_file_other_left_alone),
        cmocka_unit_test(test_names_key_machine),
        cmocka_unit_test(test_names_key_user),
        cmocka_unit_test(test_names_friendly_by_type),
        cmocka_unit_test(test_names_out_of_memory),
        cmocka_unit_test(test_names_image_match),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
