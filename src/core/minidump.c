/*
** The parts of the minidump format (minidumpapiset.h, avrfsdk.h) that
** hleak reads. Little-endian, 4-byte packed; an RVA is a file offset.
**
** MINIDUMP_HEADER, 32 bytes:
**    0  4  Signature "MDMP" (0x504d444d)
**    4  4  Version: low 16 bits 0xa793, high 16 the writer's own
**    8  4  NumberOfStreams
**   12  4  StreamDirectoryRva
**   16  4  CheckSum (0 in practice; not checked)
**   20  4  TimeDateStamp, time_t (seconds since 1970 UTC)
**   24  8  Flags (MINIDUMP_TYPE the writer was asked for)
**
** MINIDUMP_DIRECTORY, 12 bytes each: StreamType u32, DataSize u32, Rva u32.
** Streams read: SystemInfo 7, MiscInfo 15, ModuleList 4, HandleData 12,
** HandleOperationList 18 (the issue said 13: that is FunctionTableStream).
**
** MINIDUMP_STRING: Length u32 (bytes, without the terminator), then that
** many bytes of UTF-16LE. An RVA of 0 means "no string".
**
** MINIDUMP_HANDLE_DATA_STREAM, 16 bytes: SizeOfHeader, SizeOfDescriptor,
** NumberOfDescriptors, Reserved (u32 each). The descriptors follow the
** header (at SizeOfHeader), SizeOfDescriptor bytes apart:
**    0  8  Handle
**    8  4  TypeNameRva         MINIDUMP_STRING
**   12  4  ObjectNameRva       MINIDUMP_STRING
**   16  4  Attributes
**   20  4  GrantedAccess
**   24  4  HandleCount
**   28  4  PointerCount        -- MINIDUMP_HANDLE_DESCRIPTOR ends: 32
**   32  4  ObjectInfoRva       MINIDUMP_HANDLE_OBJECT_INFORMATION chain
**   36  4  Reserved0           -- MINIDUMP_HANDLE_DESCRIPTOR_2 ends: 40
**
** MINIDUMP_HANDLE_OBJECT_INFORMATION: NextInfoRva u32 (0 ends the chain),
** InfoType u32, SizeOfInfo u32, then SizeOfInfo bytes. The types are
** documented (1 thread, 2 and 3 mutant, 4 and 5 process, 6 event,
** 7 section, 8 semaphore); their bytes are not. hleak decodes them as the
** NT "basic information" structures the names suggest ("rev": see
** decode_info), only when the size matches exactly, into the handle's
** details (mutant, event, semaphore, section) or object information text
** (thread); anything else is kept as hex.
**
** MINIDUMP_HANDLE_OPERATION_LIST, 16 bytes: SizeOfHeader, SizeOfEntry,
** NumberOfEntries, Reserved. AVRF_HANDLE_OPERATION, 288 bytes:
**    0  8  Handle
**    8  4  ProcessId
**   12  4  ThreadId
**   16  4  OperationType: 1 open, 2 close, 3 bad reference
**   20  4  Spare0
**   24  4  Depth (at most AVRF_MAX_TRACES, 32)
**   28  4  Index
**   32 256 ReturnAddresses, u64 x 32
**
** MINIDUMP_MODULE_LIST: NumberOfModules u32, then 108-byte MINIDUMP_MODULE:
** BaseOfImage u64 @0, SizeOfImage u32 @8, TimeDateStamp u32 @16,
** ModuleNameRva u32 @20. Some writers pad the count to 8 bytes.
**
** MINIDUMP_MISC_INFO (24 bytes and longer versions): SizeOfInfo u32 @0,
** Flags1 u32 @4 (1 = ProcessId valid, 2 = times valid), ProcessId @8,
** ProcessCreateTime time_t @12.
**
** MINIDUMP_SYSTEM_INFO, 56 bytes: ProcessorArchitecture u16 @0,
** MajorVersion @8, MinorVersion @12, BuildNumber @16 (u32 each).
*/
#include "minidump.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "names.h"
#include "textdec.h"

#define MD_SIGNATURE 0x504d444du
#define MD_VERSION 0xa793u
#define MD_HEADER_LEN 32u
#define MD_DIR_ENTRY 12u

