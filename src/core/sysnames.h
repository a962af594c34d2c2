#ifndef HLEAK_CORE_SYSNAMES_H
#define HLEAK_CORE_SYSNAMES_H

/*
 * The named handles of one process of a whole-system view with names
 * (HL_SYSTEM_NAMES), counted by type and name pattern (namepat.h), as the
 * process diff groups them: what `show` lists per process and what a
 * whole-system diff compares, so "+7 Event" also says which events.
 */

#include <stddef.h>
#include <stdint.h>

struct hl_system;

struct hl__name_group {
    const char *type; /* the view's type name */
    char *pattern;    /* owned */
    uint64_t count;
};

struct hl__name_groups {
    struct hl__name_group *g; /* by type, then pattern (byte order) */
    size_t n, cap;
};

/* The groups of process i of sys into *out (zeroed by the caller; none
 * when the process has no names). 0 or HL_ENOMEM. */
int hl__name_groups_of(const struct hl_system *sys, size_t i,
                       struct hl__name_groups *out);

void hl__name_groups_release(struct hl__name_groups *g);

/* One group that grew between two views of a process. */
struct hl__name_growth {
    const char *type;
    const char *pattern; /* points into the AFTER groups */
    uint64_t before, after;
};

/* The groups of after with more handles than in before, most grown first
 * (then by type and pattern), into a new array *out of *n (free with
 * hl__free()). 0 or HL_ENOMEM. */
int hl__name_growth(const struct hl__name_groups *before,
                    const struct hl__name_groups *after,
                    struct hl__name_growth **out, size_t *n);

#endif
