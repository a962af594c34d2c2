#ifndef HLEAK_HLEAK_HLEAK_H
#define HLEAK_HLEAK_HLEAK_H

/*
 * The whole public API of libhleak in one include. Each header documents
 * its functions (what they do, who frees what, which errors) and what may
 * run on several threads; docs/library.md is the tour. hleak/cmocka.h is
 * not included: it needs cmocka.
 */

#include "hleak/alloc.h"
#include "hleak/caps.h"
#include "hleak/checkpoint.h"
#include "hleak/collect.h"
#include "hleak/diag.h"
#include "hleak/diff.h"
#include "hleak/err.h"
#include "hleak/ignore.h"
#include "hleak/leakcheck.h"
#include "hleak/snapfile.h"
#include "hleak/snapshot.h"
#include "hleak/system.h"
#include "hleak/version.h"

#endif