#define MD_STREAM_THREADS 3u
#define MD_STREAM_MODULES 4u
#define MD_STREAM_MEMORY 5u
#define MD_STREAM_MEMORY64 9u
#define MD_THREAD_ENTRY 48u
#define MD_MEMORY_ENTRY 16u
#define MD_STREAM_SYSINFO 7u
#define MD_STREAM_HANDLES 12u
#define MD_STREAM_MISC 15u
#define MD_STREAM_HANDLE_OPS 18u

#define MD_HANDLE_HEADER 16u
#define MD_DESC_1 32u
#define MD_DESC_2 40u
#define MD_INFO_HEADER 12u
/* Real chains hold one record per info type (eight types); a longer one
 * is a loop or garbage. */
#define MD_INFO_CHAIN_MAX 16u
#define MD_OPS_HEADER 16u
#define MD_OP_ENTRY 288u
#define MD_MAX_TRACES 32u
#define MD_MODULE_ENTRY 108u
#define MD_MISC_MIN 24u
#define MD_SYSINFO_LEN 56u

#define MD_OP_OPEN 1u
#define MD_OP_CLOSE 2u

/* Refuses the file as corrupt at byte off, noting which check fired (for
 * tests; users are told the byte). */
#define MD_CORRUPT(r, off) md_corrupt((r), (off), __LINE__)

/* The file and what was found in it. */
struct reader {
    const unsigned char *buf;
    size_t len;
    struct hl_minidump_info *info;
    uint32_t loc[2][5]; /* [size, rva] of each stream read, see stream_slot */
    int have[5];
};

enum { SLOT_MODULES, SLOT_SYSINFO, SLOT_HANDLES, SLOT_MISC, SLOT_OPS };

static int md_corrupt(struct reader *r, uint64_t off, int line)
{
    r->info->line = line;
    r->info->offset = off;
    return HL_ECORRUPT;
}

/* 1 when [off, off + n) lies in the file; 64-bit sums cannot wrap. */
static int in_file(const struct reader *r, uint64_t off, uint64_t n)
{
    return off <= r->len && n <= r->len - off;
}

static uint32_t rd32(const struct reader *r, uint64_t off)
{
    return hl__get_le32(r->buf + off);
}

static uint64_t rd64(const struct reader *r, uint64_t off)
{
    return hl__get_le64(r->buf + off);
}

int hl_minidump_sniff(const unsigned char *buf, size_t len)
{
    return len >= 4 && hl__get_le32(buf) == MD_SIGNATURE;
}

/* ---- strings ---- */

/* UTF-16LE to a new UTF-8 string, damage shown as U+FFFD (textdec.c
 * says why): names come from the target's kernel objects. */
static int utf16_to_utf8(const unsigned char *p, size_t nbytes, char **out)
{
    size_t size = hl__utf16_utf8_size(nbytes);
    char *d;

    if (size == 0)
        return HL_ETOOBIG;
    d = hl__malloc(size);
    if (d == NULL)
        return HL_ENOMEM;
    hl__utf16_to_utf8(d, p, nbytes, 0, NULL);
    *out = d;
    return 0;
}

/* Interns the MINIDUMP_STRING at rva (0: the empty string) as *id. */
static int read_string(struct reader *r, struct hl_snapshot *out,
                       uint32_t rva, uint32_t *id)
{
    uint32_t nbytes;
    char *s;
    int err;

    *id = 0;
    if (rva == 0)
        return 0;
    /* Strings lie outside the streams, often after the last one: a file
     * cut short there is whole but for the strings it points past. */
    if (!in_file(r, rva, 4))
        return HL_ETRUNC;
    nbytes = rd32(r, rva);
    if (!in_file(r, (uint64_t)rva + 4, nbytes))
        return HL_ETRUNC;
    err = utf16_to_utf8(r->buf + rva + 4, nbytes, &s);
    if (err != 0)
        return err;
    err = hl_snapshot_intern(out, s, id);
    hl__free(s);
    return err;
}

/* ---- the directory ---- */

static int stream_slot(uint32_t type)
{
    switch (type) {
    case MD_STREAM_MODULES:
        return SLOT_MODULES;
    case MD_STREAM_SYSINFO:
        return SLOT_SYSINFO;
    case MD_STREAM_HANDLES:
        return SLOT_HANDLES;
    case MD_STREAM_MISC:
        return SLOT_MISC;
    case MD_STREAM_HANDLE_OPS:
        return SLOT_OPS;
    default:
        return -1;
    }
}

