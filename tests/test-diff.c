#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "diff-int.h"
#include "testutil.h"

#define EV 0x1f0003u

static void snap_new(struct hl_snapshot *s, uint64_t pid, uint64_t start)
{
    assert_int_equal(hl_snapshot_init(s), 0);
    s->pid = pid;
    s->start_time = start;
}

static void add(struct hl_snapshot *s, uint64_t value, const char *type,
                const char *name, uint32_t access)
{
    assert_int_equal(
        hl_test_add(s, (uint32_t)value, type, name, name, access), 0);
}

static const struct hl_diff_group *find(const struct hl_diff *d, int opened,
                                        const char *type, const char *name)
{
    const struct hl_diff_group *g = opened ? d->opened : d->closed;
    size_t i, n = opened ? d->nopened : d->nclosed;

    for (i = 0; i < n; i++) {
        if (strcmp(hl_diff_str(d, g[i].type), type) == 0 &&
            strcmp(hl_diff_str(d, g[i].name), name) == 0)
            return &g[i];
    }
    return NULL;
}

static void test_diff_identity_reused_values(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;
    const struct hl_diff_group *g;

    (void)state;
    snap_new(&a, 100, 555);
    snap_new(&b, 100, 555);
    add(&a, 4, "Event", "", EV);
    add(&a, 8, "Event", "", EV);
    add(&a, 12, "Key", "HKLM\\SOFTWARE\\a", 0x20019);
    add(&a, 16, "File", "C:\\x.txt", 0x120089);
    /* 4 stays; 8 is closed and reused by a File; 12 is reused by another
     * key of the same type and access; 16 stays; 20 and 24 are new */
    add(&b, 4, "Event", "", EV);
    add(&b, 8, "File", "C:\\y.txt", 0x120089);
    add(&b, 12, "Key", "HKLM\\SOFTWARE\\b", 0x20019);
    add(&b, 16, "File", "C:\\x.txt", 0x120089);
    add(&b, 20, "Event", "", EV);
    add(&b, 24, "Event", "", EV);

    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.match, HL_MATCH_IDENTITY);
    assert_int_equal(d.total_opened, 4);
    assert_int_equal(d.total_closed, 2);
    assert_int_equal(d.nopened, 3);
    /* the largest group first */
    assert_string_equal(hl_diff_str(&d, d.opened[0].type), "Event");
    assert_int_equal(d.opened[0].count, 2);
    assert_int_equal(d.opened[0].granted_access, EV);
    assert_int_equal(d.opened[0].nhandles, 2);
    assert_int_equal(d.opened[0].handles[0], 20);
    assert_int_equal(d.opened[0].handles[1], 24);
    g = find(&d, 1, "File", "C:\\y.txt");
    assert_non_null(g);
    assert_int_equal(g->handles[0], 8);
    assert_non_null(find(&d, 1, "Key", "HKLM\\SOFTWARE\\b"));
    g = find(&d, 0, "Event", "");
    assert_non_null(g);
    assert_int_equal(g->count, 1);
    assert_int_equal(g->handles[0], 8);
    assert_non_null(find(&d, 0, "Key", "HKLM\\SOFTWARE\\a"));
    assert_null(find(&d, 0, "File", "C:\\x.txt"));
    assert_int_equal(d.total_before, 4);
    assert_int_equal(d.total_after, 6);
    assert_int_equal(d.gate_failed, 0);
    hl_test_release_diff(&d, &a, &b);
}

static void test_diff_identity_access_and_attributes(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;

    (void)state;
    snap_new(&a, 7, 1);
    snap_new(&b, 7, 1);
    add(&a, 4, "Event", "", EV);
    add(&a, 8, "Event", "", EV);
    add(&b, 4, "Event", "", 0x100000); /* same value, other access */
    add(&b, 8, "Event", "", EV);
    b.handles[1].attributes = 2;        /* now inheritable */
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.total_opened, 2);
    assert_int_equal(d.total_closed, 2);
    /* unnamed handles group by access */
    assert_int_equal(d.nopened, 2);
    hl_test_release_diff(&d, &a, &b);
}

static void test_diff_identity_unreadable_name_still_matches(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;

    (void)state;
    snap_new(&a, 7, 1);
    snap_new(&b, 7, 1);
    add(&a, 4, "File", "C:\\pipe-ish", 0x120089);
    add(&b, 4, "File", "", 0x120089);
    b.handles[0].name_err = HL_NAME_ERR_TIMEOUT;
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.total_opened, 0);
    assert_int_equal(d.total_closed, 0);
    hl_diff_release(&d);

    /* but a different object address is a different object */
    assert_int_equal(hl_snapshot_set_object(&a, 0, 0x1000), 0);
    assert_int_equal(hl_snapshot_set_object(&b, 0, 0x2000), 0);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.total_opened, 1);
    hl_test_release_diff(&d, &a, &b);
}

