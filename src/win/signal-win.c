#include "core-int.h"

#include <windows.h>

static volatile LONG interrupted;

/* Runs on a thread the system creates for the console event. */
static BOOL WINAPI on_console_event(DWORD event)
{
    switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        InterlockedExchange(&interrupted, 1);
        /* handled: the process keeps running and stops at its own pace */
        return TRUE;
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        /* The console is closing (or the system shutting down, which
         * reaches a console program only when it runs as a service): the
         * system ends the process as soon as this handler returns, or
         * after its timeout (5 seconds for a closing console). Holding
         * the handler gives the main thread that time to stop as on
         * Ctrl+C; its exit ends this thread too. */
        InterlockedExchange(&interrupted, 1);
        Sleep(INFINITE);
        return TRUE;
    default:
        /* CTRL_LOGOFF_EVENT reaches only services, for any user's logoff:
         * not a reason to stop */
        return FALSE;
    }
}

int hl__interrupt_install(void)
{
    return SetConsoleCtrlHandler(on_console_event, TRUE) ? 0 : HL_EINVAL;
}

int hl__interrupted(void)
{
    return InterlockedCompareExchange(&interrupted, 0, 0) != 0;
}
