/* `hleak diff` of two whole-system snapshots (sys-cli.h, sysdiff.h). */
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "formats.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "msg.h"
#include "sys-cli.h"

/* Refuses swapped inputs as the process diff does: AFTER older than
 * BEFORE would pass every growth off as shrinking. Warns about two
 * machines. Returns -1 to go on, else an exit code. */
static int check_order(const struct hl_cli_sysdiff *a, const char *bpath,
                       const char *apath, const struct hl_system *before,
                       const struct hl_system *after)
{
    uint64_t tb = hl_system_time(before), ta = hl_system_time(after);
    const char *hb = hl_system_host(before), *ha = hl_system_host(after);
    if (tb != 0 && ta != 0 && ta < tb && !a->allow_reversed)
        return hl_error_reversed(bpath, tb, apath, ta);
    if (*hb != '\0' && *ha != '\0' && !hl__ascii_caseeq(hb, ha))
        hl_warn("'%s' and '%s' were taken on different machines (%s, %s)",
                bpath, apath, hb, ha);
    return -1;
}

static int print(const struct hl_cli_sysdiff *a, const struct hl__sysdiff *d)
{
    switch (a->format) {
    case HL_CLI_SYSDIFF_JSON:
        return hl__sysdiff_json(stdout, d);
    case HL_CLI_SYSDIFF_CSV:
        return hl__sysdiff_csv(stdout, d);
    default:
        return hl__sysdiff_text(stdout, d, a->top);
    }
}

/* The CI report of format name (its sysdiff_write) to path, if given. */
static int write_report(const char *name, const char *path,
                        const struct hl__sysdiff *d)
{
    const struct hl__format *f = hl__format_find(name, HL__USE_SYSDIFF_FILE);
    int err;

    if (path == NULL || (err = f->sysdiff_write(path, d)) == 0)
        return 0;
    hl_error("cannot write %s report '%s': %s", f->label, path,
             hl_strerror(err));
    return HL_EXIT_FAILURE;
}

int hl_cli_diff_system(const struct hl_cli_sysdiff *a, const char *bpath,
                       const char *apath, const struct hl_system *before,
                       const struct hl_system *after)
{
    struct hl__sysdiff d;
    int err, rc;

    if ((rc = check_order(a, bpath, apath, before, after)) != -1)
        return rc;
    memset(&d, 0, sizeof(d));
    err = hl__sysdiff_compute(before, after, &a->gates, &d);
    if (err != 0) {
        hl_error("cannot compare '%s' and '%s': %s", bpath, apath,
                 hl_strerror(err));
        hl__sysdiff_release(&d);
        return HL_EXIT_FAILURE;
    }
    rc = hl_finish_stdout(print(a, &d));
    if (rc == 0)
        rc = write_report("junit", a->junit, &d);
    if (rc == 0)
        rc = write_report("sarif", a->sarif, &d);
    if (rc == 0 && d.gate_failed)
        rc = HL_EXIT_GATE;
    else if (rc == 0 && d.gated && d.uncounted != 0) {
        hl_error("%zu process%s in both snapshots not counted in one of "
                 "them (started as its handle list was read): the gates "
                 "cannot judge %s",
                 d.uncounted, d.uncounted == 1 ? "" : "es",
                 d.uncounted == 1 ? "it" : "them");
        rc = HL_EXIT_UNJUDGED;
    }
    hl__sysdiff_release(&d);
    return rc;
}
