#include "core-int.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <shellapi.h>

#include "textdec.h"

/* The strings, owned here, apart from the argv handed out: option parsing
 * reorders argv in place. */
static char **console_strings;
static int console_argc;

/* The console's output code page before hleak set UTF-8, or 0 when it was
 * not changed. The console is shared with the shell (cmd.exe keeps
 * printing in it after hleak exits), so it is given back on every way
 * out: hl__console_close(), the console's Ctrl+C / close events, and the
 * watchdog. */
static volatile LONG saved_cp;

/* An argument as the core decodes every UTF-16 string (textdec.c). */
static char *utf16_to_utf8(const wchar_t *w)
{
    size_t nbytes = wcslen(w) * sizeof(wchar_t);
    size_t size = hl__utf16_utf8_size(nbytes);
    char *s;

    if (size == 0 || (s = hl__malloc(size)) == NULL)
        return NULL;
    hl__utf16_to_utf8(s, (const unsigned char *)w, nbytes, 0, NULL);
    return s;
}

void hl__console_restore(void)
{
    LONG cp = InterlockedExchange(&saved_cp, 0);

    if (cp != 0)
        SetConsoleOutputCP((UINT)cp);
}

/* The process ends after this (FALSE lets the next handler, in the end
 * the default one, run). */
static BOOL WINAPI restore_on_event(DWORD event)
{
    (void)event;
    hl__console_restore();
    return FALSE;
}

int hl__console_init(int *argc, char ***argv)
{
    wchar_t **wargv;
    UINT cp;
    int n, i;

    /* The ANSI argv of the C runtime loses characters outside the code
     * page, so rebuild it from the wide command line. */
    wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (wargv == NULL)
        return HL_ENOMEM;
    /* n strings, then the n + 1 argv slots */
    console_strings = hl__calloc(2 * (size_t)n + 1, sizeof(*console_strings));
    if (console_strings == NULL)
        goto out_nomem;
    console_argc = n;
    for (i = 0; i < n; i++) {
        console_strings[i] = utf16_to_utf8(wargv[i]);
        if (console_strings[i] == NULL)
            goto out_nomem;
        console_strings[n + i] = console_strings[i];
    }
    LocalFree(wargv);
    *argc = n;
    *argv = console_strings + n;

    /* Text mode would turn "\n" into "\r\n": output must be identical on
     * every OS, and consoles take UTF-8 once told so. */
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    cp = GetConsoleOutputCP();
    if (cp != 0 && cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8)) {
        InterlockedExchange(&saved_cp, (LONG)cp);
        /* first installed, so called last: a command's own handler that
         * keeps the process running (watch) goes before it */
        SetConsoleCtrlHandler(restore_on_event, TRUE);
    }
    return 0;

out_nomem:
    LocalFree(wargv);
    hl__console_close();
    return HL_ENOMEM;
}

void hl__console_close(void)
{
    int i;

    hl__console_restore();
    if (console_strings == NULL)
        return;
    for (i = 0; i < console_argc; i++)
        hl__free(console_strings[i]);
    hl__free(console_strings);
    console_strings = NULL;
    console_argc = 0;
}

int hl__stdout_is_tty(void)
{
    DWORD mode;

    return GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) != 0;
}

int hl__console_enable_ansi(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD mode;

    if (!GetConsoleMode(out, &mode))
        return 0;
    /* Windows 10 1511 and later; older consoles refuse the flag */
    if (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING)
        return 1;
    return SetConsoleMode(out, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) !=
           0;
}
