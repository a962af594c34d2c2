#ifndef HLEAK_HLEAK_ERR_H
#define HLEAK_HLEAK_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes. Every fallible function returns 0 or one of these negative
 * codes; OS codes (errno, GetLastError, NTSTATUS) are converted where they
 * occur and never travel upward.
 */

#define HL_ERR_MAP(XX)                                                       \
    XX(ENOMEM, "out of memory")                                              \
    XX(EINVAL, "invalid argument")                                           \
    XX(EIO, "input/output error")                                            \
    XX(ENOENT, "no such file or directory")                                  \
    XX(EACCES, "access denied")                                              \
    XX(ENOTSNAP, "not an hleak snapshot")                                    \
    XX(ETRUNC, "file is truncated")                                          \
    XX(ECHECKSUM, "checksum mismatch: the file is damaged")                  \
    XX(ECORRUPT, "file is corrupt")                                          \
    XX(EVERSION, "made by a newer hleak: format version not supported")      \
    XX(ETOOBIG, "too large")                                                 \
    XX(ENOPROC, "no such process")                                           \
    XX(EAMBIGUOUS, "several processes match")                                \
    XX(EEXITED, "the process exited during collection")                      \
    XX(ENOTSUP, "live collection needs Windows")                             \
    XX(ETIMEDOUT, "timed out")                                               \
    XX(EQUERY, "the system refused the handle query")                       \
    XX(ENOTDUMP, "not a Windows minidump")                                   \
    XX(ENOHANDLES, "the dump has no handle data")                            \
    XX(EWOW64, "this is the 32-bit hleak running on 64-bit Windows: use "    \
               "the 64-bit hleak.exe")                                       \
    XX(EISDIR, "is a directory")                                             \
    XX(EEXIST, "file exists")                                                \
    XX(ESYSSNAP, "a whole-system snapshot (hleak snapshot --all), not one "  \
                 "of a process")

enum hl__err_index {
#define HL__ERR_IDX(code, msg) HL__IDX_##code,
    HL_ERR_MAP(HL__ERR_IDX)
#undef HL__ERR_IDX
    HL__ERR_COUNT
};

enum hl_err {
    HL_OK = 0,
#define HL__ERR_ENUM(code, msg) HL_##code = -(HL__IDX_##code + 1),
    HL_ERR_MAP(HL__ERR_ENUM)
#undef HL__ERR_ENUM
    HL__ERR_END = -(HL__ERR_COUNT + 1)
};

/* A static, lowercase description of err; never NULL. */
const char *hl_strerror(int err);

/* The code's name without its prefix ("ENOMEM"); "UNKNOWN" if not a code. */
const char *hl_err_name(int err);

#ifdef __cplusplus
}
#endif

#endif
