#define _POSIX_C_SOURCE 200809L

#include "core-int.h"

#include <unistd.h>

int hl__console_init(int *argc, char ***argv)
{
    /* POSIX hands us bytes; hleak treats them as UTF-8 as they are. */
    (void)argc;
    (void)argv;
    return 0;
}

void hl__console_close(void)
{
}

int hl__stdout_is_tty(void)
{
    return isatty(STDOUT_FILENO);
}

int hl__console_enable_ansi(void)
{
    /* terminals on POSIX systems speak ANSI */
    return 1;
}

void hl__console_restore(void)
{
}
