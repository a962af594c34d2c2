#include "win-int.h"

#include "hleak/err.h"

/*
 * Why a 32-bit hleak under WOW64 (on 64-bit Windows) does no live work at
 * all, whatever the target: every NT query then goes through the WOW64
 * layer. It truncates the kernel object addresses of class 64 to 32 bits;
 * how it translates class 51 is not documented, while the parsers read
 * the layout of sizeof(void *); and Toolhelp module lists,
 * ReadProcessMemory and MiniDumpWriteDump fail against 64-bit targets.
 * A report built on that could look complete and be wrong, so it is
 * refused, as System Informer refuses to run under WOW64. The 64-bit
 * hleak reads 32-bit targets in full.
 */
int hl__wow64_check(const struct hl_nt_api *api, size_t ptr_size)
{
    BOOL(WINAPI *is_wow64)(HANDLE, BOOL *) = IsWow64Process;
    BOOL wow64 = FALSE;

    if (ptr_size >= 8)
        return 0;
    if (api != NULL && api->is_wow64_process != NULL)
        is_wow64 = api->is_wow64_process;
    /* it cannot fail on our own pseudo-handle; if it does, the system is
     * not one hleak knows how to read */
    if (!is_wow64(GetCurrentProcess(), &wow64))
        return HL_EQUERY;
    return wow64 ? HL_EWOW64 : 0;
}
