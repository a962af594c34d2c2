/*
 * hl-target: a Windows process whose handles a test controls, so hleak's
 * output can be checked against handles whose values, types and names are
 * known.
 *
 * Line protocol on stdin/stdout (UTF-8, "\n" line ends, stdout flushed
 * after every reply):
 *
 *   (start)                       -> ready <pid>
 *   open event N                  -> ok <id>...   N unnamed auto-reset events
 *   open named-event NAME         -> ok <id>
 *   open mutex NAME               -> ok <id>
 *   open semaphore NAME           -> ok <id>
 *   open manual-event NAME        -> ok <id>      manual-reset, not set
 *   open counted-semaphore NAME   -> ok <id>      count 2, maximum 10
 *   open owned-mutex NAME         -> ok <id>      owned by the main thread
 *   open timer NAME               -> ok <id>      manual-reset, never set
 *   open section NAME             -> ok <id>      0x3000 bytes of pagefile
 *   open file-section PATH        -> ok <id>      0x2000 bytes of that file
 *                                    (created), the file's handle closed
 *   set-event ID                  -> ok           SetEvent
 *   open token                    -> ok <id>      its own token, TOKEN_QUERY
 *   token-sid                     -> sid <S-1-...> its token's user, read
 *                                    with GetTokenInformation
 *   open file PATH                -> ok <id>      created if missing
 *   open key SUBKEY               -> ok <id>      created under HKCU
 *   open hklm-key SUBKEY          -> ok <id>      opened read-only
 *   open thread N                 -> ok <id>...   threads that wait forever
 *   open exited-thread N          -> ok <id>...   threads that exited (code
 *                                                 42) before the reply
 *   open process                  -> ok <id>      a handle to itself
 *   open blocked-pipe             -> ok <rd> <wr> an anonymous (synchronous)
 *                                    pipe; a thread of the target is blocked
 *                                    in ReadFile on <rd> before the reply,
 *                                    and nothing is written to <wr>; closing
 *                                    <wr> ends that read
 *   close ID...                   -> ok
 *   delete-key SUBKEY             -> ok           HKCU subtree, for clean-up
 *   count                         -> count <N>    probed, see cmd_count
 *   list                          -> <id> <hex> <kind> <name> per handle,
 *                                    then "end"
 *   exit                          -> bye, then the process exits
 *
 * Ids are handle values in decimal, so they can be matched against hleak's
 * output directly. Failures reply "err <win32 error code>".
 *
 * Demo mode: "hl-target leak-events N INTERVAL_MS [LOG]" prints "ready
 * <pid>", creates N unnamed events at that interval and never closes them,
 * prints "leaked N", then waits for "exit" or the end of stdin. With LOG,
 * each event also appends "<events so far> <FILETIME>" to that file, so a
 * test can tell how many the target had made at any moment.
 */
#include <windows.h>

#include <sddl.h>

#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 4096

/* The handle probe looks at values up to PROBE_LAST_HANDLE, but stops
 * after PROBE_GAP invalid values in a row: each probe is a wineserver
 * round trip (about 40 us), so the full range would take ten seconds, and
 * both Windows and Wine hand out the lowest free slots first, so live
 * handles do not sit thousands of slots past the others. */
#define PROBE_LAST_HANDLE 0x100000
#define PROBE_GAP 4096

struct tracked {
    HANDLE handle;
    const char *kind;
    char *name;                 /* UTF-8, "-" when the object has none */
    int is_key;                 /* closed with RegCloseKey */
};

static struct tracked *tracked;
static size_t tracked_count;
static size_t tracked_cap;

/* Threads wait on this; it is never signalled, the process just exits. */
static HANDLE forever_event;

static unsigned long long handle_id(HANDLE h)
{
    return (unsigned long long)(uintptr_t)h;
}

/* The kind words, kept here because the parsed line is reused. */
static const char *const kinds[] = {
    "event", "exited-thread", "file", "hklm-key", "key", "mutex", "named-event", "process",
    "semaphore", "thread", "pipe-read", "pipe-write", "manual-event",
    "counted-semaphore", "owned-mutex", "timer", "section", "token",
    "file-section",
};

static const char *kind_word(const char *kind)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i], kind) == 0)
            return kinds[i];
    }
    return "?";
}

