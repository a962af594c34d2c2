#ifndef HLEAK_CORE_FIT_H
#define HLEAK_CORE_FIT_H

/*
 * A least-squares line through (t, c) points, kept as running means and
 * centred co-moments (Welford's update): one point at a time, in constant
 * memory, without the textbook one-pass formula's loss of low digits for
 * counts near four billion or times of days. watch (trend.c) fits its
 * stored samples with it and `ps --interval` its running totals.
 */

struct hl__fit {
    double n;        /* points added */
    double mt, mc;   /* means of t and c */
    double stt, stc; /* sums of (t - mt)^2 and (t - mt)(c - mc) */
    double scc;      /* sum of (c - mc)^2 */
};

/* An empty fit. */
void hl__fit_init(struct hl__fit *f);

/* Adds the point (t, c). */
void hl__fit_add(struct hl__fit *f, double t, double c);

/*
 * The times of f with every count 0: what a fit of a series first seen
 * after f's points began reads as, its missing points having had none.
 */
void hl__fit_times(struct hl__fit *out, const struct hl__fit *f);

/* Slope, in c per unit of t; 0 below two distinct times. */
double hl__fit_slope(const struct hl__fit *f);

/* How closely the points follow the line (R squared, 0 to 1); 1 for a
 * constant series, which its flat line follows exactly. */
double hl__fit_r2(const struct hl__fit *f);

#endif
