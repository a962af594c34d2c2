#include "fit.h"

#include <string.h>

void hl__fit_init(struct hl__fit *f)
{
    memset(f, 0, sizeof(*f));
}

void hl__fit_add(struct hl__fit *f, double t, double c)
{
    double dt = t - f->mt, dc = c - f->mc;

    f->n += 1;
    f->mt += dt / f->n;
    f->mc += dc / f->n;
    /* the old deviation times the new one: exact sums, no cancellation */
    f->stt += dt * (t - f->mt);
    f->stc += dt * (c - f->mc);
    f->scc += dc * (c - f->mc);
}

void hl__fit_times(struct hl__fit *out, const struct hl__fit *f)
{
    hl__fit_init(out);
    out->n = f->n;
    out->mt = f->mt;
    out->stt = f->stt;
}

double hl__fit_slope(const struct hl__fit *f)
{
    return f->n >= 2 && f->stt > 0 ? f->stc / f->stt : 0;
}

double hl__fit_r2(const struct hl__fit *f)
{
    if (f->scc > 0 && f->stt > 0)
        return (f->stc * f->stc) / (f->stt * f->scc);
    return 1;
}
