/* For opendir() in the atomic write test. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/snapfile.h"
#include "testutil.h"

/* Offsets and tags from the format description in src/core/snapfile.c;
 * repeated here so a change to the format has to change the tests too. */
#define OFF_VERSION 8
#define OFF_LENGTH 12
#define OFF_CRC 20
#define HEADER_LEN 24
#define TAG(a, b, c, d)                                                      \
    ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |          \
     ((uint32_t)(d) << 24))
#define TAG_META TAG('M', 'E', 'T', 'A')
#define TAG_STRS TAG('S', 'T', 'R', 'S')
#define TAG_HNDL TAG('H', 'N', 'D', 'L')

/* ---- helpers ---- */

static void sample(struct hl_snapshot *s)
{
    assert_int_equal(hl_snapshot_init(s), 0);
    assert_int_equal(hl_test_sample_snapshot(s), 0);
}

static void encode(const struct hl_snapshot *s, unsigned char **buf,
                   size_t *len)
{
    assert_int_equal(hl_snapfile_encode(s, buf, len), 0);
    assert_non_null(*buf);
}

/* A copy in memory of our own, so tests may grow it with realloc. */
static unsigned char *encode_sample(size_t *len)
{
    struct hl_snapshot s;
    unsigned char *buf, *copy;

    sample(&s);
    encode(&s, &buf, len);
    copy = malloc(*len);
    assert_non_null(copy);
    memcpy(copy, buf, *len);
    hl_free(buf);
    hl_snapshot_release(&s);
    return copy;
}

static void assert_empty(const struct hl_snapshot *s)
{
    assert_int_equal(s->count, 0);
    assert_null(s->handles);
    assert_int_equal(s->strings.count, 1);
    assert_int_equal(s->pid, 0);
    assert_int_equal(s->image, 0);
}

/* Decodes into a fresh snapshot and returns the code; a failure must
 * leave the snapshot empty. */
static int decode_code(const unsigned char *buf, size_t len,
                       struct hl_snapfile_info *info)
{
    struct hl_snapshot s;
    int err;

    assert_int_equal(hl_snapshot_init(&s), 0);
    err = hl_snapfile_decode(buf, len, &s, info);
    if (err != 0)
        assert_empty(&s);
    hl_snapshot_release(&s);
    return err;
}

static void assert_snapshots_equal(const struct hl_snapshot *a,
                                   const struct hl_snapshot *b)
{
    uint32_t id;
    size_t i;

    assert_int_equal(a->pid, b->pid);
    assert_int_equal(a->start_time, b->start_time);
    assert_int_equal(a->taken_at, b->taken_at);
    assert_int_equal(a->duration_us, b->duration_us);
    assert_int_equal(a->wow64, b->wow64);
    assert_int_equal(a->image, b->image);
    assert_int_equal(a->host, b->host);
    assert_int_equal(a->os_version, b->os_version);
    assert_int_equal(a->hleak_version, b->hleak_version);
    assert_int_equal(a->method, b->method);
    assert_int_equal(a->strings.count, b->strings.count);
    for (id = 0; id < a->strings.count; id++)
        assert_string_equal(hl_strtab_get(&a->strings, id),
                            hl_strtab_get(&b->strings, id));
    assert_int_equal(a->count, b->count);
    for (i = 0; i < a->count; i++) {
        const struct hl_handle *x = &a->handles[i], *y = &b->handles[i];

        assert_int_equal(x->value, y->value);
        assert_int_equal(hl_snapshot_object(a, i), hl_snapshot_object(b, i));
        assert_int_equal(x->granted_access, y->granted_access);
        assert_int_equal(x->attributes, y->attributes);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->name, y->name);
        assert_int_equal(x->nt_name, y->nt_name);
        assert_int_equal(x->name_err, y->name_err);
    }
}

/* Encodes s, decodes the result and checks nothing changed. */
static size_t assert_round_trip(const struct hl_snapshot *s)
{
    struct hl_snapshot d;
    struct hl_snapfile_info info;
    unsigned char *buf;
    size_t len;

    encode(s, &buf, &len);
    assert_int_equal(hl_snapshot_init(&d), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &d, &info), 0);
    assert_int_equal(info.version, HL_SNAPFILE_VERSION);
    assert_int_equal(info.line, 0);
    assert_snapshots_equal(s, &d);
    hl_snapshot_release(&d);
    hl_free(buf);
    return len;
}

