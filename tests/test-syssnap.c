/* Whole-system snapshot files (syssnap.c) and their diff (sysdiff.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/snapfile.h"
#include "hleak/system.h"
#include "snapfile-int.h"
#include "sysdiff.h"
#include "sysfixture.h"
#include "syssnap.h"
#include "testutil.h"

/* Tags of FORMAT.md, repeated so a change to the format changes tests. */
#define TAG_SYSM SNAP_TAG('S', 'Y', 'S', 'M')
#define TAG_SYSP SNAP_TAG('S', 'Y', 'S', 'P')
#define TAG_SYSN SNAP_TAG('S', 'Y', 'S', 'N')

static struct hl_system *fixture(const char *name)
{
    struct hl_system *sys;

    assert_int_equal(hl_test_system(name, &sys), 0);
    return sys;
}

static void encode(const struct hl_system *sys, unsigned char **buf,
                   size_t *len)
{
    assert_int_equal(hl__syssnap_encode(sys, buf, len), 0);
}

static void assert_same_names(const struct hl_system *a,
                              const struct hl_system *b, size_t i)
{
    uint32_t wa, wb;
    uint64_t aa, ab, ta, tb;
    size_t k;

    assert_int_equal(hl_system_names(a, i, &wa, &aa, &ta),
                     hl_system_names(b, i, &wb, &ab, &tb));
    assert_true(wa == wb && aa == ab && ta == tb);
    assert_int_equal(hl_system_name_count(a, i), hl_system_name_count(b, i));
    for (k = 0; k < hl_system_name_count(a, i); k++) {
        assert_true(hl_system_name_value(a, i, k) ==
                    hl_system_name_value(b, i, k));
        assert_string_equal(
            hl_system_type_name(a, hl_system_name_type(a, i, k)),
            hl_system_type_name(b, hl_system_name_type(b, i, k)));
        assert_string_equal(hl_system_name(a, i, k), hl_system_name(b, i, k));
        assert_string_equal(hl_system_name_nt(a, i, k),
                            hl_system_name_nt(b, i, k));
    }
}

static void assert_same(const struct hl_system *a, const struct hl_system *b)
{
    size_t i, t;
    uint32_t ga, ua, gb, ub;

    assert_int_equal(hl_system_count(a), hl_system_count(b));
    assert_int_equal(hl_system_ntypes(a), hl_system_ntypes(b));
    assert_true(hl_system_time(a) == hl_system_time(b));
    assert_string_equal(hl_system_host(a), hl_system_host(b));
    for (t = 0; t < hl_system_ntypes(a); t++)
        assert_string_equal(hl_system_type_name(a, t),
                            hl_system_type_name(b, t));
    for (i = 0; i < hl_system_count(a); i++) {
        assert_true(hl_system_pid(a, i) == hl_system_pid(b, i));
        assert_true(hl_system_start_time(a, i) ==
                    hl_system_start_time(b, i));
        assert_string_equal(hl_system_image(a, i), hl_system_image(b, i));
        assert_true(hl_system_handles(a, i) == hl_system_handles(b, i));
        assert_true(hl_system_reported_handles(a, i) ==
                    hl_system_reported_handles(b, i));
        assert_int_equal(hl_system_gui(a, i, &ga, &ua),
                         hl_system_gui(b, i, &gb, &ub));
        for (t = 0; t < hl_system_ntypes(a); t++)
            assert_true(hl_system_type_count(a, i, t) ==
                        hl_system_type_count(b, i, t));
        assert_same_names(a, b, i);
    }
    assert_int_equal(hl_system_has_names(a), hl_system_has_names(b));
}

