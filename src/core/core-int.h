#ifndef HLEAK_CORE_CORE_INT_H
#define HLEAK_CORE_CORE_INT_H

/* Internals shared by the core, the platform layers and the CLI. */

#include <stddef.h>
#include <stdint.h>

#include "hleak/alloc.h"
#include "hleak/err.h"

/* ---- allocation: every allocation goes through these ---- */

void *hl__malloc(size_t len);
void *hl__calloc(size_t count, size_t size);
void *hl__realloc(void *p, size_t len);
/* realloc for count elements of size bytes, with overflow checked */
void *hl__reallocarray(void *p, size_t count, size_t size);
char *hl__strdup(const char *s);
char *hl__strndup(const char *s, size_t len);
void hl__free(void *p);

/*
 * Test hook: make the nth allocation from now fail (1 = the next one), and
 * every one after it when sticky is set; 0 turns failures off. Returns the
 * number of allocations made since the last call.
 */
unsigned long hl__alloc_fail_at(unsigned long nth, int sticky);

/* Test hook: blocks allocated through these functions and not yet freed
 * (exact while one thread allocates). */
long hl__alloc_live(void);

/*
 * Grows an array to hold at least need elements of size bytes, doubling.
 * Returns 0, HL_ENOMEM or HL_ETOOBIG; on failure *arr and *cap are kept.
 */
int hl__grow(void **arr, size_t *cap, size_t need, size_t size);

/* ---- strings ---- */

/* c with A-Z folded to a-z; every other value as it is (never locale's). */
int hl__ascii_lower(int c);

/* 1 when a and b are equal ignoring ASCII case (names on Windows). */
int hl__ascii_caseeq(const char *a, const char *b);

/* 1 when s starts with prefix, ignoring ASCII case. */
int hl__ascii_caseprefix(const char *s, const char *prefix);

/* The last path component of path (after the last '\\' or '/'). */
const char *hl__path_base(const char *path);

/* ---- a growable text buffer, for output written whole ---- */

struct hl__sbuf {
    char *data; /* NUL-terminated once anything was added */
    size_t len;
    size_t cap;
    int err;    /* the first failure (HL_ENOMEM); later adds do nothing */
};

