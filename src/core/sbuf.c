#include "core-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hl__sbuf_init(struct hl__sbuf *b)
{
    memset(b, 0, sizeof(*b));
}

void hl__sbuf_release(struct hl__sbuf *b)
{
    hl__free(b->data);
    memset(b, 0, sizeof(*b));
}

void hl__sbuf_add(struct hl__sbuf *b, const char *s, size_t len)
{
    int err;

    if (b->err != 0)
        return;
    if (len >= SIZE_MAX - b->len) {
        b->err = HL_ETOOBIG;
        return;
    }
    err = hl__grow((void **)&b->data, &b->cap, b->len + len + 1, 1);
    if (err != 0) {
        b->err = err;
        return;
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void hl__sbuf_puts(struct hl__sbuf *b, const char *s)
{
    hl__sbuf_add(b, s, strlen(s));
}

void hl__sbuf_printf(struct hl__sbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->err = b->err ? b->err : HL_EINVAL;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        hl__sbuf_add(b, small, (size_t)n);
        return;
    }
    /* rare: a long line; format again straight into the buffer */
    if (b->err == 0 && hl__grow((void **)&b->data, &b->cap,
                                b->len + (size_t)n + 1, 1) != 0)
        b->err = HL_ENOMEM;
    if (b->err != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hl__sbuf_xml(struct hl__sbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '&':
            hl__sbuf_puts(b, "&amp;");
            break;
        case '<':
            hl__sbuf_puts(b, "&lt;");
            break;
        case '>':
            hl__sbuf_puts(b, "&gt;");
            break;
        case '"':
            hl__sbuf_puts(b, "&quot;");
            break;
        case '\'':
            hl__sbuf_puts(b, "&apos;");
            break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                hl__sbuf_puts(b, "\xef\xbf\xbd");
            else
                hl__sbuf_add(b, (const char *)&c, 1);
        }
    }
}

void hl__sbuf_csv(struct hl__sbuf *b, const char *s)
{
    /* RFC 4180: quote a field holding a comma, a quote or a line break */
    if (strpbrk(s, ",\"\r\n") == NULL) {
        hl__sbuf_puts(b, s);
        return;
    }
    hl__sbuf_add(b, "\"", 1);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            hl__sbuf_add(b, "\"", 1);
        hl__sbuf_add(b, s, 1);
    }
    hl__sbuf_add(b, "\"", 1);
}

size_t hl__cut_vprintf(char *buf, size_t cap, size_t used, const char *fmt,
                       va_list ap)
{
    size_t room = cap - used;
    int n;

    if (used >= cap || room <= 1)
        return used;
    n = vsnprintf(buf + used, room, fmt, ap);
    if (n <= 0)
        return used;
    return used + ((size_t)n < room ? (size_t)n : room - 1);
}
