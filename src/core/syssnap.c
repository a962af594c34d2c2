/*
** The whole-system snapshot file (`hleak snapshot --all`), format version
** 2. docs/FORMAT.md ("Whole-system snapshots") mirrors this comment;
** change both together. The header, the section framing, varints and
** STRS are those of version 1 (snapfile.c, snapio.c); only the version
** and the sections differ, so an hleak that reads version 1 only refuses
** the file as newer instead of reading a process without handles.
**
**   Tag   Body
**   SYSM  the take: when, how long, where, by what (required)
**   STRS  the string table, as in version 1 (required)
**   SYSP  the types and the processes with their counts (required)
**   SYSN  the names of each process's named handles (optional: a take
**         with names, `--all --names`)
**
** SYSM body, varints in this order (a reader ignores bytes after them):
**
**   Field          Type  Description
**   time           var   when the handle list was read, FILETIME UTC
**   duration_us    var   how long the take took, microseconds
**   flags          var   1 = GDI and USER counts were asked
**   vanished       var   handles of processes gone before the process
**                        list was read
**   host           var   string id: computer name
**   os_version     var   string id: "Windows 10.0.19045"
**   hleak_version  var   string id: version of the hleak that wrote it
**   method         var   string id: how handles were counted
**
** SYSP body: a var type count (at most 257: Windows numbers types in a
** byte, and a take adds one slot for an index past its table), then that
** many type names (string ids, not 0, in strictly increasing byte order
** of their strings, so each once), then a var process
** count, then the process records, by strictly increasing pid:
**
**   Field     Type  Description
**   pid       var   pid minus the previous record's (the first's: 0); not
**                   0 after the first record
**   start     var   creation time, FILETIME (0: the system's own)
**   image     var   string id: the image's file name
**   flags     var   1 = handles counted, 2 = GDI and USER counts known
**   handles   var   handles in the system-wide list (0 unless flags 1)
**   reported  var   the process list's own HandleCount
**   gdi       var   GDI objects (< 2^32; 0 unless flags 2)
**   user      var   USER objects (< 2^32; 0 unless flags 2)
**   npairs    var   how many (type, count) pairs follow (none unless
**                   flags 1), then per pair:
**   type      var   type index minus the previous pair's plus one (the
**                   first pair's previous is -1): the index-th type
**   count     var   handles of that type, 1 to 2^32 - 1
**
** The pairs of a record sum to its handles; a type it holds none of has
** no pair.
**
** SYSN body (only in a take with names; its presence says names were
** asked): a var entry count, then an entry per process whose names were
** asked, by strictly increasing index of its SYSP record:
**
**   Field     Type  Description
**   proc      var   its SYSP record's index minus the previous entry's,
**                   less one (the first entry: the index itself)
**   state     var   1 = names read, 2 = it refused handle duplication,
**                   3 = it exited before it could be named
**   why       var   with state 2: 2 protected, 3 elevated, 4 denied (as
**                   ACCS); else 0
**   asked     var   handles whose names were asked (state 1; else 0)
**   timeouts  var   of those, the ones whose query timed out (<= asked)
**   nnames    var   named handles that follow (state 1; else 0), then
**                   per name, by strictly increasing value:
**   value     var   handle value minus the previous name's (the first's
**                   previous is 0); not 0 after the first
**   type      var   the index of its type in SYSP's list
**   name      var   string id: the friendly name
**   nt_name   var   string id: the NT name (not both empty)
**
** A process the take did not name (no handle of a named type, hleak
** itself) has no entry. An hleak that does not know SYSN skips it (an
** unknown optional section) and reads the counts.
**
** The STRS, SYSP and SYSN bodies end exactly at their last item; every
** id must be below the string count; anything else is refused as corrupt.
*/
#include "hleak/system.h"

#include <string.h>

#include "core-int.h"
#include "snapfile-int.h"
#include "snapshot-int.h"
#include "syssnap.h"
#include "system-int.h"

#define SNAP_TAG_SYSM SNAP_TAG('S', 'Y', 'S', 'M')
#define SNAP_TAG_SYSP SNAP_TAG('S', 'Y', 'S', 'P')
#define SNAP_TAG_SYSN SNAP_TAG('S', 'Y', 'S', 'N')

