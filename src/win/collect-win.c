#include "hleak/collect.h"

#include <limits.h>
#include <string.h>

#include "core-int.h"
#include "hleak/version.h"
#include "names.h"
#include "collect-int.h"
#include "win-int.h"

#define DEFAULT_TIMEOUT_MS 1000u
/* The whole collection: 20,000 handles take 4 s under Wine and about 1 s
 * on Windows, so 5 minutes leaves room for millions of handles yet ends a
 * collection that is stuck. */
#define DEFAULT_DEADLINE_MS (5u * 60u * 1000u)
/* Name threads when not told. Under Wine (2 cores) 2 threads cost the
 * same as 1 and 4 cost more, since wineserver answers one call at a time
 * (docs/performance.md); Windows serves calls in parallel, so 2. */
#define DEFAULT_THREADS 2u
#define CHUNK 16        /* handles a thread claims at a time */
#define WORKER_STACK (256u * 1024u)

int hl__file_name_guard = 1;

static uint64_t filetime_u64(const FILETIME *ft)
{
    return ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

int hl__past_deadline(struct collector *c)
{
    if (InterlockedOr(&c->timed_out, 0) != 0)
        return 1;
    if (GetTickCount64() < c->deadline)
        return 0;
    InterlockedExchange(&c->timed_out, 1);
    InterlockedExchange(&c->stop, 1);
    return 1;
}

unsigned hl__deadline_left(const struct collector *c)
{
    ULONGLONG now = GetTickCount64();

    if (now >= c->deadline)
        return 0;
    return c->deadline - now > UINT_MAX ? UINT_MAX
                                        : (unsigned)(c->deadline - now);
}

int hl__intern_owned(struct hl_snapshot *s, char *str, uint32_t *id)
{
    int err = hl_snapshot_intern(s, str, id);

    hl__free(str);
    return err;
}

/*
 * Why the target refused PROCESS_DUP_HANDLE, which loses every name: a
 * protected process (PP, PPL) refuses it even to administrators and
 * SeDebugPrivilege; an elevated one refuses a caller that is not; any
 * other refusal (another user, a restrictive DACL) is "denied".
 */
static uint32_t refused_why(struct collector *c)
{
    int mine, theirs;

    if (hl__proc_protected(c->api, c->proc) == 1)
        return HL_ACCESS_PROTECTED;
    mine = hl__token_elevated(c->api, GetCurrentProcess());
    theirs = hl__token_elevated(c->api, c->proc);
    if (theirs == 1 && mine != 1)
        return HL_ACCESS_ELEVATED;
    return HL_ACCESS_DENIED;
}

/* Opens the target with the most rights we may need, then less. */
static int open_target(struct collector *c)
{
    static const DWORD tries[] = {
        PROCESS_QUERY_INFORMATION | PROCESS_DUP_HANDLE | SYNCHRONIZE,
        PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_DUP_HANDLE | SYNCHRONIZE,
        /* a protected process: enumerate, names will say "access" */
        PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE,
    };
    DWORD pid = (DWORD)c->opts->pid;
    DWORD err = ERROR_SUCCESS;
    size_t i;

    if (c->opts->pid == 0 || c->opts->pid > 0xFFFFFFFFu)
        return HL_ENOPROC;
    for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        c->proc = c->api->open_process(tries[i], FALSE, pid);
        if (c->proc != NULL) {
            c->can_query_info = i == 0;
            c->s->access = i < 2 ? HL_ACCESS_FULL : refused_why(c);
            return 0;
        }
        err = GetLastError();
        if (err != ERROR_ACCESS_DENIED)
            break;
    }
    hl__diag_win32(c->diag, "OpenProcess", err);
    return hl__from_win32(err);
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
static int collect_metadata(struct collector *c)
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
        c->s->start_time = filetime_u64(&created);
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
    return hl_snapshot_intern(c->s, HL_VERSION, &c->s->hleak_version);
}

/* Duplicates h of the target with the given access (0: the same). */
HANDLE hl__dup_from_target(struct collector *c, uint64_t h, DWORD access)
{
    HANDLE dup = NULL;

    if (!c->api->duplicate_handle(c->proc, (HANDLE)(uintptr_t)h,
                                  GetCurrentProcess(), &dup, access, FALSE,
                                  access == 0 ? DUPLICATE_SAME_ACCESS : 0))
        return NULL;
    return dup;
}

/* A label for Process, Thread and Token handles, which have no names;
 * retried on a duplicate with just the query right when the handle's own
 * rights do not allow it. NULL *out when not available. */
