#ifndef HLEAK_CORE_ALLOC_INT_H
#define HLEAK_CORE_ALLOC_INT_H

/* The allocator every part of hleak uses (alloc.c), apart from the rest of
 * core-int.h so that alloc.c depends on nothing above it. */

#include <stddef.h>

/* ---- allocation: every allocation goes through these ---- */

void *hl__malloc(size_t len);
void *hl__calloc(size_t count, size_t size);
void *hl__realloc(void *p, size_t len);
/* realloc for count elements of size bytes, with overflow checked */
void *hl__reallocarray(void *p, size_t count, size_t size);
char *hl__strdup(const char *s);
char *hl__strndup(const char *s, size_t len);
void hl__free(void *p);

/*
 * Test hook: make the nth allocation from now fail (1 = the next one), and
 * every one after it when sticky is set; 0 turns failures off. Returns the
 * number of allocations made since the last call.
 */
unsigned long hl__alloc_fail_at(unsigned long nth, int sticky);

/* Test hook: blocks allocated through these functions and not yet freed
 * (exact while one thread allocates). */
long hl__alloc_live(void);

/*
 * Grows an array to hold at least need elements of size bytes, doubling.
 * Returns 0, HL_ENOMEM or HL_ETOOBIG; on failure *arr and *cap are kept.
 */
int hl__grow(void **arr, size_t *cap, size_t need, size_t size);

/* hl__grow(), with every element it adds set to zero bytes. */
int hl__grow_zeroed(void **arr, size_t *cap, size_t need, size_t size);

/*
 * Appends one element of size bytes, all zero, to the *count elements of
 * *arr (grown as hl__grow() does) and points *elem at it. Returns 0,
 * HL_ENOMEM or HL_ETOOBIG (then nothing changed).
 */
int hl__push(void **arr, size_t *cap, size_t *count, size_t size,
             void **elem);

#endif
