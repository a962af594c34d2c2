#include "names.h"

#include <string.h>

#include "core-int.h"

/* The first n bytes of a and b are equal, ASCII case ignored. */
static int eq_ci_n(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (hl__ascii_lower((unsigned char)a[i]) !=
            hl__ascii_lower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

/* s starts with prefix (ASCII case ignored) and the match ends where a path
 * component does, so "\Device\HarddiskVolume1" does not take
 * "\Device\HarddiskVolume10\x". Returns the prefix length, or 0. */
static size_t component_prefix(const char *s, const char *prefix)
{
    size_t len = strlen(prefix);

    if (len == 0 || strlen(s) < len || !eq_ci_n(s, prefix, len))
        return 0;
    if (s[len] != '\0' && s[len] != '\\')
        return 0;
    return len;
}

static int join(const char *head, const char *tail, char **out)
{
    size_t hlen = strlen(head);
    size_t tlen = strlen(tail);
    char *s = hl__malloc(hlen + tlen + 1);

    if (s == NULL)
        return HL_ENOMEM;
    memcpy(s, head, hlen);
    memcpy(s + hlen, tail, tlen + 1);
    *out = s;
    return 0;
}

void hl__devmap_free(struct hl_dev_drive *map, size_t count)
{
    size_t i;

    if (map == NULL)
        return;
    for (i = 0; i < count; i++) {
        hl__free(map[i].device);
        hl__free(map[i].drive);
    }
    hl__free(map);
}

/* "server\share\x" after a redirector prefix, past the ";LanmanRedirector"
 * and ";Z:0000..." components that mapped drives insert; NULL if nothing
 * is left. */
static const char *unc_rest(const char *rest)
{
    while (*rest == ';') {
        rest = strchr(rest, '\\');
        if (rest == NULL)
            return NULL;
        rest++;
    }
    return *rest == '\0' ? NULL : rest;
}

int hl__names_file(const char *nt_name, const struct hl_dev_drive *map,
                   size_t count, char **out)
{
    static const char *const redirectors[] = {
        "\\Device\\Mup",
        "\\Device\\LanmanRedirector",
    };
    const struct hl_dev_drive *best = NULL;
    size_t best_len = 0;
    size_t i;
    size_t len;

    for (i = 0; i < count; i++) {
        len = component_prefix(nt_name, map[i].device);
        if (len > best_len) {
            best = &map[i];
            best_len = len;
        }
    }
    if (best != NULL)
        return join(best->drive, nt_name + best_len, out);

    if (component_prefix(nt_name, "\\??\\UNC") != 0 && nt_name[7] == '\\')
        return join("\\\\", nt_name + 8, out);
    if (strlen(nt_name) >= 6 && eq_ci_n(nt_name, "\\??\\", 4) &&
        hl__ascii_lower((unsigned char)nt_name[4]) >= 'a' &&
        hl__ascii_lower((unsigned char)nt_name[4]) <= 'z' &&
        nt_name[5] == ':' &&
        (nt_name[6] == '\0' || nt_name[6] == '\\'))
        return join("", nt_name + 4, out);

    for (i = 0; i < sizeof(redirectors) / sizeof(redirectors[0]); i++) {
        const char *rest;

        len = component_prefix(nt_name, redirectors[i]);
        if (len == 0 || nt_name[len] != '\\')
            continue;
        rest = unc_rest(nt_name + len + 1);
        if (rest != NULL)
            return join("\\\\", rest, out);
    }
    return join("", nt_name, out);
}

int hl__names_key(const char *nt_name, const char *user_sid, char **out)
{
    const char *rest;
    const char *sid;
    const char *sid_end;
    size_t sid_len;
    size_t ulen;
    size_t len;

    len = component_prefix(nt_name, "\\REGISTRY\\MACHINE");
    if (len != 0)
        return join("HKLM", nt_name + len, out);
    len = component_prefix(nt_name, "\\REGISTRY\\USER");
    if (len == 0)
        return join("", nt_name, out);

    rest = nt_name + len;
    if (*rest == '\0')
        return join("HKU", "", out);
    sid = rest + 1;
    sid_end = strchr(sid, '\\');
    if (sid_end == NULL)
        sid_end = sid + strlen(sid);
    sid_len = (size_t)(sid_end - sid);
    ulen = user_sid != NULL ? strlen(user_sid) : 0;
    if (ulen != 0 && sid_len == ulen + 8 && eq_ci_n(sid, user_sid, ulen) &&
        eq_ci_n(sid + ulen, "_Classes", 8))
        return join("HKCU\\Software\\Classes", sid_end, out);
    if (ulen != 0 && sid_len == ulen && eq_ci_n(sid, user_sid, ulen))
        return join("HKCU", sid_end, out);
    return join("HKU", rest, out);
}

int hl__names_friendly(const char *type, const char *nt_name,
                       const struct hl_dev_drive *map, size_t count,
                       const char *user_sid, char **out)
{
    if (strcmp(type, "File") == 0)
        return hl__names_file(nt_name, map, count, out);
    if (strcmp(type, "Key") == 0)
        return hl__names_key(nt_name, user_sid, out);
    return join("", nt_name, out);
}

int hl__names_image_match(const char *exe, const char *want)
{
    size_t elen = strlen(exe);
    size_t wlen = strlen(want);

    if (wlen == 0)
        return 0;
    if (elen == wlen)
        return eq_ci_n(exe, want, elen);
    return elen == wlen + 4 && eq_ci_n(exe, want, wlen) &&
           eq_ci_n(exe + wlen, ".exe", 4);
}
