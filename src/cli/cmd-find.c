/*
 * `hleak find`: which processes hold a handle whose name matches a
 * pattern (handle.exe's `handle NAME`), from one system-wide handle list,
 * naming only the handles of the requested types.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "find.h"
#include "hleak/collect.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "msg.h"
#include "opt.h"
#include "target.h"
#include "typecheck.h"

static const char *const find_usage[] = {
    "hleak find [--type TYPE]... [--json] [--timeout MS] [--threads N] "
    "[--deadline S] PATTERN",
    NULL,
};

static const char find_help[] =
    "\n"
    "Lists every process holding a handle whose name matches PATTERN:\n"
    "pid, image, handle value, type, access and name (with the NT name in\n"
    "JSON). PATTERN is a glob ('*' any run, '?' one character), case\n"
    "ignored, matched against the whole friendly name (C:\\logs\\app.log,\n"
    "HKLM\\Software\\...) and the whole NT name (\\Device\\...), as --ignore\n"
    "matches; a PATTERN with neither '*' nor '?' matches anywhere in a\n"
    "name, as handle.exe does ('app.log' finds C:\\logs\\app.log).\n"
    "\n"
    "Only handles of the searched types have their names read, on the\n"
    "same bounded name workers as 'hleak snapshot': a name query that\n"
    "blocks (a pipe with a read pending) costs the timeout (1 s), never a\n"
    "hang; such a handle is counted and reported, never taken for a\n"
    "non-match. Processes that refuse handle duplication are listed with\n"
    "the reason.\n"
    "\n"
    "options:\n"
    "  --type TYPE   search handles of TYPE only (repeatable); default:\n"
    "                ALPC Port, Desktop, Directory, Event, File, Job, Key,\n"
    "                Mutant, Section, Semaphore, SymbolicLink, Timer,\n"
    "                WindowStation\n"
    "  --json        write JSON\n"
    "  --timeout MS  give up on one blocking name query after MS\n"
    "                milliseconds (default 1000, 1 to 60000)\n"
    "  --threads N   ask names on N threads (1 to 16; default 2);\n"
    "                the result is the same for any N\n"
    "  --deadline S  give up on the whole search after S seconds\n"
    "                (default 300, 1 to 86400): an error, no result\n"
    "  -h, --help    print this help\n"
    "\n"
    "Exit status: 0 some handle matched, 1 none matched (as grep), 2 usage\n"
    "error, 3 failure (the system's handle list could not be read, the\n"
    "search ran past the deadline, or standard output failed), 4 none\n"
    "matched but some name queries timed out: those handles could not be\n"
    "looked at.\n";

enum { OPT_DEADLINE = 1, OPT_JSON, OPT_THREADS, OPT_TIMEOUT, OPT_TYPE };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt find_opts[] = {
    {"deadline", 0, 1, OPT_DEADLINE},
    {"json", 0, 0, OPT_JSON},
    {"threads", 0, 1, OPT_THREADS},
    {"timeout", 0, 1, OPT_TIMEOUT},
    {"type", 0, 1, OPT_TYPE},
};

static const struct hl_opt_table find_table =
    HL_OPT_TABLE(find_opts, find_usage, find_help);

/* More --type than there are object types is a mistake of the caller. */
#define MAX_TYPES 64

struct find_args {
    const char *types[MAX_TYPES];
    size_t ntypes;
    int json;
    /* as snapshot's options of the same names (cmd-snapshot.c) */
    unsigned timeout_ms, threads, deadline_ms;
};

