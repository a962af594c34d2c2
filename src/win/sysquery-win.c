/*
 * The whole system at one moment (hleak/system.h): the system-wide handle
 * list (class 64) counted per process and type, then the process list
 * (class 5) for images and start times. Every call goes through the NT
 * table, so tests can answer with bytes of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect-int.h"
#include "core-int.h"
#include "hleak/caps.h"
#include "hleak/system.h"
#include "system-int.h"
#include "win-int.h"

const unsigned hl__caps_system = HL_CAP_SYSTEM;

/* Large enough that a quiet system answers the first time. */
#define SYS_HANDLES_FIRST_LEN (1024u * 1024u)
#define SYS_PROCS_FIRST_LEN (256u * 1024u)
#define TYPES_FIRST_LEN (16u * 1024u)
#define TYPE_TRIES 4 /* handles tried to name one type index */

static int cmp_handle(const void *pa, const void *pb)
{
    const struct hl__sys_handle *a = pa, *b = pb;

    return hl__cmp_pair(a->pid, a->value, b->pid, b->value);
}

static int cmp_proc(const void *pa, const void *pb)
{
    const struct hl__sys_proc *a = pa, *b = pb;

    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int read_handles(struct hl_system *sys, const void *buf, ULONG len)
{
    const struct hl_nt_handle_entry_ex *e;
    size_t n = hl__sys_handle_entries(buf, len, &e), i;

    sys->handles = hl__calloc(n != 0 ? n : 1, sizeof(*sys->handles));
    if (sys->handles == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        sys->handles[i].pid = e[i].UniqueProcessId;
        sys->handles[i].value = e[i].HandleValue;
        sys->handles[i].access = e[i].GrantedAccess;
        sys->handles[i].attributes = e[i].HandleAttributes;
        sys->handles[i].type_index = e[i].ObjectTypeIndex;
    }
    sys->nhandles = n;
    qsort(sys->handles, n, sizeof(*sys->handles), cmp_handle);
    return 0;
}

/* The image name of one entry, trusted only inside the buffer. */
static int entry_image(struct hl_system *sys,
                       const struct hl_nt_process_info *pi,
                       const unsigned char *base, size_t len, uint32_t *id)
{
    const unsigned char *name = (const unsigned char *)pi->ImageName.Buffer;
    size_t n = pi->ImageName.Length;
    WCHAR *w;
    char *utf8 = NULL;
    int err;

    if (name == NULL || n == 0 || name < base || name > base + len ||
        (size_t)(base + len - name) < n)
        return hl_snapshot_intern(sys->names, "", id);
    w = hl__malloc(n + sizeof(WCHAR));
    if (w == NULL)
        return HL_ENOMEM;
    memcpy(w, name, n);
    err = hl__utf8_from_utf16(w, n / sizeof(WCHAR), &utf8);
    hl__free(w);
    if (err == HL_EINVAL)
        return hl_snapshot_intern(sys->names, "", id);
    if (err != 0)
        return err;
    return hl__intern_owned(sys->names, utf8, id);
}

/* Walks the process list by NextEntryOffset, never past len. */
static int read_procs(struct hl_system *sys, const void *buf, ULONG len)
{
    const unsigned char *base = buf;
    size_t off = 0, cap = 0;
    int err;

    while (len >= sizeof(struct hl_nt_process_info) &&
           off <= len - sizeof(struct hl_nt_process_info)) {
        struct hl_nt_process_info pi;
        struct hl__sys_proc *p;

        memcpy(&pi, base + off, sizeof(pi));
        err = hl__push((void **)&sys->procs, &cap, &sys->nprocs,
                       sizeof(*sys->procs), (void **)&p);
        if (err != 0)
            return err;
        p->pid = (uintptr_t)pi.UniqueProcessId;
        p->start = (uint64_t)pi.CreateTime.QuadPart;
        p->reported = pi.HandleCount;
        err = entry_image(sys, &pi, base, len, &p->image);
        if (err != 0)
            return err;
        /* an entry shorter than its header would loop or overlap */
        if (pi.NextEntryOffset < sizeof(pi))
            break;
        off += pi.NextEntryOffset;
    }
    if (sys->nprocs > 1)
        qsort(sys->procs, sys->nprocs, sizeof(*sys->procs), cmp_proc);
    return 0;
}

struct type_slot {
    const char *name;
    uint32_t id;
    uint32_t index;
};

static int cmp_slot(const void *pa, const void *pb)
{
    const struct type_slot *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);

    return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

/* The types present in the list, by name, and each handle's slot. */
static int assign_types(struct hl_system *sys, const struct hl__typemap *tm)
{
    uint32_t slot_of[HL__TYPEMAP_SIZE + 1];
    unsigned char seen[HL__TYPEMAP_SIZE + 1];
    struct type_slot slots[HL__TYPEMAP_SIZE + 1];
    size_t i, n = 0;
    int err;

    memset(seen, 0, sizeof(seen));
    for (i = 0; i < sys->nhandles; i++) {
        uint32_t idx = sys->handles[i].type_index;

        seen[idx < HL__TYPEMAP_SIZE ? idx : HL__TYPEMAP_SIZE] = 1;
    }
    for (i = 0; i <= HL__TYPEMAP_SIZE; i++) {
        char buf[32];
        uint32_t id;

        if (!seen[i])
            continue;
        if (i < HL__TYPEMAP_SIZE && tm->id[i] != 0) {
            id = tm->id[i] - 1;
        } else {
            if (i < HL__TYPEMAP_SIZE)
                snprintf(buf, sizeof(buf), "(type %u)", (unsigned)i);
            else
                snprintf(buf, sizeof(buf), "(type over %u)",
                         (unsigned)HL__TYPEMAP_SIZE - 1);
            if ((err = hl_snapshot_intern(sys->names, buf, &id)) != 0)
                return err;
        }
        slots[n].id = id;
        slots[n].index = (uint32_t)i;
        n++;
    }
    for (i = 0; i < n; i++)
        slots[i].name = hl_snapshot_str(sys->names, slots[i].id);
    qsort(slots, n, sizeof(slots[0]), cmp_slot);
    sys->type_names = hl__calloc(n != 0 ? n : 1, sizeof(*sys->type_names));
    if (sys->type_names == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        sys->type_names[i] = slots[i].id;
        slot_of[slots[i].index] = (uint32_t)i;
    }
    sys->ntypes = n;
    for (i = 0; i < sys->nhandles; i++) {
        uint32_t idx = sys->handles[i].type_index;

        sys->handles[i].type =
            slot_of[idx < HL__TYPEMAP_SIZE ? idx : HL__TYPEMAP_SIZE];
    }
    return 0;
}

/*
 * Gives each process its handles. A process that started after the
 * handle list was read (or took the pid of one that had it) has no count
 * there: unknown, never 0. Handles of a pid the process list lacks were
 * a process's that exited in between.
 */
static int count_handles(struct hl_system *sys)
{
    size_t i, h = 0;

    sys->counts = hl__calloc(sys->nprocs * sys->ntypes + 1,
                             sizeof(*sys->counts));
    if (sys->counts == NULL)
        return HL_ENOMEM;
    for (i = 0; i < sys->nprocs; i++) {
        struct hl__sys_proc *p = &sys->procs[i];
        size_t k;

        while (h < sys->nhandles && sys->handles[h].pid < p->pid)
            sys->vanished++, h++;
        p->first = h;
        while (h < sys->nhandles && sys->handles[h].pid == p->pid)
            h++;
        p->nheld = h - p->first;
        if (p->start > sys->time) {
            p->handles = HL_SYSTEM_UNKNOWN;
            continue;
        }
        p->handles = p->nheld;
        for (k = p->first; k < h; k++)
            sys->counts[i * sys->ntypes + sys->handles[k].type]++;
    }
    sys->vanished += sys->nhandles - h;
    return 0;
}

/* The index of the Process handle self in the list, or -1. */
static int self_type_index(const struct hl_system *sys, HANDLE self)
{
    uint64_t pid = GetCurrentProcessId();
    size_t i;

    for (i = 0; self != NULL && i < sys->nhandles; i++) {
        if (sys->handles[i].pid == pid &&
            sys->handles[i].value == (uintptr_t)self)
            return (int)sys->handles[i].type_index;
    }
    return -1;
}

/*
 * Names each type index from a duplicate of one of its handles (a type
 * query, which cannot hang), as hl__confirm_types() does for one target:
 * the way when no numbering rule holds. Handles are by pid, so each
 * process is opened once; one that refuses is passed over. A type only
 * hleak itself holds stays "(type N)".
 */
static int confirm_types(const struct hl_nt_api *api, struct hl_system *sys,
                         struct hl__typemap *tm)
{
    unsigned char tries[HL__TYPEMAP_SIZE];
    uint64_t open_pid = UINT64_MAX, self_pid = GetCurrentProcessId();
    HANDLE proc = NULL;
    size_t i;
    int err = 0;

    memset(tries, 0, sizeof(tries));
    for (i = 0; i < sys->nhandles && err == 0; i++) {
        const struct hl__sys_handle *h = &sys->handles[i];
        char *str = NULL;
        HANDLE dup;
        uint32_t id;

        /* not our own: they include the console's, and closing a
         * duplicate of a console handle of hleak's own is a risk not
         * worth one type name (under Wine 8 it cuts hleak's console
         * output) */
        if (h->type_index >= HL__TYPEMAP_SIZE || tm->id[h->type_index] ||
            tries[h->type_index] >= TYPE_TRIES || h->pid == self_pid)
            continue;
        if (h->pid != open_pid) {
            if (proc != NULL)
                api->close_handle(proc);
            open_pid = h->pid;
            proc = h->pid <= 0xFFFFFFFFu
                       ? api->open_process(PROCESS_DUP_HANDLE, FALSE,
                                           (DWORD)h->pid)
                       : NULL;
        }
        if (proc == NULL)
            continue;
        tries[h->type_index]++;
        dup = hl__dup_from(api, proc, h->value, 0);
        if (dup == NULL)
            continue;
        err = hl__query_type_name(api, dup, &str);
        api->close_handle(dup);
        /* an empty answer names nothing: the type stays "(type N)" */
        if (err == 0 && str != NULL && str[0] == '\0') {
            hl__free(str);
            str = NULL;
        }
        if (err == 0 && str != NULL) {
            err = hl__intern_owned(sys->names, str, &id);
            if (err == 0)
                tm->id[h->type_index] = id + 1;
        }
    }
    if (proc != NULL)
        api->close_handle(proc);
    return err;
}

/*
 * The type map is a guess from numbering rules, the one the OS version
 * says first. One fact checks it: self, our own handle on this process,
 * is a Process handle. A numbering that names its index otherwise is
 * wrong; the others are tried, and when none agrees each type is named
 * from a duplicate (confirm_types()), else "(type N)", never misnamed.
 * Without self in the list (a fake, a refused OpenProcess), the
 * version's rule stands.
 */
static int read_types(const struct hl_nt_api *api, struct hl_system *sys,
                      HANDLE self, struct hl__typemap *tm)
{
    enum hl__typeidx modes[4] = {HL__TYPEIDX_FIELD, HL__TYPEIDX_FIELD,
                                 HL__TYPEIDX_POS2, HL__TYPEIDX_POS1};
    unsigned major = 0, minor = 0;
    int idx = self_type_index(sys, self);
    char *os = NULL;
    void *buf = NULL;
    ULONG len = 0;
    size_t m;
    int err;

    memset(tm, 0, sizeof(*tm));
    err = hl__os_version(api, &os, &major, &minor);
    hl__free(os);
    if (err == HL_ENOMEM)
        return err;
    /* TypeIndex is filled since 8.1; before, the position tells */
    if (err == 0 && major == 6 && minor <= 2)
        modes[0] = minor == 0 ? HL__TYPEIDX_POS1 : HL__TYPEIDX_POS2;
    err = hl__query_grow(api, NULL, HL__QUERY_OBJECT_TYPES, TYPES_FIRST_LEN,
                         &buf, &len, NULL);
    if (err != 0)
        return err == HL_ENOMEM ? err : 0;
    for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        uint32_t id;

        err = hl__typemap_parse(tm, buf, len, modes[m], sys->names);
        if (err != 0 || idx < 0 || idx >= HL__TYPEMAP_SIZE)
            break;
        id = tm->id[idx];
        if (id != 0 &&
            strcmp(hl_snapshot_str(sys->names, id - 1), "Process") == 0)
            break;
        memset(tm, 0, sizeof(*tm));
    }
    hl__free(buf);
    if (err == 0 && m == sizeof(modes) / sizeof(modes[0]))
        err = confirm_types(api, sys, tm);
    return err;
}

