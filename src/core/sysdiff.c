/* Two whole-system snapshots compared (sysdiff.h). */
#include "sysdiff.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/system.h"

/* The union of both snapshots' types, sorted by name: each view's types
 * are sorted already, so a merge. map_b/map_a give the union index of
 * each view's types. */
static int merge_types(struct hl__sysdiff *d, size_t *map_b, size_t *map_a)
{
    size_t nb = hl_system_ntypes(d->before), na = hl_system_ntypes(d->after);
    size_t i = 0, j = 0;

    d->type_names = hl__calloc(nb + na + 1, sizeof(*d->type_names));
    if (d->type_names == NULL)
        return HL_ENOMEM;
    while (i < nb || j < na) {
        const char *b = i < nb ? hl_system_type_name(d->before, i) : NULL;
        const char *a = j < na ? hl_system_type_name(d->after, j) : NULL;
        int c = b == NULL ? 1 : a == NULL ? -1 : strcmp(b, a);

        if (c <= 0)
            map_b[i++] = d->ntypes;
        if (c >= 0)
            map_a[j++] = d->ntypes;
        d->type_names[d->ntypes++] = c <= 0 ? b : a;
    }
    return 0;
}

static int cmp_grew(const void *pa, const void *pb)
{
    const struct hl__sysdiff_type *a = pa, *b = pb;
    uint64_t ga = a->after - a->before, gb = b->after - b->before;

    if (ga != gb)
        return ga > gb ? -1 : 1;
    return a->type < b->type ? -1 : a->type > b->type;
}

/* The types of a process counted in both that gained handles. */
static int types_grown(struct hl__sysdiff *d, struct hl__sysdiff_row *r,
                       size_t ib, size_t ia, const size_t *map_b,
                       const size_t *map_a, uint64_t *scratch)
{
    size_t nb = hl_system_ntypes(d->before), na = hl_system_ntypes(d->after);
    size_t t, n = 0;

    memset(scratch, 0, d->ntypes * sizeof(*scratch));
    for (t = 0; t < nb; t++)
        scratch[map_b[t]] = hl_system_type_count(d->before, ib, t);
    for (t = 0; t < na; t++)
        n += hl_system_type_count(d->after, ia, t) > scratch[map_a[t]];
    if (n == 0)
        return 0;
    r->grew = hl__calloc(n, sizeof(*r->grew));
    if (r->grew == NULL)
        return HL_ENOMEM;
    for (t = 0; t < na; t++) {
        uint64_t after = hl_system_type_count(d->after, ia, t);

        if (after <= scratch[map_a[t]])
            continue;
        r->grew[r->ngrew].type = map_a[t];
        r->grew[r->ngrew].before = scratch[map_a[t]];
        r->grew[r->ngrew].after = after;
        r->ngrew++;
    }
    qsort(r->grew, r->ngrew, sizeof(*r->grew), cmp_grew);
    return 0;
}

/* The name groups of a process named in both views that grew. */
static int names_grown(struct hl__sysdiff_row *r, const struct hl_system *b,
                       size_t ib, const struct hl_system *a, size_t ia)
{
    struct hl__name_groups before;
    int err;

    if (hl_system_names(b, ib, NULL, NULL, NULL) != HL_SYSTEM_NAMES_READ ||
        hl_system_names(a, ia, NULL, NULL, NULL) != HL_SYSTEM_NAMES_READ)
        return 0;
    r->names_known = 1;
    memset(&before, 0, sizeof(before));
    err = hl__name_groups_of(b, ib, &before);
    if (err == 0)
        err = hl__name_groups_of(a, ia, &r->names_after);
    if (err == 0)
        err = hl__name_growth(&before, &r->names_after, &r->names_grew,
                              &r->nnames_grew);
    hl__name_groups_release(&before);
    return err;
}

static void fill_row(struct hl__sysdiff_row *r, const struct hl_system *sys,
                     size_t i, int status)
{
    r->pid = hl_system_pid(sys, i);
    r->start = hl_system_start_time(sys, i);
    r->image = hl_system_image(sys, i);
    r->status = status;
    r->before = r->after = HL_SYSTEM_UNKNOWN;
    if (status == HL__SYSDIFF_EXITED)
        r->before = hl_system_handles(sys, i);
    else
        r->after = hl_system_handles(sys, i);
}

