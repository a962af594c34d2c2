/* The opaque snapshot of the public API (hleak/snapshot.h): made on the
 * heap, read through accessors, so its layout (snapshot-int.h) is free
 * to change. */

#include <stddef.h>
#include <stdint.h>

#include "core-int.h"
#include "hleak/snapshot.h"
#include "snapshot-int.h"

int hl_snapshot_new(struct hl_snapshot **out)
{
    struct hl_snapshot *s;
    int err;

    if (out == NULL)
        return HL_EINVAL;
    *out = NULL;
    s = hl__malloc(sizeof(*s));
    if (s == NULL)
        return HL_ENOMEM;
    err = hl_snapshot_init(s);
    if (err != 0) {
        hl__free(s);
        return err;
    }
    *out = s;
    return 0;
}

void hl_snapshot_free(struct hl_snapshot *s)
{
    if (s == NULL)
        return;
    hl_snapshot_release(s);
    hl__free(s);
}

size_t hl_snapshot_count(const struct hl_snapshot *s)
{
    return s != NULL ? s->count : 0;
}

const struct hl_handle *hl_snapshot_handle(const struct hl_snapshot *s,
                                           size_t i)
{
    return s != NULL && i < s->count ? &s->handles[i] : NULL;
}

uint64_t hl_snapshot_pid(const struct hl_snapshot *s)
{
    return s != NULL ? s->pid : 0;
}

uint64_t hl_snapshot_start_time(const struct hl_snapshot *s)
{
    return s != NULL ? s->start_time : 0;
}

uint64_t hl_snapshot_taken_at(const struct hl_snapshot *s)
{
    return s != NULL ? s->taken_at : 0;
}

const char *hl_snapshot_image(const struct hl_snapshot *s)
{
    return s != NULL ? hl_snapshot_str(s, s->image) : "";
}

uint32_t hl_snapshot_access(const struct hl_snapshot *s)
{
    return s != NULL ? s->access : HL_ACCESS_UNKNOWN;
}

uint32_t hl_snapshot_collect_flags(const struct hl_snapshot *s)
{
    return s != NULL ? s->collect_flags : 0;
}

const struct hl_gui *hl_snapshot_gui(const struct hl_snapshot *s)
{
    static const struct hl_gui none;

    return s != NULL ? &s->gui : &none;
}
