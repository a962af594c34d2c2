/*
 * libFuzzer target for the command-line option parser (src/cli/opt.c):
 * the input is split into arguments at newlines, then parsed as a command
 * does, against a table with every shape of option. The parser must end
 * (each call consumes something), return only ids of the table or its
 * own codes, give a value to every option that takes one, and leave the
 * positionals in order among the arguments given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

enum { OPT_ALPHA = 1, OPT_BETA, OPT_OUTPUT, OPT_TYPE, OPT_VERBOSE };

static const struct hl_opt opts[] = {
    {"alpha", 'a', 0, OPT_ALPHA},
    {"beta", 'b', 1, OPT_BETA},
    {"output", 'o', 1, OPT_OUTPUT},
    {"type", 0, 1, OPT_TYPE},
    {"verbose", 'v', 0, OPT_VERBOSE},
};

static const char *const usage[] = {"hleak fuzz [-av] [-o FILE] ARG...",
                                    NULL};

static const struct hl_opt_table table = HL_OPT_TABLE(opts, usage, NULL);

static int is_arg_of(const char *p, char **orig, int argc, char *buf,
                     size_t len)
{
    int i;

    for (i = 0; i < argc; i++) {
        if (p == orig[i])
            return 1;
    }
    /* an inline value ("--beta=x", "-bx") points inside the buffer */
    return p >= buf && p < buf + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS + 1], *orig[MAX_ARGS + 1];
    struct hl_optparse p;
    char *buf = malloc(size + 1);
    int argc = 1, steps = 0, id, i;
    size_t k;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[0] = "fuzz";
    argv[argc++] = buf;
    for (k = 0; k < size && argc < MAX_ARGS; k++) {
        if (buf[k] == '\n') {
            buf[k] = '\0';
            argv[argc++] = buf + k + 1;
        }
    }
    argv[argc] = NULL;
    memcpy(orig, argv, sizeof(argv));
    hl_opt_init(&p, argc, argv, &table);
    while ((id = hl_opt_next(&p)) != HL_OPT_END) {
        if (++steps > 4 * MAX_ARGS * 8 + (int)size)
            abort(); /* no progress */
        if (id == HL_OPT_STOP)
            break;
        if (id < OPT_ALPHA || id > OPT_VERBOSE)
            abort();
        if (opts[id - 1].has_arg &&
            (p.arg == NULL || !is_arg_of(p.arg, orig, argc, buf, size + 1)))
            abort();
        if (!opts[id - 1].has_arg && p.arg != NULL)
            abort();
    }
    if (id == HL_OPT_END) {
        if (p.npos < 0 || p.npos > argc - 1)
            abort();
        for (i = 0; i < p.npos; i++) {
            if (!is_arg_of(p.argv[i], orig, argc, buf, 0))
                abort();
        }
    }
    free(buf);
    return 0;
}
