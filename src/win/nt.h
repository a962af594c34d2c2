#ifndef HLEAK_WIN_NT_H
#define HLEAK_WIN_NT_H

/*
 * Every NT native declaration hleak uses, and nothing else. Tags: SDK =
 * documented by Microsoft (winternl.h, learn.microsoft.com); rev = reverse
 * engineered, as described by phnt, Geoff Chappell and Wine. The structures
 * carry hl_ names so they never clash with whatever a toolchain's headers
 * declare; sizes and offsets are checked below for x64 and x86.
 */

#include <stddef.h>

#include <windows.h>

/* C11 allows repeating an identical typedef, so this is safe even when
 * another header declared NTSTATUS already. SDK */
typedef LONG NTSTATUS;

#ifndef NT_SUCCESS
#define NT_SUCCESS(st) ((NTSTATUS)(st) >= 0) /* SDK */
#endif

/* ---- status codes (ntstatus.h) ---- */

#ifndef STATUS_SUCCESS
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L) /* SDK */
#endif
#ifndef STATUS_BUFFER_OVERFLOW
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L) /* SDK */
#endif
#ifndef STATUS_NOT_IMPLEMENTED
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L) /* SDK */
#endif
#ifndef STATUS_INVALID_INFO_CLASS
#define STATUS_INVALID_INFO_CLASS ((NTSTATUS)0xC0000003L) /* SDK */
#endif
#ifndef STATUS_INFO_LENGTH_MISMATCH
#define STATUS_INFO_LENGTH_MISMATCH ((NTSTATUS)0xC0000004L) /* SDK */
#endif
#ifndef STATUS_INVALID_PARAMETER
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL) /* SDK */
#endif
#ifndef STATUS_NO_MEMORY
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L) /* SDK */
#endif
#ifndef STATUS_ACCESS_DENIED
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L) /* SDK */
#endif
#ifndef STATUS_BUFFER_TOO_SMALL
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L) /* SDK */
#endif
#ifndef STATUS_PROCESS_IS_TERMINATING
#define STATUS_PROCESS_IS_TERMINATING ((NTSTATUS)0xC000010AL) /* SDK */
#endif
#ifndef STATUS_INSUFFICIENT_RESOURCES
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL) /* SDK */
#endif

/* ---- information classes ---- */

/* NtQuerySystemInformation: SystemExtendedHandleInformation. rev */
#define HL_NT_SYSTEM_EXTENDED_HANDLE_INFORMATION 64u
/* NtQuerySystemInformation: SystemProcessInformation. SDK (winternl.h) */
#define HL_NT_SYSTEM_PROCESS_INFORMATION 5u
/* NtQueryInformationProcess: ProcessHandleInformation, Windows 8+. rev */
#define HL_NT_PROCESS_HANDLE_INFORMATION 51u
/* NtQueryInformationProcess: PS_PROTECTION, one byte (Windows 8.1+) */
#define HL_NT_PROCESS_PROTECTION_INFORMATION 61u
/* ProcessBasicInformation; with the extended size (and Size set), the
 * PROCESS_EXTENDED_BASIC_INFORMATION below (Vista+) */
#define HL_NT_PROCESS_BASIC_INFORMATION 0u
/* NtQueryObject classes: 0 and 2 are SDK (winternl.h), 1 is documented in
 * the WDK (ntifs.h), 3 is rev. */
#define HL_NT_OBJECT_BASIC_INFORMATION 0u
#define HL_NT_OBJECT_NAME_INFORMATION 1u
#define HL_NT_OBJECT_TYPE_INFORMATION 2u
#define HL_NT_OBJECT_TYPES_INFORMATION 3u

/* ---- object details (snapshot --details) ---- */

/* The "basic information" class of NtQueryEvent, NtQueryMutant,
 * NtQuerySemaphore, NtQueryTimer, NtQuerySection and NtQueryKey is 0 in
 * each (EventBasicInformation, ..., KeyBasicInformation: the WDK's
 * wdm.h for keys, phnt ntexapi.h / ntmmapi.h for the rest). rev, but for
 * keys */
#define HL_NT_BASIC_INFORMATION 0u
/* NtQueryMutant: MutantOwnerInformation. rev (phnt ntexapi.h) */
#define HL_NT_MUTANT_OWNER_INFORMATION 1u
/* NtQueryVolumeInformationFile: FileFsDeviceInformation. SDK (WDK
 * ntifs.h / wdm.h FS_INFORMATION_CLASS) */
