#ifndef HLEAK_WIN_WIN_INT_H
#define HLEAK_WIN_WIN_INT_H

/* Internals of the Windows collector (src/win). */

#include <stddef.h>
#include <stdint.h>

#include "nt.h"

#include <tlhelp32.h>

#include "hleak/collect.h"
#include "hleak/snapshot.h"
#include "snapshot-int.h"

/*
 * Every OS call the collector makes about the target, so tests can swap in
 * fakes (copy hl__nt_default(), override fields, hl__nt_set()). The name
 * worker's event calls are not here: they are machinery, not observations
 * of the target. Its thread creation is, because how a new thread starts
 * (DLL_THREAD_ATTACH under the loader lock, for as long as the host's
 * DLLs take) is a fact of the host that tests must be able to slow down.
 */
struct hl_nt_api {
    hl_nt_query_system_information_fn query_system_information;
    hl_nt_query_information_process_fn query_information_process;
    hl_nt_query_object_fn query_object;
    hl_rtl_get_version_fn rtl_get_version;
    HANDLE(WINAPI *open_process)(DWORD access, BOOL inherit, DWORD pid);
    BOOL(WINAPI *duplicate_handle)(HANDLE src_proc, HANDLE src,
                                   HANDLE dst_proc, HANDLE *dst,
                                   DWORD access, BOOL inherit, DWORD opts);
    BOOL(WINAPI *close_handle)(HANDLE h);
    DWORD(WINAPI *wait_for_single_object)(HANDLE h, DWORD ms);
    BOOL(WINAPI *query_full_process_image_name)(HANDLE proc, DWORD flags,
                                                WCHAR *buf, DWORD *len);
    BOOL(WINAPI *get_process_times)(HANDLE proc, FILETIME *created,
                                    FILETIME *exited, FILETIME *kernel,
                                    FILETIME *user);
    BOOL(WINAPI *is_wow64_process)(HANDLE proc, BOOL *wow64);
    DWORD(WINAPI *get_process_id)(HANDLE proc);
    DWORD(WINAPI *get_thread_id)(HANDLE thread);
    DWORD(WINAPI *get_process_id_of_thread)(HANDLE thread);
    BOOL(WINAPI *open_process_token)(HANDLE proc, DWORD access,
                                     HANDLE *token);
    BOOL(WINAPI *get_token_information)(HANDLE token,
                                        TOKEN_INFORMATION_CLASS cls,
                                        void *buf, DWORD len, DWORD *ret);
    BOOL(WINAPI *lookup_account_sid)(const WCHAR *system, PSID sid,
                                     WCHAR *name, DWORD *name_len,
                                     WCHAR *domain, DWORD *domain_len,
                                     SID_NAME_USE *use);
    BOOL(WINAPI *convert_sid_to_string_sid)(PSID sid, WCHAR **out);
    BOOL(WINAPI *lookup_privilege_value)(const WCHAR *system,
                                         const WCHAR *name, LUID *luid);
    BOOL(WINAPI *adjust_token_privileges)(HANDLE token, BOOL disable_all,
                                          TOKEN_PRIVILEGES *state, DWORD len,
                                          TOKEN_PRIVILEGES *prev,
                                          DWORD *ret);
    DWORD(WINAPI *query_dos_device)(const WCHAR *device, WCHAR *buf,
                                    DWORD len);
    BOOL(WINAPI *get_computer_name)(WCHAR *buf, DWORD *len);
    HANDLE(WINAPI *create_toolhelp32_snapshot)(DWORD flags, DWORD pid);
    BOOL(WINAPI *process32_first)(HANDLE snap, PROCESSENTRY32W *pe);
    BOOL(WINAPI *process32_next)(HANDLE snap, PROCESSENTRY32W *pe);
    /* what became of a Process or Thread handle's target
     * (target-exit-win.c) */
    BOOL(WINAPI *get_exit_code_process)(HANDLE proc, DWORD *code);
    BOOL(WINAPI *get_exit_code_thread)(HANDLE thread, DWORD *code);
    BOOL(WINAPI *get_thread_times)(HANDLE thread, FILETIME *created,
                                   FILETIME *exited, FILETIME *kernel,
                                   FILETIME *user);
    /* user32, loaded at run time; NULL when it is missing (gui-win.c) */
    DWORD(WINAPI *get_gui_resources)(HANDLE proc, DWORD flags);
    /* handle tracing and the target's modules (trace-win.c); NULL when
     * ntdll lacks NtSetInformationProcess */
    hl_nt_set_information_process_fn set_information_process;
    BOOL(WINAPI *module32_first)(HANDLE snap, MODULEENTRY32W *me);
    BOOL(WINAPI *module32_next)(HANDLE snap, MODULEENTRY32W *me);
    BOOL(WINAPI *read_process_memory)(HANDLE proc, const void *addr,
                                      void *buf, SIZE_T len, SIZE_T *got);
    /* the sessions of the target and of hleak (gui-win.c) */
    BOOL(WINAPI *process_id_to_session_id)(DWORD pid, DWORD *session);
    /* volumes and where they are mounted (procinfo.c, the device map) */
    HANDLE(WINAPI *find_first_volume)(WCHAR *name, DWORD len);
    BOOL(WINAPI *find_next_volume)(HANDLE find, WCHAR *name, DWORD len);
    BOOL(WINAPI *find_volume_close)(HANDLE find);
    BOOL(WINAPI *get_volume_path_names)(const WCHAR *volume, WCHAR *paths,
                                        DWORD len, DWORD *got);
    /* object details (details-win.c; File ones on the File-name
     * worker, objname.c); NULL when ntdll lacks one */
    hl_nt_query_state_fn query_event;
    hl_nt_query_state_fn query_mutant;
    hl_nt_query_state_fn query_semaphore;
    hl_nt_query_state_fn query_timer;
    hl_nt_query_state_fn query_key;
    hl_nt_query_section_fn query_section;
    /* the mapped file name of a Section (details-win.c) */
    hl_nt_map_view_of_section_fn map_view_of_section;
    hl_nt_unmap_view_of_section_fn unmap_view_of_section;
    hl_nt_query_virtual_memory_fn query_virtual_memory;
    hl_nt_query_file_fn query_volume_information_file;
    hl_nt_query_file_fn query_information_file;
    /* the File-name worker's thread (objname.c) */
    HANDLE(WINAPI *create_thread)(SECURITY_ATTRIBUTES *sa, SIZE_T stack,
                                  LPTHREAD_START_ROUTINE fn, void *arg,
                                  DWORD flags, DWORD *tid);
    /* `hleak run` (launch-win.c): the program started, in its job, and
     * the debug loop, so tests can play a debuggee's events */
    BOOL(WINAPI *create_process)(const WCHAR *app, WCHAR *cmd,
                                 SECURITY_ATTRIBUTES *pa,
                                 SECURITY_ATTRIBUTES *ta, BOOL inherit,
                                 DWORD flags, void *env, const WCHAR *dir,
                                 STARTUPINFOW *si, PROCESS_INFORMATION *pi);
    DWORD(WINAPI *resume_thread)(HANDLE thread);
    BOOL(WINAPI *terminate_process)(HANDLE proc, UINT code);
    BOOL(WINAPI *wait_for_debug_event)(DEBUG_EVENT *ev, DWORD ms);
    BOOL(WINAPI *continue_debug_event)(DWORD pid, DWORD tid, DWORD status);
    HANDLE(WINAPI *create_job_object)(SECURITY_ATTRIBUTES *sa,
                                      const WCHAR *name);
    BOOL(WINAPI *set_information_job_object)(HANDLE job,
                                             JOBOBJECTINFOCLASS cls,
                                             void *info, DWORD len);
    BOOL(WINAPI *assign_process_to_job_object)(HANDLE job, HANDLE proc);
};

