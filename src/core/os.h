#ifndef HLEAK_CORE_OS_H
#define HLEAK_CORE_OS_H

/*
 * The platform seam: everything the portable core and the CLI ask of the
 * operating system (files, console, clock, interruption, watchdog, this
 * process). One implementation per platform, chosen by CMake: src/unix
 * (*-posix.c) and src/win (*-win.c); nothing above this header tests
 * which one it got. Live capabilities (collecting, dumps, tracing) are a
 * separate seam: hleak/caps.h.
 */

#include <stddef.h>
#include <stdint.h>

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

#endif