#define HL_NT_FILE_FS_DEVICE_INFORMATION 4u
/* NtQueryInformationFile: FileModeInformation. SDK (WDK wdm.h
 * FILE_INFORMATION_CLASS) */
#define HL_NT_FILE_MODE_INFORMATION 16u

/* PUBLIC_OBJECT_BASIC_INFORMATION (winternl.h), which names the first
 * four fields and leaves ten ULONGs reserved; 56 bytes on both. SDK */
struct hl_nt_object_basic_info {
    ULONG Attributes;
    ACCESS_MASK GrantedAccess;
    ULONG HandleCount;
    ULONG PointerCount;
    ULONG Reserved[10];
};

/* EVENT_BASIC_INFORMATION: EventType is EVENT_TYPE (0 NotificationEvent,
 * 1 SynchronizationEvent, the WDK's wdm.h). rev */
struct hl_nt_event_basic_info {
    ULONG EventType;
    LONG EventState;
};

/* MUTANT_BASIC_INFORMATION. rev */
struct hl_nt_mutant_basic_info {
    LONG CurrentCount;
    BOOLEAN OwnedByCaller;
    BOOLEAN AbandonedState;
};

/* SEMAPHORE_BASIC_INFORMATION. rev */
struct hl_nt_semaphore_basic_info {
    LONG CurrentCount;
    LONG MaximumCount;
};

/* TIMER_BASIC_INFORMATION. rev */
struct hl_nt_timer_basic_info {
    LARGE_INTEGER RemainingTime;
    BOOLEAN TimerState;
};

/* SECTION_BASIC_INFORMATION. rev */
struct hl_nt_section_basic_info {
    void *BaseAddress;
    ULONG AllocationAttributes;
    LARGE_INTEGER MaximumSize;
};

/* KEY_BASIC_INFORMATION: the key's name (NameLength bytes) follows. SDK
 * (WDK wdm.h) */
struct hl_nt_key_basic_info {
    LARGE_INTEGER LastWriteTime;
    ULONG TitleIndex;
    ULONG NameLength;
};

/* IO_STATUS_BLOCK. SDK (winternl.h) */
struct hl_nt_io_status {
    union {
        NTSTATUS Status;
        void *Pointer;
    } u;
    ULONG_PTR Information;
};

/* FILE_FS_DEVICE_INFORMATION. SDK (WDK wdm.h) */
struct hl_nt_fs_device_info {
    ULONG DeviceType;      /* FILE_DEVICE_* */
    ULONG Characteristics; /* FILE_REMOVABLE_MEDIA, ... */
};

/* FILE_MODE_INFORMATION's Mode bits that say the file is synchronous.
 * SDK (WDK wdm.h) */
#define HL_NT_FILE_SYNCHRONOUS_IO_ALERT 0x10u
#define HL_NT_FILE_SYNCHRONOUS_IO_NONALERT 0x20u

/* ---- structures ---- */

/* UNICODE_STRING. SDK */
/* PROCESS_EXTENDED_BASIC_INFORMATION: Size, the six pointer-sized fields
 * of PROCESS_BASIC_INFORMATION, Flags (bit 0 IsProtectedProcess); 0x40
 * bytes on x64 (Flags at 0x38), 0x20 on x86 (Flags at 0x1C). */
struct hl_nt_process_extended_basic {
    SIZE_T Size;
    ULONG_PTR BasicInfo[6];
    ULONG Flags;
};

struct hl_nt_unicode_string {
    USHORT Length;        /* bytes, without a terminating NUL */
    USHORT MaximumLength; /* bytes allocated at Buffer */
    WCHAR *Buffer;
};

/* OBJECT_NAME_INFORMATION: the name's characters follow the header in the
 * same buffer. rev */
struct hl_nt_object_name_info {
    struct hl_nt_unicode_string Name;
};

/* SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX, one handle of the system-wide list
 * (class 64). rev */
struct hl_nt_handle_entry_ex {
    void *Object;            /* 0 when the kernel hides addresses */
    ULONG_PTR UniqueProcessId;
    ULONG_PTR HandleValue;
    ULONG GrantedAccess;
    USHORT CreatorBackTraceIndex;
    USHORT ObjectTypeIndex;
    ULONG HandleAttributes;
    ULONG Reserved;
};

/* SYSTEM_HANDLE_INFORMATION_EX: the header of class 64. rev */
struct hl_nt_handle_info_ex {
    ULONG_PTR NumberOfHandles;
    ULONG_PTR Reserved;
    /* struct hl_nt_handle_entry_ex Handles[] follows */
};

