#ifndef HLEAK_HLEAK_SNAPSHOT_H
#define HLEAK_HLEAK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

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
    uint16_t attributes;     /* OBJ_PROTECT_CLOSE 0x1, OBJ_INHERIT 0x2,
                              * OBJ_AUDIT_OBJECT_CLOSE 0x4 */
    uint8_t name_err;        /* enum hl_name_err */
    uint8_t reserved;        /* 0 */
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
 * (hl_snapshot_access()): a process that refuses PROCESS_DUP_HANDLE still
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

/* hl_snapshot_collect_flags(): facts about how the collection ran. */
#define HL_COLLECT_RECORDED 1u     /* the flags below were recorded */
#define HL_COLLECT_DEBUG_PRIV 2u   /* SeDebugPrivilege was enabled */
#define HL_COLLECT_GUI_SESSION 4u  /* GUI counts not readable: the process
                                    * is in another session */
#define HL_COLLECT_TYPES_DROPPED 8u /* the system's type list disagreed
                                    * with a handle of known type: types
                                    * only from their duplicates */
#define HL_COLLECT_FLAGS_ALL 15u

/*
 * What hleak saw of one process at one moment: its handles and facts
 * about the process. Opaque: made by hl_snapshot_new(),
 * hl_snapshot_take() (collect.h) or hl_snapshot_load() (snapfile.h),
 * read through the functions below, freed by hl_snapshot_free(). Times
 * are Windows FILETIME values: 100-ns intervals since 1601-01-01 UTC; 0
 * means unknown.
 */
struct hl_snapshot;

/* Makes an empty snapshot (*out), for hl_collect() or
 * hl_snapfile_read() to fill. Returns 0, HL_EINVAL or HL_ENOMEM. */
int hl_snapshot_new(struct hl_snapshot **out);

/* Frees a snapshot made by any of the calls above; NULL is ignored. */
void hl_snapshot_free(struct hl_snapshot *s);

/* The number of handles. */
size_t hl_snapshot_count(const struct hl_snapshot *s);

/* Handle i (< hl_snapshot_count()), or NULL out of range; its strings
 * are ids for hl_snapshot_str(). Valid until the snapshot is freed. */
const struct hl_handle *hl_snapshot_handle(const struct hl_snapshot *s,
                                           size_t i);

/* The process: its id, its creation time (tells PID reuse), when the
 * collection started, its full image path ("" when unknown). */
uint64_t hl_snapshot_pid(const struct hl_snapshot *s);
uint64_t hl_snapshot_start_time(const struct hl_snapshot *s);
uint64_t hl_snapshot_taken_at(const struct hl_snapshot *s);
const char *hl_snapshot_image(const struct hl_snapshot *s);

/* The last path component of the image ("app.exe"); "" when unknown. */
const char *hl_snapshot_image_name(const struct hl_snapshot *s);

/* Whether names could be read (enum hl_access), and the HL_COLLECT_*
 * facts of how the collection ran (0: not recorded). */
uint32_t hl_snapshot_access(const struct hl_snapshot *s);
uint32_t hl_snapshot_collect_flags(const struct hl_snapshot *s);

/* The GDI and USER object counts (flags 0: not recorded). */
const struct hl_gui *hl_snapshot_gui(const struct hl_snapshot *s);

/* The kernel object address of handle i; 0 when not known. */
uint64_t hl_snapshot_object(const struct hl_snapshot *s, size_t i);

/* The target record of handle i, or NULL when the snapshot has none for
 * any handle. A handle without one reads as HL_TARGET_NONE. */
const struct hl_target *hl_snapshot_target(const struct hl_snapshot *s,
                                           size_t i);

/* The string for id; "" for an id out of range, never NULL. */
const char *hl_snapshot_str(const struct hl_snapshot *s, uint32_t id);

#ifdef __cplusplus
}
#endif

#endif
