#include "hleak/watch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"

#if defined(__MINGW32__)
#define SB_PRINTF __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
#define SB_PRINTF __attribute__((format(printf, 2, 3)))
#else
#define SB_PRINTF
#endif

/* A growing text buffer; the first failure sticks, so writers check once
 * at the end. */
struct sbuf {
    char *p;
    size_t len, cap;
    int err;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->err != 0)
        return;
    b->err = hl__grow((void **)&b->p, &b->cap, b->len + n + 1, 1);
    if (b->err != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) SB_PRINTF;

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->err = HL_EINVAL;
        return;
    }
    /* Every caller formats numbers and short words. */
    if ((size_t)n >= sizeof(small)) {
        b->err = HL_ETOOBIG;
        return;
    }
    sb_add(b, small, (size_t)n);
}

static int sb_finish(struct sbuf *b, char **out, size_t *len)
{
    if (b->err == 0 && b->p == NULL)
        sb_add(b, "", 0);
    if (b->err != 0) {
        hl__free(b->p);
        return b->err == HL_ENOMEM ? HL_ENOMEM : HL_EINVAL;
    }
    *out = b->p;
    *len = b->len;
    return 0;
}

/* ---- CSV ---- */

static void csv_field(struct sbuf *b, const char *s)
{
    const char *q;

    if (strpbrk(s, ",\"\r\n") == NULL) {
        sb_puts(b, s);
        return;
    }
    sb_puts(b, "\"");
    for (q = s; *q != '\0'; q++) {
        if (*q == '"')
            sb_add(b, "\"", 1);
        sb_add(b, q, 1);
    }
    sb_puts(b, "\"");
}

/* "2026-11-25T12:13:42.125Z" */
static void iso_ms(uint64_t ft, char *buf, size_t len)
{
    char iso[40];
    size_t n;

    hl__filetime_iso(ft, iso, sizeof(iso));
    n = strlen(iso);
    if (n > 0 && iso[n - 1] == 'Z')
        iso[n - 1] = '\0';
    snprintf(buf, len, "%s.%03uZ", iso,
             (unsigned)(ft / 10000u % 1000u));
}

int hl_watch_csv(const struct hl_watch *w, char **out, size_t *len)
{
    struct sbuf b = {NULL, 0, 0, 0};
    char when[48];
    size_t i, s;

    sb_puts(&b, "time,elapsed_s,total");
    for (i = 0; i < w->ntypes; i++) {
        sb_puts(&b, ",");
        csv_field(&b, w->types[i].name);
    }
    sb_puts(&b, "\r\n");
    for (s = 0; s < w->nsamples; s++) {
        iso_ms(w->wall[s], when, sizeof(when));
        sb_printf(&b, "%s,%.3f,%llu", when, w->t[s],
                  (unsigned long long)w->total[s]);
        for (i = 0; i < w->ntypes; i++)
            sb_printf(&b, ",%lu", (unsigned long)w->types[i].count[s]);
        sb_puts(&b, "\r\n");
    }
    return sb_finish(&b, out, len);
}

/* ---- SVG ---- */

/* Layout in SVG user units (pixels). */
#define SVG_WIDTH 860
#define SVG_MIN_HEIGHT 460
#define PLOT_LEFT 70
#define PLOT_TOP 48
#define PLOT_RIGHT 600 /* the legend starts past this */
#define PLOT_BOTTOM_GAP 56
#define LEGEND_ROW 18
#define TICKS 6

/* Distinguishable on white and for common colour blindness; past ten
 * types the dash pattern tells lines of one colour apart. */
static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
static const char *const dashes[] = {"", "6 3", "2 2", "8 3 2 3"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))
#define NDASHES (sizeof(dashes) / sizeof(dashes[0]))