static void fix_crc(unsigned char *buf, size_t len)
{
    uint32_t crc = hl__crc32(0, buf, OFF_CRC);

    crc = hl__crc32(crc, buf + HEADER_LEN, len - HEADER_LEN);
    hl__put_le32(buf + OFF_CRC, crc);
}

static void fix_length_and_crc(unsigned char *buf, size_t len)
{
    hl__put_le64(buf + OFF_LENGTH, len);
    fix_crc(buf, len);
}

/* Where the section with this tag starts (its tag), or 0 if absent. */
static size_t find_section(const unsigned char *buf, size_t len,
                           uint32_t tag)
{
    size_t at = HEADER_LEN;

    while (at + 12 <= len) {
        if (hl__get_le32(buf + at) == tag)
            return at;
        at += 12 + (size_t)hl__get_le64(buf + at + 4);
    }
    return 0;
}

static size_t section_size(const unsigned char *buf, size_t at)
{
    return 12 + (size_t)hl__get_le64(buf + at + 4);
}

/* Inserts n bytes at offset at of the malloc'd *buf. */
static void splice_in(unsigned char **buf, size_t *len, size_t at,
                      const void *bytes, size_t n)
{
    unsigned char *b = realloc(*buf, *len + n);

    assert_non_null(b);
    memmove(b + at + n, b + at, *len - at);
    memcpy(b + at, bytes, n);
    *buf = b;
    *len += n;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Appends a section with the given body at p; returns the bytes used. */
static size_t put_section(unsigned char *p, uint32_t tag,
                          const unsigned char *body, size_t n)
{
    hl__put_le32(p, tag);
    hl__put_le64(p + 4, n);
    memcpy(p + 12, body, n);
    return 12 + n;
}

/* A hand-made file: header, a META of ten zeros, then STRS and HNDL with
 * the bodies given. Returns its length. */
static size_t make_file(unsigned char *buf, const unsigned char *strs,
                        size_t strs_len, const unsigned char *hndl,
                        size_t hndl_len)
{
    static const unsigned char meta[10] = { 0 };
    size_t len = HEADER_LEN;

    memcpy(buf, "HLEAK\x1a\r\n", 8);
    hl__put_le32(buf + OFF_VERSION, 1);
    len += put_section(buf + len, TAG_META, meta, sizeof(meta));
    len += put_section(buf + len, TAG_STRS, strs, strs_len);
    len += put_section(buf + len, TAG_HNDL, hndl, hndl_len);
    fix_length_and_crc(buf, len);
    return len;
}

/* xorshift64: the same flips on every run and every platform. */
static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* ---- tests ---- */

static void test_snapfile_crc32_check_value(void **state)
{
    (void)state;
    /* The standard check value of CRC-32/ISO-HDLC. */
    assert_int_equal(hl__crc32(0, "123456789", 9), 0xcbf43926u);
    assert_int_equal(hl__crc32(hl__crc32(0, "1234", 4), "56789", 5),
                     0xcbf43926u);
    assert_int_equal(hl__crc32(0, "", 0), 0);
}

static void test_snapfile_sample_round_trip(void **state)
{
    struct hl_snapshot s, d;
    unsigned char *buf;
    size_t len;

    (void)state;
    sample(&s);
    assert_int_equal(s.count, 7);
    assert_round_trip(&s);

    encode(&s, &buf, &len);
    assert_memory_equal(buf, "HLEAK\x1a\r\n", 8);
    assert_int_equal(hl__get_le32(buf + OFF_VERSION), HL_SNAPFILE_VERSION);
    assert_int_equal(hl__get_le64(buf + OFF_LENGTH), len);
    assert_true(hl_snapfile_sniff(buf, len));
    assert_int_equal(hl_snapshot_init(&d), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &d, NULL), 0);
    /* Spot checks against the literal figures, not only the source. */
    assert_int_equal(d.pid, 4242);
    assert_int_equal(d.start_time, 133000000000000000ull);
    assert_int_equal(d.taken_at, 133800000000000000ull);
    assert_int_equal(d.duration_us, 1234);
    assert_int_equal(d.wow64, 0);
    assert_string_equal(hl_snapshot_str(&d, d.image),
                        "C:\\Program Files\\Démo\\app.exe");
    assert_string_equal(hl_snapshot_str(&d, d.host), "BUILD-01");
    assert_string_equal(hl_snapshot_str(&d, d.os_version),
                        "Windows 10.0.19045");
    assert_string_equal(hl_snapshot_str(&d, d.hleak_version), "0.1.0");
    assert_string_equal(hl_snapshot_str(&d, d.method),
                        "ProcessHandleInformation");
    assert_int_equal(d.handles[0].value, 0x4);
    assert_int_equal(d.handles[6].value, 0x1c);
    assert_int_equal(hl_snapshot_object(&d, 4), 0xffffa00012345678ull);
    assert_int_equal(hl_snapshot_object(&d, 3), 0);
    assert_int_equal(d.handles[4].attributes, 0x2);
    assert_int_equal(d.handles[4].granted_access, 0x120089);
    assert_string_equal(hl_snapshot_str(&d, d.handles[4].name),
                        "C:\\temp\\naïve,\"quoted\".txt");
    assert_string_equal(hl_snapshot_str(&d, d.handles[3].nt_name),
                        "\\Sessions\\1\\BaseNamedObjects\\hleak-ü-event");
    assert_int_equal(d.handles[3].name, d.handles[3].nt_name);
    assert_string_equal(hl_snapshot_str(&d, d.handles[6].type), "Mutant");
    assert_int_equal(d.handles[6].name_err, HL_NAME_ERR_ACCESS);
    /* Names are stored once: the three Events share one type string. */
    assert_int_equal(d.handles[0].type, d.handles[2].type);
    hl_snapshot_release(&d);
    hl_free(buf);
    hl_snapshot_release(&s);
}