static int object_label(struct collector *c, enum kind kind, HANDLE dup,
                        uint64_t value, char **out)
{
    int (*label)(const struct hl_nt_api *, HANDLE, char **) = NULL;
    DWORD access;
    HANDLE dup2;
    int err;

    *out = NULL;
    switch (kind) {
    case KIND_PROCESS:
        label = hl__proc_label;
        access = PROCESS_QUERY_LIMITED_INFORMATION;
        break;
    case KIND_THREAD:
        label = hl__thread_label;
        access = THREAD_QUERY_LIMITED_INFORMATION;
        break;
    case KIND_TOKEN:
        access = TOKEN_QUERY;
        break;
    default:
        return 0;
    }
    err = label != NULL ? label(c->api, dup, out)
                        : hl__token_user(c->api, &c->sids, dup, out);
    if (err == 0 || err == HL_ENOMEM)
        return err;
    dup2 = hl__dup_from_target(c, value, access);
    if (dup2 == NULL)
        return 0;
    err = label != NULL ? label(c->api, dup2, out)
                        : hl__token_user(c->api, &c->sids, dup2, out);
    c->api->close_handle(dup2);
    return err == HL_ENOMEM ? err : 0;
}

/* Room for n more bytes in w's arena, whose offsets are 32-bit. */
static int arena_reserve(struct worker *w, size_t n)
{
    if (n > (size_t)STR_NONE - 1 - w->len)
        return HL_ETOOBIG;
    return hl__grow((void **)&w->arena, &w->cap, w->len + n, 1);
}

static int arena_str(struct worker *w, const char *str, uint32_t *off)
{
    size_t n = strlen(str) + 1;
    int err = arena_reserve(w, n);

    if (err != 0)
        return err;
    memcpy(w->arena + w->len, str, n);
    *off = (uint32_t)w->len;
    w->len += n;
    return 0;
}

/* UTF-16 straight into the arena, with no string of its own: the common
 * case costs no allocation. Unpaired surrogates become U+FFFD, as in
 * hl__utf8_from_utf16(). HL_EINVAL when it cannot be converted. */
static int arena_utf16(struct worker *w, const WCHAR *src, size_t n,
                       uint32_t *off)
{
    int m = 0;
    int err;

    if (n > INT_MAX / 4)
        return HL_ETOOBIG;
    if (n > 0) {
        m = WideCharToMultiByte(CP_UTF8, 0, src, (int)n, NULL, 0, NULL,
                                NULL);
        if (m <= 0)
            return HL_EINVAL;
    }
    err = arena_reserve(w, (size_t)m + 1);
    if (err != 0)
        return err;
    if (m > 0 && WideCharToMultiByte(CP_UTF8, 0, src, (int)n,
                                     w->arena + w->len, m, NULL,
                                     NULL) != m)
        return HL_EINVAL;
    w->arena[w->len + (size_t)m] = '\0';
    *off = (uint32_t)w->len;
    w->len += (size_t)m + 1;
    return 0;
}

/* A name read into slot sl: a conversion failure is a name error. */
static int keep_name(struct worker *w, struct slot *sl, const WCHAR *name,
                     size_t len, uint32_t name_err)
{
    int err = 0;

    if (name_err == HL_NAME_ERR_NONE) {
        err = arena_utf16(w, name, len, &sl->nt);
        if (err == HL_EINVAL) {
            name_err = HL_NAME_ERR_QUERY;
            err = 0;
        }
    }
    sl->name_err = (uint8_t)name_err;
    return err;
}

/*
 * Names the pending File duplicates on this thread's worker, a batch per
 * hand-over, and closes them. A query that blocks past the timeout is
 * marked timed out and its worker killed; the rest go to a new worker.
 * Answers are read before any kill, which frees the worker's buffer.
 */
