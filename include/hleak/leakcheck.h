#ifndef HLEAK_HLEAK_LEAKCHECK_H
#define HLEAK_HLEAK_LEAKCHECK_H

#include <stddef.h>
#include <stdio.h>

#include "hleak/diff.h"
#include "hleak/ignore.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Leak checks inside a test: snapshot the calling process before a test
 * case, again after it, and report the handles opened in between that are
 * still open, grouped by type and name as `hleak diff` groups them:
 *
 *     struct hl_leak_check *lc;
 *     struct hl_diff *d;
 *
 *     hl_leak_check_begin(&lc, NULL);
 *     code_under_test();
 *     hl_leak_check_end(lc, &d);
 *     ... hl_diff_ngroups(d, HL_DIFF_LIST_OPENED) groups,
 *         hl_diff_count(d, HL_DIFF_OPENED) handles still open ...
 *     hl_diff_free(d);
 *     hl_leak_check_free(lc);
 *
 * Both snapshots leave out the handles hleak holds while collecting, so
 * a check around code that opens nothing reports nothing. Handles opened
 * by other threads of the process meanwhile are reported like any other.
 * hleak/cmocka.h wraps end, report and free in one assertion.
 *
 * Live collection exists on Windows only: elsewhere begin returns
 * HL_ENOTSUP.
 *
 * Thread safety: a check is an object like any other: distinct checks may
 * run on several threads at once, one check is used by one thread at a
 * time. No state is kept outside the check.
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

/* One check in progress (opaque). */
struct hl_leak_check;

/*
 * Starts a check (*out): snapshots the calling process, names asked so
 * groups carry names. opts may be NULL for the defaults. Unless
 * opts->no_warmup, a first collection is made and discarded: system
 * libraries may open, on first use, handles they keep for the life of the
 * process (an RPC binding for account lookups, a cached registry key),
 * and those must not count as leaks of the code under test.
 *
 * Returns 0, HL_EINVAL (out is NULL), HL_ENOMEM, or an error of
 * hl_snapshot_take() (collect.h); on failure *out is NULL.
 */
int hl_leak_check_begin(struct hl_leak_check **out,
                        const struct hl_leak_check_opts *opts);

/*
 * Snapshots the calling process again and compares it with the snapshot
 * of begin into a new diff (*out, freed with hl_diff_free(), diff.h): its
 * HL_DIFF_LIST_OPENED groups were opened since begin and are still open
 * (after ignores), its HL_DIFF_LIST_CLOSED groups were closed. May be
 * called again (the later snapshot replaces the earlier). Returns 0,
 * HL_EINVAL (a NULL argument), or an error of hl_snapshot_take() or
 * hl_diff_new(); on failure *out is NULL and lc as before.
 */
int hl_leak_check_end(struct hl_leak_check *lc, struct hl_diff **out);

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
 * hl_leak_check_end(lc, &d) made. Returns 0, HL_EINVAL, HL_ENOMEM or
 * HL_EIO.
 */
int hl_leak_check_print(FILE *out, const struct hl_leak_check *lc,
                        const struct hl_diff *d);

/* Frees the check and both its snapshots; NULL is ignored. */
void hl_leak_check_free(struct hl_leak_check *lc);

#ifdef __cplusplus
}
#endif

#endif
