#ifndef HLEAK_HLEAK_ALLOC_H
#define HLEAK_HLEAK_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Frees memory that an hleak function handed to the caller. */
void hl_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
