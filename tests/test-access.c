/*
 * The access table against the SDK's constants: each type's full mask
 * (its *_ALL_ACCESS, as winnt.h, winuser.h and the WDK define it) and
 * single bits, the standard, generic and unknown bits, and the handle
 * attributes. The expected values are written out here from the headers,
 * not taken from access.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"
#include "objtypes.h"

#define STANDARD_RIGHTS_REQUIRED 0x000F0000u
#define SYNCHRONIZE 0x00100000u
#define STD "Delete, ReadControl, WriteDac, WriteOwner"

/* The names an iterator walks, joined by ", ". */
static const char *joined(struct hl__access_iter *it)
{
    static char buf[2048];
    const char *name;
    size_t used = 0;

    buf[0] = '\0';
    while ((name = hl__access_next(it)) != NULL) {
        int n = snprintf(buf + used, sizeof(buf) - used, "%s%s",
                         used != 0 ? ", " : "", name);

        assert_true(n > 0 && (size_t)n < sizeof(buf) - used);
        used += (size_t)n;
    }
    return buf;
}

static const char *access_text(const char *type, uint32_t mask)
{
    struct hl__access_iter it;

    hl__access_begin(&it, type, mask);
    return joined(&it);
}

static const char *attr_text(uint32_t attributes)
{
    struct hl__access_iter it;

    hl__attributes_begin(&it, attributes);
    return joined(&it);
}

static void test_access_all_access_masks(void **state)
{
    static const struct {
        const char *type;
        uint32_t mask;
        const char *names;
    } cases[] = {
        /* EVENT_ALL_ACCESS, as WinDbg's `!handle 304 7` shows it */
        {"Event", 0x1F0003, STD ", Synch, QueryState, ModifyState"},
        /* MUTANT_ALL_ACCESS */
        {"Mutant", 0x1F0001, STD ", Synch, QueryState"},
        /* SEMAPHORE_, TIMER_, IO_COMPLETION_ALL_ACCESS */
        {"Semaphore", 0x1F0003, STD ", Synch, QueryState, ModifyState"},
        {"Timer", 0x1F0003, STD ", Synch, QueryState, ModifyState"},
        {"IoCompletion", 0x1F0003, STD ", Synch, QueryState, ModifyState"},
        /* KEY_ALL_ACCESS: STANDARD_RIGHTS_ALL | 0x3f without SYNCHRONIZE */
        {"Key", 0xF003F,
         STD ", QueryValue, SetValue, CreateSubKey, EnumerateSubKeys, "
             "Notify, CreateLink"},
        /* PROCESS_ALL_ACCESS (Vista+): STANDARD | SYNCHRONIZE | 0xffff;
         * 0x4000 and 0x8000 have no name in the SDK */
        {"Process", 0x1FFFFF,
         STD ", Synch, Terminate, CreateThread, SetSessionId, VmOperation, "
             "VmRead, VmWrite, DupHandle, CreateProcess, SetQuota, "
             "SetInformation, QueryInformation, SuspendResume, "
             "QueryLimitedInformation, SetLimitedInformation, 0x00004000, "
             "0x00008000"},
        /* THREAD_ALL_ACCESS (Vista+); 0x2000..0x8000 unnamed */
        {"Thread", 0x1FFFFF,
         STD ", Synch, Terminate, SuspendResume, Alert, GetContext, "
             "SetContext, SetInformation, QueryInformation, SetThreadToken, "
             "Impersonate, DirectImpersonation, SetLimitedInformation, "
             "QueryLimitedInformation, Resume, 0x00002000, 0x00004000, "
             "0x00008000"},
        /* FILE_ALL_ACCESS: STANDARD | SYNCHRONIZE | 0x1ff */
        {"File", 0x1F01FF,
         STD ", Synch, ReadData/ListDirectory, WriteData/AddFile, "
             "AppendData/AddSubdirectory/CreatePipeInstance, ReadEA, "
             "WriteEA, Execute/Traverse, DeleteChild, ReadAttributes, "
             "WriteAttributes"},
        /* SECTION_ALL_ACCESS: no SYNCHRONIZE, no MAP_EXECUTE_EXPLICIT */
        {"Section", 0xF001F,
         STD ", Query, MapWrite, MapRead, MapExecute, ExtendSize"},
        /* TOKEN_ALL_ACCESS */
        {"Token", 0xF01FF,
         STD ", AssignPrimary, Duplicate, Impersonate, Query, QuerySource, "
             "AdjustPrivileges, AdjustGroups, AdjustDefault, "
             "AdjustSessionId"},
        /* DIRECTORY_ALL_ACCESS, SYMBOLIC_LINK_ALL_ACCESS */
        {"Directory", 0xF000F,
         STD ", Query, Traverse, CreateObject, CreateSubdirectory"},
        {"SymbolicLink", 0xF0001, STD ", Query"},
        /* JOB_OBJECT_ALL_ACCESS (with JOB_OBJECT_IMPERSONATE, 0x3f) */
        {"Job", 0x1F003F,
         STD ", Synch, AssignProcess, SetAttributes, Query, Terminate, "
             "SetSecurityAttributes, Impersonate"},
        /* DESKTOP_ALL_ACCESS: 0x1ff | STANDARD_RIGHTS_REQUIRED */
        {"Desktop", 0xF01FF,
         STD ", ReadObjects, CreateWindow, CreateMenu, HookControl, "
             "JournalRecord, JournalPlayback, Enumerate, WriteObjects, "
             "SwitchDesktop"},
        /* WINSTA_ALL_ACCESS (0x37f; no standard rights in it) */
        {"WindowStation", 0x37F,
         "EnumDesktops, ReadAttributes, AccessClipboard, CreateDesktop, "
         "WriteAttributes, AccessGlobalAtoms, ExitWindows, Enumerate, "
         "ReadScreen"},
        /* PORT_ALL_ACCESS */
        {"ALPC Port", 0x1F0001, STD ", Synch, Connect"},
        /* WORKER_FACTORY_ALL_ACCESS (phnt) */
        {"TpWorkerFactory", 0xF003F,
         STD ", ReleaseWorker, Wait, SetInformation, QueryInformation, "
             "ReadyWorker, Shutdown"},
    };
    size_t i;

    (void)state;
    assert_int_equal(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE, 0x1F0000);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* a type the table knows is one Windows knows */
        assert_non_null(hl__objtype_find(cases[i].type));
        assert_string_equal(access_text(cases[i].type, cases[i].mask),
                            cases[i].names);
    }
}

