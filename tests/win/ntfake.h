#ifndef HLEAK_TESTS_NTFAKE_H
#define HLEAK_TESTS_NTFAKE_H

/*
 * Fake NT answers for the call table (struct hl_nt_api), written as bytes
 * by ntbytes.c in this build's documented layout: the collector must read
 * them with its own structures (src/win/nt.h) and get back what went in.
 * Real answers are read here with the documented offsets too, never with
 * nt.h, so the two sides stay independent.
 */

#include <stddef.h>
#include <stdint.h>

#include <windows.h>

#include "ntbytes.h"
#include "win/win-int.h"

/* The real table, and the layout the answers are written in: this
 * build's, or a test's copy with one field moved. ntf_init() sets both. */
extern const struct hl_nt_api *ntf_real;
extern const struct ntb_layout *ntf_layout;

void ntf_init(void);

/* Bytes between the OBJECT_NAME_INFORMATION header and its characters in
 * ntf_answer_string(): the collector must follow Buffer. */
#define NTF_NAME_GAP 8u

/* The real name (class 1) or type name (class 2) of h, read with the
 * documented layout: up to cap units into w, *n of them. */
NTSTATUS ntf_real_string(HANDLE h, ULONG cls, uint16_t *w, size_t cap,
                         size_t *n);

/* The class-1 or class-2 answer for a name of n units, laid into buf (in
 * ntf_layout) as the kernel would: STATUS_BUFFER_OVERFLOW (class 1) or
 * STATUS_INFO_LENGTH_MISMATCH (class 2) and the size when len is short. */
NTSTATUS ntf_answer_string(ULONG cls, const uint16_t *w, size_t n,
                           void *buf, ULONG len, ULONG *ret_len);

/* NtQueryObject whose classes 1 and 2 are the real answers re-laid by
 * ntf_answer_string(); other classes go to the real call. */
NTSTATUS NTAPI ntf_query_object(HANDLE h, ULONG cls, void *buf, ULONG len,
                                ULONG *ret_len);

/* This process's handles in the real class-64 list, read with the
 * documented offsets: up to cap into out; returns how many there are. */
size_t ntf_self_handles(struct ntb_handle *out, size_t cap);

/* h[0..n) as a class-64 (sys) or class-51 answer in layout l, with
 * STATUS_INFO_LENGTH_MISMATCH and the size when len is short. */
NTSTATUS ntf_answer_handles(const struct ntb_layout *l, int sys,
                            const struct ntb_handle *h, size_t n, void *buf,
                            ULONG len, ULONG *ret_len);

/* One type of a made-up type list (class 3). */
struct ntf_type {
    const WCHAR *name;
    uint8_t index;
};

/* t[0..n) as the class-3 answer in this build's layout (each name room
 * for 16 units), with STATUS_INFO_LENGTH_MISMATCH and the size when len
 * is short. */
NTSTATUS ntf_answer_types(const struct ntf_type *t, size_t n, void *buf,
                          ULONG len, ULONG *ret_len);

/* A cmocka teardown: the real call table again. */
int ntf_teardown(void **state);

/* RtlGetVersion answering Windows 10 22H2 (build 19045) whatever the
 * prefix says: the layouts and TypeIndex numbering of 8.1 and later. */
NTSTATUS NTAPI ntf_version_win10(OSVERSIONINFOW *vi);

#endif
