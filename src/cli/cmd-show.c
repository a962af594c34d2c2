#include <stdint.h>
#include <stdio.h>

#include "cmds.h"
#include "formats.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "show.h"
#include "sys-cli.h"
#include "input.h"
#include "msg.h"
#include "opt.h"
#include "typecheck.h"

static const char *const show_usage[] = {
    "hleak show [--json] [--summary] [--type TYPE] [--exact-names] [--top N] "
    "[--access] FILE",
    "hleak show [--json] --handle VALUE FILE",
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
    "FILE may also be a whole-system snapshot ('hleak snapshot --all'):\n"
    "then each process is one line (pid, handles, GDI, USER, image, top\n"
    "types), most handles first; --top N shows the first N, --type TYPE\n"
    "only the processes holding TYPE, most first; --summary and\n"
    "--exact-names do not apply.\n"
    "\n"
    "options:\n"
    "  --access       under each handle (and, with --summary, each name\n"
    "                 group) its access in words, as WinDbg's !handle\n"
    "                 lists it (Delete, ReadControl, ..., QueryState), and\n"
    "                 its attributes (Inherit, ProtectFromClose, Audit)\n"
    "  --handle VALUE print that one handle in full, like !handle VALUE f:\n"
    "                 type, attributes and access decoded, HandleCount and\n"
    "                 PointerCount when FILE has them, how many handles of\n"
    "                 this process are to the same object, name, object\n"
    "                 information, target state and open stack. VALUE is\n"
    "                 hex with 0x (0x1a4) or decimal (420); one FILE does\n"
    "                 not hold is an error (exit 2)\n"
    "  --json         print the documented JSON instead of text\n"
    "  --summary      print only the counts by type and by name pattern\n"
    "                 (with --json: no \"handles\" array)\n"
    "  --type TYPE    only handles of this type (Event, File, Key, ...;\n"
    "                 case is ignored); a name that is no Windows type\n"
    "                 and not in FILE is a usage error; '<unknown\n"
    "                 type>' selects handles whose type was not read\n"
    "  --exact-names  count names exactly, not by pattern ({n}, {hex},\n"
    "                 {guid}, {sid} for the parts that vary)\n"
    "  --top N        at most N handles (default all); with --summary, at\n"
    "                 most N name groups (default 20); of a whole-system\n"
    "                 snapshot, the first N processes. The counts by type\n"
    "                 are always whole: they add up to the total\n"
    "  -h, --help     print this help\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 the file cannot be read.\n";

enum {
    OPT_EXACT_NAMES = 1,
    OPT_JSON,
    OPT_SUMMARY,
    OPT_TOP,
    OPT_TYPE,
    OPT_ACCESS,
    OPT_HANDLE
};

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt show_opts[] = {
    {"access", 0, 0, OPT_ACCESS},
    {"exact-names", 0, 0, OPT_EXACT_NAMES},
    {"handle", 0, 1, OPT_HANDLE},
    {"json", 0, 0, OPT_JSON},
    {"summary", 0, 0, OPT_SUMMARY},
    {"top", 0, 1, OPT_TOP},
    {"type", 0, 1, OPT_TYPE},
};

static const struct hl_opt_table show_table =
    HL_OPT_TABLE(show_opts, show_usage, show_help);

/* --handle shows one handle in full: the options about lists do not
 * apply to it. */
static int check_one(const struct hl_show_opts *o)
{
    const char *other = o->summary       ? "--summary"
                        : o->type != NULL ? "--type"
                        : o->top != 0     ? "--top"
                        : o->exact_names  ? "--exact-names"
                        : o->access       ? "--access"
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
    int rc;

    if (opts->one)
        return hl_usage_error(show_usage, "--handle does not apply to the "
                              "whole-system snapshot '%s'", path);
    if (opts->summary || opts->exact_names)
        return hl_usage_error(show_usage, "%s does not apply to the "
                              "whole-system snapshot '%s'",
                              opts->summary ? "--summary" : "--exact-names",
                              path);
    if (opts->type != NULL &&
        (rc = hl_cli_check_sys_type(show_usage, "--type", opts->type, &sys,
                                    &path, 1)) != 0)
        return rc;
    return hl_cli_show_system(path, sys, format[0] == 'j', opts->top,
                              opts->type);
}

int cmd_show(int argc, char **argv)
{
    struct hl_show_opts opts = {.type = NULL};
    struct hl_system *sys = NULL;
    struct hl_optparse p;
    struct hl_snapshot snap;
    const struct hl_snapshot *in = &snap;
    uint64_t top;
    uint32_t value = 0;
    const char *format = "text";
    int id, err, rc;

    hl_opt_init(&p, argc, argv, &show_table);
    while ((id = hl_opt_next(&p)) != HL_OPT_END) {
        switch (id) {
        case OPT_JSON:
            format = "json";
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
    if ((rc = hl_opt_positional_one(&p, "no snapshot file given",
                                    "one snapshot file at a time")) != 0 ||
        (rc = check_one(&opts)) != 0)
        return rc;

    if ((rc = hl_read_input_any(p.argv[0], &snap, &sys)) != 0)
        goto out_release;
    if (sys != NULL) {
        rc = show_system(p.argv[0], sys, &opts, format);
        goto out_release;
    }
    if (opts.type != NULL &&
        (rc = hl_cli_check_type(show_usage, "--type", opts.type, 0, &in,
                                1)) != 0)
        goto out_release;
    if (opts.one && !hl__show_find_handle(&snap, value, &opts.index)) {
        rc = hl_error_no_handle(p.argv[0], value, snap.count);
        goto out_release;
    }
    err = hl__format_find(format, HL__USE_SHOW)->show(stdout, &snap, &opts);
    rc = hl_finish_stdout(err);

out_release:
    hl_system_free(sys);
    hl_snapshot_release(&snap);
    return rc;
}
