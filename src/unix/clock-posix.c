#define _POSIX_C_SOURCE 200809L

#include "core-int.h"

#include <time.h>

/* Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
#define FILETIME_UNIX_DELTA 11644473600ull

uint64_t hl__clock_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t hl__clock_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + FILETIME_UNIX_DELTA) * 10000000u +
           (uint64_t)ts.tv_nsec / 100u;
}

void hl__sleep_ms(unsigned ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    /* EINTR ends the nap early on purpose: the caller checks for Ctrl+C */
    nanosleep(&ts, NULL);
}
