#include "access.h"

#include <stdio.h>
#include <string.h>

#include "core-int.h"

/*
 * Every value below is the SDK's (winnt.h, winuser.h, the WDK's wdm.h and
 * ntifs.h; checked against mingw-w64's copies and phnt), but the worker
 * factory's, which only phnt names. The names are
 * the constants' in WinDbg's CamelCase, without the type's prefix:
 * EVENT_QUERY_STATE is "QueryState". File rights that share a bit with
 * the directory and pipe forms (FILE_READ_DATA and FILE_LIST_DIRECTORY
 * are both 0x1) name every form, as WinDbg does: "ReadData/ListDirectory";
 * a snapshot does not say whether a File handle is a directory or a pipe.
 */

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* DELETE .. SYNCHRONIZE: bits 16 to 20, shown first, as !handle does. */
static const struct hl__access_bit standard[] = {
    {0x00010000u, "Delete"},      {0x00020000u, "ReadControl"},
    {0x00040000u, "WriteDac"},    {0x00080000u, "WriteOwner"},
    {0x00100000u, "Synch"},
};

/* ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED, GENERIC_*: shown last. */
static const struct hl__access_bit high[] = {
    {0x01000000u, "AccessSystemSecurity"}, {0x02000000u, "MaximumAllowed"},
    {0x10000000u, "GenericAll"},           {0x20000000u, "GenericExecute"},
    {0x40000000u, "GenericWrite"},         {0x80000000u, "GenericRead"},
};

/* EVENT_, SEMAPHORE_, TIMER_ and IO_COMPLETION_ QUERY_STATE 0x1 and
 * MODIFY_STATE 0x2; MUTANT_QUERY_STATE 0x1 alone. */
static const struct hl__access_bit state[] = {
    {0x0001, "QueryState"}, {0x0002, "ModifyState"},
};

static const struct hl__access_bit file[] = {
    {0x0001, "ReadData/ListDirectory"},
    {0x0002, "WriteData/AddFile"},
    {0x0004, "AppendData/AddSubdirectory/CreatePipeInstance"},
    {0x0008, "ReadEA"},
    {0x0010, "WriteEA"},
    {0x0020, "Execute/Traverse"},
    {0x0040, "DeleteChild"},
    {0x0080, "ReadAttributes"},
    {0x0100, "WriteAttributes"},
};

static const struct hl__access_bit key[] = {
    {0x0001, "QueryValue"},   {0x0002, "SetValue"},
    {0x0004, "CreateSubKey"}, {0x0008, "EnumerateSubKeys"},
    {0x0010, "Notify"},       {0x0020, "CreateLink"},
};

static const struct hl__access_bit process[] = {
    {0x0001, "Terminate"},
    {0x0002, "CreateThread"},
    {0x0004, "SetSessionId"},
    {0x0008, "VmOperation"},
    {0x0010, "VmRead"},
    {0x0020, "VmWrite"},
    {0x0040, "DupHandle"},
    {0x0080, "CreateProcess"},
    {0x0100, "SetQuota"},
    {0x0200, "SetInformation"},
    {0x0400, "QueryInformation"},
    {0x0800, "SuspendResume"},
    {0x1000, "QueryLimitedInformation"},
    {0x2000, "SetLimitedInformation"},
};

static const struct hl__access_bit thread[] = {
    {0x0001, "Terminate"},
    {0x0002, "SuspendResume"},
    {0x0004, "Alert"},
    {0x0008, "GetContext"},
    {0x0010, "SetContext"},
    {0x0020, "SetInformation"},
    {0x0040, "QueryInformation"},
    {0x0080, "SetThreadToken"},
    {0x0100, "Impersonate"},
    {0x0200, "DirectImpersonation"},
    {0x0400, "SetLimitedInformation"},
    {0x0800, "QueryLimitedInformation"},
    {0x1000, "Resume"},
};

static const struct hl__access_bit token[] = {
    {0x0001, "AssignPrimary"},    {0x0002, "Duplicate"},
    {0x0004, "Impersonate"},      {0x0008, "Query"},
    {0x0010, "QuerySource"},      {0x0020, "AdjustPrivileges"},
    {0x0040, "AdjustGroups"},     {0x0080, "AdjustDefault"},
    {0x0100, "AdjustSessionId"},
};

static const struct hl__access_bit section[] = {
    {0x0001, "Query"},      {0x0002, "MapWrite"},
    {0x0004, "MapRead"},    {0x0008, "MapExecute"},
    {0x0010, "ExtendSize"}, {0x0020, "MapExecuteExplicit"},
};

static const struct hl__access_bit directory[] = {
    {0x0001, "Query"},
    {0x0002, "Traverse"},
    {0x0004, "CreateObject"},
    {0x0008, "CreateSubdirectory"},
};

