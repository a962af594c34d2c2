#include "win-int.h"

#include <string.h>

#include <sddl.h>

#include "core-int.h"
#include "textdec.h"

const struct hl_nt_api *hl__nt;

static struct hl_nt_api default_api;
static int default_ok;
static INIT_ONCE default_once = INIT_ONCE_STATIC_INIT;

/* GetProcAddress gives a generic pointer; going through void (*)(void)
 * tells the compiler the signature change is intended. */
static void (*ntdll_proc(HMODULE ntdll, const char *name))(void)
{
    return (void (*)(void))GetProcAddress(ntdll, name);
}

static BOOL CALLBACK resolve_default(INIT_ONCE *once, void *param,
                                     void **ctx)
{
    struct hl_nt_api *a = &default_api;
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    HMODULE user32;

    (void)once;
    (void)param;
    (void)ctx;
    if (ntdll == NULL)
        return TRUE;
    a->query_system_information = (hl_nt_query_system_information_fn)
        ntdll_proc(ntdll, "NtQuerySystemInformation");
    a->query_information_process = (hl_nt_query_information_process_fn)
        ntdll_proc(ntdll, "NtQueryInformationProcess");
    a->query_object =
        (hl_nt_query_object_fn)ntdll_proc(ntdll, "NtQueryObject");
    a->rtl_get_version =
        (hl_rtl_get_version_fn)ntdll_proc(ntdll, "RtlGetVersion");
    a->open_process = OpenProcess;
    a->duplicate_handle = DuplicateHandle;
    a->close_handle = CloseHandle;
    a->wait_for_single_object = WaitForSingleObject;
    a->query_full_process_image_name = QueryFullProcessImageNameW;
    a->get_process_times = GetProcessTimes;
    a->is_wow64_process = IsWow64Process;
    a->get_process_id = GetProcessId;
    a->get_thread_id = GetThreadId;
    a->get_process_id_of_thread = GetProcessIdOfThread;
    a->open_process_token = OpenProcessToken;
    a->get_token_information = GetTokenInformation;
    a->lookup_account_sid = LookupAccountSidW;
    a->convert_sid_to_string_sid = ConvertSidToStringSidW;
    a->lookup_privilege_value = LookupPrivilegeValueW;
    a->adjust_token_privileges = AdjustTokenPrivileges;
    a->query_dos_device = QueryDosDeviceW;
    a->get_computer_name = GetComputerNameW;
    a->create_toolhelp32_snapshot = CreateToolhelp32Snapshot;
    a->process32_first = Process32FirstW;
    a->process32_next = Process32NextW;
    a->get_exit_code_process = GetExitCodeProcess;
    a->get_exit_code_thread = GetExitCodeThread;
    a->get_thread_times = GetThreadTimes;
    a->set_information_process = (hl_nt_set_information_process_fn)
        ntdll_proc(ntdll, "NtSetInformationProcess");
    a->query_event =
        (hl_nt_query_state_fn)ntdll_proc(ntdll, "NtQueryEvent");
    a->query_mutant =
        (hl_nt_query_state_fn)ntdll_proc(ntdll, "NtQueryMutant");
    a->query_semaphore =
        (hl_nt_query_state_fn)ntdll_proc(ntdll, "NtQuerySemaphore");
    a->query_timer =
        (hl_nt_query_state_fn)ntdll_proc(ntdll, "NtQueryTimer");
    a->query_key = (hl_nt_query_state_fn)ntdll_proc(ntdll, "NtQueryKey");
    a->query_section =
        (hl_nt_query_section_fn)ntdll_proc(ntdll, "NtQuerySection");
    a->map_view_of_section = (hl_nt_map_view_of_section_fn)ntdll_proc(
        ntdll, "NtMapViewOfSection");
    a->unmap_view_of_section = (hl_nt_unmap_view_of_section_fn)ntdll_proc(
        ntdll, "NtUnmapViewOfSection");
    a->query_virtual_memory = (hl_nt_query_virtual_memory_fn)ntdll_proc(
        ntdll, "NtQueryVirtualMemory");
    a->query_volume_information_file = (hl_nt_query_file_fn)ntdll_proc(
        ntdll, "NtQueryVolumeInformationFile");
    a->query_information_file =
        (hl_nt_query_file_fn)ntdll_proc(ntdll, "NtQueryInformationFile");
    a->module32_first = Module32FirstW;
    a->module32_next = Module32NextW;
    a->read_process_memory = ReadProcessMemory;
    a->create_thread = CreateThread;
    a->create_process = CreateProcessW;
    a->resume_thread = ResumeThread;
    a->terminate_process = TerminateProcess;
    a->wait_for_debug_event = WaitForDebugEvent;
    a->continue_debug_event = ContinueDebugEvent;
    a->create_job_object = CreateJobObjectW;
    a->set_information_job_object = SetInformationJobObject;
    a->assign_process_to_job_object = AssignProcessToJobObject;
    a->process_id_to_session_id = ProcessIdToSessionId;
    a->find_first_volume = FindFirstVolumeW;
    a->find_next_volume = FindNextVolumeW;
    a->find_volume_close = FindVolumeClose;
    a->get_volume_path_names = GetVolumePathNamesForVolumeNameW;
    /* no link-time user32: a console tool should not need it loaded */
    user32 = LoadLibraryW(L"user32.dll");
    if (user32 != NULL)
        a->get_gui_resources = (DWORD(WINAPI *)(HANDLE, DWORD))ntdll_proc(
            user32, "GetGuiResources");
    default_ok = a->query_system_information != NULL &&
                 a->query_information_process != NULL &&
                 a->query_object != NULL && a->rtl_get_version != NULL;
    return TRUE;
}

