#ifndef HLEAK_CORE_OBJTYPES_H
#define HLEAK_CORE_OBJTYPES_H

/*
 * The object type names of Windows 10 and 11, for checking the TYPE a
 * user typed (--fail-on, --ignore, --type, --fail-on-growth): a typo must
 * be refused, not turn a gate off.
 */

#include <stddef.h>

#include "snapshot-int.h"

/* How a user's type name fares; see hl__objtype_check(). */
enum hl__objtype_verdict {
    HL__OBJTYPE_KNOWN,   /* a Windows type or one present in the inputs */
    HL__OBJTYPE_UNKNOWN, /* neither; *suggest may name the nearest */
    HL__OBJTYPE_QUOTED   /* holds quote characters the shell left in */
};

/* How text reports show a type, and a name: "<unknown type>" for a
 * handle whose type its source could not read (dumps have them),
 * "<unnamed>" for no name. JSON and CSV keep the empty string. */
const char *hl__type_label(const char *type);
const char *hl__name_label(const char *name);

/* The table's spelling of name (ASCII case ignored), or NULL. */
const char *hl__objtype_find(const char *name);

/* The number of names in the table, and the i-th (for tests). */
size_t hl__objtype_count(void);
const char *hl__objtype_at(size_t i);

/*
 * Checks name against the table and the types of the handles of the
 * nsnaps snapshots (any may be NULL), ASCII case ignored. On
 * HL__OBJTYPE_UNKNOWN, *suggest is the nearest name (a common alias such
 * as Mutex -> Mutant, else the closest spelling within a small edit
 * distance), or NULL when nothing is close.
 */
enum hl__objtype_verdict
hl__objtype_check(const char *name, const struct hl_snapshot *const *snaps,
                  size_t nsnaps, const char **suggest);

#endif
