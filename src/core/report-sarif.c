#include "hleak/diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "formats.h"
#include "hleak/system.h"
#include "namepat.h"
#include "hleak/version.h"
#include "json.h"
#include "report.h"

/* Up to the first rule: the same in every report. */
#define SARIF_HEAD                                                       \
    "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n" \
    "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"                           \
    "    \"tool\": {\"driver\": {\"name\": \"hleak\", "                       \
    "\"version\": \"" HL_VERSION "\",\n      \"rules\": ["

/* The failed gate a group breaks, if any: it decides the result's level. */
static int group_fails_gate(const struct hl_diff *d,
                            const struct hl_diff_group *g)
{
    size_t i;

    for (i = 0; i < d->ngates; i++) {
        if (d->gates[i].failed && hl__gate_covers(d, &d->gates[i], g))
            return 1;
    }
    return 0;
}

/* 64-bit FNV-1a of the parts, each ended by a NUL: a short, stable id. */
static uint64_t fnv1a(const char *const *parts, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;
    const char *p;

    for (i = 0; i < n; i++) {
        for (p = parts[i];; p++) {
            h ^= (unsigned char)*p;
            h *= 0x100000001b3ull;
            if (*p == '\0')
                break;
        }
    }
    return h;
}

/* t as a JSON string into b; releases t. */
static void json_sbuf(struct hl__sbuf *b, struct hl__sbuf *t)
{
    hl__sbuf_json(b, t->data != NULL ? t->data : "");
    if (t->err != 0 && b->err == 0)
        b->err = t->err;
    hl__sbuf_release(t);
}

/*
 * A result's stable parts: partialFingerprints (SARIF 2.1.0, 3.27.17)
 * from the rule, the type and the name pattern (and the access of unnamed
 * handles, which is their key), never a count, handle value or pid; and a
 * logical location (3.33), the handle type within the program.
 */
static void sarif_where(struct hl__sbuf *b, const char *rule,
                        const char *image, const char *type,
                        const char *pattern, uint32_t access)
{
    char acc[16];
    const char *parts[4];
    struct hl__sbuf fq;

    snprintf(acc, sizeof(acc), "0x%08" PRIx32, *pattern ? 0 : access);
    parts[0] = rule;
    parts[1] = type;
    parts[2] = pattern;
    parts[3] = acc;
    hl__sbuf_printf(b,
                    ",\n         \"partialFingerprints\": "
                    "{\"hleakGroup/v1\": \"%016" PRIx64 "\"},\n"
                    "         \"locations\": [{\"logicalLocations\": "
                    "[{\"name\": ",
                    fnv1a(parts, 4));
    hl__sbuf_json(b, type);
    hl__sbuf_puts(b, ", \"fullyQualifiedName\": ");
    hl__sbuf_init(&fq);
    hl__sbuf_printf(&fq, "%s/%s", image, type);
    json_sbuf(b, &fq);
    hl__sbuf_puts(b, ", \"kind\": \"type\"}]}]");
}