const struct hl_nt_api *hl__nt_default(void)
{
    InitOnceExecuteOnce(&default_once, resolve_default, NULL, NULL);
    return default_ok ? &default_api : NULL;
}

void hl__nt_set(const struct hl_nt_api *api)
{
    hl__nt = api != NULL ? api : hl__nt_default();
}

/* Reads only: hl_collect() may run on several threads at once, and only
 * tests set the table (hl__nt_set()), before they collect. */
const struct hl_nt_api *hl__nt_get(void)
{
    const struct hl_nt_api *api = hl__nt;

    return api != NULL ? api : hl__nt_default();
}

int hl__from_ntstatus(NTSTATUS st)
{
    switch (st) {
    case STATUS_SUCCESS:
        return 0;
    case STATUS_ACCESS_DENIED:
        return HL_EACCES;
    case STATUS_NO_MEMORY:
    case STATUS_INSUFFICIENT_RESOURCES:
        return HL_ENOMEM;
    case STATUS_PROCESS_IS_TERMINATING:
        return HL_EEXITED;
    default:
        return HL_EQUERY;
    }
}

int hl__from_win32(DWORD err)
{
    switch (err) {
    case ERROR_SUCCESS:
        return 0;
    /* OpenProcess and friends report a PID that names no process this
     * way, not with a "not found" code. */
    case ERROR_INVALID_PARAMETER:
        return HL_ENOPROC;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        return HL_EACCES;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return HL_ENOMEM;
    default:
        return HL_EQUERY;
    }
}

void hl__diag_nt(struct hl_diag *diag, const char *call,
                 NTSTATUS st)
{
    if (diag == NULL)
        return;
    diag->call = call;
    diag->status = (uint32_t)st;
    diag->is_ntstatus = 1;
}

void hl__diag_win32(struct hl_diag *diag, const char *call,
                    DWORD err)
{
    if (diag == NULL)
        return;
    diag->call = call;
    diag->status = err;
    diag->is_ntstatus = 0;
}

/* The core's decoder rather than WideCharToMultiByte: names then decode
 * alike in a snapshot and in a dump read on any OS (both with the policy
 * of textdec.c), and a NUL inside an NT name shows instead of cutting it.
 * No code page is involved: UTF-16 to UTF-8 is fixed. WCHAR is UTF-16LE
 * on every Windows architecture. */
int hl__utf8_from_utf16(const WCHAR *w, size_t len, char **out)
{
    size_t size;
    char *s;

    if (len > SIZE_MAX / sizeof(WCHAR) ||
        (size = hl__utf16_utf8_size(len * sizeof(WCHAR))) == 0)
        return HL_ETOOBIG;
    s = hl__malloc(size);
    if (s == NULL)
        return HL_ENOMEM;
    hl__utf16_to_utf8(s, (const unsigned char *)w, len * sizeof(WCHAR), 0,
                      NULL);
    *out = s;
    return 0;
}
