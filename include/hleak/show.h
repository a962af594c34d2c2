#ifndef HLEAK_HLEAK_SHOW_H
#define HLEAK_HLEAK_SHOW_H

#include <stdio.h>

#include "hleak/snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What `hleak show` prints. */
struct hl_show_opts {
    const char *type; /* only handles of this type (ASCII case ignored) */
    int summary;      /* 1: the counts by type and by name only */
    int exact_names;  /* 1: count by exact name, not by name pattern */
    size_t top;       /* text: at most this many name groups; 0 = 20 */
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

#ifdef __cplusplus
}
#endif

#endif
