/*
 * Names handles of the system-wide list (hleak/system.h) for one process
 * at a time, through the collector's name threads and workers
 * (names-win.c): the engine of `hleak find`, and of any whole-system
 * view with names. The list's own type names stand for the collector's
 * type map; a type it could not name is asked on each duplicate.
 */
#include <string.h>

#include "collect-int.h"
#include "core-int.h"
#include "details.h"
#include "find-int.h"
#include "hleak/snapshot.h"
#include "names.h"
#include "system-int.h"
#include "win-int.h"

/* The type map and plans of the handle types in c->raw. */
static int plan_types(struct hl__collection *c, const struct hl_system *sys,
                      const size_t *idx, size_t n)
{
    size_t i;
    int err;

    memset(&c->types, 0, sizeof(c->types));
    memset(c->plan, HL__PLAN_ASK_TYPE, sizeof(c->plan));
    memset(c->dkind, 0, sizeof(c->dkind));
    for (i = 0; i < n; i++) {
        const struct hl__sys_handle *h = &sys->handles[idx[i]];
        const char *name;
        uint32_t id;

        if (h->type_index >= HL__TYPEMAP_SIZE ||
            c->types.id[h->type_index] != 0)
            continue;
        name = hl_snapshot_str(sys->names, sys->type_names[h->type]);
        /* "(type N)": not named by the system */
        if (name[0] == '(')
            continue;
        if ((err = hl_snapshot_intern(c->s, name, &id)) != 0)
            return err;
        c->types.id[h->type_index] = id + 1;
        c->plan[h->type_index] = (unsigned char)hl__name_plan_of(name);
        c->dkind[h->type_index] = (unsigned char)hl__details_kind_of(name);
    }
    return 0;
}

int hl__name_sys_handles(struct hl__collection *c,
                         const struct hl_system *sys, const size_t *idx,
                         size_t n)
{
    size_t i;
    int err;

    c->raw = hl__calloc(n != 0 ? n : 1, sizeof(*c->raw));
    if (c->raw == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        const struct hl__sys_handle *h = &sys->handles[idx[i]];

        c->raw[i].value = h->value;
        c->raw[i].access = h->access;
        c->raw[i].attributes = h->attributes;
        c->raw[i].type_index = h->type_index;
    }
    c->nraw = n;
    c->next = 0;
    c->stop = 0;
    err = plan_types(c, sys, idx, n);
    if (err == 0)
        err = hl__name_all(c);
    hl__free(c->answers);
    hl__free(c->targets);
    hl__free(c->fcache);
    hl__free(c->raw);
    c->answers = NULL;
    c->targets = NULL;
    c->fcache = NULL;
    c->fcap = 0;
    c->raw = NULL;
    c->nraw = 0;
    return err;
}

/* ---- the walk over every process ---- */

int hl__sys_walk_init(struct hl__sys_walk *w, const struct hl_system *sys,
                      unsigned timeout_ms, unsigned threads,
                      unsigned deadline_ms, const char *const *types,
                      size_t ntypes)
{
    static const struct hl_collect_opts no_opts;
    struct hl__collection *c = &w->c;
    size_t i, most = 0;

    memset(w, 0, sizeof(*w));
    w->sys = sys;
    c->api = hl__nt_get();
    if (c->api == NULL)
        return HL_ENOTSUP;
    c->opts = &no_opts;
    /* the one failure the name threads record, a process that exited,
     * is no failure of the walk */
    c->diag = NULL;
    c->proc_type_index = -1;
    c->timeout_ms = timeout_ms != 0 ? timeout_ms : HL__NAME_TIMEOUT_MS;
    c->threads = threads != 0 ? threads : HL__NAME_THREADS;
    if (c->threads > HL_COLLECT_MAX_THREADS)
        c->threads = HL_COLLECT_MAX_THREADS;
    c->guard = hl__file_name_guard;
    c->deadline = GetTickCount64() +
                  (deadline_ms != 0 ? deadline_ms : HL__NAME_DEADLINE_MS);
    w->wanted = hl__calloc(sys->ntypes + 1, 1);
    for (i = 0; i < sys->nprocs; i++)
        if (sys->procs[i].nheld > most)
            most = sys->procs[i].nheld;
    w->idx = hl__calloc(most + 1, sizeof(*w->idx));
    if (w->wanted == NULL || w->idx == NULL)
        return HL_ENOMEM;
    for (i = 0; i < sys->ntypes; i++)
        w->wanted[i] = (unsigned char)hl__find_type_wanted(
            types, types != NULL ? ntypes : 0,
            hl_snapshot_str(sys->names, sys->type_names[i]));
    return 0;
}

