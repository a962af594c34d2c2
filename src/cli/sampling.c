#include "sampling.h"

#include "core-int.h"
#include "msg.h"
#include "opt.h"

/* Longest nap between checks for Ctrl+C. */
#define SLICE_MS 50u

int hl_cli_interval(const char *const *usage, const char *arg, uint64_t *ms)
{
    if (hl_opt_duration(arg, ms) != 0 || *ms < 50 || *ms > 3600000)
        return hl_usage_error(usage,
                              "invalid interval '%s': 50ms to 1h, as a "
                              "whole number and ms, s, m or h",
                              arg);
    return 0;
}

int hl_cli_duration(const char *const *usage, const char *arg, uint64_t *ms)
{
    if (hl_opt_duration(arg, ms) != 0 || *ms == 0)
        return hl_usage_error(usage,
                              "invalid duration '%s': a whole number and "
                              "ms, s, m or h expected",
                              arg);
    return 0;
}

int hl_cli_samples(const char *const *usage, const char *arg, uint64_t *n)
{
    if (hl_opt_uint(arg, 1, 100000000, n) != 0)
        return hl_usage_error(usage,
                              "invalid sample count '%s': 1 to 100000000 "
                              "expected",
                              arg);
    return 0;
}

int hl_cli_wait_until(uint64_t due)
{
    uint64_t now;

    for (;;) {
        if (hl__interrupted())
            return 1;
        now = hl__clock_us();
        if (now >= due)
            return 0;
        hl__sleep_ms((due - now) / 1000 < SLICE_MS
                         ? (unsigned)((due - now + 999) / 1000)
                         : SLICE_MS);
    }
}

uint64_t hl_cli_next_slot(uint64_t start, uint64_t interval_ms,
                          uint64_t duration_ms, uint64_t k)
{
    uint64_t next = (hl__clock_us() - start) / (interval_ms * 1000) + 1;

    if (next <= k)
        next = k + 1;
    if (duration_ms != 0 && next * interval_ms > duration_ms &&
        k * interval_ms < duration_ms)
        next = duration_ms / interval_ms;
    return next;
}
