#include "win-int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "names.h"

/* Long paths ("\\?\" prefixed) can reach 32767 characters. */
#define IMAGE_MAX_CHARS 32768u
#define TOKEN_INFO_MAX (64u * 1024u)
#define ACCOUNT_MAX_CHARS 256u
#define DOS_DEVICE_MAX_CHARS 1024u
#define VOLUMES_MAX 4096u /* volumes asked: a bound, not a limit seen */

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

static int sid_string(const struct hl_nt_api *api, PSID sid, char **out);

int hl__token_sid(const struct hl_nt_api *api, HANDLE token, char **out)
{
    TOKEN_USER *user = NULL;
    int err = token_user_info(api, token, &user);

    if (err == 0)
        err = sid_string(api, user->User.Sid, out);
    hl__free(user);
    return err;
}

int hl__proc_user_sid(const struct hl_nt_api *api, HANDLE proc, char **out)
{
    HANDLE token = NULL;
    int err;

    if (!api->open_process_token(proc, TOKEN_QUERY, &token))
        return hl__from_win32(GetLastError());
    err = hl__token_sid(api, token, out);
    api->close_handle(token);
    return err;
}

int hl__token_elevated(const struct hl_nt_api *api, HANDLE proc)
{
    TOKEN_ELEVATION te;
    HANDLE token = NULL;
    DWORD len = 0;
    int got;

    if (!api->open_process_token(proc, TOKEN_QUERY, &token))
        return -1;
    got = api->get_token_information(token, TokenElevation, &te,
                                     sizeof(te), &len) &&
          len == sizeof(te);
    api->close_handle(token);
    return got ? te.TokenIsElevated != 0 : -1;
}

int hl__proc_protected(const struct hl_nt_api *api, HANDLE proc)
{
    struct hl_nt_process_extended_basic xb;
    UCHAR level = 0;
    ULONG len = 0;

    /* Windows 8.1+: the PS_PROTECTION byte, Type in its low 3 bits */
    if (NT_SUCCESS(api->query_information_process(
            proc, HL_NT_PROCESS_PROTECTION_INFORMATION, &level,
            sizeof(level), &len)))
        return (level & 7u) != 0;
    /* Vista to 8 (protected processes, no PPL): the extended basic
     * information's IsProtectedProcess flag */
    memset(&xb, 0, sizeof(xb));
    xb.Size = sizeof(xb);
    if (NT_SUCCESS(api->query_information_process(
            proc, HL_NT_PROCESS_BASIC_INFORMATION, &xb, sizeof(xb), &len)) &&
        len == sizeof(xb))
        return (xb.Flags & 1u) != 0;
    return -1;
}

/* "DOMAIN\\user" of sid, new string; HL_EQUERY when it has no account
 * name (then the caller shows the string SID). */
static int account_of(const struct hl_nt_api *api, PSID sid, char **out)
{
    WCHAR name[ACCOUNT_MAX_CHARS];
    WCHAR domain[ACCOUNT_MAX_CHARS];
    WCHAR both[2 * ACCOUNT_MAX_CHARS + 1];
    DWORD name_len = ACCOUNT_MAX_CHARS;
    DWORD domain_len = ACCOUNT_MAX_CHARS;
    SID_NAME_USE use;
    size_t n = 0;

    if (!api->lookup_account_sid(NULL, sid, name, &name_len, domain,
                                 &domain_len, &use) ||
        name_len >= ACCOUNT_MAX_CHARS || domain_len >= ACCOUNT_MAX_CHARS)
        return HL_EQUERY;
    if (domain_len > 0) {
        memcpy(both, domain, domain_len * sizeof(WCHAR));
        n = domain_len;
        both[n++] = L'\\';
    }
    memcpy(both + n, name, name_len * sizeof(WCHAR));
    n += name_len;
    return hl__utf8_from_utf16(both, n, out);
}

/* The cached answer for sid (len bytes), or NULL. Under the lock. */
static struct hl__sid_entry *sid_find(struct hl__sid_cache *sc,
                                      const void *sid, DWORD len)
{
    size_t i;

    for (i = 0; i < sc->n; i++) {
        if (sc->e[i].len == len && memcmp(sc->e[i].sid, sid, len) == 0)
            return &sc->e[i];
    }
    return NULL;
}

/* Remembers sid's answer (name may be NULL: no account name); a full or
 * failed cache only costs a later lookup. Under the lock. */
static int sid_add(struct hl__sid_cache *sc, const void *sid, DWORD len,
                   const char *name)
{
    struct hl__sid_entry *e;
    int err;

    if (sc->n >= HL__SID_CACHE_MAX)
        return 0;
    err = hl__grow((void **)&sc->e, &sc->cap, sc->n + 1, sizeof(*sc->e));
    if (err != 0)
        return err;
    e = &sc->e[sc->n];
    e->sid = hl__malloc(len);
    e->name = name != NULL ? hl__strdup(name) : NULL;
    if (e->sid == NULL || (name != NULL && e->name == NULL)) {
        hl__free(e->sid);
        hl__free(e->name);
        return HL_ENOMEM;
    }
    memcpy(e->sid, sid, len);
    e->len = len;
    sc->n++;
    return 0;
}

