#include "target.h"

#include <inttypes.h>

#include "hleak/collect.h"
#include "hleak/err.h"
#include "msg.h"

int hl_cli_find_pid(const char *image, uint64_t *pid)
{
    struct hl_proc_match *m;
    size_t n, i;
    int err;

    err = hl_proc_find(image, &m, &n);
    if (err != 0) {
        hl_error("cannot list processes: %s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (n == 1) {
        *pid = m[0].pid;
    } else if (n == 0) {
        hl_error("no running process named '%s'", image);
    } else {
        hl_error("%zu processes named '%s'; choose one with -p:", n, image);
        for (i = 0; i < n; i++)
            hl_note("  pid %" PRIu64 "  %s", m[i].pid, m[i].image);
    }
    hl_proc_matches_free(m, n);
    return n == 1 ? 0 : HL_EXIT_FAILURE;
}
