/* For getpid(). */
#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "diff-int.h"
#include "hleak/snapfile.h"

/* The process id keeps parallel test runs from choosing the same name. */
#ifdef _WIN32
#include <process.h>
#define TEST_GETPID() ((unsigned long)_getpid())
#else
#include <unistd.h>
#define TEST_GETPID() ((unsigned long)getpid())
#endif

/*
 * The sample snapshot. Metadata:
 *
 *   pid 4242, start_time 133000000000000000, taken_at 133800000000000000,
 *   duration_us 1234, wow64 0, image "C:\Program Files\Démo\app.exe",
 *   host "BUILD-01", os_version "Windows 10.0.19045", hleak_version
 *   "0.1.0", method "ProcessHandleInformation"
 *
 * Handles, in this order:
 *
 *   value  type    access    attr  object              name / name_err
 *   0x4    Event   0x1f0003  0     0                   (none)
 *   0x8    Event   0x1f0003  0     0                   (none)
 *   0xc    Event   0x1f0003  0     0                   (none)
 *   0x10   Event   0x1f0003  0     0                   nt_name and name
 *          "\Sessions\1\BaseNamedObjects\hleak-ü-event"
 *   0x14   File    0x120089  0x2   0xffffa00012345678  nt_name
 *          "\Device\HarddiskVolume3\temp\naïve,"quoted".txt",
 *          name "C:\temp\naïve,"quoted".txt"
 *   0x18   Key     0x20019   0     0                   nt_name
 *          "\REGISTRY\MACHINE\SOFTWARE\hleak", name "HKLM\SOFTWARE\hleak"
 *   0x1c   Mutant  0x1f0001  0     0                   HL_NAME_ERR_ACCESS
 *
 * Strings are interned in the order they appear above, so their ids are
 * the same on every run.
 */
static const struct sample_handle {
    const char *type;
    uint32_t access;
    uint32_t attributes;
    uint64_t object;
    const char *nt_name;
    const char *name;
    uint32_t name_err;
} sample_handles[] = {
    { "Event", 0x1f0003, 0, 0, NULL, NULL, HL_NAME_ERR_NONE },
    { "Event", 0x1f0003, 0, 0, NULL, NULL, HL_NAME_ERR_NONE },
    { "Event", 0x1f0003, 0, 0, NULL, NULL, HL_NAME_ERR_NONE },
    { "Event", 0x1f0003, 0, 0,
      "\\Sessions\\1\\BaseNamedObjects\\hleak-ü-event",
      "\\Sessions\\1\\BaseNamedObjects\\hleak-ü-event", HL_NAME_ERR_NONE },
    { "File", 0x120089, 0x2, 0xffffa00012345678ull,
      "\\Device\\HarddiskVolume3\\temp\\naïve,\"quoted\".txt",
      "C:\\temp\\naïve,\"quoted\".txt", HL_NAME_ERR_NONE },
    { "Key", 0x20019, 0, 0, "\\REGISTRY\\MACHINE\\SOFTWARE\\hleak",
      "HKLM\\SOFTWARE\\hleak", HL_NAME_ERR_NONE },
    { "Mutant", 0x1f0001, 0, 0, NULL, NULL, HL_NAME_ERR_ACCESS },
};

int hl_test_sample_snapshot(struct hl_snapshot *s)
{
    size_t i;
    int err;

    s->pid = 4242;
    s->start_time = 133000000000000000ull;
    s->taken_at = 133800000000000000ull;
    s->duration_us = 1234;
    s->wow64 = 0;
    err = hl_snapshot_intern(s, "C:\\Program Files\\Démo\\app.exe",
                             &s->image);
    if (err == 0)
        err = hl_snapshot_intern(s, "BUILD-01", &s->host);
    if (err == 0)
        err = hl_snapshot_intern(s, "Windows 10.0.19045", &s->os_version);
    if (err == 0)
        err = hl_snapshot_intern(s, "0.1.0", &s->hleak_version);
    if (err == 0)
        err = hl_snapshot_intern(s, "ProcessHandleInformation", &s->method);
    for (i = 0; err == 0 && i < sizeof(sample_handles) /
                                    sizeof(sample_handles[0]); i++) {
        const struct sample_handle *sh = &sample_handles[i];
        struct hl_handle h;

        memset(&h, 0, sizeof(h));
        h.value = (uint32_t)(4 * (i + 1));
        h.granted_access = sh->access;
        h.attributes = (uint16_t)sh->attributes;
        h.name_err = (uint8_t)sh->name_err;
        err = hl_snapshot_intern(s, sh->type, &h.type);
        if (err == 0)
            err = hl_snapshot_intern(s, sh->nt_name, &h.nt_name);
        if (err == 0)
            err = hl_snapshot_intern(s, sh->name, &h.name);
        if (err == 0)
            err = hl_snapshot_add(s, &h);
        if (err == 0)
            err = hl_snapshot_set_object(s, s->count - 1, sh->object);
    }
    return err;
}

int hl_test_sample_file(struct hl_snapshot *s, unsigned char **buf,
                        size_t *len)
{
    int err = hl_snapshot_init(s);

    if (err == 0)
        err = hl_test_sample_snapshot(s);
    return err != 0 ? err : hl_snapfile_encode(s, buf, len);
}

/* TMPDIR on Unix, TEMP on Windows (Wine sets it too), else the current
 * folder. */
static const char *temp_dir(void)
{
    const char *dir = getenv("TMPDIR");

    if (dir == NULL || *dir == '\0')
        dir = getenv("TEMP");
    if (dir == NULL || *dir == '\0')
        dir = ".";
    return dir;
}

