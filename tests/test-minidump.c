/*
 * The minidump reader against dumps built by dumpgen.c from the
 * documented layout: every expected figure below is what the description
 * wrote, never what the reader said before.
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
#include "dumpgen.h"
#include "input.h"
#include "minidump.h"
#include "hleak/snapfile.h"

#define S(x) {x, NULL, 0, 0}
#define NOSTR {NULL, NULL, 0, 0}

struct read_result {
    struct hl_snapshot s;
    struct hl_minidump_info info;
    int err;
};

static void read_buf(const unsigned char *buf, size_t len,
                     struct read_result *r)
{
    assert_int_equal(hl_snapshot_init(&r->s), 0);
    r->err = hl_minidump_read(buf, len, &r->s, &r->info);
}

/* buf[0..len) refused with err, and nothing left to release. */
static void assert_refused(const unsigned char *buf, size_t len, int err)
{
    struct read_result r;

    read_buf(buf, len, &r);
    assert_int_equal(r.err, err);
    hl_snapshot_release(&r.s);
}

/* Sample variant v (dumpgen.h) read back; r->err checked to be 0. */
static void read_sample(unsigned v, struct read_result *r)
{
    unsigned char *buf;
    size_t len;

    assert_int_equal(dg_sample(v, &buf, &len), 0);
    read_buf(buf, len, r);
    free(buf);
    assert_int_equal(r->err, 0);
}

static void build_and_read(const struct dg_dump *d, struct read_result *r,
                           struct dg_layout *lay)
{
    unsigned char *buf;
    size_t len;

    assert_int_equal(dg_build(d, &buf, &len, lay), 0);
    read_buf(buf, len, r);
    free(buf);
}

static const struct hl_handle *find(const struct hl_snapshot *s,
                                    uint32_t value, size_t *index)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == value) {
            if (index != NULL)
                *index = i;
            return &s->handles[i];
        }
    }
    fail_msg("handle 0x%x missing", (unsigned)value);
    return NULL;
}

static const char *info_of(const struct hl_snapshot *s, uint32_t value)
{
    size_t i = 0;
    const struct hl_handle_extra *x;

    find(s, value, &i);
    x = hl_snapshot_extra(s, i);
    return x == NULL ? "" : hl_snapshot_str(s, x->object_info);
}

/* The details of value as show prints them ("" when none). */
static const char *details_of(const struct hl_snapshot *s, uint32_t value)
{
    static char buf[256];
    size_t i = 0;
    const char *text;

    find(s, value, &i);
    text = hl__details_text(s, i, buf, sizeof(buf));
    return text == NULL ? "" : text;
}

/* The open stack of value resolved, frames joined by " ". */
static void stack_of(const struct hl_snapshot *s, uint32_t value, char *out,
                     size_t len, uint32_t *tid)
{
    const struct hl_stack *st;
    size_t i = 0, used = 0;
    uint32_t k;
    char sym[128];

    find(s, value, &i);
    out[0] = '\0';
    st = hl_snapshot_handle_stack(s, i);
    *tid = st == NULL ? 0 : st->thread_id;
    for (k = 0; st != NULL && k < st->depth; k++) {
        hl_snapshot_resolve(s, s->frames[st->first + k], sym, sizeof(sym));
        used += (size_t)snprintf(out + used, len - used, "%s%s",
                                 k ? " " : "", sym);
    }
}

