/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-optim.c - the optimiser on hand-built decision contexts whose optima
 * are known: one technology whose scenarios set parameters that the
 * metrics X and Y return directly, so each tranche's metric value is
 * exactly what the test writes.  Also pv-residential-simple (golden
 * median inputs) against brute force over the tranche grid.  Sizes past
 * old fixed limits (70-category waterfall, a tornado input of 12 cells, a
 * MILP grid too large for GLPK) and the time budget.  The trust grid:
 * on every reference context, auto at least as good as local, global,
 * milp and the best feasible corner, and every `optimal` answer unbeaten
 * by a brute-force fine grid (contexts with <= 3 categories).
 *
 * Every context is written to a fresh temporary directory and removed.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tyche.h"
#include "tap.h"

struct tr {
	const char *cat;
	double amount;
	const char *x, *y;   /* parameter cells: numbers or distributions */
};

static char tmproot[64];
static int nctx;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* Write a context with the tranches t[0..n-1] (one scenario each) and
 * return its directory (static buffer rotated per call). */
static const char *write_ctx(const struct tr *t, size_t n)
{
	static char dir[256];
	FILE *d, *p, *tr;
	char path[512];

	snprintf(dir, sizeof dir, "%s/ctx%d", tmproot, nctx++);
	if (mkdir(dir, 0755)) {
		perror(dir);
		exit(2);
	}
	put(dir, "toy.yml",
	    "capital:\n  Plant: 0 * p[0]\nfixed:\n  Upkeep: 0 * p[0]\n"
	    "production:\n  Widget: 1 + 0 * p[0]\nmetrics:\n  X: p[0]\n  Y: p[1]\n");
	put(dir, "functions.csv",
	    "Technology,Style,Model,Capital,Fixed,Production,Metrics,Notes\n"
	    "Toy,numpy,toy,capital,fixed,production,metrics,\n");
	put(dir, "indices.csv",
	    "Technology,Type,Index,Offset,Description,Notes\n"
	    "Toy,Capital,Plant,0,,\nToy,Input,Stuff,0,,\nToy,Output,Widget,0,,\n"
	    "Toy,Metric,X,0,,\nToy,Metric,Y,1,,\n");
	put(dir, "results.csv",
	    "Technology,Variable,Index,Units,Notes\nToy,Cost,Cost,u,\n"
	    "Toy,Metric,X,u,\nToy,Metric,Y,u,\nToy,Output,Widget,u,\n");
	snprintf(path, sizeof path, "%s/designs.csv", dir);
	d = fopen(path, "w");
	snprintf(path, sizeof path, "%s/parameters.csv", dir);
	p = fopen(path, "w");
	snprintf(path, sizeof path, "%s/tranches.csv", dir);
	tr = fopen(path, "w");
	if (!d || !p || !tr)
		exit(2);
	fputs("Technology,Scenario,Variable,Index,Value,Units,Notes\n", d);
	fputs("Technology,Scenario,Parameter,Offset,Value,Units,Notes\n", p);
	fputs("Category,Tranche,Scenario,Amount,Notes\n", tr);
	for (size_t k = 0; k < n; k++) {
		static const char *rows[] = { "Scale,,1", "Lifetime,Plant,1", "Input,Stuff,1",
			"Input efficiency,Stuff,1", "Input price,Stuff,0",
			"Output efficiency,Widget,1", "Output price,Widget,0" };

		for (size_t r = 0; r < 7; r++)
			fprintf(d, "Toy,S%zu,%s,,\n", k, rows[r]);
		fprintf(p, "Toy,S%zu,X,0,\"%s\",,\n", k, t[k].x);
		fprintf(p, "Toy,S%zu,Y,1,\"%s\",,\n", k, t[k].y);
		fprintf(tr, "%s,T%zu,S%zu,%.17g,\n", t[k].cat, k, k, t[k].amount);
	}
	fclose(d);
	fclose(p);
	fclose(tr);
	snprintf(path, sizeof path, "Investment,Category,Tranche,Notes\nI,%s,T0,\n", t[0].cat);
	put(dir, "investments.csv", path);
	return dir;
}

static tyche_surface *surface_of(const struct tr *t, size_t n, size_t samples)
{
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_error err = { 0 };
	const char *dir = write_ctx(t, n);

	if (tyche_context_load(&ctx, dir, NULL, &d)) {
		tyche_diags_print(&d, stdout);
		exit(2);
	}
	tyche_diags_release(&d);
	o.samples = samples;
	o.cache_dir = "";
	o.threads = 1;
	if (tyche_surface_build(&s, ctx, &o, NULL, &err)) {
		printf("# %s\n", err.msg);
		exit(2);
	}
	tyche_context_free(ctx);
	return s;
}

static long cat(const tyche_surface *s, const char *name)
{
	return tyche_surface_find_category(s, name);
}

static tyche_opt_result *solve(const tyche_surface *s, const tyche_opt_problem *p)
{
	tyche_opt_result *r = NULL;
	tyche_error err = { 0 };

	if (tyche_optimize(&r, s, p, &err)) {
		printf("# tyche_optimize: %s\n", err.msg);
		return NULL;
	}
	return r;
}

static const char *const methods[] = { "local", "global", "milp", "auto" };

/* Linear: A is worth twice B per unit; the budget binds. */
static void test_linear(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" }, { "A", 100, "10", "0" }, { "A", 200, "20", "0" },
		{ "B", 0, "0", "0" }, { "B", 100, "5", "0" }, { "B", 200, "10", "0" },
	};
	tyche_surface *s = surface_of(t, 6, 10);

	for (int m = 0; m < 4; m++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.metric = (size_t)tyche_surface_find_metric(s, "X");
		p.has_budget = 1;
		p.budget = 250;
		p.method = m;
		r = solve(s, &p);
		ok(r && tyche_opt_status_ok(r->status), "%s linear: optimal (%s)", methods[m],
		   r ? r->message : "");
		if (!r)
			continue;
		is_close(r->objective, 22.5, 1e-6, 1e-6, "%s linear: X = 20 + 2.5 (got %g)", methods[m],
			 r->objective);
		is_close(r->amounts[cat(s, "A")], 200, 1e-6, 1e-4,
			 "%s linear: all of A first (A = %g)", methods[m], r->amounts[cat(s, "A")]);
		is_close(r->amounts[cat(s, "B")], 50, 1e-6, 1e-4,
			 "%s linear: the rest to B (B = %g)", methods[m], r->amounts[cat(s, "B")]);
		ok(r->nchecks == 1 && r->checks[0].holds && !strcmp(r->checks[0].label, "budget"),
		   "%s linear: the budget check is reported and holds", methods[m]);
		ok(r->evaluations > 0 && r->seconds >= 0, "%s linear: evaluations (%ld) and time",
		   methods[m], r->evaluations);
		tyche_opt_result_free(r);
	}
	tyche_surface_free(s);
}

