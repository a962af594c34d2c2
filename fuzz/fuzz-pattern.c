/*
 * libFuzzer target for ignore files and their matching. The input is an
 * ignore file, then optionally a NUL and "TYPE\tNAME" lines to match.
 * hl_glob_match() is checked against a plain dynamic-programming matcher
 * (quadratic, obviously right) on short well-formed UTF-8, and every parse
 * result against the documented rules.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "ignore-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REF_MAX 64

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Splits s into UTF-8 characters (at most REF_MAX); -1 when it is not
 * well-formed UTF-8 or too long, where the two matchers need not agree:
 * names in snapshots are checked UTF-8. */
static int split_utf8(const char *s, const char **ch, size_t *chlen)
{
    int n = 0;

    while (*s != '\0') {
        unsigned char c = (unsigned char)*s;
        size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        size_t k;

        if (n == REF_MAX || (c >= 0x80 && c < 0xc0) || c > 0xf7)
            return -1;
        for (k = 1; k < len; k++) {
            if (((unsigned char)s[k] & 0xc0) != 0x80)
                return -1;
        }
        ch[n] = s;
        chlen[n++] = len;
        s += len;
    }
    return n;
}

static int same_char(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (alen == 1)
        return lower((unsigned char)*a) == lower((unsigned char)*b);
    return memcmp(a, b, alen) == 0;
}

/* m[i][j]: glob characters i.. match name characters j..; -1 when the
 * inputs are outside what the reference decides. */
static int ref_match(const char *glob, const char *s)
{
    static unsigned char m[REF_MAX + 1][REF_MAX + 1];
    const char *gc[REF_MAX], *sc[REF_MAX];
    size_t gcl[REF_MAX], scl[REF_MAX];
    int gl = split_utf8(glob, gc, gcl), sl = split_utf8(s, sc, scl);
    int i, j;

    if (gl < 0 || sl < 0)
        return -1;
    for (i = gl; i >= 0; i--) {
        for (j = sl; j >= 0; j--) {
            if (i == gl)
                m[i][j] = j == sl;
            else if (gcl[i] == 1 && *gc[i] == '*')
                m[i][j] = m[i + 1][j] || (j < sl && m[i][j + 1]);
            else if (j == sl)
                m[i][j] = 0;
            else if (gcl[i] == 1 && *gc[i] == '?')
                m[i][j] = m[i + 1][j + 1];
            else
                m[i][j] = same_char(gc[i], gcl[i], sc[j], scl[j]) &&
                          m[i + 1][j + 1];
        }
    }
    return m[0][0];
}

static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 1, i;

    for (i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n;
}

static void match_lines(const struct hl_patterns *p, char *q)
{
    char *line, *tab, *next;
    size_t i;

    for (line = q; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        tab = strchr(line, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        hl_patterns_match(p, line, tab + 1);
        for (i = 0; i < p->count; i++) {
            const char *g = p->items[i].glob;

            int want = ref_match(g, tab + 1);

            if (want >= 0 && hl_glob_match(g, tab + 1) != want)
                abort();
        }
        /* a name always matches itself and "*" */
        if (!hl_glob_match("*", tab + 1) ||
            (strpbrk(tab + 1, "*?") == NULL &&
             !hl_glob_match(tab + 1, tab + 1)))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hl_patterns p;
    const uint8_t *nul = memchr(data, 0, size);
    size_t flen = nul != NULL ? (size_t)(nul - data) : size;
    size_t bad = 0;
    char *file, *queries;
    size_t qlen = nul != NULL ? size - flen - 1 : 0;
    int err;

    /* exact-size copies: the parser takes a length, not a string */
    file = malloc(flen ? flen : 1);
    queries = malloc(qlen + 1);
    if (file == NULL || queries == NULL)
        goto out_free;
    memcpy(file, data, flen);
    memcpy(queries, data + flen + (nul != NULL), qlen);
    queries[qlen] = '\0';
    hl_patterns_init(&p);
    err = hl_patterns_parse(&p, file, flen, &bad);
    if (err == HL_EINVAL && (bad == 0 || bad > count_lines(file, flen)))
        abort();
    if (err != 0 && err != HL_EINVAL && err != HL_ENOMEM)
        abort();
    for (size_t i = 0; i < p.count; i++) {
        if (p.items[i].type == NULL || p.items[i].type[0] == '\0' ||
            p.items[i].glob == NULL)
            abort();
    }
    match_lines(&p, queries);
    hl_patterns_release(&p);
out_free:
    free(file);
    free(queries);
    return 0;
}
