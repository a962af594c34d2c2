/*
 * Names handles of the system-wide list (hleak/system.h) for one process
 * at a time, through the collector's name threads and workers
 * (names-win.c): the engine of `hleak find`, and of any whole-system
 * view with names. The list's own type names stand for the collector's
 * type map; a type it could not name is asked on each duplicate.
 */
#include <string.h>

#include "collect-int.h"
#include "details.h"
#include "core-int.h"
#include "system-int.h"
#include "win-int.h"

/* The type map and plans of the handle types in c->raw. */
static int plan_types(struct hl__collection *c, const struct hl_system *sys,
                      const size_t *idx, size_t n)
{
    size_t i;
    int err;

    memset(&c->types, 0, sizeof(c->types));
    memset(c->plan, HL__PLAN_ASK_TYPE, sizeof(c->plan));
    memset(c->dkind, 0, sizeof(c->dkind));
    for (i = 0; i < n; i++) {
        const struct hl__sys_handle *h = &sys->handles[idx[i]];
        const char *name;
        uint32_t id;

        if (h->type_index >= HL__TYPEMAP_SIZE ||
            c->types.id[h->type_index] != 0)
            continue;
        name = hl_snapshot_str(sys->names, sys->type_names[h->type]);
        /* "(type N)": not named by the system */
        if (name[0] == '(')
            continue;
        if ((err = hl_snapshot_intern(c->s, name, &id)) != 0)
            return err;
        c->types.id[h->type_index] = id + 1;
        c->plan[h->type_index] = (unsigned char)hl__name_plan_of(name);
        c->dkind[h->type_index] = (unsigned char)hl__details_kind_of(name);
    }
    return 0;
}

int hl__name_sys_handles(struct hl__collection *c,
                         const struct hl_system *sys, const size_t *idx,
                         size_t n)
{
    size_t i;
    int err;

    c->raw = hl__calloc(n != 0 ? n : 1, sizeof(*c->raw));
    if (c->raw == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        const struct hl__sys_handle *h = &sys->handles[idx[i]];

        c->raw[i].value = h->value;
        c->raw[i].access = h->access;
        c->raw[i].attributes = h->attributes;
        c->raw[i].type_index = h->type_index;
    }
    c->nraw = n;
    c->next = 0;
    c->stop = 0;
    err = plan_types(c, sys, idx, n);
    if (err == 0)
        err = hl__name_all(c);
    hl__free(c->answers);
    hl__free(c->targets);
    hl__free(c->fcache);
    hl__free(c->raw);
    c->answers = NULL;
    c->targets = NULL;
    c->fcache = NULL;
    c->fcap = 0;
    c->raw = NULL;
    c->nraw = 0;
    return err;
}
