#ifndef HLEAK_CLI_SAMPLING_H
#define HLEAK_CLI_SAMPLING_H

#include <stdint.h>

struct hl_optparse;

/*
 * What the sampling commands (watch, ps --interval) share: their
 * --interval, --duration and --samples, the wait for the next slot, and
 * which slot comes next.
 */

/* Each parses one option's value, reporting a usage error against usage
 * (and returning HL_EXIT_USAGE) when it is bad; 0 when good.
 * --interval: 50ms to 1h; --duration: more than 0; --samples (the
 * current option of p): 1 to 100000000. */
int hl_cli_interval(const char *const *usage, const char *arg,
                    uint64_t *ms);
int hl_cli_duration(const char *const *usage, const char *arg,
                    uint64_t *ms);
int hl_cli_samples(const struct hl_optparse *p, uint64_t *n);

/* 0 when at most one of --duration and --samples was given (each 0 when
 * not), else HL_EXIT_USAGE after the usage error. */
int hl_cli_one_bound(const char *const *usage, uint64_t duration_ms,
                     uint64_t samples);

/* Waits until hl__clock_us() reaches due; 1 when Ctrl+C came first. */
int hl_cli_wait_until(uint64_t due);

/*
 * The slot to sample after slot k of a run started at start (clock
 * microseconds): a sample slower than the interval skips the slots it
 * overran rather than sampling back to back, and with a duration the
 * last slot is the one at the duration.
 */
uint64_t hl_cli_next_slot(uint64_t start, uint64_t interval_ms,
                          uint64_t duration_ms, uint64_t k);

#endif
