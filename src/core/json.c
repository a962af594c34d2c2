#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "core-int.h"

/* The JSON form of byte c inside a string: c itself, or an escape. */
static size_t json_escape(unsigned char c, char out[7])
{
    static const char hex[] = "0123456789abcdef";

    switch (c) {
    case '"':
    case '\\':
        out[0] = '\\';
        out[1] = (char)c;
        return 2;
    case '\n':
        memcpy(out, "\\n", 2);
        return 2;
    case '\r':
        memcpy(out, "\\r", 2);
        return 2;
    case '\t':
        memcpy(out, "\\t", 2);
        return 2;
    }
    if (c < 0x20 || c == 0x7f) {
        memcpy(out, "\\u00", 4);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        return 6;
    }
    out[0] = (char)c;
    return 1;
}

void hl__json_str(FILE *f, const char *s)
{
    char esc[7];

    fputc('"', f);
    for (; *s != '\0'; s++)
        fwrite(esc, 1, json_escape((unsigned char)*s, esc), f);
    fputc('"', f);
}

void hl__sbuf_json(struct hl__sbuf *b, const char *s)
{
    char esc[7];

    hl__sbuf_add(b, "\"", 1);
    for (; *s != '\0'; s++)
        hl__sbuf_add(b, esc, json_escape((unsigned char)*s, esc));
    hl__sbuf_add(b, "\"", 1);
}

void hl__json_time(FILE *f, uint64_t ft)
{
    char when[32];

    if (ft == 0) {
        fputs("null", f);
        return;
    }
    hl__filetime_iso(ft, when, sizeof(when));
    hl__json_str(f, when);
}

void hl__json_process(FILE *f, const struct hl_snapshot *s)
{
    static const char *const wow64[] = {"false", "true", "null"};
    static const char *const access_keys[HL_ACCESS_COUNT] = {
        "", "readable", "protected", "elevated", "denied"};

    fprintf(f, "{\n    \"pid\": %" PRIu64 ",\n    \"image\": ", s->pid);
    hl__json_str(f, hl_snapshot_str(s, s->image));
    fputs(",\n    \"start_time\": ", f);
    hl__json_time(f, s->start_time);
    fprintf(f, ",\n    \"wow64\": %s,\n    \"taken_at\": ",
            wow64[s->wow64 <= 2 ? s->wow64 : 2]);
    hl__json_time(f, s->taken_at);
    fprintf(f, ",\n    \"duration_us\": %" PRIu64 ",\n    \"host\": ",
            s->duration_us);
    hl__json_str(f, hl_snapshot_str(s, s->host));
    fputs(",\n    \"os_version\": ", f);
    hl__json_str(f, hl_snapshot_str(s, s->os_version));
    fputs(",\n    \"hleak_version\": ", f);
    hl__json_str(f, hl_snapshot_str(s, s->hleak_version));
    fputs(",\n    \"method\": ", f);
    hl__json_str(f, hl_snapshot_str(s, s->method));
    fputs(",\n    \"names_access\": ", f);
    if (s->access != HL_ACCESS_UNKNOWN && s->access < HL_ACCESS_COUNT)
        hl__json_str(f, access_keys[s->access]);
    else
        fputs("null", f);
    fprintf(f, ",\n    \"debug_privilege\": %s",
            !(s->collect_flags & HL_COLLECT_RECORDED) ? "null"
            : (s->collect_flags & HL_COLLECT_DEBUG_PRIV) ? "true"
                                                         : "false");
    fprintf(f, ",\n    \"handle_count\": %zu\n  }", s->count);
}
