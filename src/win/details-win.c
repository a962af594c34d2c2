/*
 * What an object tells about itself through a duplicate (snapshot
 * --details): its counts (asked alone, names-win.c's count_all, so that
 * hleak holds no other handle to the object) and, by kind, a few cheap
 * facts asked on the duplicate the name threads already hold. Each query is asked on the duplicate with the
 * handle's own rights (DUPLICATE_SAME_ACCESS): one the rights do not
 * allow is refused and reads "unknown", never a failure. Nothing here
 * changes the object: every call is a query.
 */

#include "win-int.h"

#include <string.h>

#include "core-int.h"

int hl__object_counts(const struct hl_nt_api *api, HANDLE dup,
                      uint32_t *handle_count, uint32_t *pointer_count)
{
    struct hl_nt_object_basic_info bi;
    NTSTATUS st;

    memset(&bi, 0, sizeof(bi));
    st = api->query_object(dup, HL_NT_OBJECT_BASIC_INFORMATION, &bi,
                           sizeof(bi), NULL);
    /* the count includes the duplicate asking, the only handle hleak
     * holds to the object then: the target's view is one less (a count
     * of 0 would be no answer at all) */
    if (!NT_SUCCESS(st) || bi.HandleCount == 0)
        return HL_EQUERY;
    *handle_count = bi.HandleCount - 1;
    *pointer_count = bi.PointerCount;
    return 0;
}

/* A fixed-size query through fn: 1 when it answered. */
static int ask(hl_nt_query_state_fn fn, HANDLE dup, ULONG cls, void *buf,
               ULONG len)
{
    ULONG got = 0;

    memset(buf, 0, len);
    return fn != NULL && NT_SUCCESS(fn(dup, cls, buf, len, &got));
}

static void event_of(const struct hl_nt_api *api, HANDLE dup,
                     struct hl_details *out)
{
    struct hl_nt_event_basic_info ei;

    if (!ask(api->query_event, dup, HL_NT_BASIC_INFORMATION, &ei,
             sizeof(ei)))
        return;
    out->known |= HL_DETAILS_BASIC;
    out->a = ei.EventType;
    out->b = ei.EventState != 0;
}

static void mutant_of(const struct hl_nt_api *api, HANDLE dup,
                      struct hl_details *out)
{
    struct hl_nt_mutant_basic_info mi;
    struct hl_nt_client_id owner;

    if (ask(api->query_mutant, dup, HL_NT_BASIC_INFORMATION, &mi,
            sizeof(mi))) {
        out->known |= HL_DETAILS_BASIC;
        out->a = mi.CurrentCount;
        /* OwnedByCaller speaks of hleak's thread, never the owner */
        out->b = mi.AbandonedState != 0;
    }
    if (ask(api->query_mutant, dup, HL_NT_MUTANT_OWNER_INFORMATION, &owner,
            sizeof(owner))) {
        out->known |= HL_DETAILS_MORE;
        out->c = (uint64_t)(ULONG_PTR)owner.UniqueProcess;
        out->d = (uint64_t)(ULONG_PTR)owner.UniqueThread;
    }
}

static void semaphore_of(const struct hl_nt_api *api, HANDLE dup,
                         struct hl_details *out)
{
    struct hl_nt_semaphore_basic_info si;

    if (!ask(api->query_semaphore, dup, HL_NT_BASIC_INFORMATION, &si,
             sizeof(si)))
        return;
    out->known |= HL_DETAILS_BASIC;
    out->a = si.CurrentCount;
    out->b = si.MaximumCount;
}

static void timer_of(const struct hl_nt_api *api, HANDLE dup,
                     struct hl_details *out)
{
    struct hl_nt_timer_basic_info ti;

    if (!ask(api->query_timer, dup, HL_NT_BASIC_INFORMATION, &ti,
             sizeof(ti)))
        return;
    out->known |= HL_DETAILS_BASIC;
    out->b = ti.TimerState != 0;
}

static void section_of(const struct hl_nt_api *api, HANDLE dup,
                       struct hl_details *out)
{
    struct hl_nt_section_basic_info si;
    SIZE_T got = 0;

    memset(&si, 0, sizeof(si));
    if (api->query_section == NULL ||
        !NT_SUCCESS(api->query_section(dup, HL_NT_BASIC_INFORMATION, &si,
                                       sizeof(si), &got)))
        return;
    out->known |= HL_DETAILS_BASIC;
    out->a = si.MaximumSize.QuadPart;
    out->b = si.AllocationAttributes;
}

