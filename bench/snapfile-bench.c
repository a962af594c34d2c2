/*
 * Times writing and reading a snapshot file of COUNT handles with the mix
 * of the snapshot benchmark's target (bench/snapshot_bench.py): 90%
 * unnamed events, 6.8% named events, 2.2% files and 0.9% registry keys,
 * every name distinct, the names as hleak records them under Wine.
 *
 *   hl-bench-snapfile FILE [COUNT [RUNS]]     (default 100000, 5)
 *   -> bytes, bytes per handle, median write ms, median read ms
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "snapshot-int.h"

#define MAX_RUNS 64

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Handle i of the mix: type, NT name, friendly name, access. */
static int add_handle(struct hl_snapshot *s, unsigned long i,
                      unsigned long count)
{
    unsigned long named = count * 1500 / 22200;
    unsigned long files = count * 500 / 22200;
    unsigned long keys = count * 200 / 22200;
    unsigned long events = count - named - files - keys;
    struct hl_handle h;
    char nt[200];
    char friendly[200];
    const char *type = "Event";
    int err;

    memset(&h, 0, sizeof(h));
    h.value = (uint32_t)(4 * (i + 1));
    h.granted_access = 0x1f0003;
    nt[0] = friendly[0] = '\0';
    if (i >= events && i < events + named) {
        snprintf(nt, sizeof(nt),
                 "\\Sessions\\1\\BaseNamedObjects\\hleak-bench-main-%lu",
                 i - events);
        strcpy(friendly, nt);
    } else if (i >= events + named && i < events + named + files) {
        type = "File";
        h.granted_access = 0x12019f;
        snprintf(nt, sizeof(nt), "\\??\\Z:\\tmp\\hleak-bench-x1y2z3\\files"
                 "\\f%lu.txt", i - events - named);
        strcpy(friendly, nt + 4);
    } else if (i >= events + named + files) {
        type = "Key";
        h.granted_access = 0x2001f;
        snprintf(nt, sizeof(nt), "\\REGISTRY\\USER\\S-1-5-21-0-0-0-1000"
                 "\\Software\\hleak-bench-main\\k%lu",
                 i - events - named - files);
        snprintf(friendly, sizeof(friendly),
                 "HKCU\\Software\\hleak-bench-main\\k%lu",
                 i - events - named - files);
    }
    if ((err = hl_snapshot_intern(s, type, &h.type)) != 0 ||
        (err = hl_snapshot_intern(s, nt, &h.nt_name)) != 0 ||
        (err = hl_snapshot_intern(s, friendly, &h.name)) != 0)
        return err;
    return hl_snapshot_add(s, &h);
}

int main(int argc, char **argv)
{
    static double wr[MAX_RUNS], rd[MAX_RUNS];
    unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    struct hl_snapshot s;
    unsigned long i;
    long bytes = 0;
    FILE *f;
    int r, err;

    if (argc < 2 || count == 0 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: hl-bench-snapfile FILE [COUNT [RUNS]]\n");
        return 2;
    }
    if ((err = hl_snapshot_init(&s)) != 0)
        goto out;
    s.pid = 4242;
    err = hl_snapshot_intern(&s, "C:\\bench\\hl-target.exe", &s.image);
    for (i = 0; i < count && err == 0; i++)
        err = add_handle(&s, i, count);
    for (r = 0; r < runs && err == 0; r++) {
        struct hl_snapshot back;
        double t0 = now_ms();

        err = hl_snapfile_write(argv[1], &s);
        wr[r] = now_ms() - t0;
        if (err != 0 || (err = hl_snapshot_init(&back)) != 0)
            break;
        t0 = now_ms();
        err = hl_snapfile_read(argv[1], &back, NULL);
        rd[r] = now_ms() - t0;
        if (err == 0 && back.count != s.count)
            err = HL_ECORRUPT;
        hl_snapshot_release(&back);
    }
    if (err == 0 && (f = fopen(argv[1], "rb")) != NULL) {
        fseek(f, 0, SEEK_END);
        bytes = ftell(f);
        fclose(f);
    }
out:
    hl_snapshot_release(&s);
    if (err != 0) {
        fprintf(stderr, "hl-bench-snapfile: %s\n", hl_strerror(err));
        return 1;
    }
    qsort(wr, (size_t)runs, sizeof(double), cmp_double);
    qsort(rd, (size_t)runs, sizeof(double), cmp_double);
    printf("%lu handles: %ld bytes, %.1f bytes per handle; median of %d: "
           "write %.1f ms, read %.1f ms\n",
           count, bytes, (double)bytes / (double)count, runs, wr[runs / 2],
           rd[runs / 2]);
    return 0;
}
