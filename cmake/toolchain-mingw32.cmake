# Cross-compile hleak for 32-bit (i686) Windows with Debian's mingw-w64.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)

set(HL_MINGW_PREFIX i686-w64-mingw32)
set(CMAKE_C_COMPILER ${HL_MINGW_PREFIX}-gcc)
# C++ only for tests/consumer, which checks the headers from C++.
set(CMAKE_CXX_COMPILER ${HL_MINGW_PREFIX}-g++)
set(CMAKE_RC_COMPILER ${HL_MINGW_PREFIX}-windres)

# cmocka for i686 is built by scripts/bootstrap into this cache folder.
get_filename_component(HL_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_FIND_ROOT_PATH /usr/${HL_MINGW_PREFIX}
    "${HL_SOURCE_ROOT}/.cache/mingw32")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests run under Wine; a static runtime keeps them free of DLL lookups.
set(CMAKE_C_STANDARD_LIBRARIES_INIT "")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
# A 32-bit hleak refuses live work under WOW64 (src/win/wow64-win.c), as
# on 64-bit Windows, so its tests run in a 32-bit Windows: the wrapper
# picks the project's pure 32-bit Wine prefix (WINEARCH=win32).
set(CMAKE_CROSSCOMPILING_EMULATOR "${HL_SOURCE_ROOT}/scripts/wine-run32")