static void key_of(const struct hl_nt_api *api, HANDLE dup,
                   struct hl_details *out)
{
    /* the name follows the fixed part: room for the longest component
     * (255 characters), so the query is one call */
    union {
        struct hl_nt_key_basic_info ki;
        unsigned char b[sizeof(struct hl_nt_key_basic_info) + 512];
    } u;

    if (!ask(api->query_key, dup, HL_NT_BASIC_INFORMATION, &u, sizeof(u)))
        return;
    out->known |= HL_DETAILS_BASIC;
    out->a = u.ki.LastWriteTime.QuadPart;
}

int hl__details_query(const struct hl_nt_api *api, HANDLE dup,
                      uint32_t kind, struct hl_details *out, char **text)
{
    int err;

    memset(out, 0, sizeof(*out));
    *text = NULL;
    out->kind = kind;
    switch (kind) {
    case HL_DETAILS_EVENT:
        event_of(api, dup, out);
        break;
    case HL_DETAILS_MUTANT:
        mutant_of(api, dup, out);
        break;
    case HL_DETAILS_SEMAPHORE:
        semaphore_of(api, dup, out);
        break;
    case HL_DETAILS_TIMER:
        timer_of(api, dup, out);
        break;
    case HL_DETAILS_SECTION:
        section_of(api, dup, out);
        break;
    case HL_DETAILS_KEY:
        key_of(api, dup, out);
        break;
    case HL_DETAILS_TOKEN:
        err = hl__token_sid(api, dup, text);
        if (err == HL_ENOMEM)
            return err;
        if (err == 0)
            out->known |= HL_DETAILS_BASIC;
        break;
    default:
        out->kind = HL_DETAILS_NONE;
        break;
    }
    return 0;
}

void hl__file_ask(const struct hl_nt_api *api, HANDLE dup,
                  struct hl__file_answer *fa)
{
    struct hl_nt_io_status io;

    memset(fa, 0, sizeof(*fa));
    fa->dev_status = fa->mode_status = STATUS_NOT_IMPLEMENTED;
    if (api->query_volume_information_file != NULL)
        fa->dev_status = api->query_volume_information_file(
            dup, &io, &fa->dev, sizeof(fa->dev),
            HL_NT_FILE_FS_DEVICE_INFORMATION);
    if (api->query_information_file != NULL)
        fa->mode_status = api->query_information_file(
            dup, &io, &fa->mode, sizeof(fa->mode),
            HL_NT_FILE_MODE_INFORMATION);
}

void hl__details_file(const struct hl__file_answer *fa,
                      struct hl_details *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = HL_DETAILS_FILE;
    if (NT_SUCCESS(fa->dev_status)) {
        out->known |= HL_DETAILS_BASIC;
        out->a = fa->dev.DeviceType;
    }
    if (NT_SUCCESS(fa->mode_status)) {
        out->known |= HL_DETAILS_MORE;
        out->b = fa->mode;
    }
}

SIZE_T hl__section_view_size(uint32_t attributes, int64_t size)
{
    /* An image section maps whole or not at all (a view size other than 0
     * is STATUS_INVALID_VIEW_SIZE): that reserves address space for the
     * image and commits no page until one is touched, and hleak touches
     * none. A data file's view is one page at most, and no more than the
     * section holds (a view past its end is refused). */
    if (attributes & HL_NT_SEC_IMAGE)
        return 0;
    return size > 0 && (uint64_t)size < HL__SECTION_VIEW ? (SIZE_T)size
                                               : HL__SECTION_VIEW;
}

NTSTATUS hl__section_file_query(const struct hl_nt_api *api, HANDLE dup,
                                SIZE_T view, void *buf, ULONG len)
{
    void *base = NULL;
    SIZE_T size = view;
    SIZE_T got = 0;
    NTSTATUS st;

    if (api->map_view_of_section == NULL ||
        api->unmap_view_of_section == NULL ||
        api->query_virtual_memory == NULL)
        return STATUS_NOT_IMPLEMENTED;
    /* into hleak's own address space, read-only: the target's is never
     * touched, and nothing is written through the view */
    st = api->map_view_of_section(dup, HL_NT_CURRENT_PROCESS, &base, 0, 0,
                                  NULL, &size, HL_NT_VIEW_UNMAP, 0,
                                  PAGE_READONLY);
    if (!NT_SUCCESS(st))
        return st;
    st = api->query_virtual_memory(HL_NT_CURRENT_PROCESS, base,
                                   HL_NT_MEMORY_MAPPED_FILENAME_INFORMATION,
                                   buf, len, &got);
    api->unmap_view_of_section(HL_NT_CURRENT_PROCESS, base);
    return st;
}
