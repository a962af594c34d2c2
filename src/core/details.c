#include "details.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core-int.h"

static const struct {
    const char *type;
    enum hl_details_kind kind;
} kinds_of_types[] = {
    { "Event", HL_DETAILS_EVENT },         { "File", HL_DETAILS_FILE },
    { "Key", HL_DETAILS_KEY },             { "Mutant", HL_DETAILS_MUTANT },
    { "Section", HL_DETAILS_SECTION },     { "Semaphore", HL_DETAILS_SEMAPHORE },
    { "Timer", HL_DETAILS_TIMER },         { "Token", HL_DETAILS_TOKEN },
};

static const char *const kind_names[HL_DETAILS_KIND_COUNT] = {
    "", "event", "mutant", "semaphore", "section", "timer", "file", "token",
    "key",
};

/* FILE_DEVICE_* of the SDK's devioctl.h (winioctl.h), the ones a
 * process's File handles commonly sit on. */
static const struct {
    uint32_t device;
    const char *name;
} devices[] = {
    { 0x02, "cd-rom" },
    { 0x07, "disk" },
    { 0x08, "disk file system" },
    { 0x0C, "mailslot" },
    { 0x11, "named pipe" },
    { 0x12, "network" },
    { 0x14, "network file system" },
    { 0x15, "null" },
    { 0x1B, "serial port" },
    { 0x22, "unknown device" },
    { 0x24, "virtual disk" },
    { 0x28, "network redirector" },
    { 0x39, "ksec" },
    { 0x50, "console" },
};

enum hl_details_kind hl__details_kind_of(const char *type)
{
    size_t i;

    for (i = 0; type != NULL && i < sizeof(kinds_of_types) /
                                        sizeof(kinds_of_types[0]); i++) {
        if (strcmp(type, kinds_of_types[i].type) == 0)
            return kinds_of_types[i].kind;
    }
    return HL_DETAILS_NONE;
}

const char *hl__details_kind_name(uint32_t kind)
{
    return kind < HL_DETAILS_KIND_COUNT ? kind_names[kind] : "";
}

const char *hl__details_device_name(uint32_t device)
{
    size_t i;

    for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        if (devices[i].device == device)
            return devices[i].name;
    }
    return NULL;
}

const char *hl__details_event_type(int64_t type)
{
    /* EVENT_TYPE: NotificationEvent 0, SynchronizationEvent 1 */
    return type == 0 ? "notification" : type == 1 ? "synchronization" : NULL;
}

const char *hl__details_section_backing(int64_t attributes)
{
    if (attributes & 0x1000000) /* SEC_IMAGE */
        return "image";
    if (attributes & 0x800000) /* SEC_FILE */
        return "file";
    return "pagefile";
}

/* Appends to buf (len bytes), cutting what does not fit. */
struct line {
    char *buf;
    size_t len, used;
};

static void add(struct line *l, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add(struct line *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    l->used = hl__cut_vprintf(l->buf, l->len, l->used, fmt, ap);
    va_end(ap);
}

static const char *signaled(int64_t state)
{
    return state != 0 ? "signaled" : "not signaled";
}

static void mutant_text(struct line *l, const struct hl_details *d)
{
    int basic = (d->known & HL_DETAILS_BASIC) != 0;

    if ((d->known & HL_DETAILS_MORE) && d->d != 0)
        add(l, "owned by tid %" PRIu64 " in pid %" PRIu64, d->d, d->c);
    else if ((d->known & HL_DETAILS_MORE) || (basic && d->a > 0))
        add(l, "not owned");
    else
        add(l, "owned");
    /* CurrentCount 0 is held once, -1 twice, ... */
    if (basic && d->a < 0)
        add(l, ", held %" PRId64 " times", 1 - d->a);
    if (basic && d->b != 0)
        add(l, ", abandoned");
}

static void file_text(struct line *l, const struct hl_details *d)
{
    const char *dev = hl__details_device_name((uint32_t)d->a);
    int more = (d->known & HL_DETAILS_MORE) != 0;

    if ((d->known & HL_DETAILS_BASIC) && dev != NULL)
        add(l, "%s", dev);
    else if (d->known & HL_DETAILS_BASIC)
        add(l, "device 0x%" PRIx32, (uint32_t)d->a);
    if (more)
        /* FILE_SYNCHRONOUS_IO_ALERT 0x10, FILE_SYNCHRONOUS_IO_NONALERT
         * 0x20 */
        add(l, "%s%s", l->used != 0 ? ", " : "",
            (d->b & 0x30) != 0 ? "synchronous" : "asynchronous");
}

const char *hl__details_text(const struct hl_snapshot *s, size_t i,
                             char *buf, size_t len)
{
    const struct hl_details *d = hl_snapshot_details(s, i);
    struct line l = { buf, len, 0 };
    char iso[40];

    if (d == NULL || len == 0)
        return NULL;
    buf[0] = '\0';
    if (d->known == 0) {
        add(&l, "unknown");
        return buf;
    }
    switch (d->kind) {
    case HL_DETAILS_EVENT:
        if (hl__details_event_type(d->a) != NULL)
            add(&l, "%s, %s", hl__details_event_type(d->a), signaled(d->b));
        else
            add(&l, "type %" PRId64 ", %s", d->a, signaled(d->b));
        break;
    case HL_DETAILS_MUTANT:
        mutant_text(&l, d);
        break;
    case HL_DETAILS_SEMAPHORE:
        add(&l, "count %" PRId64 " of %" PRId64, d->a, d->b);
        break;
    case HL_DETAILS_SECTION:
        add(&l, "%s, 0x%" PRIx64 " bytes", hl__details_section_backing(d->b),
            (uint64_t)d->a);
        if (d->text != 0)
            add(&l, ", %s", hl_snapshot_str(s, d->text));
        break;
    case HL_DETAILS_TIMER:
        add(&l, "%s", signaled(d->b));
        break;
    case HL_DETAILS_FILE:
        file_text(&l, d);
        break;
    case HL_DETAILS_TOKEN:
        add(&l, "user %s", hl_snapshot_str(s, d->text));
        break;
    case HL_DETAILS_KEY:
        hl__filetime_iso((uint64_t)d->a, iso, sizeof(iso));
        add(&l, "last written %s", iso);
        break;
    default:
        add(&l, "unknown");
        break;
    }
    return buf;
}