static void test_round_trip(void **state)
{
    const char *names[] = {"sysa", "sysb", "sysu", "syse", "sysna",
                           "sysnb"};
    size_t k;

    (void)state;
    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        struct hl_system *sys = fixture(names[k]), *back;
        unsigned char *buf, *again;
        size_t len, len2;

        encode(sys, &buf, &len);
        assert_int_equal(hl__snap_version(buf, len), HL_SYSFILE_VERSION);
        assert_true(hl__syssnap_sniff(buf, len));
        assert_int_equal(hl__syssnap_decode(buf, len, &back, NULL), 0);
        assert_same(sys, back);
        /* the same bytes again: nothing lost, nothing invented */
        encode(back, &again, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(buf, again, len);
        hl__free(again);
        hl__free(buf);
        hl_system_free(back);
        hl_system_free(sys);
    }
}

/* A process snapshot stays version 1 and reads as before; neither reader
 * takes the other's file for its own. */
static void test_kinds_apart(void **state)
{
    struct hl_snapshot s;
    struct hl_system *sys = fixture("sysa"), *out;
    unsigned char *buf;
    size_t len;

    (void)state;
    assert_int_equal(hl_test_sample_file(&s, &buf, &len), 0);
    assert_int_equal(hl__snap_version(buf, len), 1);
    assert_false(hl__syssnap_sniff(buf, len));
    assert_int_equal(hl__syssnap_decode(buf, len, &out, NULL), HL_ENOTSNAP);
    assert_null(out);
    hl__free(buf);
    hl_snapshot_release(&s);

    encode(sys, &buf, &len);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, &s, NULL), HL_ESYSSNAP);
    assert_int_equal(s.count, 0);
    hl_snapshot_release(&s);
    hl__free(buf);
    hl_system_free(sys);
}

static void test_truncated_and_damaged(void **state)
{
    struct hl_system *sys = fixture("sysb"), *out;
    struct hl_snapfile_info info;
    unsigned char *buf;
    size_t len, cut;

    (void)state;
    encode(sys, &buf, &len);
    for (cut = 0; cut < len; cut++) {
        int err = hl__syssnap_decode(buf, cut, &out, &info);

        assert_true(err == HL_ETRUNC || (cut == 0 && err == HL_ENOTSNAP));
        assert_null(out);
    }
    buf[len - 3] ^= 0x40;
    assert_int_equal(hl__syssnap_decode(buf, len, &out, NULL),
                     HL_ECHECKSUM);
    buf[len - 3] ^= 0x40;
    hl__put_le32(buf + SNAP_OFF_VERSION, HL_SYSFILE_VERSION + 1);
    hl__put_le32(buf + SNAP_OFF_CRC,
                 hl__crc32(hl__crc32(0, buf, SNAP_OFF_CRC),
                           buf + SNAP_HEADER_LEN, len - SNAP_HEADER_LEN));
    assert_int_equal(hl__syssnap_decode(buf, len, &out, &info), HL_EVERSION);
    assert_int_equal(info.version, HL_SYSFILE_VERSION + 1);
    hl__free(buf);
    hl_system_free(sys);
}

/* ---- hand-made files, one field wrong at a time ---- */

/* The fields of a one-type, two-process file; each test spoils one. */
struct spec {
    uint64_t meta_flags, host, ntypes, type1, type2, nprocs;
    uint64_t pid2_delta, flags, handles, npairs, pair_type, pair_count;
    uint64_t gdi, trailing, twice_sysm, no_sysp, extra_section, meta_extra;
    /* SYSN, when names: one entry, for the second process, of two names */
    uint64_t names, n_proc, n_state, n_why, n_asked, n_timeouts, n_nnames;
    uint64_t n_value2, n_type, n_name, n_nt, n_trailing, n_entries;
};

