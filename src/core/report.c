#include "report.h"

#include <inttypes.h>
#include <string.h>

/* Line k (from 0) of a '\n'-separated string: *len bytes at the result;
 * NULL past the last. */
const char *hl__nth_line(const char *s, size_t k, size_t *len)
{
    const char *nl;

    if (*s == '\0')
        return NULL;
    for (; k > 0; k--) {
        if ((nl = strchr(s, '\n')) == NULL)
            return NULL;
        s = nl + 1;
    }
    nl = strchr(s, '\n');
    *len = nl != NULL ? (size_t)(nl - s) : strlen(s);
    return s;
}

/* 1 when group g counts towards gate t. */
int hl__gate_covers(const struct hl_diff *d, const struct hl_diff_gate *t,
                    const struct hl_diff_group *g)
{
    /* a dead-target gate counts handles of AFTER, not opened groups */
    if (t->kind == HL_GATE_DEAD || t->kind == HL_GATE_GROWTH)
        return 0;
    return t->type == 0 ||
           hl__type_eq(hl_diff_str(d, g->type), hl_diff_str(d, t->type));
}

/* "100 x Event <unnamed> (access 0x001f0003)" */
void hl__group_line(struct hl__sbuf *b, const struct hl_diff *d,
                    const struct hl_diff_group *g)
{
    const char *name = hl_diff_str(d, g->name);

    hl__sbuf_printf(b, "%zu x %s ", g->count, hl_diff_str(d, g->type));
    hl__sbuf_puts(b, *name != '\0' ? name : "<unnamed>");
    if (g->nnames > 1)
        hl__sbuf_printf(b, " (%zu names)", g->nnames);
    hl__sbuf_printf(b, " (access 0x%08" PRIx32 ")", g->granted_access);
}

int hl__report_write(const char *path, struct hl__sbuf *b)
{
    int err = b->err;

    if (err == 0)
        err = hl__fs_write_atomic(path, b->data, b->len);
    hl__sbuf_release(b);
    return err;
}

/* Hands the text over to the caller, or reports the first failure. */
int hl__sbuf_take(struct hl__sbuf *b, char **out, size_t *len)
{
    int err;

    if (b->err == 0 && b->data == NULL)
        hl__sbuf_add(b, "", 0);
    err = b->err;
    if (err != 0) {
        hl__sbuf_release(b);
        return err == HL_ENOMEM ? HL_ENOMEM : HL_EINVAL;
    }
    *out = b->data;
    *len = b->len;
    return 0;
}

int hl__report_ferror(FILE *out)
{
    return ferror(out) ? HL_EIO : 0;
}
