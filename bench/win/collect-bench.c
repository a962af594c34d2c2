/*
 * collect-bench: times hl_collect() inside one process, so that Wine's
 * process start does not blur the comparison. Runs the given
 * configurations in turn, RUNS times, and prints the median of each.
 *
 *   collect-bench.exe PID RUNS CONFIG...
 *
 * CONFIG is "tN" (N name threads, File names on the timed worker) or
 * "tNd" (N threads, File names asked directly: what the guard costs).
 * Prints one line per configuration:
 *   <config> handles <n> named <m> median_ms <t> us_per_handle <u>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hleak/collect.h"
#include "win-int.h"
#include "snapshot-int.h"

#define MAX_CONFIGS 16
#define MAX_RUNS 64

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static double ms[MAX_CONFIGS][MAX_RUNS];
    unsigned threads[MAX_CONFIGS];
    int direct[MAX_CONFIGS];
    size_t count[MAX_CONFIGS];
    size_t named[MAX_CONFIGS];
    LARGE_INTEGER freq;
    unsigned long pid;
    int nconf = argc - 3;
    int runs;
    int r, k;

    if (argc < 4 || nconf > MAX_CONFIGS) {
        fprintf(stderr, "usage: collect-bench PID RUNS CONFIG...\n");
        return 2;
    }
    pid = strtoul(argv[1], NULL, 10);
    runs = atoi(argv[2]);
    if (runs < 1 || runs > MAX_RUNS)
        return 2;
    for (k = 0; k < nconf; k++) {
        const char *c = argv[3 + k];
        char *end;

        if (c[0] != 't')
            return 2;
        threads[k] = (unsigned)strtoul(c + 1, &end, 10);
        direct[k] = *end == 'd';
    }
    QueryPerformanceFrequency(&freq);
    for (r = 0; r < runs; r++) {
        for (k = 0; k < nconf; k++) {
            struct hl_collect_opts opts;
            struct hl_snapshot s;
            LARGE_INTEGER t0, t1;
            size_t i;
            int err;

            memset(&opts, 0, sizeof(opts));
            opts.pid = pid;
            opts.threads = threads[k];
            hl__file_name_guard = !direct[k];
            if (hl_snapshot_init(&s) != 0)
                return 3;
            QueryPerformanceCounter(&t0);
            err = hl_collect(&opts, &s, NULL);
            QueryPerformanceCounter(&t1);
            if (err != 0) {
                fprintf(stderr, "collect-bench: hl_collect: %d\n", err);
                return 3;
            }
            ms[k][r] = (double)(t1.QuadPart - t0.QuadPart) * 1000.0 /
                       (double)freq.QuadPart;
            count[k] = s.count;
            named[k] = 0;
            for (i = 0; i < s.count; i++)
                named[k] += s.handles[i].nt_name != 0;
            hl_snapshot_release(&s);
        }
    }
    hl__file_name_guard = 1;
    for (k = 0; k < nconf; k++) {
        double med;

        qsort(ms[k], (size_t)runs, sizeof(double), cmp_double);
        med = ms[k][runs / 2];
        printf("%s handles %zu named %zu median_ms %.1f us_per_handle "
               "%.1f\n",
               argv[3 + k], count[k], named[k], med,
               count[k] ? med * 1000.0 / (double)count[k] : 0.0);
    }
    return 0;
}
