/* The reports of a whole-system diff (sysdiff.h): text, JSON, CSV. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/system.h"
#include "json.h"
#include "sysdiff.h"

/* Growing types named per process in the text table, and name groups
 * under it. */
#define TEXT_GREW_TYPES 3
#define TEXT_GREW_NAMES 3

static const char *const status_names[] = {"both", "new", "exited"};

static const char *image_of(const struct hl__sysdiff_row *r)
{
    return r->image[0] != '\0' ? r->image : "[System Process]";
}

static void text_count(char *buf, size_t len, uint64_t n)
{
    if (n == HL_SYSTEM_UNKNOWN)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%" PRIu64, n);
}

static void text_side(FILE *out, const char *what,
                      const struct hl_system *sys)
{
    char iso[32];

    hl__filetime_iso(hl_system_time(sys), iso, sizeof(iso));
    fprintf(out, "%s: taken %s on %s, %zu processes\n", what, iso,
            hl_system_host(sys)[0] != '\0' ? hl_system_host(sys) : "?",
            hl_system_count(sys));
}

static void text_grew(FILE *out, const struct hl__sysdiff *d,
                      const struct hl__sysdiff_row *r)
{
    size_t k;

    for (k = 0; k < r->ngrew && k < TEXT_GREW_TYPES; k++)
        fprintf(out, "%s%s +%" PRIu64, k ? ", " : "",
                d->type_names[r->grew[k].type],
                r->grew[k].after - r->grew[k].before);
    if (r->ngrew > TEXT_GREW_TYPES)
        fprintf(out, ", ...");
}

/* Under a process that grew, the name groups that grew most (from
 * `snapshot --all --names` on both sides). */
static void text_names(FILE *out, const struct hl__sysdiff_row *r)
{
    size_t k;

    for (k = 0; k < r->nnames_grew && k < TEXT_GREW_NAMES; k++) {
        const struct hl__name_growth *g = &r->names_grew[k];

        fprintf(out, "%25s %+8" PRId64 "  %s %s\n", "",
                (int64_t)(g->after - g->before), g->type, g->pattern);
    }
    if (r->nnames_grew > TEXT_GREW_NAMES)
        fprintf(out, "%35s... %zu more name groups (--json)\n", "",
                r->nnames_grew - TEXT_GREW_NAMES);
}

static void text_both(FILE *out, const struct hl__sysdiff *d, size_t top)
{
    size_t i, shown = 0, grew = 0, shrank = 0;
    char b[32], a[32];

    for (i = 0; i < d->nboth; i++) {
        grew += d->both[i].counted && d->both[i].growth > 0;
        shrank += d->both[i].counted && d->both[i].growth < 0;
    }
    fprintf(out, "\nprocesses that grew (in both, most first): %zu\n", grew);
    if (grew != 0)
        fprintf(out, "%7s %8s %8s %8s  %-24s %s\n", "PID", "BEFORE",
                "AFTER", "GROWTH", "IMAGE", "GROWING TYPES");
    for (i = 0; i < d->nboth; i++) {
        const struct hl__sysdiff_row *r = &d->both[i];

        if (!r->counted || r->growth <= 0)
            continue;
        if (top != 0 && shown++ == top) {
            fprintf(out, "  ... %zu more (--top)\n", grew - top);
            break;
        }
        text_count(b, sizeof(b), r->before);
        text_count(a, sizeof(a), r->after);
        fprintf(out, "%7" PRIu64 " %8s %8s %+8" PRId64 "  %-24s ", r->pid, b,
                a, r->growth, image_of(r));
        text_grew(out, d, r);
        fprintf(out, "%s\n", r->failed ? "  [gate failed]" : "");
        text_names(out, r);
    }
    fprintf(out, "in both, not grown: %zu shrank, %zu unchanged\n", shrank,
            d->nboth - grew - shrank - d->uncounted);
    for (i = 0; i < d->nboth; i++) {
        if (!d->both[i].counted)
            fprintf(out, "not counted in %s: pid %" PRIu64 " (%s)\n",
                    d->both[i].before == HL_SYSTEM_UNKNOWN ? "BEFORE"
                                                           : "AFTER",
                    d->both[i].pid, image_of(&d->both[i]));
    }
}

