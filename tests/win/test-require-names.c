#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmds.h"
#include "core-int.h"
#include "hleak/snapfile.h"
#include "msg.h"
#include "snapshot-int.h"
#include "win/win-int.h"
#include "winutil.h"

/*
 * `hleak snapshot --require-names` as the command runs it (cmd_snapshot),
 * on this very process, with the call table refusing PROCESS_DUP_HANDLE
 * the way a protected (PPL) or elevated target refuses it on Windows.
 * Wine grants every right, so this is the only place the CI gate's
 * failing branch runs: exit 3 and no file with the option, a warning and
 * a file recording why without it.
 */

static const struct hl_nt_api *real;
static struct hl_nt_api fake;
static char path[MAX_PATH + 64];

static int setup(void **state)
{
    char dir[MAX_PATH];
    DWORD n = GetTempPathA(MAX_PATH, dir);

    (void)state;
    assert_true(n > 0 && n < MAX_PATH);
    snprintf(path, sizeof(path), "%shleak-require-names-%lu.snap", dir,
             (unsigned long)GetCurrentProcessId());
    DeleteFileA(path);
    wu_real = real = hl__nt_default();
    assert_non_null(real);
    fake = *real;
    fake.open_process = wu_fake_open_process;
    fake.query_information_process = wu_fake_qip;
    wu_refuse_dup = 0;
    wu_protection_byte = -1;
    hl__nt_set(&fake);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hl__nt_set(NULL);
    DeleteFileA(path);
    return 0;
}

/* cmd_snapshot of this process into path, with --require-names or not. */
static int snapshot(int require)
{
    char pid[16];
    char *argv[7];
    int argc = 0;

    snprintf(pid, sizeof(pid), "%lu", (unsigned long)GetCurrentProcessId());
    argv[argc++] = "snapshot";
    argv[argc++] = "-p";
    argv[argc++] = pid;
    argv[argc++] = "-o";
    argv[argc++] = path;
    if (require)
        argv[argc++] = "--require-names";
    argv[argc] = NULL;
    return cmd_snapshot(argc, argv);
}

static int file_exists(void)
{
    return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

/* The access the written snapshot records. */
static uint32_t file_access(void)
{
    struct hl_snapshot s;
    uint32_t access;

    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_snapfile_read(path, &s, NULL), 0);
    access = s.access;
    hl_snapshot_release(&s);
    return access;
}

static void test_require_names_readable_passes(void **state)
{
    (void)state;
    assert_int_equal(snapshot(1), HL_EXIT_OK);
    assert_true(file_exists());
    assert_int_equal(file_access(), HL_ACCESS_FULL);
}

static void test_require_names_refused_fails(void **state)
{
    (void)state;
    wu_refuse_dup = 1;
    wu_protection_byte = 0;
    assert_int_equal(snapshot(1), HL_EXIT_FAILURE);
    /* a gate that could not judge writes nothing a later step could use */
    assert_false(file_exists());
}

static void test_require_names_protected_fails(void **state)
{
    (void)state;
    wu_refuse_dup = 1;
    wu_protection_byte = 0x31; /* PsProtectedTypeProtectedLight, signer 3 */
    assert_int_equal(snapshot(1), HL_EXIT_FAILURE);
    assert_false(file_exists());
}

static void test_require_names_off_warns_and_records(void **state)
{
    (void)state;
    wu_refuse_dup = 1;
    wu_protection_byte = 0x31;
    /* without the option the snapshot is written, saying why */
    assert_int_equal(snapshot(0), HL_EXIT_OK);
    assert_true(file_exists());
    assert_int_equal(file_access(), HL_ACCESS_PROTECTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_require_names_readable_passes),
        T(test_require_names_refused_fails),
        T(test_require_names_protected_fails),
        T(test_require_names_off_warns_and_records),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
