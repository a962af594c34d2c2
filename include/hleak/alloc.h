#ifndef HLEAK_HLEAK_ALLOC_H
#define HLEAK_HLEAK_ALLOC_H

#include <stddef.h>

/* Frees memory that an hleak function handed to the caller. */
void hl_free(void *p);

#endif
