#include "sampling.h"

#include <string.h>

#include "core-int.h"
#include "msg.h"
#include "opt.h"

/* Longest nap between checks for Ctrl+C. */
#define SLICE_MS 50u

/* "500ms", "2s", "1m", "1h": a whole number and a unit, nothing else. */
static int parse_duration(const char *s, uint64_t *ms)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    char digits[24];
    size_t n = strspn(s, "0123456789"), i;
    uint64_t v;

    if (n == 0 || n >= sizeof(digits))
        return HL_EINVAL;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (hl_opt_uint(digits, 0, UINT32_MAX, &v) != 0)
        return HL_EINVAL;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(s + n, units[i].unit) == 0) {
            *ms = v * units[i].ms;
            return 0;
        }
    }
    return HL_EINVAL;
}

int hl_cli_interval(const char *const *usage, const char *arg, uint64_t *ms)
{
    if (parse_duration(arg, ms) != 0 || *ms < 50 || *ms > 3600000)
        return hl_usage_error(usage,
                              "invalid interval '%s': 50ms to 1h, as a "
                              "whole number and ms, s, m or h",
                              arg);
    return 0;
}

int hl_cli_duration(const char *const *usage, const char *arg, uint64_t *ms)
{
    if (parse_duration(arg, ms) != 0 || *ms == 0)
        return hl_usage_error(usage,
                              "invalid duration '%s': a whole number and "
                              "ms, s, m or h expected",
                              arg);
    return 0;
}

int hl_cli_samples(const struct hl_optparse *p, uint64_t *n)
{
    return hl_opt_number(p, "sample count", NULL, 1, 100000000, n);
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

int hl_cli_one_bound(const char *const *usage, uint64_t duration_ms,
                     uint64_t samples)
{
    if (duration_ms != 0 && samples != 0)
        return hl_usage_error(usage, "give at most one of --duration and "
                                     "--samples");
    return 0;
}
