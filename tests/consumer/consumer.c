/*
 * A program of a user's project, built against the installed hleak
 * package (tests/consumer/run.cmake): reads two dumps, diffs them, prints
 * the report, and where live collection exists, checks itself for leaks.
 */
#include <stdio.h>
#include <string.h>

#include <hleak/hleak.h>

static int fail(const char *what, int err)
{
    fprintf(stderr, "consumer: %s: %s (%s)\n", what, hl_strerror(err),
            hl_err_name(err));
    return 1;
}

static int live_check(void)
{
    struct hl_leak_check *lc;
    struct hl_diff *d;
    unsigned long opened;
    int err = hl_leak_check_begin(&lc, NULL);

    if (err == HL_ENOTSUP) {
        printf("consumer: live collection is not built here\n");
        return 0;
    }
    if (err != 0)
        return fail("hl_leak_check_begin", err);
    err = hl_leak_check_end(lc, &d);
    if (err != 0) {
        hl_leak_check_free(lc);
        return fail("hl_leak_check_end", err);
    }
    opened = (unsigned long)hl_diff_count(d, HL_DIFF_OPENED);
    printf("consumer: leak check of itself: %lu handles left open\n",
           opened);
    hl_diff_free(d);
    hl_leak_check_free(lc);
    return opened != 0;
}

/* The groups opened, through the accessors of the opaque diff. */
static void print_opened(const struct hl_diff *d)
{
    size_t i;
    size_t n = hl_diff_ngroups(d, HL_DIFF_LIST_OPENED);

    for (i = 0; i < n; i++)
        printf("consumer: opened %lu %s \"%s\"\n",
               (unsigned long)hl_diff_group_count(d, HL_DIFF_LIST_OPENED, i),
               hl_diff_group_type(d, HL_DIFF_LIST_OPENED, i),
               hl_diff_group_name(d, HL_DIFF_LIST_OPENED, i));
}

int main(int argc, char **argv)
{
    struct hl_snapshot *a;
    struct hl_snapshot *b;
    struct hl_diff *d = NULL;
    int err;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: consumer BEFORE AFTER\n");
        return 2;
    }
    if (strcmp(hl_version(), HL_VERSION) != 0) {
        fprintf(stderr, "consumer: library %s, headers %s\n", hl_version(),
                HL_VERSION);
        return 1;
    }
    err = hl_snapshot_load(argv[1], &a);
    if (err != 0)
        return fail(argv[1], err);
    err = hl_snapshot_load(argv[2], &b);
    if (err != 0) {
        hl_snapshot_free(a);
        return fail(argv[2], err);
    }
    printf("consumer: %lu and %lu handles of %s\n",
           (unsigned long)hl_snapshot_count(a),
           (unsigned long)hl_snapshot_count(b), hl_snapshot_image_name(b));
    err = hl_diff_new(a, b, NULL, &d);
    if (err == 0)
        err = hl_diff_report(stdout, d, a, b, HL_REPORT_TEXT);
    rc = err != 0 ? fail("diff", err) : 0;
    if (rc == 0) {
        print_opened(d);
        printf("consumer: hleak %s, %lu handles opened and still open\n",
               hl_version(),
               (unsigned long)hl_diff_count(d, HL_DIFF_OPENED));
        rc = hl_diff_count(d, HL_DIFF_OPENED) == 0;
    }
    hl_diff_free(d);
    hl_snapshot_free(a);
    hl_snapshot_free(b);
    if (rc == 0)
        rc = live_check();
    return rc;
}
