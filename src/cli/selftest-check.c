/*
 * The self-test's judgements: what the child announced against what the
 * library reported. Portable, so they are tested with wrong answers on
 * any OS (tests/test-selftest.c). A check that cannot judge fails: only
 * a system that answered "not implemented" reads "not supported here".
 */
#include "selftest.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"

#define METHOD_51 "ProcessHandleInformation"

/* NTSTATUS answers that mean "this system has no such class". */
#define NT_NOT_IMPLEMENTED 0xC0000002u
#define NT_INVALID_INFO_CLASS 0xC0000003u
#define NT_NOT_SUPPORTED 0xC00000BBu

/* The object type each kind is listed under. */
static const char *const kind_types[ST_KIND_COUNT] = {
    "Event", "File", "Key", "Thread", "Process", "Section", "File",
};

/* Replaces the bytes of sequences that "%.120s" or the row's size cut
 * in two with '?', so the JSON report stays valid UTF-8. */
static void mend_utf8(char *s)
{
    unsigned char *p = (unsigned char *)s;

    while (*p != '\0') {
        size_t n = *p < 0x80 ? 1 : *p >= 0xC2 && *p < 0xE0 ? 2
                 : *p >= 0xE0 && *p < 0xF0 ? 3 : *p >= 0xF0 && *p < 0xF5
                 ? 4 : 0;
        size_t k;

        for (k = 1; k < n && (p[k] & 0xC0) == 0x80; k++)
            ;
        if (n == 0 || k < n) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

void st_set(struct st_report *r, enum st_row row, enum st_verdict v,
            const char *fmt, ...)
{
    va_list ap;

    r->rows[row].verdict = v;
    va_start(ap, fmt);
    vsnprintf(r->rows[row].detail, sizeof(r->rows[row].detail), fmt, ap);
    va_end(ap);
    mend_utf8(r->rows[row].detail);
}

/* 1 when s ends with tail, ASCII case ignored (Windows names). */
static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);

    return t > 0 && n >= t && hl__ascii_caseeq(s + n - t, tail);
}

/* The name an announced handle must end with ("" for unnamed kinds). */
static void expected_tail(const struct st_manifest *m, enum st_kind kind,
                          char *buf, size_t len)
{
    switch (kind) {
    case ST_EVENT:
        snprintf(buf, len, "\\%s-event", m->tag);
        break;
    case ST_SECTION:
        snprintf(buf, len, "\\%s-section", m->tag);
        break;
    case ST_PIPE:
        snprintf(buf, len, "\\%s-pipe", m->tag);
        break;
    case ST_KEY:
        snprintf(buf, len, "\\Software\\%s", m->tag);
        break;
    case ST_FILE:
        snprintf(buf, len, "%s", m->file_tail);
        break;
    default:
        buf[0] = '\0';
    }
}

/* The index of handle value v in s, or s->count. */
static size_t find_value(const struct hl_snapshot *s, uint32_t v)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        if (s->handles[i].value == v)
            return i;
    }
    return s->count;
}

/* Handles of s of type Event whose name is the child's event. */
static size_t count_events(const struct st_manifest *m,
                           const struct hl_snapshot *s)
{
    char tail[96];
    size_t i, n = 0;

    expected_tail(m, ST_EVENT, tail, sizeof(tail));
    for (i = 0; i < s->count; i++) {
        const struct hl_handle *h = &s->handles[i];

        n += hl__ascii_caseeq(hl_snapshot_str(s, h->type), "Event") &&
             ends_with(hl_snapshot_str(s, h->name), tail);
    }
    return n;
}

static const char *method_label(const struct hl_snapshot *s)
{
    const char *method = hl_snapshot_str(s, s->method);

    if (strcmp(method, METHOD_51) == 0)
        return "class 51 (ProcessHandleInformation)";
    if (strcmp(method, "SystemExtendedHandleInformation") == 0)
        return "class 64 fallback (SystemExtendedHandleInformation)";
    return method;
}

/* Every announced handle listed with its type; the event exactly as
 * many times as announced. */
