#ifndef HLEAK_CLI_SELFTEST_WIN_H
#define HLEAK_CLI_SELFTEST_WIN_H

/* The self-test's Windows side: the child process and what it leaves
 * behind (selftest-host-win.c), driven by selftest-win.c. */

#include <windows.h>

#include <stdint.h>

#include "selftest.h"

struct st_host {
    char tag[48];           /* "hleak-selftest-<pid>" */
    WCHAR wtag[48];
    WCHAR dir[MAX_PATH];    /* the unique temporary folder, "" if none */
    char dir8[MAX_PATH * 3]; /* the same in UTF-8 */
    int have_key;           /* HKCU\Software\<tag> was made */
    HANDLE job;             /* kills the child if hleak dies first */
    HANDLE proc;            /* the child, full access */
    DWORD pid;
    HANDLE to_child;        /* its stdin */
    HANDLE from_child;      /* its stdout */
    char buf[512];          /* bytes read from the child, not yet a line */
    size_t len;
};

/* hleak's version, the OS, the architecture, WOW64 and elevation. */
void st_host_describe(struct st_report *r);

/* The tag, the folder and the registry key. Returns 0 or a sentence for
 * r->stopped in why. */
int st_host_prepare(struct st_host *h, char *why, size_t len);

/* Starts the child with the fault (or NULL). Returns 0 or fills why. */
int st_host_spawn(struct st_host *h, const char *fault, char *why,
                  size_t len);

/* Sends one command line ("more 25"). */
int st_host_send(struct st_host *h, const char *cmd);

/*
 * Reads the child's lines into m until "ready", for at most ms
 * milliseconds. Returns 0, or fills why (the child exited, said
 * something unknown, or took too long).
 */
int st_host_read(struct st_host *h, struct st_manifest *m, DWORD ms,
                 char *why, size_t len);

/* A path in the folder, UTF-8 (for the library's calls). */
void st_host_path(const struct st_host *h, const char *file, char *out,
                  size_t len);

/*
 * Ends the child (asked, then killed), removes the folder and the key,
 * and says in *r's cleanup row whether all of it is gone. Closes nothing
 * another thread may still use when abandoned is set.
 */
void st_host_cleanup(struct st_host *h, struct st_report *r, int abandoned);

/* 1 when SeDebugPrivilege is enabled in this process's token, 0 when it
 * is held but disabled, -1 when it is not held (or unreadable). */
int st_host_debug_priv(void);

#endif
