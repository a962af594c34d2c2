/* The self-test's table, as text for a bug report and as JSON. */
#include "selftest.h"

#include <stdio.h>

#include "json.h"

static const struct {
    const char *name; /* the text table's */
    const char *id;   /* the JSON's */
} rows[ST_ROW_COUNT] = {
    {"handle list", "handle-list"},
    {"class 51", "class-51"},
    {"names", "names"},
    {"thread/process state", "targets"},
    {"object addresses", "object-addresses"},
    {"SeDebugPrivilege", "debug-privilege"},
    {"GUI counts", "gui-counts"},
    {"hang guard", "hang-guard"},
    {"snapshot file", "snapshot-file"},
    {"diff", "diff"},
    {"handle tracing", "handle-tracing"},
    {"dump handle stream", "dump-handle-stream"},
    {"cleanup", "cleanup"},
};

static const char *verdict_text(enum st_verdict v)
{
    switch (v) {
    case ST_OK:
        return "ok";
    case ST_UNSUPPORTED:
        return "not supported here";
    default:
        return "FAILED";
    }
}

/* The JSON's words: stable for machines. */
static const char *verdict_id(enum st_verdict v)
{
    switch (v) {
    case ST_OK:
        return "ok";
    case ST_UNSUPPORTED:
        return "unsupported";
    default:
        return "failed";
    }
}

static const char *or_unknown(const char *s)
{
    return s[0] != '\0' ? s : "unknown";
}

static const char *tri(int v, const char *yes, const char *no)
{
    return v < 0 ? "unknown" : v ? yes : no;
}

void st_tally(const struct st_report *r, size_t *ok, size_t *unsupported,
              size_t *failed)
{
    size_t i;

    *ok = *unsupported = *failed = 0;
    for (i = 0; i < ST_ROW_COUNT; i++) {
        if (r->rows[i].verdict == ST_OK)
            (*ok)++;
        else if (r->rows[i].verdict == ST_UNSUPPORTED)
            (*unsupported)++;
        else
            (*failed)++;
    }
}

int st_report_text(FILE *f, const struct st_report *r)
{
    size_t i, ok, unsupported, failed;

    fprintf(f, "hleak %s selftest (%s build)\n", or_unknown(r->version),
            or_unknown(r->build));
    fprintf(f, "system: %s, %s", or_unknown(r->os), or_unknown(r->arch));
    if (r->wine[0] != '\0')
        fprintf(f, ", Wine %s", r->wine);
    fprintf(f, "\nprocess: %s, %s\n", tri(r->wow64, "WOW64", "not WOW64"),
            tri(r->elevated, "elevated", "not elevated"));
    if (r->fault != NULL)
        fprintf(f, "test fault injected: %s (this run is not evidence)\n",
                r->fault);
    fputc('\n', f);
    for (i = 0; i < ST_ROW_COUNT; i++)
        fprintf(f, "%-21s %-19s %s\n", rows[i].name,
                verdict_text(r->rows[i].verdict), r->rows[i].detail);
    st_tally(r, &ok, &unsupported, &failed);
    fprintf(f, "\n%zu ok, %zu not supported here, %zu FAILED\n", ok,
            unsupported, failed);
    return 0;
}

static void json_tri(FILE *f, const char *key, int v)
{
    fprintf(f, "  \"%s\": %s,\n", key, v < 0 ? "null" : v ? "true" : "false");
}

static void json_opt_str(FILE *f, const char *key, const char *s)
{
    fprintf(f, "  \"%s\": ", key);
    if (s == NULL || s[0] == '\0')
        fputs("null", f);
    else
        hl__json_str(f, s);
    fputs(",\n", f);
}

int st_report_json(FILE *f, const struct st_report *r)
{
    size_t i, ok, unsupported, failed;

    fputs("{\n", f);
    json_opt_str(f, "hleak_version", r->version);
    json_opt_str(f, "build", r->build);
    json_opt_str(f, "os_version", r->os);
    json_opt_str(f, "wine_version", r->wine);
    json_opt_str(f, "architecture", r->arch);
    json_tri(f, "wow64", r->wow64);
    json_tri(f, "elevated", r->elevated);
    json_opt_str(f, "fault", r->fault);
    fputs("  \"checks\": [\n", f);
    for (i = 0; i < ST_ROW_COUNT; i++) {
        fprintf(f, "    {\"check\": \"%s\", \"result\": \"%s\", "
                   "\"detail\": ",
                rows[i].id, verdict_id(r->rows[i].verdict));
        hl__json_str(f, r->rows[i].detail);
        fprintf(f, "}%s\n", i + 1 < ST_ROW_COUNT ? "," : "");
    }
    st_tally(r, &ok, &unsupported, &failed);
    fprintf(f,
            "  ],\n  \"ok\": %zu,\n  \"unsupported\": %zu,\n"
            "  \"failed\": %zu\n}\n",
            ok, unsupported, failed);
    return 0;
}
