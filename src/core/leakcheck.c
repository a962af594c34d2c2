#include "hleak/leakcheck.h"

#include <stdarg.h>
#include <string.h>

#include "core-int.h"
#include "diff-int.h"
#include "hleak/collect.h"

/* Handle values listed per group in a failure message. */
#define FORMAT_VALUES 8

/* Built on the public API alone (take, diff, report): the check is what
 * a user of the library could write. */
struct hl_leak_check {
    struct hl_collect_opts collect; /* how both snapshots are taken */
    struct hl_diff_opts diff;       /* how they are compared */
    struct hl_snapshot *before;     /* taken by begin */
    struct hl_snapshot *after;      /* taken by the last end, or NULL */
};

int hl_leak_check_begin(struct hl_leak_check **out,
                        const struct hl_leak_check_opts *opts)
{
    static const struct hl_leak_check_opts defaults;
    struct hl_leak_check *lc;
    struct hl_snapshot *warm;
    int err;

    if (out == NULL)
        return HL_EINVAL;
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    lc = hl__calloc(1, sizeof(*lc));
    if (lc == NULL)
        return HL_ENOMEM;
    lc->collect.name_timeout_ms = opts->name_timeout_ms;
    lc->collect.threads = opts->threads;
    lc->diff.ignores = opts->ignores;
    lc->diff.exact_names = opts->exact_names;
    if (!opts->no_warmup) {
        err = hl_snapshot_take(0, &lc->collect, &warm);
        if (err != 0) {
            hl__free(lc);
            return err;
        }
        hl_snapshot_free(warm);
    }
    err = hl_snapshot_take(0, &lc->collect, &lc->before);
    if (err != 0) {
        hl__free(lc);
        return err;
    }
    *out = lc;
    return 0;
}

int hl_leak_check_end(struct hl_leak_check *lc, struct hl_diff **out)
{
    struct hl_snapshot *after;
    int err;

    if (out != NULL)
        *out = NULL;
    if (lc == NULL || out == NULL)
        return HL_EINVAL;
    err = hl_snapshot_take(0, &lc->collect, &after);
    if (err != 0)
        return err;
    err = hl_diff_new(lc->before, after, &lc->diff, out);
    if (err != 0) {
        hl_snapshot_free(after);
        return err;
    }
    hl_snapshot_free(lc->after);
    lc->after = after;
    return 0;
}

/* A bounded writer that counts what it could not store, as snprintf. */
struct out {
    char *buf;
    size_t len;
    size_t need;
};

static void put(struct out *o, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)));
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)));
#else
    ;
#endif

static void put(struct out *o, const char *fmt, ...)
{
    char *dst = NULL;
    size_t room = 0;
    va_list ap;
    int n;

    if (o->need < o->len) {
        dst = o->buf + o->need;
        room = o->len - o->need;
    }
    va_start(ap, fmt);
    n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->need += (size_t)n;
}

size_t hl_leak_check_format(char *buf, size_t len, const struct hl_diff *d)
{
    struct out o;
    size_t i;
    size_t k;

    o.buf = buf;
    o.len = buf != NULL ? len : 0;
    o.need = 0;
    if (d == NULL)
        return 0;
    put(&o, "%zu handle%s opened and still open, in %zu group%s",
        d->total_opened, d->total_opened == 1 ? "" : "s", d->nopened,
        d->nopened == 1 ? "" : "s");
    if (d->ignored_opened != 0)
        put(&o, " (%zu more ignored)", d->ignored_opened);
    put(&o, "\n");
    for (i = 0; i < d->nopened; i++) {
        const struct hl_diff_group *g = &d->opened[i];
        const char *name = hl_diff_str(d, g->name);

        put(&o, "  %zu %s", g->count, hl_diff_str(d, g->type));
        if (name[0] != '\0')
            put(&o, " \"%s\"", name);
        else
            put(&o, " (unnamed, access 0x%08lx)",
                (unsigned long)g->granted_access);
        for (k = 0; k < g->nhandles && k < FORMAT_VALUES; k++)
            put(&o, "%s0x%lx", k == 0 ? ": " : " ",
                (unsigned long)g->handles[k]);
        if (g->nhandles > FORMAT_VALUES)
            put(&o, " ...");
        put(&o, "\n");
    }
    /* a cut text says so in its last bytes */
    if (o.len >= 4 && o.need >= o.len)
        memcpy(o.buf + o.len - 4, "...", 4);
    return o.need;
}

int hl_leak_check_print(FILE *out, const struct hl_leak_check *lc,
                        const struct hl_diff *d)
{
    if (out == NULL || lc == NULL || d == NULL || lc->after == NULL)
        return HL_EINVAL;
    return hl_diff_report(out, d, lc->before, lc->after, HL_REPORT_TEXT);
}

void hl_leak_check_free(struct hl_leak_check *lc)
{
    if (lc == NULL)
        return;
    hl_snapshot_free(lc->before);
    hl_snapshot_free(lc->after);
    hl__free(lc);
}
