/* The named handles of a whole-system view by type and pattern
 * (sysnames.h). */
#include "sysnames.h"

#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/system.h"
#include "namepat.h"

static int cmp_group(const void *pa, const void *pb)
{
    const struct hl__name_group *a = pa, *b = pb;
    int c = strcmp(a->type, b->type);

    return c != 0 ? c : strcmp(a->pattern, b->pattern);
}

void hl__name_groups_release(struct hl__name_groups *g)
{
    size_t k;

    for (k = 0; k < g->n; k++)
        hl__free(g->g[k].pattern);
    hl__free(g->g);
    memset(g, 0, sizeof(*g));
}

int hl__name_groups_of(const struct hl_system *sys, size_t i,
                       struct hl__name_groups *out)
{
    size_t k, n = hl_system_name_count(sys, i), kept = 0;
    int err;

    if (n == 0)
        return 0;
    out->g = hl__calloc(n, sizeof(*out->g));
    if (out->g == NULL)
        return HL_ENOMEM;
    out->cap = n;
    for (k = 0; k < n; k++) {
        const char *name = hl_system_name(sys, i, k);
        struct hl__name_group *g = &out->g[out->n];

        if (*name == '\0')
            name = hl_system_name_nt(sys, i, k);
        g->type = hl_system_type_name(sys, hl_system_name_type(sys, i, k));
        g->count = 1;
        if ((err = hl_name_pattern(name, &g->pattern)) != 0) {
            hl__name_groups_release(out);
            return err;
        }
        out->n++;
    }
    qsort(out->g, out->n, sizeof(*out->g), cmp_group);
    /* one group per (type, pattern) */
    for (k = 0; k < out->n; k++) {
        if (kept != 0 && cmp_group(&out->g[kept - 1], &out->g[k]) == 0) {
            out->g[kept - 1].count++;
            hl__free(out->g[k].pattern);
            continue;
        }
        out->g[kept++] = out->g[k];
    }
    out->n = kept;
    return 0;
}

static int cmp_growth(const void *pa, const void *pb)
{
    const struct hl__name_growth *a = pa, *b = pb;
    uint64_t ga = a->after - a->before, gb = b->after - b->before;
    int c;

    if (ga != gb)
        return ga > gb ? -1 : 1;
    c = strcmp(a->type, b->type);
    return c != 0 ? c : strcmp(a->pattern, b->pattern);
}

int hl__name_growth(const struct hl__name_groups *before,
                    const struct hl__name_groups *after,
                    struct hl__name_growth **out, size_t *n)
{
    size_t i = 0, j;

    *out = NULL;
    *n = 0;
    if (after->n == 0)
        return 0;
    *out = hl__calloc(after->n, sizeof(**out));
    if (*out == NULL)
        return HL_ENOMEM;
    /* both sorted by type, then pattern: a merge */
    for (j = 0; j < after->n; j++) {
        const struct hl__name_group *a = &after->g[j];
        uint64_t was = 0;
        int c = 1;

        while (i < before->n && (c = cmp_group(&before->g[i], a)) < 0)
            i++;
        if (i < before->n && c == 0)
            was = before->g[i].count;
        if (a->count <= was)
            continue;
        (*out)[*n].type = a->type;
        (*out)[*n].pattern = a->pattern;
        (*out)[*n].before = was;
        (*out)[*n].after = a->count;
        (*n)++;
    }
    qsort(*out, *n, sizeof(**out), cmp_growth);
    return 0;
}
