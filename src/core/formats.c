#include "formats.h"

#include <string.h>

/* Each defined in its report-<name>.c. */
extern const struct hl__format hl__format_text;
extern const struct hl__format hl__format_json;
extern const struct hl__format hl__format_csv;
extern const struct hl__format hl__format_junit;
extern const struct hl__format hl__format_sarif;
extern const struct hl__format hl__format_svg;

static const struct hl__format *const formats[] = {
    &hl__format_text,  &hl__format_json,  &hl__format_csv,
    &hl__format_junit, &hl__format_sarif, &hl__format_svg,
};

const struct hl__format *hl__format_at(size_t i)
{
    return i < sizeof(formats) / sizeof(formats[0]) ? formats[i] : NULL;
}

static int has_use(const struct hl__format *f, enum hl__format_use use)
{
    switch (use) {
    case HL__USE_SHOW:
        return f->show != NULL;
    case HL__USE_DIFF:
        return f->diff_print != NULL;
    case HL__USE_DIFF_FILE:
        return f->diff_write != NULL;
    case HL__USE_WATCH:
        return f->watch != NULL;
    case HL__USE_SYSDIFF_FILE:
        return f->sysdiff_write != NULL;
    }
    return 0;
}

const struct hl__format *hl__format_find(const char *name,
                                         enum hl__format_use use)
{
    const struct hl__format *f;
    size_t i;

    for (i = 0; (f = hl__format_at(i)) != NULL; i++) {
        if (strcmp(f->name, name) == 0)
            return has_use(f, use) ? f : NULL;
    }
    return NULL;
}
