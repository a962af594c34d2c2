#include "trace.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/caps.h"
#include "win-int.h"

/* after windows.h (from win-int.h), which it needs */
#include <dbghelp.h>

#define TRACE_ATTEMPTS 10
/* 0x20000 slots of 0xA0 bytes are 20 MiB: nothing legitimate is larger. */
#define TRACE_MAX_LEN (32u * 1024u * 1024u)
#define TRACE_FIRST_ENTRIES 1024u
#define MODULE_ATTEMPTS 5

const unsigned hl__caps_trace = HL_CAP_TRACE;

/* Status codes of class 32 to HL_E*: "not supported" is its own answer
 * (Wine: NOT_IMPLEMENTED from the set, INVALID_INFO_CLASS from the
 * query; Windows before XP SP2 has no class 32 either). */
static int from_trace_status(NTSTATUS st)
{
    switch (st) {
    case STATUS_NOT_IMPLEMENTED:
    case STATUS_INVALID_INFO_CLASS:
        return HL_ENOTSUP;
    case STATUS_INVALID_PARAMETER:
        return HL_EINVAL;
    default:
        return hl__from_ntstatus(st);
    }
}

static int open_proc(const struct hl_nt_api *api, uint64_t pid, DWORD access,
                     HANDLE *out, struct hl_diag *diag)
{
    int bitness;

    if (pid == 0 || pid > 0xFFFFFFFFu)
        return HL_ENOPROC;
    if ((bitness = hl__wow64_check(api, sizeof(void *))) != 0)
        return bitness;
    return hl__open_process(api, pid, &access, 1, out, NULL, diag);
}

int hl__trace_set(const struct hl_nt_api *api, HANDLE proc, int on,
                  uint32_t slots, struct hl_diag *diag)
{
    struct hl_nt_handle_tracing_enable_ex en;
    NTSTATUS st;

    if (api->set_information_process == NULL)
        return HL_ENOTSUP;
    if (on && slots != 0 &&
        (slots < HL_TRACE_MIN_SLOTS || slots > HL_TRACE_MAX_SLOTS))
        return HL_EINVAL;
    memset(&en, 0, sizeof(en));
    en.TotalSlots = slots;
    /* Length 0 turns tracing off; 8 turns it on with a slot count. */
    st = api->set_information_process(proc, HL_NT_PROCESS_HANDLE_TRACING,
                                      on ? &en : NULL,
                                      on ? (ULONG)sizeof(en) : 0);
    if (!NT_SUCCESS(st)) {
        hl__diag_nt(diag, "NtSetInformationProcess(ProcessHandleTracing)", st);
        return from_trace_status(st);
    }
    return 0;
}

int hl__trace_status(const struct hl_nt_api *api, HANDLE proc, int *on,
                     size_t *records, struct hl_diag *diag)
{
    /* header only: capacity 0, so the kernel answers with the count */
    union {
        struct hl_nt_handle_tracing_query q;
        unsigned char b[sizeof(struct hl_nt_handle_tracing_query)];
    } u;
    ULONG ret = 0;
    NTSTATUS st;

    memset(&u, 0, sizeof(u));
    st = api->query_information_process(proc, HL_NT_PROCESS_HANDLE_TRACING,
                                        &u, (ULONG)sizeof(u), &ret);
    /* tracing off: the query itself is refused */
    if (st == (NTSTATUS)STATUS_INVALID_PARAMETER) {
        *on = 0;
        *records = 0;
        return 0;
    }
    if (!NT_SUCCESS(st) && st != STATUS_INFO_LENGTH_MISMATCH) {
        hl__diag_nt(diag, "NtQueryInformationProcess(ProcessHandleTracing)",
                    st);
        return from_trace_status(st);
    }
    *on = 1;
    *records = u.q.TotalTraces;
    return 0;
}

int hl__trace_query(const struct hl_nt_api *api, HANDLE proc,
                    unsigned char **out, size_t *out_len,
                    struct hl_diag *diag)
{
    const size_t hdr = sizeof(struct hl_nt_handle_tracing_query);
    const size_t esz = sizeof(struct hl_nt_handle_tracing_entry);
    size_t len = hdr + TRACE_FIRST_ENTRIES * esz, valid = 0;
    unsigned char *buf = NULL;
    int attempt, err = 0;

