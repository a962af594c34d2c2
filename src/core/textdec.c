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

static unsigned get16(const unsigned char *p, int be)
{
    return be ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
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

static int decode_utf16(const unsigned char *p, size_t n, int be, char **out,
                        size_t *out_len, size_t *bad_line)
{
    size_t i = 0, o = 0, line = 1;
    char *s;

    /* Each unit becomes at most 3 bytes; a pair (two units) 4. */
    if ((s = hl__malloc(n / 2 * 3 + 1)) == NULL)
        return HL_ENOMEM;
    while (i < n) {
        unsigned long u;

        if (n - i < 2)
            goto bad;
        u = get16(p + i, be);
        i += 2;
        if (u >= 0xdc00 && u <= 0xdfff)
            goto bad;
        if (u >= 0xd800 && u <= 0xdbff) {
            unsigned lo;

            if (n - i < 2)
                goto bad;
            lo = get16(p + i, be);
            if (lo < 0xdc00 || lo > 0xdfff)
                goto bad;
            i += 2;
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (u == 0)
            goto bad;
        line += u == '\n';
        o += hl__utf8_put(s + o, (uint32_t)u);
    }
    s[o] = '\0';
    *out = s;
    *out_len = o;
    return 0;

bad:
    hl__free(s);
    *bad_line = line;
    return HL_EINVAL;
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