/* ---- ntapi-win.c ---- */

/* The real table, resolved once; NULL if ntdll lacks a needed function. */
const struct hl_nt_api *hl__nt_default(void);

/* The table in use: set by hl__nt_set(), else the default (may be NULL
 * when even the default could not be resolved). */
extern const struct hl_nt_api *hl__nt;

/* Replaces the table (tests); NULL restores the default. */
void hl__nt_set(const struct hl_nt_api *api);

/* The table in use, resolving the default on first use; NULL if none. */
const struct hl_nt_api *hl__nt_get(void);

/* OS status codes to HL_E*: the only place they are translated. */
int hl__from_ntstatus(NTSTATUS st);
int hl__from_win32(DWORD err);

/* Records a failing call in diag (may be NULL). */
void hl__diag_nt(struct hl_diag *diag, const char *call,
                 NTSTATUS st);
void hl__diag_win32(struct hl_diag *diag, const char *call,
                    DWORD err);

/*
 * UTF-16 (len characters, NUL not needed) to a new NUL-terminated UTF-8
 * string freed with hl__free(), by hl__utf16_to_utf8(): unpaired
 * surrogates and NULs become U+FFFD. Returns 0, HL_ENOMEM or HL_ETOOBIG.
 */
int hl__utf8_from_utf16(const WCHAR *w, size_t len, char **out);