static void check_list(const struct st_manifest *m,
                       const struct hl_snapshot *s, struct st_report *r)
{
    size_t i, events;

    if (m->n == 0) {
        st_set(r, ST_ROW_LIST, ST_FAILED, "the child announced no handles");
        return;
    }
    for (i = 0; i < m->n; i++) {
        const struct st_item *it = &m->items[i];
        size_t k = find_value(s, it->value);
        const char *type;

        if (k == s->count) {
            st_set(r, ST_ROW_LIST, ST_FAILED,
                   "%s handle 0x%" PRIx32 " of the child is not listed",
                   st_kind_name(it->kind), it->value);
            return;
        }
        type = hl_snapshot_str(s, s->handles[k].type);
        if (!hl__ascii_caseeq(type, kind_types[it->kind])) {
            st_set(r, ST_ROW_LIST, ST_FAILED,
                   "handle 0x%" PRIx32 " is listed as type '%s', %s "
                   "expected",
                   it->value, type, kind_types[it->kind]);
            return;
        }
    }
    events = count_events(m, s);
    if (r->rows[ST_ROW_NAMES].verdict == ST_OK &&
        events != st_manifest_count(m, ST_EVENT)) {
        st_set(r, ST_ROW_LIST, ST_FAILED,
               "%zu handles to the named event listed, the child holds "
               "%zu",
               events, st_manifest_count(m, ST_EVENT));
        return;
    }
    st_set(r, ST_ROW_LIST, ST_OK,
           "%s: %zu handles, all %zu held by the child found, the named "
           "event %zu times",
           method_label(s), s->count, m->n, events);
}

static void check_names(const struct st_manifest *m,
                        const struct hl_snapshot *s, struct st_report *r)
{
    size_t i, named = 0;
    char tail[160];

    for (i = 0; i < m->n; i++) {
        const struct st_item *it = &m->items[i];
        size_t k = find_value(s, it->value);
        const struct hl_handle *h;
        const char *name;

        expected_tail(m, it->kind, tail, sizeof(tail));
        if (it->kind == ST_PIPE || tail[0] == '\0' || k == s->count)
            continue;
        h = &s->handles[k];
        name = hl_snapshot_str(s, h->name);
        if (h->name_err != HL_NAME_ERR_NONE) {
            st_set(r, ST_ROW_NAMES, ST_FAILED,
                   "%s handle 0x%" PRIx32 ": name not read (%s)",
                   st_kind_name(it->kind), it->value,
                   hl_name_err_str(h->name_err));
            return;
        }
        if (!ends_with(name, tail)) {
            st_set(r, ST_ROW_NAMES, ST_FAILED,
                   "%s handle 0x%" PRIx32 " named '%.120s', '...%.100s' "
                   "expected",
                   st_kind_name(it->kind), it->value, name, tail);
            return;
        }
        named++;
    }
    if (named == 0) {
        st_set(r, ST_ROW_NAMES, ST_FAILED, "no named handle to check");
        return;
    }
    st_set(r, ST_ROW_NAMES, ST_OK,
           "%zu names of events, files, keys and sections as opened",
           named);
}

static void check_targets(const struct st_manifest *m,
                          const struct hl_snapshot *s, struct st_report *r)
{
    size_t i, checked = 0;

    for (i = 0; i < m->n; i++) {
        const struct st_item *it = &m->items[i];
        size_t k = find_value(s, it->value);
        const struct hl_target *t;
        uint8_t want = it->exited ? HL_TARGET_EXITED : HL_TARGET_ALIVE;

        if ((it->kind != ST_THREAD && it->kind != ST_PROCESS) ||
            k == s->count)
            continue;
        t = hl_snapshot_target(s, k);
        if (t == NULL || t->state != want || t->id != it->id) {
            st_set(r, ST_ROW_TARGETS, ST_FAILED,
                   "%s handle 0x%" PRIx32 ": %s %" PRIu32 " expected, "
                   "the snapshot says %s %" PRIu32,
                   st_kind_name(it->kind), it->value,
                   it->exited ? "exited" : "alive", it->id,
                   t == NULL                      ? "nothing"
                   : t->state == HL_TARGET_ALIVE  ? "alive"
                   : t->state == HL_TARGET_EXITED ? "exited"
                                                  : "unknown",
                   t == NULL ? 0 : t->id);
            return;
        }
        if (it->exited && (t->flags & HL_TARGET_HAS_CODE) &&
            t->exit_code != it->code) {
            st_set(r, ST_ROW_TARGETS, ST_FAILED,
                   "thread %" PRIu32 " exited with %" PRIu32 ", the "
                   "snapshot says %" PRIu32,
                   it->id, it->code, t->exit_code);
            return;
        }
        checked++;
    }
    if (checked == 0) {
        st_set(r, ST_ROW_TARGETS, ST_FAILED,
               "no thread or process handle to check");
        return;
    }
    st_set(r, ST_ROW_TARGETS, ST_OK,
           "%zu thread and process handles: alive and exited told apart",
           checked);
}

