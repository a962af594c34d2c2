#ifndef HLEAK_HLEAK_SYSTEM_H
#define HLEAK_HLEAK_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The whole system at one moment: every process with its handle counts,
 * per type, from one system-wide handle query, so a process hleak may not
 * open still has its counts. Needs HL_CAP_SYSTEM (hleak/caps.h); without
 * it hl_system_take() returns HL_ENOTSUP.
 */
struct hl_system;

/* hl_system_take() flags: also read each process's GDI and USER counts
 * (this opens each process; those that refuse have them unknown). */
#define HL_SYSTEM_GUI 0x1u
/* ... and the names of its handles: hl_system_read_names() with its
 * default options. */
#define HL_SYSTEM_NAMES 0x2u

/* A count hleak could not read (not a 0). */
#define HL_SYSTEM_UNKNOWN UINT64_MAX

/*
 * Takes the system's process list and handle counts into *out (free with
 * hl_system_free()). Returns 0, HL_ENOTSUP, HL_ENOMEM, HL_EACCES (the
 * system refuses the query, as it does to low-integrity callers), or
 * another HL_E* code with the failing call in diag (may be NULL).
 */
int hl_system_take(unsigned flags, struct hl_system **out,
                   struct hl_diag *diag);

void hl_system_free(struct hl_system *sys);

/* When it was taken: 100 ns units since 1601 UTC. */
uint64_t hl_system_time(const struct hl_system *sys);

/* Processes, by increasing pid; i below runs over 0..count-1. */
size_t hl_system_count(const struct hl_system *sys);
uint64_t hl_system_pid(const struct hl_system *sys, size_t i);

/* When process i started (100 ns units since 1601 UTC; 0 for the
 * system's own processes, which have none). With the pid it identifies
 * the process across two takes: a pid alone may be reused. */
uint64_t hl_system_start_time(const struct hl_system *sys, size_t i);

/* The image's file name ("app.exe"); "" for the idle process. */
const char *hl_system_image(const struct hl_system *sys, size_t i);

/* Handles of process i, counted in the system-wide list; or
 * HL_SYSTEM_UNKNOWN for a process that started after that list was read
 * (it is in the process list, read just after). */
uint64_t hl_system_handles(const struct hl_system *sys, size_t i);

/* The handle count the process list itself reports for process i
 * (SystemProcessInformation's HandleCount). hl_system_handles() does not
 * use it: Wine 8 reports the size of its handle table there (32, 64,
 * 128, ...), not the handles, and only the handle list has them per
 * type. */
uint64_t hl_system_reported_handles(const struct hl_system *sys, size_t i);

/* Handle types seen in the system-wide list, t over 0..ntypes-1, by
 * name; a type the system would not name is "(type N)". */
size_t hl_system_ntypes(const struct hl_system *sys);
const char *hl_system_type_name(const struct hl_system *sys, size_t t);

/* Handles of type t held by process i (HL_SYSTEM_UNKNOWN as
 * hl_system_handles()). */
uint64_t hl_system_type_count(const struct hl_system *sys, size_t i,
                              size_t t);

/* GDI and USER objects of process i: 1 with *gdi and *user set, 0 when
 * unknown (not asked, the process could not be opened, or the system
 * does not count them for it). */
int hl_system_gui(const struct hl_system *sys, size_t i, uint32_t *gdi,
                  uint32_t *user);

/* What a take with HL_SYSTEM_NAMES (or a file of one) knows of the
 * names of process i (hl_system_names()). */
enum hl_system_names_state {
    HL_SYSTEM_NAMES_NONE,    /* not asked: no HL_SYSTEM_NAMES, no handle
                              * of a named type, or hleak itself */
    HL_SYSTEM_NAMES_READ,    /* asked; its named handles follow */
    HL_SYSTEM_NAMES_REFUSED, /* it refused handle duplication */
    HL_SYSTEM_NAMES_EXITED   /* it exited before it could be named */
};

/*
 * Reads the names of every process's handles of the named types
 * (hl_find_default_types()) into sys, a view just taken, on the bounded
 * name workers `snapshot` uses: each process holding some is opened
 * once, and those that refuse or exit are marked (hl_system_names()),
 * not skipped. This process's own handles are passed over. Options as
 * hl_find_opts's (0: the defaults). Returns 0 (also when sys has names
 * already), HL_ENOTSUP, HL_EINVAL (a view read from a file: it has no
 * handles to name), HL_ENOMEM or HL_ETIMEDOUT (past the deadline: sys
 * then has no names).
 */
int hl_system_read_names(struct hl_system *sys, unsigned name_timeout_ms,
                         unsigned threads, unsigned deadline_ms);

/* 1 when sys was taken with names (HL_SYSTEM_NAMES, or read from a file
 * that has them), else 0. */
int hl_system_has_names(const struct hl_system *sys);

/* The names state of process i (enum hl_system_names_state); *why (may
 * be NULL) is set to the refusal (HL_ACCESS_PROTECTED, _ELEVATED or
 * _DENIED) when it is HL_SYSTEM_NAMES_REFUSED. *asked and *timeouts
 * (may be NULL) are set to the handles whose names were asked and those
 * whose query timed out (their names are unknown, not empty). */
int hl_system_names(const struct hl_system *sys, size_t i, uint32_t *why,
                    uint64_t *asked, uint64_t *timeouts);

