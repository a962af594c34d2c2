#ifndef HLEAK_CORE_CORE_INT_H
#define HLEAK_CORE_CORE_INT_H

/* Internals shared by the core, the platform layers and the CLI: the
 * core helpers here, the OS layer (the platform seam) in os.h. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hleak/alloc.h"
#include "hleak/err.h"
#include "os.h"

#include "alloc-int.h"

/* ---- ordering ---- */

/* The qsort order of key pairs (a1, a2) and (b1, b2), the first keys
 * deciding: -1, 0 or 1. */
int hl__cmp_pair(uint64_t a1, uint64_t a2, uint64_t b1, uint64_t b2);

/* The first of the n elements (size bytes each) at base, sorted by the
 * key key_of() reads from one, whose key is not below key; n when none. */
size_t hl__lower_bound(const void *base, size_t n, size_t size, uint64_t key,
                       uint64_t (*key_of)(const void *elem));

/* ---- strings ---- */

/* c with A-Z folded to a-z; every other value as it is (never locale's). */
int hl__ascii_lower(int c);

/* 1 when a and b are equal ignoring ASCII case (names on Windows). */
int hl__ascii_caseeq(const char *a, const char *b);

/* a against b ignoring ASCII case, as strcmp: an order that is the same
 * on every host. */
int hl__ascii_casecmp(const char *a, const char *b);

/* How text reports show a type its source could not read. */
#define HL__UNKNOWN_TYPE "<unknown type>"

/* 1 when a handle's type is the TYPE a user gave (ASCII case ignored):
 * "<unknown type>", as the reports print it, is a handle's empty type. */
int hl__type_eq(const char *type, const char *user);

/* 1 when s starts with prefix, ignoring ASCII case. */
int hl__ascii_caseprefix(const char *s, const char *prefix);

/* The last path component of path (after the last '\\' or '/'). */
const char *hl__path_base(const char *path);

/* ---- a growable text buffer, for output written whole ---- */

struct hl__sbuf {
    char *data; /* NUL-terminated once anything was added */
    size_t len;
    size_t cap;
    int err;    /* the first failure (HL_ENOMEM); later adds do nothing */
};

void hl__sbuf_init(struct hl__sbuf *b);
void hl__sbuf_release(struct hl__sbuf *b);
void hl__sbuf_add(struct hl__sbuf *b, const char *s, size_t len);
void hl__sbuf_puts(struct hl__sbuf *b, const char *s);
void hl__sbuf_printf(struct hl__sbuf *b, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* vsnprintf at buf + used (cap bytes in all), cutting what does not fit
 * (NUL kept); returns the new length. For short texts in fixed buffers
 * that must never fail (a details line, a dump record's text). */
size_t hl__cut_vprintf(char *buf, size_t cap, size_t used, const char *fmt,
                       va_list ap)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 4, 0)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 4, 0)))
#endif
    ;

/* s as one CSV field (RFC 4180). */
void hl__sbuf_csv(struct hl__sbuf *b, const char *s);

/* s with &, <, >, " and ' escaped, for XML text and attributes; control
 * characters XML 1.0 cannot carry become U+FFFD. */
void hl__sbuf_xml(struct hl__sbuf *b, const char *s);

/* ---- little-endian encoding ---- */

static inline void hl__put_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void hl__put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline void hl__put_le64(unsigned char *p, uint64_t v)
{
    hl__put_le32(p, (uint32_t)v);
    hl__put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t hl__get_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t hl__get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t hl__get_le64(const unsigned char *p)
{
    return (uint64_t)hl__get_le32(p) | ((uint64_t)hl__get_le32(p + 4) << 32);
}

/* ---- checksums ---- */

/*
 * CRC-32 (zlib's, ISO-HDLC) of len bytes at buf, continuing from crc: start
 * with 0, and hl__crc32(hl__crc32(0, a, n), b, m) is the CRC of a then b.
 */
uint32_t hl__crc32(uint32_t crc, const void *buf, size_t len);

/* ---- live capabilities (hleak/caps.h) ---- */

/* The HL_CAP_* bits each live part brings, defined by the file CMake chose
 * for it (a src/win file, or its src/stub stub as 0): collecting (with
 * GUI counts), dumps, tracing. */
extern const unsigned hl__caps_collect;
extern const unsigned hl__caps_dump;
extern const unsigned hl__caps_trace;
extern const unsigned hl__caps_system;
extern const unsigned hl__caps_find;
extern const unsigned hl__caps_launch;

/* ---- time ---- */

/* FILETIME (100 ns since 1601 UTC) as "2026-11-25T12:13:42Z"; buf >= 21. */
void hl__filetime_iso(uint64_t ft, char *buf, size_t len);

/* The same to the millisecond, "2026-11-25T12:13:42.125Z"; buf >= 25: two
 * times in one second (a watch's samples, a pair of snapshots) differ. */
void hl__filetime_iso_ms(uint64_t ft, char *buf, size_t len);

/* The current time as a FILETIME value. */
uint64_t hl__filetime_now(void);

/* The FILETIME of secs seconds after 1970-01-01 (a time_t). */
uint64_t hl__filetime_from_unix(uint64_t secs);

/* This build's version, commit and tree state (src/core/buildinfo.c,
 * from cmake/hl-version.cmake): "0.1.0+g<hash>[.dirty]", the full hash
 * or "unknown" (built without git), "clean", "dirty" or "unknown". */
const char *hl__version_full(void);
const char *hl__version_commit(void);
const char *hl__version_tree(void);

#endif
