#ifndef HLEAK_CLI_FIND_H
#define HLEAK_CLI_FIND_H

/*
 * `hleak find`: cmd-find.c searches, find-out.c prints the result as text
 * (aligned columns, a summary, the processes that could not be searched)
 * or JSON.
 */

#include "hleak/system.h"

/* 0, or HL_ENOMEM. */
int find_print_text(const struct hl_find *f);
int find_print_json(const struct hl_find *f, const char *pattern,
                    const char *const *types, size_t ntypes);

#endif
