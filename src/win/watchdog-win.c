/*
 * The last resort behind the collector's own bounds: a live command that
 * is still inside a collection long after its deadline is stuck in a call
 * that should have returned. Printing and ending the process from another
 * thread is then the only way to give the user a clear error and a
 * status. Nothing here takes a lock the stuck thread may hold: no C
 * runtime stdio, no heap, no loader (TerminateProcess runs no DLL code).
 */
#include "core-int.h"

#include <string.h>
#include <windows.h>

static HANDLE wd_thread;
static HANDLE wd_stop;
static DWORD wd_ms;
static char wd_msg[512];

static void put_stderr(const char *s)
{
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    DWORD n;

    if (err != NULL && err != INVALID_HANDLE_VALUE)
        WriteFile(err, s, (DWORD)strlen(s), &n, NULL);
}

static DWORD WINAPI watchdog_main(void *arg)
{
    (void)arg;
    if (WaitForSingleObject(wd_stop, wd_ms) != WAIT_TIMEOUT)
        return 0;
    put_stderr("hleak: error: ");
    put_stderr(wd_msg);
    put_stderr("\n");
    hl__console_restore();
    TerminateProcess(GetCurrentProcess(), 3);
    return 0;
}

int hl__watchdog_start(unsigned ms, const char *msg)
{
    size_t n = strlen(msg);

    if (wd_thread != NULL)
        return HL_EINVAL;
    if (n >= sizeof(wd_msg))
        n = sizeof(wd_msg) - 1;
    memcpy(wd_msg, msg, n);
    wd_msg[n] = '\0';
    wd_ms = ms;
    wd_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (wd_stop == NULL)
        return HL_EQUERY;
    wd_thread = CreateThread(NULL, 64 * 1024, watchdog_main, NULL,
                             STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (wd_thread == NULL) {
        CloseHandle(wd_stop);
        wd_stop = NULL;
        return HL_EQUERY;
    }
    return 0;
}

void hl__watchdog_stop(void)
{
    if (wd_thread == NULL)
        return;
    SetEvent(wd_stop);
    /* it leaves at once; a thread slow to leave (its DLL_THREAD_DETACH)
     * is let go, never waited for without a bound */
    WaitForSingleObject(wd_thread, 5000);
    CloseHandle(wd_thread);
    CloseHandle(wd_stop);
    wd_thread = NULL;
    wd_stop = NULL;
}
