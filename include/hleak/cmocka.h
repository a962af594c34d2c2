#ifndef HLEAK_HLEAK_CMOCKA_H
#define HLEAK_HLEAK_CMOCKA_H

/*
 * A cmocka assertion for leak checks (leakcheck.h). Self-contained: it
 * includes <cmocka.h> and what cmocka needs before it (stdarg.h,
 * stddef.h, stdint.h, setjmp.h), so it may come first or alone:
 *
 *     static void test_parser_closes_its_files(void **state)
 *     {
 *         struct hl_leak_check *lc;
 *
 *         assert_int_equal(hl_leak_check_begin(&lc, NULL), 0);
 *         parse_some_files();
 *         HL_ASSERT_NO_HANDLE_LEAK(lc);
 *     }
 *
 * HL_ASSERT_NO_HANDLE_LEAK(lc) ends the check, frees it (the variable lc
 * is set to NULL), and fails the test when a handle opened since
 * hl_leak_check_begin() is still open, with the groups as its message
 * (type, name or access, count, values); or when the second snapshot
 * cannot be taken. Only hleak's own memory
 * is freed before the failure, since cmocka leaves the test by longjmp.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hleak/err.h"
#include "hleak/leakcheck.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the failure message; a longer report is cut with "...". */
#define HL_CMOCKA_MESSAGE_LEN 4096

static inline void hl_cmocka_check_no_leak(struct hl_leak_check **lc,
                                           const char *file, int line)
{
    char msg[HL_CMOCKA_MESSAGE_LEN];
    struct hl_diff *d;
    size_t still_open;
    int err = hl_leak_check_end(*lc, &d);

    hl_leak_check_free(*lc);
    *lc = NULL;
    if (err != 0) {
        print_error("hl_leak_check_end: %s\n", hl_strerror(err));
        _fail(file, line);
        return;
    }
    still_open = hl_diff_count(d, HL_DIFF_OPENED);
    if (still_open != 0)
        hl_leak_check_format(msg, sizeof(msg), d);
    hl_diff_free(d);
    if (still_open != 0) {
        print_error("handle leak: %s", msg);
        _fail(file, line);
    }
}

#define HL_ASSERT_NO_HANDLE_LEAK(lc)                                         \
    hl_cmocka_check_no_leak(&(lc), __FILE__, __LINE__)

#ifdef __cplusplus
}
#endif

#endif