static const struct spec good = {1, 1, 1, 2, 0, 2, 4, 3, 5, 1, 0, 5,
                                 0, 0, 0, 0, 0, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static const struct spec good_names = {1, 1, 1, 2, 0, 2, 4, 3, 5, 1, 0, 5,
                                       0, 0, 0, 0, 0, 0,
                                       1, 1, 1, 0, 2, 1, 2, 4, 0, 3, 0, 0,
                                       1};

/* SYSN of sp (build()). */
static void build_names(struct hl__wbuf *wb, const struct spec *sp)
{
    size_t at = hl__wb_begin_section(wb, TAG_SYSN), k;

    hl__wb_varint(wb, sp->n_entries);
    if (sp->n_entries != 0) {
        hl__wb_varint(wb, sp->n_proc);
        hl__wb_varint(wb, sp->n_state);
        hl__wb_varint(wb, sp->n_why);
        hl__wb_varint(wb, sp->n_asked);
        hl__wb_varint(wb, sp->n_timeouts);
        hl__wb_varint(wb, sp->n_nnames);
        for (k = 0; k < sp->n_nnames; k++) {
            hl__wb_varint(wb, k == 0 ? 4 : sp->n_value2);
            hl__wb_varint(wb, sp->n_type);
            hl__wb_varint(wb, sp->n_name);
            hl__wb_varint(wb, sp->n_nt);
        }
    }
    for (k = 0; k < sp->n_trailing; k++)
        hl__wb_varint(wb, 0);
    hl__wb_end_section(wb, at);
}

static unsigned char *build(const struct spec *sp, size_t *len)
{
    struct hl__wbuf wb = {NULL, 0, 0, 0};
    struct hl_strtab st;
    unsigned char *out = NULL;
    uint32_t id;
    size_t at, k;

    assert_int_equal(hl_strtab_init(&st), 0);
    assert_int_equal(hl_strtab_intern(&st, "HOST", 4, &id), 0);
    assert_int_equal(hl_strtab_intern(&st, "Event", 5, &id), 0);
    assert_int_equal(hl_strtab_intern(&st, "a.exe", 5, &id), 0);
    hl__wb_header(&wb, HL_SYSFILE_VERSION);
    for (k = 0; k <= sp->twice_sysm; k++) {
        at = hl__wb_begin_section(&wb, TAG_SYSM);
        hl__wb_varint(&wb, 123456789);
        hl__wb_varint(&wb, 1000);
        hl__wb_varint(&wb, sp->meta_flags);
        hl__wb_varint(&wb, 0);
        hl__wb_varint(&wb, sp->host);
        hl__wb_varint(&wb, 0);
        hl__wb_varint(&wb, 0);
        hl__wb_varint(&wb, 0);
        if (sp->meta_extra)
            hl__wb_varint(&wb, 77); /* a later writer's field */
        hl__wb_end_section(&wb, at);
    }
    at = hl__wb_begin_section(&wb, SNAP_TAG_STRS);
    hl__wb_strings(&wb, &st);
    hl__wb_end_section(&wb, at);
    if (sp->extra_section) {
        at = hl__wb_begin_section(&wb, SNAP_TAG('S', 'Y', 'S', 'X'));
        hl__wb_varint(&wb, 5);
        hl__wb_end_section(&wb, at);
    }
    if (sp->names)
        build_names(&wb, sp);
    if (!sp->no_sysp) {
        at = hl__wb_begin_section(&wb, TAG_SYSP);
        hl__wb_varint(&wb, sp->ntypes);
        hl__wb_varint(&wb, sp->type1);
        if (sp->ntypes > 1)
            hl__wb_varint(&wb, sp->type2);
        hl__wb_varint(&wb, sp->nprocs);
        for (k = 0; k < 2; k++) {
            hl__wb_varint(&wb, k == 0 ? 8 : sp->pid2_delta);
            hl__wb_varint(&wb, 99);
            hl__wb_varint(&wb, 3);
            hl__wb_varint(&wb, k == 0 ? 1 : sp->flags);
            hl__wb_varint(&wb, k == 0 ? 2 : sp->handles);
            hl__wb_varint(&wb, 7);
            hl__wb_varint(&wb, k == 0 ? 0 : sp->gdi);
            hl__wb_varint(&wb, 0);
            hl__wb_varint(&wb, k == 0 ? 1 : sp->npairs);
            if (k != 0 && sp->npairs == 0)
                continue;
            hl__wb_varint(&wb, k == 0 ? 0 : sp->pair_type);
            hl__wb_varint(&wb, k == 0 ? 2 : sp->pair_count);
        }
        for (k = 0; k < sp->trailing; k++)
            hl__wb_varint(&wb, 0);
        hl__wb_end_section(&wb, at);
    }
    hl_strtab_release(&st);
    assert_int_equal(hl__wb_finish(&wb, &out, len), 0);
    return out;
}

static int decode_spec(const struct spec *sp, struct hl_snapfile_info *info)
{
    struct hl_system *sys;
    unsigned char *buf;
    size_t len;
    int err;

    buf = build(sp, &len);
    err = hl__syssnap_decode(buf, len, &sys, info);
    if (err == 0)
        hl_system_free(sys);
    else
        assert_null(sys);
    hl__free(buf);
    return err;
}

#define SPOIL(field, value) SPOIL_OF(good, field, value)
#define SPOIL_OF(base, field, value)                                         \
    do {                                                                     \
        struct spec spoilt = (base);                                         \
        spoilt.field = (value);                                              \
        assert_int_equal(decode_spec(&spoilt, &info), HL_ECORRUPT);          \
        assert_int_not_equal(info.line, 0);                                  \
        assert_int_not_equal(info.offset, 0);                                \
    } while (0)

static void test_each_field_checked(void **state)
{
    struct hl_snapfile_info info;
    struct spec sp = good;

    (void)state;
    assert_int_equal(decode_spec(&good, &info), 0);
    SPOIL(meta_flags, 2);        /* an unknown take flag */
    SPOIL(host, 4);              /* past the strings */
    SPOIL(type1, 0);             /* the empty string as a type */
    SPOIL(type1, 9);
    SPOIL(ntypes, 258);          /* more types than a take has */
    SPOIL(nprocs, 1000);         /* more records than bytes */
    SPOIL(nprocs, 1);            /* a record left over */
    SPOIL(pid2_delta, 0);        /* pids not increasing */
    SPOIL(flags, 4);             /* an unknown process flag */
    SPOIL(handles, 6);           /* the pairs do not sum to it */
    SPOIL(pair_count, 0);        /* a pair of no handles */
    SPOIL(pair_type, 1);         /* past the types */
    SPOIL(trailing, 1);          /* bytes after the last record */
    SPOIL(twice_sysm, 1);        /* a section twice */
    SPOIL(no_sysp, 1);           /* a required section missing */
    /* GUI counts not known, yet given */
    sp.flags = 1;
    sp.gdi = 3;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    sp.gdi = 0;
    assert_int_equal(decode_spec(&sp, &info), 0);
    /* not counted, yet handles or pairs */
    sp.flags = 0;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    sp.handles = 0;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    sp.npairs = 0;
    assert_int_equal(decode_spec(&sp, &info), 0);
    /* a type twice */
    sp = good;
    sp.ntypes = 2;
    sp.type2 = 2;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    /* types out of their order ("HOST" before "Event") */
    sp.type1 = 1;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    /* what a later writer may add is skipped */
    sp = good;
    sp.extra_section = 1;
    sp.meta_extra = 1;
    assert_int_equal(decode_spec(&sp, &info), 0);
}

/* SYSN, one field wrong at a time; a file without it has no names. */
static void test_names_checked(void **state)
{
    struct hl_snapfile_info info;
    struct hl_system *sys;
    struct spec sp = good_names;
    unsigned char *buf;
    uint32_t why;
    uint64_t asked, timeouts;
    size_t len;

    (void)state;
    buf = build(&sp, &len);
    assert_int_equal(hl__syssnap_decode(buf, len, &sys, &info), 0);
    assert_true(hl_system_has_names(sys));
    assert_int_equal(hl_system_names(sys, 0, NULL, NULL, NULL),
                     HL_SYSTEM_NAMES_NONE);
    assert_int_equal(hl_system_names(sys, 1, &why, &asked, &timeouts),
                     HL_SYSTEM_NAMES_READ);
    assert_true(asked == 2 && timeouts == 1);
    assert_int_equal(hl_system_name_count(sys, 1), 2);
    assert_true(hl_system_name_value(sys, 1, 0) == 4);
    assert_true(hl_system_name_value(sys, 1, 1) == 8);
    assert_string_equal(hl_system_name(sys, 1, 1), "a.exe");
    assert_string_equal(hl_system_type_name(sys, hl_system_name_type(sys, 1,
                                                                     1)),
                        "Event");
    hl_system_free(sys);
    hl__free(buf);
    SPOIL_OF(good_names, n_entries, 2); /* an entry more than there is */
    SPOIL_OF(good_names, n_proc, 2);    /* past the processes */
    SPOIL_OF(good_names, n_state, 0);   /* "not asked" has no entry */
    SPOIL_OF(good_names, n_state, 4);
    SPOIL_OF(good_names, n_why, 2);     /* a reason, yet read */
    SPOIL_OF(good_names, n_timeouts, 3); /* more than asked */
    SPOIL_OF(good_names, n_nnames, 3);  /* more names than asked */
    SPOIL_OF(good_names, n_value2, 0);  /* values not increasing */
    SPOIL_OF(good_names, n_type, 1);    /* past the types */
    SPOIL_OF(good_names, n_name, 9);    /* past the strings */
    SPOIL_OF(good_names, n_trailing, 1);
    /* neither name */
    sp.n_name = 0;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    /* refused: a reason of ACCS's, and nothing asked */
    sp = good_names;
    sp.n_state = HL_SYSTEM_NAMES_REFUSED;
    sp.n_nnames = sp.n_asked = sp.n_timeouts = 0;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    sp.n_why = HL_ACCESS_FULL;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    sp.n_why = HL_ACCESS_ELEVATED;
    assert_int_equal(decode_spec(&sp, &info), 0);
    sp.n_asked = 1;
    assert_int_equal(decode_spec(&sp, &info), HL_ECORRUPT);
    /* no SYSN: counts only */
    buf = build(&good, &len);
    assert_int_equal(hl__syssnap_decode(buf, len, &sys, &info), 0);
    assert_false(hl_system_has_names(sys));
    hl_system_free(sys);
    hl__free(buf);
}

/* Two slots of a take with one name are one type in the file, their
 * counts summed: the file still reads. */
static void test_type_named_twice(void **state)
{
    struct hl_system *sys = fixture("sysa"), *back;
    unsigned char *buf;
    size_t len;

    (void)state;
    assert_string_equal(hl_system_type_name(sys, 1), "File");
    sys->type_names[1] = sys->type_names[0];
    encode(sys, &buf, &len);
    assert_int_equal(hl__syssnap_decode(buf, len, &back, NULL), 0);
    assert_int_equal(hl_system_ntypes(back), hl_system_ntypes(sys) - 1);
    assert_string_equal(hl_system_type_name(back, 0), "Event");
    assert_string_equal(hl_system_type_name(back, 1), "Key");
    /* steady.exe: Event 10 and File 5 */
    assert_true(hl_system_type_count(back, 1, 0) == 15);
    assert_true(hl_system_handles(back, 1) == 16);
    hl_system_free(back);
    hl__free(buf);
    hl_system_free(sys);
}

static void test_save_load(void **state)
{
    struct hl_system *sys = fixture("sysa"), *back;
    struct hl_snapshot s;
    char *path = hl_test_temp_file("x", 1);

    (void)state;
    assert_non_null(path);
    assert_int_equal(hl_system_save(sys, path), 0);
    assert_int_equal(hl_system_load(path, &back), 0);
    assert_same(sys, back);
    hl_system_free(back);
    /* hl_snapshot_load() says what it is */
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_snapfile_read(path, &s, NULL), HL_ESYSSNAP);
    hl_snapshot_release(&s);
    assert_int_equal(hl_system_load(NULL, &back), HL_EINVAL);
    assert_int_equal(remove(path), 0);
    assert_int_not_equal(hl_system_load(path, &back), 0);
    assert_null(back);
    free(path);
    hl_system_free(sys);
}

