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
