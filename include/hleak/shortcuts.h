#ifndef HLEAK_HLEAK_SHORTCUTS_H
#define HLEAK_HLEAK_SHORTCUTS_H

#include <stdint.h>
#include <stdio.h>

#include "hleak/collect.h"
#include "hleak/diff.h"
#include "hleak/snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The common path in a few calls: take or load two snapshots, compare them
 * with hl_diff_compute() (diff.h), print the report, release everything.
 * Each call wraps the detailed API of the other headers, which stays
 * available; docs/library.md walks through both.
 *
 * Thread safety: no function here keeps state between calls. Calls on
 * distinct objects may run at the same time on several threads, and
 * several threads may read one snapshot or diff at once (every argument
 * marked const is only read); a call that changes an object needs it to
 * itself.
 */

/* The version of the library linked in ("0.1.0"); HL_VERSION (version.h)
 * is the version of the headers compiled against. */
const char *hl_version(void);

/*
 * Takes a snapshot of the handles of process pid (0: the calling process)
 * into *out, which need not be initialised. opts may be NULL for the
 * defaults (names asked, 1 s bound on a name query); its pid field is
 * ignored. A snapshot of the calling process leaves out the handles the
 * collector itself holds while collecting.
 *
 * On success the caller owns *out and releases it with
 * hl_snapshot_release(); on failure *out is empty (releasing it is
 * harmless). Returns 0, HL_EINVAL (out is NULL), or an error of
 * hl_collect() (collect.h): HL_ENOPROC, HL_EACCES, HL_EEXITED, HL_EQUERY,
 * HL_ETOOBIG, HL_ENOMEM, HL_EWOW64 (a 32-bit build on 64-bit Windows),
 * and HL_ENOTSUP where live collection is not built (every OS but
 * Windows).
 */
int hl_snapshot_take(uint64_t pid, const struct hl_collect_opts *opts,
                     struct hl_snapshot *out);

/* Writes s to the snapshot file at path (UTF-8), atomically, as
 * hl_snapfile_write(). Returns 0, HL_ENOMEM or a file error (HL_ENOENT,
 * HL_EACCES, HL_EIO). */
int hl_snapshot_save(const char *path, const struct hl_snapshot *s);

/*
 * Loads the snapshot file or Windows minidump at path (told apart by
 * content, as hl_input_read()) into *out, which need not be initialised.
 * Portable: works on every OS. Ownership as hl_snapshot_take(). Returns 0,
 * HL_EINVAL, a file error, or a format error: HL_ENOTSNAP, HL_ETRUNC,
 * HL_ECHECKSUM, HL_ECORRUPT, HL_EVERSION, HL_ENOHANDLES, HL_ENOMEM.
 */
int hl_snapshot_load(const char *path, struct hl_snapshot *out);

/* The formats of hl_diff_report(), as `hleak diff` prints them (text,
 * --json, --csv). */
enum hl_report_format {
    HL_REPORT_TEXT, /* for people: groups, counts, names */
    HL_REPORT_JSON, /* documented in docs/man/hleak-diff.md */
    HL_REPORT_CSV   /* one row per group */
};

/*
 * Prints diff d, computed from before and after, to out in format fmt,
 * without colors and with every group. Returns 0, HL_EINVAL (a NULL
 * argument or an unknown format), HL_ENOMEM or HL_EIO.
 */
int hl_diff_report(FILE *out, const struct hl_diff *d,
                   const struct hl_snapshot *before,
                   const struct hl_snapshot *after,
                   enum hl_report_format fmt);

#ifdef __cplusplus
}
#endif

#endif
