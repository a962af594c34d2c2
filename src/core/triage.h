#ifndef HLEAK_CORE_TRIAGE_H
#define HLEAK_CORE_TRIAGE_H

/*
 * Dead targets and GUI object counts as the reports of `show` and `diff`
 * print them (docs/triage.md); found by dead.c, gated by diff.c. Text
 * and JSON layouts are documented in docs/man/hleak-show.md and
 * docs/man/hleak-diff.md.
 */

#include <stdio.h>

#include "dead.h"

/* show, text: the "gui" header line and the "dead targets" line. Returns
 * 0 or HL_ENOMEM. */
int hl__show_triage_text(FILE *out, const struct hl_snapshot *s);

/* show, text: " (exited, code 3)" after the name of handle i, if it is a
 * handle to an exited thread or process. */
void hl__target_text(FILE *out, const struct hl_snapshot *s, size_t i);

/* show, JSON: the members of handle i's target (Process and Thread
 * handles only), each with its leading ", ". */
void hl__target_json(FILE *out, const struct hl_snapshot *s, size_t i);

/* show, JSON: ",\n  \"gui\": ...,\n  \"dead\": ..." (dd from s, ids in
 * st). */
void hl__show_triage_json(FILE *out, const struct hl_snapshot *s,
                          const struct hl_dead *dd,
                          const struct hl_strtab *st);

/* diff, text: the "gui objects" table and the dead targets of AFTER, at
 * most shown of them, their type padded to tw (the report's type
 * column). */
void hl__diff_triage_text(FILE *out, const struct hl_diff *d,
                          const struct hl_snapshot *before,
                          const struct hl_snapshot *after, size_t shown,
                          size_t tw);

/* diff, JSON: "  \"gui\": ...,\n  \"dead\": ...,\n". */
void hl__diff_triage_json(FILE *out, const struct hl_diff *d,
                          const struct hl_snapshot *before,
                          const struct hl_snapshot *after);

/* JUnit: one line per dead handle ("Thread 0x1a4 tid 12 in ... (exited,
 * code 0)"). */
void hl__sbuf_dead_lines(struct hl__sbuf *b, const struct hl_dead *dd,
                         const struct hl_strtab *st);

#endif
