#include "trace.h"

#include "core-int.h"

/* Handle tracing is a Windows kernel feature; this build reads snapshots
 * that carry traces but cannot take them. */

const unsigned hl__caps_trace = 0;

int hl_trace_set(uint64_t pid, int on, uint32_t slots,
                 struct hl_diag *diag)
{
    (void)pid;
    (void)on;
    (void)slots;
    (void)diag;
    return HL_ENOTSUP;
}

int hl_trace_status(uint64_t pid, int *on, size_t *records,
                    struct hl_diag *diag)
{
    (void)pid;
    (void)on;
    (void)records;
    (void)diag;
    return HL_ENOTSUP;
}

int hl_trace_symbolize(struct hl_snapshot *s, size_t *resolved,
                       struct hl_diag *diag)
{
    (void)s;
    (void)resolved;
    (void)diag;
    return HL_ENOTSUP;
}