static int add_row(struct hl__sysdiff_row **rows, size_t *n, size_t *cap,
                   struct hl__sysdiff_row **out)
{
    int err = hl__grow_zeroed((void **)rows, cap, *n + 1, sizeof(**rows));

    if (err != 0)
        return err;
    *out = &(*rows)[(*n)++];
    return 0;
}

/* Walks both views by pid (each sorted by pid): the same pid with the
 * same start time is one process; a pid with another start time was
 * reused: one process exited and another started. */
static int match(struct hl__sysdiff *d, const size_t *map_b,
                 const size_t *map_a, uint64_t *scratch)
{
    size_t nb = hl_system_count(d->before), na = hl_system_count(d->after);
    size_t i = 0, j = 0, cap_both = 0, cap_new = 0, cap_exit = 0;
    struct hl__sysdiff_row *r;
    int err;

    while (i < nb || j < na) {
        uint64_t pb = i < nb ? hl_system_pid(d->before, i) : UINT64_MAX;
        uint64_t pa = j < na ? hl_system_pid(d->after, j) : UINT64_MAX;
        int same = i < nb && j < na && pb == pa &&
                   hl_system_start_time(d->before, i) ==
                       hl_system_start_time(d->after, j);

        if (same) {
            if ((err = add_row(&d->both, &d->nboth, &cap_both, &r)) != 0)
                return err;
            fill_row(r, d->after, j, HL__SYSDIFF_BOTH);
            r->before = hl_system_handles(d->before, i);
            r->counted = r->before != HL_SYSTEM_UNKNOWN &&
                         r->after != HL_SYSTEM_UNKNOWN;
            d->uncounted += !r->counted;
            if (r->counted) {
                r->growth = (int64_t)(r->after - r->before);
                err = types_grown(d, r, i, j, map_b, map_a, scratch);
                if (err == 0)
                    err = names_grown(r, d->before, i, d->after, j);
                if (err != 0)
                    return err;
            }
            i++, j++;
        } else if (i < nb && (j == na || pb <= pa)) {
            if ((err = add_row(&d->exited, &d->nexited, &cap_exit, &r)) != 0)
                return err;
            fill_row(r, d->before, i++, HL__SYSDIFF_EXITED);
        } else {
            if ((err = add_row(&d->started, &d->nstarted, &cap_new, &r)) != 0)
                return err;
            fill_row(r, d->after, j++, HL__SYSDIFF_NEW);
        }
    }
    return 0;
}