    for (attempt = 0; attempt < TRACE_ATTEMPTS; attempt++) {
        struct hl_nt_handle_tracing_query *q;
        size_t want;
        ULONG ret = 0;
        NTSTATUS st;

        hl__free(buf);
        buf = hl__calloc(1, len);
        if (buf == NULL) {
            err = HL_ENOMEM;
            goto out_fail;
        }
        q = (struct hl_nt_handle_tracing_query *)buf;
        q->Handle = NULL; /* every handle */
        st = api->query_information_process(
            proc, HL_NT_PROCESS_HANDLE_TRACING, buf, (ULONG)len, &ret);
        if (!NT_SUCCESS(st) && st != STATUS_INFO_LENGTH_MISMATCH) {
            hl__diag_nt(diag, "NtQueryInformationProcess(ProcessHandleTracing)",
                        st);
            err = from_trace_status(st);
            goto out_fail;
        }
        /* ReturnLength is the bytes written, on overflow too (the ring
         * is read newest first, so what was written is the newest). */
        valid = ret >= hdr && ret <= len ? ret : len;
        if (NT_SUCCESS(st))
            break;
        want = hdr + (size_t)q->TotalTraces * esz;
        if (q->TotalTraces > (TRACE_MAX_LEN - hdr) / esz ||
            len >= TRACE_MAX_LEN)
            break; /* keep the newest records that fitted */
        want += want / 4;
        if (want > TRACE_MAX_LEN)
            want = TRACE_MAX_LEN;
        /* room for every record already: a mismatch the kernel keeps
         * giving (records arriving meanwhile) ends with what was read */
        if (want <= len)
            break;
        len = want;
    }
    *out = buf;
    *out_len = valid;
    return 0;

out_fail:
    hl__free(buf);
    return err;
}

/* The TimeDateStamp of the PE image at base in proc, 0 if unreadable
 * (the collector's handle has no PROCESS_VM_READ). */
static uint32_t pe_timestamp(const struct hl_nt_api *api, HANDLE proc,
                             const unsigned char *base)
{
    unsigned char b[4];
    SIZE_T got = 0;
    uint32_t lfanew;

    if (api->read_process_memory == NULL ||
        !api->read_process_memory(proc, base + 0x3C, b, 4, &got) ||
        got != 4)
        return 0;
    lfanew = hl__get_le32(b);
    if (lfanew > 0x10000 ||
        !api->read_process_memory(proc, base + lfanew + 8, b, 4, &got) ||
        got != 4)
        return 0;
    return hl__get_le32(b);
}

int hl__trace_modules(const struct hl_nt_api *api, HANDLE proc,
                      struct hl_snapshot *s)
{
    MODULEENTRY32W me;
    HANDLE snap = INVALID_HANDLE_VALUE, reader;
    int attempt, err = 0;
    BOOL more;

    if (api->module32_first == NULL || api->module32_next == NULL)
        return 0;
    /* the collector's handle has no PROCESS_VM_READ: one just for the PE
     * headers, else timestamps stay 0 */
    reader = api->open_process(PROCESS_VM_READ |
                                   PROCESS_QUERY_LIMITED_INFORMATION,
                               FALSE, (DWORD)s->pid);
    /* ERROR_BAD_LENGTH: the module list changed while it was read. */
    for (attempt = 0; attempt < MODULE_ATTEMPTS; attempt++) {
        snap = api->create_toolhelp32_snapshot(
            TH32CS_SNAPMODULE | TH32CS_SNAPMODULE32, (DWORD)s->pid);
        if (snap != INVALID_HANDLE_VALUE || GetLastError() != ERROR_BAD_LENGTH)
            break;
    }
    if (snap == INVALID_HANDLE_VALUE) {
        err = 0; /* best effort: addresses then print raw */
        goto out_close_reader;
    }
    memset(&me, 0, sizeof(me));
    me.dwSize = sizeof(me);
    for (more = api->module32_first(snap, &me); more && err == 0;
         more = api->module32_next(snap, &me)) {
        char *path = NULL;

        me.szExePath[MAX_PATH - 1] = L'\0';
        err = hl__utf8_from_utf16(me.szExePath, wcslen(me.szExePath), &path);
        if (err == HL_EINVAL) {
            err = 0;
            continue;
        }
        if (err == 0)
            err = hl_snapshot_add_module(
                s, path, (uint64_t)(uintptr_t)me.modBaseAddr, me.modBaseSize,
                pe_timestamp(api, reader != NULL ? reader : proc,
                             me.modBaseAddr));
        hl__free(path);
        me.dwSize = sizeof(me);
    }
    api->close_handle(snap);
out_close_reader:
    if (reader != NULL)
        api->close_handle(reader);
    return err;
}

int hl__trace_collect(const struct hl_nt_api *api, HANDLE proc,
                      struct hl_snapshot *s)
{
    struct hl_trace_entry *e = NULL;
    struct hl_trace_stats st;
    unsigned char *buf = NULL;
    size_t len, n;
    int trunc, err;

