#ifndef HLEAK_CORE_SYSSAMPLE_H
#define HLEAK_CORE_SYSSAMPLE_H

/*
 * Whole-system takes over time (`hleak ps --interval`): each process, known
 * by pid and start time so a reused pid is another process, with a
 * least-squares fit of its handle count and of each type's, in memory
 * that does not grow with the number of samples.
 */

#include <stddef.h>
#include <stdint.h>

#include "fit.h"

struct hl_system;

/* One type's counts in one process. */
struct hl__sys_type_fit {
    struct hl__fit fit;
    uint64_t first, last;
};

/* One process over the run. */
struct hl__sys_tracked {
    uint64_t pid, start;
    char *image;
    size_t first_sample, last_sample; /* samples it was in */
    int counted;        /* it had a count in some sample */
    uint64_t first, last;               /* its first and last count */
    struct hl__fit fit;                 /* of its counted samples */
    struct hl__sys_type_fit *types;     /* by global type */
    size_t ntypes, types_cap;           /* types followed, allocated */
};

struct hl__sys_sampler {
    struct hl__sys_tracked *procs; /* by pid, then start */
    size_t nprocs, procs_cap;
    char **type_names; /* global types, in the order first seen */
    size_t ntypes, types_cap;
    size_t nsamples;
    double t_first, t_last; /* seconds, as given to add */
    uint64_t taken;         /* the last take's time, 100 ns since 1601 */
};

void hl__sys_sampler_init(struct hl__sys_sampler *sm);
void hl__sys_sampler_release(struct hl__sys_sampler *sm);

/* Adds one take, at t seconds (increasing from take to take). Returns 0
 * or HL_ENOMEM. */
int hl__sys_sampler_add(struct hl__sys_sampler *sm,
                        const struct hl_system *sys, double t);

/* Per minute, least squares; 0 below two samples. */
double hl__sys_rate(const struct hl__sys_tracked *p);
double hl__sys_type_rate(const struct hl__sys_tracked *p, size_t type);

#endif