static void test_access_single_bits(void **state)
{
    static const struct {
        const char *type;
        uint32_t bit;
        const char *name;
    } cases[] = {
        {"Event", 0x0001, "QueryState"},          /* EVENT_QUERY_STATE */
        {"Event", 0x0002, "ModifyState"},         /* EVENT_MODIFY_STATE */
        {"Mutant", 0x0001, "QueryState"},         /* MUTANT_QUERY_STATE */
        {"Semaphore", 0x0002, "ModifyState"},     /* SEMAPHORE_MODIFY_STATE */
        {"Timer", 0x0002, "ModifyState"},         /* TIMER_MODIFY_STATE */
        {"File", 0x0001, "ReadData/ListDirectory"},
        {"File", 0x0004, "AppendData/AddSubdirectory/CreatePipeInstance"},
        {"File", 0x0020, "Execute/Traverse"},     /* FILE_EXECUTE, _TRAVERSE */
        {"File", 0x0040, "DeleteChild"},          /* FILE_DELETE_CHILD */
        {"File", 0x0100, "WriteAttributes"},      /* FILE_WRITE_ATTRIBUTES */
        {"Key", 0x0008, "EnumerateSubKeys"},      /* KEY_ENUMERATE_SUB_KEYS */
        {"Key", 0x0020, "CreateLink"},            /* KEY_CREATE_LINK */
        {"Process", 0x0040, "DupHandle"},         /* PROCESS_DUP_HANDLE */
        {"Process", 0x0400, "QueryInformation"},
        {"Process", 0x1000, "QueryLimitedInformation"},
        {"Process", 0x2000, "SetLimitedInformation"},
        {"Thread", 0x0004, "Alert"},              /* THREAD_ALERT */
        {"Thread", 0x0800, "QueryLimitedInformation"},
        {"Thread", 0x1000, "Resume"},             /* THREAD_RESUME */
        {"Token", 0x0008, "Query"},               /* TOKEN_QUERY */
        {"Token", 0x0100, "AdjustSessionId"},     /* TOKEN_ADJUST_SESSIONID */
        {"Section", 0x0004, "MapRead"},           /* SECTION_MAP_READ */
        {"Section", 0x0020, "MapExecuteExplicit"},
        {"Directory", 0x0002, "Traverse"},        /* DIRECTORY_TRAVERSE */
        {"SymbolicLink", 0x0002, "Set"},          /* SYMBOLIC_LINK_SET */
        {"IoCompletion", 0x0001, "QueryState"},
        {"Job", 0x0001, "AssignProcess"},         /* JOB_OBJECT_ASSIGN_PROCESS */
        {"Job", 0x0020, "Impersonate"},           /* JOB_OBJECT_IMPERSONATE */
        {"Desktop", 0x0100, "SwitchDesktop"},     /* DESKTOP_SWITCHDESKTOP */
        {"WindowStation", 0x0004, "AccessClipboard"},
        {"WindowStation", 0x0200, "ReadScreen"},  /* WINSTA_READSCREEN */
        {"ALPC Port", 0x0001, "Connect"},         /* PORT_CONNECT */
        /* the standard rights, for any type */
        {"Key", 0x00010000, "Delete"},
        {"Key", 0x00020000, "ReadControl"},
        {"Key", 0x00040000, "WriteDac"},
        {"Key", 0x00080000, "WriteOwner"},
        {"Key", 0x00100000, "Synch"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(access_text(cases[i].type, cases[i].bit),
                            cases[i].name);
}

/* Every entry of every type's table is one specific bit (below 0x10000),
 * named once, and decodes alone to its own name. */
static void test_access_tables_well_formed(void **state)
{
    static const char *const types[] = {
        "Event", "Mutant", "Semaphore", "Timer", "File", "Key", "Process",
        "Thread", "Token", "Section", "Directory", "SymbolicLink",
        "IoCompletion", "Job", "Desktop", "WindowStation", "ALPC Port",
        "TpWorkerFactory"};
    size_t t, i, j, n;

    (void)state;
    for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        const struct hl__access_bit *bits = hl__access_specific(types[t], &n);

        assert_non_null(bits);
        assert_true(n > 0);
        for (i = 0; i < n; i++) {
            assert_true(bits[i].bit != 0 && bits[i].bit < 0x10000);
            assert_int_equal(bits[i].bit & (bits[i].bit - 1), 0);
            assert_string_equal(access_text(types[t], bits[i].bit),
                                bits[i].name);
            for (j = 0; j < i; j++)
                assert_true(bits[j].bit < bits[i].bit);
        }
    }
}

static void test_access_generic_and_high_bits(void **state)
{
    (void)state;
    assert_string_equal(access_text("Event", 0x80000000u), "GenericRead");
    assert_string_equal(access_text("File", 0x40000000u), "GenericWrite");
    assert_string_equal(access_text("File", 0x20000000u), "GenericExecute");
    assert_string_equal(access_text("Key", 0x10000000u), "GenericAll");
    assert_string_equal(access_text("Key", 0xF0000000u),
                        "GenericAll, GenericExecute, GenericWrite, "
                        "GenericRead");
    /* ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED */
    assert_string_equal(access_text("Token", 0x01000000u),
                        "AccessSystemSecurity");
    assert_string_equal(access_text("Token", 0x02000000u), "MaximumAllowed");
    /* standard first, specific, then the high bits, as !handle orders */
    assert_string_equal(access_text("Event", 0x80100001u),
                        "Synch, QueryState, GenericRead");
}

static void test_access_unknown_bits(void **state)
{
    (void)state;
    /* a specific bit the type has no name for */
    assert_string_equal(access_text("Event", 0x100), "0x00000100");
    assert_string_equal(access_text("Mutant", 0x3), "QueryState, 0x00000002");
    assert_string_equal(access_text("WindowStation", 0x80), "0x00000080");
    /* the reserved bits 21..23 and 26..27 */
    assert_string_equal(access_text("Event", 0x00E00000u),
                        "0x00200000, 0x00400000, 0x00800000");
    assert_string_equal(access_text("Event", 0x0C000000u),
                        "0x04000000, 0x08000000");
    /* a type the table does not know: only the standard and high bits
     * have names */
    assert_string_equal(access_text("WaitCompletionPacket", 0x100001),
                        "Synch, 0x00000001");
    assert_string_equal(access_text("", 0x10003),
                        "Delete, 0x00000001, 0x00000002");
    assert_string_equal(access_text(NULL, 0x1), "0x00000001");
    /* case is ignored, as --type ignores it */
    assert_string_equal(access_text("event", 0x2), "ModifyState");
    /* nothing for nothing */
    assert_string_equal(access_text("Event", 0), "");
}

/* Every one of 32 bits comes out exactly once, named or hex. */
static void test_access_every_bit_once(void **state)
{
    struct hl__access_iter it;
    const char *name;
    size_t n = 0;

    (void)state;
    hl__access_begin(&it, "Process", 0xFFFFFFFFu);
    while ((name = hl__access_next(&it)) != NULL)
        n++;
    assert_int_equal(n, 32);
    assert_null(hl__access_next(&it));
}

static void test_access_attributes(void **state)
{
    (void)state;
    assert_string_equal(attr_text(0), "");
    assert_string_equal(attr_text(0x1), "ProtectFromClose");
    assert_string_equal(attr_text(0x2), "Inherit");
    assert_string_equal(attr_text(0x4), "Audit");
    assert_string_equal(attr_text(0x7), "ProtectFromClose, Inherit, Audit");
    assert_string_equal(attr_text(0x8), "0x00000008");
    assert_string_equal(attr_text(0x8002), "Inherit, 0x00008000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access_all_access_masks),
        cmocka_unit_test(test_access_single_bits),
        cmocka_unit_test(test_access_tables_well_formed),
        cmocka_unit_test(test_access_generic_and_high_bits),
        cmocka_unit_test(test_access_unknown_bits),
        cmocka_unit_test(test_access_every_bit_once),
        cmocka_unit_test(test_access_attributes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
