#include "msg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "syssnap.h"

/* Marked as printf-like so clang's -Wformat-nonliteral sees fmt is
 * checked at each caller. */
static void vreport(const char *prefix, const char *fmt, va_list ap)
    HL__PRINTF(2, 0);

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
    fputs("hleak: ", stderr);
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void hl_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("error: ", fmt, ap);
    va_end(ap);
}

void hl_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

void hl_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
}

static void print_usage(FILE *f, const char *const *usage)
{
    const char *const *u;

    for (u = usage; *u != NULL; u++)
        fprintf(f, "%s%s\n", u == usage ? "usage: " : "   or: ", *u);
}

int hl_usage_error(const char *const *usage, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("error: ", fmt, ap);
    va_end(ap);
    print_usage(stderr, usage);
    fputs("Try --help for more information.\n", stderr);
    return HL_EXIT_USAGE;
}

int hl_error_no_handle(const char *path, uint64_t pid, uint32_t value,
                       size_t count)
{
    char what[48];

    if (path == NULL)
        snprintf(what, sizeof(what), "process %" PRIu64, pid);
    hl_error("%s%s%s holds no handle 0x%" PRIx32 " (%" PRIu32 "); it has "
             "%zu %s (hleak show %s%s%s lists them)",
             path != NULL ? "'" : "", path != NULL ? path : what,
             path != NULL ? "'" : "", value, value, count,
             count == 1 ? "handle" : "handles", path != NULL ? "'" : "-p ",
             path != NULL ? path : what + 8, path != NULL ? "'" : "");
    return HL_EXIT_USAGE;
}

int hl_usage_help(const char *const *usage, const char *help)
{
    print_usage(stdout, usage);
    if (help != NULL)
        fputs(help, stdout);
    return 0;
}

/* MINIDUMP_TYPE's MiniDumpWithHandleData: the writer was asked for the
 * handle data stream. */
#define DUMP_ASKED_HANDLES 0x4u

static int error_read_dump(const char *path, int err,
                           const struct hl_minidump_info *info)
{
    if (err == HL_ENOHANDLES && (info->flags & DUMP_ASKED_HANDLES))
        /* 'hleak dump' asks for it; telling the user to run it again
         * would send them round in a circle. */
        hl_error("cannot read dump '%s': %s, though its writer was asked "
                 "for it (MiniDumpWithHandleData): the dbghelp that wrote "
                 "it records none, as Wine's does; dump the process on "
                 "Windows ('hleak dump', 'procdump -ma'), or take an "
                 "'hleak snapshot'",
                 path, hl_strerror(err));
    else if (err == HL_ENOHANDLES)
        hl_error("cannot read dump '%s': %s; capture one with handle data: "
                 "'hleak dump', 'procdump -ma', Process Explorer's full "
                 "dump, WinDbg '.dump /ma', or MiniDumpWriteDump with "
                 "MiniDumpWithHandleData (Task Manager's dumps have none)",
                 path, hl_strerror(err));
    else if (err == HL_ECORRUPT && info->line != 0)
        hl_error("cannot read dump '%s': %s at byte %llu", path,
                 hl_strerror(err), (unsigned long long)info->offset);
    else
        hl_error("cannot read dump '%s': %s", path, hl_strerror(err));
    return HL_EXIT_FAILURE;
}

int hl_error_read(const char *path, int err,
                  const struct hl_input_info *info)
{
    const struct hl_snapfile_info *snap = info != NULL ? &info->snap : NULL;

    if (info != NULL && info->kind == HL_INPUT_DUMP)
        return error_read_dump(path, err, &info->dump);
    /* The decoder reports a version only once the checksum vouched for
     * it: a damaged byte is not a newer format. */
    if (err == HL_EVERSION && snap != NULL && snap->version != 0)
        hl_error("cannot read snapshot '%s': format version %u is newer "
                 "than this hleak reads (%u); upgrade hleak",
                 path, (unsigned)snap->version, HL_SYSFILE_VERSION);
    else if (err == HL_ECORRUPT && snap != NULL && snap->line != 0)
        hl_error("cannot read snapshot '%s': %s at byte %llu", path,
                 hl_strerror(err), (unsigned long long)snap->offset);
    else if (err == HL_ESYSSNAP)
        hl_error("cannot read snapshot '%s': %s; 'hleak show' and 'hleak "
                 "diff' read it", path, hl_strerror(err));
    else if (err == HL_ENOTSNAP)
        hl_error("cannot read snapshot '%s': %s or a Windows minidump", path,
                 hl_strerror(err));
    else
        hl_error("cannot read snapshot '%s': %s", path, hl_strerror(err));
    return HL_EXIT_FAILURE;
}

int hl_finish_stdout(int err)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        err = err ? err : HL_EIO;
    if (err == 0)
        return 0;
    hl_error("cannot write output: %s", hl_strerror(err));
    return HL_EXIT_FAILURE;
}

/* The bytes of path, or of standard input for "-". */
int hl_error_reversed(const char *bpath, uint64_t btime, const char *apath,
                      uint64_t atime)
{
    char tb[32], ta[32];

    hl__filetime_iso_ms(btime, tb, sizeof(tb));
    hl__filetime_iso_ms(atime, ta, sizeof(ta));
    hl_error("AFTER '%s' (taken %s) is older than BEFORE '%s' (taken %s): "
             "swapped inputs? --allow-reversed compares them anyway",
             apath, ta, bpath, tb);
    return HL_EXIT_USAGE;
}

static int read_bytes(const char *path, struct hl__fs_map *m,
                      unsigned char **buf, size_t *len)
{
    int err;

    memset(m, 0, sizeof(*m));
    *buf = NULL;
    if (strcmp(path, "-") == 0)
        return hl__fs_read_stdin(buf, len);
    if ((err = hl__fs_map(path, m)) != 0)
        return err;
    *len = m->len;
    return 0;
}

int hl_read_input_any(const char *path, struct hl_snapshot *s,
                      struct hl_system **sys)
{
    struct hl_input_info info;
    struct hl__fs_map m;
    const unsigned char *data;
    unsigned char *buf;
    size_t len = 0;
    int err;

    memset(&info, 0, sizeof(info));
    if ((err = hl_snapshot_init(s)) != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (sys != NULL)
        *sys = NULL;
    if ((err = read_bytes(path, &m, &buf, &len)) != 0)
        return hl_error_read(path, err, &info);
    data = buf != NULL ? buf : m.data;
    if (sys != NULL && hl__syssnap_sniff(data, len)) {
        info.kind = HL_INPUT_SNAPSHOT;
        err = hl__syssnap_decode(data, len, sys, &info.snap);
    } else {
        err = hl_input_decode(data, len, s, &info);
    }
    hl__free(buf);
    if (buf == NULL)
        hl__fs_unmap(&m);
    return err == 0 ? 0 : hl_error_read(path, err, &info);
}

int hl_read_input(const char *path, struct hl_snapshot *s)
{
    return hl_read_input_any(path, s, NULL);
}
