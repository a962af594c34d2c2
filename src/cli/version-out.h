#ifndef HLEAK_CLI_VERSION_OUT_H
#define HLEAK_CLI_VERSION_OUT_H

/* `hleak --version`: what this binary is, for a bug report (docs/man/
 * hleak.md); returns the exit code. */
int hl_print_version(void);

#endif
