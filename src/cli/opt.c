#include "opt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hleak/err.h"
#include "msg.h"

void hl_opt_init(struct hl_optparse *p, int argc, char **argv,
                 const struct hl_opt_table *table)
{
    memset(p, 0, sizeof(*p));
    p->argc = argc;
    p->argv = argv;
    p->next = 1;
    p->opts = table->opts;
    p->nopts = table->nopts;
    p->usage = table->usage;
    p->help = table->help;
}

static int stop(struct hl_optparse *p, int status)
{
    p->status = status;
    return HL_OPT_STOP;
}

static int help(struct hl_optparse *p)
{
    return stop(p, hl_finish_stdout(hl_usage_help(p->usage, p->help)));
}

static int opt_cmp(const void *key, const void *elem)
{
    const char *k = key;
    const struct hl_opt *o = elem;
    size_t n = strcspn(k, "=");
    int c = strncmp(k, o->lname, n);

    if (c != 0)
        return c;
    return o->lname[n] == '\0' ? 0 : -1;
}

static int table_sorted(const struct hl_optparse *p)
{
    size_t i;

    for (i = 1; i < p->nopts; i++) {
        if (strcmp(p->opts[i - 1].lname, p->opts[i].lname) >= 0)
            return 0;
    }
    return 1;
}

static int take_value(struct hl_optparse *p, const struct hl_opt *o,
                      const char *inline_val)
{
    p->arg = NULL;
    if (!o->has_arg) {
        if (inline_val == NULL)
            return o->id;
        return stop(p, hl_usage_error(p->usage, "option '--%s' takes no "
                                             "value",
                                      o->lname));
    }
    if (inline_val != NULL) {
        p->arg = inline_val;
    } else if (p->next < p->argc) {
        p->arg = p->argv[p->next++];
    } else {
        return stop(p, hl_usage_error(p->usage, "option '%s' needs a value",
                                      p->name));
    }
    return o->id;
}

static int next_short(struct hl_optparse *p)
{
    int c = (unsigned char)*p->short_rest++;
    size_t i;

    p->short_name[0] = '-';
    p->short_name[1] = (char)c;
    p->short_name[2] = '\0';
    p->name = p->short_name;
    if (c == 'h')
        return help(p);
    for (i = 0; i < p->nopts; i++) {
        if (p->opts[i].sname == c)
            break;
    }
    if (i == p->nopts) {
        p->short_rest = NULL;
        return stop(p, hl_usage_error(p->usage, "unknown option '-%c'", c));
    }
    if (p->opts[i].has_arg && *p->short_rest != '\0') {
        const char *v = p->short_rest;

        p->short_rest = NULL;
        return take_value(p, &p->opts[i], v);
    }
    if (*p->short_rest == '\0')
        p->short_rest = NULL;
    return take_value(p, &p->opts[i], NULL);
}

int hl_opt_next(struct hl_optparse *p)
{
    const struct hl_opt *o;
    const char *a, *eq;

    if (!table_sorted(p)) {
        hl_error("internal: option table is not sorted");
        return stop(p, HL_EXIT_USAGE);
    }
    if (p->short_rest != NULL)
        return next_short(p);
    while (p->next < p->argc) {
        a = p->argv[p->next++];
        if (p->only_pos || a[0] != '-' || a[1] == '\0') {
            p->argv[p->npos++] = (char *)a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            p->only_pos = 1;
            continue;
        }
        if (a[1] != '-') {
            p->short_rest = (char *)a + 1;
            return next_short(p);
        }
        p->name = a;
        if (strcmp(a, "--help") == 0)
            return help(p);
        o = bsearch(a + 2, p->opts, p->nopts, sizeof(*p->opts), opt_cmp);
        if (o == NULL) {
            return stop(p, hl_usage_error(p->usage, "unknown option '%.*s'",
                                          (int)strcspn(a, "="), a));
        }
        eq = strchr(a, '=');
        return take_value(p, o, eq != NULL ? eq + 1 : NULL);
    }
    return HL_OPT_END;
}

int hl_opt_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *c;

    if (*s == '\0')
        return HL_EINVAL;
    for (c = s; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return HL_EINVAL;
        if (v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
            return HL_EINVAL;
        v = v * 10 + (uint64_t)(*c - '0');
    }
    if (v < min || v > max)
        return HL_EINVAL;
    *out = v;
    return 0;
}

int hl_opt_number(const struct hl_optparse *p, const char *what,
                  const char *unit, uint64_t min, uint64_t max,
                  uint64_t *out)
{
    if (hl_opt_uint(p->arg, min, max, out) == 0)
        return 0;
    if (max >= SIZE_MAX && min == 0)
        return hl_usage_error(p->usage,
                              "invalid %s '%s': a whole number expected",
                              what, p->arg);
    if (max >= SIZE_MAX)
        return hl_usage_error(p->usage,
                              "invalid %s '%s': a number from %" PRIu64
                              " expected",
                              what, p->arg, min);
    return hl_usage_error(p->usage,
                          "invalid %s '%s': %s%s%" PRIu64 " to %" PRIu64
                          " expected",
                          what, p->arg, unit != NULL ? unit : "",
                          unit != NULL ? " from " : "", min, max);
}

/* A hex digit's value, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int hl_opt_handle(const struct hl_optparse *p, const char *what,
                  uint32_t *out)
{
    const char *c = p->arg;
    uint64_t v = 0;
    int d;

    if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
        for (c += 2; *c != '\0' && (d = hex_digit(*c)) >= 0 &&
                     v <= UINT32_MAX;
             c++)
            v = v * 16 + (uint64_t)d;
        if (c == p->arg + 2 || *c != '\0' || v > UINT32_MAX)
            v = UINT64_MAX;
    } else if (hl_opt_uint(c, 0, UINT32_MAX, &v) != 0) {
        v = UINT64_MAX;
    }
    if (v == UINT64_MAX)
        return hl_usage_error(p->usage,
                              "invalid %s '%s': a handle value expected, "
                              "in hex with 0x (0x1a4) or decimal (420)",
                              what, p->arg);
    *out = (uint32_t)v;
    return 0;
}

int hl_opt_gate_spec(const char *spec, int need_type, size_t *type_len,
                     const char **limit)
{
    const char *eq = strrchr(spec, '=');

    if (eq == spec || (eq == NULL && need_type))
        return HL_EINVAL;
    *type_len = eq != NULL ? (size_t)(eq - spec) : 0;
    *limit = eq != NULL ? eq + 1 : spec;
    return 0;
}

int hl_opt_positionals_max(const struct hl_optparse *p, int max)
{
    if (p->npos <= max)
        return 0;
    return hl_usage_error(p->usage, "unexpected argument '%s'",
                          p->argv[max]);
}

int hl_opt_positional_one(const struct hl_optparse *p, const char *none,
                          const char *more)
{
    if (p->npos == 1)
        return 0;
    return hl_usage_error(p->usage, "%s", p->npos == 0 ? none : more);
}
