#include "snapshot-int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"

/* The first symbol at or above addr. */
static uint64_t symbol_key(const void *elem)
{
    return ((const struct hl_symbol *)elem)->address;
}

static size_t lower_bound(const struct hl_snapshot *s, uint64_t addr)
{
    return hl__lower_bound(s->symbols, s->nsymbols, sizeof(*s->symbols),
                           addr, symbol_key);
}

int hl_snapshot_add_symbol(struct hl_snapshot *s, uint64_t addr,
                           const char *text)
{
    uint32_t id;
    size_t at;
    int err;

    if ((err = hl_snapshot_intern(s, text, &id)) != 0)
        return err;
    at = lower_bound(s, addr);
    if (at < s->nsymbols && s->symbols[at].address == addr) {
        s->symbols[at].text = id;
        return 0;
    }
    /* Kept sorted for lookups; symbolizers add in increasing order, so
     * the move is usually empty. */
    err = hl__grow((void **)&s->symbols, &s->symbols_cap, s->nsymbols + 1,
                   sizeof(*s->symbols));
    if (err != 0)
        return err;
    memmove(s->symbols + at + 1, s->symbols + at,
            (s->nsymbols - at) * sizeof(*s->symbols));
    s->symbols[at].address = addr;
    s->symbols[at].text = id;
    s->nsymbols++;
    return 0;
}

const char *hl_snapshot_symbol(const struct hl_snapshot *s, uint64_t addr)
{
    size_t at = lower_bound(s, addr);

    if (at < s->nsymbols && s->symbols[at].address == addr &&
        s->symbols[at].text != 0)
        return hl_snapshot_str(s, s->symbols[at].text);
    return NULL;
}

char *hl_snapshot_resolve(const struct hl_snapshot *s, uint64_t addr,
                          char *buf, size_t len)
{
    const struct hl_module *best = NULL;
    const char *sym = hl_snapshot_symbol(s, addr);
    size_t i;
    int n;

    /* Linear: stacks are printed a few frames at a time, and module lists
     * are short and unsorted in dumps. The smallest covering module wins,
     * should a damaged list overlap. */
    for (i = 0; i < s->nmodules; i++) {
        const struct hl_module *m = &s->modules[i];

        if (addr >= m->base && addr - m->base < m->size &&
            (best == NULL || m->size < best->size))
            best = m;
    }
    if (len == 0)
        return buf;
    if (sym != NULL)
        n = snprintf(buf, len, "%s", sym);
    else if (best != NULL)
        n = snprintf(buf, len, "%s+0x%" PRIx64,
                     hl__path_base(hl_snapshot_str(s, best->name)),
                     addr - best->base);
    else
        n = snprintf(buf, len, "0x%016" PRIx64, addr);
    /* Cut short: never leave half a UTF-8 sequence (JSON needs whole
     * characters). */
    if (n > 0 && (size_t)n >= len && len > 1) {
        size_t end = len - 1, j = end - 1;
        unsigned char lead;
        size_t need;

        while (j > 0 && ((unsigned char)buf[j] & 0xc0) == 0x80)
            j--;
        lead = (unsigned char)buf[j];
        need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (j + need > end)
            buf[j] = '\0';
    }
    return buf;
}
