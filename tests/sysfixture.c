/* The whole-system views of sysfixture.h. */
#include "sysfixture.h"

#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "snapshot-int.h"

#define T0 0x01da000000000000ull /* 2023 */
#define SECOND 10000000ull

static const char *const type_names[] = {"Event", "File", "Key", "Mutant",
                                         "Process", "Thread"};
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))
static const char *const unnamed_names[] = {"(type 37)", "Event"};

struct fix_proc {
    uint64_t pid, start;
    const char *image;
    int counted;
    uint32_t types[NTYPES]; /* in type_names' order */
    int gui;
};

static const struct fix_proc before[] = {
    {4, 0, "System", 1, {0, 0, 0, 0, 50, 50}, 0},
    {100, T0 + 1, "steady.exe", 1, {10, 5, 0, 0, 0, 1}, 1},
    {200, T0 + 2, "leaky.exe", 1, {10, 0, 2, 0, 0, 1}, 1},
    {300, T0 + 3, "gone.exe", 1, {0, 3, 0, 0, 0, 0}, 0},
    {400, T0 + 4, "reused.exe", 1, {1, 0, 0, 0, 0, 0}, 0},
};

static const struct fix_proc after[] = {
    {4, 0, "System", 1, {0, 0, 0, 0, 50, 50}, 0},
    {100, T0 + 1, "steady.exe", 1, {10, 5, 0, 0, 0, 1}, 1},
    {200, T0 + 2, "leaky.exe", 1, {60, 1, 2, 0, 0, 1}, 1},
    {400, T0 + 100, "reused.exe", 1, {7, 0, 0, 0, 0, 0}, 0},
    {600, T0 + 50, "new.exe", 1, {0, 0, 0, 4, 0, 0}, 0},
};

static int intern(struct hl_system *sys, const char *s, uint32_t *id)
{
    return hl_snapshot_intern(sys->names, s, id);
}

/* unnamed: the file's types as the system left one unnamed: File is
 * "(type 37)" */
static int fill(struct hl_system *sys, const struct fix_proc *procs,
                size_t n, uint64_t time, const char *host, int unnamed)
{
    size_t i, t;
    int err;

    sys->time = time;
    sys->duration_us = 1500;
    sys->flags = HL_SYSTEM_GUI;
    sys->procs = hl__calloc(n + 1, sizeof(*sys->procs));
    sys->type_names = hl__calloc(NTYPES, sizeof(*sys->type_names));
    sys->counts = hl__calloc(n * NTYPES + 1, sizeof(*sys->counts));
    if (sys->procs == NULL || sys->type_names == NULL || sys->counts == NULL)
        return HL_ENOMEM;
    if ((err = intern(sys, host, &sys->host)) != 0 ||
        (err = intern(sys, "Windows 10.0.19045", &sys->os_version)) != 0 ||
        (err = intern(sys, "0.0-test", &sys->hleak_version)) != 0 ||
        (err = intern(sys, "SystemExtendedHandleInformation",
                      &sys->method)) != 0)
        return err;
    /* a view's types are sorted by name, and "(" sorts first: File's
     * slot 1 and Event's slot 0 trade places */
    for (t = 0; t < NTYPES; t++) {
        const char *name = unnamed && t < 2 ? unnamed_names[t]
                                            : type_names[t];

        if ((err = intern(sys, name, &sys->type_names[t])) != 0)
            return err;
    }
    sys->ntypes = NTYPES;
    for (i = 0; i < n; i++) {
        struct hl__sys_proc *p = &sys->procs[i];

        p->pid = procs[i].pid;
        p->start = procs[i].start;
        if ((err = intern(sys, procs[i].image, &p->image)) != 0)
            return err;
        p->handles = 0;
        for (t = 0; t < NTYPES; t++) {
            size_t slot = unnamed && t < 2 ? 1 - t : t;

            sys->counts[i * NTYPES + slot] = procs[i].types[t];
            p->handles += procs[i].types[t];
        }
        p->reported = p->handles + 3;
        p->gui_known = procs[i].gui;
        p->gdi = procs[i].gui ? 12 : 0;
        p->user = procs[i].gui ? 7 : 0;
        if (!procs[i].counted)
            p->handles = HL_SYSTEM_UNKNOWN;
    }
    sys->nprocs = n;
    return 0;
}

