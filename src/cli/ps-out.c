/* `hleak ps` reports: text, JSON and CSV of the ranked rows (ps.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "hleak/snapshot.h"
#include "hleak/system.h"
#include "json.h"
#include "ps.h"

/* Types named per process in the text table. */
#define TEXT_TOP_TYPES 3
#define TEXT_GROWING_TYPES 2
#define IMAGE_MAX_WIDTH 28
/* Rates below this (handles per minute) print as +0.0: not growth, only
 * the rounding of a flat fit. */
#define MIN_RATE 0.05

static const char *const status_names[] = {"running", "new", "exited"};

const char *ps_image(const struct ps_row *r)
{
    return r->image[0] != '\0' ? r->image : "[System Process]";
}

/* "+580" for a fast rate, "+2.5" for a slow one. */
static void fmt_rate(double rate, char *buf, size_t len)
{
    if (rate >= 100.0 || rate <= -100.0)
        snprintf(buf, len, "%+.0f", rate);
    else
        snprintf(buf, len, "%+.1f", rate);
}

static void fmt_count(uint64_t n, char *buf, size_t len)
{
    if (n == HL_SYSTEM_UNKNOWN)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%" PRIu64, n);
}

/* The k types of r with the most handles (by_rate 0) or growing fastest
 * (by_rate 1), best first; returns how many (only counts and rates above
 * 0 qualify). */
static double type_key(const struct ps_row *r, int by_rate, size_t t)
{
    return by_rate ? r->type_rates[t] : (double)r->types[t];
}

static size_t best_types(const struct ps_view *v, const struct ps_row *r,
                         int by_rate, size_t *out, size_t k)
{
    size_t n = 0, t, j;

    if (by_rate ? r->type_rates == NULL
                : r->types == NULL || r->handles == HL_SYSTEM_UNKNOWN)
        return 0;
    for (t = 0; t < v->ntypes; t++) {
        double key = type_key(r, by_rate, t);

        if (key <= 0.0 || (by_rate && key < MIN_RATE))
            continue;
        if (n < k)
            j = n++;
        else if (key > type_key(r, by_rate, out[k - 1]))
            j = k - 1;
        else
            continue;
        for (; j > 0 && type_key(r, by_rate, out[j - 1]) < key; j--)
            out[j] = out[j - 1];
        out[j] = t;
    }
    return n;
}

static void print_type_cell(const struct ps_view *v, const struct ps_row *r)
{
    size_t best[TEXT_TOP_TYPES], n, i;
    char rate[32];

    n = v->interval ? best_types(v, r, 1, best, TEXT_GROWING_TYPES)
                    : best_types(v, r, 0, best, TEXT_TOP_TYPES);
    for (i = 0; i < n; i++) {
        if (v->interval) {
            fmt_rate(r->type_rates[best[i]], rate, sizeof(rate));
            printf("%s%s %s/min", i > 0 ? ", " : "",
                   v->type_names[best[i]], rate);
        } else {
            printf("%s%s %" PRIu64, i > 0 ? ", " : "",
                   v->type_names[best[i]], r->types[best[i]]);
        }
    }
    if (n == 0)
        printf("-");
}

int ps_print_text(const struct ps_view *v)
{
    size_t i, width = 5;
    char a[32], b[32], c[32];

    for (i = 0; i < v->nrows; i++) {
        size_t n = strlen(ps_image(&v->rows[i]));

        if (n > width)
            width = n;
    }
    if (width > IMAGE_MAX_WIDTH)
        width = IMAGE_MAX_WIDTH;
    if (v->interval)
        printf("%7s %8s %8s %9s  %-7s  %s", "PID", "HANDLES", "DELTA",
               "PER MIN", "STATUS", v->with_types ? "" : "IMAGE\n");
    else
        printf("%7s %8s %6s %6s  %s", "PID", "HANDLES", "GDI", "USER",
               v->with_types ? "" : "IMAGE\n");
    if (v->with_types)
        printf("%-*s  %s\n", (int)width, "IMAGE",
               v->interval ? "GROWING TYPES" : "TOP TYPES");
    for (i = 0; i < v->nrows; i++) {
        const struct ps_row *r = &v->rows[i];

        fmt_count(r->handles, a, sizeof(a));
        if (v->interval) {
            if (r->have_rate)
                fmt_rate(r->rate, c, sizeof(c));
            else
                snprintf(c, sizeof(c), "-");
            printf("%7" PRIu64 " %8s %+8" PRId64 " %9s  %-7s  ", r->pid, a,
                   r->delta, c, status_names[r->status]);
        } else {
            if (r->gui_known) {
                snprintf(b, sizeof(b), "%" PRIu32, r->gdi);
                snprintf(c, sizeof(c), "%" PRIu32, r->user);
            } else {
                snprintf(b, sizeof(b), "-");
                snprintf(c, sizeof(c), "-");
            }
            printf("%7" PRIu64 " %8s %6s %6s  ", r->pid, a, b, c);
        }
        if (!v->with_types) {
            printf("%s\n", ps_image(r));
            continue;
        }
        printf("%-*s  ", (int)width, ps_image(r));
        print_type_cell(v, r);
        printf("\n");
    }
    if (v->interval)
        printf("%zu sample%s over %.1f s\n", v->nsamples,
               v->nsamples == 1 ? "" : "s", v->seconds);
    return 0;
}

