/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-sens.c - `tyche-run sensitivity`: Sobol indices of a scenario or a
 * portfolio (lib/sobol.c), and the option parser it shares with
 * `tyche-run voi` (run-voi.c calls run_sens_parse; never the other way).
 * Nothing is computed here: parse, call the library, print.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static int snum(const char *tool, const char *opt, const char *s, double lo, double hi,
		int whole, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*v) || *v < lo || *v > hi ||
	    (whole && *v != floor(*v))) {
		fprintf(stderr, "tyche-run %s: --%s: '%s' is not %s in [%g, %g]\n", tool, opt, s,
			whole ? "a whole number" : "a number", lo, hi);
		return -1;
	}
	return 0;
}

static int parse_groups(const char *tool, const char *s, unsigned *levels)
{
	static const char *const names[] = { "cell", "parameter", "table" };
	const char *p = s;

	*levels = 0;
	while (*p) {
		size_t n = strcspn(p, ","), k;

		for (k = 0; k < 3; k++)
			if (strlen(names[k]) == n && !strncmp(p, names[k], n))
				break;
		if (k == 3) {
			fprintf(stderr, "tyche-run %s: --groups: '%.*s' is not one of cell, parameter, table\n",
				tool, (int)n, p);
			return -1;
		}
		*levels |= 1u << k;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int run_sens_parse(int argc, char **argv, struct run_sens_opts *o, const char *tool,
		   const char *help)
{
	enum { O_AMOUNT = 256, O_SCENARIO, O_METRIC, O_SAMPLES, O_SEED, O_FORMAT, O_OUTPUT,
	       O_THREADS, O_BOOT, O_GROUPS, O_LEVEL, O_MODELS, O_SENSE, O_BUDGET, O_CAND,
	       O_TIMELIMIT, O_SHARD, O_HELP };
	static const struct option opts[] = {
		{ "amount", required_argument, NULL, O_AMOUNT },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "samples", required_argument, NULL, O_SAMPLES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "bootstrap", required_argument, NULL, O_BOOT },
		{ "groups", required_argument, NULL, O_GROUPS },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "models", required_argument, NULL, O_MODELS },
		{ "sense", required_argument, NULL, O_SENSE },
		{ "budget", required_argument, NULL, O_BUDGET },
		{ "candidates", required_argument, NULL, O_CAND },
		{ "time-limit", required_argument, NULL, O_TIMELIMIT },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	double v;
	int c;

	memset(o, 0, sizeof *o);
	o->load = (tyche_load_opts)TYCHE_LOAD_OPTS_INIT;
	o->seed = 1;
	o->samples = 1000;
	o->budget = NAN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_AMOUNT:
			if (o->namounts >= 256) {
				fprintf(stderr, "tyche-run %s: too many --amount options\n", tool);
				return RUN_EX_USAGE;
			}
			o->amounts[o->namounts++] = optarg;
			break;
		case O_SCENARIO: o->scenario = optarg; break;
		case O_METRIC: o->metric = optarg; break;
		case O_SAMPLES:
			if (snum(tool, "samples", optarg, 2, 1e9, 1, &v))
				return RUN_EX_USAGE;
			o->samples = (size_t)v;
			break;
		case O_SEED:
			if (snum(tool, "seed", optarg, 0, 9007199254740992.0, 1, &v))
				return RUN_EX_USAGE;
			o->seed = (uint64_t)v;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "csv"))
				o->format = TYCHE_FMT_CSV;
			else if (!strcmp(optarg, "json"))
				o->format = TYCHE_FMT_JSON;
			else {
				fprintf(stderr, "tyche-run %s: --format: '%s' is not csv or json\n", tool, optarg);
				return RUN_EX_USAGE;
			}
			break;
		case O_OUTPUT: o->output = optarg; break;
		case O_THREADS:
			if (snum(tool, "threads", optarg, 0, 64, 1, &v))
				return RUN_EX_USAGE;
			o->threads = (unsigned)v;
			break;
		case O_BOOT:
			if (snum(tool, "bootstrap", optarg, 10, 100000, 1, &v))
				return RUN_EX_USAGE;
			o->bootstrap = (size_t)v;
			break;
		case O_GROUPS:
			if (parse_groups(tool, optarg, &o->levels))
				return RUN_EX_USAGE;
			break;
		case O_LEVEL:
			if (snum(tool, "level", optarg, 0.5, 0.999, 0, &v))
				return RUN_EX_USAGE;
			o->level = v;
			break;
		case O_MODELS: o->load.model_path = optarg; break;
		case O_SENSE:
			if (strcmp(optarg, "max") && strcmp(optarg, "min")) {
				fprintf(stderr, "tyche-run %s: --sense: '%s' is not max or min\n", tool, optarg);
				return RUN_EX_USAGE;
			}
			o->sense = optarg;
			break;
		case O_BUDGET:
			if (snum(tool, "budget", optarg, 0, 1e300, 0, &v))
				return RUN_EX_USAGE;
			o->budget = v;
			break;
		case O_CAND: o->candidates = optarg; break;
		case O_TIMELIMIT:
			if (snum(tool, "time-limit", optarg, 1e-3, 1e9, 0, &v))
				return RUN_EX_USAGE;
			tyche_budget_set(v, v);
			break;
		case O_SHARD: {
			tyche_error e = { 0 };
			char buf[512];

			if (tyche_shard_parse(&o->shard_index, &o->shard_count, optarg, &e)) {
				fprintf(stderr, "tyche-run %s: %s\n", tool,
					tyche_error_format(&e, buf, sizeof buf));
				return RUN_EX_USAGE;
			}
			break;
		}
		case O_HELP:
			fputs(help, stdout);
			return 0;
		default:
			fprintf(stderr, "tyche-run %s: unknown or incomplete option '%s' (see --help)\n",
				tool, argv[optind - 1]);
			return RUN_EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tyche-run %s: expected one STUDY (see --help)\n", tool);
		return RUN_EX_USAGE;
	}
	o->context = argv[optind];
	if (o->shard_count && !o->output) {
		fprintf(stderr, "tyche-run %s: --shard needs --output FILE (the shard file)\n", tool);
		return RUN_EX_USAGE;
	}
	return -1;
}

