#include "hleak/snapshot.h"

#include <string.h>

#include "core-int.h"

/* The first symbol at or above addr. */
static size_t lower_bound(const struct hl_snapshot *s, uint64_t addr)
{
    size_t lo = 0, hi = s->nsymbols;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->symbols[mid].address < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
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