/* SYSP: the fewest bytes a process record (nine one-byte varints) and a
 * pair take, checked before allocating. */
#define SYSP_MIN_PROC 9
#define SYSP_MIN_PAIR 2
/* Windows numbers object types in a byte, and the take adds one slot
 * for an index past its table: more types cannot come from a take. */
#define SYSP_MAX_TYPES 257
#define SYSP_COUNTED 1u
#define SYSP_GUI 2u
/* SYSN: the fewest bytes an entry (six one-byte varints) and a name (four)
 * take. */
#define SYSN_MIN_ENTRY 6
#define SYSN_MIN_NAME 4

/* ---- encoding ---- */

static void encode_take(struct hl__wbuf *wb, const struct hl_system *sys)
{
    hl__wb_varint(wb, sys->time);
    hl__wb_varint(wb, sys->duration_us);
    hl__wb_varint(wb, sys->flags & HL_SYSTEM_GUI);
    hl__wb_varint(wb, sys->vanished);
    hl__wb_varint(wb, sys->host);
    hl__wb_varint(wb, sys->os_version);
    hl__wb_varint(wb, sys->hleak_version);
    hl__wb_varint(wb, sys->method);
}

/* How the take's types are written: a take sorts them by name, and two
 * of its slots with one name (a system that named two types alike) are
 * one type in the file, whose names are each once. map[t] is slot t's
 * index in the file; the result is how many the file has. */
static size_t map_types(const struct hl_system *sys, size_t *map)
{
    size_t t, n = 0;

    for (t = 0; t < sys->ntypes; t++) {
        if (t != 0 &&
            strcmp(hl_snapshot_str(sys->names, sys->type_names[t - 1]),
                   hl_snapshot_str(sys->names, sys->type_names[t])) != 0)
            n++;
        map[t] = n;
    }
    return sys->ntypes != 0 ? n + 1 : 0;
}

/* One record; merged is scratch for nout counts. */
static void encode_proc(struct hl__wbuf *wb, const struct hl_system *sys,
                        size_t i, const size_t *map, uint64_t *merged,
                        size_t nout)
{
    const struct hl__sys_proc *p = &sys->procs[i];
    const uint32_t *row = sys->counts + i * sys->ntypes;
    int counted = p->handles != HL_SYSTEM_UNKNOWN;
    size_t t, n = 0, next = 0;

    memset(merged, 0, nout * sizeof(*merged));
    for (t = 0; counted && t < sys->ntypes; t++)
        merged[map[t]] += row[t];
    for (t = 0; t < nout; t++)
        n += merged[t] != 0;
    hl__wb_varint(wb, p->pid - (i == 0 ? 0 : sys->procs[i - 1].pid));
    hl__wb_varint(wb, p->start);
    hl__wb_varint(wb, p->image);
    hl__wb_varint(wb, (counted ? SYSP_COUNTED : 0) |
                          (p->gui_known ? SYSP_GUI : 0));
    hl__wb_varint(wb, counted ? p->handles : 0);
    hl__wb_varint(wb, p->reported);
    hl__wb_varint(wb, p->gui_known ? p->gdi : 0);
    hl__wb_varint(wb, p->gui_known ? p->user : 0);
    hl__wb_varint(wb, n);
    for (t = 0; t < nout; t++) {
        if (merged[t] == 0)
            continue;
        hl__wb_varint(wb, t - next);
        hl__wb_varint(wb, merged[t]);
        next = t + 1;
    }
}

static void encode_procs(struct hl__wbuf *wb, const struct hl_system *sys)
{
    size_t *map = hl__calloc(sys->ntypes + 1, sizeof(*map));
    uint64_t *merged = hl__calloc(sys->ntypes + 1, sizeof(*merged));
    size_t i, nout;

    if (map == NULL || merged == NULL) {
        wb->err = HL_ENOMEM;
        goto out;
    }
    nout = map_types(sys, map);
    hl__wb_varint(wb, nout);
    for (i = 0; i < sys->ntypes; i++)
        if (i == 0 || map[i] != map[i - 1])
            hl__wb_varint(wb, sys->type_names[i]);
    hl__wb_varint(wb, sys->nprocs);
    for (i = 0; i < sys->nprocs; i++)
        encode_proc(wb, sys, i, map, merged, nout);
out:
    hl__free(merged);
    hl__free(map);
}

