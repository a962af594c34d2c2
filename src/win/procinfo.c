#include "win-int.h"

#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "names.h"

/* Long paths ("\\?\" prefixed) can reach 32767 characters. */
#define IMAGE_MAX_CHARS 32768u
#define TOKEN_INFO_MAX (64u * 1024u)
#define ACCOUNT_MAX_CHARS 256u
#define DOS_DEVICE_MAX_CHARS 1024u

int hl__proc_image(const struct hl_nt_api *api, HANDLE proc, char **out)
{
    DWORD len = IMAGE_MAX_CHARS;
    WCHAR *buf = hl__malloc(IMAGE_MAX_CHARS * sizeof(WCHAR));
    int err;

    if (buf == NULL)
        return HL_ENOMEM;
    if (!api->query_full_process_image_name(proc, 0, buf, &len))
        err = hl__from_win32(GetLastError());
    else if (len >= IMAGE_MAX_CHARS)
        err = HL_EQUERY;
    else
        err = hl__utf8_from_utf16(buf, len, out);
    hl__free(buf);
    return err;
}

/* TokenUser of token into a new buffer. */
static int token_user_info(const struct hl_nt_api *api, HANDLE token,
                           TOKEN_USER **out)
{
    DWORD len = 0;
    void *buf;

    if (api->get_token_information(token, TokenUser, NULL, 0, &len) ||
        GetLastError() != ERROR_INSUFFICIENT_BUFFER)
        return HL_EQUERY;
    if (len < sizeof(TOKEN_USER) || len > TOKEN_INFO_MAX)
        return HL_EQUERY;
    buf = hl__malloc(len);
    if (buf == NULL)
        return HL_ENOMEM;
    if (!api->get_token_information(token, TokenUser, buf, len, &len)) {
        hl__free(buf);
        return HL_EQUERY;
    }
    *out = buf;
    return 0;
}

int hl__proc_user_sid(const struct hl_nt_api *api, HANDLE proc, char **out)
{
    HANDLE token = NULL;
    TOKEN_USER *user = NULL;
    WCHAR *str = NULL;
    int err;

    if (!api->open_process_token(proc, TOKEN_QUERY, &token))
        return hl__from_win32(GetLastError());
    err = token_user_info(api, token, &user);
    if (err != 0)
        goto out_close_token;
    if (!api->convert_sid_to_string_sid(user->User.Sid, &str)) {
        err = HL_EQUERY;
        goto out_free_user;
    }
    err = hl__utf8_from_utf16(str, wcslen(str), out);
    LocalFree(str);
out_free_user:
    hl__free(user);
out_close_token:
    api->close_handle(token);
    return err;
}

int hl__token_user(const struct hl_nt_api *api, HANDLE token, char **out)
{
    WCHAR name[ACCOUNT_MAX_CHARS];
    WCHAR domain[ACCOUNT_MAX_CHARS];
    WCHAR both[2 * ACCOUNT_MAX_CHARS + 1];
    DWORD name_len = ACCOUNT_MAX_CHARS;
    DWORD domain_len = ACCOUNT_MAX_CHARS;
    SID_NAME_USE use;
    TOKEN_USER *user = NULL;
    size_t n = 0;
    int err;

    err = token_user_info(api, token, &user);
    if (err != 0)
        return err;
    if (!api->lookup_account_sid(NULL, user->User.Sid, name, &name_len,
                                 domain, &domain_len, &use) ||
        name_len >= ACCOUNT_MAX_CHARS || domain_len >= ACCOUNT_MAX_CHARS) {
        err = HL_EQUERY;
        goto out_free_user;
    }
    if (domain_len > 0) {
        memcpy(both, domain, domain_len * sizeof(WCHAR));
        n = domain_len;
        both[n++] = L'\\';
    }
    memcpy(both + n, name, name_len * sizeof(WCHAR));
    n += name_len;
    err = hl__utf8_from_utf16(both, n, out);
out_free_user:
    hl__free(user);
    return err;
}

/* The last component of a path, as a new string. */
static int image_base(const struct hl_nt_api *api, HANDLE proc, char **out)
{
    char *path = NULL;
    char *base;
    char *p;
    int err = hl__proc_image(api, proc, &path);

    if (err != 0)
        return err;
    base = path;
    for (p = path; *p != '\0'; p++) {
        if (*p == '\\' || *p == '/')
            base = p + 1;
    }
    *out = hl__strdup(base);
    hl__free(path);
    return *out == NULL ? HL_ENOMEM : 0;
}

/* a + b + c as a new string. */
static int join3(char **out, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t lc = strlen(c);
    char *s = hl__malloc(la + lb + lc + 1);

    if (s == NULL)
        return HL_ENOMEM;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    *out = s;
    return 0;
}

/* "<image> (pid N)", or "pid N" when the image is unknown. */
static int pid_label(const struct hl_nt_api *api, HANDLE proc, DWORD pid,
                     const char *head, char **out)
{
    char num[32];
    char *image = NULL;
    int err = proc != NULL ? image_base(api, proc, &image) : HL_EQUERY;

    if (err == HL_ENOMEM)
        return err;
    if (image != NULL) {
        snprintf(num, sizeof(num), " (pid %lu)", (unsigned long)pid);
        err = join3(out, head, image, num);
    } else {
        snprintf(num, sizeof(num), "pid %lu", (unsigned long)pid);
        err = join3(out, head, "", num);
    }
    hl__free(image);
    return err;
}

int hl__proc_label(const struct hl_nt_api *api, HANDLE proc, char **out)
{
    DWORD pid = api->get_process_id(proc);

    if (pid == 0)
        return HL_EQUERY;
    return pid_label(api, proc, pid, "", out);
}

