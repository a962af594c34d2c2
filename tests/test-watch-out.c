#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "watch.h"
#include "testutil.h"

/* 2026-01-02T03:04:05Z as a FILETIME */
#define T0 134117966450000000ull

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;

    while ((hay = strstr(hay, needle)) != NULL) {
        n++;
        hay += strlen(needle);
    }
    return n;
}

/* Event grows by 5 a sample, Key is constant, "a,b" appears at sample 2. */
static void fill(struct hl_watch *w, size_t n)
{
    const char *names[3] = {"Key", "Event", "a,b"};
    uint32_t counts[3];
    size_t s;

    for (s = 0; s < n; s++) {
        counts[0] = 7;
        counts[1] = 10 + 5 * (uint32_t)s;
        counts[2] = 1;
        assert_int_equal(hl_watch_add(w, 0.5 * s, T0 + s * 5000000ull,
                                      names, counts, s >= 2 ? 3 : 2),
                         0);
    }
}

static void test_watch_add_sorts_and_backfills(void **state)
{
    struct hl_watch w;

    (void)state;
    hl_watch_init(&w);
    fill(&w, 4);
    assert_int_equal(w.nsamples, 4);
    assert_int_equal(w.ntypes, 3);
    assert_string_equal(w.types[0].name, "Event");
    assert_string_equal(w.types[1].name, "Key");
    assert_string_equal(w.types[2].name, "a,b");
    assert_int_equal(w.types[2].count[0], 0);
    assert_int_equal(w.types[2].count[1], 0);
    assert_int_equal(w.types[2].count[2], 1);
    assert_int_equal(w.types[0].count[3], 25);
    assert_int_equal(w.total[0], 17);
    assert_int_equal(w.total[3], 33);
    hl_watch_release(&w);
}

static void test_watch_add_rejects_bad_samples(void **state)
{
    const char *dup[2] = {"Event", "Event"};
    uint32_t counts[2] = {1, 2};
    struct hl_watch w;

    (void)state;
    hl_watch_init(&w);
    fill(&w, 3);
    assert_int_equal(hl_watch_add(&w, 1.0, T0, dup, counts, 1), HL_EINVAL);
    assert_int_equal(hl_watch_add(&w, 0.5, T0, dup, counts, 1), HL_EINVAL);
    assert_int_equal(hl_watch_add(&w, 9.0, T0, dup, counts, 2), HL_EINVAL);
    assert_int_equal(w.nsamples, 3);
    assert_int_equal(w.ntypes, 3);
    hl_watch_release(&w);
}

