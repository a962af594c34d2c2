/*
 * `hleak selftest` on Windows: the steps run on a thread of their own
 * while this one keeps the deadline. Each step publishes its rows; past
 * the deadline the rows published so far are the report, the child is
 * killed and the folder and key removed, and the step still running is
 * abandoned (the process exits right after printing).
 */
#include "selftest-win.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"
#include "hleak/collect.h"
#include "diff-int.h"
#include "dump.h"
#include "hleak/err.h"
#include "input.h"
#include "hleak/snapfile.h"
#include "trace.h"
#include "win-int.h"

/* A child that is slower than this to answer is broken. */
#define CHILD_MS 30000u

struct run {
    const struct st_opts *o;
    struct st_host host;
    struct st_manifest m;
    struct st_report work;   /* the steps' rows */
    struct st_report shared; /* as published, under lock */
    const char *step;        /* the step running, under lock */
    int abandoned;           /* the deadline passed, under lock */
    CRITICAL_SECTION lock;
};

static void publish(struct run *u, const char *next)
{
    EnterCriticalSection(&u->lock);
    if (!u->abandoned) {
        u->shared = u->work;
        u->step = next;
    }
    LeaveCriticalSection(&u->lock);
}

/* Stops the steps: the rows not reached fail with this reason. */
static void stop(struct run *u, const char *why)
{
    snprintf(u->work.stopped, sizeof(u->work.stopped), "%s", why);
}

static const char *diag_text(const struct hl_diag *d, char *buf,
                             size_t len)
{
    if (d->call == NULL)
        return "";
    snprintf(buf, len, " (%s: %s 0x%08" PRIx32 ")", d->call,
             d->is_ntstatus ? "NTSTATUS" : "error", d->status);
    return buf;
}

/* Takes one snapshot of the child as `hleak snapshot` does; on failure
 * the steps stop with the reason. */
static int collect(struct run *u, struct hl_snapshot *s, uint64_t *ms,
                   struct hl_diag *diag)
{
    struct hl_collect_opts co;
    ULONGLONG t0 = GetTickCount64();
    char d[96];
    int err;

    memset(&co, 0, sizeof(co));
    co.pid = u->host.pid;
    co.name_timeout_ms = u->o->timeout_ms;
    err = hl_collect(&co, s, diag);
    if (ms != NULL)
        *ms = GetTickCount64() - t0;
    if (err != 0) {
        snprintf(u->work.stopped, sizeof(u->work.stopped),
                 "hl_collect failed: %s%s", hl_strerror(err),
                 diag_text(diag, d, sizeof(d)));
        return -1;
    }
    return 0;
}

/* NtQueryInformationProcess(51) asked directly, to say why the collector
 * fell back: not implemented, or an answer it should have used. */
static void class51(struct run *u, const struct hl_snapshot *s)
{
    const struct hl_nt_api *api = hl__nt_get();
    /* more than the header: a working class 51 answers success or
     * "length mismatch", both of which mean it is there */
    ULONGLONG buf[512];
    ULONG ret = 0;
    NTSTATUS st = 0;
    int have = api != NULL && api->query_information_process != NULL;

    if (have)
        st = api->query_information_process(
            u->host.proc, HL_NT_PROCESS_HANDLE_INFORMATION, buf,
            (ULONG)sizeof(buf), &ret);
    st_check_class51(s, have, (uint32_t)st, &u->work);
}

static void debug_priv(struct run *u, const struct hl_diag *diag)
{
    int state = st_host_debug_priv();

    if (state == 1 && diag->debug_priv)
        st_set(&u->work, ST_ROW_DEBUGPRIV, ST_OK, "enabled");
    else if (state == 1 || diag->debug_priv)
        st_set(&u->work, ST_ROW_DEBUGPRIV, ST_FAILED,
               "the token says %s, the collector says %s",
               state == 1 ? "enabled" : "not enabled",
               diag->debug_priv ? "enabled" : "not enabled");
    else if (state == 0)
        st_set(&u->work, ST_ROW_DEBUGPRIV, ST_FAILED,
               "held but not enabled: hleak's start-up "
               "(hl_debug_privilege_enable) did not enable it");
    else
        st_set(&u->work, ST_ROW_DEBUGPRIV, ST_UNSUPPORTED,
               "not held by this account (run elevated to have it)");
}

