/* `hleak show` of a whole-system snapshot: the recorded take, printed as
 * `hleak ps --types` prints a live one, with a header saying when and
 * where it was taken. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "msg.h"
#include "ps.h"
#include "snapshot-int.h"
#include "sys-cli.h"
#include "sysnames.h"
#include "system-int.h"

/* Name groups shown per process. */
#define SHOW_NAME_GROUPS 3

/* Largest first, then as hl__name_groups_of() orders them. */
static int cmp_groups(const void *pa, const void *pb)
{
    const struct hl__name_group *a = pa, *b = pb;
    int c;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    c = strcmp(a->type, b->type);
    return c != 0 ? c : strcmp(a->pattern, b->pattern);
}

/* The count rows are ranked by: r->types[0] once filtered to one type,
 * else the handles; unknown last, then by pid. */
static int by_type;

static int cmp_rows(const void *pa, const void *pb)
{
    const struct ps_row *a = pa, *b = pb;
    uint64_t ka = by_type ? a->types[0] : a->handles;
    uint64_t kb = by_type ? b->types[0] : b->handles;

    ka = ka == HL_SYSTEM_UNKNOWN ? 0 : ka + 1;
    kb = kb == HL_SYSTEM_UNKNOWN ? 0 : kb + 1;
    if (ka != kb)
        return ka > kb ? -1 : 1;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* Keeps the rows holding type t, each showing that type alone. */
static void only_type(struct ps_view *v, size_t t)
{
    size_t i, k = 0, nt = v->ntypes;

    for (i = 0; i < v->nrows; i++) {
        struct ps_row r = v->rows[i];

        if (r.types[t] == 0 || r.types[t] == HL_SYSTEM_UNKNOWN)
            continue;
        r.types = v->counts + i * nt + t;
        v->rows[k++] = r;
    }
    v->nrows = k;
    v->type_names = v->names + t;
    v->ntypes = 1;
}

/* "names: N named handles in P processes; R refused, E exited, T name
 * queries timed out" */
static void names_header(const struct hl_system *sys)
{
    size_t i, named = 0, counts[4] = {0, 0, 0, 0};
    uint64_t timeouts = 0, t;

    for (i = 0; i < hl_system_count(sys); i++) {
        counts[hl_system_names(sys, i, NULL, NULL, &t)]++;
        named += hl_system_name_count(sys, i);
        timeouts += t;
    }
    printf("names: %zu named handles in %zu processes; %zu refused, %zu "
           "exited, %" PRIu64 " name quer%s timed out\n",
           named, counts[HL_SYSTEM_NAMES_READ],
           counts[HL_SYSTEM_NAMES_REFUSED], counts[HL_SYSTEM_NAMES_EXITED],
           timeouts, timeouts == 1 ? "y" : "ies");
}

/* The name groups of each row shown (by row), largest first: made
 * before anything is printed, so a failure prints no half a report. */
static int groups_of_rows(const struct hl_system *sys,
                          const struct ps_view *v,
                          struct hl__name_groups **out)
{
    size_t i;
    int err = 0;

    *out = hl__calloc(v->nrows + 1, sizeof(**out));
    if (*out == NULL)
        return HL_ENOMEM;
    for (i = 0; i < v->nrows && err == 0; i++) {
        struct hl__name_groups *g = &(*out)[i];

        if ((err = hl__name_groups_of(sys, v->rows[i].proc, g)) == 0 &&
            g->n > 1)
            qsort(g->g, g->n, sizeof(*g->g), cmp_groups);
    }
    return err;
}

static void groups_free(struct hl__name_groups *g, size_t n)
{
    size_t i;

    for (i = 0; g != NULL && i < n; i++)
        hl__name_groups_release(&g[i]);
    hl__free(g);
}

/* Each process shown, with its largest name groups or why it has none. */
static void print_names(const struct hl_system *sys, const struct ps_view *v,
                        const struct hl__name_groups *groups)
{
    size_t i, k;

    printf("\nnames (the largest groups by type and pattern; --json lists "
           "every handle):\n");
    for (i = 0; i < v->nrows; i++) {
        const struct ps_row *r = &v->rows[i];
        const struct hl__name_groups *g = &groups[i];
        uint32_t why;
        int state = hl_system_names(sys, r->proc, &why, NULL, NULL);

        if (state == HL_SYSTEM_NAMES_NONE)
            continue;
        printf("%7" PRIu64 " %s: ", r->pid, ps_image(r));
        if (state == HL_SYSTEM_NAMES_REFUSED) {
            printf("not read (%s)\n", hl_access_str(why));
            continue;
        }
        if (state == HL_SYSTEM_NAMES_EXITED) {
            printf("not read (it exited first)\n");
            continue;
        }
        for (k = 0; k < g->n && k < SHOW_NAME_GROUPS; k++)
            printf("%s%" PRIu64 " %s %s", k ? "; " : "", g->g[k].count,
                   g->g[k].type, g->g[k].pattern);
        printf("%s%s\n", g->n > SHOW_NAME_GROUPS ? "; ..." : "",
               g->n == 0 ? "no named handle" : "");
    }
}

static void print_header(const char *path, const struct hl_system *sys,
                         const struct ps_view *v, const char *type)
{
    uint64_t total = 0;
    char iso[32];
    size_t i;

    for (i = 0; i < hl_system_count(sys); i++)
        if (hl_system_handles(sys, i) != HL_SYSTEM_UNKNOWN)
            total += hl_system_handles(sys, i);
    hl__filetime_iso(sys->time, iso, sizeof(iso));
    printf("whole-system snapshot '%s'\n", path);
    printf("taken %s on %s (%s), in %.1f s, by hleak %s\n", iso,
           sys->host != 0 ? hl_system_host(sys) : "?",
           sys->os_version != 0 ? hl_snapshot_str(sys->names,
                                                  sys->os_version)
                                : "?",
           (double)sys->duration_us / 1e6,
           sys->hleak_version != 0 ? hl_snapshot_str(sys->names,
                                                     sys->hleak_version)
                                   : "?");
    printf("%zu processes, %" PRIu64 " handles%s\n", hl_system_count(sys),
           total, sys->flags & HL_SYSTEM_GUI ? ""
                                             : "; GDI/USER counts not taken");
    if (hl_system_has_names(sys))
        names_header(sys);
    if (type != NULL)
        printf("%zu holding %s, most first\n", v->nrows,
               v->ntypes == 1 ? v->type_names[0] : type);
    printf("\n");
}

int hl_cli_show_system(const char *path, const struct hl_system *sys,
                       int json, size_t top, const char *type)
{
    struct hl__name_groups *groups = NULL;
    struct ps_view v;
    size_t t, nt = hl_system_ntypes(sys);
    int err;

    if ((err = ps_view_of(sys, &v)) != 0) {
        ps_view_release(&v);
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    by_type = 0;
    if (type != NULL) {
        for (t = 0; t < nt && !hl__ascii_caseeq(v.names[t], type); t++)
            ;
        if (t < nt) {
            only_type(&v, t);
            by_type = 1;
        } else {
            v.nrows = 0; /* a Windows type no process held */
        }
    }
    qsort(v.rows, v.nrows, sizeof(*v.rows), cmp_rows);
    if (top != 0 && v.nrows > top)
        v.nrows = top;
    v.with_types = 1;
    if (json) {
        v.host = hl_system_host(sys);
        v.os_version = hl_snapshot_str(sys->names, sys->os_version);
        v.hleak_version = hl_snapshot_str(sys->names, sys->hleak_version);
        v.named = hl_system_has_names(sys) ? sys : NULL;
        err = ps_print_json(&v);
    } else if (!hl_system_has_names(sys) ||
               (err = groups_of_rows(sys, &v, &groups)) == 0) {
        print_header(path, sys, &v, type);
        err = ps_print_text(&v);
        if (err == 0 && groups != NULL)
            print_names(sys, &v, groups);
    }
    groups_free(groups, v.nrows);
    ps_view_release(&v);
    if (err != 0) {
        hl_error("%s", hl_strerror(err));
        return HL_EXIT_FAILURE;
    }
    return hl_finish_stdout(0);
}
