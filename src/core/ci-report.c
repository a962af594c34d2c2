#include "hleak/diff.h"

#include <inttypes.h>
#include <string.h>

#include "core-int.h"
#include "hleak/version.h"
#include "json.h"
#include "triage.h"

/* 1 when group g counts towards gate t. */
static int gate_covers(const struct hl_diff *d, const struct hl_diff_gate *t,
                       const struct hl_diff_group *g)
{
    /* a dead-target gate counts handles of AFTER, not opened groups */
    if (t->kind == HL_GATE_DEAD)
        return 0;
    return t->type == 0 || hl__ascii_caseeq(hl_diff_str(d, g->type),
                                            hl_diff_str(d, t->type));
}

/* "100 x Event <unnamed> (access 0x001f0003)" */
static void group_line(struct hl__sbuf *b, const struct hl_diff *d,
                       const struct hl_diff_group *g)
{
    const char *name = hl_diff_str(d, g->name);

    hl__sbuf_printf(b, "%zu x %s ", g->count, hl_diff_str(d, g->type));
    hl__sbuf_puts(b, *name != '\0' ? name : "<unnamed>");
    if (g->nnames > 1)
        hl__sbuf_printf(b, " (%zu names)", g->nnames);
    hl__sbuf_printf(b, " (access 0x%08" PRIx32 ")", g->granted_access);
}

static void gate_name(struct hl__sbuf *b, const struct hl_diff *d,
                      const struct hl_diff_gate *t)
{
    if (t->kind == HL_GATE_DEAD)
        hl__sbuf_printf(b, "fail-on-dead %" PRIu64, t->max);
    else if (t->type == 0)
        hl__sbuf_printf(b, "fail-on-new %" PRIu64, t->max);
    else
        hl__sbuf_printf(b, "fail-on %s=%" PRIu64, hl_diff_str(d, t->type),
                        t->max);
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
    hl__sbuf_puts(b, "\"");
    if (!t->failed) {
        hl__sbuf_puts(b, "/>\n");
        goto out;
    }
    hl__sbuf_puts(b, ">\n      <failure type=\"handle-leak\" message=\"");
    hl__sbuf_xml(b, t->reason);
    hl__sbuf_puts(b, "\">");
    if (t->kind == HL_GATE_DEAD)
        junit_dead(b, d);
    for (i = 0; i < d->nopened; i++) {
        if (!gate_covers(d, t, &d->opened[i]))
            continue;
        text.len = 0;
        group_line(&text, d, &d->opened[i]);
        hl__sbuf_xml(b, text.data != NULL ? text.data : "");
        hl__sbuf_puts(b, "\n");
    }
    hl__sbuf_puts(b, "</failure>\n    </testcase>\n");
out:
    if (text.err != 0 && b->err == 0)
        b->err = text.err;
    hl__sbuf_release(&text);
}

static int write_out(const char *path, struct hl__sbuf *b)
{
    int err = b->err;

    if (err == 0)
        err = hl__fs_write_atomic(path, b->data, b->len);
    hl__sbuf_release(b);
    return err;
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
    hl__sbuf_xml(&b, hl_snapshot_image_name(before));
    hl__sbuf_printf(&b, " (pid %" PRIu64 ") -> ", before->pid);
    hl__sbuf_xml(&b, hl_snapshot_image_name(after));
    hl__sbuf_printf(&b,
                    " (pid %" PRIu64 ")\" tests=\"%zu\" failures=\"%zu\" "
                    "errors=\"0\" skipped=\"0\">\n",
                    after->pid, tests, failures);
    for (i = 0; i < d->ngates; i++)
        junit_gate(&b, d, &d->gates[i]);
    /* no gate asked for: one case that records the result and passes */
    if (d->ngates == 0)
        hl__sbuf_printf(&b,
                        "    <testcase classname=\"hleak.diff\" "
                        "name=\"handles opened and still open: %zu\"/>\n",
                        d->total_opened);
    hl__sbuf_puts(&b, "  </testsuite>\n</testsuites>\n");
    return write_out(path, &b);
}

/* The failed gate a group breaks, if any: it decides the result's level. */
static int group_fails_gate(const struct hl_diff *d,
                            const struct hl_diff_group *g)
{
    size_t i;

    for (i = 0; i < d->ngates; i++) {
        if (d->gates[i].failed && gate_covers(d, &d->gates[i], g))
            return 1;
    }
    return 0;
}

static void sarif_result(struct hl__sbuf *b, const struct hl_diff *d,
                         const struct hl_diff_group *g,
                         const struct hl_snapshot *after, int first)
{
    struct hl__sbuf text;
    size_t i;

    hl__sbuf_init(&text);
    group_line(&text, d, g);
    hl__sbuf_puts(&text, " opened and still open");
    hl__sbuf_printf(b,
                    "%s\n        {\"ruleId\": \"HL0001\", \"level\": \"%s\", "
                    "\"message\": {\"text\": ",
                    first ? "" : ",",
                    group_fails_gate(d, g) ? "error" : "warning");
    hl__sbuf_json(b, text.data != NULL ? text.data : "");
    hl__sbuf_puts(b, "},\n         \"locations\": [{\"logicalLocations\": "
                     "[{\"name\": ");
    hl__sbuf_json(b, hl_snapshot_image_name(after));
    hl__sbuf_printf(b,
                    ", \"kind\": \"module\"}]}],\n"
                    "         \"properties\": {\"type\": ");
    hl__sbuf_json(b, hl_diff_str(d, g->type));
    hl__sbuf_puts(b, ", \"name\": ");
    hl__sbuf_json(b, hl_diff_str(d, g->name));
    hl__sbuf_printf(b,
                    ", \"count\": %zu, \"granted_access\": %" PRIu32
                    ", \"handles\": [",
                    g->count, g->granted_access);
    for (i = 0; i < g->nhandles; i++)
        hl__sbuf_printf(b, i == 0 ? "%" PRIu32 : ", %" PRIu32,
                        g->handles[i]);
    hl__sbuf_puts(b, "]}}");
    if (text.err != 0 && b->err == 0)
        b->err = text.err;
    hl__sbuf_release(&text);
}

int hl_diff_write_sarif(const char *path, const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after)
{
    struct hl__sbuf b;
    size_t i;

    (void)before;
    hl__sbuf_init(&b);
    hl__sbuf_puts(&b,
                  "{\n  \"$schema\": \"https://json.schemastore.org/"
                  "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
                  "  \"runs\": [{\n    \"tool\": {\"driver\": {"
                  "\"name\": \"hleak\", \"version\": \"" HL_VERSION "\",\n"
                  "      \"rules\": [{\"id\": \"HL0001\", "
                  "\"name\": \"HandleLeak\", \"shortDescription\": "
                  "{\"text\": \"Handles opened and still open\"}, "
                  "\"fullDescription\": {\"text\": \"Handles of one type and "
                  "name that were opened between two snapshots and not "
                  "closed.\"}}]}},\n    \"results\": [");
    for (i = 0; i < d->nopened; i++)
        sarif_result(&b, d, &d->opened[i], after, i == 0);
    hl__sbuf_puts(&b, d->nopened != 0 ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
    return write_out(path, &b);
}
