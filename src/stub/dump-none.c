#include "dump.h"

#include "core-int.h"

/* Writing a dump needs a live Windows process; reading one does not. */

const unsigned hl__caps_dump = 0;

int hl_dump_write(uint64_t pid, const char *path,
                  struct hl_diag *diag)
{
    (void)pid;
    (void)path;
    (void)diag;
    return HL_ENOTSUP;
}
