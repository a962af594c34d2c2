#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "collect-cli.h"
#include "core-int.h"
#include "find-int.h"
#include "formats.h"
#include "hleak/caps.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "show.h"
#include "sys-cli.h"
#include "input.h"
#include "msg.h"
#include "opt.h"
#include "target.h"
#include "typecheck.h"

static const char *const show_usage[] = {
    "hleak show [--json] [--summary] [--type TYPE] [--name GLOB] "
    "[--exact-names] [--top N] [--access] FILE",
    "hleak show (-p PID | -n IMAGE) [--json] [--summary] [--type TYPE] "
    "[--name GLOB] [--exact-names] [--top N] [--access] [--verbose]",
    "hleak show [--json] --handle VALUE (FILE | -p PID | -n IMAGE)",
    NULL,
};

static const char show_help[] =
    "\n"
    "Prints the handles recorded in a snapshot file: a header (process,\n"
    "time, count), one line per handle (value, type, access, name), then\n"
    "the count of handles by type, largest first, like WinDbg's !handle.\n"
    "FILE may also be a Windows minidump (.dmp) with handle data: it is\n"
    "recognised by its content, and its object counts, object information\n"
    "and open stacks (Application Verifier handle tracing) are shown too.\n"
    "FILE '-' reads standard input.\n"
    "\n"
    "With -p PID or -n IMAGE instead of FILE (Windows), lists the handles\n"
    "of a running process as Process Explorer's lower pane does: collected\n"
    "as 'hleak snapshot' collects (its defaults), kept in memory, printed\n"
    "as 'show' prints that snapshot's file; no file is written.\n"
    "\n"
    "FILE may also be a whole-system snapshot ('hleak snapshot --all'):\n"
    "then each process is one line (pid, handles, GDI, USER, image, top\n"
    "types), most handles first; --top N shows the first N, --type TYPE\n"
    "only the processes holding TYPE, most first; --summary,\n"
    "--exact-names and --name do not apply.\n"
    "\n"
    "options:\n"
    "  -p, --pid PID  list the handles of the running process PID\n"
    "  -n, --image IMAGE\n"
    "                 ... of the process whose image file is IMAGE\n"
    "                 (\"app.exe\"; \".exe\" may be left out); more than\n"
    "                 one match is an error that lists them. Here -n is\n"
    "                 short for --image: --name filters handle names\n"
    "  --verbose      with -p or -n: on failure, also print the failing\n"
    "                 system call and its status code\n"
    "  --access       under each handle (and, with --summary, each name\n"
    "                 group) its access in words, as WinDbg's !handle\n"
    "                 lists it (Delete, ReadControl, ..., QueryState), and\n"
    "                 its attributes (Inherit, ProtectFromClose, Audit)\n"
    "  --handle VALUE print that one handle in full, like !handle VALUE f:\n"
    "                 type, attributes and access decoded, HandleCount and\n"
    "                 PointerCount when known, how many handles of the\n"
    "                 process are to the same object, name, object\n"
    "                 information, target state and open stack. VALUE is\n"
    "                 hex with 0x (0x1a4) or decimal (420); one the\n"
    "                 snapshot does not hold is an error (exit 2). With\n"
    "                 -p or -n the counts and details are asked, as\n"
    "                 'snapshot --details' asks them\n"
    "  --json         print the documented JSON instead of text\n"
    "  --summary      print only the counts by type and by name pattern\n"
    "                 (with --json: no \"handles\" array)\n"
    "  --type TYPE    only handles of this type (Event, File, Key, ...;\n"
    "                 case is ignored); a name that is no Windows type\n"
    "                 and not in FILE is a usage error; '<unknown\n"
    "                 type>' selects handles whose type was not read\n"
    "  --name GLOB    only handles whose friendly or NT name matches GLOB\n"
    "                 ('*' any run, '?' one character, case ignored), as\n"
    "                 'hleak find' matches: without '*' or '?', GLOB\n"
    "                 matches anywhere in a name ('app.log')\n"
    "  --exact-names  count names exactly, not by pattern ({n}, {hex},\n"
    "                 {guid}, {sid} for the parts that vary)\n"
    "  --top N        at most N handles (default all); with --summary, at\n"
    "                 most N name groups (default 20); of a whole-system\n"
    "                 snapshot, the first N processes. The counts by type\n"
    "                 are always whole: they add up to the total\n"
    "  -h, --help     print this help\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 the file cannot be read, or\n"
    "the process cannot (no such process, access denied, several named\n"
    "IMAGE, this build has no live collection).\n";