static void check_objects(const struct st_manifest *m,
                          const struct hl_snapshot *s, struct st_report *r)
{
    uint64_t event_obj = 0, other_obj = 0;
    size_t i, zero = 0, seen = 0;

    for (i = 0; i < m->n; i++) {
        size_t k = find_value(s, m->items[i].value);
        uint64_t obj;

        if (k == s->count)
            continue;
        obj = hl_snapshot_object(s, k);
        seen++;
        if (obj == 0) {
            zero++;
            continue;
        }
        if (m->items[i].kind != ST_EVENT) {
            other_obj = other_obj == 0 ? obj : other_obj;
            continue;
        }
        if (event_obj == 0)
            event_obj = obj;
        if (obj != event_obj) {
            st_set(r, ST_ROW_OBJECTS, ST_FAILED,
                   "handles to the one named event point to objects "
                   "0x%" PRIx64 " and 0x%" PRIx64,
                   event_obj, obj);
            return;
        }
    }
    if (seen == 0) {
        st_set(r, ST_ROW_OBJECTS, ST_FAILED, "no handle of the child seen");
    } else if (zero == seen) {
        st_set(r, ST_ROW_OBJECTS, ST_UNSUPPORTED,
               "zeroed: %s",
               strcmp(hl_snapshot_str(s, s->method), METHOD_51) == 0
                   ? "class 51 lists no object addresses"
                   : "the system reports every object address as 0 "
                     "(Wine; Windows 11 24H2 and later without "
                     "SeDebugPrivilege)");
    } else if (zero != 0) {
        st_set(r, ST_ROW_OBJECTS, ST_FAILED,
               "%zu of %zu handles have no object address", zero, seen);
    } else if (other_obj == event_obj) {
        st_set(r, ST_ROW_OBJECTS, ST_FAILED,
               "the event and other objects share address 0x%" PRIx64,
               event_obj);
    } else {
        st_set(r, ST_ROW_OBJECTS, ST_OK,
               "visible: the %zu event handles share object 0x%" PRIx64,
               st_manifest_count(m, ST_EVENT), event_obj);
    }
}

static void check_gui(const struct st_manifest *m,
                      const struct hl_snapshot *s, struct st_report *r)
{
    const struct hl_gui *g = &s->gui;

    if (!m->has_gui) {
        st_set(r, ST_ROW_GUI, ST_FAILED,
               "the child made no GUI objects to count");
    } else if (g->flags == 0) {
        st_set(r, ST_ROW_GUI, ST_UNSUPPORTED,
               "GetGuiResources is not available (no user32)");
    } else if (!(g->flags & HL_GUI_COUNTS)) {
        st_set(r, ST_ROW_GUI, ST_UNSUPPORTED,
               "the system reports no GDI or USER object counts");
    } else if (g->gdi < m->gdi || g->user < m->user) {
        st_set(r, ST_ROW_GUI, ST_FAILED,
               "GDI %" PRIu32 ", USER %" PRIu32 " reported; the child "
               "holds at least %" PRIu32 " and %" PRIu32,
               g->gdi, g->user, m->gdi, m->user);
    } else {
        st_set(r, ST_ROW_GUI, ST_OK, "GDI %" PRIu32 ", USER %" PRIu32,
               g->gdi, g->user);
    }
}

void st_check_snapshot(const struct st_manifest *m,
                       const struct hl_snapshot *s, struct st_report *r)
{
    /* names first: the list's event count relies on them */
    check_names(m, s, r);
    check_list(m, s, r);
    check_targets(m, s, r);
    check_objects(m, s, r);
    check_gui(m, s, r);
}

void st_check_class51(const struct hl_snapshot *s, int have_status,
                      uint32_t status, struct st_report *r)
{
    if (strcmp(hl_snapshot_str(s, s->method), METHOD_51) == 0) {
        st_set(r, ST_ROW_CLASS51, ST_OK, "the collector used it");
    } else if (!have_status) {
        st_set(r, ST_ROW_CLASS51, ST_FAILED,
               "the collector did not use it and it could not be asked");
    } else if (status == NT_NOT_IMPLEMENTED ||
               status == NT_INVALID_INFO_CLASS ||
               status == NT_NOT_SUPPORTED) {
        st_set(r, ST_ROW_CLASS51, ST_UNSUPPORTED,
               "NtQueryInformationProcess(51) answered 0x%08" PRIx32
               " (not implemented); the class 64 list was used",
               status);
    } else {
        st_set(r, ST_ROW_CLASS51, ST_FAILED,
               "NtQueryInformationProcess(51) answered 0x%08" PRIx32
               ", yet the collector fell back to class 64",
               status);
    }
}

