/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-optim.c - `tyche-run optimize`, `bounds`, `pareto`, `waterfall` and
 * `tornado`: parse options, build (or load) the response surface, call
 * libtyche, print long-form CSV or JSON.
 *
 * Exit codes: 0 when every optimisation solved; 1 when one is infeasible,
 * stopped at a limit or failed (the reason goes to stderr, the table
 * still goes to stdout so a sweep shows which points failed); 64 usage,
 * 65 data, 66 no input.  Statistics are of the portfolio's per-sample
 * totals, not sums of per-tranche statistics (see doc/tyche-run-optimize.md).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "run.h"
#include "runopt.h"

#define COMMON_HELP \
	"  --samples N      Monte-Carlo samples (default 1000)\n" \
	"  --seed S         random seed (default 1); also the global method's\n" \
	"  --threads T      worker threads for building the surface\n" \
	"  --cache DIR      surface cache directory; --no-cache: none\n" \
	"  --format F       csv (default) or json\n" \
	"  --output FILE    write there instead of stdout\n" \
	"  --models PATH    model search path (DIR[:DIR...])\n"

#define PROBLEM_HELP \
	"  --statistic S    mean (default), std, qP, varL, cvarL, p>X, ...\n" \
	"  --budget B       total budget: sum of amounts <= B\n" \
	"  --limit L        metric limit, e.g. 'GHG>=40' or 'q10(GHG)>=40'\n" \
	"                   (repeatable; the statistic defaults to --statistic)\n" \
	"  --upper C=A      upper limit of category C (default: its max amount)\n" \
	"  --method M       auto (default: the exact MILP when every statistic\n" \
	"                   is a mean, else a multistart search), local (SLSQP),\n" \
	"                   global (ISRES + SLSQP) or milp (piecewise-linear\n" \
	"                   MILP over the tranche grid)\n" \
	"  --start C=A,...  local start (default 10 percent of each upper limit)\n" \
	"  --max-time S     seconds per optimisation (default 10)\n" \
	"  --max-eval N     global: surface evaluations (default 2000);\n" \
	"                   milp: most grid corners (default 20000)\n"

struct ctx {
	struct run_common o;
	tyche_context *ctx;
	tyche_surface *s;
	FILE *out;
	tyche_opt_problem p;      /* a copy of *prob (its arrays are prob's) */
	tyche_opt_problem *prob;
};

static void cleanup(struct ctx *c)
{
	if (c->out && c->out != stdout)
		fclose(c->out);
	tyche_surface_free(c->s);
	tyche_context_free(c->ctx);
	tyche_opt_problem_free(c->prob);
}

static int fail_err(const tyche_error *err)
{
	char buf[1200];

	fprintf(stderr, "tyche-run: %s\n", tyche_error_format(err, buf, sizeof buf));
	return run_exit_code(err->code);
}

/* Load the context and its surface; open the output. */
static int setup(struct ctx *c)
{
	int rc = run_load_surface(&c->o, &c->ctx, &c->s);

	if (rc)
		return rc;
	if (c->o.output && !(c->out = fopen(c->o.output, "w"))) {
		fprintf(stderr, "tyche-run: cannot write %s: %s\n", c->o.output, strerror(errno));
		return RUN_EX_CANTCREAT;
	}
	if (!c->out)
		c->out = stdout;
	return 0;
}

static int find_metric(const tyche_surface *s, const char *name, size_t *m)
{
	long k = tyche_surface_find_metric(s, name);

	if (k < 0) {
		fprintf(stderr, "tyche-run: unknown metric '%s'; the metrics are", name);
		for (size_t j = 0; j < tyche_surface_nmetrics(s); j++)
			fprintf(stderr, "%s '%s'", j ? "," : "", tyche_surface_metric(s, j));
		fputc('\n', stderr);
		return RUN_EX_USAGE;
	}
	*m = (size_t)k;
	return 0;
}

