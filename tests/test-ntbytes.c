#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trace.h"
#include "win/ntbytes.h"

/*
 * The NT byte builder of tests/win/ntbytes.c, for both layouts on any
 * host: each image is compared with bytes written out here by hand from
 * the documented field list, so the builder the collector tests trust is
 * itself checked against something other than its own table.
 */

static const uint16_t name_ab[] = { 'A', 'b' };

static void expect_bytes(const unsigned char *got, const unsigned char *want,
                         size_t n, const char *what)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (got[i] != want[i])
            fail_msg("%s: byte 0x%lx is 0x%02x, want 0x%02x", what,
                     (unsigned long)i, got[i], want[i]);
    }
}

/* How one list (class 64 or 51) is laid out. */
struct list_kind {
    void (*header)(const struct ntb_layout *l, unsigned char *buf,
                   uint64_t n);
    void (*entry)(const struct ntb_layout *l, unsigned char *buf, size_t i,
                  const struct ntb_handle *h);
};

static const struct list_kind class64 = { ntb_sys_header, ntb_sys_entry };
static const struct list_kind class51 = { ntb_proc_header, ntb_proc_entry };

/* A list of the one entry h laid out in b by k for l is the n bytes
 * want. */
static void lay_one(const struct list_kind *k, const struct ntb_layout *l,
                    unsigned char *b, const struct ntb_handle *h,
                    const unsigned char *want, size_t n, const char *what)
{
    k->header(l, b, 1);
    k->entry(l, b, 0, h);
    expect_bytes(b, want, n, what);
}

static void test_ntbytes_sys_handles(void **state)
{
    static const unsigned char x64[0x38] = {
        0x01, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
        /* Object */
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        /* UniqueProcessId */
        0x34, 0x12, 0, 0, 0, 0, 0, 0,
        /* HandleValue */
        0xA4, 0x05, 0, 0, 0, 0, 0, 0,
        /* GrantedAccess, CreatorBackTraceIndex, ObjectTypeIndex */
        0x03, 0x00, 0x1F, 0x00, 0x7A, 0x7A, 0x31, 0x00,
        /* HandleAttributes, Reserved */
        0x02, 0, 0, 0, 0, 0, 0, 0,
    };
    static const unsigned char x86[0x24] = {
        0x01, 0, 0, 0, 0, 0, 0, 0,
        0x88, 0x77, 0x66, 0x55, /* Object, truncated */
        0x34, 0x12, 0, 0,       /* UniqueProcessId */
        0xA4, 0x05, 0, 0,       /* HandleValue */
        0x03, 0x00, 0x1F, 0x00, /* GrantedAccess */
        0x7A, 0x7A, 0x31, 0x00, /* CreatorBackTraceIndex, ObjectTypeIndex */
        0x02, 0, 0, 0,          /* HandleAttributes */
        0, 0, 0, 0,             /* Reserved */
    };
    const struct ntb_handle h = { .object = 0x1122334455667788ull,
                                  .pid = 0x1234, .value = 0x5A4,
                                  .access = 0x001F0003, .type = 0x31,
                                  .attrs = 2 };
    struct ntb_handle back;
    unsigned char b[0x40];

    (void)state;
    /* header + one entry: the smallest buffer class 64 accepts */
    assert_int_equal(ntb_sys_size(&ntb_x64, 1), 0x38);
    assert_int_equal(ntb_sys_size(&ntb_x86, 1), 0x24);
    lay_one(&class64, &ntb_x64, b, &h, x64, sizeof(x64), "x64 class 64");
    ntb_sys_read(&ntb_x64, b, 0, &back);
    assert_int_equal(back.object, h.object);
    assert_int_equal(back.value, h.value);
    assert_int_equal(back.type, h.type);
    lay_one(&class64, &ntb_x86, b, &h, x86, sizeof(x86), "x86 class 64");
    ntb_sys_read(&ntb_x86, b, 0, &back);
    assert_int_equal(back.object, 0x55667788u);
    assert_int_equal(back.pid, 0x1234);
    assert_int_equal(back.access, h.access);
    assert_int_equal(back.attrs, 2);
}

static void test_ntbytes_process_handles(void **state)
{
    static const unsigned char x64[0x38] = {
        0x01, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
        0xA4, 0x05, 0, 0, 0, 0, 0, 0, /* HandleValue */
        0x03, 0, 0, 0, 0, 0, 0, 0,    /* HandleCount */
        0x01, 0, 0x01, 0, 0, 0, 0, 0, /* PointerCount */
        0x89, 0x00, 0x12, 0x00,       /* GrantedAccess */
        0x25, 0, 0, 0,                /* ObjectTypeIndex (ULONG) */
        0x01, 0, 0, 0,                /* HandleAttributes */
        0, 0, 0, 0,                   /* Reserved */
    };
    static const unsigned char x86[0x24] = {
        0x01, 0, 0, 0, 0, 0, 0, 0,
        0xA4, 0x05, 0, 0, 0x03, 0, 0, 0, 0x01, 0, 0x01, 0,
        0x89, 0x00, 0x12, 0x00, 0x25, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0,
    };
    const struct ntb_handle h = { .value = 0x5A4, .access = 0x00120089,
                                  .type = 0x25, .attrs = 1,
                                  .handle_count = 3,
                                  .pointer_count = 0x10001 };
    unsigned char b[0x40];

    (void)state;
    assert_int_equal(ntb_proc_size(&ntb_x64, 1), 0x38);
    assert_int_equal(ntb_proc_size(&ntb_x86, 1), 0x24);
    lay_one(&class51, &ntb_x64, b, &h, x64, sizeof(x64), "x64 class 51");
    lay_one(&class51, &ntb_x86, b, &h, x86, sizeof(x86), "x86 class 51");
}

