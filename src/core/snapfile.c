/*
** The snapshot file format, version 1 (one process). docs/FORMAT.md
** mirrors this comment; change both together. Version 2, the
** whole-system snapshot, shares the header, the sections, varints and
** STRS (snapio.c) and has sections of its own (syssnap.c).
**
** Every integer is little-endian, whatever the host. Fixed-width fields
** are written byte by byte (hl__put_le*), never as a struct. Variable
** fields are unsigned LEB128 varints ("var" below): 7 bits a byte, least
** significant group first, the top bit set on every byte but the last. A
** varint is at most 10 bytes and must be minimal (no trailing 0x00 group).
**
** The file header, 24 bytes:
**
**   Offset  Size  Description
**      0      8   Magic: 48 4C 45 41 4B 1A 0D 0A ("HLEAK", ^Z, CR, LF)
**      8      4   Format version, u32: 1 (one process; 2: the whole
**                 system, syssnap.c)
**     12      8   File length in bytes, u64, this header included
**     20      4   CRC-32 (zlib's) of every byte of the file but these four
**     24      -   Sections, back to back, up to the file length
**
** The magic's ^Z stops a DOS "type", and CR LF shows a file damaged by a
** text-mode transfer. The whole header and its checksum rule stay the
** same in every future version, so any reader can tell "newer" (checksum
** good, version larger) from "not ours" and from "damaged".
**
** A section:
**
**   Offset  Size  Description
**      0      4   Tag, u32: four ASCII letters, first letter lowest byte
**      4      8   Body length in bytes, u64
**     12      -   Body
**
**   Tag   Body
**   META  the process and the collection (required)
**   STRS  the string table (required)
**   HNDL  the handle records (required)
**   MODL  modules, for stack addresses (optional)
**   STCK  stack traces (optional)
**   HXTR  handle extras: counts, object information, open stack (optional)
**   SYMS  symbols of stack addresses (optional)
**   GUIC  GDI and USER object counts (optional)
**   TRGT  what became of the targets of Process and Thread handles
**         (optional)
**   ACCS  how the collection could read the process (optional)
**   HDTL  object details of handles: event state, semaphore count, ...
**         (optional; snapshot --details)
**   SYSM  version 2 only: the whole-system take (syssnap.c)
**   SYSP  version 2 only: its processes and their counts (syssnap.c)
**   SYSN  version 2 only: its processes' names (syssnap.c; optional)
**
** Each required section appears exactly once, and each optional one at
** most once, in any order; writers use the order above and leave out an
** optional section that would be empty. A reader skips sections whose
** tag it does not know, so later additions (GUI object counts, ...) need
** no new version; a change that old readers must not ignore does.
**
** META body, varints in this order:
**
**   Field          Type  Description
**   pid            var   process id
**   start_time     var   process creation time, FILETIME (0 = unknown)
**   taken_at       var   when collection started, FILETIME UTC
**   duration_us    var   how long collection took, microseconds
**   wow64          var   0 native, 1 32-bit on 64-bit Windows, 2 unknown
**   image          var   string id: full image path
**   host           var   string id: computer name
**   os_version     var   string id: "Windows 10.0.19045"
**   hleak_version  var   string id: version of the hleak that wrote it
**   method         var   string id: how handles were enumerated
**
** A reader ignores META bytes after the fields it knows, so a later writer
** may append fields.
**
** STRS body: a var count, then count strings, each a var byte length (at
** least 1) and that many bytes of UTF-8 without NUL. The strings take ids
** 1 to count in order; id 0 is the empty string and is not stored. Each
** string appears once: every handle names its type, name and NT name by
** id, so a name shared by 20,000 handles costs its bytes once.
**
** HNDL body: a var count, then count records of varints:
**
**   Field           Type  Description
**   value           var   zigzag of (value - previous record's value),
**                         mod 2^64; the first record's previous is 0;
**                         the value itself < 2^32
**   granted_access  var   access mask, < 2^32
**   attributes      var   handle attributes, < 2^16
**   type            var   string id: type name ("Event")
**   name            var   string id: friendly name ("C:\x.txt")
**   nt_name         var   string id: NT name ("\Device\...\x.txt")
**   name_err        var   enum hl_name_err: why the name is missing
**   object          var   kernel object address, 0 when not given
**
** Zigzag maps a signed delta d to (d << 1) ^ (d >> 63), so the small
** steps between sorted handle values take one byte. A record is at least
** 8 bytes; an unnamed Event with no object address takes about 10.
**
** MODL body: a var count, then count records of varints: name (string
** id: the module's path), base (load address), size (< 2^32), timestamp
** (the PE TimeDateStamp, < 2^32).
**
** STCK body: a var count, then count stacks: thread_id (var, < 2^32),
** depth (var), then depth return addresses (var each), innermost first.
**
** HXTR body: a var count, then count records, in increasing handle order,
** for the handles that have extras (the others have none):
**
**   Field           Type  Description
**   index           var   handle index minus the previous record's index
**                         plus one (the first record's previous is -1):
**                         the handle is the index-th record of HNDL
**   flags           var   1 = the two counts are known
**   open_stack      var   index of its open stack in STCK + 1, 0 = none
**   handle_count    var   handles to the object (< 2^32)
**   pointer_count   var   references to the object (< 2^32)
**   object_info     var   string id: "tid 12 in pid 34", "auto-reset,
**                         signaled", ...
**
** SYMS body: a var count, then count records of varints, by strictly
** increasing address: address minus the previous record's address (the
** first record's previous is 0), then text (string id, not 0: the symbol,
** "app.exe!Server::Open+0x12 (server.cpp:34)").
**
** GUIC body, varints in this order: flags (1 = asked, 2 = the current
** counts are known, 4 = the peaks are known; 1 alone: the system does not
** report GUI objects), gdi, user, gdi_peak, user_peak (each < 2^32, 0
** when not known). Like META, a reader ignores bytes after these fields.
** The section is left out when nothing was asked (flags 0).
**
** TRGT body: a var count, then count records, in increasing handle order,
** for the Process and Thread handles whose target was asked:
**
**   Field           Type  Description
**   index           var   as in HXTR: the handle is the index-th of HNDL
**   state           var   1 alive, 2 exited, 3 unknown (asked, unread)
**   flags           var   1 = exit_code is known
**   id              var   the process or thread id, 0 = unknown (< 2^32)
**   exit_code       var   the exit code when flags has 1, else 0 (< 2^32)
**   exit_time       var   FILETIME UTC of the exit, 0 = unknown
**
** ACCS body, varints in this order: access (0 not recorded, 1 names
** readable, 2 a protected process, 3 an elevated process hleak was not
** elevated for, 4 handle duplication refused otherwise; enum hl_access)
** and flags (1 = recorded, 2 = SeDebugPrivilege was enabled, 4 = GUI
** counts not readable: the process is in another session, 8 = the
** system's type list disagreed with a handle of known type and was not
** used: types come from duplicates only). Like META, a
** reader ignores bytes after these fields. Written by live collections
** only (flags 0 and access 0: left out).
**
** HDTL body: a var count, then count records, in increasing handle order,
** for the handles whose object was asked (snapshot --details):
**
**   Field           Type  Description
**   index           var   as in HXTR: the handle is the index-th of HNDL
**   kind            var   1 event, 2 mutant, 3 semaphore, 4 section,
**                         5 timer, 6 file, 7 token, 8 key
**   known           var   1 = the first query answered, 2 = the second
**                         (mutant owner, file mode); 0 = neither
**   a               var   zigzag: event type, mutant or semaphore count,
**                         section size, file device type, key write time
**   b               var   zigzag: signaled, abandoned, semaphore maximum,
**                         section attributes, file mode
**   c               var   mutant owner pid
**   d               var   mutant owner tid
**   text            var   string id: token user SID, section file name
**
** Fields a kind does not use are 0, and so are those of a query that did
** not answer (docs/FORMAT.md has the table by kind).
**
** The STRS, HNDL, MODL, STCK, HXTR, TRGT, HDTL and SYMS bodies end exactly at their last
** item. Every string id
** must be below the string count, name_err below HL_NAME_ERR_COUNT and
** wow64 at most 2; anything else is refused as corrupt.
*/
#include "hleak/snapfile.h"