char *hl_test_temp_file(const void *buf, size_t len)
{
    static unsigned long counter;
    const char *dir = temp_dir();
    size_t plen = strlen(dir) + 64;
    char *path = malloc(plen);
    FILE *f;
    int tries;

    if (path == NULL)
        return NULL;
    /* fopen has no portable "must not exist" mode on older C runtimes, so
     * look first; the pid and the counter make a clash unlikely anyway. */
    for (tries = 0; tries < 1000; tries++) {
        snprintf(path, plen, "%s/hleak-test-%lu-%lu.tmp", dir,
                 TEST_GETPID(), ++counter);
        f = fopen(path, "rb");
        if (f == NULL)
            break;
        fclose(f);
    }
    f = fopen(path, "wb");
    if (f == NULL)
        goto out_free_path;
    if (len != 0 && fwrite(buf, 1, len, f) != len) {
        fclose(f);
        goto out_remove;
    }
    if (fclose(f) != 0)
        goto out_remove;
    return path;

out_remove:
    remove(path);
out_free_path:
    free(path);
    return NULL;
}

char *hl_test_path_plus(const char *path, const char *tail)
{
    size_t n = strlen(path) + strlen(tail) + 1;
    char *out = malloc(n);

    if (out != NULL)
        snprintf(out, n, "%s%s", path, tail);
    return out;
}

int hl_test_add(struct hl_snapshot *s, uint32_t value, const char *type,
                const char *name, const char *nt_name, uint32_t access)
{
    struct hl_handle h;
    int err;

    memset(&h, 0, sizeof(h));
    h.value = value;
    h.granted_access = access;
    err = hl_snapshot_intern(s, type, &h.type);
    if (err == 0)
        err = hl_snapshot_intern(s, nt_name, &h.nt_name);
    if (err == 0)
        err = hl_snapshot_intern(s, name, &h.name);
    return err != 0 ? err : hl_snapshot_add(s, &h);
}

/* The string table keeps one copy: name and NT name share it. */
static int add_named(struct hl_snapshot *s, uint32_t value, const char *type,
                     const char *name, uint32_t access)
{
    return hl_test_add(s, value, type, name, name, access);
}

int hl_test_run_snapshot(struct hl_snapshot *s, uint64_t pid, size_t nevents,
                         size_t nthreads)
{
    char name[128];
    uint32_t v = 4;
    size_t i;
    int err;

    s->pid = pid;
    s->start_time = pid * 1000;
    s->taken_at = 133800000000000000ull + pid * 10000000ull;
    err = hl_snapshot_intern(s, "C:\\app\\leaky.exe", &s->image);
    for (i = 0; err == 0 && i < 10 + nthreads; i++) {
        snprintf(name, sizeof(name), "tid %u in leaky.exe (pid %u)",
                 (unsigned)(pid * 10 + i * 4), (unsigned)pid);
        err = add_named(s, v += 4, "Thread", name, 0x1fffff);
    }
    snprintf(name, sizeof(name), "leaky.exe (pid %u)", (unsigned)pid);
    if (err == 0)
        err = add_named(s, v += 4, "Process", name, 0x1fffff);
    snprintf(name, sizeof(name),
             "\\Device\\NamedPipe\\Win32.Pipes.%08x.000000a1",
             (unsigned)pid);
    if (err == 0)
        err = add_named(s, v += 4, "File", name, 0x12019f);
    snprintf(name, sizeof(name), "\\BaseNamedObjects\\app-%u-ready",
             (unsigned)pid);
    if (err == 0)
        err = add_named(s, v += 4, "Event", name, 0x1f0003);
    for (i = 0; err == 0 && i < 10 + nevents; i++) {
        snprintf(name, sizeof(name), "\\BaseNamedObjects\\ev-%u-%u",
                 (unsigned)pid, (unsigned)i);
        err = add_named(s, v += 4, "Event", name, 0x1f0003);
    }
    return err;
}

char *hl_test_slurp(FILE *f)
{
    long len = ftell(f);
    char *buf = len >= 0 ? malloc((size_t)len + 1) : NULL;

    rewind(f);
    if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    if (buf != NULL)
        buf[len] = '\0';
    fclose(f);
    return buf;
}

const char *hl_test_text_check(const char *text, const char *const *has,
                               const char *const *lacks)
{
    static char why[512];

    for (; has != NULL && *has != NULL; has++) {
        if (strstr(text, *has) == NULL) {
            snprintf(why, sizeof(why), "missing: %s", *has);
            return why;
        }
    }
    for (; lacks != NULL && *lacks != NULL; lacks++) {
        if (strstr(text, *lacks) != NULL) {
            snprintf(why, sizeof(why), "present: %s", *lacks);
            return why;
        }
    }
    return "";
}

const char *hl_test_text_take(char *text, const char *const *has,
                              const char *const *lacks)
{
    const char *why;

    if (text == NULL)
        return "missing: the text";
    why = hl_test_text_check(text, has, lacks);
    free(text);
    return why;
}

unsigned long hl_test_diff_oom(const struct hl_snapshot *a,
                               const struct hl_snapshot *b,
                               const struct hl_diff_opts *o,
                               struct hl_diff *d,
                               int (*clean)(const struct hl_diff *d))
{
    unsigned long n;
    int err;

    for (n = 1;; n++) {
        hl__alloc_fail_at(n, 0);
        err = hl_diff_compute(a, b, o, d);
        hl__alloc_fail_at(0, 0);
        if (err == 0)
            return n;
        if (err != HL_ENOMEM || !clean(d))
            return 0;
    }
}

void hl_test_release_diff(struct hl_diff *d, struct hl_snapshot *a,
                          struct hl_snapshot *b)
{
    hl_diff_release(d);
    hl_snapshot_release(a);
    hl_snapshot_release(b);
}
