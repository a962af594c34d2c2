/*
 * The name threads of a collection: each duplicates handles, asks their
 * names (File names on its timed File-name worker) and labels, and leaves
 * the answers in its own arena; the collecting thread then merges them in
 * handle order.
 */

#include <limits.h>
#include <string.h>

#include "core-int.h"
#include "details.h"
#include "names.h"
#include "textdec.h"
#include "collect-int.h"
#include "win-int.h"

#define CHUNK 16        /* handles a thread claims at a time */
#define NAME_THREAD_STACK (256u * 1024u)

/* A label for Process, Thread and Token handles, which have no names;
 * retried on a duplicate with just the query right when the handle's own
 * rights do not allow it. NULL *out when not available. */
static int object_label(struct hl__collection *c, enum hl__name_plan plan,
                        HANDLE dup, uint64_t value, char **out)
{
    int (*label)(const struct hl_nt_api *, HANDLE, char **) = NULL;
    DWORD access;
    HANDLE dup2;
    int err;

    *out = NULL;
    switch (plan) {
    case HL__PLAN_PROCESS:
        label = hl__proc_label;
        access = PROCESS_QUERY_LIMITED_INFORMATION;
        break;
    case HL__PLAN_THREAD:
        label = hl__thread_label;
        access = THREAD_QUERY_LIMITED_INFORMATION;
        break;
    case HL__PLAN_TOKEN:
        access = TOKEN_QUERY;
        break;
    default:
        return 0;
    }
    err = label != NULL ? label(c->api, dup, out)
                        : hl__token_user(c->api, &c->sids, dup, out);
    if (err == 0 || err == HL_ENOMEM)
        return err;
    dup2 = hl__dup_from(c->api, c->proc, value, access);
    if (dup2 == NULL)
        return 0;
    err = label != NULL ? label(c->api, dup2, out)
                        : hl__token_user(c->api, &c->sids, dup2, out);
    c->api->close_handle(dup2);
    return err == HL_ENOMEM ? err : 0;
}

/* Room for n more bytes in th's arena, whose offsets are 32-bit. */
static int arena_reserve(struct hl__name_thread *th, size_t n)
{
    if (n > (size_t)HL__ARENA_NONE - 1 - th->len)
        return HL_ETOOBIG;
    return hl__grow((void **)&th->arena, &th->cap, th->len + n, 1);
}

static int arena_str(struct hl__name_thread *th, const char *str, uint32_t *off)
{
    size_t n = strlen(str) + 1;
    int err = arena_reserve(th, n);

    if (err != 0)
        return err;
    memcpy(th->arena + th->len, str, n);
    *off = (uint32_t)th->len;
    th->len += n;
    return 0;
}

/* UTF-16 straight into the arena, with no string of its own: the common
 * case costs no allocation. Decoded as hl__utf8_from_utf16() does. */
static int arena_utf16(struct hl__name_thread *th, const WCHAR *src, size_t n,
                       uint32_t *off)
{
    size_t size, m;
    int err;

    if (n > SIZE_MAX / sizeof(WCHAR) ||
        (size = hl__utf16_utf8_size(n * sizeof(WCHAR))) == 0)
        return HL_ETOOBIG;
    err = arena_reserve(th, size);
    if (err != 0)
        return err;
    m = hl__utf16_to_utf8(th->arena + th->len, (const unsigned char *)src,
                          n * sizeof(WCHAR), 0, NULL);
    *off = (uint32_t)th->len;
    th->len += m + 1;
    return 0;
}

/* A name read into answer sl. Any UTF-16 decodes (damage as U+FFFD), so
 * only memory can fail here. */
static int keep_name(struct hl__name_thread *th, struct hl__answer *sl,
                     const WCHAR *name, size_t len, uint32_t name_err)
{
    int err = 0;

    if (name_err == HL_NAME_ERR_NONE)
        err = arena_utf16(th, name, len, &sl->nt);
    sl->name_err = (uint8_t)name_err;
    return err;
}

/*
 * Names the pending File duplicates on this name thread's File-name
 * worker, a batch per hand-over, and closes them. A query that blocks
 * past the timeout is marked timed out and its worker killed; the rest go
 * to a new worker.
 * Answers are read before any kill, which frees the worker's buffer.
 */
