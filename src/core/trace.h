#ifndef HLEAK_CORE_TRACE_H
#define HLEAK_CORE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/diag.h"
#include "snapshot-int.h"

/*
 * Handle tracing: the kernel's record of where each handle was opened and
 * closed (NtQueryInformationProcess(ProcessHandleTracing), what WinDbg's
 * !htrace reads). Parsing and matching are portable, so a trace buffer
 * saved by a 32-bit or a 64-bit hleak reads the same anywhere; turning
 * tracing on and reading it needs Windows (src/win/trace-win.c).
 */

/* Return addresses in one trace record (PROCESS_HANDLE_TRACING_MAX_STACKS). */
#define HL_TRACE_FRAMES 16

/* What a trace record saw (HANDLE_TRACE_DB_*). */
#define HL_TRACE_OPEN 1u
#define HL_TRACE_CLOSE 2u
#define HL_TRACE_BADREF 3u

/* One record of PROCESS_HANDLE_TRACING_QUERY, widened to 64 bits. */
struct hl_trace_entry {
    uint64_t handle;                 /* the handle value */
    uint64_t pid;                    /* ClientId.UniqueProcess */
    uint64_t tid;                    /* ClientId.UniqueThread */
    uint32_t type;                   /* HL_TRACE_OPEN, _CLOSE, _BADREF */
    uint32_t depth;                  /* frames kept in frames[] */
    uint64_t frames[HL_TRACE_FRAMES]; /* user-mode return addresses,
                                       * innermost first: kernel frames and
                                       * the zero padding are dropped */
};

/* The layout's sizes for a pointer size of 4 or 8 (0 for any other). */
size_t hl_trace_header_size(unsigned ptr_size);
size_t hl_trace_entry_size(unsigned ptr_size);

/*
 * Parses a PROCESS_HANDLE_TRACING_QUERY buffer of len valid bytes written
 * with ptr_size-byte pointers (4: x86 layout, 8: x64). Reads the records
 * that lie wholly within len, at most TotalTraces of them, in buffer order
 * (newest first, as the kernel writes them); *truncated is set to 1 when
 * TotalTraces promised more (the buffer was too small). *out is a new
 * array freed with hl_trace_free() (NULL when *count is 0).
 * Returns 0, HL_EINVAL (ptr_size), HL_ETRUNC (shorter than the header) or
 * HL_ENOMEM; on failure the outputs are untouched.
 */
int hl_trace_parse(const void *buf, size_t len, unsigned ptr_size,
                   struct hl_trace_entry **out, size_t *count,
                   int *truncated);

void hl_trace_free(struct hl_trace_entry *entries);

/* What hl_trace_apply() did. */
struct hl_trace_stats {
    size_t records;  /* records given */
    size_t foreign;  /* records of another process, ignored */
    size_t matched;  /* handles that got an open stack */
    size_t closed;   /* handles whose newest record was a close: the open
                      * seen belongs to an earlier handle of that value */
    size_t zeroed;   /* newest opens with no user-mode frame (Windows 11
                      * 24H2 zeroes stacks without SeDebugPrivilege) */
    size_t untraced; /* handles with no record at all */
};

/*
 * Gives each handle of s its open stack: the newest OPEN record of its
 * value among entries[0..count) (newest first) whose process is s->pid,
 * as !htrace -diff does. When a CLOSE of that value is newer than every
 * OPEN, the open records belong to handles closed since (the value was
 * reused and its open fell out of the ring buffer): the handle gets no
 * stack rather than a wrong one. Bad-reference records are skipped.
 * Handles that already have a stack keep it. stats may be NULL. Returns
 * 0, HL_ENOMEM or HL_ETOOBIG.
 */
int hl_trace_apply(struct hl_snapshot *s, const struct hl_trace_entry *e,
                   size_t count, struct hl_trace_stats *stats);

/* ---- live (Windows; elsewhere these return HL_ENOTSUP) ---- */

/* Trace slots when not told (the kernel's own default). */
#define HL_TRACE_DEFAULT_SLOTS 0x1000u
/* The kernel rounds slots to a power of two in this range. */
#define HL_TRACE_MIN_SLOTS 0x80u
#define HL_TRACE_MAX_SLOTS 0x20000u

/*
 * Turns handle tracing of process pid on with slots records (0 = the
 * default), or off (on == 0). Returns 0, HL_ENOPROC, HL_EACCES (not
 * allowed: run elevated), HL_ENOTSUP (this system has no handle tracing),
 * HL_EINVAL (slots out of range), HL_EWOW64 (a 32-bit build on 64-bit
 * Windows) or HL_EQUERY. diag may be NULL.
 */
int hl_trace_set(uint64_t pid, int on, uint32_t slots,
                 struct hl_diag *diag);

/*
 * Sets *on to 1 when tracing of pid is on, else 0, and *records to how
 * many records the kernel holds for it now. Returns as hl_trace_set().
 */
int hl_trace_status(uint64_t pid, int *on, size_t *records,
                    struct hl_diag *diag);

/*
 * Resolves every distinct frame address of s's stacks to
 * "module!function+0x12 (file.c:34)" with dbghelp on the live process
 * s->pid (its symbol path: _NT_SYMBOL_PATH), storing the texts in s
 * (hl_snapshot_add_symbol). Addresses dbghelp cannot name are left to
 * module+offset. Sets *resolved to how many were named. Returns 0,
 * HL_ENOTSUP (no dbghelp), HL_ENOPROC, HL_EACCES or HL_ENOMEM.
 */
int hl_trace_symbolize(struct hl_snapshot *s, size_t *resolved,
                       struct hl_diag *diag);

#endif