/* Concave: diminishing returns; the optimum splits the budget. */
static void test_concave(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" }, { "A", 100, "10", "0" }, { "A", 200, "12", "0" },
		{ "B", 0, "0", "0" }, { "B", 100, "6", "0" }, { "B", 200, "8", "0" },
	};
	tyche_surface *s = surface_of(t, 6, 5);

	for (int m = 0; m < 4; m++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.metric = 0;
		p.has_budget = 1;
		p.budget = 200;
		p.method = m;
		r = solve(s, &p);
		if (!ok(r && tyche_opt_status_ok(r->status), "%s concave: optimal", methods[m]))
			continue;
		is_close(r->objective, 16, 1e-6, 1e-6, "%s concave: X = 16 (got %g)",
			 methods[m], r->objective);
		is_close(r->amounts[cat(s, "A")], 100, 1e-5, 1e-3, "%s concave: A = 100 (got %g)",
			 methods[m], r->amounts[cat(s, "A")]);
		tyche_opt_result_free(r);
	}
	tyche_surface_free(s);
}

/* Limits: Y falls with A; the limit Y >= -3 binds.  Also infeasible
 * limits, upper limits, and a corner held only by the upper bounds. */
static void test_limits(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" }, { "A", 100, "10", "-5" }, { "A", 200, "20", "-10" },
		{ "B", 0, "0", "0" }, { "B", 100, "4", "1" }, { "B", 200, "8", "2" },
	};
	tyche_surface *s = surface_of(t, 6, 5);
	tyche_opt_limit lim;
	tyche_error err = { 0 };
	const char *const up[] = { "A=150" };
	double upper[2];

	ok(!tyche_opt_parse_limit(&lim, s, "Y>=-3", NULL, &err) && lim.metric == 1 &&
	   !lim.upper && lim.bound == -3 && lim.stat.kind == TYCHE_STAT_MEAN,
	   "parse 'Y>=-3'");
	for (int m = 0; m < 4; m++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.limits = &lim;
		p.nlimits = 1;
		p.method = m;
		r = solve(s, &p);
		if (!ok(r && tyche_opt_status_ok(r->status), "%s limit: optimal (%s)", methods[m],
			r ? r->message : ""))
			continue;
		is_close(r->objective, 18, 1e-6, 1e-5, "%s limit: X = 18 (got %g)", methods[m],
			 r->objective);
		is_close(r->checks[0].value, -3, 1e-6, 1e-5, "%s limit: Y = -3, binding (%g)",
			 methods[m], r->checks[0].value);
		ok(r->checks[0].holds, "%s limit: holds", methods[m]);
		is_close(r->metrics[1], r->checks[0].value, 1e-12, 0,
			 "%s limit: metrics[] agree with the check", methods[m]);
		tyche_opt_result_free(r);
	}
	/* infeasible: Y can reach 2 at most */
	ok(!tyche_opt_parse_limit(&lim, s, "Y >= 5", NULL, &err), "parse 'Y >= 5'");
	for (int m = 0; m < 4; m++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.limits = &lim;
		p.nlimits = 1;
		p.method = m;
		r = solve(s, &p);
		if (!ok(r && r->status == TYCHE_OPT_INFEASIBLE, "%s: Y >= 5 is infeasible",
			methods[m]))
			continue;
		ok(strstr(r->message, "mean(Y) >= 5 cannot hold") &&
		   strstr(r->message, "largest value is 2"),
		   "%s infeasible: the message says why: %s", methods[m], r->message);
		ok(!r->checks[0].holds, "%s infeasible: the check does not hold", methods[m]);
		tyche_opt_result_free(r);
	}
	/* an upper limit "<=" (not the reference's sign bug) */
	ok(!tyche_opt_parse_limit(&lim, s, "Y<=-4", NULL, &err) && lim.upper, "parse 'Y<=-4'");
	{
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.metric = 0;
		p.minimize = 1;
		p.limits = &lim;
		p.nlimits = 1;
		r = solve(s, &p);
		/* min X with Y <= -4: A = 80 (Y = -4) and B = 0: X = 8 */
		if (ok(r && tyche_opt_status_ok(r->status), "min with an upper limit: optimal"))
			is_close(r->objective, 8, 1e-6, 1e-5, "min X s.t. Y <= -4: 8 (got %g)",
				 r->objective);
		tyche_opt_result_free(r);
	}
	/* unbounded-looking: no budget; held by the upper limits */
	ok(!tyche_opt_parse_upper(s, up, 1, upper, &err) && upper[cat(s, "A")] == 150 &&
	   upper[cat(s, "B")] == 200, "parse upper 'A=150'");
	for (int m = 0; m < 4; m++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.upper = upper;
		p.method = m;
		r = solve(s, &p);
		if (!ok(r && tyche_opt_status_ok(r->status), "%s upper: optimal", methods[m]))
			continue;
		is_close(r->amounts[cat(s, "A")], 150, 1e-9, 1e-6, "%s upper: A at its limit 150",
			 methods[m]);
		is_close(r->amounts[cat(s, "B")], 200, 1e-9, 1e-6, "%s upper: B at its max 200",
			 methods[m]);
		is_close(r->objective, 23, 1e-9, 1e-6, "%s upper: X = 23", methods[m]);
		tyche_opt_result_free(r);
	}
	ok(tyche_opt_parse_limit(&lim, s, "Z>=1", NULL, &err) == TYCHE_EUSAGE &&
	   strstr(err.msg, "unknown metric 'Z'") && strstr(err.msg, "'X', 'Y'"),
	   "an unknown metric names the metrics: %s", err.msg);
	ok(tyche_opt_parse_limit(&lim, s, "X=1", NULL, &err) == TYCHE_EUSAGE,
	   "a limit without >= or <= is a usage error");
	ok(!tyche_opt_parse_limit(&lim, s, "q10(X) <= 7", NULL, &err) &&
	   lim.stat.kind == TYCHE_STAT_QUANTILE && lim.upper && lim.bound == 7,
	   "parse 'q10(X) <= 7'");
	tyche_surface_free(s);
}

/* Two peaks: local from 10 % (A = 20) goes down to the near one at 0,
 * global finds the far one at 200. */
