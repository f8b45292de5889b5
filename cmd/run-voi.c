/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-voi.c - `tyche-run voi`: EVPI and partial EVPI of a decision among
 * candidate portfolios (lib/voi.c).  Options are parsed by run-sens.c's
 * run_sens_parse; nothing is computed here.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

int run_cmd_voi(int argc, char **argv)
{
	struct run_sens_opts o;
	tyche_voi_opts vo = TYCHE_VOI_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_voi *v = NULL;
	tyche_error err = { 0 };
	FILE *out = stdout;
	int rc;

	rc = run_sens_parse(argc, argv, &o, "voi",
		"usage: tyche-run voi STUDY --metric M --sense max|min [--budget B]\n"
		"           [--candidates investments|corners|FILE] [--samples N] [--seed S]\n"
		"Expected value of perfect information (EVPI) of choosing among the\n"
		"candidates, and the partial EVPI of each uncertain cell, parameter and\n"
		"table (Strong and Oakley's regression), in the metric's units\n"
		"(doc/sensitivity.md).\n"
		"  --metric M       the decision's metric (required)\n"
		"  --sense S        max (more is better) or min (required)\n"
		"  --candidates C   investments (default), corners (every tranche\n"
		"                   combination), or a CSV file Candidate,Category,Amount\n"
		"  --budget B       keep candidates whose amounts sum to at most B\n"
		"  --groups LIST    cell,parameter,table (default: all three)\n"
		"  --samples N      samples (default 1000)\n"
		"  --seed S         random seed (default 1)\n"
		"  --threads T      threads (0 = all cores; results never depend on it)\n"
		"  --format F       csv (default) or json\n"
		"  --output FILE    write there instead of stdout\n"
		"  --models PATH    model search path (DIR[:DIR...])\n"
		"  --time-limit S   stop with an error after S seconds\n"
		"  --shard I/N      evaluate only shard I of N of the samples into the\n"
		"                   shard file --output FILE; join the shards with\n"
		"                   'tyche-run merge SHARDS... -o OUT'\n"
		"CSV columns: Level,Technology,Scenario,Table,Input,EVPPI,SE,Share\n"
		"(the first row is the EVPI itself)\n");
	if (rc >= 0)
		return rc;
	if (!o.metric || !o.sense) {
		fprintf(stderr, "tyche-run voi: --metric and --sense are required (see --help)\n");
		return RUN_EX_USAGE;
	}
	if (o.scenario || o.namounts) {
		fprintf(stderr, "tyche-run voi: --scenario and --amount are sensitivity options; give --candidates\n");
		return RUN_EX_USAGE;
	}
	rc = run_load_context(o.context, &o.load, &ctx);
	if (rc)
		return rc;
	vo.seed = o.seed;
	vo.samples = o.samples;
	vo.threads = o.threads;
	vo.metric = o.metric;
	vo.minimize = !strcmp(o.sense, "min");
	vo.budget = isnan(o.budget) ? -1 : o.budget;
	vo.levels = o.levels;
	if (!o.candidates || !strcmp(o.candidates, "investments")) {
		vo.candidates = TYCHE_VOI_INVESTMENTS;
	} else if (!strcmp(o.candidates, "corners")) {
		vo.candidates = TYCHE_VOI_CORNERS;
	} else {
		vo.candidates = TYCHE_VOI_FILE;
		vo.file = o.candidates;
	}
	if (o.shard_count) {
		rc = tyche_voi_shard(ctx, &vo, o.format, o.shard_index, o.shard_count, o.output,
				     &err) ? run_sens_fail("voi", &err) : 0;
		tyche_context_free(ctx);
		return rc;
	}
	if (tyche_voi_compute(&v, ctx, &vo, &err)) {
		rc = run_sens_fail("voi", &err);
		goto out;
	}
	if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "tyche-run voi: cannot write %s: %s\n", o.output, strerror(errno));
		rc = RUN_EX_CANTCREAT;
		out = stdout;
		goto out;
	}
	if (tyche_voi_write(v, o.format, run_sens_write, out, &err))
		rc = run_sens_fail("voi", &err);
	if (fflush(out) && !rc)
		rc = RUN_EX_CANTCREAT;
out:
	if (out != stdout)
		fclose(out);
	tyche_voi_free(v);
	tyche_context_free(ctx);
	return rc;
}
