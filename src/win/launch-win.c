/*
 * `hleak run`: the program started suspended in a kill-on-close job,
 * followed as its debugger (DEBUG_ONLY_THIS_PROCESS) or, with no_debug,
 * only waited for. Every call goes through the NT call table, so
 * tests/win/ plays a debuggee's events (strings too long, unreadable,
 * wide) without a process.
 *
 * The debug loop must run on the thread that created the process
 * (WaitForDebugEvent's rule): hleak run is one thread.
 */

#include "launch.h"

#include <string.h>

#include "core-int.h"
#include "fs-win.h"
#include "hleak/caps.h"
#include "win-int.h"

const unsigned hl__caps_launch = HL_CAP_LAUNCH;

/* STATUS_WX86_BREAKPOINT: the loader's first breakpoint of a 32-bit
 * program under a 64-bit debugger, raised once more by WOW64. */
#define HL__WX86_BREAKPOINT 0x4000001Fu

struct hl_launch {
    const struct hl_nt_api *api;
    HANDLE proc, thread, job;
    DWORD pid;
    int debug;
    int held;       /* a debug event not yet continued (a checkpoint) */
    DWORD held_tid;
    int exited;
    DWORD exit_code;
    unsigned breakpoints; /* the loader's initial ones seen */
};

static int err_from_last(struct hl_diag *diag, const char *call)
{
    DWORD e = GetLastError();

    hl__diag_win32(diag, call, e);
    return hl__from_win32(e);
}

int hl_launch_start(const struct hl_launch_opts *opts, struct hl_launch **out,
                    uint64_t *pid, struct hl_diag *diag)
{
    const struct hl_nt_api *api = hl__nt_get();
    struct hl_launch *l;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    char *cmd = NULL;
    wchar_t *wcmd = NULL;
    DWORD flags = CREATE_SUSPENDED, e;
    int err;

    *out = NULL;
    *pid = 0;
    if (api == NULL || api->create_process == NULL)
        return HL_ENOTSUP;
    l = hl__calloc(1, sizeof(*l));
    if (l == NULL)
        return HL_ENOMEM;
    l->api = api;
    l->debug = !opts->no_debug;
    if ((err = hl_launch_cmdline(opts->argv, &cmd)) != 0 ||
        (err = hl__utf8_to_wide(cmd, &wcmd)) != 0)
        goto fail;
    l->job = hl__job_kill_on_close(api);
    if (l->debug)
        flags |= DEBUG_ONLY_THIS_PROCESS;
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    memset(&pi, 0, sizeof(pi));
    /* the program shares hleak's console and standard handles, as it
     * would run alone */
    if (!api->create_process(NULL, wcmd, NULL, NULL, TRUE, flags, NULL, NULL,
                             &si, &pi)) {
        e = GetLastError();
        hl__diag_win32(diag, "CreateProcess", e);
        err = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND
                  ? HL_ENOENT
                  : hl__from_win32(e);
        goto fail;
    }
    l->proc = pi.hProcess;
    l->thread = pi.hThread;
    l->pid = pi.dwProcessId;
    /* a job that forbids nesting: the debugger's kill-on-exit and the
     * kill in hl_launch_free() still end the program */
    if (l->job != NULL &&
        !api->assign_process_to_job_object(l->job, l->proc)) {
        api->close_handle(l->job);
        l->job = NULL;
    }
    hl__free(cmd);
    hl__free(wcmd);
    *pid = l->pid;
    *out = l;
    return 0;

fail:
    hl__free(cmd);
    hl__free(wcmd);
    if (l->job != NULL)
        api->close_handle(l->job);
    hl__free(l);
    return err == HL_EINVAL ? HL_ENOENT : err;
}

int hl_launch_resume(struct hl_launch *l, struct hl_diag *diag)
{
    if (l->api->resume_thread(l->thread) == (DWORD)-1)
        return err_from_last(diag, "ResumeThread");
    return 0;
}