void hl__sys_walk_release(struct hl__sys_walk *w)
{
    hl__free(w->wanted);
    hl__free(w->idx);
    hl__sid_cache_free(&w->c.sids);
    hl__devmap_free(w->c.devmap, w->c.ndev);
    w->wanted = NULL;
    w->idx = NULL;
    w->c.devmap = NULL;
    w->c.ndev = 0;
}

/* A process that refuses duplication: why, asked with the least rights. */
static int walk_refused(struct hl__sys_walk *w, size_t i, size_t n)
{
    static const DWORD least = PROCESS_QUERY_LIMITED_INFORMATION;
    const struct hl_nt_api *api = w->c.api;
    uint32_t why = HL_ACCESS_DENIED;
    HANDLE lim;

    if (hl__open_process(api, w->sys->procs[i].pid, &least, 1, &lim, NULL,
                         NULL) == 0) {
        why = hl__refused_why(api, lim);
        api->close_handle(lim);
    }
    return w->refused(w->ctx, i, n, why);
}

/* Names n candidates of process i, open as proc, and reports them. */
static int walk_named(struct hl__sys_walk *w, size_t i, HANDLE proc,
                      size_t n)
{
    struct hl__collection *c = &w->c;
    struct hl_snapshot s;
    int err;

    err = hl__proc_user_sid(c->api, proc, &c->user_sid);
    if (err == HL_ENOMEM)
        return err;
    if ((err = hl_snapshot_init(&s)) != 0)
        goto out;
    c->s = &s;
    c->proc = proc;
    err = hl__name_sys_handles(c, w->sys, w->idx, n);
    if (err == HL_EEXITED)
        err = w->exited(w->ctx, i);
    else if (err == 0)
        err = w->named(w->ctx, i, &s, n);
    hl_snapshot_release(&s);
out:
    c->s = NULL;
    c->proc = NULL;
    hl__free(c->user_sid);
    c->user_sid = NULL;
    return err;
}

static int walk_proc(struct hl__sys_walk *w, size_t i)
{
    static const DWORD rights = PROCESS_DUP_HANDLE |
                                PROCESS_QUERY_LIMITED_INFORMATION |
                                SYNCHRONIZE;
    const struct hl__sys_proc *p = &w->sys->procs[i];
    const struct hl_nt_api *api = w->c.api;
    FILETIME created, exited, kernel, user;
    size_t k, n = 0;
    HANDLE proc;
    int err;

    for (k = p->first; k < p->first + p->nheld; k++)
        if (w->wanted[w->sys->handles[k].type])
            w->idx[n++] = k;
    /* hleak's own handles include the console's: closing a duplicate of
     * one is a risk (see sysquery-win.c) for names nobody asks here */
    if (n == 0 || p->pid == 0 || p->pid > 0xFFFFFFFFu ||
        p->pid == GetCurrentProcessId())
        return 0;
    err = hl__open_process(api, p->pid, &rights, 1, &proc, NULL, NULL);
    if (err == HL_ENOPROC)
        return w->exited(w->ctx, i);
    if (err != 0)
        return walk_refused(w, i, n);
    if (api->get_process_times(proc, &created, &exited, &kernel, &user) &&
        p->start != 0 && hl__filetime_u64(&created) != p->start) {
        api->close_handle(proc);
        return w->exited(w->ctx, i);
    }
    err = walk_named(w, i, proc, n);
    api->close_handle(proc);
    return err;
}

int hl__sys_walk_run(struct hl__sys_walk *w)
{
    size_t i;
    int err;

    err = hl__devmap_build(w->c.api, &w->c.devmap, &w->c.ndev);
    for (i = 0; i < w->sys->nprocs && err == 0; i++)
        err = walk_proc(w, i);
    return err;
}