void st_check_hang(const struct st_manifest *m, const struct hl_snapshot *s,
                   uint64_t elapsed_ms, unsigned timeout_ms,
                   uint64_t bound_ms, struct st_report *r)
{
    char tail[96];
    const struct hl_handle *h;
    size_t i, k = s->count;

    for (i = 0; i < m->n && k == s->count; i++) {
        if (m->items[i].kind == ST_PIPE)
            k = find_value(s, m->items[i].value);
    }
    if (k == s->count) {
        st_set(r, ST_ROW_HANG, ST_FAILED,
               "the blocked pipe's handle is not in the snapshot");
        return;
    }
    if (elapsed_ms > bound_ms) {
        st_set(r, ST_ROW_HANG, ST_FAILED,
               "the snapshot took %" PRIu64 " ms, over its bound of %" PRIu64
               " ms",
               elapsed_ms, bound_ms);
        return;
    }
    h = &s->handles[k];
    expected_tail(m, ST_PIPE, tail, sizeof(tail));
    if (h->name_err == HL_NAME_ERR_TIMEOUT)
        st_set(r, ST_ROW_HANG, ST_OK,
               "the blocked pipe's name query timed out after %u ms; "
               "snapshot in %" PRIu64 " ms",
               timeout_ms, elapsed_ms);
    else if (h->name_err == HL_NAME_ERR_SKIPPED)
        st_set(r, ST_ROW_HANG, ST_OK,
               "the blocked pipe's name was not asked; snapshot in "
               "%" PRIu64 " ms",
               elapsed_ms);
    else if (h->name_err == HL_NAME_ERR_NONE &&
             ends_with(hl_snapshot_str(s, h->name), tail))
        st_set(r, ST_ROW_HANG, ST_OK,
               "the blocked pipe was named without blocking; snapshot in "
               "%" PRIu64 " ms",
               elapsed_ms);
    else
        st_set(r, ST_ROW_HANG, ST_FAILED,
               "the blocked pipe's handle: name '%.100s' (%s)",
               hl_snapshot_str(s, h->name), hl_name_err_str(h->name_err));
}

static int same_str(const struct hl_snapshot *a, uint32_t x,
                    const struct hl_snapshot *b, uint32_t y)
{
    return strcmp(hl_snapshot_str(a, x), hl_snapshot_str(b, y)) == 0;
}

const char *st_snapshot_diff(const struct hl_snapshot *a,
                             const struct hl_snapshot *b)
{
    size_t i;

    if (a->count != b->count)
        return "the handle count differs";
    if (a->pid != b->pid || a->start_time != b->start_time ||
        a->taken_at != b->taken_at || a->wow64 != b->wow64)
        return "the process facts differ";
    if (!same_str(a, a->image, b, b->image) ||
        !same_str(a, a->method, b, b->method) ||
        !same_str(a, a->os_version, b, b->os_version))
        return "the image, method or OS differ";
    if (memcmp(&a->gui, &b->gui, sizeof(a->gui)) != 0)
        return "the GUI counts differ";
    for (i = 0; i < a->count; i++) {
        const struct hl_handle *x = &a->handles[i], *y = &b->handles[i];
        const struct hl_target *tx = hl_snapshot_target(a, i);
        const struct hl_target *ty = hl_snapshot_target(b, i);

        if (x->value != y->value || x->granted_access != y->granted_access ||
            x->attributes != y->attributes || x->name_err != y->name_err)
            return "a handle's value, access or attributes differ";
        if (!same_str(a, x->type, b, y->type) ||
            !same_str(a, x->name, b, y->name) ||
            !same_str(a, x->nt_name, b, y->nt_name))
            return "a handle's type or name differs";
        if (hl_snapshot_object(a, i) != hl_snapshot_object(b, i))
            return "a handle's object address differs";
        if ((tx == NULL ? HL_TARGET_NONE : tx->state) !=
                (ty == NULL ? HL_TARGET_NONE : ty->state) ||
            (tx != NULL && ty != NULL && tx->id != ty->id))
            return "a thread or process state differs";
        if ((hl_snapshot_handle_stack(a, i) == NULL) !=
            (hl_snapshot_handle_stack(b, i) == NULL))
            return "an open stack differs";
    }
    return NULL;
}