static int file_flush(struct hl__name_thread *th)
{
    struct hl__collection *c = th->c;
    unsigned char alone[HL__NAMER_BATCH];
    size_t start = 0;
    size_t k;
    int err = 0;

    memset(alone, 0, sizeof(alone));
    while (start < th->nf && err == 0) {
        size_t n = th->nf - start;
        size_t got;

        /* past the deadline the collection fails: just close them */
        if (th->no_namer || hl__past_deadline(c)) {
            for (k = start; k < th->nf; k++)
                c->answers[th->fidx[k]].name_err = HL_NAME_ERR_TIMEOUT;
            break;
        }
        /* a File-name worker that cannot start leaves names unread (the
         * answers say "query failed" or, when it did not start in time,
         * "timed out"), which is not a failure of the snapshot */
        err = hl__namer_start_details(c->api, &th->namer, th->fdup + start,
                                      n, c->facts != NULL);
        if (err == HL_ETIMEDOUT) {
            th->no_namer = 1;
            err = 0;
            continue;
        }
        if (err != 0) {
            err = err == HL_ENOMEM ? err : 0;
            break;
        }
        got = hl__namer_wait(th->namer, c->timeout_ms,
                             hl__deadline_left(c));
        for (k = 0; k < got && err == 0; k++) {
            struct hl__answer *sl = &c->answers[th->fidx[start + k]];
            uint32_t name_err;
            const WCHAR *name;
            size_t len;

            alone[start + k] = (unsigned char)hl__namer_result(
                th->namer, k, &name, &len, &name_err);
            if (c->facts != NULL &&
                c->facts[th->fidx[start + k]].d.kind == HL_DETAILS_FILE)
                hl__namer_file_details(th->namer, k,
                                       &c->facts[th->fidx[start + k]].d);
            if (!alone[start + k])
                err = keep_name(th, sl, name, len, name_err);
        }
        if (got < n) {
            struct hl__namer *nm = th->namer;
            size_t stuck = start + got;

            th->namer = NULL;
            c->answers[th->fidx[stuck]].name_err = HL_NAME_ERR_TIMEOUT;
            /* an abandoned worker may still be reading through it */
            if (!hl__namer_kill(nm))
                th->fdup[stuck] = NULL;
            got++;
        }
        start += got;
    }
    /* too long for a batch's share of the buffer: one at a time */
    for (k = 0; k < start && err == 0; k++) {
        struct hl__answer *sl = &c->answers[th->fidx[k]];
        uint32_t name_err;
        const WCHAR *name;
        size_t len;
        int abandoned = 0;

        if (!alone[k] || th->fdup[k] == NULL || th->no_namer ||
            hl__past_deadline(c))
            continue;
        err = hl__query_name(c->api, &th->namer, &th->qb, th->fdup[k],
                             c->timeout_ms, &name, &len, &name_err,
                             &abandoned);
        if (err == 0)
            err = keep_name(th, sl, name, len, name_err);
        if (abandoned)
            th->fdup[k] = NULL;
    }
    for (k = 0; k < th->nf; k++) {
        if (th->fdup[k] != NULL)
            c->api->close_handle(th->fdup[k]);
    }
    th->nf = 0;
    return err;
}

/* With --details: the counts and details of dup's object (of that kind)
 * into c->facts[i], but for a File's details when they are asked on the
 * File-name worker (queued). */
static int ask_facts(struct hl__name_thread *th, size_t i, HANDLE dup,
                     uint32_t kind, int queued)
{
    struct hl__facts *f = &th->c->facts[i];
    struct hl__file_answer fa;
    char *text = NULL;
    int err = 0;

    /* the counts are taken later, alone (count_all) */
    f->text = HL__ARENA_NONE;
    if (kind == HL_DETAILS_FILE && queued) {
        /* "unknown" until the worker answers */
        f->d.kind = kind;
        return 0;
    }
    if (kind == HL_DETAILS_FILE) {
        hl__file_ask(th->c->api, dup, &fa);
        hl__details_file(&fa, &f->d);
        return 0;
    }
    if (kind != HL_DETAILS_NONE)
        err = hl__details_query(th->c->api, dup, kind, &f->d, &text);
    if (err == 0 && text != NULL)
        err = arena_str(th, text, &f->text);
    hl__free(text);
    return err;
}

/*
 * With --details: the name of the file a Section maps (SEC_FILE or
 * SEC_IMAGE), asked through a view of hleak's own duplicate on the timed
 * worker when the guard is on (a file on a stuck network share can block
 * the map), into th's arena as f->text. A duplicate without
 * SECTION_MAP_READ cannot be mapped: no name, as for any refusal.
 */
