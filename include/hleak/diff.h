#ifndef HLEAK_HLEAK_DIFF_H
#define HLEAK_HLEAK_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hleak/ignore.h"
#include "hleak/snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A per-type gate: fail when more than max handles of type were opened. */
struct hl_type_limit {
    const char *type; /* ASCII case ignored */
    uint64_t max;
};

struct hl_diff_opts {
    const struct hl_patterns *ignores; /* names to drop; may be NULL */
    int exact_names;                   /* 1: group by exact name, not by
                                        * name pattern */
    int fail_on_new;                   /* 1: gate on fail_on_new_max */
    uint64_t fail_on_new_max;
    const struct hl_type_limit *fail_on; /* per-type gates */
    size_t nfail_on;
    int fail_on_dead;                  /* 1: gate on fail_on_dead_max */
    uint64_t fail_on_dead_max;         /* handles to exited threads and
                                        * processes allowed in AFTER */
};

/*
 * A comparison of two snapshots: the handles opened and still open and
 * those closed, in groups that share a type and a name pattern (or an
 * exact name, with exact_names; unnamed handles share a type and a
 * granted access instead), the counts by type and the gates. Opaque:
 * made by hl_diff_new() (or hl_leak_check_end(), leakcheck.h), read
 * through the functions below, freed by hl_diff_free(). It owns copies of
 * what it shows: it outlives both snapshots.
 */
struct hl_diff;

/*
 * Compares before and after into a new diff (*out). opts may be NULL for
 * the defaults. Returns 0, HL_EINVAL (a NULL argument), HL_ENOMEM or
 * HL_ETOOBIG; on failure *out is NULL.
 */
int hl_diff_new(const struct hl_snapshot *before,
                const struct hl_snapshot *after,
                const struct hl_diff_opts *opts, struct hl_diff **out);

/* Frees a diff; NULL is ignored. */
void hl_diff_free(struct hl_diff *d);

/* What hl_diff_count() counts. */
enum hl_diff_counter {
    HL_DIFF_BEFORE,         /* handles in BEFORE */
    HL_DIFF_AFTER,          /* handles in AFTER */
    HL_DIFF_OPENED,         /* handles opened and still open (after
                             * ignores) */
    HL_DIFF_CLOSED,         /* handles closed (after ignores) */
    HL_DIFF_IGNORED_OPENED, /* opened ones dropped by ignore patterns */
    HL_DIFF_IGNORED_CLOSED  /* closed ones dropped by ignore patterns */
};

/* The number of handles the counter counts; 0 for an unknown one. */
size_t hl_diff_count(const struct hl_diff *d, enum hl_diff_counter what);

/* The two lists of groups, each largest first. */
enum hl_diff_list {
    HL_DIFF_LIST_OPENED, /* opened and still open */
    HL_DIFF_LIST_CLOSED  /* closed */
};

/* The number of groups in a list. */
size_t hl_diff_ngroups(const struct hl_diff *d, enum hl_diff_list list);

/*
 * Group i (< hl_diff_ngroups()) of a list: its type ("Event"), its name
 * (the exact name when the group has one, else the name pattern,
 * "C:\\Temp\\req-{n}.tmp"; "" for unnamed handles), its handle count, its
 * granted access (the first seen), and its handle values, ascending,
 * when both snapshots are of one process (by name, for two processes,
 * there are none: *n is 0 and the result NULL). Out of range: "", 0,
 * NULL. Valid until the diff is freed.
 */
const char *hl_diff_group_type(const struct hl_diff *d,
                               enum hl_diff_list list, size_t i);
const char *hl_diff_group_name(const struct hl_diff *d,
                               enum hl_diff_list list, size_t i);
size_t hl_diff_group_count(const struct hl_diff *d, enum hl_diff_list list,
                           size_t i);
uint32_t hl_diff_group_access(const struct hl_diff *d,
                              enum hl_diff_list list, size_t i);
const uint32_t *hl_diff_group_handles(const struct hl_diff *d,
                                      enum hl_diff_list list, size_t i,
                                      size_t *n);

/* The per-type table, largest growth first: type i's name ("" out of
 * range) and its handles in BEFORE and AFTER (either pointer may be
 * NULL; 0 out of range). */
size_t hl_diff_ntypes(const struct hl_diff *d);
const char *hl_diff_type_name(const struct hl_diff *d, size_t i);
void hl_diff_type_counts(const struct hl_diff *d, size_t i, size_t *before,
                         size_t *after);

/* 1 when a gate of the options failed; then hl_diff_nreasons() sentences
 * say which and why (hl_diff_reason(); NULL out of range). */
int hl_diff_gate_failed(const struct hl_diff *d);
size_t hl_diff_nreasons(const struct hl_diff *d);
const char *hl_diff_reason(const struct hl_diff *d, size_t i);

/* 1 when AFTER was taken before BEFORE (both times known): the inputs are
 * most likely swapped, and every leak would read as closed. */
int hl_diff_reversed(const struct hl_snapshot *before,
                     const struct hl_snapshot *after);

/* 1 when the two snapshots are of different programs: both image paths
 * known and different, ASCII case ignored. */
int hl_diff_other_program(const struct hl_snapshot *before,
                          const struct hl_snapshot *after);

/*
 * CI report files, written atomically to path: JUnit XML (each gate a test
 * case; a failed gate's failure lists the groups that broke it) and SARIF
 * 2.1.0 (each opened group a result). Returns 0, HL_ENOMEM or a file error
 * (HL_ENOENT, HL_EACCES, HL_EIO).
 */
int hl_diff_write_junit(const char *path, const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after);
int hl_diff_write_sarif(const char *path, const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after);

/* The formats of hl_diff_report(), as `hleak diff --format`. */
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
