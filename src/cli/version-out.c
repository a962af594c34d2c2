/* `hleak --version`: the version first (alone on its line, what scripts
 * and tests compare: the same string a snapshot records), then what a
 * bug report needs to know about the binary. */

#include <stdio.h>

#include "core-int.h"
#include "msg.h"
#include "version-out.h"

#define HL_STR_(x) #x
#define HL_STR(x) HL_STR_(x)

/* The architecture the binary was compiled for, as Windows names it. */
#if defined(_M_X64) || defined(__x86_64__)
#define HL_TARGET_ARCH "x64"
#elif defined(_M_IX86) || defined(__i386__)
#define HL_TARGET_ARCH "x86"
#elif defined(_M_ARM64) || defined(__aarch64__)
#define HL_TARGET_ARCH "arm64"
#else
#define HL_TARGET_ARCH "unknown"
#endif

#if defined(_WIN32)
#define HL_TARGET_OS "Windows"
#elif defined(__linux__)
#define HL_TARGET_OS "Linux"
#else
#define HL_TARGET_OS "other"
#endif

/* clang defines __GNUC__ too: test it first. */
#if defined(__clang__)
#define HL_COMPILER                                                        \
    "clang " HL_STR(__clang_major__) "." HL_STR(__clang_minor__) "."       \
        HL_STR(__clang_patchlevel__)
#elif defined(__GNUC__)
#define HL_COMPILER                                                        \
    "gcc " HL_STR(__GNUC__) "." HL_STR(__GNUC_MINOR__) "."                 \
        HL_STR(__GNUC_PATCHLEVEL__)
#elif defined(_MSC_VER)
#define HL_COMPILER "MSVC " HL_STR(_MSC_FULL_VER)
#else
#define HL_COMPILER "unknown"
#endif

#if defined(__MINGW64_VERSION_MAJOR)
#define HL_RUNTIME                                                         \
    " (mingw-w64 " HL_STR(__MINGW64_VERSION_MAJOR) "."                     \
        HL_STR(__MINGW64_VERSION_MINOR) ")"
#else
#define HL_RUNTIME ""
#endif

int hl_print_version(void)
{
    printf("hleak %s\n", hl__version_full());
    printf("commit: %s\n", hl__version_commit());
    printf("tree: %s\n", hl__version_tree());
    printf("target: %s (%s, %d-bit)\n", HL_TARGET_ARCH, HL_TARGET_OS,
           (int)sizeof(void *) * 8);
    printf("compiler: %s\n", HL_COMPILER HL_RUNTIME);
    return hl_finish_stdout(0);
}
