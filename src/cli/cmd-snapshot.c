#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "collect-cli.h"
#include "core-int.h"
#include "hleak/collect.h"
#include "hleak/err.h"
#include "hleak/snapfile.h"
#include "msg.h"
#include "opt.h"
#include "outfile.h"
#include "sys-cli.h"
#include "target.h"
#include "trace-cli.h"

static const char *const snapshot_usage[] = {
    "hleak snapshot (-p PID | -n IMAGE) [-o FILE] [--no-names] "
    "[--timeout MS] [--threads N] [--deadline S] [--require-names] "
    "[--details] [--symbols] [--verbose]",
    "hleak snapshot --all [-o FILE] [--no-gui] [--names [--timeout MS] "
    "[--threads N] [--deadline S]] [--verbose]",
    NULL,
};

static const char snapshot_help[] =
    "\n"
    "Records every open handle of a running process (value, type, access,\n"
    "attributes, name) in a snapshot file, written atomically. With --all,\n"
    "records every process of the system instead (pid, start time, image,\n"
    "handle count per type, GDI/USER counts) from one system-wide query,\n"
    "and with --names the names of their named handles: 'hleak show' and\n"
    "'hleak diff' read such a whole-system snapshot.\n"
    "\n"
    "options:\n"
    "  -p, --pid PID      the process to snapshot\n"
    "  -n, --name IMAGE   the process whose image file is IMAGE (\"app.exe\";\n"
    "                     \".exe\" may be left out); more than one match is\n"
    "                     an error that lists them\n"
    "  --all              every process of the system, its counts per\n"
    "                     type; not with -p or -n\n"
    "  --names            with --all: also the names of each process's\n"
    "                     handles of the named types (File, Key, Event,\n"
    "                     ... as 'hleak find' searches); opens every process\n"
    "                     that holds some; those that refuse are marked\n"
    "                     so. --timeout, --threads and --deadline apply\n"
    "  -o, --output FILE  where to write ('-': standard output); default\n"
    "                     <image>-<pid>-<yyyymmddThhmmss>.snap (UTC) here,\n"
    "                     with -2, -3, ... added rather than replace a file;\n"
    "                     with --all system-<host>-<yyyymmddThhmmss>.snap\n"
    "  --no-gui           with --all: skip the GDI and USER counts (they\n"
    "                     open every process); shown as unknown\n"
    "  --no-names         skip name queries (faster; names \"not queried\")\n"
    "  --timeout MS       give up on one blocking name query after MS\n"
    "                     milliseconds (default 1000, 1 to 60000)\n"
    "  --threads N        ask names on N threads (1 to 16; default 2);\n"
    "                     the snapshot is the same for any N\n"
    "  --deadline S       give up on the whole collection after S seconds\n"
    "                     (default 300, 1 to 86400): an error, no file\n"
    "  --require-names    fail (exit 3, no file) when the process lets no\n"
    "                     name be read: protected (PPL), elevated while\n"
    "                     hleak is not, or duplication refused; not\n"
    "                     with --no-names\n"
    "  --details          also ask each object what it can tell cheaply:\n"
    "                     handle and pointer counts, event type and\n"
    "                     state, mutant owner, semaphore count, section\n"
    "                     size, timer state, file device and sync mode,\n"
    "                     token user, key write time ('hleak show' prints\n"
    "                     them); not with --no-names\n"
    "  --symbols          with handle tracing on ('hleak trace on'), also\n"
    "                     name the open stacks' functions and lines with\n"
    "                     dbghelp (_NT_SYMBOL_PATH), stored in the file\n"
    "  --verbose          on failure, also print the failing system call\n"
    "                     and its status code\n"
    "  -h, --help         print this help\n"
    "\n"
    "When handle tracing of the process is on, each open handle's most\n"
    "recent open stack and the module list are stored too.\n"
    "\n"
    "Run elevated (as administrator) to snapshot processes of other users;\n"
    "hleak enables SeDebugPrivilege when the account has it. A process\n"
    "whose names cannot be read is still recorded (with a warning).\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 failure (no such process,\n"
    "access denied, the process exited, past the deadline, names not\n"
    "readable with --require-names, the file cannot be written).\n";