static void json_count(uint64_t n)
{
    if (n == HL_SYSTEM_UNKNOWN)
        printf("null");
    else
        printf("%" PRIu64, n);
}

static void json_types(const struct ps_view *v, const struct ps_row *r)
{
    size_t t;
    int first = 1;

    printf(", \"types\": {");
    for (t = 0; t < v->ntypes; t++) {
        int nonzero = r->types != NULL && r->types[t] != 0 &&
                      r->types[t] != HL_SYSTEM_UNKNOWN;

        if (!nonzero && !(v->interval && r->type_rates != NULL &&
                          r->type_rates[t] != 0.0))
            continue;
        printf("%s", first ? "" : ", ");
        first = 0;
        hl__json_str(stdout, v->type_names[t]);
        if (v->interval)
            printf(": {\"count\": %" PRIu64 ", \"per_minute\": %.3f}",
                   nonzero ? r->types[t] : 0, r->type_rates[t]);
        else
            printf(": %" PRIu64, r->types[t]);
    }
    printf("}");
}

static const char *const names_states[] = {"none", "read", "refused",
                                           "exited"};

/* A process's names in a whole-system snapshot taken with them. */
static void json_names(const struct hl_system *sys, const struct ps_row *r)
{
    uint64_t asked, timeouts;
    uint32_t why;
    int state = hl_system_names(sys, r->proc, &why, &asked, &timeouts);
    size_t k, n = hl_system_name_count(sys, r->proc);

    printf(", \"names\": {\"state\": \"%s\"", names_states[state]);
    if (state == HL_SYSTEM_NAMES_REFUSED) {
        printf(", \"why\": ");
        hl__json_str(stdout, hl_access_str(why));
    }
    printf(", \"asked\": %" PRIu64 ", \"timeouts\": %" PRIu64
           ", \"handles\": [",
           asked, timeouts);
    for (k = 0; k < n; k++) {
        printf("%s{\"value\": %" PRIu64 ", \"type\": ", k ? ", " : "",
               hl_system_name_value(sys, r->proc, k));
        hl__json_str(stdout, hl_system_type_name(
                                 sys, hl_system_name_type(sys, r->proc, k)));
        printf(", \"name\": ");
        hl__json_str(stdout, hl_system_name(sys, r->proc, k));
        printf(", \"nt_name\": ");
        hl__json_str(stdout, hl_system_name_nt(sys, r->proc, k));
        printf("}");
    }
    printf("]}");
}

int ps_print_json(const struct ps_view *v)
{
    size_t i;

    printf("{\n  \"taken\": ");
    hl__json_time(stdout, v->taken);
    if (v->host != NULL) {
        printf(",\n  \"kind\": \"system\",\n  \"host\": ");
        hl__json_str(stdout, v->host);
        printf(",\n  \"os_version\": ");
        hl__json_str(stdout, v->os_version);
        printf(",\n  \"hleak_version\": ");
        hl__json_str(stdout, v->hleak_version);
    }
    if (v->interval)
        printf(",\n  \"samples\": %zu,\n  \"seconds\": %.3f", v->nsamples,
               v->seconds);
    printf(",\n  \"processes\": [");
    for (i = 0; i < v->nrows; i++) {
        const struct ps_row *r = &v->rows[i];

        printf("%s\n    {\"pid\": %" PRIu64 ", \"image\": ", i ? "," : "",
               r->pid);
        hl__json_str(stdout, r->image);
        printf(", \"start_time\": ");
        hl__json_time(stdout, r->start);
        printf(", \"handles\": ");
        json_count(r->handles);
        if (v->interval) {
            printf(", \"status\": \"%s\", \"delta\": %" PRId64
                   ", \"per_minute\": ",
                   status_names[r->status], r->delta);
            if (r->have_rate)
                printf("%.3f", r->rate);
            else
                printf("null");
        } else {
            printf(", \"gdi\": ");
            json_count(r->gui_known ? r->gdi : HL_SYSTEM_UNKNOWN);
            printf(", \"user\": ");
            json_count(r->gui_known ? r->user : HL_SYSTEM_UNKNOWN);
        }
        if (v->with_types)
            json_types(v, r);
        if (v->named != NULL)
            json_names(v->named, r);
        printf("}");
    }
    printf("%s]\n}\n", v->nrows > 0 ? "\n  " : "");
    return 0;
}

