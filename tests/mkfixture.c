/*
 * Writes the sample snapshot of testutil.c to a file, so the command-line
 * tests have known inputs without a live process. Variants:
 *   sample   the sample as it is
 *   grown    the same process later: the Key closed, and 3 unnamed events
 *            and the file "C:\temp\new, \"odd\".log" opened
 *   other    the sample as another process (pid 4343)
 *   tbefore  the sample with GUI counts (GDI 10 peak 12, USER 3 peak 3)
 *            and a Thread handle 0x300 to a running thread (tid 500)
 *   tafter   tbefore later: GDI 14 peak 15, USER 3 peak 4, and handles
 *            0x304, 0x308 to threads that exited (tid 501, 502, code 0
 *            and 3) and 0x30c to a process that exited (pid 777, code 1)
 *   runa     one run of leaky.exe, pid 32 (hl_test_run_snapshot)
 *   runb     another run, pid 44, taken later, with the same handles
 *   runleak  a third run, pid 56, with 7 more events and 3 more threads
 * "grown" is taken 10 s after the sample.
 */
#include <stdio.h>
#include <string.h>

#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "hleak/system.h"
#include "sysfixture.h"
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

/* Adds a Thread or Process handle at value with target state t. */
static int add_target(struct hl_snapshot *s, uint32_t value, const char *type,
                      const char *label, const struct hl_target *t)
{
    struct hl_handle h;
    int err;

    memset(&h, 0, sizeof(h));
    h.value = value;
    h.granted_access = 0x1fffff;
    if ((err = hl_snapshot_intern(s, type, &h.type)) != 0 ||
        (err = hl_snapshot_intern(s, label, &h.name)) != 0 ||
        (err = hl_snapshot_add(s, &h)) != 0)
        return err;
    return hl_snapshot_set_target(s, s->count - 1, t);
}

/* The variants with GUI counts and target states (docs/triage.md). */
static int triage(struct hl_snapshot *s, int later)
{
    struct hl_target alive = {0, 500, 0, HL_TARGET_ALIVE, 0};
    struct hl_target t1 = {0x01da000000000000ull, 501, 0, HL_TARGET_EXITED,
                           HL_TARGET_HAS_CODE};
    struct hl_target t2 = {0x01da000000000000ull, 502, 3, HL_TARGET_EXITED,
                           HL_TARGET_HAS_CODE};
    struct hl_target p1 = {0, 777, 1, HL_TARGET_EXITED, HL_TARGET_HAS_CODE};
    struct hl_gui before = {HL_GUI_ALL, 10, 3, 12, 3};
    struct hl_gui after = {HL_GUI_ALL, 14, 3, 15, 4};
    int err;

    s->gui = later ? after : before;
    err = add_target(s, 0x300, "Thread", "tid 500 in app.exe (pid 4242)",
                     &alive);
    if (err != 0 || !later)
        return err;
    if ((err = add_target(s, 0x304, "Thread", "tid 501 in app.exe (pid "
                          "4242)", &t1)) != 0 ||
        (err = add_target(s, 0x308, "Thread", "tid 502 in app.exe (pid "
                          "4242)", &t2)) != 0)
        return err;
    return add_target(s, 0x30c, "Process", "child.exe (pid 777)", &p1);
}

int main(int argc, char **argv)
{
    const char *variant = argc > 2 ? argv[2] : "sample";
    struct hl_snapshot s;
    int err;

    if (argc == 3 && strncmp(variant, "sys", 3) == 0) {
        struct hl_system *sys;

        /* a whole-system snapshot (sysfixture.h) */
        err = hl_test_system(variant, &sys);
        if (err == 0)
            err = hl_system_save(sys, argv[1]);
        hl_system_free(sys);
        if (err != 0)
            fprintf(stderr, "hl-mkfixture: %s\n", hl_strerror(err));
        return err != 0;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: hl-mkfixture FILE [sample|grown|other|"
                        "tbefore|tafter|runa|runb|runleak|sysa|sysb|sysu|sysh|"
                        "syse|sysna|sysnb|sysxa|sysxb]\n");
        return 2;
    }
    err = hl_snapshot_init(&s);
    if (err == 0 && strncmp(variant, "run", 3) == 0)
        err = hl_test_run_snapshot(&s, strcmp(variant, "runa") == 0   ? 32
                                       : strcmp(variant, "runb") == 0 ? 44
                                                                      : 56,
                                   strcmp(variant, "runleak") ? 0 : 7,
                                   strcmp(variant, "runleak") ? 0 : 3);
    else if (err == 0)
        err = hl_test_sample_snapshot(&s);
    if (err == 0 && strcmp(variant, "grown") == 0) {
        s.taken_at += 100000000ull;
        err = grow(&s);
    }
    else if (err == 0 && strcmp(variant, "other") == 0)
        s.pid = 4343;
    else if (err == 0 && strcmp(variant, "tbefore") == 0)
        err = triage(&s, 0);
    else if (err == 0 && strcmp(variant, "tafter") == 0)
        err = triage(&s, 1);
    if (err == 0)
        err = hl_snapfile_write(argv[1], &s);
    hl_snapshot_release(&s);
    if (err != 0) {
        fprintf(stderr, "hl-mkfixture: %s\n", hl_strerror(err));
        return 1;
    }
    return 0;
}