static void test_multimodal(void)
{
	static const struct tr t[] = {
		{ "A", 0, "10", "0" }, { "A", 50, "0", "0" }, { "A", 100, "0", "0" },
		{ "A", 150, "0", "0" }, { "A", 200, "12", "0" },
		{ "B", 0, "0", "0" }, { "B", 100, "0", "0" },
	};
	tyche_surface *s = surface_of(t, 7, 3);
	tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
	tyche_opt_result *loc, *g1, *g2;

	p.method = TYCHE_OPT_LOCAL;
	loc = solve(s, &p);
	/* the known trap: local says only what it knows, auto proves the far peak */
	ok(loc && loc->status == TYCHE_OPT_LOCAL_OPTIMUM &&
	   !strcmp(tyche_opt_status_name(loc->status), "local optimum") && loc->starts == 1,
	   "trap: local reports 'local optimum' (%s)", loc ? loc->message : "");
	p.method = TYCHE_OPT_AUTO;
	g1 = solve(s, &p);
	ok(g1 && g1->status == TYCHE_OPT_OPTIMAL && fabs(g1->objective - 12) < 1e-9,
	   "trap: auto reports 'optimal' at the far peak (%g: %s)", g1 ? g1->objective : NAN,
	   g1 ? g1->message : "");
	tyche_opt_result_free(g1);
	p.method = TYCHE_OPT_GLOBAL;
	p.seed = 42;
	g1 = solve(s, &p);
	g2 = solve(s, &p);
	if (ok(loc && g1 && g2, "multimodal: all solved")) {
		is_close(loc->objective, 10, 1e-6, 1e-6, "local stops on the near peak (%g)",
			 loc->objective);
		is_close(g1->objective, 12, 1e-6, 1e-6, "global finds the far peak (%g)",
			 g1->objective);
		ok(g1->objective > loc->objective, "global beats local");
		ok(!memcmp(g1->amounts, g2->amounts, 2 * sizeof(double)) &&
		   g1->evaluations == g2->evaluations,
		   "global: the same seed gives the same result");
	}
	tyche_opt_result_free(loc);
	tyche_opt_result_free(g1);
	tyche_opt_result_free(g2);
	p.method = TYCHE_OPT_MILP;
	loc = solve(s, &p);
	if (ok(loc && loc->status == TYCHE_OPT_OPTIMAL, "multimodal milp: optimal"))
		is_close(loc->objective, 12, 1e-9, 1e-9, "milp finds the far peak too");
	tyche_opt_result_free(loc);
	tyche_surface_free(s);
}

/* Statistics are of the portfolio's samples: the mean prefers the risky
 * A, q10 the sure B. */
static void test_statistic(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" }, { "A", 100, "st.norm(10, 5)", "0" },
		{ "B", 0, "0", "0" }, { "B", 100, "4", "0" },
	};
	tyche_surface *s = surface_of(t, 4, 4000);
	tyche_error err = { 0 };

	for (int m = 0; m < 4; m++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		p.has_budget = 1;
		p.budget = 100;
		p.method = m;
		r = solve(s, &p);
		if (ok(r && tyche_opt_status_ok(r->status), "%s mean: optimal", methods[m]))
			is_close(r->amounts[cat(s, "A")], 100, 1e-6, 1e-3,
				 "%s mean: all in A (%g)", methods[m], r->amounts[cat(s, "A")]);
		tyche_opt_result_free(r);
		ok(!tyche_stat_parse(&p.stat, "q10", &err), "q10 parses");
		r = solve(s, &p);
		if (ok(r && tyche_opt_status_ok(r->status), "%s q10: optimal", methods[m])) {
			is_close(r->amounts[cat(s, "B")], 100, 1e-6, 1e-3,
				 "%s q10: all in B (%g)", methods[m], r->amounts[cat(s, "B")]);
			is_close(r->objective, 4, 1e-9, 1e-9, "%s q10: 4", methods[m]);
		}
		tyche_opt_result_free(r);
	}
	tyche_surface_free(s);
}

/* The MILP equals brute force over the grid corners. */
static void test_milp_brute(void)
{
	static const struct tr t[] = {
		{ "A", 10, "3", "1" }, { "A", 40, "7", "-2" }, { "A", 90, "8", "-6" },
		{ "B", 20, "-1", "2" }, { "B", 50, "6", "0" }, { "B", 70, "6.5", "-1" },
		{ "C", 30, "2", "3" }, { "C", 60, "9", "-4" },
	};
	tyche_surface *s = surface_of(t, 8, 4);
	double g[3][5] = { { 0, 10, 40, 90 }, { 0, 20, 50, 70 }, { 0, 30, 60 } };
	size_t gn[3] = { 4, 4, 3 };
	double *tot = calloc(2 * 4, sizeof(double));
	long ia = cat(s, "A"), ib = cat(s, "B"), ic = cat(s, "C");
	tyche_stat mean;
	tyche_error err = { 0 };

	tyche_stat_parse(&mean, "mean", &err);
	for (int withlim = 0; withlim < 2; withlim++) {
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_limit lim = { 1, mean, 0, -3.0 };
		tyche_opt_result *r;
		double best = -INFINITY;

		p.method = TYCHE_OPT_MILP;
		if (withlim) {
			p.limits = &lim;
			p.nlimits = 1;
		}
		for (size_t a = 0; a < gn[0]; a++)
			for (size_t b = 0; b < gn[1]; b++)
				for (size_t c = 0; c < gn[2]; c++) {
					double am[3], x, y;

					am[ia] = g[0][a];
					am[ib] = g[1][b];
					am[ic] = g[2][c];
					tyche_surface_eval(s, am, tot, NULL);
					x = tyche_stat_eval(&mean, tot, 4, NULL);
					y = tyche_stat_eval(&mean, tot + 4, 4, NULL);
					if (withlim && y < -3)
						continue;
					if (x > best)
						best = x;
				}
		r = solve(s, &p);
		if (ok(r && tyche_opt_status_ok(r->status), "milp brute %d: optimal", withlim)) {
			if (withlim)
				ok(r->objective >= best - 1e-9 && r->checks[0].holds,
				   "milp with a limit: feasible and >= every feasible corner (%g >= %g)",
				   r->objective, best);
			else
				is_close(r->objective, best, 1e-9, 1e-9,
					 "milp = the best corner without constraints (%g, %g)",
					 r->objective, best);
		}
		tyche_opt_result_free(r);
	}
	{
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r = NULL;

		p.method = TYCHE_OPT_MILP;
		p.max_eval = 20;
		/* a quantile: the grid MILP (means take the separable one) */
		tyche_stat_parse(&p.stat, "q50", &err);
		ok(tyche_optimize(&r, s, &p, &err) == TYCHE_EUSAGE && !r &&
		   strstr(err.msg, "48 corners (4 x 4 x 3") && strstr(err.msg, "limit of 20"),
		   "milp refuses a grid over the limit, naming its size: %s", err.msg);
	}
	free(tot);
	tyche_surface_free(s);
}

