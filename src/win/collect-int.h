#ifndef HLEAK_WIN_COLLECT_INT_H
#define HLEAK_WIN_COLLECT_INT_H

/*
 * The collector's state, shared by its parts: collect-win.c (the whole),
 * names-win.c (the name threads and the merge of their answers),
 * enum-win.c (the handle list) and typemap-win.c (type names).
 *
 * Two kinds of thread ask names: the name threads (struct
 * hl__name_thread, names-win.c), which share the handles out, and under
 * each of them its timed File-name worker (struct hl__namer, objname.c),
 * which asks the queries that may block and is killed when they do.
 */

#include <limits.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "win-int.h"
#include "snapshot-int.h"

/* Defaults of a collection (and of a name search, find-win.c): the
 * timeout of one name query. */
#define HL__NAME_TIMEOUT_MS 1000u
/* The whole collection: 20,000 handles take 4 s under Wine and about 1 s
 * on Windows, so 5 minutes leaves room for millions of handles yet ends a
 * collection that is stuck. */
#define HL__NAME_DEADLINE_MS (5u * 60u * 1000u)
/* Name threads when not told. Under Wine (2 cores) 2 threads cost the
 * same as 1 and 4 cost more, since wineserver answers one call at a time
 * (docs/performance.md); Windows serves calls in parallel, so 2. */
#define HL__NAME_THREADS 2u

/* An arena offset that names no string. */
#define HL__ARENA_NONE UINT32_MAX

/* One handle as the enumeration reported it. */
struct hl__raw_handle {
    uint64_t value;
    uint64_t object;
    uint32_t access;
    uint32_t attributes;
    uint32_t type_index;
};

/* What a name thread does with a handle, by its type. */
enum hl__name_plan {
    HL__PLAN_NAME,     /* ask its name */
    HL__PLAN_TIMED,    /* ask its name on the timed File-name worker:
                        * File, and any handle whose type could not be
                        * read */
    HL__PLAN_PROCESS,  /* ask its name, then label it (pid, image) */
    HL__PLAN_THREAD,
    HL__PLAN_TOKEN,
    HL__PLAN_ASK_TYPE  /* type unconfirmed: ask it on each handle first */
};

/* One handle's answers, left by the name thread that asked and merged in
 * handle order by the collecting thread. Strings are offsets in that
 * name thread's arena. */
struct hl__answer {
    uint32_t nt;    /* the NT name, or HL__ARENA_NONE when not read */
    uint32_t label; /* Process, Thread or Token label, or HL__ARENA_NONE */
    uint32_t type;  /* type name asked on the duplicate, or
                     * HL__ARENA_NONE */
    uint8_t name_err;
    uint8_t asker; /* index of the name thread whose arena holds them */
};

/* What --details asked of one handle's object, left by its name thread. */
struct hl__facts {
    struct hl_details d; /* kind HL_DETAILS_NONE: not asked */
    uint32_t text;       /* d's text in the asker's arena, or
                          * HL__ARENA_NONE */
    uint32_t handle_count, pointer_count;
    int counted;         /* the two counts were read */
};

/* The friendly name worked out for an NT name (for one type). */
struct hl__friendly_memo {
    uint32_t type1; /* type id + 1; 0 = not worked out */
    uint32_t name;
};

struct hl__collection;

/* One name thread, with what it keeps from handle to handle. */
struct hl__name_thread {
    struct hl__collection *c;
    HANDLE thread;           /* NULL for the collecting thread itself */
    struct hl__namer *namer; /* its own timed File-name worker */
    struct hl__qbuf qb;      /* its name query buffer */
    /* File duplicates waiting to be named on its File-name worker, in one
     * batch, and the raw handle each belongs to */
    HANDLE fdup[HL__NAMER_BATCH];
    size_t fidx[HL__NAMER_BATCH];
    size_t nf;
    int no_namer; /* its File-name worker did not start in time: File
                   * names are "timed out" from then on, with no new one */
    char *arena;             /* the strings of its answers */
    size_t len;
    size_t cap;
    int err;
    DWORD dup_error; /* why duplication failed, when err is HL_EEXITED */
    unsigned index;
};