static void test_diff_by_name_across_processes(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;
    size_t i;

    (void)state;
    snap_new(&a, 100, 1);
    snap_new(&b, 100, 2); /* same pid, another start: another process */
    for (i = 0; i < 5; i++)
        add(&a, 4 + 4 * i, "Event", "", EV);
    add(&a, 100, "Mutant", "m1", 0x1f0001);
    add(&a, 104, "Mutant", "m2", 0x1f0001);
    for (i = 0; i < 8; i++)
        add(&b, 400 + 4 * i, "Event", "", EV);
    add(&b, 500, "Mutant", "m1", 0x1f0001);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.match, HL_MATCH_BY_NAME);
    assert_int_equal(d.nopened, 1);
    assert_int_equal(d.opened[0].count, 3);
    assert_int_equal(d.opened[0].nhandles, 0);
    /* by name, the values are every handle of the group in AFTER */
    assert_int_equal(d.opened[0].nvalues, 8);
    for (i = 0; i < 8; i++)
        assert_int_equal(d.opened[0].values[i], 400 + 4 * i);
    assert_int_equal(d.nclosed, 1);
    assert_string_equal(hl_diff_str(&d, d.closed[0].name), "m2");
    /* and of a closed group, BEFORE's: m1 and m2 share a pattern */
    assert_int_equal(d.closed[0].nvalues, 2);
    assert_int_equal(d.closed[0].values[0], 100);
    assert_int_equal(d.closed[0].values[1], 104);
    assert_int_equal(d.ntypes, 2);
    assert_string_equal(hl_diff_str(&d, d.types[0].type), "Event");
    assert_int_equal(d.types[0].before, 5);
    assert_int_equal(d.types[0].after, 8);
    assert_string_equal(hl_diff_str(&d, d.types[1].type), "Mutant");
    hl_test_release_diff(&d, &a, &b);
}

static void test_diff_named_group_mixed_access(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;

    (void)state;
    snap_new(&a, 1, 1);
    snap_new(&b, 1, 1);
    add(&b, 4, "File", "C:\\log.txt", 0x120089);
    add(&b, 8, "File", "C:\\log.txt", 0x12019f);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.nopened, 1);
    assert_int_equal(d.opened[0].count, 2);
    assert_int_equal(d.opened[0].access_mixed, 1);
    hl_test_release_diff(&d, &a, &b);
}

/* 3 unnamed events, 2 font files and 1 key opened */
static void gate_fixture(struct hl_snapshot *a, struct hl_snapshot *b)
{
    snap_new(a, 1, 1);
    snap_new(b, 1, 1);
    add(b, 4, "Event", "", EV);
    add(b, 8, "Event", "", EV);
    add(b, 12, "Event", "", EV);
    add(b, 16, "File", "C:\\Windows\\Fonts\\arial.ttf", 0x120089);
    add(b, 20, "File", "C:\\WINDOWS\\fonts\\times.ttf", 0x120089);
    add(b, 24, "Key", "HKLM\\SOFTWARE\\x", 0x20019);
}

static void test_diff_ignore_patterns(void **state)
{
    struct hl_snapshot a, b;
    struct hl_patterns ig;
    struct hl_diff_opts o;
    struct hl_diff d;

    (void)state;
    gate_fixture(&a, &b);
    hl_patterns_init(&ig);
    assert_int_equal(hl_patterns_add(&ig, "File:C:\\Windows\\Fonts\\*"), 0);
    assert_int_equal(hl_patterns_add(&ig, "key:*"), 0);
    memset(&o, 0, sizeof(o));
    o.ignores = &ig;
    o.fail_on_new = 1;
    o.fail_on_new_max = 3;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.total_opened, 3);
    assert_int_equal(d.ignored_opened, 3);
    assert_int_equal(d.nopened, 1);
    assert_int_equal(d.gate_failed, 0);
    hl_diff_release(&d);

    o.fail_on_new_max = 2;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.gate_failed, 1);
    assert_int_equal(d.nreasons, 1);
    assert_string_equal(d.reasons[0], "3 handles opened and still open; at "
                                      "most 2 allowed");
    hl_diff_release(&d);
    hl_patterns_release(&ig);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
}