static void read_gui(const struct hl_nt_api *api, struct hl_system *sys)
{
    int reports = hl__gui_reports(api);
    size_t i;

    for (i = 0; i < sys->nprocs; i++) {
        struct hl__sys_proc *p = &sys->procs[i];
        FILETIME created, exited, kernel, user;
        struct hl_gui g;
        HANDLE h;

        if (!reports || p->pid == 0 || p->pid > 0xFFFFFFFFu)
            continue;
        h = api->open_process(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                              (DWORD)p->pid);
        if (h == NULL)
            continue;
        /* the pid may name another process by now */
        if (api->get_process_times(h, &created, &exited, &kernel, &user) &&
            hl__filetime_u64(&created) == p->start) {
            hl__gui_counts_probed(api, h, (DWORD)p->pid, reports, &g);
            if (g.flags & HL_GUI_COUNTS) {
                p->gui_known = 1;
                p->gdi = g.gdi;
                p->user = g.user;
            }
        }
        api->close_handle(h);
    }
}

static int take(const struct hl_nt_api *api, unsigned flags,
                struct hl_system *sys, struct hl_diag *diag)
{
    struct hl__typemap tm;
    void *buf = NULL;
    ULONG len = 0;
    FILETIME now;
    HANDLE self;
    int err;

    self = api->open_process(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                             GetCurrentProcessId());
    /* to the 100 ns of CreateTime, which it is compared with */
    GetSystemTimeAsFileTime(&now);
    sys->time = hl__filetime_u64(&now);
    err = hl__query_grow(api, NULL, HL__QUERY_SYSTEM_HANDLES,
                         SYS_HANDLES_FIRST_LEN, &buf, &len, diag);
    if (err == 0) {
        err = read_handles(sys, buf, len);
        hl__free(buf);
    }
    /* a type list refused leaves every type "(type N)" */
    if (err == 0)
        err = read_types(api, sys, self, &tm);
    if (self != NULL)
        api->close_handle(self);
    if (err != 0)
        return err;
    err = hl__query_grow(api, NULL, HL__QUERY_SYSTEM_PROCESSES,
                         SYS_PROCS_FIRST_LEN, &buf, &len, diag);
    if (err != 0)
        return err;
    err = read_procs(sys, buf, len);
    hl__free(buf);
    if (err == 0)
        err = assign_types(sys, &tm);
    if (err == 0)
        err = count_handles(sys);
    if (err == 0 && (flags & HL_SYSTEM_GUI))
        read_gui(api, sys);
    return err;
}

