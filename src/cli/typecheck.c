#include "typecheck.h"

#include "msg.h"
#include "objtypes.h"

int hl_cli_check_type(const char *const *usage, const char *where,
                      const char *type, int in_file,
                      const struct hl_snapshot *const *snaps, size_t nsnaps)
{
    const char *suggest;

    switch (hl__objtype_check(type, snaps, nsnaps, &suggest)) {
    case HL__OBJTYPE_KNOWN:
        return 0;
    case HL__OBJTYPE_QUOTED:
        if (in_file)
            return hl_usage_error(usage,
                                  "%s: type '%s' holds quote characters; "
                                  "write it without quotes",
                                  where, type);
        return hl_usage_error(usage,
                              "%s: type '%s' holds quote characters: the "
                              "shell kept them (cmd.exe does not remove "
                              "single quotes); use double quotes",
                              where, type);
    default:
        break;
    }
    if (suggest != NULL)
        return hl_usage_error(usage,
                              "%s: unknown type '%s'; did you mean '%s'?",
                              where, type, suggest);
    return hl_usage_error(usage,
                          "%s: unknown type '%s': not a Windows object type "
                          "nor one in the inputs (Event, File, Key, Mutant, "
                          "Section, Thread, ... as 'hleak show' prints them)",
                          where, type);
}
