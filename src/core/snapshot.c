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
    memset(s, 0, sizeof(*s));
    s->wow64 = HL_WOW64_UNKNOWN;
}

int hl_snapshot_add(struct hl_snapshot *s, const struct hl_handle *h)
{
    int err = hl__grow((void **)&s->handles, &s->cap, s->count + 1,
                       sizeof(*s->handles));

    if (err != 0)
        return err;
    s->handles[s->count++] = *h;
    return 0;
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
