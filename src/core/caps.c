#include "hleak/caps.h"

#include "core-int.h"

unsigned hl_capabilities(void)
{
    return hl__caps_collect | hl__caps_dump | hl__caps_trace |
           hl__caps_system | hl__caps_find | hl__caps_launch;
}
