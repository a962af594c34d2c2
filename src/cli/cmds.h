#ifndef HLEAK_CLI_CMDS_H
#define HLEAK_CLI_CMDS_H

/*
 * One function per subcommand, each in cmd-<name>.c. argv[0] is the
 * subcommand's name; the return value is the process exit code.
 */
int cmd_convert(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_find(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
