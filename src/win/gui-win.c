/*
 * GDI and USER object counts. GetGuiResources answers 0 both for "no such
 * objects" (a console process) and for "not counted"; only a probe tells
 * the two apart, so the counts are trusted when this process, holding one
 * GDI and one USER object it just made, reads at least one of each.
 */
#include "win-int.h"

#include <string.h>

#ifndef GR_GDIOBJECTS
#define GR_GDIOBJECTS 0       /* SDK */
#define GR_USEROBJECTS 1      /* SDK */
#endif
#ifndef GR_GDIOBJECTS_PEAK
#define GR_GDIOBJECTS_PEAK 2  /* SDK, Windows 7 and above */
#define GR_USEROBJECTS_PEAK 4 /* SDK, Windows 7 and above */
#endif

/* The calls that make the probe's objects: machinery of this process,
 * not observations of the target, so not in struct hl_nt_api. */
struct probe_api {
    HDC(WINAPI *create_compatible_dc)(HDC dc);
    BOOL(WINAPI *delete_dc)(HDC dc);
    HMENU(WINAPI *create_menu)(void);
    BOOL(WINAPI *destroy_menu)(HMENU menu);
};

static struct probe_api probe;
static INIT_ONCE probe_once = INIT_ONCE_STATIC_INIT;

static void (*module_proc(HMODULE m, const char *name))(void)
{
    return m != NULL ? (void (*)(void))GetProcAddress(m, name) : NULL;
}

static BOOL CALLBACK resolve_probe(INIT_ONCE *once, void *param, void **ctx)
{
    HMODULE gdi32 = LoadLibraryW(L"gdi32.dll");
    HMODULE user32 = LoadLibraryW(L"user32.dll");

    (void)once;
    (void)param;
    (void)ctx;
    probe.create_compatible_dc = (HDC(WINAPI *)(HDC))module_proc(
        gdi32, "CreateCompatibleDC");
    probe.delete_dc = (BOOL(WINAPI *)(HDC))module_proc(gdi32, "DeleteDC");
    probe.create_menu =
        (HMENU(WINAPI *)(void))module_proc(user32, "CreateMenu");
    probe.destroy_menu =
        (BOOL(WINAPI *)(HMENU))module_proc(user32, "DestroyMenu");
    return TRUE;
}

/* One count, or -1 when the call failed (0 with an error set). */
static int64_t read_count(const struct hl_nt_api *api, HANDLE proc,
                          DWORD what)
{
    DWORD n;

    SetLastError(ERROR_SUCCESS);
    n = api->get_gui_resources(proc, what);
    if (n == 0 && GetLastError() != ERROR_SUCCESS)
        return -1;
    return n;
}

/* 1 when the system counts GUI objects, by the probe above. */
static int system_reports(const struct hl_nt_api *api)
{
    HANDLE self = GetCurrentProcess();
    HDC dc = NULL;
    HMENU menu = NULL;
    int ok = 0;

    InitOnceExecuteOnce(&probe_once, resolve_probe, NULL, NULL);
    if (probe.create_compatible_dc == NULL || probe.delete_dc == NULL ||
        probe.create_menu == NULL || probe.destroy_menu == NULL)
        return 0;
    dc = probe.create_compatible_dc(NULL);
    menu = probe.create_menu();
    if (dc != NULL && menu != NULL)
        ok = read_count(api, self, GR_GDIOBJECTS) > 0 &&
             read_count(api, self, GR_USEROBJECTS) > 0;
    if (menu != NULL)
        probe.destroy_menu(menu);
    if (dc != NULL)
        probe.delete_dc(dc);
    return ok;
}

/* 1 when pid runs in another session than this process. GetGuiResources
 * "must refer to a process in the current session" (its documentation):
 * for a service in session 0 it may answer 0, which would read as "no
 * GUI objects". Unknown sessions are not "other": the probe still guards
 * against a system that does not count. */
static int other_session(const struct hl_nt_api *api, DWORD pid)
{
    DWORD mine, theirs;

    if (!api->process_id_to_session_id(GetCurrentProcessId(), &mine) ||
        !api->process_id_to_session_id(pid, &theirs))
        return 0;
    return mine != theirs;
}

int hl__gui_reports(const struct hl_nt_api *api)
{
    return api->get_gui_resources != NULL && system_reports(api);
}

void hl__gui_counts(const struct hl_nt_api *api, HANDLE proc, DWORD pid,
                    struct hl_gui *out)
{
    hl__gui_counts_probed(api, proc, pid, -1, out);
}

void hl__gui_counts_probed(const struct hl_nt_api *api, HANDLE proc,
                           DWORD pid, int reports, struct hl_gui *out)
{
    int64_t gdi, user, gdi_peak, user_peak;

    memset(out, 0, sizeof(*out));
    out->flags = HL_GUI_ASKED;
    if (other_session(api, pid)) {
        out->flags |= HL_GUI_OTHER_SESSION;
        return;
    }
    if (reports < 0)
        reports = hl__gui_reports(api);
    if (!reports)
        return;
    gdi = read_count(api, proc, GR_GDIOBJECTS);
    user = read_count(api, proc, GR_USEROBJECTS);
    if (gdi < 0 || user < 0)
        return;
    out->flags |= HL_GUI_COUNTS;
    out->gdi = (uint32_t)gdi;
    out->user = (uint32_t)user;
    /* before Windows 7 the peaks are unknown flags: the call fails */
    gdi_peak = read_count(api, proc, GR_GDIOBJECTS_PEAK);
    user_peak = read_count(api, proc, GR_USEROBJECTS_PEAK);
    if (gdi_peak < 0 || user_peak < 0)
        return;
    out->flags |= HL_GUI_PEAKS;
    out->gdi_peak = (uint32_t)gdi_peak;
    out->user_peak = (uint32_t)user_peak;
}
