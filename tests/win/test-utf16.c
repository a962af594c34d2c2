#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "ntfake.h"
#include "snapshot-int.h"
#include "textdec.h"
#include "win/win-int.h"

/*
 * Names that are not valid UTF-16 decode on Windows as on every other OS:
 * through the core's decoder (textdec.c), damage shown as U+FFFD. NT
 * names are counted strings, so one may hold an unpaired surrogate or a
 * NUL; the kernel answer is faked (ntfake.c lays it out at the documented
 * offsets) because Win32 calls cannot create a name with a NUL in it.
 */

#define FFFD "\xef\xbf\xbd"

/* What the faked name query appends to the real name of the marker
 * event: a lone high surrogate, a letter, a NUL, a letter. */
static const WCHAR MARKER[] = L"hleak-test-utf16-";
static const uint16_t TAIL[] = {0xd800, 'a', 0, 'b'};

static NTSTATUS NTAPI fake_query_object(HANDLE h, ULONG cls, void *buf,
                                        ULONG len, ULONG *ret_len)
{
    uint16_t name[1024];
    size_t n;
    NTSTATUS st;

    if (cls != HL_NT_OBJECT_NAME_INFORMATION)
        return ntf_query_object(h, cls, buf, len, ret_len);
    st = ntf_real_string(h, cls, name, 1024 - 4, &n);
    if (!NT_SUCCESS(st))
        return st;
    name[n] = 0;
    if (wcsstr((const WCHAR *)name, MARKER) != NULL) {
        memcpy(name + n, TAIL, sizeof(TAIL));
        n += 4;
    }
    return ntf_answer_string(cls, name, n, buf, len, ret_len);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);

    return n >= m && memcmp(s + n - m, tail, m) == 0;
}

/* The collector's name threads write names straight into their arena. */
static void test_utf16_collected_name(void **state)
{
    static struct hl_nt_api fake;
    struct hl_collect_opts opts;
    struct hl_snapshot s;
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, MARKER);
    const struct hl_handle *e = NULL;
    size_t i;

    (void)state;
    assert_non_null(ev);
    ntf_init();
    fake = *hl__nt_default();
    fake.query_object = fake_query_object;
    hl__nt_set(&fake);
    memset(&opts, 0, sizeof(opts));
    opts.pid = GetCurrentProcessId();
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_collect(&opts, &s, NULL), 0);
    for (i = 0; i < s.count; i++) {
        if (s.handles[i].value == (uintptr_t)ev)
            e = &s.handles[i];
    }
    assert_non_null(e);
    assert_int_equal(e->name_err, HL_NAME_ERR_NONE);
    /* all of it: the NUL does not cut the name short */
    assert_true(ends_with(hl_snapshot_str(&s, e->nt_name),
                          "hleak-test-utf16-" FFFD "a" FFFD "b"));
    hl_snapshot_release(&s);
    CloseHandle(ev);
}

/* Type names, paths and accounts go through hl__utf8_from_utf16(): the
 * same bytes as the core's decoder, and the same as a dump's names. */
static void test_utf16_from_wchar(void **state)
{
    static const WCHAR w[] = {'x', 0xdc00, 0xd83d, 0xde00, 0, 'y', 0xdbff};
    char *s = NULL, d[64];

    (void)state;
    assert_int_equal(hl__utf8_from_utf16(w, 7, &s), 0);
    assert_string_equal(s, "x" FFFD "\xf0\x9f\x98\x80" FFFD "y" FFFD);
    hl__utf16_to_utf8(d, (const unsigned char *)w, sizeof(w), 0, NULL);
    assert_string_equal(s, d);
    hl__free(s);
    assert_int_equal(hl__utf8_from_utf16(w, 0, &s), 0);
    assert_string_equal(s, "");
    hl__free(s);
    assert_int_equal(hl__utf8_from_utf16(w, SIZE_MAX / 2, &s), HL_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_utf16_collected_name, ntf_teardown),
        cmocka_unit_test(test_utf16_from_wchar),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