static int parse_args(struct find_args *a, struct hl_optparse *p)
{
    char where[96];
    uint64_t v;
    int id, rc;

    while ((id = hl_opt_next(p)) != HL_OPT_END) {
        switch (id) {
        case OPT_JSON:
            a->json = 1;
            break;
        case OPT_THREADS:
            if ((rc = hl_opt_number(p, "thread count", NULL, 1,
                                    HL_COLLECT_MAX_THREADS, &v)) != 0)
                return rc;
            a->threads = (unsigned)v;
            break;
        case OPT_TIMEOUT:
            if ((rc = hl_opt_number(p, "timeout", "milliseconds", 1, 60000,
                                    &v)) != 0)
                return rc;
            a->timeout_ms = (unsigned)v;
            break;
        case OPT_DEADLINE:
            if ((rc = hl_opt_number(p, "deadline", "seconds", 1, 86400,
                                    &v)) != 0)
                return rc;
            a->deadline_ms = (unsigned)v * 1000u;
            break;
        case OPT_TYPE:
            snprintf(where, sizeof(where), "--type '%.60s'", p->arg);
            if ((rc = hl_cli_check_type(find_usage, where, p->arg, 0, NULL,
                                        0)) != 0)
                return rc;
            if (a->ntypes == MAX_TYPES)
                return hl_usage_error(find_usage,
                                      "too many --type options (at most "
                                      "%d)",
                                      MAX_TYPES);
            a->types[a->ntypes++] = p->arg;
            break;
        default:
            return p->status;
        }
    }
    if ((rc = hl_opt_positional_one(p, "no PATTERN given",
                                    "give one PATTERN (quote it)")) != 0)
        return rc;
    if (p->argv[0][0] == '\0')
        return hl_usage_error(find_usage, "empty PATTERN");
    return -1;
}

static void report_failure(const char *what, int err,
                           const struct hl_diag *diag)
{
    hl_error("%s: %s", what, hl_strerror(err));
    hl_cli_note_failed_call(diag);
}

static int run(const struct find_args *a, const char *pattern)
{
    struct hl_find_opts o;
    struct hl_system *sys = NULL;
    struct hl_find *f = NULL;
    struct hl_diag diag;
    int err;

    memset(&diag, 0, sizeof(diag));
    err = hl_system_take(0, &sys, &diag);
    if (err != 0) {
        report_failure("cannot read the system's handle list", err, &diag);
        return HL_EXIT_FAILURE;
    }
    memset(&o, 0, sizeof(o));
    o.pattern = pattern;
    o.types = a->ntypes > 0 ? a->types : NULL;
    o.ntypes = a->ntypes;
    o.name_timeout_ms = a->timeout_ms;
    o.threads = a->threads;
    o.deadline_ms = a->deadline_ms;
    err = hl_system_find(sys, &o, &f, &diag);
    hl_system_free(sys);
    if (err == HL_ETIMEDOUT) {
        hl_error("the search did not finish within the deadline "
                 "(--deadline); no result");
        return HL_EXIT_FAILURE;
    }
    if (err != 0) {
        report_failure("cannot search the handles' names", err, &diag);
        return HL_EXIT_FAILURE;
    }
    err = a->json ? find_print_json(f, pattern, a->types, a->ntypes)
                  : find_print_text(f);
    if (err == 0 && hl_find_timeouts(f) > 0)
        hl_warn("%" PRIu64 " name quer%s timed out (--timeout); those "
                "handles could not be matched",
                hl_find_timeouts(f), hl_find_timeouts(f) == 1 ? "y" : "ies");
    /* none found where some could not be looked at is no "not found" */
    if (err == 0 && (err = hl_finish_stdout(0)) == 0 &&
        hl_find_count(f) == 0)
        err = hl_find_timeouts(f) > 0 ? HL_EXIT_UNJUDGED : HL_EXIT_GATE;
    hl_find_free(f);
    return err;
}

int cmd_find(int argc, char **argv)
{
    struct find_args a;
    struct hl_optparse p;
    int rc;

    memset(&a, 0, sizeof(a));
    hl_opt_init(&p, argc, argv, &find_table);
    rc = parse_args(&a, &p);
    if (rc >= 0)
        return rc;
    return run(&a, p.argv[0]);
}
