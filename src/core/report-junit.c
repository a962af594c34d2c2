#include "hleak/diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "formats.h"
#include "hleak/system.h"
#include "report.h"
#include "trend.h"

/* The test case's name: the gate, never a count or a limit, so CI tools
 * keep one history per gate across runs. */
static void gate_name(struct hl__sbuf *b, const struct hl_diff *d,
                      const struct hl_diff_gate *t)
{
    if (t->kind == HL_GATE_DEAD)
        hl__sbuf_puts(b, "fail-on-dead");
    else if (t->kind == HL_GATE_GROWTH)
        hl__sbuf_printf(b, t->type == 0 ? "fail-on-growth" : "fail-on-growth %s",
                        hl_diff_str(d, t->type));
    else if (t->type == 0)
        hl__sbuf_puts(b, "fail-on-new");
    else
        hl__sbuf_printf(b, "fail-on %s", hl_diff_str(d, t->type));
}

/* "<system-out>12 counted; at most 20 allowed</system-out>" */
static void gate_counts(struct hl__sbuf *b, const struct hl_diff *d,
                        const struct hl_diff_gate *t)
{
    if (t->kind == HL_GATE_GROWTH) {
        /* "Event +1198.1 handles per minute over 14 samples; at most 60
         * allowed" */
        hl__sbuf_puts(b, "      <system-out>");
        hl__sbuf_xml(b, t->worst != 0 ? hl_diff_str(d, t->worst)
                                      : "no type growing");
        hl__sbuf_printf(b,
                        " %+.1f handles per minute over %zu samples; at "
                        "most %.10g allowed</system-out>\n",
                        t->rate, t->samples, t->rate_max);
        return;
    }
    hl__sbuf_printf(b,
                    "      <system-out>%zu counted; at most %" PRIu64
                    " allowed</system-out>\n",
                    t->opened, t->max);
}

/* The dead gate's failure text: each handle to an exited target. */
static void junit_dead(struct hl__sbuf *b, const struct hl_diff *d)
{
    struct hl__sbuf text;

    hl__sbuf_init(&text);
    hl__sbuf_dead_lines(&text, &d->dead, &d->strings);
    hl__sbuf_xml(b, text.data != NULL ? text.data : "");
    if (text.err != 0 && b->err == 0)
        b->err = text.err;
    hl__sbuf_release(&text);
}

static void junit_gate(struct hl__sbuf *b, const struct hl_diff *d,
                       const struct hl_diff_gate *t)
{
    struct hl__sbuf text;
    size_t i;

    hl__sbuf_init(&text);
    gate_name(&text, d, t);
    hl__sbuf_puts(b, "    <testcase classname=\"hleak.gate\" name=\"");
    hl__sbuf_xml(b, text.data != NULL ? text.data : "");
    hl__sbuf_puts(b, "\">\n");
    if (t->kind == HL_GATE_GROWTH && !t->judged) {
        /* too few samples: neither a pass nor a failure */
        hl__sbuf_printf(b,
                        "      <error type=\"unjudged\" message=\"cannot "
                        "judge growth: %zu samples, the trend needs at least "
                        "%d\"/>\n    </testcase>\n",
                        t->samples, HL_TREND_MIN_SAMPLES);
        goto out;
    }
    if (!t->failed) {
        gate_counts(b, d, t);
        hl__sbuf_puts(b, "    </testcase>\n");
        goto out;
    }
    hl__sbuf_puts(b, "      <failure type=\"handle-leak\" message=\"");
    hl__sbuf_xml(b, t->reason);
    hl__sbuf_puts(b, "\">");
    if (t->kind == HL_GATE_DEAD)
        junit_dead(b, d);
    for (i = 0; i < d->nopened; i++) {
        if (!hl__gate_covers(d, t, &d->opened[i]))
            continue;
        text.len = 0;
        hl__group_line(&text, d, &d->opened[i]);
        hl__sbuf_xml(b, text.data != NULL ? text.data : "");
        hl__sbuf_puts(b, "\n");
    }
    hl__sbuf_puts(b, "</failure>\n");
    gate_counts(b, d, t);
    hl__sbuf_puts(b, "    </testcase>\n");
out:
    if (text.err != 0 && b->err == 0)
        b->err = text.err;
    hl__sbuf_release(&text);
}

