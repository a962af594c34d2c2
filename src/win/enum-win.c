/*
 * The handle list of the target: the per-process query (class 51) where
 * the system has it, else the system-wide list filtered by pid (class 64).
 */
#include <string.h>

#include "collect-int.h"
#include "core-int.h"
#include "win-int.h"

#define QUERY_ATTEMPTS 10
#define QUERY_MAX_LEN (256u * 1024u * 1024u)
#define CLASS51_FIRST_LEN (32u * 1024u)
#define CLASS64_FIRST_LEN (64u * 1024u)

static NTSTATUS query_once(const struct hl_nt_api *api, HANDLE proc,
                           enum hl__query_kind kind, void *buf, ULONG len,
                           ULONG *ret_len)
{
    switch (kind) {
    case HL__QUERY_PROCESS_HANDLES:
        return api->query_information_process(
            proc, HL_NT_PROCESS_HANDLE_INFORMATION, buf, len, ret_len);
    case HL__QUERY_SYSTEM_HANDLES:
        return api->query_system_information(
            HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION, buf, len, ret_len);
    case HL__QUERY_SYSTEM_PROCESSES:
        return api->query_system_information(
            HL_NT_SYSTEM_PROCESS_INFORMATION, buf, len, ret_len);
    default:
        return api->query_object(NULL, HL_NT_OBJECT_TYPES_INFORMATION, buf,
                                 len, ret_len);
    }
}

static const char *query_call(enum hl__query_kind kind)
{
    switch (kind) {
    case HL__QUERY_PROCESS_HANDLES:
        return "NtQueryInformationProcess";
    case HL__QUERY_SYSTEM_HANDLES:
    case HL__QUERY_SYSTEM_PROCESSES:
        return "NtQuerySystemInformation";
    default:
        return "NtQueryObject";
    }
}

/*
 * Between two calls the answer can grow again (handles opened meanwhile),
 * so the size asked for has a margin, and attempts and bytes are bounded.
 */
int hl__query_grow(const struct hl_nt_api *api, HANDLE proc,
                   enum hl__query_kind kind, ULONG first, void **out,
                   ULONG *out_len, struct hl_diag *diag)
{
    ULONG len = first;
    NTSTATUS st = STATUS_SUCCESS;
    int attempt;

    for (attempt = 0; attempt < QUERY_ATTEMPTS; attempt++) {
        ULONG ret_len = 0;
        uint64_t next;
        /* zeroed: class 51 fills NumberOfHandles only as it stores */
        void *buf = hl__calloc(1, len);

        if (buf == NULL)
            return HL_ENOMEM;
        st = query_once(api, proc, kind, buf, len, &ret_len);
        if (NT_SUCCESS(st)) {
            *out = buf;
            *out_len = ret_len != 0 && ret_len <= len ? ret_len : len;
            return 0;
        }
        hl__free(buf);
        if (st != STATUS_INFO_LENGTH_MISMATCH &&
            st != STATUS_BUFFER_TOO_SMALL && st != STATUS_BUFFER_OVERFLOW) {
            hl__diag_nt(diag, query_call(kind), st);
            return hl__from_ntstatus(st);
        }
        if (len >= QUERY_MAX_LEN) {
            hl__diag_nt(diag, query_call(kind), st);
            return HL_ETOOBIG;
        }
        /* a ReturnLength no larger than what we passed says nothing */
        if (ret_len > len)
            next = (uint64_t)ret_len + ret_len / 4;
        else
            next = (uint64_t)len * 2;
        len = next > QUERY_MAX_LEN ? QUERY_MAX_LEN : (ULONG)next;
    }
    hl__diag_nt(diag, query_call(kind), st);
    return HL_EQUERY;
}

int hl__query_loop(struct hl__collection *c, enum hl__query_kind kind,
                   ULONG first, void **out, ULONG *out_len)
{
    return hl__query_grow(c->api, c->proc, kind, first, out, out_len,
                          c->diag);
}

static int parse_process_handles(struct hl__collection *c, const void *buf,
                                 ULONG len)
{
    const struct hl_nt_process_handle_snapshot *hdr = buf;
    const struct hl_nt_process_handle_entry *e;
    size_t avail = 0;
    size_t n;
    size_t i;

    if (len >= sizeof(*hdr))
        avail = (len - sizeof(*hdr)) / sizeof(*e);
    n = len >= sizeof(*hdr) && hdr->NumberOfHandles < avail
            ? hdr->NumberOfHandles
            : avail;
    c->raw = hl__calloc(n, sizeof(*c->raw));
    if (c->raw == NULL)
        return HL_ENOMEM;
    e = (const void *)(hdr + 1);
    for (i = 0; i < n; i++) {
        c->raw[i].value = (uintptr_t)e[i].HandleValue;
        c->raw[i].access = e[i].GrantedAccess;
        c->raw[i].attributes = e[i].HandleAttributes;
        c->raw[i].type_index = e[i].ObjectTypeIndex;
    }
    c->nraw = n;
    return 0;
}

