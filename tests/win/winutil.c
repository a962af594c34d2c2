#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "winutil.h"

unsigned wu_count_own_handles(uintptr_t limit)
{
    unsigned n = 0;
    uintptr_t v;
    DWORD flags;

    for (v = 4; v < limit; v += 4) {
        if (GetHandleInformation((HANDLE)v, &flags))
            n++;
    }
    return n;
}

uintptr_t wu_top_handle(void)
{
    uintptr_t v, top = 0;
    DWORD flags;

    for (v = 4; v < WU_PROBE_ALL; v += 4) {
        if (GetHandleInformation((HANDLE)v, &flags))
            top = v;
    }
    return top;
}

const struct hl_handle *wu_find(const struct hl_snapshot *s, HANDLE h)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == (uint32_t)(uintptr_t)h)
            return &s->handles[i];
    }
    return NULL;
}

int wu_collect_self(const struct hl_collect_opts *opts, struct hl_snapshot *s,
                    struct hl_diag *d)
{
    struct hl_collect_opts o;

    if (opts != NULL)
        o = *opts;
    else
        memset(&o, 0, sizeof(o));
    o.pid = GetCurrentProcessId();
    assert_int_equal(hl_snapshot_init(s), 0);
    return hl_collect(&o, s, d);
}

const struct hl_nt_api *wu_real;
int wu_refuse_dup;
int wu_protection_byte = -1;

HANDLE WINAPI wu_fake_open_process(DWORD access, BOOL inherit, DWORD pid)
{
    if (wu_refuse_dup && (access & PROCESS_DUP_HANDLE)) {
        SetLastError(ERROR_ACCESS_DENIED);
        return NULL;
    }
    return wu_real->open_process(access, inherit, pid);
}

NTSTATUS NTAPI wu_fake_qip(HANDLE p, ULONG cls, void *buf, ULONG len,
                           ULONG *ret)
{
    if (cls == HL_NT_PROCESS_PROTECTION_INFORMATION &&
        wu_protection_byte >= 0) {
        if (len < 1)
            return STATUS_INFO_LENGTH_MISMATCH;
        *(UCHAR *)buf = (UCHAR)wu_protection_byte;
        if (ret != NULL)
            *ret = 1;
        return STATUS_SUCCESS;
    }
    return wu_real->query_information_process(p, cls, buf, len, ret);
}

int wu_collect_limits(struct hl_snapshot *s, struct hl_diag *d,
                      unsigned name_timeout_ms, unsigned deadline_ms,
                      unsigned threads, int no_names)
{
    struct hl_collect_opts o;

    memset(&o, 0, sizeof(o));
    o.name_timeout_ms = name_timeout_ms;
    o.deadline_ms = deadline_ms;
    o.threads = threads;
    o.no_names = no_names;
    return wu_collect_self(&o, s, d);
}
