#ifndef HLEAK_WIN_FS_WIN_H
#define HLEAK_WIN_FS_WIN_H

#include <windows.h>

/*
 * An output file being written in place of another, for Windows code that
 * needs the file handle itself (MiniDumpWriteDump): a new temporary file
 * beside path, renamed over path by hl__win_out_commit().
 */
struct hl__win_out {
    HANDLE h;       /* the temporary file, open for reading and writing */
    wchar_t *wpath; /* the target */
    wchar_t *wtmp;  /* the temporary file's name */
};

/* Creates the temporary file. Returns 0, HL_EINVAL (path not UTF-8),
 * HL_EISDIR (path is a folder), HL_ENOENT, HL_EACCES, HL_EIO or
 * HL_ENOMEM. */
int hl__win_out_open(const char *path, struct hl__win_out *o);

/* Flushes, closes and renames over the target; on any failure deletes the
 * temporary file. Either way *o is released. */
int hl__win_out_commit(struct hl__win_out *o);

/* Closes and deletes the temporary file, and releases *o. */
void hl__win_out_abort(struct hl__win_out *o);

/* UTF-8 to a new UTF-16 string freed with hl__free(); a string that is
 * not valid UTF-8 is refused (HL_EINVAL), not guessed at. Returns 0,
 * HL_EINVAL or HL_ENOMEM. */
int hl__utf8_to_wide(const char *s, wchar_t **out);

#endif