static void test_sweeps(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" }, { "A", 100, "10", "-5" }, { "A", 200, "20", "-10" },
		{ "B", 0, "0", "0" }, { "B", 100, "4", "1" }, { "B", 200, "8", "2" },
	};
	tyche_surface *s = surface_of(t, 6, 3);
	tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
	tyche_opt_sweep *sw = NULL;
	tyche_error err = { 0 };
	double budgets[] = { 0, 100, 300 };
	size_t x = 0;

	if (ok(!tyche_opt_bounds(&sw, s, &p, &err) && sw->n == 4, "bounds: 2 points per metric")) {
		is_close(sw->v[0].result->objective, 0, 0, 1e-6, "min X = 0");
		is_close(sw->v[1].result->objective, 28, 1e-9, 1e-6, "max X = 28");
		is_close(sw->v[2].result->objective, -10, 1e-9, 1e-6, "min Y = -10");
		is_close(sw->v[3].result->objective, 2, 1e-9, 1e-6, "max Y = 2");
		ok(sw->v[0].minimize && !sw->v[1].minimize, "bounds: min then max");
	}
	tyche_opt_sweep_free(sw);
	sw = NULL;
	if (ok(!tyche_opt_pareto_budget(&sw, s, &p, &x, 1, budgets, 3, &err) && sw->n == 3,
	       "pareto budget: one point per budget")) {
		is_close(sw->v[0].result->objective, 0, 0, 1e-6, "budget 0: X = 0");
		is_close(sw->v[1].result->objective, 10, 1e-9, 1e-6, "budget 100: X = 10");
		is_close(sw->v[2].result->objective, 24, 1e-9, 1e-6, "budget 300: X = 24");
		ok(sw->v[2].budget == 300, "the point records its budget");
	}
	tyche_opt_sweep_free(sw);
	sw = NULL;
	if (ok(!tyche_opt_pareto_vs(&sw, s, &p, 1, 0, NULL, 5, &err) && sw->n == 5,
	       "pareto vs: 5 points over Y's range")) {
		is_close(sw->v[0].limit, -10, 1e-9, 1e-6, "first limit: Y's min");
		is_close(sw->v[4].limit, 2, 1e-9, 1e-6, "last limit: Y's max");
		/* X = 28 + ... : with Y >= L, X falls as L rises */
		for (size_t k = 1; k < 5; k++)
			ok(sw->v[k].result->objective <= sw->v[k - 1].result->objective + 1e-9,
			   "pareto vs: X does not rise as Y's limit rises (%zu)", k);
		is_close(sw->v[4].result->objective, 8, 1e-9, 1e-5, "Y >= 2 leaves X = 8");
		ok(sw->vs_metric == 1, "the sweep records the other metric");
		{
			char *j = tyche_opt_sweep_json(s, sw, 0);

			ok(j && strstr(j, "\"vs\":\"Y\"") && strstr(j, "\"status\":\"optimal\""),
			   "sweep JSON");
			free(j);
		}
	}
	tyche_opt_sweep_free(sw);
	tyche_surface_free(s);
}

static void test_waterfall(void)
{
	static const struct tr t[] = {
		{ "A", 0, "1", "0" }, { "A", 100, "10", "-5" },
		{ "B", 0, "2", "0" }, { "B", 100, "4", "1" },
		{ "C", 0, "0", "0" }, { "C", 100, "7", "0" },
	};
	tyche_surface *s = surface_of(t, 6, 2);
	tyche_waterfall *w = NULL;
	tyche_error err = { 0 };
	double am[3];
	size_t order[3] = { (size_t)cat(s, "B"), (size_t)cat(s, "A"), (size_t)cat(s, "C") };
	tyche_stat mean;

	tyche_stat_parse(&mean, "mean", &err);
	am[cat(s, "A")] = 100;
	am[cat(s, "B")] = 100;
	am[cat(s, "C")] = 50;
	if (ok(!tyche_waterfall_build(&w, s, am, &mean, TYCHE_WF_GIVEN, order, 3, 0, 0, &err),
	       "waterfall: given order")) {
		is_close(w->start[0], 3, 0, 1e-12, "start X: every amount 0 = 1 + 2 + 0");
		is_close(w->value[0 * 2 + 0], 5, 0, 1e-12, "step 1 (B): 5");
		is_close(w->value[1 * 2 + 0], 14, 0, 1e-12, "step 2 (A): 14");
		is_close(w->value[2 * 2 + 0], 17.5, 0, 1e-12, "step 3 (C half): 17.5");
		ok(w->order[0] == order[0] && w->order[2] == order[2], "steps follow the order");
	}
	tyche_waterfall_free(w);
	w = NULL;
	if (ok(!tyche_waterfall_build(&w, s, am, &mean, TYCHE_WF_BEST, NULL, 0, 0, 0, &err),
	       "waterfall: best order"))
		ok(w->order[0] == (size_t)cat(s, "A") && w->order[1] == (size_t)cat(s, "C") &&
		   w->order[2] == (size_t)cat(s, "B"), "greedy order A (+9), C (+3.5), B (+2)");
	tyche_waterfall_free(w);
	w = NULL;
	if (ok(!tyche_waterfall_build(&w, s, am, &mean, TYCHE_WF_ALL, NULL, 0, 0, 0, &err) &&
	       w->norders == 6 && w->nsteps == 3, "waterfall: all 6 orders")) {
		int same = 1;

		for (size_t o = 0; o < 6; o++)
			same &= fabs(w->value[(o * 3 + 2) * 2] - 17.5) < 1e-12;
		ok(same, "every order ends at the portfolio's value");
	}
	tyche_waterfall_free(w);
	w = NULL;
	ok(tyche_waterfall_build(&w, s, am, &mean, TYCHE_WF_GIVEN, order, 2, 0, 0, &err) ==
	   TYCHE_EUSAGE && strstr(err.msg, "'C' has an amount"),
	   "an order that leaves out a funded category is refused: %s", err.msg);
	tyche_surface_free(s);
}

static void test_tornado(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" },
		{ "A", 100, "st.uniform(loc=0, scale=10)", "st.uniform(loc=0, scale=2)" },
	};
	tyche_context *ctx = NULL;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_tornado *tor = NULL;
	tyche_error err = { 0 };
	const char *dir = write_ctx(t, 2);
	const char *const half[] = { "A=50" };

	if (!ok(!tyche_context_load(&ctx, dir, NULL, &d), "tornado context loads"))
		return;
	if (ok(!tyche_tornado_build(&tor, ctx, "X", NULL, 0, "S1", &err),
	       "tornado of a scenario: %s", err.msg)) {
		ok(tor->n == 2, "two uncertain inputs (%zu)", tor->n);
		is_close(tor->base, 5, 1e-12, 0, "base: X at its median 5");
		is_str(tor->v[0].label, "Toy: X", "the X parameter swings most");
		is_close(tor->v[0].low, 1, 1e-12, 0, "low: q10 = 1");
		is_close(tor->v[0].high, 9, 1e-12, 0, "high: q90 = 9");
		is_close(tor->v[1].swing, 0, 0, 0, "Y does not move X");
	}
	tyche_tornado_free(tor);
	tor = NULL;
	if (ok(!tyche_tornado_build(&tor, ctx, "X", half, 1, NULL, &err),
	       "tornado of a portfolio: %s", err.msg)) {
		is_close(tor->base, 2.5, 1e-12, 0, "base: half of the median");
		is_close(tor->v[0].low, 0.5, 1e-12, 0, "low: half of q10");
		is_close(tor->v[0].high, 4.5, 1e-12, 0, "high: half of q90");
	}
	tyche_tornado_free(tor);
	ok(tyche_tornado_build(&tor, ctx, "X", NULL, 0, "Nope", &err) == TYCHE_EUSAGE,
	   "unknown scenario is a usage error");
	tyche_diags_release(&d);
	tyche_context_free(ctx);
}

