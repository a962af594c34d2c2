#ifndef HLEAK_HLEAK_CHECKPOINT_H
#define HLEAK_HLEAK_CHECKPOINT_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Marks a checkpoint for `hleak run` (docs/man/hleak-run.md): when the
 * program runs under `hleak run`, it stops here while hleak takes a
 * snapshot of its handles; the first checkpoint is the baseline, the last
 * the final point. label (may be NULL or "") names it in hleak's output;
 * at most 200 bytes of it are sent.
 *
 * It costs one IsDebuggerPresent() call when no debugger is attached, and
 * nothing at all off Windows. Under another debugger it sends the same
 * string, "hleak:checkpoint LABEL", which that debugger prints.
 * Safe to call from any thread.
 */
void hl_checkpoint(const char *label);

#ifdef __cplusplus
}
#endif

#endif
