#ifndef HLEAK_TESTS_TESTUTIL_H
#define HLEAK_TESTS_TESTUTIL_H

#include <stdio.h>

#include "snapshot-int.h"

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

/* Initialises *s, fills it with the sample above and encodes it as a
 * snapshot file into *buf (free with hl__free()). Returns 0 or an HL_E*
 * code; *s is to be released either way. */
int hl_test_sample_file(struct hl_snapshot *s, unsigned char **buf,
                        size_t *len);

/*
 * Fills an initialised, empty snapshot with one run of "leaky.exe" as pid
 * (start time pid * 1000, taken pid seconds after the sample): 10 +
 * nthreads Thread handles labelled "tid T in leaky.exe (pid P)" with
 * tids of its own, a Process handle to itself, a pipe
 * "\Device\NamedPipe\Win32.Pipes.%08x.000000a1" and an event
 * "\BaseNamedObjects\app-P-ready" named after the pid, and 10 + nevents
 * events "\BaseNamedObjects\ev-P-K". Two runs with the same counts have
 * the same handles but for the ids. Returns 0 or an HL_E* code.
 */
int hl_test_run_snapshot(struct hl_snapshot *s, uint64_t pid, size_t nevents,
                         size_t nthreads);

/* Appends a handle of type named name (nt_name: its NT name, NULL for
 * none) with the access mask access. Returns 0 or an HL_E* code. */
int hl_test_add(struct hl_snapshot *s, uint32_t value, const char *type,
                const char *name, const char *nt_name, uint32_t access);

/* What was written to f, from its start, as a malloc'd string (free with
 * free()); closes f. NULL when it cannot be read back. */
char *hl_test_slurp(FILE *f);

/* "" when text holds every string of has and none of lacks (each a
 * NULL-terminated list, or NULL for none); otherwise "missing: S" or
 * "present: S" for the first string that fails, in a static buffer, so
 * that assert_string_equal(..., "") names it. */
const char *hl_test_text_check(const char *text, const char *const *has,
                               const char *const *lacks);

/* hl_test_text_check() on text, which it frees (free()); NULL text (it
 * could not be read) gives "missing: the text". */
const char *hl_test_text_take(char *text, const char *const *has,
                              const char *const *lacks);

/* hl_diff_compute(a, b, o, d) with its nth allocation failing, for n = 1,
 * 2, ... until it succeeds. Every failure must be HL_ENOMEM and leave *d
 * as clean(d) accepts (nonzero). Returns the n that succeeded (*d then
 * holds the diff), or 0 at the first failure that was not so. */
struct hl_diff;
struct hl_diff_opts;
unsigned long hl_test_diff_oom(const struct hl_snapshot *a,
                               const struct hl_snapshot *b,
                               const struct hl_diff_opts *o,
                               struct hl_diff *d,
                               int (*clean)(const struct hl_diff *d));

/* Releases a diff and the two snapshots it compared. */
void hl_test_release_diff(struct hl_diff *d, struct hl_snapshot *a,
                          struct hl_snapshot *b);

/* Writes len bytes to a new temporary file; returns its malloc'd path
 * (free with free()) or NULL. */
char *hl_test_temp_file(const void *buf, size_t len);

/* path with tail appended, malloc'd (free with free()), or NULL. */
char *hl_test_path_plus(const char *path, const char *tail);

#endif
