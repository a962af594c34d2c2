#include "show.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "diff-int.h"
#include "find-int.h"

int hl__show_type_matches(const struct hl_snapshot *s,
                          const struct hl_handle *h, const char *filter)
{
    return filter == NULL ||
           hl__type_eq(hl_snapshot_str(s, h->type), filter);
}

static int name_shown(const struct hl_snapshot *s,
                      const struct hl_handle *h, const char *glob)
{
    return glob == NULL ||
           hl__find_matches(glob, hl_snapshot_str(s, h->name),
                            hl_snapshot_str(s, h->nt_name));
}

int hl__show_handle_shown(const struct hl_snapshot *s,
                          const struct hl_handle *h,
                          const struct hl_show_opts *o)
{
    return hl__show_type_matches(s, h, o->type) && name_shown(s, h, o->name);
}

/* qsort has no context argument in C11, hence the two-step sort key. */
struct type_row {
    const char *name;
    struct hl_type_count tc;
};

static int type_row_cmp(const void *a, const void *b)
{
    const struct type_row *x = a, *y = b;

    if (x->tc.count != y->tc.count)
        return x->tc.count > y->tc.count ? -1 : 1;
    return strcmp(x->name, y->name);
}

int hl_count_by_type(const struct hl_snapshot *s, const char *type_filter,
                     struct hl_type_count **out, size_t *count)
{
    struct hl_show_opts o;

    memset(&o, 0, sizeof(o));
    o.type = type_filter;
    return hl__show_count_by_type(s, &o, out, count);
}

int hl__show_count_by_type(const struct hl_snapshot *s,
                           const struct hl_show_opts *o,
                           struct hl_type_count **out, size_t *count)
{
    size_t *by_id, i, n = 0;
    struct type_row *rows = NULL;
    struct hl_type_count *res = NULL;
    int err = HL_ENOMEM;

    by_id = hl__calloc(s->strings.count, sizeof(*by_id));
    if (by_id == NULL)
        return HL_ENOMEM;
    for (i = 0; i < s->count; i++) {
        const struct hl_handle *h = &s->handles[i];

        if (!hl__show_handle_shown(s, h, o) ||
            h->type >= s->strings.count)
            continue;
        if (by_id[h->type]++ == 0)
            n++;
    }
    rows = hl__calloc(n, sizeof(*rows));
    res = hl__calloc(n, sizeof(*res));
    if (rows == NULL || res == NULL)
        goto out_free;
    n = 0;
    for (i = 0; i < s->strings.count; i++) {
        if (by_id[i] == 0)
            continue;
        rows[n].name = hl_snapshot_str(s, (uint32_t)i);
        rows[n].tc.type = (uint32_t)i;
        rows[n].tc.count = by_id[i];
        n++;
    }
    qsort(rows, n, sizeof(*rows), type_row_cmp);
    for (i = 0; i < n; i++)
        res[i] = rows[i].tc;
    *out = res;
    *count = n;
    res = NULL;
    err = 0;

out_free:
    hl__free(res);
    hl__free(rows);
    hl__free(by_id);
    return err;
}

/* Copies handle h of s into t, its strings interned in t's table. */
static int copy_handle(struct hl_snapshot *t, const struct hl_snapshot *s,
                       const struct hl_handle *h)
{
    struct hl_handle c = *h;
    int err;

    if ((err = hl_snapshot_intern(t, hl_snapshot_str(s, h->type),
                                  &c.type)) != 0 ||
        (err = hl_snapshot_intern(t, hl_snapshot_str(s, h->name),
                                  &c.name)) != 0 ||
        (err = hl_snapshot_intern(t, hl_snapshot_str(s, h->nt_name),
                                  &c.nt_name)) != 0)
        return err;
    return hl_snapshot_add(t, &c);
}

/*
 * Groups the handles by type and name pattern (unnamed ones by type and
 * access): the "opened" groups of a diff of the same process from a
 * snapshot of the handles not shown (none without --name), so show and
 * diff group alike and every handle --name leaves out matches itself.
 */
int hl__show_group_names(const struct hl_snapshot *s,
                         const struct hl_show_opts *o, struct hl_diff *d)
{
    struct hl_diff_opts dopts;
    struct hl_snapshot empty;
    size_t i;
    int err;

    err = hl_snapshot_init(&empty);
    if (err != 0)
        return err;
    empty.pid = s->pid;
    empty.start_time = s->start_time;
    for (i = 0; i < s->count && err == 0; i++)
        if (!name_shown(s, &s->handles[i], o->name))
            err = copy_handle(&empty, s, &s->handles[i]);
    if (err != 0) {
        hl_snapshot_release(&empty);
        return err;
    }
    memset(&dopts, 0, sizeof(dopts));
    dopts.exact_names = o->exact_names;
    err = hl_diff_compute(&empty, s, &dopts, d);
    hl_snapshot_release(&empty);
    return err;
}

int hl__show_group_shown(const struct hl_diff *d,
                         const struct hl_diff_group *g,
                         const struct hl_show_opts *o)
{
    return o->type == NULL ||
           hl__type_eq(hl_diff_str(d, g->type), o->type);
}


int hl__show_find_handle(const struct hl_snapshot *s, uint32_t value,
                         size_t *index)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == value) {
            *index = i;
            return 1;
        }
    }
    return 0;
}

/*
 * The kernel object address tells one object from another for certain;
 * without it (a dump or a snapshot that has none), the same type and
 * name is the next best: two named objects of one type and name in one
 * namespace are one object. An unnamed handle without an address cannot
 * be matched, unless its object has one handle in all: this one.
 */
size_t hl__show_same_object(const struct hl_snapshot *s, size_t i,
                            enum hl__same_by *by)
{
    const struct hl_handle *h = &s->handles[i];
    uint64_t object = hl_snapshot_object(s, i);
    size_t j, n = 0;

    if (object != 0) {
        *by = HL__SAME_OBJECT;
        for (j = 0; j < s->count; j++)
            n += hl_snapshot_object(s, j) == object;
        return n;
    }
    if (*hl_snapshot_str(s, h->name) == '\0') {
        const struct hl_handle_extra *x = hl_snapshot_extra(s, i);

        if (x != NULL && (x->flags & HL_EXTRA_COUNTS) &&
            x->handle_count == 1) {
            *by = HL__SAME_COUNT;
            return 1;
        }
        *by = HL__SAME_NONE;
        return 0;
    }
    *by = HL__SAME_NAME;
    for (j = 0; j < s->count; j++)
        n += s->handles[j].type == h->type && s->handles[j].name == h->name;
    return n;
}
