#ifndef HLEAK_CORE_IGNORE_INT_H
#define HLEAK_CORE_IGNORE_INT_H

/* The internal half of hleak/ignore.h: the patterns' layout, patterns
 * kept on the stack (hl_patterns_init() / hl_patterns_release()), and
 * the matching that diff and show do. */

#include <stddef.h>

#include "hleak/ignore.h"

struct hl_pattern {
    char *type;
    char *glob;
};

struct hl_patterns {
    struct hl_pattern *items;
    size_t count;
    size_t cap;
};

void hl_patterns_init(struct hl_patterns *p);
void hl_patterns_release(struct hl_patterns *p);

/* 1 when some pattern matches the type and name. */
int hl_patterns_match(const struct hl_patterns *p, const char *type,
                      const char *name);

/*
 * Matches every pattern against type and the nnames forms of one name
 * (a pattern matches when its glob matches any of them): adds weight to
 * hits[k] for each pattern k that matches, so patterns that never do can
 * be reported (hits, p->count entries, may be NULL). Returns 1 when some
 * pattern matched.
 */
int hl_patterns_count(const struct hl_patterns *p, const char *type,
                      const char *const *names, size_t nnames, size_t weight,
                      size_t *hits);

/* 1 when s matches glob as described above. Linear in practice: one
 * backtrack point, as in classic wildcard matchers. */
int hl_glob_match(const char *glob, const char *s);

#endif
