#ifndef HLEAK_HLEAK_CAPS_H
#define HLEAK_HLEAK_CAPS_H

#ifdef __cplusplus
extern "C" {
#endif

/* What this build of libhleak can do with live processes, each capability
 * built or not on its own (reading, comparing and converting snapshots
 * and dumps is always there). */
#define HL_CAP_COLLECT 0x1u /* hl_collect(), hl_proc_find() */
#define HL_CAP_GUI 0x2u     /* GDI and USER counts in snapshots */
#define HL_CAP_DUMP 0x4u    /* minidumps (`hleak dump`) */
#define HL_CAP_TRACE 0x8u   /* handle tracing (`hleak trace`) */
#define HL_CAP_SYSTEM 0x10u /* the system-wide view (`hleak ps`) */
#define HL_CAP_FIND 0x20u   /* hl_system_find() (`hleak find`) */
#define HL_CAP_LAUNCH 0x40u /* starting a program as its debugger
                             * (`hleak run`) */

/* The HL_CAP_* bits of this build. A call whose capability is missing
 * returns HL_ENOTSUP. */
unsigned hl_capabilities(void);

#ifdef __cplusplus
}
#endif

#endif
