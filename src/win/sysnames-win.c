/*
 * The names of a whole-system take (HL_SYSTEM_NAMES, `snapshot --all
 * --names`): every process's handles of the named types, named on the
 * walk find uses (syswalk-win.c), kept in the view with what became of
 * each process (read, refused, exited).
 */
#include <stdlib.h>
#include <string.h>

#include "collect-int.h"
#include "core-int.h"
#include "hleak/system.h"
#include "system-int.h"
#include "win-int.h"

static uint64_t handle_value(const void *elem)
{
    return ((const struct hl__sys_handle *)elem)->value;
}

/* The slot in sys's types of process p's handle value, as the
 * system-wide list has it (its handles are by value), or -1. */
static long type_of(const struct hl_system *sys, const struct hl__sys_proc *p,
                    uint64_t value)
{
    const struct hl__sys_handle *own = sys->handles + p->first;
    size_t k = hl__lower_bound(own, p->nheld, sizeof(*own), value,
                               handle_value);

    if (k < p->nheld && own[k].value == value)
        return (long)own[k].type;
    return -1;
}

static int cmp_value(const void *a, const void *b)
{
    const struct hl_handle *x = a, *y = b;

    return (x->value > y->value) - (x->value < y->value);
}

static int keep_names(void *ctx, size_t i, const struct hl_snapshot *s,
                      size_t n)
{
    struct hl_system *sys = ctx;
    struct hl__sys_proc *p = &sys->procs[i];
    struct hl_handle *h;
    size_t k;
    int err = 0;

    p->names_state = HL_SYSTEM_NAMES_READ;
    p->names_asked = n;
    /* the name threads merge in handle order; sorted again so the view's
     * order does not rest on theirs */
    h = hl__calloc(s->count + 1, sizeof(*h));
    if (h == NULL)
        return HL_ENOMEM;
    memcpy(h, s->handles, s->count * sizeof(*h));
    qsort(h, s->count, sizeof(*h), cmp_value);
    for (k = 0; k < s->count && err == 0; k++) {
        const char *name = hl_snapshot_str(s, h[k].name);
        const char *nt = hl_snapshot_str(s, h[k].nt_name);
        long type = type_of(sys, p, h[k].value);

        if (h[k].name_err == HL_NAME_ERR_TIMEOUT)
            p->name_timeouts++;
        if (type < 0 || (k != 0 && h[k].value == h[k - 1].value) ||
            (*name == '\0' && *nt == '\0'))
            continue;
        err = hl__system_add_name(sys, i, h[k].value, (uint32_t)type, name,
                                  nt);
    }
    hl__free(h);
    return err;
}

static int mark_refused(void *ctx, size_t i, size_t n, uint32_t why)
{
    struct hl_system *sys = ctx;

    (void)n;
    sys->procs[i].names_state = HL_SYSTEM_NAMES_REFUSED;
    sys->procs[i].names_why = why;
    return 0;
}

static int mark_exited(void *ctx, size_t i)
{
    struct hl_system *sys = ctx;

    sys->procs[i].names_state = HL_SYSTEM_NAMES_EXITED;
    return 0;
}

int hl_system_read_names(struct hl_system *sys, unsigned name_timeout_ms,
                         unsigned threads, unsigned deadline_ms)
{
    struct hl__sys_walk w;
    size_t i;
    int err;

    if (sys == NULL)
        return HL_EINVAL;
    /* a view read from a file has no handle list to name */
    if (sys->handles == NULL && sys->nprocs != 0)
        return HL_EINVAL;
    if (sys->flags & HL_SYSTEM_NAMES)
        return 0;
    err = hl__sys_walk_init(&w, sys, name_timeout_ms, threads, deadline_ms,
                            NULL, 0);
    w.ctx = sys;
    w.named = keep_names;
    w.refused = mark_refused;
    w.exited = mark_exited;
    if (err == 0)
        err = hl__sys_walk_run(&w);
    hl__sys_walk_release(&w);
    if (err == 0) {
        sys->flags |= HL_SYSTEM_NAMES;
        return 0;
    }
    /* half a walk would read as processes without names */
    for (i = 0; i < sys->nprocs; i++) {
        struct hl__sys_proc *p = &sys->procs[i];

        p->names_state = HL_SYSTEM_NAMES_NONE;
        p->names_why = 0;
        p->names_asked = p->name_timeouts = 0;
        p->named_first = p->nnamed = 0;
    }
    sys->nnamed = 0;
    sys->named_upto = 0;
    return err;
}