static void test_minidump_sample_process_facts(void **state)
{
    struct read_result r;

    (void)state;
    read_sample(0, &r);
    assert_int_equal(r.s.pid, 5150);
    /* time_t 1700000000 and 1700000600 as FILETIME */
    assert_true(r.s.start_time == (1700000000ull + 11644473600ull) *
                                      10000000ull);
    assert_true(r.s.taken_at == (1700000600ull + 11644473600ull) *
                                    10000000ull);
    assert_string_equal(hl_snapshot_str(&r.s, r.s.os_version),
                        "Windows 10.0.19045");
    assert_string_equal(hl_snapshot_str(&r.s, r.s.method), "minidump");
    assert_string_equal(hl_snapshot_str(&r.s, r.s.image),
                        "C:\\Program Files\\Leaky\\leaky.exe");
    assert_int_equal(r.s.count, 9);
    assert_int_equal(r.info.descriptor_size, 40);
    assert_int_equal(r.info.handles, 9);
    assert_int_equal(r.info.operations, 8);
    assert_int_equal(r.info.modules, 3);
    assert_int_equal(r.s.nmodules, 3);
    assert_true(r.s.modules[1].base == 0x7ffb10000000ull);
    assert_int_equal(r.s.modules[1].size, 0x2c0000);
    assert_int_equal(r.s.modules[1].timestamp, 0x12345678);
    hl_snapshot_release(&r.s);
}

static void test_minidump_sample_handles_sorted_with_fields(void **state)
{
    struct read_result r;
    const struct hl_handle *h;
    const struct hl_handle_extra *x;
    size_t i = 0;

    (void)state;
    read_sample(0, &r);
    for (i = 1; i < r.s.count; i++)
        assert_true(r.s.handles[i - 1].value < r.s.handles[i].value);
    h = find(&r.s, 0xc, &i);
    assert_string_equal(hl_snapshot_str(&r.s, h->type), "Key");
    assert_string_equal(hl_snapshot_str(&r.s, h->nt_name),
                        "\\REGISTRY\\MACHINE\\SOFTWARE\\Leaky");
    assert_string_equal(hl_snapshot_str(&r.s, h->name),
                        "HKLM\\SOFTWARE\\Leaky");
    assert_int_equal(h->granted_access, 0x20019);
    assert_int_equal(h->attributes, 2);
    x = hl_snapshot_extra(&r.s, i);
    assert_non_null(x);
    assert_int_equal(x->flags, HL_EXTRA_COUNTS);
    assert_int_equal(x->handle_count, 1);
    assert_int_equal(x->pointer_count, 1);
    h = find(&r.s, 0x24, &i);
    assert_int_equal(hl_snapshot_extra(&r.s, i)->pointer_count, 98000);
    h = find(&r.s, 0x18, NULL);
    assert_string_equal(hl_snapshot_str(&r.s, h->nt_name),
                        "\\Sessions\\1\\BaseNamedObjects\\D\xc3\xa9mo-"
                        "\xf0\x9f\x98\x80");
    hl_snapshot_release(&r.s);
}

static void test_minidump_object_info_decoded(void **state)
{
    struct read_result r;

    (void)state;
    read_sample(0, &r);
    assert_int_equal(r.info.object_infos, 7);
    /* decoded records are details, as snapshot --details records */
    assert_string_equal(info_of(&r.s, 0x4), "");
    assert_string_equal(details_of(&r.s, 0x4), "synchronization, signaled");
    assert_string_equal(info_of(&r.s, 0x10), "tid 7 in pid 5150");
    assert_string_equal(details_of(&r.s, 0x10), "");
    assert_string_equal(details_of(&r.s, 0x14),
                        "owned by tid 7 in pid 5150");
    assert_string_equal(details_of(&r.s, 0x1c), "count 2 of 10");
    assert_string_equal(details_of(&r.s, 0x20), "pagefile, 0x1000 bytes");
    {
        size_t i = 0;
        const struct hl_details *d;

        find(&r.s, 0x20, &i);
        d = hl_snapshot_details(&r.s, i);
        assert_non_null(d);
        assert_true(d->a == 4096 && d->b == 0x8000000);
        find(&r.s, 0x14, &i);
        d = hl_snapshot_details(&r.s, i);
        assert_non_null(d);
        assert_int_equal(d->known, HL_DETAILS_BASIC | HL_DETAILS_MORE);
        assert_true(d->a == 0 && d->b == 0 && d->c == 5150 && d->d == 7);
    }
    assert_string_equal(info_of(&r.s, 0x24),
                        "info 4: 8 bytes 0102030405060708");
    assert_string_equal(info_of(&r.s, 0x8), "");
    hl_snapshot_release(&r.s);
}

