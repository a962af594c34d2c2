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

/* Renders s and checks that the report holds every string of has and none
 * of lacks (NULL-terminated lists, or NULL). */
static void expect_render(const struct hl_snapshot *s,
                          const struct hl_show_opts *o, int json,
                          const char *const *has, const char *const *lacks)
{
    assert_string_equal(hl_test_text_take(render(s, o, json), has, lacks),
                        "");
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
    static const char *const has[] = {
        "process   app.exe (pid 4242)\n",
        "image     C:\\Program Files\\D\xc3\xa9mo\\app.exe\n",
        "handles   7\n",
        "       0x4  Event   0x001f0003  <unnamed>\n",
        "HKLM\\SOFTWARE\\hleak\n",
        "<access denied>\n",
        "         4  Event\n",
        "         7  total\n",
        NULL};
    struct hl_show_opts o = {NULL, 0, 0, 0, NULL};

    expect_render(*state, &o, 0, has, NULL);
}

static void test_show_text_summary_only_and_filter(void **state)
{
    static const char *const has[] = {"         1  File\n",
                                      "         1  total\n", NULL};
    static const char *const lacks[] = {"    handle  type", "Event\n", NULL};
    struct hl_show_opts o = {"file", 1, 0, 0, NULL};

    expect_render(*state, &o, 0, has, lacks);
}

static void test_show_json_escapes_and_fields(void **state)
{
    static const char *const has[] = {
        "\"pid\": 4242,", "\"wow64\": false,", "\"handle_count\": 7",
        /* quotes and backslashes escaped, UTF-8 passed through */
        "\"name\": \"C:\\\\temp\\\\na\xc3\xafve,\\\"quoted\\\".txt\"",
        "\"object\": \"0xffffa00012345678\"",
        "\"name_error\": \"access denied\"",
        "{\"handle\": 4, \"type\": \"Event\", \"name\": \"\", \"nt_name\": "
        "\"\", \"granted_access\": 2031619, \"attributes\": 0, \"object\": "
        "null, \"name_error\": null}",
        "{\"type\": \"Event\", \"count\": 4}", NULL};
    struct hl_show_opts o = {NULL, 0, 0, 0, NULL};

    expect_render(*state, &o, 1, has, NULL);
}

static void test_show_json_summary_omits_handles(void **state)
{
    static const char *const has[] = {"\"by_type\"", NULL};
    static const char *const lacks[] = {"\"handles\"", NULL};
    struct hl_show_opts o = {NULL, 1, 0, 0, NULL};

    expect_render(*state, &o, 1, has, lacks);
}

static void test_show_json_control_chars(void **state)
{
    struct hl_snapshot s;
    struct hl_handle h;
    struct hl_show_opts o = {NULL, 0, 0, 0, NULL};
    static const char *const has[] = {"\"name\": \"a\\tb\\u0001\\n\"",
                                      "\"start_time\": null",
                                      "\"wow64\": null", NULL};

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    memset(&h, 0, sizeof(h));
    assert_int_equal(hl_snapshot_intern(&s, "Event", &h.type), 0);
    assert_int_equal(hl_snapshot_intern(&s, "a\tb\x01\n", &h.name), 0);
    assert_int_equal(hl_snapshot_add(&s, &h), 0);
    expect_render(&s, &o, 1, has, NULL);
    hl_snapshot_release(&s);
}

static void test_show_oom_fails_cleanly(void **state)
{
    struct hl_show_opts o = {NULL, 0, 0, 0, NULL};
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

/* A snapshot's file and what was read back from it. */
struct trip {
    unsigned char *buf;
    size_t len;
    struct hl_snapshot back;
};

/* s through the file and back, into t (initialised here). */
static void through_file(const struct hl_snapshot *s, struct trip *t)
{
    assert_int_equal(hl_snapfile_encode(s, &t->buf, &t->len), 0);
    assert_int_equal(hl_snapshot_init(&t->back), 0);
    assert_int_equal(hl_snapfile_decode(t->buf, t->len, &t->back, NULL), 0);
}

static void trip_release(struct trip *t)
{
    hl_free(t->buf);
    hl_snapshot_release(&t->back);
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
    static const char *const text[] = {
        "access    protected process: names cannot be read, SeDebugPrivilege "
        "not enabled\n",
        "gui       not readable (other session)", NULL};
    static const char *const json[] = {"\"names_access\": \"protected\"",
                                       "\"debug_privilege\": false",
                                       "\"other_session\": true", NULL};
    struct hl_snapshot *s = *state;
    struct hl_show_opts opts;
    struct trip t;

    memset(&opts, 0, sizeof(opts));
    s->access = HL_ACCESS_PROTECTED;
    s->collect_flags = HL_COLLECT_RECORDED | HL_COLLECT_GUI_SESSION;
    s->gui.flags = HL_GUI_ASKED | HL_GUI_OTHER_SESSION;
    through_file(s, &t);
    assert_int_equal(t.back.access, HL_ACCESS_PROTECTED);
    assert_int_equal(t.back.collect_flags, s->collect_flags);
    assert_int_equal(t.back.gui.flags, HL_GUI_ASKED | HL_GUI_OTHER_SESSION);
    expect_render(&t.back, &opts, 0, text, NULL);
    expect_render(&t.back, &opts, 1, json, NULL);
    trip_release(&t);
}

static void test_show_access_absent_is_not_recorded(void **state)
{
    static const char *const text[] = {"\naccess    ", NULL};
    static const char *const json[] = {"\"names_access\": null",
                                       "\"debug_privilege\": null", NULL};
    struct hl_show_opts opts;
    struct trip t;

    memset(&opts, 0, sizeof(opts));
    through_file(*state, &t);
    /* nothing recorded, no section: the file is what it always was */
    assert_int_equal(accs_at(t.buf, t.len), 0);
    assert_int_equal(t.back.access, HL_ACCESS_UNKNOWN);
    expect_render(&t.back, &opts, 0, NULL, text);
    expect_render(&t.back, &opts, 1, json, NULL);
    trip_release(&t);
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