/* Sizes past the old fixed limits: a waterfall of 70 categories (the
 * steps were a fixed array of 64, so categories past it were silently
 * dropped), a tornado input with 12 cells (its cell lists grow from 8),
 * and a MILP grid whose matrix would not fit GLPK's int counts (refused
 * at once, before any allocation or corner evaluation). */
static void test_sizes(void)
{
	enum { NC = 70, NT = 12, MC = 10, MT = 7 };
	struct tr t[2 * NC > MC * MT ? 2 * NC : MC * MT];
	char names[NC][8], xs[NC][16];
	tyche_surface *s;
	tyche_error err = { 0 };
	tyche_stat mean;

	tyche_stat_parse(&mean, "mean", &err);
	/* category C<c>: X = 0 at amount 0, c + 1 at 100 */
	for (size_t c = 0; c < NC; c++) {
		snprintf(names[c], sizeof names[c], "C%02zu", c);
		snprintf(xs[c], sizeof xs[c], "%zu", c + 1);
		t[2 * c] = (struct tr){ names[c], 0, "0", "0" };
		t[2 * c + 1] = (struct tr){ names[c], 100, xs[c], "0" };
	}
	s = surface_of(t, 2 * NC, 1);
	{
		double am[NC];
		tyche_waterfall *w = NULL;

		for (size_t c = 0; c < NC; c++)
			am[c] = 100;
		if (ok(!tyche_waterfall_build(&w, s, am, &mean, TYCHE_WF_BEST, NULL, 0, 0,
					      0, &err), "waterfall of %d categories: %s", NC, err.msg)) {
			ok(w->nsteps == NC, "every funded category is a step (%zu of %d)",
			   w->nsteps, NC);
			is_close(w->value[(w->nsteps - 1) * w->nmetrics], NC * (NC + 1) / 2.0,
				 1e-12, 0, "the last step is the portfolio's X, 1 + ... + %d", NC);
		}
		tyche_waterfall_free(w);
	}
	tyche_surface_free(s);

	/* one uncertain parameter in NT scenarios: one input of NT cells */
	for (size_t k = 0; k < NT; k++)
		t[k] = (struct tr){ "A", 10.0 * (double)k, "st.uniform(loc=0, scale=10)", "0" };
	{
		tyche_context *ctx = NULL;
		tyche_diags d = TYCHE_DIAGS_INIT;
		tyche_tornado *tor = NULL;
		const char *const am[] = { "A=55" };

		if (ok(!tyche_context_load(&ctx, write_ctx(t, NT), NULL, &d),
		       "context of %d uncertain scenarios loads", NT) &&
		    ok(!tyche_tornado_build(&tor, ctx, "X", am, 1, NULL, &err),
		       "tornado over %d cells of one input: %s", NT, err.msg)) {
			ok(tor->n == 1, "one input, however many cells (%zu)", tor->n);
			is_str(tor->v[0].label, "Toy: X", "the input is the X parameter");
			is_close(tor->v[0].low, 1, 1e-12, 0, "low: every cell at its q10 = 1");
			is_close(tor->v[0].high, 9, 1e-12, 0, "high: every cell at its q90 = 9");
		}
		tyche_tornado_free(tor);
		tyche_diags_release(&d);
		tyche_context_free(ctx);
	}

	/* MC categories of MT tranches: MT^MC = 2.8e8 corners, allowed by
	 * max_eval, but 3 * C nonzeros per corner are more than an int */
	for (size_t c = 0; c < MC; c++)
		for (size_t k = 0; k < MT; k++)
			t[c * MT + k] = (struct tr){ names[c], 100.0 * (double)k, "1", "0" };
	s = surface_of(t, MC * MT, 1);
	{
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r = NULL;
		time_t t0 = time(NULL);

		p.method = TYCHE_OPT_MILP;
		p.max_eval = 1000000000000L;
		tyche_stat_parse(&p.stat, "q50", &err);
		ok(tyche_optimize(&r, s, &p, &err) == TYCHE_EUSAGE && !r &&
		   strstr(err.msg, "282475249 corners (7 x 7 x 7") &&
		   strstr(err.msg, "too many for the MILP") && time(NULL) - t0 < 5,
		   "milp refuses a grid too large for GLPK at once: %s", err.msg);
	}
	tyche_surface_free(s);
}

/* pv-residential-simple at the golden median inputs: maximise LCOE with
 * a budget of 3e6 and a GHG limit; no feasible corner of the tranche grid
 * within the budget beats the result. */
static void test_pv(void)
{
	const char *ref = tap_shared_reference();
	static const char *models[] = { "models", "../models", "../../models", NULL };
	const char *mp = NULL;
	char dir[4096], probe[4200];
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_error err = { 0 };
	tyche_opt_limit lim;

	for (int i = 0; models[i]; i++) {
		snprintf(probe, sizeof probe, "%s/pv_residential_simple.yml", models[i]);
		if (!access(probe, R_OK)) {
			mp = models[i];
			break;
		}
	}
	if (!ref || !mp) {
		ok(1, "# skip pv-residential-simple: no shared reference or models");
		return;
	}
	snprintf(dir, sizeof dir, "%.3000s/golden/pv-residential-simple/inputs-median", ref);
	lo.model_path = mp;
	ao.samples = 1;
	ao.cache_dir = "";
	if (!ok(!tyche_context_load(&ctx, dir, &lo, &d) &&
		!tyche_surface_build(&s, ctx, &ao, NULL, &err), "pv surface builds")) {
		tyche_diags_print(&d, stdout);
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *limtext = pass ? "GHG>=40" : "GHG>=50";
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		long lcoe = tyche_surface_find_metric(s, "LCOE");
		long ghg = tyche_surface_find_metric(s, "GHG");
		size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);

		ok(!tyche_opt_parse_limit(&lim, s, limtext, NULL, &err), "parse %s", limtext);
		p.metric = (size_t)lcoe;
		p.has_budget = 1;
		p.budget = 3e6;
		p.limits = &lim;
		p.nlimits = 1;
		for (int m = 0; m < 4; m++) {
			tyche_opt_result *r;

			p.method = m;
			r = solve(s, &p);
			if (!r)
				continue;
			if (pass == 0) {
				ok(r->status == TYCHE_OPT_INFEASIBLE,
				   "pv %s: GHG >= 50 is reported infeasible: %s", methods[m], r->message);
				tyche_opt_result_free(r);
				continue;
			}
			if (!ok(tyche_opt_status_ok(r->status), "pv %s: optimal: %s", methods[m],
				r->message)) {
				tyche_opt_result_free(r);
				continue;
			}
			ok(r->checks[0].holds && r->checks[1].holds,
			   "pv %s: budget (%g) and GHG (%g) hold", methods[m], r->checks[0].value,
			   r->checks[1].value);
			{
				/* every corner of the tranche grid (0 and the tranche
				 * amounts per category) within the budget */
				size_t idx[8] = { 0 }, nt[8];
				double best = -INFINITY, am[8], tot[8];
				int done = 0;

				for (size_t c = 0; c < C; c++)
					nt[c] = tyche_surface_ntranches(s, c) + 1;
				while (!done) {
					double sum = 0;

					for (size_t c = 0; c < C; c++) {
						am[c] = 0;
						if (idx[c])
							tyche_surface_tranche(s, c, idx[c] - 1, &am[c]);
						sum += am[c];
					}
					if (sum <= 3e6) {
						tyche_surface_eval(s, am, tot, NULL);
						(void)M;
						if (tot[ghg] >= 40 && tot[lcoe] > best)
							best = tot[lcoe];
					}
					for (size_t c = 0; c <= C; c++) {
						if (c == C) {
							done = 1;
							break;
						}
						if (++idx[c] < nt[c])
							break;
						idx[c] = 0;
					}
				}
				ok(r->objective >= best - 1e-12,
				   "pv %s: no feasible corner beats the result (%.9g >= %.9g)",
				   methods[m], r->objective, best);
			}
			tyche_opt_result_free(r);
		}
	}
	tyche_diags_release(&d);
	tyche_surface_free(s);
	tyche_context_free(ctx);
}

