#include "trend.h"

#include "fit.h"
#include "hleak/err.h"

/* A least-squares line through samples [first, first + n). */
struct line {
    double slope;   /* per second */
    double r2;      /* 1 - residual / total sum of squares */
    double span;    /* seconds from the first to the last sample */
};

static void fit_line(const double *t, const uint32_t *count, size_t first,
                     size_t n, struct line *out)
{
    struct hl__fit f;
    size_t i;

    hl__fit_init(&f);
    for (i = first; i < first + n; i++)
        hl__fit_add(&f, t[i], (double)count[i]);
    out->slope = hl__fit_slope(&f);
    out->r2 = hl__fit_r2(&f);
    out->span = t[first + n - 1] - t[first];
}

int hl_trend_fit(const double *t, const uint32_t *count, size_t n,
                 struct hl_trend *out)
{
    struct line all, tail;
    size_t i, ntail;
    int sign;

    for (i = 1; i < n; i++) {
        if (!(t[i] > t[i - 1]))
            return HL_EINVAL;
    }
    if (n < 2) {
        out->slope = out->tail_slope = out->rise = 0;
        out->steadiness = 0;
        out->cls = HL_TREND_UNKNOWN;
        out->why = HL_TREND_FEW_SAMPLES;
        return 0;
    }
    fit_line(t, count, 0, n, &all);
    ntail = n / 3 < 3 ? 3 : n / 3;
    if (ntail > n)
        ntail = n;
    fit_line(t, count, n - ntail, ntail, &tail);

    out->slope = all.slope * 60;
    out->tail_slope = tail.slope * 60;
    out->steadiness = all.r2;
    out->rise = all.slope * all.span;
    /* A rate is measured from two samples on, but a shape (steady,
     * levelled, saw-tooth) needs more: the class stays unknown. */
    if (n < HL_TREND_MIN_SAMPLES) {
        out->cls = HL_TREND_UNKNOWN;
        out->why = HL_TREND_FEW_SAMPLES;
        return 0;
    }
    out->cls = HL_TREND_STABLE;
    sign = out->rise > 0 ? 1 : -1;
    if (sign * out->rise < HL_TREND_MIN_RISE)
        out->why = HL_TREND_FLAT;
    else if (sign * tail.slope < HL_TREND_MIN_TAIL * sign * all.slope)
        /* A cache rises and then holds; a leak is still rising at the
         * end of the window, about as fast as over the whole of it. */
        out->why = HL_TREND_LEVELLED;
    else if (all.r2 < HL_TREND_MIN_STEADY)
        out->why = HL_TREND_UNSTEADY;
    else {
        out->why = HL_TREND_STEADY;
        out->cls = sign > 0 ? HL_TREND_GROWING : HL_TREND_SHRINKING;
    }
    return 0;
}

const char *hl_trend_class_str(int cls)
{
    switch (cls) {
    case HL_TREND_STABLE:
        return "stable";
    case HL_TREND_GROWING:
        return "growing";
    case HL_TREND_SHRINKING:
        return "shrinking";
    default:
        return "unknown";
    }
}

const char *hl_trend_why_str(int why)
{
    switch (why) {
    case HL_TREND_FEW_SAMPLES:
        return "too few samples";
    case HL_TREND_FLAT:
        return "flat";
    case HL_TREND_LEVELLED:
        return "levelled off";
    case HL_TREND_UNSTEADY:
        return "fluctuates";
    case HL_TREND_STEADY:
        return "steadily";
    default:
        return "";
    }
}
