/*
 * Writes the sample dumps of dumpgen.c into a folder (default: here), as
 * the .dmp files of tests/fixtures were made: `hl-mkdump tests/fixtures`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dumpgen.h"

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    const char *name;
    int v;

    for (v = 0; (name = dg_sample_name(v)) != NULL; v++) {
        unsigned char *buf;
        size_t len;
        char path[1024];
        FILE *f;

        if (dg_sample(v, &buf, &len) != 0) {
            fprintf(stderr, "hl-mkdump: out of memory\n");
            return 1;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "hl-mkdump: cannot write %s\n", path);
            free(buf);
            return 1;
        }
        free(buf);
    }
    return 0;
}
