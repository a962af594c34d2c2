#include "hleak/diff.h"

#include <inttypes.h>
#include <string.h>

#include "access.h"
#include "core-int.h"
#include "details.h"
#include "formats.h"
#include "show.h"
#include "json.h"
#include "report.h"

static void json_u32_or_null(FILE *out, int known, uint32_t v)
{
    if (known)
        fprintf(out, "%" PRIu32, v);
    else
        fputs("null", out);
}

/* The names an iterator walks, as a JSON array of strings. */
static void json_name_list(FILE *out, struct hl__access_iter *it)
{
    const char *name;
    int first = 1;

    fputc('[', out);
    while ((name = hl__access_next(it)) != NULL) {
        if (!first)
            fputs(", ", out);
        hl__json_str(out, name);
        first = 0;
    }
    fputc(']', out);
}

/* ", \"granted_access_names\": [...]": mask in words for type. */
static void json_access_names(FILE *out, const char *type, uint32_t mask)
{
    struct hl__access_iter it;

    hl__access_begin(&it, type, mask);
    fputs(", \"granted_access_names\": ", out);
    json_name_list(out, &it);
}

static void target_json(FILE *out, const struct hl_snapshot *s, size_t i)
{
    static const char *const exited[] = {"null", "false", "true", "null"};
    const struct hl_target *t = hl_snapshot_target(s, i);
    struct hl_target none;
    int is_thread, gone;

    if (!hl__target_kind(s, &s->handles[i], &is_thread))
        return;
    if (t == NULL) {
        memset(&none, 0, sizeof(none));
        t = &none;
    }
    gone = t->state == HL_TARGET_EXITED;
    fprintf(out, ", \"target_exited\": %s, \"target_id\": ",
            exited[t->state < HL_TARGET_STATE_COUNT ? t->state : 0]);
    json_u32_or_null(out, t->id != 0, t->id);
    fputs(", \"exit_code\": ", out);
    json_u32_or_null(out, gone && (t->flags & HL_TARGET_HAS_CODE),
                     t->exit_code);
    fputs(", \"exit_time\": ", out);
    hl__json_time(out, gone ? t->exit_time : 0);
}

static void gui_json(FILE *out, const struct hl_gui *g)
{
    int counts = (g->flags & HL_GUI_COUNTS) != 0;
    int peaks = (g->flags & HL_GUI_PEAKS) != 0;

    if (g->flags == 0) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"reported\": %s, ", counts ? "true" : "false");
    /* only when so: older readers' view of the object stays the same */
    if (g->flags & HL_GUI_OTHER_SESSION)
        fputs("\"other_session\": true, ", out);
    fputs("\"gdi\": ", out);
    json_u32_or_null(out, counts, g->gdi);
    fputs(", \"user\": ", out);
    json_u32_or_null(out, counts, g->user);
    fputs(", \"gdi_peak\": ", out);
    json_u32_or_null(out, peaks, g->gdi_peak);
    fputs(", \"user_peak\": ", out);
    json_u32_or_null(out, peaks, g->user_peak);
    fputc('}', out);
}

static void dead_json(FILE *out, const struct hl_dead *dd,
                      const struct hl_strtab *st)
{
    size_t i;

    fprintf(out,
            "{\"recorded\": %s, \"threads\": %zu, \"processes\": %zu, "
            "\"alive\": %zu, \"unknown\": %zu, \"exited\": [",
            dd->recorded ? "true" : "false", dd->threads, dd->processes,
            dd->alive, dd->unknown);
    for (i = 0; i < dd->count; i++) {
        const struct hl_dead_handle *x = &dd->handles[i];
        const char *str;

        fprintf(out, "%s\n    {\"handle\": %" PRIu32 ", \"type\": ",
                i == 0 ? "" : ",", x->value);
        str = hl_strtab_get(st, x->type);
        hl__json_str(out, str != NULL ? str : "");
        fputs(", \"name\": ", out);
        str = hl_strtab_get(st, x->name);
        hl__json_str(out, str != NULL ? str : "");
        fputs(", \"target_id\": ", out);
        json_u32_or_null(out, x->target.id != 0, x->target.id);
        fputs(", \"exit_code\": ", out);
        json_u32_or_null(out, (x->target.flags & HL_TARGET_HAS_CODE) != 0,
                         x->target.exit_code);
        fputs(", \"exit_time\": ", out);
        hl__json_time(out, x->target.exit_time);
        fputc('}', out);
    }
    fputs(dd->count != 0 ? "\n  ]}" : "]}", out);
}

