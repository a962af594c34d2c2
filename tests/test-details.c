/*
 * Object details (struct hl_details, snapshot --details): the setter's
 * checks, the text each kind reads as, the HDTL section's round trip and
 * its refusals, and show's text and JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "details.h"
#include "hleak/snapfile.h"
#include "show.h"
#include "testutil.h"

/* 2026-12-02T06:47:33Z as a FILETIME */
#define KEY_TIME 134406676530000000ll

static int setup(void **state)
{
    static struct hl_snapshot s;
    const char *types[] = {"Event", "Mutant", "Semaphore", "Section",
                           "Timer", "File", "Token", "Key", "Mutant",
                           "Event", "Section"};
    size_t i;

    assert_int_equal(hl_snapshot_init(&s), 0);
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        assert_int_equal(hl_test_add(&s, (uint32_t)(4 * (i + 1)), types[i],
                                     "", "", 0x1f0003),
                         0);
    *state = &s;
    return 0;
}

static int teardown(void **state)
{
    hl_snapshot_release(*state);
    return 0;
}

/* The ten handles' details: every kind, a partial and an unknown one. */
static void set_all(struct hl_snapshot *s)
{
    struct hl_details d[10];
    uint32_t sid, file;
    size_t i;

    assert_int_equal(hl_snapshot_intern(s, "S-1-5-21-1-2-3-1001", &sid), 0);
    assert_int_equal(hl_snapshot_intern(s, "C:\\Windows\\x.dll", &file), 0);
    memset(d, 0, sizeof(d));
    d[0] = (struct hl_details){HL_DETAILS_EVENT, HL_DETAILS_BASIC, 0, 1, 0, 0,
                               0};
    d[1] = (struct hl_details){HL_DETAILS_MUTANT,
                               HL_DETAILS_BASIC | HL_DETAILS_MORE, -1, 1, 88,
                               1204, 0};
    d[2] = (struct hl_details){HL_DETAILS_SEMAPHORE, HL_DETAILS_BASIC, 2, 10,
                               0, 0, 0};
    d[3] = (struct hl_details){HL_DETAILS_SECTION, HL_DETAILS_BASIC, 0x1000,
                               0x1800000, 0, 0, file};
    d[4] = (struct hl_details){HL_DETAILS_TIMER, HL_DETAILS_BASIC, 0, 0, 0, 0,
                               0};
    d[5] = (struct hl_details){HL_DETAILS_FILE,
                               HL_DETAILS_BASIC | HL_DETAILS_MORE, 0x11, 0x20,
                               0, 0, 0};
    d[6] = (struct hl_details){HL_DETAILS_TOKEN, HL_DETAILS_BASIC, 0, 0, 0, 0,
                               sid};
    d[7] = (struct hl_details){HL_DETAILS_KEY, HL_DETAILS_BASIC, KEY_TIME, 0,
                               0, 0, 0};
    d[8] = (struct hl_details){HL_DETAILS_MUTANT, HL_DETAILS_MORE, 0, 0, 0, 0,
                               0};
    d[9] = (struct hl_details){HL_DETAILS_EVENT, 0, 0, 0, 0, 0, 0};
    for (i = 0; i < 10; i++)
        assert_int_equal(hl_snapshot_set_details(s, i, &d[i]), 0);
}

static const char *const texts[10] = {
    "notification, signaled",
    "owned by tid 1204 in pid 88, held 2 times, abandoned",
    "count 2 of 10",
    "image, 0x1000 bytes, C:\\Windows\\x.dll",
    "not signaled",
    "named pipe, synchronous",
    "user S-1-5-21-1-2-3-1001",
    "last written 2026-12-02T06:47:33Z",
    "not owned",
    "unknown",
};

static void expect_texts(const struct hl_snapshot *s)
{
    char buf[256];
    size_t i;

    for (i = 0; i < 10; i++)
        assert_string_equal(hl__details_text(s, i, buf, sizeof(buf)),
                            texts[i]);
}

static void test_text(void **state)
{
    struct hl_snapshot *s = *state;
    char buf[256];

    assert_null(hl__details_text(s, 0, buf, sizeof(buf)));
    set_all(s);
    expect_texts(s);
    /* cut, never overrun */
    assert_string_equal(hl__details_text(s, 2, buf, 6), "count");
}