/* The leading part of SYSTEM_PROCESS_INFORMATION (class 5), all hleak
 * reads of it: each entry is followed by its threads and is
 * NextEntryOffset bytes long (0 on the last). winternl.h documents
 * NextEntryOffset, UniqueProcessId and HandleCount (its Reserved1[52]
 * and Reserved2[3] cover the rest up to the pid); the other names and
 * offsets are rev (phnt ntexapi.h). */
struct hl_nt_process_info {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    LARGE_INTEGER WorkingSetPrivateSize;
    ULONG HardFaultCount;
    ULONG NumberOfThreadsHighWatermark;
    ULONGLONG CycleTime;
    LARGE_INTEGER CreateTime; /* 100 ns since 1601 UTC */
    LARGE_INTEGER UserTime;
    LARGE_INTEGER KernelTime;
    struct hl_nt_unicode_string ImageName; /* file name only */
    LONG BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
    ULONG HandleCount;
    ULONG SessionId;
};

/* PROCESS_HANDLE_TABLE_ENTRY_INFO, one handle of one process (class 51).
 * rev */
struct hl_nt_process_handle_entry {
    HANDLE HandleValue;
    SIZE_T HandleCount;
    SIZE_T PointerCount;
    ULONG GrantedAccess;
    ULONG ObjectTypeIndex;
    ULONG HandleAttributes;
    ULONG Reserved;
};

/* PROCESS_HANDLE_SNAPSHOT_INFORMATION: the header of class 51. rev */
struct hl_nt_process_handle_snapshot {
    ULONG_PTR NumberOfHandles;
    ULONG_PTR Reserved;
    /* struct hl_nt_process_handle_entry Handles[] follows */
};

/* OBJECT_TYPE_INFORMATION (ObjectTypeInformation, and each entry of
 * ObjectTypesInformation, where the name follows the entry). SDK for the
 * first fields (PUBLIC_OBJECT_TYPE_INFORMATION), rev for the rest. */
struct hl_nt_object_type_info {
    struct hl_nt_unicode_string TypeName;
    ULONG TotalNumberOfObjects;
    ULONG TotalNumberOfHandles;
    ULONG TotalPagedPoolUsage;
    ULONG TotalNonPagedPoolUsage;
    ULONG TotalNamePoolUsage;
    ULONG TotalHandleTableUsage;
    ULONG HighWaterNumberOfObjects;
    ULONG HighWaterNumberOfHandles;
    ULONG HighWaterPagedPoolUsage;
    ULONG HighWaterNonPagedPoolUsage;
    ULONG HighWaterNamePoolUsage;
    ULONG HighWaterHandleTableUsage;
    ULONG InvalidAttributes;
    GENERIC_MAPPING GenericMapping;
    ULONG ValidAccessMask;
    BOOLEAN SecurityRequired;
    BOOLEAN MaintainHandleCount;
    UCHAR TypeIndex;         /* filled since Windows 8.1 */
    CHAR ReservedByte;
    ULONG PoolType;
    ULONG DefaultPagedPoolCharge;
    ULONG DefaultNonPagedPoolCharge;
};

/* OBJECT_TYPES_INFORMATION: the count; the first entry starts at the next
 * pointer-aligned offset. rev */
struct hl_nt_object_types_info {
    ULONG NumberOfTypes;
};

/* Where the first type entry of ObjectTypesInformation starts. */
#define HL_NT_TYPES_FIRST_OFFSET                                             \
    ((sizeof(ULONG) + sizeof(void *) - 1) & ~(sizeof(void *) - 1))

/* ---- handle tracing (NtQuery/SetInformationProcess class 32) ---- */

#ifndef STATUS_INVALID_HANDLE
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L) /* SDK */
#endif

/* ProcessHandleTracing. rev */
#define HL_NT_PROCESS_HANDLE_TRACING 32u
/* HANDLE_TRACE_DB_OPEN, _CLOSE, _BADREF. rev */
#define HL_NT_HANDLE_TRACE_OPEN 1u
#define HL_NT_HANDLE_TRACE_CLOSE 2u
#define HL_NT_HANDLE_TRACE_BADREF 3u
/* PROCESS_HANDLE_TRACING_MAX_STACKS. rev */
#define HL_NT_HANDLE_TRACE_STACKS 16

