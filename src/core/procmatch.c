#include "hleak/collect.h"

#include "core-int.h"

/* The same on every system, whoever filled the array. */
void hl_proc_matches_free(struct hl_proc_match *m, size_t count)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < count; i++)
        hl__free(m[i].image);
    hl__free(m);
}
