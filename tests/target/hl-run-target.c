/*
 * The program `hleak run`'s live tests start (tests/integration/
 * test_run_live.py). Like hl-target it shares no code with hleak: it marks
 * checkpoints with the documented string itself, so a change in hleak's
 * checkpoint parsing cannot agree with it by accident.
 *
 *   hl-run-target leak N M   warm up, checkpoint "warm", leak N events and
 *                            M files, checkpoint "done", exit 0
 *   hl-run-target clean      the same, leaking nothing
 *   hl-run-target fail CODE  two checkpoints, then exit CODE
 *   hl-run-target nocheck N  no checkpoint: leak N events after 1.5 s,
 *                            exit 2 s later (time-based fallback)
 *   hl-run-target long N     checkpoint, leak N events, checkpoint, then
 *                            run for a minute (for Ctrl+C)
 *   hl-run-target noise      a debug string that is not a checkpoint, an
 *                            oversized one, then as "clean"
 *   hl-run-target grow N MS  no checkpoint: leak N events every 100 ms
 *                            for MS ms, then exit (a leak that grows)
 *   hl-run-target plateau N MS
 *                            no checkpoint: open N events over 500 ms
 *                            (a fifth every 100 ms), keep them for MS ms,
 *                            then exit (a cache that fills, then levels
 *                            off)
 *   hl-run-target work N     bench/run_bench.py's workload: N rounds of
 *                            CPU work that opens and closes an event and
 *                            a file; prints its own time (elapsed_ms=)
 */

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void checkpoint(const char *label)
{
    char buf[128];

    snprintf(buf, sizeof(buf), "hleak:checkpoint %s", label);
    OutputDebugStringA(buf);
}

/* Handles opened and closed, as a program's first requests do. */
static void warm_up(void)
{
    int i;

    for (i = 0; i < 20; i++) {
        HANDLE h = CreateEventW(NULL, TRUE, FALSE, NULL);

        if (h != NULL)
            CloseHandle(h);
    }
}

static void leak_events(long n)
{
    long i;

    for (i = 0; i < n; i++)
        (void)CreateEventW(NULL, TRUE, FALSE, NULL);
}

/* Files deleted when the process ends, so no run leaves one behind. */
static void leak_files(long n)
{
    WCHAR dir[MAX_PATH], path[MAX_PATH + 64];
    long i;

    if (GetTempPathW(MAX_PATH, dir) == 0)
        return;
    for (i = 0; i < n; i++) {
        _snwprintf(path, MAX_PATH + 63, L"%lshl-run-target-%lu-%ld.tmp", dir,
                   (unsigned long)GetCurrentProcessId(), i);
        (void)CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                          FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE,
                          NULL);
    }
}

/* CPU work with handles opened and closed in it, as a test suite does;
 * the checksum is printed so the loop is not optimised away. */
static int work(long rounds)
{
    LARGE_INTEGER f, t0, t1;
    unsigned long long x = 88172645463325252ull, sum = 0;
    WCHAR dir[MAX_PATH], path[MAX_PATH + 64];
    long r, i;

    if (GetTempPathW(MAX_PATH, dir) == 0)
        return 3;
    _snwprintf(path, MAX_PATH + 63, L"%lshl-run-work-%lu.tmp", dir,
               (unsigned long)GetCurrentProcessId());
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t0);
    for (r = 0; r < rounds; r++) {
        HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
        HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                               FILE_ATTRIBUTE_TEMPORARY |
                                   FILE_FLAG_DELETE_ON_CLOSE,
                               NULL);

        for (i = 0; i < 200000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            sum += x;
        }
        if (e != NULL)
            CloseHandle(e);
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
    }
    QueryPerformanceCounter(&t1);
    printf("elapsed_ms=%.1f checksum=%llu\n",
           (double)(t1.QuadPart - t0.QuadPart) * 1000.0 / (double)f.QuadPart,
           sum);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    long m = argc > 3 ? strtol(argv[3], NULL, 10) : 0;

    if (strcmp(mode, "noise") == 0) {
        static char big[70000];

        OutputDebugStringA("hello from the program");
        memset(big, 'x', sizeof(big) - 1);
        memcpy(big, "hleak:checkpoint big", 20);
        OutputDebugStringA(big);
        mode = "clean";
    }
    if (strcmp(mode, "leak") == 0 || strcmp(mode, "clean") == 0) {
        warm_up();
        checkpoint("warm");
        leak_events(n);
        leak_files(m);
        warm_up();
        checkpoint("done");
        return 0;
    }
    if (strcmp(mode, "fail") == 0) {
        checkpoint("one");
        checkpoint("two");
        return (int)n;
    }
    if (strcmp(mode, "nocheck") == 0) {
        Sleep(1500);
        leak_events(n);
        Sleep(2000);
        return 0;
    }
    if (strcmp(mode, "long") == 0) {
        checkpoint("start");
        leak_events(n);
        checkpoint("leaked");
        Sleep(60000);
        return 0;
    }
    if (strcmp(mode, "grow") == 0) {
        long t;

        for (t = 0; t < m; t += 100) {
            leak_events(n);
            Sleep(100);
        }
        return 0;
    }
    if (strcmp(mode, "plateau") == 0) {
        int i;

        for (i = 0; i < 5; i++) {
            leak_events(n / 5);
            Sleep(100);
        }
        Sleep((DWORD)m);
        return 0;
    }
    if (strcmp(mode, "work") == 0)
        return work(n);
    fprintf(stderr, "usage: hl-run-target leak N M | clean | fail CODE | "
                    "nocheck N | long N | noise | grow N MS | plateau N MS | "
                    "work N\n");
    return 2;
}