/* CLIENT_ID. SDK (winternl.h names it for NtCreateThreadEx callers) */
struct hl_nt_client_id {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
};

/* PROCESS_HANDLE_TRACING_ENABLE_EX: set with length 8 to enable with a
 * slot count (the 4-byte PROCESS_HANDLE_TRACING_ENABLE is Flags alone);
 * length 0 disables. rev */
struct hl_nt_handle_tracing_enable_ex {
    ULONG Flags;      /* must be 0 */
    ULONG TotalSlots; /* rounded to a power of two, 0x80..0x20000 */
};

/* PROCESS_HANDLE_TRACING_ENTRY. rev */
struct hl_nt_handle_tracing_entry {
    HANDLE Handle;
    struct hl_nt_client_id ClientId;
    ULONG Type; /* HL_NT_HANDLE_TRACE_* */
    void *Stacks[HL_NT_HANDLE_TRACE_STACKS];
};

/* PROCESS_HANDLE_TRACING_QUERY: Handle in (0 = every handle), the
 * records out, newest first. rev */
struct hl_nt_handle_tracing_query {
    HANDLE Handle;
    ULONG TotalTraces; /* every matching record, written or not */
    /* struct hl_nt_handle_tracing_entry HandleTrace[] follows */
};

/* ---- functions (resolved from ntdll at run time) ---- */

typedef NTSTATUS(NTAPI *hl_nt_query_system_information_fn)(
    ULONG info_class, void *buf, ULONG len, ULONG *ret_len); /* SDK */
typedef NTSTATUS(NTAPI *hl_nt_query_information_process_fn)(
    HANDLE process, ULONG info_class, void *buf, ULONG len,
    ULONG *ret_len); /* SDK */
typedef NTSTATUS(NTAPI *hl_nt_query_object_fn)(
    HANDLE handle, ULONG info_class, void *buf, ULONG len,
    ULONG *ret_len); /* SDK */
typedef NTSTATUS(NTAPI *hl_rtl_get_version_fn)(
    OSVERSIONINFOW *info); /* SDK (RTL_OSVERSIONINFOW) */
typedef NTSTATUS(NTAPI *hl_nt_set_information_process_fn)(
    HANDLE process, ULONG info_class, void *buf, ULONG len); /* rev */
/* NtQueryEvent, NtQueryMutant, NtQuerySemaphore, NtQueryTimer share this
 * shape (rev), and so does NtQueryKey (SDK: WDK wdm.h ZwQueryKey) */
typedef NTSTATUS(NTAPI *hl_nt_query_state_fn)(HANDLE h, ULONG info_class,
                                              void *buf, ULONG len,
                                              ULONG *ret_len);
/* NtQuerySection takes and returns its lengths as SIZE_T. rev */
typedef NTSTATUS(NTAPI *hl_nt_query_section_fn)(HANDLE h, ULONG info_class,
                                                void *buf, SIZE_T len,
                                                SIZE_T *ret_len);
/* NtMapViewOfSection (SDK: WDK wdm.h ZwMapViewOfSection; the inherit
 * disposition is a SECTION_INHERIT, ViewUnmap 2) and NtUnmapViewOfSection
 * (SDK: WDK ntifs.h). */
typedef NTSTATUS(NTAPI *hl_nt_map_view_of_section_fn)(
    HANDLE section, HANDLE process, void **base, ULONG_PTR zero_bits,
    SIZE_T commit_size, LARGE_INTEGER *offset, SIZE_T *view_size,
    ULONG inherit, ULONG allocation_type, ULONG win32_protect);
typedef NTSTATUS(NTAPI *hl_nt_unmap_view_of_section_fn)(HANDLE process,
                                                        void *base);
/* NtQueryVirtualMemory (SDK: WDK ntifs.h ZwQueryVirtualMemory). */
typedef NTSTATUS(NTAPI *hl_nt_query_virtual_memory_fn)(
    HANDLE process, void *base, ULONG info_class, void *buf, SIZE_T len,
    SIZE_T *ret_len);
#define HL_NT_VIEW_UNMAP 2u
/* MEMORY_INFORMATION_CLASS MemoryMappedFilenameInformation (WDK ntifs.h):
 * a UNICODE_STRING followed by its buffer, the file's NT path */
#define HL_NT_MEMORY_MAPPED_FILENAME_INFORMATION 2u
#define HL_NT_SEC_FILE 0x800000u
#define HL_NT_SEC_IMAGE 0x1000000u
#define HL_NT_SECTION_MAP_READ 0x0004u
#define HL_NT_CURRENT_PROCESS ((HANDLE)(LONG_PTR)-1)