static void test_more_texts(void **state)
{
    struct hl_snapshot *s = *state;
    struct hl_details d = {HL_DETAILS_FILE, HL_DETAILS_BASIC, 0x1234, 0, 0, 0,
                           0};
    char buf[128];

    assert_int_equal(hl_snapshot_set_details(s, 5, &d), 0);
    assert_string_equal(hl__details_text(s, 5, buf, sizeof(buf)),
                        "device 0x1234");
    d = (struct hl_details){HL_DETAILS_FILE, HL_DETAILS_MORE, 0, 0, 0, 0, 0};
    assert_int_equal(hl_snapshot_set_details(s, 5, &d), 0);
    assert_string_equal(hl__details_text(s, 5, buf, sizeof(buf)),
                        "asynchronous");
    d = (struct hl_details){HL_DETAILS_SECTION, HL_DETAILS_BASIC, 4096,
                            0x800000, 0, 0, 0};
    assert_int_equal(hl_snapshot_set_details(s, 3, &d), 0);
    assert_string_equal(hl__details_text(s, 3, buf, sizeof(buf)),
                        "file, 0x1000 bytes");
    d.b = 0x8000000; /* SEC_COMMIT alone */
    assert_int_equal(hl_snapshot_set_details(s, 3, &d), 0);
    assert_string_equal(hl__details_text(s, 3, buf, sizeof(buf)),
                        "pagefile, 0x1000 bytes");
    d = (struct hl_details){HL_DETAILS_MUTANT, HL_DETAILS_BASIC, 0, 0, 0, 0,
                            0};
    assert_int_equal(hl_snapshot_set_details(s, 1, &d), 0);
    assert_string_equal(hl__details_text(s, 1, buf, sizeof(buf)), "owned");
    d = (struct hl_details){HL_DETAILS_EVENT, HL_DETAILS_BASIC, 1, 0, 0, 0,
                            0};
    assert_int_equal(hl_snapshot_set_details(s, 0, &d), 0);
    assert_string_equal(hl__details_text(s, 0, buf, sizeof(buf)),
                        "synchronization, not signaled");
}

static void test_kind_of(void **state)
{
    (void)state;
    assert_int_equal(hl__details_kind_of("Event"), HL_DETAILS_EVENT);
    assert_int_equal(hl__details_kind_of("Mutant"), HL_DETAILS_MUTANT);
    assert_int_equal(hl__details_kind_of("Semaphore"), HL_DETAILS_SEMAPHORE);
    assert_int_equal(hl__details_kind_of("Section"), HL_DETAILS_SECTION);
    assert_int_equal(hl__details_kind_of("Timer"), HL_DETAILS_TIMER);
    assert_int_equal(hl__details_kind_of("File"), HL_DETAILS_FILE);
    assert_int_equal(hl__details_kind_of("Token"), HL_DETAILS_TOKEN);
    assert_int_equal(hl__details_kind_of("Key"), HL_DETAILS_KEY);
    assert_int_equal(hl__details_kind_of("Process"), HL_DETAILS_NONE);
    assert_int_equal(hl__details_kind_of("event"), HL_DETAILS_NONE);
    assert_int_equal(hl__details_kind_of(NULL), HL_DETAILS_NONE);
}

static void test_setter_checks(void **state)
{
    struct hl_snapshot *s = *state;
    struct hl_details d = {HL_DETAILS_EVENT, HL_DETAILS_BASIC, 0, 1, 0, 0, 0};

    assert_int_equal(hl_snapshot_set_details(s, 11, &d), HL_EINVAL);
    d.kind = HL_DETAILS_KIND_COUNT;
    assert_int_equal(hl_snapshot_set_details(s, 0, &d), HL_EINVAL);
    d.kind = HL_DETAILS_EVENT;
    d.known = 4;
    assert_int_equal(hl_snapshot_set_details(s, 0, &d), HL_EINVAL);
    d.known = HL_DETAILS_BASIC;
    d.text = s->strings.count;
    assert_int_equal(hl_snapshot_set_details(s, 0, &d), HL_EINVAL);
    /* NONE with fields is a contradiction; NONE alone makes no array */
    d = (struct hl_details){HL_DETAILS_NONE, 0, 1, 0, 0, 0, 0};
    assert_int_equal(hl_snapshot_set_details(s, 0, &d), HL_EINVAL);
    d.a = 0;
    assert_int_equal(hl_snapshot_set_details(s, 0, &d), 0);
    assert_null(s->details);
    assert_null(hl_snapshot_details(s, 0));
}

