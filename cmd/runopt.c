/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * runopt.c - one option parser for the tyche-run analysis commands, so
 * --samples, --seed, --amount ... mean the same everywhere.  Numbers are
 * parsed strictly: "1e6" is fine, "1e6x" is a usage error.
 * --time-limit is not stored: it sets the process's work budget at once.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "run.h"
#include "runopt.h"

static int num(const char *opt, const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*v)) {
		fprintf(stderr, "tyche-run: --%s: '%s' is not a number\n", opt, s);
		return -1;
	}
	return 0;
}

static int count(const char *opt, const char *s, double lo, double hi, double *v)
{
	if (num(opt, s, v))
		return -1;
	if (*v != floor(*v) || *v < lo || *v > hi) {
		fprintf(stderr, "tyche-run: --%s: '%s' is not a whole number in [%.0f, %.0f]\n",
			opt, s, lo, hi);
		return -1;
	}
	return 0;
}

static int push(const char **list, size_t *n, const char *v, const char *opt)
{
	if (*n >= RUN_MAX_LIST) {
		fprintf(stderr, "tyche-run: too many --%s options\n", opt);
		return -1;
	}
	list[(*n)++] = v;
	return 0;
}

/* CONTEXT may name a user study of the store, OWNER~NAME (as the browser
 * does), when no file of that name exists: your own, or a shared one. */
static int resolve_study(struct run_common *o)
{
	static char path[4096];
	const char *dir = o->store ? o->store : getenv("TYCHE_STORE");
	char owner[65], name[TYCHE_CONTEXT_NAME_MAX + 1];
	tyche_error err = { 0 };
	tyche_study s;
	struct stat st;

	if (!strchr(o->context, '~') || stat(o->context, &st) == 0 ||
	    tyche_study_ref_split(o->context, owner, name))
		return -1;
	if (!dir || !*dir) {
		fprintf(stderr, "tyche-run: '%s' names a user study: give --store DIR or set "
			"TYCHE_STORE\n", o->context);
		return RUN_EX_USAGE;
	}
	if (tyche_study_get(&s, dir, tyche_store_default_user(), owner, name, &err)) {
		fprintf(stderr, "tyche-run: %s: no such study in the store %s\n", o->context, dir);
		return RUN_EX_NOINPUT;
	}
	snprintf(path, sizeof path, "%s", s.path);
	tyche_study_release(&s);
	o->study_ref = o->context;
	o->context = path;
	return -1;
}