/* The account name of sid through the cache: each SID is looked up once
 * per collection, under the lock, so threads naming Token handles of one
 * user wait for one lookup instead of each making their own (a domain
 * SID can cost a round trip to a domain controller). */
static int account_cached(const struct hl_nt_api *api,
                          struct hl__sid_cache *sc, PSID sid, char **out)
{
    DWORD len = GetLengthSid(sid);
    struct hl__sid_entry *e;
    char *name = NULL;
    int err;

    if (sc == NULL)
        return account_of(api, sid, out);
    AcquireSRWLockExclusive(&sc->lock);
    e = sid_find(sc, sid, len);
    if (e != NULL) {
        err = HL_EQUERY;
        if (e->name != NULL) {
            *out = hl__strdup(e->name);
            err = *out != NULL ? 0 : HL_ENOMEM;
        }
        ReleaseSRWLockExclusive(&sc->lock);
        return err;
    }
    err = account_of(api, sid, &name);
    if (err == 0 || err == HL_EQUERY) {
        int add = sid_add(sc, sid, len, name);

        if (add != 0) {
            hl__free(name);
            name = NULL;
            err = add;
        }
    }
    ReleaseSRWLockExclusive(&sc->lock);
    if (err == 0)
        *out = name;
    return err;
}

void hl__sid_cache_free(struct hl__sid_cache *sc)
{
    size_t i;

    for (i = 0; i < sc->n; i++) {
        hl__free(sc->e[i].sid);
        hl__free(sc->e[i].name);
    }
    hl__free(sc->e);
    sc->e = NULL;
    sc->n = sc->cap = 0;
}

/* The string form of sid, new string. */
static int sid_string(const struct hl_nt_api *api, PSID sid, char **out)
{
    WCHAR *str = NULL;
    int err;

    if (!api->convert_sid_to_string_sid(sid, &str))
        return HL_EQUERY;
    err = hl__utf8_from_utf16(str, wcslen(str), out);
    LocalFree(str);
    return err;
}

int hl__token_user(const struct hl_nt_api *api, struct hl__sid_cache *sc,
                   HANDLE token, char **out)
{
    TOKEN_USER *user = NULL;
    int err;

    err = token_user_info(api, token, &user);
    if (err != 0)
        return err;
    err = account_cached(api, sc, user->User.Sid, out);
    /* a SID with no account name (a deleted user, a lookup refused) is
     * still a fact about the token */
    if (err == HL_EQUERY)
        err = sid_string(api, user->User.Sid, out);
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

int hl__debug_priv_enabled(const struct hl_nt_api *api)
{
    TOKEN_PRIVILEGES *tp = NULL;
    HANDLE token = NULL;
    DWORD len = 0;
    DWORD i;
    LUID luid;
    int on = 0;

    if (!api->lookup_privilege_value(NULL, L"SeDebugPrivilege", &luid) ||
        !api->open_process_token(GetCurrentProcess(), TOKEN_QUERY, &token))
        return 0;
    if (!api->get_token_information(token, TokenPrivileges, NULL, 0, &len) &&
        GetLastError() == ERROR_INSUFFICIENT_BUFFER &&
        len >= sizeof(*tp) && len <= TOKEN_INFO_MAX &&
        (tp = hl__malloc(len)) != NULL &&
        api->get_token_information(token, TokenPrivileges, tp, len, &len)) {
        /* the count is the system's: keep inside what it wrote */
        DWORD max = (len - offsetof(TOKEN_PRIVILEGES, Privileges)) /
                    sizeof(tp->Privileges[0]);

        for (i = 0; i < tp->PrivilegeCount && i < max; i++) {
            const LUID_AND_ATTRIBUTES *p = &tp->Privileges[i];

            if (p->Luid.LowPart == luid.LowPart &&
                p->Luid.HighPart == luid.HighPart)
                on = (p->Attributes & SE_PRIVILEGE_ENABLED) != 0;
        }
    }
    hl__free(tp);
    api->close_handle(token);
    return on;
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

/* Room for one more entry in the device map. */
static int devmap_grow(struct hl_dev_drive **map, size_t *cap, size_t n)
{
    return hl__grow_zeroed((void **)map, cap, n + 1, sizeof(**map));
}

static int devmap_has(const struct hl_dev_drive *map, size_t n,
                      const char *device)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(map[i].device, device) == 0)
            return 1;
    }
    return 0;
}

/* Adds device (UTF-16, NUL-terminated) → path (len characters) unless the
 * device is mapped already: the first mapping of a device wins. */
static int devmap_add(struct hl_dev_drive **map, size_t *n, size_t *cap,
                      const WCHAR *device, const WCHAR *path, size_t len)
{
    char *dev = NULL;
    int err = hl__utf8_from_utf16(device, wcslen(device), &dev);

    if (err != 0)
        return err == HL_EINVAL ? 0 : err;
    if (devmap_has(*map, *n, dev)) {
        hl__free(dev);
        return 0;
    }
    err = devmap_grow(map, cap, *n);
    if (err == 0)
        err = hl__utf8_from_utf16(path, len, &(*map)[*n].drive);
    if (err != 0) {
        hl__free(dev);
        return err == HL_EINVAL ? 0 : err;
    }
    (*map)[*n].device = dev;
    (*n)++;
    return 0;
}

