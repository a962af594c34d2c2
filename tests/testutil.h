#ifndef HLEAK_TESTS_TESTUTIL_H
#define HLEAK_TESTS_TESTUTIL_H

#include "hleak/snapshot.h"

/*
 * Fills an initialised, empty snapshot with a fixed sample: pid 4242,
 * image "C:\Program Files\Démo\app.exe", known times, and handles of
 * several types (Event unnamed x3 with access 0x1f0003, a named Event
 * "\Sessions\1\BaseNamedObjects\hleak-ü-event" whose friendly name is
 * the same NT name, a File "C:\temp\naïve,\"quoted\".txt", a Key
 * "HKLM\SOFTWARE\hleak", a Mutant with name error "access denied", an
 * object address on one handle). Returns 0 or an HL_E* code. The figures
 * are listed in testutil.c.
 */
int hl_test_sample_snapshot(struct hl_snapshot *s);

/* Writes len bytes to a new temporary file; returns its malloc'd path
 * (free with free()) or NULL. */
char *hl_test_temp_file(const void *buf, size_t len);

#endif