enum {
    OPT_ACCESS = 1,
    OPT_EXACT_NAMES,
    OPT_HANDLE,
    OPT_JSON,
    OPT_NAME,
    OPT_SUMMARY,
    OPT_TOP,
    OPT_TYPE
};

/* Sorted by long name: hl_opt_next() checks. -n is the image, as for
 * every live command; --name the handles' names, as for find. */
static const struct hl_opt show_opts[] = {
    {"access", 0, 0, OPT_ACCESS},
    {"exact-names", 0, 0, OPT_EXACT_NAMES},
    {"handle", 0, 1, OPT_HANDLE},
    {"image", 'n', 1, HL_CLI_OPT_NAME},
    {"json", 0, 0, OPT_JSON},
    {"name", 0, 1, OPT_NAME},
    {"pid", 'p', 1, HL_CLI_OPT_PID},
    {"summary", 0, 0, OPT_SUMMARY},
    {"top", 0, 1, OPT_TOP},
    {"type", 0, 1, OPT_TYPE},
    {"verbose", 0, 0, HL_CLI_OPT_VERBOSE},
};

static const struct hl_opt_table show_table =
    HL_OPT_TABLE(show_opts, show_usage, show_help);

/* --handle shows one handle in full: the options about lists do not
 * apply to it. */
static int check_one(const struct hl_show_opts *o)
{
    const char *other = o->summary        ? "--summary"
                        : o->type != NULL  ? "--type"
                        : o->name != NULL  ? "--name"
                        : o->top != 0      ? "--top"
                        : o->exact_names   ? "--exact-names"
                        : o->access        ? "--access"
                                           : NULL;

    if (!o->one || other == NULL)
        return 0;
    return hl_usage_error(show_usage, "%s does not apply to --handle, which "
                          "shows one handle in full", other);
}

/* A whole-system snapshot: the options about handles and names do not
 * apply, and a type is checked against Windows' types and the file's. */
static int show_system(const char *path, const struct hl_system *sys,
                       const struct hl_show_opts *opts, const char *format)
{
    const char *bad = opts->summary        ? "--summary"
                      : opts->exact_names  ? "--exact-names"
                      : opts->name != NULL ? "--name"
                      : opts->one          ? "--handle"
                                           : NULL;
    int rc;

    if (bad != NULL)
        return hl_usage_error(show_usage, "%s does not apply to the "
                              "whole-system snapshot '%s'",
                              bad, path);
    if (opts->type != NULL &&
        (rc = hl_cli_check_sys_type(show_usage, "--type", opts->type, &sys,
                                    &path, 1)) != 0)
        return rc;
    return hl_cli_show_system(path, sys, format[0] == 'j', opts->top,
                              opts->type);
}

/*
 * What show prints of one process's snapshot, read from the file path or
 * collected live (path NULL): the one path both take once they have it.
 * value is --handle's.
 */
static int show_snapshot(const struct hl_snapshot *snap, const char *path,
                         const struct hl_show_opts *opts, uint32_t value,
                         const char *format)
{
    struct hl_show_opts o = *opts;
    int rc;

    if (o.type != NULL &&
        (rc = hl_cli_check_type(show_usage, "--type", o.type, 0, &snap,
                                1)) != 0)
        return rc;
    if (o.one && !hl__show_find_handle(snap, value, &o.index))
        return hl_error_no_handle(path, snap->pid, value, snap->count);
    return hl_finish_stdout(
        hl__format_find(format, HL__USE_SHOW)->show(stdout, snap, &o));
}

static int show_file(const char *path, const struct hl_show_opts *opts,
                     uint32_t value, const char *format)
{
    struct hl_system *sys = NULL;
    struct hl_snapshot snap;
    int rc;

    if ((rc = hl_read_input_any(path, &snap, &sys)) == 0)
        rc = sys != NULL ? show_system(path, sys, opts, format)
                         : show_snapshot(&snap, path, opts, value, format);
    hl_system_free(sys);
    hl_snapshot_release(&snap);
    return rc;
}

