#ifndef HLEAK_CORE_TEXTDEC_H
#define HLEAK_CORE_TEXTDEC_H

#include <stddef.h>
#include <stdint.h>

/* Length of the strict UTF-8 sequence at p (n bytes there), 0 when it is
 * not one: no overlong form, surrogate, value past U+10FFFF, or NUL. */
size_t hl__utf8_seq(const unsigned char *p, size_t n);

/* Writes code point cp (at most U+10FFFF) as UTF-8 at d; returns the
 * bytes written, 1 to 4. */
size_t hl__utf8_put(char *d, uint32_t cp);

/*
 * The one UTF-16 decoder, for dump strings, ignore files and the names
 * Windows returns: nbytes bytes of UTF-16 at p (big-endian when be) to
 * UTF-8 at d, which has room for hl__utf16_utf8_size(nbytes) bytes.
 * Returns the bytes written; d[result] is a NUL. Each unpaired surrogate,
 * each NUL unit and a dangling odd byte becomes U+FFFD; *first_bad (if
 * not NULL) is the offset in d of the first such, or SIZE_MAX for none.
 */
size_t hl__utf16_to_utf8(char *d, const unsigned char *p, size_t nbytes,
                         int be, size_t *first_bad);

/* The room hl__utf16_to_utf8() needs for nbytes, its NUL included; 0 when
 * that does not fit in a size_t. */
size_t hl__utf16_utf8_size(size_t nbytes);

/*
 * Decodes a text file as editors on Windows write it: UTF-8 with or
 * without a byte-order mark (Notepad), or UTF-16LE/BE with one (Windows
 * PowerShell 5's `>`), lines ending in LF or CRLF (kept as they are).
 * *out is new NUL-terminated UTF-8 without the mark, freed with
 * hl__free(); no NUL within. Returns 0, HL_ENOMEM, or HL_EINVAL when the
 * bytes are none of those (bad UTF-8, an unpaired surrogate, an odd
 * UTF-16 length, a NUL): *bad_line is then the 1-based line at fault.
 */
int hl__text_decode(const unsigned char *buf, size_t len, char **out,
                    size_t *out_len, size_t *bad_line);

#endif