/* The entry of process i in SYSN, whose previous entry was prev's. */
static void encode_named_proc(struct hl__wbuf *wb, const struct hl_system *sys,
                              size_t i, size_t prev, const size_t *map)
{
    const struct hl__sys_proc *p = &sys->procs[i];
    int read = p->names_state == HL_SYSTEM_NAMES_READ;
    size_t k;

    hl__wb_varint(wb, i - prev);
    hl__wb_varint(wb, p->names_state);
    hl__wb_varint(wb, p->names_state == HL_SYSTEM_NAMES_REFUSED
                          ? p->names_why
                          : 0);
    hl__wb_varint(wb, read ? p->names_asked : 0);
    hl__wb_varint(wb, read ? p->name_timeouts : 0);
    hl__wb_varint(wb, read ? p->nnamed : 0);
    for (k = 0; read && k < p->nnamed; k++) {
        const struct hl__sys_name *n = &sys->named[p->named_first + k];

        hl__wb_varint(wb, n->value - (k == 0 ? 0 : n[-1].value));
        hl__wb_varint(wb, map[n->type]);
        hl__wb_varint(wb, n->name);
        hl__wb_varint(wb, n->nt_name);
    }
}

static void encode_names(struct hl__wbuf *wb, const struct hl_system *sys)
{
    size_t *map = hl__calloc(sys->ntypes + 1, sizeof(*map));
    size_t i, n = 0, prev = 0;

    if (map == NULL) {
        wb->err = HL_ENOMEM;
        return;
    }
    map_types(sys, map);
    for (i = 0; i < sys->nprocs; i++)
        n += sys->procs[i].names_state != HL_SYSTEM_NAMES_NONE;
    hl__wb_varint(wb, n);
    for (i = 0; i < sys->nprocs; i++) {
        if (sys->procs[i].names_state == HL_SYSTEM_NAMES_NONE)
            continue;
        /* prev: one past the previous entry's index */
        encode_named_proc(wb, sys, i, prev, map);
        prev = i + 1;
    }
    hl__free(map);
}

int hl__syssnap_encode(const struct hl_system *sys, unsigned char **out,
                       size_t *out_len)
{
    struct hl__wbuf wb = { NULL, 0, 0, 0 };
    size_t at;

    hl__wb_header(&wb, HL_SYSFILE_VERSION);
    at = hl__wb_begin_section(&wb, SNAP_TAG_SYSM);
    encode_take(&wb, sys);
    hl__wb_end_section(&wb, at);
    at = hl__wb_begin_section(&wb, SNAP_TAG_STRS);
    hl__wb_strings(&wb, &sys->names->strings);
    hl__wb_end_section(&wb, at);
    at = hl__wb_begin_section(&wb, SNAP_TAG_SYSP);
    encode_procs(&wb, sys);
    hl__wb_end_section(&wb, at);
    if (sys->flags & HL_SYSTEM_NAMES) {
        at = hl__wb_begin_section(&wb, SNAP_TAG_SYSN);
        encode_names(&wb, sys);
        hl__wb_end_section(&wb, at);
    }
    return hl__wb_finish(&wb, out, out_len);
}

/* ---- decoding ---- */

struct sys_sections {
    struct hl__rbuf sysm, strs, sysp, sysn;
};

static int decode_meta(struct hl__rbuf *rb, struct hl_system *sys,
                       struct hl_snapfile_info *info)
{
    uint32_t nstr = sys->names->strings.count;
    uint64_t flags;

    if (hl__rb_varint(rb, &sys->time) != 0 ||
        hl__rb_varint(rb, &sys->duration_us) != 0 ||
        hl__rb_varint(rb, &flags) != 0 || (flags & ~HL_SYSTEM_GUI) != 0)
        return HL_CORRUPT(info);
    sys->flags = (unsigned)flags;
    if (hl__rb_varint(rb, &flags) != 0 || flags > SIZE_MAX)
        return HL_CORRUPT(info);
    sys->vanished = (size_t)flags;
    if (hl__rb_strid(rb, nstr, &sys->host) != 0 ||
        hl__rb_strid(rb, nstr, &sys->os_version) != 0 ||
        hl__rb_strid(rb, nstr, &sys->hleak_version) != 0 ||
        hl__rb_strid(rb, nstr, &sys->method) != 0)
        return HL_CORRUPT(info);
    /* Bytes after the known fields are a later writer's additions. */
    return 0;
}

