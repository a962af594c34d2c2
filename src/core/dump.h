#ifndef HLEAK_CORE_DUMP_H
#define HLEAK_CORE_DUMP_H

#include <stdint.h>

#include "hleak/collect.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes a minidump of process pid to path (UTF-8) with the handle data
 * stream, thread information and unloaded modules, through dbghelp's
 * MiniDumpWriteDump; atomically: a temporary file beside path, renamed
 * over it once complete. Returns 0, HL_ENOPROC, HL_EACCES, HL_ENOENT (no
 * such folder), HL_EIO, HL_ENOMEM, HL_EQUERY (dbghelp missing or the
 * dump failed), HL_EWOW64 (a 32-bit build on 64-bit Windows, which does
 * no live work: use the 64-bit build), or HL_ENOTSUP where live access is
 * not built. diag (may be NULL) names the failing call for --verbose.
 */
int hl_dump_write(uint64_t pid, const char *path,
                  struct hl_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
