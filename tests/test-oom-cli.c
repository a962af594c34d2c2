/*
 * The allocation-failure sweep: `show`, `diff` and `convert` (of
 * process and of whole-system snapshots) run
 * in-process with the 1st, 2nd, ... allocation failing (once, then from
 * there on), until a run makes no more allocations than the one failed.
 * Each must end as the same command without a failure would, or with exit
 * 3 and "out of memory" on stderr, nothing on stdout, no output file and
 * no temporary left, and every block given back. The native-asan build
 * runs it under LeakSanitizer as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#define TEST_O_BINARY _O_BINARY
#else
#include <unistd.h>
#define TEST_O_BINARY 0
#endif

#include "cli-main.h"
#include "core-int.h"
#include "hleak/snapfile.h"
#include "hleak/system.h"
#include "sysfixture.h"
#include "testutil.h"

#define EXIT_FAILURE_CODE 3
#define MAX_ARGS 24

struct capture {
    int saved_out;
    int saved_err;
};

/* ---- files made once for every case ---- */
static char *base;      /* a temporary file; the others are base + suffix */
static char snap_a[1024], snap_b[1024], ignore_file[1024], out_snap[1024];
static char junit[1024], sarif[1024], out_path[1024], err_path[1024];
static char dump1[1024], dump2[1024], sys_a[1024], sys_b[1024];
static char sys_na[1024], sys_nb[1024];
static unsigned long points_swept;
static unsigned long runs_made;

static void path_join(char *dst, size_t len, const char *suffix)
{
    snprintf(dst, len, "%s%s", base, suffix);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static void redirect(int fd, const char *path)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | TEST_O_BINARY, 0644);

    assert_true(f >= 0);
    assert_true(dup2(f, fd) >= 0);
    close(f);
}

/* Standard output and error into out_path and err_path; the asserts wait
 * until capture_end(), or cmocka's own report would be swallowed. */
static void capture_begin(struct capture *c)
{
    fflush(stdout);
    fflush(stderr);
    c->saved_out = dup(1);
    c->saved_err = dup(2);
    assert_true(c->saved_out >= 0 && c->saved_err >= 0);
    redirect(1, out_path);
    redirect(2, err_path);
}

static void capture_end(struct capture *c)
{
    fflush(stdout);
    fflush(stderr);
    dup2(c->saved_out, 1);
    dup2(c->saved_err, 2);
    close(c->saved_out);
    close(c->saved_err);
}

/* 1 when a "<out_snap>.tmp..." file is in out_snap's folder. */
static int temp_left(void)
{
    const char *slash = strrchr(out_snap, '/');
    char dir[1024];
    size_t blen;
    struct dirent *e;
    DIR *d;
    int found = 0;

    assert_non_null(slash);
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out_snap), out_snap);
    blen = strlen(slash + 1);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, slash + 1, blen) == 0 &&
            strncmp(e->d_name + blen, ".tmp", 4) == 0)
            found = 1;
    }
    closedir(d);
    return found;
}

struct outcome {
    int rc;
    char *out, *err, *file; /* stdout, stderr, the converted file */
    size_t out_len, err_len, file_len;
    long leaked;
    unsigned long made;     /* allocations the run made */
};

static void outcome_release(struct outcome *o)
{
    free(o->out);
    free(o->err);
    free(o->file);
}

/* Runs `hleak args...` with allocation nth failing (0: none). */
static void run_once(const char *const *args, unsigned long nth, int sticky,
                     struct outcome *o)
{
    char *argv[MAX_ARGS + 2];
    struct capture c;
    long live;
    int argc = 1;

