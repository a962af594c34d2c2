#ifndef HLEAK_WIN_COLLECT_INT_H
#define HLEAK_WIN_COLLECT_INT_H

/*
 * The collector's state, shared by its parts: collect-win.c (the whole,
 * and the name threads), enum-win.c (the handle list) and typemap-win.c
 * (type names).
 */

#include "hleak/collect.h"
#include "win-int.h"

#define STR_NONE UINT32_MAX

/* One handle as the enumeration reported it. */
struct raw_handle {
    uint64_t value;
    uint64_t object;
    uint32_t access;
    uint32_t attributes;
    uint32_t type_index;
};

/* What a name thread does with a handle, by its type. */
enum kind {
    KIND_OTHER,   /* ask its name */
    KIND_TIMED,   /* ask its name on the timed worker: File, and any
                   * handle whose type could not be read */
    KIND_PROCESS, /* ask its name, then label it (pid, image) */
    KIND_THREAD,
    KIND_TOKEN,
    KIND_ASK      /* type unconfirmed: ask it on each handle first */
};

/* One handle's answers, left by the thread that asked and merged in
 * handle order by the collecting thread. Strings are offsets in that
 * thread's arena. */
struct slot {
    uint32_t nt;    /* the NT name, or STR_NONE when not read */
    uint32_t label; /* Process, Thread or Token label, or STR_NONE */
    uint32_t type;  /* type name asked on the duplicate, or STR_NONE */
    uint8_t name_err;
    uint8_t worker; /* whose arena */
};

/* The friendly name worked out for an NT name (for one type). */
struct friendly {
    uint32_t type1; /* type id + 1; 0 = not worked out */
    uint32_t name;
};

struct collector;

/* One thread asking names, with what it keeps from handle to handle. */
struct worker {
    struct collector *c;
    HANDLE thread;           /* NULL for the collecting thread itself */
    struct hl__namer *namer; /* its own File-name worker */
    struct hl__qbuf qb;      /* its name query buffer */
    /* File duplicates waiting to be named on the worker, in one batch,
     * and the raw handle each belongs to */
    HANDLE fdup[HL__NAMER_BATCH];
    size_t fidx[HL__NAMER_BATCH];
    size_t nf;
    int no_namer; /* its worker did not start in time: File names are
                   * "timed out" from then on, with no new worker */
    char *arena;             /* the strings of its slots */
    size_t len;
    size_t cap;
    int err;
    DWORD dup_error; /* why duplication failed, when err is HL_EEXITED */
    unsigned index;
};

/* What each query loop asks. */
enum query_kind {
    QUERY_PROCESS_HANDLES, /* NtQueryInformationProcess(51) */
    QUERY_SYSTEM_HANDLES,  /* NtQuerySystemInformation(64) */
    QUERY_OBJECT_TYPES     /* NtQueryObject(NULL, 3) */
};

struct collector {
    const struct hl_nt_api *api;
    const struct hl_collect_opts *opts;
    struct hl_collect_diag *diag;
    struct hl_snapshot *s;
    HANDLE proc;
    int can_query_info; /* proc holds PROCESS_QUERY_INFORMATION */
    unsigned timeout_ms;
    ULONGLONG deadline; /* GetTickCount64() past which the collection
                         * stops with HL_ETIMEDOUT */
    LONG volatile timed_out;
    unsigned os_major;
    unsigned os_minor;
    struct raw_handle *raw;
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
    int guard; /* File names on the timed worker */
    /* enum kind of each confirmed type index, KIND_ASK for the others */
    unsigned char kind[HL__TYPEMAP_SIZE];
    struct slot *slots; /* one per raw handle */
    LONG volatile next; /* the next raw handle to claim */
    LONG volatile stop; /* set by a thread that failed */
    struct friendly *fcache; /* by NT name id */
    struct hl_target *targets; /* one per raw handle: what became of the
                                * target of each Process and Thread */
    size_t fcap;
};

/* Interns str and frees it, whatever happens. */
int hl__intern_owned(struct hl_snapshot *s, char *str, uint32_t *id);

/* Duplicates h of the target into this process with the given access (0:
 * the same); NULL when refused. */
HANDLE hl__dup_from_target(struct collector *c, uint64_t h, DWORD access);

/*
 * Asks a variable-length query, growing the buffer on a size status,
 * bounded in attempts and bytes. On success *out (freed with hl__free)
 * holds *out_len meaningful bytes.
 */
int hl__query_loop(struct collector *c, enum query_kind kind, ULONG first,
                   void **out, ULONG *out_len);

/* Fills c->raw with the target's handles and the snapshot's method. */
int hl__enumerate(struct collector *c);

/* When the target is this process, leaves out the collector's own handle
 * on it. */
void hl__drop_own_handles(struct collector *c);

/* Reads the type list into c->types (not fatal when refused). */
int hl__build_typemap(struct collector *c);

/* What the name threads do with a handle of this type name. */
enum kind hl__kind_of(const char *type);

/* Confirms each type index on one duplicate and sets c->kind. Returns 0,
 * HL_ENOMEM, HL_ETOOBIG or HL_ETIMEDOUT (past the deadline). */
int hl__confirm_types(struct collector *c);

/* 1 once the collection's deadline has passed (and from then on: the
 * name threads stop). */
int hl__past_deadline(struct collector *c);

/* What is left of the deadline, in milliseconds (0 when past). */
unsigned hl__deadline_left(const struct collector *c);

#endif
