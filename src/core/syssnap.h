#ifndef HLEAK_CORE_SYSSNAP_H
#define HLEAK_CORE_SYSSNAP_H

/*
 * The whole-system snapshot file (format version 2, docs/FORMAT.md):
 * a struct hl_system's processes and counts, written by `hleak snapshot
 * --all` and read by `show` and `diff`. The public side is
 * hl_system_save() / hl_system_load() in hleak/system.h.
 */

#include <stddef.h>

#include "hleak/snapfile.h"

struct hl_system;

/* Encodes sys into a new buffer (free with hl__free()); 0 or HL_ENOMEM. */
int hl__syssnap_encode(const struct hl_system *sys, unsigned char **out,
                       size_t *out_len);

/* Decodes a whole-system snapshot into a new view (*out). Returns 0, or
 * HL_ENOTSNAP (also for a process snapshot), HL_ETRUNC, HL_ECHECKSUM,
 * HL_ECORRUPT (info says where), HL_EVERSION or HL_ENOMEM. info may be
 * NULL. */
int hl__syssnap_decode(const unsigned char *buf, size_t len,
                       struct hl_system **out, struct hl_snapfile_info *info);

/* Reads and decodes the file at path, as hl__syssnap_decode(). */
int hl__syssnap_read(const char *path, struct hl_system **out,
                     struct hl_snapfile_info *info);

/* True when buf looks like a whole-system snapshot (magic, version 2);
 * the decoder still checks everything. */
int hl__syssnap_sniff(const unsigned char *buf, size_t len);

#endif