/* The path a volume is best known by, from its multi-string of mount
 * paths ("D:\\", "C:\\mnt\\data\\"): a drive letter first, else its
 * first folder; no trailing '\\'. NULL when it has none. */
static const WCHAR *volume_path(const WCHAR *paths, size_t *len)
{
    const WCHAR *best = NULL;
    const WCHAR *p;

    for (p = paths; *p != L'\0'; p += wcslen(p) + 1) {
        if (best == NULL || (wcslen(p) == 3 && p[1] == L':'))
            best = p;
        if (wcslen(best) == 3 && best[1] == L':')
            break;
    }
    if (best == NULL)
        return NULL;
    *len = wcslen(best);
    if (*len > 0 && best[*len - 1] == L'\\')
        (*len)--;
    return best;
}

/*
 * Volumes through the mount manager, which is the same for every logon
 * session: "\\Device\\HarddiskVolume3" of "\\?\\Volume{GUID}\\" → where it
 * is mounted, a folder mount point ("C:\\mnt\\data") included. Best
 * effort: a call that fails ends the pass.
 */
static int devmap_volumes(const struct hl_nt_api *api, WCHAR *target,
                          struct hl_dev_drive **map, size_t *n, size_t *cap)
{
    WCHAR vol[DOS_DEVICE_MAX_CHARS];
    WCHAR *paths;
    HANDLE find;
    unsigned k;
    int err = 0;

    paths = hl__malloc(DOS_DEVICE_MAX_CHARS * sizeof(WCHAR));
    if (paths == NULL)
        return HL_ENOMEM;
    find = api->find_first_volume(vol, DOS_DEVICE_MAX_CHARS);
    for (k = 0; find != INVALID_HANDLE_VALUE && k < VOLUMES_MAX && err == 0;
         k++) {
        size_t vlen;
        size_t plen;
        DWORD got = 0;
        const WCHAR *path;

        vol[DOS_DEVICE_MAX_CHARS - 1] = L'\0';
        vlen = wcslen(vol);
        /* "\\?\\Volume{GUID}\\": QueryDosDevice wants "Volume{GUID}" */
        if (vlen > 5 && wcsncmp(vol, L"\\\\?\\", 4) == 0 &&
            vol[vlen - 1] == L'\\' &&
            api->get_volume_path_names(vol, paths, DOS_DEVICE_MAX_CHARS,
                                       &got) &&
            got > 0 && got <= DOS_DEVICE_MAX_CHARS) {
            paths[DOS_DEVICE_MAX_CHARS - 1] = L'\0';
            paths[got - 1] = L'\0';
            vol[vlen - 1] = L'\0';
            path = volume_path(paths, &plen);
            got = api->query_dos_device(vol + 4, target,
                                        DOS_DEVICE_MAX_CHARS);
            if (path != NULL && got > 0 && got < DOS_DEVICE_MAX_CHARS &&
                target[0] != L'\0') {
                target[DOS_DEVICE_MAX_CHARS - 1] = L'\0';
                err = devmap_add(map, n, cap, target, path, plen);
            }
        }
        if (!api->find_next_volume(find, vol, DOS_DEVICE_MAX_CHARS))
            break;
    }
    if (find != INVALID_HANDLE_VALUE)
        api->find_volume_close(find);
    hl__free(paths);
    return err;
}

int hl__devmap_build(const struct hl_nt_api *api, struct hl_dev_drive **out,
                     size_t *count)
{
    struct hl_dev_drive *map = NULL;
    WCHAR *target;
    size_t n = 0;
    size_t cap = 0;
    int err = 0;
    int letter;

    target = hl__malloc(DOS_DEVICE_MAX_CHARS * sizeof(WCHAR));
    if (target == NULL)
        return HL_ENOMEM;
    err = devmap_volumes(api, target, &map, &n, &cap);
    /* then the drive letters of hleak's own logon session, for what the
     * mount manager does not know: network drives, subst */
    for (letter = 'A'; letter <= 'Z' && err == 0; letter++) {
        WCHAR drive[3] = {(WCHAR)letter, L':', L'\0'};
        DWORD got = api->query_dos_device(drive, target,
                                          DOS_DEVICE_MAX_CHARS);

        /* the first string of the multi-string is the current target */
        if (got == 0 || got >= DOS_DEVICE_MAX_CHARS || target[0] == L'\0')
            continue;
        target[DOS_DEVICE_MAX_CHARS - 1] = L'\0';
        err = devmap_add(&map, &n, &cap, target, drive, 2);
    }
    hl__free(target);
    if (err != 0) {
        hl__devmap_free(map, n);
        return err;
    }
    *out = map;
    *count = n;
    return 0;
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
