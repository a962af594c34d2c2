#include "watch.h"

#include <stdlib.h>
#include <string.h>

#include "core-int.h"

void hl_watch_init(struct hl_watch *w)
{
    memset(w, 0, sizeof(*w));
}

void hl_watch_release(struct hl_watch *w)
{
    size_t i;

    for (i = 0; i < w->ntypes; i++) {
        hl__free(w->types[i].name);
        hl__free(w->types[i].count);
    }
    hl__free(w->types);
    hl__free(w->t);
    hl__free(w->wall);
    hl__free(w->total);
    hl_watch_init(w);
}

static int type_cmp(const void *a, const void *b)
{
    const struct hl_watch_type *x = a, *y = b;

    return strcmp(x->name, y->name);
}

static struct hl_watch_type *find_type(const struct hl_watch *w,
                                       const char *name)
{
    struct hl_watch_type key;

    key.name = (char *)name;
    key.count = NULL;
    if (w->ntypes == 0)
        return NULL;
    return bsearch(&key, w->types, w->ntypes, sizeof(*w->types), type_cmp);
}

/*
 * Makes every per-sample array hold cap samples. An array already grown
 * when a later one fails is merely larger than samples_cap says: realloc
 * kept its content, so the series is unchanged.
 */
static int grow_samples(struct hl_watch *w, size_t cap)
{
    void *p;
    size_t i;

    if (cap <= w->samples_cap)
        return 0;
    p = hl__reallocarray(w->t, cap, sizeof(*w->t));
    if (p == NULL)
        return HL_ENOMEM;
    w->t = p;
    p = hl__reallocarray(w->wall, cap, sizeof(*w->wall));
    if (p == NULL)
        return HL_ENOMEM;
    w->wall = p;
    p = hl__reallocarray(w->total, cap, sizeof(*w->total));
    if (p == NULL)
        return HL_ENOMEM;
    w->total = p;
    for (i = 0; i < w->ntypes; i++) {
        p = hl__reallocarray(w->types[i].count, cap,
                             sizeof(*w->types[i].count));
        if (p == NULL)
            return HL_ENOMEM;
        w->types[i].count = p;
    }
    w->samples_cap = cap;
    return 0;
}

/* Appends the types first seen in this sample after the known ones, not
 * yet counted in ntypes; returns how many through *added. */
static int stage_new_types(struct hl_watch *w, const char *const *name,
                           size_t n, size_t *added)
{
    struct hl_watch_type *nt;
    size_t i, k = 0;
    int err;

    for (i = 0; i < n; i++)
        k += find_type(w, name[i]) == NULL;
    *added = 0;
    if (k == 0)
        return 0;
    err = hl__grow((void **)&w->types, &w->types_cap, w->ntypes + k,
                   sizeof(*w->types));
    if (err != 0)
        return err;
    for (i = 0; i < n; i++) {
        if (find_type(w, name[i]) != NULL)
            continue;
        nt = &w->types[w->ntypes + *added];
        nt->name = hl__strdup(name[i]);
        nt->count = hl__calloc(w->samples_cap, sizeof(*nt->count));
        if (nt->name == NULL || nt->count == NULL) {
            hl__free(nt->name);
            hl__free(nt->count);
            goto out_unstage;
        }
        (*added)++;
    }
    return 0;

out_unstage:
    while (*added > 0) {
        (*added)--;
        hl__free(w->types[w->ntypes + *added].name);
        hl__free(w->types[w->ntypes + *added].count);
    }
    return HL_ENOMEM;
}

int hl_watch_add(struct hl_watch *w, double t, uint64_t wall,
                 const char *const *name, const uint32_t *count, size_t n)
{
    struct hl_watch_type *ty;
    size_t i, j, added, s = w->nsamples;
    uint64_t total = 0;
    int err;

    if (s > 0 && !(t > w->t[s - 1]))
        return HL_EINVAL;
    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            if (strcmp(name[i], name[j]) == 0)
                return HL_EINVAL;
        }
    }
    if (s == w->samples_cap) {
        err = grow_samples(w, s < 8 ? 16 : s * 2);
        if (err != 0)
            return err;
    }
    err = stage_new_types(w, name, n, &added);
    if (err != 0)
        return err;
    w->ntypes += added;
    if (added > 0)
        qsort(w->types, w->ntypes, sizeof(*w->types), type_cmp);
    for (i = 0; i < w->ntypes; i++)
        w->types[i].count[s] = 0;
    for (i = 0; i < n; i++) {
        ty = find_type(w, name[i]);
        ty->count[s] = count[i];
        total += count[i];
    }
    w->t[s] = t;
    w->wall[s] = wall;
    w->total[s] = total;
    w->nsamples = s + 1;
    return 0;
}

int hl_watch_trend(const struct hl_watch *w, size_t i, struct hl_trend *out)
{
    if (i >= w->ntypes)
        return HL_EINVAL;
    return hl_trend_fit(w->t, w->types[i].count, w->nsamples, out);
}
