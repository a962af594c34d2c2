/*
 * The self-test's child process and what it leaves behind: a unique
 * temporary folder, a volatile key HKCU\Software\hleak-selftest-<pid>,
 * the child in a kill-on-close job, and the pipes that drive it. Every
 * wait here is bounded.
 */
#include "selftest-win.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "core-int.h"
#include "win-int.h"

#ifndef PROCESSOR_ARCHITECTURE_ARM64
#define PROCESSOR_ARCHITECTURE_ARM64 12 /* SDK */
#endif

static const char *arch_name(WORD arch)
{
    switch (arch) {
    case PROCESSOR_ARCHITECTURE_AMD64:
        return "x64";
    case PROCESSOR_ARCHITECTURE_INTEL:
        return "x86";
    case PROCESSOR_ARCHITECTURE_ARM64:
        return "ARM64";
    case PROCESSOR_ARCHITECTURE_ARM:
        return "ARM";
    default:
        return "";
    }
}

void st_host_describe(struct st_report *r)
{
    const struct hl_nt_api *api = hl__nt_get();
    const char *(CDECL *wine_version)(void);
    SYSTEM_INFO si;
    TOKEN_ELEVATION te;
    HANDLE token;
    BOOL wow64;
    DWORD got;
    char *os = NULL;
    unsigned major, minor;

    snprintf(r->version, sizeof(r->version), "%s", hl__version_full());
    snprintf(r->build, sizeof(r->build), "%s",
             sizeof(void *) == 8 ? "64-bit" : "32-bit");
    if (api != NULL && hl__os_version(api, &os, &major, &minor) == 0)
        snprintf(r->os, sizeof(r->os), "%s", os);
    hl__free(os);
    /* Wine's own export: absent on Windows */
    wine_version = (const char *(CDECL *)(void))(void (*)(void))
        GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version");
    if (wine_version != NULL)
        snprintf(r->wine, sizeof(r->wine), "%s", wine_version());
    GetNativeSystemInfo(&si);
    snprintf(r->arch, sizeof(r->arch), "%s",
             arch_name(si.wProcessorArchitecture));
    r->wow64 = IsWow64Process(GetCurrentProcess(), &wow64) ? wow64 != 0
                                                           : -1;
    r->elevated = -1;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        if (GetTokenInformation(token, TokenElevation, &te, sizeof(te),
                                &got))
            r->elevated = te.TokenIsElevated != 0;
        CloseHandle(token);
    }
}

int st_host_debug_priv(void)
{
    TOKEN_PRIVILEGES *tp;
    HANDLE token;
    LUID luid;
    DWORD len = 0, i;
    int state = -1;

    if (!LookupPrivilegeValueW(NULL, L"SeDebugPrivilege", &luid) ||
        !OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return -1;
    GetTokenInformation(token, TokenPrivileges, NULL, 0, &len);
    tp = len != 0 ? hl__malloc(len) : NULL;
    if (tp != NULL &&
        GetTokenInformation(token, TokenPrivileges, tp, len, &len)) {
        for (i = 0; i < tp->PrivilegeCount; i++) {
            const LUID_AND_ATTRIBUTES *p = &tp->Privileges[i];

            if (p->Luid.LowPart == luid.LowPart &&
                p->Luid.HighPart == luid.HighPart)
                state = (p->Attributes & SE_PRIVILEGE_ENABLED) != 0;
        }
    }
    hl__free(tp);
    CloseHandle(token);
    return state;
}

int st_host_prepare(struct st_host *h, char *why, size_t len)
{
    WCHAR tmp[MAX_PATH + 1];
    WCHAR key[96];
    DWORD n = GetTempPathW(MAX_PATH + 1, tmp);
    HKEY k;
    LONG rc;
    unsigned i;

    snprintf(h->tag, sizeof(h->tag), "hleak-selftest-%lu",
             (unsigned long)GetCurrentProcessId());
    MultiByteToWideChar(CP_UTF8, 0, h->tag, -1, h->wtag, 48);
    if (n == 0 || n > MAX_PATH - 40) {
        snprintf(why, len, "no usable temporary folder (GetTempPath)");
        return -1;
    }
    /* unique even when a pid is reused before an old folder went away */
    for (i = 0; i < 100; i++) {
        _snwprintf(h->dir, MAX_PATH - 1, L"%ls%ls-%u", tmp, h->wtag, i);
        h->dir[MAX_PATH - 1] = L'\0';
        if (CreateDirectoryW(h->dir, NULL))
            break;
        if (GetLastError() != ERROR_ALREADY_EXISTS)
            i = 100;
    }
    if (i >= 100) {
        h->dir[0] = L'\0';
        snprintf(why, len, "cannot make a temporary folder (error %lu)",
                 (unsigned long)GetLastError());
        return -1;
    }
    WideCharToMultiByte(CP_UTF8, 0, h->dir, -1, h->dir8,
                        (int)sizeof(h->dir8), NULL, NULL);
    _snwprintf(key, 95, L"Software\\%ls", h->wtag);
    key[95] = L'\0';
    /* volatile: gone at the next logon even if hleak is killed */
    rc = RegCreateKeyExW(HKEY_CURRENT_USER, key, 0, NULL,
                         REG_OPTION_VOLATILE, KEY_READ, NULL, &k, NULL);
    if (rc != ERROR_SUCCESS) {
        snprintf(why, len, "cannot make HKCU\\%s (error %ld)", h->tag,
                 (long)rc);
        return -1;
    }
    RegCloseKey(k);
    h->have_key = 1;
    return 0;
}

/* An inheritable end for the child, and ours not inheritable. */
static int make_pipe(HANDLE *ours, HANDLE *theirs, int child_reads)
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE r, w;

    if (!CreatePipe(&r, &w, &sa, 0))
        return -1;
    *ours = child_reads ? w : r;
    *theirs = child_reads ? r : w;
    SetHandleInformation(*ours, HANDLE_FLAG_INHERIT, 0);
    return 0;
}

