/* What the self-test's child announced: its lines read into a manifest
 * (the protocol of selftest-child-win.c). */
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"

static const char *const kind_names[ST_KIND_COUNT] = {
    "event", "file", "key", "thread", "process", "section", "pipe",
};

const char *st_kind_name(enum st_kind kind)
{
    return kind < ST_KIND_COUNT ? kind_names[kind] : "?";
}

void st_manifest_init(struct st_manifest *m, const char *tag,
                      const char *file_tail)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->tag, sizeof(m->tag), "%s", tag);
    snprintf(m->file_tail, sizeof(m->file_tail), "%s", file_tail);
}

void st_manifest_release(struct st_manifest *m)
{
    hl__free(m->items);
    m->items = NULL;
    m->n = m->cap = 0;
}

/* A hexadecimal or decimal field that must fit 32 bits. */
static int parse_u32(const char *s, int base, uint32_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return HL_EINVAL;
    v = strtoull(s, &end, base);
    if (*end != '\0' || v > UINT32_MAX)
        return HL_EINVAL;
    *out = (uint32_t)v;
    return 0;
}

int st_manifest_line(struct st_manifest *m, const char *line)
{
    char buf[128];
    char *f[6];
    size_t nf = 0;
    struct st_item it;
    char *p;
    int k, err = 0;

    if (strlen(line) >= sizeof(buf))
        return HL_EINVAL;
    strcpy(buf, line);
    for (p = strtok(buf, " \r\n"); p != NULL && nf < 6;
         p = strtok(NULL, " \r\n"))
        f[nf++] = p;
    if (nf == 0 || p != NULL)
        return HL_EINVAL;
    if (strcmp(f[0], "ready") == 0)
        return nf == 1 ? 1 : HL_EINVAL;
    if (strcmp(f[0], "gui") == 0) {
        if (nf != 3 || parse_u32(f[1], 10, &m->gdi) != 0 ||
            parse_u32(f[2], 10, &m->user) != 0)
            return HL_EINVAL;
        m->has_gui = 1;
        return 0;
    }
    memset(&it, 0, sizeof(it));
    for (k = 0; k < ST_KIND_COUNT; k++) {
        if (strcmp(f[0], kind_names[k]) == 0)
            break;
    }
    if (k == ST_KIND_COUNT || nf < 2 || parse_u32(f[1], 16, &it.value) != 0)
        return HL_EINVAL;
    it.kind = (enum st_kind)k;
    if (it.kind == ST_THREAD) {
        if (nf == 4 && strcmp(f[3], "alive") == 0)
            err = parse_u32(f[2], 10, &it.id);
        else if (nf == 5 && strcmp(f[3], "exited") == 0) {
            it.exited = 1;
            err = parse_u32(f[2], 10, &it.id);
            if (err == 0)
                err = parse_u32(f[4], 10, &it.code);
        } else {
            err = HL_EINVAL;
        }
    } else if (it.kind == ST_PROCESS) {
        err = nf == 3 ? parse_u32(f[2], 10, &it.id) : HL_EINVAL;
    } else if (nf != 2) {
        err = HL_EINVAL;
    }
    if (err != 0)
        return err;
    err = hl__grow((void **)&m->items, &m->cap, m->n + 1, sizeof(it));
    if (err != 0)
        return err;
    m->items[m->n++] = it;
    return 0;
}

size_t st_manifest_count(const struct st_manifest *m, enum st_kind kind)
{
    size_t i, n = 0;

    for (i = 0; i < m->n; i++)
        n += m->items[i].kind == kind;
    return n;
}