int hl_diff_write_junit(const char *path, const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after)
{
    struct hl__sbuf b;
    size_t i, failures = 0, errors = 0, tests = d->ngates ? d->ngates : 1;

    for (i = 0; i < d->ngates; i++) {
        failures += d->gates[i].failed != 0;
        errors += d->gates[i].kind == HL_GATE_GROWTH && !d->gates[i].judged;
    }
    hl__sbuf_init(&b);
    hl__sbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    hl__sbuf_printf(&b,
                    "<testsuites name=\"hleak\" tests=\"%zu\" "
                    "failures=\"%zu\"",
                    tests, failures);
    if (errors != 0)
        hl__sbuf_printf(&b, " errors=\"%zu\"", errors);
    hl__sbuf_puts(&b, ">\n  <testsuite name=\"hleak diff ");
    /* the program, not its pids: they change every run */
    hl__sbuf_xml(&b, hl_snapshot_image_name(after));
    hl__sbuf_printf(&b,
                    "\" tests=\"%zu\" failures=\"%zu\" "
                    "errors=\"%zu\" skipped=\"0\">\n"
                    "    <properties>\n"
                    "      <property name=\"before.pid\" value=\"%" PRIu64
                    "\"/>\n"
                    "      <property name=\"after.pid\" value=\"%" PRIu64
                    "\"/>\n"
                    "      <property name=\"opened\" value=\"%zu\"/>\n"
                    "      <property name=\"closed\" value=\"%zu\"/>\n"
                    "    </properties>\n",
                    tests, failures, errors, before->pid, after->pid,
                    d->total_opened, d->total_closed);
    for (i = 0; i < d->ngates; i++)
        junit_gate(&b, d, &d->gates[i]);
    /* no gate asked for: one case that records the result and passes */
    if (d->ngates == 0)
        hl__sbuf_printf(&b,
                        "    <testcase classname=\"hleak.diff\" "
                        "name=\"handles opened and still open\">\n"
                        "      <system-out>%zu opened and still "
                        "open</system-out>\n    </testcase>\n",
                        d->total_opened);
    hl__sbuf_puts(&b, "  </testsuite>\n</testsuites>\n");
    return hl__report_write(path, &b);
}

/* ---- whole-system diff ---- */

/* "fail-on-new: app.exe (pid 1234)": the gate, then the process (and
 * "started"/"exited" for one in a single snapshot); never a count, a
 * limit or a start time. */
static void sys_case_open(struct hl__sbuf *b, const struct hl__sysdiff *d,
                          size_t g, const struct hl__sysdiff_row *r)
{
    struct hl__sbuf name;

    hl__sbuf_init(&name);
    hl__sysdiff_gate_name(&name, d, g);
    /* a reused pid is one process that exited and one that started */
    hl__sbuf_printf(&name, ": %s (pid %" PRIu64 "%s)", hl__sysdiff_image(r),
                    r->pid,
                    r->status == HL__SYSDIFF_NEW      ? ", started"
                    : r->status == HL__SYSDIFF_EXITED ? ", exited"
                                                      : "");
    hl__sbuf_puts(b, "    <testcase classname=\"hleak.gate\" name=\"");
    hl__sbuf_xml(b, name.data != NULL ? name.data : "");
    hl__sbuf_puts(b, "\">\n");
    if (name.err != 0 && b->err == 0)
        b->err = name.err;
    hl__sbuf_release(&name);
}

/* What a gate could not judge: an error (not counted in one snapshot) or
 * skipped (started or exited in between); never a pass. */
static void sys_unjudged(struct hl__sbuf *b, const struct hl__sysdiff_row *r)
{
    if (r->status == HL__SYSDIFF_BOTH)
        hl__sbuf_printf(b,
                        "      <error type=\"not-counted\" message=\"not "
                        "counted in %s (it started as the handle list was "
                        "read): the gate cannot judge it\"/>\n",
                        r->before == HL_SYSTEM_UNKNOWN ? "BEFORE" : "AFTER");
    else
        hl__sbuf_printf(b,
                        "      <skipped message=\"%s between the "
                        "snapshots: no count in %s to judge\"/>\n",
                        r->status == HL__SYSDIFF_NEW ? "started" : "exited",
                        r->status == HL__SYSDIFF_NEW ? "BEFORE" : "AFTER");
}