/* The objective and its limits are evaluated together when their
 * statistics are all means (or all stds): the result's objective and
 * checks must equal, bit for bit, the metrics[] it computes one row at a
 * time with tyche_stat_eval. */
static int same_bits(double a, double b)
{
	return !memcmp(&a, &b, sizeof a);
}

static void test_grouped_stats(void)
{
	static const char *const dirs[] = { "examples/electrolysis", "../examples/electrolysis",
					     "../../examples/electrolysis", NULL };
	static const char *const stats[] = { "mean", "std" };
	const char *dir = NULL;
	char probe[256];
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_error err = { 0 };

	for (int i = 0; dirs[i]; i++) {
		snprintf(probe, sizeof probe, "%s/designs.csv", dirs[i]);
		if (!access(probe, R_OK)) {
			dir = dirs[i];
			break;
		}
	}
	if (!ok(dir != NULL, "the bundled example is found"))
		return;
	ao.samples = 300;
	ao.cache_dir = "";
	ao.threads = 1;
	if (!ok(!tyche_context_load(&ctx, dir, NULL, &d) &&
		!tyche_surface_build(&s, ctx, &ao, NULL, &err), "electrolysis surface builds")) {
		tyche_diags_print(&d, stdout);
		tyche_diags_release(&d);
		tyche_context_free(ctx);
		return;
	}
	tyche_diags_release(&d);
	for (int k = 0; k < 2; k++) {
		size_t M = tyche_surface_nmetrics(s), nl = 0, bad = 0;
		tyche_opt_limit lim[8];
		tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
		tyche_opt_result *r;

		/* every other metric limited, loosely, by the same statistic */
		for (size_t m = 1; m < M && nl < 8; m++) {
			char text[160];

			snprintf(text, sizeof text, "%s(%s) <= 1e300", stats[k],
				 tyche_surface_metric(s, m));
			if (!tyche_opt_parse_limit(&lim[nl], s, text, NULL, &err))
				nl++;
		}
		tyche_stat_parse(&p.stat, stats[k], NULL);
		p.metric = 0;
		p.limits = lim;
		p.nlimits = nl;
		p.method = TYCHE_OPT_LOCAL;
		r = solve(s, &p);
		if (!ok(r && tyche_opt_status_ok(r->status) && nl >= 2,
			"%s: %zu limits, optimal (%s)", stats[k], nl, r ? r->message : ""))
			continue;
		bad += !same_bits(r->objective, r->metrics[0]);
		for (size_t l = 0; l < nl; l++)
			bad += !same_bits(r->checks[l].value, r->metrics[lim[l].metric]);
		ok(bad == 0, "%s: the objective and %zu limits evaluated together equal each "
		   "metric's own %s, bit for bit", stats[k], nl, stats[k]);
		tyche_opt_result_free(r);
	}
	tyche_surface_free(s);
	tyche_context_free(ctx);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A budget that is spent by now: wall and CPU of a microsecond. */
static void spend_budget(void)
{
	double t0 = cpu_now();

	tyche_budget_set(1e-6, 1e-6);
	while (cpu_now() - t0 < 1e-4)
		;
}

/*
 * Issue 12: the process's work budget stops every optimiser and sweep
 * with TYCHE_ETIMEOUT and the budget's message (no result), promptly,
 * both when it is already spent and when it runs out during a long run;
 * a run's own max_time stays a status (TYCHE_OPT_LIMIT) with a result.
 */
static void test_budget(void)
{
	static const struct tr t[] = {
		{ "A", 0, "0", "0" }, { "A", 100, "10", "-5" }, { "A", 200, "20", "-10" },
		{ "B", 0, "0", "0" }, { "B", 100, "4", "1" }, { "B", 200, "8", "2" },
	};
	tyche_surface *s = surface_of(t, 6, 20000);
	tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
	tyche_opt_result *r = NULL;
	tyche_opt_sweep *sw = NULL;
	tyche_error err = { 0 };
	double budgets[] = { 0, 100, 300 }, t0;
	size_t x = 0;
	int rc;

	p.has_budget = 1;
	p.budget = 250;
	for (int m = 0; m < 4; m++) {
		tyche_opt_method_parse(methods[m], &p.method, &err);
		spend_budget();
		t0 = cpu_now();
		rc = tyche_optimize(&r, s, &p, &err);
		ok(rc == TYCHE_ETIMEOUT && !r && strstr(err.msg, "stopped while optimising"),
		   "%s: a spent budget gives TYCHE_ETIMEOUT and no result (%s)", methods[m],
		   err.msg);
		ok(cpu_now() - t0 < 2, "%s: in %.3f CPU s", methods[m], cpu_now() - t0);
		tyche_opt_result_free(r);
		r = NULL;
	}
	spend_budget();
	t0 = cpu_now();
	rc = tyche_opt_pareto_budget(&sw, s, &p, &x, 1, budgets, 3, &err);
	ok(rc == TYCHE_ETIMEOUT && !sw, "pareto: a spent budget gives TYCHE_ETIMEOUT, no sweep");
	ok(cpu_now() - t0 < 2, "pareto: in %.3f CPU s", cpu_now() - t0);
	tyche_opt_sweep_free(sw);
	sw = NULL;

	/* running out in the middle: a global search of a million evaluations */
	tyche_opt_method_parse("global", &p.method, &err);
	p.max_eval = 1000000;
	p.max_time = 1000;
	tyche_budget_set(0.3, 0.3);
	t0 = cpu_now();
	rc = tyche_optimize(&r, s, &p, &err);
	ok(rc == TYCHE_ETIMEOUT && !r && strstr(err.msg, "budget of 0.3 s ran out"),
	   "global: the budget stops a long search (%s)", err.msg);
	ok(cpu_now() - t0 < 2, "global: stopped in %.3f CPU s", cpu_now() - t0);
	tyche_opt_result_free(r);
	r = NULL;
	tyche_budget_set(0.3, 0.3);
	t0 = cpu_now();
	rc = tyche_opt_pareto_vs(&sw, s, &p, 1, 0, NULL, 50, &err);
	ok(rc == TYCHE_ETIMEOUT && !sw, "pareto vs: the budget stops the sweep (%s)", err.msg);
	ok(cpu_now() - t0 < 2, "pareto vs: stopped in %.3f CPU s", cpu_now() - t0);
	tyche_opt_sweep_free(sw);
	sw = NULL;

	/* no budget: everything works again; max_time is still a status */
	tyche_budget_set(0, 0);
	p.max_time = 0.05;
	rc = tyche_optimize(&r, s, &p, &err);
	ok(rc == 0 && r && (r->status == TYCHE_OPT_LIMIT || r->status == TYCHE_OPT_OPTIMAL),
	   "without a budget, max_time gives a result (status %s)",
	   r ? tyche_opt_status_name(r->status) : "none");
	tyche_opt_result_free(r);
	r = NULL;
	p.max_eval = 0;
	p.max_time = 0;
	tyche_opt_method_parse("milp", &p.method, &err);
	r = solve(s, &p);
	ok(r && tyche_opt_status_ok(r->status), "without a budget the milp solves");
	tyche_opt_result_free(r);
	tyche_surface_free(s);
}

/* Issue 14's trust grid: on every reference context with tranches, each
 * metric as the objective, both senses, budgets 0, 25, 50, 75 and 100 %
 * of the sum of maxima, without and with one limit (the next metric's
 * mean at least its median over the corners): auto is at least as good
 * as local, global, milp and the best feasible tranche corner (1e-9
 * relative, plus the constraint tolerance's worth when a limit binds). */
static double corner_best(const tyche_surface *s, const tyche_opt_problem *p, int *any)
{
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);
	size_t N = tyche_surface_nsamples(s), K = 1, nl[64];
	double lv[64][64], a[64], best = NAN;
	double *tot = calloc(M * N, sizeof(double)), *work = calloc(N, sizeof(double));

	*any = 0;
	for (size_t c = 0; c < C; c++) {
		nl[c] = 0;
		for (size_t t = 0; t < tyche_surface_ntranches(s, c) && t < 64; t++) {
			double x;

			tyche_surface_tranche(s, c, t, &x);
			if (!nl[c] || lv[c][nl[c] - 1] != x)
				lv[c][nl[c]++] = x;
		}
		if (!nl[c])
			lv[c][nl[c]++] = 0;
		K *= nl[c];
	}
	for (size_t k = 0; k < K && K <= 100000; k++) {
		size_t r = k;
		double cost = 0, f;
		int feas = 1;

		for (size_t c = 0; c < C; c++) {
			a[c] = lv[c][r % nl[c]];
			r /= nl[c];
			cost += a[c];
		}
		if (p->has_budget && cost > p->budget)
			continue;
		tyche_surface_eval(s, a, tot, NULL);
		for (size_t l = 0; l < p->nlimits; l++) {
			double v = tyche_stat_eval(&p->limits[l].stat, tot + p->limits[l].metric * N,
						   N, work);

			if (p->limits[l].upper ? v > p->limits[l].bound : v < p->limits[l].bound)
				feas = 0;
		}
		f = tyche_stat_eval(&p->stat, tot + p->metric * N, N, work);
		if (!feas || isnan(f))
			continue;
		if (!*any || (p->minimize ? f < best : f > best))
			best = f;
		*any = 1;
	}
	free(tot);
	free(work);
	return best;
}