/* Writes s to file in the folder and reads it back into *back. */
static int round_trip(struct run *u, const char *file,
                      const struct hl_snapshot *s, struct hl_snapshot *back)
{
    char path[MAX_PATH * 3 + 32];
    const char *diff;
    int err;

    st_host_path(&u->host, file, path, sizeof(path));
    err = hl_snapfile_write(path, s);
    if (err == 0)
        err = hl_snapfile_read(path, back, NULL);
    if (err != 0) {
        st_set(&u->work, ST_ROW_SNAPFILE, ST_FAILED, "%s: %s", file,
               hl_strerror(err));
        return -1;
    }
    diff = st_snapshot_diff(s, back);
    if (diff != NULL) {
        st_set(&u->work, ST_ROW_SNAPFILE, ST_FAILED,
               "%s read back differs: %s", file, diff);
        return -1;
    }
    return 0;
}

/* Asks the child for n more events; their values from index *first. */
static int more(struct run *u, unsigned n, size_t *first)
{
    char cmd[32], why[160];

    *first = u->m.n;
    snprintf(cmd, sizeof(cmd), "more %u", n);
    if (st_host_send(&u->host, cmd) != 0 ||
        st_host_read(&u->host, &u->m, CHILD_MS, why, sizeof(why)) != 0) {
        stop(u, u->host.proc != NULL ? why : "no child");
        return -1;
    }
    return 0;
}

static void step_diff(struct run *u, const struct hl_snapshot *a2)
{
    struct hl_snapshot b, b2;
    struct hl_diff_opts dopts;
    struct hl_diff d;
    size_t first;
    int err;

    if (more(u, ST_DIFF_MORE, &first) != 0)
        return;
    if (hl_snapshot_init(&b) != 0 || hl_snapshot_init(&b2) != 0) {
        stop(u, "out of memory");
        return;
    }
    if (collect(u, &b, NULL, &(struct hl_diag){0}) == 0 &&
        round_trip(u, "after.snap", &b, &b2) == 0) {
        memset(&dopts, 0, sizeof(dopts));
        err = hl_diff_compute(a2, &b2, &dopts, &d);
        if (err != 0) {
            st_set(&u->work, ST_ROW_DIFF, ST_FAILED, "hl_diff_compute: %s",
                   hl_strerror(err));
        } else {
            st_check_diff(&u->m, &d, u->m.n - first, &u->work);
            hl_diff_release(&d);
        }
    }
    hl_snapshot_release(&b);
    hl_snapshot_release(&b2);
}

static void trace_fail(struct run *u, const char *what, int err,
                       const struct hl_diag *td)
{
    st_set(&u->work, ST_ROW_TRACE, ST_FAILED, "%s: %s (%s 0x%08" PRIx32 ")",
           what, hl_strerror(err), td->call != NULL ? td->call : "-",
           td->status);
}

static void step_trace(struct run *u, int priv)
{
    struct hl_diag td;
    struct hl_snapshot c;
    uint32_t values[ST_TRACE_MORE];
    size_t first, i, records = 0;
    int err, on = 1;

    memset(&td, 0, sizeof(td));
    err = hl_trace_set(u->host.pid, 1, 0, &td);
    if (err == HL_ENOTSUP) {
        st_set(&u->work, ST_ROW_TRACE, ST_UNSUPPORTED,
               "%s answered 0x%08" PRIx32 " (not implemented)",
               td.call != NULL ? td.call : "handle tracing", td.status);
        return;
    }
    if (err != 0) {
        trace_fail(u, "turning it on", err, &td);
        return;
    }
    if (more(u, ST_TRACE_MORE, &first) != 0 || hl_snapshot_init(&c) != 0)
        goto off;
    if (collect(u, &c, NULL, &(struct hl_diag){0}) == 0) {
        for (i = 0; i < ST_TRACE_MORE && first + i < u->m.n; i++)
            values[i] = u->m.items[first + i].value;
        st_check_trace(&c, values, i, priv, &u->work);
    }
    hl_snapshot_release(&c);
off:
    err = hl_trace_set(u->host.pid, 0, 0, &td);
    if (err == 0)
        err = hl_trace_status(u->host.pid, &on, &records, &td);
    if (err != 0)
        trace_fail(u, "turning it off", err, &td);
    else if (on)
        st_set(&u->work, ST_ROW_TRACE, ST_FAILED,
               "still on after 'off' (%zu records)", records);
}

static void step_dump(struct run *u)
{
    struct hl_diag diag;
    struct hl_input_info info;
    struct hl_snapshot d;
    char path[MAX_PATH * 3 + 32], dt[96];
    int err;

    memset(&diag, 0, sizeof(diag));
    st_host_path(&u->host, "child.dmp", path, sizeof(path));
    err = hl_dump_write(u->host.pid, path, &diag);
    if (err != 0) {
        st_set(&u->work, ST_ROW_DUMP, ST_FAILED, "hl_dump_write: %s%s",
               hl_strerror(err), diag_text(&diag, dt, sizeof(dt)));
        return;
    }
    if (hl_snapshot_init(&d) != 0) {
        stop(u, "out of memory");
        return;
    }
    err = hl_input_read(path, &d, &info);
    if (err == HL_ENOHANDLES)
        st_set(&u->work, ST_ROW_DUMP, ST_UNSUPPORTED,
               "MiniDumpWriteDump wrote a dump without the handle data "
               "stream it was asked for (%" PRIu32 " streams)",
               info.dump.streams);
    else if (err != 0)
        st_set(&u->work, ST_ROW_DUMP, ST_FAILED,
               "the dump written cannot be read back: %s", hl_strerror(err));
    else
        st_check_dump(&u->m, &d, &u->work);
    hl_snapshot_release(&d);
}

