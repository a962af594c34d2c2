#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

#include "core-int.h"
#include "fs-win.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>

/* Larger files are not snapshots this tool wrote; refusing them early
 * keeps a mistaken path (a disk image) from eating memory. */
#define FS_READ_MAX ((DWORD)1 << 30)

/* Attempts at finding an unused temporary name before giving up. */
#define FS_TEMP_TRIES 100

static int fs_from_win32(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
        return HL_ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
        return HL_EACCES;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return HL_ENOMEM;
    case ERROR_FILE_TOO_LARGE:
        return HL_ETOOBIG;
    default:
        return HL_EIO;
    }
}

/*
 * As fs_from_win32(), for a failure on wpath: Windows says "access
 * denied" when the path is a folder (opening one as a file, renaming over
 * one), which would send the user after permissions.
 */
static int fs_error_at(const wchar_t *wpath, DWORD e)
{
    DWORD attr;

    if (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS)
        return HL_EEXIST;
    if (e == ERROR_ACCESS_DENIED) {
        attr = GetFileAttributesW(wpath);
        if (attr != INVALID_FILE_ATTRIBUTES &&
            (attr & FILE_ATTRIBUTE_DIRECTORY))
            return HL_EISDIR;
    }
    return fs_from_win32(e);
}

/* UTF-8 to a new UTF-16 string; a path that is not valid UTF-8 could name
 * no file, so it is refused rather than guessed at. */
