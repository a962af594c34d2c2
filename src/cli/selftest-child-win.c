/*
 * The self-test's child: `hleak selftest --child TAG DIR [FAULT]`, started
 * by selftest-win.c with pipes for stdin and stdout. It opens the handles
 * the checks know, announces each on stdout ("event 1a4"), then answers
 * "more N" (open N more events) and "quit" until its stdin closes. It
 * never closes what it announced: the OS does, when the parent kills it.
 */
#include <windows.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "msg.h"
#include "selftest.h"

struct child {
    HANDLE out;
    WCHAR event_name[96];
    int fault; /* open one event more than announced */
};

static void say(struct child *c, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#endif
    ;

static void say(struct child *c, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    DWORD done;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf) - 1)
        return;
    buf[n++] = '\n';
    WriteFile(c->out, buf, (DWORD)n, &done, NULL);
}

static void say_handle(struct child *c, const char *kind, HANDLE h)
{
    if (h != NULL && h != INVALID_HANDLE_VALUE)
        say(c, "%s %lx", kind, (unsigned long)(uintptr_t)h);
}

/* n more handles to the named event; one unannounced with the fault. */
static void open_events(struct child *c, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        say_handle(c, "event",
                   OpenEventW(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE,
                              c->event_name));
    if (c->fault)
        OpenEventW(SYNCHRONIZE, FALSE, c->event_name);
}

static DWORD WINAPI exit_at_once(void *arg)
{
    (void)arg;
    return ST_THREAD_CODE;
}

static DWORD WINAPI wait_forever(void *arg)
{
    WaitForSingleObject((HANDLE)arg, INFINITE);
    return 0;
}

/* A synchronous read that never completes: what hangs a name query on
 * Windows: NtQueryObject waits for the FILE_OBJECT lock that a pending
 * synchronous read holds (System Informer issue #746, psutil #2894). */
static DWORD WINAPI read_forever(void *arg)
{
    char b;
    DWORD got;

    ReadFile((HANDLE)arg, &b, 1, &got, NULL);
    return 0;
}

static void open_threads(struct child *c)
{
    HANDLE never = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE t;
    DWORD tid;

    t = CreateThread(NULL, 64 * 1024, exit_at_once, NULL,
                     STACK_SIZE_PARAM_IS_A_RESERVATION, &tid);
    if (t != NULL && WaitForSingleObject(t, 10000) == WAIT_OBJECT_0)
        say(c, "thread %lx %lu exited %u", (unsigned long)(uintptr_t)t,
            (unsigned long)tid, ST_THREAD_CODE);
    if (never == NULL)
        return;
    t = CreateThread(NULL, 64 * 1024, wait_forever, never,
                     STACK_SIZE_PARAM_IS_A_RESERVATION, &tid);
    if (t != NULL)
        say(c, "thread %lx %lu alive", (unsigned long)(uintptr_t)t,
            (unsigned long)tid);
}

static void open_pipe(struct child *c, const WCHAR *tag)
{
    WCHAR name[128];
    HANDLE server, client;

    _snwprintf(name, sizeof(name) / sizeof(name[0]) - 1,
               L"\\\\.\\pipe\\%ls-pipe", tag);
    name[sizeof(name) / sizeof(name[0]) - 1] = L'\0';
    /* no FILE_FLAG_OVERLAPPED on either end: synchronous file objects */
    server = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX,
                              PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0,
                              NULL);
    if (server == INVALID_HANDLE_VALUE)
        return;
    client = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                         OPEN_EXISTING, 0, NULL);
    if (client == INVALID_HANDLE_VALUE)
        return;
    if (CreateThread(NULL, 64 * 1024, read_forever, client,
                     STACK_SIZE_PARAM_IS_A_RESERVATION, NULL) == NULL)
        return;
    /* let the reader reach ReadFile before anyone looks */
    Sleep(200);
    say_handle(c, "pipe", client);
}

/* One DC and one menu, through user32 and gdi32 loaded here: hleak
 * itself links neither. */
static void open_gui(struct child *c)
{
    HMODULE gdi = LoadLibraryW(L"gdi32.dll");
    HMODULE user = LoadLibraryW(L"user32.dll");
    HDC(WINAPI * create_dc)(HDC) = NULL;
    HMENU(WINAPI * create_menu)(void) = NULL;

    if (gdi != NULL)
        create_dc = (HDC(WINAPI *)(HDC))(void (*)(void))GetProcAddress(
            gdi, "CreateCompatibleDC");
    if (user != NULL)
        create_menu = (HMENU(WINAPI *)(void))(void (*)(void))GetProcAddress(
            user, "CreateMenu");
    if (create_dc != NULL && create_menu != NULL &&
        create_dc(NULL) != NULL && create_menu() != NULL)
        say(c, "gui 1 1");
}

