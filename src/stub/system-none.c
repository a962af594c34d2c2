#include "hleak/system.h"

#include "core-int.h"

/* The whole-system view needs Windows' system-wide handle list. */

const unsigned hl__caps_system = 0;
const unsigned hl__caps_find = 0;

int hl_system_take(unsigned flags, struct hl_system **out,
                   struct hl_diag *diag)
{
    (void)flags;
    (void)diag;
    *out = NULL;
    return HL_ENOTSUP;
}

int hl_system_find(const struct hl_system *sys,
                   const struct hl_find_opts *opts, struct hl_find **out,
                   struct hl_diag *diag)
{
    (void)sys;
    (void)opts;
    (void)diag;
    if (out != NULL)
        *out = NULL;
    return HL_ENOTSUP;
}

int hl_system_read_names(struct hl_system *sys, unsigned name_timeout_ms,
                         unsigned threads, unsigned deadline_ms)
{
    (void)sys;
    (void)name_timeout_ms;
    (void)threads;
    (void)deadline_ms;
    return HL_ENOTSUP;
}
