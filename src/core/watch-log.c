#include "watch.h"

#include "core-int.h"

struct hl_watch_log {
    char *path;
    struct hl__fs_log *file; /* NULL until the first rows are on disk */
    size_t rows;             /* samples in the file */
    size_t ntypes;           /* type columns of its header */
};

int hl_watch_log_open(const char *path, struct hl_watch_log **out)
{
    struct hl_watch_log *l;
    int err;

    err = hl__fs_check_writable(path);
    if (err != 0)
        return err;
    l = hl__calloc(1, sizeof(*l));
    if (l == NULL)
        return HL_ENOMEM;
    l->path = hl__strdup(path);
    if (l->path == NULL) {
        hl__free(l);
        return HL_ENOMEM;
    }
    *out = l;
    return 0;
}

/* The whole series, replacing the file, then opened again to append. */
static int rewrite(struct hl_watch_log *l, const struct hl_watch *w)
{
    char *buf;
    size_t len;
    int err;

    /* Windows cannot rename over a file this process holds open; what
     * closing could not flush is replaced now anyway. */
    hl__fs_log_close(l->file);
    l->file = NULL;
    err = hl_watch_csv(w, &buf, &len);
    if (err != 0)
        return err;
    err = hl__fs_write_atomic(l->path, buf, len);
    hl__free(buf);
    if (err == 0)
        err = hl__fs_log_open(l->path, &l->file);
    if (err != 0)
        return err;
    l->rows = w->nsamples;
    l->ntypes = w->ntypes;
    return 0;
}

int hl_watch_log_update(struct hl_watch_log *l, const struct hl_watch *w)
{
    char *buf;
    size_t len;
    int err;

    if (w->nsamples == 0)
        return 0;
    /* Types are only ever added, so an equal count is the same header. */
    if (l->file == NULL || w->ntypes != l->ntypes || w->nsamples < l->rows)
        return rewrite(l, w);
    if (w->nsamples == l->rows)
        return 0;
    err = hl_watch_csv_rows(w, l->rows, &buf, &len);
    if (err != 0)
        return err;
    err = hl__fs_log_write(l->file, buf, len);
    hl__free(buf);
    if (err != 0) {
        /* A row may be half written: the next update starts afresh. */
        hl__fs_log_close(l->file);
        l->file = NULL;
        return err;
    }
    l->rows = w->nsamples;
    return 0;
}

int hl_watch_log_close(struct hl_watch_log *l)
{
    int err;

    if (l == NULL)
        return 0;
    err = hl__fs_log_close(l->file);
    hl__free(l->path);
    hl__free(l);
    return err;
}
