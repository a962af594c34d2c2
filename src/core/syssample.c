#include "syssample.h"

#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/system.h"

void hl__sys_sampler_init(struct hl__sys_sampler *sm)
{
    memset(sm, 0, sizeof(*sm));
}

void hl__sys_sampler_release(struct hl__sys_sampler *sm)
{
    size_t i;

    for (i = 0; i < sm->nprocs; i++) {
        hl__free(sm->procs[i].image);
        hl__free(sm->procs[i].types);
    }
    hl__free(sm->procs);
    for (i = 0; i < sm->ntypes; i++)
        hl__free(sm->type_names[i]);
    hl__free(sm->type_names);
    memset(sm, 0, sizeof(*sm));
}

static int cmp_tracked(const void *pa, const void *pb)
{
    const struct hl__sys_tracked *a = pa, *b = pb;

    return hl__cmp_pair(a->pid, a->start, b->pid, b->start);
}

static struct hl__sys_tracked *find_tracked(struct hl__sys_sampler *sm,
                                            uint64_t pid, uint64_t start)
{
    struct hl__sys_tracked key;

    key.pid = pid;
    key.start = start;
    return bsearch(&key, sm->procs, sm->nprocs, sizeof(*sm->procs),
                   cmp_tracked);
}

/* The global index of a type name, added when new. */
static int global_type(struct hl__sys_sampler *sm, const char *name,
                       size_t *out)
{
    size_t i;
    int err;

    for (i = 0; i < sm->ntypes; i++) {
        if (strcmp(sm->type_names[i], name) == 0) {
            *out = i;
            return 0;
        }
    }
    err = hl__grow((void **)&sm->type_names, &sm->types_cap, sm->ntypes + 1,
                   sizeof(*sm->type_names));
    if (err != 0)
        return err;
    if ((sm->type_names[sm->ntypes] = hl__strdup(name)) == NULL)
        return HL_ENOMEM;
    *out = sm->ntypes++;
    return 0;
}

/* Adds the processes of sys not tracked yet (kept sorted). */
static int add_new(struct hl__sys_sampler *sm, const struct hl_system *sys)
{
    size_t i, n = hl_system_count(sys), before = sm->nprocs;
    int err;

    for (i = 0; i < n; i++) {
        uint64_t pid = hl_system_pid(sys, i);
        uint64_t start = hl_system_start_time(sys, i);
        struct hl__sys_tracked *p;

        if (before > 0 && find_tracked(sm, pid, start) != NULL)
            continue;
        err = hl__push((void **)&sm->procs, &sm->procs_cap, &sm->nprocs,
                       sizeof(*sm->procs), (void **)&p);
        if (err != 0)
            return err;
        p->pid = pid;
        p->start = start;
        p->first_sample = sm->nsamples;
        hl__fit_init(&p->fit);
        if ((p->image = hl__strdup(hl_system_image(sys, i))) == NULL)
            return HL_ENOMEM;
    }
    if (sm->nprocs != before)
        qsort(sm->procs, sm->nprocs, sizeof(*sm->procs), cmp_tracked);
    return 0;
}

/* Adds process i of sys, counted c, at t; counts holds this take's count
 * of every global type. */
static int add_counted(struct hl__sys_sampler *sm, struct hl__sys_tracked *p,
                       const uint64_t *counts, uint64_t c, double t)
{
    size_t k;
    int err;

    err = hl__grow_zeroed((void **)&p->types, &p->types_cap, sm->ntypes,
                          sizeof(*p->types));
    if (err != 0)
        return err;
    /* a type first seen now had no handles in the earlier samples */
    for (k = p->ntypes; k < sm->ntypes; k++)
        hl__fit_times(&p->types[k].fit, &p->fit);
    p->ntypes = sm->ntypes;
    for (k = 0; k < sm->ntypes; k++) {
        struct hl__sys_type_fit *ts = &p->types[k];

        hl__fit_add(&ts->fit, t, (double)counts[k]);
        ts->last = counts[k];
        if (!p->counted)
            ts->first = counts[k];
    }
    if (!p->counted)
        p->first = c;
    p->counted = 1;
    p->last = c;
    hl__fit_add(&p->fit, t, (double)c);
    return 0;
}

int hl__sys_sampler_add(struct hl__sys_sampler *sm,
                        const struct hl_system *sys, double t)
{
    size_t i, k, n = hl_system_count(sys), nt = hl_system_ntypes(sys);
    size_t *gmap;
    uint64_t *counts = NULL;
    int err;

    if ((err = add_new(sm, sys)) != 0)
        return err;
    gmap = hl__calloc(nt + 1, sizeof(*gmap));
    if (gmap == NULL)
        return HL_ENOMEM;
    for (k = 0; k < nt && err == 0; k++)
        err = global_type(sm, hl_system_type_name(sys, k), &gmap[k]);
    if (err == 0 &&
        (counts = hl__calloc(sm->ntypes + 1, sizeof(*counts))) == NULL)
        err = HL_ENOMEM;
    for (i = 0; i < n && err == 0; i++) {
        struct hl__sys_tracked *p = find_tracked(sm, hl_system_pid(sys, i),
                                                 hl_system_start_time(sys, i));
        uint64_t c = hl_system_handles(sys, i);

        p->last_sample = sm->nsamples;
        if (c == HL_SYSTEM_UNKNOWN)
            continue;
        memset(counts, 0, sm->ntypes * sizeof(*counts));
        for (k = 0; k < nt; k++)
            counts[gmap[k]] = hl_system_type_count(sys, i, k);
        err = add_counted(sm, p, counts, c, t);
    }
    hl__free(counts);
    hl__free(gmap);
    if (err != 0)
        return err;
    if (sm->nsamples == 0)
        sm->t_first = t;
    sm->t_last = t;
    sm->taken = hl_system_time(sys);
    sm->nsamples++;
    return 0;
}

double hl__sys_rate(const struct hl__sys_tracked *p)
{
    return hl__fit_slope(&p->fit) * 60.0;
}

double hl__sys_type_rate(const struct hl__sys_tracked *p, size_t type)
{
    if (type >= p->ntypes)
        return 0;
    return hl__fit_slope(&p->types[type].fit) * 60.0;
}
