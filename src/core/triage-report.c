#include "triage.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"

/* Thread and process ids listed in a "dead targets" line, at most. */
#define MAX_IDS 8

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

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

int hl__show_triage_text(FILE *out, const struct hl_snapshot *s)
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

void hl__target_text(FILE *out, const struct hl_snapshot *s, size_t i)
{
    const struct hl_target *t = hl_snapshot_target(s, i);
    struct hl__sbuf b;

    if (t == NULL || t->state != HL_TARGET_EXITED)
        return;
    hl__sbuf_init(&b);
    exited_note(&b, t);
    (void)put_sbuf(out, &b);
}

static void json_u32_or_null(FILE *out, int known, uint32_t v)
{
    if (known)
        fprintf(out, "%" PRIu32, v);
    else
        fputs("null", out);
}

void hl__target_json(FILE *out, const struct hl_snapshot *s, size_t i)
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

void hl__show_triage_json(FILE *out, const struct hl_snapshot *s,
                          const struct hl_dead *dd,
                          const struct hl_strtab *st)
{
    fputs(",\n  \"gui\": ", out);
    gui_json(out, &s->gui);
    fputs(",\n  \"dead\": ", out);
    dead_json(out, dd, st);
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

void hl__diff_triage_text(FILE *out, const struct hl_diff *d,
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

static void delta_json(FILE *out, const char *key, int known, uint32_t a,
                       uint32_t b)
{
    fprintf(out, "\"%s\": ", key);
    if (known)
        fprintf(out, "%lld", (long long)b - (long long)a);
    else
        fputs("null", out);
}

void hl__diff_triage_json(FILE *out, const struct hl_diff *d,
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
