#ifndef HLEAK_CORE_SHOW_H
#define HLEAK_CORE_SHOW_H

/*
 * What `show` computes for its reporters (report-text.c, report-json.c):
 * the internal half of hleak/show.h.
 */

#include "hleak/diff.h"
#include "hleak/show.h"

/* 1 when handle h is of type filter (any with NULL). */
int hl__show_type_matches(const struct hl_snapshot *s,
                          const struct hl_handle *h, const char *filter);

/* Groups the handles of s by type and name pattern into d, as
 * diff groups what a process opened. Release d with hl_diff_release(). */
int hl__show_group_names(const struct hl_snapshot *s,
                         const struct hl_show_opts *o, struct hl_diff *d);

/* 1 when group g is of the type --type asks for. */
int hl__show_group_shown(const struct hl_diff *d,
                         const struct hl_diff_group *g,
                         const struct hl_show_opts *o);

#endif
