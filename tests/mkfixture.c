/*
 * Writes the sample snapshot of testutil.c to a file, so the command-line
 * tests have known inputs without a live process. Variants:
 *   sample   the sample as it is
 *   grown    the same process later: the Key closed, and 3 unnamed events
 *            and the file "C:\temp\new, \"odd\".log" opened
 *   other    the sample as another process (pid 4343)
 */
#include <stdio.h>
#include <string.h>

#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "testutil.h"

static int grow(struct hl_snapshot *s)
{
    struct hl_handle h;
    size_t i, k = 0;
    int err;

    for (i = 0; i < s->count; i++) {
        if (strcmp(hl_snapshot_str(s, s->handles[i].type), "Key") != 0)
            s->handles[k++] = s->handles[i];
    }
    s->count = k;
    memset(&h, 0, sizeof(h));
    h.granted_access = 0x1f0003;
    if ((err = hl_snapshot_intern(s, "Event", &h.type)) != 0)
        return err;
    for (i = 0; i < 3; i++) {
        h.value = (uint32_t)(0x100 + 4 * i);
        if ((err = hl_snapshot_add(s, &h)) != 0)
            return err;
    }
    h.value = 0x200;
    h.granted_access = 0x120089;
    if ((err = hl_snapshot_intern(s, "File", &h.type)) != 0 ||
        (err = hl_snapshot_intern(s, "C:\\temp\\new, \"odd\".log",
                                  &h.name)) != 0)
        return err;
    h.nt_name = h.name;
    return hl_snapshot_add(s, &h);
}

int main(int argc, char **argv)
{
    const char *variant = argc > 2 ? argv[2] : "sample";
    struct hl_snapshot s;
    int err;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: hl-mkfixture FILE [sample|grown|other]\n");
        return 2;
    }
    err = hl_snapshot_init(&s);
    if (err == 0)
        err = hl_test_sample_snapshot(&s);
    if (err == 0 && strcmp(variant, "grown") == 0)
        err = grow(&s);
    else if (err == 0 && strcmp(variant, "other") == 0)
        s.pid = 4343;
    if (err == 0)
        err = hl_snapfile_write(argv[1], &s);
    hl_snapshot_release(&s);
    if (err != 0) {
        fprintf(stderr, "hl-mkfixture: %s\n", hl_strerror(err));
        return 1;
    }
    return 0;
}
