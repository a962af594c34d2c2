#ifndef HLEAK_CORE_DIFF_INT_H
#define HLEAK_CORE_DIFF_INT_H

/*
 * The internal half of hleak/diff.h: the diff's layout (groups, gates,
 * dead targets, the string table behind their ids) and the calls the
 * tool and the reporters use on it. Internal code keeps diffs on the
 * stack (hl_diff_compute() / hl_diff_release()); a user of the installed
 * library has the opaque type and its accessors, so none of this is ABI.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hleak/diff.h"
#include "ignore-int.h"
#include "snapshot-int.h"
#include "strtab.h"

/* How handles of the two snapshots were matched. */
enum hl_match {
    HL_MATCH_IDENTITY, /* same process: one to one, by handle identity */
    HL_MATCH_BY_NAME   /* other processes: growth per (type, name
                        * pattern), or per name made neutral
                        * (hl_name_neutral) with exact_names */
};

/* One exact name within a group, and how many of the group's handles
 * carry it. */
struct hl_diff_name {
    uint32_t name;
    size_t count;
};

/*
 * Handles opened (or closed) that share a type and a name pattern (or an
 * exact name, with exact_names); unnamed handles share a type and a
 * granted access instead. Strings are ids in the diff's own table.
 */
struct hl_diff_group {
    uint32_t type;
    uint32_t name;    /* the exact name when the group has one, else the
                       * pattern; 0 ("") for unnamed handles */
    uint32_t pattern; /* the name pattern ("C:\\Temp\\req-{n}.tmp") */
    const struct hl_diff_name *names; /* exact names, largest first; by
                                       * name, those whose own count grew,
                                       * with that growth */
    size_t nnames;           /* 0 for unnamed handles */
    uint32_t granted_access; /* the group's access (the first seen) */
    int access_mixed;        /* 1 when a named group's handles differ */
    size_t count;            /* handles in the group */
    const uint32_t *handles; /* their values, ascending (identity only) */
    size_t nhandles;         /* count in identity mode, 0 by name */
    /* the values the reports show, ascending: handles in identity mode;
     * by name, every handle of the group's key in AFTER (opened) or
     * BEFORE (closed), which can be more than count */
    const uint32_t *values;
    size_t nvalues;
    /* the handles' open stack (handle tracing, dumps), one frame a line,
     * innermost first: as text (symbol, else "app.exe+0x12", else the
     * address), which is part of the group's key, and as "0x%016x"
     * addresses (of the group's first handle); 0 ("") for none */
    uint32_t stack;
    uint32_t stack_addrs;
};

/* What a gate counts. */
enum hl_gate_kind {
    HL_GATE_OPENED, /* handles opened and still open: --fail-on-new (type
                     * 0) or --fail-on TYPE=N */
    HL_GATE_DEAD,   /* handles in AFTER to exited threads and processes,
                     * opened when they may (--fail-on-dead) */
    HL_GATE_GROWTH  /* a type's growth rate over a series of samples
                     * (run's --fail-on-growth), judged by the caller and
                     * added with hl__diff_add_growth() */
};

/* One leak gate and how it went. */
struct hl_diff_gate {
    enum hl_gate_kind kind;
    uint32_t type;      /* the type it limits; 0 = all (--fail-on-new,
                         * and every HL_GATE_DEAD gate) */
    uint64_t max;       /* handles allowed */
    size_t opened;      /* handles it counted: opened and still open, or
                         * (HL_GATE_DEAD) open to exited targets */
    int failed;         /* opened > max */
    const char *reason; /* the sentence in reasons[] when failed */
    /* HL_GATE_GROWTH only: the fastest type it covers (string id), its
     * rate and the limit in handles per minute, the samples judged, and
     * whether they were enough to judge at all */
    uint32_t worst;
    double rate, rate_max;
    size_t samples;
    int judged;
};

/*
 * Adds a growth gate to d, for the reports: type the type it limits (NULL:
 * every type without a limit of its own), worst the fastest-growing type it
 * covers (NULL: none grew), rate that type's handles per minute, rate_max
 * the limit, samples the series' length, judged 0 when they were too few
 * (the gate then neither fails nor passes), failed as the caller judged
 * the trend. Returns 0 or HL_ENOMEM.
 */
int hl__diff_add_growth(struct hl_diff *d, const char *type,
                        const char *worst, double rate, double rate_max,
                        size_t samples, int judged, int failed);

