#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/alloc.h"
#include "diff-int.h"
#include "hleak/err.h"
#include "show.h"
#include "hleak/snapfile.h"
#include "testutil.h"

/*
 * Dead targets and GUI object counts (docs/triage.md): the model, the
 * GUIC and TRGT sections of the snapshot file, and what show, diff and the
 * JUnit report make of them.
 */

#define FT 0x01da000000000000ull

static const struct hl_target t_alive = {0, 500, 0, HL_TARGET_ALIVE, 0};
static const struct hl_target t_dead1 = {FT, 501, 0, HL_TARGET_EXITED,
                                         HL_TARGET_HAS_CODE};
static const struct hl_target t_dead2 = {0, 502, 3, HL_TARGET_EXITED,
                                         HL_TARGET_HAS_CODE};
static const struct hl_target t_proc = {FT + 1, 777, 0, HL_TARGET_EXITED,
                                        0};
static const struct hl_target t_unknown = {0, 0, 0, HL_TARGET_UNKNOWN, 0};

static void add(struct hl_snapshot *s, uint32_t value, const char *type,
                const char *name, const struct hl_target *t)
{
    assert_int_equal(hl_test_add(s, value, type, name, NULL, 0x1fffff), 0);
    if (t != NULL)
        assert_int_equal(hl_snapshot_set_target(s, s->count - 1, t), 0);
}

/* The sample, then: Event 0x200; Thread 0x300 alive, 0x304 and 0x308
 * exited, 0x30c unknown, 0x310 without a record; Process 0x314 exited. */
static void triage_snapshot(struct hl_snapshot *s, int gui)
{
    static const struct hl_gui counts = {HL_GUI_ALL, 10, 3, 12, 4};

    assert_int_equal(hl_snapshot_init(s), 0);
    assert_int_equal(hl_test_sample_snapshot(s), 0);
    add(s, 0x200, "Event", "", NULL);
    add(s, 0x300, "Thread", "tid 500 in app.exe (pid 4242)", &t_alive);
    add(s, 0x304, "Thread", "tid 501 in app.exe (pid 4242)", &t_dead1);
    add(s, 0x308, "Thread", "tid 502 in app.exe (pid 4242)", &t_dead2);
    add(s, 0x30c, "Thread", "", &t_unknown);
    add(s, 0x310, "Thread", "", NULL);
    add(s, 0x314, "Process", "child.exe (pid 777)", &t_proc);
    if (gui)
        s->gui = counts;
}

static void assert_target_equal(const struct hl_target *a,
                                const struct hl_target *b)
{
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->exit_code, b->exit_code);
    assert_int_equal(a->exit_time, b->exit_time);
}

static void decode_into(const unsigned char *buf, size_t len,
                        struct hl_snapshot *d)
{
    assert_int_equal(hl_snapshot_init(d), 0);
    assert_int_equal(hl_snapfile_decode(buf, len, d, NULL), 0);
}

static void test_triage_model_checks_and_grows(void **state)
{
    struct hl_snapshot s;
    struct hl_target bad = t_alive;

    (void)state;
    assert_int_equal(hl_snapshot_init(&s), 0);
    add(&s, 4, "Event", "", NULL);
    /* no record asked for: no side array */
    assert_int_equal(hl_snapshot_set_target(&s, 0, &(struct hl_target){0}),
                     0);
    assert_null(s.targets);
    assert_null(hl_snapshot_target(&s, 0));
    assert_int_equal(hl_snapshot_set_target(&s, 1, &t_alive), HL_EINVAL);
    bad.state = HL_TARGET_STATE_COUNT;
    assert_int_equal(hl_snapshot_set_target(&s, 0, &bad), HL_EINVAL);
    bad = t_alive;
    bad.flags = 2;
    assert_int_equal(hl_snapshot_set_target(&s, 0, &bad), HL_EINVAL);
    assert_null(s.targets);
    assert_int_equal(hl_snapshot_set_target(&s, 0, &t_dead2), 0);
    assert_non_null(s.targets);
    /* a handle added later reads as not asked */
    add(&s, 8, "Thread", "", NULL);
    assert_int_equal(hl_snapshot_target(&s, 1)->state, HL_TARGET_NONE);
    assert_target_equal(hl_snapshot_target(&s, 0), &t_dead2);
    hl_snapshot_release(&s);
    assert_null(s.targets);
}