/* NtQueryVolumeInformationFile and NtQueryInformationFile. SDK (WDK
 * ntifs.h; winternl.h declares the second) */
typedef NTSTATUS(NTAPI *hl_nt_query_file_fn)(HANDLE h,
                                             struct hl_nt_io_status *iosb,
                                             void *buf, ULONG len,
                                             ULONG info_class);

/* ---- layout checks (offsets of phnt @7e09744 ntexapi.h, ntpsapi.h and
 * ntobapi.h, and Geoff Chappell's sysinfo/handle_table_entry_ex.htm and
 * ob/obquery/type.htm) ---- */

#if defined(_WIN64)
_Static_assert(offsetof(struct hl_nt_process_info, CreateTime) == 0x20,
               "process info CreateTime");
_Static_assert(offsetof(struct hl_nt_process_info, ImageName) == 0x38,
               "process info ImageName");
_Static_assert(offsetof(struct hl_nt_process_info, UniqueProcessId) == 0x50,
               "process info UniqueProcessId");
_Static_assert(offsetof(struct hl_nt_process_info, HandleCount) == 0x60,
               "process info HandleCount");
_Static_assert(sizeof(struct hl_nt_handle_entry_ex) == 0x28, "entry ex");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, HandleValue) == 0x10,
               "entry ex HandleValue");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, GrantedAccess) == 0x18,
               "entry ex GrantedAccess");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, ObjectTypeIndex) ==
                   0x1E, "entry ex ObjectTypeIndex");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, HandleAttributes) ==
                   0x20, "entry ex HandleAttributes");
_Static_assert(sizeof(struct hl_nt_handle_info_ex) == 0x10, "info ex");
_Static_assert(sizeof(struct hl_nt_process_handle_entry) == 0x28,
               "process entry");
_Static_assert(offsetof(struct hl_nt_process_handle_entry, GrantedAccess) ==
                   0x18, "process entry GrantedAccess");
_Static_assert(offsetof(struct hl_nt_process_handle_entry,
                        ObjectTypeIndex) == 0x1C, "process entry type");
_Static_assert(offsetof(struct hl_nt_process_handle_entry,
                        HandleAttributes) == 0x20, "process entry attrs");
_Static_assert(sizeof(struct hl_nt_process_handle_snapshot) == 0x10,
               "process snapshot");
_Static_assert(sizeof(struct hl_nt_object_type_info) == 0x68, "type info");
_Static_assert(offsetof(struct hl_nt_object_type_info, InvalidAttributes) ==
                   0x40, "type info InvalidAttributes");
_Static_assert(offsetof(struct hl_nt_object_type_info, TypeIndex) == 0x5A,
               "type info TypeIndex");
_Static_assert(offsetof(struct hl_nt_object_type_info, PoolType) == 0x5C,
               "type info PoolType");
_Static_assert(HL_NT_TYPES_FIRST_OFFSET == 8, "types first");
_Static_assert(sizeof(struct hl_nt_handle_tracing_entry) == 0xA0,
               "trace entry");
_Static_assert(offsetof(struct hl_nt_handle_tracing_entry, ClientId) ==
                   0x08, "trace entry ClientId");
_Static_assert(offsetof(struct hl_nt_handle_tracing_entry, Type) == 0x18,
               "trace entry Type");
_Static_assert(offsetof(struct hl_nt_handle_tracing_entry, Stacks) == 0x20,
               "trace entry Stacks");
_Static_assert(sizeof(struct hl_nt_handle_tracing_query) == 0x10,
               "trace query");
_Static_assert(offsetof(struct hl_nt_handle_tracing_query, TotalTraces) ==
                   0x08, "trace query TotalTraces");
_Static_assert(sizeof(struct hl_nt_handle_tracing_enable_ex) == 8,
               "trace enable ex");
_Static_assert(sizeof(struct hl_nt_section_basic_info) == 24,
               "section basic");
_Static_assert(offsetof(struct hl_nt_section_basic_info, MaximumSize) == 16,
               "section basic MaximumSize");
_Static_assert(sizeof(struct hl_nt_io_status) == 16, "io status");
#else
_Static_assert(offsetof(struct hl_nt_process_info, CreateTime) == 0x20,
               "process info CreateTime");
_Static_assert(offsetof(struct hl_nt_process_info, ImageName) == 0x38,
               "process info ImageName");