static int section_file(struct hl__name_thread *th, size_t i, HANDLE dup,
                        int *abandoned)
{
    struct hl__collection *c = th->c;
    struct hl__facts *f = &c->facts[i];
    const WCHAR *name;
    size_t len;
    int timed_out = 0;
    int err;

    if (f->d.kind != HL_DETAILS_SECTION ||
        !(f->d.known & HL_DETAILS_BASIC) ||
        !((uint64_t)f->d.b & (HL_NT_SEC_FILE | HL_NT_SEC_IMAGE)) ||
        !(c->raw[i].access & HL_NT_SECTION_MAP_READ) ||
        (c->guard && th->no_namer))
        return 0;
    err = hl__section_name(c->api, c->guard ? &th->namer : NULL, &th->qb,
                           dup,
                           hl__section_view_size((uint32_t)f->d.b, f->d.a),
                           c->timeout_ms, &name, &len, &timed_out,
                           abandoned);
    /* a timeout leaves no name; the next File batch gets a new worker */
    (void)timed_out;
    if (err != 0 || len == 0)
        return err;
    return arena_utf16(th, name, len, &f->text);
}

/* Duplicates raw handle i, asks its name (and label), closes it, and
 * leaves the answer in c->answers[i]. */
static int name_one(struct hl__name_thread *th, size_t i)
{
    struct hl__collection *c = th->c;
    const struct hl__raw_handle *r = &c->raw[i];
    struct hl__answer *sl = &c->answers[i];
    enum hl__name_plan plan = HL__PLAN_ASK_TYPE;
    uint32_t name_err = HL_NAME_ERR_QUERY;
    const WCHAR *wname;
    size_t wlen;
    char *str = NULL;
    int abandoned = 0;
    uint32_t kind = HL_DETAILS_NONE;
    HANDLE dup;
    int err;

    sl->nt = sl->label = sl->type = HL__ARENA_NONE;
    sl->name_err = HL_NAME_ERR_QUERY;
    sl->asker = (uint8_t)th->index;
    if (r->type_index < HL__TYPEMAP_SIZE) {
        plan = c->plan[r->type_index];
        kind = c->dkind[r->type_index];
    }
    dup = hl__dup_from(c->api, c->proc, r->value, 0);
    if (dup == NULL) {
        DWORD e = GetLastError();

        if (c->api->wait_for_single_object(c->proc, 0) == WAIT_OBJECT_0) {
            th->dup_error = e;
            return HL_EEXITED;
        }
        sl->name_err = e == ERROR_ACCESS_DENIED ? HL_NAME_ERR_ACCESS
                                                : HL_NAME_ERR_NODUP;
        return 0;
    }
    if (plan == HL__PLAN_ASK_TYPE) {
        err = hl__query_type_name(c->api, dup, &str);
        if (err != 0)
            goto out_close;
        /* a type not known is not known to be safe: it may be a pipe or
         * a console with a read pending, whose name query never returns */
        plan = HL__PLAN_TIMED;
        if (str != NULL) {
            plan = hl__name_plan_of(str);
            kind = hl__details_kind_of(str);
            err = arena_str(th, str, &sl->type);
            hl__free(str);
            if (err != 0)
                goto out_close;
        }
    }
    if (c->facts != NULL) {
        err = ask_facts(th, i, dup, kind, plan == HL__PLAN_TIMED && c->guard);
        if (err != 0)
            goto out_close;
    }
    if (plan == HL__PLAN_TIMED && c->guard) {
        /* named later, with others, on the timed worker (file_flush) */
        th->fdup[th->nf] = dup;
        th->fidx[th->nf] = i;
        th->nf++;
        return th->nf == HL__NAMER_BATCH ? file_flush(th) : 0;
    }
    err = hl__query_name(c->api, NULL, &th->qb, dup, c->timeout_ms, &wname,
                         &wlen, &name_err, &abandoned);
    if (err == 0)
        err = keep_name(th, sl, wname, wlen, name_err);
    /* after the Section's own name: a worker that cannot be stopped keeps
     * dup */
    if (err == 0 && c->facts != NULL)
        err = section_file(th, i, dup, &abandoned);
    if (err != 0 || abandoned)
        goto out_close;
    err = object_label(c, plan, dup, r->value, &str);
    if (err == 0 && str != NULL) {
        err = arena_str(th, str, &sl->label);
        hl__free(str);
    }
    if (err == 0 && (plan == HL__PLAN_PROCESS || plan == HL__PLAN_THREAD))
        hl__target_of(c->api, c->proc, r->value, plan == HL__PLAN_THREAD,
                      dup, &c->targets[i]);
out_close:
    /* an abandoned worker may still be reading through dup */
    if (!abandoned)
        c->api->close_handle(dup);
    return err;
}

