# Writes one source per installed header that includes it alone, in C (and
# C++ when asked): each header must compile by itself, cmocka.h included
# (it brings <cmocka.h> and what cmocka needs; HL_CMOCKA_INCLUDE is where
# cmocka's header is, or empty when cmocka is not found: then it is left
# out).
file(GLOB headers RELATIVE ${HL_INCLUDE}/hleak ${HL_INCLUDE}/hleak/*.h)
if(NOT HL_CMOCKA_INCLUDE)
    list(REMOVE_ITEM headers cmocka.h)
endif()
set(HL_HEADER_SOURCES)
foreach(h IN LISTS headers)
    string(MAKE_C_IDENTIFIER ${h} id)
    foreach(ext IN ITEMS c ${HL_HEADER_CXX})
        set(src ${CMAKE_CURRENT_BINARY_DIR}/alone/${id}.${ext})
        file(WRITE ${src}.new
            "#include <hleak/${h}>\n#include <hleak/${h}>\n"
            "int hl_alone_${id}_${ext}(void);\n"
            "int hl_alone_${id}_${ext}(void) { return 0; }\n")
        configure_file(${src}.new ${src} COPYONLY)
        list(APPEND HL_HEADER_SOURCES ${src})
    endforeach()
endforeach()