static void test_triage_file_round_trip(void **state)
{
    struct hl_snapshot s, d;
    unsigned char *buf;
    size_t len, i;

    (void)state;
    triage_snapshot(&s, 1);
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    decode_into(buf, len, &d);
    assert_int_equal(d.count, s.count);
    for (i = 0; i < s.count; i++)
        assert_target_equal(hl_snapshot_target(&d, i),
                            hl_snapshot_target(&s, i));
    assert_memory_equal(&d.gui, &s.gui, sizeof(s.gui));
    hl_snapshot_release(&d);
    hl_free(buf);
    hl_snapshot_release(&s);
}

/* Offset of the first section with tag, or 0. */
static size_t section_at(const unsigned char *buf, size_t len,
                         const char *tag)
{
    size_t at = 24;

    while (at + 12 <= len) {
        if (memcmp(buf + at, tag, 4) == 0)
            return at;
        at += 12 + (size_t)hl__get_le64(buf + at + 4);
    }
    return 0;
}

static void test_triage_sections_only_when_asked(void **state)
{
    struct hl_snapshot s, d;
    unsigned char *buf;
    size_t len;

    (void)state;
    assert_int_equal(hl_test_sample_file(&s, &buf, &len), 0);
    assert_int_equal(section_at(buf, len, "GUIC"), 0);
    assert_int_equal(section_at(buf, len, "TRGT"), 0);
    decode_into(buf, len, &d);
    assert_null(d.targets);
    assert_int_equal(d.gui.flags, 0);
    hl_snapshot_release(&d);
    hl_free(buf);
    /* "asked, not reported" is kept apart from "not asked" */
    s.gui.flags = HL_GUI_ASKED;
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    assert_int_not_equal(section_at(buf, len, "GUIC"), 0);
    decode_into(buf, len, &d);
    assert_int_equal(d.gui.flags, HL_GUI_ASKED);
    hl_snapshot_release(&d);
    hl_free(buf);
    hl_snapshot_release(&s);
}

static void fix_crc(unsigned char *buf, size_t len)
{
    uint32_t crc = hl__crc32(0, buf, 20);

    hl__put_le32(buf + 20, hl__crc32(crc, buf + 24, len - 24));
}

/* Encodes the triage snapshot, sets byte off of section tag's body to v,
 * and returns what decoding says. */
static int patched(const char *tag, size_t off, unsigned char v)
{
    struct hl_snapshot s, d;
    unsigned char *buf;
    size_t len, at;
    int err;

    triage_snapshot(&s, 1);
    assert_int_equal(hl_snapfile_encode(&s, &buf, &len), 0);
    at = section_at(buf, len, tag);
    assert_int_not_equal(at, 0);
    buf[at + 12 + off] = v;
    fix_crc(buf, len);
    assert_int_equal(hl_snapshot_init(&d), 0);
    err = hl_snapfile_decode(buf, len, &d, NULL);
    hl_snapshot_release(&d);
    hl_free(buf);
    hl_snapshot_release(&s);
    return err;
}

static void test_triage_bad_records_refused(void **state)
{
    (void)state;
    /* TRGT: count, then index delta, state, flags, ... */
    assert_int_equal(patched("TRGT", 2, 0), HL_ECORRUPT); /* state none */
    assert_int_equal(patched("TRGT", 2, 4), HL_ECORRUPT); /* no such */
    assert_int_equal(patched("TRGT", 3, 2), HL_ECORRUPT); /* flags */
    assert_int_equal(patched("TRGT", 1, 60), HL_ECORRUPT); /* past HNDL */
    assert_int_equal(patched("TRGT", 0, 60), HL_ECORRUPT); /* count */
    assert_int_equal(patched("TRGT", 2, 3), 0);            /* unknown */
    /* GUIC: flags 0 is never written; 8 is no flag */
    assert_int_equal(patched("GUIC", 0, 0), HL_ECORRUPT);
    assert_int_equal(patched("GUIC", 0, 8), HL_ECORRUPT);
    assert_int_equal(patched("GUIC", 0, 1), 0);
}

