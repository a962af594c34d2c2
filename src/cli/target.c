#include "target.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "hleak/caps.h"
#include "hleak/collect.h"
#include "hleak/diag.h"
#include "hleak/err.h"
#include "msg.h"
#include "opt.h"

/* -n IMAGE to exactly one pid: none, or several (listed, to choose one
 * with -p), is an error reported here. */
static int find_pid(const char *image, uint64_t *pid)
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

static int opt_pid(const char *const *usage, const char *arg, uint64_t *pid)
{
    if (hl_opt_uint(arg, 0, UINT32_MAX, pid) != 0)
        return hl_usage_error(usage, "invalid pid '%s'", arg);
    return 0;
}

static int one_target(const char *const *usage, int have_pid,
                      const char *image)
{
    if (have_pid == (image != NULL))
        return hl_usage_error(usage,
                              "give exactly one of -p PID and -n IMAGE");
    return 0;
}

int hl_cli_live_ready(const char *name, unsigned needs)
{
    /* each command asks for what it needs of this build, so a build with
     * some live parts and not others refuses only the commands it lacks */
    if ((hl_capabilities() & needs) != needs) {
        hl_error("'%s': live collection needs Windows; this hleak can "
                 "read snapshots only",
                 name);
        return HL_EXIT_FAILURE;
    }
    /* Every live command may open services and other users' processes
     * (snapshot, dump, trace, watch, --symbols, show -p). */
    (void)hl_debug_privilege_enable(NULL);
    return 0;
}

void hl_cli_note_failed_call(const struct hl_diag *diag)
{
    if (diag->call != NULL)
        hl_note("%s failed with %s 0x%08" PRIx32, diag->call,
                diag->is_ntstatus ? "NTSTATUS" : "error", diag->status);
}

int hl_cli_target_next(struct hl_cli_target *t, struct hl_optparse *p)
{
    int id;

    for (;;) {
        switch (id = hl_opt_next(p)) {
        case HL_CLI_OPT_NAME:
            t->image = p->arg;
            break;
        case HL_CLI_OPT_PID:
            t->have_pid = 1;
            if ((p->status = opt_pid(p->usage, p->arg, &t->pid)) != 0)
                return HL_OPT_STOP;
            break;
        case HL_CLI_OPT_VERBOSE:
            t->verbose = 1;
            break;
        default:
            return id;
        }
    }
}

int hl_cli_target_resolve(struct hl_cli_target *t, const char *const *usage)
{
    int rc;

    if ((rc = one_target(usage, t->have_pid, t->image)) != 0)
        return rc;
    return t->image != NULL ? find_pid(t->image, &t->pid) : 0;
}

int hl_cli_target_failed(const struct hl_cli_target *t,
                         const struct hl_diag *diag)
{
    if (t->verbose && diag != NULL)
        hl_cli_note_failed_call(diag);
    return HL_EXIT_FAILURE;
}

int hl_cli_target_error(const struct hl_cli_target *t, int err,
                        const struct hl_diag *diag, const char *fmt, ...)
{
    char doing[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(doing, sizeof(doing), fmt, ap);
    va_end(ap);
    if (err == HL_ENOPROC)
        hl_error("no process with pid %" PRIu64, t->pid);
    else if (err == HL_EACCES)
        hl_error("cannot %s: access denied; run hleak elevated (as "
                 "administrator)",
                 doing);
    else
        hl_error("cannot %s: %s", doing, hl_strerror(err));
    return hl_cli_target_failed(t, diag);
}
