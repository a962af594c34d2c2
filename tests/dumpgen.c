#include "dumpgen.h"

#include <stdlib.h>
#include <string.h>

/* Stream type numbers, from MINIDUMP_STREAM_TYPE. */
enum {
    DG_MODULE_LIST = 4,
    DG_SYSTEM_INFO = 7,
    DG_HANDLE_DATA = 12,
    DG_MISC_INFO = 15,
    DG_HANDLE_OPERATION_LIST = 18
};

struct gbuf {
    unsigned char *p;
    size_t len, cap;
    int failed;
};

static size_t g_reserve(struct gbuf *g, size_t n)
{
    size_t at = g->len;

    if (g->len + n > g->cap) {
        size_t cap = g->cap ? g->cap : 256;
        unsigned char *q;

        while (cap < g->len + n)
            cap *= 2;
        q = realloc(g->p, cap);
        if (q == NULL) {
            g->failed = 1;
            return 0;
        }
        g->p = q;
        g->cap = cap;
    }
    memset(g->p + g->len, 0, n);
    g->len += n;
    return at;
}

static void set16(struct gbuf *g, size_t at, uint16_t v)
{
    if (g->failed)
        return;
    g->p[at] = (unsigned char)v;
    g->p[at + 1] = (unsigned char)(v >> 8);
}

static void set32(struct gbuf *g, size_t at, uint32_t v)
{
    set16(g, at, (uint16_t)v);
    set16(g, at + 2, (uint16_t)(v >> 16));
}

static void set64(struct gbuf *g, size_t at, uint64_t v)
{
    set32(g, at, (uint32_t)v);
    set32(g, at + 4, (uint32_t)(v >> 32));
}

/* Decodes one UTF-8 character (the test inputs are valid). */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = *p++;

    if (c >= 0xf0) {
        c = ((c & 7) << 18) | ((p[0] & 63u) << 12) | ((p[1] & 63u) << 6) |
            (p[2] & 63u);
        p += 3;
    } else if (c >= 0xe0) {
        c = ((c & 15) << 12) | ((p[0] & 63u) << 6) | (p[1] & 63u);
        p += 2;
    } else if (c >= 0xc0) {
        c = ((c & 31) << 6) | (p[0] & 63u);
        p += 1;
    }
    *s = p;
    return c;
}

/* Appends a MINIDUMP_STRING (length, UTF-16LE, a 2-byte terminator);
 * returns its RVA, 0 for "no string". */
static uint32_t put_str(struct gbuf *g, const struct dg_str *s)
{
    uint16_t units[1024];
    size_t n = 0, at, i, nbytes;
    const unsigned char *p;

    if (s->utf8 == NULL && s->units == NULL)
        return 0;
    if (s->units != NULL) {
        n = s->nunits;
        memcpy(units, s->units, n * 2);
    } else {
        for (p = (const unsigned char *)s->utf8; *p != '\0';) {
            uint32_t c = next_cp(&p);

            if (c >= 0x10000) {
                units[n++] = (uint16_t)(0xd800 + ((c - 0x10000) >> 10));
                units[n++] = (uint16_t)(0xdc00 + ((c - 0x10000) & 0x3ff));
            } else {
                units[n++] = (uint16_t)c;
            }
        }
    }
    nbytes = n * 2 + (s->odd_byte ? 1 : 0);
    at = g_reserve(g, 4 + nbytes + 2);
    set32(g, at, (uint32_t)nbytes);
    for (i = 0; i < n; i++)
        set16(g, at + 4 + 2 * i, units[i]);
    if (s->odd_byte && !g->failed)
        g->p[at + 4 + 2 * n] = 'x';
    return (uint32_t)at;
}

int dg_build(const struct dg_dump *d, unsigned char **out, size_t *len,
             struct dg_layout *layout)
{
    struct gbuf g = {NULL, 0, 0, 0};
    struct dg_layout lay;
    uint32_t types[5], nstreams = 0, k;
    size_t dir, at, i, j;

    memset(&lay, 0, sizeof(lay));
    if (d->with_sysinfo)
        types[nstreams++] = DG_SYSTEM_INFO;
    if (d->with_misc)
        types[nstreams++] = DG_MISC_INFO;
    if (d->nmodules != 0)
        types[nstreams++] = DG_MODULE_LIST;
    if (d->desc_size != 0)
        types[nstreams++] = DG_HANDLE_DATA;
    if (d->with_ops)
        types[nstreams++] = DG_HANDLE_OPERATION_LIST;