/* What each query loop asks. */
enum hl__query_kind {
    HL__QUERY_PROCESS_HANDLES, /* NtQueryInformationProcess(51) */
    HL__QUERY_SYSTEM_HANDLES,  /* NtQuerySystemInformation(64) */
    HL__QUERY_SYSTEM_PROCESSES, /* NtQuerySystemInformation(5) */
    HL__QUERY_OBJECT_TYPES     /* NtQueryObject(NULL, 3) */
};

struct hl__collection {
    const struct hl_nt_api *api;
    const struct hl_collect_opts *opts;
    struct hl_diag *diag;
    struct hl_snapshot *s;
    HANDLE proc;
    int can_query_info; /* proc holds PROCESS_QUERY_INFORMATION */
    unsigned timeout_ms;
    ULONGLONG deadline; /* GetTickCount64() past which the collection
                         * stops with HL_ETIMEDOUT */
    LONG volatile timed_out;
    unsigned os_major;
    unsigned os_minor;
    struct hl__raw_handle *raw;
    size_t nraw;
    struct hl__typemap types;
    /* type index confirmed by ObjectTypeInformation on a duplicate */
    unsigned char verified[HL__TYPEMAP_SIZE];
    /* the enumeration's type index of our own handle c->proc, when the
     * list showed it (class 64 lists every process); else -1 */
    int proc_type_index;
    char *user_sid;
    struct hl__sid_cache sids; /* Token labels, by SID */
    struct hl_dev_drive *devmap;
    size_t ndev;
    unsigned threads;
    int guard; /* File names on the timed File-name workers */
    /* enum hl__name_plan of each confirmed type index,
     * HL__PLAN_ASK_TYPE for the others */
    unsigned char plan[HL__TYPEMAP_SIZE];
    /* enum hl_details_kind of each confirmed type index */
    unsigned char dkind[HL__TYPEMAP_SIZE];
    struct hl__facts *facts; /* one per raw handle with --details, else
                              * NULL */
    struct hl__answer *answers; /* one per raw handle */
    LONG volatile next; /* the next raw handle to claim */
    LONG volatile stop; /* set by a thread that failed */
    struct hl__friendly_memo *fcache; /* by NT name id */
    struct hl_target *targets; /* one per raw handle: what became of the
                                * target of each Process and Thread */
    size_t fcap;
};

/* Interns str and frees it, whatever happens. */
static inline int hl__intern_owned(struct hl_snapshot *s, char *str,
                                   uint32_t *id)
{
    int err = hl_snapshot_intern(s, str, id);

    hl__free(str);
    return err;
}

/* 1 once the collection's deadline has passed (and from then on: the
 * name threads stop). */
static inline int hl__past_deadline(struct hl__collection *c)
{
    if (InterlockedOr(&c->timed_out, 0) != 0)
        return 1;
    if (GetTickCount64() < c->deadline)
        return 0;
    InterlockedExchange(&c->timed_out, 1);
    InterlockedExchange(&c->stop, 1);
    return 1;
}

/* What is left of the deadline, in milliseconds (0 when past). */
static inline unsigned hl__deadline_left(const struct hl__collection *c)
{
    ULONGLONG now = GetTickCount64();

    if (now >= c->deadline)
        return 0;
    return c->deadline - now > UINT_MAX ? UINT_MAX
                                        : (unsigned)(c->deadline - now);
}

/*
 * Asks a variable-length query (proc: the process of class 51, else
 * unused), growing the buffer on a size status, bounded in attempts and
 * bytes; a failure is recorded in diag (may be NULL). On success *out
 * (freed with hl__free) holds *out_len meaningful bytes.
 */
int hl__query_grow(const struct hl_nt_api *api, HANDLE proc,
                   enum hl__query_kind kind, ULONG first, void **out,
                   ULONG *out_len, struct hl_diag *diag);

/* hl__query_grow() for the collection's target, table and diag. */
int hl__query_loop(struct hl__collection *c, enum hl__query_kind kind,
                   ULONG first, void **out, ULONG *out_len);

/* The entries of a class-64 answer of len bytes: *first and how many,
 * no more than the bytes hold. */
