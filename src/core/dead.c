#include "dead.h"

#include <string.h>

int hl__target_kind(const struct hl_snapshot *s, const struct hl_handle *h,
                    int *is_thread)
{
    const char *type = hl_snapshot_str(s, h->type);

    *is_thread = hl__ascii_caseeq(type, "Thread");
    return *is_thread || hl__ascii_caseeq(type, "Process");
}

/* The id of string id in s, re-interned into strings when not NULL. */
static int keep_id(const struct hl_snapshot *s, struct hl_strtab *strings,
                   uint32_t id, uint32_t *out)
{
    const char *str = hl_snapshot_str(s, id);

    if (strings == NULL) {
        *out = id;
        return 0;
    }
    return hl_strtab_intern(strings, str, strlen(str), out);
}

static int add_dead(struct hl_dead *dd, size_t *cap,
                    const struct hl_snapshot *s, struct hl_strtab *strings,
                    size_t i, int is_thread)
{
    const struct hl_handle *h = &s->handles[i];
    struct hl_dead_handle *x;
    int err;

    /* counted at once: on failure the list is freed whole */
    err = hl__push((void **)&dd->handles, cap, &dd->count,
                   sizeof(*dd->handles), (void **)&x);
    if (err != 0)
        return err;
    x->index = i;
    x->value = h->value;
    x->is_thread = is_thread;
    x->target = *hl_snapshot_target(s, i);
    if ((err = keep_id(s, strings, h->type, &x->type)) != 0 ||
        (err = keep_id(s, strings, h->name, &x->name)) != 0)
        return err;
    if (is_thread)
        dd->threads++;
    else
        dd->processes++;
    return 0;
}

int hl_dead_find(const struct hl_snapshot *s, struct hl_strtab *strings,
                 struct hl_dead *out)
{
    struct hl_dead dd;
    size_t i, cap = 0;
    int err = 0;

    memset(&dd, 0, sizeof(dd));
    dd.recorded = s->targets != NULL;
    for (i = 0; i < s->count && err == 0; i++) {
        const struct hl_target *t = hl_snapshot_target(s, i);
        int is_thread;

        if (!hl__target_kind(s, &s->handles[i], &is_thread))
            continue;
        if (t != NULL && t->state == HL_TARGET_ALIVE)
            dd.alive++;
        else if (t != NULL && t->state == HL_TARGET_EXITED)
            err = add_dead(&dd, &cap, s, strings, i, is_thread);
        else
            dd.unknown++;
    }
    if (err != 0) {
        hl_dead_release(&dd);
        return err;
    }
    *out = dd;
    return 0;
}

void hl_dead_release(struct hl_dead *dd)
{
    hl__free(dd->handles);
    memset(dd, 0, sizeof(*dd));
}