/* Brute force for contexts with <= 3 categories: every metric's mean at
 * each point of a fine uniform grid over [0, max amount]^C (BRUTE_STEPS + 1
 * points per category), evaluated once per context through the surface;
 * each problem then scans it.  A grid point that costs <= the budget and
 * meets the limit exactly is feasible, so it can never beat the true
 * optimum: finding a better one proves an `optimal` status wrong. */
#define BRUTE_STEPS 40
struct brute {
	size_t n, C;
	double *amt;    /* [n * C] */
	double *mean;   /* [n * M] */
};

static void brute_grid(const tyche_surface *s, struct brute *b)
{
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);
	size_t N = tyche_surface_nsamples(s), n = 1;
	double *tot;

	if (C > 3)
		return;
	for (size_t c = 0; c < C; c++)
		n *= BRUTE_STEPS + 1;
	b->amt = calloc(n * C, sizeof(double));
	b->mean = calloc(n * M, sizeof(double));
	tot = calloc(M * N, sizeof(double));
	if (!b->amt || !b->mean || !tot) {
		free(tot);
		return;
	}
	for (size_t g = 0; g < n; g++) {
		size_t r = g;

		for (size_t c = 0; c < C; c++) {
			b->amt[g * C + c] = tyche_surface_max_amount(s, c) *
					    (double)(r % (BRUTE_STEPS + 1)) / BRUTE_STEPS;
			r /= BRUTE_STEPS + 1;
		}
		tyche_surface_eval(s, b->amt + g * C, tot, NULL);
		for (size_t m = 0; m < M; m++) {
			double acc = 0;

			for (size_t k = 0; k < N; k++)
				acc += tot[m * N + k];
			b->mean[g * M + m] = acc / (double)N;
		}
	}
	free(tot);
	b->n = n;
	b->C = C;
}

/* The best mean objective over the grid's feasible points (NaN: none). */
static double brute_best(const struct brute *b, const tyche_opt_problem *p, size_t M)
{
	double best = NAN;

	for (size_t g = 0; g < b->n; g++) {
		double cost = 0, f = b->mean[g * M + p->metric];
		int okp = 1;

		for (size_t c = 0; c < b->C; c++)
			cost += b->amt[g * b->C + c];
		if (p->has_budget && cost > p->budget)
			continue;
		for (size_t l = 0; l < p->nlimits; l++) {
			double v = b->mean[g * M + p->limits[l].metric];

			if (p->limits[l].upper ? v > p->limits[l].bound : v < p->limits[l].bound)
				okp = 0;
		}
		if (okp && !isnan(f) && (isnan(best) || (p->minimize ? f < best : f > best)))
			best = f;
	}
	return best;
}

