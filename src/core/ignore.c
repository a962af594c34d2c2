#include "ignore-int.h"

#include <string.h>

#include "core-int.h"

void hl_patterns_init(struct hl_patterns *p)
{
    memset(p, 0, sizeof(*p));
}

void hl_patterns_release(struct hl_patterns *p)
{
    size_t i;

    for (i = 0; i < p->count; i++) {
        hl__free(p->items[i].type);
        hl__free(p->items[i].glob);
    }
    hl__free(p->items);
    memset(p, 0, sizeof(*p));
}

int hl_patterns_new(struct hl_patterns **out)
{
    if (out == NULL)
        return HL_EINVAL;
    *out = hl__malloc(sizeof(**out));
    if (*out == NULL)
        return HL_ENOMEM;
    hl_patterns_init(*out);
    return 0;
}

void hl_patterns_free(struct hl_patterns *p)
{
    if (p == NULL)
        return;
    hl_patterns_release(p);
    hl__free(p);
}

static int patterns_add_n(struct hl_patterns *p, const char *spec, size_t len)
{
    const char *colon = memchr(spec, ':', len);
    struct hl_pattern item;
    int err;

    if (colon == NULL || colon == spec)
        return HL_EINVAL;
    if (memchr(spec, '\0', len) != NULL)
        return HL_EINVAL;
    err = hl__grow((void **)&p->items, &p->cap, p->count + 1,
                   sizeof(*p->items));
    if (err != 0)
        return err;
    item.type = hl__strndup(spec, (size_t)(colon - spec));
    item.glob = hl__strndup(colon + 1, len - (size_t)(colon - spec) - 1);
    if (item.type == NULL || item.glob == NULL) {
        hl__free(item.type);
        hl__free(item.glob);
        return HL_ENOMEM;
    }
    p->items[p->count++] = item;
    return 0;
}

int hl_patterns_add(struct hl_patterns *p, const char *spec)
{
    return patterns_add_n(p, spec, strlen(spec));
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int hl_patterns_parse(struct hl_patterns *p, const char *buf, size_t len,
                      size_t *bad_line)
{
    size_t pos = 0, line = 0;
    int err;

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        size_t s = pos, e = end;

        line++;
        pos = nl != NULL ? end + 1 : len;
        while (s < e && is_blank(buf[s]))
            s++;
        while (e > s && is_blank(buf[e - 1]))
            e--;
        if (s == e || buf[s] == '#')
            continue;
        err = patterns_add_n(p, buf + s, e - s);
        if (err != 0) {
            *bad_line = line;
            return err;
        }
    }
    return 0;
}

int hl_glob_match(const char *glob, const char *s)
{
    const char *star = NULL, *resume = NULL;

    while (*s != '\0') {
        if (*glob == '*') {
            star = ++glob;
            resume = s;
        } else if (*glob == '?') {
            /* one character: a UTF-8 lead byte and its continuations */
            glob++;
            s++;
            while ((*s & 0xc0) == 0x80)
                s++;
        } else if (*glob != '\0' && hl__ascii_lower((unsigned char)*glob) ==
                                         hl__ascii_lower((unsigned char)*s)) {
            glob++;
            s++;
        } else if (star != NULL) {
            /* Let the last star swallow one more character and retry. */
            glob = star;
            s = ++resume;
            while ((*s & 0xc0) == 0x80)
                s = ++resume;
        } else {
            return 0;
        }
    }
    while (*glob == '*')
        glob++;
    return *glob == '\0';
}

int hl_patterns_count(const struct hl_patterns *p, const char *type,
                      const char *const *names, size_t nnames, size_t weight,
                      size_t *hits)
{
    size_t i, k;
    int any = 0;

    for (i = 0; i < p->count; i++) {
        const struct hl_pattern *it = &p->items[i];

        if (strcmp(it->type, "*") != 0 && !hl__type_eq(type, it->type))
            continue;
        for (k = 0; k < nnames; k++) {
            if (hl_glob_match(it->glob, names[k]))
                break;
        }
        if (k == nnames)
            continue;
        any = 1;
        if (hits == NULL)
            return 1;
        hits[i] += weight;
    }
    return any;
}

int hl_patterns_match(const struct hl_patterns *p, const char *type,
                      const char *name)
{
    return hl_patterns_count(p, type, &name, 1, 0, NULL);
}
