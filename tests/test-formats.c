#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "formats.h"

/* What docs/ARCHITECTURE.md and the man pages say each format is for:
 * show and diff print text and JSON, diff also CSV, diff --junit and
 * --sarif write files (of two process snapshots and of two whole-system
 * ones), watch --csv and --svg write the series. */
static const struct {
    const char *name;
    int show, diff_print, diff_write, watch, sysdiff_write;
} documented[] = {
    {"text", 1, 1, 0, 0, 0},  {"json", 1, 1, 0, 0, 0},
    {"csv", 0, 1, 0, 1, 0},   {"junit", 0, 0, 1, 0, 1},
    {"sarif", 0, 0, 1, 0, 1}, {"svg", 0, 0, 0, 1, 0},
};
#define NDOCUMENTED (sizeof(documented) / sizeof(documented[0]))

static void test_formats_names_unique(void **state)
{
    const struct hl__format *f, *g;
    size_t i, j;

    (void)state;
    for (i = 0; (f = hl__format_at(i)) != NULL; i++) {
        assert_non_null(f->name);
        assert_true(f->name[0] != '\0');
        assert_non_null(f->label);
        assert_true(f->label[0] != '\0');
        /* a row with no entry would be a format no command can write */
        assert_true(f->show != NULL || f->diff_print != NULL ||
                    f->diff_write != NULL || f->watch != NULL);
        for (j = 0; j < i; j++) {
            g = hl__format_at(j);
            assert_true(strcmp(f->name, g->name) != 0);
        }
    }
    assert_int_equal(i, NDOCUMENTED);
}

/* The row called name, whatever it is for. */
static const struct hl__format *row(const char *name)
{
    const struct hl__format *f;
    size_t i;

    for (i = 0; (f = hl__format_at(i)) != NULL; i++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    fail_msg("no format '%s' in the table", name);
    return NULL;
}

static void test_formats_entries_as_documented(void **state)
{
    const struct hl__format *f;
    size_t i;

    (void)state;
    for (i = 0; i < NDOCUMENTED; i++) {
        const char *name = documented[i].name;

        f = row(name);
        assert_string_equal(f->name, name);
        assert_int_equal(f->show != NULL, documented[i].show);
        assert_int_equal(f->diff_print != NULL, documented[i].diff_print);
        assert_int_equal(f->diff_write != NULL, documented[i].diff_write);
        assert_int_equal(f->watch != NULL, documented[i].watch);
        assert_int_equal(f->sysdiff_write != NULL,
                         documented[i].sysdiff_write);
        /* a use the row has no entry for is not found */
        assert_int_equal(hl__format_find(name, HL__USE_SHOW) != NULL,
                         documented[i].show);
        assert_int_equal(hl__format_find(name, HL__USE_DIFF) != NULL,
                         documented[i].diff_print);
        assert_int_equal(hl__format_find(name, HL__USE_DIFF_FILE) != NULL,
                         documented[i].diff_write);
        assert_int_equal(hl__format_find(name, HL__USE_WATCH) != NULL,
                         documented[i].watch);
        assert_int_equal(hl__format_find(name, HL__USE_SYSDIFF_FILE) !=
                             NULL,
                         documented[i].sysdiff_write);
    }
}

static void test_formats_unknown_name(void **state)
{
    (void)state;
    assert_null(hl__format_find("xml", HL__USE_DIFF));
    assert_null(hl__format_find("", HL__USE_SHOW));
    /* names are exact, as the options spell them */
    assert_null(hl__format_find("JSON", HL__USE_DIFF));
    assert_null(hl__format_find("jso", HL__USE_DIFF));
    assert_null(hl__format_find("json ", HL__USE_DIFF));
    assert_null(hl__format_at(NDOCUMENTED));
    assert_null(hl__format_at((size_t)-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_names_unique),
        cmocka_unit_test(test_formats_entries_as_documented),
        cmocka_unit_test(test_formats_unknown_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