static void add_named(struct hl_snapshot *s, uint64_t value,
                      const char *type, const char *nt_name,
                      const char *name, uint32_t access, uint64_t object)
{
    assert_int_equal(
        hl_test_add(s, (uint32_t)value, type, name, nt_name, access), 0);
    assert_int_equal(hl_snapshot_set_object(s, s->count - 1, object), 0);
}

static void test_snapfile_large_snapshot_is_compact(void **state)
{
    struct hl_snapshot s;
    char nt[96], name[96];
    uint64_t value = 0;
    size_t len, i;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    s.pid = 4242;
    for (i = 0; i < 20000; i++)
        add_named(&s, value += 4, "Event", NULL, NULL, 0x1f0003, 0);
    for (i = 0; i < 1500; i++) {
        snprintf(nt, sizeof(nt),
                 "\\Sessions\\1\\BaseNamedObjects\\app-ready-%lu",
                 (unsigned long)i);
        add_named(&s, value += 4, "Event", nt, nt, 0x1f0003, 0);
    }
    for (i = 0; i < 500; i++) {
        snprintf(nt, sizeof(nt),
                 "\\Device\\HarddiskVolume3\\data\\log-%lu.txt",
                 (unsigned long)i);
        snprintf(name, sizeof(name), "C:\\data\\log-%lu.txt",
                 (unsigned long)i);
        add_named(&s, value += 8, "File", nt, name, 0x120089,
                  0xffffa00012345678ull + i * 0x50);
    }
    for (i = 0; i < 200; i++) {
        snprintf(nt, sizeof(nt),
                 "\\REGISTRY\\MACHINE\\SOFTWARE\\Vendor\\Key%lu",
                 (unsigned long)i);
        snprintf(name, sizeof(name), "HKLM\\SOFTWARE\\Vendor\\Key%lu",
                 (unsigned long)i);
        add_named(&s, value += 4, "Key", nt, name, 0x20019, 0);
    }
    assert_int_equal(s.count, 22200);
    len = assert_round_trip(&s);
    print_message("22200 handles: %lu bytes, %.2f per handle\n",
                  (unsigned long)len, (double)len / (double)s.count);
    assert_true(len <= 24 * s.count);
    hl_snapshot_release(&s);
}