static void test_watch_trend_per_type(void **state)
{
    struct hl_trend tr;
    struct hl_watch w;

    (void)state;
    hl_watch_init(&w);
    fill(&w, 13);
    assert_int_equal(hl_watch_trend(&w, 0, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_GROWING);
    assert_true(tr.slope > 599.99 && tr.slope < 600.01);
    assert_int_equal(hl_watch_trend(&w, 1, &tr), 0);
    assert_int_equal(tr.cls, HL_TREND_STABLE);
    assert_int_equal(hl_watch_trend(&w, 3, &tr), HL_EINVAL);
    hl_watch_release(&w);
}

static void test_watch_csv_exact(void **state)
{
    static const char want[] =
        "time,elapsed_s,total,Event,Key,\"a,b\"\r\n"
        "2026-01-02T03:04:05.000Z,0.000,17,10,7,0\r\n"
        "2026-01-02T03:04:05.500Z,0.500,22,15,7,0\r\n"
        "2026-01-02T03:04:06.000Z,1.000,28,20,7,1\r\n";
    struct hl_watch w;
    char *csv;
    size_t len;

    (void)state;
    hl_watch_init(&w);
    fill(&w, 3);
    assert_int_equal(hl_watch_csv(&w, &csv, &len), 0);
    assert_string_equal(csv, want);
    assert_int_equal(len, strlen(want));
    hl_free(csv);
    hl_watch_release(&w);
}

static void test_watch_csv_quotes_names(void **state)
{
    const char *names[1] = {"say \"hi\""};
    uint32_t one = 1;
    struct hl_watch w;
    char *csv;
    size_t len;

    (void)state;
    hl_watch_init(&w);
    assert_int_equal(hl_watch_add(&w, 0, T0, names, &one, 1), 0);
    assert_int_equal(hl_watch_csv(&w, &csv, &len), 0);
    assert_non_null(strstr(csv, ",\"say \"\"hi\"\"\"\r\n"));
    hl_free(csv);
    hl_watch_release(&w);
}

static void test_watch_svg_structure(void **state)
{
    const char *odd[4] = {"Key", "Event", "a,b", "<&\">"};
    uint32_t more[4] = {7, 75, 1, 3};
    struct hl_watch w;
    char *svg, *again, *p, *end;
    size_t len, len2, points;

    (void)state;
    hl_watch_init(&w);
    fill(&w, 13);
    assert_int_equal(hl_watch_add(&w, 6.5, T0, odd, more, 4), 0);
    assert_int_equal(hl_watch_svg(&w, "pid 12 <app>", &svg, &len), 0);
    assert_int_equal(strlen(svg), len);
    assert_true(strncmp(svg, "<?xml version=\"1.0\"", 19) == 0);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_true(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0);
    assert_non_null(strstr(svg, "<title>pid 12 &lt;app&gt;</title>"));
    /* one polyline per type, each with a point per sample */
    assert_int_equal(count_str(svg, "<polyline "), 4);
    assert_non_null(strstr(svg, "data-type=\"&lt;&amp;&quot;&gt;\""));
    assert_null(strstr(svg, "<&"));
    p = strstr(svg, "data-type=\"Event\"");
    assert_non_null(p);
    p = strstr(p, "points=\"");
    assert_non_null(p);
    end = strchr(p + 8, '"');
    for (points = 1; (p = strchr(p, ' ')) != NULL && p < end; p++)
        points++;
    assert_int_equal(points, 14);
    /* axes, tick labels, axis labels and a legend with verdicts */
    assert_non_null(strstr(svg, "class=\"axes\""));
    assert_non_null(strstr(svg, ">seconds since start</text>"));
    assert_non_null(strstr(svg, ">handles</text>"));
    assert_non_null(strstr(svg, ">Event: growing +"));
    assert_non_null(strstr(svg, ">Key: stable</text>"));
    /* the count axis runs to a round number past the maximum, 75 */
    assert_non_null(strstr(svg, ">80</text>"));
    assert_int_equal(hl_watch_svg(&w, "pid 12 <app>", &again, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(svg, again, len);
    hl_free(again);
    hl_free(svg);
    hl_watch_release(&w);
}

static void test_watch_svg_empty_is_valid(void **state)
{
    struct hl_watch w;
    char *svg;
    size_t len;

    (void)state;
    hl_watch_init(&w);
    assert_int_equal(hl_watch_svg(&w, NULL, &svg, &len), 0);
    assert_int_equal(count_str(svg, "<polyline "), 0);
    assert_non_null(strstr(svg, "</svg>"));
    hl_free(svg);
    hl_watch_release(&w);
}

static void test_watch_oom(void **state)
{
    struct hl_watch w;
    unsigned long n;
    char *out;
    size_t len, s;
    int err, done;

    (void)state;
    /* every allocation of adding 20 samples, then writing both files */
    for (n = 1, done = 0; !done; n++) {
        const char *names[3] = {"Key", "Event", "File"};
        uint32_t counts[3] = {1, 2, 3};

        hl_watch_init(&w);
        hl__alloc_fail_at(n, 0);
        err = 0;
        for (s = 0; s < 20 && err == 0; s++)
            err = hl_watch_add(&w, (double)s, T0, names, counts,
                               1 + s % 3);
        if (err == 0) {
            err = hl_watch_csv(&w, &out, &len);
            if (err == 0)
                hl_free(out);
        }
        if (err == 0) {
            err = hl_watch_svg(&w, NULL, &out, &len);
            if (err == 0)
                hl_free(out);
        }
        done = hl__alloc_fail_at(0, 0) < n;
        if (!done)
            assert_int_equal(err, HL_ENOMEM);
        else
            assert_int_equal(err, 0);
        /* what was added before the failure is intact */
        for (s = 0; s < w.nsamples; s++)
            assert_true(w.t[s] == (double)s);
        hl_watch_release(&w);
    }
    assert_true(n > 10);
}

/* The file's bytes, read as another program would while the log still
 * holds it open for writing (stdio shares it; hl__fs_read does not). */
static char *read_shared(const char *path, size_t *len)
{
    static char buf[8192];
    FILE *f = fopen(path, "rb");

    assert_non_null(f);
    *len = fread(buf, 1, sizeof(buf), f);
    assert_true(*len < sizeof(buf));
    fclose(f);
    return buf;
}

/* The file at path is exactly what hl_watch_csv() makes of w. */
static void assert_file_is_csv(const char *path, const struct hl_watch *w)
{
    size_t got_len, len;
    char *csv, *got;

    assert_int_equal(hl_watch_csv(w, &csv, &len), 0);
    got = read_shared(path, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, csv, len);
    hl_free(csv);
}

static void test_watch_log_streams_rows(void **state)
{
    struct hl_watch_log *log;
    struct hl_watch w, grown;
    size_t n, got_len;
    char *path;

    (void)state;
    path = hl_test_temp_file("old", 3);
    assert_non_null(path);
    assert_int_equal(hl_watch_log_open(path, &log), 0);
    hl_watch_init(&w);
    /* no sample yet: the old file stands */
    assert_int_equal(hl_watch_log_update(log, &w), 0);
    assert_memory_equal(read_shared(path, &got_len), "old", 3);
    assert_int_equal(got_len, 3);
    /* fill() adds the type "a,b" at the third sample: the header widens
     * and the file is written anew, then appended to again */
    for (n = 1; n <= 6; n++) {
        hl_watch_init(&grown);
        fill(&grown, n);
        assert_int_equal(hl_watch_log_update(log, &grown), 0);
        assert_file_is_csv(path, &grown);
        /* nothing new: nothing written */
        assert_int_equal(hl_watch_log_update(log, &grown), 0);
        assert_file_is_csv(path, &grown);
        hl_watch_release(&w);
        w = grown;
    }
    assert_int_equal(hl_watch_log_close(log), 0);
    assert_file_is_csv(path, &w);
    assert_int_equal(hl_watch_log_close(NULL), 0);
    hl_watch_release(&w);
    remove(path);
    free(path);
}

static void test_watch_log_checks_the_path_first(void **state)
{
    struct hl_watch_log *log = NULL;
    char *path, *bad, *slash;

    (void)state;
    path = hl_test_temp_file("", 0);
    assert_non_null(path);
    /* a folder that does not exist */
    bad = hl_test_path_plus(path, ".d/x.csv");
    assert_non_null(bad);
    assert_int_equal(hl_watch_log_open(bad, &log), HL_ENOENT);
    /* a folder in the way of the file */
    bad[strlen(path)] = '\0';
    slash = strrchr(bad, '/');
    assert_non_null(slash);
    *slash = '\0';
    assert_int_equal(hl_watch_log_open(bad, &log), HL_EACCES);
    assert_null(log);
    /* the check leaves nothing behind beside a good path */
    assert_int_equal(hl_watch_log_open(path, &log), 0);
    assert_int_equal(hl_watch_log_close(log), 0);
    remove(path);
    free(bad);
    free(path);
}

static void test_watch_log_oom(void **state)
{
    struct hl_watch_log *log;
    struct hl_watch w[4];
    unsigned long n;
    char *path;
    size_t i;
    int err, done;

    (void)state;
    path = hl_test_temp_file("", 0);
    assert_non_null(path);
    /* 2 to 5 samples: appends, and the rewrite for the new type */
    for (i = 0; i < 4; i++) {
        hl_watch_init(&w[i]);
        fill(&w[i], i + 2);
    }
    for (n = 1, done = 0; !done; n++) {
        log = NULL;
        hl__alloc_fail_at(n, 0);
        err = hl_watch_log_open(path, &log);
        for (i = 0; i < 4 && err == 0; i++)
            err = hl_watch_log_update(log, &w[i]);
        done = hl__alloc_fail_at(0, 0) < n;
        assert_int_equal(hl_watch_log_close(log), 0);
        assert_int_equal(err, done ? 0 : HL_ENOMEM);
    }
    assert_true(n > 5);
    assert_file_is_csv(path, &w[3]);
    for (i = 0; i < 4; i++)
        hl_watch_release(&w[i]);
    remove(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_add_sorts_and_backfills),
        cmocka_unit_test(test_watch_add_rejects_bad_samples),
        cmocka_unit_test(test_watch_trend_per_type),
        cmocka_unit_test(test_watch_csv_exact),
        cmocka_unit_test(test_watch_csv_quotes_names),
        cmocka_unit_test(test_watch_svg_structure),
        cmocka_unit_test(test_watch_svg_empty_is_valid),
        cmocka_unit_test(test_watch_oom),
        cmocka_unit_test(test_watch_log_streams_rows),
        cmocka_unit_test(test_watch_log_checks_the_path_first),
        cmocka_unit_test(test_watch_log_oom),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
