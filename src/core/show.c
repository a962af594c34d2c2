#include "hleak/show.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/diff.h"
#include "json.h"
#include "objtypes.h"
#include "triage.h"

static int type_matches(const struct hl_snapshot *s, const struct hl_handle *h,
                        const char *filter)
{
    return filter == NULL ||
           hl__ascii_caseeq(hl_snapshot_str(s, h->type), filter);
}

/* qsort has no context argument in C11, hence the two-step sort key. */
struct type_row {
    const char *name;
    struct hl_type_count tc;
};

static int type_row_cmp(const void *a, const void *b)
{
    const struct type_row *x = a, *y = b;

    if (x->tc.count != y->tc.count)
        return x->tc.count > y->tc.count ? -1 : 1;
    return strcmp(x->name, y->name);
}

int hl_count_by_type(const struct hl_snapshot *s, const char *type_filter,
                     struct hl_type_count **out, size_t *count)
{
    size_t *by_id, i, n = 0;
    struct type_row *rows = NULL;
    struct hl_type_count *res = NULL;
    int err = HL_ENOMEM;

    by_id = hl__calloc(s->strings.count, sizeof(*by_id));
    if (by_id == NULL)
        return HL_ENOMEM;
    for (i = 0; i < s->count; i++) {
        const struct hl_handle *h = &s->handles[i];

        if (!type_matches(s, h, type_filter) || h->type >= s->strings.count)
            continue;
        if (by_id[h->type]++ == 0)
            n++;
    }
    rows = hl__calloc(n, sizeof(*rows));
    res = hl__calloc(n, sizeof(*res));
    if (rows == NULL || res == NULL)
        goto out_free;
    n = 0;
    for (i = 0; i < s->strings.count; i++) {
        if (by_id[i] == 0)
            continue;
        rows[n].name = hl_snapshot_str(s, (uint32_t)i);
        rows[n].tc.type = (uint32_t)i;
        rows[n].tc.count = by_id[i];
        n++;
    }
    qsort(rows, n, sizeof(*rows), type_row_cmp);
    for (i = 0; i < n; i++)
        res[i] = rows[i].tc;
    *out = res;
    *count = n;
    res = NULL;
    err = 0;

out_free:
    hl__free(res);
    hl__free(rows);
    hl__free(by_id);
    return err;
}

static int finish(FILE *out)
{
    return ferror(out) ? HL_EIO : 0;
}

static void print_header(FILE *out, const struct hl_snapshot *s)
{
    char when[32];

    fprintf(out, "process   %s (pid %" PRIu64 ")\n", hl_snapshot_image_name(s),
            s->pid);
    fprintf(out, "image     %s\n", hl_snapshot_str(s, s->image));
    if (s->start_time != 0) {
        hl__filetime_iso(s->start_time, when, sizeof(when));
        fprintf(out, "started   %s\n", when);
    }
    hl__filetime_iso(s->taken_at, when, sizeof(when));
    /* A dump does not name its computer. */
    if (s->host != 0)
        fprintf(out, "taken     %s on %s (%s)\n", when,
                hl_snapshot_str(s, s->host), hl_snapshot_str(s, s->os_version));
    else
        fprintf(out, "taken     %s (%s)\n", when,
                hl_snapshot_str(s, s->os_version));
    fprintf(out, "method    %s, %" PRIu64 ".%03" PRIu64 " s, hleak %s\n",
            hl_snapshot_str(s, s->method), s->duration_us / 1000000,
            s->duration_us / 1000 % 1000, hl_snapshot_str(s, s->hleak_version));
    /* a live snapshot says whether names could be read, and with what
     * privilege: a process that refused them is no silent loss */
    if (s->collect_flags & HL_COLLECT_RECORDED)
        fprintf(out, "access    %s, SeDebugPrivilege %s\n",
                s->access < HL_ACCESS_COUNT ? hl_access_str(s->access)
                                            : "not recorded",
                (s->collect_flags & HL_COLLECT_DEBUG_PRIV) ? "enabled"
                                                           : "not enabled");
    if (s->collect_flags & HL_COLLECT_TYPES_DROPPED)
        fputs("types     the system's type list disagreed with a handle; "
              "types read from duplicates only\n",
              out);
    fprintf(out, "handles   %zu\n", s->count);
}