/* A handle to a thread or process that has exited. */
struct hl_dead_handle {
    size_t index;            /* the handle's index in its snapshot */
    uint32_t value;          /* the handle value */
    uint32_t type;           /* string id: "Thread" or "Process" */
    uint32_t name;           /* string id: its label ("tid 12 in ...") */
    int is_thread;           /* 1 thread, 0 process */
    struct hl_target target; /* id, exit code and time */
};

/* The handles of one snapshot to exited threads and processes. */
struct hl_dead {
    int recorded;     /* 1: the snapshot says which targets exited (live
                       * snapshots with names; not dumps, not --no-names) */
    size_t threads;   /* handles to exited threads */
    size_t processes; /* handles to exited processes */
    size_t alive;     /* Thread and Process handles to running targets */
    size_t unknown;   /* Thread and Process handles not told apart */
    struct hl_dead_handle *handles; /* the exited, in snapshot order */
    size_t count;     /* threads + processes */
};

/*
 * Finds the handles of s to exited threads and processes. Type and name
 * ids go into strings (interned) or, with strings NULL, stay those of s.
 * Returns 0, HL_ENOMEM or HL_ETOOBIG; release with hl_dead_release().
 */
int hl_dead_find(const struct hl_snapshot *s, struct hl_strtab *strings,
                 struct hl_dead *out);

void hl_dead_release(struct hl_dead *dd);

/* Handles of one type in each snapshot. */
struct hl_diff_type {
    uint32_t type;
    size_t before;
    size_t after;
};

struct hl_diff {
    enum hl_match match;
    struct hl_strtab strings;
    struct hl_diff_group *opened; /* largest first */
    size_t nopened;
    struct hl_diff_group *closed; /* largest first */
    size_t nclosed;
    struct hl_diff_type *types;   /* largest growth first */
    size_t ntypes;
    size_t total_before;
    size_t total_after;
    size_t total_opened;          /* after ignores */
    size_t total_closed;          /* after ignores */
    size_t ignored_opened;        /* dropped by ignore patterns */
    size_t ignored_closed;
    int gate_failed;
    char **reasons;               /* one sentence per failed gate */
    size_t nreasons;
    struct hl_diff_gate *gates;   /* every gate asked for, in order */
    size_t ngates;
    uint32_t *values[2];          /* storage behind the handles of the
                                   * opened [0] and closed [1] groups */
    struct hl_diff_name *names[2]; /* storage behind their names */
    struct hl_dead dead;          /* handles of AFTER to exited targets
                                   * (ids in strings) */
    uint32_t *ignore_specs;       /* each ignore pattern, "TYPE:GLOB" */
    size_t *ignore_hits;          /* handles it matched, in BEFORE and
                                   * AFTER together: 0 = stale pattern */
    size_t nignores;
    int other_program;            /* the image paths differ (case
                                   * ignored; unknown ones do not) */
};

/*
 * Compares before and after into *out (which need not be initialised).
 * Both snapshots must outlive nothing: *out owns copies of what it shows.
 * Returns 0 or HL_ENOMEM / HL_ETOOBIG; on failure *out is empty.
 */
int hl_diff_compute(const struct hl_snapshot *before,
                    const struct hl_snapshot *after,
                    const struct hl_diff_opts *opts, struct hl_diff *out);

void hl_diff_release(struct hl_diff *d);

/* The string for id in the diff's table, never NULL. */
const char *hl_diff_str(const struct hl_diff *d, uint32_t id);

/* How a diff is printed. */
/* Handle values a text group line shows without all_values. */
#define HL_DIFF_TEXT_VALUES 8

struct hl_diff_report_opts {
    size_t top; /* at most this many groups per list; 0 = all */
    int color;  /* 1: ANSI colors (the caller checks for a terminal) */
    int all_values; /* text: every handle value of a group, not the
                     * first HL_DIFF_TEXT_VALUES */
};

/*
 * Reports, documented in docs/man/hleak-diff.md. before and after are the
 * snapshots the diff was computed from (for the process headers). Each
 * returns 0, or HL_EIO when writing failed.
 */
int hl_diff_text(FILE *out, const struct hl_diff *d,
                 const struct hl_snapshot *before,
                 const struct hl_snapshot *after,
                 const struct hl_diff_report_opts *opts);
int hl_diff_json(FILE *out, const struct hl_diff *d,
                 const struct hl_snapshot *before,
                 const struct hl_snapshot *after);
int hl_diff_csv(FILE *out, const struct hl_diff *d);

#endif
