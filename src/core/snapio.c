/* The byte level of every snapshot file (snapfile-int.h, docs/FORMAT.md). */
#include "snapfile-int.h"

#include <string.h>

#include "core-int.h"
#include "textdec.h"

int hl__snap_corrupt(struct hl_snapfile_info *info, uint64_t off, int line)
{
    info->line = line;
    info->offset = off;
    return HL_ECORRUPT;
}

/* ---- writing ---- */

unsigned char *hl__wb_reserve(struct hl__wbuf *wb, size_t n)
{
    int err;

    if (wb->err != 0)
        return NULL;
    if (n > SIZE_MAX - wb->len) {
        wb->err = HL_ENOMEM;
        return NULL;
    }
    err = hl__grow((void **)&wb->data, &wb->cap, wb->len + n, 1);
    if (err != 0) {
        wb->err = HL_ENOMEM;
        return NULL;
    }
    wb->len += n;
    return wb->data + wb->len - n;
}

void hl__wb_bytes(struct hl__wbuf *wb, const void *p, size_t n)
{
    unsigned char *d = hl__wb_reserve(wb, n);

    if (d != NULL && n != 0)
        memcpy(d, p, n);
}

void hl__wb_varint(struct hl__wbuf *wb, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;

    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    hl__wb_bytes(wb, tmp, n);
}

size_t hl__wb_begin_section(struct hl__wbuf *wb, uint32_t tag)
{
    unsigned char *d = hl__wb_reserve(wb, SNAP_SECTION_HEAD);

    if (d == NULL)
        return 0;
    hl__put_le32(d, tag);
    hl__put_le64(d + 4, 0);
    return wb->len - SNAP_SECTION_HEAD + 4;
}

void hl__wb_end_section(struct hl__wbuf *wb, size_t len_at)
{
    if (wb->err == 0)
        hl__put_le64(wb->data + len_at, (uint64_t)(wb->len - len_at - 8));
}

void hl__wb_header(struct hl__wbuf *wb, uint32_t version)
{
    unsigned char *head = hl__wb_reserve(wb, SNAP_HEADER_LEN);

    if (head != NULL) {
        memset(head, 0, SNAP_HEADER_LEN);
        memcpy(head, SNAP_MAGIC, SNAP_MAGIC_LEN);
        hl__put_le32(head + SNAP_OFF_VERSION, version);
    }
}

void hl__wb_strings(struct hl__wbuf *wb, const struct hl_strtab *st)
{
    uint32_t id;

    hl__wb_varint(wb, st->count > 0 ? st->count - 1 : 0);
    for (id = 1; id < st->count; id++) {
        const char *str = st->data + st->offsets[id];
        size_t len = strlen(str);

        hl__wb_varint(wb, len);
        hl__wb_bytes(wb, str, len);
    }
}

int hl__wb_finish(struct hl__wbuf *wb, unsigned char **out, size_t *len)
{
    uint32_t crc;

    if (wb->err != 0) {
        hl__free(wb->data);
        return wb->err;
    }
    hl__put_le64(wb->data + SNAP_OFF_LENGTH, (uint64_t)wb->len);
    crc = hl__crc32(0, wb->data, SNAP_OFF_CRC);
    crc = hl__crc32(crc, wb->data + SNAP_HEADER_LEN,
                    wb->len - SNAP_HEADER_LEN);
    hl__put_le32(wb->data + SNAP_OFF_CRC, crc);
    *out = wb->data;
    *len = wb->len;
    return 0;
}

/* ---- reading ---- */