/* The problem from the options; need_metric: --metric is required. */
static int make_problem(struct ctx *c, int need_metric)
{
	int rc = run_make_problem(&c->o, c->s, need_metric, NAN, "tyche-run", &c->prob);

	if (!rc)
		c->p = *c->prob;
	return rc;
}

static int write_file(const char *buf, size_t n, void *arg)
{
	return fwrite(buf, 1, n, (FILE *)arg) == n ? 0 : -1;
}

/* Print a table the library wrote; an exit code. */
static int printed(int rc, const tyche_error *err)
{
	return rc ? fail_err(err) : 0;
}

static void report(const tyche_surface *s, const tyche_opt_result *r, const char *what)
{
	if (r->status != TYCHE_OPT_OPTIMAL)
		fprintf(stderr, "tyche-run: %s%s%s: %s\n", what ? what : "",
			what ? ": " : "", tyche_opt_status_name(r->status), r->message);
	(void)s;
}

static int finish(struct ctx *c, int rc)
{
	if (c->out && fflush(c->out) && !rc) {
		fprintf(stderr, "tyche-run: cannot write the output\n");
		rc = RUN_EX_CANTCREAT;
	}
	cleanup(c);
	return rc;
}

/* ------------------------------------------------------------ optimize */

/* --save: the problem as inputs, the result as the results summary. */
static int save_optimum(struct ctx *c, const tyche_opt_result *r)
{
	char *rj = tyche_opt_result_json(c->s, r, 0), *ij, *out;
	cJSON *in = cJSON_CreateObject(), *res = cJSON_CreateObject();
	cJSON *opt = rj ? cJSON_Parse(rj) : NULL, *lim, *up;
	int rc;

	cJSON_AddStringToObject(in, "command", "optimize");
	cJSON_AddStringToObject(in, "metric", c->o.metric);
	cJSON_AddStringToObject(in, "sense", c->o.sense ? c->o.sense : "max");
	cJSON_AddStringToObject(in, "statistic", c->o.statistic ? c->o.statistic : "mean");
	cJSON_AddStringToObject(in, "method", c->o.method ? c->o.method : "auto");
	if (c->o.has_budget)
		cJSON_AddNumberToObject(in, "budget", c->o.budget);
	if (c->o.design)
		cJSON_AddStringToObject(in, "design", tyche_design_name(c->o.design));
	lim = cJSON_AddArrayToObject(in, "limits");
	for (size_t k = 0; k < c->o.nlimits; k++)
		cJSON_AddItemToArray(lim, cJSON_CreateString(c->o.limits[k]));
	up = cJSON_AddArrayToObject(in, "upper");
	for (size_t k = 0; k < c->o.nuppers; k++)
		cJSON_AddItemToArray(up, cJSON_CreateString(c->o.uppers[k]));
	if (opt) {
		cJSON *am = cJSON_GetObjectItemCaseSensitive(opt, "amounts");

		if (am)
			cJSON_AddItemToObject(in, "amounts", cJSON_Duplicate(am, 1));
		cJSON_AddItemToObject(res, "optimum", opt);
	}
	ij = cJSON_PrintUnformatted(in);
	out = cJSON_PrintUnformatted(res);
	rc = run_save_scenario(&c->o, c->ctx, ij, out);
	free(ij);
	free(out);
	free(rj);
	cJSON_Delete(in);
	cJSON_Delete(res);
	return rc;
}