static void xml_text(struct sbuf *b, const char *s)
{
    const unsigned char *q;

    for (q = (const unsigned char *)s; *q != '\0'; q++) {
        switch (*q) {
        case '&':
            sb_puts(b, "&amp;");
            break;
        case '<':
            sb_puts(b, "&lt;");
            break;
        case '>':
            sb_puts(b, "&gt;");
            break;
        case '"':
            sb_puts(b, "&quot;");
            break;
        case '\'':
            sb_puts(b, "&apos;");
            break;
        default:
            /* XML 1.0 has no way to write other control characters */
            if (*q < 0x20)
                sb_puts(b, "?");
            else
                sb_add(b, (const char *)q, 1);
        }
    }
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks, at
 * least min. */
static double nice_step(double range, int n, double min)
{
    double raw = range / n, p = 1;

    if (!(raw > min))
        return min;
    while (p * 10 <= raw)
        p *= 10;
    while (p > raw)
        p /= 10;
    if (raw <= p)
        return p;
    if (raw <= 2 * p)
        return 2 * p;
    if (raw <= 5 * p)
        return 5 * p;
    return 10 * p;
}

/* An axis from 0 to a whole number of steps covering max. */
struct axis {
    double step;
    unsigned nsteps;
    double end;     /* step * nsteps */
    int decimals;   /* for tick labels */
};

static void axis_fit(struct axis *a, double max, double min_step)
{
    a->step = nice_step(max, TICKS - 1, min_step);
    a->nsteps = 1;
    while (a->step * a->nsteps < max * (1 - 1e-9) && a->nsteps < 1000)
        a->nsteps++;
    a->end = a->step * a->nsteps;
    a->decimals = a->step >= 1 ? 0 : a->step >= 0.1 ? 1 : 2;
}

static void svg_axes(struct sbuf *b, const struct axis *ax,
                     const struct axis *ay, int bottom, const char *xlabel)
{
    double v, px;
    unsigned i;

    sb_puts(b, "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
    for (i = 1; i <= ay->nsteps; i++) {
        px = bottom - (double)i / ay->nsteps * (bottom - PLOT_TOP);
        sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
                  PLOT_LEFT, px, PLOT_RIGHT, px);
    }
    sb_puts(b, "</g>\n<g class=\"axes\" stroke=\"#333333\" "
               "stroke-width=\"1\">\n");
    sb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
              PLOT_LEFT, bottom, PLOT_RIGHT, bottom);
    sb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
              PLOT_LEFT, PLOT_TOP, PLOT_LEFT, bottom);
    for (i = 0; i <= ax->nsteps; i++) {
        px = PLOT_LEFT + (double)i / ax->nsteps * (PLOT_RIGHT - PLOT_LEFT);
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n",
                  px, bottom, px, bottom + 5);
    }
    for (i = 0; i <= ay->nsteps; i++) {
        px = bottom - (double)i / ay->nsteps * (bottom - PLOT_TOP);
        sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
                  PLOT_LEFT - 5, px, PLOT_LEFT, px);
    }
    sb_puts(b, "</g>\n<g class=\"ticks\" fill=\"#333333\">\n");
    for (i = 0; i <= ax->nsteps; i++) {
        v = ax->step * i;
        px = PLOT_LEFT + (double)i / ax->nsteps * (PLOT_RIGHT - PLOT_LEFT);
        sb_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                     "%.*f</text>\n",
                  px, bottom + 19, ax->decimals, v);
    }
    for (i = 0; i <= ay->nsteps; i++) {
        v = ay->step * i;
        px = bottom - (double)i / ay->nsteps * (bottom - PLOT_TOP);
        sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
                     "%.*f</text>\n",
                  PLOT_LEFT - 8, px + 4, ay->decimals, v);
    }
    sb_puts(b, "</g>\n");
    sb_printf(b, "<text class=\"xlabel\" x=\"%d\" y=\"%d\" "
                 "text-anchor=\"middle\">%s</text>\n",
              (PLOT_LEFT + PLOT_RIGHT) / 2, bottom + 40, xlabel);
    sb_printf(b, "<text class=\"ylabel\" x=\"18\" y=\"%d\" "
                 "text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">"
                 "handles</text>\n",
              (PLOT_TOP + bottom) / 2, (PLOT_TOP + bottom) / 2);
}

static void svg_series(struct sbuf *b, const struct hl_watch *w, size_t i,
                       const struct axis *ax, const struct axis *ay,
                       double tscale, int bottom)
{
    const char *dash = dashes[(i / NPALETTE) % NDASHES];
    double x, y;
    size_t s;

    sb_puts(b, "<polyline class=\"series\" data-type=\"");
    xml_text(b, w->types[i].name);
    sb_printf(b, "\" stroke=\"%s\"", palette[i % NPALETTE]);
    if (*dash != '\0')
        sb_printf(b, " stroke-dasharray=\"%s\"", dash);
    sb_puts(b, " points=\"");
    for (s = 0; s < w->nsamples; s++) {
        x = PLOT_LEFT +
            w->t[s] / tscale / ax->end * (PLOT_RIGHT - PLOT_LEFT);
        y = bottom - w->types[i].count[s] / ay->end * (bottom - PLOT_TOP);
        sb_printf(b, "%s%.1f,%.1f", s > 0 ? " " : "", x, y);
    }
    sb_puts(b, "\"/>\n");
}