static int cmp_growth(const void *pa, const void *pb)
{
    const struct hl__sysdiff_row *a = pa, *b = pb;

    if (a->counted != b->counted)
        return a->counted ? -1 : 1;
    if (a->growth != b->growth)
        return a->growth > b->growth ? -1 : 1;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* Most handles first; a count unknown last. */
static int cmp_handles(const void *pa, const void *pb)
{
    const struct hl__sysdiff_row *a = pa, *b = pb;
    uint64_t ha = a->status == HL__SYSDIFF_EXITED ? a->before : a->after;
    uint64_t hb = b->status == HL__SYSDIFF_EXITED ? b->before : b->after;

    ha = ha == HL_SYSTEM_UNKNOWN ? 0 : ha + 1;
    hb = hb == HL_SYSTEM_UNKNOWN ? 0 : hb + 1;
    if (ha != hb)
        return ha > hb ? -1 : 1;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int add_reason(struct hl__sysdiff *d, const struct hl__sbuf *b)
{
    char *copy;
    int err;

    if (b->err != 0)
        return b->err;
    copy = hl__strdup(b->data);
    if (copy == NULL)
        return HL_ENOMEM;
    err = hl__grow((void **)&d->reasons, &d->reasons_cap, d->nreasons + 1,
                   sizeof(*d->reasons));
    if (err != 0) {
        hl__free(copy);
        return err;
    }
    d->reasons[d->nreasons++] = copy;
    return 0;
}

/* The type of r matching name (ASCII case ignored), or NULL. */
static const struct hl__sysdiff_type *grown_type(const struct hl__sysdiff *d,
                                                 const struct
                                                 hl__sysdiff_row *r,
                                                 const char *name)
{
    size_t k;

    for (k = 0; k < r->ngrew; k++) {
        if (hl__ascii_caseeq(d->type_names[r->grew[k].type], name))
            return &r->grew[k];
    }
    return NULL;
}

/* ", most NAME (+N)": the name group of that type (NULL: any) that grew
 * most, when the names are known. */
static void top_name(struct hl__sbuf *b, const struct hl__sysdiff_row *r,
                     const char *type)
{
    size_t k;

    for (k = 0; k < r->nnames_grew; k++) {
        const struct hl__name_growth *g = &r->names_grew[k];

        if (type != NULL && strcmp(g->type, type) != 0)
            continue;
        hl__sbuf_printf(b, ", most %s%s%s (+%" PRIu64 ")",
                        type == NULL ? g->type : "", type == NULL ? " " : "",
                        g->pattern, g->after - g->before);
        return;
    }
}

const char *hl__sysdiff_image(const struct hl__sysdiff_row *r)
{
    return r->image[0] != '\0' ? r->image : "[System Process]";
}

size_t hl__sysdiff_ngates(const struct hl__sysdiff *d)
{
    return (d->opts.fail_on_new ? 1u : 0u) + d->opts.nfail_on;
}

/* Gate g's --fail-on limit, or NULL for --fail-on-new. */
static const struct hl_type_limit *limit_of(const struct hl__sysdiff *d,
                                            size_t g)
{
    size_t k = g - (d->opts.fail_on_new ? 1u : 0u);

    return d->opts.fail_on_new && g == 0 ? NULL : &d->opts.fail_on[k];
}

int hl__sysdiff_gate_is_new(const struct hl__sysdiff *d, size_t g)
{
    return limit_of(d, g) == NULL;
}

void hl__sysdiff_gate_name(struct hl__sbuf *b, const struct hl__sysdiff *d,
                           size_t g)
{
    const struct hl_type_limit *l = limit_of(d, g);

    if (l == NULL)
        hl__sbuf_puts(b, "fail-on-new");
    else
        hl__sbuf_printf(b, "fail-on %s", l->type);
}

int hl__sysdiff_gate(const struct hl__sysdiff *d,
                     const struct hl__sysdiff_row *r, size_t g,
                     struct hl__sysdiff_verdict *v, struct hl__sbuf *reason)
{
    const struct hl_type_limit *l = limit_of(d, g);
    const struct hl__sysdiff_type *t = NULL;

    memset(v, 0, sizeof(*v));
    v->max = l == NULL ? d->opts.fail_on_new_max : l->max;
    /* started or exited in between, or not counted in one snapshot (it
     * started as the list was read): nothing to judge */
    if (r->status != HL__SYSDIFF_BOTH || !r->counted)
        return 0;
    v->judged = 1;
    if (l == NULL) {
        v->count = r->growth > 0 ? (uint64_t)r->growth : 0;
    } else if ((t = grown_type(d, r, l->type)) != NULL) {
        v->count = t->after - t->before;
    }
    v->failed = v->count > v->max;
    if (!v->failed || reason == NULL)
        return v->failed;
    if (l == NULL) {
        hl__sbuf_printf(reason, "--fail-on-new %" PRIu64 ": pid %" PRIu64
                        " (%s) grew by %" PRId64 " handles",
                        v->max, r->pid, r->image, r->growth);
        if (r->ngrew != 0)
            hl__sbuf_printf(reason, ", most %s (+%" PRIu64 ")",
                            d->type_names[r->grew[0].type],
                            r->grew[0].after - r->grew[0].before);
    } else {
        hl__sbuf_printf(reason, "--fail-on %s=%" PRIu64 ": pid %" PRIu64
                        " (%s) gained %" PRIu64 " %s handles (%" PRIu64
                        " -> %" PRIu64 ")",
                        l->type, l->max, r->pid, r->image, v->count,
                        d->type_names[t->type], t->before, t->after);
        top_name(reason, r, d->type_names[t->type]);
    }
    return 1;
}

/* Fails gates on row r; returns 0 or HL_ENOMEM. */
static int judge(struct hl__sysdiff *d, struct hl__sysdiff_row *r)
{
    struct hl__sysdiff_verdict v;
    struct hl__sbuf b;
    size_t g;
    int err = 0;

    hl__sbuf_init(&b);
    for (g = 0; err == 0 && g < hl__sysdiff_ngates(d); g++) {
        b.len = 0;
        if (hl__sysdiff_gate(d, r, g, &v, &b)) {
            r->failed = 1;
            err = add_reason(d, &b);
        }
    }
    hl__sbuf_release(&b);
    d->gate_failed |= r->failed;
    return err;
}

/* Image (ASCII case ignored), then pid, then start time. */
static int cmp_stable(const void *pa, const void *pb)
{
    const struct hl__sysdiff_row *a, *b;
    int c;

    a = *(const struct hl__sysdiff_row *const *)pa;
    b = *(const struct hl__sysdiff_row *const *)pb;
    c = hl__ascii_casecmp(a->image, b->image);

    if (c != 0)
        return c;
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    return a->start < b->start ? -1 : a->start > b->start;
}

int hl__sysdiff_stable(const struct hl__sysdiff *d,
                       const struct hl__sysdiff_row ***out, size_t *n)
{
    const struct hl__sysdiff_row **rows;
    size_t i, k = 0;

    *n = d->nboth + d->nstarted + d->nexited;
    rows = hl__calloc(*n + 1, sizeof(*rows));
    *out = rows;
    if (rows == NULL)
        return HL_ENOMEM;
    for (i = 0; i < d->nboth; i++)
        rows[k++] = &d->both[i];
    for (i = 0; i < d->nstarted; i++)
        rows[k++] = &d->started[i];
    for (i = 0; i < d->nexited; i++)
        rows[k++] = &d->exited[i];
    if (k > 1)
        qsort(rows, k, sizeof(*rows), cmp_stable);
    return 0;
}

int hl__sysdiff_compute(const struct hl_system *before,
                        const struct hl_system *after,
                        const struct hl__sysdiff_opts *opts,
                        struct hl__sysdiff *d)
{
    size_t nb = hl_system_ntypes(before), na = hl_system_ntypes(after);
    size_t *map_b, *map_a, i;
    uint64_t *scratch;
    int err;

    d->before = before;
    d->after = after;
    d->opts = *opts;
    map_b = hl__calloc(nb + 1, sizeof(*map_b));
    map_a = hl__calloc(na + 1, sizeof(*map_a));
    scratch = hl__calloc(nb + na + 1, sizeof(*scratch));
    err = map_b == NULL || map_a == NULL || scratch == NULL ? HL_ENOMEM : 0;
    if (err == 0)
        err = merge_types(d, map_b, map_a);
    if (err == 0)
        err = match(d, map_b, map_a, scratch);
    hl__free(scratch);
    hl__free(map_a);
    hl__free(map_b);
    if (err != 0)
        return err;
    /* a list may be empty, and then NULL, which qsort must not get */
    if (d->nboth > 1)
        qsort(d->both, d->nboth, sizeof(*d->both), cmp_growth);
    if (d->nstarted > 1)
        qsort(d->started, d->nstarted, sizeof(*d->started), cmp_handles);
    if (d->nexited > 1)
        qsort(d->exited, d->nexited, sizeof(*d->exited), cmp_handles);
    for (i = 0; i < hl_system_count(before); i++)
        if (hl_system_handles(before, i) != HL_SYSTEM_UNKNOWN)
            d->before_total += hl_system_handles(before, i);
    for (i = 0; i < hl_system_count(after); i++)
        if (hl_system_handles(after, i) != HL_SYSTEM_UNKNOWN)
            d->after_total += hl_system_handles(after, i);
    d->gated = opts->fail_on_new || opts->nfail_on != 0;
    for (i = 0; d->gated && i < d->nboth && err == 0; i++)
        err = judge(d, &d->both[i]);
    return err;
}

static void release_rows(struct hl__sysdiff_row *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        hl__free(rows[i].grew);
        hl__free(rows[i].names_grew);
        hl__name_groups_release(&rows[i].names_after);
    }
    hl__free(rows);
}

void hl__sysdiff_release(struct hl__sysdiff *d)
{
    size_t i;

    release_rows(d->both, d->nboth);
    release_rows(d->started, d->nstarted);
    release_rows(d->exited, d->nexited);
    for (i = 0; i < d->nreasons; i++)
        hl__free(d->reasons[i]);
    hl__free(d->reasons);
    hl__free(d->type_names);
    memset(d, 0, sizeof(*d));
}
