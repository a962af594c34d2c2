/* The common path in one call each, over the detailed API: the version,
 * take (collect.h), save and load (snapfile.h), and a diff report
 * (diff.h). */

#include <string.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "diff-int.h"
#include "formats.h"
#include "input.h"
#include "hleak/snapfile.h"
#include "hleak/version.h"
#include "input.h"
#include "snapshot-int.h"

const char *hl_version(void)
{
    return HL_VERSION;
}

int hl_snapshot_take(uint64_t pid, const struct hl_collect_opts *opts,
                     struct hl_snapshot **out)
{
    struct hl_collect_opts o;
    struct hl_snapshot *s;
    int err;

    if (out == NULL)
        return HL_EINVAL;
    *out = NULL;
    memset(&o, 0, sizeof(o));
    if (opts != NULL)
        o = *opts;
    o.pid = pid != 0 ? pid : hl__self_pid();
    err = hl_snapshot_new(&s);
    if (err != 0)
        return err;
    err = hl_collect(&o, s, NULL);
    if (err != 0) {
        hl_snapshot_free(s);
        return err;
    }
    *out = s;
    return 0;
}

int hl_snapshot_save(const char *path, const struct hl_snapshot *s)
{
    if (path == NULL || s == NULL)
        return HL_EINVAL;
    return hl_snapfile_write(path, s);
}

int hl_snapshot_load(const char *path, struct hl_snapshot **out)
{
    struct hl_snapshot *s;
    int err;

    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return HL_EINVAL;
    err = hl_snapshot_new(&s);
    if (err != 0)
        return err;
    err = hl_input_read(path, s, NULL);
    if (err != 0) {
        hl_snapshot_free(s);
        return err;
    }
    *out = s;
    return 0;
}

int hl_diff_report(FILE *out, const struct hl_diff *d,
                   const struct hl_snapshot *before,
                   const struct hl_snapshot *after,
                   enum hl_report_format fmt)
{
    /* the table's names, in the order of enum hl_report_format */
    static const char *const names[] = {"text", "json", "csv"};
    struct hl_diff_report_opts ro;

    if (out == NULL || d == NULL || before == NULL || after == NULL ||
        (unsigned)fmt >= sizeof(names) / sizeof(names[0]))
        return HL_EINVAL;
    memset(&ro, 0, sizeof(ro));
    return hl__format_find(names[fmt], HL__USE_DIFF)
        ->diff_print(out, d, before, after, &ro);
}