static void test_ntbytes_name_info(void **state)
{
    static const unsigned char x64[0x16] = {
        0x04, 0x00, 0x06, 0x00, 0, 0, 0, 0, /* Length, MaximumLength */
        0x10, 0x00, 0x01, 0, 0, 0, 0, 0,    /* Buffer = base + 0x10 */
        'A', 0, 'b', 0, 0, 0,
    };
    static const unsigned char x86[0x0E] = {
        0x04, 0x00, 0x06, 0x00, 0x08, 0x00, 0x01, 0x00,
        'A', 0, 'b', 0, 0, 0,
    };
    unsigned char b[0x40];

    (void)state;
    /* too small: only the size comes back, nothing is written */
    memset(b, 0x5A, sizeof(b));
    assert_int_equal(ntb_name_info(&ntb_x64, b, 8, 0x10000, name_ab, 2, 0),
                     0x16);
    assert_int_equal(b[0], 0x5A);
    assert_int_equal(ntb_name_info(&ntb_x64, b, sizeof(b), 0x10000, name_ab,
                                   2, 0),
                     0x16);
    expect_bytes(b, x64, sizeof(x64), "x64 name");
    assert_int_equal(ntb_name_info(&ntb_x86, b, sizeof(b), 0x10000, name_ab,
                                   2, 0),
                     0x0E);
    expect_bytes(b, x86, sizeof(x86), "x86 name");
    /* a gap moves the characters, and Buffer with them */
    assert_int_equal(ntb_name_info(&ntb_x86, b, sizeof(b), 0x10000, name_ab,
                                   2, 6),
                     0x14);
    assert_int_equal(b[4], 0x0E);
    assert_int_equal(b[8], 0xCC);
    assert_int_equal(b[14], 'A');
}

/* One field of an image: at off, size bytes, little-endian v. */
struct field {
    size_t off;
    unsigned size;
    uint64_t v;
};

static void expect_fields(const unsigned char *b, const struct field *f,
                          size_t n, const char *what)
{
    size_t i;
    unsigned k;

    for (i = 0; i < n; i++) {
        uint64_t got = 0;

        for (k = 0; k < f[i].size; k++)
            got |= (uint64_t)b[f[i].off + k] << (8 * k);
        if (got != f[i].v)
            fail_msg("%s: field at 0x%lx is 0x%llx, want 0x%llx", what,
                     (unsigned long)f[i].off, (unsigned long long)got,
                     (unsigned long long)f[i].v);
    }
}

/* Two types "Ab" laid out for l in b (the second with MaximumLength 2,
 * index 7 and bad_pointer): the entries end at end1 and end2, and the n
 * fields are want. */
static void lay_two_types(const struct ntb_layout *l, unsigned char *b,
                          size_t end1, size_t end2, int bad_pointer,
                          const struct field *want, size_t n,
                          const char *what)
{
    size_t off;

    ntb_types_header(l, b, 2);
    off = ntb_type_entry(l, b, l->types_first, 0x20000, name_ab, 2, 10, 0x2A,
                         0);
    assert_int_equal(off, end1);
    off = ntb_type_entry(l, b, off, 0x20000, name_ab, 1, 2, 0x07,
                         bad_pointer);
    assert_int_equal(off, end2);
    expect_fields(b, want, n, what);
}

