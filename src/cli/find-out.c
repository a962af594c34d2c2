#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "find.h"
#include "hleak/snapshot.h"
#include "json.h"

/* Processes listed one by one in text; past it, counts by reason. */
#define REFUSED_LISTED 10u

/* The reason as a word for JSON, by HL_ACCESS_*. */
static const char *reason_code(uint32_t why)
{
    switch (why) {
    case HL_ACCESS_PROTECTED:
        return "protected";
    case HL_ACCESS_ELEVATED:
        return "elevated";
    default:
        return "denied";
    }
}

static const char *image_of(const char *image)
{
    return image[0] != '\0' ? image : "-";
}

static int width_u64(uint64_t v, int hex)
{
    char buf[32];

    return snprintf(buf, sizeof(buf), hex ? "0x%" PRIx64 : "%" PRIu64, v);
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static size_t processes_of(const struct hl_find *f)
{
    size_t i, n = 0;

    for (i = 0; i < hl_find_count(f); i++)
        if (i == 0 || hl_find_pid(f, i) != hl_find_pid(f, i - 1))
            n++;
    return n;
}

static void print_refused(const struct hl_find *f)
{
    size_t j, n = hl_find_nrefused(f);
    size_t by[HL_ACCESS_COUNT];
    uint32_t w;

    if (n == 0)
        return;
    printf("%zu process%s could not be searched (names not readable):\n", n,
           n == 1 ? "" : "es");
    for (j = 0; j < n && j < REFUSED_LISTED; j++)
        printf("  pid %" PRIu64 " %s: %s\n", hl_find_refused_pid(f, j),
               image_of(hl_find_refused_image(f, j)),
               hl_access_str(hl_find_refused_why(f, j)));
    if (n <= REFUSED_LISTED)
        return;
    memset(by, 0, sizeof(by));
    for (j = REFUSED_LISTED; j < n; j++) {
        w = hl_find_refused_why(f, j);
        by[w < HL_ACCESS_COUNT ? w : HL_ACCESS_UNKNOWN]++;
    }
    for (w = 0; w < HL_ACCESS_COUNT; w++)
        if (by[w] != 0)
            printf("  and %zu more: %s\n", by[w], hl_access_str(w));
}

int find_print_text(const struct hl_find *f)
{
    size_t i, n = hl_find_count(f);
    int wp = 3, wi = 5, wh = 6, wt = 4;

    for (i = 0; i < n; i++) {
        wp = max_int(wp, width_u64(hl_find_pid(f, i), 0));
        wi = max_int(wi, (int)strlen(image_of(hl_find_image(f, i))));
        wh = max_int(wh, width_u64(hl_find_value(f, i), 1));
        wt = max_int(wt, (int)strlen(hl_find_type(f, i)));
    }
    if (n > 0)
        printf("%*s  %-*s  %*s  %-*s  %-10s  %s\n", wp, "PID", wi, "IMAGE",
               wh, "HANDLE", wt, "TYPE", "ACCESS", "NAME");
    for (i = 0; i < n; i++) {
        char value[32];

        snprintf(value, sizeof(value), "0x%" PRIx64, hl_find_value(f, i));
        printf("%*" PRIu64 "  %-*s  %*s  %-*s  0x%08" PRIx32 "  %s\n", wp,
               hl_find_pid(f, i), wi, image_of(hl_find_image(f, i)), wh,
               value, wt, hl_find_type(f, i), hl_find_access(f, i),
               hl_find_name(f, i));
    }
    printf("%zu handle%s in %zu process%s (%" PRIu64
           " names read in %zu processes",
           n, n == 1 ? "" : "s", processes_of(f),
           processes_of(f) == 1 ? "" : "es", hl_find_asked(f),
           hl_find_searched(f));
    /* a name that timed out was not looked at: never a quiet non-match */
    if (hl_find_timeouts(f) > 0)
        printf("; %" PRIu64 " timed out, not matched", hl_find_timeouts(f));
    printf(")\n");
    print_refused(f);
    return 0;
}

int find_print_json(const struct hl_find *f, const char *pattern,
                    const char *const *types, size_t ntypes)
{
    size_t i, n = hl_find_count(f);

    printf("{\n  \"pattern\": ");
    hl__json_str(stdout, pattern);
    printf(",\n  \"types\": [");
    if (ntypes == 0)
        types = hl_find_default_types(&ntypes);
    for (i = 0; i < ntypes; i++) {
        printf("%s", i ? ", " : "");
        hl__json_str(stdout, types[i]);
    }
    printf("],\n  \"matches\": [");
    for (i = 0; i < n; i++) {
        printf("%s\n    {\"pid\": %" PRIu64 ", \"image\": ", i ? "," : "",
               hl_find_pid(f, i));
        hl__json_str(stdout, hl_find_image(f, i));
        printf(", \"handle\": %" PRIu64 ", \"type\": ", hl_find_value(f, i));
        hl__json_str(stdout, hl_find_type(f, i));
        printf(", \"access\": %" PRIu32 ", \"name\": ", hl_find_access(f, i));
        hl__json_str(stdout, hl_find_name(f, i));
        printf(", \"nt_name\": ");
        hl__json_str(stdout, hl_find_nt_name(f, i));
        printf("}");
    }
    printf("%s],\n  \"refused\": [", n > 0 ? "\n  " : "");
    for (i = 0; i < hl_find_nrefused(f); i++) {
        printf("%s\n    {\"pid\": %" PRIu64 ", \"image\": ", i ? "," : "",
               hl_find_refused_pid(f, i));
        hl__json_str(stdout, hl_find_refused_image(f, i));
        printf(", \"handles\": %" PRIu64 ", \"reason\": ",
               hl_find_refused_handles(f, i));
        hl__json_str(stdout, reason_code(hl_find_refused_why(f, i)));
        printf("}");
    }
    printf("%s],\n  \"processes\": %zu,\n  \"searched\": %zu,\n"
           "  \"names_read\": %" PRIu64 ",\n  \"timeouts\": %" PRIu64
           ",\n  \"exited\": %zu\n}\n",
           hl_find_nrefused(f) > 0 ? "\n  " : "", processes_of(f),
           hl_find_searched(f), hl_find_asked(f), hl_find_timeouts(f),
           hl_find_exited(f));
    return 0;
}
