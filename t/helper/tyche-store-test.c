/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-store-test - drives the scenario store from shell tests
 * (t/t5*.sh): concurrent saves, a writer killed mid-write, and the CLI.
 *
 *   tyche-store-test save DIR USER NAME [ID]   print the id saved
 *   tyche-store-test load DIR USER ID          print "name<TAB>owner"
 *   tyche-store-test count DIR USER            print "scenarios warnings"
 *   tyche-store-test cli ARGS...               tyche_cli_store("store" ARGS)
 *
 * With TYCHE_STORE_TEST_PAUSE=FILE, save stops after the temp file is
 * written and synced, just before the rename: it writes the temp path to
 * FILE and sleeps, so a test can SIGKILL it there.
 *
 * The CLI is compiled in from cmd/store-cli.c because helpers link only
 * libtyche, not the cmd/ objects that the tools share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tyche.h"
#include "store.h"
#include "../../cmd/store-cli.c"

static void pause_here(const char *tmp_path)
{
	const char *flag = getenv("TYCHE_STORE_TEST_PAUSE");
	char part[4096];
	FILE *f;

	if (!flag || !flag[0])
		return;
	/* write then rename, so the test never reads a half-written flag */
	snprintf(part, sizeof(part), "%s.part", flag);
	f = fopen(part, "w");
	if (f) {
		fprintf(f, "%s\n", tmp_path);
		fclose(f);
		rename(part, flag);
	}
	sleep(60);
}

static int die(const tyche_error *err)
{
	char buf[1100];

	fprintf(stderr, "tyche-store-test: %s\n", tyche_error_format(err, buf, sizeof(buf)));
	return err->code == TYCHE_ENOENT ? 66 : err->code == TYCHE_EUSAGE ? 64 :
	       err->code == TYCHE_EPERM ? 77 : 65;
}

int main(int argc, char **argv)
{
	tyche_store *st = NULL;
	tyche_error err = { 0 };
	int rc = 0;

	ty_before_rename_hook = pause_here;
	if (argc >= 2 && !strcmp(argv[1], "cli")) {
		argv[1] = (char *)"store";
		return tyche_cli_store(argc - 1, argv + 1);
	}
	if (argc < 4) {
		fprintf(stderr, "usage: tyche-store-test save|load|count|cli ...\n");
		return 64;
	}
	if (tyche_store_open(&st, argv[2], &err))
		return die(&err);
	if (!strcmp(argv[1], "save") && (argc == 5 || argc == 6)) {
		tyche_scenario sc = TYCHE_SCENARIO_INIT;
		char inputs[256];

		snprintf(sc.name, sizeof(sc.name), "%s", argv[4]);
		if (argc == 6)
			snprintf(sc.id, sizeof(sc.id), "%s", argv[5]);
		snprintf(inputs, sizeof(inputs),
			 "{\"amounts\": {\"A\": %ld}, \"by\": \"%ld\"}",
			 (long)strlen(argv[4]), (long)getpid());
		sc.inputs_json = strdup(inputs);
		sc.results_json = strdup("{\"metrics\": {\"LCOE\": {\"mean\": 0.05}}}");
		sc.seed = 7;
		sc.samples = 100;
		rc = tyche_store_save(st, argv[3], &sc, &err);
		if (!rc)
			printf("%s\n", sc.id);
		tyche_scenario_release(&sc);
	} else if (!strcmp(argv[1], "load") && argc == 5) {
		tyche_scenario sc = TYCHE_SCENARIO_INIT;

		rc = tyche_store_load(&sc, st, argv[3], argv[4], &err);
		if (!rc)
			printf("%s\t%s\n", sc.name, sc.owner);
		tyche_scenario_release(&sc);
	} else if (!strcmp(argv[1], "count") && argc == 4) {
		tyche_diags dg = TYCHE_DIAGS_INIT;
		tyche_scenario *v = NULL;
		size_t n = 0;

		rc = tyche_store_list(&v, &n, st, argv[3], NULL, &dg, &err);
		tyche_diags_print(&dg, stderr);
		if (!rc)
			printf("%zu %zu\n", n, dg.nwarnings);
		tyche_scenario_list_free(v, n);
		tyche_diags_release(&dg);
	} else {
		tyche_store_free(st);
		fprintf(stderr, "tyche-store-test: bad arguments\n");
		return 64;
	}
	tyche_store_free(st);
	return rc ? die(&err) : 0;
}