    /* MINIDUMP_HEADER */
    g_reserve(&g, 32);
    set32(&g, 0, 0x504d444d);
    set32(&g, 4, 0xa793 | (0x0a << 16));
    set32(&g, 8, nstreams);
    set32(&g, 12, 32);
    set32(&g, 20, d->time);
    set64(&g, 24, 0x4 /* MiniDumpWithHandleData */);
    dir = g_reserve(&g, 12 * (size_t)nstreams);
    lay.dir_rva = (uint32_t)dir;
    lay.nstreams = nstreams;

    for (k = 0; k < nstreams; k++) {
        size_t start = g.len;

        switch (types[k]) {
        case DG_SYSTEM_INFO:
            at = g_reserve(&g, 56);
            set16(&g, at, 9); /* PROCESSOR_ARCHITECTURE_AMD64 */
            set32(&g, at + 8, d->major);
            set32(&g, at + 12, d->minor);
            set32(&g, at + 16, d->build);
            set32(&g, at + 20, 2); /* VER_PLATFORM_WIN32_NT */
            break;
        case DG_MISC_INFO:
            at = g_reserve(&g, 24);
            lay.misc_rva = (uint32_t)at;
            set32(&g, at, 24);
            set32(&g, at + 4, 3);
            set32(&g, at + 8, d->pid);
            set32(&g, at + 12, d->create_time);
            break;
        case DG_MODULE_LIST: {
            size_t first = d->pad_module_count ? 8 : 4;

            at = g_reserve(&g, first + 108 * d->nmodules);
            lay.modules_rva = (uint32_t)at;
            set32(&g, at, (uint32_t)d->nmodules);
            for (i = 0; i < d->nmodules; i++) {
                size_t m = at + first + 108 * i;

                set64(&g, m, d->modules[i].base);
                set32(&g, m + 8, d->modules[i].size);
                set32(&g, m + 16, d->modules[i].timestamp);
            }
            break;
        }
        case DG_HANDLE_DATA:
            at = g_reserve(&g, 16 + d->desc_size * d->nhandles);
            lay.handles_rva = (uint32_t)at;
            lay.first_desc = (uint32_t)(at + 16);
            set32(&g, at, 16);
            set32(&g, at + 4, d->desc_size);
            set32(&g, at + 8, (uint32_t)d->nhandles);
            for (i = 0; i < d->nhandles; i++) {
                const struct dg_handle *h = &d->handles[i];
                size_t e = at + 16 + d->desc_size * i;

                set64(&g, e, h->value);
                set32(&g, e + 16, h->attributes);
                set32(&g, e + 20, h->access);
                set32(&g, e + 24, h->handle_count);
                set32(&g, e + 28, h->pointer_count);
            }
            break;
        case DG_HANDLE_OPERATION_LIST:
            at = g_reserve(&g, 16 + 288 * d->nops);
            lay.ops_rva = (uint32_t)at;
            set32(&g, at, 16);
            set32(&g, at + 4, 288);
            set32(&g, at + 8, (uint32_t)d->nops);
            for (i = 0; i < d->nops; i++) {
                const struct dg_op *o = &d->ops[i];
                size_t e = at + 16 + 288 * i;

                set64(&g, e, o->handle);
                set32(&g, e + 8, o->pid);
                set32(&g, e + 12, o->tid);
                set32(&g, e + 16, o->type);
                set32(&g, e + 24, o->depth);
                set32(&g, e + 28, (uint32_t)i);
                for (j = 0; j < 32; j++)
                    set64(&g, e + 32 + 8 * j, o->frames[j]);
            }
            break;
        }
        set32(&g, dir + 12 * k, types[k]);
        set32(&g, dir + 12 * k + 4, (uint32_t)(g.len - start));
        set32(&g, dir + 12 * k + 8, (uint32_t)start);
    }

    /* The strings and object information, after the streams, as dbghelp
     * lays them out; RVAs patched into the records above. */
    for (i = 0; i < d->nmodules && lay.modules_rva != 0; i++) {
        struct dg_str s = {d->modules[i].name, NULL, 0, 0};
        size_t m = lay.modules_rva + (d->pad_module_count ? 8 : 4) + 108 * i;

        set32(&g, m + 20, put_str(&g, &s));
    }
    for (i = 0; i < d->nhandles && d->desc_size != 0; i++) {
        const struct dg_handle *h = &d->handles[i];
        size_t e = lay.first_desc + d->desc_size * i;
        uint32_t prev = 0, first = 0, type_rva;

        type_rva = put_str(&g, &h->type);
        set32(&g, e + 8, type_rva);
        set32(&g, e + 12, put_str(&g, &h->name));
        if (i == 0)
            lay.first_type = type_rva;
        if (d->desc_size < 40)
            continue;
        for (j = 0; j < h->ninfos; j++) {
            at = g_reserve(&g, 12 + h->infos[j].size);
            set32(&g, at + 4, h->infos[j].type);
            set32(&g, at + 8, h->infos[j].size);
            if (h->infos[j].size != 0 && !g.failed)
                memcpy(g.p + at + 12, h->infos[j].data, h->infos[j].size);
            if (prev != 0)
                set32(&g, prev, (uint32_t)at);
            else
                first = (uint32_t)at;
            prev = (uint32_t)at;
        }
        if (i == 0 && d->info_loop && prev != 0)
            set32(&g, prev, first);
        if (i == 0)
            lay.first_info = first;
        set32(&g, e + 32, first);
    }
    if (g.failed) {
        free(g.p);
        return -1;
    }
    if (layout != NULL)
        *layout = lay;
    *out = g.p;
    *len = g.len;
    return 0;
}

