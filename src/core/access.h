#ifndef HLEAK_CORE_ACCESS_H
#define HLEAK_CORE_ACCESS_H

/*
 * Access masks and handle attributes in words, as WinDbg's `!handle h f`
 * and the SDK spell them: the standard rights (Delete, ReadControl,
 * WriteDac, WriteOwner, Synch), then the rights specific to the object's
 * type (Event: QueryState, ModifyState; ...), then AccessSystemSecurity,
 * MaximumAllowed and the GENERIC_* bits; a bit with no name is shown as
 * "0x00000100". One table (access.c) for every output; nothing here
 * allocates.
 */

#include <stddef.h>
#include <stdint.h>

/* One named bit of a mask. */
struct hl__access_bit {
    uint32_t bit;
    const char *name;
};

/* Walks the names of a mask; see hl__access_begin(). */
struct hl__access_iter {
    const struct hl__access_bit *tables[3]; /* in the order shown */
    size_t sizes[3];
    size_t table, pos;
    uint32_t left;  /* bits not yet named */
    uint32_t shift; /* next bit to show as hex once the tables are done */
    char hex[12];   /* "0x00000100" for a bit with no name */
};

/*
 * Starts walking the rights of mask for an object of type (the name
 * Windows gives it, "Event", "ALPC Port", ...; ASCII case ignored; an
 * unknown or empty type shows only the standard and generic rights, its
 * specific bits as hex).
 */
void hl__access_begin(struct hl__access_iter *it, const char *type,
                      uint32_t mask);

/* Starts walking the handle attributes of a handle-table entry:
 * ProtectFromClose (OBJ_PROTECT_CLOSE 0x1), Inherit (OBJ_INHERIT 0x2),
 * Audit (OBJ_AUDIT_OBJECT_CLOSE 0x4). */
void hl__attributes_begin(struct hl__access_iter *it, uint32_t attributes);

/* The next name, or NULL when every bit was named. A hex name lives in
 * *it until the next call. */
const char *hl__access_next(struct hl__access_iter *it);

/* The specific rights of type, *n of them, or NULL for a type the table
 * does not know (for tests and the docs). */
const struct hl__access_bit *hl__access_specific(const char *type, size_t *n);

#endif
