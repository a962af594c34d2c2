#include "hleak/diff.h"

#include <inttypes.h>
#include <string.h>

#include "access.h"
#include "core-int.h"
#include "formats.h"
#include "details.h"
#include "objtypes.h"
#include "report.h"
#include "show.h"

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

/* Thread and process ids listed in a "dead targets" line, at most. */
#define MAX_IDS 8

/* " (tid 12, 14, ...)": the ids of the exited threads (or processes). */
static void id_list(struct hl__sbuf *b, const struct hl_dead *dd,
                    int threads)
{
    size_t i, n = 0;

    for (i = 0; i < dd->count; i++) {
        const struct hl_dead_handle *x = &dd->handles[i];

        if (x->is_thread != threads)
            continue;
        if (n == MAX_IDS) {
            hl__sbuf_puts(b, ", ...");
            break;
        }
        hl__sbuf_puts(b, n == 0 ? (threads ? " (tid " : " (pid ") : ", ");
        if (x->target.id != 0)
            hl__sbuf_printf(b, "%" PRIu32, x->target.id);
        else
            hl__sbuf_puts(b, "?");
        n++;
    }
    if (n != 0)
        hl__sbuf_puts(b, ")");
}

/* "3 handles to exited threads (tid ...), 1 to an exited process (pid
 * ...)", or "none"; then how many could not be told. */
static void dead_phrase(struct hl__sbuf *b, const struct hl_dead *dd)
{
    if (dd->count == 0)
        hl__sbuf_puts(b, "none");
    if (dd->threads != 0) {
        hl__sbuf_printf(b, "%zu %s to %s", dd->threads,
                        plural(dd->threads, "handle", "handles"),
                        plural(dd->threads, "an exited thread",
                        "exited threads"));
        id_list(b, dd, 1);
    }
    if (dd->processes != 0) {
        hl__sbuf_printf(b, dd->threads != 0 ? ", %zu" : "%zu %s",
                        dd->processes,
                        plural(dd->processes, "handle", "handles"));
        hl__sbuf_printf(b, " to %s", plural(dd->processes,
                        "an exited process",
                        "exited processes"));
        id_list(b, dd, 0);
    }
    if (dd->unknown != 0)
        hl__sbuf_printf(b, "; %zu more %s could not be checked",
                        dd->unknown,
                        plural(dd->unknown, "Thread or Process handle",
                        "Thread and Process handles"));
}

/* " (exited, code 3)" or " (exited)". */
static void exited_note(struct hl__sbuf *b, const struct hl_target *t)
{
    if (t->flags & HL_TARGET_HAS_CODE)
        hl__sbuf_printf(b, " (exited, code %" PRIu32 ")", t->exit_code);
    else
        hl__sbuf_puts(b, " (exited)");
}

static int put_sbuf(FILE *out, struct hl__sbuf *b)
{
    int err = b->err;

    if (err == 0 && b->len != 0)
        fwrite(b->data, 1, b->len, out);
    hl__sbuf_release(b);
    return err;
}

/* Lines of text stay within this many columns where they can. */
#define TEXT_WIDTH 79

/* The names it walks, joined by ", ", starting at column col; a name
 * that would pass TEXT_WIDTH starts a new line indented by indent.
 * Returns the column after the last; "none" when there are none. */