static void show_triage_json(FILE *out, const struct hl_snapshot *s,
                             const struct hl_dead *dd,
                             const struct hl_strtab *st)
{
    fputs(",\n  \"gui\": ", out);
    gui_json(out, &s->gui);
    fputs(",\n  \"dead\": ", out);
    dead_json(out, dd, st);
}

static void delta_json(FILE *out, const char *key, int known, uint32_t a,
                       uint32_t b)
{
    fprintf(out, "\"%s\": ", key);
    if (known)
        fprintf(out, "%lld", (long long)b - (long long)a);
    else
        fputs("null", out);
}

static void diff_triage_json(FILE *out, const struct hl_diff *d,
                             const struct hl_snapshot *before,
                             const struct hl_snapshot *after)
{
    const struct hl_gui *a = &before->gui, *b = &after->gui;
    int counts = (a->flags & b->flags & HL_GUI_COUNTS) != 0;
    int peaks = (a->flags & b->flags & HL_GUI_PEAKS) != 0;

    fputs("  \"gui\": {\"before\": ", out);
    gui_json(out, a);
    fputs(", \"after\": ", out);
    gui_json(out, b);
    fputs(", \"delta\": {", out);
    delta_json(out, "gdi", counts, a->gdi, b->gdi);
    fputs(", ", out);
    delta_json(out, "user", counts, a->user, b->user);
    fputs(", ", out);
    delta_json(out, "gdi_peak", peaks, a->gdi_peak, b->gdi_peak);
    fputs(", ", out);
    delta_json(out, "user_peak", peaks, a->user_peak, b->user_peak);
    fputs("}},\n  \"dead\": ", out);
    dead_json(out, &d->dead, &d->strings);
    fputs(",\n", out);
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
    for (k = 0; (t = hl__nth_line(text, k, &tlen)) != NULL; k++) {
        a = hl__nth_line(addrs, k, &alen);
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

static void json_values(FILE *out, const uint32_t *v, size_t n)
{
    size_t j;

    for (j = 0; j < n; j++)
        fprintf(out, j == 0 ? "%" PRIu32 : ", %" PRIu32, v[j]);
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
        fprintf(out, ", \"granted_access\": %" PRIu32, g[i].granted_access);
        json_access_names(out, hl_diff_str(d, g[i].type),
                          g[i].granted_access);
        fprintf(out, ", \"access_mixed\": %s, \"count\": %zu, \"handles\": [",
                g[i].access_mixed ? "true" : "false", g[i].count);
        json_values(out, g[i].handles, g[i].nhandles);
        fputs("], \"values\": [", out);
        json_values(out, g[i].values, g[i].nvalues);
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
    diff_triage_json(out, d, before, after);
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

/* One member of a "details" object: a number, or null when its query did
 * not answer. */
static void json_num(FILE *out, const char *key, int known, int64_t v)
{
    fprintf(out, ", \"%s\": ", key);
    if (known)
        fprintf(out, "%" PRId64, v);
    else
        fputs("null", out);
}

static void json_bool(FILE *out, const char *key, int known, int64_t v)
{
    fprintf(out, ", \"%s\": %s", key,
            !known ? "null" : v != 0 ? "true" : "false");
}

static void json_text(FILE *out, const char *key, int known, const char *v)
{
    fprintf(out, ", \"%s\": ", key);
    if (known && v != NULL)
        hl__json_str(out, v);
    else
        fputs("null", out);
}

/* The "details" member of a handle (docs/man/hleak-show.md). */
static void json_details(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_details *d = hl_snapshot_details(s, i);
    char text[4096]; /* a Section's file name is in it */
    int b, m;

    if (d == NULL)
        return;
    b = (d->known & HL_DETAILS_BASIC) != 0;
    m = (d->known & HL_DETAILS_MORE) != 0;
    fputs(", \"details\": {\"kind\": ", out);
    hl__json_str(out, hl__details_kind_name(d->kind));
    fputs(", \"text\": ", out);
    hl__json_str(out, hl__details_text(s, i, text, sizeof(text)));
    switch (d->kind) {
    case HL_DETAILS_EVENT:
        json_text(out, "event_type", b, hl__details_event_type(d->a));
        json_bool(out, "signaled", b, d->b);
        break;
    case HL_DETAILS_MUTANT:
        json_num(out, "count", b, d->a);
        json_bool(out, "abandoned", b, d->b);
        json_num(out, "owner_pid", m && d->d != 0, (int64_t)d->c);
        json_num(out, "owner_tid", m && d->d != 0, (int64_t)d->d);
        break;
    case HL_DETAILS_SEMAPHORE:
        json_num(out, "count", b, d->a);
        json_num(out, "maximum", b, d->b);
        break;
    case HL_DETAILS_SECTION:
        json_num(out, "size", b, d->a);
        json_text(out, "backing", b, hl__details_section_backing(d->b));
        json_num(out, "attributes", b, d->b);
        json_text(out, "file", d->text != 0, hl_snapshot_str(s, d->text));
        break;
    case HL_DETAILS_TIMER:
        json_bool(out, "signaled", b, d->b);
        break;
    case HL_DETAILS_FILE:
        json_num(out, "device_type", b, d->a);
        json_text(out, "device", b, hl__details_device_name((uint32_t)d->a));
        json_bool(out, "synchronous", m, d->b & 0x30);
        break;
    case HL_DETAILS_TOKEN:
        json_text(out, "user_sid", b, hl_snapshot_str(s, d->text));
        break;
    case HL_DETAILS_KEY:
        fputs(", \"last_write\": ", out);
        hl__json_time(out, b ? (uint64_t)d->a : 0);
        break;
    default:
        break;
    }
    fputc('}', out);
}

/* The optional members, present only when the snapshot has them. */
static void json_extras(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_handle_extra *x = hl_snapshot_extra(s, i);
    const struct hl_stack *st = hl_snapshot_handle_stack(s, i);
    char sym[512];
    uint32_t k;

    if (x == NULL)
        return;
    if (x->flags & HL_EXTRA_COUNTS)
        fprintf(out, ", \"handle_count\": %" PRIu32 ", \"pointer_count\": %"
                PRIu32, x->handle_count, x->pointer_count);
    if (x->object_info != 0) {
        fputs(", \"object_info\": ", out);
        hl__json_str(out, hl_snapshot_str(s, x->object_info));
    }
    if (st == NULL)
        return;
    fputs(", \"open_stack\": [", out);
    for (k = 0; k < st->depth; k++) {
        uint64_t addr = s->frames[st->first + k];

        fprintf(out, "%s{\"address\": \"0x%016" PRIx64 "\", \"symbol\": ",
                k == 0 ? "" : ", ", addr);
        hl__json_str(out, hl_snapshot_resolve(s, addr, sym, sizeof(sym)));
        fputc('}', out);
    }
    fputc(']', out);
}

/* --handle: the handles of this process to the same object, and how
 * they were told ("object" address, "name", "handle_count" 1, or null
 * when unknown). */
static void json_same(FILE *out, const struct hl_snapshot *s, size_t i)
{
    static const char *const by_name[] = {"null", "\"object\"", "\"name\"",
                                          "\"handle_count\""};
    enum hl__same_by by;
    size_t n = hl__show_same_object(s, i, &by);

    fputs(", \"this_process_handles\": ", out);
    if (by == HL__SAME_NONE)
        fputs("null", out);
    else
        fprintf(out, "%zu", n);
    fprintf(out, ", \"this_process_match\": %s", by_name[by]);
}

/* One member of "handles"; one: the --handle view's members too. */
static void json_handle(FILE *out, const struct hl_snapshot *s, size_t i,
                        int one)
{
    const struct hl_handle *h = &s->handles[i];
    uint64_t object = hl_snapshot_object(s, i);
    struct hl__access_iter it;

    fprintf(out, "{\"handle\": %" PRIu32 ", \"type\": ", h->value);
    hl__json_str(out, hl_snapshot_str(s, h->type));
    fputs(", \"name\": ", out);
    hl__json_str(out, hl_snapshot_str(s, h->name));
    fputs(", \"nt_name\": ", out);
    hl__json_str(out, hl_snapshot_str(s, h->nt_name));
    fprintf(out, ", \"granted_access\": %" PRIu32, h->granted_access);
    json_access_names(out, hl_snapshot_str(s, h->type), h->granted_access);
    fprintf(out, ", \"attributes\": %u, \"attributes_names\": ",
            (unsigned)h->attributes);
    hl__attributes_begin(&it, h->attributes);
    json_name_list(out, &it);
    fputs(", \"object\": ", out);
    if (object != 0)
        fprintf(out, "\"0x%016" PRIx64 "\"", object);
    else
        fputs("null", out);
    fputs(", \"name_error\": ", out);
    if (h->name_err != HL_NAME_ERR_NONE)
        hl__json_str(out, hl_name_err_str(h->name_err));
    else
        fputs("null", out);
    json_extras(out, s, i);
    json_details(out, s, i);
    target_json(out, s, i);
    if (one)
        json_same(out, s, i);
    fputc('}', out);
}

static void json_names(FILE *out, const struct hl_diff *d,
                       const struct hl_show_opts *o)
{
    size_t i;
    int first = 1;

    fputs(",\n  \"by_name\": [", out);
    for (i = 0; i < d->nopened; i++) {
        const struct hl_diff_group *g = &d->opened[i];

        if (!hl__show_group_shown(d, g, o))
            continue;
        fputs(first ? "\n    {\"type\": " : ",\n    {\"type\": ", out);
        hl__json_str(out, hl_diff_str(d, g->type));
        fputs(", \"name\": ", out);
        hl__json_str(out, hl_diff_str(d, g->name));
        fputs(", \"pattern\": ", out);
        hl__json_str(out, hl_diff_str(d, g->pattern));
        fprintf(out, ", \"granted_access\": %" PRIu32, g->granted_access);
        json_access_names(out, hl_diff_str(d, g->type), g->granted_access);
        fprintf(out, ", \"count\": %zu, \"distinct_names\": %zu}", g->count,
                g->nnames);
        first = 0;
    }
    fputs(first ? "]" : "\n  ]", out);
}

int hl_show_json(FILE *out, const struct hl_snapshot *s,
                 const struct hl_show_opts *opts)
{
    struct hl_type_count *tc;
    struct hl_diff d;
    size_t i, n;
    int first = 1, err;

    if (opts->one) {
        /* --handle: that handle alone, with its process */
        fputs("{\n  \"process\": ", out);
        hl__json_process(out, s);
        fputs(",\n  \"handle\": ", out);
        json_handle(out, s, opts->index, 1);
        fputs("\n}\n", out);
        return hl__report_ferror(out);
    }
    err = hl__show_count_by_type(s, opts, &tc, &n);
    if (err != 0)
        return err;
    if ((err = hl__show_group_names(s, opts, &d)) != 0) {
        hl__free(tc);
        return err;
    }
    fputs("{\n  \"process\": ", out);
    hl__json_process(out, s);
    if (!opts->summary) {
        fputs(",\n  \"handles\": [", out);
        for (i = 0; i < s->count; i++) {
            if (!hl__show_handle_shown(s, &s->handles[i], opts))
                continue;
            fputs(first ? "\n    " : ",\n    ", out);
            json_handle(out, s, i, 0);
            first = 0;
        }
        fputs(first ? "]" : "\n  ]", out);
    }
    fputs(",\n  \"by_type\": [", out);
    for (i = 0; i < n; i++) {
        fputs(i == 0 ? "\n    {\"type\": " : ",\n    {\"type\": ", out);
        hl__json_str(out, hl_snapshot_str(s, tc[i].type));
        fprintf(out, ", \"count\": %zu}", tc[i].count);
    }
    fputs(n == 0 ? "]" : "\n  ]", out);
    json_names(out, &d, opts);
    show_triage_json(out, s, &d.dead, &d.strings);
    fputs("\n}\n", out);
    hl_diff_release(&d);
    hl__free(tc);
    return hl__report_ferror(out);
}

static int diff_print(FILE *out, const struct hl_diff *d,
                      const struct hl_snapshot *before,
                      const struct hl_snapshot *after,
                      const struct hl_diff_report_opts *o)
{
    (void)o; /* the JSON holds every group and name, with no colour */
    return hl_diff_json(out, d, before, after);
}

const struct hl__format hl__format_json = {
    .name = "json",
    .label = "JSON",
    .show = hl_show_json,
    .diff_print = diff_print,
};
