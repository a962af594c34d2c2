#ifndef HLEAK_HLEAK_DIAG_H
#define HLEAK_HLEAK_DIAG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Why a live call (hl_collect(); inside hleak, its dumps and handle
 * tracing too) failed, in the OS's own terms, for --verbose. Filled as
 * far as known; zero otherwise. One type for every live call: each
 * records its failing OS call the same way.
 */
struct hl_diag {
    const char *call;  /* the failing call ("OpenProcess"), static string */
    uint32_t status;   /* its NTSTATUS or Win32 error code */
    int is_ntstatus;   /* 1 when status is an NTSTATUS */
    int debug_priv;    /* hl_collect() only: 1 when SeDebugPrivilege was
                        * enabled in the caller's token
                        * (hl_debug_privilege_enable()) */
};

#ifdef __cplusplus
}
#endif

#endif