static int file_flush(struct worker *w)
{
    struct collector *c = w->c;
    unsigned char alone[HL__NAMER_BATCH];
    size_t start = 0;
    size_t k;
    int err = 0;

    memset(alone, 0, sizeof(alone));
    while (start < w->nf && err == 0) {
        size_t n = w->nf - start;
        size_t got;

        /* past the deadline the collection fails: just close them */
        if (w->no_namer || hl__past_deadline(c)) {
            for (k = start; k < w->nf; k++)
                c->slots[w->fidx[k]].name_err = HL_NAME_ERR_TIMEOUT;
            break;
        }
        /* a worker that cannot start leaves names unread (the slots say
         * "query failed" or, when it did not start in time, "timed out"),
         * which is not a failure of the snapshot */
        err = hl__namer_start(c->api, &w->namer, w->fdup + start, n);
        if (err == HL_ETIMEDOUT) {
            w->no_namer = 1;
            err = 0;
            continue;
        }
        if (err != 0) {
            err = err == HL_ENOMEM ? err : 0;
            break;
        }
        got = hl__namer_wait(w->namer, c->timeout_ms,
                             hl__deadline_left(c));
        for (k = 0; k < got && err == 0; k++) {
            struct slot *sl = &c->slots[w->fidx[start + k]];
            uint32_t name_err;
            const WCHAR *name;
            size_t len;

            alone[start + k] = (unsigned char)hl__namer_result(
                w->namer, k, &name, &len, &name_err);
            if (!alone[start + k])
                err = keep_name(w, sl, name, len, name_err);
        }
        if (got < n) {
            struct hl__namer *nm = w->namer;
            size_t stuck = start + got;

            w->namer = NULL;
            c->slots[w->fidx[stuck]].name_err = HL_NAME_ERR_TIMEOUT;
            /* an abandoned worker may still be reading through it */
            if (!hl__namer_kill(nm))
                w->fdup[stuck] = NULL;
            got++;
        }
        start += got;
    }
    /* too long for a batch's share of the buffer: one at a time */
    for (k = 0; k < start && err == 0; k++) {
        struct slot *sl = &c->slots[w->fidx[k]];
        uint32_t name_err;
        const WCHAR *name;
        size_t len;
        int abandoned = 0;

        if (!alone[k] || w->fdup[k] == NULL || w->no_namer ||
            hl__past_deadline(c))
            continue;
        err = hl__query_name(c->api, &w->namer, &w->qb, w->fdup[k],
                             c->timeout_ms, &name, &len, &name_err,
                             &abandoned);
        if (err == 0)
            err = keep_name(w, sl, name, len, name_err);
        if (abandoned)
            w->fdup[k] = NULL;
    }
    for (k = 0; k < w->nf; k++) {
        if (w->fdup[k] != NULL)
            c->api->close_handle(w->fdup[k]);
    }
    w->nf = 0;
    return err;
}

/* Duplicates raw handle i, asks its name (and label), closes it, and
 * leaves the answer in slot i. */
static int name_one(struct worker *w, size_t i)
{
    struct collector *c = w->c;
    const struct raw_handle *r = &c->raw[i];
    struct slot *sl = &c->slots[i];
    enum kind kind = KIND_ASK;
    uint32_t name_err = HL_NAME_ERR_QUERY;
    const WCHAR *wname;
    size_t wlen;
    char *str = NULL;
    int abandoned = 0;
    HANDLE dup;
    int err;

    sl->nt = sl->label = sl->type = STR_NONE;
    sl->name_err = HL_NAME_ERR_QUERY;
    sl->worker = (uint8_t)w->index;
    if (r->type_index < HL__TYPEMAP_SIZE)
        kind = c->kind[r->type_index];
    dup = hl__dup_from_target(c, r->value, 0);
    if (dup == NULL) {
        DWORD e = GetLastError();

        if (c->api->wait_for_single_object(c->proc, 0) == WAIT_OBJECT_0) {
            w->dup_error = e;
            return HL_EEXITED;
        }
        sl->name_err = e == ERROR_ACCESS_DENIED ? HL_NAME_ERR_ACCESS
                                                : HL_NAME_ERR_NODUP;
        return 0;
    }
    if (kind == KIND_ASK) {
        err = hl__query_type_name(c->api, dup, &str);
        if (err != 0)
            goto out_close;
        /* a type not known is not known to be safe: it may be a pipe or
         * a console with a read pending, whose name query never returns */
        kind = KIND_TIMED;
        if (str != NULL) {
            kind = hl__kind_of(str);
            err = arena_str(w, str, &sl->type);
            hl__free(str);
            if (err != 0)
                goto out_close;
        }
    }
    if (kind == KIND_TIMED && c->guard) {
        /* named later, with others, on the timed worker (file_flush) */
        w->fdup[w->nf] = dup;
        w->fidx[w->nf] = i;
        w->nf++;
        return w->nf == HL__NAMER_BATCH ? file_flush(w) : 0;
    }
    err = hl__query_name(c->api, NULL, &w->qb, dup, c->timeout_ms, &wname,
                         &wlen, &name_err, &abandoned);
    if (err == 0)
        err = keep_name(w, sl, wname, wlen, name_err);
    if (err != 0)
        goto out_close;
    err = object_label(c, kind, dup, r->value, &str);
    if (err == 0 && str != NULL) {
        err = arena_str(w, str, &sl->label);
        hl__free(str);
    }
    if (err == 0 && (kind == KIND_PROCESS || kind == KIND_THREAD))
        hl__target_of(c->api, c->proc, r->value, kind == KIND_THREAD, dup,
                      &c->targets[i]);
out_close:
    /* an abandoned worker may still be reading through dup */
    if (!abandoned)
        c->api->close_handle(dup);
    return err;
}

