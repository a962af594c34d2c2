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
 * its reports print, "<unnamed>" included.
 */
struct hl_patterns;

/* Makes an empty set of patterns (*out). Returns 0, HL_EINVAL or
 * HL_ENOMEM. */
int hl_patterns_new(struct hl_patterns **out);

/* Frees a set made by hl_patterns_new(); NULL is ignored. */
void hl_patterns_free(struct hl_patterns *p);

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

#ifdef __cplusplus
}
#endif

#endif
