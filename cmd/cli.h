/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h - subcommands of the tools that live in their own cmd/ file and are
 * called by a tool's dispatcher (cmd/tyche-run.c).  Other subcommands will
 * be declared here too.
 *
 * Each takes the subcommand's own argv (argv[0] is the subcommand name),
 * prints results on stdout and problems on stderr, and returns the process
 * exit code (sysexits.h: 0 ok, 64 usage, 65 data error, 66 not found).
 */
#ifndef TYCHE_CLI_H
#define TYCHE_CLI_H

/* tyche-run store [--store DIR] [--user U] list|show|share|unshare|rename|
 * delete|diff ... (cmd/store-cli.c) */
int tyche_cli_store(int argc, char **argv);

#endif