static void test_minidump_open_stacks_newest_open_wins(void **state)
{
    struct read_result r;
    char st[512];
    uint32_t tid;

    (void)state;
    read_sample(0, &r);
    /* 0x4: opened (tid 9), closed, opened again (tid 7): the newest */
    stack_of(&r.s, 0x4, st, sizeof(st), &tid);
    assert_string_equal(st, "leaky.exe+0x1500 leaky.exe+0x1010");
    assert_int_equal(tid, 7);
    stack_of(&r.s, 0x20, st, sizeof(st), &tid);
    assert_string_equal(st, "ntdll.dll+0x9d4a4 KERNELBASE.dll+0x3a1b0 "
                            "leaky.exe+0x1234");
    /* an address no module covers stays an address */
    stack_of(&r.s, 0x18, st, sizeof(st), &tid);
    assert_string_equal(st, "0x0000000012345678 leaky.exe+0x2000");
    assert_int_equal(tid, 8);
    /* 0x8: the newest operation is a close, so its trace is stale */
    stack_of(&r.s, 0x8, st, sizeof(st), &tid);
    assert_string_equal(st, "");
    /* no operation at all */
    stack_of(&r.s, 0xc, st, sizeof(st), &tid);
    assert_string_equal(st, "");
    assert_int_equal(r.info.stacks, 3);
    hl_snapshot_release(&r.s);
}

static void test_minidump_descriptor_1(void **state)
{
    static const struct dg_handle hs[] = {
        {0x44, S("Event"), S("\\BaseNamedObjects\\e"), 0, 0x1f0003, 5, 6,
         NULL, 0},
        {0x40, S("File"), NOSTR, 1, 0x120089, 1, 2, NULL, 0},
    };
    struct dg_dump d;
    struct read_result r;
    size_t i = 0;

    (void)state;
    memset(&d, 0, sizeof(d));
    d.desc_size = 32;
    d.handles = hs;
    d.nhandles = 2;
    build_and_read(&d, &r, NULL);
    assert_int_equal(r.err, 0);
    assert_int_equal(r.info.descriptor_size, 32);
    assert_int_equal(r.s.count, 2);
    assert_int_equal(r.s.handles[0].value, 0x40);
    assert_int_equal(r.s.handles[0].attributes, 1);
    assert_string_equal(hl_snapshot_str(&r.s, r.s.handles[0].name), "");
    find(&r.s, 0x44, &i);
    assert_int_equal(hl_snapshot_extra(&r.s, i)->handle_count, 5);
    assert_int_equal(hl_snapshot_extra(&r.s, i)->pointer_count, 6);
    assert_int_equal(hl_snapshot_extra(&r.s, i)->object_info, 0);
    /* no misc info: pid unknown; no modules: no image */
    assert_int_equal(r.s.pid, 0);
    assert_string_equal(hl_snapshot_str(&r.s, r.s.image), "");
    hl_snapshot_release(&r.s);
}

