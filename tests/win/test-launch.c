#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core-int.h"
#include "hleak/err.h"
#include "launch.h"
#include "win/win-int.h"

/*
 * `hleak run`'s debug loop (src/win/launch-win.c) through a fake call
 * table that plays a debuggee's events: what the loop continues and how
 * (the loader's breakpoint handled, the program's exceptions passed on),
 * which debug strings are checkpoints (whole, ANSI or wide) and which are
 * not (someone else's, unreadable, cut, a 16-bit length that wrapped),
 * the handles an event hands over closed, a checkpoint held until the
 * next wait, the exit code, and the timeout. No process is started.
 */

static struct hl_nt_api fake;

#define MAX_EVENTS 16
static DEBUG_EVENT script[MAX_EVENTS];
static size_t nscript, played;

/* what the fakes saw */
static DWORD continued[MAX_EVENTS];
static size_t ncontinued;
static HANDLE closed[32];
static size_t nclosed;
static int terminated, resumed;
static const char *cmdline_seen_ok;
static WCHAR cmdline_seen[256];

static HANDLE fake_proc = (HANDLE)(uintptr_t)0x1110;
static HANDLE fake_thread = (HANDLE)(uintptr_t)0x1114;
static HANDLE fake_file = (HANDLE)(uintptr_t)0x2220;
static HANDLE fake_dll = (HANDLE)(uintptr_t)0x2224;

static BOOL WINAPI f_create_process(const WCHAR *app, WCHAR *cmd,
                                    SECURITY_ATTRIBUTES *pa,
                                    SECURITY_ATTRIBUTES *ta, BOOL inherit,
                                    DWORD flags, void *env, const WCHAR *dir,
                                    STARTUPINFOW *si, PROCESS_INFORMATION *pi)
{
    (void)app;
    (void)pa;
    (void)ta;
    (void)inherit;
    (void)env;
    (void)dir;
    (void)si;
    /* suspended, so tracing can start first; a debugger of it alone */
    assert_true(flags & CREATE_SUSPENDED);
    assert_true(flags & DEBUG_ONLY_THIS_PROCESS);
    wcsncpy(cmdline_seen, cmd, 255);
    cmdline_seen_ok = "yes";
    pi->hProcess = fake_proc;
    pi->hThread = fake_thread;
    pi->dwProcessId = 42;
    pi->dwThreadId = 43;
    return TRUE;
}

static DWORD WINAPI f_resume_thread(HANDLE t)
{
    assert_ptr_equal(t, fake_thread);
    resumed++;
    return 1;
}

static BOOL WINAPI f_terminate_process(HANDLE p, UINT code)
{
    (void)code;
    assert_ptr_equal(p, fake_proc);
    terminated++;
    return TRUE;
}

static BOOL WINAPI f_wait_for_debug_event(DEBUG_EVENT *ev, DWORD ms)
{
    (void)ms;
    if (played >= nscript) {
        SetLastError(ERROR_SEM_TIMEOUT);
        return FALSE;
    }
    *ev = script[played++];
    return TRUE;
}

static BOOL WINAPI f_continue_debug_event(DWORD pid, DWORD tid, DWORD st)
{
    assert_int_equal(pid, 42);
    assert_int_equal(tid, 43);
    assert_true(ncontinued < MAX_EVENTS);
    continued[ncontinued++] = st;
    return TRUE;
}

static BOOL WINAPI f_close_handle(HANDLE h)
{
    assert_true(nclosed < 32);
    closed[nclosed++] = h;
    return TRUE;
}

/* The debuggee's memory is this process's; NULL is unreadable. */
static BOOL WINAPI f_read_process_memory(HANDLE p, const void *addr,
                                         void *buf, SIZE_T len, SIZE_T *got)
{
    assert_ptr_equal(p, fake_proc);
    if (addr == NULL) {
        SetLastError(ERROR_PARTIAL_COPY);
        *got = 0;
        return FALSE;
    }
    memcpy(buf, addr, len);
    *got = len;
    return TRUE;
}

static HANDLE WINAPI f_create_job_object(SECURITY_ATTRIBUTES *sa,
                                         const WCHAR *name)
{
    (void)sa;
    (void)name;
    return NULL; /* a job refused: the run goes on without one */
}

static void setup_table(void)
{
    fake = *hl__nt_default();
    fake.create_process = f_create_process;
    fake.resume_thread = f_resume_thread;
    fake.terminate_process = f_terminate_process;
    fake.wait_for_debug_event = f_wait_for_debug_event;
    fake.continue_debug_event = f_continue_debug_event;
    fake.close_handle = f_close_handle;
    fake.read_process_memory = f_read_process_memory;
    fake.create_job_object = f_create_job_object;
    hl__nt_set(&fake);
    nscript = played = ncontinued = nclosed = 0;
    terminated = resumed = 0;
}

static DEBUG_EVENT *add(DWORD code)
{
    DEBUG_EVENT *e = &script[nscript++];

    memset(e, 0, sizeof(*e));
    e->dwDebugEventCode = code;
    e->dwProcessId = 42;
    e->dwThreadId = 43;
    return e;
}

static void add_string(const void *data, WORD len, int wide)
{
    DEBUG_EVENT *e = add(OUTPUT_DEBUG_STRING_EVENT);

    e->u.DebugString.lpDebugStringData = (LPSTR)(uintptr_t)data;
    e->u.DebugString.nDebugStringLength = len;
    e->u.DebugString.fUnicode = (WORD)wide;
}

static void add_exception(DWORD code, DWORD first)
{
    DEBUG_EVENT *e = add(EXCEPTION_DEBUG_EVENT);

    e->u.Exception.ExceptionRecord.ExceptionCode = code;
    e->u.Exception.dwFirstChance = first;
}