int run_cmd_optimize(int argc, char **argv)
{
	struct ctx c;
	tyche_opt_result *r = NULL;
	tyche_error err = { 0 };
	int rc;

	memset(&c, 0, sizeof c);
	rc = run_parse_common(argc, argv, &c.o,
		"usage: tyche-run optimize --metric M [OPTIONS] CONTEXT\n"
		"Find the amount per category that maximises (or minimises) a statistic\n"
		"of metric M under a budget and metric limits.  Exit 0 when a feasible\n"
		"portfolio is returned (status optimal, local optimum or best found;\n"
		"only optimal is proved), 1 when infeasible or stopped (the reason on\n"
		"stderr).\n"
		"  --metric M       the metric to optimise (required)\n"
		"  --sense S        max (default) or min\n"
		PROBLEM_HELP COMMON_HELP
		"CSV columns: Variable,Index,Value,Bound,Sense,Holds\n");
	if (rc >= 0)
		return rc;
	if (!c.o.metric) {
		fprintf(stderr, "tyche-run optimize: --metric is required (see --help)\n");
		return RUN_EX_USAGE;
	}
	rc = setup(&c);
	if (!rc)
		rc = make_problem(&c, 1);
	if (rc)
		return finish(&c, rc);
	if (tyche_optimize(&r, c.s, &c.p, &err))
		return finish(&c, fail_err(&err));
	rc = printed(tyche_opt_result_write(c.s, r, c.o.format, write_file, c.out, &err), &err);
	report(c.s, r, NULL);
	/* each category the answer extrapolates (outside its tranche amounts) */
	run_warn_extrapolated(c.s, r->outside);
	if (!rc && c.o.save)
		rc = save_optimum(&c, r);
	if (!rc && !tyche_opt_status_ok(r->status))
		rc = RUN_EX_FAIL;
	tyche_opt_result_free(r);
	return finish(&c, rc);
}

/* ------------------------------------------------------------ corners */

int run_cmd_corners(int argc, char **argv)
{
	struct ctx c;
	tyche_error err = { 0 };
	tyche_corners *k = NULL;
	tyche_stat st[64];
	size_t nst;
	int rc;

	memset(&c, 0, sizeof c);
	rc = run_parse_common(argc, argv, &c.o,
		"usage: tyche-run corners [OPTIONS] CONTEXT\n"
		"Every combination of the categories' tranche amounts (the reference's\n"
		"evaluate_corners_wide), the budget each costs and the statistics of\n"
		"every metric there.  An independent check of the optimiser.\n"
		"  --statistic LIST e.g. mean,q10 (default mean)\n"
		"  --budget B       only the corners costing <= B\n"
		COMMON_HELP
		"CSV columns: Corner,CATEGORY...,Budget,STAT(METRIC)...\n");
	if (rc >= 0)
		return rc;
	rc = run_parse_stats(c.o.statistic ? c.o.statistic : "mean", st, 64, &nst);
	if (rc)
		return rc;
	rc = setup(&c);
	if (rc)
		return finish(&c, rc);
	rc = printed(tyche_corners_build(&k, c.s, st, nst, c.o.has_budget, c.o.budget, &err),
		     &err);
	if (!rc)
		rc = printed(tyche_corners_write(c.s, k, c.o.format, write_file, c.out, &err),
			     &err);
	tyche_corners_free(k);
	return finish(&c, rc);
}

/* ------------------------------------------------------------ sweeps */

static int print_sweep(struct ctx *c, const tyche_opt_sweep *sw)
{
	int rc = 0;

	tyche_error err = { 0 };

	rc = printed(tyche_opt_sweep_write(c->s, sw, c->o.format, write_file, c->out, &err), &err);
	for (size_t k = 0; k < sw->n; k++) {
		const tyche_opt_point *pt = &sw->v[k];

		if (!tyche_opt_status_ok(pt->result->status)) {
			char what[300];

			char extra[120] = "";

			if (!isnan(pt->budget))
				snprintf(extra, sizeof extra, ", budget %.6g", pt->budget);
			if (!isnan(pt->limit))
				snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
					 ", limit %.6g", pt->limit);
			snprintf(what, sizeof what, "point %zu (%s %s%s)", k + 1,
				 pt->minimize ? "min" : "max",
				 tyche_surface_metric(c->s, pt->metric), extra);
			report(c->s, pt->result, what);
			if (!rc)
				rc = RUN_EX_FAIL;
		}
	}
	return rc;
}

