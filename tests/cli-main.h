#ifndef HLEAK_TESTS_CLI_MAIN_H
#define HLEAK_TESTS_CLI_MAIN_H

/* What `hleak ARGV...` does once the console is set up: argv[0] is the
 * program, argv[1] the command. Returns the exit code. */
int hl_test_cli_run(int argc, char **argv);

#endif
