#include "strtab.h"

#include <string.h>

#include "core-int.h"

/* FNV-1a: simple, and good enough for names that share long prefixes. */
static uint32_t str_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static int strtab_rehash(struct hl_strtab *st, uint32_t nslots)
{
    uint32_t *slots = hl__calloc(nslots, sizeof(*slots));
    uint32_t id;

    if (slots == NULL)
        return HL_ENOMEM;
    for (id = 0; id < st->count; id++) {
        const char *s = st->data + st->offsets[id];
        uint32_t i = str_hash(s, strlen(s)) & (nslots - 1);

        while (slots[i] != 0)
            i = (i + 1) & (nslots - 1);
        slots[i] = id + 1;
    }
    hl__free(st->slots);
    st->slots = slots;
    st->nslots = nslots;
    return 0;
}

int hl_strtab_init(struct hl_strtab *st)
{
    memset(st, 0, sizeof(*st));
    st->data = hl__malloc(64);
    st->offsets = hl__malloc(16 * sizeof(*st->offsets));
    if (st->data == NULL || st->offsets == NULL)
        goto out_nomem;
    st->cap = 64;
    st->offsets_cap = 16;
    st->data[0] = '\0';
    st->len = 1;
    st->offsets[0] = 0;
    st->count = 1;
    if (strtab_rehash(st, 64) != 0)
        goto out_nomem;
    return 0;

out_nomem:
    hl_strtab_release(st);
    return HL_ENOMEM;
}

void hl_strtab_release(struct hl_strtab *st)
{
    hl__free(st->data);
    hl__free(st->offsets);
    hl__free(st->slots);
    memset(st, 0, sizeof(*st));
}

/* Probes for s; returns its id + 1, or 0 with *free_slot set to where it
 * would go. */
static uint32_t strtab_probe(const struct hl_strtab *st, const char *s,
                             size_t len, uint32_t h, uint32_t *free_slot)
{
    uint32_t i, slot;

    for (i = h & (st->nslots - 1); (slot = st->slots[i]) != 0;
         i = (i + 1) & (st->nslots - 1)) {
        uint32_t id = slot - 1;
        const char *cand = st->data + st->offsets[id];
        /* Lengths first: memcmp of len bytes would read past a shorter
         * candidate stored last in data (found by fuzz-minidump). */
        size_t clen = (id + 1 < st->count ? st->offsets[id + 1]
                                          : (uint32_t)st->len) -
                      st->offsets[id] - 1;

        if (clen == len && memcmp(cand, s, len) == 0)
            return slot;
    }
    *free_slot = i;
    return 0;
}

int hl_strtab_find(const struct hl_strtab *st, const char *s, size_t len,
                   uint32_t *id)
{
    uint32_t slot, unused;

    if (len == 0) {
        *id = 0;
        return 0;
    }
    slot = strtab_probe(st, s, len, str_hash(s, len), &unused);
    if (slot == 0)
        return HL_ENOENT;
    *id = slot - 1;
    return 0;
}

int hl_strtab_intern(struct hl_strtab *st, const char *s, size_t len,
                     uint32_t *id)
{
    uint32_t h, i, slot;
    size_t cap;
    int err;

    if (len == 0) {
        *id = 0;
        return 0;
    }
    if (memchr(s, '\0', len) != NULL)
        return HL_EINVAL;
    h = str_hash(s, len);
    slot = strtab_probe(st, s, len, h, &i);
    if (slot != 0) {
        *id = slot - 1;
        return 0;
    }

    if (len + 1 > UINT32_MAX - st->len || st->count == UINT32_MAX - 1)
        return HL_ETOOBIG;
    err = hl__grow((void **)&st->data, &st->cap, st->len + len + 1, 1);
    if (err != 0)
        return err;
    cap = st->offsets_cap;
    err = hl__grow((void **)&st->offsets, &cap, (size_t)st->count + 1,
                   sizeof(*st->offsets));
    if (err != 0)
        return err;
    st->offsets_cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    /* Keep the load factor under one half so probes stay short. */
    if ((st->count + 1) * 2 > st->nslots) {
        if (st->nslots > UINT32_MAX / 2)
            return HL_ETOOBIG;
        err = strtab_rehash(st, st->nslots * 2);
        if (err != 0)
            return err;
        strtab_probe(st, s, len, h, &i);
    }

    memcpy(st->data + st->len, s, len);
    st->data[st->len + len] = '\0';
    st->offsets[st->count] = (uint32_t)st->len;
    st->len += len + 1;
    st->slots[i] = st->count + 1;
    *id = st->count++;
    return 0;
}

const char *hl_strtab_get(const struct hl_strtab *st, uint32_t id)
{
    if (id >= st->count)
        return NULL;
    return st->data + st->offsets[id];
}

size_t hl_strtab_len(const struct hl_strtab *st, uint32_t id)
{
    const char *s = hl_strtab_get(st, id);

    return s == NULL ? 0 : strlen(s);
}
