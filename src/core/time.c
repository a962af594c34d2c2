#include "core-int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
#define FILETIME_UNIX_DELTA 11644473600ull

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), so
 * the result does not depend on the C library's gmtime range. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void hl__filetime_iso(uint64_t ft, char *buf, size_t len)
{
    int64_t secs = (int64_t)(ft / 10000000ull) - (int64_t)FILETIME_UNIX_DELTA;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;

    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
             (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
             (unsigned)(rem % 60));
}

void hl__filetime_iso_ms(uint64_t ft, char *buf, size_t len)
{
    char iso[40];
    size_t n;

    hl__filetime_iso(ft, iso, sizeof(iso));
    n = strlen(iso);
    if (n > 0 && iso[n - 1] == 'Z')
        iso[n - 1] = '\0';
    snprintf(buf, len, "%s.%03uZ", iso, (unsigned)(ft / 10000u % 1000u));
}

uint64_t hl__filetime_from_unix(uint64_t secs)
{
    return (secs + FILETIME_UNIX_DELTA) * 10000000ull;
}

uint64_t hl__filetime_now(void)
{
    time_t t = time(NULL);

    return hl__filetime_from_unix((uint64_t)t);
}