static void svg_legend(struct sbuf *b, const struct hl_watch *w)
{
    struct hl_trend tr;
    const char *dash;
    size_t i;
    int y;

    sb_puts(b, "<g class=\"legend\">\n");
    for (i = 0; i < w->ntypes; i++) {
        y = PLOT_TOP + 6 + (int)i * LEGEND_ROW;
        dash = dashes[(i / NPALETTE) % NDASHES];
        sb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                     "stroke=\"%s\" stroke-width=\"2\"",
                  PLOT_RIGHT + 16, y, PLOT_RIGHT + 40, y,
                  palette[i % NPALETTE]);
        if (*dash != '\0')
            sb_printf(b, " stroke-dasharray=\"%s\"", dash);
        sb_printf(b, "/>\n<text x=\"%d\" y=\"%d\">", PLOT_RIGHT + 46,
                  y + 4);
        xml_text(b, w->types[i].name);
        if (hl_watch_trend(w, i, &tr) == 0 && tr.cls != HL_TREND_UNKNOWN) {
            sb_printf(b, ": %s", hl_trend_class_str(tr.cls));
            if (tr.cls != HL_TREND_STABLE)
                sb_printf(b, " %+.1f/min", tr.slope);
        }
        sb_puts(b, "</text>\n");
    }
    sb_puts(b, "</g>\n");
}

int hl_watch_svg(const struct hl_watch *w, const char *title, char **out,
                 size_t *len)
{
    struct sbuf b = {NULL, 0, 0, 0};
    struct axis ax, ay;
    double tmax = 0, cmax = 0, tscale = 1;
    size_t i, s;
    int height = SVG_MIN_HEIGHT, bottom;

    if (PLOT_TOP + 12 + (int)w->ntypes * LEGEND_ROW > height)
        height = PLOT_TOP + 12 + (int)w->ntypes * LEGEND_ROW;
    bottom = height - PLOT_BOTTOM_GAP;
    if (w->nsamples > 0)
        tmax = w->t[w->nsamples - 1];
    /* Past ten minutes, seconds make unreadable tick labels. */
    if (tmax > 600)
        tscale = 60;
    for (i = 0; i < w->ntypes; i++) {
        for (s = 0; s < w->nsamples; s++) {
            if (w->types[i].count[s] > cmax)
                cmax = w->types[i].count[s];
        }
    }
    axis_fit(&ax, tmax / tscale, 0.01);
    axis_fit(&ay, cmax, 1);

    sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                  "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "font-family=\"sans-serif\" font-size=\"12\">\n",
              SVG_WIDTH, height, SVG_WIDTH, height);
    if (title == NULL)
        title = "Open handles by type";
    sb_puts(&b, "<title>");
    xml_text(&b, title);
    sb_puts(&b, "</title>\n<rect width=\"100%\" height=\"100%\" "
                "fill=\"#ffffff\"/>\n");
    sb_printf(&b, "<text class=\"title\" x=\"%d\" y=\"26\" "
                  "text-anchor=\"middle\" font-size=\"15\">",
              (PLOT_LEFT + PLOT_RIGHT) / 2);
    xml_text(&b, title);
    sb_puts(&b, "</text>\n");
    svg_axes(&b, &ax, &ay, bottom,
             tscale > 1 ? "minutes since start" : "seconds since start");
    sb_puts(&b, "<g class=\"plot\" fill=\"none\" stroke-width=\"2\" "
                "stroke-linejoin=\"round\">\n");
    for (i = 0; i < w->ntypes; i++)
        svg_series(&b, w, i, &ax, &ay, tscale, bottom);
    sb_puts(&b, "</g>\n");
    svg_legend(&b, w);
    sb_puts(&b, "</svg>\n");
    return sb_finish(&b, out, len);
}
