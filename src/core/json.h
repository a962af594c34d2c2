#ifndef HLEAK_CORE_JSON_H
#define HLEAK_CORE_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "core-int.h"
#include "snapshot-int.h"

/* Writes s as a JSON string, quotes included. s must be valid UTF-8 (the
 * snapshot reader checks that): bytes >= 0x80 pass through unchanged. */
void hl__json_str(FILE *f, const char *s);

/* hl__json_str() into a buffer. */
void hl__sbuf_json(struct hl__sbuf *b, const char *s);

/* Writes FILETIME ft as an ISO 8601 string, or null when 0. */
void hl__json_time(FILE *f, uint64_t ft);

/* Writes the "process" object of a snapshot (docs/man/hleak-show.md),
 * indented for a member of the top-level object, without a newline. */
void hl__json_process(FILE *f, const struct hl_snapshot *s);

#endif