static void test_triage_dead_find_classifies(void **state)
{
    struct hl_snapshot s;
    struct hl_strtab st;
    struct hl_dead dd;

    (void)state;
    triage_snapshot(&s, 0);
    assert_int_equal(hl_dead_find(&s, NULL, &dd), 0);
    assert_true(dd.recorded);
    assert_int_equal(dd.threads, 2);
    assert_int_equal(dd.processes, 1);
    assert_int_equal(dd.alive, 1);
    assert_int_equal(dd.unknown, 2); /* unknown + no record */
    assert_int_equal(dd.count, 3);
    assert_int_equal(dd.handles[0].value, 0x304);
    assert_int_equal(dd.handles[0].index, 9);
    assert_true(dd.handles[0].is_thread);
    assert_false(dd.handles[2].is_thread);
    assert_string_equal(hl_snapshot_str(&s, dd.handles[2].name),
                        "child.exe (pid 777)");
    hl_dead_release(&dd);
    /* ids interned into another table */
    assert_int_equal(hl_strtab_init(&st), 0);
    assert_int_equal(hl_dead_find(&s, &st, &dd), 0);
    assert_string_equal(hl_strtab_get(&st, dd.handles[1].type), "Thread");
    assert_string_equal(hl_strtab_get(&st, dd.handles[1].name),
                        "tid 502 in app.exe (pid 4242)");
    hl_dead_release(&dd);
    hl_strtab_release(&st);
    hl_snapshot_release(&s);
}

static char *slurp(FILE *f)
{
    char *buf = hl_test_slurp(f);

    assert_non_null(buf);
    return buf;
}

static char *diff_text(const struct hl_diff *d, const struct hl_snapshot *a,
                       const struct hl_snapshot *b, int json)
{
    struct hl_diff_report_opts ro = {0, 0, 0};
    FILE *f = tmpfile();

    assert_non_null(f);
    if (json)
        assert_int_equal(hl_diff_json(f, d, a, b), 0);
    else
        assert_int_equal(hl_diff_text(f, d, a, b, &ro), 0);
    return slurp(f);
}

/* txt (freed here) holds every string of has and none of lacks. */
static void expect_text(char *txt, const char *const *has,
                        const char *const *lacks)
{
    assert_string_equal(hl_test_text_take(txt, has, lacks), "");
}

/* Options with only the dead-targets gate, at most max. */
static void dead_gate_opts(struct hl_diff_opts *o, uint64_t max)
{
    memset(o, 0, sizeof(*o));
    o->fail_on_dead = 1;
    o->fail_on_dead_max = max;
}

/* before: the sample (no GUI, no targets); after: the triage snapshot. */
static void diff_pair(struct hl_snapshot *a, struct hl_snapshot *b,
                      const struct hl_diff_opts *o, struct hl_diff *d)
{
    triage_snapshot(b, 1);
    assert_int_equal(hl_snapshot_init(a), 0);
    assert_int_equal(hl_test_sample_snapshot(a), 0);
    a->gui.flags = HL_GUI_ASKED;
    assert_int_equal(hl_diff_compute(a, b, o, d), 0);
}

static void test_triage_dead_gate(void **state)
{
    static const char *const text[] = {
        "\ndead targets: 2 handles to exited threads (tid 501, 502), 1 to "
        "an exited process (pid 777); 2 more Thread and Process handles "
        "could not be checked\n",
        /* the type padded to the report's type column */
        "    Thread  0x308 tid 502 in app.exe (pid 4242) (exited, code 3)\n",
        "    Process 0x314 child.exe (pid 777) (exited)\n",
        /* the before side asked and got nothing: dashes, and why */
        "         -          10           -  GDI\n",
        "before: not reported by the system\n", NULL};
    static const char *const json[] = {
        "\"gui\": {\"before\": {\"reported\": false, \"gdi\": null, "
        "\"user\": null, \"gdi_peak\": null, \"user_peak\": null}, "
        "\"after\": {\"reported\": true, \"gdi\": 10, \"user\": 3, "
        "\"gdi_peak\": 12, \"user_peak\": 4}, \"delta\": {\"gdi\": null",
        "\"dead\": {\"recorded\": true, \"threads\": 2, \"processes\": 1, "
        "\"alive\": 1, \"unknown\": 2, \"exited\": [",
        "{\"handle\": 788, \"type\": \"Process\", \"name\": \"child.exe "
        "(pid 777)\", \"target_id\": 777, \"exit_code\": null, "
        "\"exit_time\": \"2", NULL};
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;

    (void)state;
    dead_gate_opts(&o, 3);
    o.fail_on_new = 1;
    o.fail_on_new_max = 100;
    diff_pair(&a, &b, &o, &d);
    assert_int_equal(d.ngates, 2);
    assert_int_equal(d.gates[1].kind, HL_GATE_DEAD);
    assert_int_equal(d.gates[0].kind, HL_GATE_OPENED);
    assert_int_equal(d.gates[1].opened, 3);
    assert_false(d.gate_failed);
    hl_test_release_diff(&d, &a, &b);

    o.fail_on_dead_max = 2;
    diff_pair(&a, &b, &o, &d);
    assert_true(d.gate_failed);
    assert_true(d.gates[1].failed);
    assert_false(d.gates[0].failed);
    assert_int_equal(d.nreasons, 1);
    assert_string_equal(d.reasons[0],
                        "3 handles to exited threads and processes still "
                        "open (2 to threads, 1 to processes); at most 2 "
                        "allowed");
    expect_text(diff_text(&d, &a, &b, 0), text, NULL);
    expect_text(diff_text(&d, &a, &b, 1), json, NULL);
    hl_test_release_diff(&d, &a, &b);
}

