#include "hleak/diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "formats.h"
#include "report.h"

/* The test case's name: the gate, never a count or a limit, so CI tools
 * keep one history per gate across runs. */
static void gate_name(struct hl__sbuf *b, const struct hl_diff *d,
                      const struct hl_diff_gate *t)
{
    if (t->kind == HL_GATE_DEAD)
        hl__sbuf_puts(b, "fail-on-dead");
    else if (t->type == 0)
        hl__sbuf_puts(b, "fail-on-new");
    else
        hl__sbuf_printf(b, "fail-on %s", hl_diff_str(d, t->type));
}

/* "<system-out>12 counted; at most 20 allowed</system-out>" */
static void gate_counts(struct hl__sbuf *b, const struct hl_diff_gate *t)
{
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
    if (!t->failed) {
        gate_counts(b, t);
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
    gate_counts(b, t);
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
    size_t i, failures = 0, tests = d->ngates ? d->ngates : 1;

    for (i = 0; i < d->ngates; i++)
        failures += d->gates[i].failed != 0;
    hl__sbuf_init(&b);
    hl__sbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    hl__sbuf_printf(&b,
                    "<testsuites name=\"hleak\" tests=\"%zu\" "
                    "failures=\"%zu\">\n"
                    "  <testsuite name=\"hleak diff ",
                    tests, failures);
    /* the program, not its pids: they change every run */
    hl__sbuf_xml(&b, hl_snapshot_image_name(after));
    hl__sbuf_printf(&b,
                    "\" tests=\"%zu\" failures=\"%zu\" "
                    "errors=\"0\" skipped=\"0\">\n"
                    "    <properties>\n"
                    "      <property name=\"before.pid\" value=\"%" PRIu64
                    "\"/>\n"
                    "      <property name=\"after.pid\" value=\"%" PRIu64
                    "\"/>\n"
                    "      <property name=\"opened\" value=\"%zu\"/>\n"
                    "      <property name=\"closed\" value=\"%zu\"/>\n"
                    "    </properties>\n",
                    tests, failures, before->pid, after->pid,
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

const struct hl__format hl__format_junit = {
    .name = "junit",
    .label = "JUnit",
    .diff_write = hl_diff_write_junit,
};
