#include "hleak/snapshot.h"

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
    memset(s, 0, sizeof(*s));
    s->wow64 = HL_WOW64_UNKNOWN;
}

/* Grows the object array to at least need elements, zeroing the new. */
static int objects_reserve(struct hl_snapshot *s, size_t need)
{
    size_t old = s->objects_cap;
    int err = hl__grow((void **)&s->objects, &s->objects_cap, need,
                       sizeof(*s->objects));

    if (err == 0 && s->objects_cap > old)
        memset(s->objects + old, 0,
               (s->objects_cap - old) * sizeof(*s->objects));
    return err;
}

int hl_snapshot_add(struct hl_snapshot *s, const struct hl_handle *h)
{
    int err = hl__grow((void **)&s->handles, &s->cap, s->count + 1,
                       sizeof(*s->handles));

    if (err == 0 && s->objects != NULL)
        err = objects_reserve(s, s->count + 1);
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
    if (s->objects_cap < s->count &&
        (err = objects_reserve(s, s->count)) != 0)
        return err;
    s->objects[i] = object;
    return 0;
}

uint64_t hl_snapshot_object(const struct hl_snapshot *s, size_t i)
{
    return s->objects != NULL && i < s->count ? s->objects[i] : 0;
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
    const char *path = hl_snapshot_str(s, s->image);
    const char *base = path;
    const char *p;

    for (p = path; *p != '\0'; p++) {
        if (*p == '\\' || *p == '/')
            base = p + 1;
    }
    return base;
}
