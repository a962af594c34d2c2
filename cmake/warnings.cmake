# One warning policy for every target: warnings are errors.
function(hl_set_warnings target)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4 /WX /utf-8)
        target_compile_definitions(${target} PRIVATE _CRT_SECURE_NO_WARNINGS)
    else()
        target_compile_options(${target} PRIVATE
            -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
            -Wmissing-prototypes -Wpointer-arith -Wformat=2)
    endif()
endfunction()
