#ifndef HLEAK_CLI_TARGET_H
#define HLEAK_CLI_TARGET_H

#include <stdint.h>

/*
 * Resolves -n IMAGE to exactly one pid for the live commands. None, or
 * several (which it lists, to choose one with -p), is an error reported
 * here. Returns 0 or HL_EXIT_FAILURE.
 */
int hl_cli_find_pid(const char *image, uint64_t *pid);

#endif
