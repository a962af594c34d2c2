# The "consumer" test: installs this build into a fresh prefix with
# `cmake --install`, then configures, builds and runs tests/consumer
# against it, as a user's project would. Run with cmake -P and:
#   HL_BUILD      the build tree to install
#   HL_SOURCE     the source tree (for tests/consumer and the fixtures)
#   HL_WORK       a scratch folder, emptied first
#   HL_GENERATOR  the generator of the build tree
#   HL_TOOLCHAIN  its toolchain file, or empty
#   HL_EMULATOR   what runs its programs (scripts/wine-run), or empty
#   HL_CMOCKA_INCLUDE  the folder of cmocka.h, for hleak/cmocka.h alone
#   HL_LINKER_FLAGS    the build's link flags (a sanitized libhleak needs
#                      the sanitizer's runtime in the consumer too)
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
        OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
    set(run_out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${HL_WORK})
set(prefix ${HL_WORK}/prefix)
run(${CMAKE_COMMAND} --install ${HL_BUILD} --prefix ${prefix})
# the public headers are include/hleak and version.h, and nothing else
# (the internal ones stay in src/)
file(GLOB want RELATIVE ${HL_SOURCE}/include/hleak
    ${HL_SOURCE}/include/hleak/*.h)
list(APPEND want version.h)
file(GLOB got RELATIVE ${prefix}/include/hleak ${prefix}/include/hleak/*)
list(SORT want)
list(SORT got)
if(NOT want STREQUAL got)
    message(FATAL_ERROR "installed headers: ${got}\nexpected: ${want}")
endif()
file(GLOB_RECURSE config ${prefix}/*/hleakConfig.cmake)
file(GLOB_RECURSE tool ${prefix}/bin/hleak*)
if(NOT config OR NOT tool)
    message(FATAL_ERROR "no package config or no hleak tool in ${prefix}")
endif()
get_filename_component(config_dir ${config} DIRECTORY)

set(args -S ${HL_SOURCE}/tests/consumer -B ${HL_WORK}/build
    -G ${HL_GENERATOR} -DCMAKE_BUILD_TYPE=RelWithDebInfo
    -DCMAKE_PREFIX_PATH=${prefix}
    # a cross toolchain searches packages only under its root: name it
    -Dhleak_DIR=${config_dir}
    -DHL_CMOCKA_INCLUDE=${HL_CMOCKA_INCLUDE}
    "-DCMAKE_EXE_LINKER_FLAGS=${HL_LINKER_FLAGS}")
if(HL_TOOLCHAIN)
    list(APPEND args -DCMAKE_TOOLCHAIN_FILE=${HL_TOOLCHAIN})
endif()
run(${CMAKE_COMMAND} ${args})
run(${CMAKE_COMMAND} --build ${HL_WORK}/build)

file(GLOB exe ${HL_WORK}/build/consumer ${HL_WORK}/build/consumer.exe)
run(${HL_EMULATOR} ${exe} ${HL_SOURCE}/tests/fixtures/leaky-1.dmp
    ${HL_SOURCE}/tests/fixtures/leaky-2.dmp)
message("${run_out}")
# the accessors of the opaque snapshot and diff read what the report says
if(NOT run_out MATCHES "consumer: 9 and 12 handles of leaky.exe"
        OR NOT run_out MATCHES "consumer: opened 3 Event \"\""
        OR NOT run_out MATCHES "consumer: opened 1 File \"[^\"]*leaky-2.log\""
        OR NOT run_out MATCHES "consumer: hleak [0-9.]+, 4 handles opened")
    message(FATAL_ERROR "unexpected output of the consumer")
endif()
file(GLOB exe_cxx ${HL_WORK}/build/consumer_cxx
    ${HL_WORK}/build/consumer_cxx.exe)
if(exe_cxx)
    run(${HL_EMULATOR} ${exe_cxx})
endif()