int run_cmd_bounds(int argc, char **argv)
{
	struct ctx c;
	tyche_opt_sweep *sw = NULL;
	tyche_error err = { 0 };
	int rc;

	memset(&c, 0, sizeof c);
	rc = run_parse_common(argc, argv, &c.o,
		"usage: tyche-run bounds [OPTIONS] CONTEXT\n"
		"Minimise and maximise every metric alone under the budget and upper\n"
		"limits: the range of each metric (for sliders and heatmaps).\n"
		PROBLEM_HELP COMMON_HELP
		"CSV columns: Point,Target,Sense,Budget,Limit,Status, then as optimize.\n");
	if (rc >= 0)
		return rc;
	rc = setup(&c);
	if (!rc)
		rc = make_problem(&c, 0);
	if (rc)
		return finish(&c, rc);
	if (tyche_opt_bounds(&sw, c.s, &c.p, &err))
		return finish(&c, fail_err(&err));
	rc = print_sweep(&c, sw);
	tyche_opt_sweep_free(sw);
	return finish(&c, rc);
}

/* "LO:HI:STEP" into a list (at most 10000 points) for option --opt. */
static int parse_range(const char *opt, const char *s, double **out, size_t *n)
{
	tyche_error err = { 0 };

	if (!tyche_opt_parse_range(out, n, s, -INFINITY, 10000, &err))
		return 0;
	fprintf(stderr, "tyche-run: --%s: %s\n", opt, err.msg);
	return run_exit_code(err.code);
}

/* --vs OTHER[=LO:HI:STEP] (or OTHER<=..., OTHER>=...): the metric, the
 * sense of its limit and the points (left alone when not given). */
static int parse_vs(struct ctx *c, size_t *vs, int *upper, double **bounds, size_t *nbounds)
{
	char *name = strdup(c->o.vs), *sep;
	int rc = 0;

	if (!name)
		return RUN_EX_SOFTWARE;
	sep = strpbrk(name, "=<>");
	if (sep) {
		const char *range = sep + 1;

		if (*sep == '<' || *sep == '>') {
			*upper = *sep == '<';
			if (*range == '=')
				range++;
		}
		*sep = '\0';
		rc = parse_range("vs", range, bounds, nbounds);
	}
	if (!rc)
		rc = find_metric(c->s, name, vs);
	free(name);
	return rc;
}

