# What both mingw-w64 toolchain files share; each sets first
#   CMAKE_SYSTEM_PROCESSOR, HL_MINGW_PREFIX (the compilers' triplet),
#   HL_MINGW_CACHE (cmocka's folder under .cache) and HL_WINE_RUN (the
#   wrapper under scripts/ that runs its programs under Wine).
set(CMAKE_SYSTEM_NAME Windows)

set(CMAKE_C_COMPILER ${HL_MINGW_PREFIX}-gcc)
# C++ only for tests/consumer, which checks the headers from C++.
set(CMAKE_CXX_COMPILER ${HL_MINGW_PREFIX}-g++)
set(CMAKE_RC_COMPILER ${HL_MINGW_PREFIX}-windres)

# cmocka for mingw is built by scripts/bootstrap into this cache folder.
get_filename_component(HL_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_FIND_ROOT_PATH /usr/${HL_MINGW_PREFIX}
    "${HL_SOURCE_ROOT}/.cache/${HL_MINGW_CACHE}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests run under Wine; a static runtime keeps them free of DLL lookups.
set(CMAKE_C_STANDARD_LIBRARIES_INIT "")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
# Every Windows binary, tests included, runs under Wine through this
# wrapper, which picks the project's own Wine prefix.
set(CMAKE_CROSSCOMPILING_EMULATOR "${HL_SOURCE_ROOT}/scripts/${HL_WINE_RUN}")
