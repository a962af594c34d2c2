#include "core-int.h"

#include <windows.h>

uint64_t hl__clock_us(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;

    /* "The frequency ... is fixed at system boot" (QueryPerformanceFrequency
     * documentation), so one query serves the process. */
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (uint64_t)(now.QuadPart / freq.QuadPart) * 1000000u +
           (uint64_t)(now.QuadPart % freq.QuadPart) * 1000000u /
               (uint64_t)freq.QuadPart;
}

uint64_t hl__clock_wall(void)
{
    FILETIME ft;

    /* GetSystemTimePreciseAsFileTime needs Windows 8; hleak runs on 7,
     * and a sample time to the scheduler tick (about 16 ms) suffices. */
    GetSystemTimeAsFileTime(&ft);
    return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

void hl__sleep_ms(unsigned ms)
{
    Sleep(ms);
}