/* The names of "sysna" (before 1) and "sysnb" (before 0): leaky.exe
 * holds events job-1 .. job-3 before and job-1 .. job-53 after, and a
 * temp file after; steady.exe one log file in both; the System process
 * refuses (denied), gone.exe too (elevated); pid 400 and new.exe are
 * named, with no named handle. */
static int add_names(struct hl_system *sys, int before_side)
{
    char name[96], nt[128];
    size_t i, k, jobs = before_side ? 3 : 53;
    uint64_t value = 0x40;
    int err = 0;

    sys->flags |= HL_SYSTEM_NAMES;
    for (i = 0; i < sys->nprocs && err == 0; i++) {
        struct hl__sys_proc *p = &sys->procs[i];
        const char *image = hl_snapshot_str(sys->names, p->image);

        p->names_state = HL_SYSTEM_NAMES_READ;
        if (strcmp(image, "System") == 0 || strcmp(image, "gone.exe") == 0) {
            p->names_state = HL_SYSTEM_NAMES_REFUSED;
            p->names_why = strcmp(image, "System") == 0 ? HL_ACCESS_DENIED
                                                          : HL_ACCESS_ELEVATED;
            continue;
        }
        p->names_asked = p->handles;
        if (strcmp(image, "steady.exe") == 0) {
            err = hl__system_add_name(sys, i, 0x10, 1, "C:\\logs\\steady.log",
                                      "\\Device\\HarddiskVolume3\\logs\\"
                                      "steady.log");
            p->name_timeouts = 1;
            continue;
        }
        if (strcmp(image, "leaky.exe") != 0)
            continue;
        for (k = 1; k <= jobs && err == 0; k++) {
            snprintf(name, sizeof(name),
                     "\\Sessions\\1\\BaseNamedObjects\\job-%zu", k);
            err = hl__system_add_name(sys, i, value += 4, 0, name, name);
        }
        if (err == 0 && !before_side) {
            snprintf(nt, sizeof(nt),
                     "\\Device\\HarddiskVolume3\\temp\\req-7.tmp");
            err = hl__system_add_name(sys, i, value += 4, 1,
                                      "C:\\temp\\req-7.tmp", nt);
        }
    }
    return err;
}

int hl_test_system(const char *variant, struct hl_system **out)
{
    struct hl_system *sys;
    int err;

    *out = NULL;
    if ((err = hl__system_new(&sys)) != 0)
        return err;
    if (strcmp(variant, "sysa") == 0 || strcmp(variant, "sysna") == 0)
        err = fill(sys, before, sizeof(before) / sizeof(before[0]), T0,
                   "TESTHOST", 0);
    else if (strcmp(variant, "sysxa") == 0)
        err = fill(sys, before, sizeof(before) / sizeof(before[0]), T0,
                   "TESTHOST", 1);
    else if (strcmp(variant, "syse") == 0)
        err = fill(sys, before, 0, T0, "TESTHOST", 0);
    else if (strcmp(variant, "sysb") == 0 || strcmp(variant, "sysu") == 0 ||
             strcmp(variant, "sysh") == 0 || strcmp(variant, "sysnb") == 0 ||
             strcmp(variant, "sysxb") == 0)
        err = fill(sys, after, sizeof(after) / sizeof(after[0]),
                   T0 + 60 * SECOND,
                   strcmp(variant, "sysh") == 0 ? "OTHERHOST" : "TESTHOST",
                   strcmp(variant, "sysxb") == 0);
    else
        err = HL_EINVAL;
    if (err == 0 && strncmp(variant, "sysn", 4) == 0)
        err = add_names(sys, strcmp(variant, "sysna") == 0);
    if (err == 0 && strcmp(variant, "sysu") == 0)
        sys->procs[1].handles = HL_SYSTEM_UNKNOWN;
    if (err != 0) {
        hl_system_free(sys);
        return err;
    }
    *out = sys;
    return 0;
}
