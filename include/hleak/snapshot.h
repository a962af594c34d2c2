#ifndef HLEAK_HLEAK_SNAPSHOT_H
#define HLEAK_HLEAK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/strtab.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Why a handle's name could not be read. The handle is kept in the
 * snapshot either way; the name is then empty.
 */
#define HL_NAME_ERR_MAP(XX)                                                  \
    XX(NONE, "")                                                             \
    XX(ACCESS, "access denied")                                              \
    XX(NODUP, "not duplicable")                                              \
    XX(TIMEOUT, "timed out")                                                 \
    XX(QUERY, "query failed")                                                \
    XX(SKIPPED, "not queried")

enum hl_name_err {
#define HL__NAME_ERR_ENUM(code, msg) HL_NAME_ERR_##code,
    HL_NAME_ERR_MAP(HL__NAME_ERR_ENUM)
#undef HL__NAME_ERR_ENUM
    HL_NAME_ERR_COUNT
};

/* The text for a name error ("" for HL_NAME_ERR_NONE), or NULL if unknown. */
const char *hl_name_err_str(uint32_t err);

/*
 * One open handle of the target process. Strings are ids in the snapshot's
 * string table. 24 bytes, because `hleak diff` holds two snapshots of a
 * million handles each; kernel object addresses, which most snapshots lack,
 * live in a side array (hl_snapshot_object()).
 */
struct hl_handle {
    /* the handle value in the target: 32 bits on every Windows, 64-bit
     * included ("only the lower 32 bits are significant", Microsoft's
     * notes on 32/64-bit interoperability) */
    uint32_t value;
    uint32_t granted_access; /* access mask the handle was opened with */
    uint32_t type;           /* type name ("Event", "File", ...) */
    uint32_t name;           /* friendly name ("C:\\x", "HKLM\\...") */
    uint32_t nt_name;        /* the raw NT name ("\\Device\\...") */
    uint16_t attributes;     /* OBJ_PROTECT_CLOSE 0x1, OBJ_INHERIT 0x2 */
    uint8_t name_err;        /* enum hl_name_err */
    uint8_t reserved;        /* 0 */
};

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

/* What became of the process or thread a Process or Thread handle
 * points to (hl_target.state). */
enum hl_target_state {
    HL_TARGET_NONE,    /* not asked: another type, or not recorded */
    HL_TARGET_ALIVE,   /* still running */
    HL_TARGET_EXITED,  /* exited; the handle keeps its object alive */
    HL_TARGET_UNKNOWN, /* asked, but the answer could not be read */
    HL_TARGET_STATE_COUNT
};

/* Set in hl_target.flags when exit_code is known. */
#define HL_TARGET_HAS_CODE 1u

/* The process or thread behind a Process or Thread handle. */
struct hl_target {
    uint64_t exit_time; /* FILETIME UTC of the exit, 0 = unknown */
    uint32_t id;        /* its pid or tid, 0 = unknown */
    uint32_t exit_code; /* with HL_TARGET_HAS_CODE (exited only) */
    uint8_t state;      /* enum hl_target_state */
    uint8_t flags;      /* HL_TARGET_HAS_CODE */
};

/* hl_gui.flags: the counts were asked; the system reported the current
 * counts; it reported the peaks. HL_GUI_ASKED alone means the system
 * does not report GUI objects (not that there are none). */
#define HL_GUI_ASKED 1u
#define HL_GUI_COUNTS 2u
#define HL_GUI_PEAKS 4u
#define HL_GUI_ALL 7u
/* In memory only (stored as HL_COLLECT_GUI_SESSION in the file): the
 * counts were not readable because the process is in another session. */
#define HL_GUI_OTHER_SESSION 8u

/* GDI and USER objects of the process (GetGuiResources). */
struct hl_gui {
    uint32_t flags;     /* HL_GUI_*; 0 = not recorded */
    uint32_t gdi;       /* GDI objects, with HL_GUI_COUNTS */
    uint32_t user;      /* USER objects, with HL_GUI_COUNTS */
    uint32_t gdi_peak;  /* the most GDI objects, with HL_GUI_PEAKS */
    uint32_t user_peak; /* the most USER objects, with HL_GUI_PEAKS */
};

/* How the wow64 field reads. */
#define HL_WOW64_UNKNOWN 2u

/*
 * Whether the names of the process's handles could be read at all
 * (hl_snapshot.access): a process that refuses PROCESS_DUP_HANDLE still
 * lists its handles, but every name is lost, for one reason.
 */
#define HL_ACCESS_MAP(XX)                                                    \
    XX(UNKNOWN, "not recorded")                                              \
    XX(FULL, "names readable")                                               \
    XX(PROTECTED, "protected process: names cannot be read")                 \
    XX(ELEVATED, "elevated process: run hleak elevated")                     \
    XX(DENIED, "handle duplication refused: names cannot be read")

enum hl_access {
#define HL__ACCESS_ENUM(code, msg) HL_ACCESS_##code,
    HL_ACCESS_MAP(HL__ACCESS_ENUM)
#undef HL__ACCESS_ENUM
    HL_ACCESS_COUNT
};

/* The text of an access state, or NULL if unknown. */
const char *hl_access_str(uint32_t access);

/* hl_snapshot.collect_flags: facts about how the collection ran. */
#define HL_COLLECT_RECORDED 1u     /* the flags below were recorded */
#define HL_COLLECT_DEBUG_PRIV 2u   /* SeDebugPrivilege was enabled */
#define HL_COLLECT_GUI_SESSION 4u  /* GUI counts not readable: the process
                                    * is in another session */
#define HL_COLLECT_TYPES_DROPPED 8u /* the system's type list disagreed
                                    * with a handle of known type: types
                                    * only from their duplicates */
#define HL_COLLECT_FLAGS_ALL 15u

/*
 * What hleak saw of one process at one moment. Times are Windows FILETIME
 * values: 100-ns intervals since 1601-01-01 UTC; 0 means unknown.
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

/* The kernel object address of handle i; 0 when not known. */
uint64_t hl_snapshot_object(const struct hl_snapshot *s, size_t i);

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

/* The target record of handle i, or NULL when the snapshot has none for
 * any handle. A handle without one reads as HL_TARGET_NONE. */
const struct hl_target *hl_snapshot_target(const struct hl_snapshot *s,
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

/* The string for id; "" for an id out of range, never NULL. */
const char *hl_snapshot_str(const struct hl_snapshot *s, uint32_t id);

/* The last path component of the image ("app.exe"); "" when unknown. */
const char *hl_snapshot_image_name(const struct hl_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif
