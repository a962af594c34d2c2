#include "hleak/diff.h"

#include <inttypes.h>
#include <string.h>

#include "core-int.h"
#include "json.h"
#include "objtypes.h"
#include "triage.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *paint(const struct hl_diff_report_opts *o, const char *c)
{
    return o->color ? c : "";
}

static void text_process(FILE *out, const char *label,
                         const struct hl_snapshot *s)
{
    char when[32];

    hl__filetime_iso(s->taken_at, when, sizeof(when));
    fprintf(out, "%-7s %s (pid %" PRIu64 "), %s, %zu handles\n", label,
            hl_snapshot_image_name(s), s->pid, when, s->count);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Line k (from 0) of a '\n'-separated string: *len bytes at the result;
 * NULL past the last. */
static const char *nth_line(const char *s, size_t k, size_t *len)
{
    const char *nl;

    if (*s == '\0')
        return NULL;
    for (; k > 0; k--) {
        if ((nl = strchr(s, '\n')) == NULL)
            return NULL;
        s = nl + 1;
    }
    nl = strchr(s, '\n');
    *len = nl != NULL ? (size_t)(nl - s) : strlen(s);
    return s;
}

/* A group's open stack under its line, as !htrace -diff shows it. */
static void text_stack(FILE *out, const struct hl_diff *d,
                       const struct hl_diff_group *g)
{
    const char *text = hl_diff_str(d, g->stack), *line;
    size_t k, len;

    for (k = 0; (line = nth_line(text, k, &len)) != NULL; k++)
        fprintf(out, "%12s%s %.*s\n", "", k == 0 ? "opened at" : "         ",
                (int)len, line);
}

/* "stack": [{"address": "0x...", "symbol": "app.exe+0x12"}, ...] or null */
static void json_stack(FILE *out, const struct hl_diff *d,
                       const struct hl_diff_group *g)
{
    const char *text = hl_diff_str(d, g->stack);
    const char *addrs = hl_diff_str(d, g->stack_addrs);
    const char *t, *a;
    size_t k, tlen, alen;
    char buf[1024];

    fputs(", \"stack\": ", out);
    if (*text == '\0') {
        fputs("null", out);
        return;
    }
    fputc('[', out);
    for (k = 0; (t = nth_line(text, k, &tlen)) != NULL; k++) {
        a = nth_line(addrs, k, &alen);
        fputs(k == 0 ? "{\"address\": " : ", {\"address\": ", out);
        snprintf(buf, sizeof(buf), "%.*s", a != NULL ? (int)alen : 0,
                 a != NULL ? a : "");
        hl__json_str(out, buf);
        fputs(", \"symbol\": ", out);
        snprintf(buf, sizeof(buf), "%.*s", (int)tlen, t);
        hl__json_str(out, buf);
        fputc('}', out);
    }
    fputc(']', out);
}

/* How many of n entries a list shows under --top. */
static size_t shown_of(const struct hl_diff_report_opts *o, size_t n)
{
    return o->top != 0 && o->top < n ? o->top : n;
}

static size_t widest_type(const struct hl_diff *d,
                          const struct hl_diff_group *g, size_t n, size_t w)
{
    size_t i;

    for (i = 0; i < n; i++) {
        size_t len = strlen(hl__type_label(hl_diff_str(d, g[i].type)));

        if (len > w)
            w = len;
    }
    return w;
}

/* One width for the type column of every list the text report shows, so
 * they line up under each other. */
static size_t type_width(const struct hl_diff *d,
                         const struct hl_diff_report_opts *o)
{
    size_t i, w = 4, ndead = shown_of(o, d->dead.count);

    w = widest_type(d, d->opened, shown_of(o, d->nopened), w);
    w = widest_type(d, d->closed, shown_of(o, d->nclosed), w);
    for (i = 0; i < ndead; i++) {
        size_t len = strlen(
            hl__type_label(hl_diff_str(d, d->dead.handles[i].type)));

        if (len > w)
            w = len;
    }
    return w;
}

static void text_groups(FILE *out, const struct hl_diff *d,
                        const struct hl_diff_group *g, size_t n,
                        const char *title, size_t total,
                        const struct hl_diff_report_opts *o, size_t tw)
{
    size_t i, shown = shown_of(o, n), rest = 0;

    fprintf(out, "\n%s: %zu %s in %zu %s\n", title, total,
            plural(total, "handle", "handles"), n,
            plural(n, "group", "groups"));
    if (n == 0)
        return;
    fprintf(out, "%10s  %-*s  %-10s  %s\n", "count", (int)tw, "type",
            "access", "name");
    for (i = 0; i < shown; i++) {
        const char *name = hl_diff_str(d, g[i].name);
        char access[16];

        if (g[i].access_mixed)
            snprintf(access, sizeof(access), "(mixed)");
        else
            snprintf(access, sizeof(access), "0x%08" PRIx32,
                     g[i].granted_access);
        fprintf(out, "%10zu  %-*s  %-10s  %s", g[i].count, (int)tw,
                hl__type_label(hl_diff_str(d, g[i].type)), access,
                hl__name_label(name));
        if (g[i].nnames > 1)
            fprintf(out, "  (%zu names)", g[i].nnames);
        fputc('\n', out);
        text_stack(out, d, &g[i]);
    }
    for (i = shown; i < n; i++)
        rest += g[i].count;
    if (shown < n)
        fprintf(out, "%10s  ... %zu more %s (%zu %s); see --top\n", "",
                n - shown, plural(n - shown, "group", "groups"), rest,
                plural(rest, "handle", "handles"));
}

static void text_types(FILE *out, const struct hl_diff *d,
                       const struct hl_diff_report_opts *o)
{
    size_t i;

    fprintf(out, "\nby type\n%10s  %10s  %10s  %s\n", "before", "after",
            "delta", "type");
    for (i = 0; i < d->ntypes; i++) {
        const struct hl_diff_type *t = &d->types[i];
        long long delta = (long long)t->after - (long long)t->before;

        fprintf(out, "%10zu  %10zu  %s%+10lld%s  %s\n", t->before, t->after,
                delta > 0 ? paint(o, RED) : "", delta,
                delta > 0 ? paint(o, RESET) : "",
                hl__type_label(hl_diff_str(d, t->type)));
    }
    fprintf(out, "%10zu  %10zu  %+10lld  total\n", d->total_before,
            d->total_after,
            (long long)d->total_after - (long long)d->total_before);
}

/* Ignore patterns that matched no handle: a stale ignore file shows. */
static void text_unmatched(FILE *out, const struct hl_diff *d)
{
    size_t i, n = 0;

    for (i = 0; i < d->nignores; i++)
        n += d->ignore_hits[i] == 0;
    if (n == 0)
        return;
    fprintf(out, "\nwarning: %zu ignore %s matched no handle in either "
                 "snapshot\n",
            n, plural(n, "pattern", "patterns"));
    for (i = 0; i < d->nignores; i++) {
        if (d->ignore_hits[i] == 0)
            fprintf(out, "    %s\n", hl_diff_str(d, d->ignore_specs[i]));
    }
}

int hl_diff_text(FILE *out, const struct hl_diff *d,
                 const struct hl_snapshot *before,
                 const struct hl_snapshot *after,
                 const struct hl_diff_report_opts *o)
{
    size_t i, tw = type_width(d, o);

    text_process(out, "before", before);
    text_process(out, "after", after);
    if (d->match == HL_MATCH_IDENTITY)
        fputs("match   identity: same process, handles matched one to one\n",
              out);
    else
        fputs("match   by name: not the same process (pid or start time "
              "differ), growth compared per type and name\n",
              out);
    text_groups(out, d, d->opened, d->nopened, "opened and still open",
                d->total_opened, o, tw);
    text_groups(out, d, d->closed, d->nclosed, "closed", d->total_closed, o,
                tw);
    text_types(out, d, o);
    hl__diff_triage_text(out, d, before, after, shown_of(o, d->dead.count),
                         tw);
    if (d->ignored_opened != 0 || d->ignored_closed != 0)
        fprintf(out, "\nignored: %zu opened, %zu closed (by ignore "
                     "patterns)\n",
                d->ignored_opened, d->ignored_closed);
    text_unmatched(out, d);
    fputc('\n', out);
    if (d->gate_failed) {
        for (i = 0; i < d->nreasons; i++)
            fprintf(out, "%sgate failed%s: %s\n", paint(o, RED BOLD),
                    paint(o, RESET), d->reasons[i]);
    }
    fprintf(out, "verdict: %s%zu %s opened and still open, %zu closed%s%s\n",
            d->gate_failed ? paint(o, RED BOLD)
            : d->total_opened ? ""
                              : paint(o, GREEN),
            d->total_opened, plural(d->total_opened, "handle", "handles"),
            d->total_closed, d->gate_failed ? "; gate failed" : "",
            paint(o, RESET));
    return ferror(out) ? HL_EIO : 0;
}

static void json_groups(FILE *out, const struct hl_diff *d,
                        const struct hl_diff_group *g, size_t n)
{
    size_t i, j;

    fputc('[', out);
    for (i = 0; i < n; i++) {
        fputs(i == 0 ? "\n    {\"type\": " : ",\n    {\"type\": ", out);
        hl__json_str(out, hl_diff_str(d, g[i].type));
        fputs(", \"name\": ", out);
        hl__json_str(out, hl_diff_str(d, g[i].name));
        fputs(", \"pattern\": ", out);
        hl__json_str(out, hl_diff_str(d, g[i].pattern));
        fputs(", \"names\": [", out);
        for (j = 0; j < g[i].nnames; j++) {
            fputs(j == 0 ? "{\"name\": " : ", {\"name\": ", out);
            hl__json_str(out, hl_diff_str(d, g[i].names[j].name));
            fprintf(out, ", \"count\": %zu}", g[i].names[j].count);
        }
        fputc(']', out);
        fprintf(out, ", \"granted_access\": %" PRIu32
                     ", \"access_mixed\": %s, \"count\": %zu, \"handles\": [",
                g[i].granted_access, g[i].access_mixed ? "true" : "false",
                g[i].count);
        for (j = 0; j < g[i].nhandles; j++)
            fprintf(out, j == 0 ? "%" PRIu32 : ", %" PRIu32, g[i].handles[j]);
        fputc(']', out);
        json_stack(out, d, &g[i]);
        fputc('}', out);
    }
    fputs(n == 0 ? "]" : "\n  ]", out);
}

/* "ignores" (each pattern and the handles it matched), "unmatched_ignores"
 * (those that matched none) and "other_program". */
static void json_ignores(FILE *out, const struct hl_diff *d)
{
    size_t i, n = 0;

    fputs("  \"ignores\": [", out);
    for (i = 0; i < d->nignores; i++) {
        fputs(i == 0 ? "{\"pattern\": " : ", {\"pattern\": ", out);
        hl__json_str(out, hl_diff_str(d, d->ignore_specs[i]));
        fprintf(out, ", \"handles\": %zu}", d->ignore_hits[i]);
    }
    fputs("],\n  \"unmatched_ignores\": [", out);
    for (i = 0; i < d->nignores; i++) {
        if (d->ignore_hits[i] != 0)
            continue;
        if (n++ != 0)
            fputs(", ", out);
        hl__json_str(out, hl_diff_str(d, d->ignore_specs[i]));
    }
    fprintf(out, "],\n  \"other_program\": %s,\n",
            d->other_program ? "true" : "false");
}

int hl_diff_json(FILE *out, const struct hl_diff *d,
                 const struct hl_snapshot *before,
                 const struct hl_snapshot *after)
{
    size_t i;

    fputs("{\n  \"before\": ", out);
    hl__json_process(out, before);
    fputs(",\n  \"after\": ", out);
    hl__json_process(out, after);
    fprintf(out, ",\n  \"match\": \"%s\",\n  \"opened\": ",
            d->match == HL_MATCH_IDENTITY ? "identity" : "by-name");
    json_groups(out, d, d->opened, d->nopened);
    fputs(",\n  \"closed\": ", out);
    json_groups(out, d, d->closed, d->nclosed);
    fputs(",\n  \"by_type\": [", out);
    for (i = 0; i < d->ntypes; i++) {
        const struct hl_diff_type *t = &d->types[i];

        fputs(i == 0 ? "\n    {\"type\": " : ",\n    {\"type\": ", out);
        hl__json_str(out, hl_diff_str(d, t->type));
        fprintf(out, ", \"before\": %zu, \"after\": %zu, \"delta\": %lld}",
                t->before, t->after,
                (long long)t->after - (long long)t->before);
    }
    fputs(d->ntypes == 0 ? "]" : "\n  ]", out);
    fprintf(out,
            ",\n  \"totals\": {\"before\": %zu, \"after\": %zu, "
            "\"opened\": %zu, \"closed\": %zu, \"ignored_opened\": %zu, "
            "\"ignored_closed\": %zu},\n",
            d->total_before, d->total_after, d->total_opened, d->total_closed,
            d->ignored_opened, d->ignored_closed);
    json_ignores(out, d);
    hl__diff_triage_json(out, d, before, after);
    fprintf(out, "  \"gate\": {\"failed\": %s, \"reasons\": [",
            d->gate_failed ? "true" : "false");
    for (i = 0; i < d->nreasons; i++) {
        if (i != 0)
            fputs(", ", out);
        hl__json_str(out, d->reasons[i]);
    }
    fputs("]}\n}\n", out);
    return ferror(out) ? HL_EIO : 0;
}

/* The stack's frames joined by ';' (empty for none), quoted as needed. */
static void csv_stack(struct hl__sbuf *b, const struct hl_diff *d,
                      const struct hl_diff_group *g)
{
    struct hl__sbuf t;
    const char *line;
    size_t k, len;

    hl__sbuf_init(&t);
    hl__sbuf_add(&t, "", 0);
    for (k = 0; (line = nth_line(hl_diff_str(d, g->stack), k, &len)) != NULL;
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
