#ifndef HL_TESTS_WINUTIL_H
#define HL_TESTS_WINUTIL_H

#include <stdint.h>

#include <windows.h>

#include "hleak/collect.h"
#include "snapshot-int.h"
#include "win/win-int.h"

/*
 * What the Windows tests ask of this very process: how many handles it
 * has, one of them in a snapshot, and a collection of it.
 */

/* Every handle value a test process can plausibly hold lies below this. */
#define WU_PROBE_ALL ((uintptr_t)0x10000)

/* How many handles this process has below limit: probing is the one count
 * that works under Wine (its ProcessHandleCount is a stub). */
unsigned wu_count_own_handles(uintptr_t limit);

/* The highest handle value in use below WU_PROBE_ALL (0: none). */
uintptr_t wu_top_handle(void);

/* h's row in s, or NULL. */
const struct hl_handle *wu_find(const struct hl_snapshot *s, HANDLE h);

/* s initialised and collected from this process with opts (NULL: the
 * defaults); opts' pid is ignored. Returns hl_collect's answer. */
int wu_collect_self(const struct hl_collect_opts *opts, struct hl_snapshot *s,
                    struct hl_diag *d);

/* A target that refuses PROCESS_DUP_HANDLE, as a protected (PPL) or an
 * elevated one does on Windows: fakes of open_process and
 * query_information_process that call through wu_real otherwise. While
 * wu_refuse_dup is set, opening with PROCESS_DUP_HANDLE fails with
 * ERROR_ACCESS_DENIED; class 61 answers wu_protection_byte (-1: the real
 * answer). */
extern const struct hl_nt_api *wu_real;
extern int wu_refuse_dup;
extern int wu_protection_byte;
HANDLE WINAPI wu_fake_open_process(DWORD access, BOOL inherit, DWORD pid);
NTSTATUS NTAPI wu_fake_qip(HANDLE p, ULONG cls, void *buf, ULONG len,
                           ULONG *ret);

/* The same with the defaults but for these bounds and no_names. */
int wu_collect_limits(struct hl_snapshot *s, struct hl_diag *d,
                      unsigned name_timeout_ms, unsigned deadline_ms,
                      unsigned threads, int no_names);

#endif
