#ifndef HLEAK_HLEAK_LEAKCHECK_H
#define HLEAK_HLEAK_LEAKCHECK_H

#include <stddef.h>
#include <stdio.h>

#include "hleak/collect.h"
#include "hleak/diff.h"
#include "hleak/ignore.h"
#include "hleak/snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Leak checks inside a test: snapshot the calling process before a test
 * case, again after it, and report the handles opened in between that are
 * still open, grouped by type and name as `hleak diff` groups them:
 *
 *     struct hl_leak_check lc;
 *     struct hl_diff d;
 *
 *     hl_leak_check_begin(&lc, NULL);
 *     code_under_test();
 *     hl_leak_check_end(&lc, &d);
 *     ... d.nopened groups, d.total_opened handles still open ...
 *     hl_diff_release(&d);
 *     hl_leak_check_release(&lc);
 *
 * Both snapshots leave out the handles hleak holds while collecting, so
 * a check around code that opens nothing reports nothing. Handles opened
 * by other threads of the process meanwhile are reported like any other.
 * hleak/cmocka.h wraps end, report and release in one assertion.
 *
 * Live collection exists on Windows only: elsewhere begin returns
 * HL_ENOTSUP.
 *
 * Thread safety: a check is an object like any other: distinct checks may
 * run on several threads at once, one check is used by one thread at a
 * time. No state is kept outside the struct.
 */

struct hl_leak_check_opts {
    const struct hl_patterns *ignores; /* handles not to report, as
                                        * `hleak diff --ignore`; may be
                                        * NULL; must outlive the check */
    int exact_names;          /* 1: group by exact name, not pattern */
    unsigned name_timeout_ms; /* bound on one name query; 0 = 1000 */
    unsigned threads;         /* name threads; 0 = the default */
    int no_warmup;            /* 1: skip the warm-up collection */
};

/* One check in progress. Fields are read-only for the caller. */
struct hl_leak_check {
    struct hl_collect_opts collect; /* how both snapshots are taken */
    struct hl_diff_opts diff;       /* how they are compared */
    struct hl_snapshot before;      /* taken by begin */
    struct hl_snapshot after;       /* taken by the last end; empty before */
    int begun;                      /* 1 between begin and release */
};

/*
 * Starts a check: snapshots the calling process (names asked, so groups
 * carry names) into lc->before. lc need not be initialised; opts may be
 * NULL for the defaults. Unless opts->no_warmup, a first collection is
 * made and discarded: system libraries may open, on first use, handles
 * they keep for the life of the process (an RPC binding for account
 * lookups, a cached registry key), and those must not count as leaks of
 * the code under test.
 *
 * Returns 0, HL_EINVAL (lc is NULL), or an error of hl_snapshot_take()
 * (collect.h); on failure lc holds nothing (releasing it is harmless).
 */
int hl_leak_check_begin(struct hl_leak_check *lc,
                        const struct hl_leak_check_opts *opts);

/*
 * Snapshots the calling process again into lc->after and compares it with
 * lc->before into *out (need not be initialised): out->opened lists the
 * groups opened since begin and still open (out->nopened groups,
 * out->total_opened handles, after ignores), out->closed those closed.
 * The caller releases *out with hl_diff_release(). May be called again
 * (the later snapshot replaces the earlier). Returns 0, HL_EINVAL (no
 * check begun, a NULL argument), or an error of hl_snapshot_take() or
 * hl_diff_compute(); on failure *out is empty and lc as before.
 */
int hl_leak_check_end(struct hl_leak_check *lc, struct hl_diff *out);

/*
 * Formats the groups still open of d as a short text for a test failure
 * message (type, name or access, count, handle values) into buf, at most
 * len bytes with the NUL, truncated with "...". Returns the length the
 * whole text needs, without the NUL, as snprintf() does; never fails and
 * allocates nothing. buf may be NULL when len is 0.
 */
size_t hl_leak_check_format(char *buf, size_t len, const struct hl_diff *d);

/*
 * The full text report of `hleak diff` for the diff d that
 * hl_leak_check_end(lc, d) made. Returns 0, HL_EINVAL, HL_ENOMEM or
 * HL_EIO.
 */
int hl_leak_check_print(FILE *out, const struct hl_leak_check *lc,
                        const struct hl_diff *d);

/* Frees both snapshots; lc may be begun again. */
void hl_leak_check_release(struct hl_leak_check *lc);

#ifdef __cplusplus
}
#endif

#endif