static void test_diff_gate_per_type(void **state)
{
    struct hl_snapshot a, b;
    struct hl_type_limit lim[2] = {{"event", 3}, {"File", 1}};
    struct hl_diff_opts o;
    struct hl_diff d;

    (void)state;
    gate_fixture(&a, &b);
    memset(&o, 0, sizeof(o));
    o.fail_on = lim;
    o.nfail_on = 1;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.gate_failed, 0);
    hl_diff_release(&d);

    o.nfail_on = 2;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.gate_failed, 1);
    assert_int_equal(d.nreasons, 1);
    assert_string_equal(d.reasons[0], "File: 2 handles opened and still "
                                      "open; at most 1 allowed");
    hl_diff_release(&d);

    lim[0].max = 2;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.nreasons, 2);
    hl_test_release_diff(&d, &a, &b);
}

static char *render(const struct hl_diff *d, const struct hl_snapshot *a,
                    const struct hl_snapshot *b, int kind)
{
    struct hl_diff_report_opts ro = {0, 0, 0};
    FILE *f = tmpfile();
    char *buf;

    assert_non_null(f);
    if (kind == 0)
        assert_int_equal(hl_diff_text(f, d, a, b, &ro), 0);
    else if (kind == 1)
        assert_int_equal(hl_diff_json(f, d, a, b), 0);
    else
        assert_int_equal(hl_diff_csv(f, d), 0);
    buf = hl_test_slurp(f);
    assert_non_null(buf);
    return buf;
}

/* The report of kind (as render()) holds every string of has. */
static void expect_report(const struct hl_diff *d, const struct hl_snapshot *a,
                          const struct hl_snapshot *b, int kind,
                          const char *const *has)
{
    assert_string_equal(hl_test_text_take(render(d, a, b, kind), has, NULL),
                        "");
}

static void test_diff_reports_escape_awkward_names(void **state)
{
    static const char awkward[] = "C:\\a \"b\",c\\\xc3\xa9\xe2\x82\xac.txt";
    struct hl_snapshot a, b;
    struct hl_diff d;
    char *t;

    (void)state;
    snap_new(&a, 1, 1);
    snap_new(&b, 1, 1);
    add(&b, 4, "File", awkward, 0x120089);
    add(&b, 8, "Event", "", EV);
    add(&b, 12, "Event", "", EV);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);

    t = render(&d, &a, &b, 1);
    assert_non_null(strstr(t, "\"name\": \"C:\\\\a \\\"b\\\",c\\\\"
                              "\xc3\xa9\xe2\x82\xac.txt\""));
    assert_non_null(strstr(t, "\"match\": \"identity\""));
    assert_non_null(strstr(t, "{\"type\": \"Event\", \"name\": \"\", "
                              "\"pattern\": \"\", \"names\": [], "
                              "\"granted_access\": 2031619, "
                              "\"granted_access_names\": [\"Delete\", "
                              "\"ReadControl\", \"WriteDac\", "
                              "\"WriteOwner\", \"Synch\", \"QueryState\", "
                              "\"ModifyState\"], "
                              "\"access_mixed\": false, \"count\": 2, "
                              "\"handles\": [8, 12], \"values\": [8, 12], \"stack\": null}"));
    assert_non_null(strstr(t, "\"totals\": {\"before\": 0, \"after\": 3, "
                              "\"opened\": 3, \"closed\": 0"));
    assert_non_null(strstr(t, "\"gate\": {\"failed\": false, \"reasons\": "
                              "[]}"));
    free(t);

    t = render(&d, &a, &b, 2);
    assert_non_null(strstr(t, "change,type,name,pattern,granted_access,"
                              "count,distinct_names,handles,stack\r\n"));
    assert_non_null(strstr(t, "opened,Event,,,0x001f0003,2,0,8 12,\r\n"));
    assert_non_null(strstr(t, "opened,File,\"C:\\a \"\"b\"\",c\\\xc3\xa9"
                              "\xe2\x82\xac.txt\",\"C:\\a \"\"b\"\",c\\"
                              "\xc3\xa9\xe2\x82\xac.txt\",0x00120089,1,1,4,"
                              "\r\n"));
    free(t);

    t = render(&d, &a, &b, 0);
    assert_non_null(strstr(t, "opened and still open: 3 handles in 2 "
                              "groups\n"));
    assert_non_null(strstr(t, "         2  Event  0x001f0003  <unnamed>\n"));
    assert_non_null(strstr(t, "verdict: 3 handles opened and still open, "
                              "0 closed\n"));
    free(t);
    hl_test_release_diff(&d, &a, &b);
}

