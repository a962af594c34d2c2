/*
 * A whole-system view that is not Windows': hl_system_take() hands out
 * the views of sysfixture.c named in HL_TEST_SYSTEMS ("sysa,sysb,sysb"),
 * one per call, the last one again once the list is used up. Linked in
 * place of src/stub/system-none.c into hl-ps-fake, the real hleak
 * otherwise, so `hleak ps --interval` runs natively on a pseudo-terminal:
 * its redraw (src/cli/cmd-ps.c) is portable CLI code fed by this sample
 * source (tests/cli/test_ps_tty.py). Test code only; never in hleak.
 */
#include <stdlib.h>
#include <string.h>

#include "core-int.h"
#include "hleak/caps.h"
#include "hleak/err.h"
#include "hleak/system.h"
#include "sysfixture.h"

/* The stub once more, for its hl_system_find() (no search here), with
 * what this file replaces renamed out of the way, as cli-main.c does
 * with main(). */
#define hl__caps_system hl__stub_caps_system_unused
#define hl_system_take hl__stub_system_take_unused
extern const unsigned hl__stub_caps_system_unused;
int hl__stub_system_take_unused(unsigned flags, struct hl_system **out,
                                struct hl_diag *diag);
#include "../src/stub/system-none.c"
#undef hl_system_take
#undef hl__caps_system

const unsigned hl__caps_system = HL_CAP_SYSTEM;

static size_t taken;

int hl_system_take(unsigned flags, struct hl_system **out,
                   struct hl_diag *diag)
{
    const char *list = getenv("HL_TEST_SYSTEMS"), *p, *end;
    char name[16];
    size_t i, len;

    (void)flags;
    (void)diag;
    *out = NULL;
    if (list == NULL || *list == '\0')
        return HL_EINVAL;
    /* the taken-th name, or the last */
    for (p = list, i = 0; i < taken && strchr(p, ',') != NULL; i++)
        p = strchr(p, ',') + 1;
    end = strchr(p, ',');
    len = end != NULL ? (size_t)(end - p) : strlen(p);
    if (len >= sizeof(name))
        return HL_EINVAL;
    memcpy(name, p, len);
    name[len] = '\0';
    taken++;
    return hl_test_system(name, out);
}
