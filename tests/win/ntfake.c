#include "ntfake.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

const struct hl_nt_api *ntf_real;
const struct ntb_layout *ntf_layout;

void ntf_init(void)
{
    ntf_real = hl__nt_default();
    ntf_layout = ntb_native();
}

NTSTATUS ntf_real_string(HANDLE h, ULONG cls, uint16_t *w, size_t cap,
                         size_t *n)
{
    const struct ntb_layout *l = ntb_native();
    /* on the stack, no heap: a name query runs on the worker, which may
     * be terminated, and must not die holding the heap's lock */
    union {
        unsigned char b[8192];
        void *align;
    } u;
    uintptr_t lo = (uintptr_t)u.b;
    uint16_t len = 0, max = 0;
    uint64_t addr = 0;
    NTSTATUS st;

    *n = 0;
    st = ntf_real->query_object(h, cls, u.b, sizeof(u.b), NULL);
    if (!NT_SUCCESS(st))
        return st;
    ntb_get_us(l, u.b, &len, &max, &addr);
    if (len != 0 && (addr < lo || addr + len > lo + sizeof(u.b)))
        return STATUS_INVALID_PARAMETER;
    *n = len / 2 < cap ? len / 2 : cap;
    if (*n != 0)
        memcpy(w, u.b + (addr - lo), *n * 2);
    return st;
}

NTSTATUS ntf_answer_string(ULONG cls, const uint16_t *w, size_t n,
                           void *buf, ULONG len, ULONG *ret_len)
{
    const struct ntb_layout *l = ntf_layout;
    uintptr_t base = (uintptr_t)buf;
    size_t need;

    if (cls == HL_NT_OBJECT_NAME_INFORMATION) {
        need = ntb_name_info(l, buf, len, base, w, n, NTF_NAME_GAP);
        if (ret_len != NULL)
            *ret_len = (ULONG)need;
        return need > len ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
    }
    need = ntb_type_span(l, (uint16_t)(2 * n + 2));
    if (ret_len != NULL)
        *ret_len = (ULONG)need;
    if (need > len)
        return STATUS_INFO_LENGTH_MISMATCH;
    ntb_type_entry(l, buf, 0, base, w, n, (uint16_t)(2 * n + 2), 0, 0);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI ntf_query_object(HANDLE h, ULONG cls, void *buf, ULONG len,
                                ULONG *ret_len)
{
    uint16_t w[2048];
    size_t n;
    NTSTATUS st;

    if (cls != HL_NT_OBJECT_NAME_INFORMATION &&
        cls != HL_NT_OBJECT_TYPE_INFORMATION)
        return ntf_real->query_object(h, cls, buf, len, ret_len);
    st = ntf_real_string(h, cls, w, 2048, &n);
    if (!NT_SUCCESS(st))
        return st;
    return ntf_answer_string(cls, w, n, buf, len, ret_len);
}

size_t ntf_self_handles(struct ntb_handle *out, size_t cap)
{
    const struct ntb_layout *l = ntb_native();
    ULONG big = 4u * 1024u * 1024u;
    unsigned char *all = malloc(big);
    uint64_t count, i;
    size_t k = 0;

    if (all == NULL)
        return 0;
    if (!NT_SUCCESS(ntf_real->query_system_information(
            HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION, all, big, NULL))) {
        free(all);
        return 0;
    }
    count = ntb_get_ptr(l, all);
    for (i = 0; i < count && ntb_sys_size(l, (size_t)i + 1) <= big; i++) {
        struct ntb_handle h;

        ntb_sys_read(l, all, (size_t)i, &h);
        if (h.pid != GetCurrentProcessId())
            continue;
        if (k < cap)
            out[k] = h;
        k++;
    }
    free(all);
    return k;
}

NTSTATUS ntf_answer_handles(const struct ntb_layout *l, int sys,
                            const struct ntb_handle *h, size_t n, void *buf,
                            ULONG len, ULONG *ret_len)
{
    size_t need = sys ? ntb_sys_size(l, n) : ntb_proc_size(l, n);
    size_t i;

    if (ret_len != NULL)
        *ret_len = (ULONG)need;
    if (need > len)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (sys)
        ntb_sys_header(l, buf, n);
    else
        ntb_proc_header(l, buf, n);
    for (i = 0; i < n; i++) {
        if (sys)
            ntb_sys_entry(l, buf, i, &h[i]);
        else
            ntb_proc_entry(l, buf, i, &h[i]);
    }
    return STATUS_SUCCESS;
}

NTSTATUS ntf_answer_types(const struct ntf_type *t, size_t n, void *buf,
                          ULONG len, ULONG *ret_len)
{
    const struct ntb_layout *l = ntb_native();
    size_t need = l->types_first, off = l->types_first, i;

    for (i = 0; i < n; i++)
        need += ntb_type_span(l, 16);
    if (ret_len != NULL)
        *ret_len = (ULONG)need;
    if (need > len)
        return STATUS_INFO_LENGTH_MISMATCH;
    ntb_types_header(l, buf, (uint32_t)n);
    for (i = 0; i < n; i++)
        off = ntb_type_entry(l, buf, off, (uintptr_t)buf,
                             (const uint16_t *)t[i].name, wcslen(t[i].name),
                             16, t[i].index, 0);
    return STATUS_SUCCESS;
}

int ntf_teardown(void **state)
{
    (void)state;
    hl__nt_set(NULL);
    return 0;
}

NTSTATUS NTAPI ntf_version_win10(OSVERSIONINFOW *vi)
{
    NTSTATUS st = ntf_real->rtl_get_version(vi);

    vi->dwMajorVersion = 10;
    vi->dwMinorVersion = 0;
    vi->dwBuildNumber = 19045;
    return st;
}
