#include "trace-cli.h"

#include <inttypes.h>

#include "hleak/err.h"
#include "trace.h"
#include "msg.h"
#include "target.h"

int hl_cli_symbolize(struct hl_snapshot *s, int symbols, int verbose)
{
    struct hl_diag diag;
    size_t i, stacks = 0, named = 0;
    int err;

    for (i = 0; i < s->count; i++)
        stacks += hl_snapshot_handle_stack(s, i) != NULL;
    if (stacks != 0)
        hl_note("%zu of %zu handles have an open stack (handle tracing)",
                stacks, s->count);
    if (!symbols)
        return 0;
    if (stacks == 0) {
        hl_note("no open stacks to name: handle tracing of process %" PRIu64
                " is off ('hleak trace on')",
                s->pid);
        return 0;
    }
    err = hl_trace_symbolize(s, &named, &diag);
    if (err == HL_ENOMEM) {
        hl_error("cannot name stack frames: %s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    if (err != 0) {
        hl_warn("cannot name stack frames (module+offset kept): %s",
                hl_strerror(err));
        if (verbose)
            hl_cli_note_failed_call(&diag);
        return 0;
    }
    hl_note("named %zu distinct stack addresses", named);
    return 0;
}