static struct hl_launch *start(void)
{
    char *argv[] = {"C:\\p q\\prog.exe", "a b", NULL};
    struct hl_launch_opts o = {argv, 0};
    struct hl_launch *l;
    uint64_t pid;

    assert_int_equal(hl_launch_start(&o, &l, &pid, NULL), 0);
    assert_int_equal(pid, 42);
    assert_int_equal(hl_launch_resume(l, NULL), 0);
    assert_int_equal(resumed, 1);
    assert_true(wcscmp(cmdline_seen, L"\"C:\\p q\\prog.exe\" \"a b\"") == 0);
    return l;
}

static void next(struct hl_launch *l, enum hl_launch_kind kind,
                 const char *label)
{
    struct hl_launch_event ev;

    assert_int_equal(hl_launch_wait(l, 100, &ev, NULL), 0);
    assert_int_equal(ev.kind, kind);
    if (label != NULL)
        assert_string_equal(ev.label, label);
}

static void test_loop(void **state)
{
    static const char hello[] = "hello";
    static const char warm[] = "hleak:checkpoint warm";
    static const WCHAR wide[] = L"hleak:checkpoint wide";
    static char big[70000];
    static const char nonul[] = "hleak:checkpoint cut!";
    struct hl_launch *l;
    DEBUG_EVENT *e;

    (void)state;
    setup_table();
    memset(big, 'x', sizeof(big) - 1);
    memcpy(big, "hleak:checkpoint big", 20);
    e = add(CREATE_PROCESS_DEBUG_EVENT);
    e->u.CreateProcessInfo.hFile = fake_file;
    e = add(LOAD_DLL_DEBUG_EVENT);
    e->u.LoadDll.hFile = fake_dll;
    add_exception(EXCEPTION_BREAKPOINT, 1);          /* the loader's */
    add_string(hello, sizeof(hello), 0);             /* someone else's */
    add_string(warm, sizeof(warm), 0);               /* a checkpoint */
    add_string(NULL, 30, 0);                         /* unreadable */
    add_string(big, (WORD)(65536 + 25), 0);          /* length wrapped */
    add_string(big, 0xFFFF, 0);                      /* longer than read */
    add_string(nonul, sizeof(nonul) - 1, 0);         /* no NUL at its end */
    add_string(wide, sizeof(wide) / 2, 1);           /* wide checkpoint */
    add_exception(EXCEPTION_ACCESS_VIOLATION, 1);    /* the program's */
    e = add(EXIT_PROCESS_DEBUG_EVENT);
    e->u.ExitProcess.dwExitCode = 7;

    l = start();
    /* create, DLL and breakpoint answered inside: the first event out is
     * the foreign string, continued before it is returned */
    next(l, HL_LAUNCH_STRING, "hello");
    assert_int_equal(ncontinued, 4);
    assert_int_equal(continued[2], DBG_CONTINUE); /* loader breakpoint */
    assert_int_equal(nclosed, 2);
    assert_ptr_equal(closed[0], fake_file);
    assert_ptr_equal(closed[1], fake_dll);

    next(l, HL_LAUNCH_CHECKPOINT, "warm");
    assert_int_equal(ncontinued, 4); /* held while the snapshot is taken */
    next(l, HL_LAUNCH_STRING, "");   /* unreadable; "warm" continued */
    assert_int_equal(ncontinued, 6);
    next(l, HL_LAUNCH_STRING, NULL); /* 65561 & 0xFFFF: not whole */
    next(l, HL_LAUNCH_STRING, NULL); /* cut at 4095 bytes */
    next(l, HL_LAUNCH_STRING, NULL); /* no NUL where the length says */
    next(l, HL_LAUNCH_CHECKPOINT, "wide");
    next(l, HL_LAUNCH_EXITED, NULL);
    assert_int_equal(continued[ncontinued - 2], DBG_EXCEPTION_NOT_HANDLED);
    assert_int_equal(continued[ncontinued - 1], DBG_CONTINUE);
    /* after the exit there is nothing more, and nothing to kill */
    next(l, HL_LAUNCH_EXITED, NULL);
    hl_launch_free(l);
    assert_int_equal(terminated, 0);
    assert_ptr_equal(closed[nclosed - 2], fake_thread);
    assert_ptr_equal(closed[nclosed - 1], fake_proc);
    hl__nt_set(NULL);
}

static void test_exit_code_and_timeout(void **state)
{
    struct hl_launch_event ev;
    struct hl_launch *l;

    (void)state;
    setup_table();
    l = start();
    /* nothing happens: a timeout is no event, no error */
    assert_int_equal(hl_launch_wait(l, 10, &ev, NULL), 0);
    assert_int_equal(ev.kind, HL_LAUNCH_NONE);
    add(EXIT_PROCESS_DEBUG_EVENT)->u.ExitProcess.dwExitCode = 0xC000013Au;
    assert_int_equal(hl_launch_wait(l, 10, &ev, NULL), 0);
    assert_int_equal(ev.kind, HL_LAUNCH_EXITED);
    assert_int_equal(ev.exit_code, 0xC000013Au);
    hl_launch_free(l);
    hl__nt_set(NULL);
}

static void test_free_ends_a_running_program(void **state)
{
    struct hl_launch *l;

    (void)state;
    setup_table();
    l = start();
    add(EXIT_PROCESS_DEBUG_EVENT);
    hl_launch_free(l);
    assert_int_equal(terminated, 1);
    assert_int_equal(played, 1); /* its exit answered */
    hl__nt_set(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_exit_code_and_timeout),
        cmocka_unit_test(test_free_ends_a_running_program),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