    /* Off, unsupported (Wine) or refused: a snapshot without stacks. */
    if (hl__trace_query(api, proc, &buf, &len, NULL) != 0)
        return 0;
    err = hl_trace_parse(buf, len, (unsigned)sizeof(void *), &e, &n, &trunc);
    hl__free(buf);
    if (err != 0)
        return err == HL_ENOMEM ? err : 0;
    err = hl_trace_apply(s, e, n, &st);
    hl_trace_free(e);
    if (err == 0 && st.matched != 0 && s->nmodules == 0)
        err = hl__trace_modules(api, proc, s);
    return err;
}

/* The call table, and pid opened with access; diag cleared first. */
static int open_target(uint64_t pid, DWORD access,
                       const struct hl_nt_api **api, HANDLE *proc,
                       struct hl_diag *diag)
{
    if (diag != NULL)
        memset(diag, 0, sizeof(*diag));
    *api = hl__nt_get();
    if (*api == NULL)
        return HL_EQUERY;
    return open_proc(*api, pid, access, proc, diag);
}

int hl_trace_set(uint64_t pid, int on, uint32_t slots,
                 struct hl_diag *diag)
{
    const struct hl_nt_api *api;
    HANDLE proc;
    int err;

    err = open_target(pid, PROCESS_SET_INFORMATION, &api, &proc, diag);
    if (err != 0)
        return err;
    err = hl__trace_set(api, proc, on, slots, diag);
    api->close_handle(proc);
    return err;
}

int hl_trace_status(uint64_t pid, int *on, size_t *records,
                    struct hl_diag *diag)
{
    const struct hl_nt_api *api;
    HANDLE proc;
    int err;

    err = open_target(pid, PROCESS_QUERY_INFORMATION, &api, &proc, diag);
    if (err != 0)
        return err;
    err = hl__trace_status(api, proc, on, records, diag);
    api->close_handle(proc);
    return err;
}

/* ---- symbols (dbghelp, loaded at run time) ---- */

typedef DWORD(WINAPI *sym_set_options_fn)(DWORD opts);
typedef BOOL(WINAPI *sym_initialize_fn)(HANDLE proc, const WCHAR *path,
                                        BOOL invade);
typedef BOOL(WINAPI *sym_cleanup_fn)(HANDLE proc);
typedef BOOL(WINAPI *sym_from_addr_fn)(HANDLE proc, DWORD64 addr,
                                       DWORD64 *disp, SYMBOL_INFOW *sym);
typedef BOOL(WINAPI *sym_get_line_fn)(HANDLE proc, DWORD64 addr,
                                      DWORD *disp, IMAGEHLP_LINEW64 *line);

struct dbghelp {
    HMODULE lib;
    sym_set_options_fn set_options;
    sym_initialize_fn initialize;
    sym_cleanup_fn cleanup;
    sym_from_addr_fn from_addr;
    sym_get_line_fn get_line;
};

static void (*dbg_proc(HMODULE lib, const char *name))(void)
{
    return (void (*)(void))GetProcAddress(lib, name);
}