void hl__sbuf_init(struct hl__sbuf *b);
void hl__sbuf_release(struct hl__sbuf *b);
void hl__sbuf_add(struct hl__sbuf *b, const char *s, size_t len);
void hl__sbuf_puts(struct hl__sbuf *b, const char *s);
void hl__sbuf_printf(struct hl__sbuf *b, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* s as one CSV field (RFC 4180). */
void hl__sbuf_csv(struct hl__sbuf *b, const char *s);

/* s with &, <, >, " and ' escaped, for XML text and attributes; control
 * characters XML 1.0 cannot carry become U+FFFD. */
void hl__sbuf_xml(struct hl__sbuf *b, const char *s);

/* ---- little-endian encoding ---- */

static inline void hl__put_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void hl__put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline void hl__put_le64(unsigned char *p, uint64_t v)
{
    hl__put_le32(p, (uint32_t)v);
    hl__put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t hl__get_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t hl__get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t hl__get_le64(const unsigned char *p)
{
    return (uint64_t)hl__get_le32(p) | ((uint64_t)hl__get_le32(p + 4) << 32);
}

/* ---- checksums ---- */

/*
 * CRC-32 (zlib's, ISO-HDLC) of len bytes at buf, continuing from crc: start
 * with 0, and hl__crc32(hl__crc32(0, a, n), b, m) is the CRC of a then b.
 */
uint32_t hl__crc32(uint32_t crc, const void *buf, size_t len);

/* ---- files: implemented per platform (src/unix, src/win) ---- */

/*
 * Reads the whole file at path (UTF-8) into a new buffer freed with
 * hl__free(). Returns 0, HL_ENOENT, HL_EISDIR, HL_EACCES, HL_EIO,
 * HL_ETOOBIG or HL_ENOMEM.
 */
int hl__fs_read(const char *path, unsigned char **out, size_t *out_len);

/* Reads standard input to its end, in binary mode, as hl__fs_read(). */
int hl__fs_read_stdin(unsigned char **out, size_t *out_len);

/* Creates path as a new empty file, failing with HL_EEXIST when anything
 * is there already: claims a name no other run can take. Returns 0,
 * HL_EEXIST, HL_EISDIR, HL_ENOENT, HL_EACCES or HL_EIO. */
int hl__fs_create_new(const char *path);

/* Deletes the file at path. Returns 0, HL_ENOENT, HL_EACCES or HL_EIO. */
int hl__fs_remove(const char *path);

/* Creates the folder at path unless it is one already. Returns 0,
 * HL_ENOENT (no parent), HL_EACCES, HL_EIO (a file is in the way). */
int hl__fs_mkdir(const char *path);

/*
 * A file mapped read-only. Dumps of customer processes run to gigabytes,
 * of which the parser reads a few streams: mapping reads only the pages it
 * touches. (If another process truncates the file meanwhile, reading a
 * lost page faults: inputs are files at rest.)
 */
struct hl__fs_map {
    const unsigned char *data;
    size_t len;
    void *owned; /* a copy, for files that cannot be mapped (pipes) */
    int mapped;
};

/* Maps the file at path, or reads it when it cannot be mapped. Returns 0,
 * HL_ENOENT, HL_EISDIR, HL_EACCES, HL_EIO, HL_ETOOBIG or HL_ENOMEM. */
int hl__fs_map(const char *path, struct hl__fs_map *m);
void hl__fs_unmap(struct hl__fs_map *m);

/*
 * Replaces the file at path with len bytes, atomically: a temporary file in
 * the same folder, flushed, then renamed over path. An interrupted write
 * leaves path as it was and no temporary behind. HL_EISDIR when path is a
 * folder.
 */
int hl__fs_write_atomic(const char *path, const void *buf, size_t len);

/*
 * Checks ahead of a long run that hl__fs_write_atomic(path) can succeed:
 * creates its temporary file beside path and removes it again. Returns 0,
 * HL_EINVAL (path not UTF-8), HL_ENOENT (no such folder), HL_EACCES (no
 * write access, or path is a folder or a read-only file), HL_EIO or
 * HL_ENOMEM.
 */
int hl__fs_check_writable(const char *path);

/*
 * An existing file grown by appending, as a log: each write is handed to
 * the system before it returns, so it outlives the process being killed.
 */
struct hl__fs_log;

/* Opens the file at path (it must exist) to append to it. Returns 0,
 * HL_EINVAL, HL_ENOENT, HL_EACCES, HL_EIO or HL_ENOMEM. */
int hl__fs_log_open(const char *path, struct hl__fs_log **out);

/* Appends len bytes: all of them, or an error (HL_EIO, HL_EACCES, ...). */
int hl__fs_log_write(struct hl__fs_log *l, const void *buf, size_t len);

/* Flushes the file to disk and closes it (NULL is a no-op). Returns 0 or
 * the error flushing or closing; l is freed either way. */
int hl__fs_log_close(struct hl__fs_log *l);

/* ---- console: implemented per platform (src/unix, src/win) ---- */

/*
 * Prepares the process's console for hleak: on Windows, replaces *argv
 * with the command line converted to UTF-8 and puts stdout and stderr in
 * binary UTF-8 mode, so output is byte-identical on every OS. Returns 0 or
 * HL_ENOMEM. hl__console_close() frees what it allocated.
 */
int hl__console_init(int *argc, char ***argv);
void hl__console_close(void);

/* Gives the console back the output code page it had before
 * hl__console_init() (Windows; idempotent, safe on any thread). */
void hl__console_restore(void);

/* 1 when standard output is an interactive terminal. */
int hl__stdout_is_tty(void);

/*
 * Lets standard output interpret ANSI cursor movement (Windows 10 consoles
 * do once asked). Returns 1 when it does, 0 when not (leave it plain).
 */
int hl__console_enable_ansi(void);

/* ---- clock and interruption: per platform (clock-*.c, signal-*.c) ---- */

/* A monotonic clock in microseconds from an arbitrary origin. */
uint64_t hl__clock_us(void);

/* The wall-clock time as a FILETIME, with sub-second precision. */
uint64_t hl__clock_wall(void);

/* Sleeps about ms milliseconds (less when a signal interrupts). */
void hl__sleep_ms(unsigned ms);

/*
 * Catches Ctrl+C and the other requests to stop that a program may answer
 * (Ctrl+Break, the console closing, shutdown on Windows; SIGTERM and
 * SIGHUP on POSIX) so a long-running command can stop cleanly: afterwards
 * hl__interrupted() returns 1. On POSIX it also ignores SIGPIPE, so a
 * closed output pipe fails the write (EPIPE) instead of killing the
 * process before it wrote its files. Returns 0, or HL_EINVAL when the hook
 * cannot be installed.
 */
int hl__interrupt_install(void);
int hl__interrupted(void);

/* ---- watchdog: per platform (watchdog-*.c) ---- */

/*
 * Unless hl__watchdog_stop() comes within ms milliseconds, prints
 * "hleak: error: <msg>" on stderr and ends the process with exit status
 * 3: the last bound on a live command stuck in a system call that should
 * have returned. One at a time. Returns 0, or HL_EQUERY / HL_EINVAL when
 * it cannot run (the command then runs without it).
 */
int hl__watchdog_start(unsigned ms, const char *msg);
void hl__watchdog_stop(void);

/* ---- this process: per platform (self-win.c, self-posix.c) ---- */

/* The id of the calling process. */
uint64_t hl__self_pid(void);

/* ---- time ---- */

/* FILETIME (100 ns since 1601 UTC) as "2026-11-25T12:13:42Z"; buf >= 21. */
void hl__filetime_iso(uint64_t ft, char *buf, size_t len);

/* The current time as a FILETIME value. */
uint64_t hl__filetime_now(void);

/* The FILETIME of secs seconds after 1970-01-01 (a time_t). */
uint64_t hl__filetime_from_unix(uint64_t secs);

#endif
