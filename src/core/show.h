#ifndef HLEAK_CORE_SHOW_H
#define HLEAK_CORE_SHOW_H

/*
 * What `show` computes for its reporters (report-text.c, report-json.c):
 * the counts by type and the reports of `hleak show`.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diff-int.h"
#include "snapshot-int.h"

/* What `hleak show` prints. */
struct hl_show_opts {
    const char *type; /* only handles of this type (ASCII case ignored) */
    int summary;      /* 1: the counts by type and by name only */
    int exact_names;  /* 1: count by exact name, not by name pattern */
    size_t top;       /* text: at most this many handles (0: all), or
                       * with summary name groups (0: 20) */
    int access;       /* text: each handle's access and attributes in
                       * words under its line (--access) */
    int one;          /* 1: only handle `index`, in full (--handle) */
    size_t index;     /* with one: the handle's index in the snapshot */
    const char *name; /* only handles whose friendly or NT name matches
                       * this glob, as `hleak find` matches (its
                       * hl__find_glob()); NULL: any */
};

/* How hl__show_same_object() matched the handles to one object. */
enum hl__same_by {
    HL__SAME_NONE,   /* neither an object address nor a name: unknown */
    HL__SAME_OBJECT, /* the same kernel object address */
    HL__SAME_NAME,   /* the same type and name (no addresses recorded) */
    HL__SAME_COUNT   /* neither, but the object's HandleCount is 1 */
};

/* One line of the summary: a type and how many handles have it. */
struct hl_type_count {
    uint32_t type; /* string id in the snapshot */
    size_t count;
};

/*
 * Counts the handles of s by type (filtered by type_filter when not NULL),
 * sorted by count, largest first, then by name. *out is a new array freed
 * with hl_free(). Returns 0 or HL_ENOMEM.
 */
int hl_count_by_type(const struct hl_snapshot *s, const char *type_filter,
                     struct hl_type_count **out, size_t *count);

/* The text report: header, handle table, summary like WinDbg's !handle.
 * Returns 0, HL_ENOMEM or HL_EIO. */
int hl_show_text(FILE *out, const struct hl_snapshot *s,
                 const struct hl_show_opts *opts);

/* The JSON report documented in docs/man/hleak-show.md. */
int hl_show_json(FILE *out, const struct hl_snapshot *s,
                 const struct hl_show_opts *opts);

/* 1 and *index set to the first handle whose value is value, or 0 when
 * s holds none. */
int hl__show_find_handle(const struct hl_snapshot *s, uint32_t value,
                         size_t *index);

/* How many handles of s (handle i among them) are to the object of
 * handle i, and how that was told (*by); 0 with HL__SAME_NONE. */
size_t hl__show_same_object(const struct hl_snapshot *s, size_t i,
                            enum hl__same_by *by);

/* 1 when handle h is of type filter (any with NULL). */
int hl__show_type_matches(const struct hl_snapshot *s,
                          const struct hl_handle *h, const char *filter);

/* 1 when handle h is shown: of o->type and matching o->name. */
int hl__show_handle_shown(const struct hl_snapshot *s,
                          const struct hl_handle *h,
                          const struct hl_show_opts *o);

/* hl_count_by_type() of the handles shown under o. */
int hl__show_count_by_type(const struct hl_snapshot *s,
                           const struct hl_show_opts *o,
                           struct hl_type_count **out, size_t *count);

/* Groups the handles of s shown under o (by name; the type is left to
 * hl__show_group_shown()) by type and name pattern into d, as diff
 * groups what a process opened. Release d with hl_diff_release(). */
int hl__show_group_names(const struct hl_snapshot *s,
                         const struct hl_show_opts *o, struct hl_diff *d);

/* 1 when group g is of the type --type asks for. */
int hl__show_group_shown(const struct hl_diff *d,
                         const struct hl_diff_group *g,
                         const struct hl_show_opts *o);

#endif