static void test_ntbytes_object_types(void **state)
{
    /* first entry at 8 (x64) or 4 (x86); MaximumLength 10 aligns to 16
     * on x64 but 12 on x86 */
    static const struct field x64[] = {
        { 0x00, 4, 2 },                 /* NumberOfTypes */
        { 0x08, 2, 4 },                 /* TypeName.Length */
        { 0x0A, 2, 10 },                /* TypeName.MaximumLength */
        { 0x10, 8, 0x20000 + 0x70 },    /* TypeName.Buffer */
        { 0x08 + 0x10, 4, 0x01000000 }, /* TotalNumberOfObjects */
        { 0x08 + 0x40, 4, 0x100 },      /* InvalidAttributes */
        { 0x08 + 0x44, 4, 0x80000000 }, /* GenericMapping.GenericRead */
        { 0x08 + 0x54, 4, 0x001F0003 }, /* ValidAccessMask */
        { 0x08 + 0x58, 1, 1 },          /* SecurityRequired */
        { 0x08 + 0x5A, 1, 0x2A },       /* TypeIndex */
        { 0x08 + 0x5C, 4, 1 },          /* PoolType */
        { 0x08 + 0x68, 4, 0x00620041 }, /* "Ab" */
        /* second entry */
        { 0x08 + 0x68 + 0x10, 2, 2 },
        { 0x08 + 0x68 + 0x10 + 0x5A, 1, 0x07 },
    };
    static const struct field x86[] = {
        { 0x00, 4, 2 },
        { 0x04, 2, 4 },
        { 0x06, 2, 10 },
        { 0x08, 4, 0x20000 + 0x64 },
        { 0x04 + 0x08, 4, 0x01000000 },
        { 0x04 + 0x38, 4, 0x100 },
        { 0x04 + 0x3C, 4, 0x80000000 },
        { 0x04 + 0x4C, 4, 0x001F0003 },
        { 0x04 + 0x50, 1, 1 },
        { 0x04 + 0x52, 1, 0x2A },
        { 0x04 + 0x54, 4, 1 },
        { 0x04 + 0x60, 4, 0x00620041 },
        { 0x04 + 0x60 + 0x0C, 2, 2 },
        { 0x04 + 0x60 + 0x0C + 0x52, 1, 0x07 },
    };
    unsigned char b[0x200];

    (void)state;
    lay_two_types(&ntb_x64, b, 0x08 + 0x68 + 0x10,
                  0x08 + 0x68 + 0x10 + 0x68 + 0x08, 0, x64,
                  sizeof(x64) / sizeof(x64[0]), "x64 types");
    lay_two_types(&ntb_x86, b, 0x04 + 0x60 + 0x0C,
                  0x04 + 0x60 + 0x0C + 0x60 + 0x04, 1, x86,
                  sizeof(x86) / sizeof(x86[0]), "x86 types");
    /* bad_pointer: Buffer says a low address outside any buffer */
    assert_int_equal(b[0x04 + 0x60 + 0x0C + 4], 0x10);
}

static void test_ntbytes_trace(void **state)
{
    static const struct field x64[] = {
        { 0x00, 8, 0 },    /* Handle (in) */
        { 0x08, 4, 7 },    /* TotalTraces */
        { 0x10, 8, 0x44 }, /* HandleTrace[0].Handle */
        { 0x18, 8, 0x1234 },
        { 0x20, 8, 77 },
        { 0x28, 4, 1 },    /* Type */
        { 0x30, 8, 0xAAAA },
        { 0x38, 8, 0xBBBB },
        { 0x40, 8, 0 },
        { 0x10 + 0xA0, 8, 0x48 }, /* HandleTrace[1] */
    };
    static const struct field x86[] = {
        { 0x00, 4, 0 },   { 0x04, 4, 7 },      { 0x08, 4, 0x44 },
        { 0x0C, 4, 0x1234 }, { 0x10, 4, 77 },  { 0x14, 4, 1 },
        { 0x18, 4, 0xAAAA }, { 0x1C, 4, 0xBBBB }, { 0x20, 4, 0 },
        { 0x08 + 0x50, 4, 0x48 },
    };
    const struct ntb_layout *ls[2] = { &ntb_x64, &ntb_x86 };
    const uint64_t frames[2] = { 0xAAAA, 0xBBBB };
    unsigned char b[0x200];
    size_t k;

    (void)state;
    for (k = 0; k < 2; k++) {
        const struct ntb_layout *l = ls[k];
        struct hl_trace_entry *e;
        size_t n;
        int trunc;

        ntb_trace_header(l, b, 0, 7);
        ntb_trace_entry(l, b, 0, 0x44, 0x1234, 77, 1, frames, 2);
        ntb_trace_entry(l, b, 1, 0x48, 0x1234, 78, 2, frames, 1);
        expect_fields(b, k == 0 ? x64 : x86, 10, l->name);
        /* and the portable parser, written apart, reads the same */
        assert_int_equal(hl_trace_parse(b, ntb_trace_size(l, 2),
                                        (unsigned)l->ptr, &e, &n, &trunc),
                         0);
        assert_int_equal(n, 2);
        assert_int_equal(trunc, 1);
        assert_int_equal(e[0].handle, 0x44);
        assert_int_equal(e[0].pid, 0x1234);
        assert_int_equal(e[0].tid, 77);
        assert_int_equal(e[0].type, 1);
        assert_int_equal(e[0].depth, 2);
        assert_int_equal(e[0].frames[1], 0xBBBB);
        assert_int_equal(e[1].type, 2);
        hl_trace_free(e);
    }
    assert_int_equal(ntb_trace_size(&ntb_x64, 1), 0xB0);
    assert_int_equal(ntb_trace_size(&ntb_x86, 1), 0x58);
}

static void test_ntbytes_native_layout(void **state)
{
    (void)state;
    assert_int_equal(ntb_native()->ptr, sizeof(void *));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ntbytes_sys_handles),
        cmocka_unit_test(test_ntbytes_process_handles),
        cmocka_unit_test(test_ntbytes_name_info),
        cmocka_unit_test(test_ntbytes_object_types),
        cmocka_unit_test(test_ntbytes_trace),
        cmocka_unit_test(test_ntbytes_native_layout),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