static char *read_back(const char *path)
{
    FILE *f = fopen(path, "rb");

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    return slurp(f);
}

static void test_triage_junit_and_sarif(void **state)
{
    static const char *const junit[] = {
        "<testcase classname=\"hleak.gate\" name=\"fail-on-dead\">",
        ">Thread 0x304 tid 501 in app.exe (pid 4242) (exited, code 0)\n"
        "Thread 0x308", NULL};
    /* the dead gate lists dead handles, not opened groups */
    static const char *const junit_not[] = {"x Event", NULL};
    /* a failed dead gate does not make opened groups errors; its own
     * results (HL0002) are */
    static const char *const sarif[] = {
        "\"ruleId\": \"HL0001\", \"level\": \"warning\"",
        "\"ruleId\": \"HL0002\", \"level\": \"error\"", NULL};
    static const char *const sarif_not[] = {
        "\"ruleId\": \"HL0001\", \"level\": \"error\"", NULL};
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;
    char *path;

    (void)state;
    dead_gate_opts(&o, 0);
    diff_pair(&a, &b, &o, &d);
    path = hl_test_temp_file("", 0);
    assert_non_null(path);
    assert_int_equal(hl_diff_write_junit(path, &d, &a, &b), 0);
    expect_text(read_back(path), junit, junit_not);
    assert_int_equal(hl_diff_write_sarif(path, &d, &a, &b), 0);
    expect_text(read_back(path), sarif, sarif_not);
    remove(path);
    free(path);
    hl_test_release_diff(&d, &a, &b);
}

/* run's growth gates join the diff's reports: a failed one is a JUnit
 * failure, a SARIF HL0005 error and a JSON reason; one judged on too few
 * samples is a JUnit error and a SARIF "open" result, and fails nothing. */
static void test_triage_growth_gates_in_reports(void **state)
{
    static const char *const junit[] = {
        "<testsuites name=\"hleak\" tests=\"2\" failures=\"1\" "
        "errors=\"1\">",
        "<testcase classname=\"hleak.gate\" name=\"fail-on-growth Event\">\n"
        "      <failure type=\"handle-leak\" message=\"Event grows by 1188.8 "
        "handles per minute over 14 samples, over the limit of 60\">",
        "<system-out>Event +1188.8 handles per minute over 14 samples; at "
        "most 60 allowed</system-out>",
        "<testcase classname=\"hleak.gate\" name=\"fail-on-growth\">\n"
        "      <error type=\"unjudged\" message=\"cannot judge growth: 3 "
        "samples, the trend needs at least 5\"/>", NULL};
    static const char *const sarif[] = {
        "{\"id\": \"HL0005\", \"name\": \"HandleGrowth\"",
        "\"ruleId\": \"HL0005\", \"kind\": \"fail\", \"level\": "
        "\"error\", \"message\": {\"text\": \"Event +1188.8 handles per "
        "minute over 14 samples; at most 60 allowed\"}",
        "\"ruleId\": \"HL0005\", \"kind\": \"open\", \"level\": \"none\"",
        "\"properties\": {\"type\": null, \"rate_per_min\": 0.0, "
        "\"limit_per_min\": 0.5, \"samples\": 3}}", NULL};
    static const char *const json[] = {
        "\"gate\": {\"failed\": true, \"reasons\": [\"Event grows by "
        "1188.8 handles per minute over 14 samples, over the limit of "
        "60\"]}", NULL};
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;
    char *path;

    (void)state;
    memset(&o, 0, sizeof(o));
    diff_pair(&a, &b, &o, &d);
    assert_int_equal(hl__diff_add_growth(&d, "Event", "Event", 1188.8, 60,
                                         14, 1, 1), 0);
    assert_int_equal(hl__diff_add_growth(&d, NULL, NULL, 0.0, 0.5, 3, 0, 1),
                     0);
    assert_int_equal(d.ngates, 2);
    assert_true(d.gate_failed);
    assert_true(d.gates[0].failed);
    /* too few samples never fail (nor pass) a gate, whatever was asked */
    assert_false(d.gates[1].failed);
    assert_int_equal(d.nreasons, 1);
    path = hl_test_temp_file("", 0);
    assert_non_null(path);
    assert_int_equal(hl_diff_write_junit(path, &d, &a, &b), 0);
    expect_text(read_back(path), junit, NULL);
    assert_int_equal(hl_diff_write_sarif(path, &d, &a, &b), 0);
    expect_text(read_back(path), sarif, NULL);
    remove(path);
    free(path);
    expect_text(diff_text(&d, &a, &b, 1), json, NULL);
    hl_test_release_diff(&d, &a, &b);
}