static void test_snapfile_non_ascii_names_round_trip(void **state)
{
    static const char *const names[] = {
        "\\BaseNamedObjects\\Ω-ß-é",         /* two-byte forms */
        "C:\\Users\\山田\\文書.txt",          /* three-byte forms */
        "\\Sessions\\1\\BaseNamedObjects\\😀", /* four-byte form */
        "\xef\xbf\xbd replacement",            /* U+FFFD */
        "\xf4\x8f\xbf\xbf last",               /* U+10FFFF */
        "\xc2\x80 first two-byte",             /* U+0080 */
    };
    struct hl_snapshot s;
    size_t i;

    (void)state;
    sample(&s);
    assert_int_equal(hl_snapshot_intern(&s, "ДЕМО-ПК", &s.host), 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        add_named(&s, 0x100 + 4 * i, "Événement", names[i], names[i],
                  0x1f0003, 0);
    assert_round_trip(&s);
    hl_snapshot_release(&s);
}

static void test_snapfile_every_truncation_refused(void **state)
{
    struct hl_snapfile_info info;
    unsigned char *buf;
    size_t len, cut;
    int err;

    (void)state;
    buf = encode_sample(&len);
    for (cut = 0; cut < len; cut++) {
        err = decode_code(buf, cut, &info);
        assert_int_not_equal(err, 0);
        if (cut == 0)
            assert_int_equal(err, HL_ENOTSNAP);
        else
            assert_int_equal(err, HL_ETRUNC);
    }
    assert_int_equal(decode_code(buf, len, NULL), 0);
    free(buf);
}

static void test_snapfile_bit_flips_fail_checksum(void **state)
{
    struct hl_snapfile_info info;
    unsigned char *buf;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    size_t len, bit;
    int i, err, checksum = 0;

    (void)state;
    buf = encode_sample(&len);
    for (i = 0; i < 10000; i++) {
        bit = (size_t)(rng_next(&rng) % (len * 8));
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        err = decode_code(buf, len, &info);
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        assert_int_not_equal(err, 0);
        /* Flips in the magic, version or length are caught before the
         * checksum, with their own codes. */
        if (bit / 8 >= OFF_CRC)
            assert_int_equal(err, HL_ECHECKSUM);
        checksum += err == HL_ECHECKSUM;
    }
    assert_true(checksum > 8000);
    assert_int_equal(decode_code(buf, len, NULL), 0);
    free(buf);
}

/*
 * With the checksum made right again, each flip reaches the structural
 * checks: the decoder must refuse the file or return a snapshot that
 * survives another encode and decode, and must never crash or leak.
 */
static void test_snapfile_bit_flips_with_fixed_checksum(void **state)
{
    uint64_t rng = 0x2545f4914f6cdd1dull;
    struct hl_snapshot d, e;
    unsigned char *buf, *again;
    size_t len, again_len, bit;
    int i, err, refused = 0, accepted = 0;

    (void)state;
    buf = encode_sample(&len);
    for (i = 0; i < 10000; i++) {
        bit = (size_t)(rng_next(&rng) % (len * 8));
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        fix_crc(buf, len);
        assert_int_equal(hl_snapshot_init(&d), 0);
        err = hl_snapfile_decode(buf, len, &d, NULL);
        if (err != 0) {
            assert_empty(&d);
            refused++;
        } else {
            encode(&d, &again, &again_len);
            assert_int_equal(hl_snapshot_init(&e), 0);
            assert_int_equal(hl_snapfile_decode(again, again_len, &e, NULL),
                             0);
            assert_snapshots_equal(&d, &e);
            hl_snapshot_release(&e);
            hl_free(again);
            accepted++;
        }
        hl_snapshot_release(&d);
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, NULL), 0);
    /* Both outcomes occur, so both paths above were really taken. */
    assert_true(refused > 1000);
    assert_true(accepted > 100);
    free(buf);
}