static void sarif_result(struct hl__sbuf *b, const struct hl_diff *d,
                         const struct hl_diff_group *g,
                         const struct hl_snapshot *after, int first)
{
    struct hl__sbuf text;
    size_t i;

    hl__sbuf_init(&text);
    hl__group_line(&text, d, g);
    hl__sbuf_puts(&text, " opened and still open");
    hl__sbuf_printf(b,
                    "%s\n        {\"ruleId\": \"HL0001\", \"level\": \"%s\", "
                    "\"message\": {\"text\": ",
                    first ? "" : ",",
                    group_fails_gate(d, g) ? "error" : "warning");
    hl__sbuf_json(b, text.data != NULL ? text.data : "");
    hl__sbuf_puts(b, "}");
    sarif_where(b, "HL0001", hl_snapshot_image_name(after),
                hl_diff_str(d, g->type), hl_diff_str(d, g->pattern),
                g->granted_access);
    hl__sbuf_puts(b, ",\n         \"properties\": {\"type\": ");
    hl__sbuf_json(b, hl_diff_str(d, g->type));
    hl__sbuf_puts(b, ", \"name\": ");
    hl__sbuf_json(b, hl_diff_str(d, g->name));
    hl__sbuf_puts(b, ", \"pattern\": ");
    hl__sbuf_json(b, hl_diff_str(d, g->pattern));
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

/* A dead handle's type and name pattern ("tid {n} in app.exe (pid {n})"),
 * sorted so handles of one pattern make one result. */
struct dead_key {
    const char *type;
    char *pattern;
};

static int dead_key_cmp(const void *a, const void *b)
{
    const struct dead_key *x = a, *y = b;
    int c = strcmp(x->type, y->type);

    return c != 0 ? c : strcmp(x->pattern, y->pattern);
}

static int dead_failed(const struct hl_diff *d)
{
    size_t i;

    for (i = 0; i < d->ngates; i++) {
        if (d->gates[i].kind == HL_GATE_DEAD && d->gates[i].failed)
            return 1;
    }
    return 0;
}

/* HL0002: handles of AFTER to exited threads and processes, one result
 * per type and name pattern. Returns 0 or HL_ENOMEM. */
static int sarif_dead(struct hl__sbuf *b, const struct hl_diff *d,
                      const struct hl_snapshot *after, int first)
{
    struct dead_key *keys;
    struct hl__sbuf text;
    size_t i, j, n = d->dead.count;
    int err = 0;

    if (n == 0)
        return 0;
    keys = hl__calloc(n, sizeof(*keys));
    if (keys == NULL)
        return HL_ENOMEM;
    for (i = 0; i < n && err == 0; i++) {
        keys[i].type = hl_diff_str(d, d->dead.handles[i].type);
        err = hl_name_pattern(hl_diff_str(d, d->dead.handles[i].name),
                              &keys[i].pattern);
    }
    if (err == 0)
        qsort(keys, n, sizeof(*keys), dead_key_cmp);
    for (i = 0; i < n && err == 0; i = j, first = 0) {
        for (j = i + 1; j < n && dead_key_cmp(&keys[i], &keys[j]) == 0; j++)
            ;
        hl__sbuf_printf(b,
                        "%s\n        {\"ruleId\": \"HL0002\", \"level\": "
                        "\"%s\", \"message\": {\"text\": ",
                        first ? "" : ",",
                        dead_failed(d) ? "error" : "warning");
        hl__sbuf_init(&text);
        hl__sbuf_printf(&text, "%zu x %s %s to an exited target, still open",
                        j - i, keys[i].type,
                        *keys[i].pattern ? keys[i].pattern : "<unnamed>");
        json_sbuf(b, &text);
        hl__sbuf_puts(b, "}");
        sarif_where(b, "HL0002", hl_snapshot_image_name(after), keys[i].type,
                    keys[i].pattern, 0);
        hl__sbuf_puts(b, ",\n         \"properties\": {\"type\": ");
        hl__sbuf_json(b, keys[i].type);
        hl__sbuf_puts(b, ", \"pattern\": ");
        hl__sbuf_json(b, keys[i].pattern);
        hl__sbuf_printf(b, ", \"count\": %zu}}", j - i);
    }
    for (i = 0; i < n; i++)
        hl__free(keys[i].pattern);
    hl__free(keys);
    return err;
}

/* HL0005: each growth gate (run's --fail-on-growth), one result with
 * its verdict: "fail" (level error), "pass", or "open" when the samples
 * were too few to judge (SARIF 3.27.9: a kind other than "fail" has level
 * "none"). Fingerprinted by rule, the gate's type and the image. Returns
 * how many it wrote. */
static size_t sarif_growth(struct hl__sbuf *b, const struct hl_diff *d,
                           const struct hl_snapshot *after, int first)
{
    const struct hl_diff_gate *t;
    struct hl__sbuf text;
    const char *parts[3], *kind;
    size_t i, n = 0;

    for (i = 0; i < d->ngates; i++) {
        t = &d->gates[i];
        if (t->kind != HL_GATE_GROWTH)
            continue;
        kind = !t->judged ? "open" : t->failed ? "fail" : "pass";
        hl__sbuf_printf(b,
                        "%s\n        {\"ruleId\": \"HL0005\", \"kind\": "
                        "\"%s\", \"level\": \"%s\", \"message\": "
                        "{\"text\": ",
                        first && n == 0 ? "" : ",", kind,
                        t->failed ? "error" : "none");
        hl__sbuf_init(&text);
        if (!t->judged)
            hl__sbuf_printf(&text, "cannot judge growth: %zu samples",
                            t->samples);
        else
            hl__sbuf_printf(&text,
                            "%s %+.1f handles per minute over %zu "
                            "samples; at most %.10g allowed",
                            t->worst != 0 ? hl_diff_str(d, t->worst)
                                          : "no type growing",
                            t->rate, t->samples, t->rate_max);
        json_sbuf(b, &text);
        parts[0] = "HL0005";
        parts[1] = hl_diff_str(d, t->type);
        parts[2] = hl_snapshot_image_name(after);
        hl__sbuf_printf(b,
                        "},\n         \"partialFingerprints\": "
                        "{\"hleakGrowth/v1\": \"%016" PRIx64 "\"},\n"
                        "         \"properties\": {\"type\": ",
                        fnv1a(parts, 3));
        if (t->type != 0)
            hl__sbuf_json(b, hl_diff_str(d, t->type));
        else
            hl__sbuf_puts(b, "null");
        hl__sbuf_printf(b,
                        ", \"rate_per_min\": %.1f, \"limit_per_min\": %.10g, "
                        "\"samples\": %zu}}",
                        t->rate, t->rate_max, t->samples);
        n++;
    }
    return n;
}

int hl_diff_write_sarif(const char *path, const struct hl_diff *d,
                        const struct hl_snapshot *before,
                        const struct hl_snapshot *after)
{
    struct hl__sbuf b;
    size_t i, n;
    int err;

    (void)before;
    hl__sbuf_init(&b);
    hl__sbuf_puts(&b,
                  SARIF_HEAD "{\"id\": \"HL0001\", "
                  "\"name\": \"HandleLeak\", \"shortDescription\": "
                  "{\"text\": \"Handles opened and still open\"}, "
                  "\"fullDescription\": {\"text\": \"Handles of one type and "
                  "name that were opened between two snapshots and not "
                  "closed (gates --fail-on-new, --fail-on).\"}},\n"
                  "        {\"id\": \"HL0002\", \"name\": "
                  "\"DeadTargetHandle\", \"shortDescription\": {\"text\": "
                  "\"Handles to exited threads and processes\"}, "
                  "\"fullDescription\": {\"text\": \"Handles in the second "
                  "snapshot to threads and processes that have exited, "
                  "which keep their objects alive (gate "
                  "--fail-on-dead).\"}}");
    /* the growth rule only where run added growth gates: a diff's
     * report stays as it was */
    for (i = 0; i < d->ngates && d->gates[i].kind != HL_GATE_GROWTH; i++)
        ;
    if (i < d->ngates)
        hl__sbuf_puts(&b,
                      ",\n        {\"id\": \"HL0005\", \"name\": "
                      "\"HandleGrowth\", \"shortDescription\": {\"text\": "
                      "\"Handles of a type growing over a run\"}, "
                      "\"fullDescription\": {\"text\": \"A type's count, "
                      "sampled through a run, grows faster than the limit "
                      "(hleak run --fail-on-growth).\"}}");
    hl__sbuf_puts(&b, "]}},\n    \"results\": [");
    for (i = 0; i < d->nopened; i++)
        sarif_result(&b, d, &d->opened[i], after, i == 0);
    err = sarif_dead(&b, d, after, d->nopened == 0);
    if (err != 0) {
        hl__sbuf_release(&b);
        return err;
    }
    n = sarif_growth(&b, d, after, d->nopened + d->dead.count == 0);
    hl__sbuf_puts(&b, d->nopened + d->dead.count + n != 0
                          ? "\n    ]\n  }]\n}\n"
                          : "]\n  }]\n}\n");
    return hl__report_write(path, &b);
}

/* ---- whole-system diff ---- */

static void sys_count(struct hl__sbuf *b, const char *key, uint64_t n)
{
    if (n == HL_SYSTEM_UNKNOWN)
        hl__sbuf_printf(b, ", \"%s\": null", key);
    else
        hl__sbuf_printf(b, ", \"%s\": %" PRIu64, key, n);
}

/* The verdict's kind and level (SARIF 3.27.9, 3.27.10: a kind other than
 * "fail" has level "none") and its message into text. g: the gate, or
 * (size_t)-1 when none was asked (a process that grew: a warning). */
static const char *sys_verdict(const struct hl__sysdiff *d,
                               const struct hl__sysdiff_row *r, size_t g,
                               struct hl__sbuf *text, const char **level)
{
    struct hl__sysdiff_verdict v;

    *level = "none";
    if (g == (size_t)-1) {
        *level = "warning";
        hl__sbuf_printf(text, "pid %" PRIu64 " (%s) grew by %" PRId64
                        " handles", r->pid, hl__sysdiff_image(r), r->growth);
        return "fail";
    }
    if (hl__sysdiff_gate(d, r, g, &v, text)) {
        *level = "error";
        return "fail";
    }
    if (v.judged) {
        hl__sbuf_printf(text, "pid %" PRIu64 " (%s): %" PRIu64 " counted; "
                        "at most %" PRIu64 " allowed",
                        r->pid, hl__sysdiff_image(r), v.count, v.max);
        return "pass";
    }
    if (r->status == HL__SYSDIFF_BOTH) {
        hl__sbuf_printf(text, "pid %" PRIu64 " (%s) not counted in %s (it "
                        "started as the handle list was read): the gate "
                        "cannot judge it",
                        r->pid, hl__sysdiff_image(r),
                        r->before == HL_SYSTEM_UNKNOWN ? "BEFORE" : "AFTER");
        return "open";
    }
    hl__sbuf_printf(text, "pid %" PRIu64 " (%s) %s between the snapshots: "
                    "not judged",
                    r->pid, hl__sysdiff_image(r),
                    r->status == HL__SYSDIFF_NEW ? "started" : "exited");
    return "notApplicable";
}

/* One result: rule HL0003 (--fail-on-new, or no gate) or HL0004
 * (--fail-on), fingerprinted by rule, gate and image, never by pid, count
 * or start time. */
static void sys_result(struct hl__sbuf *b, const struct hl__sysdiff *d,
                       const struct hl__sysdiff_row *r, size_t g, int first)
{
    static const char *const status[] = {"both", "new", "exited"};
    struct hl__sbuf text, gate;
    const char *parts[3], *level, *kind;

    hl__sbuf_init(&text);
    hl__sbuf_init(&gate);
    if (g != (size_t)-1)
        hl__sysdiff_gate_name(&gate, d, g);
    kind = sys_verdict(d, r, g, &text, &level);
    parts[0] = g == (size_t)-1 || hl__sysdiff_gate_is_new(d, g) ? "HL0003"
                                                                : "HL0004";
    parts[1] = gate.data != NULL ? gate.data : "";
    parts[2] = hl__sysdiff_image(r);
    hl__sbuf_printf(b,
                    "%s\n        {\"ruleId\": \"%s\", \"kind\": \"%s\", "
                    "\"level\": \"%s\", \"message\": {\"text\": ",
                    first ? "" : ",", parts[0], kind, level);
    json_sbuf(b, &text);
    hl__sbuf_printf(b,
                    "},\n         \"partialFingerprints\": "
                    "{\"hleakProcess/v1\": \"%016" PRIx64 "\"},\n"
                    "         \"locations\": [{\"logicalLocations\": "
                    "[{\"name\": ",
                    fnv1a(parts, 3));
    hl__sbuf_json(b, parts[2]);
    hl__sbuf_puts(b, ", \"kind\": \"module\"}]}],\n"
                     "         \"properties\": {\"gate\": ");
    hl__sbuf_json(b, parts[1]);
    hl__sbuf_printf(b, ", \"pid\": %" PRIu64 ", \"image\": ", r->pid);
    hl__sbuf_json(b, r->image);
    hl__sbuf_printf(b, ", \"status\": \"%s\"", status[r->status]);
    sys_count(b, "before", r->before);
    sys_count(b, "after", r->after);
    hl__sbuf_puts(b, "}}");
    if (gate.err != 0 && b->err == 0)
        b->err = gate.err;
    hl__sbuf_release(&gate);
}

static int sys_write_sarif(const char *path, const struct hl__sysdiff *d)
{
    const struct hl__sysdiff_row **rows;
    struct hl__sbuf b;
    size_t n, g, i, k = 0;
    int err = hl__sysdiff_stable(d, &rows, &n);

    if (err != 0)
        return err;
    hl__sbuf_init(&b);
    hl__sbuf_puts(&b,
                  SARIF_HEAD "{\"id\": \"HL0003\", \"name\": "
                  "\"ProcessHandleGrowth\", \"shortDescription\": "
                  "{\"text\": \"A process gained handles\"}, "
                  "\"fullDescription\": {\"text\": \"A process in both "
                  "whole-system snapshots that holds more handles in the "
                  "second (gate --fail-on-new, judged per process).\"}},\n"
                  "        {\"id\": \"HL0004\", \"name\": "
                  "\"ProcessTypeGrowth\", \"shortDescription\": {\"text\": "
                  "\"A process gained handles of one type\"}, "
                  "\"fullDescription\": {\"text\": \"A process in both "
                  "whole-system snapshots that holds more handles of a "
                  "type in the second (gate --fail-on TYPE=N, judged per "
                  "process).\"}}]}},\n    \"results\": [");
    /* gated: every process for every gate, as JUnit's cases; else the
     * processes that grew */
    for (g = 0; g < hl__sysdiff_ngates(d); g++)
        for (i = 0; i < n; i++)
            sys_result(&b, d, rows[i], g, k++ == 0);
    for (i = 0; !d->gated && i < n; i++)
        if (rows[i]->counted && rows[i]->growth > 0)
            sys_result(&b, d, rows[i], (size_t)-1, k++ == 0);
    hl__free(rows);
    hl__sbuf_puts(&b, k != 0 ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
    return hl__report_write(path, &b);
}

const struct hl__format hl__format_sarif = {
    .name = "sarif",
    .label = "SARIF",
    .diff_write = hl_diff_write_sarif,
    .sysdiff_write = sys_write_sarif,
};
