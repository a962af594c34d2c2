#ifndef HLEAK_TESTS_SYSFIXTURE_H
#define HLEAK_TESTS_SYSFIXTURE_H

#include "system-int.h"

/*
 * Whole-system views for tests, by name (the figures are in
 * sysfixture.c):
 *   "sysa"  BEFORE on host TESTHOST: System (pid 4), steady.exe (100),
 *           leaky.exe (200), gone.exe (300), reused.exe (400)
 *   "sysb"  AFTER, 60 s later: leaky.exe +51 (Event +50, File +1),
 *           steady.exe the same, gone.exe exited, pid 400 reused by
 *           another process (start time differs), new.exe (600) started
 *   "sysu"  sysb with steady.exe not counted (it started as the list
 *           was read, as far as the view knows)
 *   "sysh"  sysb taken on host OTHERHOST
 *   "syse"  no process at all
 *   "sysna", "sysnb"  sysa and sysb taken with names: leaky.exe's
 *           events job-{n} grow from 3 to 53 and a temp file is new;
 *           System and gone.exe refused names
 *   "sysxa", "sysxb"  sysa and sysb with File unnamed by the system, as
 *           sysquery-win.c labels such a type: "(type 37)"
 * Returns 0, HL_EINVAL for an unknown name, or HL_ENOMEM.
 */
int hl_test_system(const char *variant, struct hl_system **out);

#endif
