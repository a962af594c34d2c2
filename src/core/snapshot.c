#include "snapshot-int.h"

#include <string.h>

#include "core-int.h"

static const char *const name_err_strs[] = {
#define HL__NAME_ERR_STR(code, msg) msg,
    HL_NAME_ERR_MAP(HL__NAME_ERR_STR)
#undef HL__NAME_ERR_STR
};

const char *hl_name_err_str(uint32_t err)
{
    return err < HL_NAME_ERR_COUNT ? name_err_strs[err] : NULL;
}

static const char *const access_strs[] = {
#define HL__ACCESS_STR(code, msg) msg,
    HL_ACCESS_MAP(HL__ACCESS_STR)
#undef HL__ACCESS_STR
};

const char *hl_access_str(uint32_t access)
{
    return access < HL_ACCESS_COUNT ? access_strs[access] : NULL;
}

int hl_snapshot_init(struct hl_snapshot *s)
{
    memset(s, 0, sizeof(*s));
    s->wow64 = HL_WOW64_UNKNOWN;
    return hl_strtab_init(&s->strings);
}

void hl_snapshot_release(struct hl_snapshot *s)
{
    hl_strtab_release(&s->strings);
    hl__free(s->handles);
    hl__free(s->objects);
    hl__free(s->extras);
    hl__free(s->modules);
    hl__free(s->stacks);
    hl__free(s->frames);
    hl__free(s->targets);
    hl__free(s->details);
    hl__free(s->symbols);
    memset(s, 0, sizeof(*s));
    s->wow64 = HL_WOW64_UNKNOWN;
}

/* The side arrays grow to at least need elements, the new ones zero. */
static int objects_reserve(struct hl_snapshot *s, size_t need)
{
    return hl__grow_zeroed((void **)&s->objects, &s->objects_cap, need,
                           sizeof(*s->objects));
}

static int extras_reserve(struct hl_snapshot *s, size_t need)
{
    return hl__grow_zeroed((void **)&s->extras, &s->extras_cap, need,
                           sizeof(*s->extras));
}

static int targets_reserve(struct hl_snapshot *s, size_t need)
{
    return hl__grow_zeroed((void **)&s->targets, &s->targets_cap, need,
                           sizeof(*s->targets));
}

static int details_reserve(struct hl_snapshot *s, size_t need)
{
    return hl__grow_zeroed((void **)&s->details, &s->details_cap, need,
                           sizeof(*s->details));
}

int hl_snapshot_add(struct hl_snapshot *s, const struct hl_handle *h)
{
    int err = hl__grow((void **)&s->handles, &s->cap, s->count + 1,
                       sizeof(*s->handles));

    if (err == 0 && s->objects != NULL)
        err = objects_reserve(s, s->count + 1);
    if (err == 0 && s->extras != NULL)
        err = extras_reserve(s, s->count + 1);
    if (err == 0 && s->targets != NULL)
        err = targets_reserve(s, s->count + 1);
    if (err == 0 && s->details != NULL)
        err = details_reserve(s, s->count + 1);
    if (err != 0)
        return err;
    s->handles[s->count++] = *h;
    return 0;
}

int hl_snapshot_set_object(struct hl_snapshot *s, size_t i, uint64_t object)
{
    int err;

    if (i >= s->count)
        return HL_EINVAL;
    if (s->objects == NULL && object == 0)
        return 0;
    /* Room for every handle the array can hold, not just those so far:
     * a reader that fills handles in place (snapfile.c) sets an object
     * only now and then, and the array must still cover them all. */
    if (s->objects_cap < s->cap &&
        (err = objects_reserve(s, s->cap)) != 0)
        return err;
    s->objects[i] = object;
    return 0;
}

uint64_t hl_snapshot_object(const struct hl_snapshot *s, size_t i)
{
    return s->objects != NULL && i < s->count && i < s->objects_cap
               ? s->objects[i]
               : 0;
}

int hl_snapshot_set_target(struct hl_snapshot *s, size_t i,
                           const struct hl_target *t)
{
    int err;

    if (i >= s->count || t->state >= HL_TARGET_STATE_COUNT ||
        (t->flags & ~HL_TARGET_HAS_CODE) != 0)
        return HL_EINVAL;
    if (s->targets == NULL && t->state == HL_TARGET_NONE)
        return 0;
    if (s->targets_cap < s->count &&
        (err = targets_reserve(s, s->count)) != 0)
        return err;
    s->targets[i] = *t;
    return 0;
}

const struct hl_target *hl_snapshot_target(const struct hl_snapshot *s,
                                           size_t i)
{
    return s->targets != NULL && i < s->count ? &s->targets[i] : NULL;
}

int hl_snapshot_set_details(struct hl_snapshot *s, size_t i,
                            const struct hl_details *d)
{
    int err;

    if (i >= s->count || d->kind >= HL_DETAILS_KIND_COUNT ||
        (d->known & ~(HL_DETAILS_BASIC | HL_DETAILS_MORE)) != 0 ||
        d->text >= s->strings.count)
        return HL_EINVAL;
    if (d->kind == HL_DETAILS_NONE) {
        if (d->known != 0 || d->a != 0 || d->b != 0 || d->c != 0 ||
            d->d != 0 || d->text != 0)
            return HL_EINVAL;
        if (s->details == NULL)
            return 0;
    }
    if (s->details_cap < s->count &&
        (err = details_reserve(s, s->count)) != 0)
        return err;
    s->details[i] = *d;
    return 0;
}