/* What a dump or a handle trace adds under a handle's line. */
static void print_extras(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_handle_extra *x = hl_snapshot_extra(s, i);
    const struct hl_stack *st = hl_snapshot_handle_stack(s, i);
    char sym[512];
    uint32_t k;

    if (x == NULL)
        return;
    if (x->flags & HL_EXTRA_COUNTS)
        fprintf(out, "%12shandle count %" PRIu32 ", pointer count %" PRIu32
                "\n", "",
                x->handle_count, x->pointer_count);
    if (x->object_info != 0)
        fprintf(out, "%12s%s\n", "", hl_snapshot_str(s, x->object_info));
    if (st == NULL)
        return;
    if (st->thread_id != 0)
        fprintf(out, "%12sopened by thread %" PRIu32 ":\n", "",
                st->thread_id);
    else
        fprintf(out, "%12sopened at:\n", "");
    for (k = 0; k < st->depth; k++)
        fprintf(out, "%14s%s\n", "",
                hl_snapshot_resolve(s, s->frames[st->first + k], sym,
                                    sizeof(sym)));
    if (st->depth == 0)
        fprintf(out, "%14s(no frames)\n", "");
}

static void print_table(FILE *out, const struct hl_snapshot *s,
                        const char *filter)
{
    size_t i, tw = 4;

    for (i = 0; i < s->count; i++) {
        size_t n = strlen(hl__type_label(hl_snapshot_str(s,
                                                         s->handles[i].type)));

        if (type_matches(s, &s->handles[i], filter) && n > tw)
            tw = n;
    }
    fprintf(out, "\n%10s  %-*s  %-10s  %s\n", "handle", (int)tw, "type",
            "access", "name");
    for (i = 0; i < s->count; i++) {
        const struct hl_handle *h = &s->handles[i];
        const char *name = hl_snapshot_str(s, h->name);
        char value[24];

        if (!type_matches(s, h, filter))
            continue;
        snprintf(value, sizeof(value), "0x%" PRIx32, h->value);
        fprintf(out, "%10s  %-*s  0x%08" PRIx32 "  ", value, (int)tw,
                hl__type_label(hl_snapshot_str(s, h->type)),
                h->granted_access);
        if (h->name_err != HL_NAME_ERR_NONE)
            fprintf(out, "<%s>", hl_name_err_str(h->name_err));
        else
            fputs(hl__name_label(name), out);
        hl__target_text(out, s, i);
        fputc('\n', out);
        print_extras(out, s, i);
    }
}

/*
 * Groups the handles by type and name pattern (unnamed ones by type and
 * access): the "opened" groups of a diff from an empty snapshot of the
 * same process, so show and diff group alike.
 */
static int group_names(const struct hl_snapshot *s,
                       const struct hl_show_opts *o, struct hl_diff *d)
{
    struct hl_diff_opts dopts;
    struct hl_snapshot empty;
    int err;

    err = hl_snapshot_init(&empty);
    if (err != 0)
        return err;
    empty.pid = s->pid;
    empty.start_time = s->start_time;
    memset(&dopts, 0, sizeof(dopts));
    dopts.exact_names = o->exact_names;
    err = hl_diff_compute(&empty, s, &dopts, d);
    hl_snapshot_release(&empty);
    return err;
}

static int group_shown(const struct hl_diff *d, const struct hl_diff_group *g,
                       const struct hl_show_opts *o)
{
    return o->type == NULL ||
           hl__ascii_caseeq(hl_diff_str(d, g->type), o->type);
}

/* The widest type label among the groups shown, at least "type". */
static size_t names_type_width(const struct hl_diff *d,
                               const struct hl_show_opts *o, size_t top)
{
    size_t i, shown = 0, tw = 4;

    for (i = 0; i < d->nopened && shown < top; i++) {
        const struct hl_diff_group *g = &d->opened[i];
        size_t n = strlen(hl__type_label(hl_diff_str(d, g->type)));

        if (!group_shown(d, g, o))
            continue;
        shown++;
        if (n > tw)
            tw = n;
    }
    return tw;
}

