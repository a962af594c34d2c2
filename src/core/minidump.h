#ifndef HLEAK_CORE_MINIDUMP_H
#define HLEAK_CORE_MINIDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot-int.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reading the handles of a Windows minidump (.dmp): the handle data
 * stream, and with it the handle operation list that Application
 * Verifier's handle tracing leaves, the module list, and the process
 * facts of the misc-info and system-info streams. Portable: a dump from a
 * customer is read the same on Linux as on Windows. docs/dumps.md says
 * what is read and what was verified where.
 */

/* What the reader found, for messages and tests; zero when absent. */
struct hl_minidump_info {
    int line;                 /* source line of the check that refused the
                               * file as corrupt, 0 if none */
    uint64_t offset;          /* with line: the byte of the file at fault */
    uint64_t flags;           /* the header's MINIDUMP_TYPE flags: what its
                               * writer was asked to record */
    uint32_t streams;         /* entries in the stream directory */
    uint32_t descriptor_size; /* bytes per handle descriptor: 32, 40... */
    uint32_t handles;         /* handle descriptors read */
    uint32_t object_infos;    /* object information records read */
    uint32_t operations;      /* handle trace operations read */
    uint32_t modules;         /* modules read */
    uint32_t stacks;          /* handles given their open stack */
    int has_misc;             /* a misc-info stream gave the pid */
    int has_system;           /* a system-info stream was read */
};

/* True when buf starts with the minidump signature "MDMP". */
int hl_minidump_sniff(const unsigned char *buf, size_t len);

/*
 * Reads the dump of len bytes at buf into *out, which must be initialised
 * and empty: method "minidump", pid and start time (misc info), OS version
 * (system info), image (first module), taken_at (the header's time), and
 * one handle per descriptor, sorted by value, with its counts, object
 * information and open stack as extras. Every offset, size and count is
 * checked against len: the file is untrusted.
 *
 * Returns 0, or HL_ENOTDUMP, HL_ETRUNC (the file, or data it points to,
 * ends early), HL_ECORRUPT (info->offset says where), HL_ENOHANDLES (a
 * valid dump without a handle data stream) or HL_ENOMEM; on failure *out
 * is left empty. info may be NULL.
 */
int hl_minidump_read(const unsigned char *buf, size_t len,
                     struct hl_snapshot *out, struct hl_minidump_info *info);

#ifdef __cplusplus
}
#endif

#endif