static void test_triage_show_text_and_json(void **state)
{
    struct hl_show_opts so;
    struct hl_snapshot s;
    FILE *f;
    char *txt;

    (void)state;
    memset(&so, 0, sizeof(so));
    triage_snapshot(&s, 1);
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(hl_show_text(f, &s, &so), 0);
    txt = slurp(f);
    assert_non_null(strstr(txt, "\ngui       10 GDI objects (peak 12), 3 "
                                "USER objects (peak 4)\ndead targets: 2 "
                                "handles to exited threads (tid 501, "
                                "502), 1 to an exited process"));
    assert_non_null(strstr(txt, "tid 500 in app.exe (pid 4242)\n"));
    assert_non_null(strstr(txt, "child.exe (pid 777) (exited)\n"));
    free(txt);
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(hl_show_json(f, &s, &so), 0);
    txt = slurp(f);
    assert_non_null(strstr(txt, "\"handle\": 768, \"type\": \"Thread\", "));
    assert_non_null(strstr(txt, "\"target_exited\": false, \"target_id\": "
                                "500, \"exit_code\": null, \"exit_time\": "
                                "null}"));
    assert_non_null(strstr(txt, "\"target_exited\": true, \"target_id\": "
                                "502, \"exit_code\": 3, \"exit_time\": "
                                "null}"));
    /* unknown, and a Thread handle with no record: null */
    assert_non_null(strstr(txt, "\"target_exited\": null, \"target_id\": "
                                "null, \"exit_code\": null"));
    /* other types carry no target members */
    assert_null(strstr(txt, "\"name_error\": null, \"target_exited\": null"
                            "}\n    {\"handle\": 512"));
    free(txt);
    /* the system reports nothing: said, never 0 */
    s.gui.flags = HL_GUI_ASKED;
    s.gui.gdi = 0;
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(hl_show_text(f, &s, &so), 0);
    txt = slurp(f);
    assert_non_null(strstr(txt, "\ngui       not reported by the system\n"));
    assert_null(strstr(txt, "0 GDI"));
    free(txt);
    hl_snapshot_release(&s);
}

/* A failed diff has no dead targets and no reasons. */
static int dead_clean(const struct hl_diff *d)
{
    return d->dead.handles == NULL && d->nreasons == 0;
}

static void test_triage_diff_oom_fails_cleanly(void **state)
{
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;

    (void)state;
    dead_gate_opts(&o, 0);
    triage_snapshot(&b, 1);
    assert_int_equal(hl_snapshot_init(&a), 0);
    assert_true(hl_test_diff_oom(&a, &b, &o, &d, dead_clean) > 0);
    assert_int_equal(d.dead.count, 3);
    assert_true(d.gate_failed);
    hl_test_release_diff(&d, &a, &b);
}

/* The fingerprint of the first SARIF result whose message has needle. */
static void fingerprint_of(const char *sarif, const char *needle,
                           char out[17])
{
    const char *p = strstr(sarif, needle);
    const char *key = "\"hleakGroup/v1\": \"";

    assert_non_null(p);
    p = strstr(p, key);
    assert_non_null(p);
    memcpy(out, p + strlen(key), 16);
    out[16] = '\0';
}