/* A round trip keeps every field; a file without HDTL has no details. */
static void test_round_trip(void **state)
{
    struct hl_snapshot *s = *state;
    struct hl_snapshot back;
    unsigned char *buf;
    size_t len, i;

    assert_int_equal(hl_snapfile_encode(s, &buf, &len), 0);
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), 0);
    assert_null(back.details);
    hl_snapshot_release(&back);
    hl__free(buf);

    set_all(s);
    assert_int_equal(hl_snapfile_encode(s, &buf, &len), 0);
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), 0);
    for (i = 0; i < 10; i++) {
        const struct hl_details *a = hl_snapshot_details(s, i);
        const struct hl_details *b = hl_snapshot_details(&back, i);

        assert_non_null(b);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->known, b->known);
        assert_true(a->a == b->a && a->b == b->b);
        assert_true(a->c == b->c && a->d == b->d);
        assert_string_equal(hl_snapshot_str(s, a->text),
                            hl_snapshot_str(&back, b->text));
    }
    expect_texts(&back);
    hl_snapshot_release(&back);
    hl__free(buf);

    /* a Section without a file name, as every older hleak wrote it (the
     * same record with text 0): no name, and the text says none */
    {
        struct hl_details d = *hl_snapshot_details(s, 3);
        char line[128];

        d.text = 0;
        assert_int_equal(hl_snapshot_set_details(s, 3, &d), 0);
        assert_int_equal(hl_snapfile_encode(s, &buf, &len), 0);
        assert_int_equal(hl_snapshot_init(&back), 0);
        assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), 0);
        assert_int_equal(hl_snapshot_details(&back, 3)->text, 0);
        assert_string_equal(hl__details_text(&back, 3, line, sizeof(line)),
                            "image, 0x1000 bytes");
        hl_snapshot_release(&back);
        hl__free(buf);
    }
}

/* The HDTL body of a one-handle snapshot with one record, then the file
 * with a byte of it changed: each change is refused as corrupt. */
static void test_corrupt(void **state)
{
    struct hl_snapshot s, back;
    struct hl_details d = {HL_DETAILS_SEMAPHORE, HL_DETAILS_BASIC, 2, 10, 0,
                           0, 0};
    /* index 0, kind 3, known 1, zigzag(2) 4, zigzag(10) 20, c, d, text */
    static const unsigned char body[] = {1, 0, 3, 1, 4, 20, 0, 0, 0};
    unsigned char *buf;
    size_t len, at, k;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_test_add(&s, 4, "Semaphore", "", "", 0x1f0003), 0);
    assert_int_equal(hl_snapshot_set_details(&s, 0, &d), 0);
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    /* the section is "HDTL", a u64 length, then exactly these bytes */
    for (at = 0; at + 4 <= len && memcmp(buf + at, "HDTL", 4) != 0; at++)
        ;
    assert_true(at + 12 + sizeof(body) <= len);
    assert_int_equal(hl__get_le64(buf + at + 4), sizeof(body));
    assert_memory_equal(buf + at + 12, body, sizeof(body));
    {
        /* kind 0, kind 9, known 4, text past the table, index past */
        static const struct {
            size_t off;
            unsigned char v;
        } bad[] = {{2, 0}, {2, 9}, {3, 4}, {8, 100}, {1, 1}};

        for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            unsigned char *copy = malloc(len);
            unsigned char saved;

            assert_non_null(copy);
            memcpy(copy, buf, len);
            saved = copy[at + 12 + bad[k].off];
            copy[at + 12 + bad[k].off] = bad[k].v;
            assert_int_not_equal(saved, bad[k].v);
            /* a good checksum: the change itself must be refused */
            hl__put_le32(copy + 20,
                         hl__crc32(hl__crc32(0, copy, 20), copy + 24,
                                   len - 24));
            assert_int_equal(hl_snapshot_init(&back), 0);
            assert_int_equal(hl_snapfile_decode(copy, len, &back, NULL),
                             HL_ECORRUPT);
            hl_snapshot_release(&back);
            free(copy);
        }
    }
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &back, NULL), 0);
    hl_snapshot_release(&back);
    hl__free(buf);
    hl_snapshot_release(&s);
}