/* A FILETIME as the 64-bit count the snapshot format keeps (100 ns
 * since 1601 UTC), the form of every time in hleak. */
static inline uint64_t hl__filetime_u64(const FILETIME *ft)
{
    return ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

/* ---- process-win.c: the target process ---- */

/*
 * Opens process pid with the first rights of tries[0..ntries) it grants,
 * going on to the next only when refused (ERROR_ACCESS_DENIED); *which
 * (may be NULL) says which was granted. A failure is recorded in diag as
 * "OpenProcess". Returns 0, HL_ENOPROC (no such process, or a pid past 32
 * bits), HL_EACCES or another hl__from_win32() code.
 */
int hl__open_process(const struct hl_nt_api *api, uint64_t pid,
                     const DWORD *tries, size_t ntries, HANDLE *out,
                     size_t *which, struct hl_diag *diag);

/* Duplicates handle value of proc into this process with the given
 * access (0: the same); NULL when refused (GetLastError() says why). */
HANDLE hl__dup_from(const struct hl_nt_api *api, HANDLE proc,
                    uint64_t value, DWORD access);

/* A job that ends every process in it when its last handle closes
 * (whatever ends hleak), so a child hleak started never outlives it;
 * NULL when the system refuses one (GetLastError() says why). */
HANDLE hl__job_kill_on_close(const struct hl_nt_api *api);

/* ---- objname.c: NtQueryObject(ObjectNameInformation) ---- */

/* A worker thread that runs name queries with a time bound. */
struct hl__namer;

/* The most File duplicates one request to a worker carries. */
#define HL__NAMER_BATCH 32

/* How long a new worker may take to signal "started" from its own body
 * (milliseconds; tests lower it). */
extern unsigned hl__namer_start_ms;

/* Creates a worker and waits (hl__namer_start_ms) until it runs its body.
 * Returns 0, HL_ENOMEM, HL_EQUERY, or HL_ETIMEDOUT when it did not start
 * in time (it is then orphaned, never terminated). */
int hl__namer_new(const struct hl_nt_api *api, struct hl__namer **out);

/* Stops and frees a worker; one slow to leave is orphaned. */
void hl__namer_free(struct hl__namer *nm);

/* Terminates a worker stuck in a query. Returns 1 when it is gone (and
 * freed), 0 when it had to be abandoned with everything it uses, the
 * duplicate it was asking included. */
int hl__namer_kill(struct hl__namer *nm);

/*
 * Batches: hands dups[0..count) (count <= HL__NAMER_BATCH) to the worker,
 * made when *nmp is NULL (returns 0, HL_ENOMEM, HL_EQUERY, HL_ETIMEDOUT or
 * HL_EINVAL).
 * hl__namer_wait() then returns how many were answered: all of them, or
 * fewer when the next one made no progress for timeout_ms, or when the
 * whole wait passed total_ms (it is stuck, or out of time: read the
 * answers, then hl__namer_kill()). hl__namer_result() gives
 * answer i as hl__query_name() would, pointing into the worker's buffer
 * until its next request; it returns 1 when the name did not fit the
 * batch's buffer and must be asked alone with hl__query_name().
 */
int hl__namer_start(const struct hl_nt_api *api, struct hl__namer **nmp,
                    const HANDLE *dups, size_t count);
/* hl__namer_start() that also asks each item's File details
 * (hl__file_ask()) after its name, read with hl__namer_file_details()
 * for the items answered. */
int hl__namer_start_details(const struct hl_nt_api *api,
                            struct hl__namer **nmp, const HANDLE *dups,
                            size_t count, int details);
void hl__namer_file_details(const struct hl__namer *nm, size_t i,
                            struct hl_details *out);
size_t hl__namer_wait(struct hl__namer *nm, unsigned timeout_ms,
                      unsigned total_ms);
int hl__namer_result(const struct hl__namer *nm, size_t i,
                     const WCHAR **name, size_t *len, uint32_t *name_err);

/* A query buffer kept from one handle to the next. */
struct hl__qbuf {
    void *p;
    ULONG cap;
};

void hl__qbuf_free(struct hl__qbuf *qb);

/*
 * The NT name of dup as UTF-16: *name and *len (characters, no NUL; *name
 * may be NULL when *len is 0) point into qb's buffer, or the worker's, and
 * stay valid until the next query through either. Or a name error in
 * *name_err. Without nm the query runs here, into qb; with nm (File
 * handles) it runs on the worker and may time out after timeout_ms; then
 * *dup_abandoned is set when the worker could not be stopped and dup must
 * stay open. Returns 0 or HL_ENOMEM; query failures are name errors, not
 * return codes.
 */
int hl__query_name(const struct hl_nt_api *api, struct hl__namer **nm,
                   struct hl__qbuf *qb, HANDLE dup, unsigned timeout_ms,
                   const WCHAR **name, size_t *len, uint32_t *name_err,
                   int *dup_abandoned);

/* The type name of dup from ObjectTypeInformation (new string) or NULL. */
int hl__query_type_name(const struct hl_nt_api *api, HANDLE dup,
                        char **out);

/* ---- target-exit-win.c: the targets of Process and Thread handles ---- */

/*
 * What became of the process (is_thread 0) or thread behind dup, a
 * duplicate of handle value of proc: alive, exited (with exit code and
 * time when readable) or unknown. Asked again on a duplicate with just the
 * query and wait rights when dup's own rights do not tell. Never fails:
 * what cannot be read is HL_TARGET_UNKNOWN.
 */
void hl__target_of(const struct hl_nt_api *api, HANDLE proc, uint64_t value,
                   int is_thread, HANDLE dup, struct hl_target *out);

/* ---- gui-win.c: GDI and USER object counts ---- */

/*
 * The GUI object counts of proc (process id pid) into *out (flags
 * HL_GUI_ASKED alone when the system does not report them: GetGuiResources
 * missing or failing, or reading 0 for this process right after it made a
 * GDI and a USER object; with HL_GUI_OTHER_SESSION when proc is in
 * another session, where GetGuiResources cannot count).
 */
void hl__gui_counts(const struct hl_nt_api *api, HANDLE proc, DWORD pid,
                    struct hl_gui *out);

/* 1 when the system counts GUI objects at all (GetGuiResources there, and
 * the probe of this process reads its own objects): asked once for many
 * processes, then given to hl__gui_counts_probed() (reports -1: probe
 * now, as hl__gui_counts() does). */
int hl__gui_reports(const struct hl_nt_api *api);
void hl__gui_counts_probed(const struct hl_nt_api *api, HANDLE proc,
                           DWORD pid, int reports, struct hl_gui *out);

/* ---- trace-win.c: handle tracing (class 32) ---- */


/* Turns tracing of proc (PROCESS_SET_INFORMATION) on or off, or tells
 * whether it is on (PROCESS_QUERY_INFORMATION); see hl_trace_set(). */
int hl__trace_set(const struct hl_nt_api *api, HANDLE proc, int on,
                  uint32_t slots, struct hl_diag *diag);
int hl__trace_status(const struct hl_nt_api *api, HANDLE proc, int *on,
                     size_t *records, struct hl_diag *diag);

/* The PROCESS_HANDLE_TRACING_QUERY of proc in a new buffer, and how many
 * of its bytes are valid; bounded in attempts and bytes. */
int hl__trace_query(const struct hl_nt_api *api, HANDLE proc,
                    unsigned char **out, size_t *out_len,
                    struct hl_diag *diag);

/* Appends the modules of process s->pid to s (best effort). */
int hl__trace_modules(const struct hl_nt_api *api, HANDLE proc,
                      struct hl_snapshot *s);

/* The collector's hook: when tracing is on, gives s's handles their open
 * stacks and s the module list. Tracing off or unsupported is no error;
 * returns 0, HL_ENOMEM or HL_ETOOBIG. */
int hl__trace_collect(const struct hl_nt_api *api, HANDLE proc,
                      struct hl_snapshot *s);

/* ---- wow64-win.c: the one bitness rule ---- */

/*
 * 0 when hleak, built with pointers of ptr_size bytes (sizeof(void *)),
 * may read live processes here; HL_EWOW64 for a 32-bit hleak running
 * under WOW64 (64-bit Windows), which must not; HL_EQUERY when
 * IsWow64Process fails. api may be NULL (the real IsWow64Process).
 */
int hl__wow64_check(const struct hl_nt_api *api, size_t ptr_size);

/* ---- collect-win.c ---- */

/* 1 (always, in hleak): File names are asked on the timed worker. The
 * benchmark sets 0 to measure what the guard costs; a blocking handle then
 * hangs the collection. */
extern int hl__file_name_guard;

/* ---- collect-win.c: type map ---- */

#define HL__TYPEMAP_SIZE 256

/* How ObjectTypesInformation numbers its types. */
enum hl__typeidx {
    HL__TYPEIDX_FIELD, /* Windows 8.1+: the TypeIndex field */
    HL__TYPEIDX_POS2,  /* Windows 7 and 8: position + 2 */
    HL__TYPEIDX_POS1   /* Vista: position + 1 */
};

/* Type index to string id + 1 in a snapshot's table; 0 = unknown. */
struct hl__typemap {
    uint32_t id[HL__TYPEMAP_SIZE];
};

/*
 * Fills tm from an ObjectTypesInformation buffer of len bytes (interning
 * the names into s). Walks no further than len, whatever NumberOfTypes
 * says. Returns 0, HL_ENOMEM or HL_ETOOBIG.
 */
int hl__typemap_parse(struct hl__typemap *tm, const void *buf, size_t len,
                      enum hl__typeidx mode, struct hl_snapshot *s);

/* ---- procinfo.c: facts about processes, threads and tokens ---- */

/* The full image path of proc as UTF-8 (new string). */
int hl__proc_image(const struct hl_nt_api *api, HANDLE proc, char **out);

/* The string SID of proc's user ("S-1-5-21-..."), new string. */
int hl__proc_user_sid(const struct hl_nt_api *api, HANDLE proc, char **out);

/* The string SID of the user of a token handle with TOKEN_QUERY, new
 * string. */
int hl__token_sid(const struct hl_nt_api *api, HANDLE token, char **out);

/* ---- details-win.c: what an object tells about itself ---- */

/* HandleCount and PointerCount of dup's object (ObjectBasicInformation),
 * the duplicate itself left out of the handle count. 0 or HL_EQUERY. */
int hl__object_counts(const struct hl_nt_api *api, HANDLE dup,
                      uint32_t *handle_count, uint32_t *pointer_count);

/*
 * The details of dup's object of that kind (not File: see
 * hl__details_file()) into *out, its kind set; a query refused or failing
 * leaves its bit clear in out->known. *text (Token: the user's SID) is a
 * new string or NULL. Returns 0 or HL_ENOMEM.
 */
int hl__details_query(const struct hl_nt_api *api, HANDLE dup,
                      uint32_t kind, struct hl_details *out, char **text);

/* A Section's file-name query (SEC_FILE or SEC_IMAGE): the view mapped
 * to ask it is one page at most. The buffer takes the longest NT path (a
 * UNICODE_STRING holds at most 65534 bytes) in one call. */
#define HL__SECTION_VIEW ((SIZE_T)4096)
#define HL__SECTION_NAME_LEN                                                \
    ((ULONG)(sizeof(struct hl_nt_unicode_string) + 65536u))

/* The view size to map a Section with those attributes and maximum size
 * for its file name (0: the whole image). */
SIZE_T hl__section_view_size(uint32_t attributes, int64_t size);

/* Maps a read-only view of view bytes of Section dup into hleak's own
 * process, asks the view's file name (MemoryMappedFilenameInformation)
 * into buf (a UNICODE_STRING and its characters), unmaps it. Only system
 * calls: it runs on the timed worker. */
NTSTATUS hl__section_file_query(const struct hl_nt_api *api, HANDLE dup,
                                SIZE_T view, void *buf, ULONG len);

/*
 * The file name of Section dup as hl__query_name() gives a name (*name,
 * *len point into the worker's buffer or qb's until the next query), asked
 * on the worker *nm (made when NULL) within timeout_ms, or here into qb
 * when nm is NULL. *timed_out and *dup_abandoned as for a File name.
 * No name (*name NULL, *len 0) when the map or the query is refused.
 * Returns 0 or HL_ENOMEM.
 */
int hl__section_name(const struct hl_nt_api *api, struct hl__namer **nm,
                     struct hl__qbuf *qb, HANDLE dup, SIZE_T view,
                     unsigned timeout_ms, const WCHAR **name, size_t *len,
                     int *timed_out, int *dup_abandoned);

/* The answers of a File's two queries, wherever they were asked (the
 * File-name worker, or here when the guard is off). */
struct hl__file_answer {
    NTSTATUS dev_status, mode_status;
    struct hl_nt_fs_device_info dev;
    ULONG mode;
};

/* Asks both on dup, on this thread: only where a File handle may block
 * (hl__file_name_guard off) or on the worker. */
void hl__file_ask(const struct hl_nt_api *api, HANDLE dup,
                  struct hl__file_answer *fa);

/* A File's details from its answers. */
void hl__details_file(const struct hl__file_answer *fa,
                      struct hl_details *out);

/* Account names by SID, for one collection (shared by its threads). */
#define HL__SID_CACHE_MAX 1024u
struct hl__sid_entry {
    void *sid;
    DWORD len;
    char *name; /* NULL: the SID has no account name */
};
struct hl__sid_cache {
    SRWLOCK lock; /* SRWLOCK_INIT, or zeroed */
    struct hl__sid_entry *e;
    size_t n, cap;
};

void hl__sid_cache_free(struct hl__sid_cache *sc);

/* "DOMAIN\user" of a token handle with TOKEN_QUERY, new string, or its
 * string SID when the SID has no account name; each SID looked up once
 * through sc (NULL: no cache). */
int hl__token_user(const struct hl_nt_api *api, struct hl__sid_cache *sc,
                   HANDLE token, char **out);

/* 1 when proc's token is elevated, 0 when not, -1 when unreadable. */
int hl__token_elevated(const struct hl_nt_api *api, HANDLE proc);

/* 1 when proc is a protected process (PP or PPL), 0 when not, -1 when
 * unknown; proc needs PROCESS_QUERY_LIMITED_INFORMATION. */
int hl__proc_protected(const struct hl_nt_api *api, HANDLE proc);

/* 1 when SeDebugPrivilege is enabled in this process's token now. */
int hl__debug_priv_enabled(const struct hl_nt_api *api);

/* "<image> (pid N)" for a process handle, new string. */
int hl__proc_label(const struct hl_nt_api *api, HANDLE proc, char **out);

/* "tid N in <image> (pid M)" for a thread handle, new string. */
int hl__thread_label(const struct hl_nt_api *api, HANDLE thread,
                     char **out);

/* Tries to enable SeDebugPrivilege; 1 when it is now enabled. */
int hl__enable_debug_priv(const struct hl_nt_api *api);

/* "Windows major.minor.build", new string; also sets major and minor. */
int hl__os_version(const struct hl_nt_api *api, char **out,
                   unsigned *major, unsigned *minor);

/* The computer name, new string. */
int hl__host_name(const struct hl_nt_api *api, char **out);

struct hl_dev_drive;

/* The "\Device\X" → "C:" map: every volume where the mount manager
 * has it mounted (a drive letter, else a folder mount point), then the
 * drive letters A..Z of hleak's logon session for other devices (network
 * drives, subst); *out freed with hl__devmap_free(). */
int hl__devmap_build(const struct hl_nt_api *api, struct hl_dev_drive **out,
                     size_t *count);

#endif
