#include "textdec.h"

#include <string.h>

#include "core-int.h"

/* The one strict UTF-8 check and UTF-8 writer of the core: snapshot
 * strings, dump names and ignore files use them alike. */

size_t hl__utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len, i;
    unsigned long cp;

    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

static int decode_utf8(const unsigned char *p, size_t n, char **out,
                       size_t *out_len, size_t *bad_line)
{
    size_t i = 0, line = 1, k;
    char *s;

    while (i < n) {
        if ((k = hl__utf8_seq(p + i, n - i)) == 0) {
            *bad_line = line;
            return HL_EINVAL;
        }
        line += p[i] == '\n';
        i += k;
    }
    if ((s = hl__malloc(n + 1)) == NULL)
        return HL_ENOMEM;
    memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    *out_len = n;
    return 0;
}

static uint32_t get16(const unsigned char *p, int be)
{
    return be ? (uint32_t)(p[0] << 8 | p[1]) : (uint32_t)(p[1] << 8 | p[0]);
}

size_t hl__utf8_put(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * The policy for what is not valid UTF-16 is the one of Windows' own
 * WideCharToMultiByte(CP_UTF8) without WC_ERR_INVALID_CHARS (Vista and
 * later), which the Unicode standard (ch. 3, "U+FFFD substitution") and
 * WHATWG's encoding standard share: an unpaired surrogate becomes U+FFFD
 * and decoding goes on. Kernel object names need not be valid UTF-16,
 * and a damaged name should still show, readably, rather than stop a
 * snapshot; the result is always valid UTF-8, which the string table
 * requires. A NUL unit also becomes U+FFFD, unlike Windows: NT names are
 * counted and may hold one, and a NUL-terminated copy would silently lose
 * the rest of the name. An odd last byte is half a unit: U+FFFD too.
 * Callers that must refuse such input (ignore files) do so on first_bad.
 */
size_t hl__utf16_to_utf8(char *d, const unsigned char *p, size_t nbytes,
                         int be, size_t *first_bad)
{
    size_t n = nbytes / 2, i, o = 0, bad = SIZE_MAX;

    for (i = 0; i < n; i++) {
        uint32_t u = get16(p + 2 * i, be);

        if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
            uint32_t v = get16(p + 2 * i + 2, be);

            if (v >= 0xdc00 && v <= 0xdfff) {
                o += hl__utf8_put(d + o, 0x10000 + ((u - 0xd800) << 10) +
                                             (v - 0xdc00));
                i++;
                continue;
            }
        }
        if ((u >= 0xd800 && u <= 0xdfff) || u == 0) {
            if (bad == SIZE_MAX)
                bad = o;
            u = 0xfffd;
        }
        o += hl__utf8_put(d + o, u);
    }
    if (nbytes % 2 != 0) {
        if (bad == SIZE_MAX)
            bad = o;
        o += hl__utf8_put(d + o, 0xfffd);
    }
    d[o] = '\0';
    if (first_bad != NULL)
        *first_bad = bad;
    return o;
}

size_t hl__utf16_utf8_size(size_t nbytes)
{
    /* a unit takes at most 3 bytes (a pair: 4 for two), an odd byte 3 */
    if (nbytes / 2 > (SIZE_MAX - 4) / 3)
        return 0;
    return nbytes / 2 * 3 + (nbytes % 2 != 0 ? 3 : 0) + 1;
}

/* Ignore files are refused, not repaired: a pattern holding U+FFFD would
 * quietly match nothing the user wrote. */
static int decode_utf16(const unsigned char *p, size_t n, int be, char **out,
                        size_t *out_len, size_t *bad_line)
{
    size_t size = hl__utf16_utf8_size(n), o, bad, i, line = 1;
    char *s;

    /* a size past size_t is memory no one has */
    if (size == 0 || (s = hl__malloc(size)) == NULL)
        return HL_ENOMEM;
    o = hl__utf16_to_utf8(s, p, n, be, &bad);
    if (bad != SIZE_MAX) {
        for (i = 0; i < bad; i++)
            line += s[i] == '\n';
        hl__free(s);
        *bad_line = line;
        return HL_EINVAL;
    }
    *out = s;
    *out_len = o;
    return 0;
}

int hl__text_decode(const unsigned char *buf, size_t len, char **out,
                    size_t *out_len, size_t *bad_line)
{
    *bad_line = 0;
    if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
        return decode_utf8(buf + 3, len - 3, out, out_len, bad_line);
    if (len >= 2 && buf[0] == 0xff && buf[1] == 0xfe)
        return decode_utf16(buf + 2, len - 2, 0, out, out_len, bad_line);
    if (len >= 2 && buf[0] == 0xfe && buf[1] == 0xff)
        return decode_utf16(buf + 2, len - 2, 1, out, out_len, bad_line);
    return decode_utf8(buf, len, out, out_len, bad_line);
}