static char *render(const struct hl_snapshot *s, int json)
{
    struct hl_show_opts o = {.type = NULL};
    FILE *f = tmpfile();
    char *out;

    assert_non_null(f);
    assert_int_equal(json ? hl_show_json(f, s, &o) : hl_show_text(f, s, &o),
                     0);
    out = hl_test_slurp(f);
    assert_non_null(out);
    return out;
}

static void test_show(void **state)
{
    struct hl_snapshot *s = *state;
    static const char *const text_has[] = {
        "            notification, signaled\n",
        "            count 2 of 10\n",
        "            named pipe, synchronous\n",
        NULL};
    static const char *const json_has[] = {
        "\"details\": {\"kind\": \"event\", \"text\": \"notification, "
        "signaled\", \"event_type\": \"notification\", \"signaled\": true}",
        "\"details\": {\"kind\": \"mutant\", \"text\": \"owned by tid 1204 in "
        "pid 88, held 2 times, abandoned\", \"count\": -1, \"abandoned\": "
        "true, \"owner_pid\": 88, \"owner_tid\": 1204}",
        "\"details\": {\"kind\": \"semaphore\", \"text\": \"count 2 of 10\", "
        "\"count\": 2, \"maximum\": 10}",
        "\"details\": {\"kind\": \"section\", \"text\": \"image, 0x1000 "
        "bytes, C:\\\\Windows\\\\x.dll\", \"size\": 4096, \"backing\": "
        "\"image\", \"attributes\": 25165824, \"file\": "
        "\"C:\\\\Windows\\\\x.dll\"}",
        "\"details\": {\"kind\": \"section\", \"text\": \"file, 0x2000 "
        "bytes\", \"size\": 8192, \"backing\": \"file\", \"attributes\": "
        "8388608, \"file\": null}",
        "\"details\": {\"kind\": \"timer\", \"text\": \"not signaled\", "
        "\"signaled\": false}",
        "\"details\": {\"kind\": \"file\", \"text\": \"named pipe, "
        "synchronous\", \"device_type\": 17, \"device\": \"named pipe\", "
        "\"synchronous\": true}",
        "\"details\": {\"kind\": \"token\", \"text\": \"user "
        "S-1-5-21-1-2-3-1001\", \"user_sid\": \"S-1-5-21-1-2-3-1001\"}",
        "\"details\": {\"kind\": \"key\", \"text\": \"last written "
        "2026-12-02T06:47:33Z\", \"last_write\": \"2026-12-02T06:47:33Z\"}",
        "\"details\": {\"kind\": \"mutant\", \"text\": \"not owned\", "
        "\"count\": null, \"abandoned\": null, \"owner_pid\": null, "
        "\"owner_tid\": null}",
        "\"details\": {\"kind\": \"event\", \"text\": \"unknown\", "
        "\"event_type\": null, \"signaled\": null}",
        NULL};

    struct hl_details nameless = {HL_DETAILS_SECTION, HL_DETAILS_BASIC,
                                  0x2000, 0x800000, 0, 0, 0};

    set_all(s);
    /* a file-backed Section whose name was not had: "file": null */
    assert_int_equal(hl_snapshot_set_details(s, 10, &nameless), 0);
    assert_string_equal(hl_test_text_take(render(s, 0), text_has, NULL), "");
    assert_string_equal(hl_test_text_take(render(s, 1), json_has, NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_texts, setup, teardown),
        cmocka_unit_test(test_kind_of),
        cmocka_unit_test_setup_teardown(test_setter_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test_setup_teardown(test_show, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
