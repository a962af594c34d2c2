#ifndef HLEAK_CORE_SYSTEM_INT_H
#define HLEAK_CORE_SYSTEM_INT_H

/*
 * The whole-system view behind hleak/system.h, taken by a platform
 * (src/win/sysquery-win.c) and read by system.c. It keeps every handle,
 * so what builds on it (a name search over all processes, a whole-system
 * snapshot) reads the one query: each handle's pid, value, type and
 * access, grouped by process. One read back from a whole-system
 * snapshot file (syssnap.c) has the counts only: no handle list.
 */

#include <stddef.h>
#include <stdint.h>

struct hl_snapshot;

/* One handle of the system-wide list. */
struct hl__sys_handle {
    uint64_t pid;
    uint64_t value;
    uint32_t access;
    uint32_t attributes;
    uint32_t type_index; /* the system's numbering */
    uint32_t type;       /* the slot in hl_system's types */
};

struct hl__sys_proc {
    uint64_t pid;
    uint64_t start;    /* CreateTime; 0 for the system's own */
    uint64_t reported; /* the process list's HandleCount */
    uint64_t handles;  /* counted in the handle list, or UINT64_MAX */
    size_t first;      /* its handles: handles[first..first + nheld) */
    size_t nheld;
    uint32_t image;    /* string id in names */
    uint32_t gdi, user;
    int gui_known;
};

struct hl_system {
    uint64_t time; /* just before the handle list was read */
    struct hl__sys_proc *procs; /* by pid */
    size_t nprocs;
    struct hl__sys_handle *handles; /* by pid, then value */
    size_t nhandles;
    size_t vanished; /* handles of processes gone before the list of
                      * processes was read */
    uint32_t *type_names; /* string ids in names, by name */
    size_t ntypes;
    uint32_t *counts;     /* nprocs rows of ntypes */
    struct hl_snapshot *names; /* the string table only */
    /* what a whole-system snapshot file records of the take */
    uint64_t duration_us;
    unsigned flags; /* the HL_SYSTEM_* it was taken with */
    uint32_t host, os_version, hleak_version, method; /* ids in names */
};

/* A new empty view (no processes, no types) to fill in; 0 or
 * HL_ENOMEM. */
int hl__system_new(struct hl_system **out);

#endif
