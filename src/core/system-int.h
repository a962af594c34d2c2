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

/* One named handle of a take with names (HL_SYSTEM_NAMES). */
struct hl__sys_name {
    uint64_t value;
    uint32_t type;          /* the slot in hl_system's types */
    uint32_t name, nt_name; /* string ids in names */
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
    /* with names: HL_SYSTEM_NAMES_*, why refused (HL_ACCESS_*), the
     * candidates asked and those whose query timed out, and its named
     * handles: named[named_first..named_first + nnamed), by value */
    uint32_t names_state, names_why;
    uint64_t names_asked, name_timeouts;
    size_t named_first, nnamed;
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
    struct hl__sys_name *named; /* by process, then value */
    size_t nnamed, named_cap;
    size_t named_upto; /* one past the last process given names */
    struct hl_snapshot *names; /* the string table only */
    /* what a whole-system snapshot file records of the take */
    uint64_t duration_us;
    unsigned flags; /* the HL_SYSTEM_* it was taken with */
    uint32_t host, os_version, hleak_version, method; /* ids in names */
};

/* A new empty view (no processes, no types) to fill in; 0 or
 * HL_ENOMEM. */
int hl__system_new(struct hl_system **out);

/* Appends a named handle to process i, which must be the last process
 * given names (names are added process by process, in pid order, each
 * by increasing value); name and nt_name are UTF-8 (NULL: ""). The type
 * is a slot of sys's types. Returns 0, HL_EINVAL (out of order, bad
 * slot), HL_ENOMEM or HL_ETOOBIG. */
int hl__system_add_name(struct hl_system *sys, size_t i, uint64_t value,
                        uint32_t type, const char *name,
                        const char *nt_name);
/* The same with string ids of sys->names (checked). */
int hl__system_add_name_ids(struct hl_system *sys, size_t i, uint64_t value,
                            uint32_t type, uint32_t name, uint32_t nt_name);

#endif
