/*
 * What a script does today to list processes by handle count, the
 * baseline of bench/ps_bench.py: for each process of the Toolhelp list,
 * OpenProcess + GetProcessHandleCount + CloseHandle. Prints one line per
 * process ("pid count", or "pid -" when it cannot be opened or asked),
 * then "total N processes M handles". Under Wine 8.0
 * GetProcessHandleCount succeeds with 0, so the counts are wrong there;
 * the time is what is compared.
 */
#include <stdio.h>

#include <windows.h>

#include <tlhelp32.h>

int main(void)
{
    PROCESSENTRY32W pe;
    unsigned long long total = 0;
    unsigned long n = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);

    if (snap == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "naive-ps: CreateToolhelp32Snapshot failed: %lu\n",
                GetLastError());
        return 3;
    }
    pe.dwSize = sizeof(pe);
    for (BOOL ok = Process32FirstW(snap, &pe); ok;
         ok = Process32NextW(snap, &pe)) {
        HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                               pe.th32ProcessID);
        DWORD count = 0;

        n++;
        if (h == NULL || !GetProcessHandleCount(h, &count)) {
            printf("%lu -\n", pe.th32ProcessID);
        } else {
            printf("%lu %lu\n", pe.th32ProcessID, count);
            total += count;
        }
        if (h != NULL)
            CloseHandle(h);
    }
    CloseHandle(snap);
    printf("total %lu processes %llu handles\n", n, total);
    return 0;
}