void st_check_diff(const struct st_manifest *m, const struct hl_diff *d,
                   size_t more, struct st_report *r)
{
    char tail[96];
    size_t i, opened = 0, closed = 0;

    expected_tail(m, ST_EVENT, tail, sizeof(tail));
    for (i = 0; i < d->nopened; i++) {
        const struct hl_diff_group *g = &d->opened[i];

        if (hl__ascii_caseeq(hl_diff_str(d, g->type), "Event") &&
            ends_with(hl_diff_str(d, g->name), tail))
            opened += g->count;
    }
    for (i = 0; i < d->nclosed; i++) {
        const struct hl_diff_group *g = &d->closed[i];

        if (ends_with(hl_diff_str(d, g->name), tail))
            closed += g->count;
    }
    if (d->match != HL_MATCH_IDENTITY)
        st_set(r, ST_ROW_DIFF, ST_FAILED,
               "the two snapshots were not matched as one process");
    else if (opened != more || closed != 0)
        st_set(r, ST_ROW_DIFF, ST_FAILED,
               "+%zu (-%zu) handles to the named event reported, the "
               "child opened exactly %zu",
               opened, closed, more);
    else
        st_set(r, ST_ROW_DIFF, ST_OK,
               "exactly +%zu handles to the named event, through saved "
               "and reloaded snapshots (%zu opened, %zu closed in all)",
               more, d->total_opened, d->total_closed);
}

void st_check_trace(const struct hl_snapshot *s, const uint32_t *values,
                    size_t n, int debug_priv, struct st_report *r)
{
    size_t i, stacks = 0;

    for (i = 0; i < n; i++) {
        size_t k = find_value(s, values[i]);
        const struct hl_stack *st =
            k < s->count ? hl_snapshot_handle_stack(s, k) : NULL;

        stacks += st != NULL && st->depth > 0;
    }
    if (n > 0 && stacks == n)
        st_set(r, ST_ROW_TRACE, ST_OK,
               "on, off; the %zu handles opened meanwhile have their open "
               "stacks",
               n);
    else if (n > 0 && stacks == 0 && !debug_priv)
        st_set(r, ST_ROW_TRACE, ST_UNSUPPORTED,
               "on, but no open stack recorded: stacks are zeroed without "
               "SeDebugPrivilege (Windows 11 24H2 and later)");
    else
        st_set(r, ST_ROW_TRACE, ST_FAILED,
               "%zu of the %zu handles opened while tracing was on have an "
               "open stack",
               stacks, n);
}

void st_check_dump(const struct st_manifest *m, const struct hl_snapshot *d,
                   struct st_report *r)
{
    size_t i, named = 0;
    char tail[160];

    for (i = 0; i < m->n; i++) {
        const struct st_item *it = &m->items[i];
        size_t k = find_value(d, it->value);
        const char *name;

        if (k == d->count) {
            st_set(r, ST_ROW_DUMP, ST_FAILED,
                   "%s handle 0x%" PRIx32 " of the child is not in the "
                   "dump",
                   st_kind_name(it->kind), it->value);
            return;
        }
        if (!hl__ascii_caseeq(hl_snapshot_str(d, d->handles[k].type),
                              kind_types[it->kind])) {
            st_set(r, ST_ROW_DUMP, ST_FAILED,
                   "handle 0x%" PRIx32 " is of type '%s' in the dump, %s "
                   "expected",
                   it->value, hl_snapshot_str(d, d->handles[k].type),
                   kind_types[it->kind]);
            return;
        }
        name = hl_snapshot_str(d, d->handles[k].name);
        expected_tail(m, it->kind, tail, sizeof(tail));
        if (it->kind == ST_PIPE || tail[0] == '\0' || name[0] == '\0')
            continue;
        if (!ends_with(name, tail)) {
            st_set(r, ST_ROW_DUMP, ST_FAILED,
                   "handle 0x%" PRIx32 " is named '%.120s' in the dump",
                   it->value, name);
            return;
        }
        named++;
    }
    st_set(r, ST_ROW_DUMP, ST_OK,
           "written and read back: all %zu handles of the child with their "
           "types, %zu names checked",
           m->n, named);
}

void st_finish(struct st_report *r)
{
    size_t i;

    for (i = 0; i < ST_ROW_COUNT; i++) {
        if (r->rows[i].verdict == ST_UNCHECKED)
            st_set(r, (enum st_row)i, ST_FAILED, "not checked: %s",
                   r->stopped[0] != '\0' ? r->stopped
                                         : "the self-test stopped early");
    }
}
