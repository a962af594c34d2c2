#define _POSIX_C_SOURCE 200809L

#include "core-int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Larger files are not snapshots this tool wrote; refusing them early
 * keeps a mistaken path (a disk image, /dev/zero) from eating memory. */
#define FS_READ_MAX ((size_t)1 << 30)

/* Attempts at finding an unused temporary name before giving up. */
#define FS_TEMP_TRIES 100

static int fs_from_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return HL_ENOENT;
    case EACCES:
    case EPERM:
    case EROFS:
        return HL_EACCES;
    case ENOMEM:
        return HL_ENOMEM;
    case EFBIG:
    case EOVERFLOW:
        return HL_ETOOBIG;
    case EISDIR:
        return HL_EISDIR;
    case EEXIST:
        return HL_EEXIST;
    default:
        return HL_EIO;
    }
}

/* Reads what fd holds to its end; the caller closes fd. */
static int read_fd(int fd, unsigned char **out, size_t *out_len)
{
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, hint;
    struct stat st;
    int err;

    if (fstat(fd, &st) != 0)
        return fs_from_errno(errno);
    /* open() takes a directory for reading; read() would then say EISDIR
     * only on some systems. */
    if (S_ISDIR(st.st_mode))
        return HL_EISDIR;
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > FS_READ_MAX)
        return HL_ETOOBIG;
    /* st_size is only a hint: the file may grow while we read, and pipes
     * and special files report 0, so read until end of file. The + 1
     * leaves room to see the end without growing the buffer. */
    hint = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
    for (;;) {
        ssize_t n;

        if (len == cap) {
            err = hl__grow((void **)&buf, &cap, len == 0 ? hint : len + 1,
                           1);
            if (err != 0)
                goto out_free_buf;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = fs_from_errno(errno);
            goto out_free_buf;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > FS_READ_MAX) {
            err = HL_ETOOBIG;
            goto out_free_buf;
        }
    }
    *out = buf;
    *out_len = len;
    return 0;

out_free_buf:
    hl__free(buf);
    return err;
}