/* Continues the held event (a checkpoint). */
static int release_held(struct hl_launch *l, struct hl_diag *diag)
{
    if (!l->held)
        return 0;
    l->held = 0;
    if (!l->api->continue_debug_event(l->pid, l->held_tid, DBG_CONTINUE))
        return err_from_last(diag, "ContinueDebugEvent");
    return 0;
}

/*
 * Reads the debug string of ev into buf[cap] (NUL-terminated, UTF-8 or
 * the program's ANSI bytes); *len its length. Returns 1 when the string
 * was read whole, else 0: the pointer is the program's and
 * nDebugStringLength, which counts the terminating NUL, is only the low
 * 16 bits of the length, so a string is whole only when all of it was
 * read and it ends exactly where the length says. A string longer than
 * cap - 1 is cut (it is not ours); an unreadable one leaves "".
 */
static int read_string(struct hl_launch *l, const OUTPUT_DEBUG_STRING_INFO *d,
                       char *buf, size_t cap, size_t *len)
{
    size_t unit = d->fUnicode ? 2 : 1;
    size_t n = (size_t)d->nDebugStringLength * unit, want;
    SIZE_T got = 0;
    WCHAR wbuf[HL_LAUNCH_MAX_STRING / 2];
    char *u8 = NULL;
    size_t i, k;
    int whole;

    *len = 0;
    buf[0] = '\0';
    want = n > (cap - 1) / unit * unit ? (cap - 1) / unit * unit : n;
    if (want == 0)
        return 0;
    if (!d->fUnicode) {
        if (!l->api->read_process_memory(l->proc, d->lpDebugStringData, buf,
                                         want, &got))
            got = 0;
        buf[got] = '\0';
        *len = strlen(buf);
        return want == n && got == n && *len == n - 1;
    }
    if (want > sizeof(wbuf))
        want = sizeof(wbuf);
    if (!l->api->read_process_memory(l->proc, d->lpDebugStringData, wbuf,
                                     want, &got) ||
        got < 2)
        return 0;
    k = (size_t)got / 2;
    whole = want == n && got == n && wbuf[k - 1] == 0;
    for (i = 0; i < k && wbuf[i] != 0; i++)
        ;
    whole = whole && i == k - 1;
    if (hl__utf8_from_utf16(wbuf, i, &u8) != 0)
        return 0;
    for (i = 0; u8[i] != '\0' && i + 1 < cap; i++)
        buf[i] = u8[i];
    buf[i] = '\0';
    *len = i;
    hl__free(u8);
    return whole;
}

/* Closes what an event hands the debugger to close. */
static void close_event_handles(struct hl_launch *l, const DEBUG_EVENT *ev)
{
    if (ev->dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT &&
        ev->u.CreateProcessInfo.hFile != NULL)
        l->api->close_handle(ev->u.CreateProcessInfo.hFile);
    if (ev->dwDebugEventCode == LOAD_DLL_DEBUG_EVENT &&
        ev->u.LoadDll.hFile != NULL)
        l->api->close_handle(ev->u.LoadDll.hFile);
}

/* How an exception is answered: the loader's initial breakpoints are the
 * debugger's (continued); every other exception goes to the program as
 * it would without a debugger. */
static DWORD exception_status(struct hl_launch *l, const DEBUG_EVENT *ev)
{
    DWORD code = ev->u.Exception.ExceptionRecord.ExceptionCode;

    if ((code == EXCEPTION_BREAKPOINT || code == HL__WX86_BREAKPOINT) &&
        ev->u.Exception.dwFirstChance && l->breakpoints < 2) {
        l->breakpoints++;
        return DBG_CONTINUE;
    }
    return DBG_EXCEPTION_NOT_HANDLED;
}

static int wait_plain(struct hl_launch *l, unsigned ms,
                      struct hl_launch_event *ev, struct hl_diag *diag)
{
    DWORD code = 0, w = l->api->wait_for_single_object(l->proc, ms);

