#include "hleak/dump.h"

#include "core-int.h"

/* Writing a dump needs a live Windows process; reading one does not. */
int hl_dump_write(uint64_t pid, const char *path,
                  struct hl_diag *diag)
{
    (void)pid;
    (void)path;
    (void)diag;
    return HL_ENOTSUP;
}