/* A failed diff has no opened groups and no reasons. */
static int opened_clean(const struct hl_diff *d)
{
    return d->opened == NULL && d->nreasons == 0;
}

static void test_diff_oom_fails_cleanly(void **state)
{
    struct hl_snapshot a, b;
    struct hl_patterns ig;
    struct hl_diff_opts o;
    struct hl_diff d;
    unsigned long n;

    (void)state;
    gate_fixture(&a, &b);
    add(&a, 12, "Event", "", EV);
    add(&a, 40, "Key", "HKCU\\gone", 0x20019);
    hl_patterns_init(&ig);
    assert_int_equal(hl_patterns_add(&ig, "Key:*"), 0);
    memset(&o, 0, sizeof(o));
    o.ignores = &ig;
    o.fail_on_new = 1;
    n = hl_test_diff_oom(&a, &b, &o, &d, opened_clean);
    assert_true(n > 5);
    assert_int_equal(d.total_opened, 4);
    assert_int_equal(d.ignored_opened, 1);
    assert_int_equal(d.ignored_closed, 1);
    hl_diff_release(&d);
    hl_patterns_release(&ig);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
}

static void test_diff_duplicate_values_match_one_to_one(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;

    (void)state;
    /* a damaged or hand-made file may repeat a value: never match twice */
    snap_new(&a, 1, 1);
    snap_new(&b, 1, 1);
    add(&a, 4, "Event", "", EV);
    add(&a, 4, "Event", "", EV);
    add(&b, 4, "Event", "", EV);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.total_opened, 0);
    assert_int_equal(d.total_closed, 1);
    hl_test_release_diff(&d, &a, &b);
}

static void test_diff_groups_by_name_pattern(void **state)
{
    struct hl_snapshot a, b;
    struct hl_patterns ig;
    struct hl_diff_opts o;
    struct hl_diff d;
    char name[64];
    size_t i;

    (void)state;
    snap_new(&a, 5, 5);
    snap_new(&b, 5, 5);
    /* a temp file per request: 30 names, 2 of them twice */
    for (i = 0; i < 32; i++) {
        snprintf(name, sizeof(name), "C:\\Temp\\req-%u.tmp",
                 (unsigned)(1800 + (i < 30 ? i : i - 30)));
        add(&b, 4 * (i + 1), "File", name, 0x120089);
    }
    add(&b, 400, "File", "C:\\other.log", 0x120089);
    memset(&o, 0, sizeof(o));
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.nopened, 2);
    assert_int_equal(d.opened[0].count, 32);
    assert_int_equal(d.opened[0].nnames, 30);
    assert_string_equal(hl_diff_str(&d, d.opened[0].name),
                        "C:\\Temp\\req-{n}.tmp");
    assert_string_equal(hl_diff_str(&d, d.opened[0].pattern),
                        "C:\\Temp\\req-{n}.tmp");
    /* the names that repeat come first */
    assert_int_equal(d.opened[0].names[0].count, 2);
    assert_int_equal(d.opened[0].names[1].count, 2);
    assert_int_equal(d.opened[0].names[2].count, 1);
    assert_string_equal(hl_diff_str(&d, d.opened[0].names[0].name),
                        "C:\\Temp\\req-1800.tmp");
    assert_int_equal(d.opened[0].nhandles, 32);
    for (i = 1; i < 32; i++)
        assert_true(d.opened[0].handles[i - 1] < d.opened[0].handles[i]);
    /* a group of one shows its exact name */
    assert_string_equal(hl_diff_str(&d, d.opened[1].name), "C:\\other.log");
    assert_int_equal(d.opened[1].nnames, 1);
    hl_diff_release(&d);

    o.exact_names = 1;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.nopened, 31);
    assert_int_equal(d.opened[0].count, 2);
    assert_string_equal(hl_diff_str(&d, d.opened[0].pattern),
                        "C:\\Temp\\req-{n}.tmp");
    hl_diff_release(&d);

    /* ignore patterns see exact names, before grouping */
    hl_patterns_init(&ig);
    assert_int_equal(hl_patterns_add(&ig, "File:*\\req-18?5.tmp"), 0);
    o.exact_names = 0;
    o.ignores = &ig;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.opened[0].count, 29);
    assert_int_equal(d.ignored_opened, 3);
    hl_diff_release(&d);
    hl_patterns_release(&ig);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
}

/* Collectors list handles sorted by value (the merge path); any other
 * order takes the hash path: both must give the same diff. */