/*
 * With --details: each handle's HandleCount and PointerCount, one handle
 * at a time on this thread after the name threads have closed all their
 * duplicates. The count includes every handle hleak holds to the object;
 * while a name thread (or a File batch) holds a duplicate of a sibling
 * handle, it reads high. Here hleak holds exactly the one duplicate
 * asking, which hl__object_counts() takes off.
 */
static void count_all(struct hl__collection *c)
{
    size_t i;

    for (i = 0; i < c->nraw && !hl__past_deadline(c); i++) {
        struct hl__facts *f = &c->facts[i];
        HANDLE dup = hl__dup_from(c->api, c->proc, c->raw[i].value, 0);

        if (dup == NULL)
            continue;
        f->counted = hl__object_counts(c->api, dup, &f->handle_count,
                                       &f->pointer_count) == 0;
        c->api->close_handle(dup);
    }
}

/* Claims handles a chunk at a time until none are left or a thread has
 * failed; the failure is kept in th->err. */
static DWORD WINAPI name_thread_main(void *arg)
{
    struct hl__name_thread *th = arg;
    struct hl__collection *c = th->c;

    for (;;) {
        LONG first = InterlockedExchangeAdd(&c->next, CHUNK);
        size_t i;
        size_t end;

        if ((size_t)first >= c->nraw || InterlockedOr(&c->stop, 0) != 0) {
            th->err = file_flush(th);
            if (th->err != 0)
                InterlockedExchange(&c->stop, 1);
            return 0;
        }
        end = (size_t)first + CHUNK < c->nraw ? (size_t)first + CHUNK
                                              : c->nraw;
        for (i = (size_t)first; i < end; i++) {
            if (hl__past_deadline(c))
                th->err = HL_ETIMEDOUT;
            else
                th->err = name_one(th, i);
            if (th->err != 0) {
                InterlockedExchange(&c->stop, 1);
                /* closes the pending duplicates; the names no longer
                 * matter */
                file_flush(th);
                return 0;
            }
        }
    }
}

/* The friendly name of NT name nt for type, each (nt, type) pair worked
 * out once: most handles share their name with others. */
static int friendly(struct hl__collection *c, uint32_t type, uint32_t nt,
                    uint32_t *out)
{
    char *str = NULL;
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
        err = hl__grow_zeroed((void **)&c->fcache, &c->fcap, (size_t)nt + 1,
                              sizeof(*c->fcache));
        if (err != 0)
            return err;
    }
    c->fcache[nt].type1 = type + 1;
    c->fcache[nt].name = *out;
    return 0;
}

/* Appends h with its object address (kept apart: most snapshots have
 * none). */
static int push(struct hl__collection *c, const struct hl_handle *h,
                uint64_t object)
{
    int err = hl_snapshot_add(c->s, h);

    if (err != 0)
        return err;
    return hl_snapshot_set_object(c->s, c->s->count - 1, object);
}

/* What --details asked of the handle just pushed. */
static int merge_facts(struct hl__collection *c, const char *arena,
                       struct hl__facts *f)
{
    size_t at = c->s->count - 1;
    int err = 0;

    if (f->counted)
        err = hl_snapshot_set_counts(c->s, at, f->handle_count,
                                     f->pointer_count);
    /* only a duplicated handle set text (the others are all zero) */
    if (err == 0 && f->d.kind == HL_DETAILS_TOKEN &&
        f->text != HL__ARENA_NONE)
        err = hl_snapshot_intern(c->s, arena + f->text, &f->d.text);
    /* a Section's file by the rules of a File's name */
    if (err == 0 && f->d.kind == HL_DETAILS_SECTION &&
        f->text != HL__ARENA_NONE) {
        uint32_t file, nt;

        err = hl_snapshot_intern(c->s, "File", &file);
        if (err == 0)
            err = hl_snapshot_intern(c->s, arena + f->text, &nt);
        if (err == 0)
            err = friendly(c, file, nt, &f->d.text);
    }
    if (err == 0 && f->d.kind != HL_DETAILS_NONE)
        err = hl_snapshot_set_details(c->s, at, &f->d);
    return err;
}

