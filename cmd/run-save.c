/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-save.c - `--save NAME [--share] [--tag T]` for analysis commands:
 * record the run's inputs and results summary in the scenario store.
 * The store is --store DIR, else $TYCHE_STORE; the owner is the login name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run.h"
#include "runopt.h"

int run_save_scenario(const struct run_common *o, const tyche_context *ctx,
		      const char *inputs_json, const char *results_json)
{
	const char *dir = o->store ? o->store : getenv("TYCHE_STORE");
	const char *user = tyche_store_default_user();
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_store *st = NULL;
	tyche_error err = { 0 };
	char buf[2048];
	int rc;

	if (!o->save)
		return 0;
	if (!dir || !*dir) {
		fprintf(stderr, "tyche-run: --save needs a store: give --store DIR or set TYCHE_STORE\n");
		return RUN_EX_USAGE;
	}
	if (!user) {
		fprintf(stderr, "tyche-run: --save: cannot tell who you are (no login name)\n");
		return RUN_EX_USAGE;
	}
	snprintf(sc.name, sizeof sc.name, "%s", o->save);
	sc.shared = o->share;
	snprintf(sc.context, sizeof sc.context, "%s",
		 o->study_ref ? o->study_ref : tyche_context_name(ctx));
	snprintf(sc.context_hash, sizeof sc.context_hash, "%s", tyche_context_hash(ctx));
	sc.seed = o->seed;
	sc.samples = (long)o->samples;
	sc.inputs_json = strdup(inputs_json ? inputs_json : "{}");
	sc.results_json = strdup(results_json ? results_json : "{}");
	rc = 0;
	for (size_t k = 0; k < o->ntags && !rc; k++)
		rc = tyche_scenario_add_tag(&sc, o->tags[k], &err);
	tyche_cli_store_umask(dir);
	if (!rc)
		rc = tyche_store_open(&st, dir, &err);
	if (!rc)
		rc = tyche_store_save(st, user, &sc, &err);
	if (rc)
		fprintf(stderr, "tyche-run: --save: %s\n", tyche_error_format(&err, buf, sizeof buf));
	else
		fprintf(stderr, "tyche-run: saved scenario '%s' as %s (%s)\n", sc.name, sc.id,
			sc.shared ? "shared" : "private");
	tyche_store_free(st);
	tyche_scenario_release(&sc);
	return rc ? run_exit_code(rc) : 0;
}
