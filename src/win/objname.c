#include "win-int.h"

#include <string.h>

#include "core-int.h"

/*
 * Name queries. A File object's name query waits for the FILE_OBJECT lock,
 * which a pending synchronous read (a pipe, a console) can hold forever, and
 * a duplicate shares that lock. So File names are asked on a worker thread
 * with a time bound; on expiry the worker is terminated, and the duplicate
 * may be closed only once the worker is known to be gone.
 *
 * A worker is terminated only while it runs its own body. Before that, a
 * new thread runs the DLL_THREAD_ATTACH notifications under the loader
 * lock, and a thread terminated there leaves the lock owned: the next
 * LoadLibrary, CreateThread or ExitProcess of the whole process hangs. So
 * the body signals "started" first, and no clock starts before it. The
 * wait for "started" is bounded too (hl__namer_start_ms): a worker that
 * does not start in time is not terminated but orphaned, and frees itself
 * if it ever starts. The same holds on the way out: a worker asked to quit
 * runs DLL_THREAD_DETACH under the loader lock, so one slow to exit is
 * orphaned, never terminated.
 */

#define NAME_FIRST_LEN 1024u
#define NAME_MAX_LEN (1024u * 1024u)
#define NAME_ATTEMPTS 8
#define WORKER_EXIT_WAIT_MS 1000u

/* 10 s: the loader lock is held for milliseconds in a healthy process; a
 * host that holds it longer gets its File names marked "timed out". */
unsigned hl__namer_start_ms = 10000u;

struct hl__namer {
    const struct hl_nt_api *api;
    HANDLE thread;
    HANDLE go;   /* auto-reset: a request is ready */
    HANDLE done; /* auto-reset: the request is answered */
    HANDLE started; /* manual-reset: set by the worker's own body */
    /* the worker leaving on quit and its owner giving it up each add 1;
     * whoever makes it 2 frees everything (namer_orphan()) */
    LONG volatile handoff;
    /* The request, written by the caller only while the worker waits on
     * go; the events order the accesses. Item i is answered into
     * buf + i * slot. */
    HANDLE dups[HL__NAMER_BATCH];
    ULONG ret_len[HL__NAMER_BATCH];
    NTSTATUS status[HL__NAMER_BATCH];
    size_t count;
    /* set: each item's File details are asked too, after its name */
    int details;
    struct hl__file_answer file[HL__NAMER_BATCH];
    /* set: the items are Sections, and each is asked its mapped file's
     * name (hl__section_file_query(), a view of view bytes) instead */
    int section;
    SIZE_T view;
    ULONG slot;
    LONG volatile finished; /* items answered so far */
    void *buf;
    ULONG cap;
    int quit;
};

static void namer_close(struct hl__namer *nm);

/* The worker body makes system calls and nothing else: it must not hold
 * a lock (heap, loader) when it is terminated. Its wait for go is its
 * only unbounded one: its owner bounds every request, and quits or
 * orphans it. It answers a whole batch
 * per wake-up, because under Wine each hand-over costs several wineserver
 * round trips; finished tells the caller how far it got. */
static DWORD WINAPI namer_main(void *arg)
{
    struct hl__namer *nm = arg;
    size_t i;

    SetEvent(nm->started);
    for (;;) {
        if (WaitForSingleObject(nm->go, INFINITE) != WAIT_OBJECT_0)
            return 1;
        if (nm->quit) {
            /* not terminated from here on: freeing is safe */
            if (InterlockedIncrement(&nm->handoff) == 2)
                namer_close(nm);
            return 0;
        }
        for (i = 0; i < nm->count; i++) {
            nm->ret_len[i] = 0;
            /* a view of a file on a stuck network share can block as a
             * File name does */
            if (nm->section)
                nm->status[i] = hl__section_file_query(
                    nm->api, nm->dups[i], nm->view,
                    (char *)nm->buf + i * nm->slot, nm->slot);
            else
                nm->status[i] = nm->api->query_object(
                    nm->dups[i], HL_NT_OBJECT_NAME_INFORMATION,
                    (char *)nm->buf + i * nm->slot, nm->slot,
                    &nm->ret_len[i]);
            /* these wait for the same FILE_OBJECT lock as the name: timed
             * with it, as one item */
            if (nm->details)
                hl__file_ask(nm->api, nm->dups[i], &nm->file[i]);
            InterlockedExchange(&nm->finished, (LONG)(i + 1));
        }
        SetEvent(nm->done);
    }
}