int hl__rb_varint(struct hl__rbuf *rb, uint64_t *v)
{
    uint64_t val = 0;
    unsigned shift = 0;
    unsigned char b;

    do {
        if (rb->p == rb->end)
            return -1;
        b = *rb->p++;
        if (shift == 63 && b > 1)
            return -1;
        if (b == 0 && shift != 0)
            return -1;
        val |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    *v = val;
    return 0;
}

int hl__rb_u32(struct hl__rbuf *rb, uint32_t *v)
{
    uint64_t val;

    if (hl__rb_varint(rb, &val) != 0 || val > UINT32_MAX)
        return -1;
    *v = (uint32_t)val;
    return 0;
}

int hl__rb_strid(struct hl__rbuf *rb, uint32_t count, uint32_t *id)
{
    if (hl__rb_u32(rb, id) != 0 || *id >= count)
        return -1;
    return 0;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF,
 * and no NUL, which would cut the string short when read back. */
static int utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0, k;

    while (i < len) {
        if ((k = hl__utf8_seq(s + i, len - i)) == 0)
            return 0;
        i += k;
    }
    return 1;
}

int hl__rb_strings(struct hl__rbuf *rb, struct hl_strtab *st,
                   struct hl_snapfile_info *info)
{
    uint64_t count, i, len;
    uint32_t id;
    int err;

    if (hl__rb_varint(rb, &count) != 0)
        return HL_CORRUPT(info);
    if (count > (uint64_t)(rb->end - rb->p) / SNAP_MIN_STRING)
        return HL_CORRUPT(info);
    for (i = 0; i < count; i++) {
        if (hl__rb_varint(rb, &len) != 0 || len == 0)
            return HL_CORRUPT(info);
        if (len > (uint64_t)(rb->end - rb->p))
            return HL_CORRUPT(info);
        if (!utf8_valid(rb->p, (size_t)len))
            return HL_CORRUPT(info);
        err = hl_strtab_intern(st, (const char *)rb->p, (size_t)len, &id);
        if (err != 0)
            return err;
        /* A repeated string would get an earlier id than its position:
         * the table would not be the one the records were written for. */
        if (id != i + 1)
            return HL_CORRUPT(info);
        rb->p += len;
    }
    if (rb->p != rb->end)
        return HL_CORRUPT(info);
    return 0;
}

int hl__snap_header(const unsigned char *buf, size_t len,
                    struct hl_snapfile_info *info)
{
    uint64_t file_len;
    uint32_t crc;

    if (len < SNAP_MAGIC_LEN) {
        /* The start of a snapshot cut short, or something else. */
        if (len == 0 || memcmp(buf, SNAP_MAGIC, len) != 0)
            return HL_ENOTSNAP;
        return HL_ETRUNC;
    }
    if (memcmp(buf, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0)
        return HL_ENOTSNAP;
    if (len < SNAP_HEADER_LEN)
        return HL_ETRUNC;
    /* The checksum before the version: every version keeps this header
     * and its checksum rule (docs/FORMAT.md), and one damaged byte in the
     * version field must not read as "made by a newer hleak". */
    file_len = hl__get_le64(buf + SNAP_OFF_LENGTH);
    crc = hl__crc32(0, buf, SNAP_OFF_CRC);
    crc = hl__crc32(crc, buf + SNAP_HEADER_LEN, len - SNAP_HEADER_LEN);
    if (crc != hl__get_le32(buf + SNAP_OFF_CRC))
        return file_len > len ? HL_ETRUNC : HL_ECHECKSUM;
    info->version = hl__get_le32(buf + SNAP_OFF_VERSION);
    if (info->version == 0)
        return HL_CORRUPT_AT(info, SNAP_OFF_VERSION);
    if (info->version > HL_SYSFILE_VERSION)
        return HL_EVERSION;
    if (file_len != len)
        return HL_CORRUPT_AT(info, SNAP_OFF_LENGTH);
    return 0;
}

int hl__snap_sections(const unsigned char *buf, size_t len,
                      const struct hl__snap_slot *slots, size_t nslots,
                      struct hl_snapfile_info *info)
{
    const unsigned char *p = buf + SNAP_HEADER_LEN;
    const unsigned char *end = buf + len;

    while (p != end) {
        struct hl__rbuf *sec = NULL;
        uint64_t body;
        uint32_t tag;
        size_t k;

        if (end - p < SNAP_SECTION_HEAD)
            return HL_CORRUPT_AT(info, (uint64_t)(p - buf));
        body = hl__get_le64(p + 4);
        if (body > (uint64_t)(end - p - SNAP_SECTION_HEAD))
            return HL_CORRUPT_AT(info, (uint64_t)(p + 4 - buf));
        tag = hl__get_le32(p);
        for (k = 0; k < nslots && sec == NULL; k++)
            if (slots[k].tag == tag)
                sec = slots[k].body;
        if (sec != NULL) {
            if (sec->p != NULL)
                return HL_CORRUPT_AT(info, (uint64_t)(p - buf));
            sec->p = p + SNAP_SECTION_HEAD;
            sec->end = sec->p + body;
        }
        p += SNAP_SECTION_HEAD + body;
    }
    return 0;
}

int hl__snap_at(int err, const struct hl__rbuf *rb, const unsigned char *buf,
                struct hl_snapfile_info *info)
{
    if (err == HL_ECORRUPT && info->offset == 0)
        info->offset = (uint64_t)(rb->p - buf);
    return err;
}

uint32_t hl__snap_version(const unsigned char *buf, size_t len)
{
    if (len < SNAP_HEADER_LEN || memcmp(buf, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0)
        return 0;
    return hl__get_le32(buf + SNAP_OFF_VERSION);
}
