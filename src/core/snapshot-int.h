#ifndef HLEAK_CORE_SNAPSHOT_INT_H
#define HLEAK_CORE_SNAPSHOT_INT_H

/*
 * The internal half of hleak/snapshot.h: the snapshot's layout, with its
 * capacities, and the calls that build one. The core, the tool and the
 * tests use the fields directly and keep snapshots on the stack
 * (hl_snapshot_init() / hl_snapshot_release()); a user of the installed
 * library sees only the opaque type and its accessors, so none of this
 * is ABI.
 */

#include <stddef.h>
#include <stdint.h>

#include "hleak/snapshot.h"
#include "strtab.h"

/*
 * A module (DLL or EXE) loaded in the process, for resolving stack
 * addresses to "app.exe+0x1234".
 */
struct hl_module {
    uint64_t base;      /* load address */
    uint32_t size;      /* bytes of address space from base */
    uint32_t timestamp; /* the PE header's TimeDateStamp, 0 if unknown */
    uint32_t name;      /* string id: the module's path or file name */
};

/* A stack trace: frames[first .. first + depth) of the snapshot. */
struct hl_stack {
    size_t first;       /* index of the innermost frame in frames */
    uint32_t depth;     /* number of frames */
    uint32_t thread_id; /* thread that ran it, 0 if unknown */
};

/*
 * A stack address named by a debugger ("app.exe!Server::Open+0x12
 * (server.cpp:34)"), stored so any machine shows it.
 */
struct hl_symbol {
    uint64_t address;
    uint32_t text; /* string id */
};

/* Set in hl_handle_extra.flags when the counts are known. */
#define HL_EXTRA_COUNTS 1u

/*
 * What some sources (dumps, handle tracing) know of a handle beyond the
 * 24-byte record; kept in a side array made only when needed.
 */
struct hl_handle_extra {
    uint32_t flags;         /* HL_EXTRA_COUNTS */
    uint32_t open_stack;    /* index of its open stack + 1, 0 = none */
    uint32_t handle_count;  /* handles to the object, all processes */
    uint32_t pointer_count; /* references to the object */
    uint32_t object_info;   /* string id: "tid 12 in pid 34", ... */
};

/* What kind of object a handle's details describe (hl_details.kind);
 * the numbers are the file format's (docs/FORMAT.md, HDTL). */
enum hl_details_kind {
    HL_DETAILS_NONE,
    HL_DETAILS_EVENT,
    HL_DETAILS_MUTANT,
    HL_DETAILS_SEMAPHORE,
    HL_DETAILS_SECTION,
    HL_DETAILS_TIMER,
    HL_DETAILS_FILE,
    HL_DETAILS_TOKEN,
    HL_DETAILS_KEY,
    HL_DETAILS_KIND_COUNT
};

/* Set in hl_details.known: which of the kind's two queries answered. */
#define HL_DETAILS_BASIC 1u /* the first (all kinds) */
#define HL_DETAILS_MORE 2u  /* the second: Mutant owner, File mode */

/*
 * What the object of a handle told about itself (snapshot --details),
 * tagged by kind; a field of a query that did not answer is 0 and its
 * bit in known is clear ("unknown"). By kind:
 *   EVENT      a = 0 notification, 1 synchronization; b = signaled (0/1)
 *   MUTANT     a = current count (1 free, <= 0 owned); b = abandoned;
 *              MORE: c = owner pid, d = owner tid (0 = not owned)
 *   SEMAPHORE  a = current count; b = maximum count
 *   SECTION    a = maximum size in bytes; b = allocation attributes
 *              (SEC_IMAGE 0x1000000, SEC_FILE 0x800000)
 *   TIMER      b = signaled
 *   FILE       a = device type (FILE_DEVICE_*); MORE: b = mode
 *              (FILE_SYNCHRONOUS_IO_ALERT 0x10, _NONALERT 0x20)
 *   TOKEN      text = the user's SID ("S-1-5-21-...")
 *   KEY        a = last write time, FILETIME UTC
 */
struct hl_details {
    uint32_t kind;  /* enum hl_details_kind */
    uint32_t known; /* HL_DETAILS_BASIC | HL_DETAILS_MORE */
    int64_t a, b;
    uint64_t c, d;
    uint32_t text;  /* string id, 0 = none */
};

/*
 * What hleak saw of one process at one moment (hleak/snapshot.h). Times
 * are Windows FILETIME values: 100-ns intervals since 1601-01-01 UTC; 0
 * means unknown.
 */
