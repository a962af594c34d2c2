#ifndef HLEAK_TESTS_NTBYTES_H
#define HLEAK_TESTS_NTBYTES_H

/*
 * The answers of the NT queries hleak parses, written as bytes: each field
 * at the offset the Windows 10/11 layouts document (phnt ntexapi.h,
 * ntpsapi.h, ntobapi.h; Geoff Chappell's sysinfo and ob/obquery pages),
 * little-endian, for x64 and for x86. Nothing here comes from
 * src/win/nt.h: a wrong offset there makes the collector misread these
 * bytes, and the tests that feed them through the call table fail.
 * Portable C (no windows.h), so both layouts are checked on any host
 * (tests/test-ntbytes.c).
 */

#include <stddef.h>
#include <stdint.h>

/* Offsets and sizes in bytes. Mutable copies let a test move one field
 * and watch the collector's answer go wrong. */
struct ntb_layout {
    const char *name; /* "x64" or "x86" */
    size_t ptr;       /* PVOID, HANDLE, ULONG_PTR, SIZE_T */
    /* SYSTEM_HANDLE_INFORMATION_EX (class 64): NumberOfHandles at 0 */
    size_t sys_handles; /* Handles[] */
    size_t sys_entry;   /* SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX */
    size_t sys_object, sys_pid, sys_value, sys_access, sys_backtrace,
        sys_type, sys_attrs;
    /* PROCESS_HANDLE_SNAPSHOT_INFORMATION (class 51): NumberOfHandles
     * at 0 */
    size_t proc_handles; /* Handles[] */
    size_t proc_entry;   /* PROCESS_HANDLE_TABLE_ENTRY_INFO */
    size_t proc_value, proc_hcount, proc_pcount, proc_access, proc_type,
        proc_attrs;
    /* UNICODE_STRING: Length at 0, MaximumLength at 2 */
    size_t us_length, us_max, us_buffer, us_size;
    /* OBJECT_TYPES_INFORMATION: NumberOfTypes at 0, the first entry at
     * types_first; each next entry type_size + ALIGN_UP(MaximumLength,
     * type_align) further */
    size_t types_first, type_align;
    /* OBJECT_TYPE_INFORMATION: TypeName at 0 */
    size_t type_size, type_objects, type_invalid, type_mapping,
        type_valid_access, type_security, type_maintain, type_index,
        type_pool;
    /* PROCESS_HANDLE_TRACING_QUERY (class 32): Handle at 0 */
    size_t trq_total, trq_traces;
    /* PROCESS_HANDLE_TRACING_ENTRY: Handle at 0 */
    size_t tre_size, tre_pid, tre_tid, tre_type, tre_stacks;
};

extern const struct ntb_layout ntb_x64;
extern const struct ntb_layout ntb_x86;

/* The layout of this build's pointer size, chosen at compile time. */
const struct ntb_layout *ntb_native(void);

/* A pointer-sized field (truncated to 32 bits on x86). */
void ntb_put_ptr(const struct ntb_layout *l, unsigned char *p, uint64_t v);
uint64_t ntb_get_ptr(const struct ntb_layout *l, const unsigned char *p);

/* One handle, as the class-64 and class-51 entries carry it. */
struct ntb_handle {
    uint64_t object; /* class 64 only */
    uint64_t pid;    /* class 64 only */
    uint64_t value;
    uint32_t access;
    uint16_t type;
    uint32_t attrs;
    uint64_t handle_count;  /* class 51 only */
    uint64_t pointer_count; /* class 51 only */
};

/* Marker written into CreatorBackTraceIndex (the kernel writes 0): a
 * parser that reads the type index 2 bytes early sees it. */
#define NTB_BACKTRACE_MARK 0x7A7Au

/* Class 64: bytes for n entries, the header, entry i. */
size_t ntb_sys_size(const struct ntb_layout *l, size_t n);
void ntb_sys_header(const struct ntb_layout *l, unsigned char *buf,
                    uint64_t n);
void ntb_sys_entry(const struct ntb_layout *l, unsigned char *buf, size_t i,
                   const struct ntb_handle *h);
void ntb_sys_read(const struct ntb_layout *l, const unsigned char *buf,
                  size_t i, struct ntb_handle *h);

/* Class 51: the same. */
size_t ntb_proc_size(const struct ntb_layout *l, size_t n);
void ntb_proc_header(const struct ntb_layout *l, unsigned char *buf,
                     uint64_t n);
void ntb_proc_entry(const struct ntb_layout *l, unsigned char *buf,
                    size_t i, const struct ntb_handle *h);

/* A UNICODE_STRING at p whose Buffer says addr. */
void ntb_put_us(const struct ntb_layout *l, unsigned char *p, uint16_t len,
                uint16_t max, uint64_t addr);
void ntb_get_us(const struct ntb_layout *l, const unsigned char *p,
                uint16_t *len, uint16_t *max, uint64_t *addr);

/* n UTF-16 units at p, little-endian. */
void ntb_put_utf16(unsigned char *p, const uint16_t *w, size_t n);

/*
 * OBJECT_NAME_INFORMATION for a buffer that will sit at address base:
 * the header, gap bytes of 0xCC, then the n units and a NUL, Buffer
 * pointing at them. Returns the bytes it needs; writes only when cap is
 * enough.
 */
size_t ntb_name_info(const struct ntb_layout *l, unsigned char *buf,
                     size_t cap, uint64_t base, const uint16_t *name,
                     size_t n, size_t gap);

/* OBJECT_TYPES_INFORMATION's count. */
void ntb_types_header(const struct ntb_layout *l, unsigned char *buf,
                      uint32_t count);

/*
 * One OBJECT_TYPE_INFORMATION at buf + off (address base + off), its name
 * right after it with room for max bytes; Buffer points there, or at a
 * bogus low address with bad_pointer. The other fields carry markers, so
 * a misplaced read gets a wrong value, not a lucky 0. Returns the offset
 * of the next entry. buf needs off + ntb_type_span(l, max) bytes.
 */
size_t ntb_type_entry(const struct ntb_layout *l, unsigned char *buf,
                      size_t off, uint64_t base, const uint16_t *name,
                      size_t n, uint16_t max, uint8_t type_index,
                      int bad_pointer);
size_t ntb_type_span(const struct ntb_layout *l, uint16_t max);

/* Class 32: bytes for n records, the header, record i (nstacks <= 16
 * frames, the rest 0). */
size_t ntb_trace_size(const struct ntb_layout *l, size_t n);
void ntb_trace_header(const struct ntb_layout *l, unsigned char *buf,
                      uint64_t handle, uint32_t total);
void ntb_trace_entry(const struct ntb_layout *l, unsigned char *buf,
                     size_t i, uint64_t handle, uint64_t pid, uint64_t tid,
                     uint32_t type, const uint64_t *stacks, size_t nstacks);

#endif