int run_sens_write(const char *buf, size_t n, void *arg)
{
	return fwrite(buf, 1, n, (FILE *)arg) == n ? 0 : -1;
}

int run_sens_fail(const char *tool, const tyche_error *err)
{
	char buf[1200];

	fprintf(stderr, "tyche-run %s: %s\n", tool, tyche_error_format(err, buf, sizeof buf));
	return run_exit_code(err->code);
}

int run_cmd_sensitivity(int argc, char **argv)
{
	struct run_sens_opts o;
	tyche_sobol_opts so = TYCHE_SOBOL_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_sobol *s = NULL;
	tyche_error err = { 0 };
	FILE *out = stdout;
	int rc;

	rc = run_sens_parse(argc, argv, &o, "sensitivity",
		"usage: tyche-run sensitivity STUDY (--amount 'CATEGORY=X' ... | --scenario NAME)\n"
		"           [--metric M] [--samples N] [--seed S] [--format csv|json]\n"
		"First-order and total Sobol indices (Saltelli sampling, Jansen\n"
		"estimators, bootstrap intervals) of each metric w.r.t. each uncertain\n"
		"cell, parameter and table (doc/sensitivity.md).  Costs N x (2 + groups)\n"
		"scenario evaluations of the scenarios each group touches.\n"
		"  --amount C=X     the portfolio (repeatable; other categories 0)\n"
		"  --scenario S     one scenario instead of a portfolio\n"
		"  --metric M       one metric (default: every metric)\n"
		"  --samples N      base samples (default 1000)\n"
		"  --seed S         random seed (default 1)\n"
		"  --groups LIST    cell,parameter,table (default: all three)\n"
		"  --bootstrap R    bootstrap replicates (default 200)\n"
		"  --level L        interval level (default 0.95)\n"
		"  --threads T      threads (0 = all cores; results never depend on it)\n"
		"  --format F       csv (default) or json\n"
		"  --output FILE    write there instead of stdout\n"
		"  --models PATH    model search path (DIR[:DIR...])\n"
		"  --time-limit S   stop with an error after S seconds\n"
		"  --shard I/N      evaluate only shard I of N of the base samples into the\n"
		"                   shard file --output FILE; join the shards with\n"
		"                   'tyche-run merge SHARDS... -o OUT'\n"
		"CSV columns: Metric,Units,Level,Technology,Scenario,Table,Input,First,\n"
		"FirstLow,FirstHigh,FirstSE,Total,TotalLow,TotalHigh,TotalSE\n");
	if (rc >= 0)
		return rc;
	if (o.scenario && o.namounts) {
		fprintf(stderr, "tyche-run sensitivity: give --amount or --scenario, not both\n");
		return RUN_EX_USAGE;
	}
	if (o.sense || o.candidates || !isnan(o.budget)) {
		fprintf(stderr, "tyche-run sensitivity: --sense, --budget and --candidates are voi options\n");
		return RUN_EX_USAGE;
	}
	rc = run_load_context(o.context, &o.load, &ctx);
	if (rc)
		return rc;
	so.seed = o.seed;
	so.samples = o.samples;
	so.threads = o.threads;
	so.metric = o.metric;
	so.scenario = o.scenario;
	so.amounts = o.amounts;
	so.namounts = o.namounts;
	so.bootstrap = o.bootstrap;
	so.level = o.level;
	so.levels = o.levels;
	if (o.shard_count) {
		rc = tyche_sobol_shard(ctx, &so, o.format, o.shard_index, o.shard_count, o.output,
				       &err) ? run_sens_fail("sensitivity", &err) : 0;
		tyche_context_free(ctx);
		return rc;
	}
	if (tyche_sobol_compute(&s, ctx, &so, &err)) {
		rc = run_sens_fail("sensitivity", &err);
		goto out;
	}
	if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "tyche-run sensitivity: cannot write %s: %s\n", o.output, strerror(errno));
		rc = RUN_EX_CANTCREAT;
		out = stdout;
		goto out;
	}
	if (tyche_sobol_write(s, o.format, run_sens_write, out, &err))
		rc = run_sens_fail("sensitivity", &err);
	if (fflush(out) && !rc)
		rc = RUN_EX_CANTCREAT;
out:
	if (out != stdout)
		fclose(out);
	tyche_sobol_free(s);
	tyche_context_free(ctx);
	return rc;
}
