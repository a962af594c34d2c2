#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "objtypes.h"

static void test_objtypes_table_sorted_and_unique(void **state)
{
    size_t i, n = hl__objtype_count();

    (void)state;
    assert_true(n >= 70);
    for (i = 1; i < n; i++) {
        const char *a = hl__objtype_at(i - 1), *b = hl__objtype_at(i);
        size_t k;

        /* case-insensitive order, so a duplicate would sit beside */
        for (k = 0; a[k] != '\0' && b[k] != '\0'; k++) {
            int x = a[k] | 0x20, y = b[k] | 0x20;

            if (x != y) {
                assert_true(x < y);
                break;
            }
        }
        assert_false(hl__ascii_caseeq(a, b));
    }
    assert_null(hl__objtype_at(n));
}

static void test_objtypes_known_names(void **state)
{
    static const char *const names[] = {
        "Event", "Mutant", "Semaphore", "File", "Key", "Section", "Thread",
        "Process", "Token", "Directory", "SymbolicLink", "IoCompletion",
        "Job", "Desktop", "WindowStation", "ALPC Port", "TpWorkerFactory",
        "EtwRegistration", "WaitCompletionPacket", "IRTimer", "Timer",
        "KeyedEvent", "DebugObject", "PowerRequest", "IoCompletionReserve",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_string_equal(hl__objtype_find(names[i]), names[i]);
    assert_string_equal(hl__objtype_find("alpc port"), "ALPC Port");
    assert_string_equal(hl__objtype_find("EVENT"), "Event");
    assert_null(hl__objtype_find("Mutex"));
    assert_null(hl__objtype_find(""));
    assert_null(hl__objtype_find("*"));
}

static enum hl__objtype_verdict check(const char *name, const char **sug)
{
    return hl__objtype_check(name, NULL, 0, sug);
}

static void test_objtypes_suggestions(void **state)
{
    const char *s;

    (void)state;
    assert_int_equal(check("event", &s), HL__OBJTYPE_KNOWN);
    assert_null(s);
    assert_int_equal(check("Evnt", &s), HL__OBJTYPE_UNKNOWN);
    assert_string_equal(s, "Event");
    assert_int_equal(check("Tread", &s), HL__OBJTYPE_UNKNOWN);
    assert_string_equal(s, "Thread");
    assert_int_equal(check("Sectoin", &s), HL__OBJTYPE_UNKNOWN);
    assert_string_equal(s, "Section");
    assert_int_equal(check("mutex", &s), HL__OBJTYPE_UNKNOWN);
    assert_string_equal(s, "Mutant");
    assert_int_equal(check("Registry", &s), HL__OBJTYPE_UNKNOWN);
    assert_string_equal(s, "Key");
    /* nothing close: no guess */
    assert_int_equal(check("Blah", &s), HL__OBJTYPE_UNKNOWN);
    assert_null(s);
    assert_int_equal(check("Zz", &s), HL__OBJTYPE_UNKNOWN);
    assert_null(s);
    /* too long to compare is simply unknown */
    assert_int_equal(check("EventEventEventEventEventEventEventEventEvent"
                           "EventEventEventEventEventEvent",
                           &s),
                     HL__OBJTYPE_UNKNOWN);
}

static void test_objtypes_quotes(void **state)
{
    const char *s;

    (void)state;
    assert_int_equal(check("'File", &s), HL__OBJTYPE_QUOTED);
    assert_int_equal(check("\"Event\"", &s), HL__OBJTYPE_QUOTED);
    assert_null(s);
}

static void test_objtypes_types_of_the_inputs_count(void **state)
{
    struct hl_snapshot a, b;
    const struct hl_snapshot *in[3];
    struct hl_handle h;
    const char *s;

    (void)state;
    assert_int_equal(hl_snapshot_init(&a), 0);
    assert_int_equal(hl_snapshot_init(&b), 0);
    memset(&h, 0, sizeof(h));
    h.value = 4;
    assert_int_equal(hl_snapshot_intern(&b, "FancyNewType", &h.type), 0);
    assert_int_equal(hl_snapshot_add(&b, &h), 0);
    h.value = 8;
    assert_int_equal(hl_snapshot_intern(&b, "", &h.type), 0);
    assert_int_equal(hl_snapshot_add(&b, &h), 0);
    in[0] = &a;
    in[1] = NULL;
    in[2] = &b;
    assert_int_equal(hl__objtype_check("fancynewtype", in, 3, &s),
                     HL__OBJTYPE_KNOWN);
    assert_int_equal(hl__objtype_check("FancyNewTyp", in, 3, &s),
                     HL__OBJTYPE_UNKNOWN);
    assert_string_equal(s, "FancyNewType");
    assert_int_equal(hl__objtype_check("FancyNewType", in, 2, &s),
                     HL__OBJTYPE_UNKNOWN);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
}

static void test_objtypes_labels(void **state)
{
    (void)state;
    assert_string_equal(hl__type_label(""), "<unknown type>");
    assert_string_equal(hl__type_label("Event"), "Event");
    assert_string_equal(hl__name_label(""), "<unnamed>");
    assert_string_equal(hl__name_label("\\x"), "\\x");
}

/* The label the reports print for a type not read is a TYPE users give. */
static void test_objtypes_label_is_a_type(void **state)
{
    const char *suggest;

    (void)state;
    assert_int_equal(hl__objtype_check("<unknown type>", NULL, 0, &suggest),
                     HL__OBJTYPE_KNOWN);
    assert_int_equal(hl__objtype_check("<UNKNOWN TYPE>", NULL, 0, &suggest),
                     HL__OBJTYPE_KNOWN);
    assert_true(hl__type_eq("", "<Unknown Type>"));
    assert_true(hl__type_eq("Event", "event"));
    assert_false(hl__type_eq("Event", "<unknown type>"));
    assert_false(hl__type_eq("", "Event"));
    assert_false(hl__type_eq("<unknown type>", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objtypes_table_sorted_and_unique),
        cmocka_unit_test(test_objtypes_known_names),
        cmocka_unit_test(test_objtypes_suggestions),
        cmocka_unit_test(test_objtypes_quotes),
        cmocka_unit_test(test_objtypes_types_of_the_inputs_count),
        cmocka_unit_test(test_objtypes_labels),
        cmocka_unit_test(test_objtypes_label_is_a_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
