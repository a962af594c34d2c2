/*
 * Writes the snapshot seeds of the fuzz corpus into a folder: the sample
 * of tests/testutil.c in a few shapes, and every input file named on the
 * command line (dumps, snapshots) converted to a snapshot, and the
 * whole-system snapshot of tests/sysfixture.c. Each seed is
 * written twice: as it is (first byte 0) and with the header fixed up
 * (first byte 1), the two modes of fuzz-snapfile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hleak/alloc.h"
#include "hleak/err.h"
#include "input.h"
#include "hleak/snapfile.h"
#include "hleak/system.h"
#include "sysfixture.h"
#include "syssnap.h"
#include "testutil.h"

static int write_bytes(const char *dir, const char *name,
                       unsigned char *enc, size_t len)
{
    char path[4096];
    unsigned char mode;
    FILE *f;
    int err = 0;

    for (mode = 0; mode < 2 && err == 0; mode++) {
        snprintf(path, sizeof(path), "%s/%s-%u.seed", dir, name, mode);
        f = fopen(path, "wb");
        if (f == NULL || fwrite(&mode, 1, 1, f) != 1 ||
            fwrite(enc, 1, len, f) != len)
            err = HL_EIO;
        if (f != NULL && fclose(f) != 0)
            err = HL_EIO;
    }
    hl_free(enc);
    return err;
}

static int write_seed(const char *dir, const char *name,
                      const struct hl_snapshot *s)
{
    unsigned char *enc;
    size_t len;
    int err = hl_snapfile_encode(s, &enc, &len);

    return err != 0 ? err : write_bytes(dir, name, enc, len);
}

static int write_system_seed(const char *dir)
{
    struct hl_system *sys;
    unsigned char *enc;
    size_t len;
    int err = hl_test_system("sysb", &sys);

    if (err == 0 && (err = hl__syssnap_encode(sys, &enc, &len)) == 0)
        err = write_bytes(dir, "system", enc, len);
    hl_system_free(sys);
    return err;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');

    return b != NULL ? b + 1 : path;
}

int main(int argc, char **argv)
{
    struct hl_snapshot s;
    int i, err;

    if (argc < 2) {
        fprintf(stderr, "usage: hl-fuzz-seeds DIR [INPUT...]\n");
        return 2;
    }
    err = hl_snapshot_init(&s);
    if (err == 0)
        err = hl_test_sample_snapshot(&s);
    if (err == 0)
        err = write_seed(argv[1], "sample", &s);
    hl_snapshot_release(&s);
    if (err == 0)
        err = write_system_seed(argv[1]);
    for (i = 2; i < argc && err == 0; i++) {
        if (hl_snapshot_init(&s) != 0)
            return 3;
        /* a file that does not read is no seed, and no failure */
        if (hl_input_read(argv[i], &s, NULL) == 0)
            err = write_seed(argv[1], base_name(argv[i]), &s);
        hl_snapshot_release(&s);
    }
    if (err != 0) {
        fprintf(stderr, "hl-fuzz-seeds: %s\n", hl_strerror(err));
        return 3;
    }
    return 0;
}
