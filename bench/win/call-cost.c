/*
 * call-cost: what each call of a name query costs, on this process's own
 * handles: DuplicateHandle, NtQueryObject(name), NtQueryObject(type),
 * CloseHandle, then DuplicateHandle + name + close from 1, 2 and 4
 * threads at once. Under Wine every call is one or more wineserver round
 * trips; this shows how many, and whether threads overlap them.
 *
 *   call-cost.exe [N]        (default 5000 events)
 */
#include <stdio.h>
#include <stdlib.h>

#include "nt.h"

#define MAX_THREADS 4

static hl_nt_query_object_fn query_object;
static HANDLE *events;
static HANDLE self;
static long count;

static double now_us(void)
{
    LARGE_INTEGER t, f;

    QueryPerformanceCounter(&t);
    QueryPerformanceFrequency(&f);
    return (double)t.QuadPart * 1e6 / (double)f.QuadPart;
}

/* One thread's share of the events: duplicate, ask the name, close. */
static DWORD WINAPI dup_name_close(void *arg)
{
    long step = (long)(INT_PTR)arg;
    char buf[1024];
    long i;

    for (i = 0; i < count / step; i++) {
        HANDLE d;

        if (!DuplicateHandle(self, events[i], GetCurrentProcess(), &d, 0,
                             FALSE, DUPLICATE_SAME_ACCESS))
            continue;
        query_object(d, HL_NT_OBJECT_NAME_INFORMATION, buf, sizeof(buf),
                     NULL);
        CloseHandle(d);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char buf[4096];
    HANDLE *dups;
    HANDLE th[MAX_THREADS];
    double t;
    long i;
    int k;

    count = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
    query_object = (hl_nt_query_object_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleW(L"ntdll.dll"), "NtQueryObject");
    events = calloc((size_t)count, sizeof(*events));
    dups = calloc((size_t)count, sizeof(*dups));
    self = OpenProcess(PROCESS_DUP_HANDLE, FALSE, GetCurrentProcessId());
    if (count < 1 || query_object == NULL || events == NULL ||
        dups == NULL || self == NULL)
        return 2;
    for (i = 0; i < count; i++)
        events[i] = CreateEventW(NULL, FALSE, FALSE, NULL);
    t = now_us();
    for (i = 0; i < count; i++)
        DuplicateHandle(self, events[i], GetCurrentProcess(), &dups[i], 0,
                        FALSE, DUPLICATE_SAME_ACCESS);
    printf("DuplicateHandle          %6.1f us\n", (now_us() - t) / count);
    t = now_us();
    for (i = 0; i < count; i++)
        query_object(dups[i], HL_NT_OBJECT_NAME_INFORMATION, buf,
                     sizeof(buf), NULL);
    printf("NtQueryObject(name)      %6.1f us\n", (now_us() - t) / count);
    t = now_us();
    for (i = 0; i < count; i++)
        query_object(dups[i], HL_NT_OBJECT_TYPE_INFORMATION, buf,
                     sizeof(buf), NULL);
    printf("NtQueryObject(type)      %6.1f us\n", (now_us() - t) / count);
    t = now_us();
    for (i = 0; i < count; i++)
        CloseHandle(dups[i]);
    printf("CloseHandle              %6.1f us\n", (now_us() - t) / count);
    for (k = 1; k <= MAX_THREADS; k *= 2) {
        int j;

        t = now_us();
        for (j = 0; j < k; j++)
            th[j] = CreateThread(NULL, 0, dup_name_close,
                                 (void *)(INT_PTR)k, 0, NULL);
        WaitForMultipleObjects((DWORD)k, th, TRUE, INFINITE);
        for (j = 0; j < k; j++)
            CloseHandle(th[j]);
        printf("dup+name+close, %d thread%s %6.1f us per handle\n", k,
               k > 1 ? "s" : " ", (now_us() - t) / count);
    }
    return 0;
}
