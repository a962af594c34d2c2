/*
 * Replays files through a libFuzzer target's entry point, for builds
 * without libFuzzer: every test run feeds the regression fixtures
 * (tests/fixtures/regress/<target>/, one file per crash the fuzzers
 * found) and the seeds through the same checks the fuzzers make, which
 * abort() on any wrong answer. Usage: fuzz-replay-<target> DIR...
 * (README files are skipped). Fails when no input was found at all.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, got;

    if (f == NULL)
        return -1;
    do {
        if (len == cap) {
            unsigned char *n = realloc(buf, cap ? cap * 2 : 65536);

            if (n == NULL) {
                fclose(f);
                free(buf);
                return -1;
            }
            buf = n;
            cap = cap ? cap * 2 : 65536;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    char path[4096];
    unsigned long n = 0;
    struct dirent *e;
    struct stat st;
    DIR *d;
    int i;

    for (i = 1; i < argc; i++) {
        d = opendir(argv[i]);
        if (d == NULL)
            continue;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (replay_file(path) != 0) {
                fprintf(stderr, "cannot read %s\n", path);
                closedir(d);
                return 1;
            }
            n++;
        }
        closedir(d);
    }
    printf("replayed %lu inputs\n", n);
    return n == 0;
}
