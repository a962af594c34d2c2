#ifndef HLEAK_CLI_OPT_H
#define HLEAK_CLI_OPT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A small option parser, portable (MSVC has no getopt). Each command keeps
 * a table sorted by long name (checked at parse time, so every --help test
 * checks every table); short options are looked up linearly.
 */
struct hl_opt {
    const char *lname; /* "output" for --output */
    int sname;         /* 'o' for -o, 0 for none */
    int has_arg;       /* 1 when the option takes a value */
    int id;            /* returned by hl_opt_next(); > 0 */
};

/* A command's options and what --help prints about them. */
struct hl_opt_table {
    const struct hl_opt *opts;
    size_t nopts;
    const char *const *usage; /* for --help and error messages */
    const char *help;         /* printed after the usage lines */
};

#define HL_OPT_TABLE(opts, usage, help)                                   \
    { (opts), sizeof(opts) / sizeof((opts)[0]), (usage), (help) }

struct hl_optparse {
    int argc;
    char **argv;
    int next;                  /* next argv index to read */
    const struct hl_opt *opts;
    size_t nopts;
    const char *const *usage;  /* for error messages */
    const char *help;          /* for --help */
    const char *arg;           /* the current option's value */
    const char *name;          /* the current option as written */
    char *short_rest;          /* rest of a bundle like "-xv" */
    char short_name[3];        /* "-x", what p->name points to */
    int npos;                  /* positionals, moved to argv[0..npos) */
    int only_pos;              /* after "--" */
    int status;                /* exit code after HL_OPT_STOP */
};

#define HL_OPT_END 0
#define HL_OPT_STOP (-1)

/* Starts parsing argv[1..argc) (argv[0] is the command name). */
void hl_opt_init(struct hl_optparse *p, int argc, char **argv,
                 const struct hl_opt_table *table);

/*
 * Returns the next option's id, HL_OPT_END when done (positionals are then
 * p->argv[0..p->npos)), or HL_OPT_STOP when the command must end with
 * p->status: after -h/--help was printed here (so every command's help
 * behaves alike), or after a usage error.
 */
int hl_opt_next(struct hl_optparse *p);

/* After HL_OPT_END: 0 when at most max positionals were given, else
 * HL_EXIT_USAGE after "unexpected argument" naming the first extra. */
int hl_opt_positionals_max(const struct hl_optparse *p, int max);

/* After HL_OPT_END: 0 when exactly one positional was given, else
 * HL_EXIT_USAGE after the usage error none or more. */
int hl_opt_positional_one(const struct hl_optparse *p, const char *none,
                          const char *more);

/* Parses a whole decimal number in [min, max]; 0 or HL_EINVAL. */
int hl_opt_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * The current option's value as a number in [min, max]. Returns 0, or
 * HL_EXIT_USAGE after "invalid WHAT 'ARG': [UNIT from ]MIN to MAX
 * expected" (unit may be NULL; a max of SIZE_MAX or more is "a number
 * from MIN", or "a whole number" from 0).
 */
int hl_opt_number(const struct hl_optparse *p, const char *what,
                  const char *unit, uint64_t min, uint64_t max,
                  uint64_t *out);

/*
 * The current option's value as a handle value: hex with 0x ("0x1a4") or
 * decimal ("420"), at most 32 bits, as Windows' handle values are.
 * Returns 0, or HL_EXIT_USAGE after "invalid WHAT 'ARG': ...".
 */
int hl_opt_handle(const struct hl_optparse *p, const char *what,
                  uint32_t *out);

/*
 * Splits a gate's "[TYPE=]LIMIT" (--fail-on, --fail-on-growth) at the
 * last '=', so a type may hold one: *type_len is the type's length (0:
 * none), *limit what follows. need_type: a type must be given. Returns 0,
 * or HL_EINVAL for an empty or missing type; spec is left as it is.
 */
int hl_opt_gate_spec(const char *spec, int need_type, size_t *type_len,
                     const char **limit);

#endif
