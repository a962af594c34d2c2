/*
 * The real src/cli/main.c, compiled once more with its main() renamed, so
 * tests can run the dispatcher (run()) in-process: the only way to fail
 * its allocations one by one. Nothing in main.c changes for it.
 */
#include "cli-main.h"

#define main hl_test_cli_main_unused
int hl_test_cli_main_unused(int argc, char **argv);
#include "cli/main.c"
#undef main

int hl_test_cli_run(int argc, char **argv)
{
    return run(argc, argv);
}