/* As diff prints its groups: count, type, access, name. */
static void print_names(FILE *out, const struct hl_diff *d,
                        const struct hl_show_opts *o)
{
    size_t i, shown = 0, top = o->top != 0 ? o->top : 20, rest = 0;
    int tw = (int)names_type_width(d, o, top);

    fprintf(out, "\n%10s  %-*s  %-10s  %s\n", "count", tw, "type", "access",
            "name");
    for (i = 0; i < d->nopened; i++) {
        const struct hl_diff_group *g = &d->opened[i];
        char access[16];

        if (!group_shown(d, g, o))
            continue;
        if (shown == top) {
            rest++;
            continue;
        }
        if (g->access_mixed)
            snprintf(access, sizeof(access), "(mixed)");
        else
            snprintf(access, sizeof(access), "0x%08" PRIx32,
                     g->granted_access);
        fprintf(out, "%10zu  %-*s  %-10s  %s", g->count, tw,
                hl__type_label(hl_diff_str(d, g->type)), access,
                hl__name_label(hl_diff_str(d, g->name)));
        if (g->nnames > 1)
            fprintf(out, "  (%zu names)", g->nnames);
        fputc('\n', out);
        shown++;
    }
    if (rest != 0)
        fprintf(out, "%10s  ... %zu more groups\n", "", rest);
}

static void print_summary(FILE *out, const struct hl_snapshot *s,
                          const struct hl_type_count *tc, size_t n)
{
    size_t i, total = 0;

    fprintf(out, "\n%10s  %s\n", "count", "type");
    for (i = 0; i < n; i++) {
        fprintf(out, "%10zu  %s\n", tc[i].count,
                hl__type_label(hl_snapshot_str(s, tc[i].type)));
        total += tc[i].count;
    }
    fprintf(out, "%10zu  %s\n", total, "total");
}

int hl_show_text(FILE *out, const struct hl_snapshot *s,
                 const struct hl_show_opts *opts)
{
    struct hl_type_count *tc;
    size_t n;
    int err, triage_err;

    struct hl_diff d;

    err = hl_count_by_type(s, opts->type, &tc, &n);
    if (err != 0)
        return err;
    if (opts->summary && (err = group_names(s, opts, &d)) != 0) {
        hl__free(tc);
        return err;
    }
    print_header(out, s);
    triage_err = hl__show_triage_text(out, s);
    if (!opts->summary)
        print_table(out, s, opts->type);
    print_summary(out, s, tc, n);
    if (opts->summary) {
        print_names(out, &d, opts);
        hl_diff_release(&d);
    }
    hl__free(tc);
    return triage_err != 0 ? triage_err : finish(out);
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

static void json_handle(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_handle *h = &s->handles[i];
    uint64_t object = hl_snapshot_object(s, i);

    fprintf(out, "    {\"handle\": %" PRIu32 ", \"type\": ", h->value);
    hl__json_str(out, hl_snapshot_str(s, h->type));
    fputs(", \"name\": ", out);
    hl__json_str(out, hl_snapshot_str(s, h->name));
    fputs(", \"nt_name\": ", out);
    hl__json_str(out, hl_snapshot_str(s, h->nt_name));
    fprintf(out, ", \"granted_access\": %" PRIu32 ", \"attributes\": %u"
            ", \"object\": ", h->granted_access, (unsigned)h->attributes);
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
    hl__target_json(out, s, i);
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

        if (!group_shown(d, g, o))
            continue;
        fputs(first ? "\n    {\"type\": " : ",\n    {\"type\": ", out);
        hl__json_str(out, hl_diff_str(d, g->type));
        fputs(", \"name\": ", out);
        hl__json_str(out, hl_diff_str(d, g->name));
        fputs(", \"pattern\": ", out);
        hl__json_str(out, hl_diff_str(d, g->pattern));
        fprintf(out,
                ", \"granted_access\": %" PRIu32 ", \"count\": %zu, "
                "\"distinct_names\": %zu}",
                g->granted_access, g->count, g->nnames);
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

    err = hl_count_by_type(s, opts->type, &tc, &n);
    if (err != 0)
        return err;
    if ((err = group_names(s, opts, &d)) != 0) {
        hl__free(tc);
        return err;
    }
    fputs("{\n  \"process\": ", out);
    hl__json_process(out, s);
    if (!opts->summary) {
        fputs(",\n  \"handles\": [", out);
        for (i = 0; i < s->count; i++) {
            if (!type_matches(s, &s->handles[i], opts->type))
                continue;
            fputs(first ? "\n" : ",\n", out);
            json_handle(out, s, i);
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
    hl__show_triage_json(out, s, &d.dead, &d.strings);
    fputs("\n}\n", out);
    hl_diff_release(&d);
    hl__free(tc);
    return finish(out);
}