static void test_snapfile_wrong_magic_refused(void **state)
{
    static const unsigned char text[40] = "id,type,name\n1,Event,\n2,File,x\n";
    unsigned char *buf;
    size_t len;

    (void)state;
    buf = encode_sample(&len);
    assert_true(hl_snapfile_sniff(buf, len));
    buf[0] = 'h';
    fix_crc(buf, len);
    assert_false(hl_snapfile_sniff(buf, len));
    assert_int_equal(decode_code(buf, len, NULL), HL_ENOTSNAP);
    assert_int_equal(decode_code(buf, 0, NULL), HL_ENOTSNAP);
    assert_int_equal(decode_code(text, sizeof(text), NULL), HL_ENOTSNAP);
    assert_int_equal(decode_code(text, 3, NULL), HL_ENOTSNAP);
    assert_false(hl_snapfile_sniff(text, sizeof(text)));
    assert_false(hl_snapfile_sniff((const unsigned char *)"HLEAK", 5));
    free(buf);
}

static void test_snapfile_newer_version_refused(void **state)
{
    struct hl_snapfile_info info;
    unsigned char *buf;
    size_t len;

    (void)state;
    buf = encode_sample(&len);
    /* version 2 is a whole-system snapshot, never a process without
     * handles */
    hl__put_le32(buf + OFF_VERSION, HL_SYSFILE_VERSION);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, &info), HL_ESYSSNAP);
    hl__put_le32(buf + OFF_VERSION, HL_SYSFILE_VERSION + 1);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, &info), HL_EVERSION);
    assert_int_equal(info.version, HL_SYSFILE_VERSION + 1);
    /* Cut short, the version cannot be vouched for by the checksum. */
    assert_int_equal(decode_code(buf, 12, &info), HL_ETRUNC);
    assert_int_equal(info.version, 0);
    hl__put_le32(buf + OFF_VERSION, 0);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    assert_int_not_equal(info.line, 0);
    free(buf);
}

static void test_snapfile_unknown_section_skipped(void **state)
{
    static const unsigned char extra[] = {
        'S', 'T', 'A', 'K', 5, 0, 0, 0, 0, 0, 0, 0, 'l', 'a', 't', 'e', 'r',
    };
    static const unsigned char empty[] = {
        'M', 'O', 'D', 'S', 0, 0, 0, 0, 0, 0, 0, 0,
    };
    struct hl_snapshot s, d;
    unsigned char *buf;
    size_t len, at;

    (void)state;
    sample(&s);
    buf = encode_sample(&len);
    at = find_section(buf, len, TAG_HNDL);
    assert_int_not_equal(at, 0);
    splice_in(&buf, &len, at, extra, sizeof(extra));
    splice_in(&buf, &len, len, empty, sizeof(empty));
    splice_in(&buf, &len, HEADER_LEN, empty, sizeof(empty));
    fix_length_and_crc(buf, len);
    assert_int_equal(hl_snapshot_init(&d), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &d, NULL), 0);
    assert_snapshots_equal(&s, &d);
    hl_snapshot_release(&d);
    hl_snapshot_release(&s);
    free(buf);
}

static void test_snapfile_missing_section_refused(void **state)
{
    static const uint32_t tags[] = { TAG_META, TAG_STRS, TAG_HNDL };
    struct hl_snapfile_info info;
    unsigned char *buf;
    size_t len, at, i;

    (void)state;
    buf = encode_sample(&len);
    for (i = 0; i < 3; i++) {
        at = find_section(buf, len, tags[i]);
        assert_int_not_equal(at, 0);
        hl__put_le32(buf + at, TAG('X', 'X', 'X', 'X'));
        fix_crc(buf, len);
        assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
        assert_int_not_equal(info.line, 0);
        hl__put_le32(buf + at, tags[i]);
    }
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, NULL), 0);
    free(buf);
}

static void test_snapfile_duplicate_section_refused(void **state)
{
    static const uint32_t tags[] = { TAG_META, TAG_STRS, TAG_HNDL };
    unsigned char *buf, *copy;
    size_t len, at, n, i;

    (void)state;
    for (i = 0; i < 3; i++) {
        buf = encode_sample(&len);
        at = find_section(buf, len, tags[i]);
        n = section_size(buf, at);
        copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, buf + at, n);
        splice_in(&buf, &len, len, copy, n);
        fix_length_and_crc(buf, len);
        assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
        free(copy);
        free(buf);
    }
}