static void test_diff_unsorted_input_same_result(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d1, d2;
    size_t i;

    (void)state;
    snap_new(&a, 9, 9);
    snap_new(&b, 9, 9);
    for (i = 0; i < 200; i++) {
        add(&a, 4 * (i + 1), i % 3 ? "Event" : "File", i % 3 ? "" : "C:\\f",
            EV);
        /* every 7th value reused by a Key, 50 new handles */
        if (i % 7 == 0)
            add(&b, 4 * (i + 1), "Key", "HKCU\\k", 0x20019);
        else
            add(&b, 4 * (i + 1), i % 3 ? "Event" : "File",
                i % 3 ? "" : "C:\\f", EV);
    }
    for (i = 0; i < 50; i++)
        add(&b, 4000 + 4 * i, "Event", "", EV);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d1), 0);
    /* reverse both lists */
    for (i = 0; i < a.count / 2; i++) {
        struct hl_handle t = a.handles[i];

        a.handles[i] = a.handles[a.count - 1 - i];
        a.handles[a.count - 1 - i] = t;
    }
    for (i = 0; i < b.count / 2; i++) {
        struct hl_handle t = b.handles[i];

        b.handles[i] = b.handles[b.count - 1 - i];
        b.handles[b.count - 1 - i] = t;
    }
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d2), 0);
    assert_int_equal(d1.total_opened, 29 + 50);
    assert_int_equal(d1.total_closed, 29);
    assert_int_equal(d1.total_opened, d2.total_opened);
    assert_int_equal(d1.total_closed, d2.total_closed);
    assert_int_equal(d1.nopened, d2.nopened);
    for (i = 0; i < d1.nopened; i++) {
        assert_int_equal(d1.opened[i].count, d2.opened[i].count);
        assert_memory_equal(d1.opened[i].handles, d2.opened[i].handles,
                            d1.opened[i].nhandles * sizeof(uint32_t));
    }
    hl_diff_release(&d1);
    hl_diff_release(&d2);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
}

/* Handle value of after's last handle gets an open stack of frames at
 * offsets off[] (0-terminated) from base. */
static void give_stack(struct hl_snapshot *s, uint32_t tid, uint64_t base,
                       const uint32_t *off)
{
    uint64_t frames[16];
    uint32_t n = 0, stack;

    while (off[n] != 0) {
        frames[n] = base + off[n];
        n++;
    }
    assert_int_equal(hl_snapshot_add_stack(s, tid, frames, n, &stack), 0);
    assert_int_equal(hl_snapshot_set_handle_stack(s, s->count - 1, stack), 0);
}

static void test_diff_groups_by_open_stack(void **state)
{
    static const uint32_t site_a[] = { 0x1010, 0x2020, 0 };
    static const uint32_t site_b[] = { 0x3030, 0 };
    const uint64_t base = 0x7ff612340000ull;
    struct hl_snapshot a, b;
    struct hl_diff d;
    static const char *const text[] = {
        "opened at server.exe+0x1010\n"
        "                      server.exe+0x2020\n",
        "opened at server.exe!CServer::GetToken", NULL};
    static const char *const json[] = {
        "\"stack\": [{\"address\": \"0x00007ff612341010\", \"symbol\": "
        "\"server.exe+0x1010\"}, {\"address\": \"0x00007ff612342020\", "
        "\"symbol\": \"server.exe+0x2020\"}]}",
        "\"handles\": [40], \"values\": [40], \"stack\": null}", NULL};
    static const char *const csv[] = {
        ",3,0,8 12 16,server.exe+0x1010;server.exe+0x2020\r\n", NULL};
    int i;

    (void)state;
    snap_new(&a, 100, 555);
    snap_new(&b, 100, 555);
    add(&a, 4, "Event", "", EV);
    add(&b, 4, "Event", "", EV);
    assert_int_equal(hl_snapshot_add_module(&b, "C:\\app\\server.exe", base,
                                            0x10000, 0),
                     0);
    /* three Events from one call site (different threads), two from
     * another, one without a stack */
    for (i = 0; i < 5; i++) {
        add(&b, 8 + 4 * (uint64_t)i, "Event", "", EV);
        give_stack(&b, 10 + (uint32_t)i, base, i < 3 ? site_a : site_b);
    }
    add(&b, 40, "Event", "", EV);
    assert_int_equal(
        hl_snapshot_add_symbol(&b, base + 0x3030,
                               "server.exe!CServer::GetToken+0x30"),
        0);

    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.total_opened, 6);
    assert_int_equal(d.nopened, 3);
    assert_int_equal(d.opened[0].count, 3);
    assert_string_equal(hl_diff_str(&d, d.opened[0].stack),
                        "server.exe+0x1010\nserver.exe+0x2020");
    assert_string_equal(hl_diff_str(&d, d.opened[0].stack_addrs),
                        "0x00007ff612341010\n0x00007ff612342020");
    assert_int_equal(d.opened[0].nhandles, 3);
    assert_int_equal(d.opened[0].handles[2], 16);
    assert_int_equal(d.opened[1].count, 2);
    assert_string_equal(hl_diff_str(&d, d.opened[1].stack),
                        "server.exe!CServer::GetToken+0x30");
    assert_int_equal(d.opened[2].count, 1);
    assert_int_equal(d.opened[2].stack, 0);

    expect_report(&d, &a, &b, 0, text);
    expect_report(&d, &a, &b, 1, json);
    expect_report(&d, &a, &b, 2, csv);
    hl_test_release_diff(&d, &a, &b);
}