int run_cmd_pareto(int argc, char **argv)
{
	struct ctx c;
	tyche_opt_sweep *sw = NULL;
	tyche_error err = { 0 };
	double *budgets = NULL, *bounds = NULL;
	size_t nb = 0, nbounds = 17;
	const char *shard_path;
	int rc;

	memset(&c, 0, sizeof c);
	rc = run_parse_common(argc, argv, &c.o,
		"usage: tyche-run pareto --budgets LO:HI:STEP [--metric M] CONTEXT\n"
		"       tyche-run pareto --metric M --vs OTHER[=LO:HI:STEP] CONTEXT\n"
		"Pareto sweeps.  With --budgets: the optimum of M (default: every\n"
		"metric) at each total budget.  With --vs: the optimum of M with the\n"
		"limit OTHER >= x stepped over LO:HI:STEP (default: 17 points over\n"
		"OTHER's range under the budget); --vs 'OTHER<=...' for upper limits.\n"
		"  --metric M       the metric to optimise\n"
		"  --sense S        max (default) or min\n"
		"  --shard I/N      solve only shard I of N of the points into the shard\n"
		"                   file --output FILE; join them with 'tyche-run merge'\n"
		PROBLEM_HELP COMMON_HELP
		"CSV columns: Point,Target,Sense,Budget,Limit,Status, then as optimize.\n");
	if (rc >= 0)
		return rc;
	if (!c.o.budgets == !c.o.vs) {
		fprintf(stderr, "tyche-run pareto: give either --budgets or --vs (see --help)\n");
		return RUN_EX_USAGE;
	}
	if (c.o.vs && !c.o.metric) {
		fprintf(stderr, "tyche-run pareto: --vs needs --metric\n");
		return RUN_EX_USAGE;
	}
	if (c.o.budgets && (rc = parse_range("budgets", c.o.budgets, &budgets, &nb)))
		return rc;
	/* a shard: the library writes --output, setup opens nothing */
	shard_path = c.o.shard_count ? c.o.output : NULL;
	if (shard_path)
		c.o.output = NULL;
	rc = setup(&c);
	if (!rc)
		rc = make_problem(&c, 0);
	if (rc)
		goto out;
	if (shard_path) {
		size_t m = c.p.metric, vs = 0;
		int upper = 0;

		if (c.o.vs)
			rc = parse_vs(&c, &vs, &upper, &bounds, &nbounds);
		if (!rc) {
			tyche_pareto_spec sp = {
				.base = &c.p, .metrics = c.o.metric ? &m : NULL,
				.nmetrics = c.o.metric ? 1 : 0, .budgets = budgets, .nbudgets = nb,
				.vs = c.o.vs ? (long)vs : -1, .vs_upper = upper, .bounds = bounds,
				.npoints = nbounds, .format = c.o.format
			};

			if (tyche_pareto_shard(c.ctx, c.s, &sp, c.o.shard_index, c.o.shard_count,
					       shard_path, &err))
				rc = fail_err(&err);
		}
		goto out;
	}
	if (c.o.budgets) {
		size_t m = c.p.metric;

		if (tyche_opt_pareto_budget(&sw, c.s, &c.p,
					    c.o.metric ? &m : NULL, c.o.metric ? 1 : 0, budgets, nb, &err)) {
			rc = fail_err(&err);
			goto out;
		}
	} else {
		int upper = 0;
		size_t vs = 0;

		rc = parse_vs(&c, &vs, &upper, &bounds, &nbounds);
		if (rc)
			goto out;
		if (tyche_opt_pareto_vs(&sw, c.s, &c.p, vs, upper, bounds, nbounds, &err)) {
			rc = fail_err(&err);
			goto out;
		}
	}
	rc = print_sweep(&c, sw);
out:
	tyche_opt_sweep_free(sw);
	free(budgets);
	free(bounds);
	return finish(&c, rc);
}

/* ------------------------------------------------------------ waterfall */

int run_cmd_waterfall(int argc, char **argv)
{
	struct ctx c;
	tyche_waterfall *w = NULL;
	tyche_error err = { 0 };
	double *amounts = NULL;
	size_t *order = NULL, norder = 0, C;
	int rc, mode = TYCHE_WF_GIVEN;

	memset(&c, 0, sizeof c);
	rc = run_parse_common(argc, argv, &c.o,
		"usage: tyche-run waterfall --amount C=A ... [--order ...] CONTEXT\n"
		"Invest a portfolio's amounts one category at a time, from all zero,\n"
		"and record every metric's statistic after each step.\n"
		"  --amount C=A     the portfolio (repeatable; other categories 0)\n"
		"  --order O        'C1,C2,...' (default: the order of --amount), best\n"
		"                   (greedy on --metric, --sense) or all (every order)\n"
		"  --metric M       the metric 'best' ranks by (default: the first)\n"
		"  --sense S        max (default) or min\n"
		"  --statistic S    mean (default), std, qP, ...\n"
		"  --extrapolate    allow amounts above a category's largest tranche amount\n"
		COMMON_HELP
		"CSV columns: Order,Step,Category,Metric,Value,Delta\n");
	if (rc >= 0)
		return rc;
	rc = setup(&c);
	if (!rc)
		rc = make_problem(&c, 0);
	if (rc)
		return finish(&c, rc);
	C = tyche_surface_ncategories(c.s);
	amounts = calloc(C ? C : 1, sizeof(double));
	order = calloc(C ? C : 1, sizeof(size_t));
	if (!amounts || !order) {
		rc = RUN_EX_SOFTWARE;
		goto out;
	}
	if (tyche_surface_parse_amounts(c.s, c.o.amounts, c.o.namounts, amounts, &err)) {
		rc = fail_err(&err);
		goto out;
	}
	rc = run_check_range(&c.o, c.s, amounts, "tyche-run");
	if (rc)
		goto out;
	if (c.o.order && !strcmp(c.o.order, "best")) {
		mode = TYCHE_WF_BEST;
	} else if (c.o.order && !strcmp(c.o.order, "all")) {
		mode = TYCHE_WF_ALL;
	} else if (c.o.order) {
		char *dup = strdup(c.o.order), *save = NULL, *tok;

		if (!dup) {
			rc = RUN_EX_SOFTWARE;
			goto out;
		}
		for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			long k = tyche_surface_find_category(c.s, tok);

			if (k < 0 || norder >= C) {
				fprintf(stderr, "tyche-run waterfall: --order: %s category '%s'\n",
					k < 0 ? "unknown" : "too many categories, at", tok);
				free(dup);
				rc = RUN_EX_USAGE;
				goto out;
			}
			order[norder++] = (size_t)k;
		}
		free(dup);
	} else {
		/* the order of the --amount options */
		for (size_t k = 0; k < c.o.namounts && norder < C; k++) {
			const char *eq = strrchr(c.o.amounts[k], '=');
			char name[512];
			long j;

			snprintf(name, sizeof name, "%.*s", (int)(eq - c.o.amounts[k]),
				 c.o.amounts[k]);
			j = tyche_surface_find_category(c.s, name);
			if (j >= 0)
				order[norder++] = (size_t)j;
		}
	}
	if (tyche_waterfall_build(&w, c.s, amounts, &c.p.stat, mode, order, norder,
				  c.p.metric, c.p.minimize, &err)) {
		rc = fail_err(&err);
		goto out;
	}
	rc = printed(tyche_waterfall_write(c.s, w, c.o.format, write_file, c.out, &err), &err);
