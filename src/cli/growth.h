#ifndef HLEAK_CLI_GROWTH_H
#define HLEAK_CLI_GROWTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hleak/snapshot.h"
#include "watch.h"

/*
 * What `watch` and `run` share about growth: the per-type count series
 * fed one snapshot at a time, its --csv log (written as samples come) and
 * --svg chart (written atomically at the end), the --fail-on-growth
 * gates, and the verdict per type with its printing. One module, so the
 * two commands classify and judge alike.
 */

struct hl_cli_growth_limit {
    const char *type; /* NULL: every type without its own limit */
    double rate;      /* handles per minute */
    int unchecked;    /* no Windows type: checked on the first sample */
};

struct hl_cli_growth {
    const char *const *usage; /* the command's, for its errors */
    struct hl_cli_growth_limit *limits;
    size_t nlimits, limits_cap;
    struct hl_watch series;
    uint64_t mid0_us;         /* clock at the middle of the first sample */
    const char *csv, *svg;    /* the output files, NULL when not asked */
    struct hl_watch_log *log; /* the --csv file, open between _open and
                               * _finish */
};

/* A file or folder option (--csv, --svg, --keep): '-' would be a file
 * named '-' while standard output carries `what`. Sets *out; returns 0
 * or the usage error's exit code. */
int hl_cli_file_arg(const char *const *usage, const char *opt,
                    const char *what, const char *arg, const char **out);

void hl_cli_growth_init(struct hl_cli_growth *g, const char *const *usage);
/* Closes the CSV log (the rows so far stay on disk), frees the rest. */
void hl_cli_growth_release(struct hl_cli_growth *g);

/* One --fail-on-growth [TYPE=]RATE (spec is cut at '='). Returns 0 or an
 * exit code after reporting. */
int hl_cli_growth_add_limit(struct hl_cli_growth *g, char *spec);

/* A gate that n planned samples (0: not known) could never satisfy is a
 * usage error naming what, and the options to change (advice). Returns
 * -1 to go on, else an exit code. */
int hl_cli_growth_check_planned(const struct hl_cli_growth *g, uint64_t n,
                                const char *what, const char *advice);

/* Before the first sample: the SVG file checked writable, the CSV log
 * opened. Returns 0 or an exit code after reporting. */
int hl_cli_growth_open(struct hl_cli_growth *g);

/*
 * Appends snap's counts per type as a sample standing at clock mid_us
 * (microseconds, hl__clock_us()) and wall time wall; the first sample
 * also checks the gate types Windows' table lacks against snap's types.
 * Returns 0 or an exit code after reporting.
 */
int hl_cli_growth_add(struct hl_cli_growth *g, const struct hl_snapshot *snap,
                      uint64_t mid_us, uint64_t wall);

/* Appends the new rows to the CSV file; 0 or HL_EIO after reporting
 * (what stops is the command's to say: stops). */
int hl_cli_growth_log(struct hl_cli_growth *g, const char *stops);

/* Completes the CSV file and writes the SVG chart titled title. Returns 0
 * or HL_EXIT_FAILURE after reporting. */
int hl_cli_growth_finish(struct hl_cli_growth *g, const char *title);

/* Adds one gate per --fail-on-growth limit to d, judged on the series
 * as the verdict judges it, so the diff's reports (JSON reasons, JUnit,
 * SARIF) carry it. Returns 0 or an exit code. */
struct hl_diff;
int hl_cli_growth_to_diff(const struct hl_cli_growth *g, struct hl_diff *d);

/*
 * Prints the verdict per type to out (out NULL: not printed), sets
 * *gate_failed when a type grows faster than its limit, *undecided when
 * a growth gate was asked for but the samples are too few to judge (the
 * error says advice: how to get more). Returns 0 or an exit code.
 */
int hl_cli_growth_verdict(const struct hl_cli_growth *g, FILE *out,
                          const char *advice, int *gate_failed,
                          int *undecided);

#endif