static void test_minidump_odd_names(void **state)
{
    static const uint16_t lone_high[] = {'a', 0xd800, 'b'};
    static const uint16_t lone_low[] = {0xdc00};
    static const uint16_t with_nul[] = {'x', 0, 'y'};
    static const uint16_t empty[] = {0};
    const struct dg_handle hs[] = {
        {0x4, S("Event"), {NULL, lone_high, 3, 0}, 0, 0, 0, 0, NULL, 0},
        {0x8, S("Event"), {NULL, lone_low, 1, 0}, 0, 0, 0, 0, NULL, 0},
        {0xc, S("Event"), {NULL, with_nul, 3, 0}, 0, 0, 0, 0, NULL, 0},
        {0x10, S("Event"), {"ab", NULL, 0, 1}, 0, 0, 0, 0, NULL, 0},
        {0x14, S("Event"), {NULL, empty, 0, 0}, 0, 0, 0, 0, NULL, 0},
        {0x18, S(""), S("\xe6\x97\xa5\xf0\x90\x80\x80"), 0, 0, 0, 0, NULL,
         0},
    };
    struct dg_dump d;
    struct read_result r;

    (void)state;
    memset(&d, 0, sizeof(d));
    d.desc_size = 40;
    d.handles = hs;
    d.nhandles = sizeof(hs) / sizeof(hs[0]);
    build_and_read(&d, &r, NULL);
    assert_int_equal(r.err, 0);
#define NT(v) hl_snapshot_str(&r.s, find(&r.s, v, NULL)->nt_name)
    assert_string_equal(NT(0x4), "a\xef\xbf\xbd" "b");
    assert_string_equal(NT(0x8), "\xef\xbf\xbd");
    assert_string_equal(NT(0xc), "x\xef\xbf\xbdy");
    assert_string_equal(NT(0x10), "ab\xef\xbf\xbd");
    assert_string_equal(NT(0x14), "");
    assert_string_equal(NT(0x18), "\xe6\x97\xa5\xf0\x90\x80\x80");
    assert_string_equal(hl_snapshot_str(&r.s, find(&r.s, 0x18, NULL)->type),
                        "");
#undef NT
    hl_snapshot_release(&r.s);
}

static void test_minidump_refuses_without_handles(void **state)
{
    struct read_result r;
    unsigned char *buf;
    size_t len;

    (void)state;
    assert_int_equal(dg_sample(2, &buf, &len), 0);
    read_buf(buf, len, &r);
    assert_int_equal(r.err, HL_ENOHANDLES);
    assert_int_equal(r.s.count, 0);
    hl_snapshot_release(&r.s);
    read_buf((const unsigned char *)"MDM", 3, &r);
    assert_int_equal(r.err, HL_ENOTDUMP);
    hl_snapshot_release(&r.s);
    read_buf(buf, 20, &r);
    assert_int_equal(r.err, HL_ETRUNC);
    hl_snapshot_release(&r.s);
    buf[0] = 'X';
    assert_refused(buf, len, HL_ENOTDUMP);
    free(buf);
}

/* A dump whose first handle has two info records, and its file. */
struct two_info {
    struct dg_dump d;
    struct dg_handle h;
    struct dg_layout lay;
    unsigned char *buf;
    size_t len;
};