/*
 * Checks that the memory and thread data the streams point to lie in the
 * file: most of a dump's bytes are memory, so a download cut short
 * usually ends inside it, past every stream hleak reads. Descriptors
 * beyond a stream's own size are not looked at: these streams are not
 * read otherwise, and a damaged one is no reason to refuse the handles.
 */
static int check_data(const struct reader *r, uint32_t type, uint32_t size,
                      uint32_t rva)
{
    uint64_t i, n, at, end;

    if (size < 4)
        return 0;
    n = rd32(r, rva);
    if (type == MD_STREAM_THREADS) {
        for (i = 0; i < n && 4 + (i + 1) * MD_THREAD_ENTRY <= size; i++) {
            at = rva + 4 + i * MD_THREAD_ENTRY;
            if (!in_file(r, rd32(r, at + 36), rd32(r, at + 32)) ||
                !in_file(r, rd32(r, at + 44), rd32(r, at + 40)))
                return HL_ETRUNC;
        }
    } else if (type == MD_STREAM_MEMORY) {
        for (i = 0; i < n && 4 + (i + 1) * MD_MEMORY_ENTRY <= size; i++) {
            at = rva + 4 + i * MD_MEMORY_ENTRY;
            if (!in_file(r, rd32(r, at + 12), rd32(r, at + 8)))
                return HL_ETRUNC;
        }
    } else if (type == MD_STREAM_MEMORY64 && size >= 16) {
        /* the ranges lie back to back from BaseRva */
        n = rd64(r, rva);
        end = rd64(r, (uint64_t)rva + 8);
        for (i = 0; i < n && 16 + (i + 1) * MD_MEMORY_ENTRY <= size; i++) {
            uint64_t len = rd64(r, rva + 16 + i * MD_MEMORY_ENTRY + 8);

            if (len > r->len || end > r->len - len)
                return HL_ETRUNC;
            end += len;
        }
    }
    return 0;
}

static int read_directory(struct reader *r)
{
    uint32_t n, dir, i;
    int err;

    if (r->len < 4 || rd32(r, 0) != MD_SIGNATURE)
        return HL_ENOTDUMP;
    if (r->len < MD_HEADER_LEN)
        return HL_ETRUNC;
    if ((rd32(r, 4) & 0xffff) != MD_VERSION)
        return MD_CORRUPT(r, 4);
    n = rd32(r, 8);
    dir = rd32(r, 12);
    r->info->streams = n;
    r->info->flags = rd64(r, 24);
    if (!in_file(r, dir, (uint64_t)n * MD_DIR_ENTRY))
        return dir <= r->len ? HL_ETRUNC : MD_CORRUPT(r, 12);
    for (i = 0; i < n; i++) {
        uint64_t e = (uint64_t)dir + (uint64_t)i * MD_DIR_ENTRY;
        uint32_t size = rd32(r, e + 4), rva = rd32(r, e + 8);
        int slot = stream_slot(rd32(r, e));

        /* Every stream must lie in the file, read or not: one that runs
         * past the end is the usual sign of a cut-short download. */
        if (!in_file(r, rva, size))
            return rva <= r->len ? HL_ETRUNC : MD_CORRUPT(r, e + 8);
        if ((err = check_data(r, rd32(r, e), size, rva)) != 0)
            return err;
        /* The first of a type counts, as MiniDumpReadDumpStream does. */
        if (slot >= 0 && !r->have[slot]) {
            r->have[slot] = 1;
            r->loc[0][slot] = size;
            r->loc[1][slot] = rva;
        }
    }
    return 0;
}

/* ---- process facts ---- */

static int read_misc(struct reader *r, struct hl_snapshot *out)
{
    uint32_t size = r->loc[0][SLOT_MISC], rva = r->loc[1][SLOT_MISC];
    uint32_t flags;

    if (size < MD_MISC_MIN || rd32(r, rva) < MD_MISC_MIN ||
        rd32(r, rva) > size)
        return MD_CORRUPT(r, rva);
    flags = rd32(r, (uint64_t)rva + 4);
    if (flags & 1u) {
        out->pid = rd32(r, (uint64_t)rva + 8);
        r->info->has_misc = 1;
    }
    if ((flags & 2u) && rd32(r, (uint64_t)rva + 12) != 0)
        out->start_time =
            hl__filetime_from_unix(rd32(r, (uint64_t)rva + 12));
    return 0;
}

