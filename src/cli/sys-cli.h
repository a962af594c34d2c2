#ifndef HLEAK_CLI_SYS_CLI_H
#define HLEAK_CLI_SYS_CLI_H

/*
 * Whole-system snapshots on the command line: `snapshot --all`
 * (snapshot-all.c), `show` of one (show-sys.c) and `diff` of two
 * (diff-sys.c), each called by its command once it knows the input is
 * one.
 */

#include <stddef.h>

#include "sysdiff.h"

struct hl_system;

struct hl_collect_opts;

/* Takes the whole system and writes it to output ("-": standard output;
 * NULL: system-<host>-<yyyymmddThhmmss>.snap here, made unique). gui: ask
 * GDI and USER counts; names: read names with these options' timeout,
 * threads and deadline (NULL: no names). Returns an exit code. */
int hl_cli_snapshot_all(const char *output, int gui,
                        const struct hl_collect_opts *names, int verbose);

/* Prints sys, read from path: json 0 text, 1 JSON; top 0 = every
 * process; type NULL = every type. Returns an exit code. */
int hl_cli_show_system(const char *path, const struct hl_system *sys,
                       int json, size_t top, const char *type);

enum { HL_CLI_SYSDIFF_TEXT, HL_CLI_SYSDIFF_JSON, HL_CLI_SYSDIFF_CSV };

struct hl_cli_sysdiff {
    struct hl__sysdiff_opts gates;
    int format; /* HL_CLI_SYSDIFF_* */
    size_t top; /* 0: every row */
    int allow_reversed;
    const char *junit, *sarif; /* --junit, --sarif FILE; NULL: none */
};

/* Compares two whole-system snapshots and prints the report; returns an
 * exit code (1 when a gate failed, 4 when gates were asked and a process
 * in both could not be judged). */
int hl_cli_diff_system(const struct hl_cli_sysdiff *a, const char *bpath,
                       const char *apath, const struct hl_system *before,
                       const struct hl_system *after);

#endif
