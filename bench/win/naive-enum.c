/*
 * naive-enum: the baseline `hleak snapshot` is measured against. It lists
 * one process's handles the way a first attempt would: the system-wide
 * handle list filtered by pid, then for every handle, on one thread,
 * DuplicateHandle, NtQueryObject(type), NtQueryObject(name), CloseHandle.
 *
 *   naive-enum.exe PID
 *   -> count <handles> named <with a name> checksum <hex> us <collection>
 *
 * The checksum is the sum over handles of FNV-1a-64 of the handle value
 * in decimal, a space and the UTF-8 NT name: it does not depend on order,
 * and bench/snapshot_bench.py computes the same from `hleak show --json`
 * to check that both saw the same handles.
 * Handles that cannot be duplicated count with an empty name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt.h"

#define FIRST_LEN (64u * 1024u)
#define MAX_LEN (256u * 1024u * 1024u)
#define QUERY_BUF_LEN (64u * 1024u)

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The system-wide handle list, grown until it fits. */
static void *query_handles(hl_nt_query_system_information_fn qsi)
{
    ULONG len = FIRST_LEN;

    while (len <= MAX_LEN) {
        ULONG ret = 0;
        void *buf = malloc(len);
        NTSTATUS st;

        if (buf == NULL)
            return NULL;
        st = qsi(HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION, buf, len, &ret);
        if (NT_SUCCESS(st))
            return buf;
        free(buf);
        if (st != STATUS_INFO_LENGTH_MISMATCH)
            return NULL;
        len = ret > len ? ret + ret / 4 : len * 2;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    hl_nt_query_system_information_fn qsi;
    hl_nt_query_object_fn qo;
    const struct hl_nt_handle_info_ex *hdr;
    const struct hl_nt_handle_entry_ex *e;
    LARGE_INTEGER t0, t1, freq;
    static char utf8[3 * QUERY_BUF_LEN];
    void *tbuf = malloc(QUERY_BUF_LEN);
    void *nbuf = malloc(QUERY_BUF_LEN);
    uint64_t sum = 0;
    unsigned long count = 0, named = 0;
    unsigned long pid;
    HANDLE proc;
    void *list;
    ULONG_PTR i;

    if (argc != 2 || ntdll == NULL || tbuf == NULL || nbuf == NULL) {
        fprintf(stderr, "usage: naive-enum PID\n");
        return 2;
    }
    pid = strtoul(argv[1], NULL, 10);
    qsi = (hl_nt_query_system_information_fn)(void (*)(void))GetProcAddress(
        ntdll, "NtQuerySystemInformation");
    qo = (hl_nt_query_object_fn)(void (*)(void))GetProcAddress(
        ntdll, "NtQueryObject");
    if (qsi == NULL || qo == NULL)
        return 3;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t0);
    proc = OpenProcess(PROCESS_DUP_HANDLE | PROCESS_QUERY_INFORMATION, FALSE,
                       pid);
    if (proc == NULL) {
        fprintf(stderr, "naive-enum: OpenProcess %lu: error %lu\n", pid,
                GetLastError());
        return 3;
    }
    list = query_handles(qsi);
    if (list == NULL) {
        fprintf(stderr, "naive-enum: cannot list handles\n");
        return 3;
    }
    hdr = list;
    e = (const void *)(hdr + 1);
    for (i = 0; i < hdr->NumberOfHandles; i++) {
        char head[32];
        HANDLE dup = NULL;
        uint64_t h;
        int n = 0;

        if (e[i].UniqueProcessId != pid)
            continue;
        count++;
        if (DuplicateHandle(proc, (HANDLE)e[i].HandleValue,
                            GetCurrentProcess(), &dup, 0, FALSE,
                            DUPLICATE_SAME_ACCESS)) {
            const struct hl_nt_object_name_info *ni = nbuf;

            /* the type is asked, as a naive collector would; only the
             * name enters the checksum */
            qo(dup, HL_NT_OBJECT_TYPE_INFORMATION, tbuf, QUERY_BUF_LEN,
               NULL);
            if (NT_SUCCESS(qo(dup, HL_NT_OBJECT_NAME_INFORMATION, nbuf,
                              QUERY_BUF_LEN, NULL)) &&
                ni->Name.Length > 0 && ni->Name.Buffer != NULL) {
                n = WideCharToMultiByte(CP_UTF8, 0, ni->Name.Buffer,
                                        ni->Name.Length / sizeof(WCHAR),
                                        utf8, sizeof(utf8), NULL, NULL);
                if (n < 0)
                    n = 0;
                named += n > 0;
            }
            CloseHandle(dup);
        }
        snprintf(head, sizeof(head), "%llu ",
                 (unsigned long long)e[i].HandleValue);
        h = fnv1a(0xcbf29ce484222325ull, head, strlen(head));
        sum += fnv1a(h, utf8, (size_t)n);
    }
    QueryPerformanceCounter(&t1);
    printf("count %lu named %lu checksum %016llx us %llu\n", count, named,
           (unsigned long long)sum,
           (unsigned long long)((t1.QuadPart - t0.QuadPart) * 1000000 /
                                freq.QuadPart));
    free(list);
    free(tbuf);
    free(nbuf);
    CloseHandle(proc);
    return 0;
}
