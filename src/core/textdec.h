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