/* Encodes s (which the encoder writes as given) and expects the decoder to
 * refuse it as corrupt. */
static void assert_encoded_corrupt(const struct hl_snapshot *s)
{
    struct hl_snapfile_info info;
    unsigned char *buf;
    size_t len;

    encode(s, &buf, &len);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    assert_int_not_equal(info.line, 0);
    hl_free(buf);
}

static void test_snapfile_bad_string_id_refused(void **state)
{
    struct hl_snapshot s;
    uint32_t saved;

    (void)state;
    sample(&s);
    saved = s.handles[4].name;
    s.handles[4].name = s.strings.count;
    assert_encoded_corrupt(&s);
    s.handles[4].name = saved;
    s.handles[0].type = UINT32_MAX;
    assert_encoded_corrupt(&s);
    s.handles[0].type = s.handles[1].type;
    s.host = s.strings.count;
    assert_encoded_corrupt(&s);
    s.host = 0;
    assert_round_trip(&s);
    hl_snapshot_release(&s);
}

static void test_snapfile_bad_values_refused(void **state)
{
    static const char *const bad_utf8[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xed\xa0\x80",     /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xff",             /* never valid */
        "ab\xc3",           /* cut short */
        "\xc3(",            /* bad continuation */
    };
    struct hl_snapshot s;
    size_t i;

    (void)state;
    sample(&s);
    s.wow64 = 3;
    assert_encoded_corrupt(&s);
    s.wow64 = HL_WOW64_UNKNOWN;
    s.handles[6].name_err = HL_NAME_ERR_COUNT;
    assert_encoded_corrupt(&s);
    s.handles[6].name_err = HL_NAME_ERR_SKIPPED;
    assert_round_trip(&s);
    hl_snapshot_release(&s);

    for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
        sample(&s);
        assert_int_equal(hl_snapshot_intern(&s, bad_utf8[i], &s.host), 0);
        assert_encoded_corrupt(&s);
        hl_snapshot_release(&s);
    }
}

static void test_snapfile_malformed_bodies_refused(void **state)
{
    unsigned char buf[256], body[32];
    struct hl_snapfile_info info;
    size_t len, n;

    (void)state;
    /* The hand-made file itself is valid: one string, one handle. */
    n = 0;
    body[n++] = 1;
    body[n++] = 1;
    body[n++] = 'x';
    len = make_file(buf, body, n, (const unsigned char *)"\x01\x08\x00\x00"
                    "\x01\x01\x00\x00\x00", 9);
    assert_int_equal(decode_code(buf, len, NULL), 0);

    /* A NUL inside a string. */
    body[2] = '\0';
    len = make_file(buf, body, n, (const unsigned char *)"\x00", 1);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    /* An empty string after id 0. */
    len = make_file(buf, (const unsigned char *)"\x01\x00", 2,
                    (const unsigned char *)"\x00", 1);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    /* The same string twice. */
    len = make_file(buf, (const unsigned char *)"\x02\x01x\x01x", 5,
                    (const unsigned char *)"\x00", 1);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    /* A byte left over after the last record. */
    len = make_file(buf, (const unsigned char *)"\x00", 1,
                    (const unsigned char *)"\x00\x00", 2);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    /* A padded varint (0x80 0x00 for 0) as the handle count. */
    len = make_file(buf, (const unsigned char *)"\x00", 1,
                    (const unsigned char *)"\x80\x00", 2);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    /* A varint wider than 64 bits. */
    len = make_file(buf, (const unsigned char *)"\x00", 1,
                    (const unsigned char *)"\xff\xff\xff\xff\xff\xff\xff"
                    "\xff\xff\x02", 10);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    /* An access mask past 32 bits. */
    len = make_file(buf, (const unsigned char *)"\x00", 1,
                    (const unsigned char *)"\x01\x08\x80\x80\x80\x80\x10"
                    "\x00\x00\x00\x00\x00\x00", 13);
    assert_int_equal(decode_code(buf, len, &info), HL_ECORRUPT);
    assert_int_not_equal(info.line, 0);
}

