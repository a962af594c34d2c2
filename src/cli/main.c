#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "core-int.h"
#include "hleak/caps.h"
#include "msg.h"
#include "target.h"
#include "version-out.h"

static const struct cmd_entry {
    const char *name;
    int (*fn)(int argc, char **argv);
    unsigned needs; /* the HL_CAP_* of a live process it needs; 0: none
                     * (show: only its live form, checked there) */
    const char *summary;
} commands[] = {
    {"convert", cmd_convert, 0, "write a dump's handles as a snapshot"},
    {"diff", cmd_diff, 0,
     "what was opened between two snapshots and is still open"},
    {"dump", cmd_dump, HL_CAP_DUMP,
     "write a minidump with handle data of a running process"},
    {"find", cmd_find, HL_CAP_FIND,
     "which processes hold a handle whose name matches a pattern"},
    {"ps", cmd_ps, HL_CAP_SYSTEM,
     "list processes by handle count; with --interval, by growth"},
    {"run", cmd_run, HL_CAP_LAUNCH | HL_CAP_COLLECT,
     "start a program, follow it to its end, and judge its leaks"},
    {"selftest", cmd_selftest, HL_CAP_COLLECT,
     "check what hleak can do on this system, on a child of its own"},
    {"show", cmd_show, 0,
     "print the handles of a snapshot, a dump or (Windows) a live process"},
    {"snapshot", cmd_snapshot, HL_CAP_COLLECT,
     "record the open handles of a running process"},
    {"trace", cmd_trace, HL_CAP_TRACE,
     "turn handle tracing (open stacks) of a process on or off"},
    {"watch", cmd_watch, HL_CAP_COLLECT,
     "sample handle counts over time; say which type grows"},
};

static const char *const main_usage[] = {
    "hleak [--version] [--help] <command> [<args>]",
    NULL,
};

static void print_help(FILE *f)
{
    size_t i;

    fprintf(f, "usage: %s\n\ncommands:\n", main_usage[0]);
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s%s\n", commands[i].name, commands[i].summary,
                commands[i].needs != 0 ? " (Windows)" : "");
    fputs("\nRun 'hleak <command> --help' for a command's options.\n"
          "Exit status: 0 success, 1 a leak gate (or a selftest check)\n"
          "failed or find matched nothing, 2 usage error, 3 failure\n"
          "(unreadable input, unreachable process), 4 a leak gate could not\n"
          "judge (watch --fail-on-growth with too few samples; a diff of\n"
          "whole-system snapshots with a process not counted), or find\n"
          "matched nothing but some name queries timed out; for run,\n"
          "fewer than two points to compare), 5 the program run started\n"
          "failed (run).\n",
          f);
}

static const struct cmd_entry *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static int wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

static int run(int argc, char **argv)
{
    const struct cmd_entry *cmd;
    char *help_argv[3];
    int rc;

    if (argc < 2) {
        print_help(stderr);
        return HL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help(stdout);
        return hl_finish_stdout(0);
    }
    if (strcmp(argv[1], "--version") == 0) {
        return hl_print_version();
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            print_help(stdout);
            return hl_finish_stdout(0);
        }
        help_argv[0] = argv[2];
        help_argv[1] = "--help";
        help_argv[2] = NULL;
        argv = help_argv;
        argc = 2;
    } else {
        argv++;
        argc--;
    }
    cmd = find_command(argv[0]);
    if (cmd == NULL) {
        hl_error("'%s' is not an hleak command; see 'hleak --help'",
                 argv[0]);
        return HL_EXIT_USAGE;
    }
    if (cmd->needs != 0 && !wants_help(argc, argv) &&
        (rc = hl_cli_live_ready(cmd->name, cmd->needs)) != 0)
        return rc;
    return cmd->fn(argc, argv);
}

int main(int argc, char **argv)
{
    int rc;

    if (hl__console_init(&argc, &argv) != 0) {
        hl_error("cannot read the command line: %s", hl_strerror(HL_ENOMEM));
        return HL_EXIT_FAILURE;
    }
    rc = run(argc, argv);
    hl__console_close();
    return rc;
}