size_t hl__sys_handle_entries(const void *buf, ULONG len,
                              const struct hl_nt_handle_entry_ex **first)
{
    const struct hl_nt_handle_info_ex *hdr = buf;
    size_t avail = 0;

    if (len >= sizeof(*hdr))
        avail = (len - sizeof(*hdr)) / sizeof(**first);
    *first = (const void *)(hdr + 1);
    /* never past the bytes received, whatever the count says */
    return len >= sizeof(*hdr) && hdr->NumberOfHandles < avail
               ? hdr->NumberOfHandles
               : avail;
}

static int parse_system_handles(struct hl__collection *c, const void *buf,
                                ULONG len)
{
    const struct hl_nt_handle_entry_ex *e;
    size_t n = hl__sys_handle_entries(buf, len, &e);
    size_t i;
    size_t k = 0;

    for (i = 0; i < n; i++) {
        if (e[i].UniqueProcessId == c->opts->pid)
            k++;
    }
    c->raw = hl__calloc(k, sizeof(*c->raw));
    if (c->raw == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n; i++) {
        if (e[i].UniqueProcessId == GetCurrentProcessId() &&
            e[i].HandleValue == (uintptr_t)c->proc)
            c->proc_type_index = e[i].ObjectTypeIndex;
    }
    for (i = 0, k = 0; i < n; i++) {
        if (e[i].UniqueProcessId != c->opts->pid)
            continue;
        c->raw[k].value = e[i].HandleValue;
        c->raw[k].object = (uintptr_t)e[i].Object;
        c->raw[k].access = e[i].GrantedAccess;
        c->raw[k].attributes = e[i].HandleAttributes;
        c->raw[k].type_index = e[i].ObjectTypeIndex;
        k++;
    }
    c->nraw = k;
    return 0;
}

/* Class 51 when the handle allows it (Windows 8+), else, or when it fails
 * or reports nothing, the system-wide list filtered by PID. */
int hl__enumerate(struct hl__collection *c)
{
    const char *method;
    void *buf = NULL;
    ULONG len = 0;
    int err;

    if (c->can_query_info) {
        err = hl__query_loop(c, HL__QUERY_PROCESS_HANDLES, CLASS51_FIRST_LEN,
                             &buf, &len);
        if (err == HL_ENOMEM)
            return err;
        if (err == 0) {
            err = parse_process_handles(c, buf, len);
            hl__free(buf);
            if (err != 0)
                return err;
            if (c->nraw > 0) {
                method = "ProcessHandleInformation";
                goto out_method;
            }
            /* zero handles from class 51 means "unknown" */
            hl__free(c->raw);
            c->raw = NULL;
        }
    }
    err = hl__query_loop(c, HL__QUERY_SYSTEM_HANDLES, CLASS64_FIRST_LEN, &buf,
                         &len);
    if (err != 0)
        return err;
    err = parse_system_handles(c, buf, len);
    hl__free(buf);
    if (err != 0)
        return err;
    method = "SystemExtendedHandleInformation";
out_method:
    /* a failure of the first method is no longer the story */
    if (c->diag != NULL) {
        c->diag->call = NULL;
        c->diag->status = 0;
        c->diag->is_ntstatus = 0;
    }
    return hl_snapshot_intern(c->s, method, &c->s->method);
}

/*
 * When the target is this process, leaves out the handle the collector
 * opened on it: a leak check (leakcheck.h) must not see its own tool.
 * That handle is the only one of ours in the list: the enumeration runs
 * before any duplicate, name thread or event exists, and the token of
 * hl__debug_priv_enabled() is closed by then.
 */
void hl__drop_own_handles(struct hl__collection *c)
{
    size_t i;
    size_t k = 0;

    if (c->opts->pid != GetCurrentProcessId())
        return;
    for (i = 0; i < c->nraw; i++) {
        if (c->raw[i].value != (uintptr_t)c->proc)
            c->raw[k++] = c->raw[i];
    }
    c->nraw = k;
}