static void text_apart(FILE *out, const struct hl__sysdiff_row *rows,
                       size_t n, const char *title, size_t top)
{
    size_t i;
    char h[32];

    fprintf(out, "\n%s: %zu\n", title, n);
    if (n != 0)
        fprintf(out, "%7s %8s  %s\n", "PID", "HANDLES", "IMAGE");
    for (i = 0; i < n; i++) {
        const struct hl__sysdiff_row *r = &rows[i];

        if (top != 0 && i == top) {
            fprintf(out, "  ... %zu more (--top)\n", n - top);
            break;
        }
        text_count(h, sizeof(h), r->status == HL__SYSDIFF_EXITED ? r->before
                                                                 : r->after);
        fprintf(out, "%7" PRIu64 " %8s  %s\n", r->pid, h, image_of(r));
    }
}

static void text_verdict(FILE *out, const struct hl__sysdiff *d)
{
    const struct hl__sysdiff_row *r = d->nboth != 0 ? &d->both[0] : NULL;
    size_t i;

    fputc('\n', out);
    for (i = 0; i < d->nreasons; i++)
        fprintf(out, "gate failed: %s\n", d->reasons[i]);
    fprintf(out, "verdict: ");
    if (r != NULL && r->counted && r->growth > 0) {
        fprintf(out, "most growth: pid %" PRIu64 " (%s) %+" PRId64, r->pid,
                image_of(r), r->growth);
        if (r->ngrew != 0) {
            fprintf(out, " (");
            text_grew(out, d, r);
            fprintf(out, ")");
        }
    } else {
        fprintf(out, "no process grew");
    }
    fprintf(out, "; %zu started, %zu exited", d->nstarted, d->nexited);
    if (d->gate_failed)
        fprintf(out, "; gate failed\n");
    else if (d->gated && d->uncounted != 0)
        fprintf(out, "; the gates could not judge %zu process%s\n",
                d->uncounted, d->uncounted == 1 ? "" : "es");
    else
        fprintf(out, "%s\n", d->gated ? "; gates passed" : "");
}

int hl__sysdiff_text(FILE *out, const struct hl__sysdiff *d, size_t top)
{
    fprintf(out, "whole-system diff\n");
    text_side(out, "BEFORE", d->before);
    text_side(out, "AFTER", d->after);
    fprintf(out, "handles: %" PRIu64 " -> %" PRIu64 " (%+" PRId64 ")\n",
            d->before_total, d->after_total,
            (int64_t)(d->after_total - d->before_total));
    text_both(out, d, top);
    text_apart(out, d->started, d->nstarted, "started (not in BEFORE)",
               top);
    text_apart(out, d->exited, d->nexited, "exited (not in AFTER)", top);
    text_verdict(out, d);
    return ferror(out) ? HL_EIO : 0;
}

/* ---- JSON ---- */

static void json_count(FILE *out, uint64_t n)
{
    if (n == HL_SYSTEM_UNKNOWN)
        fprintf(out, "null");
    else
        fprintf(out, "%" PRIu64, n);
}

static void json_side(FILE *out, const char *what,
                      const struct hl_system *sys)
{
    fprintf(out, "  \"%s\": {\"taken\": ", what);
    hl__json_time(out, hl_system_time(sys));
    fprintf(out, ", \"host\": ");
    hl__json_str(out, hl_system_host(sys));
    fprintf(out, ", \"processes\": %zu},\n", hl_system_count(sys));
}

static void json_row(FILE *out, const struct hl__sysdiff *d,
                     const struct hl__sysdiff_row *r, int first)
{
    size_t k;

    fprintf(out, "%s\n    {\"pid\": %" PRIu64 ", \"image\": ",
            first ? "" : ",", r->pid);
    hl__json_str(out, r->image);
    fprintf(out, ", \"start_time\": ");
    hl__json_time(out, r->start);
    fprintf(out, ", \"status\": \"%s\", \"before\": ",
            status_names[r->status]);
    json_count(out, r->before);
    fprintf(out, ", \"after\": ");
    json_count(out, r->after);
    if (r->status != HL__SYSDIFF_BOTH) {
        fprintf(out, "}");
        return;
    }
    fprintf(out, ", \"counted\": %s, \"growth\": %" PRId64
            ", \"gate_failed\": %s, \"grew\": {",
            r->counted ? "true" : "false", r->growth,
            r->failed ? "true" : "false");
    for (k = 0; k < r->ngrew; k++) {
        fprintf(out, "%s", k ? ", " : "");
        hl__json_str(out, d->type_names[r->grew[k].type]);
        fprintf(out, ": {\"before\": %" PRIu64 ", \"after\": %" PRIu64 "}",
                r->grew[k].before, r->grew[k].after);
    }
    fprintf(out, "}, \"names_grew\": ");
    if (!r->names_known) {
        fprintf(out, "null}");
        return;
    }
    fprintf(out, "[");
    for (k = 0; k < r->nnames_grew; k++) {
        const struct hl__name_growth *g = &r->names_grew[k];

        fprintf(out, "%s{\"type\": ", k ? ", " : "");
        hl__json_str(out, g->type);
        fprintf(out, ", \"pattern\": ");
        hl__json_str(out, g->pattern);
        fprintf(out, ", \"before\": %" PRIu64 ", \"after\": %" PRIu64 "}",
                g->before, g->after);
    }
    fprintf(out, "]}");
}

