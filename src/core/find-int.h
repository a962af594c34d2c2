#ifndef HLEAK_CORE_FIND_INT_H
#define HLEAK_CORE_FIND_INT_H

/*
 * The result of a name search over the whole system (hleak/system.h,
 * hl_system_find()), built by a platform (src/win/find-win.c) through the
 * functions below and read by find.c. Strings live in one string table.
 */

#include <stddef.h>
#include <stdint.h>

#include "hleak/system.h"

struct hl_snapshot;

struct hl__find_match {
    uint64_t pid;
    uint64_t value;
    uint32_t access;
    uint32_t image, type, name, nt_name; /* string ids in strs */
};

struct hl__find_refused {
    uint64_t pid;
    uint64_t handles;
    uint32_t image;
    uint32_t why; /* HL_ACCESS_* */
};

struct hl_find {
    struct hl__find_match *matches;
    size_t nmatches, mcap;
    struct hl__find_refused *refused;
    size_t nrefused, rcap;
    size_t searched, exited;
    uint64_t asked, timeouts;
    struct hl_snapshot *strs; /* the string table only */
};

/* A new, empty result; 0 or HL_ENOMEM. */
int hl__find_new(struct hl_find **out);

/* The glob the pattern stands for: pattern itself when it holds '*' or
 * '?', else "*pattern*" (a substring, as handle.exe matches). *out is
 * freed with hl__free(). 0 or HL_ENOMEM. */
int hl__find_glob(const char *pattern, char **out);

/* 1 when the glob matches the friendly or the NT name (either may be
 * NULL or ""; an empty name never matches). */
int hl__find_matches(const char *glob, const char *name,
                     const char *nt_name);

/* 1 when type is one of types[0..n) (ASCII case ignored); with n == 0,
 * one of hl_find_default_types(). */
int hl__find_type_wanted(const char *const *types, size_t n,
                         const char *type);

int hl__find_add(struct hl_find *f, uint64_t pid, const char *image,
                 uint64_t value, const char *type, uint32_t access,
                 const char *name, const char *nt_name);
int hl__find_add_refused(struct hl_find *f, uint64_t pid, const char *image,
                         uint64_t handles, uint32_t why);

/* Orders the matches by pid, then handle value. */
void hl__find_sort(struct hl_find *f);

#endif
