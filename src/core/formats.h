#ifndef HLEAK_CORE_FORMATS_H
#define HLEAK_CORE_FORMATS_H

/*
 * The table of output formats. Each report-<name>.c defines its format's
 * row: the format's entry for every command that writes it, NULL for the
 * commands that do not. formats.c lists the rows. The commands look a
 * format up by the name their options use (--json, --csv FILE, --junit
 * FILE...), so a new format is one new file with its row and one line in
 * that list; a command then offers it through an option of its own.
 * Plain constant data, as git's command table: nothing registers at run
 * time, so there is no order of initialisation to get wrong.
 */

#include <stddef.h>
#include <stdio.h>

#include "hleak/diff.h"
#include "show.h"
#include "sysdiff.h"
#include "watch.h"

/* What a command does with a format; each names a member below. */
enum hl__format_use {
    HL__USE_SHOW,      /* show */
    HL__USE_DIFF,      /* diff_print */
    HL__USE_DIFF_FILE, /* diff_write */
    HL__USE_WATCH,     /* watch */
    HL__USE_SYSDIFF_FILE /* sysdiff_write */
};

/* Meant for a person at a terminal: coloured when standard output is
 * one, and the diff report lists unmatched ignore patterns itself. */
#define HL__FORMAT_FOR_PEOPLE 1u

struct hl__format {
    const char *name;  /* as the options spell it: "json" */
    const char *label; /* in messages: "cannot write JSON ..." */
    unsigned flags;    /* HL__FORMAT_* */
    /* hleak show: snapshot s to out */
    int (*show)(FILE *out, const struct hl_snapshot *s,
                const struct hl_show_opts *o);
    /* hleak diff: diff d (of before and after) to out, laid out as o says
     * where the format has choices */
    int (*diff_print)(FILE *out, const struct hl_diff *d,
                      const struct hl_snapshot *before,
                      const struct hl_snapshot *after,
                      const struct hl_diff_report_opts *o);
    /* hleak diff --<name> FILE: d written to path atomically */
    int (*diff_write)(const char *path, const struct hl_diff *d,
                      const struct hl_snapshot *before,
                      const struct hl_snapshot *after);
    /* hleak watch --<name> FILE: the whole series as new text *out (*len
     * bytes, freed with hl__free()); title may be NULL */
    int (*watch)(const struct hl_watch *w, const char *title, char **out,
                 size_t *len);
    /* hleak diff --<name> FILE of two whole-system snapshots: d written
     * to path atomically */
    int (*sysdiff_write)(const char *path, const struct hl__sysdiff *d);
};

/* The rows, in formats.c's order; NULL past the last. */
const struct hl__format *hl__format_at(size_t i);

/* The format called name that has an entry for use; NULL when there is
 * none (an unknown name, or one the command does not write). */
const struct hl__format *hl__format_find(const char *name,
                                         enum hl__format_use use);

#endif
