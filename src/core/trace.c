/*
** PROCESS_HANDLE_TRACING_QUERY (NtQueryInformationProcess class 32), in
** both layouts. The offsets (phnt @7e09744 ntpsapi.h, laid out by the
** LLP64 and ILP32 rules; checked against src/win/nt.h's _Static_asserts
** when built for Windows):
**
**   Header                  x64    x86
**   Handle (HANDLE, in)     0x00   0x00
**   TotalTraces (ULONG)     0x08   0x04
**   HandleTrace[]           0x10   0x08
**
**   Entry (0xA0 / 0x50)     x64    x86
**   Handle (HANDLE)         0x00   0x00
**   ClientId.UniqueProcess  0x08   0x04
**   ClientId.UniqueThread   0x10   0x08
**   Type (ULONG)            0x18   0x0C
**   Stacks[16] (PVOID)      0x20   0x10
**
** Every read is little-endian and checked against the buffer's end.
*/
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#include "core-int.h"

/* The lowest kernel-mode address for a pointer size. x64: the canonical
 * upper half starts far above the user range (0x7FFF'FFFEFFFF); x86: 2 GiB
 * (a /3GB boot moves it up, so a few kernel frames could pass there, which
 * costs a wrong frame at worst). */
#define KERNEL_START_64 0x0000800000000000ull
#define KERNEL_START_32 0x80000000ull

size_t hl_trace_header_size(unsigned ptr_size)
{
    return ptr_size == 8 ? 0x10 : ptr_size == 4 ? 0x08 : 0;
}

size_t hl_trace_entry_size(unsigned ptr_size)
{
    return ptr_size == 8 ? 0xA0 : ptr_size == 4 ? 0x50 : 0;
}

static uint64_t get_ptr(const unsigned char *p, unsigned ptr_size)
{
    return ptr_size == 8 ? hl__get_le64(p) : hl__get_le32(p);
}

static void parse_entry(const unsigned char *p, unsigned ps,
                        struct hl_trace_entry *e)
{
    uint64_t kernel = ps == 8 ? KERNEL_START_64 : KERNEL_START_32;
    const unsigned char *stacks = p + (ps == 8 ? 0x20 : 0x10);
    unsigned k;

    memset(e, 0, sizeof(*e));
    e->handle = get_ptr(p, ps);
    e->pid = get_ptr(p + ps, ps);
    e->tid = get_ptr(p + 2 * ps, ps);
    e->type = hl__get_le32(p + 3 * ps);
    /* The kernel pads with zeros after the last frame; kernel frames come
     * first (innermost) and mean nothing to the target's modules. */
    for (k = 0; k < HL_TRACE_FRAMES; k++) {
        uint64_t a = get_ptr(stacks + (size_t)k * ps, ps);

        if (a == 0)
            break;
        if (a >= kernel)
            continue;
        e->frames[e->depth++] = a;
    }
}

int hl_trace_parse(const void *buf, size_t len, unsigned ptr_size,
                   struct hl_trace_entry **out, size_t *count,
                   int *truncated)
{
    const unsigned char *p = buf;
    size_t hdr = hl_trace_header_size(ptr_size);
    size_t esz = hl_trace_entry_size(ptr_size);
    struct hl_trace_entry *e = NULL;
    uint32_t total;
    size_t n, i;

    if (hdr == 0 || (buf == NULL && len != 0))
        return HL_EINVAL;
    if (len < hdr)
        return HL_ETRUNC;
    total = hl__get_le32(p + ptr_size);
    /* Only what lies in the buffer: TotalTraces counts every match, also
     * those the kernel had no room to write. */
    n = (len - hdr) / esz;
    if (n > total)
        n = total;
    if (n != 0) {
        e = hl__calloc(n, sizeof(*e));
        if (e == NULL)
            return HL_ENOMEM;
    }
    for (i = 0; i < n; i++)
        parse_entry(p + hdr + i * esz, ptr_size, &e[i]);
    *out = e;
    *count = n;
    *truncated = total > n;
    return 0;
}

void hl_trace_free(struct hl_trace_entry *entries)
{
    hl__free(entries);
}

/* A handle value and its index in the snapshot, sorted by value. */
struct vidx {
    uint32_t value;
    uint32_t decided; /* 1 once its newest open or close was seen */
    size_t index;
};

static int vidx_cmp(const void *a, const void *b)
{
    const struct vidx *x = a, *y = b;

    return hl__cmp_pair(x->value, x->index, y->value, y->index);
}

static uint64_t vidx_value(const void *elem)
{
    return ((const struct vidx *)elem)->value;
}

/* The first element whose value is v, or NULL. */
static struct vidx *vidx_find(struct vidx *v, size_t n, uint64_t value)
{
    size_t lo;

    if (value > UINT32_MAX)
        return NULL;
    lo = hl__lower_bound(v, n, sizeof(*v), value, vidx_value);
    return lo < n && v[lo].value == value ? &v[lo] : NULL;
}

int hl_trace_apply(struct hl_snapshot *s, const struct hl_trace_entry *e,
                   size_t count, struct hl_trace_stats *stats)
{
    struct hl_trace_stats st;
    struct vidx *v = NULL;
    size_t i;
    int err = 0;

    memset(&st, 0, sizeof(st));
    st.records = count;
    if (s->count != 0) {
        v = hl__calloc(s->count, sizeof(*v));
        if (v == NULL)
            return HL_ENOMEM;
    }
    for (i = 0; i < s->count; i++) {
        v[i].value = s->handles[i].value;
        v[i].index = i;
    }
    if (s->count != 0)
        qsort(v, s->count, sizeof(*v), vidx_cmp);

    /* Newest first: the first OPEN or CLOSE of a value decides it. */
    for (i = 0; i < count && err == 0; i++) {
        struct vidx *x;
        uint32_t stack;

        if (e[i].pid != s->pid) {
            st.foreign++;
            continue;
        }
        if (e[i].type != HL_TRACE_OPEN && e[i].type != HL_TRACE_CLOSE)
            continue;
        x = vidx_find(v, s->count, e[i].handle);
        /* A duplicate value (a hand-made file) shares the decision. */
        for (; x != NULL && x < v + s->count &&
               x->value == (uint32_t)e[i].handle;
             x++) {
            if (x->decided)
                continue;
            x->decided = 1;
            if (e[i].type == HL_TRACE_CLOSE) {
                st.closed++;
                continue;
            }
            if (e[i].depth == 0) {
                st.zeroed++;
                continue;
            }
            if (hl_snapshot_handle_stack(s, x->index) != NULL)
                continue;
            err = hl_snapshot_add_stack(s, (uint32_t)e[i].tid, e[i].frames,
                                        e[i].depth, &stack);
            if (err == 0)
                err = hl_snapshot_set_handle_stack(s, x->index, stack);
            if (err == 0)
                st.matched++;
        }
    }
    for (i = 0; i < s->count; i++)
        st.untraced += !v[i].decided;
    hl__free(v);
    if (err == 0 && stats != NULL)
        *stats = st;
    return err;
}
