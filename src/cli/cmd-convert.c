#include <stdio.h>

#include "cmds.h"
#include "core-int.h"
#include "hleak/err.h"
#include "input.h"
#include "hleak/snapfile.h"
#include "msg.h"
#include "opt.h"
#include "outfile.h"

static const char *const convert_usage[] = {
    "hleak convert FILE -o OUT.snap",
    NULL,
};

static const char convert_help[] =
    "\n"
    "Writes FILE, a Windows minidump with handle data (or a snapshot), as\n"
    "a snapshot file, atomically. What only a dump has (object counts,\n"
    "object information, modules and open stacks) is kept in the\n"
    "snapshot's optional sections, so `hleak show OUT.snap` prints what\n"
    "`hleak show FILE` does. FILE '-' reads standard input.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  the snapshot to write (required; '-': standard\n"
    "                     output)\n"
    "  -h, --help         print this help\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 FILE cannot be read or OUT\n"
    "cannot be written.\n";

enum { OPT_OUTPUT = 1 };

/* Sorted by long name: hl_opt_next() checks. */
static const struct hl_opt convert_opts[] = {
    {"output", 'o', 1, OPT_OUTPUT},
};

static const struct hl_opt_table convert_table =
    HL_OPT_TABLE(convert_opts, convert_usage, convert_help);

int cmd_convert(int argc, char **argv)
{
    struct hl_optparse p;
    struct hl_snapshot snap;
    const char *output = NULL;
    unsigned char *buf;
    size_t i, len, stacks = 0;
    int id, err, rc;

    hl_opt_init(&p, argc, argv, &convert_table);
    while ((id = hl_opt_next(&p)) != HL_OPT_END) {
        switch (id) {
        case OPT_OUTPUT:
            output = p.arg;
            break;
        default:
            return p.status;
        }
    }
    if ((rc = hl_opt_positional_one(&p, "no input file given",
                                    "one input file at a time")) != 0)
        return rc;
    if (output == NULL)
        return hl_usage_error(convert_usage, "no output file given (-o)");

    if ((rc = hl_read_input(p.argv[0], &snap)) != 0)
        goto out_release;
    if ((err = hl_snapfile_encode(&snap, &buf, &len)) != 0) {
        hl_error("cannot write snapshot '%s': %s", output, hl_strerror(err));
        rc = HL_EXIT_FAILURE;
        goto out_release;
    }
    rc = hl_cli_write_file("snapshot", output, buf, len);
    hl__free(buf);
    if (rc != 0)
        goto out_release;
    for (i = 0; i < snap.count; i++)
        stacks += hl_snapshot_handle_stack(&snap, i) != NULL;
    hl_cli_note_wrote(output, snap.count, stacks, "with open stacks");
    rc = HL_EXIT_OK;

out_release:
    hl_snapshot_release(&snap);
    return rc;
}
