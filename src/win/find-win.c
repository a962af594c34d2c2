/*
 * Who holds a handle of a given name (hl_system_find()): the candidates
 * (handles of the requested types) come from the one system-wide list;
 * each process holding some is opened once and its candidates named on
 * the collector's bounded name workers (syswalk-win.c), so a name query
 * that blocks in one process costs the timeout, never a hang.
 */
#include <string.h>

#include "collect-int.h"
#include "core-int.h"
#include "find-int.h"
#include "hleak/caps.h"
#include "hleak/system.h"
#include "names.h"
#include "system-int.h"
#include "win-int.h"

const unsigned hl__caps_find = HL_CAP_FIND;

struct search {
    struct hl__sys_walk w;
    struct hl_find *f;
    char *glob;
};

static const char *image_of(const struct search *se, size_t i)
{
    const struct hl_system *sys = se->w.sys;

    return hl_snapshot_str(sys->names, sys->procs[i].image);
}

/* The matches among the n candidates of process i just named into s. */
static int keep_matches(void *ctx, size_t i, const struct hl_snapshot *s,
                        size_t n)
{
    struct search *se = ctx;
    const struct hl__sys_proc *p = &se->w.sys->procs[i];
    size_t k;
    int err = 0;

    se->f->searched++;
    se->f->asked += n;
    for (k = 0; k < s->count && err == 0; k++) {
        const struct hl_handle *h = &s->handles[k];
        const char *name = hl_snapshot_str(s, h->name);
        const char *nt = hl_snapshot_str(s, h->nt_name);

        if (h->name_err == HL_NAME_ERR_TIMEOUT)
            se->f->timeouts++;
        if (hl__find_matches(se->glob, name, nt))
            err = hl__find_add(se->f, p->pid, image_of(se, i), h->value,
                               hl_snapshot_str(s, h->type),
                               h->granted_access, name, nt);
    }
    return err;
}

static int keep_refused(void *ctx, size_t i, size_t n, uint32_t why)
{
    struct search *se = ctx;

    return hl__find_add_refused(se->f, se->w.sys->procs[i].pid,
                                image_of(se, i), n, why);
}

static int count_exited(void *ctx, size_t i)
{
    struct search *se = ctx;

    (void)i;
    se->f->exited++;
    return 0;
}

int hl_system_find(const struct hl_system *sys,
                   const struct hl_find_opts *opts, struct hl_find **out,
                   struct hl_diag *diag)
{
    struct search se;
    int err;

    if (out != NULL)
        *out = NULL;
    if (sys == NULL || opts == NULL || out == NULL || opts->pattern == NULL)
        return HL_EINVAL;
    if (diag != NULL)
        memset(diag, 0, sizeof(*diag));
    memset(&se, 0, sizeof(se));
    err = hl__sys_walk_init(&se.w, sys, opts->name_timeout_ms,
                            opts->threads, opts->deadline_ms, opts->types,
                            opts->ntypes);
    se.w.ctx = &se;
    se.w.named = keep_matches;
    se.w.refused = keep_refused;
    se.w.exited = count_exited;
    if (err == 0)
        err = hl__find_new(&se.f);
    if (err == 0)
        err = hl__find_glob(opts->pattern, &se.glob);
    if (err == 0) {
        err = hl__sys_walk_run(&se.w);
        hl__find_sort(se.f);
    }
    hl__free(se.glob);
    hl__sys_walk_release(&se.w);
    if (err != 0) {
        hl_find_free(se.f);
        return err;
    }
    *out = se.f;
    return 0;
}