static void csv_count(struct hl__sbuf *b, uint64_t n)
{
    if (n != HL_SYSTEM_UNKNOWN)
        hl__sbuf_printf(b, "%" PRIu64, n);
}

int ps_print_csv(const struct ps_view *v)
{
    struct hl__sbuf b;
    char iso[40];
    size_t i, t;
    int err;

    hl__sbuf_init(&b);
    hl__sbuf_puts(&b, v->interval
                          ? "pid,image,start_time,status,handles,delta,"
                            "per_minute"
                          : "pid,image,start_time,handles,gdi,user");
    for (t = 0; v->with_types && t < v->ntypes; t++) {
        hl__sbuf_puts(&b, ",");
        hl__sbuf_csv(&b, v->type_names[t]);
        if (v->interval)
            hl__sbuf_puts(&b, " per_minute");
    }
    hl__sbuf_puts(&b, "\r\n");
    for (i = 0; i < v->nrows; i++) {
        const struct ps_row *r = &v->rows[i];

        hl__sbuf_printf(&b, "%" PRIu64 ",", r->pid);
        hl__sbuf_csv(&b, r->image);
        hl__sbuf_puts(&b, ",");
        if (r->start != 0) {
            hl__filetime_iso(r->start, iso, sizeof(iso));
            hl__sbuf_puts(&b, iso);
        }
        hl__sbuf_puts(&b, ",");
        if (v->interval)
            hl__sbuf_printf(&b, "%s,", status_names[r->status]);
        csv_count(&b, r->handles);
        if (v->interval) {
            hl__sbuf_printf(&b, ",%" PRId64 ",", r->delta);
            if (r->have_rate)
                hl__sbuf_printf(&b, "%.3f", r->rate);
        } else {
            hl__sbuf_puts(&b, ",");
            if (r->gui_known)
                hl__sbuf_printf(&b, "%" PRIu32, r->gdi);
            hl__sbuf_puts(&b, ",");
            if (r->gui_known)
                hl__sbuf_printf(&b, "%" PRIu32, r->user);
        }
        for (t = 0; v->with_types && t < v->ntypes; t++) {
            hl__sbuf_puts(&b, ",");
            if (v->interval && r->type_rates != NULL && r->have_rate)
                hl__sbuf_printf(&b, "%.3f", r->type_rates[t]);
            else if (!v->interval && r->types != NULL)
                csv_count(&b, r->types[t]);
        }
        hl__sbuf_puts(&b, "\r\n");
    }
    err = b.err;
    if (err == 0 && b.len > 0)
        fwrite(b.data, 1, b.len, stdout);
    hl__sbuf_release(&b);
    return err;
}

void ps_print_top_grower(const struct ps_view *v)
{
    const struct ps_row *top = NULL;
    size_t i, best;
    char rate[32];

    for (i = 0; i < v->nrows; i++) {
        const struct ps_row *r = &v->rows[i];

        if (r->have_rate && r->rate >= MIN_RATE &&
            (top == NULL || r->rate > top->rate))
            top = r;
    }
    if (top == NULL) {
        printf("top grower: none (no process gained handles over %zu "
               "sample%s)\n",
               v->nsamples, v->nsamples == 1 ? "" : "s");
        return;
    }
    fmt_rate(top->rate, rate, sizeof(rate));
    printf("top grower: %s (pid %" PRIu64 ") %s handles/min", ps_image(top),
           top->pid, rate);
    if (best_types(v, top, 1, &best, 1) == 1) {
        fmt_rate(top->type_rates[best], rate, sizeof(rate));
        printf(", %s %s/min", v->type_names[best], rate);
    }
    printf("\n");
}
