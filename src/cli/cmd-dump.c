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

enum { OPT_OUTPUT = 1 };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt dump_opts[] = {
    {"name", 'n', 1, HL_CLI_OPT_NAME},
    {"output", 'o', 1, OPT_OUTPUT},
    {"pid", 'p', 1, HL_CLI_OPT_PID},
    {"verbose", 0, 0, HL_CLI_OPT_VERBOSE},
};

static const struct hl_opt_table dump_table =
    HL_OPT_TABLE(dump_opts, dump_usage, dump_help);

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
    struct hl_cli_target t = {0, NULL, 0, 0};
    struct hl_optparse p;
    const char *output = NULL;
    int id, err, rc;

    hl_opt_init(&p, argc, argv, &dump_table);
    while ((id = hl_cli_target_next(&t, &p)) != HL_OPT_END) {
        switch (id) {
        case OPT_OUTPUT:
            output = p.arg;
            break;
        default:
            return p.status;
        }
    }
    if ((rc = hl_opt_positionals_max(&p, 0)) != 0)
        return rc;
    if (output == NULL)
        return hl_usage_error(dump_usage, "no output file given (-o)");
    if (hl_cli_is_dash(output))
        return hl_usage_error(dump_usage,
                              "-o -: dbghelp writes a dump through a file it "
                              "can seek in, not a pipe; give a file name "
                              "('hleak convert FILE.dmp -o -' then writes "
                              "its handles to standard output)");
    if ((rc = hl_cli_target_resolve(&t, dump_usage)) != 0)
        return rc;

    err = hl_dump_write(t.pid, output, &diag);
    if (err != 0)
        return hl_cli_target_error(&t, err, &diag,
                                   "dump process %" PRIu64 " to '%s'", t.pid,
                                   output);
    return check_written(t.pid, output);
}
