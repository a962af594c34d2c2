/*
 * libFuzzer target for the snapshot file reader. The first byte chooses
 * the mode: even, the rest is fed as it is; odd, its length and CRC
 * fields are first made right, so mutations reach the sections instead
 * of all dying at the checksum. Any input must give 0 or a clean error;
 * a file that reads must encode, read back the same, and print. A
 * whole-system snapshot (version 2) goes to its own reader, and one that
 * reads is diffed with itself and printed in every format.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/alloc.h"
#include "hleak/err.h"
#include "show.h"
#include "hleak/snapfile.h"
#include "hleak/system.h"
#include "sysdiff.h"
#include "syssnap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Offsets of the header fields (docs/FORMAT.md). */
#define SNAP_HEADER 24
#define SNAP_OFF_LEN 12
#define SNAP_OFF_CRC 20

static void fix_header(unsigned char *buf, size_t len)
{
    uint32_t crc;

    if (len < SNAP_HEADER)
        return;
    hl__put_le64(buf + SNAP_OFF_LEN, len);
    crc = hl__crc32(0, buf, SNAP_OFF_CRC);
    crc = hl__crc32(crc, buf + SNAP_HEADER, len - SNAP_HEADER);
    hl__put_le32(buf + SNAP_OFF_CRC, crc);
}

static void print_all(const struct hl_snapshot *s)
{
    struct hl_show_opts opts;
    FILE *null = fopen("/dev/null", "w");

    if (null == NULL)
        return;
    memset(&opts, 0, sizeof(opts));
    hl_show_text(null, s, &opts);
    hl_show_json(null, s, &opts);
    opts.summary = 1;
    hl_show_text(null, s, &opts);
    fclose(null);
}

/* Re-encoding gives the same bytes: the reader took nothing it cannot
 * write back. The diff with itself finds no growth. */
static void check_system(const unsigned char *buf, size_t len)
{
    struct hl__sysdiff_opts opts;
    struct hl__sysdiff d;
    struct hl_system *sys, *back;
    unsigned char *enc;
    size_t enc_len, i;
    FILE *null;

    if (hl__syssnap_decode(buf, len, &sys, NULL) != 0) {
        if (sys != NULL)
            abort();
        return;
    }
    if (hl__syssnap_encode(sys, &enc, &enc_len) == 0) {
        if (hl__syssnap_decode(enc, enc_len, &back, NULL) != 0 ||
            hl_system_count(back) != hl_system_count(sys))
            abort();
        for (i = 0; i < hl_system_count(sys); i++)
            if (hl_system_handles(back, i) != hl_system_handles(sys, i))
                abort();
        hl_system_free(back);
        hl_free(enc);
    }
    memset(&opts, 0, sizeof(opts));
    opts.fail_on_new = 1;
    memset(&d, 0, sizeof(d));
    if (hl__sysdiff_compute(sys, sys, &opts, &d) == 0) {
        if (d.gate_failed || d.nstarted != 0 || d.nexited != 0)
            abort();
        null = fopen("/dev/null", "w");
        if (null != NULL) {
            hl__sysdiff_text(null, &d, 0);
            hl__sysdiff_json(null, &d);
            hl__sysdiff_csv(null, &d);
            fclose(null);
        }
    }
    hl__sysdiff_release(&d);
    hl_system_free(sys);
}

static void check(const unsigned char *buf, size_t len)
{
    struct hl_snapshot s, back;
    unsigned char *enc;
    size_t enc_len, i;
    int err;

    if (hl_snapshot_init(&s) != 0)
        return;
    if (hl__syssnap_sniff(buf, len))
        check_system(buf, len);
    err = hl_snapfile_decode(buf, len, &s, NULL);
    if (err != 0) {
        /* a refused file leaves the snapshot empty, and says why */
        if (s.count != 0 || err >= 0 || hl_strerror(err) == NULL)
            abort();
        goto out_release;
    }
    for (i = 0; i < s.count; i++) {
        /* every string id must resolve (show prints them all) */
        if (hl_snapshot_str(&s, s.handles[i].type) == NULL ||
            hl_snapshot_str(&s, s.handles[i].name) == NULL)
            abort();
    }
    if (hl_snapfile_encode(&s, &enc, &enc_len) != 0)
        goto out_release;
    if (hl_snapshot_init(&back) != 0)
        goto out_free_enc;
    if (hl_snapfile_decode(enc, enc_len, &back, NULL) != 0 ||
        back.count != s.count || back.pid != s.pid ||
        back.nstacks != s.nstacks)
        abort();
    for (i = 0; i < s.count; i++) {
        if (back.handles[i].value != s.handles[i].value ||
            strcmp(hl_snapshot_str(&back, back.handles[i].name),
                   hl_snapshot_str(&s, s.handles[i].name)) != 0)
            abort();
    }
    print_all(&back);
    hl_snapshot_release(&back);
out_free_enc:
    hl_free(enc);
out_release:
    hl_snapshot_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;
    size_t len;

    if (size == 0)
        return 0;
    len = size - 1;
    /* an exact-size copy, so a read one past the end is seen */
    copy = malloc(len ? len : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, len);
    if (data[0] & 1)
        fix_header(copy, len);
    check(copy, len);
    free(copy);
    return 0;
}