/* Builds the dump of t. */
static void two_info_dump(struct two_info *t)
{
    struct dg_dump *d = &t->d;
    struct dg_handle *h = &t->h;

    static const unsigned char ev[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    static const struct dg_info infos[] = {{6, ev, 8}, {6, ev, 8}};

    memset(d, 0, sizeof(*d));
    memset(h, 0, sizeof(*h));
    h->value = 4;
    h->type.utf8 = "Event";
    h->infos = infos;
    h->ninfos = 2;
    d->desc_size = 40;
    d->handles = h;
    d->nhandles = 1;
}

/* Writes t's dump, as it is now, to t->buf (free with free()). */
static void two_info_build(struct two_info *t)
{
    assert_int_equal(dg_build(&t->d, &t->buf, &t->len, &t->lay), 0);
}

static void test_minidump_info_chain_loop_and_bounds(void **state)
{
    struct two_info t;
    struct read_result r;

    (void)state;
    two_info_dump(&t);
    build_and_read(&t.d, &r, NULL);
    assert_int_equal(r.err, 0);
    /* the second record of the chain is read too (and says the same) */
    assert_string_equal(info_of(&r.s, 4), "");
    assert_string_equal(details_of(&r.s, 4), "notification, not signaled");
    assert_int_equal(r.info.object_infos, 2);
    hl_snapshot_release(&r.s);

    t.d.info_loop = 1;
    build_and_read(&t.d, &r, NULL);
    assert_int_equal(r.err, HL_ECORRUPT);
    assert_true(r.info.line > 0);
    assert_int_equal(r.s.count, 0);
    hl_snapshot_release(&r.s);

    /* the chain's second record out of the file */
    t.d.info_loop = 0;
    two_info_build(&t);
    hl__put_le32(t.buf + t.lay.first_info, (uint32_t)t.len - 4);
    assert_refused(t.buf, t.len, HL_ETRUNC);
    /* a record whose size runs past the end */
    hl__put_le32(t.buf + t.lay.first_info, 0);
    hl__put_le32(t.buf + t.lay.first_info + 8, 0xfffffff8u);
    assert_refused(t.buf, t.len, HL_ETRUNC);
    free(t.buf);
}

static void test_minidump_counts_larger_than_file(void **state)
{
    struct two_info t;
    struct read_result r;
    unsigned char *copy;
    static const struct dg_op op = {4, 1, 1, 1, 1, {0x1000}};
    static const struct dg_module m = {"a.exe", 0x1000, 0x100, 0};
    const uint32_t offs[] = {8, 8, 8, 0};

    (void)state;
    two_info_dump(&t);
    t.d.with_ops = 1;
    t.d.ops = &op;
    t.d.nops = 1;
    t.d.modules = &m;
    t.d.nmodules = 1;
    two_info_build(&t);
    copy = malloc(t.len);
    assert_non_null(copy);
    {
        /* descriptor count, operation count, module count, streams */
        const uint32_t at[] = {t.lay.handles_rva + offs[0],
                               t.lay.ops_rva + offs[1], t.lay.modules_rva, 8};
        const uint32_t vals[] = {0x10000000u, 0xffffffffu, 0x01000000u,
                                 0x7fffffffu};
        size_t k;

        for (k = 0; k < 4; k++) {
            memcpy(copy, t.buf, t.len);
            hl__put_le32(copy + at[k], vals[k]);
            read_buf(copy, t.len, &r);
            assert_true(r.err == HL_ECORRUPT || r.err == HL_ETRUNC);
            assert_int_equal(r.s.count, 0);
            hl_snapshot_release(&r.s);
        }
    }
    /* a trace deeper than AVRF_MAX_TRACES */
    memcpy(copy, t.buf, t.len);
    hl__put_le32(copy + t.lay.ops_rva + 16 + 24, 33);
    read_buf(copy, t.len, &r);
    assert_int_equal(r.err, HL_ECORRUPT);
    hl_snapshot_release(&r.s);
    /* descriptor and entry sizes the format does not have */
    memcpy(copy, t.buf, t.len);
    hl__put_le32(copy + t.lay.handles_rva + 4, 36);
    read_buf(copy, t.len, &r);
    assert_int_equal(r.err, HL_ECORRUPT);
    hl_snapshot_release(&r.s);
    memcpy(copy, t.buf, t.len);
    hl__put_le32(copy + t.lay.ops_rva + 4, 100);
    read_buf(copy, t.len, &r);
    assert_int_equal(r.err, HL_ECORRUPT);
    hl_snapshot_release(&r.s);
    free(copy);
    free(t.buf);
}

static void test_minidump_rva_wrap_refused(void **state)
{
    struct two_info t;
    struct read_result r;

    (void)state;
    two_info_dump(&t);
    two_info_build(&t);
    /* RVA + 4 + length wraps 32 bits back into the file */
    hl__put_le32(t.buf + t.lay.first_desc + 8, 0xfffffff0u);
    assert_refused(t.buf, t.len, HL_ETRUNC);
    hl__put_le32(t.buf + t.lay.first_desc + 8, t.lay.first_type);
    hl__put_le32(t.buf + t.lay.first_type, 0xfffffffcu);
    assert_refused(t.buf, t.len, HL_ETRUNC);
    /* a stream location that wraps */
    hl__put_le32(t.buf + t.lay.first_type, 10);
    hl__put_le32(t.buf + t.lay.dir_rva + 4, 0xffffff00u);
    read_buf(t.buf, t.len, &r);
    assert_true(r.err == HL_ETRUNC || r.err == HL_ECORRUPT);
    hl_snapshot_release(&r.s);
    /* a handle value beyond 32 bits */
    hl__put_le32(t.buf + t.lay.dir_rva + 4, 16 + 40);
    hl__put_le32(t.buf + t.lay.first_desc + 4, 1);
    assert_refused(t.buf, t.len, HL_ECORRUPT);
    free(t.buf);
}

static void test_minidump_module_count_padding(void **state)
{
    struct two_info t;
    struct read_result r;
    static const struct dg_module ms[] = {
        {"C:\\x\\one.dll", 0x10000, 0x1000, 1},
        {"two.dll", 0x20000, 0x1000, 2}};
    char sym[64];

    (void)state;
    two_info_dump(&t);
    t.d.modules = ms;
    t.d.nmodules = 2;
    t.d.pad_module_count = 1;
    build_and_read(&t.d, &r, NULL);
    assert_int_equal(r.err, 0);
    assert_int_equal(r.s.nmodules, 2);
    assert_string_equal(hl_snapshot_resolve(&r.s, 0x20010, sym, sizeof(sym)),
                        "two.dll+0x10");
    assert_string_equal(hl_snapshot_resolve(&r.s, 0x10fff, sym, sizeof(sym)),
                        "one.dll+0xfff");
    assert_string_equal(hl_snapshot_resolve(&r.s, 0x11000, sym, sizeof(sym)),
                        "0x0000000000011000");
    /* cut at a character boundary, never inside one */
    assert_string_equal(hl_snapshot_resolve(&r.s, 0x20010, sym, 4), "two");
    hl_snapshot_release(&r.s);
}

static void test_minidump_resolve_cuts_whole_characters(void **state)
{
    struct hl_snapshot s;
    char sym[8];

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_snapshot_add_module(&s, "ab\xc3\xa9\xc3\xa9.dll", 0x10,
                                            0x10, 0),
                     0);
    /* "ab" + 2-byte é + first byte of the next é would not fit */
    assert_string_equal(hl_snapshot_resolve(&s, 0x11, sym, 6),
                        "ab\xc3\xa9");
    assert_string_equal(hl_snapshot_resolve(&s, 0x11, sym, 5),
                        "ab\xc3\xa9");
    assert_string_equal(hl_snapshot_resolve(&s, 0x11, sym, 4), "ab");
    hl_snapshot_release(&s);
}

