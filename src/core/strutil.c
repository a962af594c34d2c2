#include "core-int.h"

int hl__ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int hl__ascii_caseeq(const char *a, const char *b)
{
    while (*a != '\0' && hl__ascii_lower((unsigned char)*a) ==
                             hl__ascii_lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

int hl__ascii_casecmp(const char *a, const char *b)
{
    int ca, cb;

    do {
        ca = hl__ascii_lower((unsigned char)*a++);
        cb = hl__ascii_lower((unsigned char)*b++);
    } while (ca == cb && ca != '\0');
    return ca < cb ? -1 : ca > cb;
}

int hl__type_eq(const char *type, const char *user)
{
    return hl__ascii_caseeq(type, user) ||
           (*type == '\0' && hl__ascii_caseeq(user, HL__UNKNOWN_TYPE));
}

int hl__ascii_caseprefix(const char *s, const char *prefix)
{
    while (*prefix != '\0') {
        if (hl__ascii_lower((unsigned char)*s) !=
            hl__ascii_lower((unsigned char)*prefix))
            return 0;
        s++;
        prefix++;
    }
    return 1;
}

/* The last path component of path. */
const char *hl__path_base(const char *path)
{
    const char *base = path;
    const char *p;

    for (p = path; *p != '\0'; p++) {
        if (*p == '\\' || *p == '/')
            base = p + 1;
    }
    return base;
}

int hl__cmp_pair(uint64_t a1, uint64_t a2, uint64_t b1, uint64_t b2)
{
    if (a1 != b1)
        return a1 < b1 ? -1 : 1;
    return a2 < b2 ? -1 : a2 > b2;
}

size_t hl__lower_bound(const void *base, size_t n, size_t size, uint64_t key,
                       uint64_t (*key_of)(const void *elem))
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (key_of((const char *)base + mid * size) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
