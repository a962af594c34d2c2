#include "typecheck.h"

#include "core-int.h"
#include "hleak/system.h"
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

/* How sysquery-win.c writes a type the system did not name: "(type 42)",
 * "(type over 255)". */
static int is_unnamed_label(const char *type)
{
    return hl__ascii_caseprefix(type, "(type ");
}

int hl_cli_check_sys_type(const char *const *usage, const char *where,
                          const char *type,
                          const struct hl_system *const *sys,
                          const char *const *paths, size_t nsys)
{
    size_t k, t;

    /* a type the file has, as it spells it: "(type 42)", or one newer
     * than objtypes.c's table */
    for (k = 0; k < nsys; k++)
        for (t = 0; t < hl_system_ntypes(sys[k]); t++)
            if (hl__ascii_caseeq(hl_system_type_name(sys[k], t), type))
                return 0;
    if (!is_unnamed_label(type))
        return hl_cli_check_type(usage, where, type, 0, NULL, 0);
    if (nsys == 2)
        return hl_usage_error(usage,
                              "%s: no type '%s' in '%s' or '%s': a type the "
                              "system did not name is accepted only as a "
                              "file holds it ('hleak show' lists them)",
                              where, type, paths[0], paths[1]);
    return hl_usage_error(usage,
                          "%s: no type '%s' in '%s': a type the system did "
                          "not name is accepted only as the file holds it "
                          "('hleak show' lists them)",
                          where, type, nsys != 0 ? paths[0] : "?");
}