/* The type names: non-empty string ids, in strictly increasing order of
 * their strings (so each once), as the diff's merge of two lists needs. */
static int decode_types(struct hl__rbuf *rb, struct hl_system *sys,
                        struct hl_snapfile_info *info)
{
    uint32_t nstr = sys->names->strings.count;
    uint64_t n;
    size_t t;

    if (hl__rb_varint(rb, &n) != 0 || n > (uint64_t)(rb->end - rb->p) ||
        n > SYSP_MAX_TYPES)
        return HL_CORRUPT(info);
    sys->type_names = hl__calloc(n != 0 ? (size_t)n : 1,
                                 sizeof(*sys->type_names));
    if (sys->type_names == NULL)
        return HL_ENOMEM;
    for (t = 0; t < (size_t)n; t++) {
        uint32_t *id = &sys->type_names[t];

        if (hl__rb_strid(rb, nstr, id) != 0 || *id == 0 ||
            (t != 0 && strcmp(hl_snapshot_str(sys->names, id[-1]),
                              hl_snapshot_str(sys->names, *id)) >= 0))
            return HL_CORRUPT(info);
        sys->ntypes = t + 1;
    }
    return 0;
}

/* One record's (type, count) pairs into its row of counts; they must sum
 * to its handles. */
static int decode_pairs(struct hl__rbuf *rb, struct hl_system *sys,
                        size_t i, struct hl_snapfile_info *info)
{
    struct hl__sys_proc *p = &sys->procs[i];
    uint32_t *row = sys->counts + i * sys->ntypes;
    uint64_t n, k, delta, next = 0, sum = 0;
    uint32_t count;

    if (hl__rb_varint(rb, &n) != 0 || n > sys->ntypes ||
        (n != 0 && p->handles == HL_SYSTEM_UNKNOWN) ||
        n > (uint64_t)(rb->end - rb->p) / SYSP_MIN_PAIR)
        return HL_CORRUPT(info);
    for (k = 0; k < n; k++) {
        if (hl__rb_varint(rb, &delta) != 0 || next >= sys->ntypes ||
            delta >= sys->ntypes - next ||
            hl__rb_u32(rb, &count) != 0 || count == 0)
            return HL_CORRUPT(info);
        next += delta;
        row[next++] = count;
        sum += count;
    }
    if (p->handles != HL_SYSTEM_UNKNOWN && sum != p->handles)
        return HL_CORRUPT(info);
    return 0;
}

static int decode_proc(struct hl__rbuf *rb, struct hl_system *sys, size_t i,
                       struct hl_snapfile_info *info)
{
    struct hl__sys_proc *p = &sys->procs[i];
    uint64_t delta, flags, handles;

    if (hl__rb_varint(rb, &delta) != 0 || (i != 0 && delta == 0) ||
        (i != 0 && delta > UINT64_MAX - sys->procs[i - 1].pid) ||
        hl__rb_varint(rb, &p->start) != 0 ||
        hl__rb_strid(rb, sys->names->strings.count, &p->image) != 0 ||
        hl__rb_varint(rb, &flags) != 0 ||
        (flags & ~(uint64_t)(SYSP_COUNTED | SYSP_GUI)) != 0 ||
        hl__rb_varint(rb, &handles) != 0 ||
        (!(flags & SYSP_COUNTED) && handles != 0) ||
        handles == HL_SYSTEM_UNKNOWN ||
        hl__rb_varint(rb, &p->reported) != 0 ||
        hl__rb_u32(rb, &p->gdi) != 0 || hl__rb_u32(rb, &p->user) != 0 ||
        (!(flags & SYSP_GUI) && (p->gdi != 0 || p->user != 0)))
        return HL_CORRUPT(info);
    p->pid = (i == 0 ? 0 : sys->procs[i - 1].pid) + delta;
    p->handles = (flags & SYSP_COUNTED) ? handles : HL_SYSTEM_UNKNOWN;
    p->gui_known = (flags & SYSP_GUI) != 0;
    return decode_pairs(rb, sys, i, info);
}