/* Every prefix of a valid dump: an error and an empty snapshot, or (when
 * the missing tail was not needed) success; never a crash or an over-read
 * (the fuzz target runs this under AddressSanitizer). */
static void test_minidump_truncated_at_every_byte(void **state)
{
    struct read_result r;
    unsigned char *buf, *copy;
    size_t len, n;

    (void)state;
    assert_int_equal(dg_sample(0, &buf, &len), 0);
    for (n = 0; n < len; n++) {
        /* an exact-size heap copy, so a sanitizer sees any over-read */
        copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        read_buf(copy, n, &r);
        /* the last strings are needed: every cut is refused */
        assert_true(r.err == HL_ETRUNC || r.err == HL_ECORRUPT ||
                    r.err == HL_ENOTDUMP);
        assert_int_equal(r.s.count, 0);
        hl_snapshot_release(&r.s);
        free(copy);
    }
    free(buf);
}

static void test_minidump_bit_flips(void **state)
{
    struct read_result r;
    unsigned char *buf, *enc;
    size_t len, enc_len, i;
    int bit, ok = 0, refused = 0;

    (void)state;
    assert_int_equal(dg_sample(1, &buf, &len), 0);
    for (i = 0; i < len; i++) {
        for (bit = 0; bit < 8; bit++) {
            buf[i] ^= (unsigned char)(1u << bit);
            read_buf(buf, len, &r);
            if (r.err == 0) {
                struct hl_snapshot back;

                /* whatever was read makes a valid snapshot file */
                ok++;
                assert_int_equal(hl_snapfile_encode(&r.s, &enc, &enc_len), 0);
                assert_int_equal(hl_snapshot_init(&back), 0);
                assert_int_equal(hl_snapfile_decode(enc, enc_len, &back,
                                                    NULL),
                                 0);
                assert_int_equal(back.count, r.s.count);
                hl_snapshot_release(&back);
                hl_free(enc);
            } else {
                refused++;
                assert_true(r.err == HL_ECORRUPT || r.err == HL_ETRUNC ||
                            r.err == HL_ENOTDUMP || r.err == HL_ENOHANDLES);
                assert_int_equal(r.s.count, 0);
            }
            hl_snapshot_release(&r.s);
            buf[i] ^= (unsigned char)(1u << bit);
        }
    }
    /* both outcomes occur: values flip harmlessly, structure does not */
    assert_true(ok > 0);
    assert_true(refused > 0);
    free(buf);
}

