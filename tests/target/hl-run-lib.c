/*
 * A program that marks its checkpoints with libhleak's hl_checkpoint()
 * (include/hleak/checkpoint.h), for test_run_live.py: under `hleak run`
 * it reports the N events leaked between "warm" and "done"; alone, with
 * no debugger, it runs through.
 */

#include <windows.h>

#include <stdlib.h>

#include "hleak/checkpoint.h"

int main(int argc, char **argv)
{
    long i, n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;

    hl_checkpoint("warm");
    for (i = 0; i < n; i++)
        (void)CreateEventW(NULL, TRUE, FALSE, NULL);
    hl_checkpoint("done");
    hl_checkpoint(NULL);
    return 0;
}
