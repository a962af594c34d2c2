/*
 * The target process as hleak reaches it: opened with the rights a live
 * call needs, and its handles duplicated into this process. Every live
 * call (collect, dump, trace) opens its target here, through the call
 * table, so tests can refuse it.
 */

#include <string.h>

#include "hleak/err.h"
#include "win-int.h"

int hl__open_process(const struct hl_nt_api *api, uint64_t pid,
                     const DWORD *tries, size_t ntries, HANDLE *out,
                     size_t *which, struct hl_diag *diag)
{
    DWORD err = ERROR_SUCCESS;
    size_t i;

    if (pid > 0xFFFFFFFFu)
        return HL_ENOPROC;
    for (i = 0; i < ntries; i++) {
        *out = api->open_process(tries[i], FALSE, (DWORD)pid);
        if (*out != NULL) {
            if (which != NULL)
                *which = i;
            return 0;
        }
        err = GetLastError();
        if (err != ERROR_ACCESS_DENIED)
            break;
    }
    hl__diag_win32(diag, "OpenProcess", err);
    return hl__from_win32(err);
}

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

HANDLE hl__job_kill_on_close(const struct hl_nt_api *api)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    HANDLE job = api->create_job_object(NULL, NULL);
    DWORD e;

    if (job == NULL)
        return NULL;
    memset(&li, 0, sizeof(li));
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!api->set_information_job_object(
            job, JobObjectExtendedLimitInformation, &li, sizeof(li))) {
        e = GetLastError();
        api->close_handle(job);
        SetLastError(e);
        return NULL;
    }
    return job;
}
