#include "diff-int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "namepat.h"

/*
 * One side of the comparison, with a cache from its string ids to the
 * diff's own ids (id + 1; 0 = not looked up yet), so each distinct string
 * is hashed once however many handles carry it.
 */
struct side {
    const struct hl_snapshot *s;
    uint32_t *dids;
    uint32_t *kdids; /* the same for names made neutral (neutral_of) */
    unsigned char *unmatched; /* per handle: 1 = in a group of the diff */
    uint32_t *stack_ids; /* per stack: its key and address ids + 1 */
};

/* A group while it is being built. */
struct gwork {
    uint32_t type, name, access_key, stack; /* the key */
    uint32_t stack_addrs; /* the first handle's frame addresses */
    uint32_t raw_name, nt_name; /* the first handle's, as read */
    uint32_t access;
    int access_mixed;
    int ignored;              /* an ignore pattern matches the group */
    size_t n_before, n_after; /* unmatched (identity) or all (by name) */
    size_t n_all;             /* every handle, with all_handles */
    size_t off_open, off_close; /* where its values go */
    size_t fill_open, fill_close;
};

struct builder {
    struct hl_diff *d;
    struct side before, after;
    struct gwork *groups;
    size_t ngroups, groups_cap;
    uint32_t *slots; /* group hash: index + 1 */
    size_t nslots;
    uint32_t *exact_values; /* identity: each group's values, by side */
    uint32_t *patterns;     /* diff string id -> its pattern's id + 1 */
    size_t npatterns;
    int use_stacks;         /* group by open stack too */
    int neutral;            /* key names made neutral (neutral_of) */
    int all_handles;        /* group matched handles too (for the hit
                             * counts of ignore patterns) */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static int did_of(struct builder *b, struct side *sd, uint32_t sid,
                  uint32_t *out)
{
    const char *str;
    int err;

    if (sid >= sd->s->strings.count)
        sid = 0;
    if (sd->dids[sid] != 0) {
        *out = sd->dids[sid] - 1;
        return 0;
    }
    str = hl_snapshot_str(sd->s, sid);
    err = hl_strtab_intern(&b->d->strings, str, strlen(str), out);
    if (err != 0)
        return err;
    sd->dids[sid] = *out + 1;
    return 0;
}

/* Interns str, which it frees, into the diff's table. */
static int intern_owned(struct hl_diff *d, char *str, uint32_t *out)
{
    int err = hl_strtab_intern(&d->strings, str, strlen(str), out);

    hl__free(str);
    return err;
}

/*
 * The diff id of string sid made neutral for its process (hl_name_neutral:
 * own pid and tids as {pid} and {tid}), cached like did_of().
 */
static int neutral_of(struct builder *b, struct side *sd, uint32_t sid,
                      uint32_t *out)
{
    char *str;
    int err;

    if (sid >= sd->s->strings.count)
        sid = 0;
    if (sd->kdids[sid] != 0) {
        *out = sd->kdids[sid] - 1;
        return 0;
    }
    err = hl_name_neutral(hl_snapshot_str(sd->s, sid), sd->s->pid, &str);
    if (err == 0)
        err = intern_owned(b->d, str, out);
    if (err != 0)
        return err;
    sd->kdids[sid] = *out + 1;
    return 0;
}

/* A handle's group name: the friendly name, else the NT name. */
static uint32_t name_sid(const struct hl_handle *h)
{
    return h->name != 0 ? h->name : h->nt_name;
}

static uint64_t group_hash(uint32_t type, uint32_t name, uint32_t access_key,
                           uint32_t stack)
{
    return mix64(((uint64_t)type << 32 | name) ^
                 ((uint64_t)access_key << 17) ^ ((uint64_t)stack << 40));
}

/*
 * The open stack of handle i as two diff strings, one frame a line: the
 * frames as text (its symbol, else module+offset, else the address),
 * which is the group key, so the same code path in two processes with
 * different load addresses still matches; and the raw addresses. Both 0
 * when the handle has no stack. Cached per stack.
 */
static int stack_of(struct builder *b, struct side *sd, size_t i,
                    uint32_t *key, uint32_t *addrs)
{
    const struct hl_snapshot *s = sd->s;
    const struct hl_stack *st = hl_snapshot_handle_stack(s, i);
    struct hl__sbuf t, a;
    char sym[512];
    size_t si, k;
    int err;

    *key = *addrs = 0;
    if (st == NULL || st->depth == 0)
        return 0;
    si = (size_t)(st - s->stacks);
    if (sd->stack_ids == NULL) {
        sd->stack_ids = hl__calloc(s->nstacks, 2 * sizeof(uint32_t));
        if (sd->stack_ids == NULL)
            return HL_ENOMEM;
    }
    if (sd->stack_ids[2 * si] != 0) {
        *key = sd->stack_ids[2 * si] - 1;
        *addrs = sd->stack_ids[2 * si + 1] - 1;
        return 0;
    }
    hl__sbuf_init(&t);
    hl__sbuf_init(&a);
    for (k = 0; k < st->depth; k++) {
        uint64_t addr = s->frames[st->first + k];

        hl__sbuf_printf(&t, "%s%s", k ? "\n" : "",
                        hl_snapshot_resolve(s, addr, sym, sizeof(sym)));
        hl__sbuf_printf(&a, "%s0x%016" PRIx64, k ? "\n" : "", addr);
    }
    err = t.err != 0 ? t.err : a.err;
    if (err == 0)
        err = hl_strtab_intern(&b->d->strings, t.data, t.len, key);
    if (err == 0)
        err = hl_strtab_intern(&b->d->strings, a.data, a.len, addrs);
    hl__sbuf_release(&t);
    hl__sbuf_release(&a);
    if (err != 0)
        return err;
    sd->stack_ids[2 * si] = *key + 1;
    sd->stack_ids[2 * si + 1] = *addrs + 1;
    return 0;
}

/* Whether a snapshot has any open stack (handle tracing, dumps). */
static int has_stacks(const struct hl_snapshot *s)
{
    size_t i;

    for (i = 0; s->nstacks != 0 && i < s->count; i++) {
        if (hl_snapshot_handle_stack(s, i) != NULL)
            return 1;
    }
    return 0;
}

static int groups_rehash(struct builder *b, size_t nslots)
{
    uint32_t *slots = hl__calloc(nslots, sizeof(*slots));
    size_t i;

    if (slots == NULL)
        return HL_ENOMEM;
    for (i = 0; i < b->ngroups; i++) {
        const struct gwork *g = &b->groups[i];
        size_t k = group_hash(g->type, g->name, g->access_key, g->stack) &
                   (nslots - 1);

        while (slots[k] != 0)
            k = (k + 1) & (nslots - 1);
        slots[k] = (uint32_t)i + 1;
    }
    hl__free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    return 0;
}

/* Finds or adds the group of handle h of side sd; *gi is its index. */
static int group_of(struct builder *b, struct side *sd,
                    const struct hl_handle *h, size_t *gi)
{
    uint32_t type, name, raw, nt, key_access, stack = 0, addrs = 0;
    struct gwork *g;
    size_t k;
    int err;

    err = did_of(b, sd, h->type, &type);
    if (err == 0)
        err = did_of(b, sd, name_sid(h), &raw);
    if (err == 0)
        err = did_of(b, sd, h->nt_name, &nt);
    if (err != 0)
        return err;
    name = raw;
    if (b->neutral)
        err = neutral_of(b, sd, name_sid(h), &name);
    if (err == 0 && b->use_stacks)
        err = stack_of(b, sd, (size_t)(h - sd->s->handles), &stack, &addrs);
    if (err != 0)
        return err;
    key_access = name == 0 ? h->granted_access : 0;
    k = group_hash(type, name, key_access, stack) & (b->nslots - 1);
    for (; b->slots[k] != 0; k = (k + 1) & (b->nslots - 1)) {
        g = &b->groups[b->slots[k] - 1];
        if (g->type == type && g->name == name &&
            g->access_key == key_access && g->stack == stack) {
            if (g->access != h->granted_access)
                g->access_mixed = 1;
            *gi = b->slots[k] - 1;
            return 0;
        }
    }
    if (b->ngroups >= UINT32_MAX - 1)
        return HL_ETOOBIG;
    err = hl__push((void **)&b->groups, &b->groups_cap, &b->ngroups,
                   sizeof(*b->groups), (void **)&g);
    if (err != 0)
        return err;
    g->type = type;
    g->name = name;
    g->access_key = key_access;
    g->stack = stack;
    g->stack_addrs = addrs;
    g->raw_name = raw;
    g->nt_name = nt;
    g->access = h->granted_access;
    b->slots[k] = (uint32_t)b->ngroups;
    *gi = b->ngroups - 1;
    /* Keep the load under one half. */
    if (b->ngroups * 2 > b->nslots)
        return groups_rehash(b, b->nslots * 2);
    return 0;
}

/* Two handles of the same process (before[i], after[j]) are the same
 * handle only if nothing about them changed: values are reused at once
 * after a close. */
static int same_handle(const struct hl_snapshot *sa, size_t i,
                       const struct hl_snapshot *sb, size_t j)
{
    const struct hl_handle *a = &sa->handles[i], *b = &sb->handles[j];
    uint64_t oa = hl_snapshot_object(sa, i), ob = hl_snapshot_object(sb, j);

    if (a->granted_access != b->granted_access ||
        a->attributes != b->attributes)
        return 0;
    if (oa != 0 && ob != 0 && oa != ob)
        return 0;
    if (strcmp(hl_snapshot_str(sa, a->type), hl_snapshot_str(sb, b->type)))
        return 0;
    /* A name that could not be read once says nothing either way. */
    if (a->name_err != HL_NAME_ERR_NONE || b->name_err != HL_NAME_ERR_NONE)
        return 1;
    return strcmp(hl_snapshot_str(sa, a->name), hl_snapshot_str(sb, b->name)) ==
               0 &&
           strcmp(hl_snapshot_str(sa, a->nt_name),
                  hl_snapshot_str(sb, b->nt_name)) == 0;
}

static int sorted_by_value(const struct hl_snapshot *s)
{
    size_t i;

    for (i = 1; i < s->count; i++) {
        if (s->handles[i - 1].value >= s->handles[i].value)
            return 0;
    }
    return 1;
}

/*
 * Collectors list handles in ascending value order, so the usual case is a
 * merge of two sorted lists: no extra memory. Anything else (a file edited
 * by hand, another tool) goes through a hash of the after side.
 */
static int match_identity(struct builder *b)
{
    const struct hl_snapshot *sa = b->before.s, *sb = b->after.s;
    uint32_t *slots;
    size_t nslots = 16, i, j, k;

    if (sorted_by_value(sa) && sorted_by_value(sb)) {
        for (i = j = 0; i < sa->count && j < sb->count;) {
            const struct hl_handle *x = &sa->handles[i], *y = &sb->handles[j];

            if (x->value < y->value) {
                i++;
            } else if (x->value > y->value) {
                j++;
            } else {
                if (same_handle(sa, i, sb, j))
                    b->before.unmatched[i] = b->after.unmatched[j] = 0;
                i++;
                j++;
            }
        }
        return 0;
    }
    while (nslots < sb->count + sb->count / 2)
        nslots *= 2;
    slots = hl__calloc(nslots, sizeof(*slots));
    if (slots == NULL)
        return HL_ENOMEM;
    for (i = 0; i < sb->count; i++) {
        k = mix64(sb->handles[i].value) & (nslots - 1);
        while (slots[k] != 0)
            k = (k + 1) & (nslots - 1);
        slots[k] = (uint32_t)i + 1;
    }
    for (i = 0; i < sa->count; i++) {
        const struct hl_handle *h = &sa->handles[i];

        for (k = mix64(h->value) & (nslots - 1); slots[k] != 0;
             k = (k + 1) & (nslots - 1)) {
            j = slots[k] - 1;
            if (sb->handles[j].value == h->value && b->after.unmatched[j] &&
                same_handle(sa, i, sb, j)) {
                b->after.unmatched[j] = 0;
                b->before.unmatched[i] = 0;
                break;
            }
        }
    }
    hl__free(slots);
    return 0;
}

/* Counts every handle still unmatched in its group (and every handle in
 * n_all, with all_handles). */
static int assign_groups(struct builder *b, struct side *sd, int is_after)
{
    size_t i, gi;
    int err;

    for (i = 0; i < sd->s->count; i++) {
        if (!sd->unmatched[i] && !b->all_handles)
            continue;
        err = group_of(b, sd, &sd->s->handles[i], &gi);
        if (err != 0)
            return err;
        b->groups[gi].n_all++;
        if (!sd->unmatched[i])
            continue;
        if (is_after)
            b->groups[gi].n_after++;
        else
            b->groups[gi].n_before++;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* Copies the values of one side's unmatched handles into their groups
 * (the group lookups hit the cache: every group exists by now). */
static int fill_side(struct builder *b, struct side *sd, int is_after)
{
    size_t i, gi;
    int err;

    for (i = 0; i < sd->s->count; i++) {
        struct gwork *g;

        if (!sd->unmatched[i])
            continue;
        err = group_of(b, sd, &sd->s->handles[i], &gi);
        if (err != 0)
            return err;
        g = &b->groups[gi];
        if (is_after)
            b->exact_values[g->off_open + g->fill_open++] =
                sd->s->handles[i].value;
        else
            b->exact_values[g->off_close + g->fill_close++] =
                sd->s->handles[i].value;
    }
    return 0;
}

/* Each group's handle values on each side (merge_run sorts them). */
static int fill_values(struct builder *b, size_t total)
{
    size_t i, off = 0;
    int err;

    b->exact_values = hl__calloc(total, sizeof(*b->exact_values));
    if (b->exact_values == NULL)
        return HL_ENOMEM;
    for (i = 0; i < b->ngroups; i++) {
        b->groups[i].off_open = off;
        off += b->groups[i].n_after;
        b->groups[i].off_close = off;
        off += b->groups[i].n_before;
    }
    if ((err = fill_side(b, &b->after, 1)) != 0)
        return err;
    return fill_side(b, &b->before, 0);
}

/* An exact-name group that goes into a list, before merging by pattern. */
struct exact_item {
    uint32_t type, name, pattern, key_name, access_key, access;
    uint32_t stack, stack_addrs;
    int access_mixed;
    int ignored;          /* by name: kept, to net apart from the rest */
    size_t before, after; /* by name: its handles on each side */
    size_t count;         /* identity: its handles; by name: its own
                           * growth (0 when it did not grow) */
    const uint32_t *vals; /* its handle values on the list's side */
    size_t nvals;
};

/* qsort has no context pointer in C11, so items carry their strings. */
static int exact_key_cmp(const void *a, const void *b)
{
    const struct exact_item *x = a, *y = b;

    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->key_name != y->key_name)
        return x->key_name < y->key_name ? -1 : 1;
    if (x->access_key != y->access_key)
        return x->access_key < y->access_key ? -1 : 1;
    if (x->stack != y->stack)
        return x->stack < y->stack ? -1 : 1;
    return x->ignored - y->ignored;
}

struct sort_item {
    const char *type;
    const char *name;
    const char *stack;
    struct hl_diff_group g;
};

static int group_cmp(const void *a, const void *b)
{
    const struct sort_item *x = a, *y = b;
    int c;

    if (x->g.count != y->g.count)
        return x->g.count > y->g.count ? -1 : 1;
    if ((c = strcmp(x->type, y->type)) != 0)
        return c;
    if ((c = strcmp(x->name, y->name)) != 0)
        return c;
    if ((c = strcmp(x->stack, y->stack)) != 0)
        return c;
    return x->g.granted_access < y->g.granted_access   ? -1
           : x->g.granted_access > y->g.granted_access ? 1
                                                        : 0;
}

struct name_item {
    const char *str;
    struct hl_diff_name n;
};

static int name_cmp(const void *a, const void *b)
{
    const struct name_item *x = a, *y = b;

    if (x->n.count != y->n.count)
        return x->n.count > y->n.count ? -1 : 1;
    return strcmp(x->str, y->str);
}

/* The pattern of diff string id, interned; cached per id. */
static int pattern_of(struct builder *b, uint32_t name, uint32_t *out)
{
    char *pat;
    int err;

    if (name == 0) {
        *out = 0;
        return 0;
    }
    if (name < b->npatterns && b->patterns[name] != 0) {
        *out = b->patterns[name] - 1;
        return 0;
    }
    if (name >= b->npatterns) {
        size_t cap = b->npatterns;

        err = hl__grow_zeroed((void **)&b->patterns, &cap, (size_t)name + 1,
                              sizeof(*b->patterns));
        if (err != 0)
            return err;
        b->npatterns = cap;
    }
    err = hl_name_pattern(hl_diff_str(b->d, name), &pat);
    if (err == 0)
        err = intern_owned(b->d, pat, out);
    if (err != 0)
        return err;
    b->patterns[name] = *out + 1;
    return 0;
}

/* "TYPE:GLOB" of ignore pattern it, interned. */
static int intern_spec(struct hl_diff *d, const struct hl_pattern *it,
                       uint32_t *out)
{
    struct hl__sbuf t;
    int err;

    hl__sbuf_init(&t);
    hl__sbuf_printf(&t, "%s:%s", it->type, it->glob);
    err = t.err;
    if (err == 0)
        err = hl_strtab_intern(&d->strings, t.data, t.len, out);
    hl__sbuf_release(&t);
    return err;
}

/*
 * Decides which groups the ignore patterns drop. A pattern is matched
 * against every form of a group's name that a report prints or a user may
 * copy: the name as shown (made neutral, by exact name across processes),
 * the name as read, the NT name, the group's pattern, the last path
 * component, and "<unnamed>" (or "") for a handle without a name. Counts
 * each pattern's handles (in either snapshot) into d->ignore_hits.
 */
static int apply_ignores(struct builder *b, const struct hl_patterns *p)
{
    struct hl_diff *d = b->d;
    size_t i, n;
    int err;

    if (p == NULL || p->count == 0)
        return 0;
    d->ignore_hits = hl__calloc(p->count, sizeof(*d->ignore_hits));
    d->ignore_specs = hl__calloc(p->count, sizeof(*d->ignore_specs));
    if (d->ignore_hits == NULL || d->ignore_specs == NULL)
        return HL_ENOMEM;
    d->nignores = p->count;
    for (i = 0; i < p->count; i++) {
        if ((err = intern_spec(d, &p->items[i], &d->ignore_specs[i])) != 0)
            return err;
    }
    for (i = 0; i < b->ngroups; i++) {
        struct gwork *g = &b->groups[i];
        const char *forms[6], *slash;
        uint32_t pat;

        if ((err = pattern_of(b, g->name, &pat)) != 0)
            return err;
        n = 0;
        forms[n++] = hl_diff_str(d, g->name);
        forms[n++] = hl_diff_str(d, g->raw_name);
        forms[n++] = hl_diff_str(d, g->nt_name);
        forms[n++] = hl_diff_str(d, pat);
        slash = strrchr(forms[0], '\\');
        forms[n++] = slash != NULL ? slash + 1 : forms[0];
        if (*forms[0] == '\0')
            forms[n++] = "<unnamed>";
        g->ignored = hl_patterns_count(p, hl_diff_str(d, g->type), forms, n,
                                       g->n_all, d->ignore_hits);
    }
    return 0;
}

/* How many more handles side `opened` (AFTER, else BEFORE) has. */
static size_t growth(size_t before, size_t after, int opened)
{
    if (opened)
        return after > before ? after - before : 0;
    return before > after ? before - after : 0;
}

/*
 * The exact groups that go into the opened (or closed) list, patterns
 * looked up. Identity: those with handles on the list's side, ignored
 * ones counted and dropped. By name: every group, with its counts, since
 * growth is netted per key (make_list); ignored ones are flagged.
 */
static int collect_exact(struct builder *b, const struct hl_diff_opts *o,
                         int opened, struct exact_item *items, size_t *n)
{
    struct hl_diff *d = b->d;
    size_t i, k = 0, *ignored = opened ? &d->ignored_opened
                                       : &d->ignored_closed;
    int identity = d->match == HL_MATCH_IDENTITY;
    int err;

    for (i = 0; i < b->ngroups; i++) {
        const struct gwork *g = &b->groups[i];
        struct exact_item *it = &items[k];
        size_t count = opened ? g->n_after : g->n_before;

        if (!identity)
            count = growth(g->n_before, g->n_after, opened);
        if (identity ? count == 0 : g->n_before + g->n_after == 0)
            continue;
        if (identity && g->ignored) {
            *ignored += count;
            continue;
        }
        memset(it, 0, sizeof(*it));
        it->type = g->type;
        it->name = g->name;
        it->access_key = g->access_key;
        it->stack = g->stack;
        it->stack_addrs = g->stack_addrs;
        it->access = g->access;
        it->access_mixed = g->access_mixed;
        it->ignored = g->ignored;
        it->before = g->n_before;
        it->after = g->n_after;
        it->count = count;
        it->vals = b->exact_values + (opened ? g->off_open : g->off_close);
        it->nvals = opened ? g->n_after : g->n_before;
        if ((err = pattern_of(b, g->name, &it->pattern)) != 0)
            return err;
        it->key_name = o->exact_names ? it->name : it->pattern;
        k++;
    }
    *n = k;
    return 0;
}

/* By name: the growth of a run of items that share a key, netted. */
static size_t run_growth(const struct exact_item *run, size_t nrun,
                         int opened)
{
    size_t i, before = 0, after = 0;

    for (i = 0; i < nrun; i++) {
        before += run[i].before;
        after += run[i].after;
    }
    return growth(before, after, opened);
}

/* Fills group g from a run of exact items that share a key: counts,
 * access, exact names (sorted into names[*k...], which the caller copies
 * to name_base[*k...]) and handle values (into *vals, which advances). */
static void merge_run(const struct hl_diff *d, const struct exact_item *run,
                      size_t nrun, struct hl_diff_group *g,
                      struct name_item *names,
                      const struct hl_diff_name *name_base, size_t *k,
                      uint32_t **vals)
{
    size_t i, first = *k;

    g->type = run[0].type;
    g->names = name_base + first;
    g->pattern = run[0].pattern;
    g->stack = run[0].stack;
    g->stack_addrs = run[0].stack_addrs;
    g->granted_access = run[0].access;
    g->values = *vals;
    for (i = 0; i < nrun; i++) {
        g->count += run[i].count;
        g->access_mixed |= run[i].access_mixed ||
                           run[i].access != run[0].access;
        if (run[i].name != 0 && run[i].count != 0) {
            names[*k].str = hl_diff_str(d, run[i].name);
            names[*k].n.name = run[i].name;
            names[*k].n.count = run[i].count;
            (*k)++;
        }
        if (run[i].nvals != 0) {
            memcpy(*vals, run[i].vals, run[i].nvals * sizeof(**vals));
            *vals += run[i].nvals;
            g->nvalues += run[i].nvals;
        }
    }
    g->nnames = *k - first;
    g->name = g->nnames == 1 ? names[first].n.name : g->pattern;
    qsort(names + first, g->nnames, sizeof(*names), name_cmp);
    qsort((uint32_t *)g->values, g->nvalues, sizeof(*g->values), cmp_u32);
    /* matched one to one, the values are the group's own handles */
    if (d->match == HL_MATCH_IDENTITY) {
        g->handles = g->values;
        g->nhandles = g->nvalues;
    }
}

/*
 * Builds the opened (or closed) list: the exact groups merged by pattern
 * (by exact name with exact_names), each with its exact names, largest
 * group first. By name, a group's count is the growth of its key, so
 * names that differ only where a pattern has a placeholder (a pid, a
 * tid) offset each other.
 */
static int make_list(struct builder *b, const struct hl_diff_opts *o,
                     int opened, struct hl_diff_group **out, size_t *n)
{
    struct hl_diff *d = b->d;
    int side = opened ? 0 : 1;
    struct exact_item *items;
    struct sort_item *groups = NULL;
    struct name_item *names = NULL;
    size_t i, j, k = 0, nitems, ngroups = 0, total = 0, net;
    size_t *ignored = opened ? &d->ignored_opened : &d->ignored_closed;
    int identity = d->match == HL_MATCH_IDENTITY;
    uint32_t *vals;
    int err;

    items = hl__calloc(b->ngroups, sizeof(*items));
    if (items == NULL)
        return HL_ENOMEM;
    if ((err = collect_exact(b, o, opened, items, &nitems)) != 0)
        goto out_free;
    qsort(items, nitems, sizeof(*items), exact_key_cmp);
    for (i = 0; i < nitems; i++)
        total += items[i].nvals;

    /* Interning is over: string pointers stay valid from here on. */
    err = HL_ENOMEM;
    groups = hl__calloc(nitems, sizeof(*groups));
    names = hl__calloc(nitems, sizeof(*names));
    d->names[side] = hl__calloc(nitems, sizeof(*d->names[side]));
    d->values[side] = hl__calloc(total, sizeof(*d->values[side]));
    *out = NULL;
    if (groups == NULL || names == NULL || d->names[side] == NULL ||
        d->values[side] == NULL)
        goto out_free;
    vals = d->values[side];
    for (i = 0; i < nitems; i = j) {
        for (j = i + 1; j < nitems && exact_key_cmp(&items[i], &items[j]) == 0;
             j++)
            ;
        net = identity ? 0 : run_growth(items + i, j - i, opened);
        if (!identity && items[i].ignored)
            *ignored += net;
        if (!identity && (items[i].ignored || net == 0))
            continue;
        merge_run(d, items + i, j - i, &groups[ngroups].g, names,
                  d->names[side], &k, &vals);
        if (!identity)
            groups[ngroups].g.count = net;
        if (opened)
            d->total_opened += groups[ngroups].g.count;
        else
            d->total_closed += groups[ngroups].g.count;
        groups[ngroups].type = hl_diff_str(d, groups[ngroups].g.type);
        groups[ngroups].name = hl_diff_str(d, groups[ngroups].g.name);
        groups[ngroups].stack = hl_diff_str(d, groups[ngroups].g.stack);
        ngroups++;
    }
    /* names[] were sorted within each group's slice; the slices stay */
    for (i = 0; i < k; i++)
        d->names[side][i] = names[i].n;
    qsort(groups, ngroups, sizeof(*groups), group_cmp);
    *out = hl__calloc(ngroups, sizeof(**out));
    if (*out == NULL)
        goto out_free;
    for (i = 0; i < ngroups; i++)
        (*out)[i] = groups[i].g;
    *n = ngroups;
    err = 0;

out_free:
    hl__free(names);
    hl__free(groups);
    hl__free(items);
    return err;
}

/* The diff id of a handle's type, once did_of() has seen it. */
static uint32_t type_did(const struct side *sd, const struct hl_handle *h)
{
    return sd->dids[h->type < sd->s->strings.count ? h->type : 0] - 1;
}

struct type_item {
    const char *name;
    struct hl_diff_type t;
};

static int type_cmp(const void *a, const void *b)
{
    const struct type_item *x = a, *y = b;
    int up_x = x->t.after > x->t.before, up_y = y->t.after > y->t.before;
    size_t dx = up_x ? x->t.after - x->t.before : x->t.before - x->t.after;
    size_t dy = up_y ? y->t.after - y->t.before : y->t.before - y->t.after;

    /* growth first, largest first; then shrinkage, smallest first */
    if (up_x != up_y)
        return up_x ? -1 : 1;
    if (dx != dy)
        return (dx > dy) == up_x ? -1 : 1;
    if (x->t.after != y->t.after)
        return x->t.after > y->t.after ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Counts per type on each side, largest growth first. */
static int make_types(struct builder *b)
{
    struct hl_diff *d = b->d;
    size_t *before = NULL, *after = NULL, i, k = 0, n;
    struct type_item *items = NULL;
    uint32_t id;
    int err;

    /* Intern every type first: the counts below are sized by the table. */
    for (i = 0; i < b->before.s->count; i++) {
        err = did_of(b, &b->before, b->before.s->handles[i].type, &id);
        if (err != 0)
            return err;
    }
    for (i = 0; i < b->after.s->count; i++) {
        err = did_of(b, &b->after, b->after.s->handles[i].type, &id);
        if (err != 0)
            return err;
    }
    n = d->strings.count;
    err = HL_ENOMEM;
    before = hl__calloc(n, sizeof(*before));
    after = hl__calloc(n, sizeof(*after));
    items = hl__calloc(n, sizeof(*items));
    if (before == NULL || after == NULL || items == NULL)
        goto out_free;
    for (i = 0; i < b->before.s->count; i++)
        before[type_did(&b->before, &b->before.s->handles[i])]++;
    for (i = 0; i < b->after.s->count; i++)
        after[type_did(&b->after, &b->after.s->handles[i])]++;
    for (i = 0; i < n; i++) {
        if (before[i] == 0 && after[i] == 0)
            continue;
        items[k].name = hl_diff_str(d, (uint32_t)i);
        items[k].t.type = (uint32_t)i;
        items[k].t.before = before[i];
        items[k].t.after = after[i];
        k++;
    }
    qsort(items, k, sizeof(*items), type_cmp);
    d->types = hl__calloc(k, sizeof(*d->types));
    if (d->types == NULL)
        goto out_free;
    for (i = 0; i < k; i++)
        d->types[i] = items[i].t;
    d->ntypes = k;
    err = 0;

out_free:
    hl__free(items);
    hl__free(after);
    hl__free(before);
    return err;
}

/* Records that gate g failed: reason (copied) into d->reasons, which has
 * room for every gate. */
static int gate_failed(struct hl_diff *d, struct hl_diff_gate *g,
                       const char *reason)
{
    char *copy = hl__strdup(reason);

    if (copy == NULL)
        return HL_ENOMEM;
    d->reasons[d->nreasons++] = copy;
    g->reason = copy;
    d->gate_failed = 1;
    return 0;
}

/* Judges gate g (counted already) and words its failure. */
static int judge_gate(struct hl_diff *d, struct hl_diff_gate *g)
{
    char buf[512];

    g->failed = g->opened > g->max;
    if (!g->failed)
        return 0;
    if (g->type == 0)
        snprintf(buf, sizeof(buf),
                 "%zu handles opened and still open; at most %" PRIu64
                 " allowed",
                 g->opened, g->max);
    else
        snprintf(buf, sizeof(buf),
                 "%.100s: %zu handles opened and still open; at most %" PRIu64
                 " allowed",
                 hl_diff_str(d, g->type), g->opened, g->max);
    return gate_failed(d, g, buf);
}

/* Judges the --fail-on-dead gate g against d->dead. */
static int dead_gate(struct hl_diff *d, struct hl_diff_gate *g, uint64_t max)
{
    char buf[256];

    g->kind = HL_GATE_DEAD;
    g->type = 0;
    g->max = max;
    g->opened = d->dead.count;
    g->failed = g->opened > max;
    if (!g->failed)
        return 0;
    snprintf(buf, sizeof(buf),
             "%zu handles to exited threads and processes still open (%zu "
             "to threads, %zu to processes); at most %" PRIu64 " allowed",
             d->dead.count, d->dead.threads, d->dead.processes, max);
    return gate_failed(d, g, buf);
}

static int apply_gates(struct hl_diff *d, const struct hl_diff_opts *o)
{
    size_t i, j, n = (o->fail_on_new ? 1 : 0) + o->nfail_on +
                     (o->fail_on_dead ? 1 : 0);
    struct hl_diff_gate *g;
    int err;

    d->gates = hl__calloc(n, sizeof(*d->gates));
    d->reasons = hl__calloc(n, sizeof(*d->reasons));
    if (d->gates == NULL || d->reasons == NULL)
        return HL_ENOMEM;
    if (o->fail_on_new) {
        g = &d->gates[d->ngates++];
        g->max = o->fail_on_new_max;
        g->opened = d->total_opened;
        if ((err = judge_gate(d, g)) != 0)
            return err;
    }
    for (i = 0; i < o->nfail_on; i++) {
        g = &d->gates[d->ngates++];
        g->max = o->fail_on[i].max;
        /* the type as the user wrote it, for the reports */
        err = hl_strtab_intern(&d->strings, o->fail_on[i].type,
                               strlen(o->fail_on[i].type), &g->type);
        if (err != 0)
            return err;
        for (j = 0; j < d->nopened; j++) {
            if (hl__type_eq(hl_diff_str(d, d->opened[j].type),
                            o->fail_on[i].type))
                g->opened += d->opened[j].count;
        }
        if ((err = judge_gate(d, g)) != 0)
            return err;
    }
    if (o->fail_on_dead)
        return dead_gate(d, &d->gates[d->ngates++], o->fail_on_dead_max);
    return 0;
}

int hl__diff_add_growth(struct hl_diff *d, const char *type,
                        const char *worst, double rate, double rate_max,
                        size_t samples, int judged, int failed)
{
    struct hl_diff_gate *gates, *g;
    char **reasons, buf[512];
    int err;

    gates = hl__reallocarray(d->gates, d->ngates + 1, sizeof(*gates));
    if (gates == NULL)
        return HL_ENOMEM;
    d->gates = gates;
    reasons = hl__reallocarray(d->reasons, d->ngates + 1, sizeof(*reasons));
    if (reasons == NULL)
        return HL_ENOMEM;
    d->reasons = reasons;
    g = &d->gates[d->ngates];
    memset(g, 0, sizeof(*g));
    g->kind = HL_GATE_GROWTH;
    if (type != NULL &&
        (err = hl_strtab_intern(&d->strings, type, strlen(type),
                                &g->type)) != 0)
        return err;
    if (worst != NULL &&
        (err = hl_strtab_intern(&d->strings, worst, strlen(worst),
                                &g->worst)) != 0)
        return err;
    g->rate = rate;
    g->rate_max = rate_max;
    g->samples = samples;
    g->judged = judged;
    g->failed = judged && failed;
    d->ngates++;
    if (!g->failed)
        return 0;
    snprintf(buf, sizeof(buf),
             "%s grows by %.1f handles per minute over %zu samples, over "
             "the limit of %.10g",
             worst != NULL ? worst : "a type", rate, samples, rate_max);
    return gate_failed(d, g, buf);
}

static int same_process(const struct hl_snapshot *a,
                        const struct hl_snapshot *b)
{
    return a->pid == b->pid && a->start_time == b->start_time;
}

int hl_diff_reversed(const struct hl_snapshot *before,
                     const struct hl_snapshot *after)
{
    return before->taken_at != 0 && after->taken_at != 0 &&
           after->taken_at < before->taken_at;
}

int hl_diff_other_program(const struct hl_snapshot *before,
                          const struct hl_snapshot *after)
{
    const char *a = hl_snapshot_str(before, before->image);
    const char *b = hl_snapshot_str(after, after->image);

    return *a != '\0' && *b != '\0' && !hl__ascii_caseeq(a, b);
}

int hl_diff_compute(const struct hl_snapshot *before,
                    const struct hl_snapshot *after,
                    const struct hl_diff_opts *opts, struct hl_diff *out)
{
    static const struct hl_diff_opts no_opts;
    struct builder b;
    struct hl_diff *d = out;
    size_t i, nvalues = 0;
    int err;

    if (opts == NULL)
        opts = &no_opts;
    memset(d, 0, sizeof(*d));
    memset(&b, 0, sizeof(b));
    b.d = d;
    b.before.s = before;
    b.after.s = after;
    err = hl_strtab_init(&d->strings);
    if (err != 0)
        return err;
    d->match = same_process(before, after) ? HL_MATCH_IDENTITY
                                           : HL_MATCH_BY_NAME;
    d->total_before = before->count;
    d->total_after = after->count;
    d->other_program = hl_diff_other_program(before, after);

    err = HL_ENOMEM;
    b.before.dids = hl__calloc(before->strings.count, sizeof(uint32_t));
    b.after.dids = hl__calloc(after->strings.count, sizeof(uint32_t));
    b.before.unmatched = hl__malloc(before->count);
    b.after.unmatched = hl__malloc(after->count);
    if (b.before.dids == NULL || b.after.dids == NULL ||
        b.before.unmatched == NULL || b.after.unmatched == NULL)
        goto out_fail;
    /* By exact name, two processes compare what a rerun keeps. */
    b.neutral = d->match == HL_MATCH_BY_NAME && opts->exact_names;
    if (b.neutral) {
        b.before.kdids = hl__calloc(before->strings.count, sizeof(uint32_t));
        b.after.kdids = hl__calloc(after->strings.count, sizeof(uint32_t));
        if (b.before.kdids == NULL || b.after.kdids == NULL)
            goto out_fail;
    }
    b.all_handles = opts->ignores != NULL && opts->ignores->count != 0;
    memset(b.before.unmatched, 1, before->count);
    memset(b.after.unmatched, 1, after->count);
    if ((err = groups_rehash(&b, 64)) != 0)
        goto out_fail;
    /* By name, a side without stacks would split every group in two. */
    b.use_stacks = d->match == HL_MATCH_IDENTITY
                       ? 1
                       : has_stacks(before) && has_stacks(after);

    if (d->match == HL_MATCH_IDENTITY && (err = match_identity(&b)) != 0)
        goto out_fail;
    if ((err = assign_groups(&b, &b.before, 0)) != 0 ||
        (err = assign_groups(&b, &b.after, 1)) != 0 ||
        (err = apply_ignores(&b, opts->ignores)) != 0)
        goto out_fail;
    /* by name too: a group's values lead to the debugger */
    for (i = 0; i < b.ngroups; i++)
        nvalues += b.groups[i].n_after + b.groups[i].n_before;
    if ((err = fill_values(&b, nvalues)) != 0)
        goto out_fail;
    /* make_types interns the last strings (types of matched handles): the
     * lists built after it may keep pointers into the string table. */
    if ((err = make_types(&b)) != 0 ||
        (err = make_list(&b, opts, 1, &d->opened, &d->nopened)) != 0 ||
        (err = make_list(&b, opts, 0, &d->closed, &d->nclosed)) != 0 ||
        (err = hl_dead_find(after, &d->strings, &d->dead)) != 0 ||
        (err = apply_gates(d, opts)) != 0)
        goto out_fail;
    err = 0;
    goto out_free_work;

out_fail:
    hl_diff_release(d);
out_free_work:
    hl__free(b.before.dids);
    hl__free(b.after.dids);
    hl__free(b.before.kdids);
    hl__free(b.after.kdids);
    hl__free(b.before.unmatched);
    hl__free(b.after.unmatched);
    hl__free(b.before.stack_ids);
    hl__free(b.after.stack_ids);
    hl__free(b.groups);
    hl__free(b.slots);
    hl__free(b.exact_values);
    hl__free(b.patterns);
    return err;
}

void hl_diff_release(struct hl_diff *d)
{
    size_t i;

    hl_strtab_release(&d->strings);
    hl__free(d->opened);
    hl__free(d->closed);
    hl__free(d->types);
    for (i = 0; i < d->nreasons; i++)
        hl__free(d->reasons[i]);
    hl__free(d->reasons);
    hl__free(d->gates);
    hl__free(d->values[0]);
    hl__free(d->values[1]);
    hl__free(d->names[0]);
    hl__free(d->names[1]);
    hl__free(d->ignore_hits);
    hl__free(d->ignore_specs);
    hl_dead_release(&d->dead);
    memset(d, 0, sizeof(*d));
}

const char *hl_diff_str(const struct hl_diff *d, uint32_t id)
{
    const char *s = hl_strtab_get(&d->strings, id);

    return s == NULL ? "" : s;
}
