#include "hleak/collect.h"

#include "core-int.h"

/* Live collection needs Windows; this build reads and compares snapshots
 * only. */

const unsigned hl__caps_collect = 0;

int hl_collect(const struct hl_collect_opts *opts, struct hl_snapshot *out,
               struct hl_diag *diag)
{
    (void)opts;
    (void)out;
    (void)diag;
    return HL_ENOTSUP;
}

int hl_proc_find(const char *image, struct hl_proc_match **out,
                 size_t *count)
{
    (void)image;
    (void)out;
    (void)count;
    return HL_ENOTSUP;
}

int hl_debug_privilege_enable(int *enabled)
{
    if (enabled != NULL)
        *enabled = 0;
    return HL_ENOTSUP;
}