    argv[0] = "hleak";
    while (args[argc - 1] != NULL) {
        assert_true(argc <= MAX_ARGS);
        /* the parser reorders argv, never the strings */
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    argv[argc] = NULL;
    remove(out_snap);
    remove(junit);
    remove(sarif);
    live = hl__alloc_live();
    capture_begin(&c);
    hl__alloc_fail_at(nth, sticky);
    o->rc = hl_test_cli_run(argc, argv);
    o->made = hl__alloc_fail_at(0, 0);
    capture_end(&c);
    o->leaked = hl__alloc_live() - live;
    o->out = read_all(out_path, &o->out_len);
    o->err = read_all(err_path, &o->err_len);
    o->file = read_all(out_snap, &o->file_len);
    runs_made++;
}

static int same_output(const struct outcome *a, const struct outcome *b)
{
    return a->rc == b->rc && a->out_len == b->out_len &&
           (a->out_len == 0 || memcmp(a->out, b->out, a->out_len) == 0) &&
           a->file_len == b->file_len &&
           (a->file == NULL) == (b->file == NULL) &&
           (a->file_len == 0 || memcmp(a->file, b->file, a->file_len) == 0);
}

/* Every line of a failed run's stderr is an hleak message, one of them
 * the plain "out of memory". */
static void check_clean_failure(const struct outcome *o,
                                const struct outcome *want, unsigned long nth)
{
    const char *line;

    if (o->rc != EXIT_FAILURE_CODE || o->err == NULL ||
        strstr(o->err, "out of memory") == NULL)
        fail_msg("allocation %lu: exit %d, stderr \"%s\"", nth, o->rc,
                 o->err != NULL ? o->err : "");
    for (line = o->err; *line != '\0'; line = strchr(line, '\n') + 1) {
        if (strncmp(line, "hleak: ", 7) != 0 || strchr(line, '\n') == NULL)
            fail_msg("allocation %lu: stray stderr \"%s\"", nth, o->err);
    }
    /* stdout holds nothing, or the whole report when what failed came
     * after it (a --junit file) */
    if (o->out_len != 0 &&
        (o->out_len != want->out_len ||
         memcmp(o->out, want->out, o->out_len) != 0))
        fail_msg("allocation %lu: half a report on stdout: \"%.400s\"",
                 nth, o->out);
    if (o->file != NULL)
        fail_msg("allocation %lu: an output file after a failure", nth);
}

static void sweep(const char *const *args)
{
    struct outcome want, got;
    unsigned long nth;
    int sticky;

    run_once(args, 0, 0, &want);
    assert_int_equal(want.leaked, 0);
    assert_true(want.rc == 0 || want.rc == 1);
    assert_true(want.made > 0);
    points_swept += want.made;
    for (sticky = 0; sticky < 2; sticky++) {
        for (nth = 1;; nth++) {
            run_once(args, nth, sticky, &got);
            if (got.leaked != 0)
                fail_msg("allocation %lu%s: %ld blocks leaked", nth,
                         sticky ? " on" : "", got.leaked);
            if (temp_left())
                fail_msg("allocation %lu: a temporary file left", nth);
            if (got.made < nth) {
                /* no failure happened: the run is the plain one */
                if (!same_output(&got, &want))
                    fail_msg("no failure, yet exit %d (not %d), stdout "
                             "\"%.300s\" (not \"%.300s\")",
                             got.rc, want.rc, got.out ? got.out : "",
                             want.out ? want.out : "");
                outcome_release(&got);
                break;
            }
            /* a best-effort step may do without; else a clean failure */
            if (!same_output(&got, &want))
                check_clean_failure(&got, &want, nth);
            outcome_release(&got);
        }
    }
    outcome_release(&want);
}

static void test_oom_cli_show(void **state)
{
    static const char *const text[] = {"show", snap_a, NULL};
    static const char *const json[] = {"show", "--json", "--type",
                                       "event", snap_a, NULL};
    static const char *const sum[] = {"show", "--summary", snap_b, NULL};
    static const char *const access[] = {"show", "--access", snap_a, NULL};
    static const char *const one[] = {"show", "--handle", "0x14", snap_a,
                                      NULL};
    static const char *const name[] = {"show", "--summary", "--name",
                                       "temp", snap_b, NULL};
    static const char *const name_json[] = {"show", "--json", "--name",
                                            "*.log", snap_b, NULL};

    (void)state;
    sweep(text);
    sweep(json);
    sweep(sum);
    sweep(access);
    sweep(one);
    sweep(name);
    sweep(name_json);
}

static void test_oom_cli_show_dump(void **state)
{
    static const char *const text[] = {"show", dump1, NULL};
    static const char *const json[] = {"show", "--json", dump2, NULL};
    static const char *const one[] = {"show", "--json", "--handle", "0x20",
                                      dump1, NULL};

    (void)state;
    sweep(text);
    sweep(json);
    sweep(one);
}

static void test_oom_cli_diff(void **state)
{
    static const char *const text[] = {"diff", snap_a, snap_b, NULL};
    static const char *const json[] = {"diff", "--json", "--ignore",
                                       "Key:*", snap_a, snap_b, NULL};
    static const char *const gates[] = {
        "diff", "--csv", "--ignore-file", ignore_file, "--fail-on-new",
        "0", "--junit", junit, "--sarif", sarif, snap_a, snap_b, NULL};
    static const char *const dumps[] = {"diff", dump1, dump2, NULL};
    static const char *const values[] = {"diff", "--all-values", snap_b,
                                         snap_a, NULL};

    (void)state;
    sweep(text);
    sweep(values);
    sweep(json);
    sweep(gates);
    sweep(dumps);
}

static void test_oom_cli_system(void **state)
{
    static const char *const show[] = {"show", sys_a, NULL};
    static const char *const show_json[] = {"show", "--json", "--type",
                                            "event", sys_b, NULL};
    static const char *const text[] = {"diff", "--fail-on-new", "0", sys_a,
                                       sys_b, NULL};
    /* no --fail-on TYPE=N: its parser cuts the argument in place, and
     * the sweep runs one argv many times */
    static const char *const json[] = {"diff", "--json", "--fail-on-new",
                                       "100", sys_a, sys_b, NULL};
    static const char *const csv[] = {"diff", "--csv", sys_a, sys_b, NULL};
    /* with names: the name groups shown and compared */
    static const char *const names[] = {"show", sys_na, NULL};
    static const char *const names_json[] = {"show", "--json", sys_na, NULL};
    static const char *const names_diff[] = {"diff", "--fail-on-new", "0",
                                             sys_na, sys_nb, NULL};
    static const char *const names_djson[] = {"diff", "--json", sys_na,
                                              sys_nb, NULL};
    static const char *const ci[] = {"diff", "--fail-on-new", "0", "--junit",
                                     junit, "--sarif", sarif, sys_a, sys_b,
                                     NULL};
    static const char *const ci_ungated[] = {"diff", "--junit", junit,
                                             "--sarif", sarif, sys_a,
                                             sys_b, NULL};

    (void)state;
    sweep(names);
    sweep(names_json);
    sweep(names_diff);
    sweep(names_djson);
    sweep(ci);
    sweep(ci_ungated);
    sweep(show);
    sweep(show_json);
    sweep(text);
    sweep(json);
    sweep(csv);
}

static void test_oom_cli_convert(void **state)
{
    static const char *const dump[] = {"convert", dump1, "-o", out_snap,
                                       NULL};
    static const char *const snap[] = {"convert", snap_b, "-o", out_snap,
                                       NULL};

    (void)state;
    sweep(dump);
    sweep(snap);
}

/* The console layer (on Windows: the UTF-8 command line) fails cleanly
 * and gives back what it took. */
static void test_oom_cli_console_init(void **state)
{
    unsigned long nth, made;
    char *args[] = {"hleak", "show", NULL};
    char **argv;
    int argc, err;
    long live = hl__alloc_live();

    (void)state;
    for (nth = 1;; nth++) {
        argc = 2;
        argv = args;
        hl__alloc_fail_at(nth, 0);
        err = hl__console_init(&argc, &argv);
        made = hl__alloc_fail_at(0, 0);
        if (err == 0)
            hl__console_close();
        assert_int_equal(hl__alloc_live(), live);
        if (made < nth) {
            assert_int_equal(err, 0);
            break;
        }
        assert_int_equal(err, HL_ENOMEM);
        points_swept++;
    }
}

/* The second snapshot: the first later, with more handles and one gone. */
/* snapshot --details facts on the sample's Event, File, Key and Mutant,
 * so reading and showing them is swept too. */
static void add_details(struct hl_snapshot *s)
{
    const struct hl_details d[] = {
        {HL_DETAILS_EVENT, HL_DETAILS_BASIC, 0, 1, 0, 0, 0},
        {HL_DETAILS_FILE, HL_DETAILS_BASIC | HL_DETAILS_MORE, 7, 0x20, 0, 0,
         0},
        {HL_DETAILS_KEY, HL_DETAILS_BASIC, 134406676530000000ll, 0, 0, 0, 0},
        {HL_DETAILS_MUTANT, HL_DETAILS_MORE, 0, 0, 12, 34, 0},
    };
    const size_t at[] = {0, 4, 5, 6};
    size_t i;

    for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        assert_int_equal(hl_snapshot_set_details(s, at[i], &d[i]), 0);
        assert_int_equal(hl_snapshot_set_counts(s, at[i], 2, 65537), 0);
    }
}

