#ifndef HLEAK_CORE_NAMES_H
#define HLEAK_CORE_NAMES_H

/*
 * Friendly names for NT object names: pure string rules, portable so they
 * can be tested anywhere. The Windows collector supplies the facts (device
 * map, the target's user SID). They stay in the core, not in src/win,
 * because reading a minidump (minidump.c: `hleak convert` and `show` on a
 * dump, on any platform) names its handles with the same rules.
 */

#include <stddef.h>

/* One DOS drive and the NT device it links to. */
struct hl_dev_drive {
    char *device; /* "\Device\HarddiskVolume3" */
    char *drive;  /* "C:" */
};

/* Frees an array made by the collector (each entry's strings, then it). */
void hl__devmap_free(struct hl_dev_drive *map, size_t count);

/*
 * The friendly name of a File object's NT name: "\??\C:\x" → "C:\x",
 * a device in map → its drive (longest prefix ending at a '\'), MUP and
 * LanmanRedirector paths → "\\server\share\...", else a copy. New string
 * in *out (hl__free). Returns 0 or HL_ENOMEM.
 */
int hl__names_file(const char *nt_name, const struct hl_dev_drive *map,
                   size_t count, char **out);

/*
 * The friendly name of a Key object's NT name: HKLM, HKCU (when the SID is
 * user_sid, which may be NULL), HKCU\Software\Classes, HKU. New string in
 * *out. Returns 0 or HL_ENOMEM.
 */
int hl__names_key(const char *nt_name, const char *user_sid, char **out);

/*
 * The friendly name for an object of type type (File and Key have rules;
 * anything else is a copy). Returns 0 or HL_ENOMEM.
 */
int hl__names_friendly(const char *type, const char *nt_name,
                       const struct hl_dev_drive *map, size_t count,
                       const char *user_sid, char **out);

/*
 * 1 when the executable file name exe matches want: ASCII case ignored,
 * and want may leave out a trailing ".exe".
 */
int hl__names_image_match(const char *exe, const char *want);

#endif