static const struct hl__access_bit symlink[] = {
    {0x0001, "Query"}, {0x0002, "Set"},
};

static const struct hl__access_bit job[] = {
    {0x0001, "AssignProcess"},         {0x0002, "SetAttributes"},
    {0x0004, "Query"},                 {0x0008, "Terminate"},
    {0x0010, "SetSecurityAttributes"}, {0x0020, "Impersonate"},
};

static const struct hl__access_bit desktop[] = {
    {0x0001, "ReadObjects"},     {0x0002, "CreateWindow"},
    {0x0004, "CreateMenu"},      {0x0008, "HookControl"},
    {0x0010, "JournalRecord"},   {0x0020, "JournalPlayback"},
    {0x0040, "Enumerate"},       {0x0080, "WriteObjects"},
    {0x0100, "SwitchDesktop"},
};

static const struct hl__access_bit winsta[] = {
    {0x0001, "EnumDesktops"},      {0x0002, "ReadAttributes"},
    {0x0004, "AccessClipboard"},   {0x0008, "CreateDesktop"},
    {0x0010, "WriteAttributes"},   {0x0020, "AccessGlobalAtoms"},
    {0x0040, "ExitWindows"},       {0x0100, "Enumerate"},
    {0x0200, "ReadScreen"},
};

/* WORKER_FACTORY_*: phnt's names (the SDK has none) */
static const struct hl__access_bit worker[] = {
    {0x0001, "ReleaseWorker"},    {0x0002, "Wait"},
    {0x0004, "SetInformation"},   {0x0008, "QueryInformation"},
    {0x0010, "ReadyWorker"},      {0x0020, "Shutdown"},
};

/* PORT_CONNECT */
static const struct hl__access_bit port[] = {{0x0001, "Connect"}};

/* OBJ_PROTECT_CLOSE, OBJ_INHERIT, OBJ_AUDIT_OBJECT_CLOSE (ntdef.h), as
 * the handle-table entry's HandleAttributes holds them. */
static const struct hl__access_bit attributes[] = {
    {0x1, "ProtectFromClose"}, {0x2, "Inherit"}, {0x4, "Audit"},
};

static const struct {
    const char *type;
    const struct hl__access_bit *bits;
    size_t n;
} types[] = {
    {"ALPC Port", port, N(port)},
    {"Desktop", desktop, N(desktop)},
    {"Directory", directory, N(directory)},
    {"Event", state, N(state)},
    {"File", file, N(file)},
    {"IoCompletion", state, N(state)},
    {"Job", job, N(job)},
    {"Key", key, N(key)},
    {"Mutant", state, 1},
    {"Process", process, N(process)},
    {"Section", section, N(section)},
    {"Semaphore", state, N(state)},
    {"SymbolicLink", symlink, N(symlink)},
    {"Thread", thread, N(thread)},
    {"Timer", state, N(state)},
    {"Token", token, N(token)},
    {"TpWorkerFactory", worker, N(worker)},
    {"WindowStation", winsta, N(winsta)},
};

const struct hl__access_bit *hl__access_specific(const char *type, size_t *n)
{
    size_t i;

    for (i = 0; type != NULL && i < N(types); i++) {
        if (hl__type_eq(types[i].type, type)) {
            *n = types[i].n;
            return types[i].bits;
        }
    }
    *n = 0;
    return NULL;
}

static void iter_init(struct hl__access_iter *it, uint32_t mask)
{
    memset(it, 0, sizeof(*it));
    it->left = mask;
}

void hl__access_begin(struct hl__access_iter *it, const char *type,
                      uint32_t mask)
{
    iter_init(it, mask);
    it->tables[0] = standard;
    it->sizes[0] = N(standard);
    it->tables[1] = hl__access_specific(type, &it->sizes[1]);
    it->tables[2] = high;
    it->sizes[2] = N(high);
}

void hl__attributes_begin(struct hl__access_iter *it, uint32_t attrs)
{
    iter_init(it, attrs);
    it->tables[0] = attributes;
    it->sizes[0] = N(attributes);
}

const char *hl__access_next(struct hl__access_iter *it)
{
    while (it->table < N(it->tables)) {
        const struct hl__access_bit *t = it->tables[it->table];

        if (it->pos >= it->sizes[it->table]) {
            it->table++;
            it->pos = 0;
            continue;
        }
        if (it->left & t[it->pos].bit) {
            it->left &= ~t[it->pos].bit;
            return t[it->pos++].name;
        }
        it->pos++;
    }
    /* what no table names, lowest bit first */
    for (; it->shift < 32; it->shift++) {
        uint32_t bit = (uint32_t)1 << it->shift;

        if (it->left & bit) {
            it->left &= ~bit;
            snprintf(it->hex, sizeof(it->hex), "0x%08lx", (unsigned long)bit);
            return it->hex;
        }
    }
    return NULL;
}