/* Handle i into the snapshot, with answer i when names were asked (sl
 * may be NULL). Runs on the calling thread only: the string
 * table is not shared. */
static int merge_one(struct hl__collection *c, const struct hl__name_thread *th,
                     size_t i)
{
    const struct hl__raw_handle *r = &c->raw[i];
    const struct hl__answer *sl = c->answers != NULL ? &c->answers[i] : NULL;
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
    arena = th[sl->asker].arena;
    h.name_err = sl->name_err;
    if (sl->type != HL__ARENA_NONE) {
        err = hl_snapshot_intern(c->s, arena + sl->type, &h.type);
        if (err != 0)
            return err;
    }
    if (sl->nt != HL__ARENA_NONE) {
        err = hl_snapshot_intern(c->s, arena + sl->nt, &h.nt_name);
        if (err == 0)
            err = friendly(c, h.type, h.nt_name, &h.name);
        if (err != 0)
            return err;
    }
    if (sl->label != HL__ARENA_NONE) {
        err = hl_snapshot_intern(c->s, arena + sl->label, &h.name);
        if (err != 0)
            return err;
        h.name_err = HL_NAME_ERR_NONE;
    }
    err = push(c, &h, r->object);
    if (err == 0 && c->targets != NULL)
        err = hl_snapshot_set_target(c->s, c->s->count - 1, &c->targets[i]);
    if (err == 0 && c->facts != NULL)
        err = merge_facts(c, arena, &c->facts[i]);
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
int hl__name_all(struct hl__collection *c)
{
    struct hl__name_thread th[HL_COLLECT_MAX_THREADS];
    unsigned n = c->threads;
    unsigned k;
    size_t chunks = (c->nraw + CHUNK - 1) / CHUNK;
    int err = 0;

    if (c->nraw > (size_t)LONG_MAX - (size_t)CHUNK * HL_COLLECT_MAX_THREADS)
        return HL_ETOOBIG;
    c->answers = hl__calloc(c->nraw, sizeof(*c->answers));
    c->targets = hl__calloc(c->nraw, sizeof(*c->targets));
    if (c->answers == NULL || c->targets == NULL)
        return HL_ENOMEM;
    if (c->opts != NULL && c->opts->details) {
        c->facts = hl__calloc(c->nraw, sizeof(*c->facts));
        if (c->facts == NULL)
            return HL_ENOMEM;
    }
    if (n > chunks)
        n = chunks > 0 ? (unsigned)chunks : 1;
    memset(th, 0, sizeof(th));
    for (k = 0; k < n; k++) {
        th[k].c = c;
        th[k].index = k;
    }
    /* fewer threads than asked, when one cannot start, is still right:
     * the others claim its share */
    for (k = 1; k < n; k++) {
        th[k].thread =
            CreateThread(NULL, NAME_THREAD_STACK, name_thread_main, &th[k],
                         STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (th[k].thread == NULL)
            break;
    }
    name_thread_main(&th[0]);
    /* Not timed: the threads stop at the deadline between handles, and
     * every call of theirs that can block is timed (file_flush); they use
     * th and c, so they must be gone before this returns. The CLI's
     * watchdog (hl__watchdog_start()) ends a process stuck anyway. */
    for (k = 1; k < n; k++) {
        if (th[k].thread == NULL)
            continue;
        WaitForSingleObject(th[k].thread, INFINITE);
        CloseHandle(th[k].thread);
    }
    if (InterlockedOr(&c->timed_out, 0) != 0)
        err = HL_ETIMEDOUT;
    for (k = 0; k < n && err == 0; k++) {
        err = th[k].err;
        if (err == HL_EEXITED)
            hl__diag_win32(c->diag, "DuplicateHandle", th[k].dup_error);
    }
    if (err != 0)
        goto out_free_workers;
    if (c->facts != NULL)
        count_all(c);
    for (k = 0; k < c->nraw && err == 0; k++)
        err = merge_one(c, th, k);
out_free_workers:
    for (k = 0; k < n; k++) {
        hl__namer_free(th[k].namer);
        hl__qbuf_free(&th[k].qb);
        hl__free(th[k].arena);
    }
    return err;
}

int hl__merge_unnamed(struct hl__collection *c)
{
    size_t i;
    int err = 0;

    for (i = 0; i < c->nraw && err == 0; i++)
        err = merge_one(c, NULL, i);
    return err;
}