/* Everything but the cleanup, in the order of the rows' dependencies. */
static void steps(struct run *u)
{
    struct hl_diag diag;
    struct hl_snapshot a, a2;
    uint64_t ms = 0;
    char why[160];

    publish(u, "preparing the child");
    if (st_host_prepare(&u->host, why, sizeof(why)) != 0 ||
        st_host_spawn(&u->host, u->o->fault, why, sizeof(why)) != 0) {
        stop(u, why);
        return;
    }
    st_manifest_init(&u->m, u->host.tag, "");
    snprintf(u->m.file_tail, sizeof(u->m.file_tail), "\\%s\\held.txt",
             strrchr(u->host.dir8, '\\') != NULL
                 ? strrchr(u->host.dir8, '\\') + 1
                 : u->host.dir8);
    if (st_host_read(&u->host, &u->m, CHILD_MS, why, sizeof(why)) != 0) {
        stop(u, why);
        return;
    }
    publish(u, "the first snapshot");
    memset(&diag, 0, sizeof(diag));
    if (hl_snapshot_init(&a) != 0 || hl_snapshot_init(&a2) != 0) {
        stop(u, "out of memory");
        return;
    }
    if (collect(u, &a, &ms, &diag) != 0)
        goto out;
    st_check_snapshot(&u->m, &a, &u->work);
    class51(u, &a);
    debug_priv(u, &diag);
    st_check_hang(&u->m, &a, ms, u->o->timeout_ms,
                  10000u + 4u * (uint64_t)u->o->timeout_ms, &u->work);
    publish(u, "saving and reading a snapshot");
    if (round_trip(u, "before.snap", &a, &a2) != 0)
        goto out;
    st_set(&u->work, ST_ROW_SNAPFILE, ST_OK,
           "%zu handles saved and read back unchanged", a.count);
    publish(u, "the diff");
    step_diff(u, &a2);
    publish(u, "handle tracing");
    step_trace(u, diag.debug_priv);
    publish(u, "the dump");
    step_dump(u);
out:
    hl_snapshot_release(&a);
    hl_snapshot_release(&a2);
}

static DWORD WINAPI run_main(void *arg)
{
    struct run *u = arg;

    steps(u);
    publish(u, "cleaning up");
    st_host_cleanup(&u->host, &u->work, 0);
    publish(u, NULL);
    return 0;
}

int st_run(const struct st_opts *o, struct st_report *r)
{
    struct run *u;
    HANDLE t;
    DWORD w;
    int err;

    /* one refusal, as every live command gives, not a row per check */
    if ((err = hl__wow64_check(hl__nt_get(), sizeof(void *))) != 0)
        return err;
    u = hl__calloc(1, sizeof(*u));
    if (u == NULL)
        return HL_ENOMEM;
    u->o = o;
    InitializeCriticalSection(&u->lock);
    st_host_describe(&u->work);
    u->work.fault = o->fault;
    u->shared = u->work;
    t = CreateThread(NULL, 0, run_main, u, 0, NULL);
    if (t == NULL) {
        stop(u, "cannot start the self-test's thread");
        *r = u->work;
    } else {
        w = WaitForSingleObject(t, o->deadline_s * 1000u);
        EnterCriticalSection(&u->lock);
        if (w != WAIT_OBJECT_0) {
            u->abandoned = 1;
            snprintf(u->shared.stopped, sizeof(u->shared.stopped),
                     "the deadline of %u s passed during %s", o->deadline_s,
                     u->step != NULL ? u->step : "the self-test");
        }
        *r = u->shared;
        LeaveCriticalSection(&u->lock);
    }
    if (t == NULL || w == WAIT_OBJECT_0) {
        if (t != NULL)
            CloseHandle(t);
        st_manifest_release(&u->m);
        DeleteCriticalSection(&u->lock);
        hl__free(u);
    } else {
        /* the thread is stuck in a step: leave it and all it uses, and
         * end the child and remove what can be removed */
        st_host_cleanup(&u->host, r, 1);
    }
    st_finish(r);
    return 0;
}