static void test_diff_by_name_stacks_match_across_load_addresses(void **state)
{
    static const uint32_t site[] = { 0x1010, 0 };
    struct hl_snapshot a, b;
    struct hl_diff d;
    int i;

    (void)state;
    /* two runs: the module loaded at different addresses (ASLR) */
    snap_new(&a, 100, 555);
    snap_new(&b, 200, 666);
    assert_int_equal(hl_snapshot_add_module(&a, "server.exe", 0x10000000,
                                            0x10000, 0),
                     0);
    assert_int_equal(hl_snapshot_add_module(&b, "server.exe", 0x20000000,
                                            0x10000, 0),
                     0);
    add(&a, 4, "Event", "", EV);
    give_stack(&a, 1, 0x10000000, site);
    for (i = 0; i < 3; i++) {
        add(&b, 4 + 4 * (uint64_t)i, "Event", "", EV);
        give_stack(&b, 1, 0x20000000, site);
    }
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_int_equal(d.match, HL_MATCH_BY_NAME);
    assert_int_equal(d.nopened, 1);
    assert_int_equal(d.opened[0].count, 2);
    assert_string_equal(hl_diff_str(&d, d.opened[0].stack),
                        "server.exe+0x1010");
    hl_test_release_diff(&d, &a, &b);
}

static void run_of(struct hl_snapshot *s, uint64_t pid, size_t nevents,
                   size_t nthreads)
{
    snap_new(s, pid, pid * 1000);
    assert_int_equal(hl_test_run_snapshot(s, pid, nevents, nthreads), 0);
}

static size_t opened_of(const struct hl_diff *d, const char *type)
{
    size_t i, n = 0;

    for (i = 0; i < d->nopened; i++) {
        if (strcmp(hl_diff_str(d, d->opened[i].type), type) == 0)
            n += d->opened[i].count;
    }
    return n;
}

/* Two runs of one program: names that embed the pid or a tid match their
 * counterparts, by pattern and by exact name, and growth counts exactly. */
static void test_diff_two_runs_names_with_ids(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;
    int exact;

    (void)state;
    memset(&o, 0, sizeof(o));
    for (exact = 0; exact < 2; exact++) {
        o.exact_names = exact;
        run_of(&a, 32, 0, 0);
        run_of(&b, 44, 0, 0);
        assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
        assert_int_equal(d.match, HL_MATCH_BY_NAME);
        assert_int_equal(d.total_opened, 0);
        assert_int_equal(d.total_closed, 0);
        hl_diff_release(&d);
        hl_snapshot_release(&b);

        run_of(&b, 44, 7, 3);
        assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
        assert_int_equal(d.total_opened, 10);
        assert_int_equal(opened_of(&d, "Event"), 7);
        assert_int_equal(opened_of(&d, "Thread"), 3);
        assert_int_equal(d.total_closed, 0);
        if (exact)
            assert_non_null(find(&d, 1, "Thread",
                                 "tid {tid} in leaky.exe (pid {pid})"));
        else
            assert_non_null(find(&d, 1, "Thread",
                                 "tid {n} in leaky.exe (pid {n})"));
        hl_diff_release(&d);
        /* the other way round: exactly 7 and 3 closed */
        assert_int_equal(hl_diff_compute(&b, &a, &o, &d), 0);
        assert_int_equal(d.total_opened, 0);
        assert_int_equal(d.total_closed, 10);
        hl_diff_release(&d);
        hl_snapshot_release(&a);
        hl_snapshot_release(&b);
    }
}

/* An ignore pattern matches every form of a name the reports print, and
 * the patterns that match nothing are listed. */