/* ---- the diff ---- */

static void compare(const char *b, const char *a,
                    const struct hl__sysdiff_opts *o, struct hl__sysdiff *d,
                    struct hl_system **sb, struct hl_system **sa)
{
    *sb = fixture(b);
    *sa = fixture(a);
    memset(d, 0, sizeof(*d));
    assert_int_equal(hl__sysdiff_compute(*sb, *sa, o, d), 0);
}

static void done(struct hl__sysdiff *d, struct hl_system *sb,
                 struct hl_system *sa)
{
    hl__sysdiff_release(d);
    hl_system_free(sb);
    hl_system_free(sa);
}

static void test_diff_matching_and_ranking(void **state)
{
    struct hl__sysdiff_opts o;
    struct hl__sysdiff d;
    struct hl_system *sb, *sa;

    (void)state;
    memset(&o, 0, sizeof(o));
    compare("sysa", "sysb", &o, &d, &sb, &sa);
    /* System, steady and leaky in both; pid 400 reused: one exited, one
     * new; gone.exe exited; new.exe new */
    assert_int_equal(d.nboth, 3);
    assert_int_equal(d.nexited, 2);
    assert_int_equal(d.nstarted, 2);
    assert_true(d.both[0].pid == 200);
    assert_string_equal(d.both[0].image, "leaky.exe");
    assert_true(d.both[0].growth == 51);
    assert_int_equal(d.both[0].ngrew, 2);
    assert_string_equal(d.type_names[d.both[0].grew[0].type], "Event");
    assert_true(d.both[0].grew[0].after - d.both[0].grew[0].before == 50);
    assert_string_equal(d.type_names[d.both[0].grew[1].type], "File");
    assert_true(d.both[1].growth == 0 && d.both[2].growth == 0);
    assert_int_equal(d.both[1].ngrew, 0);
    /* most handles first: gone.exe's 3 after reused.exe's 1 */
    assert_true(d.exited[0].pid == 300 && d.exited[1].pid == 400);
    assert_true(d.exited[1].start == 0x01da000000000000ull + 4);
    assert_true(d.started[0].pid == 400 && d.started[1].pid == 600);
    assert_false(d.gated);
    assert_false(d.gate_failed);
    assert_true(d.before_total == 100 + 16 + 13 + 3 + 1);
    done(&d, sb, sa);
}

