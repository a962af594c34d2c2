#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "show.h"
#include "hleak/snapfile.h"
#include "testutil.h"

/* Runs one report into a temporary file and returns its text. */
static char *render(const struct hl_snapshot *s, const struct hl_show_opts *o,
                    int json)
{
    FILE *f = tmpfile();
    char *buf;

    assert_non_null(f);
    assert_int_equal(json ? hl_show_json(f, s, o) : hl_show_text(f, s, o), 0);
    assert_true(ftell(f) > 0);
    buf = hl_test_slurp(f);
    assert_non_null(buf);
    return buf;
}

static int setup(void **state)
{
    struct hl_snapshot *s = malloc(sizeof(*s));

    if (s == NULL || hl_snapshot_init(s) != 0 ||
        hl_test_sample_snapshot(s) != 0)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    hl_snapshot_release(*state);
    free(*state);
    return 0;
}

static void test_show_count_by_type_sorted(void **state)
{
    const struct hl_snapshot *s = *state;
    struct hl_type_count *tc;
    size_t n;

    assert_int_equal(hl_count_by_type(s, NULL, &tc, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(hl_snapshot_str(s, tc[0].type), "Event");
    assert_int_equal(tc[0].count, 4);
    /* ties are broken by name so output is stable */
    assert_string_equal(hl_snapshot_str(s, tc[1].type), "File");
    assert_string_equal(hl_snapshot_str(s, tc[2].type), "Key");
    assert_string_equal(hl_snapshot_str(s, tc[3].type), "Mutant");
    assert_int_equal(tc[3].count, 1);
    hl_free(tc);

    assert_int_equal(hl_count_by_type(s, "eVeNt", &tc, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(tc[0].count, 4);
    hl_free(tc);
}

static void test_show_text_has_table_and_summary(void **state)
{
    struct hl_show_opts o = {NULL, 0, 0, 0};
    char *t = render(*state, &o, 0);

    assert_non_null(strstr(t, "process   app.exe (pid 4242)\n"));
    assert_non_null(
        strstr(t, "image     C:\\Program Files\\D\xc3\xa9mo\\app.exe\n"));
    assert_non_null(strstr(t, "handles   7\n"));
    assert_non_null(strstr(t, "       0x4  Event   0x001f0003  <unnamed>\n"));
    assert_non_null(strstr(t, "HKLM\\SOFTWARE\\hleak\n"));
    assert_non_null(strstr(t, "<access denied>\n"));
    assert_non_null(strstr(t, "         4  Event\n"));
    assert_non_null(strstr(t, "         7  total\n"));
    free(t);
}

static void test_show_text_summary_only_and_filter(void **state)
{
    struct hl_show_opts o = {"file", 1, 0, 0};
    char *t = render(*state, &o, 0);

    assert_null(strstr(t, "    handle  type"));
    assert_non_null(strstr(t, "         1  File\n"));
    assert_null(strstr(t, "Event\n"));
    assert_non_null(strstr(t, "         1  total\n"));
    free(t);
}

static void test_show_json_escapes_and_fields(void **state)
{
    struct hl_show_opts o = {NULL, 0, 0, 0};
    char *t = render(*state, &o, 1);

    assert_non_null(strstr(t, "\"pid\": 4242,"));
    assert_non_null(strstr(t, "\"wow64\": false,"));
    assert_non_null(strstr(t, "\"handle_count\": 7"));
    /* quotes and backslashes escaped, UTF-8 passed through */
    assert_non_null(strstr(
        t, "\"name\": \"C:\\\\temp\\\\na\xc3\xafve,\\\"quoted\\\".txt\""));
    assert_non_null(strstr(t, "\"object\": \"0xffffa00012345678\""));
    assert_non_null(strstr(t, "\"name_error\": \"access denied\""));
    assert_non_null(strstr(t, "{\"handle\": 4, \"type\": \"Event\", \"name\": "
                              "\"\", \"nt_name\": \"\", \"granted_access\": "
                              "2031619, \"attributes\": 0, \"object\": null, "
                              "\"name_error\": null}"));
    assert_non_null(strstr(t, "{\"type\": \"Event\", \"count\": 4}"));
    free(t);
}

static void test_show_json_summary_omits_handles(void **state)
{
    struct hl_show_opts o = {NULL, 1, 0, 0};
    char *t = render(*state, &o, 1);

    assert_null(strstr(t, "\"handles\""));
    assert_non_null(strstr(t, "\"by_type\""));
    free(t);
}

static void test_show_json_control_chars(void **state)
{
    struct hl_snapshot s;
    struct hl_handle h;
    struct hl_show_opts o = {NULL, 0, 0, 0};
    char *t;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    memset(&h, 0, sizeof(h));
    assert_int_equal(hl_snapshot_intern(&s, "Event", &h.type), 0);
    assert_int_equal(hl_snapshot_intern(&s, "a\tb\x01\n", &h.name), 0);
    assert_int_equal(hl_snapshot_add(&s, &h), 0);
    t = render(&s, &o, 1);
    assert_non_null(strstr(t, "\"name\": \"a\\tb\\u0001\\n\""));
    assert_non_null(strstr(t, "\"start_time\": null"));
    assert_non_null(strstr(t, "\"wow64\": null"));
    free(t);
    hl_snapshot_release(&s);
}

static void test_show_oom_fails_cleanly(void **state)
{
    struct hl_show_opts o = {NULL, 0, 0, 0};
    FILE *f = tmpfile();
    unsigned long n;
    int err;

    assert_non_null(f);
    for (n = 1;; n++) {
        hl__alloc_fail_at(n, 0);
        err = hl_show_text(f, *state, &o);
        hl__alloc_fail_at(0, 0);
        if (err == 0)
            break;
        assert_int_equal(err, HL_ENOMEM);
    }
    assert_true(n > 1);
    fclose(f);
}

/* ---- issue 14: how a live collection could read the process (ACCS) ---- */

/* s through the file and back, into *back (initialised here). */
static void through_file(const struct hl_snapshot *s,
                         struct hl_snapshot *back, unsigned char **buf,
                         size_t *len)
{
    assert_int_equal(hl_snapfile_encode(s, buf, len), 0);
    assert_int_equal(hl_snapshot_init(back), 0);
    assert_int_equal(hl_snapfile_decode(*buf, *len, back, NULL), 0);
}

/* The offset of the ACCS section's tag in buf, or 0 when none. */
static size_t accs_at(const unsigned char *buf, size_t len)
{
    size_t i;

    for (i = 24; i + 4 <= len; i++) {
        if (memcmp(buf + i, "ACCS", 4) == 0)
            return i;
    }
    return 0;
}

static void test_show_access_recorded(void **state)
{
    struct hl_snapshot *s = *state;
    struct hl_show_opts opts;
    struct hl_snapshot back;
    unsigned char *buf = NULL;
    size_t len = 0;
    char *txt;

    memset(&opts, 0, sizeof(opts));
    s->access = HL_ACCESS_PROTECTED;
    s->collect_flags = HL_COLLECT_RECORDED | HL_COLLECT_GUI_SESSION;
    s->gui.flags = HL_GUI_ASKED | HL_GUI_OTHER_SESSION;
    through_file(s, &back, &buf, &len);
    assert_int_equal(back.access, HL_ACCESS_PROTECTED);
    assert_int_equal(back.collect_flags, s->collect_flags);
    assert_int_equal(back.gui.flags, HL_GUI_ASKED | HL_GUI_OTHER_SESSION);
    txt = render(&back, &opts, 0);
    assert_non_null(strstr(txt, "access    protected process: names cannot "
                                "be read, SeDebugPrivilege not enabled\n"));
    assert_non_null(strstr(txt, "gui       not readable (other session)"));
    free(txt);
    txt = render(&back, &opts, 1);
    assert_non_null(strstr(txt, "\"names_access\": \"protected\""));
    assert_non_null(strstr(txt, "\"debug_privilege\": false"));
    assert_non_null(strstr(txt, "\"other_session\": true"));
    free(txt);
    hl_free(buf);
    hl_snapshot_release(&back);
}

static void test_show_access_absent_is_not_recorded(void **state)
{
    const struct hl_snapshot *s = *state;
    struct hl_show_opts opts;
    struct hl_snapshot back;
    unsigned char *buf = NULL;
    size_t len = 0;
    char *txt;

    memset(&opts, 0, sizeof(opts));
    through_file(s, &back, &buf, &len);
    /* nothing recorded, no section: the file is what it always was */
    assert_int_equal(accs_at(buf, len), 0);
    assert_int_equal(back.access, HL_ACCESS_UNKNOWN);
    txt = render(&back, &opts, 0);
    assert_null(strstr(txt, "\naccess    "));
    free(txt);
    txt = render(&back, &opts, 1);
    assert_non_null(strstr(txt, "\"names_access\": null"));
    assert_non_null(strstr(txt, "\"debug_privilege\": null"));
    free(txt);
    hl_free(buf);
    hl_snapshot_release(&back);
}

static void test_show_access_out_of_range_is_corrupt(void **state)
{
    struct hl_snapshot *s = *state;
    struct hl_snapshot back;
    unsigned char *buf = NULL;
    size_t len = 0, at;
    uint32_t crc;

    s->access = HL_ACCESS_FULL;
    s->collect_flags = HL_COLLECT_RECORDED;
    assert_int_equal(hl_snapfile_encode(s, &buf, &len), 0);
    at = accs_at(buf, len);
    assert_true(at != 0);
    /* the first body byte is the access varint; the CRC made right, so
     * only the section's own check can refuse it */
    buf[at + 12] = HL_ACCESS_COUNT;
    crc = hl__crc32(0, buf, 20);
    hl__put_le32(buf + 20, hl__crc32(crc, buf + 24, len - 24));
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), HL_ECORRUPT);
    assert_int_equal(back.count, 0);
    hl_free(buf);
    hl_snapshot_release(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_show_count_by_type_sorted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_show_text_has_table_and_summary,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_text_summary_only_and_filter,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_json_escapes_and_fields,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_json_summary_omits_handles,
                                        setup, teardown),
        cmocka_unit_test(test_show_json_control_chars),
        cmocka_unit_test_setup_teardown(test_show_oom_fails_cleanly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_show_access_recorded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_show_access_absent_is_not_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_show_access_out_of_range_is_corrupt, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