static int track(HANDLE h, const char *kind, const char *name, int is_key)
{
    char *copy;

    if (tracked_count == tracked_cap) {
        size_t cap = tracked_cap ? tracked_cap * 2 : 64;
        struct tracked *grown = realloc(tracked, cap * sizeof(*grown));

        if (!grown)
            return -1;
        tracked = grown;
        tracked_cap = cap;
    }
    copy = _strdup(name && *name ? name : "-");
    if (!copy)
        return -1;
    tracked[tracked_count].handle = h;
    tracked[tracked_count].kind = kind_word(kind);
    tracked[tracked_count].name = copy;
    tracked[tracked_count].is_key = is_key;
    tracked_count++;
    return 0;
}

/* Converts UTF-8 from the test into a heap UTF-16 string; NULL on error
 * with the last error set. */
static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1,
                                NULL, 0);
    wchar_t *w;

    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof(*w));
    if (!w) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n)
            != n) {
        free(w);
        return NULL;
    }
    return w;
}

static void reply_err(DWORD code)
{
    printf("err %lu\n", (unsigned long)code);
}

static DWORD WINAPI wait_forever(LPVOID arg)
{
    (void)arg;
    WaitForSingleObject(forever_event, INFINITE);
    return 0;
}

/* Opens one named object or file; the reply is written by the caller. */
static DWORD WINAPI exit_at_once(LPVOID arg)
{
    (void)arg;
    return 42;
}

static HANDLE open_named(const char *kind, const wchar_t *name)
{
    if (strcmp(kind, "named-event") == 0)
        return CreateEventW(NULL, FALSE, FALSE, name);
    if (strcmp(kind, "mutex") == 0)
        return CreateMutexW(NULL, FALSE, name);
    if (strcmp(kind, "semaphore") == 0)
        return CreateSemaphoreW(NULL, 0, 16, name);
    if (strcmp(kind, "manual-event") == 0)
        return CreateEventW(NULL, TRUE, FALSE, name);
    if (strcmp(kind, "counted-semaphore") == 0)
        return CreateSemaphoreW(NULL, 2, 10, name);
    if (strcmp(kind, "owned-mutex") == 0)
        return CreateMutexW(NULL, TRUE, name);
    if (strcmp(kind, "timer") == 0)
        return CreateWaitableTimerW(NULL, TRUE, name);
    if (strcmp(kind, "section") == 0)
        return CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                  0, 0x3000, name);
    if (strcmp(kind, "file-section") == 0) {
        HANDLE f = CreateFileW(name, GENERIC_READ | GENERIC_WRITE,
                               FILE_SHARE_READ | FILE_SHARE_WRITE |
                               FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                               FILE_ATTRIBUTE_NORMAL, NULL);
        HANDLE h;
        DWORD e;

        if (f == INVALID_HANDLE_VALUE)
            return NULL;
        /* the section keeps the file; only the section stays open */
        h = CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0x2000, NULL);
        e = GetLastError();
        CloseHandle(f);
        SetLastError(e);
        return h;
    }
    if (strcmp(kind, "file") == 0) {
        HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE,
                               FILE_SHARE_READ | FILE_SHARE_WRITE |
                               FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                               FILE_ATTRIBUTE_NORMAL, NULL);

        return h == INVALID_HANDLE_VALUE ? NULL : h;
    }
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
}

static void cmd_open_named(const char *kind, const char *arg)
{
    wchar_t *name = to_wide(arg);
    HANDLE h;

    if (!name) {
        reply_err(GetLastError());
        return;
    }
    h = open_named(kind, name);
    free(name);
    if (!h) {
        reply_err(GetLastError());
        return;
    }
    if (track(h, kind, arg, 0) < 0) {
        CloseHandle(h);
        reply_err(ERROR_NOT_ENOUGH_MEMORY);
        return;
    }
    printf("ok %llu\n", handle_id(h));
}

static void cmd_open_key(HKEY root, const char *kind, const char *arg)
{
    wchar_t *sub = to_wide(arg);
    HKEY key;
    LONG rc;

    if (!sub) {
        reply_err(GetLastError());
        return;
    }
    if (root == HKEY_CURRENT_USER)
        rc = RegCreateKeyExW(root, sub, 0, NULL, 0, KEY_READ | KEY_WRITE,
                             NULL, &key, NULL);
    else
        rc = RegOpenKeyExW(root, sub, 0, KEY_READ, &key);
    free(sub);
    if (rc != ERROR_SUCCESS) {
        reply_err((DWORD)rc);
        return;
    }
    if (track((HANDLE)key, kind, arg, 1) < 0) {
        RegCloseKey(key);
        reply_err(ERROR_NOT_ENOUGH_MEMORY);
        return;
    }
    printf("ok %llu\n", handle_id((HANDLE)key));
}

