#include "target.h"

#include <inttypes.h>

#include "hleak/collect.h"
#include "hleak/diag.h"
#include "hleak/err.h"
#include "msg.h"
#include "opt.h"

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

int hl_cli_opt_pid(const char *const *usage, const char *arg, uint64_t *pid)
{
    if (hl_opt_uint(arg, 0, UINT32_MAX, pid) != 0)
        return hl_usage_error(usage, "invalid pid '%s'", arg);
    return 0;
}

int hl_cli_one_target(const char *const *usage, int have_pid,
                      const char *image)
{
    if (have_pid == (image != NULL))
        return hl_usage_error(usage,
                              "give exactly one of -p PID and -n IMAGE");
    return 0;
}

void hl_cli_note_failed_call(const struct hl_diag *diag)
{
    if (diag->call != NULL)
        hl_note("%s failed with %s 0x%08" PRIx32, diag->call,
                diag->is_ntstatus ? "NTSTATUS" : "error", diag->status);
}