static int read_sysinfo(struct reader *r, struct hl_snapshot *out)
{
    uint32_t size = r->loc[0][SLOT_SYSINFO], rva = r->loc[1][SLOT_SYSINFO];
    char os[64];

    if (size < MD_SYSINFO_LEN)
        return MD_CORRUPT(r, rva);
    snprintf(os, sizeof(os), "Windows %" PRIu32 ".%" PRIu32 ".%" PRIu32,
             rd32(r, (uint64_t)rva + 8), rd32(r, (uint64_t)rva + 12),
             rd32(r, (uint64_t)rva + 16));
    r->info->has_system = 1;
    return hl_snapshot_intern(out, os, &out->os_version);
}

static int read_modules(struct reader *r, struct hl_snapshot *out)
{
    uint32_t size = r->loc[0][SLOT_MODULES], rva = r->loc[1][SLOT_MODULES];
    uint64_t first = 4, need;
    uint32_t n, i, name;
    int err;

    if (size < 4)
        return MD_CORRUPT(r, rva);
    n = rd32(r, rva);
    need = (uint64_t)n * MD_MODULE_ENTRY;
    if (need + 8 == size)
        first = 8;
    else if (need > size - 4u)
        return MD_CORRUPT(r, rva);
    for (i = 0; i < n; i++) {
        uint64_t m = rva + first + (uint64_t)i * MD_MODULE_ENTRY;

        err = read_string(r, out, rd32(r, m + 20), &name);
        if (err != 0)
            return err;
        err = hl_snapshot_add_module(out, hl_snapshot_str(out, name),
                                     rd64(r, m), rd32(r, m + 8),
                                     rd32(r, m + 16));
        if (err != 0)
            return err;
        if (i == 0)
            out->image = name;
    }
    r->info->modules = n;
    return 0;
}

/* ---- object information ---- */

/* A growing text, for the object information of one handle. */
struct text {
    char buf[512];
    size_t len;
};

#if defined(__GNUC__)
static void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#endif

/* Appends to t, cutting what does not fit. */
static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    t->len = hl__cut_vprintf(t->buf, sizeof(t->buf), t->len, fmt, ap);
    va_end(ap);
}

static int32_t rds32(const unsigned char *p)
{
    return (int32_t)hl__get_le32(p);
}

/*
 * One object information record. The bytes are undocumented; the
 * layouts below are the NT structures of the same names (rev), 64-bit
 * layout first, then 32-bit, and only an exact size is decoded:
 *   thread:    THREAD_BASIC_INFORMATION (ClientId at 16/24 or 8/12)
 *   mutant 1:  MUTANT_BASIC_INFORMATION (CurrentCount, OwnedByCaller,
 *              AbandonedState), 8 bytes
 *   mutant 2:  MUTANT_OWNER_INFORMATION (ClientId), 16 or 8 bytes
 *   event:     EVENT_BASIC_INFORMATION (EventType, EventState), 8 bytes
 *   semaphore: SEMAPHORE_BASIC_INFORMATION (current, maximum), 8 bytes
 *   section:   SECTION_BASIC_INFORMATION (BaseAddress, attributes,
 *              MaximumSize), 24 or 16 bytes
 * Mutant, event, semaphore and section records become the handle's
 * details (*d), the record snapshot --details makes of the same queries,
 * so a dump and a live snapshot show them alike; a thread record and
 * anything else become text in t (process records are kept as hex).
 */