const struct hl_details *hl_snapshot_details(const struct hl_snapshot *s,
                                             size_t i)
{
    if (s->details == NULL || i >= s->count ||
        s->details[i].kind == HL_DETAILS_NONE)
        return NULL;
    return &s->details[i];
}

int hl_snapshot_intern(struct hl_snapshot *s, const char *str, uint32_t *id)
{
    if (str == NULL) {
        *id = 0;
        return 0;
    }
    return hl_strtab_intern(&s->strings, str, strlen(str), id);
}

const char *hl_snapshot_str(const struct hl_snapshot *s, uint32_t id)
{
    const char *str = hl_strtab_get(&s->strings, id);

    return str == NULL ? "" : str;
}

const char *hl_snapshot_image_name(const struct hl_snapshot *s)
{
    return hl__path_base(hl_snapshot_str(s, s->image));
}

const struct hl_handle_extra *hl_snapshot_extra(const struct hl_snapshot *s,
                                                size_t i)
{
    return s->extras != NULL && i < s->count ? &s->extras[i] : NULL;
}

/* The extra record of handle i, made on first use. */
static int extra_at(struct hl_snapshot *s, size_t i,
                    struct hl_handle_extra **x)
{
    int err;

    if (i >= s->count)
        return HL_EINVAL;
    if (s->extras_cap < s->count &&
        (err = extras_reserve(s, s->count)) != 0)
        return err;
    *x = &s->extras[i];
    return 0;
}

int hl_snapshot_set_counts(struct hl_snapshot *s, size_t i,
                           uint32_t handle_count, uint32_t pointer_count)
{
    struct hl_handle_extra *x;
    int err = extra_at(s, i, &x);

    if (err != 0)
        return err;
    x->flags |= HL_EXTRA_COUNTS;
    x->handle_count = handle_count;
    x->pointer_count = pointer_count;
    return 0;
}

int hl_snapshot_set_object_info(struct hl_snapshot *s, size_t i,
                                const char *text)
{
    struct hl_handle_extra *x;
    uint32_t id;
    int err;

    if (i >= s->count)
        return HL_EINVAL;
    if ((err = hl_snapshot_intern(s, text, &id)) != 0)
        return err;
    if (id == 0 && s->extras == NULL)
        return 0;
    if ((err = extra_at(s, i, &x)) != 0)
        return err;
    x->object_info = id;
    return 0;
}

int hl_snapshot_set_extra(struct hl_snapshot *s, size_t i,
                          const struct hl_handle_extra *x)
{
    struct hl_handle_extra *d;
    int err;

    if (i >= s->count || x->object_info >= s->strings.count ||
        x->open_stack > s->nstacks || (x->flags & ~HL_EXTRA_COUNTS) != 0)
        return HL_EINVAL;
    if ((err = extra_at(s, i, &d)) != 0)
        return err;
    *d = *x;
    return 0;
}

int hl_snapshot_add_module(struct hl_snapshot *s, const char *name,
                           uint64_t base, uint32_t size, uint32_t timestamp)
{
    struct hl_module *m;
    uint32_t id;
    int err;

    if ((err = hl_snapshot_intern(s, name, &id)) != 0)
        return err;
    err = hl__grow((void **)&s->modules, &s->modules_cap, s->nmodules + 1,
                   sizeof(*s->modules));
    if (err != 0)
        return err;
    m = &s->modules[s->nmodules++];
    m->base = base;
    m->size = size;
    m->timestamp = timestamp;
    m->name = id;
    return 0;
}

int hl_snapshot_add_stack(struct hl_snapshot *s, uint32_t thread_id,
                          const uint64_t *frames, uint32_t depth,
                          uint32_t *index)
{
    struct hl_stack *st;
    int err;

    /* Indexes are stored + 1 in 32 bits (hl_handle_extra.open_stack). */
    if (s->nstacks >= UINT32_MAX - 1)
        return HL_ETOOBIG;
    if (depth > SIZE_MAX - s->nframes)
        return HL_ETOOBIG;
    err = hl__grow((void **)&s->frames, &s->frames_cap, s->nframes + depth,
                   sizeof(*s->frames));
    if (err == 0)
        err = hl__grow((void **)&s->stacks, &s->stacks_cap, s->nstacks + 1,
                       sizeof(*s->stacks));
    if (err != 0)
        return err;
    if (depth != 0)
        memcpy(s->frames + s->nframes, frames, depth * sizeof(*frames));
    st = &s->stacks[s->nstacks];
    st->first = s->nframes;
    st->depth = depth;
    st->thread_id = thread_id;
    s->nframes += depth;
    *index = (uint32_t)s->nstacks++;
    return 0;
}

int hl_snapshot_set_handle_stack(struct hl_snapshot *s, size_t i,
                                 uint32_t stack)
{
    struct hl_handle_extra *x;
    int err;

    if (stack >= s->nstacks)
        return HL_EINVAL;
    if ((err = extra_at(s, i, &x)) != 0)
        return err;
    x->open_stack = stack + 1;
    return 0;
}

const struct hl_stack *hl_snapshot_handle_stack(const struct hl_snapshot *s,
                                                size_t i)
{
    const struct hl_handle_extra *x = hl_snapshot_extra(s, i);

    if (x == NULL || x->open_stack == 0 || x->open_stack > s->nstacks)
        return NULL;
    return &s->stacks[x->open_stack - 1];
}
