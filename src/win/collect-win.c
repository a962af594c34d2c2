#include "hleak/collect.h"

#include <string.h>

#include "core-int.h"
#include "hleak/caps.h"
#include "names.h"
#include "collect-int.h"
#include "win-int.h"

int hl__file_name_guard = 1;

const unsigned hl__caps_collect = HL_CAP_COLLECT | HL_CAP_GUI;

uint32_t hl__refused_why(const struct hl_nt_api *api, HANDLE proc)
{
    int mine, theirs;

    if (hl__proc_protected(api, proc) == 1)
        return HL_ACCESS_PROTECTED;
    mine = hl__token_elevated(api, GetCurrentProcess());
    theirs = hl__token_elevated(api, proc);
    if (theirs == 1 && mine != 1)
        return HL_ACCESS_ELEVATED;
    return HL_ACCESS_DENIED;
}

/* Opens the target with the most rights we may need, then less. */
static int open_target(struct hl__collection *c)
{
    static const DWORD tries[] = {
        PROCESS_QUERY_INFORMATION | PROCESS_DUP_HANDLE | SYNCHRONIZE,
        PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_DUP_HANDLE | SYNCHRONIZE,
        /* a protected process: enumerate, names will say "access" */
        PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE,
    };
    size_t i = 0;
    int err;

    /* pid 0, the idle process, is never asked (no diag either) */
    if (c->opts->pid == 0)
        return HL_ENOPROC;
    err = hl__open_process(c->api, c->opts->pid, tries,
                           sizeof(tries) / sizeof(tries[0]), &c->proc, &i,
                           c->diag);
    if (err != 0)
        return err;
    c->can_query_info = i == 0;
    c->s->access = i < 2 ? HL_ACCESS_FULL : hl__refused_why(c->api, c->proc);
    return 0;
}

/* Interns str (taking it) when got says it was made; other failures of
 * best-effort facts are ignored. */
static int keep_str(struct hl_snapshot *s, int got, char *str, uint32_t *id)
{
    if (got == HL_ENOMEM)
        return got;
    if (got != 0)
        return 0;
    return hl__intern_owned(s, str, id);
}

/* Image, start time, bitness, host, versions: all best effort. */
static int collect_metadata(struct hl__collection *c)
{
    const struct hl_nt_api *api = c->api;
    FILETIME created, exited, kernel, user;
    BOOL wow64;
    char *str = NULL;
    int got;
    int err;

    got = hl__proc_image(api, c->proc, &str);
    err = keep_str(c->s, got, str, &c->s->image);
    if (err != 0)
        return err;
    if (api->get_process_times(c->proc, &created, &exited, &kernel, &user))
        c->s->start_time = hl__filetime_u64(&created);
    if (api->is_wow64_process(c->proc, &wow64))
        c->s->wow64 = wow64 ? 1 : 0;
    str = NULL;
    got = hl__host_name(api, &str);
    err = keep_str(c->s, got, str, &c->s->host);
    if (err != 0)
        return err;
    str = NULL;
    got = hl__os_version(api, &str, &c->os_major, &c->os_minor);
    err = keep_str(c->s, got, str, &c->s->os_version);
    if (err != 0)
        return err;
    hl__gui_counts(api, c->proc, (DWORD)c->opts->pid, &c->s->gui);
    if (c->s->gui.flags & HL_GUI_OTHER_SESSION)
        c->s->collect_flags |= HL_COLLECT_GUI_SESSION;
    return hl_snapshot_intern(c->s, hl__version_full(), &c->s->hleak_version);
}

static uint64_t elapsed_us(const LARGE_INTEGER *t0)
{
    LARGE_INTEGER t1;
    LARGE_INTEGER freq;
    uint64_t d;
    uint64_t f;

    if (!QueryPerformanceFrequency(&freq) || freq.QuadPart <= 0 ||
        !QueryPerformanceCounter(&t1) || t1.QuadPart < t0->QuadPart)
        return 0;
    d = (uint64_t)(t1.QuadPart - t0->QuadPart);
    f = (uint64_t)freq.QuadPart;
    return d / f * 1000000u + d % f * 1000000u / f;
}

int hl_collect(const struct hl_collect_opts *opts, struct hl_snapshot *out,
               struct hl_diag *diag)
{
    struct hl__collection c;
    struct hl_snapshot snap;
    LARGE_INTEGER t0;
    int debug_priv;
    int err;

