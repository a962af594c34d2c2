/* Building and reading a name search's result (hleak/system.h); the
 * search itself is the platform's (src/win/find-win.c). */
#include "find-int.h"

#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "ignore-int.h"
#include "snapshot-int.h"

/* The types whose objects carry the names users look for: files and
 * pipes, registry keys, named kernel objects and their namespaces. Types
 * without names (Process, Thread, Token, ...) cost a query for nothing. */
static const char *const default_types[] = {
    "ALPC Port", "Desktop",   "Directory", "Event",         "File",
    "Job",       "Key",       "Mutant",    "Section",       "Semaphore",
    "SymbolicLink", "Timer",  "WindowStation",
};

const char *const *hl_find_default_types(size_t *n)
{
    if (n != NULL)
        *n = sizeof(default_types) / sizeof(default_types[0]);
    return default_types;
}

int hl__find_new(struct hl_find **out)
{
    struct hl_find *f = hl__calloc(1, sizeof(*f));

    *out = NULL;
    if (f == NULL)
        return HL_ENOMEM;
    f->strs = hl__calloc(1, sizeof(*f->strs));
    if (f->strs == NULL || hl_snapshot_init(f->strs) != 0) {
        hl__free(f->strs);
        hl__free(f);
        return HL_ENOMEM;
    }
    *out = f;
    return 0;
}

void hl_find_free(struct hl_find *f)
{
    if (f == NULL)
        return;
    hl_snapshot_release(f->strs);
    hl__free(f->strs);
    hl__free(f->matches);
    hl__free(f->refused);
    hl__free(f);
}

int hl__find_glob(const char *pattern, char **out)
{
    size_t n = strlen(pattern);

    if (strpbrk(pattern, "*?") != NULL) {
        *out = hl__strdup(pattern);
        return *out != NULL ? 0 : HL_ENOMEM;
    }
    *out = hl__malloc(n + 3);
    if (*out == NULL)
        return HL_ENOMEM;
    (*out)[0] = '*';
    memcpy(*out + 1, pattern, n);
    memcpy(*out + 1 + n, "*", 2);
    return 0;
}

int hl__find_matches(const char *glob, const char *name,
                     const char *nt_name)
{
    return (name != NULL && name[0] != '\0' && hl_glob_match(glob, name)) ||
           (nt_name != NULL && nt_name[0] != '\0' &&
            hl_glob_match(glob, nt_name));
}

int hl__find_type_wanted(const char *const *types, size_t n,
                         const char *type)
{
    size_t i;

    if (n == 0)
        types = hl_find_default_types(&n);
    for (i = 0; i < n; i++)
        if (hl__ascii_caseeq(types[i], type))
            return 1;
    return 0;
}

int hl__find_add(struct hl_find *f, uint64_t pid, const char *image,
                 uint64_t value, const char *type, uint32_t access,
                 const char *name, const char *nt_name)
{
    struct hl__find_match m;
    int err;

    memset(&m, 0, sizeof(m));
    m.pid = pid;
    m.value = value;
    m.access = access;
    if ((err = hl_snapshot_intern(f->strs, image, &m.image)) != 0 ||
        (err = hl_snapshot_intern(f->strs, type, &m.type)) != 0 ||
        (err = hl_snapshot_intern(f->strs, name, &m.name)) != 0 ||
        (err = hl_snapshot_intern(f->strs, nt_name, &m.nt_name)) != 0)
        return err;
    err = hl__grow((void **)&f->matches, &f->mcap, f->nmatches + 1,
                   sizeof(*f->matches));
    if (err == 0)
        f->matches[f->nmatches++] = m;
    return err;
}

int hl__find_add_refused(struct hl_find *f, uint64_t pid, const char *image,
                         uint64_t handles, uint32_t why)
{
    struct hl__find_refused r;
    int err;

    r.pid = pid;
    r.handles = handles;
    r.why = why;
    if ((err = hl_snapshot_intern(f->strs, image, &r.image)) != 0)
        return err;
    err = hl__grow((void **)&f->refused, &f->rcap, f->nrefused + 1,
                   sizeof(*f->refused));
    if (err == 0)
        f->refused[f->nrefused++] = r;
    return err;
}

static int cmp_match(const void *pa, const void *pb)
{
    const struct hl__find_match *a = pa, *b = pb;

    return hl__cmp_pair(a->pid, a->value, b->pid, b->value);
}

void hl__find_sort(struct hl_find *f)
{
    if (f->nmatches > 1)
        qsort(f->matches, f->nmatches, sizeof(*f->matches), cmp_match);
}

/* ---- reading ---- */

#define MATCH_STR(field)                                                   \
    (i < f->nmatches ? hl_snapshot_str(f->strs, f->matches[i].field) : "")

size_t hl_find_count(const struct hl_find *f)
{
    return f->nmatches;
}

uint64_t hl_find_pid(const struct hl_find *f, size_t i)
{
    return i < f->nmatches ? f->matches[i].pid : 0;
}

const char *hl_find_image(const struct hl_find *f, size_t i)
{
    return MATCH_STR(image);
}

uint64_t hl_find_value(const struct hl_find *f, size_t i)
{
    return i < f->nmatches ? f->matches[i].value : 0;
}

const char *hl_find_type(const struct hl_find *f, size_t i)
{
    return MATCH_STR(type);
}

uint32_t hl_find_access(const struct hl_find *f, size_t i)
{
    return i < f->nmatches ? f->matches[i].access : 0;
}

const char *hl_find_name(const struct hl_find *f, size_t i)
{
    return MATCH_STR(name);
}

const char *hl_find_nt_name(const struct hl_find *f, size_t i)
{
    return MATCH_STR(nt_name);
}

size_t hl_find_nrefused(const struct hl_find *f)
{
    return f->nrefused;
}

uint64_t hl_find_refused_pid(const struct hl_find *f, size_t j)
{
    return j < f->nrefused ? f->refused[j].pid : 0;
}

const char *hl_find_refused_image(const struct hl_find *f, size_t j)
{
    return j < f->nrefused ? hl_snapshot_str(f->strs, f->refused[j].image)
                           : "";
}

uint64_t hl_find_refused_handles(const struct hl_find *f, size_t j)
{
    return j < f->nrefused ? f->refused[j].handles : 0;
}

uint32_t hl_find_refused_why(const struct hl_find *f, size_t j)
{
    return j < f->nrefused ? f->refused[j].why : HL_ACCESS_UNKNOWN;
}

size_t hl_find_searched(const struct hl_find *f)
{
    return f->searched;
}

uint64_t hl_find_asked(const struct hl_find *f)
{
    return f->asked;
}

uint64_t hl_find_timeouts(const struct hl_find *f)
{
    return f->timeouts;
}

size_t hl_find_exited(const struct hl_find *f)
{
    return f->exited;
}