/* Claims handles a chunk at a time until none are left or a thread has
 * failed; the failure is kept in w->err. */
static DWORD WINAPI worker_main(void *arg)
{
    struct worker *w = arg;
    struct collector *c = w->c;

    for (;;) {
        LONG first = InterlockedExchangeAdd(&c->next, CHUNK);
        size_t i;
        size_t end;

        if ((size_t)first >= c->nraw || InterlockedOr(&c->stop, 0) != 0) {
            w->err = file_flush(w);
            if (w->err != 0)
                InterlockedExchange(&c->stop, 1);
            return 0;
        }
        end = (size_t)first + CHUNK < c->nraw ? (size_t)first + CHUNK
                                              : c->nraw;
        for (i = (size_t)first; i < end; i++) {
            if (hl__past_deadline(c))
                w->err = HL_ETIMEDOUT;
            else
                w->err = name_one(w, i);
            if (w->err != 0) {
                InterlockedExchange(&c->stop, 1);
                /* closes the pending duplicates; the names no longer
                 * matter */
                file_flush(w);
                return 0;
            }
        }
    }
}

/* The friendly name of NT name nt for type, each (nt, type) pair worked
 * out once: most handles share their name with others. */
static int friendly(struct collector *c, uint32_t type, uint32_t nt,
                    uint32_t *out)
{
    char *str = NULL;
    size_t old = c->fcap;
    int err;

    if (nt < c->fcap && c->fcache[nt].type1 == type + 1) {
        *out = c->fcache[nt].name;
        return 0;
    }
    err = hl__names_friendly(hl_snapshot_str(c->s, type),
                             hl_snapshot_str(c->s, nt), c->devmap, c->ndev,
                             c->user_sid, &str);
    if (err == 0)
        err = hl__intern_owned(c->s, str, out);
    if (err != 0)
        return err;
    if (nt >= c->fcap) {
        err = hl__grow((void **)&c->fcache, &c->fcap, (size_t)nt + 1,
                       sizeof(*c->fcache));
        if (err != 0)
            return err;
        memset(c->fcache + old, 0, (c->fcap - old) * sizeof(*c->fcache));
    }
    c->fcache[nt].type1 = type + 1;
    c->fcache[nt].name = *out;
    return 0;
}

/* Appends h with its object address (kept apart: most snapshots have
 * none). */
static int push(struct collector *c, const struct hl_handle *h,
                uint64_t object)
{
    int err = hl_snapshot_add(c->s, h);

    if (err != 0)
        return err;
    return hl_snapshot_set_object(c->s, c->s->count - 1, object);
}

/* Handle i into the snapshot, with slot i's answers when names were
 * asked (sl may be NULL). Runs on the calling thread only: the string
 * table is not shared. */
static int merge_one(struct collector *c, const struct worker *w, size_t i)
{
    const struct raw_handle *r = &c->raw[i];
    const struct slot *sl = c->slots != NULL ? &c->slots[i] : NULL;
    const char *arena;
    struct hl_handle h;
    int err;

    memset(&h, 0, sizeof(h));
    /* handle values are 32-bit on every Windows (see struct hl_handle) */
    h.value = (uint32_t)r->value;
    h.granted_access = r->access;
    h.attributes = (uint16_t)r->attributes;
    if (r->type_index < HL__TYPEMAP_SIZE && c->types.id[r->type_index] != 0)
        h.type = c->types.id[r->type_index] - 1;
    if (sl == NULL) {
        /* without PROCESS_DUP_HANDLE no name can be read: say so on each
         * handle, as a refused duplication would */
        h.name_err = c->s->access == HL_ACCESS_FULL || c->opts->no_names
                         ? HL_NAME_ERR_SKIPPED
                         : HL_NAME_ERR_ACCESS;
        return push(c, &h, r->object);
    }
    arena = w[sl->worker].arena;
    h.name_err = sl->name_err;
    if (sl->type != STR_NONE) {
        err = hl_snapshot_intern(c->s, arena + sl->type, &h.type);
        if (err != 0)
            return err;
    }
    if (sl->nt != STR_NONE) {
        err = hl_snapshot_intern(c->s, arena + sl->nt, &h.nt_name);
        if (err == 0)
            err = friendly(c, h.type, h.nt_name, &h.name);
        if (err != 0)
            return err;
    }
    if (sl->label != STR_NONE) {
        err = hl_snapshot_intern(c->s, arena + sl->label, &h.name);
        if (err != 0)
            return err;
        h.name_err = HL_NAME_ERR_NONE;
    }
    err = push(c, &h, r->object);
    if (err == 0 && c->targets != NULL)
        err = hl_snapshot_set_target(c->s, c->s->count - 1, &c->targets[i]);
    return err;
}

