#ifndef HLEAK_HLEAK_SNAPSHOT_H
#define HLEAK_HLEAK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/strtab.h"

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

/* How the wow64 field reads. */
#define HL_WOW64_UNKNOWN 2u

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

/* Interns a NUL-terminated UTF-8 string (NULL counts as ""). */
int hl_snapshot_intern(struct hl_snapshot *s, const char *str, uint32_t *id);

/* The string for id; "" for an id out of range, never NULL. */
const char *hl_snapshot_str(const struct hl_snapshot *s, uint32_t id);

/* The last path component of the image ("app.exe"); "" when unknown. */
const char *hl_snapshot_image_name(const struct hl_snapshot *s);

#endif