/* show -p PID / -n IMAGE: the snapshot `hleak snapshot` would write,
 * collected with its defaults and shown from memory. */
static int show_live(struct hl_cli_target *t,
                     const struct hl_show_opts *opts, uint32_t value,
                     const char *format)
{
    struct hl_collect_opts copts;
    struct hl_snapshot snap;
    int rc;

    if ((rc = hl_cli_live_ready("show", HL_CAP_COLLECT)) != 0 ||
        (rc = hl_cli_target_resolve(t, show_usage)) != 0)
        return rc;
    memset(&copts, 0, sizeof(copts));
    copts.pid = t->pid;
    /* one handle in full: its counts and details too, as --details
     * records them (their cost, a query or two per handle, is a
     * snapshot's; not worth a second option) */
    copts.details = opts->one;
    if ((rc = hl_cli_collect(t, &copts, 0, "list the handles of",
                             "nothing shown", &snap)) == 0)
        rc = show_snapshot(&snap, NULL, opts, value, format);
    hl_snapshot_release(&snap);
    return rc;
}

/* FILE, or -p / -n: exactly one of them. */
static int check_source(const struct hl_optparse *p,
                        const struct hl_cli_target *t,
                        const struct hl_show_opts *opts)
{
    int live = t->have_pid || t->image != NULL;

    if (live && p->npos != 0)
        return hl_usage_error(show_usage, "give a snapshot FILE or -p PID / "
                                          "-n IMAGE, not both");
    if (live)
        return 0;
    if (p->npos == 0 && opts->name != NULL)
        return hl_usage_error(show_usage,
                              "no snapshot file given, nor -p PID or -n "
                              "IMAGE (--name filters the handles' names; "
                              "the process's image is -n IMAGE)");
    if (p->npos == 0)
        return hl_usage_error(show_usage, "no snapshot file given, nor -p "
                                          "PID or -n IMAGE");
    if (t->verbose)
        return hl_usage_error(show_usage, "--verbose applies to -p and -n "
                                          "only");
    return hl_opt_positional_one(p, "no snapshot file given",
                                 "one snapshot file at a time");
}

int cmd_show(int argc, char **argv)
{
    struct hl_show_opts opts = {.type = NULL};
    struct hl_cli_target t = {0, NULL, 0, 0};
    struct hl_optparse p;
    const char *format = "text";
    char *glob = NULL;
    uint64_t top;
    uint32_t value = 0;
    int id, rc;

    hl_opt_init(&p, argc, argv, &show_table);
    while ((id = hl_cli_target_next(&t, &p)) != HL_OPT_END) {
        switch (id) {
        case OPT_JSON:
            format = "json";
            break;
        case OPT_NAME:
            if (p.arg[0] == '\0')
                return hl_usage_error(show_usage, "empty --name");
            opts.name = p.arg;
            break;
        case OPT_SUMMARY:
            opts.summary = 1;
            break;
        case OPT_TYPE:
            opts.type = p.arg;
            break;
        case OPT_EXACT_NAMES:
            opts.exact_names = 1;
            break;
        case OPT_ACCESS:
            opts.access = 1;
            break;
        case OPT_HANDLE:
            if ((rc = hl_opt_handle(&p, "--handle", &value)) != 0)
                return rc;
            opts.one = 1;
            break;
        case OPT_TOP:
            if ((rc = hl_opt_number(&p, "--top", NULL, 1, SIZE_MAX,
                                    &top)) != 0)
                return rc;
            opts.top = (size_t)top;
            break;
        default:
            return p.status;
        }
    }
    if ((rc = check_source(&p, &t, &opts)) != 0 ||
        (rc = check_one(&opts)) != 0)
        return rc;
    /* find's rule: a name without wildcards matches anywhere */
    if (opts.name != NULL && hl__find_glob(opts.name, &glob) != 0) {
        hl_error("%s", hl_strerror(HL_ENOMEM));
        return HL_EXIT_FAILURE;
    }
    if (glob != NULL)
        opts.name = glob;
    rc = p.npos != 0 ? show_file(p.argv[0], &opts, value, format)
                     : show_live(&t, &opts, value, format);
    hl__free(glob);
    return rc;
}