/* With names on both sides, a process's growth says which names grew;
 * with names on one side only, nothing is made up. */
static void test_diff_names(void **state)
{
    struct hl_type_limit lim[1] = {{"Event", 10}};
    struct hl__sysdiff_opts o;
    struct hl__sysdiff d;
    struct hl_system *sb, *sa;
    const struct hl__sysdiff_row *r;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.fail_on = lim;
    o.nfail_on = 1;
    compare("sysna", "sysnb", &o, &d, &sb, &sa);
    r = &d.both[0];
    assert_true(r->pid == 200 && r->names_known);
    assert_int_equal(r->nnames_grew, 2);
    assert_string_equal(r->names_grew[0].type, "Event");
    assert_string_equal(r->names_grew[0].pattern,
                        "\\Sessions\\{n}\\BaseNamedObjects\\job-{n}");
    assert_true(r->names_grew[0].before == 3 && r->names_grew[0].after == 53);
    assert_string_equal(r->names_grew[1].type, "File");
    assert_string_equal(r->names_grew[1].pattern, "C:\\temp\\req-{n}.tmp");
    assert_true(r->names_grew[1].before == 0 && r->names_grew[1].after == 1);
    assert_int_equal(d.nreasons, 1);
    assert_non_null(strstr(d.reasons[0], "most \\Sessions\\{n}\\"
                                         "BaseNamedObjects\\job-{n} (+50)"));
    /* steady.exe: named in both, nothing grew; System refused in both */
    assert_true(d.both[1].names_known || d.both[2].names_known);
    assert_int_equal(d.both[1].nnames_grew + d.both[2].nnames_grew, 0);
    done(&d, sb, sa);

    compare("sysa", "sysnb", &o, &d, &sb, &sa);
    assert_false(d.both[0].names_known);
    assert_int_equal(d.both[0].nnames_grew, 0);
    assert_null(strstr(d.reasons[0], "most"));
    done(&d, sb, sa);
}