/* The testsuite line names the program, never a pid. */
static void assert_suite_without_pid(const char *xml)
{
    const char *p = strstr(xml, "<testsuite name=\""), *nl;

    assert_non_null(p);
    nl = strchr(p, '\n');
    assert_non_null(nl);
    assert_null(memchr(p, '(', (size_t)(nl - p)));
}

/* JUnit case names and SARIF fingerprints stay the same from run to run:
 * another process, other counts. */
static void test_triage_ci_reports_stable(void **state)
{
    static const struct hl_type_limit lim[] = {{"Event", 0}};
    struct hl_snapshot a, b;
    struct hl_diff_opts o;
    struct hl_diff d;
    char *path, *xml, fp[2][17];
    int run;

    (void)state;
    dead_gate_opts(&o, 0);
    o.fail_on_new = 1;
    o.fail_on = lim;
    o.nfail_on = 1;
    path = hl_test_temp_file("", 0);
    assert_non_null(path);
    for (run = 0; run < 2; run++) {
        triage_snapshot(&b, 1);
        if (run == 1) {
            add(&b, 0x400, "Event", "", NULL);
            add(&b, 0x404, "Event", "", NULL);
            b.pid += 8;
        }
        assert_int_equal(hl_snapshot_init(&a), 0);
        assert_int_equal(hl_test_sample_snapshot(&a), 0);
        assert_int_equal(hl_diff_compute(&a, &b, &o, &d), 0);
        assert_int_equal(hl_diff_write_junit(path, &d, &a, &b), 0);
        xml = read_back(path);
        assert_non_null(strstr(xml, "name=\"fail-on-new\">"));
        assert_non_null(strstr(xml, "name=\"fail-on Event\">"));
        assert_non_null(strstr(xml, "name=\"fail-on-dead\">"));
        assert_non_null(strstr(xml, "<system-out>3 counted; at most 0 "
                                    "allowed</system-out>"));
        assert_suite_without_pid(xml);
        free(xml);
        assert_int_equal(hl_diff_write_sarif(path, &d, &a, &b), 0);
        xml = read_back(path);
        fingerprint_of(xml, "x Event <unnamed>", fp[run]);
        assert_non_null(strstr(xml, "\"kind\": \"type\""));
        assert_non_null(strstr(xml, "\"fullyQualifiedName\": \""));
        assert_non_null(strstr(xml, "\"ruleId\": \"HL0002\", \"level\": "
                                    "\"error\", \"message\": {\"text\": "
                                    "\"2 x Thread tid {n} in app.exe (pid "
                                    "{n}) to an exited target, still "
                                    "open\"}"));
        free(xml);
        hl_diff_release(&d);
        hl_snapshot_release(&a);
        hl_snapshot_release(&b);
    }
    assert_string_equal(fp[0], fp[1]);
    remove(path);
    free(path);
}

/* --top bounds the dead-targets list like every other list. */
static void test_triage_dead_list_top(void **state)
{
    static const char *const has[] = {"    Thread 0x304 tid 501",
                                      "\n    ... 2 more; see --top\n", NULL};
    static const char *const lacks[] = {"0x308 tid 502", NULL};
    struct hl_diff_report_opts ro = {1, 0, 0};
    struct hl_snapshot a, b;
    struct hl_diff d;
    FILE *f;

    (void)state;
    diff_pair(&a, &b, NULL, &d);
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(hl_diff_text(f, &d, &a, &b, &ro), 0);
    expect_text(slurp(f), has, lacks);
    hl_test_release_diff(&d, &a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triage_model_checks_and_grows),
        cmocka_unit_test(test_triage_file_round_trip),
        cmocka_unit_test(test_triage_sections_only_when_asked),
        cmocka_unit_test(test_triage_bad_records_refused),
        cmocka_unit_test(test_triage_dead_find_classifies),
        cmocka_unit_test(test_triage_dead_gate),
        cmocka_unit_test(test_triage_junit_and_sarif),
        cmocka_unit_test(test_triage_ci_reports_stable),
        cmocka_unit_test(test_triage_dead_list_top),
        cmocka_unit_test(test_triage_growth_gates_in_reports),
        cmocka_unit_test(test_triage_show_text_and_json),
        cmocka_unit_test(test_triage_diff_oom_fails_cleanly),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
