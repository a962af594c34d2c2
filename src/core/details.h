#ifndef HLEAK_CORE_DETAILS_H
#define HLEAK_CORE_DETAILS_H

/*
 * The object details of a handle (struct hl_details, snapshot --details)
 * in words: one formatter for every view that prints them (show's list,
 * the one-handle view), and the names the JSON report and the collector
 * use.
 */

#include <stddef.h>
#include <stdint.h>

#include "snapshot-int.h"

/* The kind whose details a handle of this type name has ("Event" ->
 * HL_DETAILS_EVENT), HL_DETAILS_NONE for a type without any. */
enum hl_details_kind hl__details_kind_of(const char *type);

/* "event", "mutant", ... ("" for NONE and out of range). */
const char *hl__details_kind_name(uint32_t kind);

/* The FILE_DEVICE_* name ("disk", "named pipe", ...), or NULL when hleak
 * has no word for it. */
const char *hl__details_device_name(uint32_t device);

/* "notification" or "synchronization" for an Event's type, else NULL. */
const char *hl__details_event_type(int64_t type);

/* "image", "file" or "pagefile" for a Section's attributes. */
const char *hl__details_section_backing(int64_t attributes);

/*
 * The details of handle i of s as one line of text ("notification,
 * signaled", "count 2 of 10", "image, 0x1000 bytes"; "unknown" when no
 * query answered), cut to len bytes (NUL included). Returns buf, or NULL
 * when the handle has no details record.
 */
const char *hl__details_text(const struct hl_snapshot *s, size_t i,
                             char *buf, size_t len);

#endif