/* ---- the sample dumps ---- */

#define LEAKY_EXE 0x7ff6a0000000ull
#define KERNELBASE 0x7ffb10000000ull
#define NTDLL 0x7ffb20000000ull

static const struct dg_module sample_modules[] = {
    {"C:\\Program Files\\Leaky\\leaky.exe", LEAKY_EXE, 0x20000, 0x65000000},
    {"C:\\Windows\\System32\\KERNELBASE.dll", KERNELBASE, 0x2c0000,
     0x12345678},
    {"C:\\Windows\\System32\\ntdll.dll", NTDLL, 0x1f8000, 0x23456789},
};

static const unsigned char info_event[8] = {1, 0, 0, 0, 1, 0, 0, 0};
static const unsigned char info_thread[48] = {
    0, 0, 0, 0, 0, 0, 0, 0,                   /* ExitStatus, padding */
    0, 0x10, 0x5a, 0xe1, 0xf6, 0x7f, 0, 0,    /* TebBaseAddress */
    0x1e, 0x14, 0, 0, 0, 0, 0, 0,             /* UniqueProcess 5150 */
    7, 0, 0, 0, 0, 0, 0, 0,                   /* UniqueThread 7 */
    0xff, 0, 0, 0, 0, 0, 0, 0,                /* AffinityMask */
    8, 0, 0, 0, 8, 0, 0, 0};                  /* Priority, BasePriority */
static const unsigned char info_mutant1[8] = {0, 0, 0, 0, 1, 0, 0, 0};
static const unsigned char info_mutant2[16] = {
    0x1e, 0x14, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0};
static const unsigned char info_semaphore[8] = {2, 0, 0, 0, 10, 0, 0, 0};
static const unsigned char info_section[24] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0,
    0, 0x10, 0, 0, 0, 0, 0, 0};