static int put_words(FILE *out, struct hl__access_iter *it, int indent,
                     int col)
{
    const char *name = hl__access_next(it);
    int first = 1;

    if (name == NULL) {
        fputs("none", out);
        return col + 4;
    }
    for (; name != NULL; name = hl__access_next(it), first = 0) {
        int len = (int)strlen(name);

        /* room for the comma that may follow too */
        if (!first && col + 2 + len + 1 > TEXT_WIDTH) {
            fprintf(out, ",\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputs(", ", out);
            col += 2;
        }
        fputs(name, out);
        col += len;
    }
    return col;
}

/* Under a handle's or a group's line: its access in words (as WinDbg's
 * !handle lists it), then its attributes when it has any. */
static void access_words(FILE *out, const char *type, uint32_t mask,
                         uint32_t attributes)
{
    struct hl__access_iter it;
    int col;

    hl__access_begin(&it, type, mask);
    fprintf(out, "%12saccess ", "");
    col = put_words(out, &it, 19, 19);
    if (attributes != 0) {
        hl__attributes_begin(&it, attributes);
        fputs("; attributes ", out);
        put_words(out, &it, 19, col + 13);
    }
    fputc('\n', out);
}

static const char *gui_state(const struct hl_gui *g)
{
    if (g->flags == 0)
        return "not recorded";
    /* GetGuiResources answers only for the caller's session */
    if (g->flags & HL_GUI_OTHER_SESSION)
        return "not readable (other session)";
    return "not reported by the system";
}

static void gui_text(struct hl__sbuf *b, const struct hl_gui *g)
{
    if (!(g->flags & HL_GUI_COUNTS)) {
        hl__sbuf_puts(b, gui_state(g));
        return;
    }
    hl__sbuf_printf(b, "%" PRIu32 " GDI %s", g->gdi,
                    plural(g->gdi, "object", "objects"));
    if (g->flags & HL_GUI_PEAKS)
        hl__sbuf_printf(b, " (peak %" PRIu32 ")", g->gdi_peak);
    hl__sbuf_printf(b, ", %" PRIu32 " USER %s", g->user,
                    plural(g->user, "object", "objects"));
    if (g->flags & HL_GUI_PEAKS)
        hl__sbuf_printf(b, " (peak %" PRIu32 ")", g->user_peak);
}

static int show_triage_text(FILE *out, const struct hl_snapshot *s)
{
    struct hl__sbuf b;
    struct hl_dead dd;
    int err;

    hl__sbuf_init(&b);
    if (s->gui.flags != 0) {
        hl__sbuf_puts(&b, "gui       ");
        gui_text(&b, &s->gui);
        hl__sbuf_puts(&b, "\n");
    }
    if ((err = hl_dead_find(s, NULL, &dd)) != 0) {
        hl__sbuf_release(&b);
        return err;
    }
    /* a snapshot that did not ask (a dump) claims nothing */
    if (dd.recorded) {
        hl__sbuf_puts(&b, "dead targets: ");
        dead_phrase(&b, &dd);
        hl__sbuf_puts(&b, "\n");
    }
    hl_dead_release(&dd);
    return put_sbuf(out, &b);
}

static void target_text(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_target *t = hl_snapshot_target(s, i);
    struct hl__sbuf b;

    if (t == NULL || t->state != HL_TARGET_EXITED)
        return;
    hl__sbuf_init(&b);
    exited_note(&b, t);
    (void)put_sbuf(out, &b);
}

/* One row of the diff's GUI table; "-" where a side does not know. */
static void gui_row(FILE *out, const char *label, int known_a, uint32_t a,
                    int known_b, uint32_t b)
{
    char ca[16] = "-", cb[16] = "-", cd[24] = "-";

    if (known_a)
        snprintf(ca, sizeof(ca), "%" PRIu32, a);
    if (known_b)
        snprintf(cb, sizeof(cb), "%" PRIu32, b);
    if (known_a && known_b)
        snprintf(cd, sizeof(cd), "%+lld", (long long)b - (long long)a);
    fprintf(out, "%10s  %10s  %10s  %s\n", ca, cb, cd, label);
}

/* The first shown of the dead handles, one a line, the type padded to
 * tw; then how many more there are. */
static void dead_lines(struct hl__sbuf *b, const struct hl_dead *dd,
                       const struct hl_strtab *st, const char *indent,
                       size_t shown, size_t tw)
{
    size_t i;

    for (i = 0; i < dd->count && i < shown; i++) {
        const struct hl_dead_handle *x = &dd->handles[i];
        const char *type = hl_strtab_get(st, x->type);
        const char *name = hl_strtab_get(st, x->name);

        hl__sbuf_printf(b, "%s%-*s 0x%" PRIx32 " %s", indent, (int)tw,
                        type != NULL ? type : "", x->value,
                        name != NULL && *name != '\0' ? name : "<unnamed>");
        exited_note(b, &x->target);
        hl__sbuf_puts(b, "\n");
    }
    if (shown < dd->count)
        hl__sbuf_printf(b, "%s... %zu more; see --top\n", indent,
                        dd->count - shown);
}

void hl__sbuf_dead_lines(struct hl__sbuf *b, const struct hl_dead *dd,
                         const struct hl_strtab *st)
{
    dead_lines(b, dd, st, "", dd->count, 0);
}

static void diff_triage_text(FILE *out, const struct hl_diff *d,
                             const struct hl_snapshot *before,
                             const struct hl_snapshot *after, size_t shown,
                             size_t tw)
{
    const struct hl_gui *a = &before->gui, *b = &after->gui;
    int ca = (a->flags & HL_GUI_COUNTS) != 0;
    int cb = (b->flags & HL_GUI_COUNTS) != 0;
    int pa = (a->flags & HL_GUI_PEAKS) != 0;
    int pb = (b->flags & HL_GUI_PEAKS) != 0;
    struct hl__sbuf sb;

    if ((a->flags != 0 || b->flags != 0) && !ca && !cb) {
        /* nothing to compare: say why, without a table of dashes */
        fprintf(out, "\ngui objects: before: %s; after: %s\n",
                gui_state(a), gui_state(b));
    } else if (a->flags != 0 || b->flags != 0) {
        fprintf(out, "\ngui objects\n%10s  %10s  %10s  %s\n", "before",
                "after", "delta", "object");
        gui_row(out, "GDI", ca, a->gdi, cb, b->gdi);
        gui_row(out, "GDI peak", pa, a->gdi_peak, pb, b->gdi_peak);
        gui_row(out, "USER", ca, a->user, cb, b->user);
        gui_row(out, "USER peak", pa, a->user_peak, pb, b->user_peak);
        if (!ca)
            fprintf(out, "%10s  before: %s\n", "", gui_state(a));
        if (!cb)
            fprintf(out, "%10s  after: %s\n", "", gui_state(b));
    }
    if (!d->dead.recorded)
        return;
    hl__sbuf_init(&sb);
    hl__sbuf_puts(&sb, "\ndead targets: ");
    dead_phrase(&sb, &d->dead);
    hl__sbuf_puts(&sb, "\n");
    dead_lines(&sb, &d->dead, &d->strings, "    ", shown, tw);
    (void)put_sbuf(out, &sb);
}

/* A group's open stack under its line, as !htrace -diff shows it. */
static void text_stack(FILE *out, const struct hl_diff *d,
                       const struct hl_diff_group *g)
{
    const char *text = hl_diff_str(d, g->stack), *line;
    size_t k, len;

    for (k = 0; (line = hl__nth_line(text, k, &len)) != NULL; k++)
        fprintf(out, "%12s%s %.*s\n", "", k == 0 ? "opened at" : "         ",
                (int)len, line);
}

/*
 * A group's handle values under its line, so it leads to `!handle 0x1a4`:
 * "values 0x1a4 0x1a8 (+97 more)"; by name, whose values these are
 * ("values in after"). One token a value, for scripts.
 */
static void text_values(FILE *out, const struct hl_diff *d,
                        const struct hl_diff_group *g, int opened,
                        const struct hl_diff_report_opts *o)
{
    size_t k, n = g->nvalues;

    if (n == 0)
        return;
    if (!o->all_values && n > HL_DIFF_TEXT_VALUES)
        n = HL_DIFF_TEXT_VALUES;
    fprintf(out, "%12svalues%s", "",
            d->match == HL_MATCH_IDENTITY ? ""
            : opened                      ? " in after"
                                          : " in before");
    for (k = 0; k < n; k++)
        fprintf(out, " 0x%" PRIx32, g->values[k]);
    if (n < g->nvalues)
        fprintf(out, " (+%zu more)", g->nvalues - n);
    fputc('\n', out);
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
        if (!g[i].access_mixed)
            access_words(out, hl_diff_str(d, g[i].type),
                         g[i].granted_access, 0);
        text_values(out, d, &g[i], g == d->opened, o);
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
static void text_unmatched(FILE *out, const struct hl_diff *d,
                           const struct hl_diff_report_opts *o)
{
    size_t i, n = 0, shown = 0;

    for (i = 0; i < d->nignores; i++)
        n += d->ignore_hits[i] == 0;
    if (n == 0)
        return;
    fprintf(out, "\nwarning: %zu ignore %s matched no handle in either "
                 "snapshot\n",
            n, plural(n, "pattern", "patterns"));
    for (i = 0; i < d->nignores && shown < shown_of(o, n); i++) {
        if (d->ignore_hits[i] == 0) {
            fprintf(out, "    %s\n", hl_diff_str(d, d->ignore_specs[i]));
            shown++;
        }
    }
    if (shown < n)
        fprintf(out, "    ... %zu more; see --top, or unmatched_ignores in "
                     "--json\n",
                n - shown);
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
    diff_triage_text(out, d, before, after, shown_of(o, d->dead.count),
                         tw);
    if (d->ignored_opened != 0 || d->ignored_closed != 0)
        fprintf(out, "\nignored: %zu opened, %zu closed (by ignore "
                     "patterns)\n",
                d->ignored_opened, d->ignored_closed);
    text_unmatched(out, d, o);
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

/* A handle's open stack: its heading indented by indent, its frames by
 * frames. */
static void print_stack(FILE *out, const struct hl_snapshot *s,
                        const struct hl_stack *st, int indent, int frames)
{
    char sym[512];
    uint32_t k;

    if (st->thread_id != 0)
        fprintf(out, "%*sopened by thread %" PRIu32 ":\n", indent, "",
                st->thread_id);
    else
        fprintf(out, "%*sopened at:\n", indent, "");
    for (k = 0; k < st->depth; k++)
        fprintf(out, "%*s%s\n", frames, "",
                hl_snapshot_resolve(s, s->frames[st->first + k], sym,
                                    sizeof(sym)));
    if (st->depth == 0)
        fprintf(out, "%*s(no frames)\n", frames, "");
}

/* What --details, a dump or a handle trace adds under a handle's line. */
static void print_extras(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_handle_extra *x = hl_snapshot_extra(s, i);
    const struct hl_stack *st = hl_snapshot_handle_stack(s, i);
    char dbuf[256];
    const char *details = hl__details_text(s, i, dbuf, sizeof(dbuf));

    if (details != NULL)
        fprintf(out, "%12s%s\n", "", details);
    if (x == NULL)
        return;
    if (x->flags & HL_EXTRA_COUNTS)
        fprintf(out, "%12shandle count %" PRIu32 ", pointer count %" PRIu32
                "\n", "",
                x->handle_count, x->pointer_count);
    if (x->object_info != 0)
        fprintf(out, "%12s%s\n", "", hl_snapshot_str(s, x->object_info));
    if (st != NULL)
        print_stack(out, s, st, 12, 14);
}

/* "pid 12, exited 2026-... (code 3)": what became of a Process or Thread
 * handle's target. */
static void one_target(FILE *out, const struct hl_snapshot *s, size_t i,
                       int is_thread)
{
    const struct hl_target *t = hl_snapshot_target(s, i);
    char when[32];

    fputs("Target        ", out);
    if (t == NULL || t->state == HL_TARGET_NONE) {
        fputs("not recorded\n", out);
        return;
    }
    if (t->id != 0)
        fprintf(out, "%s %" PRIu32 ", ", is_thread ? "tid" : "pid", t->id);
    if (t->state == HL_TARGET_ALIVE) {
        fputs("running\n", out);
    } else if (t->state == HL_TARGET_EXITED) {
        fputs("exited", out);
        if (t->exit_time != 0) {
            hl__filetime_iso(t->exit_time, when, sizeof(when));
            fprintf(out, " %s", when);
        }
        if (t->flags & HL_TARGET_HAS_CODE)
            fprintf(out, ", code %" PRIu32, t->exit_code);
        fputc('\n', out);
    } else {
        fputs("could not be read\n", out);
    }
}

/* The handles of this process to the same object, and how they were
 * told: next to HandleCount, it tells "this process leaks" from "others
 * hold it too". */
static void one_same(FILE *out, const struct hl_snapshot *s, size_t i)
{
    static const char *const how[] = {
        "", "same kernel object address", "same type and name",
        "HandleCount 1: this one"};
    enum hl__same_by by;
    size_t n = hl__show_same_object(s, i, &by);

    fputs("ThisProcess   ", out);
    if (by == HL__SAME_NONE)
        fputs("unknown (no object address and no name to match)\n", out);
    else
        fprintf(out, "%zu %s to the object (%s)\n", n,
                plural(n, "handle", "handles"), how[by]);
}

/* One handle in full, laid out as WinDbg's `!handle h f`. */
static void one_handle_text(FILE *out, const struct hl_snapshot *s,
                            size_t i)
{
    const struct hl_handle *h = &s->handles[i];
    const struct hl_handle_extra *x = hl_snapshot_extra(s, i);
    const struct hl_stack *st = hl_snapshot_handle_stack(s, i);
    const char *type = hl_snapshot_str(s, h->type);
    const char *nt = hl_snapshot_str(s, h->nt_name);
    uint64_t object = hl_snapshot_object(s, i);
    struct hl__access_iter it;
    int counts = x != NULL && (x->flags & HL_EXTRA_COUNTS), is_thread;
    char dbuf[4096];
    const char *details = hl__details_text(s, i, dbuf, sizeof(dbuf));

    fprintf(out, "Process       %s (pid %" PRIu64 ")\n",
            hl_snapshot_image_name(s), s->pid);
    fprintf(out, "Handle        0x%" PRIx32 "\n", h->value);
    fprintf(out, "Type          %s\n", hl__type_label(type));
    if (h->attributes == 0) {
        fputs("Attributes    0\n", out);
    } else {
        hl__attributes_begin(&it, h->attributes);
        fprintf(out, "Attributes    0x%x: ", (unsigned)h->attributes);
        put_words(out, &it, 14, 14 + 6);
        fputc('\n', out);
    }
    hl__access_begin(&it, type, h->granted_access);
    fprintf(out, "GrantedAccess 0x%" PRIx32 ":\n%14s", h->granted_access,
            "");
    put_words(out, &it, 14, 14);
    fputc('\n', out);
    if (counts)
        fprintf(out, "HandleCount   %" PRIu32 " (every process)\n",
                x->handle_count);
    else
        fputs("HandleCount   not recorded\n", out);
    one_same(out, s, i);
    if (counts)
        fprintf(out, "PointerCount  %" PRIu32 "\n", x->pointer_count);
    fputs("Name          ", out);
    if (h->name_err != HL_NAME_ERR_NONE)
        fprintf(out, "<%s>\n", hl_name_err_str(h->name_err));
    else
        fprintf(out, "%s\n", hl__name_label(hl_snapshot_str(s, h->name)));
    if (*nt != '\0' && strcmp(nt, hl_snapshot_str(s, h->name)) != 0)
        fprintf(out, "NtName        %s\n", nt);
    if (object != 0)
        fprintf(out, "Object        0x%016" PRIx64 "\n", object);
    if (x != NULL && x->object_info != 0)
        fprintf(out, "Information   %s\n", hl_snapshot_str(s, x->object_info));
    if (details != NULL)
        fprintf(out, "Details       %s\n", details);
    if (hl__target_kind(s, h, &is_thread))
        one_target(out, s, i, is_thread);
    if (st != NULL)
        print_stack(out, s, st, 0, 14);
}

/* Every handle shown under o, or the first top when top != 0; with
 * o->access, each one's access in words under its line. */
static void print_table(FILE *out, const struct hl_snapshot *s,
                        const struct hl_show_opts *o, size_t top)
{
    size_t i, tw = 4, shown = 0, rest = 0;

    for (i = 0; i < s->count && (top == 0 || shown < top); i++) {
        size_t n = strlen(hl__type_label(hl_snapshot_str(s,
                                                         s->handles[i].type)));

        if (!hl__show_handle_shown(s, &s->handles[i], o))
            continue;
        shown++;
        if (n > tw)
            tw = n;
    }
    shown = 0;
    fprintf(out, "\n%10s  %-*s  %-10s  %s\n", "handle", (int)tw, "type",
            "access", "name");
    for (i = 0; i < s->count; i++) {
        const struct hl_handle *h = &s->handles[i];
        const char *name = hl_snapshot_str(s, h->name);
        char value[24];

        if (!hl__show_handle_shown(s, h, o))
            continue;
        if (top != 0 && shown == top) {
            rest++;
            continue;
        }
        shown++;
        snprintf(value, sizeof(value), "0x%" PRIx32, h->value);
        fprintf(out, "%10s  %-*s  0x%08" PRIx32 "  ", value, (int)tw,
                hl__type_label(hl_snapshot_str(s, h->type)),
                h->granted_access);
        if (h->name_err != HL_NAME_ERR_NONE)
            fprintf(out, "<%s>", hl_name_err_str(h->name_err));
        else
            fputs(hl__name_label(name), out);
        target_text(out, s, i);
        fputc('\n', out);
        if (o->access)
            access_words(out, hl_snapshot_str(s, h->type),
                         h->granted_access, h->attributes);
        print_extras(out, s, i);
    }
    if (rest != 0)
        fprintf(out, "%10s  ... %zu more %s; see --top\n", "", rest,
                plural(rest, "handle", "handles"));
}

/* The widest type label among the groups shown, at least "type". */
static size_t names_type_width(const struct hl_diff *d,
                               const struct hl_show_opts *o, size_t top)
{
    size_t i, shown = 0, tw = 4;

    for (i = 0; i < d->nopened && shown < top; i++) {
        const struct hl_diff_group *g = &d->opened[i];
        size_t n = strlen(hl__type_label(hl_diff_str(d, g->type)));

        if (!hl__show_group_shown(d, g, o))
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

        if (!hl__show_group_shown(d, g, o))
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
        if (o->access && !g->access_mixed)
            access_words(out, hl_diff_str(d, g->type), g->granted_access, 0);
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

    if (opts->one) {
        one_handle_text(out, s, opts->index);
        return hl__report_ferror(out);
    }
    err = hl__show_count_by_type(s, opts, &tc, &n);
    if (err != 0)
        return err;
    if (opts->summary && (err = hl__show_group_names(s, opts, &d)) != 0) {
        hl__free(tc);
        return err;
    }
    print_header(out, s);
    triage_err = show_triage_text(out, s);
    if (!opts->summary)
        print_table(out, s, opts, opts->top);
    print_summary(out, s, tc, n);
    if (opts->summary) {
        print_names(out, &d, opts);
        hl_diff_release(&d);
    }
    hl__free(tc);
    return triage_err != 0 ? triage_err : hl__report_ferror(out);
}

const struct hl__format hl__format_text = {
    .name = "text",
    .label = "text",
    .flags = HL__FORMAT_FOR_PEOPLE,
    .show = hl_show_text,
    .diff_print = hl_diff_text,
};