static void sys_case(struct hl__sbuf *b, const struct hl__sysdiff *d,
                     size_t g, const struct hl__sysdiff_row *r)
{
    struct hl__sysdiff_verdict v;
    struct hl__sbuf why;
    size_t k;

    hl__sbuf_init(&why);
    sys_case_open(b, d, g, r);
    hl__sysdiff_gate(d, r, g, &v, &why);
    if (!v.judged) {
        sys_unjudged(b, r);
    } else if (v.failed) {
        hl__sbuf_puts(b, "      <failure type=\"handle-leak\" message=\"");
        hl__sbuf_xml(b, why.data != NULL ? why.data : "");
        hl__sbuf_puts(b, "\">");
        for (k = 0; k < r->ngrew; k++) {
            why.len = 0;
            hl__sbuf_printf(&why, "%s +%" PRIu64 " (%" PRIu64 " -> %" PRIu64
                            ")\n",
                            d->type_names[r->grew[k].type],
                            r->grew[k].after - r->grew[k].before,
                            r->grew[k].before, r->grew[k].after);
            hl__sbuf_xml(b, why.data != NULL ? why.data : "");
        }
        hl__sbuf_puts(b, "</failure>\n");
    }
    if (v.judged)
        hl__sbuf_printf(b,
                        "      <system-out>%" PRIu64 " counted; at most %"
                        PRIu64 " allowed</system-out>\n",
                        v.count, v.max);
    hl__sbuf_puts(b, "    </testcase>\n");
    if (why.err != 0 && b->err == 0)
        b->err = why.err;
    hl__sbuf_release(&why);
}

/* The totals of every case of every gate, for the suite's attributes. */
static void sys_totals(const struct hl__sysdiff *d,
                       const struct hl__sysdiff_row *const *rows, size_t n,
                       size_t *failures, size_t *errors, size_t *skipped)
{
    struct hl__sysdiff_verdict v;
    size_t g, i;

    *failures = *errors = *skipped = 0;
    for (g = 0; g < hl__sysdiff_ngates(d); g++)
        for (i = 0; i < n; i++) {
            hl__sysdiff_gate(d, rows[i], g, &v, NULL);
            *failures += v.failed;
            *errors += !v.judged && rows[i]->status == HL__SYSDIFF_BOTH;
            *skipped += !v.judged && rows[i]->status != HL__SYSDIFF_BOTH;
        }
}

/* One test case per gate and process, gate by gate as given, processes
 * by image and pid: two runs on the same inputs write the same file. */
static int sys_write_junit(const char *path, const struct hl__sysdiff *d)
{
    const struct hl__sysdiff_row **rows;
    size_t n, g, i, failures, errors, skipped, tests;
    struct hl__sbuf b;
    int err = hl__sysdiff_stable(d, &rows, &n);

    if (err != 0)
        return err;
    sys_totals(d, rows, n, &failures, &errors, &skipped);
    tests = d->gated ? hl__sysdiff_ngates(d) * n : 1;
    hl__sbuf_init(&b);
    hl__sbuf_printf(&b,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<testsuites name=\"hleak\" tests=\"%zu\" "
                    "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n"
                    "  <testsuite name=\"hleak diff whole system\" "
                    "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                    "skipped=\"%zu\">\n    <properties>\n",
                    tests, failures, errors, skipped, tests, failures,
                    errors, skipped);
    hl__sbuf_puts(&b, "      <property name=\"before.host\" value=\"");
    hl__sbuf_xml(&b, hl_system_host(d->before));
    hl__sbuf_puts(&b, "\"/>\n      <property name=\"after.host\" value=\"");
    hl__sbuf_xml(&b, hl_system_host(d->after));
    hl__sbuf_printf(&b,
                    "\"/>\n"
                    "      <property name=\"processes\" value=\"%zu\"/>\n"
                    "      <property name=\"started\" value=\"%zu\"/>\n"
                    "      <property name=\"exited\" value=\"%zu\"/>\n"
                    "      <property name=\"handles.before\" value=\"%"
                    PRIu64 "\"/>\n"
                    "      <property name=\"handles.after\" value=\"%"
                    PRIu64 "\"/>\n    </properties>\n",
                    d->nboth, d->nstarted, d->nexited, d->before_total,
                    d->after_total);
    for (g = 0; g < hl__sysdiff_ngates(d); g++)
        for (i = 0; i < n; i++)
            sys_case(&b, d, g, rows[i]);
    /* no gate asked for: one case that records the result and passes */
    if (!d->gated)
        hl__sbuf_printf(&b,
                        "    <testcase classname=\"hleak.diff\" "
                        "name=\"processes that grew\">\n"
                        "      <system-out>handles %" PRIu64 " -> %" PRIu64
                        "; %zu processes in both, %zu started, %zu "
                        "exited</system-out>\n    </testcase>\n",
                        d->before_total, d->after_total, d->nboth,
                        d->nstarted, d->nexited);
    hl__sbuf_puts(&b, "  </testsuite>\n</testsuites>\n");
    hl__free(rows);
    return hl__report_write(path, &b);
}

const struct hl__format hl__format_junit = {
    .name = "junit",
    .label = "JUnit",
    .diff_write = hl_diff_write_junit,
    .sysdiff_write = sys_write_junit,
};
