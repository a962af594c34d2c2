#include "launch.h"

#include <string.h>

#include "core-int.h"

int hl_launch_parse_checkpoint(const char *s, size_t len, char *label,
                               size_t cap)
{
    size_t plen = sizeof(HL_CHECKPOINT_PREFIX) - 1, i, n = 0;

    /* a C string sent with its NUL, or a line with its newline */
    while (len > 0 && (s[len - 1] == '\0' || s[len - 1] == '\n' ||
                       s[len - 1] == '\r'))
        len--;
    if (len < plen || memcmp(s, HL_CHECKPOINT_PREFIX, plen) != 0)
        return 0;
    if (len > plen && s[plen] != ' ')
        return 0; /* "hleak:checkpointX" is someone else's */
    for (i = plen + 1; i < len && n + 1 < cap; i++)
        label[n++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    if (cap > 0)
        label[n] = '\0';
    return 1;
}

/* One argument quoted as CommandLineToArgvW and the C runtime read it
 * back: backslashes count only before a quote, where they are doubled. */
static void quote_arg(struct hl__sbuf *b, const char *a)
{
    size_t slashes = 0, k;

    if (*a != '\0' && strpbrk(a, " \t\n\v\"") == NULL) {
        hl__sbuf_puts(b, a);
        return;
    }
    hl__sbuf_add(b, "\"", 1);
    for (; *a != '\0'; a++) {
        if (*a == '\\') {
            slashes++;
            continue;
        }
        for (k = 0; k < slashes * (*a == '"' ? 2u : 1u); k++)
            hl__sbuf_add(b, "\\", 1);
        slashes = 0;
        if (*a == '"')
            hl__sbuf_add(b, "\\", 1);
        hl__sbuf_add(b, a, 1);
    }
    for (k = 0; k < slashes * 2; k++)
        hl__sbuf_add(b, "\\", 1);
    hl__sbuf_add(b, "\"", 1);
}

int hl_launch_cmdline(char *const *argv, char **out)
{
    struct hl__sbuf b;
    size_t i;

    hl__sbuf_init(&b);
    for (i = 0; argv[i] != NULL; i++) {
        if (i > 0)
            hl__sbuf_add(&b, " ", 1);
        quote_arg(&b, argv[i]);
    }
    if (b.err == 0 && b.data == NULL)
        hl__sbuf_add(&b, "", 0);
    if (b.err != 0 || b.data == NULL) {
        hl__sbuf_release(&b);
        return HL_ENOMEM;
    }
    *out = b.data;
    return 0;
}
