#include "objtypes.h"

#include <string.h>

#include "core-int.h"

/*
 * Every object type of Windows 10 and 11 (the \ObjectTypes directory),
 * sorted case-insensitively. Taken from WinObjEx64's type table (objects.c,
 * 2022) and kernel listings of Windows 11 (CrossVmEvent, CrossVmMutant,
 * DxgkDisplayMuxSwitch); a few older ones (EventPair, WaitablePort) stay,
 * since dumps of older systems still carry them.
 */
static const char *const known_types[] = {
    "ActivationObject",
    "ActivityReference",
    "Adapter",
    "ALPC Port",
    "Callback",
    "Composition",
    "Controller",
    "CoreMessaging",
    "CoverageSampler",
    "CpuPartition",
    "CrossVmEvent",
    "CrossVmMutant",
    "DebugObject",
    "Desktop",
    "Device",
    "Directory",
    "DmaAdapter",
    "DmaDomain",
    "Driver",
    "DxgkCompositionObject",
    "DxgkCurrentDxgProcessObject",
    "DxgkCurrentDxgThreadObject",
    "DxgkDisplayManagerObject",
    "DxgkDisplayMuxSwitch",
    "DxgkSharedBundleObject",
    "DxgkSharedKeyedMutexObject",
    "DxgkSharedProtectedSessionObject",
    "DxgkSharedResource",
    "DxgkSharedSwapChainObject",
    "DxgkSharedSyncObject",
    "EnergyTracker",
    "EtwConsumer",
    "EtwRegistration",
    "EtwSessionDemuxEntry",
    "Event",
    "EventPair",
    "File",
    "FilterCommunicationPort",
    "FilterConnectionPort",
    "IoCompletion",
    "IoCompletionReserve",
    "IoRing",
    "IRTimer",
    "Job",
    "Key",
    "KeyedEvent",
    "Mutant",
    "NdisCmState",
    "Partition",
    "PcwObject",
    "PowerRequest",
    "Process",
    "ProcessStateChange",
    "Profile",
    "PsSiloContextNonPaged",
    "PsSiloContextPaged",
    "RawInputManager",
    "RegistryTransaction",
    "SchedulerSharedData",
    "Section",
    "Semaphore",
    "Session",
    "SymbolicLink",
    "Terminal",
    "TerminalEventQueue",
    "Thread",
    "ThreadStateChange",
    "Timer",
    "TmEn",
    "TmRm",
    "TmTm",
    "TmTx",
    "Token",
    "TpWorkerFactory",
    "Type",
    "UserApcReserve",
    "VirtualKey",
    "VRegConfigurationContext",
    "WaitablePort",
    "WaitCompletionPacket",
    "WindowStation",
    "WmiGuid",
};

#define NKNOWN (sizeof(known_types) / sizeof(known_types[0]))

/* What people call a type, and what Windows calls it: edit distance does
 * not get from "Mutex" to "Mutant". */
static const struct {
    const char *alias, *type;
} aliases[] = {
    {"Mutex", "Mutant"},
    {"Registry", "Key"},
    {"RegKey", "Key"},
    {"RegistryKey", "Key"},
    {"Port", "ALPC Port"},
    {"ALPC", "ALPC Port"},
    {"AlpcPort", "ALPC Port"},
    {"FileMapping", "Section"},
    {"Mapping", "Section"},
    {"Pipe", "File"},
    {"Socket", "File"},
    {"WinStation", "WindowStation"},
    {"CompletionPort", "IoCompletion"},
    {"WaitableTimer", "Timer"},
};

/* Longer names are not types; the distance table stays on the stack. */
#define MAX_NAME 64

const char *hl__type_label(const char *type)
{
    return *type != '\0' ? type : HL__UNKNOWN_TYPE;
}

const char *hl__name_label(const char *name)
{
    return *name != '\0' ? name : "<unnamed>";
}

size_t hl__objtype_count(void)
{
    return NKNOWN;
}

const char *hl__objtype_at(size_t i)
{
    return i < NKNOWN ? known_types[i] : NULL;
}

const char *hl__objtype_find(const char *name)
{
    size_t i;

    for (i = 0; i < NKNOWN; i++)
        if (hl__ascii_caseeq(known_types[i], name))
            return known_types[i];
    return NULL;
}

/* Optimal string alignment distance (a swap of two neighbours costs one),
 * ASCII case ignored; MAX_NAME + 1 when either is too long to compare. */
static size_t distance(const char *a, const char *b)
{
    size_t d[MAX_NAME + 1][MAX_NAME + 1];
    size_t la = strlen(a), lb = strlen(b), i, j;

    if (la > MAX_NAME || lb > MAX_NAME)
        return MAX_NAME + 1;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            int same = hl__ascii_lower((unsigned char)a[i - 1]) ==
                       hl__ascii_lower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (same ? 0 : 1);

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 &&
                hl__ascii_lower((unsigned char)a[i - 1]) ==
                    hl__ascii_lower((unsigned char)b[j - 2]) &&
                hl__ascii_lower((unsigned char)a[i - 2]) ==
                    hl__ascii_lower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* Keeps cand as *best when it is closer to name than what was found. */
static void consider(const char *name, const char *cand, size_t *best_d,
                     const char **best)
{
    size_t d = distance(name, cand);

    if (d < *best_d) {
        *best_d = d;
        *best = cand;
    }
}

/* 1 when some handle of the snapshots has a type spelled as name. */
static int in_inputs(const char *name, const struct hl_snapshot *const *snaps,
                     size_t nsnaps, size_t *best_d, const char **best)
{
    size_t k, i;

    for (k = 0; k < nsnaps; k++) {
        const struct hl_snapshot *s = snaps[k];
        uint32_t last = UINT32_MAX;

        for (i = 0; s != NULL && i < s->count; i++) {
            const char *t;

            /* Handles come sorted by value, types interleaved; skipping
             * runs of one type keeps this cheap enough. */
            if (s->handles[i].type == last)
                continue;
            last = s->handles[i].type;
            t = hl_snapshot_str(s, last);
            if (*t == '\0')
                continue;
            if (hl__ascii_caseeq(t, name))
                return 1;
            consider(name, t, best_d, best);
        }
    }
    return 0;
}

enum hl__objtype_verdict
hl__objtype_check(const char *name, const struct hl_snapshot *const *snaps,
                  size_t nsnaps, const char **suggest)
{
    size_t best_d = MAX_NAME + 1, i, len = strlen(name);
    const char *best = NULL;

    *suggest = NULL;
    /* the label of a type that was not read: a dump may hold such
     * handles, and the user copies the label from the report */
    if (hl__objtype_find(name) != NULL ||
        hl__ascii_caseeq(name, HL__UNKNOWN_TYPE))
        return HL__OBJTYPE_KNOWN;
    if (in_inputs(name, snaps, nsnaps, &best_d, &best))
        return HL__OBJTYPE_KNOWN;
    if (strpbrk(name, "'\"") != NULL)
        return HL__OBJTYPE_QUOTED;
    for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (hl__ascii_caseeq(aliases[i].alias, name)) {
            *suggest = aliases[i].type;
            return HL__OBJTYPE_UNKNOWN;
        }
    }
    for (i = 0; i < NKNOWN; i++)
        consider(name, known_types[i], &best_d, &best);
    /* Two edits for a name of five letters or more, one for shorter ones:
     * "Evnt" is Event, but "Pro" is not Proc-anything. */
    if (best != NULL && best_d <= (len >= 5 ? 2u : 1u))
        *suggest = best;
    return HL__OBJTYPE_UNKNOWN;
}