    if (w == WAIT_TIMEOUT)
        return 0;
    if (w != WAIT_OBJECT_0)
        return err_from_last(diag, "WaitForSingleObject");
    if (!l->api->get_exit_code_process(l->proc, &code))
        return err_from_last(diag, "GetExitCodeProcess");
    l->exited = 1;
    l->exit_code = code;
    ev->kind = HL_LAUNCH_EXITED;
    ev->exit_code = code;
    return 0;
}

int hl_launch_wait(struct hl_launch *l, unsigned ms,
                   struct hl_launch_event *ev, struct hl_diag *diag)
{
    char buf[HL_LAUNCH_MAX_STRING];
    DEBUG_EVENT de;
    DWORD status;
    size_t len;
    ULONGLONG start = GetTickCount64(), now;
    DWORD wait = ms;
    int err, whole;

    memset(ev, 0, sizeof(*ev));
    if (l->exited) {
        ev->kind = HL_LAUNCH_EXITED;
        ev->exit_code = l->exit_code;
        return 0;
    }
    if (!l->debug)
        return wait_plain(l, ms, ev, diag);
    if ((err = release_held(l, diag)) != 0)
        return err;
    for (;;) {
        if (!l->api->wait_for_debug_event(&de, wait)) {
            if (GetLastError() == ERROR_SEM_TIMEOUT)
                return 0;
            return err_from_last(diag, "WaitForDebugEvent");
        }
        status = DBG_CONTINUE;
        close_event_handles(l, &de);
        switch (de.dwDebugEventCode) {
        case EXCEPTION_DEBUG_EVENT:
            status = exception_status(l, &de);
            break;
        case OUTPUT_DEBUG_STRING_EVENT:
            whole = read_string(l, &de.u.DebugString, buf, sizeof(buf),
                                &len);
            if (whole && hl_launch_parse_checkpoint(buf, len, ev->label,
                                                    sizeof(ev->label))) {
                /* held still until the next call: the snapshot sees the
                 * program stopped in OutputDebugString */
                ev->kind = HL_LAUNCH_CHECKPOINT;
                l->held = 1;
                l->held_tid = de.dwThreadId;
                return 0;
            }
            ev->kind = HL_LAUNCH_STRING;
            memcpy(ev->label, buf,
                   len < sizeof(ev->label) ? len : sizeof(ev->label) - 1);
            break;
        case EXIT_PROCESS_DEBUG_EVENT:
            ev->kind = HL_LAUNCH_EXITED;
            ev->exit_code = de.u.ExitProcess.dwExitCode;
            l->exit_code = ev->exit_code;
            l->exited = 1;
            break;
        default:
            break;
        }
        if (!l->api->continue_debug_event(de.dwProcessId, de.dwThreadId,
                                          status))
            return err_from_last(diag, "ContinueDebugEvent");
        if (ev->kind != HL_LAUNCH_NONE)
            return 0;
        /* the events the debugger answers itself (threads, DLLs) do not
         * stretch the caller's bound */
        now = GetTickCount64() - start;
        if (now >= ms)
            return 0;
        wait = ms - (DWORD)now;
    }
}

int hl_launch_kill(struct hl_launch *l, uint32_t code)
{
    if (l->exited)
        return 0;
    if (!l->api->terminate_process(l->proc, code))
        return HL_EQUERY;
    return release_held(l, NULL);
}

void hl_launch_free(struct hl_launch *l)
{
    struct hl_launch_event ev;
    int tries;

    if (l == NULL)
        return;
    if (!l->exited) {
        l->api->terminate_process(l->proc, 1);
        /* a debuggee ends only once its events are answered */
        for (tries = 0; tries < 100 && !l->exited; tries++)
            if (hl_launch_wait(l, 100, &ev, NULL) != 0)
                break;
    }
    l->api->close_handle(l->thread);
    l->api->close_handle(l->proc);
    if (l->job != NULL)
        l->api->close_handle(l->job);
    hl__free(l);
}
