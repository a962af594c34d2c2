#ifndef HLEAK_CLI_PS_H
#define HLEAK_CLI_PS_H

/*
 * `hleak ps`: cmd-ps.c takes the system's counts (once, or sampled over
 * an interval) and ranks them; ps-out.c prints the rows as text, JSON or
 * CSV.
 */

#include <stddef.h>
#include <stdint.h>

/* How a process fared over an interval run. */
enum ps_status {
    PS_RUNNING, /* there from the first sample to the last */
    PS_NEW,     /* started after the first sample */
    PS_EXITED   /* gone before the last sample */
};

struct ps_row {
    uint64_t pid;
    uint64_t start;    /* 100 ns since 1601; 0: none */
    const char *image;
    uint64_t handles;  /* HL_SYSTEM_UNKNOWN: not counted */
    int gui_known;
    uint32_t gdi, user;
    const uint64_t *types;  /* ntypes counts (HL_SYSTEM_UNKNOWN: none) */
    /* interval runs only */
    int status;             /* enum ps_status */
    int64_t delta;          /* last count - first count */
    double rate;            /* handles per minute, least squares */
    int have_rate;          /* two samples or more */
    const double *type_rates; /* ntypes rates per minute */
    size_t proc;              /* its index in the take */
};

struct ps_view {
    const char *const *type_names;
    size_t ntypes;
    struct ps_row *rows; /* in the order to print */
    size_t nrows;
    int interval;        /* rows carry growth */
    size_t nsamples;
    double seconds;      /* from the first sample to the last */
    uint64_t taken;      /* the (last) take's time, 100 ns since 1601 */
    int with_types;      /* --types */
    /* a whole-system snapshot file shown (`hleak show`): printed in the
     * JSON when host is not NULL */
    const char *host, *os_version, *hleak_version;
    /* ... and its names per process, when it has them (`--all --names`) */
    const struct hl_system *named;
    /* what ps_view_of() allocated */
    const char **names;
    uint64_t *counts;
};

struct hl_system;

/* A view of one take: a row per process in the system's order (by pid),
 * with its counts per type; release with ps_view_release(). 0 or
 * HL_ENOMEM. */
int ps_view_of(const struct hl_system *sys, struct ps_view *v);
void ps_view_release(struct ps_view *v);

/* The image as shown: "[System Process]" for the idle process's empty
 * name, as the Toolhelp list names it. */
const char *ps_image(const struct ps_row *r);

/* The whole report in one format; 0 or HL_ENOMEM. */
int ps_print_text(const struct ps_view *v);
int ps_print_json(const struct ps_view *v);
int ps_print_csv(const struct ps_view *v);

/* The one-line summary of an interval run ("top grower: ..."), to
 * stdout. */
void ps_print_top_grower(const struct ps_view *v);

#endif
