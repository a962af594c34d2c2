/*
 * Who holds a handle of a given name (hl_system_find()): the candidates
 * (handles of the requested types) come from the one system-wide list;
 * each process holding some is opened once and its candidates named on
 * the collector's bounded name workers (sysname-win.c), so a name query
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
    const struct hl_system *sys;
    const struct hl_find_opts *opts;
    struct hl_find *f;
    char *glob;
    unsigned char *wanted; /* by type slot of sys */
    size_t *idx;           /* one process's candidates */
    struct hl__collection c;
};

/* A process that refuses duplication: why, asked with the least rights. */
static int refuse(struct search *se, const struct hl__sys_proc *p,
                  const char *image, size_t n)
{
    static const DWORD least = PROCESS_QUERY_LIMITED_INFORMATION;
    const struct hl_nt_api *api = se->c.api;
    uint32_t why = HL_ACCESS_DENIED;
    HANDLE lim;

    if (hl__open_process(api, p->pid, &least, 1, &lim, NULL, NULL) == 0) {
        why = hl__refused_why(api, lim);
        api->close_handle(lim);
    }
    return hl__find_add_refused(se->f, p->pid, image, n, why);
}

/* The matches among the handles just named into s. */
static int keep_matches(struct search *se, const struct hl__sys_proc *p,
                        const char *image, const struct hl_snapshot *s)
{
    size_t i;
    int err = 0;

    for (i = 0; i < s->count && err == 0; i++) {
        const struct hl_handle *h = &s->handles[i];
        const char *name = hl_snapshot_str(s, h->name);
        const char *nt = hl_snapshot_str(s, h->nt_name);

        if (h->name_err == HL_NAME_ERR_TIMEOUT)
            se->f->timeouts++;
        if (hl__find_matches(se->glob, name, nt))
            err = hl__find_add(se->f, p->pid, image, h->value,
                               hl_snapshot_str(s, h->type),
                               h->granted_access, name, nt);
    }
    return err;
}

/* Names n candidates of the open process proc and keeps the matches. */
static int name_proc(struct search *se, const struct hl__sys_proc *p,
                     const char *image, HANDLE proc, size_t n)
{
    struct hl__collection *c = &se->c;
    struct hl_snapshot s;
    int err;

    err = hl__proc_user_sid(c->api, proc, &c->user_sid);
    if (err == HL_ENOMEM)
        return err;
    if ((err = hl_snapshot_init(&s)) != 0)
        goto out;
    c->s = &s;
    c->proc = proc;
    err = hl__name_sys_handles(c, se->sys, se->idx, n);
    if (err == HL_EEXITED) {
        se->f->exited++;
        err = 0;
    } else if (err == 0) {
        se->f->searched++;
        se->f->asked += n;
        err = keep_matches(se, p, image, &s);
    }
    hl_snapshot_release(&s);
out:
    c->s = NULL;
    c->proc = NULL;
    hl__free(c->user_sid);
    c->user_sid = NULL;
    return err;
}

static int search_proc(struct search *se, const struct hl__sys_proc *p,
                       const char *image)
{
    static const DWORD rights = PROCESS_DUP_HANDLE |
                                PROCESS_QUERY_LIMITED_INFORMATION |
                                SYNCHRONIZE;
    const struct hl_nt_api *api = se->c.api;
    FILETIME created, exited, kernel, user;
    size_t i, n = 0;
    HANDLE proc;
    int err;

    for (i = p->first; i < p->first + p->nheld; i++)
        if (se->wanted[se->sys->handles[i].type])
            se->idx[n++] = i;
    /* hleak's own handles include the console's: closing a duplicate of
     * one is a risk (see sysquery-win.c) for names nobody asks here */
    if (n == 0 || p->pid == 0 || p->pid > 0xFFFFFFFFu ||
        p->pid == GetCurrentProcessId())
        return 0;
    err = hl__open_process(api, p->pid, &rights, 1, &proc, NULL, NULL);
    if (err == HL_ENOPROC) {
        se->f->exited++;
        return 0;
    }
    if (err != 0)
        return refuse(se, p, image, n);
    /* the pid may name another process by now */
    if (api->get_process_times(proc, &created, &exited, &kernel, &user) &&
        p->start != 0 && hl__filetime_u64(&created) != p->start) {
        se->f->exited++;
        api->close_handle(proc);
        return 0;
    }
    err = name_proc(se, p, image, proc, n);
    api->close_handle(proc);
    return err;
}

static int search(struct search *se, const struct hl_find_opts *opts)
{
    const struct hl_system *sys = se->sys;
    size_t i, most = 0;
    int err;

    for (i = 0; i < sys->ntypes; i++)
        se->wanted[i] = (unsigned char)hl__find_type_wanted(
            opts->types, opts->types != NULL ? opts->ntypes : 0,
            hl_snapshot_str(sys->names, sys->type_names[i]));
    for (i = 0; i < sys->nprocs; i++)
        if (sys->procs[i].nheld > most)
            most = sys->procs[i].nheld;
    se->idx = hl__calloc(most + 1, sizeof(*se->idx));
    if (se->idx == NULL)
        return HL_ENOMEM;
    err = hl__devmap_build(se->c.api, &se->c.devmap, &se->c.ndev);
    for (i = 0; i < sys->nprocs && err == 0; i++)
        err = search_proc(se, &sys->procs[i],
                          hl_snapshot_str(sys->names, sys->procs[i].image));
    hl__find_sort(se->f);
    return err;
}

int hl_system_find(const struct hl_system *sys,
                   const struct hl_find_opts *opts, struct hl_find **out,
                   struct hl_diag *diag)
{
    static const struct hl_collect_opts no_opts;
    struct search se;
    int err;

    if (out != NULL)
        *out = NULL;
    if (sys == NULL || opts == NULL || out == NULL || opts->pattern == NULL)
        return HL_EINVAL;
    if (diag != NULL)
        memset(diag, 0, sizeof(*diag));
    memset(&se, 0, sizeof(se));
    se.c.api = hl__nt_get();
    if (se.c.api == NULL)
        return HL_ENOTSUP;
    se.sys = sys;
    se.opts = opts;
    se.c.opts = &no_opts;
    /* the one failure the name threads record, a process that exited,
     * is no failure of the search */
    se.c.diag = NULL;
    se.c.proc_type_index = -1;
    se.c.timeout_ms = opts->name_timeout_ms != 0 ? opts->name_timeout_ms
                                                 : HL__NAME_TIMEOUT_MS;
    se.c.threads = opts->threads != 0 ? opts->threads : HL__NAME_THREADS;
    if (se.c.threads > HL_COLLECT_MAX_THREADS)
        se.c.threads = HL_COLLECT_MAX_THREADS;
    se.c.guard = hl__file_name_guard;
    se.c.deadline = GetTickCount64() + (opts->deadline_ms != 0
                                            ? opts->deadline_ms
                                            : HL__NAME_DEADLINE_MS);
    se.wanted = hl__calloc(sys->ntypes + 1, 1);
    err = se.wanted == NULL ? HL_ENOMEM : hl__find_new(&se.f);
    if (err == 0)
        err = hl__find_glob(opts->pattern, &se.glob);
    if (err == 0)
        err = search(&se, opts);
    hl__free(se.glob);
    hl__free(se.wanted);
    hl__free(se.idx);
    hl__sid_cache_free(&se.c.sids);
    hl__devmap_free(se.c.devmap, se.c.ndev);
    if (err != 0) {
        hl_find_free(se.f);
        return err;
    }
    *out = se.f;
    return 0;
}
