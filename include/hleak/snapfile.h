#ifndef HLEAK_HLEAK_SNAPFILE_H
#define HLEAK_HLEAK_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "hleak/snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The format version of a snapshot of one process, which this hleak
 * writes and reads. */
#define HL_SNAPFILE_VERSION 1u

/* The format version of a whole-system snapshot (hleak/system.h): the
 * newest this hleak reads. Older hleaks refuse it as newer (HL_EVERSION)
 * instead of reading it as a process without handles. */
#define HL_SYSFILE_VERSION 2u

/* Details of a refused file, for the message shown to the user. */
struct hl_snapfile_info {
    uint32_t version; /* format version found in the header, 0 if none */
    int line;         /* source line that detected corruption, 0 if none */
    uint64_t offset;  /* with line: the byte (or the section) at fault */
};

/*
 * Encodes s into a new buffer (*out, *out_len), which the caller frees with
 * hl_free(). On failure the outputs are untouched. Returns 0 or HL_ENOMEM.
 */
int hl_snapfile_encode(const struct hl_snapshot *s, unsigned char **out,
                       size_t *out_len);

/*
 * Decodes len bytes at buf into *out, which must be empty (made by
 * hl_snapshot_new()).
 * Returns 0, or HL_ENOTSNAP, HL_ETRUNC, HL_ECHECKSUM, HL_ECORRUPT,
 * HL_EVERSION, HL_ESYSSNAP (a whole-system snapshot: hl_system_load()
 * reads it) or HL_ENOMEM; on failure *out is left empty. info may be NULL.
 */
int hl_snapfile_decode(const unsigned char *buf, size_t len,
                       struct hl_snapshot *out, struct hl_snapfile_info *info);

/* True when buf starts with the snapshot magic (content detection). */
int hl_snapfile_sniff(const unsigned char *buf, size_t len);

/* Writes s to path atomically: a temporary file beside it, then a rename. */
int hl_snapfile_write(const char *path, const struct hl_snapshot *s);

/* Reads and decodes the file at path, as hl_snapfile_decode(). */
int hl_snapfile_read(const char *path, struct hl_snapshot *out,
                     struct hl_snapfile_info *info);

/* Writes s to the snapshot file at path (UTF-8), atomically, as
 * hl_snapfile_write(). Returns 0, HL_ENOMEM or a file error (HL_ENOENT,
 * HL_EACCES, HL_EIO). */
int hl_snapshot_save(const char *path, const struct hl_snapshot *s);

/*
 * Loads the snapshot file or Windows minidump at path (told apart by
 * content) into a new snapshot (*out). Portable: works on every OS.
 * Ownership as hl_snapshot_take() (collect.h). Returns 0, HL_EINVAL, a
 * file error, or a format error: HL_ENOTSNAP, HL_ETRUNC, HL_ECHECKSUM,
 * HL_ECORRUPT, HL_EVERSION, HL_ENOHANDLES, HL_ENOMEM, or HL_ESYSSNAP for
 * a whole-system snapshot (hl_system_load() in hleak/system.h reads it).
 */
int hl_snapshot_load(const char *path, struct hl_snapshot **out);

#ifdef __cplusplus
}
#endif

#endif
