#ifndef HLEAK_CORE_WATCH_H
#define HLEAK_CORE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "trend.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Handle counts per type over time, as `hleak watch` samples them, and
 * the CSV and SVG files made from them (docs/man/hleak-watch.md).
 */

/* One type's column: its count at every sample (0 before it appeared). */
struct hl_watch_type {
    char *name;      /* "Event", owned */
    uint32_t *count; /* count[i] at sample i; samples_cap elements */
};

struct hl_watch {
    double *t;                   /* seconds since the first sample */
    uint64_t *wall;              /* when, as a FILETIME (UTC) */
    uint64_t *total;             /* handles of every type */
    size_t nsamples, samples_cap;
    struct hl_watch_type *types; /* sorted by name, byte order */
    size_t ntypes, types_cap;
};

/* Prepares an empty series; cannot fail. */
void hl_watch_init(struct hl_watch *w);

/* Frees what the series holds. */
void hl_watch_release(struct hl_watch *w);

/*
 * Appends a sample taken t seconds after the first (increasing) at wall:
 * count[i] handles of type name[i] for i < n (names distinct); types not
 * named count 0. Returns 0, HL_EINVAL (t not increasing, duplicate name)
 * or HL_ENOMEM; on failure the series is as before.
 */
int hl_watch_add(struct hl_watch *w, double t, uint64_t wall,
                 const char *const *name, const uint32_t *count, size_t n);

/* The trend of type i (< ntypes), as hl_trend_fit(). */
int hl_watch_trend(const struct hl_watch *w, size_t i, struct hl_trend *out);

/*
 * The series as CSV (RFC 4180, "\r\n" line ends): a header
 * "time,elapsed_s,total,<type>..." then one row per sample, the time as
 * "2026-11-25T12:13:42.125Z". Sets *out (NUL-terminated, freed with
 * hl_free()) and *len. Returns 0 or HL_ENOMEM.
 */
int hl_watch_csv(const struct hl_watch *w, char **out, size_t *len);

/* The rows of samples from..nsamples-1 as hl_watch_csv() writes them,
 * without the header (empty when from >= nsamples). Same results. */
int hl_watch_csv_rows(const struct hl_watch *w, size_t from, char **out,
                      size_t *len);

/*
 * The CSV of a watch kept up to date on disk while the watch runs, so a
 * watch killed outright leaves the rows so far under its own name. The
 * first update replaces the file atomically; later ones append the new
 * rows, each handed to the system at once; a sample that brings a type
 * not seen before rewrites the file atomically with the wider header. So
 * the file is, at every moment, the CSV of the samples up to the last
 * update (or, if the system crashes, a prefix of it).
 */
struct hl_watch_log;

/*
 * Checks that path can be written (a temporary file beside it is made and
 * removed) and prepares the log, writing nothing yet: a watch that takes
 * no sample leaves an existing file as it was. Returns 0, HL_EINVAL (path
 * not UTF-8), HL_ENOENT, HL_EACCES, HL_EIO or HL_ENOMEM.
 */
int hl_watch_log_open(const char *path, struct hl_watch_log **out);

/* Brings the file up to date with w's samples (w is the series the log
 * has seen grow). Returns 0, HL_ENOMEM or a file error, as
 * hl_watch_log_open(); after an error the next update writes it all. */
int hl_watch_log_update(struct hl_watch_log *l, const struct hl_watch *w);

/* Flushes the file to disk and frees l (NULL is a no-op). Returns 0 or
 * the error flushing it. */
int hl_watch_log_close(struct hl_watch_log *l);

/*
 * The series as a standalone SVG chart: counts per type against seconds,
 * axes with ticks and labels, a legend naming each type with its verdict,
 * one polyline per type (class "series", data-type = the type name).
 * title may be NULL. Same input, same bytes. Sets *out and *len as
 * hl_watch_csv(); returns 0 or HL_ENOMEM.
 */
int hl_watch_svg(const struct hl_watch *w, const char *title, char **out,
                 size_t *len);

#ifdef __cplusplus
}
#endif

#endif
