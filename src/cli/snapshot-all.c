/* `hleak snapshot --all`: the whole system's processes and handle counts
 * in one file (sys-cli.h; the format is syssnap.c's). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
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

int hl_cli_snapshot_all(const char *output, int gui, int verbose)
{
    struct hl_system *sys = NULL;
    struct hl_diag diag;
    unsigned char *buf = NULL;
    char stem[128], name_buf[512];
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
        hl_note("wrote %s (%zu processes, %" PRIu64 " handles, %zu not "
                "counted)",
                hl_cli_is_dash(output) ? "standard output" : output,
                hl_system_count(sys), handles, uncounted);
    }
    hl__free(buf);
    hl_system_free(sys);
    return rc;
}
