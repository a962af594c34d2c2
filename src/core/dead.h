#ifndef HLEAK_CORE_DEAD_H
#define HLEAK_CORE_DEAD_H

/*
 * Dead targets: the handles of a snapshot to exited threads and processes
 * (hl_dead_find() in hleak/diff.h; docs/triage.md). Below diff and the
 * reports, which both use it.
 */

#include "core-int.h"
#include "diff-int.h"
#include "snapshot-int.h"

/* 1 when h is a Thread or Process handle (*is_thread says which). */
int hl__target_kind(const struct hl_snapshot *s, const struct hl_handle *h,
                    int *is_thread);

#endif