/* A dump through the snapshot file keeps every extra. */
static void test_minidump_convert_keeps_extras(void **state)
{
    struct read_result r;
    struct hl_snapshot back;
    unsigned char *enc;
    size_t enc_len, i = 0, k;

    (void)state;
    read_sample(0, &r);
    assert_int_equal(hl_snapfile_encode(&r.s, &enc, &enc_len), 0);
    assert_int_equal(hl_snapshot_init(&back), 0);
    assert_int_equal(hl_snapfile_decode(enc, enc_len, &back, NULL), 0);
    hl_free(enc);
    assert_int_equal(back.count, r.s.count);
    assert_int_equal(back.nmodules, 3);
    assert_int_equal(back.nstacks, r.s.nstacks);
    for (i = 0; i < back.nmodules; i++) {
        assert_true(back.modules[i].base == r.s.modules[i].base);
        assert_int_equal(back.modules[i].size, r.s.modules[i].size);
        assert_string_equal(hl_snapshot_str(&back, back.modules[i].name),
                            hl_snapshot_str(&r.s, r.s.modules[i].name));
    }
    for (i = 0; i < back.count; i++) {
        const struct hl_handle_extra *a = hl_snapshot_extra(&r.s, i);
        const struct hl_handle_extra *b = hl_snapshot_extra(&back, i);
        const struct hl_stack *sa = hl_snapshot_handle_stack(&r.s, i);
        const struct hl_stack *sb = hl_snapshot_handle_stack(&back, i);

        assert_int_equal(a->flags, b->flags);
        assert_int_equal(a->handle_count, b->handle_count);
        assert_int_equal(a->pointer_count, b->pointer_count);
        assert_string_equal(hl_snapshot_str(&r.s, a->object_info),
                            hl_snapshot_str(&back, b->object_info));
        assert_int_equal(sa == NULL, sb == NULL);
        if (sa == NULL)
            continue;
        assert_int_equal(sa->depth, sb->depth);
        assert_int_equal(sa->thread_id, sb->thread_id);
        for (k = 0; k < sa->depth; k++)
            assert_true(r.s.frames[sa->first + k] ==
                        back.frames[sb->first + k]);
    }
    /* 0x20's stack (3 frames) survived with its frames */
    find(&back, 0x20, &i);
    assert_int_equal(hl_snapshot_handle_stack(&back, i)->depth, 3);
    hl_snapshot_release(&back);
    hl_snapshot_release(&r.s);
}

/* Snapshots without extras encode exactly as before: no new sections. */
static void test_minidump_plain_snapshot_has_no_new_sections(void **state)
{
    struct hl_snapshot s;
    struct hl_handle h;
    unsigned char *enc;
    size_t len, i;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    memset(&h, 0, sizeof(h));
    h.value = 4;
    assert_int_equal(hl_snapshot_add(&s, &h), 0);
    assert_null(hl_snapshot_extra(&s, 0));
    assert_int_equal(hl_snapfile_encode(&s, &enc, &len), 0);
    for (i = 0; i + 4 <= len; i++) {
        assert_false(memcmp(enc + i, "HXTR", 4) == 0);
        assert_false(memcmp(enc + i, "STCK", 4) == 0);
        assert_false(memcmp(enc + i, "MODL", 4) == 0);
    }
    hl_free(enc);
    hl_snapshot_release(&s);
}