_Static_assert(offsetof(struct hl_nt_process_info, UniqueProcessId) == 0x44,
               "process info UniqueProcessId");
_Static_assert(offsetof(struct hl_nt_process_info, HandleCount) == 0x4C,
               "process info HandleCount");
_Static_assert(sizeof(struct hl_nt_handle_entry_ex) == 0x1C, "entry ex");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, HandleValue) == 0x08,
               "entry ex HandleValue");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, GrantedAccess) == 0x0C,
               "entry ex GrantedAccess");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, ObjectTypeIndex) ==
                   0x12, "entry ex ObjectTypeIndex");
_Static_assert(offsetof(struct hl_nt_handle_entry_ex, HandleAttributes) ==
                   0x14, "entry ex HandleAttributes");
_Static_assert(sizeof(struct hl_nt_handle_info_ex) == 0x08, "info ex");
_Static_assert(sizeof(struct hl_nt_process_handle_entry) == 0x1C,
               "process entry");
_Static_assert(offsetof(struct hl_nt_process_handle_entry, GrantedAccess) ==
                   0x0C, "process entry GrantedAccess");
_Static_assert(offsetof(struct hl_nt_process_handle_entry,
                        ObjectTypeIndex) == 0x10, "process entry type");
_Static_assert(offsetof(struct hl_nt_process_handle_entry,
                        HandleAttributes) == 0x14, "process entry attrs");
_Static_assert(sizeof(struct hl_nt_process_handle_snapshot) == 0x08,
               "process snapshot");
_Static_assert(sizeof(struct hl_nt_object_type_info) == 0x60, "type info");
_Static_assert(offsetof(struct hl_nt_object_type_info, InvalidAttributes) ==
                   0x38, "type info InvalidAttributes");
_Static_assert(offsetof(struct hl_nt_object_type_info, TypeIndex) == 0x52,
               "type info TypeIndex");
_Static_assert(offsetof(struct hl_nt_object_type_info, PoolType) == 0x54,
               "type info PoolType");
_Static_assert(HL_NT_TYPES_FIRST_OFFSET == 4, "types first");
_Static_assert(sizeof(struct hl_nt_handle_tracing_entry) == 0x50,
               "trace entry");
_Static_assert(offsetof(struct hl_nt_handle_tracing_entry, ClientId) ==
                   0x04, "trace entry ClientId");
_Static_assert(offsetof(struct hl_nt_handle_tracing_entry, Type) == 0x0C,
               "trace entry Type");
_Static_assert(offsetof(struct hl_nt_handle_tracing_entry, Stacks) == 0x10,
               "trace entry Stacks");
_Static_assert(sizeof(struct hl_nt_handle_tracing_query) == 0x08,
               "trace query");
_Static_assert(offsetof(struct hl_nt_handle_tracing_query, TotalTraces) ==
                   0x04, "trace query TotalTraces");
_Static_assert(sizeof(struct hl_nt_handle_tracing_enable_ex) == 8,
               "trace enable ex");
_Static_assert(sizeof(struct hl_nt_section_basic_info) == 16,
               "section basic");
_Static_assert(offsetof(struct hl_nt_section_basic_info, MaximumSize) == 8,
               "section basic MaximumSize");
_Static_assert(sizeof(struct hl_nt_io_status) == 8, "io status");
#endif

/* the same on both */
_Static_assert(sizeof(struct hl_nt_object_basic_info) == 56, "object basic");
_Static_assert(offsetof(struct hl_nt_object_basic_info, HandleCount) == 8,
               "object basic HandleCount");
_Static_assert(sizeof(struct hl_nt_event_basic_info) == 8, "event basic");
_Static_assert(sizeof(struct hl_nt_mutant_basic_info) == 8, "mutant basic");
_Static_assert(offsetof(struct hl_nt_mutant_basic_info, AbandonedState) == 5,
               "mutant basic AbandonedState");
_Static_assert(sizeof(struct hl_nt_semaphore_basic_info) == 8,
               "semaphore basic");
_Static_assert(sizeof(struct hl_nt_timer_basic_info) == 16, "timer basic");
_Static_assert(offsetof(struct hl_nt_timer_basic_info, TimerState) == 8,
               "timer basic TimerState");
_Static_assert(sizeof(struct hl_nt_key_basic_info) == 16, "key basic");
_Static_assert(sizeof(struct hl_nt_fs_device_info) == 8, "fs device");

#endif