enum { OPT_NO_NAMES = 1, OPT_OUTPUT, OPT_THREADS, OPT_TIMEOUT, OPT_SYMBOLS,
       OPT_DEADLINE, OPT_REQUIRE_NAMES, OPT_ALL, OPT_NO_GUI, OPT_NAMES,
       OPT_DETAILS };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt snapshot_opts[] = {
    {"all", 0, 0, OPT_ALL},
    {"deadline", 0, 1, OPT_DEADLINE},
    {"details", 0, 0, OPT_DETAILS},
    {"name", 'n', 1, HL_CLI_OPT_NAME},
    {"names", 0, 0, OPT_NAMES},
    {"no-gui", 0, 0, OPT_NO_GUI},
    {"no-names", 0, 0, OPT_NO_NAMES},
    {"output", 'o', 1, OPT_OUTPUT},
    {"pid", 'p', 1, HL_CLI_OPT_PID},
    {"require-names", 0, 0, OPT_REQUIRE_NAMES},
    {"symbols", 0, 0, OPT_SYMBOLS},
    {"threads", 0, 1, OPT_THREADS},
    {"timeout", 0, 1, OPT_TIMEOUT},
    {"verbose", 0, 0, HL_CLI_OPT_VERBOSE},
};

static const struct hl_opt_table snapshot_table =
    HL_OPT_TABLE(snapshot_opts, snapshot_usage, snapshot_help);

/* "<image without .exe>-<pid>-<yyyymmddThhmmss>", ".snap" to add */
static void default_stem(const struct hl_snapshot *s, char *buf, size_t len)
{
    const char *image = hl_snapshot_image_name(s);
    size_t n = strlen(image);
    char stamp[16];

    if (n > 4 && hl__ascii_caseeq(image + n - 4, ".exe"))
        n -= 4;
    if (n == 0) {
        image = "process";
        n = strlen(image);
    }
    hl_cli_file_stamp(s->taken_at, stamp, sizeof(stamp));
    snprintf(buf, len, "%.*s-%" PRIu64 "-%s", (int)n, image, s->pid, stamp);
}

/*
 * Writes the snapshot to *output, "-" (standard output), or when NULL to
 * the default name, made unique: two snapshots of a process in the same
 * second must not share a file, or the "before" is lost. Returns 0 or an
 * exit code.
 */