static void decode_info(struct text *t, struct hl_details *d, uint32_t type,
                        const unsigned char *p, uint32_t n)
{
    uint32_t i;

    if (type == 2 && n == 8) {
        /* OwnedByCaller (p[4]) speaks of the thread that asked, which
         * was dbghelp's, not the target's: left out. */
        d->kind = HL_DETAILS_MUTANT;
        d->known |= HL_DETAILS_BASIC;
        d->a = rds32(p);
        d->b = p[5] != 0;
        return;
    }
    if (type == 3 && (n == 16 || n == 8)) {
        d->kind = HL_DETAILS_MUTANT;
        d->known |= HL_DETAILS_MORE;
        d->c = n == 16 ? hl__get_le64(p) : hl__get_le32(p);
        d->d = n == 16 ? hl__get_le64(p + 8) : hl__get_le32(p + 4);
        return;
    }
    if (type == 6 && n == 8) {
        *d = (struct hl_details){HL_DETAILS_EVENT, HL_DETAILS_BASIC,
                                 (int64_t)hl__get_le32(p), rds32(p + 4) != 0,
                                 0, 0, 0};
        return;
    }
    if (type == 8 && n == 8) {
        *d = (struct hl_details){HL_DETAILS_SEMAPHORE, HL_DETAILS_BASIC,
                                 rds32(p), rds32(p + 4), 0, 0, 0};
        return;
    }
    if (type == 7 && (n == 24 || n == 16)) {
        int wide = n == 24;

        *d = (struct hl_details){
            HL_DETAILS_SECTION, HL_DETAILS_BASIC,
            (int64_t)hl__get_le64(p + (wide ? 16 : 8)),
            (int64_t)hl__get_le32(p + (wide ? 8 : 4)), 0, 0, 0};
        return;
    }
    if (t->len != 0)
        text_add(t, "; ");
    if (type == 1 && (n == 48 || n == 28)) {
        int wide = n == 48;

        text_add(t, "tid %" PRIu64 " in pid %" PRIu64,
                 wide ? hl__get_le64(p + 24) : hl__get_le32(p + 12),
                 wide ? hl__get_le64(p + 16) : hl__get_le32(p + 8));
        return;
    }
    text_add(t, "info %" PRIu32 ": %" PRIu32 " bytes", type, n);
    for (i = 0; i < n && i < 32; i++)
        text_add(t, "%s%02x", i == 0 ? " " : "", p[i]);
    if (n > 32)
        text_add(t, "...");
}

/* Reads the chain at rva into text t and details d. */
static int read_info_chain(struct reader *r, uint32_t rva, struct text *t,
                           struct hl_details *d)
{
    uint32_t k;

    for (k = 0; rva != 0; k++) {
        uint32_t type, size;

        if (k == MD_INFO_CHAIN_MAX)
            return MD_CORRUPT(r, rva);
        if (!in_file(r, rva, MD_INFO_HEADER))
            return HL_ETRUNC;
        type = rd32(r, (uint64_t)rva + 4);
        size = rd32(r, (uint64_t)rva + 8);
        if (!in_file(r, (uint64_t)rva + MD_INFO_HEADER, size))
            return HL_ETRUNC;
        decode_info(t, d, type, r->buf + rva + MD_INFO_HEADER, size);
        r->info->object_infos++;
        rva = rd32(r, rva);
    }
    return 0;
}

/* ---- handle operations ---- */

/* An open or close in the operation list, by handle value. */
struct op_key {
    uint64_t value;
    uint32_t order; /* position in the list: 0 is the newest */
};

static int op_key_cmp(const void *a, const void *b)
{
    const struct op_key *x = a, *y = b;

    return hl__cmp_pair(x->value, x->order, y->value, y->order);
}

struct ops {
    struct op_key *keys;
    size_t n;
    uint64_t first; /* file offset of entry 0 */
    uint32_t entry; /* bytes per entry */
};

/*
 * The list is taken to be newest first, the order in which the kernel's
 * handle trace database answers (as !htrace prints it); docs/dumps.md
 * notes that no real dump has confirmed it yet.
 */