static void test_minidump_input_sniffs_content(void **state)
{
    struct hl_input_info info;
    struct hl_snapshot s;
    unsigned char *buf, *enc;
    size_t len, enc_len;

    (void)state;
    assert_int_equal(dg_sample(0, &buf, &len), 0);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_input_decode(buf, len, &s, &info), 0);
    assert_int_equal(info.kind, HL_INPUT_DUMP);
    assert_int_equal(hl_snapfile_encode(&s, &enc, &enc_len), 0);
    hl_snapshot_release(&s);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_input_decode(enc, enc_len, &s, &info), 0);
    assert_int_equal(info.kind, HL_INPUT_SNAPSHOT);
    assert_int_equal(s.count, 9);
    hl_snapshot_release(&s);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_input_decode((const unsigned char *)"hello", 5, &s,
                                     &info),
                     HL_ENOTSNAP);
    assert_int_equal(info.kind, HL_INPUT_UNKNOWN);
    hl_snapshot_release(&s);
    hl_free(enc);
    free(buf);
}

static void test_minidump_oom_fails_cleanly(void **state)
{
    struct read_result r;
    unsigned char *buf;
    size_t len;
    unsigned long n;
    int saw_ok = 0;

    (void)state;
    assert_int_equal(dg_sample(1, &buf, &len), 0);
    for (n = 1; n < 2000 && !saw_ok; n++) {
        assert_int_equal(hl_snapshot_init(&r.s), 0);
        hl__alloc_fail_at(n, 0);
        r.err = hl_minidump_read(buf, len, &r.s, &r.info);
        hl__alloc_fail_at(0, 0);
        if (r.err == 0)
            saw_ok = 1;
        else
            assert_true(r.err == HL_ENOMEM);
        if (r.err != 0)
            assert_int_equal(r.s.count, 0);
        hl_snapshot_release(&r.s);
    }
    assert_true(saw_ok);
    free(buf);
}

/* The committed .dmp fixtures are what dumpgen writes today. */
static void test_minidump_fixture_files_current(void **state)
{
    const char *dir = getenv("HL_FIXTURES");
    const char *name;
    int v;

    (void)state;
    if (dir == NULL)
        skip();
    for (v = 0; (name = dg_sample_name(v)) != NULL; v++) {
        unsigned char *want, *got;
        size_t want_len, got_len;
        char path[1024];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(dg_sample(v, &want, &want_len), 0);
        assert_int_equal(hl__fs_read(path, &got, &got_len), 0);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        hl__free(got);
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minidump_sample_process_facts),
        cmocka_unit_test(test_minidump_sample_handles_sorted_with_fields),
        cmocka_unit_test(test_minidump_object_info_decoded),
        cmocka_unit_test(test_minidump_open_stacks_newest_open_wins),
        cmocka_unit_test(test_minidump_descriptor_1),
        cmocka_unit_test(test_minidump_odd_names),
        cmocka_unit_test(test_minidump_refuses_without_handles),
        cmocka_unit_test(test_minidump_info_chain_loop_and_bounds),
        cmocka_unit_test(test_minidump_counts_larger_than_file),
        cmocka_unit_test(test_minidump_rva_wrap_refused),
        cmocka_unit_test(test_minidump_module_count_padding),
        cmocka_unit_test(test_minidump_resolve_cuts_whole_characters),
        cmocka_unit_test(test_minidump_truncated_at_every_byte),
        cmocka_unit_test(test_minidump_bit_flips),
        cmocka_unit_test(test_minidump_convert_keeps_extras),
        cmocka_unit_test(test_minidump_plain_snapshot_has_no_new_sections),
        cmocka_unit_test(test_minidump_input_sniffs_content),
        cmocka_unit_test(test_minidump_oom_fails_cleanly),
        cmocka_unit_test(test_minidump_fixture_files_current),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