int run_parse_common(int argc, char **argv, struct run_common *o, const char *help)
{
	enum { O_SAMPLES = 256, O_SEED, O_THREADS, O_BLOCK, O_FORMAT, O_SUMMARY,
	       O_OUTPUT, O_MODELS, O_AMOUNT, O_LIMIT, O_UPPER, O_STAT, O_METRIC,
	       O_SENSE, O_METHOD, O_BUDGET, O_BUDGETS, O_VS, O_ORDER, O_SCENARIO,
	       O_BYCAT, O_CACHE, O_NOCACHE, O_SAVE, O_SHARE, O_STORE, O_TAG,
	       O_START, O_MAXTIME, O_MAXEVAL, O_TIMELIMIT, O_EXTRAP, O_DESIGN, O_SE,
	       O_UNTILSE, O_MAXSAMPLES, O_SHARD, O_SUMMEM, O_HELP };
	static const struct option opts[] = {
		{ "samples", required_argument, NULL, O_SAMPLES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "block", required_argument, NULL, O_BLOCK },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "models", required_argument, NULL, O_MODELS },
		{ "amount", required_argument, NULL, O_AMOUNT },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "upper", required_argument, NULL, O_UPPER },
		{ "statistic", required_argument, NULL, O_STAT },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "sense", required_argument, NULL, O_SENSE },
		{ "method", required_argument, NULL, O_METHOD },
		{ "budget", required_argument, NULL, O_BUDGET },
		{ "budgets", required_argument, NULL, O_BUDGETS },
		{ "vs", required_argument, NULL, O_VS },
		{ "order", required_argument, NULL, O_ORDER },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "by-category", no_argument, NULL, O_BYCAT },
		{ "cache", required_argument, NULL, O_CACHE },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "save", required_argument, NULL, O_SAVE },
		{ "share", no_argument, NULL, O_SHARE },
		{ "store", required_argument, NULL, O_STORE },
		{ "tag", required_argument, NULL, O_TAG },
		{ "start", required_argument, NULL, O_START },
		{ "max-time", required_argument, NULL, O_MAXTIME },
		{ "max-eval", required_argument, NULL, O_MAXEVAL },
		{ "time-limit", required_argument, NULL, O_TIMELIMIT },
		{ "extrapolate", no_argument, NULL, O_EXTRAP },
		{ "design", required_argument, NULL, O_DESIGN },
		{ "se", no_argument, NULL, O_SE },
		{ "until-se", required_argument, NULL, O_UNTILSE },
		{ "max-samples", required_argument, NULL, O_MAXSAMPLES },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "summary-memory", required_argument, NULL, O_SUMMEM },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	double v;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->samples = 1000;
	o->format = TYCHE_FMT_CSV;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case O_SAMPLES:
			if (count("samples", optarg, 1, 1e9, &v))
				return RUN_EX_USAGE;
			o->samples = (size_t)v;
			break;
		case O_SEED:
			if (count("seed", optarg, 0, 1.8e19, &v))
				return RUN_EX_USAGE;
			o->seed = strtoull(optarg, NULL, 10);
			break;
		case O_THREADS:
			if (count("threads", optarg, 0, 64, &v))
				return RUN_EX_USAGE;
			o->threads = (unsigned)v;
			break;
		case O_BLOCK:
			if (count("block", optarg, 1, 65536, &v))
				return RUN_EX_USAGE;
			o->block = (size_t)v;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "csv"))
				o->format = TYCHE_FMT_CSV;
			else if (!strcmp(optarg, "json"))
				o->format = TYCHE_FMT_JSON;
			else {
				fprintf(stderr, "tyche-run: --format: '%s', expected csv or json\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case O_SUMMARY: o->summary = 1; break;
		case 'o':
		case O_OUTPUT: o->output = optarg; break;
		case O_MODELS: o->load.model_path = optarg; break;
		case O_AMOUNT:
			if (push(o->amounts, &o->namounts, optarg, "amount"))
				return RUN_EX_USAGE;
			break;
		case O_LIMIT:
			if (push(o->limits, &o->nlimits, optarg, "limit"))
				return RUN_EX_USAGE;
			break;
		case O_UPPER:
			if (push(o->uppers, &o->nuppers, optarg, "upper"))
				return RUN_EX_USAGE;
			break;
		case O_TAG:
			if (push(o->tags, &o->ntags, optarg, "tag"))
				return RUN_EX_USAGE;
			break;
		case O_STAT: o->statistic = optarg; break;
		case O_METRIC: o->metric = optarg; break;
		case O_SENSE: o->sense = optarg; break;
		case O_METHOD: o->method = optarg; break;
		case O_BUDGET:
			if (num("budget", optarg, &o->budget) || o->budget < 0) {
				if (o->budget < 0)
					fprintf(stderr, "tyche-run: --budget must be >= 0\n");
				return RUN_EX_USAGE;
			}
			o->has_budget = 1;
			break;
		case O_BUDGETS: o->budgets = optarg; break;
		case O_VS: o->vs = optarg; break;
		case O_ORDER: o->order = optarg; break;
		case O_SCENARIO: o->scenario = optarg; break;
		case O_BYCAT: o->by_category = 1; break;
		case O_CACHE: o->cache = optarg; break;
		case O_NOCACHE: o->no_cache = 1; break;
		case O_EXTRAP: o->extrapolate = 1; break;
		case O_SAVE: o->save = optarg; break;
		case O_SHARE: o->share = 1; break;
		case O_STORE: o->store = optarg; break;
		case O_START: o->start = optarg; break;
		case O_SE: o->se = 1; break;
		case O_UNTILSE:
			if (num("until-se", optarg, &v) || !(v > 0)) {
				fprintf(stderr, "tyche-run: --until-se must be a standard error > 0\n");
				return RUN_EX_USAGE;
			}
			o->until_se = v;
			break;
		case O_MAXSAMPLES:
			if (count("max-samples", optarg, 2, 1e9, &v))
				return RUN_EX_USAGE;
			o->max_samples = (size_t)v;
			break;
		case O_SUMMEM: {
			/* bytes, with an optional k, M or G (powers of 1024) */
			char *end;
			double b = strtod(optarg, &end);
			double mul = *end == 'k' ? 1024.0 : *end == 'M' ? 1048576.0
				: *end == 'G' ? 1073741824.0 : 1.0;

			if (mul != 1.0)
				end++;
			if (end == optarg || *end || !(b >= 1) || b * mul > 1e15) {
				fprintf(stderr, "tyche-run: --summary-memory: '%s' is not a size "
					"(bytes, or a number with k, M or G)\n", optarg);
				return RUN_EX_USAGE;
			}
			o->summary_mem = (size_t)(b * mul);
			break;
		}
		case O_SHARD: {
			tyche_error e = { 0 };
			char buf[512];

			/* the commands that write shards (tyche/shard.h) */
			static const char *const shard_cmds[] = {
				"evaluate",
				"pareto",
				"surface",
				"sensitivity",     /* parsed by run-sens.c, which takes --shard */
				"voi",
				NULL
			};
			size_t k = 0;

			while (shard_cmds[k] && strcmp(shard_cmds[k], argv[0]))
				k++;
			if (!shard_cmds[k]) {
				fprintf(stderr, "tyche-run %s: --shard is not built for this command "
					"(it is for", argv[0]);
				for (k = 0; shard_cmds[k]; k++)
					fprintf(stderr, "%s %s", k ? "," : "", shard_cmds[k]);
				fprintf(stderr, ")\n");
				return RUN_EX_USAGE;
			}
			if (tyche_shard_parse(&o->shard_index, &o->shard_count, optarg, &e)) {
				fprintf(stderr, "tyche-run: %s\n", tyche_error_format(&e, buf, sizeof buf));
				return RUN_EX_USAGE;
			}
			break;
		}
		case O_DESIGN:
			if ((o->design = tyche_design_parse(optarg)) < 0) {
				fprintf(stderr, "tyche-run: --design: '%s' is not mc, lhs or qmc\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case O_TIMELIMIT:
			/* the whole run's budget, wall clock and CPU alike, from
			 * now (context loading counts); see tyche_budget_set */
			if (num("time-limit", optarg, &v) || !(v > 0)) {
				fprintf(stderr, "tyche-run: --time-limit must be > 0 seconds\n");
				return RUN_EX_USAGE;
			}
			tyche_budget_set(v, v);
			break;
		case O_MAXTIME:
			if (num("max-time", optarg, &o->max_time) || o->max_time <= 0) {
				fprintf(stderr, "tyche-run: --max-time must be > 0 seconds\n");
				return RUN_EX_USAGE;
			}
			break;
		case O_MAXEVAL:
			if (count("max-eval", optarg, 1, 1e9, &v))
				return RUN_EX_USAGE;
			o->max_eval = (long)v;
			break;
		case O_HELP:
			fputs(help, stdout);
			return 0;
		default:
			return RUN_EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tyche-run %s: expected one CONTEXT argument (see --help)\n", argv[0]);
		return RUN_EX_USAGE;
	}
	o->context = argv[optind];
	if (o->shard_count && !o->output) {
		fprintf(stderr, "tyche-run %s: --shard needs --output FILE (the shard file)\n", argv[0]);
		return RUN_EX_USAGE;
	}
	return resolve_study(o);
}
