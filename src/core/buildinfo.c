/* The build's full version (cmake/hl-version.cmake), the one string a
 * snapshot records and `hleak --version` prints. Alone in this file so
 * that a new commit recompiles only it. */

#include "core-int.h"
#include "hl-build-version.h"

const char *hl__version_full(void)
{
    return HL_VERSION_FULL;
}

const char *hl__version_commit(void)
{
    return HL_VERSION_COMMIT;
}

const char *hl__version_tree(void)
{
    return HL_VERSION_TREE;
}