static void test_trust(void)
{
	const char *ref = tap_shared_reference();
	static const char *names[] = { "pv-residential-simple", "pv-residential-large",
		"simple-electrolysis", "transport-model", "tutorial-basic",
		"tutorial-biorefinery", "utility-pv", NULL };
	char dir[4096];
	const char *mp = "../models";

	if (access("../models/pv_residential_simple.yml", R_OK))
		mp = access("models/pv_residential_simple.yml", R_OK) ? NULL : "models";
	if (!ref || !mp) {
		ok(1, "# skip trust grid: no shared reference or models");
		return;
	}
	for (int i = 0; names[i]; i++) {
		tyche_context *ctx = NULL;
		tyche_surface *s = NULL;
		tyche_diags d = TYCHE_DIAGS_INIT;
		tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
		tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
		tyche_error err = { 0 };
		size_t C, M, nprob = 0, bad = 0, nopt = 0, nbrute = 0;
		double sum = 0;
		struct brute bg = { 0 };

		snprintf(dir, sizeof dir, "%.3000s/tyche/%s", ref, names[i]);
		lo.model_path = mp;
		ao.samples = 200;
		ao.cache_dir = "";
		if (tyche_context_load(&ctx, dir, &lo, &d) ||
		    tyche_surface_build(&s, ctx, &ao, NULL, &err)) {
			ok(1, "# skip %s: does not load (%s)", names[i], err.msg);
			tyche_context_free(ctx);
			tyche_diags_release(&d);
			continue;
		}
		tyche_diags_release(&d);   /* the studies' warnings: not checked here */
		C = tyche_surface_ncategories(s);
		M = tyche_surface_nmetrics(s);
		for (size_t c = 0; c < C; c++)
			sum += tyche_surface_max_amount(s, c);
		brute_grid(s, &bg);
		for (size_t m = 0; m < M; m++)
			for (int sense = 0; sense < 2; sense++)
				for (int bi = 0; bi <= 4; bi++)
					for (int wl = 0; wl < 2 && (wl == 0 || M > 1); wl++) {
			tyche_opt_problem p = TYCHE_OPT_PROBLEM_INIT;
			tyche_opt_limit lim;
			tyche_opt_result *r[4] = { NULL };
			double cb;
			int any;

			p.metric = m;
			p.minimize = sense;
			p.has_budget = 1;
			p.budget = sum * bi / 4.0;
			p.max_time = 30;
			if (wl) {
				/* the next metric >= the median of its corner values */
				tyche_opt_problem q = p;
				double lo2, hi2;

				q.metric = (m + 1) % M;
				q.minimize = 1;
				lo2 = corner_best(s, &q, &any);
				q.minimize = 0;
				hi2 = corner_best(s, &q, &any);
				if (!any)
					continue;
				lim.metric = (m + 1) % M;
				lim.stat = p.stat;
				lim.upper = 0;
				lim.bound = 0.5 * (lo2 + hi2);
				p.limits = &lim;
				p.nlimits = 1;
			}
			for (int k = 0; k < 4; k++) {
				p.method = k;
				if (tyche_optimize(&r[k], s, &p, &err))
					r[k] = NULL;
			}
			nprob++;
			cb = corner_best(s, &p, &any);
			if (!r[TYCHE_OPT_AUTO]) {
				bad++;
				printf("# %s m=%zu sense=%d b=%d lim=%d: auto failed: %s\n", names[i], m,
				       sense, bi, wl, err.msg);
			} else {
				const tyche_opt_result *a = r[TYCHE_OPT_AUTO];
				double tol = 1e-9 * fmax(1.0, fabs(a->objective));

				if (a->status == TYCHE_OPT_OPTIMAL)
					nopt++;
				for (int k = 0; k < 4; k++) {
					double f;

					if (!r[k] || !tyche_opt_status_ok(r[k]->status))
						continue;
					{
						/* the solvers accept a limit within 1e-6 *
						 * max(1, |bound|): a tiny metric may then sit
						 * well beyond its bound; compare only the
						 * answers that meet it to 1e-9 relative */
						int strict = 1;

						for (size_t q = 0; q < r[k]->nchecks; q++) {
							const tyche_opt_check *ck = &r[k]->checks[q];
							double sl = 1e-9 * fmax(1e-300, fabs(ck->bound));

							if (ck->upper ? ck->value > ck->bound + sl
								      : ck->value < ck->bound - sl)
								strict = 0;
						}
						if (!strict)
							continue;
					}
					f = r[k]->objective;
					if (!tyche_opt_status_ok(a->status) ||
					    (sense ? f < a->objective - tol : f > a->objective + tol)) {
						bad++;
						printf("# %s m=%zu sense=%d b=%d lim=%d: %s %.17g beats auto "
						       "%.17g (%s)\n", names[i], m, sense, bi, wl,
						       methods[k], f, a->objective, a->message);
						for (size_t q = 0; q < r[k]->nchecks; q++)
							printf("#   %s: %s %.17g vs auto %.17g, bound %.17g\n",
							       r[k]->checks[q].label, methods[k],
							       r[k]->checks[q].value, a->checks[q].value,
							       r[k]->checks[q].bound);
					}
				}
				if (a->status == TYCHE_OPT_OPTIMAL && bg.n) {
					/* proved optimal: the fine grid finds nothing better */
					double bb = brute_best(&bg, &p, M);

					nbrute++;
					if (!isnan(bb) && (sense ? bb < a->objective - tol
								 : bb > a->objective + tol)) {
						bad++;
						printf("# %s m=%zu sense=%d b=%d lim=%d: the brute-force grid "
						       "finds %.17g, better than optimal %.17g\n", names[i], m,
						       sense, bi, wl, bb, a->objective);
					}
				}
				if (any && (!tyche_opt_status_ok(a->status) ||
					    (sense ? cb < a->objective - tol : cb > a->objective + tol))) {
					bad++;
					printf("# %s m=%zu sense=%d b=%d lim=%d: a corner %.17g beats auto "
					       "%.17g (%s)\n", names[i], m, sense, bi, wl, cb,
					       a->objective, a->message);
				}
			}
			for (int k = 0; k < 4; k++)
				tyche_opt_result_free(r[k]);
					}
		ok(bad == 0, "%s: auto >= local, global, milp and every feasible corner in %zu "
		   "problems (%zu proved optimal, %zu of them brute-forced on a %zu-point grid)",
		   names[i], nprob, nopt, nbrute, bg.n);
		free(bg.amt);
		free(bg.mean);
		tyche_surface_free(s);
		tyche_context_free(ctx);
	}
}

int main(void)
{
	snprintf(tmproot, sizeof tmproot, "/tmp/u-optim-XXXXXX");
	if (!mkdtemp(tmproot)) {
		perror("mkdtemp");
		return 2;
	}
	test_linear();
	test_concave();
	test_limits();
	test_multimodal();
	test_statistic();
	test_milp_brute();
	test_sweeps();
	test_waterfall();
	test_tornado();
	test_sizes();
	test_pv();
	test_grouped_stats();
	test_trust();
	test_budget();
	nftw(tmproot, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
