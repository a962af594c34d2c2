#ifndef HLEAK_CLI_OUTFILE_H
#define HLEAK_CLI_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writing a command's output file: "-" is standard output, a default name
 * never replaces a file that is there.
 */

/* 1 when path is "-": standard input or output. */
int hl_cli_is_dash(const char *path);

/*
 * Writes len bytes to path atomically, or to standard output when path is
 * "-" (refused on a terminal: the bytes are binary). what names the file
 * in messages ("snapshot"). Reports failures; returns 0 or
 * HL_EXIT_FAILURE.
 */
int hl_cli_write_file(const char *what, const char *path, const void *buf,
                      size_t len);

/* "wrote PATH (N handles, K WHAT)", PATH "-" told as standard output. */
void hl_cli_note_wrote(const char *path, size_t handles, size_t k,
                       const char *what);

/*
 * Claims "<stem><ext>", or "<stem>-2<ext>", "<stem>-3<ext>", ... for the
 * first that does not exist, by creating it empty and exclusively, so two
 * runs in the same second never share a name; buf gets the name. The
 * caller then writes over it (or hl__fs_remove()s it). Returns 0 or an
 * HL_E code (HL_EEXIST when every name is taken, HL_ETOOBIG when buf is
 * too small).
 */
int hl_cli_claim_name(const char *stem, const char *ext, char *buf,
                      size_t len);

/* "yyyymmddThhmmss" (UTC) of a FILETIME, for default file names. */
void hl_cli_file_stamp(uint64_t ft, char *buf, size_t len);

/*
 * Writes len bytes to *output as hl_cli_write_file() does; when *output
 * is NULL, to "<stem><ext>" made unique by hl_cli_claim_name() in
 * name_buf, and *output then points at it. A claimed name is removed
 * again when the write fails (empty, it would read as a damaged file).
 * Reports failures; returns 0 or HL_EXIT_FAILURE.
 */
int hl_cli_write_new(const char *what, const char **output, const char *stem,
                     const char *ext, char *name_buf, size_t name_len,
                     const void *buf, size_t len);

#endif