static void json_rows(FILE *out, const struct hl__sysdiff *d,
                      const char *name, const struct hl__sysdiff_row *rows,
                      size_t n, int last)
{
    size_t i;

    fprintf(out, "  \"%s\": [", name);
    for (i = 0; i < n; i++)
        json_row(out, d, &rows[i], i == 0);
    fprintf(out, "%s]%s\n", n != 0 ? "\n  " : "", last ? "" : ",");
}

int hl__sysdiff_json(FILE *out, const struct hl__sysdiff *d)
{
    size_t i;

    fprintf(out, "{\n  \"kind\": \"system-diff\",\n");
    json_side(out, "before", d->before);
    json_side(out, "after", d->after);
    fprintf(out, "  \"handles\": {\"before\": %" PRIu64 ", \"after\": %"
            PRIu64 "},\n", d->before_total, d->after_total);
    json_rows(out, d, "processes", d->both, d->nboth, 0);
    json_rows(out, d, "started", d->started, d->nstarted, 0);
    json_rows(out, d, "exited", d->exited, d->nexited, 0);
    fprintf(out, "  \"gates\": {\"asked\": %s, \"failed\": %s, "
            "\"reasons\": [",
            d->gated ? "true" : "false", d->gate_failed ? "true" : "false");
    for (i = 0; i < d->nreasons; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hl__json_str(out, d->reasons[i]);
    }
    fprintf(out, "]}\n}\n");
    return ferror(out) ? HL_EIO : 0;
}

/* ---- CSV ---- */

static void csv_count(struct hl__sbuf *b, uint64_t n)
{
    if (n != HL_SYSTEM_UNKNOWN)
        hl__sbuf_printf(b, "%" PRIu64, n);
}

static void csv_rows(struct hl__sbuf *b, const struct hl__sysdiff *d,
                     const struct hl__sysdiff_row *rows, size_t n)
{
    struct hl__sbuf types;
    char iso[32];
    size_t i, k;

    for (i = 0; i < n; i++) {
        const struct hl__sysdiff_row *r = &rows[i];

        hl__filetime_iso(r->start, iso, sizeof(iso));
        hl__sbuf_printf(b, "%s,%" PRIu64 ",%s,", status_names[r->status],
                        r->pid, r->start != 0 ? iso : "");
        hl__sbuf_csv(b, r->image);
        hl__sbuf_puts(b, ",");
        csv_count(b, r->before);
        hl__sbuf_puts(b, ",");
        csv_count(b, r->after);
        hl__sbuf_puts(b, ",");
        if (r->counted)
            hl__sbuf_printf(b, "%" PRId64, r->growth);
        hl__sbuf_puts(b, ",");
        hl__sbuf_init(&types);
        for (k = 0; k < r->ngrew; k++)
            hl__sbuf_printf(&types, "%s%s:+%" PRIu64, k ? ";" : "",
                            d->type_names[r->grew[k].type],
                            r->grew[k].after - r->grew[k].before);
        hl__sbuf_csv(b, types.data != NULL ? types.data : "");
        b->err = b->err ? b->err : types.err;
        hl__sbuf_release(&types);
        hl__sbuf_printf(b, ",%s\r\n", r->failed ? "1" : "0");
    }
}

int hl__sysdiff_csv(FILE *out, const struct hl__sysdiff *d)
{
    struct hl__sbuf b;
    int err;

    hl__sbuf_init(&b);
    hl__sbuf_puts(&b, "status,pid,start_time,image,before,after,growth,"
                      "grew_types,gate_failed\r\n");
    csv_rows(&b, d, d->both, d->nboth);
    csv_rows(&b, d, d->started, d->nstarted);
    csv_rows(&b, d, d->exited, d->nexited);
    err = b.err;
    if (err == 0 && fwrite(b.data, 1, b.len, out) != b.len)
        err = HL_EIO;
    hl__sbuf_release(&b);
    return err != 0 ? err : ferror(out) ? HL_EIO : 0;
}