static void namer_close(struct hl__namer *nm)
{
    if (nm->thread != NULL)
        CloseHandle(nm->thread);
    if (nm->go != NULL)
        CloseHandle(nm->go);
    if (nm->done != NULL)
        CloseHandle(nm->done);
    if (nm->started != NULL)
        CloseHandle(nm->started);
    hl__free(nm->buf);
    hl__free(nm);
}

/* Gives up a worker that is not running a query (not started yet, or
 * leaving): it quits when it can and, if it is not past its quit already,
 * frees itself then. Never terminated: it may hold the loader lock. */
static void namer_orphan(struct hl__namer *nm)
{
    nm->quit = 1;
    SetEvent(nm->go);
    if (InterlockedIncrement(&nm->handoff) == 2)
        namer_close(nm);
}

int hl__namer_new(const struct hl_nt_api *api, struct hl__namer **out)
{
    struct hl__namer *nm = hl__calloc(1, sizeof(*nm));
    DWORD w;

    if (nm == NULL)
        return HL_ENOMEM;
    nm->api = api;
    nm->cap = NAME_FIRST_LEN * HL__NAMER_BATCH;
    nm->buf = hl__malloc(nm->cap);
    if (nm->buf == NULL)
        goto out_nomem;
    nm->go = CreateEventW(NULL, FALSE, FALSE, NULL);
    nm->done = CreateEventW(NULL, FALSE, FALSE, NULL);
    nm->started = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (nm->go == NULL || nm->done == NULL || nm->started == NULL)
        goto out_fail;
    /* A small stack: the body is one system call. */
    nm->thread = api->create_thread(NULL, 64 * 1024, namer_main, nm,
                                    STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (nm->thread == NULL)
        goto out_fail;
    w = WaitForSingleObject(nm->started, hl__namer_start_ms);
    if (w != WAIT_OBJECT_0) {
        namer_orphan(nm);
        return HL_ETIMEDOUT;
    }
    *out = nm;
    return 0;

out_fail:
    namer_close(nm);
    return HL_EQUERY;
out_nomem:
    namer_close(nm);
    return HL_ENOMEM;
}

int hl__namer_kill(struct hl__namer *nm)
{
    TerminateThread(nm->thread, 1);
    if (WaitForSingleObject(nm->thread, WORKER_EXIT_WAIT_MS) !=
        WAIT_OBJECT_0)
        return 0;
    namer_close(nm);
    return 1;
}

void hl__namer_free(struct hl__namer *nm)
{
    if (nm == NULL)
        return;
    nm->quit = 1;
    SetEvent(nm->go);
    if (WaitForSingleObject(nm->thread, WORKER_EXIT_WAIT_MS) !=
        WAIT_OBJECT_0) {
        namer_orphan(nm);
        return;
    }
    namer_close(nm);
}

static int is_size_status(NTSTATUS st)
{
    return st == STATUS_BUFFER_OVERFLOW || st == STATUS_INFO_LENGTH_MISMATCH ||
           st == STATUS_BUFFER_TOO_SMALL;
}

/* The UNICODE_STRING at the start of buf, if it lies inside the len bytes
 * the query filled: *w and *n (characters) point into buf. */
static int unicode_span(const void *buf, size_t len, const WCHAR **w,
                        size_t *n)
{
    const struct hl_nt_unicode_string *us = buf;
    const char *lo = buf;
    const char *hi = lo + len;
    const char *p;

    if (len < sizeof(*us))
        return HL_EINVAL;
    p = (const char *)us->Buffer;
    *w = NULL;
    *n = 0;
    if (us->Length == 0 || p == NULL)
        return 0;
    if (p < lo || p > hi || (size_t)(hi - p) < us->Length)
        return HL_EINVAL;
    *w = us->Buffer;
    *n = us->Length / sizeof(WCHAR);
    return 0;
}

/* The UNICODE_STRING at the start of buf as a new UTF-8 string. */
static int unicode_at(const void *buf, size_t len, char **out)
{
    const WCHAR *w;
    size_t n;
    int err = unicode_span(buf, len, &w, &n);

    if (err != 0)
        return err;
    return hl__utf8_from_utf16(w, n, out);
}

/* Grows a query buffer to at least want bytes (contents not kept). */
static int regrow(void **buf, ULONG *cap, ULONG want)
{
    void *p = hl__malloc(want);

    if (p == NULL)
        return HL_ENOMEM;
    hl__free(*buf);
    *buf = p;
    *cap = want;
    return 0;
}

/* The next buffer size after a size status, or 0 when past the limit. */
static ULONG next_len(ULONG cap, ULONG ret_len)
{
    ULONG next = ret_len > cap ? ret_len : cap * 2;

    return next > NAME_MAX_LEN ? 0 : next;
}

/* On the calling thread, into qb, which is kept for the next query: no
 * allocation per handle once it has grown to the longest name. */
static int query_name_sync(const struct hl_nt_api *api, struct hl__qbuf *qb,
                           HANDLE dup, const WCHAR **name, size_t *len,
                           uint32_t *name_err)
{
    ULONG want = qb->cap > NAME_FIRST_LEN ? qb->cap : NAME_FIRST_LEN;
    int attempt;

    for (attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        ULONG ret_len = 0;
        NTSTATUS st;

        if (qb->cap < want && regrow(&qb->p, &qb->cap, want) != 0)
            return HL_ENOMEM;
        st = api->query_object(dup, HL_NT_OBJECT_NAME_INFORMATION, qb->p,
                               qb->cap, &ret_len);
        if (NT_SUCCESS(st)) {
            if (unicode_span(qb->p, qb->cap, name, len) == 0)
                *name_err = HL_NAME_ERR_NONE;
            return 0;
        }
        if (!is_size_status(st))
            return 0;
        want = next_len(qb->cap, ret_len);
        if (want == 0)
            return 0;
    }
    return 0;
}

int hl__namer_start(const struct hl_nt_api *api, struct hl__namer **nmp,
                    const HANDLE *dups, size_t count)
{
    return hl__namer_start_details(api, nmp, dups, count, 0);
}

int hl__namer_start_details(const struct hl_nt_api *api,
                            struct hl__namer **nmp, const HANDLE *dups,
                            size_t count, int details)
{
    struct hl__namer *nm = *nmp;
    int err;

    if (count == 0 || count > HL__NAMER_BATCH)
        return HL_EINVAL;
    if (nm == NULL) {
        err = hl__namer_new(api, nmp);
        if (err != 0)
            return err;
        nm = *nmp;
    }
    memcpy(nm->dups, dups, count * sizeof(*dups));
    nm->count = count;
    nm->details = details;
    nm->section = 0;
    nm->slot = (ULONG)(nm->cap / count) & ~(ULONG)(sizeof(void *) - 1);
    nm->finished = 0;
    SetEvent(nm->go);
    return 0;
}

size_t hl__namer_wait(struct hl__namer *nm, unsigned timeout_ms,
                      unsigned total_ms)
{
    ULONGLONG end = GetTickCount64() + total_ms;
    LONG seen = 0;

    for (;;) {
        ULONGLONG now_ms = GetTickCount64();
        unsigned wait = timeout_ms;
        DWORD r;
        LONG now;

        if (now_ms >= end)
            wait = 0;
        else if (end - now_ms < wait)
            wait = (unsigned)(end - now_ms);
        r = WaitForSingleObject(nm->done, wait);
        now = InterlockedOr(&nm->finished, 0);
        if ((size_t)now == nm->count)
            return nm->count;
        /* a signal left by the previous batch, whose wait gave up just as
         * the worker finished (once at most: the event resets) */
        if (r == WAIT_OBJECT_0)
            continue;
        /* each item gets the whole bound: progress restarts the clock */
        if (now == seen || GetTickCount64() >= end)
            return (size_t)now;
        seen = now;
    }
}

int hl__namer_result(const struct hl__namer *nm, size_t i,
                     const WCHAR **name, size_t *len, uint32_t *name_err)
{
    *name = NULL;
    *len = 0;
    *name_err = HL_NAME_ERR_QUERY;
    if (NT_SUCCESS(nm->status[i])) {
        if (unicode_span((const char *)nm->buf + i * nm->slot, nm->slot,
                         name, len) == 0)
            *name_err = HL_NAME_ERR_NONE;
        return 0;
    }
    /* did not fit its share of the buffer: ask it alone */
    return is_size_status(nm->status[i]) && nm->count > 1;
}

void hl__namer_file_details(const struct hl__namer *nm, size_t i,
                            struct hl_details *out)
{
    hl__details_file(&nm->file[i], out);
}

static int query_name_worker(const struct hl_nt_api *api,
                             struct hl__namer **nmp, HANDLE dup,
                             unsigned timeout_ms, const WCHAR **name,
                             size_t *len, uint32_t *name_err,
                             int *dup_abandoned)
{
    ULONG want = NAME_FIRST_LEN;
    int attempt;
    int err;

    for (attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        struct hl__namer *nm = *nmp;

        if (nm != NULL && nm->cap < want &&
            regrow(&nm->buf, &nm->cap, want) != 0)
            return HL_ENOMEM;
        err = hl__namer_start(api, nmp, &dup, 1);
        if (err == HL_ETIMEDOUT)
            *name_err = HL_NAME_ERR_TIMEOUT;
        if (err != 0)
            return err == HL_ENOMEM ? err : 0;
        nm = *nmp;
        if (hl__namer_wait(nm, timeout_ms, timeout_ms) == 0) {
            *nmp = NULL;
            *name_err = HL_NAME_ERR_TIMEOUT;
            if (!hl__namer_kill(nm))
                *dup_abandoned = 1;
            return 0;
        }
        if (NT_SUCCESS(nm->status[0])) {
            if (unicode_span(nm->buf, nm->slot, name, len) == 0)
                *name_err = HL_NAME_ERR_NONE;
            return 0;
        }
        if (!is_size_status(nm->status[0]))
            return 0;
        want = next_len(nm->slot, nm->ret_len[0]);
        if (want == 0)
            return 0;
    }
    return 0;
}

int hl__section_name(const struct hl_nt_api *api, struct hl__namer **nmp,
                     struct hl__qbuf *qb, HANDLE dup, SIZE_T view,
                     unsigned timeout_ms, const WCHAR **name, size_t *len,
                     int *timed_out, int *dup_abandoned)
{
    struct hl__namer *nm;
    int err;

    *name = NULL;
    *len = 0;
    *timed_out = *dup_abandoned = 0;
    if (nmp == NULL) {
        if (qb->cap < HL__SECTION_NAME_LEN &&
            regrow(&qb->p, &qb->cap, HL__SECTION_NAME_LEN) != 0)
            return HL_ENOMEM;
        if (NT_SUCCESS(hl__section_file_query(api, dup, view, qb->p,
                                              qb->cap)))
            (void)unicode_span(qb->p, qb->cap, name, len);
        return 0;
    }
    if (*nmp == NULL) {
        err = hl__namer_new(api, nmp);
        if (err == HL_ETIMEDOUT)
            *timed_out = 1;
        if (err != 0)
            return err == HL_ENOMEM ? err : 0;
    }
    nm = *nmp;
    /* the worker waits on go: its buffer may change hands */
    if (nm->cap < HL__SECTION_NAME_LEN &&
        regrow(&nm->buf, &nm->cap, HL__SECTION_NAME_LEN) != 0)
        return HL_ENOMEM;
    nm->dups[0] = dup;
    nm->count = 1;
    nm->details = 0;
    nm->section = 1;
    nm->view = view;
    nm->slot = nm->cap;
    nm->finished = 0;
    SetEvent(nm->go);
    if (hl__namer_wait(nm, timeout_ms, timeout_ms) == 0) {
        *nmp = NULL;
        *timed_out = 1;
        if (!hl__namer_kill(nm))
            *dup_abandoned = 1;
        return 0;
    }
    if (NT_SUCCESS(nm->status[0]))
        (void)unicode_span(nm->buf, nm->slot, name, len);
    return 0;
}

int hl__query_name(const struct hl_nt_api *api, struct hl__namer **nm,
                   struct hl__qbuf *qb, HANDLE dup, unsigned timeout_ms,
                   const WCHAR **name, size_t *len, uint32_t *name_err,
                   int *dup_abandoned)
{
    *name = NULL;
    *len = 0;
    *name_err = HL_NAME_ERR_QUERY;
    *dup_abandoned = 0;
    if (nm == NULL)
        return query_name_sync(api, qb, dup, name, len, name_err);
    return query_name_worker(api, nm, dup, timeout_ms, name, len, name_err,
                             dup_abandoned);
}

void hl__qbuf_free(struct hl__qbuf *qb)
{
    hl__free(qb->p);
    qb->p = NULL;
    qb->cap = 0;
}

int hl__query_type_name(const struct hl_nt_api *api, HANDLE dup,
                        char **out)
{
    void *buf = NULL;
    ULONG cap = 0;
    ULONG want = sizeof(struct hl_nt_object_type_info) + 256;
    int attempt;
    int err = 0;

    *out = NULL;
    for (attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        ULONG ret_len = 0;
        NTSTATUS st;

        err = regrow(&buf, &cap, want);
        if (err != 0)
            goto out_free_buf;
        st = api->query_object(dup, HL_NT_OBJECT_TYPE_INFORMATION, buf, cap,
                               &ret_len);
        if (NT_SUCCESS(st)) {
            err = unicode_at(buf, cap, out);
            if (err != HL_ENOMEM)
                err = 0;
            break;
        }
        if (!is_size_status(st))
            break;
        want = next_len(cap, ret_len);
        if (want == 0)
            break;
    }
out_free_buf:
    hl__free(buf);
    return err;
}
