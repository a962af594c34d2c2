#ifndef HLEAK_CORE_NAMEPAT_H
#define HLEAK_CORE_NAMEPAT_H

#include <stdint.h>

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
 *   {hex}   0x and hex digits; or, standing alone between
 *           non-alphanumerics, a run of 8 or more hex digits with both a
 *           digit and a letter, or of exactly 8 or 16 starting with 0
 *           (zero-padded, as "%08x" prints)
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

/*
 * What stays of name from one run of a program to the next, for comparing
 * two processes by exact name: pid standing alone (decimal, or as 8 hex
 * digits, case ignored) becomes {pid}, and in a thread label of that
 * process ("tid 304 in app.exe (pid 32)") the tid becomes {tid}:
 * "tid {tid} in app.exe (pid {pid})". pid 0 changes nothing. Sets *out to
 * a new string (hl_free()); returns 0, HL_ENOMEM or HL_ETOOBIG.
 */
int hl_name_neutral(const char *name, uint64_t pid, char **out);

#ifdef __cplusplus
}
#endif

#endif
