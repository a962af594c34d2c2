#include "launch.h"

#include "core-int.h"

/* Starting a program as its debugger is Windows' (launch-win.c). */

const unsigned hl__caps_launch = 0;

int hl_launch_start(const struct hl_launch_opts *opts, struct hl_launch **out,
                    uint64_t *pid, struct hl_diag *diag)
{
    (void)opts;
    (void)diag;
    *out = NULL;
    *pid = 0;
    return HL_ENOTSUP;
}

int hl_launch_resume(struct hl_launch *l, struct hl_diag *diag)
{
    (void)l;
    (void)diag;
    return HL_ENOTSUP;
}

int hl_launch_wait(struct hl_launch *l, unsigned ms,
                   struct hl_launch_event *ev, struct hl_diag *diag)
{
    (void)l;
    (void)ms;
    (void)ev;
    (void)diag;
    return HL_ENOTSUP;
}

int hl_launch_kill(struct hl_launch *l, uint32_t code)
{
    (void)l;
    (void)code;
    return HL_ENOTSUP;
}

void hl_launch_free(struct hl_launch *l)
{
    (void)l;
}
