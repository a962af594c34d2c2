#include "win-int.h"

#include <string.h>

#include "core-int.h"

/*
 * Name queries. A File object's name query waits for the FILE_OBJECT lock,
 * which a pending synchronous read (a pipe, a console) can hold forever, and
 * a duplicate shares that lock. So File names are asked on a worker thread
 * with a time bound; on expiry the worker is terminated, and the duplicate
 * may be closed only once the worker is known to be gone.
 */

#define NAME_FIRST_LEN 1024u
#define NAME_MAX_LEN (1024u * 1024u)
#define NAME_ATTEMPTS 8
#define WORKER_EXIT_WAIT_MS 1000u

struct hl__namer {
    const struct hl_nt_api *api;
    HANDLE thread;
    HANDLE go;   /* auto-reset: a request is ready */
    HANDLE done; /* auto-reset: the request is answered */
    /* The request, written by the caller only while the worker waits on
     * go; the events order the accesses. */
    HANDLE dup;
    void *buf;
    ULONG cap;
    ULONG ret_len;
    NTSTATUS status;
    int quit;
};

/* The worker body makes the system call and nothing else: it must not hold
 * a lock (heap, loader) when it is terminated. */
static DWORD WINAPI namer_main(void *arg)
{
    struct hl__namer *nm = arg;

    for (;;) {
        if (WaitForSingleObject(nm->go, INFINITE) != WAIT_OBJECT_0)
            return 1;
        if (nm->quit)
            return 0;
        nm->ret_len = 0;
        nm->status = nm->api->query_object(nm->dup,
                                           HL_NT_OBJECT_NAME_INFORMATION,
                                           nm->buf, nm->cap, &nm->ret_len);
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
    hl__free(nm->buf);
    hl__free(nm);
}

int hl__namer_new(const struct hl_nt_api *api, struct hl__namer **out)
{
    struct hl__namer *nm = hl__calloc(1, sizeof(*nm));

    if (nm == NULL)
        return HL_ENOMEM;
    nm->api = api;
    nm->cap = NAME_FIRST_LEN;
    nm->buf = hl__malloc(nm->cap);
    if (nm->buf == NULL)
        goto out_nomem;
    nm->go = CreateEventW(NULL, FALSE, FALSE, NULL);
    nm->done = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (nm->go == NULL || nm->done == NULL)
        goto out_fail;
    /* A small stack: the body is one system call. */
    nm->thread = CreateThread(NULL, 64 * 1024, namer_main, nm,
                              STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (nm->thread == NULL)
        goto out_fail;
    *out = nm;
    return 0;

out_fail:
    namer_close(nm);
    return HL_EQUERY;
out_nomem:
    namer_close(nm);
    return HL_ENOMEM;
}

/* Terminates a worker stuck in a query. Returns 1 when it is gone (and
 * freed), 0 when it had to be abandoned with everything it uses. */
static int namer_kill(struct hl__namer *nm)
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
        namer_kill(nm);
        return;
    }
    namer_close(nm);
}

static int is_size_status(NTSTATUS st)
{
    return st == STATUS_BUFFER_OVERFLOW || st == STATUS_INFO_LENGTH_MISMATCH ||
           st == STATUS_BUFFER_TOO_SMALL;
}

/* The UNICODE_STRING at the start of buf, as UTF-8, if it lies inside the
 * len bytes the query filled. */
static int unicode_at(const void *buf, size_t len, char **out)
{
    const struct hl_nt_unicode_string *us = buf;
    const char *lo = buf;
    const char *hi = lo + len;
    const char *p = (const char *)us->Buffer;

    if (len < sizeof(*us))
        return HL_EINVAL;
    if (us->Length == 0 || p == NULL)
        return hl__utf8_from_utf16(NULL, 0, out);
    if (p < lo || p > hi || (size_t)(hi - p) < us->Length)
        return HL_EINVAL;
    return hl__utf8_from_utf16(us->Buffer, us->Length / sizeof(WCHAR), out);
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

static int query_name_sync(const struct hl_nt_api *api, HANDLE dup,
                           char **out, uint32_t *name_err)
{
    void *buf = NULL;
    ULONG cap = 0;
    ULONG want = NAME_FIRST_LEN;
    int attempt;
    int err = 0;

    *name_err = HL_NAME_ERR_QUERY;
    for (attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        ULONG ret_len = 0;
        NTSTATUS st;

        err = regrow(&buf, &cap, want);
        if (err != 0)
            goto out_free_buf;
        st = api->query_object(dup, HL_NT_OBJECT_NAME_INFORMATION, buf, cap,
                               &ret_len);
        if (NT_SUCCESS(st)) {
            err = unicode_at(buf, cap, out);
            if (err == 0)
                *name_err = HL_NAME_ERR_NONE;
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
    return err == HL_ENOMEM ? err : 0;
}

static int query_name_worker(const struct hl_nt_api *api,
                             struct hl__namer **nmp, HANDLE dup,
                             unsigned timeout_ms, char **out,
                             uint32_t *name_err, int *dup_abandoned)
{
    ULONG want = NAME_FIRST_LEN;
    int attempt;
    int err;

    *name_err = HL_NAME_ERR_QUERY;
    for (attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        struct hl__namer *nm = *nmp;

        if (nm == NULL) {
            err = hl__namer_new(api, nmp);
            if (err != 0)
                return err == HL_ENOMEM ? err : 0;
            nm = *nmp;
        }
        if (nm->cap < want && regrow(&nm->buf, &nm->cap, want) != 0)
            return HL_ENOMEM;
        nm->dup = dup;
        SetEvent(nm->go);
        if (WaitForSingleObject(nm->done, timeout_ms) != WAIT_OBJECT_0) {
            *nmp = NULL;
            *name_err = HL_NAME_ERR_TIMEOUT;
            if (!namer_kill(nm))
                *dup_abandoned = 1;
            return 0;
        }
        if (NT_SUCCESS(nm->status)) {
            err = unicode_at(nm->buf, nm->cap, out);
            if (err == 0)
                *name_err = HL_NAME_ERR_NONE;
            return err == HL_ENOMEM ? err : 0;
        }
        if (!is_size_status(nm->status))
            return 0;
        want = next_len(nm->cap, nm->ret_len);
        if (want == 0)
            return 0;
    }
    return 0;
}

int hl__query_name(const struct hl_nt_api *api, struct hl__namer **nm,
                   HANDLE dup, unsigned timeout_ms, char **out,
                   uint32_t *name_err, int *dup_abandoned)
{
    int err;

    *out = NULL;
    *dup_abandoned = 0;
    if (nm == NULL)
        err = query_name_sync(api, dup, out, name_err);
    else
        err = query_name_worker(api, nm, dup, timeout_ms, out, name_err,
                                dup_abandoned);
    if (err != 0 || *name_err != HL_NAME_ERR_NONE) {
        hl__free(*out);
        *out = NULL;
    }
    return err;
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