struct hl_snapshot {
    uint64_t pid;
    uint64_t start_time;    /* process creation time: tells PID reuse */
    uint64_t taken_at;      /* when collection started, UTC */
    uint64_t duration_us;   /* how long collection took */
    uint32_t wow64;         /* 1 = 32-bit on 64-bit Windows, 0, or unknown */
    uint32_t image;         /* full image path */
    uint32_t host;          /* computer name */
    uint32_t os_version;    /* "Windows 10.0.19045" */
    uint32_t hleak_version; /* version of the hleak that took it */
    uint32_t method;        /* enumeration used ("ProcessHandleInformation") */
    struct hl_strtab strings;
    struct hl_handle *handles;
    size_t count;           /* handles in use */
    size_t cap;             /* handles allocated */
    uint64_t *objects;      /* kernel object address of each handle, or
                             * NULL while no handle has one */
    size_t objects_cap;     /* elements allocated in objects */
    struct hl_handle_extra *extras; /* per handle, or NULL while none */
    size_t extras_cap;      /* elements allocated in extras */
    struct hl_module *modules;
    size_t nmodules, modules_cap;
    struct hl_stack *stacks;
    size_t nstacks, stacks_cap;
    uint64_t *frames;       /* return addresses of every stack */
    size_t nframes, frames_cap;
    struct hl_gui gui;      /* GUI object counts; flags 0 = none */
    struct hl_target *targets; /* per handle, or NULL while no handle
                                * has a target state */
    size_t targets_cap;     /* elements allocated in targets */
    struct hl_details *details; /* per handle, or NULL while no handle
                                 * has details */
    size_t details_cap;     /* elements allocated in details */
    struct hl_symbol *symbols; /* by increasing address */
    size_t nsymbols, symbols_cap;
    uint32_t access;        /* enum hl_access: could names be read */
    uint32_t collect_flags; /* HL_COLLECT_*; 0 = not recorded */
};

/* Prepares an empty snapshot. Returns 0 or HL_ENOMEM. */
int hl_snapshot_init(struct hl_snapshot *s);

/* Frees everything the snapshot holds. */
void hl_snapshot_release(struct hl_snapshot *s);

/* Appends a copy of *h. Returns 0, HL_ENOMEM or HL_ETOOBIG. */
int hl_snapshot_add(struct hl_snapshot *s, const struct hl_handle *h);

/*
 * Sets the kernel object address of handle i (< count); the side array is
 * made at the first nonzero address. Returns 0, HL_EINVAL or HL_ENOMEM.
 */
int hl_snapshot_set_object(struct hl_snapshot *s, size_t i, uint64_t object);

/*
 * The extras of handle i, or NULL when the snapshot has none for any
 * handle. A handle without extras reads as all zero.
 */
const struct hl_handle_extra *hl_snapshot_extra(const struct hl_snapshot *s,
                                                size_t i);

/*
 * Sets the object's handle and pointer counts of handle i (< count), or
 * its object information text (UTF-8, NULL or "" for none). Return 0,
 * HL_EINVAL, HL_ENOMEM or HL_ETOOBIG.
 */
int hl_snapshot_set_counts(struct hl_snapshot *s, size_t i,
                           uint32_t handle_count, uint32_t pointer_count);
int hl_snapshot_set_object_info(struct hl_snapshot *s, size_t i,
                                const char *text);

/* Sets the whole extra record of handle i (checked as the setters do). */
int hl_snapshot_set_extra(struct hl_snapshot *s, size_t i,
                          const struct hl_handle_extra *x);

/*
 * Sets what became of the target of handle i (< count); the side array is
 * made at the first state other than HL_TARGET_NONE. Returns 0, HL_EINVAL
 * (bad index, state or flags) or HL_ENOMEM.
 */
int hl_snapshot_set_target(struct hl_snapshot *s, size_t i,
                           const struct hl_target *t);

/*
 * Sets the details of handle i (< count); the side array is made at the
 * first kind other than HL_DETAILS_NONE. Returns 0, HL_EINVAL (bad index,
 * kind, known bits or string id, or fields on a NONE record) or
 * HL_ENOMEM.
 */
int hl_snapshot_set_details(struct hl_snapshot *s, size_t i,
                            const struct hl_details *d);

/* The details of handle i, or NULL when it has none. */
const struct hl_details *hl_snapshot_details(const struct hl_snapshot *s,
                                             size_t i);

/* Appends a module (name is UTF-8). Returns 0, HL_ENOMEM or HL_ETOOBIG. */
int hl_snapshot_add_module(struct hl_snapshot *s, const char *name,
                           uint64_t base, uint32_t size, uint32_t timestamp);

/*
 * Appends a stack of depth frames (innermost first) and sets *index to
 * its index. Returns 0, HL_ENOMEM or HL_ETOOBIG.
 */
int hl_snapshot_add_stack(struct hl_snapshot *s, uint32_t thread_id,
                          const uint64_t *frames, uint32_t depth,
                          uint32_t *index);

/* Makes stack (< nstacks) the open stack of handle i (< count). */
int hl_snapshot_set_handle_stack(struct hl_snapshot *s, size_t i,
                                 uint32_t stack);

/* The open stack of handle i, or NULL when it has none. */
const struct hl_stack *hl_snapshot_handle_stack(const struct hl_snapshot *s,
                                                size_t i);

/*
 * Records text (UTF-8) as the symbol of addr, replacing an earlier one.
 * Returns 0, HL_ENOMEM or HL_ETOOBIG.
 */
int hl_snapshot_add_symbol(struct hl_snapshot *s, uint64_t addr,
                           const char *text);

/* The stored symbol of addr, or NULL when it has none. */
const char *hl_snapshot_symbol(const struct hl_snapshot *s, uint64_t addr);

/*
 * Writes addr as its stored symbol when it has one, else
 * as "app.exe+0x1234" when a module covers it (the module's
 * file name, without its folder), else as "0x00007ff6...". Truncates to
 * len bytes, NUL included; returns buf.
 */
char *hl_snapshot_resolve(const struct hl_snapshot *s, uint64_t addr,
                          char *buf, size_t len);

/* Interns a NUL-terminated UTF-8 string (NULL counts as ""). */
int hl_snapshot_intern(struct hl_snapshot *s, const char *str, uint32_t *id);

#endif
