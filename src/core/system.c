/* Reading and freeing a whole-system view (hleak/system.h); taking one is
 * the platform's (src/win/sysquery-win.c, src/stub/system-none.c). */
#include "hleak/system.h"

#include "core-int.h"
#include "snapshot-int.h"
#include "system-int.h"

int hl__system_new(struct hl_system **out)
{
    struct hl_system *sys = hl__calloc(1, sizeof(*sys));

    *out = NULL;
    if (sys == NULL)
        return HL_ENOMEM;
    sys->names = hl__calloc(1, sizeof(*sys->names));
    if (sys->names == NULL || hl_snapshot_init(sys->names) != 0) {
        hl_system_free(sys);
        return HL_ENOMEM;
    }
    *out = sys;
    return 0;
}

void hl_system_free(struct hl_system *sys)
{
    if (sys == NULL)
        return;
    if (sys->names != NULL)
        hl_snapshot_release(sys->names);
    hl__free(sys->names);
    hl__free(sys->procs);
    hl__free(sys->handles);
    hl__free(sys->type_names);
    hl__free(sys->counts);
    hl__free(sys->named);
    hl__free(sys);
}

uint64_t hl_system_time(const struct hl_system *sys)
{
    return sys->time;
}

size_t hl_system_count(const struct hl_system *sys)
{
    return sys->nprocs;
}

uint64_t hl_system_pid(const struct hl_system *sys, size_t i)
{
    return i < sys->nprocs ? sys->procs[i].pid : 0;
}

uint64_t hl_system_start_time(const struct hl_system *sys, size_t i)
{
    return i < sys->nprocs ? sys->procs[i].start : 0;
}

const char *hl_system_image(const struct hl_system *sys, size_t i)
{
    return i < sys->nprocs ? hl_snapshot_str(sys->names, sys->procs[i].image)
                           : "";
}

uint64_t hl_system_handles(const struct hl_system *sys, size_t i)
{
    return i < sys->nprocs ? sys->procs[i].handles : HL_SYSTEM_UNKNOWN;
}

uint64_t hl_system_reported_handles(const struct hl_system *sys, size_t i)
{
    return i < sys->nprocs ? sys->procs[i].reported : HL_SYSTEM_UNKNOWN;
}

size_t hl_system_ntypes(const struct hl_system *sys)
{
    return sys->ntypes;
}

const char *hl_system_type_name(const struct hl_system *sys, size_t t)
{
    return t < sys->ntypes ? hl_snapshot_str(sys->names, sys->type_names[t])
                           : "";
}

uint64_t hl_system_type_count(const struct hl_system *sys, size_t i,
                              size_t t)
{
    if (i >= sys->nprocs || t >= sys->ntypes ||
        sys->procs[i].handles == HL_SYSTEM_UNKNOWN)
        return HL_SYSTEM_UNKNOWN;
    return sys->counts[i * sys->ntypes + t];
}

int hl_system_gui(const struct hl_system *sys, size_t i, uint32_t *gdi,
                  uint32_t *user)
{
    if (i >= sys->nprocs || !sys->procs[i].gui_known)
        return 0;
    *gdi = sys->procs[i].gdi;
    *user = sys->procs[i].user;
    return 1;
}

int hl__system_add_name_ids(struct hl_system *sys, size_t i, uint64_t value,
                            uint32_t type, uint32_t name, uint32_t nt_name)
{
    struct hl__sys_proc *p;
    struct hl__sys_name *n;
    int err;

    if (i >= sys->nprocs || type >= sys->ntypes ||
        name >= sys->names->strings.count ||
        nt_name >= sys->names->strings.count)
        return HL_EINVAL;
    p = &sys->procs[i];
    if (p->nnamed == 0) {
        /* the first name of a process: after every earlier one's */
        if (i < sys->named_upto)
            return HL_EINVAL;
        p->named_first = sys->nnamed;
    } else if (sys->named[sys->nnamed - 1].value >= value) {
        return HL_EINVAL;
    }
    if ((err = hl__push((void **)&sys->named, &sys->named_cap,
                        &sys->nnamed, sizeof(*n), (void **)&n)) != 0)
        return err;
    n->value = value;
    n->type = type;
    n->name = name;
    n->nt_name = nt_name;
    p->nnamed++;
    sys->named_upto = i + 1;
    return 0;
}

int hl__system_add_name(struct hl_system *sys, size_t i, uint64_t value,
                        uint32_t type, const char *name,
                        const char *nt_name)
{
    uint32_t name_id, nt_id;
    int err;

    if ((err = hl_snapshot_intern(sys->names, name, &name_id)) != 0 ||
        (err = hl_snapshot_intern(sys->names, nt_name, &nt_id)) != 0)
        return err;
    return hl__system_add_name_ids(sys, i, value, type, name_id, nt_id);
}

int hl_system_has_names(const struct hl_system *sys)
{
    return (sys->flags & HL_SYSTEM_NAMES) != 0;
}

int hl_system_names(const struct hl_system *sys, size_t i, uint32_t *why,
                    uint64_t *asked, uint64_t *timeouts)
{
    const struct hl__sys_proc *p = i < sys->nprocs ? &sys->procs[i] : NULL;

    if (why != NULL)
        *why = p != NULL ? p->names_why : 0;
    if (asked != NULL)
        *asked = p != NULL ? p->names_asked : 0;
    if (timeouts != NULL)
        *timeouts = p != NULL ? p->name_timeouts : 0;
    return p != NULL ? (int)p->names_state : HL_SYSTEM_NAMES_NONE;
}

size_t hl_system_name_count(const struct hl_system *sys, size_t i)
{
    return i < sys->nprocs ? sys->procs[i].nnamed : 0;
}

static const struct hl__sys_name *named_at(const struct hl_system *sys,
                                           size_t i, size_t k)
{
    if (i >= sys->nprocs || k >= sys->procs[i].nnamed)
        return NULL;
    return &sys->named[sys->procs[i].named_first + k];
}

uint64_t hl_system_name_value(const struct hl_system *sys, size_t i,
                              size_t k)
{
    const struct hl__sys_name *n = named_at(sys, i, k);

    return n != NULL ? n->value : 0;
}

size_t hl_system_name_type(const struct hl_system *sys, size_t i, size_t k)
{
    const struct hl__sys_name *n = named_at(sys, i, k);

    return n != NULL ? n->type : 0;
}

const char *hl_system_name(const struct hl_system *sys, size_t i, size_t k)
{
    const struct hl__sys_name *n = named_at(sys, i, k);

    return n != NULL ? hl_snapshot_str(sys->names, n->name) : "";
}

const char *hl_system_name_nt(const struct hl_system *sys, size_t i,
                              size_t k)
{
    const struct hl__sys_name *n = named_at(sys, i, k);

    return n != NULL ? hl_snapshot_str(sys->names, n->nt_name) : "";
}
