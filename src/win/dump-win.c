#include "hleak/dump.h"

#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "win-int.h"

#include <dbghelp.h>

/* Resolved at run time: dbghelp.dll is not loaded by hleak otherwise, and
 * a missing or old one should fail this command only. */
typedef BOOL(WINAPI *hl_minidump_write_fn)(
    HANDLE process, DWORD pid, HANDLE file, MINIDUMP_TYPE type,
    PMINIDUMP_EXCEPTION_INFORMATION exception,
    PMINIDUMP_USER_STREAM_INFORMATION user,
    PMINIDUMP_CALLBACK_INFORMATION callback);

/* Handle data is the point; threads and unloaded modules make the dump
 * useful to a debugger as well, at little cost in size. */
#define DUMP_FLAGS                                                          \
    (MiniDumpWithHandleData | MiniDumpWithThreadInfo |                      \
     MiniDumpWithUnloadedModules)

/* The access MiniDumpWriteDump needs; PROCESS_DUP_HANDLE for the handle
 * data stream. */
#define DUMP_ACCESS                                                         \
    (PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_DUP_HANDLE)

static int to_wide(const char *s, WCHAR **out)
{
    WCHAR *w;
    int n;

    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return HL_EINVAL;
    w = hl__reallocarray(NULL, (size_t)n, sizeof(*w));
    if (w == NULL)
        return HL_ENOMEM;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) !=
        n) {
        hl__free(w);
        return HL_EINVAL;
    }
    *out = w;
    return 0;
}

static int file_error(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
        return HL_ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return HL_EACCES;
    default:
        return HL_EIO;
    }
}

/* "<path>.tmp-<our pid>", created new; an old leftover is replaced. */
static int create_temp(const char *path, WCHAR **wtmp, HANDLE *h,
                       struct hl_collect_diag *diag)
{
    size_t n = strlen(path) + 32;
    char *tmp = hl__malloc(n);
    DWORD e;
    int err;

    if (tmp == NULL)
        return HL_ENOMEM;
    snprintf(tmp, n, "%s.tmp-%lu", path, (unsigned long)GetCurrentProcessId());
    err = to_wide(tmp, wtmp);
    hl__free(tmp);
    if (err != 0)
        return err;
    *h = CreateFileW(*wtmp, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                     CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (*h != INVALID_HANDLE_VALUE)
        return 0;
    e = GetLastError();
    hl__diag_win32(diag, "CreateFileW", e);
    hl__free(*wtmp);
    *wtmp = NULL;
    return file_error(e);
}

int hl_dump_write(uint64_t pid, const char *path,
                  struct hl_collect_diag *diag)
{
    hl_minidump_write_fn write_dump;
    HMODULE dbghelp;
    HANDLE proc, file = INVALID_HANDLE_VALUE;
    WCHAR *wpath = NULL, *wtmp = NULL;
    DWORD e;
    int err;

    if (pid > UINT32_MAX)
        return HL_ENOPROC;
    dbghelp = LoadLibraryW(L"dbghelp.dll");
    if (dbghelp == NULL) {
        hl__diag_win32(diag, "LoadLibraryW(dbghelp.dll)", GetLastError());
        return HL_EQUERY;
    }
    write_dump = (hl_minidump_write_fn)(void (*)(void))GetProcAddress(
        dbghelp, "MiniDumpWriteDump");
    if (write_dump == NULL) {
        hl__diag_win32(diag, "GetProcAddress(MiniDumpWriteDump)",
                       GetLastError());
        err = HL_EQUERY;
        goto out_free_lib;
    }
    proc = OpenProcess(DUMP_ACCESS, FALSE, (DWORD)pid);
    if (proc == NULL) {
        e = GetLastError();
        hl__diag_win32(diag, "OpenProcess", e);
        err = hl__from_win32(e);
        goto out_free_lib;
    }
    if ((err = to_wide(path, &wpath)) != 0 ||
        (err = create_temp(path, &wtmp, &file, diag)) != 0)
        goto out_close_proc;
    if (!write_dump(proc, (DWORD)pid, file, (MINIDUMP_TYPE)DUMP_FLAGS, NULL,
                    NULL, NULL)) {
        /* dbghelp reports an HRESULT-style code; any failure here means
         * the dump could not be taken, whatever the code says. */
        hl__diag_win32(diag, "MiniDumpWriteDump", GetLastError());
        err = HL_EQUERY;
        goto out_delete;
    }
    if (!FlushFileBuffers(file)) {
        e = GetLastError();
        hl__diag_win32(diag, "FlushFileBuffers", e);
        err = file_error(e);
        goto out_delete;
    }
    CloseHandle(file);
    file = INVALID_HANDLE_VALUE;
    if (!MoveFileExW(wtmp, wpath,
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        e = GetLastError();
        hl__diag_win32(diag, "MoveFileExW", e);
        err = file_error(e);
        goto out_delete;
    }
    err = 0;
    goto out_close_proc;

out_delete:
    if (file != INVALID_HANDLE_VALUE)
        CloseHandle(file);
    DeleteFileW(wtmp);
out_close_proc:
    hl__free(wtmp);
    hl__free(wpath);
    CloseHandle(proc);
out_free_lib:
    FreeLibrary(dbghelp);
    return err;
}