static void test_diff_gates_per_process(void **state)
{
    struct hl_type_limit lim[2] = {{"event", 49}, {"Key", 0}};
    struct hl__sysdiff_opts o;
    struct hl__sysdiff d;
    struct hl_system *sb, *sa;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.fail_on_new = 1;
    o.fail_on_new_max = 50;
    compare("sysa", "sysb", &o, &d, &sb, &sa);
    assert_true(d.gate_failed && d.both[0].failed && !d.both[1].failed);
    assert_int_equal(d.nreasons, 1);
    assert_non_null(strstr(d.reasons[0], "pid 200 (leaky.exe) grew by 51"));
    assert_non_null(strstr(d.reasons[0], "Event"));
    done(&d, sb, sa);

    /* 51 allowed: passes; a whole system's +51 +7 +4 is not one process */
    o.fail_on_new_max = 51;
    compare("sysa", "sysb", &o, &d, &sb, &sa);
    assert_true(d.gated && !d.gate_failed);
    done(&d, sb, sa);

    memset(&o, 0, sizeof(o));
    o.fail_on = lim;
    o.nfail_on = 2;
    compare("sysa", "sysb", &o, &d, &sb, &sa);
    assert_true(d.gate_failed);
    assert_int_equal(d.nreasons, 1);
    assert_non_null(strstr(d.reasons[0], "gained 50 Event handles"));
    done(&d, sb, sa);
    lim[0].max = 50;
    compare("sysa", "sysb", &o, &d, &sb, &sa);
    assert_false(d.gate_failed);
    done(&d, sb, sa);

    /* a process not counted in AFTER: no verdict on it, and it is told */
    o.fail_on = NULL;
    o.nfail_on = 0;
    o.fail_on_new = 1;
    o.fail_on_new_max = 100;
    compare("sysa", "sysu", &o, &d, &sb, &sa);
    assert_int_equal(d.uncounted, 1);
    assert_false(d.gate_failed);
    assert_true(d.both[d.nboth - 1].pid == 100);
    assert_false(d.both[d.nboth - 1].counted);
    done(&d, sb, sa);
}

