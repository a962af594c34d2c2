#include "ntbytes.h"

#include <string.h>

/*
 * The two layouts, field by field, from the documented definitions (phnt
 * @7e09744 ntexapi.h SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX, ntpsapi.h
 * PROCESS_HANDLE_TABLE_ENTRY_INFO and PROCESS_HANDLE_TRACING_*,
 * ntobapi.h OBJECT_TYPE_INFORMATION) laid out by the LLP64 / ILP32 rules:
 * a field at the next multiple of its own size, a structure padded to its
 * largest member. Geoff Chappell's pages on the handle table entries
 * (sysinfo/handle_table_entry_ex.htm) and object types
 * (ob/obquery/type.htm) give the same offsets.
 */
const struct ntb_layout ntb_x64 = {
    .name = "x64",
    .ptr = 8,
    .sys_handles = 0x10,
    .sys_entry = 0x28,
    .sys_object = 0x00,
    .sys_pid = 0x08,
    .sys_value = 0x10,
    .sys_access = 0x18,
    .sys_backtrace = 0x1C,
    .sys_type = 0x1E,
    .sys_attrs = 0x20,
    .proc_handles = 0x10,
    .proc_entry = 0x28,
    .proc_value = 0x00,
    .proc_hcount = 0x08,
    .proc_pcount = 0x10,
    .proc_access = 0x18,
    .proc_type = 0x1C,
    .proc_attrs = 0x20,
    .us_length = 0x00,
    .us_max = 0x02,
    .us_buffer = 0x08,
    .us_size = 0x10,
    .types_first = 0x08,
    .type_align = 8,
    .type_size = 0x68,
    .type_objects = 0x10,
    .type_invalid = 0x40,
    .type_mapping = 0x44,
    .type_valid_access = 0x54,
    .type_security = 0x58,
    .type_maintain = 0x59,
    .type_index = 0x5A,
    .type_pool = 0x5C,
    .trq_total = 0x08,
    .trq_traces = 0x10,
    .tre_size = 0xA0,
    .tre_pid = 0x08,
    .tre_tid = 0x10,
    .tre_type = 0x18,
    .tre_stacks = 0x20,
};

const struct ntb_layout ntb_x86 = {
    .name = "x86",
    .ptr = 4,
    .sys_handles = 0x08,
    .sys_entry = 0x1C,
    .sys_object = 0x00,
    .sys_pid = 0x04,
    .sys_value = 0x08,
    .sys_access = 0x0C,
    .sys_backtrace = 0x10,
    .sys_type = 0x12,
    .sys_attrs = 0x14,
    .proc_handles = 0x08,
    .proc_entry = 0x1C,
    .proc_value = 0x00,
    .proc_hcount = 0x04,
    .proc_pcount = 0x08,
    .proc_access = 0x0C,
    .proc_type = 0x10,
    .proc_attrs = 0x14,
    .us_length = 0x00,
    .us_max = 0x02,
    .us_buffer = 0x04,
    .us_size = 0x08,
    .types_first = 0x04,
    .type_align = 4,
    .type_size = 0x60,
    .type_objects = 0x08,
    .type_invalid = 0x38,
    .type_mapping = 0x3C,
    .type_valid_access = 0x4C,
    .type_security = 0x50,
    .type_maintain = 0x51,
    .type_index = 0x52,
    .type_pool = 0x54,
    .trq_total = 0x04,
    .trq_traces = 0x08,
    .tre_size = 0x50,
    .tre_pid = 0x04,
    .tre_tid = 0x08,
    .tre_type = 0x0C,
    .tre_stacks = 0x10,
};

const struct ntb_layout *ntb_native(void)
{
#if UINTPTR_MAX > 0xFFFFFFFFu
    return &ntb_x64;
#else
    return &ntb_x86;
#endif
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}

void ntb_put_ptr(const struct ntb_layout *l, unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    if (l->ptr == 8)
        put32(p + 4, (uint32_t)(v >> 32));
}

uint64_t ntb_get_ptr(const struct ntb_layout *l, const unsigned char *p)
{
    uint64_t v = get32(p);

    if (l->ptr == 8)
        v |= (uint64_t)get32(p + 4) << 32;
    return v;
}

size_t ntb_sys_size(const struct ntb_layout *l, size_t n)
{
    return l->sys_handles + n * l->sys_entry;
}

void ntb_sys_header(const struct ntb_layout *l, unsigned char *buf,
                    uint64_t n)
{
    memset(buf, 0, l->sys_handles);
    ntb_put_ptr(l, buf, n);
}

void ntb_sys_entry(const struct ntb_layout *l, unsigned char *buf, size_t i,
                   const struct ntb_handle *h)
{
    unsigned char *e = buf + ntb_sys_size(l, i);

    memset(e, 0, l->sys_entry);
    ntb_put_ptr(l, e + l->sys_object, h->object);
    ntb_put_ptr(l, e + l->sys_pid, h->pid);
    ntb_put_ptr(l, e + l->sys_value, h->value);
    put32(e + l->sys_access, h->access);
    put16(e + l->sys_backtrace, NTB_BACKTRACE_MARK);
    put16(e + l->sys_type, h->type);
    put32(e + l->sys_attrs, h->attrs);
}

void ntb_sys_read(const struct ntb_layout *l, const unsigned char *buf,
                  size_t i, struct ntb_handle *h)
{
    const unsigned char *e = buf + ntb_sys_size(l, i);

    memset(h, 0, sizeof(*h));
    h->object = ntb_get_ptr(l, e + l->sys_object);
    h->pid = ntb_get_ptr(l, e + l->sys_pid);
    h->value = ntb_get_ptr(l, e + l->sys_value);
    h->access = get32(e + l->sys_access);
    h->type = get16(e + l->sys_type);
    h->attrs = get32(e + l->sys_attrs);
}

