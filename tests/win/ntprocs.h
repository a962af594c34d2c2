#ifndef HLEAK_TESTS_NTPROCS_H
#define HLEAK_TESTS_NTPROCS_H

/*
 * SystemProcessInformation (class 5) answers written as bytes, each field
 * at the offset phnt's ntexapi.h and winternl.h document for x64 and x86
 * (the same sources as ntbytes.h, and like it independent of
 * src/win/nt.h). Entries carry no threads; every field hleak does not
 * read holds a marker byte, so a misplaced read gets garbage, not 0.
 */

#include <stddef.h>
#include <stdint.h>

#include "ntbytes.h"

struct ntp_layout {
    size_t entry;   /* SYSTEM_PROCESS_INFORMATION, threads excluded */
    size_t next, create, image, pid, handles;
};

extern const struct ntp_layout ntp_x64;
extern const struct ntp_layout ntp_x86;

/* This build's layout. */
const struct ntp_layout *ntp_native(void);

struct ntp_proc {
    uint64_t pid;
    uint64_t create;    /* FILETIME */
    const char *image;  /* ASCII; NULL or "" for none */
    uint32_t handles;   /* HandleCount */
    int bad_name;       /* Buffer points outside the answer */
};

/* Bytes of the answer for p[0..n). */
size_t ntp_size(const struct ntb_layout *bl, const struct ntp_layout *l,
                const struct ntp_proc *p, size_t n);

/* The answer in buf, as the kernel would give it at address buf:
 * STATUS_INFO_LENGTH_MISMATCH (0xC0000004) and the size when len is
 * short. Returns the NTSTATUS as a uint32_t. */
uint32_t ntp_answer(const struct ntb_layout *bl, const struct ntp_layout *l,
                    const struct ntp_proc *p, size_t n, void *buf,
                    size_t len, uint32_t *ret_len);

struct hl_system;

/* The index of pid in a view taken from such an answer; fails the test
 * when the view does not list it. */
size_t ntp_index(const struct hl_system *sys, uint64_t pid);

#endif
