/* The rows of one whole-system take, for `hleak ps` and for `hleak show`
 * of a whole-system snapshot (ps.h). */
#include <string.h>

#include "core-int.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "ps.h"

int ps_view_of(const struct hl_system *sys, struct ps_view *v)
{
    size_t n = hl_system_count(sys), nt = hl_system_ntypes(sys), i, t;

    memset(v, 0, sizeof(*v));
    v->rows = hl__calloc(n + 1, sizeof(*v->rows));
    v->names = hl__calloc(nt + 1, sizeof(*v->names));
    v->counts = hl__calloc(n * nt + 1, sizeof(*v->counts));
    if (v->rows == NULL || v->names == NULL || v->counts == NULL)
        return HL_ENOMEM;
    for (t = 0; t < nt; t++)
        v->names[t] = hl_system_type_name(sys, t);
    for (i = 0; i < n; i++) {
        struct ps_row *r = &v->rows[i];

        r->proc = i;
        r->pid = hl_system_pid(sys, i);
        r->start = hl_system_start_time(sys, i);
        r->image = hl_system_image(sys, i);
        r->handles = hl_system_handles(sys, i);
        r->gui_known = hl_system_gui(sys, i, &r->gdi, &r->user);
        for (t = 0; t < nt; t++)
            v->counts[i * nt + t] = hl_system_type_count(sys, i, t);
        r->types = v->counts + i * nt;
    }
    v->type_names = v->names;
    v->ntypes = nt;
    v->nrows = n;
    v->taken = hl_system_time(sys);
    return 0;
}

void ps_view_release(struct ps_view *v)
{
    hl__free(v->counts);
    hl__free(v->names);
    hl__free(v->rows);
    memset(v, 0, sizeof(*v));
}