int st_host_spawn(struct st_host *h, const char *fault, char *why,
                  size_t len)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    WCHAR exe[MAX_PATH + 1];
    WCHAR *cmd;
    size_t cmd_len;
    HANDLE child_in = NULL, child_out = NULL;
    DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH + 1);
    BOOL ok;

    if (n == 0 || n > MAX_PATH) {
        snprintf(why, len, "cannot find hleak's own file (error %lu)",
                 (unsigned long)GetLastError());
        return -1;
    }
    cmd_len = wcslen(exe) + wcslen(h->dir) + 128;
    cmd = hl__calloc(cmd_len, sizeof(WCHAR));
    if (cmd == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    /* the one fault there is (cmd-selftest.c refuses any other) */
    _snwprintf(cmd, cmd_len - 1, L"\"%ls\" selftest --child %ls \"%ls\"%ls",
               exe, h->wtag, h->dir,
               fault != NULL ? L" " ST_FAULT_NAME : L"");
    if (make_pipe(&h->to_child, &child_in, 1) != 0 ||
        make_pipe(&h->from_child, &child_out, 0) != 0) {
        snprintf(why, len, "cannot make the control pipes (error %lu)",
                 (unsigned long)GetLastError());
        hl__free(cmd);
        if (child_in != NULL)
            CloseHandle(child_in);
        return -1;
    }
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = child_in;
    si.hStdOutput = child_out;
    si.hStdError = INVALID_HANDLE_VALUE;
    h->job = hl__nt_get() != NULL ? hl__job_kill_on_close(hl__nt_get())
                                  : NULL;
    ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE,
                        CREATE_SUSPENDED | CREATE_NO_WINDOW, NULL, NULL, &si,
                        &pi);
    n = GetLastError();
    hl__free(cmd);
    CloseHandle(child_in);
    CloseHandle(child_out);
    if (!ok) {
        snprintf(why, len, "cannot start the child (CreateProcess error "
                 "%lu)", (unsigned long)n);
        return -1;
    }
    /* without the job (a job that forbids nesting), the kill at the end
     * still ends the child */
    if (h->job != NULL && !AssignProcessToJobObject(h->job, pi.hProcess)) {
        CloseHandle(h->job);
        h->job = NULL;
    }
    h->proc = pi.hProcess;
    h->pid = pi.dwProcessId;
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    return 0;
}

int st_host_send(struct st_host *h, const char *cmd)
{
    char line[64];
    DWORD done;
    int n = snprintf(line, sizeof(line), "%s\n", cmd);

    if (n < 0 || (size_t)n >= sizeof(line) || h->to_child == NULL)
        return -1;
    return WriteFile(h->to_child, line, (DWORD)n, &done, NULL) &&
                   done == (DWORD)n
               ? 0
               : -1;
}

/* Takes one line out of h->buf into line; 1 when there was one. */
static int take_line(struct st_host *h, char *line, size_t len)
{
    char *nl = memchr(h->buf, '\n', h->len);
    size_t n;

    if (nl == NULL)
        return 0;
    n = (size_t)(nl - h->buf);
    if (n >= len)
        n = len - 1;
    memcpy(line, h->buf, n);
    line[n] = '\0';
    n = (size_t)(nl - h->buf) + 1;
    memmove(h->buf, h->buf + n, h->len - n);
    h->len -= n;
    return 1;
}