int hl__utf8_to_wide(const char *s, wchar_t **out)
{
    wchar_t *w;
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

/* Opens the existing file at path for reading, shared with readers. */
static int open_read(const char *path, HANDLE *out)
{
    wchar_t *wpath;
    int err;

    err = hl__utf8_to_wide(path, &wpath);
    if (err != 0)
        return err;
    *out = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ, NULL,
                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    err = *out == INVALID_HANDLE_VALUE ? fs_error_at(wpath, GetLastError())
                                       : 0;
    hl__free(wpath);
    return err;
}

int hl__fs_read(const char *path, unsigned char **out, size_t *out_len)
{
    unsigned char *buf = NULL;
    LARGE_INTEGER size;
    HANDLE h;
    DWORD total = 0;
    int err;

    err = open_read(path, &h);
    if (err != 0)
        return err;
    if (!GetFileSizeEx(h, &size)) {
        err = fs_from_win32(GetLastError());
        goto out_close;
    }
    if (size.QuadPart > (LONGLONG)FS_READ_MAX) {
        err = HL_ETOOBIG;
        goto out_close;
    }
    buf = hl__malloc((size_t)size.QuadPart);
    if (buf == NULL) {
        err = HL_ENOMEM;
        goto out_close;
    }
    /* A file that shrinks meanwhile reads short, which the decoder then
     * reports; one that grows is read up to the size taken above. */
    while (total < (DWORD)size.QuadPart) {
        DWORD got;

        if (!ReadFile(h, buf + total, (DWORD)size.QuadPart - total, &got,
                      NULL)) {
            err = fs_from_win32(GetLastError());
            goto out_free_buf;
        }
        if (got == 0)
            break;
        total += got;
    }
    CloseHandle(h);
    *out = buf;
    *out_len = total;
    return 0;

out_free_buf:
    hl__free(buf);
out_close:
    CloseHandle(h);
    return err;
}

int hl__fs_read_stdin(unsigned char **out, size_t *out_len)
{
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int err;

    /* text mode would turn CR LF into LF inside a binary snapshot */
    _setmode(_fileno(stdin), _O_BINARY);
    for (;;) {
        if (len == cap &&
            (err = hl__grow((void **)&buf, &cap, len + 4096, 1)) != 0)
            goto out_free;
        n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (len > FS_READ_MAX) {
            err = HL_ETOOBIG;
            goto out_free;
        }
        if (n == 0)
            break;
    }
    if (ferror(stdin)) {
        err = HL_EIO;
        goto out_free;
    }
    *out = buf;
    *out_len = len;
    return 0;

out_free:
    hl__free(buf);
    return err;
}

int hl__fs_create_new(const char *path)
{
    wchar_t *wpath;
    HANDLE h;
    int err;

    if ((err = hl__utf8_to_wide(path, &wpath)) != 0)
        return err;
    h = CreateFileW(wpath, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    err = h == INVALID_HANDLE_VALUE ? fs_error_at(wpath, GetLastError()) : 0;
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    hl__free(wpath);
    return err;
}

int hl__fs_remove(const char *path)
{
    wchar_t *wpath;
    int err;

    if ((err = hl__utf8_to_wide(path, &wpath)) != 0)
        return err;
    err = DeleteFileW(wpath) ? 0 : fs_error_at(wpath, GetLastError());
    hl__free(wpath);
    return err;
}

int hl__fs_mkdir(const char *path)
{
    wchar_t *wpath;
    DWORD attr, e = ERROR_SUCCESS;
    int err;

    err = hl__utf8_to_wide(path, &wpath);
    if (err != 0)
        return err;
    if (!CreateDirectoryW(wpath, NULL)) {
        e = GetLastError();
        attr = GetFileAttributesW(wpath);
        if (e == ERROR_ALREADY_EXISTS && attr != INVALID_FILE_ATTRIBUTES &&
            (attr & FILE_ATTRIBUTE_DIRECTORY))
            e = ERROR_SUCCESS;
    }
    hl__free(wpath);
    if (e == ERROR_ALREADY_EXISTS)
        return HL_EIO;
    return e == ERROR_SUCCESS ? 0 : fs_from_win32(e);
}

int hl__fs_map(const char *path, struct hl__fs_map *m)
{
    LARGE_INTEGER size;
    HANDLE h, map;
    void *view;
    int err;

    memset(m, 0, sizeof(*m));
    err = open_read(path, &h);
    if (err != 0)
        return err;
    if (!GetFileSizeEx(h, &size) || GetFileType(h) != FILE_TYPE_DISK ||
        size.QuadPart == 0) {
        /* pipes, devices and empty files (which cannot be mapped): read
         * what there is */
        unsigned char *buf;
        size_t len;

        CloseHandle(h);
        err = hl__fs_read(path, &buf, &len);
        if (err != 0)
            return err;
        m->data = buf;
        m->len = len;
        m->owned = buf;
        return 0;
    }
    if ((unsigned long long)size.QuadPart > SIZE_MAX) {
        CloseHandle(h);
        return HL_ETOOBIG;
    }
    map = CreateFileMappingW(h, NULL, PAGE_READONLY, 0, 0, NULL);
    err = map == NULL ? fs_from_win32(GetLastError()) : 0;
    CloseHandle(h);
    if (err != 0)
        return err;
    /* the view keeps the mapping, and the mapping the file, alive */
    view = MapViewOfFile(map, FILE_MAP_READ, 0, 0, 0);
    err = view == NULL ? fs_from_win32(GetLastError()) : 0;
    CloseHandle(map);
    if (err != 0)
        return err;
    m->data = view;
    m->len = (size_t)size.QuadPart;
    m->mapped = 1;
    return 0;
}

void hl__fs_unmap(struct hl__fs_map *m)
{
    if (m->mapped)
        UnmapViewOfFile(m->data);
    hl__free(m->owned);
    memset(m, 0, sizeof(*m));
}

/* Creates "<path>.tmp-<pid>-<counter>", failing if it exists. */
static int create_temp(const char *path, wchar_t **tmp_out, HANDLE *h_out)
{
    static volatile LONG counter;
    size_t tlen = strlen(path) + 32;
    char *tmp;
    wchar_t *wtmp;
    HANDLE h;
    DWORD e = ERROR_FILE_EXISTS;
    int tries, err;

    tmp = hl__malloc(tlen);
    if (tmp == NULL)
        return HL_ENOMEM;
    for (tries = 0; tries < FS_TEMP_TRIES; tries++) {
        snprintf(tmp, tlen, "%s.tmp-%lu-%ld", path,
                 (unsigned long)GetCurrentProcessId(),
                 (long)InterlockedIncrement(&counter));
        err = hl__utf8_to_wide(tmp, &wtmp);
        if (err != 0)
            goto out_free_tmp;
        /* read access too: MiniDumpWriteDump may read back what it wrote */
        h = CreateFileW(wtmp, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                        CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h != INVALID_HANDLE_VALUE) {
            *tmp_out = wtmp;
            *h_out = h;
            err = 0;
            goto out_free_tmp;
        }
        e = GetLastError();
        hl__free(wtmp);
        if (e != ERROR_FILE_EXISTS && e != ERROR_ALREADY_EXISTS)
            break;
    }
    err = tries == FS_TEMP_TRIES ? HL_EIO : fs_from_win32(e);

out_free_tmp:
    hl__free(tmp);
    return err;
}

int hl__win_out_open(const char *path, struct hl__win_out *o)
{
    int err;

    memset(o, 0, sizeof(*o));
    o->h = INVALID_HANDLE_VALUE;
    err = hl__utf8_to_wide(path, &o->wpath);
    /* Before the temporary file is written in full, only for the rename
     * to fail. */
    if (err == 0) {
        DWORD attr = GetFileAttributesW(o->wpath);

        if (attr != INVALID_FILE_ATTRIBUTES &&
            (attr & FILE_ATTRIBUTE_DIRECTORY))
            err = HL_EISDIR;
    }
    if (err == 0)
        err = create_temp(path, &o->wtmp, &o->h);
    if (err != 0) {
        hl__free(o->wpath);
        o->wpath = NULL;
    }
    return err;
}

void hl__win_out_abort(struct hl__win_out *o)
{
    if (o->h != INVALID_HANDLE_VALUE)
        CloseHandle(o->h);
    if (o->wtmp != NULL)
        DeleteFileW(o->wtmp);
    hl__free(o->wtmp);
    hl__free(o->wpath);
    memset(o, 0, sizeof(*o));
    o->h = INVALID_HANDLE_VALUE;
}

int hl__win_out_commit(struct hl__win_out *o)
{
    int err = 0;

    /* On disk before the rename makes it the file: a crash must not leave
     * an empty file under the old name. */
    if (!FlushFileBuffers(o->h)) {
        err = fs_from_win32(GetLastError());
        goto out_abort;
    }
    CloseHandle(o->h);
    o->h = INVALID_HANDLE_VALUE;
    if (!MoveFileExW(o->wtmp, o->wpath,
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        err = fs_error_at(o->wpath, GetLastError());
        goto out_abort;
    }
    hl__free(o->wtmp);
    o->wtmp = NULL;
out_abort:
    hl__win_out_abort(o);
    return err;
}

/*
 * No console control handler guards the window between creating the
 * temporary file and renaming it: it lasts one write and one flush, and a
 * Ctrl+C there leaves at worst a "<path>.tmp-<pid>-<n>" that names its
 * origin. Every failure seen here deletes the temporary file.
 */
static int write_all(HANDLE h, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    DWORD chunk, put;

    while (len > 0) {
        chunk = len > FS_READ_MAX ? FS_READ_MAX : (DWORD)len;
        if (!WriteFile(h, p, chunk, &put, NULL))
            return fs_from_win32(GetLastError());
        if (put == 0)
            return HL_EIO;
        p += put;
        len -= put;
    }
    return 0;
}

int hl__fs_write_atomic(const char *path, const void *buf, size_t len)
{
    struct hl__win_out o;
    int err;

    err = hl__win_out_open(path, &o);
    if (err != 0)
        return err;
    err = write_all(o.h, buf, len);
    if (err != 0) {
        hl__win_out_abort(&o);
        return err;
    }
    return hl__win_out_commit(&o);
}

int hl__fs_check_writable(const char *path)
{
    wchar_t *wpath, *wtmp;
    HANDLE h;
    DWORD attr;
    int err;

    err = hl__utf8_to_wide(path, &wpath);
    if (err != 0)
        return err;
    attr = GetFileAttributesW(wpath);
    hl__free(wpath);
    /* the rename over path would fail on either */
    if (attr != INVALID_FILE_ATTRIBUTES &&
        (attr & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_READONLY)))
        return HL_EACCES;
    err = create_temp(path, &wtmp, &h);
    if (err != 0)
        return err;
    CloseHandle(h);
    DeleteFileW(wtmp);
    hl__free(wtmp);
    return 0;
}

struct hl__fs_log {
    HANDLE h;
};

int hl__fs_log_open(const char *path, struct hl__fs_log **out)
{
    struct hl__fs_log *l;
    LARGE_INTEGER zero;
    wchar_t *wpath;
    int err;

    err = hl__utf8_to_wide(path, &wpath);
    if (err != 0)
        return err;
    l = hl__malloc(sizeof(*l));
    if (l == NULL) {
        hl__free(wpath);
        return HL_ENOMEM;
    }
    /* Readers may follow the log while it grows; hleak alone writes. */
    l->h = CreateFileW(wpath, GENERIC_WRITE, FILE_SHARE_READ, NULL,
                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    hl__free(wpath);
    zero.QuadPart = 0;
    if (l->h == INVALID_HANDLE_VALUE ||
        !SetFilePointerEx(l->h, zero, NULL, FILE_END)) {
        err = fs_from_win32(GetLastError());
        if (l->h != INVALID_HANDLE_VALUE)
            CloseHandle(l->h);
        hl__free(l);
        return err;
    }
    *out = l;
    return 0;
}

int hl__fs_log_write(struct hl__fs_log *l, const void *buf, size_t len)
{
    /* WriteFile leaves the bytes in the system's cache: a killed process
     * loses none of them, only a crash of the system could. */
    return write_all(l->h, buf, len);
}

int hl__fs_log_close(struct hl__fs_log *l)
{
    int err = 0;

    if (l == NULL)
        return 0;
    if (!FlushFileBuffers(l->h))
        err = fs_from_win32(GetLastError());
    CloseHandle(l->h);
    hl__free(l);
    return err;
}
