#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "namepat.h"

static void check(const char *name, const char *want)
{
    char *got = NULL;

    assert_int_equal(hl_name_pattern(name, &got), 0);
    if (strcmp(got, want) != 0)
        fail_msg("pattern of '%s': got '%s', want '%s'", name, got, want);
    hl_free(got);
}

static void test_normalize_paths(void **state)
{
    (void)state;
    check("C:\\Temp\\req-1841.tmp", "C:\\Temp\\req-{n}.tmp");
    check("C:\\Temp\\req-1842.tmp", "C:\\Temp\\req-{n}.tmp");
    check("C:\\Windows\\System32\\kernel32.dll",
          "C:\\Windows\\System{n}\\kernel{n}.dll");
    check("C:\\logs\\2026-11-25\\app_17.log",
          "C:\\logs\\{n}-{n}-{n}\\app_{n}.log");
    check("C:\\cache\\3f2a9c81d0e4.bin", "C:\\cache\\{hex}.bin");
    check("C:\\cache\\deadbeef.bin", "C:\\cache\\deadbeef.bin");
    check("C:\\x64\\Win10\\v2", "C:\\x{n}\\Win{n}\\v{n}");
    /* one family, one pattern, however many digits */
    check("C:\\data\\Session7", "C:\\data\\Session{n}");
    check("C:\\data\\Session1234", "C:\\data\\Session{n}");
    check("", "");
}

static void test_normalize_registry(void **state)
{
    (void)state;
    check("HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software",
          "HKU\\{sid}\\Software");
    check("HKU\\S-1-5-21-1-2-3-1001_Classes\\CLSID",
          "HKU\\{sid}_Classes\\CLSID");
    check("HKLM\\SOFTWARE\\Classes\\CLSID\\{0002DF01-0000-0000-C000-"
          "000000000046}\\InprocServer32",
          "HKLM\\SOFTWARE\\Classes\\CLSID\\{guid}\\InprocServer{n}");
    check("HKCU\\Software\\App\\Sessions\\6f1e2a3b-1c2d-4e5f-8a9b-"
          "0c1d2e3f4a5b",
          "HKCU\\Software\\App\\Sessions\\{guid}");
    /* not a SID: no authority */
    check("HKCU\\S-1\\x", "HKCU\\S-{n}\\x");
}

static void test_normalize_named_objects(void **state)
{
    (void)state;
    check("\\Sessions\\1\\BaseNamedObjects\\app-event-4242",
          "\\Sessions\\{n}\\BaseNamedObjects\\app-event-{n}");
    check("\\Device\\NamedPipe\\mojo.5412.7180.1294",
          "\\Device\\NamedPipe\\mojo.{n}.{n}.{n}");
    check("\\BaseNamedObjects\\Local_0x1A2B",
          "\\BaseNamedObjects\\Local_{hex}");
    check("\\Device\\HarddiskVolume3\\x", "\\Device\\HarddiskVolume{n}\\x");
    check("tid 1234 in app.exe (pid 56)", "tid {n} in app.exe (pid {n})");
    /* a GUID inside a longer word is not one */
    check("x6f1e2a3b-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
          "x{n}f{n}e{n}a{n}b-{n}c{n}d-{n}e{n}f-{n}a{n}b-{hex}");
}

/* Zero-padded fixed-width numbers ("%08x") are {hex} whatever their
 * digits: a pid 0x20 and a pid 0x2c make one pattern. */
static void test_normalize_zero_padded_hex(void **state)
{
    (void)state;
    check("\\Device\\NamedPipe\\Win32.Pipes.00000020.000000a1",
          "\\Device\\NamedPipe\\Win{n}.Pipes.{hex}.{hex}");
    check("\\Device\\NamedPipe\\Win32.Pipes.0000002c.00000091",
          "\\Device\\NamedPipe\\Win{n}.Pipes.{hex}.{hex}");
    check("x.0000000000001f2a.y", "x.{hex}.y");
    /* not padded: a decimal number, as before */
    check("C:\\logs\\20261125.log", "C:\\logs\\{n}.log");
    check("C:\\logs\\0000001.log", "C:\\logs\\{n}.log");
}

static void neutral(const char *name, uint64_t pid, const char *want)
{
    char *got = NULL;

    assert_int_equal(hl_name_neutral(name, pid, &got), 0);
    assert_string_equal(got, want);
    hl_free(got);
}

static void test_normalize_neutral(void **state)
{
    char *out = NULL;

    (void)state;
    neutral("tid 304 in leaky.exe (pid 32)", 32,
            "tid {tid} in leaky.exe (pid {pid})");
    /* another process's thread keeps its tid */
    neutral("tid 304 in other.exe (pid 48)", 32,
            "tid 304 in other.exe (pid 48)");
    neutral("\\Device\\NamedPipe\\Win32.Pipes.00000020.000000a1", 32,
            "\\Device\\NamedPipe\\Win32.Pipes.{pid}.000000a1");
    neutral("\\Device\\NamedPipe\\Win32.Pipes.0000002C.00000091", 44,
            "\\Device\\NamedPipe\\Win32.Pipes.{pid}.00000091");
    neutral("leaky.exe (pid 32)", 32, "leaky.exe (pid {pid})");
    neutral("\\BaseNamedObjects\\app-32-ready", 32,
            "\\BaseNamedObjects\\app-{pid}-ready");
    /* only the whole number */
    neutral("C:\\x\\320\\v32a", 32, "C:\\x\\320\\v32a");
    neutral("anything 32", 0, "anything 32");
    neutral("", 32, "");
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl_name_neutral("a", 1, &out), HL_ENOMEM);
    hl__alloc_fail_at(0, 0);
    assert_null(out);
}

static void test_normalize_oom(void **state)
{
    char *out = NULL;

    (void)state;
    hl__alloc_fail_at(1, 0);
    assert_int_equal(hl_name_pattern("a1", &out), HL_ENOMEM);
    hl__alloc_fail_at(0, 0);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_paths),
        cmocka_unit_test(test_normalize_registry),
        cmocka_unit_test(test_normalize_named_objects),
        cmocka_unit_test(test_normalize_oom),
        cmocka_unit_test(test_normalize_zero_padded_hex),
        cmocka_unit_test(test_normalize_neutral),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