/* The named handles of process i, k over 0..hl_system_name_count()-1, by
 * value: handles of the named types whose name was read and is not
 * empty (an unnamed event has none). */
size_t hl_system_name_count(const struct hl_system *sys, size_t i);
uint64_t hl_system_name_value(const struct hl_system *sys, size_t i,
                              size_t k);
/* The type's slot (hl_system_type_name()) */
size_t hl_system_name_type(const struct hl_system *sys, size_t i, size_t k);
/* The friendly name ("C:\logs\app.log") and the NT name. */
const char *hl_system_name(const struct hl_system *sys, size_t i, size_t k);
const char *hl_system_name_nt(const struct hl_system *sys, size_t i,
                              size_t k);

/*
 * Who holds a handle with a given name (`hleak find`): every process of
 * a whole-system view whose handles of the requested types have a name
 * matching a pattern. Needs HL_CAP_FIND (hleak/caps.h); without it
 * hl_system_find() returns HL_ENOTSUP.
 */
struct hl_find;

struct hl_find_opts {
    /* A glob ('*' any run, '?' one character), case ignored, matched
     * against the whole friendly name and the whole NT name, as
     * `--ignore` matches; a pattern with neither '*' nor '?' matches
     * where it appears anywhere in a name (as handle.exe does). */
    const char *pattern;
    /* Type names to search (ASCII case ignored); NULL or none: the named
     * types of hl_find_default_types(). Only these handles are named. */
    const char *const *types;
    size_t ntypes;
    unsigned name_timeout_ms; /* per name query; 0: 1000 */
    unsigned threads;         /* name threads; 0: as hl_collect() */
    unsigned deadline_ms;     /* the whole search; 0: 5 minutes */
};

/* The types searched when none are given, n of them. */
const char *const *hl_find_default_types(size_t *n);

/*
 * Names the candidate handles of every process in sys (this process's
 * own are passed over) on the bounded name workers `snapshot` uses, and
 * keeps those that match into *out (free with hl_find_free()). A process
 * that refuses handle duplication is kept apart (hl_find_refused()), not
 * skipped. Returns 0, HL_ENOTSUP, HL_EINVAL, HL_ENOMEM, HL_ETIMEDOUT
 * (past the deadline) or another HL_E* code with the failing call in diag
 * (may be NULL).
 */
int hl_system_find(const struct hl_system *sys,
                   const struct hl_find_opts *opts, struct hl_find **out,
                   struct hl_diag *diag);

void hl_find_free(struct hl_find *f);

/* The matching handles, by pid then handle value; i over 0..count-1. */
size_t hl_find_count(const struct hl_find *f);
uint64_t hl_find_pid(const struct hl_find *f, size_t i);
const char *hl_find_image(const struct hl_find *f, size_t i);
uint64_t hl_find_value(const struct hl_find *f, size_t i);
const char *hl_find_type(const struct hl_find *f, size_t i);
uint32_t hl_find_access(const struct hl_find *f, size_t i);
/* The friendly name ("C:\logs\app.log") and the NT name
 * ("\Device\HarddiskVolume1\logs\app.log"). */
const char *hl_find_name(const struct hl_find *f, size_t i);
const char *hl_find_nt_name(const struct hl_find *f, size_t i);

/* Processes with candidate handles that could not be searched, j over
 * 0..hl_find_nrefused()-1: pid, image, the candidate handles left
 * unnamed, and why (HL_ACCESS_PROTECTED, _ELEVATED or _DENIED, as
 * hl_access_str() words them). */
size_t hl_find_nrefused(const struct hl_find *f);
uint64_t hl_find_refused_pid(const struct hl_find *f, size_t j);
const char *hl_find_refused_image(const struct hl_find *f, size_t j);
uint64_t hl_find_refused_handles(const struct hl_find *f, size_t j);
uint32_t hl_find_refused_why(const struct hl_find *f, size_t j);

/* What the search did: processes searched (with candidates, opened),
 * handles whose names were asked, name queries that timed out (the
 * handle could not be matched), and processes that exited before they
 * could be searched. */
size_t hl_find_searched(const struct hl_find *f);
uint64_t hl_find_asked(const struct hl_find *f);
uint64_t hl_find_timeouts(const struct hl_find *f);
size_t hl_find_exited(const struct hl_find *f);
/* The computer name the take was on; "" when not known. */
const char *hl_system_host(const struct hl_system *sys);

/*
 * Whole-system snapshot files (`hleak snapshot --all`, format version 2
 * of docs/FORMAT.md): the processes, their start times, images and
 * counts per type; not the handles themselves. Portable: a file taken on
 * Windows loads anywhere.
 *
 * hl_system_save() writes sys to path atomically; 0, HL_EINVAL, HL_ENOMEM
 * or a file error. hl_system_load() reads one into a new view (*out,
 * free with hl_system_free()); 0, HL_EINVAL, a file error, HL_ENOTSNAP
 * (also for a snapshot of one process: hl_snapshot_load() reads those),
 * HL_ETRUNC, HL_ECHECKSUM, HL_ECORRUPT, HL_EVERSION or HL_ENOMEM.
 */
int hl_system_save(const struct hl_system *sys, const char *path);
int hl_system_load(const char *path, struct hl_system **out);

#ifdef __cplusplus
}
#endif

#endif
