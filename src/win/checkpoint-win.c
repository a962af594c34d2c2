#include "hleak/checkpoint.h"

#include <stdio.h>

#include <windows.h>

#include "launch.h"

void hl_checkpoint(const char *label)
{
    char buf[sizeof(HL_CHECKPOINT_PREFIX) + 1 + 200];

    /* without a debugger there is no one to stop for: no string made */
    if (!IsDebuggerPresent())
        return;
    if (label == NULL || *label == '\0')
        OutputDebugStringA(HL_CHECKPOINT_PREFIX);
    else {
        snprintf(buf, sizeof(buf), "%s %.200s", HL_CHECKPOINT_PREFIX, label);
        OutputDebugStringA(buf);
    }
}
