#include "json.h"

#include <inttypes.h>

#include "core-int.h"

void hl__json_str(FILE *f, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;

    fputc('"', f);
    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                fputs("\\u00", f);
                fputc(hex[*p >> 4], f);
                fputc(hex[*p & 15], f);
            } else {
                fputc(*p, f);
            }
        }
    }
    fputc('"', f);
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
    fprintf(f, ",\n    \"handle_count\": %zu\n  }", s->count);
}