size_t ntb_proc_size(const struct ntb_layout *l, size_t n)
{
    return l->proc_handles + n * l->proc_entry;
}

void ntb_proc_header(const struct ntb_layout *l, unsigned char *buf,
                     uint64_t n)
{
    memset(buf, 0, l->proc_handles);
    ntb_put_ptr(l, buf, n);
}

void ntb_proc_entry(const struct ntb_layout *l, unsigned char *buf,
                    size_t i, const struct ntb_handle *h)
{
    unsigned char *e = buf + ntb_proc_size(l, i);

    memset(e, 0, l->proc_entry);
    ntb_put_ptr(l, e + l->proc_value, h->value);
    ntb_put_ptr(l, e + l->proc_hcount, h->handle_count);
    ntb_put_ptr(l, e + l->proc_pcount, h->pointer_count);
    put32(e + l->proc_access, h->access);
    put32(e + l->proc_type, h->type); /* a ULONG here, not a USHORT */
    put32(e + l->proc_attrs, h->attrs);
}

void ntb_put_us(const struct ntb_layout *l, unsigned char *p, uint16_t len,
                uint16_t max, uint64_t addr)
{
    memset(p, 0, l->us_size);
    put16(p + l->us_length, len);
    put16(p + l->us_max, max);
    ntb_put_ptr(l, p + l->us_buffer, addr);
}

void ntb_get_us(const struct ntb_layout *l, const unsigned char *p,
                uint16_t *len, uint16_t *max, uint64_t *addr)
{
    *len = get16(p + l->us_length);
    *max = get16(p + l->us_max);
    *addr = ntb_get_ptr(l, p + l->us_buffer);
}

void ntb_put_utf16(unsigned char *p, const uint16_t *w, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        put16(p + 2 * i, w[i]);
}

size_t ntb_name_info(const struct ntb_layout *l, unsigned char *buf,
                     size_t cap, uint64_t base, const uint16_t *name,
                     size_t n, size_t gap)
{
    size_t at = l->us_size + gap;
    size_t need = at + 2 * n + 2;

    if (cap < need)
        return need;
    ntb_put_us(l, buf, (uint16_t)(2 * n), (uint16_t)(2 * n + 2),
               n == 0 ? 0 : base + at);
    memset(buf + l->us_size, 0xCC, gap);
    ntb_put_utf16(buf + at, name, n);
    put16(buf + at + 2 * n, 0);
    return need;
}

void ntb_types_header(const struct ntb_layout *l, unsigned char *buf,
                      uint32_t count)
{
    memset(buf, 0xCC, l->types_first);
    put32(buf, count);
}

size_t ntb_type_span(const struct ntb_layout *l, uint16_t max)
{
    return l->type_size +
           ((max + l->type_align - 1) / l->type_align) * l->type_align;
}

size_t ntb_type_entry(const struct ntb_layout *l, unsigned char *buf,
                      size_t off, uint64_t base, const uint16_t *name,
                      size_t n, uint16_t max, uint8_t type_index,
                      int bad_pointer)
{
    unsigned char *e = buf + off;
    size_t span = ntb_type_span(l, max);
    size_t k;

    memset(e, 0, span);
    ntb_put_us(l, e, (uint16_t)(2 * n), max,
               bad_pointer ? 0x10 : base + off + l->type_size);
    /* TotalNumberOfObjects ... HighWaterHandleTableUsage */
    for (k = 0; k < 12; k++)
        put32(e + l->type_objects + 4 * k, 0x01000000u + (uint32_t)k);
    put32(e + l->type_invalid, 0x00000100u);
    for (k = 0; k < 4; k++)
        put32(e + l->type_mapping + 4 * k, 0x80000000u >> k);
    put32(e + l->type_valid_access, 0x001F0003u);
    e[l->type_security] = 1;
    e[l->type_maintain] = 1;
    e[l->type_index] = type_index;
    e[l->type_index + 1] = 0xEE; /* ReservedByte */
    put32(e + l->type_pool, 1);  /* PagedPool */
    put32(e + l->type_pool + 4, 0x40);
    put32(e + l->type_pool + 8, 0x80);
    ntb_put_utf16(e + l->type_size, name, n);
    return off + span;
}

size_t ntb_trace_size(const struct ntb_layout *l, size_t n)
{
    return l->trq_traces + n * l->tre_size;
}

void ntb_trace_header(const struct ntb_layout *l, unsigned char *buf,
                      uint64_t handle, uint32_t total)
{
    memset(buf, 0, l->trq_traces);
    ntb_put_ptr(l, buf, handle);
    put32(buf + l->trq_total, total);
}

void ntb_trace_entry(const struct ntb_layout *l, unsigned char *buf,
                     size_t i, uint64_t handle, uint64_t pid, uint64_t tid,
                     uint32_t type, const uint64_t *stacks, size_t nstacks)
{
    unsigned char *e = buf + ntb_trace_size(l, i);
    size_t k;

    memset(e, 0, l->tre_size);
    ntb_put_ptr(l, e, handle);
    ntb_put_ptr(l, e + l->tre_pid, pid);
    ntb_put_ptr(l, e + l->tre_tid, tid);
    put32(e + l->tre_type, type);
    for (k = 0; k < nstacks && k < 16; k++)
        ntb_put_ptr(l, e + l->tre_stacks + k * l->ptr, stacks[k]);
}
