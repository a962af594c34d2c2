#ifndef HLEAK_CORE_SYSDIFF_H
#define HLEAK_CORE_SYSDIFF_H

/*
 * Two whole-system snapshots compared (`hleak diff` on files of
 * `snapshot --all`): the processes in both, known by pid and start time
 * (a reused pid is another process), ranked by how many handles they
 * gained, with the types that grew; the processes that started and those
 * that exited, apart; and the gates, judged per process. sysdiff-out.c
 * prints it.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hleak/diff.h"
#include "sysnames.h"

struct hl_system;
struct hl__sbuf;

enum hl__sysdiff_status {
    HL__SYSDIFF_BOTH,   /* in BEFORE and AFTER */
    HL__SYSDIFF_NEW,    /* only in AFTER */
    HL__SYSDIFF_EXITED  /* only in BEFORE */
};

/* One type of one process: counts in BEFORE and AFTER. */
struct hl__sysdiff_type {
    size_t type; /* in the diff's type_names */
    uint64_t before, after;
};

struct hl__sysdiff_row {
    uint64_t pid, start;
    const char *image;      /* the AFTER one's, else the BEFORE one's */
    int status;             /* enum hl__sysdiff_status */
    uint64_t before, after; /* handles; HL_SYSTEM_UNKNOWN: not counted,
                             * or not there (new, exited) */
    int counted;            /* in both and counted in both */
    int64_t growth;         /* after - before when counted, else 0 */
    struct hl__sysdiff_type *grew; /* types with more handles, most first */
    size_t ngrew;
    int failed;             /* a gate failed on this process */
    /* both snapshots have its names (`--all --names`, read in both):
     * the name groups that grew, most first, pointing into names_after */
    int names_known;
    struct hl__name_growth *names_grew;
    size_t nnames_grew;
    struct hl__name_groups names_after;
};

struct hl__sysdiff_opts {
    int fail_on_new;           /* 1: gate on fail_on_new_max */
    uint64_t fail_on_new_max;  /* per process */
    const struct hl_type_limit *fail_on; /* per process, per type */
    size_t nfail_on;
};

struct hl__sysdiff {
    const char **type_names; /* both snapshots' types, by name */
    size_t ntypes;
    struct hl__sysdiff_row *both; /* by growth, largest first, then pid */
    size_t nboth;
    struct hl__sysdiff_row *started; /* by handles, most first */
    size_t nstarted;
    struct hl__sysdiff_row *exited;  /* by handles, most first */
    size_t nexited;
    uint64_t before_total, after_total; /* handles counted in each */
    size_t uncounted; /* in both, not counted in one: no gate can judge
                       * them */
    int gated;        /* some gate was asked */
    int gate_failed;
    char **reasons;   /* one sentence per failed gate and process */
    size_t nreasons, reasons_cap;
    const struct hl_system *before, *after;
    struct hl__sysdiff_opts opts; /* the gates asked (fail_on: the
                                   * caller's, kept until released) */
};

/* What gate g (0..hl__sysdiff_ngates()-1: --fail-on-new first when
 * asked, then each --fail-on in its order) made of one process. */
struct hl__sysdiff_verdict {
    int judged;     /* 0: started, exited or not counted in one */
    int failed;
    uint64_t count; /* handles gained (of the gate's type); 0 if none */
    uint64_t max;   /* the gate's limit */
};

/* Compares before and after into *d (zeroed by the caller); 0 or
 * HL_ENOMEM. d points into both views: keep them until released. */
int hl__sysdiff_compute(const struct hl_system *before,
                        const struct hl_system *after,
                        const struct hl__sysdiff_opts *opts,
                        struct hl__sysdiff *d);

void hl__sysdiff_release(struct hl__sysdiff *d);

/* r's image as the reports print it: pid 0's empty one as
 * "[System Process]". */
const char *hl__sysdiff_image(const struct hl__sysdiff_row *r);

/* The gates asked, and gate g's name as the CI reports print it
 * ("fail-on-new", "fail-on Event"), never with its limit. */
size_t hl__sysdiff_ngates(const struct hl__sysdiff *d);
void hl__sysdiff_gate_name(struct hl__sbuf *b, const struct hl__sysdiff *d,
                           size_t g);
/* 1 when gate g is --fail-on-new, 0 for a --fail-on. */
int hl__sysdiff_gate_is_new(const struct hl__sysdiff *d, size_t g);

/* Judges row r by gate g into *v; returns v->failed. When it failed and
 * reason is not NULL, appends the sentence saying why to reason. */
int hl__sysdiff_gate(const struct hl__sysdiff *d,
                     const struct hl__sysdiff_row *r, size_t g,
                     struct hl__sysdiff_verdict *v, struct hl__sbuf *reason);

/* Every row (in both, started, exited) in an order that does not hang on
 * counts, so two runs list alike: by image (ASCII case ignored), pid,
 * start time. *out (freed with hl__free()) holds *n pointers into d; 0 or
 * HL_ENOMEM. */
int hl__sysdiff_stable(const struct hl__sysdiff *d,
                       const struct hl__sysdiff_row ***out, size_t *n);

/* The diff's report in one format, to out; 0 or HL_EIO. top (0 = all)
 * bounds each list of the text report. */
int hl__sysdiff_text(FILE *out, const struct hl__sysdiff *d, size_t top);
int hl__sysdiff_json(FILE *out, const struct hl__sysdiff *d);
int hl__sysdiff_csv(FILE *out, const struct hl__sysdiff *d);

#endif
