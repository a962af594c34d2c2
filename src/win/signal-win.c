#include "core-int.h"

#include <windows.h>

static volatile LONG interrupted;

/* Runs on a thread the system creates for the console event. */
static BOOL WINAPI on_console_event(DWORD event)
{
    if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT)
        return FALSE;
    InterlockedExchange(&interrupted, 1);
    /* handled: the process keeps running and stops at its own pace */
    return TRUE;
}

int hl__interrupt_install(void)
{
    return SetConsoleCtrlHandler(on_console_event, TRUE) ? 0 : HL_EINVAL;
}

int hl__interrupted(void)
{
    return InterlockedCompareExchange(&interrupted, 0, 0) != 0;
}
