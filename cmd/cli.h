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
/* umask 007 when the store folder dir is group-shared (setgid). */
void tyche_cli_store_umask(const char *dir);

/* tyche-run study [--store DIR] [--user U] add|list|share|unshare|rm|
 * promote ... (cmd/study-cli.c) */
int tyche_cli_study(int argc, char **argv);

#endif