static int dbghelp_load(struct dbghelp *d, struct hl_diag *diag)
{
    memset(d, 0, sizeof(*d));
    d->lib = LoadLibraryW(L"dbghelp.dll");
    if (d->lib == NULL) {
        hl__diag_win32(diag, "LoadLibraryW(dbghelp.dll)", GetLastError());
        return HL_ENOTSUP;
    }
    d->set_options =
        (sym_set_options_fn)dbg_proc(d->lib, "SymSetOptions");
    d->initialize = (sym_initialize_fn)dbg_proc(d->lib, "SymInitializeW");
    d->cleanup = (sym_cleanup_fn)dbg_proc(d->lib, "SymCleanup");
    d->from_addr = (sym_from_addr_fn)dbg_proc(d->lib, "SymFromAddrW");
    d->get_line = (sym_get_line_fn)dbg_proc(d->lib, "SymGetLineFromAddrW64");
    if (d->set_options == NULL || d->initialize == NULL ||
        d->cleanup == NULL || d->from_addr == NULL) {
        hl__diag_win32(diag, "GetProcAddress(SymFromAddrW)", GetLastError());
        FreeLibrary(d->lib);
        return HL_ENOTSUP;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* "mod!func+0x12 (file.c:34)" for addr, or NULL (new string). */
static char *symbol_text(const struct dbghelp *d, HANDLE proc,
                         const struct hl_snapshot *s, uint64_t addr)
{
    union {
        SYMBOL_INFOW si;
        unsigned char b[sizeof(SYMBOL_INFOW) + 512 * sizeof(WCHAR)];
    } u;
    IMAGEHLP_LINEW64 line;
    DWORD64 disp = 0;
    DWORD ldisp = 0;
    char mod[300], *func = NULL, *file = NULL, *plus, *out = NULL;
    size_t need;

    memset(&u, 0, sizeof(u));
    u.si.SizeOfStruct = sizeof(SYMBOL_INFOW);
    u.si.MaxNameLen = 511;
    if (!d->from_addr(proc, addr, &disp, &u.si) || u.si.NameLen == 0)
        return NULL;
    if (hl__utf8_from_utf16(u.si.Name, wcsnlen(u.si.Name, 511), &func) != 0)
        return NULL;
    memset(&line, 0, sizeof(line));
    line.SizeOfStruct = sizeof(line);
    if (d->get_line != NULL && d->get_line(proc, addr, &ldisp, &line) &&
        line.FileName != NULL) {
        const WCHAR *f = line.FileName, *p;

        for (p = f; *p != L'\0'; p++) {
            if (*p == L'\\' || *p == L'/')
                f = p + 1;
        }
        if (hl__utf8_from_utf16(f, wcslen(f), &file) != 0)
            file = NULL;
    }
    /* the module as module+offset names it, before any symbol exists */
    hl_snapshot_resolve(s, addr, mod, sizeof(mod));
    plus = strrchr(mod, '+');
    if (plus != NULL && strncmp(mod, "0x", 2) != 0)
        *plus = '\0';
    else
        mod[0] = '\0';
    need = strlen(mod) + strlen(func) + (file ? strlen(file) : 0) + 64;
    out = hl__malloc(need);
    if (out != NULL) {
        int n = snprintf(out, need, "%s%s%s+0x%llx", mod, mod[0] ? "!" : "",
                         func, (unsigned long long)disp);

        if (file != NULL && n > 0 && (size_t)n < need)
            snprintf(out + n, need - (size_t)n, " (%s:%lu)", file,
                     (unsigned long)line.LineNumber);
    }
    hl__free(func);
    hl__free(file);
    return out;
}

int hl_trace_symbolize(struct hl_snapshot *s, size_t *resolved,
                       struct hl_diag *diag)
{
    const struct hl_nt_api *api = hl__nt_get();
    FILETIME created, exited, kernel, user;
    struct dbghelp d;
    uint64_t *addrs = NULL;
    size_t i, n = 0, named = 0;
    HANDLE proc;
    int err;

    if (diag != NULL)
        memset(diag, 0, sizeof(*diag));
    if (api == NULL)
        return HL_EQUERY;
    if (s->nframes == 0) {
        *resolved = 0;
        return 0;
    }
    err = open_proc(api, s->pid,
                    PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, &proc,
                    diag);
    if (err != 0)
        return err;
    /* the pid may name another process by now */
    if (s->start_time != 0 &&
        api->get_process_times(proc, &created, &exited, &kernel, &user) &&
        ((uint64_t)created.dwHighDateTime << 32 | created.dwLowDateTime) !=
            s->start_time) {
        err = HL_ENOPROC;
        goto out_close;
    }
    addrs = hl__reallocarray(NULL, s->nframes, sizeof(*addrs));
    if (addrs == NULL) {
        err = HL_ENOMEM;
        goto out_close;
    }
    memcpy(addrs, s->frames, s->nframes * sizeof(*addrs));
    qsort(addrs, s->nframes, sizeof(*addrs), cmp_u64);
    for (i = 0; i < s->nframes; i++) {
        if (n == 0 || addrs[n - 1] != addrs[i])
            addrs[n++] = addrs[i];
    }
    if ((err = dbghelp_load(&d, diag)) != 0)
        goto out_free;
    /* dbghelp is single-threaded: hleak calls it from this thread only.
     * A NULL path lets dbghelp use _NT_SYMBOL_PATH. */
    d.set_options(SYMOPT_UNDNAME | SYMOPT_DEFERRED_LOADS | SYMOPT_LOAD_LINES |
                  SYMOPT_INCLUDE_32BIT_MODULES | SYMOPT_FAIL_CRITICAL_ERRORS);
    if (!d.initialize(proc, NULL, TRUE)) {
        hl__diag_win32(diag, "SymInitializeW", GetLastError());
        err = hl__from_win32(GetLastError());
        if (err == HL_ENOPROC)
            err = HL_EQUERY;
        goto out_unload;
    }
    for (i = 0; i < n && err == 0; i++) {
        char *text = symbol_text(&d, proc, s, addrs[i]);

        if (text == NULL)
            continue;
        err = hl_snapshot_add_symbol(s, addrs[i], text);
        hl__free(text);
        named += err == 0;
    }
    d.cleanup(proc);
    if (err == 0)
        *resolved = named;
out_unload:
    FreeLibrary(d.lib);
out_free:
    hl__free(addrs);
out_close:
    api->close_handle(proc);
    return err;
}
