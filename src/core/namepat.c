#include "namepat.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

/* Length of n hex digits at s, or 0. */
static size_t hex_run(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is_hex(s[i]))
            return 0;
    }
    return n;
}

/* Length of a GUID at s ("{...}" or bare), or 0. */
static size_t match_guid(const char *s)
{
    static const size_t parts[] = {8, 4, 4, 4, 12};
    const char *p = s + (*s == '{');
    size_t i;

    for (i = 0; i < 5; i++) {
        if (hex_run(p, parts[i]) == 0)
            return 0;
        p += parts[i];
        if (i < 4 && *p++ != '-')
            return 0;
    }
    if (*s == '{') {
        if (*p != '}')
            return 0;
        p++;
    }
    return is_alnum(*p) ? 0 : (size_t)(p - s);
}

/* Length of a SID at s ("S-1-5-21-..."), or 0. */
static size_t match_sid(const char *s)
{
    const char *p = s;
    int groups = 0;

    if ((*p != 'S' && *p != 's') || p[1] != '-' || p[2] != '1')
        return 0;
    p += 2;
    while (is_digit(*p)) {
        while (is_digit(*p))
            p++;
        groups++;
        if (*p != '-' || !is_digit(p[1]))
            break;
        p++;
    }
    /* "S-1-5" at the least: a revision and an authority */
    return groups >= 2 && !is_alnum(*p) ? (size_t)(p - s) : 0;
}

/* Length of a hex number at s, or 0. */
static size_t match_hex(const char *s)
{
    size_t n = 0;
    int digit = 0, letter = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_hex(s[2])) {
        for (n = 2; is_hex(s[n]); n++)
            ;
        return is_alnum(s[n]) ? 0 : n;
    }
    for (; is_hex(s[n]); n++) {
        digit |= is_digit(s[n]);
        letter |= !is_digit(s[n]);
    }
    if (is_alnum(s[n]))
        return 0;
    /* zero-padded to a fixed width ("%08x"): a pid in a pipe name reads
     * "00000020" in one run and "0000002c" in the next */
    if ((n == 8 || n == 16) && s[0] == '0')
        return n;
    return n >= 8 && digit && letter ? n : 0;
}

/* A buffer for the rewrite of len bytes that grows them at most factor
 * times. Returns 0, HL_ETOOBIG or HL_ENOMEM. */
static int rewrite_buf(size_t len, size_t factor, char **buf)
{
    if (len > (SIZE_MAX - 1) / factor)
        return HL_ETOOBIG;
    *buf = hl__malloc(factor * len + 1);
    return *buf == NULL ? HL_ENOMEM : 0;
}

int hl_name_pattern(const char *name, char **out)
{
    size_t len = strlen(name), i = 0, o = 0, n;
    char *buf;
    int err;

    /* A placeholder is at most as long as what it replaces, except {n}
     * for one digit (3 bytes for 1): 3x the name always fits. */
    if ((err = rewrite_buf(len, 3, &buf)) != 0)
        return err;
    while (i < len) {
        const char *s = name + i;
        int boundary = i == 0 || !is_alnum(name[i - 1]);
        const char *ph = NULL;

        n = 0;
        if (boundary && (n = match_guid(s)) != 0)
            ph = "{guid}";
        else if (boundary && (n = match_sid(s)) != 0)
            ph = "{sid}";
        else if (boundary && (n = match_hex(s)) != 0)
            ph = "{hex}";
        else if (is_digit(*s)) {
            for (n = 0; is_digit(s[n]); n++)
                ;
            ph = "{n}";
        }
        if (ph != NULL) {
            memcpy(buf + o, ph, strlen(ph));
            o += strlen(ph);
            i += n;
        } else if (n != 0) {
            memcpy(buf + o, s, n);
            o += n;
            i += n;
        } else {
            buf[o++] = name[i++];
        }
    }
    buf[o] = '\0';
    *out = buf;
    return 0;
}

/* Length of the decimal or 8-hex-digit form of pid standing alone at s
 * (not inside a longer number or word), or 0. */
static size_t match_pid(const char *s, uint64_t pid, int boundary)
{
    char dec[24], hex[24];
    size_t n;

    if (!boundary || pid == 0)
        return 0;
    snprintf(dec, sizeof(dec), "%" PRIu64, pid);
    n = strlen(dec);
    if (strncmp(s, dec, n) == 0 && !is_alnum(s[n]))
        return n;
    if (pid > UINT32_MAX)
        return 0;
    snprintf(hex, sizeof(hex), "%08" PRIx64, pid);
    for (n = 0; n < 8; n++) {
        if (s[n] == '\0' || hl__ascii_lower((unsigned char)s[n]) != hex[n])
            return 0;
    }
    return is_alnum(s[8]) ? 0 : 8;
}

/* The length of "tid N in " at s when the thread label names pid, or 0:
 * only the process's own threads differ from run to run by design. */
static size_t own_thread_label(const char *s, uint64_t pid)
{
    char tail[32];
    size_t len = strlen(s), n, t;

    if (strncmp(s, "tid ", 4) != 0 || !is_digit(s[4]))
        return 0;
    for (n = 4; is_digit(s[n]); n++)
        ;
    if (strncmp(s + n, " in ", 4) != 0)
        return 0;
    snprintf(tail, sizeof(tail), "(pid %" PRIu64 ")", pid);
    t = strlen(tail);
    if (len < t || strcmp(s + len - t, tail) != 0)
        return 0;
    return n;
}

int hl_name_neutral(const char *name, uint64_t pid, char **out)
{
    size_t len = strlen(name), i = 0, o = 0, n;
    char *buf;
    int err;

    /* "{pid}" (5) replaces at least one digit; "{tid}" at least one */
    if ((err = rewrite_buf(len, 5, &buf)) != 0)
        return err;
    if ((n = own_thread_label(name, pid)) != 0) {
        memcpy(buf, "tid {tid}", 9);
        o = 9;
        i = n;
    }
    while (i < len) {
        int boundary = i == 0 || !is_alnum(name[i - 1]);

        if ((n = match_pid(name + i, pid, boundary)) != 0) {
            memcpy(buf + o, "{pid}", 5);
            o += 5;
            i += n;
        } else {
            buf[o++] = name[i++];
        }
    }
    buf[o] = '\0';
    *out = buf;
    return 0;
}
