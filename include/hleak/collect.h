#ifndef HLEAK_HLEAK_COLLECT_H
#define HLEAK_HLEAK_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/diag.h"
#include "hleak/snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What to collect and how. */
struct hl_collect_opts {
    uint64_t pid;             /* the target process */
    unsigned name_timeout_ms; /* bound on one blocking name query; 0 = 1000 */
    int no_names;             /* 1: skip name queries (names "not queried") */
    unsigned threads;         /* threads asking names; 0 = the default; the
                               * snapshot is the same for any number */
    unsigned deadline_ms;     /* bound on the whole collection; past it,
                               * HL_ETIMEDOUT; 0 = 300000 (5 minutes) */
    int details;              /* 1: also ask each object's counts and
                               * details (snapshot --details); needs
                               * names asked */
};

/* The most threads hl_collect() uses to ask names. */
#define HL_COLLECT_MAX_THREADS 16u

/*
 * Takes a snapshot of the handles of opts->pid into *out (empty: made by
 * hl_snapshot_new()). Returns 0, HL_ENOPROC, HL_EACCES, HL_EEXITED, HL_EQUERY,
 * HL_ETIMEDOUT (past opts->deadline_ms), HL_ETOOBIG, HL_ENOMEM,
 * HL_EWOW64 when this is a 32-bit build running on 64-bit Windows (under
 * WOW64 every query passes a translation layer that truncates or is
 * undocumented: the 64-bit build reads 32-bit targets in full), or
 * HL_ENOTSUP where live collection is not built. diag may be NULL.
 *
 * When opts->pid is the calling process, the snapshot leaves out the
 * handle the collector opened on it; its other handles (duplicates, name
 * threads and their events) are made after the handles are listed.
 *
 * Thread safety: calls on several threads at once are fine, each with its
 * own out and diag: every call keeps its state in its own context, and
 * the process-wide parts (the NT call table, resolved once) are only
 * read. A collection of this
 * process while another thread also collects may list that thread's
 * transient handles.
 */
int hl_collect(const struct hl_collect_opts *opts, struct hl_snapshot *out,
               struct hl_diag *diag);

/*
 * Enables SeDebugPrivilege in this process's token when the account holds
 * it (an elevated administrator), so hl_collect() and the other live
 * calls (dumps, handle tracing, symbols) can open services and processes
 * of other users. hl_collect() never changes its host's token itself:
 * call this once, if you want it, before collecting; the snapshot records
 * whether the privilege was enabled. *enabled (may be NULL) is set to 1
 * when it now is. Returns 0, HL_EQUERY, or HL_ENOTSUP where live
 * collection is not built. Changes the whole process's token.
 */
int hl_debug_privilege_enable(int *enabled);

/* One running process, as found by image name. */
struct hl_proc_match {
    uint64_t pid;
    char *image; /* image file name, UTF-8 */
};

/*
 * Finds the processes whose image file name equals image (ASCII case is
 * ignored; ".exe" may be left out). Sets *out to a new array the caller frees
 * with hl_proc_matches_free(). Returns 0 (possibly with *count == 0),
 * HL_ENOMEM, HL_EQUERY or HL_ENOTSUP.
 */
int hl_proc_find(const char *image, struct hl_proc_match **out,
                 size_t *count);

void hl_proc_matches_free(struct hl_proc_match *m, size_t count);

/*
 * Takes a snapshot of the handles of process pid (0: the calling process)
 * into a new snapshot (*out). opts may be NULL for the defaults (names
 * asked, 1 s bound on a name query); its pid field is ignored. A snapshot
 * of the calling process leaves out the handles the collector itself
 * holds while collecting.
 *
 * On success the caller owns *out and frees it with hl_snapshot_free();
 * on failure *out is NULL. Returns 0, HL_EINVAL (out is NULL), or an
 * error of hl_collect(): HL_ENOPROC, HL_EACCES, HL_EEXITED, HL_EQUERY,
 * HL_ETOOBIG, HL_ENOMEM, HL_EWOW64 (a 32-bit build on 64-bit Windows),
 * and HL_ENOTSUP where live collection is not built (every OS but
 * Windows).
 */
int hl_snapshot_take(uint64_t pid, const struct hl_collect_opts *opts,
                     struct hl_snapshot **out);

#ifdef __cplusplus
}
#endif

#endif
