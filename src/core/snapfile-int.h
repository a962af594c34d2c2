#ifndef HLEAK_CORE_SNAPFILE_INT_H
#define HLEAK_CORE_SNAPFILE_INT_H

/*
 * The byte level every snapshot file shares, whatever it holds (one
 * process: snapfile.c; the whole system: syssnap.c): the header, the
 * sections, varints and the string table. docs/FORMAT.md describes it.
 */

#include <stddef.h>
#include <stdint.h>

#include "hleak/snapfile.h"
#include "strtab.h"

#define SNAP_MAGIC "HLEAK\x1a\r\n"
#define SNAP_MAGIC_LEN 8
#define SNAP_HEADER_LEN 24
#define SNAP_OFF_VERSION 8
#define SNAP_OFF_LENGTH 12
#define SNAP_OFF_CRC 20
#define SNAP_SECTION_HEAD 12

#define SNAP_TAG(a, b, c, d)                                                 \
    ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |          \
     ((uint32_t)(d) << 24))
#define SNAP_TAG_STRS SNAP_TAG('S', 'T', 'R', 'S')

/* The fewest bytes a string can take (length 1, one byte): counts are
 * checked against it before anything is allocated. */
#define SNAP_MIN_STRING 2

/* Refuses the file as corrupt, noting which check fired. Used as
 * "return HL_CORRUPT(info);" so the control flow stays visible. */
#define HL_CORRUPT(info) hl__snap_corrupt((info), 0, __LINE__)
/* The same where the byte at fault is known; elsewhere the decoder names
 * the section that failed. */
#define HL_CORRUPT_AT(info, off) hl__snap_corrupt((info), (off), __LINE__)

int hl__snap_corrupt(struct hl_snapfile_info *info, uint64_t off, int line);

/* ---- writing ---- */

/* A growing output buffer; the first failure sticks in err, so the encoder
 * checks once at the end instead of after every byte. */
struct hl__wbuf {
    unsigned char *data;
    size_t len;
    size_t cap;
    int err;
};

unsigned char *hl__wb_reserve(struct hl__wbuf *wb, size_t n);
void hl__wb_bytes(struct hl__wbuf *wb, const void *p, size_t n);
void hl__wb_varint(struct hl__wbuf *wb, uint64_t v);
/* Starts a section; returns where its length goes, for wb_end_section. */
size_t hl__wb_begin_section(struct hl__wbuf *wb, uint32_t tag);
void hl__wb_end_section(struct hl__wbuf *wb, size_t len_at);
/* The header, its length and checksum left for hl__wb_finish(). */
void hl__wb_header(struct hl__wbuf *wb, uint32_t version);
/* A STRS body. */
void hl__wb_strings(struct hl__wbuf *wb, const struct hl_strtab *st);
/* Fills in the length and the checksum and hands the buffer over; on an
 * earlier failure frees it and returns that error. */
int hl__wb_finish(struct hl__wbuf *wb, unsigned char **out, size_t *len);

/* ---- reading ---- */

/* A cursor over one section body; every read is checked against end. */
struct hl__rbuf {
    const unsigned char *p;
    const unsigned char *end;
};

/* A minimal varint of at most 64 bits; 0, or -1 past the end, on
 * overflow or padding. */
int hl__rb_varint(struct hl__rbuf *rb, uint64_t *v);
int hl__rb_u32(struct hl__rbuf *rb, uint32_t *v);
/* A string id: a u32 below the string count. */
int hl__rb_strid(struct hl__rbuf *rb, uint32_t count, uint32_t *id);
/* A STRS body into st (holding only ""): 0, HL_ECORRUPT or HL_ENOMEM. */
int hl__rb_strings(struct hl__rbuf *rb, struct hl_strtab *st,
                   struct hl_snapfile_info *info);

/* Checks the header of any version this hleak reads (up to
 * HL_SYSFILE_VERSION); info->version says which. */
int hl__snap_header(const unsigned char *buf, size_t len,
                    struct hl_snapfile_info *info);

/* Where the body of a section with this tag goes. */
struct hl__snap_slot {
    uint32_t tag;
    struct hl__rbuf *body; /* empty (p NULL) until the section is seen */
};

/* Walks the sections after the header, each known tag's body into its
 * slot (a tag of none is skipped: a later writer's); a known tag seen
 * twice is corrupt. */
int hl__snap_sections(const unsigned char *buf, size_t len,
                      const struct hl__snap_slot *slots, size_t nslots,
                      struct hl_snapfile_info *info);

/* A section decoder's result; a corrupt one is placed where its reading
 * stopped, when the check did not say. */
int hl__snap_at(int err, const struct hl__rbuf *rb, const unsigned char *buf,
                struct hl_snapfile_info *info);

/* The version field of a file that starts with the magic, 0 otherwise
 * (unchecked: the decoder checks the checksum first). */
uint32_t hl__snap_version(const unsigned char *buf, size_t len);

#endif
