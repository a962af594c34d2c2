#include "watch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "formats.h"
#include "report.h"

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

static void svg_axes(struct hl__sbuf *b, const struct axis *ax,
                     const struct axis *ay, int bottom, const char *xlabel)
{
    double v, px;
    unsigned i;

    hl__sbuf_puts(b,
                  "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
    for (i = 1; i <= ay->nsteps; i++) {
        px = bottom - (double)i / ay->nsteps * (bottom - PLOT_TOP);
        hl__sbuf_printf(b,
                        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
                        PLOT_LEFT, px, PLOT_RIGHT, px);
    }
    hl__sbuf_puts(b, "</g>\n<g class=\"axes\" stroke=\"#333333\" "
                     "stroke-width=\"1\">\n");
    hl__sbuf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                    PLOT_LEFT, bottom, PLOT_RIGHT, bottom);
    hl__sbuf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                    PLOT_LEFT, PLOT_TOP, PLOT_LEFT, bottom);
    for (i = 0; i <= ax->nsteps; i++) {
        px = PLOT_LEFT + (double)i / ax->nsteps * (PLOT_RIGHT - PLOT_LEFT);
        hl__sbuf_printf(b,
                        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n",
                        px, bottom, px, bottom + 5);
    }
    for (i = 0; i <= ay->nsteps; i++) {
        px = bottom - (double)i / ay->nsteps * (bottom - PLOT_TOP);
        hl__sbuf_printf(b,
                        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
                        PLOT_LEFT - 5, px, PLOT_LEFT, px);
    }
    hl__sbuf_puts(b, "</g>\n<g class=\"ticks\" fill=\"#333333\">\n");
    for (i = 0; i <= ax->nsteps; i++) {
        v = ax->step * i;
        px = PLOT_LEFT + (double)i / ax->nsteps * (PLOT_RIGHT - PLOT_LEFT);
        hl__sbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                     "%.*f</text>\n",
                  px, bottom + 19, ax->decimals, v);
    }
    for (i = 0; i <= ay->nsteps; i++) {
        v = ay->step * i;
        px = bottom - (double)i / ay->nsteps * (bottom - PLOT_TOP);
        hl__sbuf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
                     "%.*f</text>\n",
                  PLOT_LEFT - 8, px + 4, ay->decimals, v);
    }
    hl__sbuf_puts(b, "</g>\n");
    hl__sbuf_printf(b, "<text class=\"xlabel\" x=\"%d\" y=\"%d\" "
                 "text-anchor=\"middle\">%s</text>\n",
              (PLOT_LEFT + PLOT_RIGHT) / 2, bottom + 40, xlabel);
    hl__sbuf_printf(b, "<text class=\"ylabel\" x=\"18\" y=\"%d\" "
                 "text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">"
                 "handles</text>\n",
              (PLOT_TOP + bottom) / 2, (PLOT_TOP + bottom) / 2);
}

static void svg_series(struct hl__sbuf *b, const struct hl_watch *w, size_t i,
                       const struct axis *ax, const struct axis *ay,
                       double tscale, int bottom)
{
    const char *dash = dashes[(i / NPALETTE) % NDASHES];
    double x, y;
    size_t s;

    hl__sbuf_puts(b, "<polyline class=\"series\" data-type=\"");
    hl__sbuf_xml(b, w->types[i].name);
    hl__sbuf_printf(b, "\" stroke=\"%s\"", palette[i % NPALETTE]);
    if (*dash != '\0')
        hl__sbuf_printf(b, " stroke-dasharray=\"%s\"", dash);
    hl__sbuf_puts(b, " points=\"");
    for (s = 0; s < w->nsamples; s++) {
        x = PLOT_LEFT +
            w->t[s] / tscale / ax->end * (PLOT_RIGHT - PLOT_LEFT);
        y = bottom - w->types[i].count[s] / ay->end * (bottom - PLOT_TOP);
        hl__sbuf_printf(b, "%s%.1f,%.1f", s > 0 ? " " : "", x, y);
    }
    hl__sbuf_puts(b, "\"/>\n");
}

static void svg_legend(struct hl__sbuf *b, const struct hl_watch *w)
{
    struct hl_trend tr;
    const char *dash;
    size_t i;
    int y;

    hl__sbuf_puts(b, "<g class=\"legend\">\n");
    for (i = 0; i < w->ntypes; i++) {
        y = PLOT_TOP + 6 + (int)i * LEGEND_ROW;
        dash = dashes[(i / NPALETTE) % NDASHES];
        hl__sbuf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                     "stroke=\"%s\" stroke-width=\"2\"",
                  PLOT_RIGHT + 16, y, PLOT_RIGHT + 40, y,
                  palette[i % NPALETTE]);
        if (*dash != '\0')
            hl__sbuf_printf(b, " stroke-dasharray=\"%s\"", dash);
        hl__sbuf_printf(b, "/>\n<text x=\"%d\" y=\"%d\">", PLOT_RIGHT + 46,
                  y + 4);
        hl__sbuf_xml(b, w->types[i].name);
        if (hl_watch_trend(w, i, &tr) == 0 && tr.cls != HL_TREND_UNKNOWN) {
            hl__sbuf_printf(b, ": %s", hl_trend_class_str(tr.cls));
            if (tr.cls != HL_TREND_STABLE)
                hl__sbuf_printf(b, " %+.1f/min", tr.slope);
        }
        hl__sbuf_puts(b, "</text>\n");
    }
    hl__sbuf_puts(b, "</g>\n");
}

int hl_watch_svg(const struct hl_watch *w, const char *title, char **out,
                 size_t *len)
{
    struct hl__sbuf b;

    hl__sbuf_init(&b);
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

    hl__sbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    hl__sbuf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                  "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "font-family=\"sans-serif\" font-size=\"12\">\n",
              SVG_WIDTH, height, SVG_WIDTH, height);
    if (title == NULL)
        title = "Open handles by type";
    hl__sbuf_puts(&b, "<title>");
    hl__sbuf_xml(&b, title);
    hl__sbuf_puts(&b, "</title>\n<rect width=\"100%\" height=\"100%\" "
                "fill=\"#ffffff\"/>\n");
    hl__sbuf_printf(&b, "<text class=\"title\" x=\"%d\" y=\"26\" "
                  "text-anchor=\"middle\" font-size=\"15\">",
              (PLOT_LEFT + PLOT_RIGHT) / 2);
    hl__sbuf_xml(&b, title);
    hl__sbuf_puts(&b, "</text>\n");
    svg_axes(&b, &ax, &ay, bottom,
             tscale > 1 ? "minutes since start" : "seconds since start");
    hl__sbuf_puts(&b, "<g class=\"plot\" fill=\"none\" stroke-width=\"2\" "
                "stroke-linejoin=\"round\">\n");
    for (i = 0; i < w->ntypes; i++)
        svg_series(&b, w, i, &ax, &ay, tscale, bottom);
    hl__sbuf_puts(&b, "</g>\n");
    svg_legend(&b, w);
    hl__sbuf_puts(&b, "</svg>\n");
    return hl__sbuf_take(&b, out, len);
}

const struct hl__format hl__format_svg = {
    .name = "svg",
    .label = "SVG",
    .watch = hl_watch_svg,
};