static int grow(struct hl_snapshot *s)
{
    struct hl_handle h;
    uint32_t i;
    int err;

    memset(&h, 0, sizeof(h));
    h.granted_access = 0x1f0003;
    err = hl_snapshot_intern(s, "Event", &h.type);
    for (i = 0; i < 5 && err == 0; i++) {
        h.value = 0x400 + 4 * i;
        err = hl_snapshot_add(s, &h);
    }
    if (err == 0)
        err = hl_snapshot_intern(s, "C:\\temp\\log-17.txt", &h.name);
    if (err == 0)
        err = hl_snapshot_intern(s, "File", &h.type);
    h.value = 0x500;
    if (err == 0)
        err = hl_snapshot_add(s, &h);
    return err;
}

static void save_system(const char *variant, const char *path)
{
    struct hl_system *sys;

    assert_int_equal(hl_test_system(variant, &sys), 0);
    assert_int_equal(hl_system_save(sys, path), 0);
    hl_system_free(sys);
}

static int setup(void **state)
{
    static const char ignore[] = "# test\nKey:*\nFile:C:\\Windows\\*\n";
    const char *fixtures = getenv("HL_FIXTURES");
    struct hl_snapshot s;

    (void)state;
    assert_non_null(fixtures);
    base = hl_test_temp_file(NULL, 0);
    assert_non_null(base);
    path_join(snap_a, sizeof(snap_a), ".a.snap");
    path_join(snap_b, sizeof(snap_b), ".b.snap");
    path_join(ignore_file, sizeof(ignore_file), ".ignore");
    path_join(out_snap, sizeof(out_snap), ".out.snap");
    path_join(junit, sizeof(junit), ".junit.xml");
    path_join(sarif, sizeof(sarif), ".sarif");
    path_join(out_path, sizeof(out_path), ".stdout");
    path_join(err_path, sizeof(err_path), ".stderr");
    snprintf(dump1, sizeof(dump1), "%s/leaky-1.dmp", fixtures);
    snprintf(dump2, sizeof(dump2), "%s/leaky-2.dmp", fixtures);
    assert_int_equal(hl_snapshot_init(&s), 0);
    assert_int_equal(hl_test_sample_snapshot(&s), 0);
    add_details(&s);
    assert_int_equal(hl_snapfile_write(snap_a, &s), 0);
    assert_int_equal(grow(&s), 0);
    assert_int_equal(hl_snapfile_write(snap_b, &s), 0);
    hl_snapshot_release(&s);
    path_join(sys_a, sizeof(sys_a), ".sys-a.snap");
    path_join(sys_b, sizeof(sys_b), ".sys-b.snap");
    save_system("sysa", sys_a);
    save_system("sysb", sys_b);
    path_join(sys_na, sizeof(sys_na), ".sys-na.snap");
    path_join(sys_nb, sizeof(sys_nb), ".sys-nb.snap");
    save_system("sysna", sys_na);
    save_system("sysnb", sys_nb);
    {
        FILE *f = fopen(ignore_file, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(ignore, 1, sizeof(ignore) - 1, f),
                         sizeof(ignore) - 1);
        assert_int_equal(fclose(f), 0);
    }
    return 0;
}

static int teardown(void **state)
{
    const char *files[] = {snap_a, snap_b, sys_a, sys_b, sys_na, sys_nb,
                           ignore_file,
                           out_snap, junit, sarif, out_path, err_path, base};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        remove(files[i]);
    free(base);
    printf("oom sweep: %lu allocation points, %lu runs\n", points_swept,
           runs_made);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_cli_console_init),
        cmocka_unit_test(test_oom_cli_show),
        cmocka_unit_test(test_oom_cli_show_dump),
        cmocka_unit_test(test_oom_cli_diff),
        cmocka_unit_test(test_oom_cli_convert),
        cmocka_unit_test(test_oom_cli_system),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