static int read_ops(struct reader *r, struct ops *ops)
{
    uint32_t size = r->loc[0][SLOT_OPS], rva = r->loc[1][SLOT_OPS];
    uint32_t hsize, esize, n, i;

    if (size < MD_OPS_HEADER)
        return MD_CORRUPT(r, rva);
    hsize = rd32(r, rva);
    esize = rd32(r, (uint64_t)rva + 4);
    n = rd32(r, (uint64_t)rva + 8);
    if (hsize < MD_OPS_HEADER || hsize > size || esize < MD_OP_ENTRY)
        return MD_CORRUPT(r, rva);
    if ((uint64_t)n * esize > size - hsize)
        return MD_CORRUPT(r, rva);
    ops->first = (uint64_t)rva + hsize;
    ops->entry = esize;
    if (n == 0)
        return 0;
    /* n * 288 bytes lie in the file: the allocation is bounded by it. */
    ops->keys = hl__reallocarray(NULL, n, sizeof(*ops->keys));
    if (ops->keys == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        uint64_t e = ops->first + (uint64_t)i * esize;
        uint32_t type = rd32(r, e + 16);

        if (rd32(r, e + 24) > MD_MAX_TRACES)
            return MD_CORRUPT(r, e + 24);
        if (type == MD_OP_OPEN || type == MD_OP_CLOSE) {
            ops->keys[ops->n].value = rd64(r, e);
            ops->keys[ops->n].order = i;
            ops->n++;
        }
    }
    qsort(ops->keys, ops->n, sizeof(*ops->keys), op_key_cmp);
    r->info->operations = n;
    return 0;
}

static uint64_t op_key_value(const void *elem)
{
    return ((const struct op_key *)elem)->value;
}

/* The file offset of the newest operation on value when it is an open
 * (a newer close means that trace is not this handle's); 0 if none. */
static uint64_t newest_open(const struct reader *r, const struct ops *ops,
                            uint64_t value)
{
    size_t lo = hl__lower_bound(ops->keys, ops->n, sizeof(*ops->keys), value,
                                op_key_value);
    uint64_t e;

    if (lo == ops->n || ops->keys[lo].value != value)
        return 0;
    e = ops->first + (uint64_t)ops->keys[lo].order * ops->entry;
    return rd32(r, e + 16) == MD_OP_OPEN ? e : 0;
}

static int add_open_stack(const struct reader *r, struct hl_snapshot *out,
                          size_t i, uint64_t e)
{
    uint64_t frames[MD_MAX_TRACES];
    uint32_t depth = rd32(r, e + 24), k, index;
    int err;

    for (k = 0; k < depth; k++)
        frames[k] = rd64(r, e + 32 + 8 * (uint64_t)k);
    err = hl_snapshot_add_stack(out, rd32(r, e + 12), frames, depth, &index);
    if (err == 0)
        err = hl_snapshot_set_handle_stack(out, i, index);
    return err;
}

/* ---- handles ---- */

/* A descriptor, sorted by handle value (then by position). */
struct desc {
    uint64_t off;
    uint32_t value;
    uint32_t order;
};

static int desc_cmp(const void *a, const void *b)
{
    const struct desc *x = a, *y = b;

    return hl__cmp_pair(x->value, x->order, y->value, y->order);
}

static int add_handle(struct reader *r, struct hl_snapshot *out,
                      const struct desc *d, uint32_t dsize,
                      const struct ops *ops)
{
    struct hl_handle h;
    struct text t;
    struct hl_details det;
    char *friendly;
    size_t i;
    uint64_t e;
    int err;

    memset(&h, 0, sizeof(h));
    h.value = d->value;
    if ((err = read_string(r, out, rd32(r, d->off + 8), &h.type)) != 0 ||
        (err = read_string(r, out, rd32(r, d->off + 12), &h.nt_name)) != 0)
        return err;
    err = hl__names_friendly(hl_snapshot_str(out, h.type),
                             hl_snapshot_str(out, h.nt_name), NULL, 0, NULL,
                             &friendly);
    if (err != 0)
        return err;
    err = hl_snapshot_intern(out, friendly, &h.name);
    hl__free(friendly);
    if (err != 0)
        return err;
    /* OBJ_* flags, all in the low 16 bits on every Windows. */
    h.attributes = (uint16_t)rd32(r, d->off + 16);
    h.granted_access = rd32(r, d->off + 20);
    if ((err = hl_snapshot_add(out, &h)) != 0)
        return err;
    i = out->count - 1;
    err = hl_snapshot_set_counts(out, i, rd32(r, d->off + 24),
                                 rd32(r, d->off + 28));
    if (err != 0)
        return err;
    t.len = 0;
    t.buf[0] = '\0';
    memset(&det, 0, sizeof(det));
    if (dsize >= MD_DESC_2 &&
        (err = read_info_chain(r, rd32(r, d->off + 32), &t, &det)) != 0)
        return err;
    if (t.len != 0 && (err = hl_snapshot_set_object_info(out, i, t.buf)) != 0)
        return err;
    if (det.kind != HL_DETAILS_NONE &&
        (err = hl_snapshot_set_details(out, i, &det)) != 0)
        return err;
    e = ops->n != 0 ? newest_open(r, ops, d->value) : 0;
    if (e != 0) {
        if ((err = add_open_stack(r, out, i, e)) != 0)
            return err;
        r->info->stacks++;
    }
    return 0;
}