int st_host_read(struct st_host *h, struct st_manifest *m, DWORD ms,
                 char *why, size_t len)
{
    ULONGLONG end = GetTickCount64() + ms;
    char line[128];
    DWORD avail, got;
    int rc;

    for (;;) {
        while (take_line(h, line, sizeof(line))) {
            rc = st_manifest_line(m, line);
            if (rc == 1)
                return 0;
            if (rc != 0) {
                snprintf(why, len, "the child said '%.60s'", line);
                return -1;
            }
        }
        if (h->len == sizeof(h->buf)) {
            snprintf(why, len, "the child's line is too long");
            return -1;
        }
        /* anonymous pipes have no overlapped reads: poll, bounded */
        if (!PeekNamedPipe(h->from_child, NULL, 0, NULL, &avail, NULL)) {
            snprintf(why, len, "the child exited before it was ready");
            return -1;
        }
        if (avail == 0) {
            if (GetTickCount64() > end) {
                snprintf(why, len, "the child did not answer in %lu ms",
                         (unsigned long)ms);
                return -1;
            }
            Sleep(5);
            continue;
        }
        if (avail > sizeof(h->buf) - h->len)
            avail = (DWORD)(sizeof(h->buf) - h->len);
        if (!ReadFile(h->from_child, h->buf + h->len, avail, &got, NULL)) {
            snprintf(why, len, "cannot read from the child");
            return -1;
        }
        h->len += got;
    }
}

void st_host_path(const struct st_host *h, const char *file, char *out,
                  size_t len)
{
    snprintf(out, len, "%s\\%s", h->dir8, file);
}

/* Deletes the files hleak and the child made in the folder, then it. */
static void remove_dir(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR path[MAX_PATH + 64];
    HANDLE f;

    _snwprintf(path, MAX_PATH + 63, L"%ls\\*", dir);
    path[MAX_PATH + 63] = L'\0';
    f = FindFirstFileW(path, &fd);
    if (f != INVALID_HANDLE_VALUE) {
        do {
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                continue;
            _snwprintf(path, MAX_PATH + 63, L"%ls\\%ls", dir, fd.cFileName);
            path[MAX_PATH + 63] = L'\0';
            DeleteFileW(path);
        } while (FindNextFileW(f, &fd));
        FindClose(f);
    }
    RemoveDirectoryW(dir);
}

void st_host_cleanup(struct st_host *h, struct st_report *r, int abandoned)
{
    WCHAR key[96];
    HKEY k;
    int child_gone = 1, dir_gone = 1, key_gone = 1;

    if (h->proc != NULL) {
        if (!abandoned && st_host_send(h, "quit") == 0)
            WaitForSingleObject(h->proc, 2000);
        TerminateProcess(h->proc, 1);
        child_gone = WaitForSingleObject(h->proc, 5000) == WAIT_OBJECT_0;
    }
    if (!abandoned) {
        if (h->to_child != NULL)
            CloseHandle(h->to_child);
        if (h->from_child != NULL)
            CloseHandle(h->from_child);
        if (h->proc != NULL)
            CloseHandle(h->proc);
        if (h->job != NULL)
            CloseHandle(h->job);
        h->to_child = h->from_child = h->proc = h->job = NULL;
    }
    if (h->dir[0] != L'\0') {
        remove_dir(h->dir);
        dir_gone = GetFileAttributesW(h->dir) == INVALID_FILE_ATTRIBUTES;
    }
    if (h->have_key) {
        _snwprintf(key, 95, L"Software\\%ls", h->wtag);
        key[95] = L'\0';
        RegDeleteKeyW(HKEY_CURRENT_USER, key);
        key_gone = RegOpenKeyExW(HKEY_CURRENT_USER, key, 0, KEY_READ, &k) ==
                   ERROR_FILE_NOT_FOUND;
        if (!key_gone)
            RegCloseKey(k);
    }
    if (child_gone && dir_gone && key_gone)
        st_set(r, ST_ROW_CLEANUP, ST_OK,
               "the child ended; its temporary folder and HKCU\\Software\\%s "
               "removed",
               h->tag);
    else
        st_set(r, ST_ROW_CLEANUP, ST_FAILED,
               "still there:%s%s%s", child_gone ? "" : " the child",
               dir_gone ? "" : " the temporary folder",
               key_gone ? "" : " the registry key");
}