/* What a whole-system snapshot file records of the take: best effort,
 * like a process snapshot's host and versions. */
static int stamp(const struct hl_nt_api *api, unsigned flags,
                 struct hl_system *sys)
{
    unsigned major, minor;
    char *str = NULL;
    int err;

    sys->flags = flags & HL_SYSTEM_GUI;
    if ((err = hl__host_name(api, &str)) == 0)
        err = hl__intern_owned(sys->names, str, &sys->host);
    if (err == HL_ENOMEM)
        return err;
    str = NULL;
    if ((err = hl__os_version(api, &str, &major, &minor)) == 0)
        err = hl__intern_owned(sys->names, str, &sys->os_version);
    if (err == HL_ENOMEM)
        return err;
    if ((err = hl_snapshot_intern(sys->names, hl__version_full(),
                                  &sys->hleak_version)) != 0)
        return err;
    return hl_snapshot_intern(sys->names, "SystemExtendedHandleInformation",
                              &sys->method);
}

int hl_system_take(unsigned flags, struct hl_system **out,
                   struct hl_diag *diag)
{
    uint64_t t0 = hl__clock_us();
    const struct hl_nt_api *api = hl__nt_get();
    struct hl_system *sys;
    int err;

    *out = NULL;
    if (api == NULL)
        return HL_ENOTSUP;
    if ((err = hl__wow64_check(api, sizeof(void *))) != 0)
        return err;
    if ((err = hl__system_new(&sys)) != 0)
        return err;
    err = take(api, flags, sys, diag);
    if (err == 0)
        err = stamp(api, flags, sys);
    if (err == 0 && (flags & HL_SYSTEM_NAMES))
        err = hl_system_read_names(sys, 0, 0, 0);
    sys->duration_us = hl__clock_us() - t0;
    if (err != 0) {
        hl_system_free(sys);
        return err;
    }
    *out = sys;
    return 0;
}