static void test_snapfile_huge_counts_refused(void **state)
{
    static const uint64_t counts[] = {
        (uint64_t)1 << 40, UINT32_MAX, 100000000, UINT64_MAX,
    };
    unsigned char buf[128], body[16];
    size_t len, n, i;

    (void)state;
    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        n = put_varint(body, counts[i]);
        /* Refused as corrupt before allocating: HL_ENOMEM here would mean
         * the decoder believed the count. */
        len = make_file(buf, (const unsigned char *)"\x00", 1, body, n);
        assert_true(len < 100);
        assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
        len = make_file(buf, body, n, (const unsigned char *)"\x00", 1);
        assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
    }
    /* A section claiming more bytes than the file has. */
    len = make_file(buf, (const unsigned char *)"\x00", 1,
                    (const unsigned char *)"\x00", 1);
    hl__put_le64(buf + len - 13 + 4, UINT64_MAX);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
}

static void test_snapfile_length_field_checked(void **state)
{
    unsigned char *buf;
    size_t len;

    (void)state;
    buf = encode_sample(&len);
    /* longer than the file: truncated, unless the checksum vouches for
     * every byte there is, which leaves the length field wrong */
    hl__put_le64(buf + OFF_LENGTH, len + 1);
    assert_int_equal(decode_code(buf, len, NULL), HL_ETRUNC);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
    hl__put_le64(buf + OFF_LENGTH, len - 1);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
    hl__put_le64(buf + OFF_LENGTH, 3);
    fix_crc(buf, len);
    assert_int_equal(decode_code(buf, len, NULL), HL_ECORRUPT);
    free(buf);
}

static void test_snapfile_decode_needs_empty_snapshot(void **state)
{
    struct hl_snapshot s;
    unsigned char *buf;
    size_t len;

    (void)state;
    buf = encode_sample(&len);
    sample(&s);
    assert_int_equal(hl_snapfile_decode(buf, len, &s, NULL), HL_EINVAL);
    assert_int_equal(s.count, 7);
    hl_snapshot_release(&s);
    free(buf);
}

/* Counts the temporary files hl__fs_write_atomic may have left for path. */
static int count_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *bslash = strrchr(path, '\\');
    char dir[1024], prefix[256];
    struct dirent *ent;
    DIR *d;
    int n = 0;

    if (bslash != NULL && (slash == NULL || bslash > slash))
        slash = bslash;
    assert_non_null(slash);
    assert_true((size_t)(slash - path) < sizeof(dir));
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    snprintf(prefix, sizeof(prefix), "%s.tmp-", slash + 1);
    d = opendir(dir);
    assert_non_null(d);
    while ((ent = readdir(d)) != NULL)
        n += strncmp(ent->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void test_snapfile_atomic_write_replaces(void **state)
{
    struct hl_snapshot s, big, d;
    unsigned char *want, *got;
    size_t want_len, got_len, i;
    char *path;

    (void)state;
    path = hl_test_temp_file("old contents", 12);
    assert_non_null(path);
    sample(&s);
    assert_int_equal(hl_snapfile_write(path, &s), 0);
    assert_int_equal(hl_snapshot_init(&d), 0);
    assert_int_equal(hl_snapfile_read(path, &d, NULL), 0);
    assert_snapshots_equal(&s, &d);
    hl_snapshot_release(&d);

    /* Overwrite with something longer: the file is exactly the new one. */
    sample(&big);
    for (i = 0; i < 5000; i++)
        add_named(&big, 0x1000 + 4 * i, "Event", NULL, NULL, 0x1f0003, 0);
    assert_int_equal(hl_snapfile_write(path, &big), 0);
    encode(&big, &want, &want_len);
    assert_int_equal(hl__fs_read(path, &got, &got_len), 0);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    hl__free(got);
    hl_free(want);

    /* And shorter again. */
    assert_int_equal(hl_snapfile_write(path, &s), 0);
    encode(&s, &want, &want_len);
    assert_int_equal(hl__fs_read(path, &got, &got_len), 0);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    hl__free(got);
    hl_free(want);

    assert_int_equal(count_temps(path), 0);
    assert_int_equal(remove(path), 0);
    hl_snapshot_release(&big);
    hl_snapshot_release(&s);
    free(path);
}

static void test_snapfile_read_missing_file(void **state)
{
    struct hl_snapshot s;
    struct hl_snapfile_info info;
    char *path, *missing;

    (void)state;
    path = hl_test_temp_file("", 0);
    assert_non_null(path);
    missing = hl_test_path_plus(path, ".missing");
    assert_non_null(missing);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_snapfile_read(missing, &s, &info), HL_ENOENT);
    assert_empty(&s);
    /* An empty file is not a snapshot. */
    assert_int_equal(hl_snapfile_read(path, &s, &info), HL_ENOTSNAP);
    assert_empty(&s);
    hl_snapshot_release(&s);

    /* Writing into a folder that does not exist fails and says why. */
    free(missing);
    missing = hl_test_path_plus(path, ".d/x.snap");
    assert_non_null(missing);
    sample(&s);
    assert_int_equal(hl_snapfile_write(missing, &s), HL_ENOENT);
    hl_snapshot_release(&s);
    assert_int_equal(remove(path), 0);
    free(missing);
    free(path);
}

