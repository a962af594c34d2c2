/*
 * The targets of Process and Thread handles: a handle to a process or
 * thread that has exited keeps its kernel object (and, for a process, its
 * PID and part of its memory) alive until it is closed, a leak no name
 * shows.
 */
#include "win-int.h"

#include <string.h>

#ifndef STILL_ACTIVE
#define STILL_ACTIVE 259 /* SDK */
#endif

/* The exit time, or 0 when it cannot be read or is not set. */
static uint64_t exit_time(const struct hl_nt_api *api, int is_thread,
                          HANDLE h, int *read)
{
    FILETIME created, exited, kernel, user;
    BOOL ok;

    memset(&exited, 0, sizeof(exited));
    if (is_thread)
        ok = api->get_thread_times(h, &created, &exited, &kernel, &user);
    else
        ok = api->get_process_times(h, &created, &exited, &kernel, &user);
    *read = ok != 0;
    return ok ? hl__filetime_u64(&exited) : 0;
}

/*
 * One reading on h. The exit code alone cannot say "alive": a thread may
 * exit with code 259, STILL_ACTIVE. So the wait decides, then the exit
 * time; the code decides only the other way (anything but 259 means
 * exited, since a running thread always reads 259).
 */
static void read_target(const struct hl_nt_api *api, int is_thread,
                        HANDLE h, struct hl_target *t)
{
    DWORD code = 0;
    BOOL got_code;
    uint64_t when;
    int times_read;

    memset(t, 0, sizeof(*t));
    t->state = HL_TARGET_UNKNOWN;
    t->id = is_thread ? api->get_thread_id(h) : api->get_process_id(h);
    got_code = is_thread ? api->get_exit_code_thread(h, &code)
                         : api->get_exit_code_process(h, &code);
    when = exit_time(api, is_thread, h, &times_read);
    switch (api->wait_for_single_object(h, 0)) {
    case WAIT_OBJECT_0:
        t->state = HL_TARGET_EXITED;
        break;
    case WAIT_TIMEOUT:
        t->state = HL_TARGET_ALIVE;
        break;
    default:
        /* no SYNCHRONIZE right: the exit time (0 while running on every
         * Windows, though documented as undefined) with the code */
        if (when != 0 || (got_code && code != STILL_ACTIVE))
            t->state = HL_TARGET_EXITED;
        else if (times_read && got_code)
            t->state = HL_TARGET_ALIVE;
        break;
    }
    if (t->state != HL_TARGET_EXITED)
        return;
    t->exit_time = when;
    if (got_code) {
        t->flags |= HL_TARGET_HAS_CODE;
        t->exit_code = code;
    }
}

/* 1 when t leaves something a second reading could add. */
static int incomplete(const struct hl_target *t)
{
    if (t->state == HL_TARGET_UNKNOWN || t->id == 0)
        return 1;
    return t->state == HL_TARGET_EXITED &&
           (!(t->flags & HL_TARGET_HAS_CODE) || t->exit_time == 0);
}

/* Keeps the better of two readings in t: a known state over an unknown
 * one, and the facts the first lacked when both agree. */
static void merge(struct hl_target *t, const struct hl_target *t2)
{
    if (t->state == HL_TARGET_UNKNOWN && t2->state != HL_TARGET_UNKNOWN) {
        uint32_t id = t->id;

        *t = *t2;
        if (t->id == 0)
            t->id = id;
        return;
    }
    if (t->id == 0)
        t->id = t2->id;
    if (t->state != HL_TARGET_EXITED || t2->state != HL_TARGET_EXITED)
        return;
    if (!(t->flags & HL_TARGET_HAS_CODE) &&
        (t2->flags & HL_TARGET_HAS_CODE)) {
        t->flags |= HL_TARGET_HAS_CODE;
        t->exit_code = t2->exit_code;
    }
    if (t->exit_time == 0)
        t->exit_time = t2->exit_time;
}

void hl__target_of(const struct hl_nt_api *api, HANDLE proc, uint64_t value,
                   int is_thread, HANDLE dup, struct hl_target *out)
{
    DWORD access = SYNCHRONIZE | (is_thread
                                      ? THREAD_QUERY_LIMITED_INFORMATION
                                      : PROCESS_QUERY_LIMITED_INFORMATION);
    struct hl_target t, t2;
    HANDLE dup2 = NULL;

    read_target(api, is_thread, dup, &t);
    if (incomplete(&t) &&
        (dup2 = hl__dup_from(api, proc, value, access)) != NULL) {
        read_target(api, is_thread, dup2, &t2);
        api->close_handle(dup2);
        merge(&t, &t2);
    }
    *out = t;
}
