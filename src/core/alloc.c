#include "alloc-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hleak/alloc.h"
#include "hleak/err.h"

/* The fault-injection state is process-wide on purpose: the OOM sweeps
 * in tests/ are single-threaded and need every allocation counted. */
static unsigned long alloc_count;
static unsigned long alloc_fail_nth;
static int alloc_fail_sticky;
/* Blocks handed out and not yet freed: the OOM sweeps check that a failed
 * command gave everything back, on every platform (LeakSanitizer only
 * runs natively). Exact in single-threaded tests only. */
static long alloc_live;

unsigned long hl__alloc_fail_at(unsigned long nth, int sticky)
{
    unsigned long made = alloc_count;

    alloc_count = 0;
    alloc_fail_nth = nth;
    alloc_fail_sticky = sticky;
    return made;
}

long hl__alloc_live(void)
{
    return alloc_live;
}

static int alloc_should_fail(void)
{
    alloc_count++;
    if (alloc_fail_nth == 0)
        return 0;
    if (alloc_count == alloc_fail_nth)
        return 1;
    return alloc_fail_sticky && alloc_count > alloc_fail_nth;
}

void *hl__malloc(size_t len)
{
    void *p;

    if (alloc_should_fail())
        return NULL;
    p = malloc(len ? len : 1);
    alloc_live += p != NULL;
    return p;
}

void *hl__calloc(size_t count, size_t size)
{
    void *p;

    if (alloc_should_fail())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    p = calloc(count, size);
    alloc_live += p != NULL;
    return p;
}

void *hl__realloc(void *p, size_t len)
{
    void *n;

    if (alloc_should_fail())
        return NULL;
    n = realloc(p, len ? len : 1);
    alloc_live += p == NULL && n != NULL;
    return n;
}

void *hl__reallocarray(void *p, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return hl__realloc(p, count * size);
}

char *hl__strndup(const char *s, size_t len)
{
    char *d = hl__malloc(len + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *hl__strdup(const char *s)
{
    return hl__strndup(s, strlen(s));
}

void hl__free(void *p)
{
    alloc_live -= p != NULL;
    free(p);
}

void hl_free(void *p)
{
    hl__free(p);
}

int hl__grow(void **arr, size_t *cap, size_t need, size_t size)
{
    size_t ncap = *cap ? *cap : 16;
    void *n;

    if (need <= *cap)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return HL_ETOOBIG;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return HL_ETOOBIG;
    n = hl__realloc(*arr, ncap * size);
    if (n == NULL)
        return HL_ENOMEM;
    *arr = n;
    *cap = ncap;
    return 0;
}

int hl__grow_zeroed(void **arr, size_t *cap, size_t need, size_t size)
{
    size_t old = *cap;
    int err = hl__grow(arr, cap, need, size);

    if (err == 0 && *cap > old)
        memset((char *)*arr + old * size, 0, (*cap - old) * size);
    return err;
}

int hl__push(void **arr, size_t *cap, size_t *count, size_t size,
             void **elem)
{
    int err = hl__grow(arr, cap, *count + 1, size);

    if (err != 0)
        return err;
    *elem = (char *)*arr + *count * size;
    memset(*elem, 0, size);
    (*count)++;
    return 0;
}
