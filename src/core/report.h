#ifndef HLEAK_CORE_REPORT_H
#define HLEAK_CORE_REPORT_H

/*
 * What the reporters share. One file per output format, each holding that
 * format for every command that writes it: report-text.c (show, diff),
 * report-json.c (show, diff), report-csv.c (diff, watch), report-junit.c
 * and report-sarif.c (diff, whole-system diff), report-svg.c (watch);
 * each ends with its row of the table in formats.h, through which the
 * commands reach it. Layouts
 * are documented in docs/man/hleak-show.md, docs/man/hleak-diff.md and
 * docs/ci.md.
 */

#include <stdio.h>

#include "dead.h"
#include "diff-int.h"

/* Line k (from 0) of a '\n'-separated string: *len bytes at the result;
 * NULL past the last. */
const char *hl__nth_line(const char *s, size_t k, size_t *len);

/* 1 when group g counts towards gate t. */
int hl__gate_covers(const struct hl_diff *d, const struct hl_diff_gate *t,
                    const struct hl_diff_group *g);

/* "100 x Event <unnamed> (access 0x001f0003)" */
void hl__group_line(struct hl__sbuf *b, const struct hl_diff *d,
                    const struct hl_diff_group *g);

/* Writes b to path atomically and releases it; b's first failure wins. */
int hl__report_write(const char *path, struct hl__sbuf *b);

/* Hands b's text over to the caller (*out, *len; NUL-terminated), or
 * releases it and reports its first failure. */
int hl__sbuf_take(struct hl__sbuf *b, char **out, size_t *len);

/* HL_EIO when writing to out failed, else 0. */
int hl__report_ferror(FILE *out);

/* JUnit: one line per dead handle ("Thread 0x1a4 tid 12 in ... (exited,
 * code 0)"); in report-text.c. */
void hl__sbuf_dead_lines(struct hl__sbuf *b, const struct hl_dead *dd,
                         const struct hl_strtab *st);

#endif
