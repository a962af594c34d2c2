#ifndef HLEAK_CORE_STRTAB_H
#define HLEAK_CORE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An interning table of UTF-8 strings: each distinct string is stored once
 * and named by a 32-bit id. Id 0 is always the empty string, so a zeroed
 * id means "no string".
 */
struct hl_strtab {
    char *data;        /* every string, NUL-terminated, back to back */
    size_t len;        /* bytes used in data */
    size_t cap;        /* bytes allocated for data */
    uint32_t *offsets; /* offsets[id] = where string id starts in data */
    uint32_t count;    /* number of strings, the empty one included */
    uint32_t offsets_cap;
    uint32_t *slots;   /* open-addressing hash index: id + 1, 0 = free */
    uint32_t nslots;   /* a power of two */
};

/* Prepares an empty table holding only "". Returns 0 or HL_ENOMEM. */
int hl_strtab_init(struct hl_strtab *st);

/* Frees what the table holds; the table may be initialised again. */
void hl_strtab_release(struct hl_strtab *st);

/*
 * Stores the len bytes at s (no NUL needed; an embedded NUL is refused with
 * HL_EINVAL) unless already present, and sets *id. Returns 0, HL_ENOMEM or
 * HL_ETOOBIG when the table would pass 4 GiB.
 */
int hl_strtab_intern(struct hl_strtab *st, const char *s, size_t len,
                     uint32_t *id);

/* Looks up the len bytes at s without storing them: 0 and *id when
 * present, HL_ENOENT when not. */
int hl_strtab_find(const struct hl_strtab *st, const char *s, size_t len,
                   uint32_t *id);

/* The string for id, or NULL when id is out of range. Valid until the next
 * intern or release. */
const char *hl_strtab_get(const struct hl_strtab *st, uint32_t id);

/* The length in bytes of string id (0 when out of range). */
size_t hl_strtab_len(const struct hl_strtab *st, uint32_t id);

#ifdef __cplusplus
}
#endif

#endif
