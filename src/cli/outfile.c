#include "outfile.h"

#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "msg.h"

/* Names tried before giving up; a folder with this many snapshots of one
 * process in one second is not a case to serve. */
#define CLAIM_TRIES 1000

int hl_cli_is_dash(const char *path)
{
    return strcmp(path, "-") == 0;
}

void hl_cli_note_wrote(const char *path, size_t handles, size_t k,
                       const char *what)
{
    hl_note("wrote %s (%zu handles, %zu %s)",
            hl_cli_is_dash(path) ? "standard output" : path, handles, k,
            what);
}

int hl_cli_write_file(const char *what, const char *path, const void *buf,
                      size_t len)
{
    int err;

    if (!hl_cli_is_dash(path)) {
        err = hl__fs_write_atomic(path, buf, len);
        if (err == 0)
            return 0;
        hl_error("cannot write %s '%s': %s", what, path, hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (hl__stdout_is_tty()) {
        hl_error("cannot write %s to standard output: it is a terminal "
                 "and the %s is binary; redirect it (> FILE, | ...)",
                 what, what);
        return HL_EXIT_FAILURE;
    }
    /* stdout is in binary mode on every OS (hl__console_init) */
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
        hl_error("cannot write %s to standard output: %s", what,
                 hl_strerror(HL_EIO));
        return HL_EXIT_FAILURE;
    }
    return 0;
}

int hl_cli_claim_name(const char *stem, const char *ext, char *buf,
                      size_t len)
{
    int i, n, err = HL_EEXIST;

    for (i = 1; i <= CLAIM_TRIES && err == HL_EEXIST; i++) {
        if (i == 1)
            n = snprintf(buf, len, "%s%s", stem, ext);
        else
            n = snprintf(buf, len, "%s-%d%s", stem, i, ext);
        if (n < 0 || (size_t)n >= len)
            return HL_ETOOBIG;
        err = hl__fs_create_new(buf);
    }
    return err;
}

int hl_cli_write_new(const char *what, const char **output, const char *stem,
                     const char *ext, char *name_buf, size_t name_len,
                     const void *buf, size_t len)
{
    int err, rc;

    if (*output == NULL) {
        err = hl_cli_claim_name(stem, ext, name_buf, name_len);
        if (err != 0) {
            hl_error("cannot write %s '%s%s': %s", what, stem, ext,
                     hl_strerror(err));
            return HL_EXIT_FAILURE;
        }
        *output = name_buf;
    }
    rc = hl_cli_write_file(what, *output, buf, len);
    if (rc != 0 && *output == name_buf)
        (void)hl__fs_remove(name_buf);
    return rc;
}

void hl_cli_file_stamp(uint64_t ft, char *buf, size_t len)
{
    char iso[32];
    size_t i, j;

    if (len == 0)
        return;
    hl__filetime_iso(ft, iso, sizeof(iso));
    for (i = j = 0; iso[i] != '\0' && iso[i] != 'Z' && j + 1 < len; i++) {
        if (iso[i] != '-' && iso[i] != ':')
            buf[j++] = iso[i];
    }
    buf[j] = '\0';
}
