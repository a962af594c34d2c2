#ifndef HLEAK_HLEAK_IGNORE_H
#define HLEAK_HLEAK_IGNORE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Ignore patterns: "TYPE:GLOB", e.g. "File:C:\Windows\Fonts\*" or "Key:*".
 * TYPE is a type name or "*"; GLOB matches the friendly name with "*" (any
 * run, empty included) and "?" (one character). Backslash is an ordinary
 * character, since Windows names are full of them. ASCII case is ignored
 * in both, as Windows does for object names. An empty GLOB matches only
 * unnamed handles. `hleak diff` tries a pattern on every form of a name
 * its reports print (hl_patterns_count), "<unnamed>" included.
 */
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

/* Adds one "TYPE:GLOB". Returns 0, HL_EINVAL (no ':' or an empty TYPE) or
 * HL_ENOMEM. */
int hl_patterns_add(struct hl_patterns *p, const char *spec);

/*
 * Adds every pattern of an ignore file: one per line, blank lines and lines
 * starting with '#' (after leading blanks) skipped, surrounding blanks and
 * a CR before the newline dropped. On HL_EINVAL, *bad_line is the 1-based
 * line at fault and the patterns added before it stay.
 */
int hl_patterns_parse(struct hl_patterns *p, const char *buf, size_t len,
                      size_t *bad_line);

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

#ifdef __cplusplus
}
#endif

#endif