size_t hl__sys_handle_entries(const void *buf, ULONG len,
                              const struct hl_nt_handle_entry_ex **first);

/* Fills c->raw with the target's handles and the snapshot's method. */
int hl__enumerate(struct hl__collection *c);

/* When the target is this process, leaves out the collector's own handle
 * on it. */
void hl__drop_own_handles(struct hl__collection *c);

/* Reads the type list into c->types (not fatal when refused). */
int hl__build_typemap(struct hl__collection *c);

/* What the name threads do with a handle of this type name. */
enum hl__name_plan hl__name_plan_of(const char *type);

/* Confirms each type index on one duplicate and sets c->plan. Returns 0,
 * HL_ENOMEM, HL_ETOOBIG or HL_ETIMEDOUT (past the deadline). */
int hl__confirm_types(struct hl__collection *c);

/*
 * Why a process refused PROCESS_DUP_HANDLE, which loses every name (proc
 * opened with less): a protected process (PP, PPL) refuses it even to
 * administrators and SeDebugPrivilege; an elevated one refuses a caller
 * that is not; any other refusal (another user, a restrictive DACL) is
 * HL_ACCESS_DENIED.
 */
uint32_t hl__refused_why(const struct hl_nt_api *api, HANDLE proc);

/* ---- names-win.c: the name threads ---- */

/* Asks every handle's name on c->threads name threads, then merges the
 * answers into c->s in handle order. */
int hl__name_all(struct hl__collection *c);

/* Merges the handles into c->s without names (none asked, or none
 * readable). */
int hl__merge_unnamed(struct hl__collection *c);

/* ---- syswalk-win.c: names from the system-wide list ---- */

struct hl_system;

/*
 * Names handles idx[0..n) of the system-wide list sys, all of the process
 * c->proc (opened with PROCESS_DUP_HANDLE), on the name threads, into
 * c->s; the caller sets c's api, s, proc, user_sid, devmap, timeout,
 * deadline, threads and guard, as for one collection. Returns 0,
 * HL_ENOMEM, HL_ETIMEDOUT (past the deadline) or HL_EEXITED.
 */
int hl__name_sys_handles(struct hl__collection *c,
                         const struct hl_system *sys, const size_t *idx,
                         size_t n);

/*
 * A walk over the processes of a system-wide list, naming each one's
 * handles of the wanted types: the engine of `hleak find` and of
 * `snapshot --all --names`. Each process holding some is opened once
 * (never this process: its console handles are a risk, sysquery-win.c),
 * checked against its start time (the pid may name another process by
 * then) and named on the name threads; the walk reports each to its
 * caller through one of three calls, which return 0 to go on or an
 * error to stop.
 */
struct hl__sys_walk {
    struct hl__collection c; /* name options: set by hl__sys_walk_init */
    const struct hl_system *sys;
    unsigned char *wanted; /* by type slot of sys */
    size_t *idx;           /* one process's candidates */
    void *ctx;
    /* proc (an index in sys) named into s: n candidates asked */
    int (*named)(void *ctx, size_t proc, const struct hl_snapshot *s,
                 size_t n);
    /* proc refused duplication, n candidates unnamed; why HL_ACCESS_* */
    int (*refused)(void *ctx, size_t proc, size_t n, uint32_t why);
    /* proc exited (or its pid was reused) before it could be named */
    int (*exited)(void *ctx, size_t proc);
};

/* Prepares w for sys with these name options (0: the defaults of
 * hl_collect()) and the wanted types (ASCII case ignored; ntypes 0: the
 * named types of hl_find_default_types()). Returns 0, HL_ENOTSUP (no NT
 * table) or HL_ENOMEM; release w whatever it returns. */
int hl__sys_walk_init(struct hl__sys_walk *w, const struct hl_system *sys,
                      unsigned timeout_ms, unsigned threads,
                      unsigned deadline_ms, const char *const *types,
                      size_t ntypes);

/* Walks every process of w->sys, by pid. Returns 0, the first error of a
 * call, HL_ENOMEM or HL_ETIMEDOUT (past the deadline). */
int hl__sys_walk_run(struct hl__sys_walk *w);

void hl__sys_walk_release(struct hl__sys_walk *w);


#endif