static int write_snapshot(const struct hl_snapshot *snap, const char **output,
                          char *name_buf, size_t name_len)
{
    unsigned char *buf;
    char stem[480];
    size_t len;
    int err, rc;

    if ((err = hl_snapfile_encode(snap, &buf, &len)) != 0) {
        hl_error("cannot write snapshot: %s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    default_stem(snap, stem, sizeof(stem));
    rc = hl_cli_write_new("snapshot", output, stem, ".snap", name_buf,
                          name_len, buf, len);
    hl__free(buf);
    return rc;
}

int cmd_snapshot(int argc, char **argv)
{
    struct hl_collect_opts copts;
    struct hl_cli_target t = {0, NULL, 0, 0};
    struct hl_optparse p;
    struct hl_snapshot snap;
    const char *output = NULL;
    char name_buf[512];
    uint64_t v;
    size_t i, unnamed = 0;
    int symbols = 0, require_names = 0, all = 0, no_gui = 0, all_names = 0;
    char per_process[40] = ""; /* an option --all does not take */
    char name_opt[40] = "";    /* one --all takes with --names only */
    int id, rc;

    memset(&copts, 0, sizeof(copts));
    hl_opt_init(&p, argc, argv, &snapshot_table);
    while ((id = hl_cli_target_next(&t, &p)) != HL_OPT_END) {
        if (id == OPT_TIMEOUT || id == OPT_THREADS || id == OPT_DEADLINE)
            snprintf(name_opt, sizeof(name_opt), "%s", p.name);
        else if (id != OPT_ALL && id != OPT_NO_GUI && id != OPT_OUTPUT &&
                 id != OPT_NAMES && id > 0)
            snprintf(per_process, sizeof(per_process), "%s", p.name);
        switch (id) {
        case OPT_ALL:
            all = 1;
            break;
        case OPT_NO_GUI:
            no_gui = 1;
            break;
        case OPT_NAMES:
            all_names = 1;
            break;
        case OPT_NO_NAMES:
            copts.no_names = 1;
            break;
        case OPT_OUTPUT:
            output = p.arg;
            break;
        case OPT_THREADS:
            if ((rc = hl_opt_number(&p, "thread count", NULL, 1,
                                    HL_COLLECT_MAX_THREADS, &v)) != 0)
                return rc;
            copts.threads = (unsigned)v;
            break;
        case OPT_TIMEOUT:
            if ((rc = hl_opt_number(&p, "timeout", "milliseconds", 1, 60000,
                                    &v)) != 0)
                return rc;
            copts.name_timeout_ms = (unsigned)v;
            break;
        case OPT_SYMBOLS:
            symbols = 1;
            break;
        case OPT_DEADLINE:
            if ((rc = hl_opt_number(&p, "deadline", "seconds", 1, 86400,
                                    &v)) != 0)
                return rc;
            copts.deadline_ms = (unsigned)v * 1000u;
            break;
        case OPT_REQUIRE_NAMES:
            require_names = 1;
            break;
        case OPT_DETAILS:
            copts.details = 1;
            break;
        default:
            return p.status;
        }
    }
    if ((rc = hl_opt_positionals_max(&p, 0)) != 0)
        return rc;
    if (all && (t.have_pid || t.image != NULL))
        return hl_usage_error(snapshot_usage, "--all takes every process: "
                                              "not with -p or -n");
    if (all && per_process[0] != '\0')
        return hl_usage_error(snapshot_usage, "%s does not apply to --all",
                              per_process);
    if (no_gui && !all)
        return hl_usage_error(snapshot_usage, "--no-gui applies to --all "
                                              "only");
    if (all_names && !all)
        return hl_usage_error(snapshot_usage,
                              "--names applies to --all only (a process "
                              "snapshot has names unless --no-names)");
    if (all && !all_names && name_opt[0] != '\0')
        return hl_usage_error(snapshot_usage,
                              "%s applies to --all with --names only",
                              name_opt);
    if (all)
        return hl_cli_snapshot_all(output, !no_gui, all_names ? &copts : NULL,
                                   t.verbose);
    /* a gate on names that asks for none would pass without judging */
    if (require_names && copts.no_names)
        return hl_usage_error(snapshot_usage,
                              "--require-names cannot be used with "
                              "--no-names");
    /* the details are asked on the duplicates the name queries make */
    if (copts.details && copts.no_names)
        return hl_usage_error(snapshot_usage,
                              "--details cannot be used with --no-names");
    if ((rc = hl_cli_target_resolve(&t, snapshot_usage)) != 0)
        return rc;
    copts.pid = t.pid;

    if ((rc = hl_cli_collect(&t, &copts, require_names, "snapshot",
                             "no snapshot written", &snap)) != 0)
        goto out_release;
    if ((rc = hl_cli_symbolize(&snap, symbols, t.verbose)) != 0)
        goto out_release;
    if ((rc = write_snapshot(&snap, &output, name_buf,
                             sizeof(name_buf))) != 0)
        goto out_release;
    for (i = 0; i < snap.count; i++)
        unnamed += snap.handles[i].name_err != HL_NAME_ERR_NONE;
    hl_cli_note_wrote(output, snap.count, unnamed, "names not read");
    rc = HL_EXIT_OK;

out_release:
    hl_snapshot_release(&snap);
    return rc;
}