#include <stddef.h>
#include <string.h>

#include "core-int.h"
#include "snapfile-int.h"
#include "snapshot-int.h"

#define SNAP_TAG_META SNAP_TAG('M', 'E', 'T', 'A')
#define SNAP_TAG_HNDL SNAP_TAG('H', 'N', 'D', 'L')
#define SNAP_TAG_MODL SNAP_TAG('M', 'O', 'D', 'L')
#define SNAP_TAG_STCK SNAP_TAG('S', 'T', 'C', 'K')
#define SNAP_TAG_HXTR SNAP_TAG('H', 'X', 'T', 'R')
#define SNAP_TAG_SYMS SNAP_TAG('S', 'Y', 'M', 'S')
#define SNAP_TAG_GUIC SNAP_TAG('G', 'U', 'I', 'C')
#define SNAP_TAG_TRGT SNAP_TAG('T', 'R', 'G', 'T')
#define SNAP_TAG_ACCS SNAP_TAG('A', 'C', 'C', 'S')
#define SNAP_TAG_HDTL SNAP_TAG('H', 'D', 'T', 'L')
#define SNAP_MIN_TARGET 6
#define SNAP_MIN_DETAILS 8

/* The fewest bytes a string (length 1, one byte) and a handle record (eight
 * one-byte varints) can take: counts are checked against these before
 * anything is allocated. */