/*
 * Asks every handle's name on c->threads threads (this one included),
 * then merges the answers in handle order, so the snapshot is the same
 * for any number of threads. Each thread duplicates, asks and closes on
 * its own: under Wine every call is a wineserver round trip, and the
 * kernel (and wineserver) serve several callers at once. Each thread has
 * its own File-name worker, so one blocked query holds up one thread, and
 * only for the timeout.
 */
static int name_all(struct collector *c)
{
    struct worker w[HL_COLLECT_MAX_THREADS];
    unsigned n = c->threads;
    unsigned k;
    size_t chunks = (c->nraw + CHUNK - 1) / CHUNK;
    int err = 0;

    if (c->nraw > (size_t)LONG_MAX - (size_t)CHUNK * HL_COLLECT_MAX_THREADS)
        return HL_ETOOBIG;
    c->slots = hl__calloc(c->nraw, sizeof(*c->slots));
    c->targets = hl__calloc(c->nraw, sizeof(*c->targets));
    if (c->slots == NULL || c->targets == NULL)
        return HL_ENOMEM;
    if (n > chunks)
        n = chunks > 0 ? (unsigned)chunks : 1;
    memset(w, 0, sizeof(w));
    for (k = 0; k < n; k++) {
        w[k].c = c;
        w[k].index = k;
    }
    /* fewer threads than asked, when one cannot start, is still right:
     * the others claim its share */
    for (k = 1; k < n; k++) {
        w[k].thread = CreateThread(NULL, WORKER_STACK, worker_main, &w[k],
                                   STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (w[k].thread == NULL)
            break;
    }
    worker_main(&w[0]);
    /* Not timed: the threads stop at the deadline between handles, and
     * every call of theirs that can block is timed (file_flush); they use
     * w and c, so they must be gone before this returns. The CLI's
     * watchdog (hl__watchdog_start()) ends a process stuck anyway. */
    for (k = 1; k < n; k++) {
        if (w[k].thread == NULL)
            continue;
        WaitForSingleObject(w[k].thread, INFINITE);
        CloseHandle(w[k].thread);
    }
    if (InterlockedOr(&c->timed_out, 0) != 0)
        err = HL_ETIMEDOUT;
    for (k = 0; k < n && err == 0; k++) {
        err = w[k].err;
        if (err == HL_EEXITED)
            hl__diag_win32(c->diag, "DuplicateHandle", w[k].dup_error);
    }
    if (err != 0)
        goto out_free_workers;
    for (k = 0; k < c->nraw && err == 0; k++)
        err = merge_one(c, w, k);
out_free_workers:
    for (k = 0; k < n; k++) {
        hl__namer_free(w[k].namer);
        hl__qbuf_free(&w[k].qb);
        hl__free(w[k].arena);
    }
    return err;
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
               struct hl_collect_diag *diag)
{
    struct collector c;
    struct hl_snapshot snap;
    LARGE_INTEGER t0;
    FILETIME now;
    int debug_priv;
    size_t i;
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
                                              : DEFAULT_TIMEOUT_MS;
    c.threads = opts->threads != 0 ? opts->threads : DEFAULT_THREADS;
    if (c.threads > HL_COLLECT_MAX_THREADS)
        c.threads = HL_COLLECT_MAX_THREADS;
    c.guard = hl__file_name_guard;
    c.deadline = GetTickCount64() + (opts->deadline_ms != 0
                                         ? opts->deadline_ms
                                         : DEFAULT_DEADLINE_MS);
    QueryPerformanceCounter(&t0);
    GetSystemTimeAsFileTime(&now);
    err = hl_snapshot_init(&snap);
    if (err != 0)
        return err;
    snap.pid = opts->pid;
    snap.taken_at = filetime_u64(&now);

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
    if (err == 0 && (opts->no_names || snap.access != HL_ACCESS_FULL)) {
        for (i = 0; i < c.nraw && err == 0; i++)
            err = merge_one(&c, NULL, i);
    } else if (err == 0) {
        err = name_all(&c);
    }
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
    hl__free(c.slots);
    hl__free(c.targets);
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
