#include "ntprocs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hleak/system.h"

/* phnt ntexapi.h SYSTEM_PROCESS_INFORMATION; winternl.h agrees on
 * UniqueProcessId and HandleCount (after Reserved1[52], Reserved2[3]). */
const struct ntp_layout ntp_x64 = {0x100, 0x00, 0x20, 0x38, 0x50, 0x60};
const struct ntp_layout ntp_x86 = {0xB8, 0x00, 0x20, 0x38, 0x44, 0x4C};

#define MARK 0xA5

const struct ntp_layout *ntp_native(void)
{
    return sizeof(void *) == 8 ? &ntp_x64 : &ntp_x86;
}

/* One entry: the header, then the name and its NUL, to 8 bytes. */
static size_t entry_size(const struct ntp_layout *l, const struct ntp_proc *p)
{
    size_t name = p->image != NULL ? strlen(p->image) : 0;

    return (l->entry + (name + 1) * 2 + 7) & ~(size_t)7;
}

size_t ntp_size(const struct ntb_layout *bl, const struct ntp_layout *l,
                const struct ntp_proc *p, size_t n)
{
    size_t i, total = 0;

    (void)bl;
    for (i = 0; i < n; i++)
        total += entry_size(l, &p[i]);
    return total;
}

static void put32(unsigned char *p, uint32_t v)
{
    size_t i;

    for (i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

uint32_t ntp_answer(const struct ntb_layout *bl, const struct ntp_layout *l,
                    const struct ntp_proc *p, size_t n, void *buf,
                    size_t len, uint32_t *ret_len)
{
    size_t need = ntp_size(bl, l, p, n), off = 0, i, k;
    unsigned char *b = buf;

    if (ret_len != NULL)
        *ret_len = (uint32_t)need;
    if (need > len)
        return 0xC0000004u;
    for (i = 0; i < n; i++) {
        size_t size = entry_size(l, &p[i]);
        size_t chars = p[i].image != NULL ? strlen(p[i].image) : 0;
        unsigned char *e = b + off;
        uint16_t w[64];

        memset(e, MARK, l->entry);
        memset(e + l->entry, 0, size - l->entry);
        put32(e + l->next, i + 1 < n ? (uint32_t)size : 0);
        put64(e + l->create, p[i].create);
        ntb_put_us(bl, e + l->image, (uint16_t)(chars * 2),
                   (uint16_t)((chars + 1) * 2),
                   chars == 0 ? 0
                   : p[i].bad_name
                       ? 0x10
                       : (uint64_t)(uintptr_t)(e + l->entry));
        for (k = 0; k < chars && k < 63; k++)
            w[k] = (unsigned char)p[i].image[k];
        ntb_put_utf16(e + l->entry, w, chars < 63 ? chars : 63);
        ntb_put_ptr(bl, e + l->pid, p[i].pid);
        put32(e + l->handles, p[i].handles);
        off += size;
    }
    return 0;
}

size_t ntp_index(const struct hl_system *sys, uint64_t pid)
{
    size_t i;

    for (i = 0; i < hl_system_count(sys); i++)
        if (hl_system_pid(sys, i) == pid)
            return i;
    fail_msg("pid %llu not listed", (unsigned long long)pid);
    return 0;
}
