#include "input.h"

#include <string.h>

#include "core-int.h"

int hl_input_decode(const unsigned char *buf, size_t len,
                    struct hl_snapshot *out, struct hl_input_info *info)
{
    struct hl_input_info scratch;

    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof(*info));
    /* By content, never by extension: customers rename files. */
    if (hl_minidump_sniff(buf, len)) {
        info->kind = HL_INPUT_DUMP;
        return hl_minidump_read(buf, len, out, &info->dump);
    }
    if (hl_snapfile_sniff(buf, len))
        info->kind = HL_INPUT_SNAPSHOT;
    /* A snapshot cut inside its magic is still told as one by the
     * decoder ("truncated"); anything else it calls "not a snapshot". */
    return hl_snapfile_decode(buf, len, out, &info->snap);
}

int hl_input_read(const char *path, struct hl_snapshot *out,
                  struct hl_input_info *info)
{
    struct hl__fs_map m;
    int err;

    if (info != NULL)
        memset(info, 0, sizeof(*info));
    err = hl__fs_map(path, &m);
    if (err != 0)
        return err;
    err = hl_input_decode(m.data, m.len, out, info);
    hl__fs_unmap(&m);
    return err;
}