static void test_diff_ignore_printed_forms(void **state)
{
    static const char *const specs[] = {
        "File:C:\\Temp\\req-{n}.tmp", "IoCompletion:<unnamed>",
        "Event:hl-ready", "Mutant:m1", "Key:HKLM\\gone\\*"};
    struct hl_snapshot a, b;
    struct hl_patterns ig;
    struct hl_diff_opts o;
    struct hl_diff d;
    char *txt;
    size_t i;

    (void)state;
    snap_new(&a, 1, 1);
    snap_new(&b, 1, 1);
    add(&a, 4, "Mutant", "m1", 0x1f0001);
    add(&b, 4, "Mutant", "m1", 0x1f0001);
    add(&b, 8, "File", "C:\\Temp\\req-17.tmp", 0x12019f);
    add(&b, 12, "File", "C:\\Temp\\req-18.tmp", 0x12019f);
    add(&b, 16, "IoCompletion", "", 0x1f0003);
    add(&b, 20, "Event", "\\BaseNamedObjects\\hl-ready", EV);
    add(&b, 24, "Event", "\\BaseNamedObjects\\other", EV);
    hl_patterns_init(&ig);
    for (i = 0; i < 5; i++)
        assert_int_equal(hl_patterns_add(&ig, specs[i]), 0);
    memset(&o, 0, sizeof(o));
    o.ignores = &ig;
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.ignored_opened, 4);
    assert_int_equal(d.total_opened, 1);
    assert_non_null(find(&d, 1, "Event", "\\BaseNamedObjects\\other"));
    assert_int_equal(d.nignores, 5);
    assert_int_equal(d.ignore_hits[0], 2);
    assert_int_equal(d.ignore_hits[1], 1);
    assert_int_equal(d.ignore_hits[2], 1);
    /* an unchanged handle, in both snapshots: not a stale pattern */
    assert_int_equal(d.ignore_hits[3], 2);
    assert_int_equal(d.ignore_hits[4], 0);
    txt = render(&d, &a, &b, 0);
    assert_non_null(strstr(txt, "\nwarning: 1 ignore pattern matched no "
                                "handle in either snapshot\n"
                                "    Key:HKLM\\gone\\*\n"));
    free(txt);
    txt = render(&d, &a, &b, 1);
    assert_non_null(strstr(txt, "\"unmatched_ignores\": "
                                "[\"Key:HKLM\\\\gone\\\\*\"]"));
    assert_non_null(strstr(txt, "{\"pattern\": \"Mutant:m1\", "
                                "\"handles\": 2}"));
    free(txt);
    hl_diff_release(&d);

    /* by name: the ignored growth is netted too */
    hl_snapshot_release(&b);
    snap_new(&b, 2, 2);
    add(&b, 40, "Mutant", "m1", 0x1f0001);
    add(&b, 44, "File", "C:\\Temp\\req-3.tmp", 0x12019f);
    add(&b, 48, "File", "C:\\Temp\\req-4.tmp", 0x12019f);
    assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
    assert_int_equal(d.match, HL_MATCH_BY_NAME);
    assert_int_equal(d.ignored_opened, 2);
    assert_int_equal(d.total_opened, 0);
    assert_int_equal(d.total_closed, 0);
    hl_diff_release(&d);
    hl_patterns_release(&ig);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
}

static void test_diff_order_and_program(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff d;
    char *txt;

    (void)state;
    snap_new(&a, 1, 1);
    snap_new(&b, 2, 2);
    assert_false(hl_diff_reversed(&a, &b)); /* no times: not judged */
    a.taken_at = 2000;
    assert_false(hl_diff_reversed(&a, &b));
    b.taken_at = 1000;
    assert_true(hl_diff_reversed(&a, &b));
    assert_false(hl_diff_reversed(&b, &a));
    b.taken_at = 2000;
    assert_false(hl_diff_reversed(&a, &b));
    assert_false(hl_diff_other_program(&a, &b)); /* unknown images */
    assert_int_equal(hl_snapshot_intern(&a, "C:\\App\\Leaky.exe", &a.image),
                     0);
    assert_false(hl_diff_other_program(&a, &b));
    assert_int_equal(hl_snapshot_intern(&b, "c:\\app\\leaky.EXE", &b.image),
                     0);
    assert_false(hl_diff_other_program(&a, &b));
    assert_int_equal(hl_snapshot_intern(&b, "C:\\App\\other.exe", &b.image),
                     0);
    assert_true(hl_diff_other_program(&a, &b));
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_true(d.other_program);
    txt = render(&d, &a, &b, 1);
    assert_non_null(strstr(txt, "\"other_program\": true"));
    assert_non_null(strstr(txt, "\"unmatched_ignores\": []"));
    free(txt);
    hl_test_release_diff(&d, &a, &b);
}

