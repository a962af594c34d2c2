# Cross-compile hleak for x86-64 Windows with Debian's mingw-w64.
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(HL_MINGW_PREFIX x86_64-w64-mingw32)
set(HL_MINGW_CACHE mingw64)
set(HL_WINE_RUN wine-run)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-mingw.cmake)
