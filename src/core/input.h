#ifndef HLEAK_CORE_INPUT_H
#define HLEAK_CORE_INPUT_H

#include <stddef.h>

#include "minidump.h"
#include "hleak/snapfile.h"
#include "snapshot-int.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an input file turned out to be, by its content. */
enum hl_input_kind {
    HL_INPUT_UNKNOWN,  /* unreadable, or neither of the below */
    HL_INPUT_SNAPSHOT, /* an hleak snapshot file */
    HL_INPUT_DUMP      /* a Windows minidump */
};

/* Details of a read, for messages. */
struct hl_input_info {
    enum hl_input_kind kind;
    struct hl_snapfile_info snap; /* when kind is HL_INPUT_SNAPSHOT */
    struct hl_minidump_info dump; /* when kind is HL_INPUT_DUMP */
};

/*
 * Decodes len bytes at buf, a snapshot file or a minidump told apart by
 * their signatures, into *out (initialised, empty). Returns 0 or the
 * error of hl_snapfile_decode() or hl_minidump_read(); HL_ENOTSNAP when
 * the content is neither. info may be NULL.
 */
int hl_input_decode(const unsigned char *buf, size_t len,
                    struct hl_snapshot *out, struct hl_input_info *info);

/* Reads the file at path and decodes it as hl_input_decode(). */
int hl_input_read(const char *path, struct hl_snapshot *out,
                  struct hl_input_info *info);

#ifdef __cplusplus
}
#endif

#endif
