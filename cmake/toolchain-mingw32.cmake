# Cross-compile hleak for 32-bit (i686) Windows with Debian's mingw-w64.
set(CMAKE_SYSTEM_PROCESSOR x86)
set(HL_MINGW_PREFIX i686-w64-mingw32)
set(HL_MINGW_CACHE mingw32)
# A 32-bit hleak refuses live work under WOW64 (src/win/wow64-win.c), as
# on 64-bit Windows, so its tests run in a 32-bit Windows: this wrapper
# picks the project's pure 32-bit Wine prefix (WINEARCH=win32).
set(HL_WINE_RUN wine-run32)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-mingw.cmake)
