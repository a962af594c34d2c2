/*
 * The target process as hleak reaches it: its handles duplicated into
 * this process.
 */

#include "win-int.h"

HANDLE hl__dup_from(const struct hl_nt_api *api, HANDLE proc,
                    uint64_t value, DWORD access)
{
    HANDLE dup = NULL;

    if (!api->duplicate_handle(proc, (HANDLE)(uintptr_t)value,
                               GetCurrentProcess(), &dup, access, FALSE,
                               access == 0 ? DUPLICATE_SAME_ACCESS : 0))
        return NULL;
    return dup;
}