int hl__thread_label(const struct hl_nt_api *api, HANDLE thread,
                     char **out)
{
    DWORD tid = api->get_thread_id(thread);
    DWORD pid = api->get_process_id_of_thread(thread);
    char head[32];
    HANDLE proc;
    int err;

    if (tid == 0 || pid == 0)
        return HL_EQUERY;
    snprintf(head, sizeof(head), "tid %lu in ", (unsigned long)tid);
    proc = api->open_process(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    err = pid_label(api, proc, pid, head, out);
    if (proc != NULL)
        api->close_handle(proc);
    return err;
}

int hl__enable_debug_priv(const struct hl_nt_api *api)
{
    TOKEN_PRIVILEGES tp;
    HANDLE token = NULL;
    int enabled = 0;

    if (!api->open_process_token(GetCurrentProcess(),
                                 TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY,
                                 &token))
        return 0;
    memset(&tp, 0, sizeof(tp));
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    if (api->lookup_privilege_value(NULL, L"SeDebugPrivilege",
                                    &tp.Privileges[0].Luid)) {
        /* Success with ERROR_NOT_ALL_ASSIGNED means the token lacks the
         * privilege: nothing was enabled. */
        SetLastError(ERROR_SUCCESS);
        if (api->adjust_token_privileges(token, FALSE, &tp, sizeof(tp), NULL,
                                         NULL) &&
            GetLastError() == ERROR_SUCCESS)
            enabled = 1;
    }
    api->close_handle(token);
    return enabled;
}

int hl__os_version(const struct hl_nt_api *api, char **out,
                   unsigned *major, unsigned *minor)
{
    OSVERSIONINFOW vi;
    char buf[64];
    int n;

    memset(&vi, 0, sizeof(vi));
    vi.dwOSVersionInfoSize = sizeof(vi);
    if (!NT_SUCCESS(api->rtl_get_version(&vi)))
        return HL_EQUERY;
    n = snprintf(buf, sizeof(buf), "Windows %lu.%lu.%lu",
                 (unsigned long)vi.dwMajorVersion,
                 (unsigned long)vi.dwMinorVersion,
                 (unsigned long)vi.dwBuildNumber);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return HL_EQUERY;
    *out = hl__strdup(buf);
    if (*out == NULL)
        return HL_ENOMEM;
    *major = vi.dwMajorVersion;
    *minor = vi.dwMinorVersion;
    return 0;
}

int hl__host_name(const struct hl_nt_api *api, char **out)
{
    WCHAR buf[256];
    DWORD len = sizeof(buf) / sizeof(buf[0]);

    if (!api->get_computer_name(buf, &len) || len >= 256)
        return hl__from_win32(GetLastError());
    return hl__utf8_from_utf16(buf, len, out);
}

int hl__devmap_build(const struct hl_nt_api *api, struct hl_dev_drive **out,
                     size_t *count)
{
    struct hl_dev_drive *map;
    WCHAR *target;
    size_t n = 0;
    int err = 0;
    int letter;

    map = hl__calloc(26, sizeof(*map));
    target = hl__malloc(DOS_DEVICE_MAX_CHARS * sizeof(WCHAR));
    if (map == NULL || target == NULL) {
        err = HL_ENOMEM;
        goto out_free;
    }
    for (letter = 'A'; letter <= 'Z'; letter++) {
        WCHAR drive[3] = {(WCHAR)letter, L':', L'\0'};
        DWORD got = api->query_dos_device(drive, target,
                                          DOS_DEVICE_MAX_CHARS);

        /* the first string of the multi-string is the current target */
        if (got == 0 || got >= DOS_DEVICE_MAX_CHARS || target[0] == L'\0')
            continue;
        target[DOS_DEVICE_MAX_CHARS - 1] = L'\0';
        err = hl__utf8_from_utf16(target, wcslen(target), &map[n].device);
        if (err != 0)
            goto out_free;
        map[n].drive = hl__malloc(3);
        if (map[n].drive == NULL) {
            err = HL_ENOMEM;
            n++;
            goto out_free;
        }
        map[n].drive[0] = (char)letter;
        map[n].drive[1] = ':';
        map[n].drive[2] = '\0';
        n++;
    }
    *out = map;
    *count = n;
    map = NULL;
out_free:
    hl__devmap_free(map, n);
    hl__free(target);
    return err;
}

int hl_proc_find(const char *image, struct hl_proc_match **out,
                 size_t *count)
{
    const struct hl_nt_api *api = hl__nt_get();
    struct hl_proc_match *m = NULL;
    size_t n = 0;
    size_t cap = 0;
    PROCESSENTRY32W pe;
    HANDLE snap;
    BOOL more;
    int err = 0;

    if (api == NULL)
        return HL_EQUERY;
    snap = api->create_toolhelp32_snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return HL_EQUERY;
    memset(&pe, 0, sizeof(pe));
    pe.dwSize = sizeof(pe);
    for (more = api->process32_first(snap, &pe); more;
         more = api->process32_next(snap, &pe)) {
        char *exe = NULL;

        pe.szExeFile[MAX_PATH - 1] = L'\0';
        err = hl__utf8_from_utf16(pe.szExeFile, wcslen(pe.szExeFile), &exe);
        if (err != 0)
            goto out_free;
        if (!hl__names_image_match(exe, image)) {
            hl__free(exe);
            continue;
        }
        err = hl__grow((void **)&m, &cap, n + 1, sizeof(*m));
        if (err != 0) {
            hl__free(exe);
            goto out_free;
        }
        m[n].pid = pe.th32ProcessID;
        m[n].image = exe;
        n++;
    }
    *out = m;
    *count = n;
    m = NULL;
    n = 0;
out_free:
    hl_proc_matches_free(m, n);
    api->close_handle(snap);
    return err;
}