static void test_diff_reports(void **state)
{
    struct hl__sysdiff_opts o;
    struct hl__sysdiff d;
    struct hl_system *sb, *sa;
    FILE *f;
    char *text;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.fail_on_new = 1;
    compare("sysa", "sysb", &o, &d, &sb, &sa);
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(hl__sysdiff_text(f, &d, 0), 0);
    text = hl_test_slurp(f);
    assert_non_null(text);
    assert_non_null(strstr(text, "gate failed: --fail-on-new 0: pid 200 "
                                 "(leaky.exe) grew by 51 handles"));
    assert_non_null(strstr(text, "verdict: most growth: pid 200 "
                                 "(leaky.exe) +51 (Event +50, File +1)"));
    assert_non_null(strstr(text, "new.exe"));
    assert_non_null(strstr(text, "gone.exe"));
    free(text);
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(hl__sysdiff_csv(f, &d), 0);
    text = hl_test_slurp(f);
    assert_non_null(strstr(text, "both,200,"));
    assert_non_null(strstr(text, "leaky.exe,13,64,51,Event:+50;File:+1,1"));
    free(text);
    done(&d, sb, sa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_kinds_apart),
        cmocka_unit_test(test_truncated_and_damaged),
        cmocka_unit_test(test_each_field_checked),
        cmocka_unit_test(test_names_checked),
        cmocka_unit_test(test_type_named_twice),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_diff_matching_and_ranking),
        cmocka_unit_test(test_diff_names),
        cmocka_unit_test(test_diff_gates_per_process),
        cmocka_unit_test(test_diff_reports),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
