/*
 * libFuzzer target for the minidump reader: any input must give 0 or a
 * clean error, never a crash or an over-read (AddressSanitizer watches),
 * and whatever reads must survive the snapshot file and the reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hleak/alloc.h"
#include "hleak/err.h"
#include "minidump.h"
#include "show.h"
#include "hleak/snapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads then re-encodes; a read that succeeds must round-trip. */
static void check(const uint8_t *data, size_t size)
{
    struct hl_show_opts opts;
    struct hl_snapshot s, back;
    unsigned char *enc;
    size_t enc_len;
    FILE *null;
    int err;

    memset(&opts, 0, sizeof(opts));
    if (hl_snapshot_init(&s) != 0)
        return;
    err = hl_minidump_read(data, size, &s, NULL);
    if (err != 0) {
        if (s.count != 0)
            abort();
        goto out_release;
    }
    if (hl_snapfile_encode(&s, &enc, &enc_len) != 0)
        goto out_release;
    if (hl_snapshot_init(&back) != 0) {
        hl_free(enc);
        goto out_release;
    }
    if (hl_snapfile_decode(enc, enc_len, &back, NULL) != 0 ||
        back.count != s.count || back.nstacks != s.nstacks)
        abort();
    null = fopen("/dev/null", "w");
    if (null != NULL) {
        /* the reports walk every extra and resolve every frame */
        hl_show_text(null, &back, &opts);
        hl_show_json(null, &back, &opts);
        fclose(null);
    }
    hl_snapshot_release(&back);
    hl_free(enc);

out_release:
    hl_snapshot_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: the sanitizer then sees a read one byte past
     * the input, which libFuzzer's own buffer might hide. */
    uint8_t *copy = malloc(size ? size : 1);

    if (copy == NULL)
        return 0;
    if (size != 0)
        memcpy(copy, data, size);
    check(copy, size);
    free(copy);
    return 0;
}