int hl__fs_read(const char *path, unsigned char **out, size_t *out_len)
{
    int fd, err;

    do {
        fd = open(path, O_RDONLY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return fs_from_errno(errno);
    err = read_fd(fd, out, out_len);
    close(fd);
    return err;
}

int hl__fs_read_stdin(unsigned char **out, size_t *out_len)
{
    return read_fd(STDIN_FILENO, out, out_len);
}

int hl__fs_create_new(const char *path)
{
    int fd;

    do {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return fs_from_errno(errno);
    close(fd);
    return 0;
}

int hl__fs_remove(const char *path)
{
    return unlink(path) == 0 ? 0 : fs_from_errno(errno);
}

int hl__fs_mkdir(const char *path)
{
    struct stat st;

    if (mkdir(path, 0777) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return errno == EEXIST ? HL_EIO : fs_from_errno(errno);
}

int hl__fs_map(const char *path, struct hl__fs_map *m)
{
    struct stat st;
    void *p;
    int fd, err;

    memset(m, 0, sizeof(*m));
    do {
        fd = open(path, O_RDONLY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return fs_from_errno(errno);
    if (fstat(fd, &st) != 0) {
        err = fs_from_errno(errno);
        close(fd);
        return err;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return HL_EISDIR;
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        /* pipes, devices and empty files: read what there is */
        unsigned char *buf;
        size_t len;

        close(fd);
        err = hl__fs_read(path, &buf, &len);
        if (err != 0)
            return err;
        m->data = buf;
        m->len = len;
        m->owned = buf;
        return 0;
    }
    if ((uintmax_t)st.st_size > SIZE_MAX) {
        close(fd);
        return HL_ETOOBIG;
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    err = p == MAP_FAILED ? fs_from_errno(errno) : 0;
    close(fd);
    if (err != 0)
        return err;
    m->data = p;
    m->len = (size_t)st.st_size;
    m->mapped = 1;
    return 0;
}

void hl__fs_unmap(struct hl__fs_map *m)
{
    if (m->mapped)
        munmap((void *)m->data, m->len);
    hl__free(m->owned);
    memset(m, 0, sizeof(*m));
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fs_from_errno(errno);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Creates "<path>.tmp-XXXXXX" with O_EXCL, as mkstemp() does, but with
 * mode 0644 through open() so the umask applies as for any new file
 * (mkstemp() would give 0600). *tmp_out is freed by the caller.
 */
static int create_temp(const char *path, char **tmp_out, int *fd_out)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned long counter;
    size_t plen = strlen(path);
    size_t tlen = plen + sizeof(".tmp-XXXXXX");
    unsigned long seed;
    char *tmp;
    int tries, i, fd, e;

    tmp = hl__malloc(tlen);
    if (tmp == NULL)
        return HL_ENOMEM;
    seed = (unsigned long)getpid() * 2654435761u ^ (unsigned long)time(NULL);
    for (tries = 0; tries < FS_TEMP_TRIES; tries++) {
        unsigned long x = seed + ++counter * 40503u;

        memcpy(tmp, path, plen);
        memcpy(tmp + plen, ".tmp-", 5);
        for (i = 0; i < 6; i++) {
            tmp[plen + 5 + i] = digits[x % 36];
            x /= 36;
        }
        tmp[plen + 11] = '\0';
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            *tmp_out = tmp;
            *fd_out = fd;
            return 0;
        }
        if (errno != EEXIST && errno != EINTR)
            break;
    }
    e = errno;
    hl__free(tmp);
    return tries == FS_TEMP_TRIES ? HL_EIO : fs_from_errno(e);
}

/*
 * Makes a rename in the folder of path durable. Some file systems refuse
 * to sync a directory; that costs durability only, so errors are ignored.
 * path is cut at its last slash.
 */
static void sync_parent_dir(char *path)
{
    char *slash = strrchr(path, '/');
    int fd;

    if (slash == NULL) {
        fd = open(".", O_RDONLY);
    } else {
        /* Keep the root's slash: "/x" lives in "/", not in "". */
        slash[slash == path ? 1 : 0] = '\0';
        fd = open(path, O_RDONLY);
    }
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/*
 * SIGINT, SIGTERM and SIGHUP are blocked from the temporary file's creation
 * to its rename: their default action ends the process at once, which would
 * leave "<path>.tmp-XXXXXX" behind. Blocked, a signal waits until the file
 * is renamed or removed and is then delivered as usual, so an interrupted
 * run leaves either the old file or the new one and nothing else. The
 * window is short (one write and an fsync). hleak is single-threaded on
 * these systems, so sigprocmask() is enough.
 */
int hl__fs_write_atomic(const char *path, const void *buf, size_t len)
{
    sigset_t block, saved;
    struct stat st;
    char *tmp = NULL;
    int fd = -1, err, rc;

    /* Else the temporary file is written in full before the rename
     * says "is a directory". */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return HL_EISDIR;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &saved);

    err = create_temp(path, &tmp, &fd);
    if (err != 0)
        goto out_unblock;
    err = write_all(fd, buf, len);
    if (err != 0)
        goto out_unlink;
    /* The data must be on disk before the rename makes it the file, or a
     * crash could leave an empty file under the old name. */
    if (fsync(fd) != 0) {
        err = fs_from_errno(errno);
        goto out_unlink;
    }
    rc = close(fd);
    fd = -1;
    if (rc != 0) {
        err = fs_from_errno(errno);
        goto out_unlink;
    }
    if (rename(tmp, path) != 0) {
        err = fs_from_errno(errno);
        goto out_unlink;
    }
    sync_parent_dir(tmp);
    err = 0;
    goto out_free_tmp;

out_unlink:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
out_free_tmp:
    hl__free(tmp);
out_unblock:
    sigprocmask(SIG_SETMASK, &saved, NULL);
    return err;
}

int hl__fs_check_writable(const char *path)
{
    struct stat st;
    char *tmp;
    int fd, err;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return HL_EACCES;
    err = create_temp(path, &tmp, &fd);
    if (err != 0)
        return err;
    close(fd);
    unlink(tmp);
    hl__free(tmp);
    return 0;
}

struct hl__fs_log {
    int fd;
};

int hl__fs_log_open(const char *path, struct hl__fs_log **out)
{
    struct hl__fs_log *l;
    int err;

    l = hl__malloc(sizeof(*l));
    if (l == NULL)
        return HL_ENOMEM;
    do {
        l->fd = open(path, O_WRONLY | O_APPEND);
    } while (l->fd < 0 && errno == EINTR);
    if (l->fd < 0) {
        err = fs_from_errno(errno);
        hl__free(l);
        return err;
    }
    *out = l;
    return 0;
}

int hl__fs_log_write(struct hl__fs_log *l, const void *buf, size_t len)
{
    /* write() puts the bytes in the page cache: a killed process loses
     * none of them, only a crash of the system could. */
    return write_all(l->fd, buf, len);
}

int hl__fs_log_close(struct hl__fs_log *l)
{
    int err = 0;

    if (l == NULL)
        return 0;
    if (fsync(l->fd) != 0)
        err = fs_from_errno(errno);
    if (close(l->fd) != 0 && err == 0)
        err = fs_from_errno(errno);
    hl__free(l);
    return err;
}
