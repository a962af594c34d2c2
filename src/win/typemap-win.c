/*
 * Type names: the list ObjectTypesInformation gives once, mapped to the
 * type indexes of the handle list, and confirmed once per index.
 */
#include <string.h>

#include "collect-int.h"
#include "details.h"
#include "core-int.h"
#include "win-int.h"

#define TYPES_FIRST_LEN (16u * 1024u)
#define TYPE_TRIES 4 /* handles tried to confirm one type index */

int hl__typemap_parse(struct hl__typemap *tm, const void *buf, size_t len,
                      enum hl__typeidx mode, struct hl_snapshot *s)
{
    const unsigned char *base = buf;
    const unsigned char *end = base + len;
    const unsigned char *p = base + HL_NT_TYPES_FIRST_OFFSET;
    struct hl_nt_object_types_info hdr;
    ULONG i;

    memset(tm, 0, sizeof(*tm));
    if (len < HL_NT_TYPES_FIRST_OFFSET)
        return 0;
    memcpy(&hdr, base, sizeof(hdr));
    for (i = 0; i < hdr.NumberOfTypes; i++) {
        struct hl_nt_object_type_info e;
        const unsigned char *name;
        size_t step;
        size_t idx;
        char *utf8 = NULL;
        uint32_t id;
        int err;

        if ((size_t)(end - p) < sizeof(e))
            break;
        memcpy(&e, p, sizeof(e));
        if (mode == HL__TYPEIDX_FIELD)
            idx = e.TypeIndex;
        else
            idx = (size_t)i + (mode == HL__TYPEIDX_POS2 ? 2 : 1);
        /* the name follows the entry; trust Buffer only inside buf */
        name = (const unsigned char *)e.TypeName.Buffer;
        if (name < base || name > end)
            name = p + sizeof(e);
        if (idx < HL__TYPEMAP_SIZE && (size_t)(end - name) >=
                                          e.TypeName.Length) {
            WCHAR *w = hl__malloc(e.TypeName.Length + sizeof(WCHAR));

            if (w == NULL)
                return HL_ENOMEM;
            memcpy(w, name, e.TypeName.Length);
            err = hl__utf8_from_utf16(w, e.TypeName.Length / sizeof(WCHAR),
                                      &utf8);
            hl__free(w);
            if (err == HL_ENOMEM || err == HL_ETOOBIG)
                return err;
            if (err == 0) {
                err = hl__intern_owned(s, utf8, &id);
                if (err != 0)
                    return err;
                tm->id[idx] = id + 1;
            }
        }
        step = sizeof(e) + ((e.TypeName.MaximumLength + sizeof(void *) - 1) &
                            ~(sizeof(void *) - 1));
        if ((size_t)(end - p) < step)
            break;
        p += step;
    }
    return 0;
}

/*
 * The map is a guess from numbering rules; one fact checks it: our own
 * handle on the target is a Process handle, and class 64 lists it with
 * its type index. A map that names that index otherwise is wrong (a
 * numbering this code does not know) and is dropped, never shifted into
 * agreement: every type is then named only by its confirmation on a
 * duplicate (hl__confirm_types()). Returns 1 when the map was dropped.
 */
static int check_typemap(struct hl__collection *c)
{
    int idx = c->proc_type_index;
    uint32_t id;

    if (idx < 0 || idx >= HL__TYPEMAP_SIZE)
        return 0;
    id = c->types.id[idx];
    if (id != 0 && strcmp(hl_snapshot_str(c->s, id - 1), "Process") == 0)
        return 0;
    memset(&c->types, 0, sizeof(c->types));
    return 1;
}

int hl__build_typemap(struct hl__collection *c)
{
    enum hl__typeidx mode = HL__TYPEIDX_FIELD;
    void *buf = NULL;
    ULONG len = 0;
    int err;

    /* TypeIndex is filled since 8.1; before, the position tells */
    if (c->os_major == 6 && c->os_minor <= 2)
        mode = c->os_minor == 0 ? HL__TYPEIDX_POS1 : HL__TYPEIDX_POS2;
    err =
        hl__query_loop(c, HL__QUERY_OBJECT_TYPES, TYPES_FIRST_LEN, &buf, &len);
    if (err != 0) {
        /* not fatal: each handle's type is then asked on its duplicate */
        if (c->diag != NULL)
            c->diag->call = NULL;
        return err == HL_ENOMEM ? err : 0;
    }
    err = hl__typemap_parse(&c->types, buf, len, mode, c->s);
    hl__free(buf);
    if (err != 0)
        return err;
    if (check_typemap(c))
        c->s->collect_flags |= HL_COLLECT_TYPES_DROPPED;
    return 0;
}

enum hl__name_plan hl__name_plan_of(const char *type)
{
    if (strcmp(type, "File") == 0)
        return HL__PLAN_TIMED;
    if (strcmp(type, "Process") == 0)
        return HL__PLAN_PROCESS;
    if (strcmp(type, "Thread") == 0)
        return HL__PLAN_THREAD;
    if (strcmp(type, "Token") == 0)
        return HL__PLAN_TOKEN;
    return HL__PLAN_NAME;
}

/*
 * The map is a guess from numbering rules: confirm each index present on
 * the duplicate of one of its handles (which cannot hang), here, before
 * the threads start, so they only read the map. An index no duplicate
 * confirms is asked again on every handle of it.
 */
int hl__confirm_types(struct hl__collection *c)
{
    unsigned char tries[HL__TYPEMAP_SIZE];
    size_t i;

    memset(tries, 0, sizeof(tries));
    memset(c->plan, HL__PLAN_ASK_TYPE, sizeof(c->plan));
    for (i = 0; i < c->nraw; i++) {
        uint32_t idx = c->raw[i].type_index;
        char *str = NULL;
        HANDLE dup;
        uint32_t id;
        int err;

        if (hl__past_deadline(c))
            return HL_ETIMEDOUT;
        if (idx >= HL__TYPEMAP_SIZE || c->verified[idx] ||
            tries[idx] >= TYPE_TRIES)
            continue;
        tries[idx]++;
        dup = hl__dup_from(c->api, c->proc, c->raw[i].value, 0);
        if (dup == NULL)
            continue;
        err = hl__query_type_name(c->api, dup, &str);
        c->api->close_handle(dup);
        if (err != 0)
            return err;
        if (str == NULL)
            continue;
        err = hl__intern_owned(c->s, str, &id);
        if (err != 0)
            return err;
        c->types.id[idx] = id + 1;
        c->verified[idx] = 1;
        c->plan[idx] =
            (unsigned char)hl__name_plan_of(hl_snapshot_str(c->s, id));
        c->dkind[idx] =
            (unsigned char)hl__details_kind_of(hl_snapshot_str(c->s, id));
    }
    return 0;
}
