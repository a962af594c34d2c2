#ifndef HLEAK_TESTS_DUMPGEN_H
#define HLEAK_TESTS_DUMPGEN_H

/*
 * A minidump writer for tests, written from Microsoft's documented layout
 * (minidumpapiset.h, avrfsdk.h) and kept apart from the parser: it shares
 * no code or constants with src/core/minidump.c, so a misreading of the
 * layout would have to be made twice, the same way, to go unnoticed.
 */

#include <stddef.h>
#include <stdint.h>

/* A string: UTF-8 text, or raw UTF-16 units when units is set (for names
 * that are not valid UTF-16); odd_byte appends one stray byte. */
struct dg_str {
    const char *utf8;       /* NULL with units NULL: RVA 0, no string */
    const uint16_t *units;
    size_t nunits;
    int odd_byte;
};

/* One MINIDUMP_HANDLE_OBJECT_INFORMATION record. */
struct dg_info {
    uint32_t type;
    const unsigned char *data;
    uint32_t size;
};

struct dg_handle {
    uint64_t value;
    struct dg_str type;
    struct dg_str name;
    uint32_t attributes;
    uint32_t access;
    uint32_t handle_count;
    uint32_t pointer_count;
    const struct dg_info *infos; /* chained in this order */
    size_t ninfos;
};

/* One AVRF_HANDLE_OPERATION. */
struct dg_op {
    uint64_t handle;
    uint32_t pid, tid;
    uint32_t type; /* 1 open, 2 close, 3 bad reference */
    uint32_t depth;
    uint64_t frames[32];
};

struct dg_module {
    const char *name;
    uint64_t base;
    uint32_t size;
    uint32_t timestamp;
};

struct dg_dump {
    uint32_t time;          /* header TimeDateStamp, time_t */
    uint32_t desc_size;     /* 32 or 40; 0 = no handle data stream */
    const struct dg_handle *handles;
    size_t nhandles;
    int with_ops;           /* write a handle operation list stream */
    const struct dg_op *ops;
    size_t nops;
    const struct dg_module *modules;
    size_t nmodules;
    int pad_module_count;   /* pad the module count to 8 bytes */
    int with_misc;
    uint32_t pid;
    uint32_t create_time;   /* time_t */
    int with_sysinfo;
    uint32_t major, minor, build;
    int info_loop;          /* the first handle's last info record points
                             * back to its first */
};

/* Where things went, for damage tests. */
struct dg_layout {
    uint32_t dir_rva;
    uint32_t nstreams;
    uint32_t handles_rva;   /* MINIDUMP_HANDLE_DATA_STREAM */
    uint32_t first_desc;    /* first descriptor */
    uint32_t ops_rva;
    uint32_t modules_rva;
    uint32_t misc_rva;
    uint32_t first_info;    /* the first handle's first info record */
    uint32_t first_type;    /* the first handle's type string */
};

/* Builds the dump into a new malloc() buffer. Returns 0 or -1 (no memory). */
int dg_build(const struct dg_dump *d, unsigned char **out, size_t *len,
             struct dg_layout *layout);

/*
 * The sample dumps shared by the tests and tests/mkdump.c (which writes
 * them as the .dmp files of tests/fixtures):
 *   0  "leaky-1": pid 5150, descriptor _2, object information, a handle
 *      operation list and modules
 *   1  "leaky-2": the same process later, with more handles open
 *   2  "nohandles": a dump without a handle data stream
 * Returns the file name for variant, or NULL past the last.
 */
const char *dg_sample_name(int variant);
int dg_sample(int variant, unsigned char **out, size_t *len);

#endif
