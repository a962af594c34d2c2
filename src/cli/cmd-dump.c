#include <inttypes.h>
#include <stdio.h>

#include "cmds.h"
#include "hleak/collect.h"
#include "dump.h"
#include "hleak/err.h"
#include "input.h"
#include "msg.h"
#include "opt.h"
#include "outfile.h"
#include "target.h"

static const char *const dump_usage[] = {
    "hleak dump (-p PID | -n IMAGE) -o FILE.dmp [--verbose]",
    NULL,
};

static const char dump_help[] =
    "\n"
    "Writes a minidump of a running process with its handle data (and\n"
    "thread information), through dbghelp's MiniDumpWriteDump, atomically.\n"
    "`hleak show`, `diff` and `convert` read it on any OS. The dump is read\n"
    "back: one without handle data (Wine's dbghelp writes none) fails the\n"
    "command, and is kept for a debugger.\n"
    "\n"
    "options:\n"
    "  -p, --pid PID      the process to dump\n"
    "  -n, --name IMAGE   the process whose image file is IMAGE (\".exe\"\n"
    "                     may be left out); more than one match is an error\n"
    "  -o, --output FILE  where to write the dump (required; not '-':\n"
    "                     dbghelp needs a file)\n"
    "  --verbose          on failure, also print the failing system call\n"
    "                     and its status code\n"
    "  -h, --help         print this help\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 failure (no such process,\n"
    "access denied, the dump or the file could not be written, the dump\n"
    "has no handle data).\n";

enum { OPT_NAME = 1, OPT_OUTPUT, OPT_PID, OPT_VERBOSE };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt dump_opts[] = {
    {"name", 'n', 1, OPT_NAME},
    {"output", 'o', 1, OPT_OUTPUT},
    {"pid", 'p', 1, OPT_PID},
    {"verbose", 0, 0, OPT_VERBOSE},
};

static int report_error(uint64_t pid, const char *output, int err,
                        const struct hl_diag *diag, int verbose)
{
    switch (err) {
    case HL_ENOPROC:
        hl_error("no process with pid %" PRIu64, pid);
        break;
    case HL_EACCES:
        hl_error("cannot dump process %" PRIu64 " to '%s': access denied; "
                 "run hleak elevated (as administrator)",
                 pid, output);
        break;
    default:
        hl_error("cannot dump process %" PRIu64 " to '%s': %s", pid, output,
                 hl_strerror(err));
    }
    if (verbose)
        hl_cli_note_failed_call(diag);
    return HL_EXIT_FAILURE;
}

/*
 * Reads the dump back: "wrote" must mean show, diff and convert can use
 * it. A dump without handle data (dbghelp was asked for it; Wine's writes
 * none) fails the command but is kept: its threads and modules still
 * serve a debugger, and the failure says what it lacks. Returns an exit
 * code.
 */
static int check_written(uint64_t pid, const char *output)
{
    struct hl_input_info info;
    struct hl_snapshot snap;
    int err;

    if ((err = hl_snapshot_init(&snap)) == 0)
        err = hl_input_read(output, &snap, &info);
    if (err == 0)
        hl_note("wrote %s (%zu handles)", output, snap.count);
    else if (err == HL_ENOHANDLES)
        hl_error("dbghelp wrote '%s' without handle data, though asked for "
                 "it (Wine's dbghelp writes none): kept for a debugger, but "
                 "show, diff and convert cannot use it; take 'hleak "
                 "snapshot -p %" PRIu64 "' instead, or dump on Windows",
                 output, pid);
    else
        hl_error("dbghelp wrote '%s', but hleak cannot read it back: %s",
                 output, hl_strerror(err));
    hl_snapshot_release(&snap);
    return err == 0 ? HL_EXIT_OK : HL_EXIT_FAILURE;
}

int cmd_dump(int argc, char **argv)
{
    struct hl_diag diag = {NULL, 0, 0, 0};
    struct hl_optparse p;
    const char *image = NULL, *output = NULL;
    uint64_t pid = 0;
    int have_pid = 0, verbose = 0, id, err, rc;

    hl_opt_init(&p, argc, argv, dump_opts,
                sizeof(dump_opts) / sizeof(dump_opts[0]), dump_usage);
    while ((id = hl_opt_next(&p)) != HL_OPT_END) {
        switch (id) {
        case HL_OPT_HELP:
            return hl_finish_stdout(hl_usage_help(dump_usage, dump_help));
        case OPT_NAME:
            image = p.arg;
            break;
        case OPT_OUTPUT:
            output = p.arg;
            break;
        case OPT_PID:
            if ((rc = hl_cli_opt_pid(dump_usage, p.arg, &pid)) != 0)
                return rc;
            have_pid = 1;
            break;
        case OPT_VERBOSE:
            verbose = 1;
            break;
        default:
            return HL_EXIT_USAGE;
        }
    }
    if ((rc = hl_opt_positionals_max(&p, 0)) != 0)
        return rc;
    if ((rc = hl_cli_one_target(dump_usage, have_pid, image)) != 0)
        return rc;
    if (output == NULL)
        return hl_usage_error(dump_usage, "no output file given (-o)");
    if (hl_cli_is_dash(output))
        return hl_usage_error(dump_usage,
                              "-o -: dbghelp writes a dump through a file it "
                              "can seek in, not a pipe; give a file name "
                              "('hleak convert FILE.dmp -o -' then writes "
                              "its handles to standard output)");
    if (image != NULL && (rc = hl_cli_find_pid(image, &pid)) != 0)
        return rc;

    err = hl_dump_write(pid, output, &diag);
    if (err != 0)
        return report_error(pid, output, err, &diag, verbose);
    return check_written(pid, output);
}
