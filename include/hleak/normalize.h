#ifndef HLEAK_HLEAK_NORMALIZE_H
#define HLEAK_HLEAK_NORMALIZE_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Name patterns: a leak rarely repeats one exact name (a temp file per
 * request, a key per session, an event named after a pid), so names are
 * grouped by a pattern in which the varying parts become placeholders:
 *
 *   {guid}  8-4-4-4-12 hex digits, with or without braces
 *   {sid}   a security identifier, S-1-5-21-...
 *   {hex}   0x and hex digits; or a run of 8 or more hex digits with both
 *           a digit and a letter, standing alone between non-alphanumerics
 *   {n}     any other run of decimal digits (every one: a family of
 *           names "Section7" ... "Section1234" must make one pattern)
 *
 * e.g. "C:\Temp\req-1841.tmp" -> "C:\Temp\req-{n}.tmp",
 *      "HKU\S-1-5-21-1-2-3-1001\Software" -> "HKU\{sid}\Software".
 * The rules are documented in docs/triage.md.
 */

/* Sets *out to a new string (free with hl_free()) holding the pattern of
 * name. Returns 0 or HL_ENOMEM. */
int hl_name_pattern(const char *name, char **out);

#ifdef __cplusplus
}
#endif

#endif
