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