static void setup(struct child *c, const WCHAR *tag, const WCHAR *dir)
{
    WCHAR path[MAX_PATH + 64];
    HKEY key;
    unsigned i;

    _snwprintf(c->event_name, sizeof(c->event_name) / sizeof(WCHAR) - 1,
               L"%ls-event", tag);
    c->event_name[sizeof(c->event_name) / sizeof(WCHAR) - 1] = L'\0';
    say_handle(c, "event", CreateEventW(NULL, TRUE, FALSE, c->event_name));
    open_events(c, ST_EVENTS - 1);

    _snwprintf(path, sizeof(path) / sizeof(WCHAR) - 1, L"%ls\\held.txt", dir);
    path[sizeof(path) / sizeof(WCHAR) - 1] = L'\0';
    for (i = 0; i < ST_FILES; i++)
        say_handle(c, "file",
                   CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                               FILE_SHARE_READ | FILE_SHARE_WRITE |
                                   FILE_SHARE_DELETE,
                               NULL, i == 0 ? CREATE_ALWAYS : OPEN_EXISTING,
                               FILE_ATTRIBUTE_TEMPORARY, NULL));

    _snwprintf(path, sizeof(path) / sizeof(WCHAR) - 1, L"Software\\%ls",
               tag);
    path[sizeof(path) / sizeof(WCHAR) - 1] = L'\0';
    for (i = 0; i < ST_KEYS; i++) {
        if (RegOpenKeyExW(HKEY_CURRENT_USER, path, 0, KEY_READ, &key) ==
            ERROR_SUCCESS)
            say_handle(c, "key", (HANDLE)key);
    }

    open_threads(c);
    say(c, "process %lx %lu",
        (unsigned long)(uintptr_t)OpenProcess(
            PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
            GetCurrentProcessId()),
        (unsigned long)GetCurrentProcessId());

    _snwprintf(path, sizeof(path) / sizeof(WCHAR) - 1, L"%ls-section", tag);
    path[sizeof(path) / sizeof(WCHAR) - 1] = L'\0';
    say_handle(c, "section",
               CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                  0, 64 * 1024, path));
    open_pipe(c, tag);
    open_gui(c);
    say(c, "ready");
}

/* One command line from the parent; 0 at end of input. */
static int read_line(HANDLE in, char *buf, size_t len)
{
    size_t n = 0;
    DWORD got;
    char ch;

    for (;;) {
        if (!ReadFile(in, &ch, 1, &got, NULL) || got == 0)
            return 0;
        if (ch == '\n')
            break;
        if (n + 1 < len)
            buf[n++] = ch;
    }
    buf[n] = '\0';
    return 1;
}

static WCHAR *widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL,
                                0);
    WCHAR *w;

    if (n <= 0 || n > MAX_PATH)
        return NULL;
    w = hl__malloc((size_t)n * sizeof(WCHAR));
    if (w != NULL &&
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        hl__free(w);
        w = NULL;
    }
    return w;
}

int st_child_main(int argc, char **argv)
{
    struct child c;
    char line[64];
    WCHAR *tag, *dir;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);

    memset(&c, 0, sizeof(c));
    c.out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (argc < 2 || argc > 3 ||
        (argc == 3 && strcmp(argv[2], ST_FAULT_NAME) != 0)) {
        hl_error("selftest --child is started by 'hleak selftest' only");
        return HL_EXIT_USAGE;
    }
    c.fault = argc == 3;
    tag = widen(argv[0]);
    dir = widen(argv[1]);
    if (tag == NULL || dir == NULL || wcslen(tag) > 40) {
        hl__free(tag);
        hl__free(dir);
        return HL_EXIT_USAGE;
    }
    setup(&c, tag, dir);
    hl__free(tag);
    hl__free(dir);
    while (read_line(in, line, sizeof(line))) {
        unsigned long n;
        char *end;

        if (strcmp(line, "quit") == 0)
            break;
        if (strncmp(line, "more ", 5) == 0) {
            n = strtoul(line + 5, &end, 10);
            if (*end == '\0' && n <= 1000)
                open_events(&c, (unsigned)n);
        }
        say(&c, "ready");
    }
    return HL_EXIT_OK;
}
