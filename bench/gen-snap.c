/*
 * Writes a synthetic snapshot for the benchmarks: COUNT handles with the
 * name repetition of a busy process (mostly unnamed events, files and keys
 * from pools of a few thousand names). "after" is the same process later:
 * every 20th handle closed (its value reused for another object) and 7%
 * more handles opened.
 *
 *   hl-bench-gen FILE COUNT before|after
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "snapshot-int.h"

/* xorshift64: two streams, so "after" repeats "before" exactly where it
 * keeps a handle. */
static uint32_t rnd(uint64_t *state, uint32_t n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state % n);
}

struct kind {
    const char *type;
    unsigned percent;
    unsigned pool; /* distinct names; 0 = unnamed */
    const char *prefix; /* name = prefix + a number */
    uint32_t access;
};

static const struct kind kinds[] = {
    {"Event", 55, 0, NULL, 0x1f0003},
    {"Event", 5, 1000, "\\Sessions\\1\\BaseNamedObjects\\app-event-",
     0x1f0003},
    {"File", 15, 5000, "C:\\ProgramData\\App\\cache\\item-", 0x120089},
    {"Key", 10, 2000, "HKLM\\SOFTWARE\\App\\Settings\\Section", 0x20019},
    {"Thread", 5, 0, NULL, 0x1fffff},
    {"Mutant", 5, 500, "\\Sessions\\1\\BaseNamedObjects\\app-lock-",
     0x1f0001},
    {"Section", 5, 300, "\\BaseNamedObjects\\app-map-", 0xf001f},
};

static int add_random(struct hl_snapshot *s, uint64_t *rng, uint64_t value)
{
    unsigned r = rnd(rng, 100), acc = 0;
    const struct kind *k = kinds;
    struct hl_handle h;
    char name[160];
    size_t i;
    int err;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        acc += kinds[i].percent;
        if (r < acc) {
            k = &kinds[i];
            break;
        }
    }
    memset(&h, 0, sizeof(h));
    h.value = (uint32_t)value;
    h.granted_access = k->access;
    if ((err = hl_snapshot_intern(s, k->type, &h.type)) != 0)
        return err;
    if (k->pool != 0) {
        snprintf(name, sizeof(name), "%s%u", k->prefix, rnd(rng, k->pool));
        if ((err = hl_snapshot_intern(s, name, &h.name)) != 0)
            return err;
        h.nt_name = h.name;
    }
    return hl_snapshot_add(s, &h);
}

int main(int argc, char **argv)
{
    struct hl_snapshot s;
    uint64_t base = 0x2545f4914f6cdd1dull, other = 0x9e3779b97f4a7c15ull;
    unsigned long count, i;
    int after, err;

    if (argc != 4 || (count = strtoul(argv[2], NULL, 10)) == 0) {
        fprintf(stderr, "usage: hl-bench-gen FILE COUNT before|after\n");
        return 2;
    }
    after = strcmp(argv[3], "after") == 0;
    if ((err = hl_snapshot_init(&s)) != 0)
        goto out;
    s.pid = 4242;
    s.start_time = 133000000000000000ull;
    s.taken_at = s.start_time + (after ? 600 : 60) * 10000000ull;
    if ((err = hl_snapshot_intern(&s, "C:\\App\\server.exe", &s.image)) != 0)
        goto out;
    for (i = 0; i < count && err == 0; i++) {
        uint64_t value = 4 * (i + 1);

        /* "after": the same stream of handles, with every 20th replaced */
        err = add_random(&s, &base, value);
        if (err == 0 && after && i % 20 == 7) {
            s.count--;
            err = add_random(&s, &other, value);
        }
    }
    for (i = 0; after && i < count / 100 * 7 && err == 0; i++)
        err = add_random(&s, &other, 4 * (count + i + 1));
    if (err == 0)
        err = hl_snapfile_write(argv[1], &s);
out:
    hl_snapshot_release(&s);
    if (err != 0) {
        fprintf(stderr, "hl-bench-gen: %s\n", hl_strerror(err));
        return 1;
    }
    return 0;
}