    if (opts == NULL || out == NULL)
        return HL_EINVAL;
    if (diag != NULL)
        memset(diag, 0, sizeof(*diag));
    memset(&c, 0, sizeof(c));
    c.api = hl__nt_get();
    if (c.api == NULL) {
        hl__diag_win32(diag, "GetProcAddress", ERROR_PROC_NOT_FOUND);
        return HL_EQUERY;
    }
    if ((err = hl__wow64_check(c.api, sizeof(void *))) != 0)
        return err;
    c.opts = opts;
    c.diag = diag;
    c.proc_type_index = -1;
    c.s = &snap;
    c.timeout_ms = opts->name_timeout_ms != 0 ? opts->name_timeout_ms
                                              : HL__NAME_TIMEOUT_MS;
    c.threads = opts->threads != 0 ? opts->threads : HL__NAME_THREADS;
    if (c.threads > HL_COLLECT_MAX_THREADS)
        c.threads = HL_COLLECT_MAX_THREADS;
    c.guard = hl__file_name_guard;
    c.deadline = GetTickCount64() + (opts->deadline_ms != 0
                                         ? opts->deadline_ms
                                         : HL__NAME_DEADLINE_MS);
    QueryPerformanceCounter(&t0);
    err = hl_snapshot_init(&snap);
    if (err != 0)
        return err;
    snap.pid = opts->pid;
    snap.taken_at = hl__clock_wall();

    /* the caller's token as it is: the library does not change it
     * (hl_debug_privilege_enable() is the caller's choice) */
    debug_priv = hl__debug_priv_enabled(c.api);
    snap.collect_flags = HL_COLLECT_RECORDED |
                         (debug_priv ? HL_COLLECT_DEBUG_PRIV : 0u);
    if (diag != NULL)
        diag->debug_priv = debug_priv;
    err = open_target(&c);
    if (err != 0)
        goto out_release;
    err = collect_metadata(&c);
    if (err != 0)
        goto out_free;
    err = hl__enumerate(&c);
    if (err != 0)
        goto out_free;
    hl__drop_own_handles(&c);
    err = hl__build_typemap(&c);
    if (err != 0)
        goto out_free;
    if (!opts->no_names) {
        err = hl__proc_user_sid(c.api, c.proc, &c.user_sid);
        if (err == HL_ENOMEM)
            goto out_free;
        err = hl__devmap_build(c.api, &c.devmap, &c.ndev);
        if (err != 0)
            goto out_free;
    }
    /* types are confirmed even without names (the map alone is a guess),
     * on duplicates, which a process that refused them cannot give */
    if (snap.access == HL_ACCESS_FULL)
        err = hl__confirm_types(&c);
    if (err == 0 && (opts->no_names || snap.access != HL_ACCESS_FULL))
        err = hl__merge_unnamed(&c);
    else if (err == 0)
        err = hl__name_all(&c);
    if (err == 0)
        err = hl__trace_collect(c.api, c.proc, &snap);
    if (err != 0)
        goto out_free;
    /* a target that died meanwhile left a partial list (or none) */
    if (c.api->wait_for_single_object(c.proc, 0) == WAIT_OBJECT_0) {
        hl__diag_win32(diag, "WaitForSingleObject", ERROR_SUCCESS);
        err = HL_EEXITED;
        goto out_free;
    }
    snap.duration_us = elapsed_us(&t0);
    hl_snapshot_release(out);
    *out = snap;
    err = 0;
    goto out_cleanup;

out_free:
    hl_snapshot_release(&snap);
out_cleanup:
    hl__free(c.answers);
    hl__free(c.targets);
    hl__free(c.facts);
    hl__free(c.fcache);
    hl__sid_cache_free(&c.sids);
    hl__devmap_free(c.devmap, c.ndev);
    hl__free(c.user_sid);
    hl__free(c.raw);
    c.api->close_handle(c.proc);
    if (diag != NULL)
        diag->debug_priv = debug_priv;
    return err;

out_release:
    hl_snapshot_release(&snap);
    if (diag != NULL)
        diag->debug_priv = debug_priv;
    return err;
}

int hl_debug_privilege_enable(int *enabled)
{
    const struct hl_nt_api *api = hl__nt_get();
    int on = api != NULL && hl__enable_debug_priv(api);

    if (enabled != NULL)
        *enabled = on;
    return api != NULL ? 0 : HL_EQUERY;
}