static int decode_procs(struct hl__rbuf *rb, struct hl_system *sys,
                        struct hl_snapfile_info *info)
{
    size_t i, cap = 0, counts_cap = 0;
    uint64_t n;
    int err;

    if ((err = decode_types(rb, sys, info)) != 0)
        return err;
    if (hl__rb_varint(rb, &n) != 0 ||
        n > (uint64_t)(rb->end - rb->p) / SYSP_MIN_PROC)
        return HL_CORRUPT(info);
    /* Grown record by record: the rows of counts are larger than the
     * records, and memory must follow the records actually read. */
    for (i = 0; i < (size_t)n; i++) {
        if ((err = hl__grow_zeroed((void **)&sys->procs, &cap, i + 1,
                                   sizeof(*sys->procs))) != 0 ||
            (err = hl__grow_zeroed((void **)&sys->counts, &counts_cap,
                                   (i + 1) * sys->ntypes + 1,
                                   sizeof(*sys->counts))) != 0)
            return err;
        if ((err = decode_proc(rb, sys, i, info)) != 0)
            return err;
        sys->nprocs = i + 1;
    }
    if (sys->counts == NULL &&
        (sys->counts = hl__calloc(1, sizeof(*sys->counts))) == NULL)
        return HL_ENOMEM;
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

/* One SYSN entry's names, for process i. */
static int decode_named(struct hl__rbuf *rb, struct hl_system *sys, size_t i,
                        uint64_t n, struct hl_snapfile_info *info)
{
    uint32_t nstr = sys->names->strings.count;
    uint64_t k, delta, type, value = 0;
    uint32_t name, nt_name;
    int err;

    if (n > (uint64_t)(rb->end - rb->p) / SYSN_MIN_NAME)
        return HL_CORRUPT(info);
    for (k = 0; k < n; k++) {
        if (hl__rb_varint(rb, &delta) != 0 || (k != 0 && delta == 0) ||
            delta > UINT64_MAX - value ||
            hl__rb_varint(rb, &type) != 0 || type >= sys->ntypes ||
            hl__rb_strid(rb, nstr, &name) != 0 ||
            hl__rb_strid(rb, nstr, &nt_name) != 0 ||
            (name == 0 && nt_name == 0))
            return HL_CORRUPT(info);
        value += delta;
        err = hl__system_add_name_ids(sys, i, value, (uint32_t)type, name,
                                      nt_name);
        if (err != 0)
            return err == HL_EINVAL ? HL_CORRUPT(info) : err;
    }
    return 0;
}

static int decode_names(struct hl__rbuf *rb, struct hl_system *sys,
                        struct hl_snapfile_info *info)
{
    uint64_t n, k, delta, state, why, asked, timeouts, nnames;
    size_t next = 0;
    int err;

