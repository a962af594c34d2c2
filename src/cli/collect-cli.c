#include "collect-cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/diag.h"
#include "hleak/err.h"
#include "msg.h"

static int report_collect_error(const struct hl_cli_target *t, int err,
                                const struct hl_diag *diag, const char *verb,
                                const char *lost)
{
    if (err == HL_EEXITED)
        hl_error("process %" PRIu64 " exited during collection; %s", t->pid,
                 lost);
    else if (err == HL_ETIMEDOUT)
        hl_error("collection of process %" PRIu64 " did not finish within "
                 "the deadline (--deadline); %s",
                 t->pid, lost);
    else
        return hl_cli_target_error(t, err, diag, "%s process %" PRIu64, verb,
                                   t->pid);
    return hl_cli_target_failed(t, diag);
}

/* A process that refused PROCESS_DUP_HANDLE lost every name: never
 * silently. With --require-names that fails the command (CI); so does a
 * snapshot in which no handle at all could be duplicated. */
static int names_unreadable(const struct hl_snapshot *s)
{
    size_t i, refused = 0;

    if (s->access > HL_ACCESS_FULL)
        return 1;
    for (i = 0; i < s->count; i++)
        refused += s->handles[i].name_err == HL_NAME_ERR_ACCESS ||
                   s->handles[i].name_err == HL_NAME_ERR_NODUP;
    return s->count > 0 && refused == s->count;
}

static const char *unreadable_why(const struct hl_snapshot *s)
{
    return s->access > HL_ACCESS_FULL ? hl_access_str(s->access)
                                      : "no handle could be duplicated";
}

int hl_cli_collect(const struct hl_cli_target *t,
                   const struct hl_collect_opts *copts, int require_names,
                   const char *verb, const char *lost,
                   struct hl_snapshot *snap)
{
    struct hl_diag diag;
    char wd_msg[160];
    int err;

    memset(&diag, 0, sizeof(diag));
    /* the collector keeps its own deadline; this ends a collection stuck
     * in a system call that should have returned (a minute later) */
    snprintf(wd_msg, sizeof(wd_msg),
             "collection of process %" PRIu64 " stuck past its deadline; %s",
             copts->pid, lost);
    (void)hl__watchdog_start((copts->deadline_ms != 0 ? copts->deadline_ms
                                                      : 300000u) +
                                 60000u,
                             wd_msg);
    err = hl_snapshot_init(snap);
    if (err == 0)
        err = hl_collect(copts, snap, &diag);
    hl__watchdog_stop();
    if (err != 0)
        return report_collect_error(t, err, &diag, verb, lost);
    if (!names_unreadable(snap))
        return 0;
    if (require_names) {
        hl_error("process %" PRIu64 ": %s; %s (--require-names)",
                 copts->pid, unreadable_why(snap), lost);
        return HL_EXIT_FAILURE;
    }
    hl_warn("process %" PRIu64 ": %s", copts->pid, unreadable_why(snap));
    return 0;
}