/* Opens count unnamed objects of one kind, replying with every id, or
 * with the error of the first failure (the ones made before it stay). */
static void cmd_open_many(const char *kind, const char *arg)
{
    long count = arg && *arg ? strtol(arg, NULL, 10) : 1;
    char reply[LINE_MAX_LEN] = "ok";
    size_t used = 2;
    long i;

    if (count < 1 || count > 100) {
        reply_err(ERROR_INVALID_PARAMETER);
        return;
    }
    for (i = 0; i < count; i++) {
        HANDLE h;
        char name[32] = "-";

        if (strcmp(kind, "event") == 0) {
            h = CreateEventW(NULL, FALSE, FALSE, NULL);
        } else {
            DWORD tid = 0;

            int gone = strcmp(kind, "exited-thread") == 0;

            h = CreateThread(NULL, 64 * 1024,
                             gone ? exit_at_once : wait_forever, NULL,
                             STACK_SIZE_PARAM_IS_A_RESERVATION, &tid);
            snprintf(name, sizeof(name), "tid %lu", (unsigned long)tid);
            /* kept open after the exit: the leak hleak must report */
            if (h && gone && WaitForSingleObject(h, 10000) != WAIT_OBJECT_0) {
                CloseHandle(h);
                reply_err(ERROR_TIMEOUT);
                return;
            }
        }
        if (!h) {
            reply_err(GetLastError());
            return;
        }
        if (track(h, kind, name, 0) < 0) {
            CloseHandle(h);
            reply_err(ERROR_NOT_ENOUGH_MEMORY);
            return;
        }
        used += (size_t)snprintf(reply + used, sizeof(reply) - used,
                                 " %llu", handle_id(h));
    }
    printf("%s\n", reply);
}

static void cmd_open_process(void)
{
    DWORD pid = GetCurrentProcessId();
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    char name[32];

    if (!h) {
        reply_err(GetLastError());
        return;
    }
    snprintf(name, sizeof(name), "pid %lu", (unsigned long)pid);
    if (track(h, "process", name, 0) < 0) {
        CloseHandle(h);
        reply_err(ERROR_NOT_ENOUGH_MEMORY);
        return;
    }
    printf("ok %llu\n", handle_id(h));
}

/* The reader of a blocked pipe: one synchronous ReadFile that returns only
 * when the write end is closed (or written, which nothing does). */
struct pipe_reader {
    HANDLE rd;
    HANDLE started;
};

static DWORD WINAPI read_blocked(LPVOID arg)
{
    struct pipe_reader *pr = arg;
    HANDLE rd = pr->rd;
    char byte;
    DWORD got;

    SetEvent(pr->started); /* pr may be gone from here on */
    ReadFile(rd, &byte, 1, &got, NULL);
    return 0;
}

/* How long the reply waits after the reader started, so that it is
 * inside ReadFile, not just before it. */
#define READER_SETTLE_MS 200

static void cmd_open_blocked_pipe(void)
{
    struct pipe_reader pr;
    HANDLE rd, wr, thread = NULL;
    DWORD err = ERROR_SUCCESS;

    /* CreatePipe makes no overlapped handles: reads block the caller */
    if (!CreatePipe(&rd, &wr, NULL, 0)) {
        reply_err(GetLastError());
        return;
    }
    pr.rd = rd;
    pr.started = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (pr.started)
        thread = CreateThread(NULL, 64 * 1024, read_blocked, &pr,
                              STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!thread)
        err = GetLastError();
    else if (WaitForSingleObject(pr.started, 10000) != WAIT_OBJECT_0)
        err = ERROR_TIMEOUT;
    if (err != ERROR_SUCCESS) {
        CloseHandle(wr); /* ends the read, if it began */
        if (thread) {
            WaitForSingleObject(thread, 10000);
            CloseHandle(thread);
        }
        if (pr.started)
            CloseHandle(pr.started);
        CloseHandle(rd);
        reply_err(err);
        return;
    }
    CloseHandle(pr.started);
    /* the reader runs on; its thread handle is not one the test asked for */
    CloseHandle(thread);
    Sleep(READER_SETTLE_MS);
    /* as with open_many, what was made before a failure stays */
    if (track(rd, "pipe-read", "-", 0) < 0 ||
        track(wr, "pipe-write", "-", 0) < 0) {
        reply_err(ERROR_NOT_ENOUGH_MEMORY);
        return;
    }
    printf("ok %llu %llu\n", handle_id(rd), handle_id(wr));
}

