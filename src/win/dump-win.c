#include "dump.h"

#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/caps.h"
#include "fs-win.h"
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

const unsigned hl__caps_dump = HL_CAP_DUMP;

int hl_dump_write(uint64_t pid, const char *path,
                  struct hl_diag *diag)
{
    const struct hl_nt_api *api = hl__nt_get();
    const DWORD access = DUMP_ACCESS;
    hl_minidump_write_fn write_dump;
    struct hl__win_out out;
    HMODULE dbghelp;
    HANDLE proc;
    int err;

    if (pid > UINT32_MAX)
        return HL_ENOPROC;
    if (api == NULL) {
        hl__diag_win32(diag, "GetProcAddress", ERROR_PROC_NOT_FOUND);
        return HL_EQUERY;
    }
    if ((err = hl__wow64_check(api, sizeof(void *))) != 0)
        return err;
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
    err = hl__open_process(api, pid, &access, 1, &proc, NULL, diag);
    if (err != 0)
        goto out_free_lib;
    if ((err = hl__win_out_open(path, &out)) != 0) {
        hl__diag_win32(diag, "CreateFileW", GetLastError());
        goto out_close_proc;
    }
    if (!write_dump(proc, (DWORD)pid, out.h, (MINIDUMP_TYPE)DUMP_FLAGS, NULL,
                    NULL, NULL)) {
        /* dbghelp reports an HRESULT-style code; any failure here means
         * the dump could not be taken, whatever the code says. */
        hl__diag_win32(diag, "MiniDumpWriteDump", GetLastError());
        hl__win_out_abort(&out);
        err = HL_EQUERY;
        goto out_close_proc;
    }
    if ((err = hl__win_out_commit(&out)) != 0)
        hl__diag_win32(diag, "MoveFileExW", GetLastError());

out_close_proc:
    api->close_handle(proc);
out_free_lib:
    FreeLibrary(dbghelp);
    return err;
}