    if (rb->p == NULL)
        return 0;
    sys->flags |= HL_SYSTEM_NAMES;
    if (hl__rb_varint(rb, &n) != 0 ||
        n > (uint64_t)(rb->end - rb->p) / SYSN_MIN_ENTRY)
        return HL_CORRUPT(info);
    for (k = 0; k < n; k++) {
        struct hl__sys_proc *p;

        if (hl__rb_varint(rb, &delta) != 0 || next >= sys->nprocs ||
            delta >= sys->nprocs - next ||
            hl__rb_varint(rb, &state) != 0 ||
            state == HL_SYSTEM_NAMES_NONE ||
            state > HL_SYSTEM_NAMES_EXITED ||
            hl__rb_varint(rb, &why) != 0 ||
            (state == HL_SYSTEM_NAMES_REFUSED
                 ? why < HL_ACCESS_PROTECTED || why >= HL_ACCESS_COUNT
                 : why != 0) ||
            hl__rb_varint(rb, &asked) != 0 ||
            hl__rb_varint(rb, &timeouts) != 0 || timeouts > asked ||
            hl__rb_varint(rb, &nnames) != 0 || nnames > asked ||
            (state != HL_SYSTEM_NAMES_READ && asked != 0))
            return HL_CORRUPT(info);
        next += (size_t)delta;
        p = &sys->procs[next];
        p->names_state = (uint32_t)state;
        p->names_why = (uint32_t)why;
        p->names_asked = asked;
        p->name_timeouts = timeouts;
        if ((err = decode_named(rb, sys, next, nnames, info)) != 0)
            return err;
        next++;
    }
    return rb->p == rb->end ? 0 : HL_CORRUPT(info);
}

static int decode_strings(struct hl__rbuf *rb, struct hl_system *sys,
                          struct hl_snapfile_info *info)
{
    return hl__rb_strings(rb, &sys->names->strings, info);
}

static int decode_into(const unsigned char *buf, size_t len,
                       struct hl_system *sys, struct hl_snapfile_info *info)
{
    struct sys_sections sec;
    const struct {
        struct hl__rbuf *rb;
        int (*decode)(struct hl__rbuf *, struct hl_system *,
                      struct hl_snapfile_info *);
    } steps[] = {
        {&sec.strs, decode_strings},
        {&sec.sysm, decode_meta},
        {&sec.sysp, decode_procs},
        {&sec.sysn, decode_names},
    };
    const struct hl__snap_slot slots[] = {
        {SNAP_TAG_SYSM, &sec.sysm},
        {SNAP_TAG_STRS, &sec.strs},
        {SNAP_TAG_SYSP, &sec.sysp},
        {SNAP_TAG_SYSN, &sec.sysn},
    };
    size_t k;
    int err;

    memset(&sec, 0, sizeof(sec));
    if ((err = hl__snap_sections(buf, len, slots,
                                 sizeof(slots) / sizeof(slots[0]), info)) !=
        0)
        return err;
    if (sec.sysm.p == NULL || sec.strs.p == NULL || sec.sysp.p == NULL)
        return HL_CORRUPT_AT(info, len);
    for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        err = hl__snap_at(steps[k].decode(steps[k].rb, sys, info),
                          steps[k].rb, buf, info);
        if (err != 0)
            return err;
    }
    return 0;
}

int hl__syssnap_decode(const unsigned char *buf, size_t len,
                       struct hl_system **out, struct hl_snapfile_info *info)
{
    struct hl_snapfile_info scratch;
    struct hl_system *sys;
    int err;

    *out = NULL;
    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof(*info));
    if ((err = hl__snap_header(buf, len, info)) != 0)
        return err;
    /* a process snapshot is not an empty system */
    if (info->version != HL_SYSFILE_VERSION)
        return HL_ENOTSNAP;
    if ((err = hl__system_new(&sys)) != 0)
        return err;
    if ((err = decode_into(buf, len, sys, info)) != 0) {
        hl_system_free(sys);
        return err;
    }
    *out = sys;
    return 0;
}

int hl__syssnap_sniff(const unsigned char *buf, size_t len)
{
    return hl__snap_version(buf, len) == HL_SYSFILE_VERSION;
}

/* ---- files ---- */

int hl_system_save(const struct hl_system *sys, const char *path)
{
    unsigned char *buf;
    size_t len;
    int err;

    if (sys == NULL || path == NULL)
        return HL_EINVAL;
    if ((err = hl__syssnap_encode(sys, &buf, &len)) != 0)
        return err;
    err = hl__fs_write_atomic(path, buf, len);
    hl__free(buf);
    return err;
}

int hl__syssnap_read(const char *path, struct hl_system **out,
                     struct hl_snapfile_info *info)
{
    struct hl__fs_map m;
    int err;

    *out = NULL;
    if ((err = hl__fs_map(path, &m)) != 0)
        return err;
    err = hl__syssnap_decode(m.data, m.len, out, info);
    hl__fs_unmap(&m);
    return err;
}

int hl_system_load(const char *path, struct hl_system **out)
{
    if (out == NULL)
        return HL_EINVAL;
    *out = NULL;
    if (path == NULL)
        return HL_EINVAL;
    return hl__syssnap_read(path, out, NULL);
}

const char *hl_system_host(const struct hl_system *sys)
{
    return hl_snapshot_str(sys->names, sys->host);
}
