# The build's version string, from one place: project(VERSION) plus git.
#   0.1.0                    at the commit tagged v0.1.0, clean tree; or
#                            without git (a source tarball)
#   0.1.0+g<hash>            any other commit
#   0.1.0+g<hash>.dirty      tracked files changed since that commit
# Two uses of this file:
#   include()d by CMakeLists.txt: hl_version_header(OUT) adds the target
#     hl_version_gen, which writes OUT on every build, touching it only when
#     the string changed (so a new commit rebuilds one file, not all).
#   cmake -P (what that target runs): HL_SOURCE, HL_OUT, HL_BASE set.

function(hl__version_compute source base out_full out_commit out_dirty)
    set(full "${base}")
    set(commit "unknown")
    set(dirty "unknown")
    find_program(HL_GIT git)
    if(HL_GIT)
        execute_process(COMMAND ${HL_GIT} -C "${source}" rev-parse HEAD
            OUTPUT_VARIABLE head RESULT_VARIABLE rc ERROR_QUIET
            OUTPUT_STRIP_TRAILING_WHITESPACE)
        # a tarball unpacked inside some other repository is no checkout
        # of hleak: only a git top level equal to the source counts
        execute_process(COMMAND ${HL_GIT} -C "${source}" rev-parse
            --show-toplevel OUTPUT_VARIABLE top ERROR_QUIET
            OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(rc EQUAL 0 AND top)
            get_filename_component(top "${top}" REALPATH)
            get_filename_component(src "${source}" REALPATH)
        endif()
        if(rc EQUAL 0 AND top AND top STREQUAL src)
            set(commit "${head}")
            execute_process(COMMAND ${HL_GIT} -C "${source}" rev-parse
                --short=12 HEAD OUTPUT_VARIABLE short ERROR_QUIET
                OUTPUT_STRIP_TRAILING_WHITESPACE)
            # tracked files only: build/ and .cache/ are ignored, and an
            # untracked scratch file does not change what is built
            execute_process(COMMAND ${HL_GIT} -C "${source}" status
                --porcelain --untracked-files=no
                OUTPUT_VARIABLE changes RESULT_VARIABLE src_rc ERROR_QUIET)
            if(NOT src_rc EQUAL 0)
                set(dirty "unknown")
            elseif(changes STREQUAL "")
                set(dirty "clean")
            else()
                set(dirty "dirty")
            endif()
            execute_process(COMMAND ${HL_GIT} -C "${source}" describe
                --tags --exact-match --match "v${base}" HEAD
                RESULT_VARIABLE tag_rc OUTPUT_QUIET ERROR_QUIET)
            if(NOT (tag_rc EQUAL 0 AND dirty STREQUAL "clean"))
                set(full "${base}+g${short}")
                if(NOT dirty STREQUAL "clean")
                    set(full "${full}.${dirty}")
                endif()
            endif()
        endif()
    endif()
    set(${out_full} "${full}" PARENT_SCOPE)
    set(${out_commit} "${commit}" PARENT_SCOPE)
    set(${out_dirty} "${dirty}" PARENT_SCOPE)
endfunction()

function(hl__version_write source base out)
    hl__version_compute("${source}" "${base}" full commit dirty)
    string(REPLACE "." ";" parts "${base}")
    list(GET parts 0 major)
    list(GET parts 1 minor)
    list(GET parts 2 patch)
    set(text "/* Written by cmake/hl-version.cmake at build time: do not edit. */
#ifndef HL_BUILD_VERSION_H
#define HL_BUILD_VERSION_H
#define HL_VERSION_FULL \"${full}\"
#define HL_VERSION_COMMIT \"${commit}\"
#define HL_VERSION_TREE \"${dirty}\"
#define HL_VERSION_MAJOR ${major}
#define HL_VERSION_MINOR ${minor}
#define HL_VERSION_PATCH ${patch}
#endif
")
    set(old "")
    if(EXISTS "${out}")
        file(READ "${out}" old)
    endif()
    if(NOT old STREQUAL text)
        file(WRITE "${out}.tmp" "${text}")
        file(RENAME "${out}.tmp" "${out}")
    endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE)
    hl__version_write("${HL_SOURCE}" "${HL_BASE}" "${HL_OUT}")
    return()
endif()

set(HL__VERSION_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")
function(hl_version_header out)
    # once now, so the file exists for the first build's dependency scan
    hl__version_write("${PROJECT_SOURCE_DIR}" "${PROJECT_VERSION}" "${out}")
    add_custom_target(hl_version_gen
        COMMAND ${CMAKE_COMMAND} -DHL_SOURCE=${PROJECT_SOURCE_DIR}
            -DHL_BASE=${PROJECT_VERSION} -DHL_OUT=${out}
            -P ${HL__VERSION_SCRIPT}
        BYPRODUCTS ${out}
        COMMENT "hleak version"
        VERBATIM)
endfunction()