static void cmd_open_token(void)
{
    HANDLE h;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &h)) {
        reply_err(GetLastError());
        return;
    }
    if (track(h, "token", "-", 0) < 0) {
        CloseHandle(h);
        reply_err(ERROR_NOT_ENOUGH_MEMORY);
        return;
    }
    printf("ok %llu\n", handle_id(h));
}

static void cmd_token_sid(void)
{
    union {
        TOKEN_USER tu;
        unsigned char b[512];
    } u;
    HANDLE h;
    DWORD got;
    char *sid = NULL;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &h)) {
        reply_err(GetLastError());
        return;
    }
    if (!GetTokenInformation(h, TokenUser, &u, sizeof(u), &got) ||
        !ConvertSidToStringSidA(u.tu.User.Sid, &sid)) {
        reply_err(GetLastError());
        CloseHandle(h);
        return;
    }
    printf("sid %s\n", sid);
    LocalFree(sid);
    CloseHandle(h);
}

static void cmd_open(char *args)
{
    char *kind = strtok(args, " ");
    char *rest = kind ? strtok(NULL, "") : NULL;

    if (!kind) {
        reply_err(ERROR_INVALID_PARAMETER);
    } else if (strcmp(kind, "event") == 0 || strcmp(kind, "thread") == 0 ||
               strcmp(kind, "exited-thread") == 0) {
        cmd_open_many(kind, rest);
    } else if (strcmp(kind, "process") == 0) {
        cmd_open_process();
    } else if (strcmp(kind, "token") == 0) {
        cmd_open_token();
    } else if (strcmp(kind, "blocked-pipe") == 0) {
        cmd_open_blocked_pipe();
    } else if (!rest || !*rest) {
        reply_err(ERROR_INVALID_PARAMETER);
    } else if (strcmp(kind, "key") == 0) {
        cmd_open_key(HKEY_CURRENT_USER, kind, rest);
    } else if (strcmp(kind, "hklm-key") == 0) {
        cmd_open_key(HKEY_LOCAL_MACHINE, kind, rest);
    } else {
        cmd_open_named(kind, rest);
    }
}

static struct tracked *find_tracked(unsigned long long id)
{
    size_t i;

    for (i = 0; i < tracked_count; i++) {
        if (handle_id(tracked[i].handle) == id)
            return &tracked[i];
    }
    return NULL;
}

static void cmd_close(char *args)
{
    char *tok;

    for (tok = strtok(args, " "); tok; tok = strtok(NULL, " ")) {
        unsigned long long id = strtoull(tok, NULL, 10);
        struct tracked *t = find_tracked(id);
        BOOL closed;

        if (!t) {
            reply_err(ERROR_INVALID_HANDLE);
            return;
        }
        if (t->is_key)
            closed = RegCloseKey((HKEY)t->handle) == ERROR_SUCCESS;
        else
            closed = CloseHandle(t->handle);
        if (!closed) {
            reply_err(GetLastError());
            return;
        }
        free(t->name);
        *t = tracked[--tracked_count];
    }
    printf("ok\n");
}

static void cmd_set_event(const char *arg)
{
    struct tracked *t = arg ? find_tracked(strtoull(arg, NULL, 10)) : NULL;

    if (!t) {
        reply_err(ERROR_INVALID_HANDLE);
        return;
    }
    if (!SetEvent(t->handle)) {
        reply_err(GetLastError());
        return;
    }
    printf("ok\n");
}

static void cmd_delete_key(const char *arg)
{
    wchar_t *sub = arg ? to_wide(arg) : NULL;
    LONG rc;

    if (!sub) {
        reply_err(arg ? GetLastError() : ERROR_INVALID_PARAMETER);
        return;
    }
    /* With a subkey name, the key itself goes too, not only its tree. */
    rc = RegDeleteTreeW(HKEY_CURRENT_USER, sub);
    free(sub);
    if (rc != ERROR_SUCCESS && rc != ERROR_FILE_NOT_FOUND) {
        reply_err((DWORD)rc);
        return;
    }
    printf("ok\n");
}