/* The type column has one width in every list: the longest type shown. */
static void test_diff_text_type_column(void **state)
{
    static const char *const has[] = {
        "\n         1  IoCompletion  0x001f0003  <unnamed>\n",
        "\n         1  Key           0x00020019  HKLM\\x\n",
        "\n     count  type          access      name\n", NULL};
    struct hl_snapshot a, b;
    struct hl_diff d;

    (void)state;
    snap_new(&a, 1, 1);
    snap_new(&b, 1, 1);
    add(&a, 4, "Key", "HKLM\\x", 0x20019);
    add(&b, 8, "IoCompletion", "", 0x1f0003);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    expect_report(&d, &a, &b, 0, has);
    hl_test_release_diff(&d, &a, &b);
}

static char *render_text(const struct hl_diff *d, const struct hl_snapshot *a,
                         const struct hl_snapshot *b, int all_values)
{
    struct hl_diff_report_opts ro = {0, 0, 0};
    FILE *f = tmpfile();

    ro.all_values = all_values;
    assert_non_null(f);
    assert_int_equal(hl_diff_text(f, d, a, b, &ro), 0);
    return hl_test_slurp(f);
}

/* A group's line is followed by its values: the first 8, then how many
 * more; all with all_values; by name, AFTER's (or BEFORE's for closed). */
static void test_diff_text_values(void **state)
{
    static const char *const first8[] = {
        "\n            values 0x100 0x104 0x108 0x10c 0x110 0x114 0x118 "
        "0x11c (+2 more)\n",
        "\n            values 0x4\n", NULL};
    static const char *const all[] = {
        "\n            values 0x100 0x104 0x108 0x10c 0x110 0x114 0x118 "
        "0x11c 0x120 0x124\n", NULL};
    static const char *const no_more[] = {"more)", NULL};
    static const char *const by_name[] = {
        "\n            values in after 0x200 0x204 0x208 0x20c 0x210 0x214 "
        "0x218 0x21c (+4 more)\n",
        "\n            values in before 0x4\n", NULL};
    struct hl_snapshot a, b, c;
    struct hl_diff d;
    size_t i;

    (void)state;
    snap_new(&a, 1, 1);
    snap_new(&b, 1, 1);
    snap_new(&c, 2, 2);
    add(&a, 4, "Key", "HKLM\\x", 0x20019);
    for (i = 0; i < 10; i++)
        add(&b, 0x100 + 4 * i, "Event", "", EV);
    for (i = 0; i < 12; i++)
        add(&c, 0x200 + 4 * i, "Event", "", EV);
    assert_int_equal(hl_diff_compute(&a, &b, NULL, &d), 0);
    assert_string_equal(hl_test_text_take(render_text(&d, &a, &b, 0), first8,
                                          NULL), "");
    assert_string_equal(hl_test_text_take(render_text(&d, &a, &b, 1), all,
                                          no_more), "");
    hl_diff_release(&d);
    assert_int_equal(hl_diff_compute(&a, &c, NULL, &d), 0);
    assert_int_equal(d.match, HL_MATCH_BY_NAME);
    assert_string_equal(hl_test_text_take(render_text(&d, &a, &c, 0), by_name,
                                          NULL), "");
    hl_snapshot_release(&b);
    hl_test_release_diff(&d, &a, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_identity_reused_values),
        cmocka_unit_test(test_diff_identity_access_and_attributes),
        cmocka_unit_test(test_diff_identity_unreadable_name_still_matches),
        cmocka_unit_test(test_diff_by_name_across_processes),
        cmocka_unit_test(test_diff_named_group_mixed_access),
        cmocka_unit_test(test_diff_ignore_patterns),
        cmocka_unit_test(test_diff_gate_per_type),
        cmocka_unit_test(test_diff_reports_escape_awkward_names),
        cmocka_unit_test(test_diff_text_values),
        cmocka_unit_test(test_diff_oom_fails_cleanly),
        cmocka_unit_test(test_diff_duplicate_values_match_one_to_one),
        cmocka_unit_test(test_diff_unsorted_input_same_result),
        cmocka_unit_test(test_diff_groups_by_name_pattern),
        cmocka_unit_test(test_diff_groups_by_open_stack),
        cmocka_unit_test(test_diff_by_name_stacks_match_across_load_addresses),
        cmocka_unit_test(test_diff_two_runs_names_with_ids),
        cmocka_unit_test(test_diff_ignore_printed_forms),
        cmocka_unit_test(test_diff_order_and_program),
        cmocka_unit_test(test_diff_text_type_column),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