static const unsigned char info_process[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static const struct dg_info infos_event[] = {{6, info_event, 8}};
static const struct dg_info infos_thread[] = {{1, info_thread, 48}};
static const struct dg_info infos_mutant[] = {{2, info_mutant1, 8},
                                              {3, info_mutant2, 16}};
static const struct dg_info infos_semaphore[] = {{8, info_semaphore, 8}};
static const struct dg_info infos_section[] = {{7, info_section, 24}};
static const struct dg_info infos_process[] = {{4, info_process, 8}};

#define S(x) {x, NULL, 0, 0}
#define NOSTR {NULL, NULL, 0, 0}

/* Deliberately not in handle order: the reader sorts. */
static const struct dg_handle sample1_handles[] = {
    {0x24, S("Process"), NOSTR, 0, 0x1fffff, 3, 98000, infos_process, 1},
    {0x4, S("Event"), NOSTR, 0, 0x1f0003, 1, 32769, infos_event, 1},
    {0x8, S("File"), S("\\Device\\HarddiskVolume3\\Users\\dev\\leaky.log"),
     0, 0x120196, 1, 32769, NULL, 0},
    {0xc, S("Key"), S("\\REGISTRY\\MACHINE\\SOFTWARE\\Leaky"), 2, 0x20019,
     1, 1, NULL, 0},
    {0x10, S("Thread"), NOSTR, 0, 0x1fffff, 2, 65536, infos_thread, 1},
    {0x14, S("Mutant"), S("\\Sessions\\1\\BaseNamedObjects\\leaky-mutex"),
     0, 0x1f0001, 1, 32770, infos_mutant, 2},
    {0x18, S("Event"),
     S("\\Sessions\\1\\BaseNamedObjects\\D\xc3\xa9mo-\xf0\x9f\x98\x80"), 0,
     0x1f0003, 2, 65537, NULL, 0},
    {0x1c, S("Semaphore"), NOSTR, 0, 0x1f0003, 1, 32769, infos_semaphore, 1},
    {0x20, S("Section"), NOSTR, 0, 0xf001f, 1, 32769, infos_section, 1},
};

static const struct dg_handle sample2_extra[] = {
    {0x28, S("Event"), NOSTR, 0, 0x1f0003, 1, 32769, infos_event, 1},
    {0x2c, S("Event"), NOSTR, 0, 0x1f0003, 1, 32769, infos_event, 1},
    {0x30, S("Event"), NOSTR, 0, 0x1f0003, 1, 32769, infos_event, 1},
    {0x34, S("File"), S("\\Device\\HarddiskVolume3\\Users\\dev\\leaky-2.log"),
     0, 0x120196, 1, 32769, NULL, 0},
};

/* Newest first, as the kernel's trace database answers. */
static const struct dg_op sample1_ops[] = {
    {0x20, 5150, 7, 1, 3,
     {NTDLL + 0x9d4a4, KERNELBASE + 0x3a1b0, LEAKY_EXE + 0x1234}},
    {0x4, 5150, 7, 1, 2, {LEAKY_EXE + 0x1500, LEAKY_EXE + 0x1010}},
    {0x4, 5150, 7, 2, 1, {LEAKY_EXE + 0x1600}},
    {0x4, 5150, 9, 1, 1, {LEAKY_EXE + 0x1700}},
    {0x99, 5150, 7, 3, 1, {LEAKY_EXE + 0x1800}},
    {0x8, 5150, 7, 2, 1, {LEAKY_EXE + 0x1900}},
    {0x8, 5150, 7, 1, 1, {LEAKY_EXE + 0x1a00}},
    {0x18, 5150, 8, 1, 2, {0x12345678, LEAKY_EXE + 0x2000}},
};

static const struct dg_op sample2_new_ops[] = {
    {0x34, 5150, 7, 1, 2, {KERNELBASE + 0x1000, LEAKY_EXE + 0x1500}},
    {0x30, 5150, 7, 1, 1, {LEAKY_EXE + 0x1500}},
    {0x2c, 5150, 7, 1, 1, {LEAKY_EXE + 0x1500}},
    {0x28, 5150, 7, 1, 1, {LEAKY_EXE + 0x1500}},
    {0xc, 5150, 7, 2, 1, {LEAKY_EXE + 0x1c00}},
};

static const char *const sample_names[] = {
    "leaky-1.dmp", "leaky-2.dmp", "nohandles.dmp"};

const char *dg_sample_name(int variant)
{
    if (variant < 0 || variant >= 3)
        return NULL;
    return sample_names[variant];
}

static void sample_base(struct dg_dump *d)
{
    memset(d, 0, sizeof(*d));
    d->time = 1700000600;
    d->with_misc = 1;
    d->pid = 5150;
    d->create_time = 1700000000;
    d->with_sysinfo = 1;
    d->major = 10;
    d->build = 19045;
    d->modules = sample_modules;
    d->nmodules = 3;
}

int dg_sample(int variant, unsigned char **out, size_t *len)
{
    struct dg_handle handles[16];
    struct dg_op ops[16];
    struct dg_dump d;
    size_t n = 0, i;

    sample_base(&d);
    if (variant == 2)
        return dg_build(&d, out, len, NULL);
    d.desc_size = 40;
    d.with_ops = 1;
    if (variant == 0) {
        d.handles = sample1_handles;
        d.nhandles = sizeof(sample1_handles) / sizeof(sample1_handles[0]);
        d.ops = sample1_ops;
        d.nops = sizeof(sample1_ops) / sizeof(sample1_ops[0]);
        return dg_build(&d, out, len, NULL);
    }
    if (variant != 1)
        return -1;
    /* Ten minutes later: the Key closed, three events and a file more. */
    for (i = 0; i < sizeof(sample1_handles) / sizeof(sample1_handles[0]);
         i++) {
        if (sample1_handles[i].value != 0xc)
            handles[n++] = sample1_handles[i];
    }
    for (i = 0; i < sizeof(sample2_extra) / sizeof(sample2_extra[0]); i++)
        handles[n++] = sample2_extra[i];
    d.handles = handles;
    d.nhandles = n;
    n = 0;
    for (i = 0; i < sizeof(sample2_new_ops) / sizeof(sample2_new_ops[0]);
         i++)
        ops[n++] = sample2_new_ops[i];
    for (i = 0; i < sizeof(sample1_ops) / sizeof(sample1_ops[0]); i++)
        ops[n++] = sample1_ops[i];
    d.ops = ops;
    d.nops = n;
    d.time += 600;
    return dg_build(&d, out, len, NULL);
}