/* Counts handles by asking about every possible value, which involves
 * none of the NT queries hleak relies on (Wine's ProcessHandleCount is a
 * stub that says 0). */
static void cmd_count(void)
{
    unsigned long count = 0;
    unsigned long misses = 0;
    uintptr_t v;

    for (v = 4; v <= PROBE_LAST_HANDLE && misses < PROBE_GAP; v += 4) {
        DWORD flags;

        if (GetHandleInformation((HANDLE)v, &flags)) {
            count++;
            misses = 0;
        } else {
            misses++;
        }
    }
    printf("count %lu\n", count);
}

static void cmd_list(void)
{
    size_t i;

    for (i = 0; i < tracked_count; i++) {
        printf("%llu 0x%llx %s %s\n", handle_id(tracked[i].handle),
               handle_id(tracked[i].handle), tracked[i].kind,
               tracked[i].name);
    }
    printf("end\n");
}

/* Reads one line without its line end; 0 at the end of input. */
static int read_line(char *buf, size_t len)
{
    if (!fgets(buf, (int)len, stdin))
        return 0;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 1;
}

static int serve(void)
{
    char line[LINE_MAX_LEN];

    while (read_line(line, sizeof(line))) {
        char *cmd = strtok(line, " ");
        char *rest = cmd ? strtok(NULL, "") : NULL;

        if (!cmd)
            continue;
        if (strcmp(cmd, "exit") == 0) {
            printf("bye\n");
            fflush(stdout);
            break;
        }
        if (strcmp(cmd, "open") == 0 && rest)
            cmd_open(rest);
        else if (strcmp(cmd, "close") == 0 && rest)
            cmd_close(rest);
        else if (strcmp(cmd, "delete-key") == 0)
            cmd_delete_key(rest);
        else if (strcmp(cmd, "set-event") == 0)
            cmd_set_event(rest);
        else if (strcmp(cmd, "token-sid") == 0)
            cmd_token_sid();
        else if (strcmp(cmd, "count") == 0)
            cmd_count();
        else if (strcmp(cmd, "list") == 0)
            cmd_list();
        else
            reply_err(ERROR_INVALID_PARAMETER);
        fflush(stdout);
    }
    return 0;
}

/* The classic leak, for the demo: events created and never closed. */
static int leak_events(long count, long interval_ms, const char *log_path)
{
    char line[LINE_MAX_LEN];
    FILE *log = NULL;
    FILETIME ft;
    long i;

    if (log_path != NULL && (log = fopen(log_path, "w")) == NULL) {
        fprintf(stderr, "hl-target: cannot open %s\n", log_path);
        return 1;
    }
    for (i = 0; i < count; i++) {
        if (!CreateEventW(NULL, FALSE, FALSE, NULL)) {
            fprintf(stderr, "hl-target: CreateEvent failed after %ld: %lu\n",
                    i, (unsigned long)GetLastError());
            if (log != NULL)
                fclose(log);
            return 1;
        }
        if (log != NULL) {
            GetSystemTimeAsFileTime(&ft);
            fprintf(log, "%ld %llu\n", i + 1,
                    ((unsigned long long)ft.dwHighDateTime << 32) |
                        ft.dwLowDateTime);
            fflush(log);
        }
        if (interval_ms > 0)
            Sleep((DWORD)interval_ms);
    }
    if (log != NULL)
        fclose(log);
    printf("leaked %ld\n", count);
    fflush(stdout);
    while (read_line(line, sizeof(line))) {
        if (strcmp(line, "exit") == 0)
            break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* The test reads exact bytes; no CRLF translation. */
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stdin), _O_BINARY);

    forever_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!forever_event) {
        fprintf(stderr, "hl-target: CreateEvent failed: %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    printf("ready %lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);

    if ((argc == 4 || argc == 5) && strcmp(argv[1], "leak-events") == 0)
        return leak_events(strtol(argv[2], NULL, 10),
                           strtol(argv[3], NULL, 10),
                           argc == 5 ? argv[4] : NULL);
    if (argc != 1) {
        fprintf(stderr, "usage: hl-target [leak-events N INTERVAL_MS "
                        "[LOG]]\n");
        return 2;
    }
    return serve();
}