static int read_handles(struct reader *r, struct hl_snapshot *out,
                        const struct ops *ops)
{
    uint32_t size = r->loc[0][SLOT_HANDLES], rva = r->loc[1][SLOT_HANDLES];
    uint32_t hsize, dsize, n, i;
    struct desc *descs;
    int err = 0;

    if (size < MD_HANDLE_HEADER)
        return MD_CORRUPT(r, rva);
    hsize = rd32(r, rva);
    dsize = rd32(r, (uint64_t)rva + 4);
    n = rd32(r, (uint64_t)rva + 8);
    if (hsize < MD_HANDLE_HEADER || hsize > size)
        return MD_CORRUPT(r, rva);
    /* 32: MINIDUMP_HANDLE_DESCRIPTOR; 40: _2; longer: a later version
     * that starts like _2. */
    if (dsize < MD_DESC_1 || (dsize > MD_DESC_1 && dsize < MD_DESC_2))
        return MD_CORRUPT(r, rva);
    if ((uint64_t)n * dsize > size - hsize)
        return MD_CORRUPT(r, rva);
    r->info->descriptor_size = dsize;
    if (n == 0)
        return 0;
    descs = hl__reallocarray(NULL, n, sizeof(*descs));
    if (descs == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        uint64_t off = (uint64_t)rva + hsize + (uint64_t)i * dsize;
        uint64_t value = rd64(r, off);

        /* Handle values are 32-bit on every Windows, 64-bit included. */
        if (value > UINT32_MAX) {
            err = MD_CORRUPT(r, off);
            goto out_free;
        }
        descs[i].off = off;
        descs[i].value = (uint32_t)value;
        descs[i].order = i;
    }
    qsort(descs, n, sizeof(*descs), desc_cmp);
    for (i = 0; i < n && err == 0; i++)
        err = add_handle(r, out, &descs[i], dsize, ops);
    r->info->handles = n;

out_free:
    hl__free(descs);
    return err;
}

/* ---- the whole file ---- */

static int read_all(struct reader *r, struct hl_snapshot *out)
{
    struct ops ops;
    int err;

    memset(&ops, 0, sizeof(ops));
    out->taken_at = hl__filetime_from_unix(rd32(r, 20));
    out->wow64 = HL_WOW64_UNKNOWN;
    if ((err = hl_snapshot_intern(out, "minidump", &out->method)) != 0 ||
        (err = hl_snapshot_intern(out, hl__version_full(), &out->hleak_version)) != 0)
        return err;
    if (r->have[SLOT_SYSINFO] && (err = read_sysinfo(r, out)) != 0)
        return err;
    if (r->have[SLOT_MISC] && (err = read_misc(r, out)) != 0)
        return err;
    if (r->have[SLOT_MODULES] && (err = read_modules(r, out)) != 0)
        return err;
    if (r->have[SLOT_OPS] && (err = read_ops(r, &ops)) != 0)
        goto out_free_ops;
    err = read_handles(r, out, &ops);

out_free_ops:
    hl__free(ops.keys);
    return err;
}

int hl_minidump_read(const unsigned char *buf, size_t len,
                     struct hl_snapshot *out, struct hl_minidump_info *info)
{
    struct hl_minidump_info scratch;
    struct reader r;
    int err;

    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof(*info));
    if (out->count != 0 || out->handles != NULL || out->strings.count != 1)
        return HL_EINVAL;
    memset(&r, 0, sizeof(r));
    r.buf = buf;
    r.len = len;
    r.info = info;
    err = read_directory(&r);
    if (err != 0)
        return err;
    if (!r.have[SLOT_HANDLES])
        return HL_ENOHANDLES;
    err = read_all(&r, out);
    if (err != 0) {
        hl_snapshot_release(out);
        /* As hl_snapfile_decode: zeroed and safe to release either way. */
        (void)hl_snapshot_init(out);
    }
    return err;
}
