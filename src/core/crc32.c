#include "core-int.h"

/*
 * CRC-32 as used by zlib, PNG and Ethernet (reflected polynomial
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF), so a snapshot's
 * checksum can be checked with any common tool.
 *
 * A 16-entry table processed a nibble at a time: a quarter of the speed of
 * a 256-entry table, but it is small enough to write out and check by
 * hand, and reading a snapshot is bounded by the disk, not by this loop.
 * Entry n is the CRC register after shifting the four bits of n through.
 */
static const uint32_t crc_nibble[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
    0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t hl__crc32(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint32_t c = ~crc;
    size_t i;

    for (i = 0; i < len; i++) {
        c ^= p[i];
        c = (c >> 4) ^ crc_nibble[c & 0xf];
        c = (c >> 4) ^ crc_nibble[c & 0xf];
    }
    return ~c;
}
