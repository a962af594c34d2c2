#define _POSIX_C_SOURCE 200809L

#include "core-int.h"

#include <unistd.h>

uint64_t hl__self_pid(void)
{
    return (uint64_t)getpid();
}
