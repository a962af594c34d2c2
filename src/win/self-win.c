#include "win-int.h"

#include "core-int.h"

uint64_t hl__self_pid(void)
{
    return GetCurrentProcessId();
}