#define SNAP_MIN_RECORD 8
#define SNAP_MIN_MODULE 4
#define SNAP_MIN_STACK 2
#define SNAP_MIN_EXTRA 6

/* ---- the META fields, shared by the encoder and the decoder ---- */

enum meta_kind { META_U64, META_U32, META_STR };

static const struct meta_field {
    size_t off;
    enum meta_kind kind;
} meta_fields[] = {
    { offsetof(struct hl_snapshot, pid), META_U64 },
    { offsetof(struct hl_snapshot, start_time), META_U64 },
    { offsetof(struct hl_snapshot, taken_at), META_U64 },
    { offsetof(struct hl_snapshot, duration_us), META_U64 },
    { offsetof(struct hl_snapshot, wow64), META_U32 },
    { offsetof(struct hl_snapshot, image), META_STR },
    { offsetof(struct hl_snapshot, host), META_STR },
    { offsetof(struct hl_snapshot, os_version), META_STR },
    { offsetof(struct hl_snapshot, hleak_version), META_STR },
    { offsetof(struct hl_snapshot, method), META_STR },
};

#define META_FIELD_COUNT (sizeof(meta_fields) / sizeof(meta_fields[0]))

static uint64_t zigzag(uint64_t d)
{
    return (d << 1) ^ (0 - (d >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (0 - (z & 1));
}

/* ---- encoding ---- */

static void encode_meta(struct hl__wbuf *wb, const struct hl_snapshot *s)
{
    const unsigned char *base = (const unsigned char *)s;
    size_t i;

    for (i = 0; i < META_FIELD_COUNT; i++) {
        const void *field = base + meta_fields[i].off;

        if (meta_fields[i].kind == META_U64)
            hl__wb_varint(wb, *(const uint64_t *)field);
        else
            hl__wb_varint(wb, *(const uint32_t *)field);
    }
}

static void encode_handles(struct hl__wbuf *wb, const struct hl_snapshot *s)
{
    uint64_t prev = 0;
    size_t i;

    hl__wb_varint(wb, s->count);
    for (i = 0; i < s->count; i++) {
        const struct hl_handle *h = &s->handles[i];

        hl__wb_varint(wb, zigzag(h->value - prev));
        hl__wb_varint(wb, h->granted_access);
        hl__wb_varint(wb, h->attributes);
        hl__wb_varint(wb, h->type);
        hl__wb_varint(wb, h->name);
        hl__wb_varint(wb, h->nt_name);
        hl__wb_varint(wb, h->name_err);
        hl__wb_varint(wb, hl_snapshot_object(s, i));
        prev = h->value;
    }
}

static void encode_modules(struct hl__wbuf *wb, const struct hl_snapshot *s)
{
    size_t i;

    hl__wb_varint(wb, s->nmodules);
    for (i = 0; i < s->nmodules; i++) {
        hl__wb_varint(wb, s->modules[i].name);
        hl__wb_varint(wb, s->modules[i].base);
        hl__wb_varint(wb, s->modules[i].size);
        hl__wb_varint(wb, s->modules[i].timestamp);
    }
}

static void encode_stacks(struct hl__wbuf *wb, const struct hl_snapshot *s)
{
    size_t i, k;

    hl__wb_varint(wb, s->nstacks);
    for (i = 0; i < s->nstacks; i++) {
        const struct hl_stack *st = &s->stacks[i];

        hl__wb_varint(wb, st->thread_id);
        hl__wb_varint(wb, st->depth);
        for (k = 0; k < st->depth; k++)
            hl__wb_varint(wb, s->frames[st->first + k]);
    }
}

static int extra_empty(const struct hl_handle_extra *x)
{
    return x->flags == 0 && x->open_stack == 0 && x->object_info == 0;
}

static size_t count_extras(const struct hl_snapshot *s)
{
    size_t i, n = 0;

    for (i = 0; s->extras != NULL && i < s->count; i++)
        n += !extra_empty(&s->extras[i]);
    return n;
}

static void encode_extras(struct hl__wbuf *wb, const struct hl_snapshot *s,
                          size_t n)
{
    size_t i, next = 0;

    hl__wb_varint(wb, n);
    for (i = 0; i < s->count; i++) {
        const struct hl_handle_extra *x = &s->extras[i];

        if (extra_empty(x))
            continue;
        hl__wb_varint(wb, i - next);
        hl__wb_varint(wb, x->flags);
        hl__wb_varint(wb, x->open_stack);
        hl__wb_varint(wb, x->handle_count);
        hl__wb_varint(wb, x->pointer_count);
        hl__wb_varint(wb, x->object_info);
        next = i + 1;
    }
}

static void encode_symbols(struct hl__wbuf *wb, const struct hl_snapshot *s)
{
    uint64_t prev = 0;
    size_t i;

    hl__wb_varint(wb, s->nsymbols);
    for (i = 0; i < s->nsymbols; i++) {
        hl__wb_varint(wb, s->symbols[i].address - prev);
        hl__wb_varint(wb, s->symbols[i].text);
        prev = s->symbols[i].address;
    }
}

static void encode_gui(struct hl__wbuf *wb, const struct hl_gui *g)
{
    /* the other-session bit lives in ACCS, which older readers skip */
    hl__wb_varint(wb, g->flags & HL_GUI_ALL);
    hl__wb_varint(wb, g->gdi);
    hl__wb_varint(wb, g->user);
    hl__wb_varint(wb, g->gdi_peak);
    hl__wb_varint(wb, g->user_peak);
}

static size_t count_targets(const struct hl_snapshot *s)
{
    size_t i, n = 0;

    for (i = 0; s->targets != NULL && i < s->count; i++)
        n += s->targets[i].state != HL_TARGET_NONE;
    return n;
}

static void encode_targets(struct hl__wbuf *wb, const struct hl_snapshot *s,
                           size_t n)
{
    size_t i, next = 0;

    hl__wb_varint(wb, n);
    for (i = 0; i < s->count; i++) {
        const struct hl_target *t = &s->targets[i];

        if (t->state == HL_TARGET_NONE)
            continue;
        hl__wb_varint(wb, i - next);
        hl__wb_varint(wb, t->state);
        hl__wb_varint(wb, t->flags);
        hl__wb_varint(wb, t->id);
        hl__wb_varint(wb, t->exit_code);
        hl__wb_varint(wb, t->exit_time);
        next = i + 1;
    }
}

static size_t count_details(const struct hl_snapshot *s)
{
    size_t i, n = 0;

    for (i = 0; s->details != NULL && i < s->count; i++)
        n += s->details[i].kind != HL_DETAILS_NONE;
    return n;
}

static void encode_details(struct hl__wbuf *wb, const struct hl_snapshot *s,
                           size_t n)
{
    size_t i, next = 0;

    hl__wb_varint(wb, n);
    for (i = 0; i < s->count; i++) {
        const struct hl_details *d = &s->details[i];

        if (d->kind == HL_DETAILS_NONE)
            continue;
        hl__wb_varint(wb, i - next);
        hl__wb_varint(wb, d->kind);
        hl__wb_varint(wb, d->known);
        hl__wb_varint(wb, zigzag((uint64_t)d->a));
        hl__wb_varint(wb, zigzag((uint64_t)d->b));
        hl__wb_varint(wb, d->c);
        hl__wb_varint(wb, d->d);
        hl__wb_varint(wb, d->text);
        next = i + 1;
    }
}

/* The optional sections of issue 10: GUI counts and target states. */
static void encode_triage(struct hl__wbuf *wb, const struct hl_snapshot *s)
{
    size_t at, n = count_targets(s);

    if (s->gui.flags != 0) {
        at = hl__wb_begin_section(wb, SNAP_TAG_GUIC);
        encode_gui(wb, &s->gui);
        hl__wb_end_section(wb, at);
    }
    if (n != 0) {
        at = hl__wb_begin_section(wb, SNAP_TAG_TRGT);
        encode_targets(wb, s, n);
        hl__wb_end_section(wb, at);
    }
    if (s->access != 0 || s->collect_flags != 0) {
        at = hl__wb_begin_section(wb, SNAP_TAG_ACCS);
        hl__wb_varint(wb, s->access);
        hl__wb_varint(wb, s->collect_flags);
        hl__wb_end_section(wb, at);
    }
    n = count_details(s);
    if (n != 0) {
        at = hl__wb_begin_section(wb, SNAP_TAG_HDTL);
        encode_details(wb, s, n);
        hl__wb_end_section(wb, at);
    }
}

int hl_snapfile_encode(const struct hl_snapshot *s, unsigned char **out,
                       size_t *out_len)
{
    struct hl__wbuf wb = { NULL, 0, 0, 0 };
    size_t at, nextras;

    hl__wb_header(&wb, HL_SNAPFILE_VERSION);
    at = hl__wb_begin_section(&wb, SNAP_TAG_META);
    encode_meta(&wb, s);
    hl__wb_end_section(&wb, at);
    at = hl__wb_begin_section(&wb, SNAP_TAG_STRS);
    hl__wb_strings(&wb, &s->strings);
    hl__wb_end_section(&wb, at);
    at = hl__wb_begin_section(&wb, SNAP_TAG_HNDL);
    encode_handles(&wb, s);
    hl__wb_end_section(&wb, at);
    if (s->nmodules != 0) {
        at = hl__wb_begin_section(&wb, SNAP_TAG_MODL);
        encode_modules(&wb, s);
        hl__wb_end_section(&wb, at);
    }
    if (s->nstacks != 0) {
        at = hl__wb_begin_section(&wb, SNAP_TAG_STCK);
        encode_stacks(&wb, s);
        hl__wb_end_section(&wb, at);
    }
    nextras = count_extras(s);
    if (nextras != 0) {
        at = hl__wb_begin_section(&wb, SNAP_TAG_HXTR);
        encode_extras(&wb, s, nextras);
        hl__wb_end_section(&wb, at);
    }
    if (s->nsymbols != 0) {
        at = hl__wb_begin_section(&wb, SNAP_TAG_SYMS);
        encode_symbols(&wb, s);
        hl__wb_end_section(&wb, at);
    }
    encode_triage(&wb, s);
    return hl__wb_finish(&wb, out, out_len);
}

/* ---- decoding ---- */

static int decode_strings(struct hl__rbuf *rb, struct hl_snapshot *out,
                          struct hl_snapfile_info *info)
{
    return hl__rb_strings(rb, &out->strings, info);
}

static int decode_meta(struct hl__rbuf *rb, struct hl_snapshot *out,
                       struct hl_snapfile_info *info)
{
    unsigned char *base = (unsigned char *)out;
    uint32_t nstr = out->strings.count;
    size_t i;

    for (i = 0; i < META_FIELD_COUNT; i++) {
        void *field = base + meta_fields[i].off;
        uint64_t v;

        if (hl__rb_varint(rb, &v) != 0)
            return HL_CORRUPT(info);
        if (meta_fields[i].kind == META_U64) {
            *(uint64_t *)field = v;
            continue;
        }
        if (v > UINT32_MAX)
            return HL_CORRUPT(info);
        if (meta_fields[i].kind == META_STR && v >= nstr)
            return HL_CORRUPT(info);
        *(uint32_t *)field = (uint32_t)v;
    }
    if (out->wow64 > HL_WOW64_UNKNOWN)
        return HL_CORRUPT(info);
    /* Bytes after the known fields are a later writer's additions. */
    return 0;
}

static int decode_handles(struct hl__rbuf *rb, struct hl_snapshot *out,
                          struct hl_snapfile_info *info)
{
    uint32_t nstr = out->strings.count;
    uint64_t count, prev = 0, delta, value, object;
    uint32_t attributes, name_err;
    size_t i;

    if (hl__rb_varint(rb, &count) != 0)
        return HL_CORRUPT(info);
    /* Checked before allocating: a tiny file cannot ask for gigabytes. */
    if (count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_RECORD)
        return HL_CORRUPT(info);
    if (count == 0)
        return rb->p == rb->end ? 0 : HL_CORRUPT(info);
    out->handles = hl__reallocarray(NULL, (size_t)count,
                                    sizeof(*out->handles));
    if (out->handles == NULL)
        return HL_ENOMEM;
    out->cap = (size_t)count;

    for (i = 0; i < (size_t)count; i++) {
        struct hl_handle *h = &out->handles[i];

        if (hl__rb_varint(rb, &delta) != 0)
            return HL_CORRUPT(info);
        value = prev + unzigzag(delta);
        prev = value;
        /* handle values are 32-bit and attributes a few low bits on every
         * Windows: more cannot come from a collector */
        if (value > UINT32_MAX)
            return HL_CORRUPT(info);
        h->value = (uint32_t)value;
        if (hl__rb_u32(rb, &h->granted_access) != 0 ||
            hl__rb_u32(rb, &attributes) != 0 || attributes > UINT16_MAX)
            return HL_CORRUPT(info);
        h->attributes = (uint16_t)attributes;
        h->reserved = 0;
        if (hl__rb_strid(rb, nstr, &h->type) != 0 ||
            hl__rb_strid(rb, nstr, &h->name) != 0 ||
            hl__rb_strid(rb, nstr, &h->nt_name) != 0)
            return HL_CORRUPT(info);
        if (hl__rb_u32(rb, &name_err) != 0 || name_err >= HL_NAME_ERR_COUNT)
            return HL_CORRUPT(info);
        h->name_err = (uint8_t)name_err;
        if (hl__rb_varint(rb, &object) != 0)
            return HL_CORRUPT(info);
        out->count = i + 1;
        if (object != 0 && hl_snapshot_set_object(out, i, object) != 0)
            return HL_ENOMEM;
    }
    if (rb->p != rb->end)
        return HL_CORRUPT(info);
    return 0;
}

static int decode_modules(struct hl__rbuf *rb, struct hl_snapshot *out,
                          struct hl_snapfile_info *info)
{
    uint32_t nstr = out->strings.count;
    uint64_t count, base;
    uint32_t name, size, stamp;
    size_t i;
    int err;

    if (hl__rb_varint(rb, &count) != 0 ||
        count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_MODULE)
        return HL_CORRUPT(info);
    for (i = 0; i < (size_t)count; i++) {
        if (hl__rb_strid(rb, nstr, &name) != 0 ||
            hl__rb_varint(rb, &base) != 0 ||
            hl__rb_u32(rb, &size) != 0 || hl__rb_u32(rb, &stamp) != 0)
            return HL_CORRUPT(info);
        err = hl_snapshot_add_module(out, hl_snapshot_str(out, name), base,
                                     size, stamp);
        if (err != 0)
            return err;
    }
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

static int decode_stacks(struct hl__rbuf *rb, struct hl_snapshot *out,
                         struct hl_snapfile_info *info)
{
    uint64_t count, depth, *frames = NULL;
    uint32_t tid, index;
    size_t i, k;
    int err = 0;

    if (hl__rb_varint(rb, &count) != 0 ||
        count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_STACK)
        return HL_CORRUPT(info);
    for (i = 0; i < (size_t)count && err == 0; i++) {
        if (hl__rb_u32(rb, &tid) != 0 || hl__rb_varint(rb, &depth) != 0 ||
            depth > (uint64_t)(rb->end - rb->p) || depth > UINT32_MAX) {
            err = HL_CORRUPT(info);
            break;
        }
        hl__free(frames);
        frames = hl__reallocarray(NULL, depth ? (size_t)depth : 1,
                                  sizeof(*frames));
        if (frames == NULL) {
            err = HL_ENOMEM;
            break;
        }
        for (k = 0; k < (size_t)depth; k++) {
            if (hl__rb_varint(rb, &frames[k]) != 0) {
                err = HL_CORRUPT(info);
                break;
            }
        }
        if (err == 0)
            err = hl_snapshot_add_stack(out, tid, frames, (uint32_t)depth,
                                        &index);
    }
    hl__free(frames);
    if (err == 0 && rb->p != rb->end)
        err = HL_CORRUPT(info);
    return err;
}

/* The index of a per-handle record (HXTR, TRGT, HDTL): a delta from
 * next, the index after the previous record's; 0, or -1 when it is past
 * the last handle. */
static int next_index(struct hl__rbuf *rb, const struct hl_snapshot *out,
                      uint64_t *next)
{
    uint64_t delta;

    if (hl__rb_varint(rb, &delta) != 0 || *next >= out->count ||
        delta >= out->count - *next)
        return -1;
    *next += delta;
    return 0;
}

static int decode_extras(struct hl__rbuf *rb, struct hl_snapshot *out,
                         struct hl_snapfile_info *info)
{
    struct hl_handle_extra x;
    uint64_t count, next = 0, i;
    uint32_t nstr = out->strings.count;
    int err;

    if (hl__rb_varint(rb, &count) != 0 ||
        count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_EXTRA)
        return HL_CORRUPT(info);
    for (i = 0; i < count; i++) {
        if (next_index(rb, out, &next) != 0)
            return HL_CORRUPT(info);
        if (hl__rb_u32(rb, &x.flags) != 0 ||
            (x.flags & ~HL_EXTRA_COUNTS) != 0 ||
            hl__rb_u32(rb, &x.open_stack) != 0 || x.open_stack > out->nstacks ||
            hl__rb_u32(rb, &x.handle_count) != 0 ||
            hl__rb_u32(rb, &x.pointer_count) != 0 ||
            hl__rb_strid(rb, nstr, &x.object_info) != 0)
            return HL_CORRUPT(info);
        err = hl_snapshot_set_extra(out, (size_t)next, &x);
        if (err != 0)
            return err;
        next++;
    }
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

static int decode_symbols(struct hl__rbuf *rb, struct hl_snapshot *out,
                          struct hl_snapfile_info *info)
{
    uint64_t count, delta, addr = 0, i;
    uint32_t text;
    int err;

    /* two one-byte varints at least */
    if (hl__rb_varint(rb, &count) != 0 ||
        count > (uint64_t)(rb->end - rb->p) / 2)
        return HL_CORRUPT(info);
    for (i = 0; i < count; i++) {
        if (hl__rb_varint(rb, &delta) != 0 || (i != 0 && delta == 0) ||
            delta > UINT64_MAX - addr ||
            hl__rb_strid(rb, out->strings.count, &text) != 0 || text == 0)
            return HL_CORRUPT(info);
        addr += delta;
        err = hl_snapshot_add_symbol(out, addr,
                                     hl_snapshot_str(out, text));
        if (err != 0)
            return err;
    }
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

static int decode_gui(struct hl__rbuf *rb, struct hl_snapshot *out,
                      struct hl_snapfile_info *info)
{
    struct hl_gui g;

    if (hl__rb_u32(rb, &g.flags) != 0 || (g.flags & ~HL_GUI_ALL) != 0 ||
        g.flags == 0 || hl__rb_u32(rb, &g.gdi) != 0 ||
        hl__rb_u32(rb, &g.user) != 0 ||
        hl__rb_u32(rb, &g.gdi_peak) != 0 || hl__rb_u32(rb, &g.user_peak) != 0)
        return HL_CORRUPT(info);
    /* Bytes after the known fields are a later writer's additions. */
    out->gui = g;
    return 0;
}

static int decode_access(struct hl__rbuf *rb, struct hl_snapshot *out,
                         struct hl_snapfile_info *info)
{
    uint32_t access, flags;

    if (hl__rb_u32(rb, &access) != 0 || access >= HL_ACCESS_COUNT ||
        hl__rb_u32(rb, &flags) != 0 || (flags & ~HL_COLLECT_FLAGS_ALL) != 0)
        return HL_CORRUPT(info);
    /* Bytes after the known fields are a later writer's additions. */
    out->access = access;
    out->collect_flags = flags;
    if ((flags & HL_COLLECT_GUI_SESSION) && out->gui.flags != 0)
        out->gui.flags |= HL_GUI_OTHER_SESSION;
    return 0;
}

static int decode_targets(struct hl__rbuf *rb, struct hl_snapshot *out,
                          struct hl_snapfile_info *info)
{
    struct hl_target t;
    uint64_t count, next = 0, i, state, flags;
    int err;

    if (hl__rb_varint(rb, &count) != 0 ||
        count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_TARGET)
        return HL_CORRUPT(info);
    for (i = 0; i < count; i++) {
        if (next_index(rb, out, &next) != 0)
            return HL_CORRUPT(info);
        memset(&t, 0, sizeof(t));
        if (hl__rb_varint(rb, &state) != 0 || state == HL_TARGET_NONE ||
            state >= HL_TARGET_STATE_COUNT || hl__rb_varint(rb, &flags) != 0 ||
            (flags & ~(uint64_t)HL_TARGET_HAS_CODE) != 0 ||
            hl__rb_u32(rb, &t.id) != 0 || hl__rb_u32(rb, &t.exit_code) != 0 ||
            hl__rb_varint(rb, &t.exit_time) != 0)
            return HL_CORRUPT(info);
        t.state = (uint8_t)state;
        t.flags = (uint8_t)flags;
        err = hl_snapshot_set_target(out, (size_t)next, &t);
        if (err != 0)
            return err;
        next++;
    }
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

static int decode_details(struct hl__rbuf *rb, struct hl_snapshot *out,
                          struct hl_snapfile_info *info)
{
    struct hl_details d;
    uint64_t count, next = 0, i, kind, known, a, b;
    int err;

    if (hl__rb_varint(rb, &count) != 0 ||
        count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_DETAILS)
        return HL_CORRUPT(info);
    for (i = 0; i < count; i++) {
        if (next_index(rb, out, &next) != 0)
            return HL_CORRUPT(info);
        memset(&d, 0, sizeof(d));
        if (hl__rb_varint(rb, &kind) != 0 || kind == HL_DETAILS_NONE ||
            kind >= HL_DETAILS_KIND_COUNT || hl__rb_varint(rb, &known) != 0 ||
            (known & ~(uint64_t)(HL_DETAILS_BASIC | HL_DETAILS_MORE)) != 0 ||
            hl__rb_varint(rb, &a) != 0 || hl__rb_varint(rb, &b) != 0 ||
            hl__rb_varint(rb, &d.c) != 0 || hl__rb_varint(rb, &d.d) != 0 ||
            hl__rb_strid(rb, out->strings.count, &d.text) != 0)
            return HL_CORRUPT(info);
        d.kind = (uint32_t)kind;
        d.known = (uint32_t)known;
        d.a = (int64_t)unzigzag(a);
        d.b = (int64_t)unzigzag(b);
        err = hl_snapshot_set_details(out, (size_t)next, &d);
        if (err != 0)
            return err;
        next++;
    }
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

/* Checks the header: a process snapshot's version. */
static int decode_header(const unsigned char *buf, size_t len,
                         struct hl_snapfile_info *info)
{
    int err = hl__snap_header(buf, len, info);

    if (err == 0 && info->version != HL_SNAPFILE_VERSION)
        return HL_ESYSSNAP;
    return err;
}

/* The sections this reader knows; the optional ones may stay NULL. */
struct sections {
    struct hl__rbuf meta, strs, hndl, mods, stks, hxtr, syms, guic, trgt, accs,
        hdtl;
};

/* Finds the three required sections, each exactly once, and the optional
 * ones, each at most once. */
static int find_sections(const unsigned char *buf, size_t len,
                         struct sections *sec, struct hl_snapfile_info *info)
{
    const struct hl__snap_slot slots[] = {
        {SNAP_TAG_META, &sec->meta}, {SNAP_TAG_STRS, &sec->strs},
        {SNAP_TAG_HNDL, &sec->hndl}, {SNAP_TAG_MODL, &sec->mods},
        {SNAP_TAG_STCK, &sec->stks}, {SNAP_TAG_HXTR, &sec->hxtr},
        {SNAP_TAG_SYMS, &sec->syms}, {SNAP_TAG_GUIC, &sec->guic},
        {SNAP_TAG_TRGT, &sec->trgt}, {SNAP_TAG_ACCS, &sec->accs},
        {SNAP_TAG_HDTL, &sec->hdtl},
    };
    int err;

    memset(sec, 0, sizeof(*sec));
    err = hl__snap_sections(buf, len, slots, sizeof(slots) / sizeof(slots[0]),
                            info);
    if (err != 0)
        return err;
    /* missing: where it was looked for last */
    if (sec->meta.p == NULL || sec->strs.p == NULL || sec->hndl.p == NULL)
        return HL_CORRUPT_AT(info, len);
    return 0;
}

int hl_snapfile_decode(const unsigned char *buf, size_t len,
                       struct hl_snapshot *out, struct hl_snapfile_info *info)
{
    struct hl_snapfile_info scratch;
    struct sections sec;
    int err;

    if (info == NULL)
        info = &scratch;
    info->version = 0;
    info->line = 0;
    info->offset = 0;
    if (out->count != 0 || out->handles != NULL || out->strings.count != 1)
        return HL_EINVAL;

    err = decode_header(buf, len, info);
    if (err != 0)
        return err;
    err = find_sections(buf, len, &sec, info);
    if (err != 0)
        return err;
    /* Strings first: the other sections refer to them; stacks before the
     * extras that point into them. The optional ones may be absent. */
    {
        const struct {
            struct hl__rbuf *rb;
            int (*decode)(struct hl__rbuf *, struct hl_snapshot *,
                          struct hl_snapfile_info *);
        } steps[] = {
            {&sec.strs, decode_strings}, {&sec.meta, decode_meta},
            {&sec.hndl, decode_handles}, {&sec.mods, decode_modules},
            {&sec.stks, decode_stacks},  {&sec.hxtr, decode_extras},
            {&sec.syms, decode_symbols}, {&sec.guic, decode_gui},
            {&sec.trgt, decode_targets}, {&sec.accs, decode_access},
            {&sec.hdtl, decode_details},
        };
        size_t k;

        for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
            if (steps[k].rb->p == NULL)
                continue;
            err = hl__snap_at(steps[k].decode(steps[k].rb, out, info),
                              steps[k].rb, buf, info);
            if (err != 0)
                goto out_reset;
        }
    }
    return 0;

out_reset:
    hl_snapshot_release(out);
    /* Can fail only for lack of memory, which the caller learns anyway
     * from a later call; the snapshot is zeroed and safe to release. */
    (void)hl_snapshot_init(out);
    return err;
}

int hl_snapfile_sniff(const unsigned char *buf, size_t len)
{
    return len >= SNAP_MAGIC_LEN &&
           memcmp(buf, SNAP_MAGIC, SNAP_MAGIC_LEN) == 0;
}

int hl_snapfile_write(const char *path, const struct hl_snapshot *s)
{
    unsigned char *buf;
    size_t len;
    int err;

    err = hl_snapfile_encode(s, &buf, &len);
    if (err != 0)
        return err;
    err = hl__fs_write_atomic(path, buf, len);
    hl__free(buf);
    return err;
}

int hl_snapfile_read(const char *path, struct hl_snapshot *out,
                     struct hl_snapfile_info *info)
{
    struct hl__fs_map m;
    int err;

    if (info != NULL)
        memset(info, 0, sizeof(*info));
    err = hl__fs_map(path, &m);
    if (err != 0)
        return err;
    err = hl_snapfile_decode(m.data, m.len, out, info);
    hl__fs_unmap(&m);
    return err;
}
