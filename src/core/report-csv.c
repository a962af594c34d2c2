#include "hleak/diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "formats.h"
#include "watch.h"
#include "report.h"

/* ---- diff ---- */

/* The stack's frames joined by ';' (empty for none), quoted as needed. */
static void csv_stack(struct hl__sbuf *b, const struct hl_diff *d,
                      const struct hl_diff_group *g)
{
    struct hl__sbuf t;
    const char *line;
    size_t k, len;

    hl__sbuf_init(&t);
    hl__sbuf_add(&t, "", 0);
    for (k = 0;
         (line = hl__nth_line(hl_diff_str(d, g->stack), k, &len)) != NULL;
         k++) {
        if (k != 0)
            hl__sbuf_add(&t, ";", 1);
        hl__sbuf_add(&t, line, len);
    }
    if (t.err != 0)
        b->err = t.err;
    else if (t.len != 0)
        hl__sbuf_csv(b, t.data);
    hl__sbuf_release(&t);
}

static void csv_groups(struct hl__sbuf *b, const struct hl_diff *d,
                       const char *change, const struct hl_diff_group *g,
                       size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        hl__sbuf_printf(b, "%s,", change);
        hl__sbuf_csv(b, hl_diff_str(d, g[i].type));
        hl__sbuf_add(b, ",", 1);
        hl__sbuf_csv(b, hl_diff_str(d, g[i].name));
        hl__sbuf_add(b, ",", 1);
        hl__sbuf_csv(b, hl_diff_str(d, g[i].pattern));
        hl__sbuf_printf(b, ",0x%08" PRIx32 ",%zu,%zu,", g[i].granted_access,
                        g[i].count, g[i].nnames);
        for (j = 0; j < g[i].nhandles; j++)
            hl__sbuf_printf(b, j == 0 ? "%" PRIu32 : " %" PRIu32,
                            g[i].handles[j]);
        hl__sbuf_add(b, ",", 1);
        csv_stack(b, d, &g[i]);
        hl__sbuf_add(b, "\r\n", 2);
    }
}

int hl_diff_csv(FILE *out, const struct hl_diff *d)
{
    struct hl__sbuf b;
    int err;

    hl__sbuf_init(&b);
    hl__sbuf_puts(&b, "change,type,name,pattern,granted_access,count,"
                      "distinct_names,handles,stack\r\n");
    csv_groups(&b, d, "opened", d->opened, d->nopened);
    csv_groups(&b, d, "closed", d->closed, d->nclosed);
    err = b.err;
    if (err == 0 && fwrite(b.data, 1, b.len, out) != b.len)
        err = HL_EIO;
    hl__sbuf_release(&b);
    return err != 0 ? err : ferror(out) ? HL_EIO : 0;
}

/* ---- watch ---- */

static void csv_rows(struct hl__sbuf *b, const struct hl_watch *w,
                     size_t from)
{
    char when[48];
    size_t i, s;

    for (s = from; s < w->nsamples; s++) {
        hl__filetime_iso_ms(w->wall[s], when, sizeof(when));
        hl__sbuf_printf(b, "%s,%.3f,%llu", when, w->t[s],
                        (unsigned long long)w->total[s]);
        for (i = 0; i < w->ntypes; i++)
            hl__sbuf_printf(b, ",%lu", (unsigned long)w->types[i].count[s]);
        hl__sbuf_puts(b, "\r\n");
    }
}

int hl_watch_csv(const struct hl_watch *w, char **out, size_t *len)
{
    struct hl__sbuf b;
    size_t i;

    hl__sbuf_init(&b);
    hl__sbuf_puts(&b, "time,elapsed_s,total");
    for (i = 0; i < w->ntypes; i++) {
        hl__sbuf_puts(&b, ",");
        hl__sbuf_csv(&b, w->types[i].name);
    }
    hl__sbuf_puts(&b, "\r\n");
    csv_rows(&b, w, 0);
    return hl__sbuf_take(&b, out, len);
}

int hl_watch_csv_rows(const struct hl_watch *w, size_t from, char **out,
                      size_t *len)
{
    struct hl__sbuf b;

    hl__sbuf_init(&b);
    csv_rows(&b, w, from);
    return hl__sbuf_take(&b, out, len);
}

/* ---- the row ---- */

static int diff_print(FILE *out, const struct hl_diff *d,
                      const struct hl_snapshot *before,
                      const struct hl_snapshot *after,
                      const struct hl_diff_report_opts *o)
{
    /* every group, one row each: nothing from the snapshots or options */
    (void)before;
    (void)after;
    (void)o;
    return hl_diff_csv(out, d);
}

/* watch --csv keeps its file current through watch-log.c, which appends
 * these rows as samples come; this entry is the whole series at once. */
static int watch_csv(const struct hl_watch *w, const char *title, char **out,
                     size_t *len)
{
    (void)title; /* a CSV has no title row */
    return hl_watch_csv(w, out, len);
}

const struct hl__format hl__format_csv = {
    .name = "csv",
    .label = "CSV",
    .diff_print = diff_print,
    .watch = watch_csv,
};
