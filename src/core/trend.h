#ifndef HLEAK_CORE_TREND_H
#define HLEAK_CORE_TREND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Trend of one handle type's count over a watch: a least-squares line,
 * how well the counts follow it, and whether the last part of the window
 * still rises as the whole did. The method, its thresholds and its limits
 * are described in docs/watch.md.
 */

/* Fewer samples than this give HL_TREND_UNKNOWN (the slope, rise and
 * steadiness are still measured from two samples on). */
#define HL_TREND_MIN_SAMPLES 5
/* The fitted line must gain or lose at least this many handles. */
#define HL_TREND_MIN_RISE 2.0
/* ... the counts must follow it this closely (R squared) ... */
#define HL_TREND_MIN_STEADY 0.8
/* ... and the last third must keep this fraction of the whole slope. */
#define HL_TREND_MIN_TAIL 0.33

enum hl_trend_class {
    HL_TREND_UNKNOWN,  /* too few samples to say */
    HL_TREND_STABLE,   /* no steady rise or fall */
    HL_TREND_GROWING,  /* rises steadily to the end: a leak's shape */
    HL_TREND_SHRINKING /* falls steadily to the end */
};

/* Why the class was chosen, for the verdict's explanation. */
enum hl_trend_why {
    HL_TREND_FEW_SAMPLES, /* fewer than HL_TREND_MIN_SAMPLES */
    HL_TREND_FLAT,        /* the line gains less than HL_TREND_MIN_RISE */
    HL_TREND_LEVELLED,    /* rose or fell, then levelled off (a cache) */
    HL_TREND_UNSTEADY,    /* moves, but not along a line (saw-tooth) */
    HL_TREND_STEADY       /* follows the line to the end */
};

struct hl_trend {
    double slope;      /* handles per minute, least squares, whole window */
    double tail_slope; /* handles per minute over the last third */
    double steadiness; /* R squared of the line, 0 to 1; 1 when constant */
    double rise;       /* slope times the window: handles the line gains */
    int cls;           /* enum hl_trend_class */
    int why;           /* enum hl_trend_why */
};

/*
 * Fits and classifies n samples: count[i] handles at t[i] seconds, t
 * increasing. Fills *out and returns 0; HL_EINVAL when t is not increasing
 * (out untouched). Below HL_TREND_MIN_SAMPLES the class is unknown but,
 * from two samples on, the slope is the least-squares rate all the same;
 * with fewer than two every number is 0.
 */
int hl_trend_fit(const double *t, const uint32_t *count, size_t n,
                 struct hl_trend *out);

/* "growing", "stable", "shrinking" or "unknown". */
const char *hl_trend_class_str(int cls);

/* A short reason ("rises steadily", "levelled off", ...). */
const char *hl_trend_why_str(int why);

#ifdef __cplusplus
}
#endif

#endif
