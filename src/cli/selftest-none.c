/* `hleak selftest` where live access is not built: main.c refuses the
 * command before it runs (hl_capabilities() lacks HL_CAP_COLLECT); these
 * keep the link. */
#include "selftest.h"

#include "hleak/err.h"
#include "msg.h"

int st_run(const struct st_opts *o, struct st_report *r)
{
    (void)o;
    (void)r;
    return HL_ENOTSUP;
}

int st_child_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    hl_error("selftest needs Windows");
    return HL_EXIT_FAILURE;
}
