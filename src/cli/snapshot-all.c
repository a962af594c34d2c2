/* `hleak snapshot --all`: the whole system's processes and handle counts
 * in one file (sys-cli.h; the format is syssnap.c's). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "msg.h"
#include "outfile.h"
#include "sys-cli.h"
#include "syssnap.h"
#include "target.h"

/* "system-<host>-<yyyymmddThhmmss>", ".snap" to add; a host name with
 * characters a file name cannot hold has them as '_'. */
static void default_stem(const struct hl_system *sys, char *buf, size_t len)
{
    const char *host = hl_system_host(sys);
    char stamp[16], name[64];
    size_t i;

    for (i = 0; host[i] != '\0' && i + 1 < sizeof(name); i++)
        name[i] = strchr("\\/:*?\"<>|", host[i]) != NULL ||
                          (unsigned char)host[i] < 0x20
                      ? '_'
                      : host[i];
    name[i] = '\0';
    hl_cli_file_stamp(hl_system_time(sys), stamp, sizeof(stamp));
    snprintf(buf, len, "system-%s-%s", i != 0 ? name : "host", stamp);
}

/* The names of sys's handles, when asked; an exit code, or -1 to go on. */
static int read_names(struct hl_system *sys,
                      const struct hl_collect_opts *names)
{
    int err;

    if (names == NULL)
        return -1;
    err = hl_system_read_names(sys, names->name_timeout_ms, names->threads,
                               names->deadline_ms);
    if (err == 0)
        return -1;
    if (err == HL_ETIMEDOUT)
        hl_error("cannot read the names of the system's handles: past the "
                 "deadline (%u s; --deadline sets it); no snapshot written",
                 (names->deadline_ms != 0 ? names->deadline_ms : 300000u) /
                     1000u);
    else
        hl_error("cannot read the names of the system's handles: %s; no "
                 "snapshot written",
                 hl_strerror(err));
    return HL_EXIT_FAILURE;
}

/* "; N named handles in P processes, R refused, E exited, T name queries
 * timed out" for a take with names, else "". */
static void names_note(const struct hl_system *sys, char *buf, size_t len)
{
    size_t i, named = 0, read = 0, refused = 0, exited = 0;
    uint64_t timeouts = 0, t;

    buf[0] = '\0';
    if (!hl_system_has_names(sys))
        return;
    for (i = 0; i < hl_system_count(sys); i++) {
        switch (hl_system_names(sys, i, NULL, NULL, &t)) {
        case HL_SYSTEM_NAMES_READ:
            read++;
            named += hl_system_name_count(sys, i);
            timeouts += t;
            break;
        case HL_SYSTEM_NAMES_REFUSED:
            refused++;
            break;
        case HL_SYSTEM_NAMES_EXITED:
            exited++;
            break;
        default:
            break;
        }
    }
    snprintf(buf, len,
             "; %zu named handles in %zu processes, %zu refused, %zu "
             "exited, %" PRIu64 " name quer%s timed out",
             named, read, refused, exited, timeouts,
             timeouts == 1 ? "y" : "ies");
}

int hl_cli_snapshot_all(const char *output, int gui,
                        const struct hl_collect_opts *names, int verbose)
{
    struct hl_system *sys = NULL;
    struct hl_diag diag;
    unsigned char *buf = NULL;
    char stem[128], name_buf[512], note[160];
    uint64_t handles = 0;
    size_t len, i, uncounted = 0;
    int err, rc;

    memset(&diag, 0, sizeof(diag));
    err = hl_system_take(gui ? HL_SYSTEM_GUI : 0, &sys, &diag);
    if (err != 0) {
        hl_error("cannot read the system's handle list: %s; no snapshot "
                 "written",
                 hl_strerror(err));
        if (verbose)
            hl_cli_note_failed_call(&diag);
        return HL_EXIT_FAILURE;
    }
    if ((rc = read_names(sys, names)) != -1) {
        hl_system_free(sys);
        return rc;
    }
    if ((err = hl__syssnap_encode(sys, &buf, &len)) != 0) {
        hl_error("cannot write snapshot: %s", hl_strerror(err));
        hl_system_free(sys);
        return HL_EXIT_FAILURE;
    }
    default_stem(sys, stem, sizeof(stem));
    rc = hl_cli_write_new("snapshot", &output, stem, ".snap", name_buf,
                          sizeof(name_buf), buf, len);
    if (rc == 0) {
        for (i = 0; i < hl_system_count(sys); i++) {
            if (hl_system_handles(sys, i) == HL_SYSTEM_UNKNOWN)
                uncounted++;
            else
                handles += hl_system_handles(sys, i);
        }
        names_note(sys, note, sizeof(note));
        hl_note("wrote %s (%zu processes, %" PRIu64 " handles, %zu not "
                "counted%s)",
                hl_cli_is_dash(output) ? "standard output" : output,
                hl_system_count(sys), handles, uncounted, note);
    }
    hl__free(buf);
    hl_system_free(sys);
    return rc;
}
