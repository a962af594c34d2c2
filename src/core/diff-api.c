/* The opaque diff of the public API (hleak/diff.h): made on the heap,
 * read through accessors, so its layout (diff-int.h) is free to change. */

#include <stddef.h>
#include <stdint.h>

#include "core-int.h"
#include "diff-int.h"
#include "hleak/diff.h"

int hl_diff_new(const struct hl_snapshot *before,
                const struct hl_snapshot *after,
                const struct hl_diff_opts *opts, struct hl_diff **out)
{
    struct hl_diff *d;
    int err;

    if (out != NULL)
        *out = NULL;
    if (before == NULL || after == NULL || out == NULL)
        return HL_EINVAL;
    d = hl__malloc(sizeof(*d));
    if (d == NULL)
        return HL_ENOMEM;
    err = hl_diff_compute(before, after, opts, d);
    if (err != 0) {
        hl__free(d);
        return err;
    }
    *out = d;
    return 0;
}

void hl_diff_free(struct hl_diff *d)
{
    if (d == NULL)
        return;
    hl_diff_release(d);
    hl__free(d);
}

size_t hl_diff_count(const struct hl_diff *d, enum hl_diff_counter what)
{
    if (d == NULL)
        return 0;
    switch (what) {
    case HL_DIFF_BEFORE:
        return d->total_before;
    case HL_DIFF_AFTER:
        return d->total_after;
    case HL_DIFF_OPENED:
        return d->total_opened;
    case HL_DIFF_CLOSED:
        return d->total_closed;
    case HL_DIFF_IGNORED_OPENED:
        return d->ignored_opened;
    case HL_DIFF_IGNORED_CLOSED:
        return d->ignored_closed;
    }
    return 0;
}

size_t hl_diff_ngroups(const struct hl_diff *d, enum hl_diff_list list)
{
    if (d == NULL)
        return 0;
    return list == HL_DIFF_LIST_OPENED ? d->nopened
           : list == HL_DIFF_LIST_CLOSED ? d->nclosed : 0;
}

/* Group i of a list, or NULL out of range. */
static const struct hl_diff_group *group(const struct hl_diff *d,
                                         enum hl_diff_list list, size_t i)
{
    if (i >= hl_diff_ngroups(d, list))
        return NULL;
    return list == HL_DIFF_LIST_OPENED ? &d->opened[i] : &d->closed[i];
}

const char *hl_diff_group_type(const struct hl_diff *d,
                               enum hl_diff_list list, size_t i)
{
    const struct hl_diff_group *g = group(d, list, i);

    return g != NULL ? hl_diff_str(d, g->type) : "";
}

const char *hl_diff_group_name(const struct hl_diff *d,
                               enum hl_diff_list list, size_t i)
{
    const struct hl_diff_group *g = group(d, list, i);

    return g != NULL ? hl_diff_str(d, g->name) : "";
}

size_t hl_diff_group_count(const struct hl_diff *d, enum hl_diff_list list,
                           size_t i)
{
    const struct hl_diff_group *g = group(d, list, i);

    return g != NULL ? g->count : 0;
}

uint32_t hl_diff_group_access(const struct hl_diff *d,
                              enum hl_diff_list list, size_t i)
{
    const struct hl_diff_group *g = group(d, list, i);

    return g != NULL ? g->granted_access : 0;
}

const uint32_t *hl_diff_group_handles(const struct hl_diff *d,
                                      enum hl_diff_list list, size_t i,
                                      size_t *n)
{
    const struct hl_diff_group *g = group(d, list, i);
    size_t count = g != NULL ? g->nhandles : 0;

    if (n != NULL)
        *n = count;
    return count != 0 ? g->handles : NULL;
}

size_t hl_diff_ntypes(const struct hl_diff *d)
{
    return d != NULL ? d->ntypes : 0;
}

const char *hl_diff_type_name(const struct hl_diff *d, size_t i)
{
    return i < hl_diff_ntypes(d) ? hl_diff_str(d, d->types[i].type) : "";
}

void hl_diff_type_counts(const struct hl_diff *d, size_t i, size_t *before,
                         size_t *after)
{
    int in = i < hl_diff_ntypes(d);

    if (before != NULL)
        *before = in ? d->types[i].before : 0;
    if (after != NULL)
        *after = in ? d->types[i].after : 0;
}

int hl_diff_gate_failed(const struct hl_diff *d)
{
    return d != NULL && d->gate_failed;
}

size_t hl_diff_nreasons(const struct hl_diff *d)
{
    return d != NULL ? d->nreasons : 0;
}

const char *hl_diff_reason(const struct hl_diff *d, size_t i)
{
    return i < hl_diff_nreasons(d) ? d->reasons[i] : NULL;
}
