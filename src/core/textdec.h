#ifndef HLEAK_CORE_TEXTDEC_H
#define HLEAK_CORE_TEXTDEC_H

#include <stddef.h>

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