static void test_snapfile_decode_out_of_memory(void **state)
{
    struct hl_snapshot d;
    unsigned char *buf;
    unsigned long n;
    size_t len;
    int err;

    (void)state;
    buf = encode_sample(&len);
    for (n = 1;; n++) {
        assert_int_equal(hl_snapshot_init(&d), 0);
        hl__alloc_fail_at(n, 0);
        err = hl_snapfile_decode(buf, len, &d, NULL);
        hl__alloc_fail_at(0, 0);
        if (err == 0)
            break;
        assert_int_equal(err, HL_ENOMEM);
        assert_int_equal(d.count, 0);
        hl_snapshot_release(&d);
    }
    assert_true(n > 1);
    assert_int_equal(d.count, 7);
    hl_snapshot_release(&d);
    free(buf);
}

static void test_snapfile_encode_out_of_memory(void **state)
{
    struct hl_snapshot s;
    unsigned char *buf = NULL;
    size_t len = 12345, i;
    unsigned long n;
    int err;

    (void)state;
    sample(&s);
    for (i = 0; i < 300; i++)
        add_named(&s, 0x1000 + 4 * i, "Event", NULL, NULL, 0x1f0003, 0);
    for (n = 1;; n++) {
        hl__alloc_fail_at(n, 0);
        err = hl_snapfile_encode(&s, &buf, &len);
        hl__alloc_fail_at(0, 0);
        if (err == 0)
            break;
        assert_int_equal(err, HL_ENOMEM);
        assert_null(buf);
        assert_int_equal(len, 12345);
    }
    assert_true(n > 1);
    hl_free(buf);
    hl_snapshot_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapfile_crc32_check_value),
        cmocka_unit_test(test_snapfile_sample_round_trip),
        cmocka_unit_test(test_snapfile_large_snapshot_is_compact),
        cmocka_unit_test(test_snapfile_non_ascii_names_round_trip),
        cmocka_unit_test(test_snapfile_every_truncation_refused),
        cmocka_unit_test(test_snapfile_bit_flips_fail_checksum),
        cmocka_unit_test(test_snapfile_bit_flips_with_fixed_checksum),
        cmocka_unit_test(test_snapfile_wrong_magic_refused),
        cmocka_unit_test(test_snapfile_newer_version_refused),
        cmocka_unit_test(test_snapfile_unknown_section_skipped),
        cmocka_unit_test(test_snapfile_missing_section_refused),
        cmocka_unit_test(test_snapfile_duplicate_section_refused),
        cmocka_unit_test(test_snapfile_bad_string_id_refused),
        cmocka_unit_test(test_snapfile_bad_values_refused),
        cmocka_unit_test(test_snapfile_malformed_bodies_refused),
        cmocka_unit_test(test_snapfile_huge_counts_refused),
        cmocka_unit_test(test_snapfile_length_field_checked),
        cmocka_unit_test(test_snapfile_decode_needs_empty_snapshot),
        cmocka_unit_test(test_snapfile_atomic_write_replaces),
        cmocka_unit_test(test_snapfile_read_missing_file),
        cmocka_unit_test(test_snapfile_decode_out_of_memory),
        cmocka_unit_test(test_snapfile_encode_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