out:
	tyche_waterfall_free(w);
	free(amounts);
	free(order);
	return finish(&c, rc);
}

/* ------------------------------------------------------------ tornado */

int run_cmd_tornado(int argc, char **argv)
{
	struct run_common o;
	tyche_context *ctx = NULL;
	tyche_tornado *t = NULL;
	tyche_error err = { 0 };
	FILE *out = stdout;
	int rc;

	rc = run_parse_common(argc, argv, &o,
		"usage: tyche-run tornado --metric M [--amount C=A ... | --scenario S] CONTEXT\n"
		"Swing each uncertain input between its q10 and q90, every other input\n"
		"at its median, and rank the inputs by the swing of metric M: at a\n"
		"portfolio (--amount, default every amount 0) or in one scenario.\n"
		"  --metric M       the metric (required)\n"
		"  --amount C=A     the portfolio (repeatable; other categories 0)\n"
		"  --scenario S     one scenario instead of a portfolio\n"
		"  --format F       csv (default) or json\n"
		"  --output FILE    write there instead of stdout\n"
		"  --models PATH    model search path (DIR[:DIR...])\n"
		"CSV columns: Rank,Input,Low,High,Swing,Base (Low: input at q10)\n");
	if (rc >= 0)
		return rc;
	if (!o.metric) {
		fprintf(stderr, "tyche-run tornado: --metric is required (see --help)\n");
		return RUN_EX_USAGE;
	}
	if (o.scenario && o.namounts) {
		fprintf(stderr, "tyche-run tornado: give --amount or --scenario, not both\n");
		return RUN_EX_USAGE;
	}
	rc = run_load_context(o.context, &o.load, &ctx);
	if (rc)
		return rc;
	if (tyche_tornado_build(&t, ctx, o.metric, o.amounts, o.namounts, o.scenario, &err)) {
		rc = fail_err(&err);
		goto out;
	}
	if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "tyche-run: cannot write %s: %s\n", o.output, strerror(errno));
		rc = RUN_EX_CANTCREAT;
		out = stdout;
		goto out;
	}
	rc = printed(tyche_tornado_write(t, o.format, write_file, out, &err), &err);
	if (fflush(out) && !rc)
		rc = RUN_EX_CANTCREAT;
out:
	if (out != stdout)
		fclose(out);
	tyche_tornado_free(t);
	tyche_context_free(ctx);
	return rc;
}
