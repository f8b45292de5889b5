/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-explore.c - the one explore (lib/explore.c) and statistic sets
 * (lib/stat-set.c): values equal tyche_stat_eval of the surface's totals
 * and per-category contributions; amounts outside a category's tranche
 * amounts are flagged; the CSV table has one row per level, metric and
 * statistic; bad lists name the item at fault; the range check above
 * the largest tranche amount and the zero-tranche check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tyche.h"
#include "tap.h"

static int collect(const char *buf, size_t n, void *arg)
{
	char **t = arg;
	size_t len = *t ? strlen(*t) : 0;
	char *q = realloc(*t, len + n + 1);

	if (!q)
		return -1;
	memcpy(q + len, buf, n);
	q[len + n] = '\0';
	*t = q;
	return 0;
}

static void stat_lists(void)
{
	tyche_stat st[8];
	tyche_error err = { 0 };
	size_t n = 99;

	ok(tyche_stat_defaults(st, 8) == 5 && !strcmp(st[0].name, "mean") &&
	   !strcmp(st[4].name, "q90"), "the default set is mean,std,q10,q50,q90");
	ok(tyche_stat_parse_list(st, 8, &n, "mean,q25,p>0", &err) == 0 && n == 3 &&
	   !strcmp(st[2].name, "p>0"), "a list parses in order");
	ok(tyche_stat_parse_list(st, 8, &n, "mean,,q10", &err) == TYCHE_EUSAGE &&
	   !strcmp(err.where, "statistics[1]"), "an empty item is refused and named");
	ok(tyche_stat_parse_list(st, 8, &n, "mean,q200", &err) == TYCHE_EUSAGE &&
	   !strcmp(err.where, "statistics[1]"), "a bad item is refused and named: %s", err.msg);
	ok(tyche_stat_parse_list(st, 2, &n, "mean,std,q10", &err) == TYCHE_EUSAGE,
	   "more than max is refused");
}

int main(void)
{
	const char *ex = "../examples/electrolysis";
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_explore_result *r = NULL;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_error err = { 0 };
	size_t C, M, N;
	double *amt;
	char *text = NULL;
	int same = 1;

	stat_lists();
	if (access(ex, R_OK))
		ex = "examples/electrolysis";
	ao.samples = 200;
	ao.cache_dir = "";
	if (tyche_context_load(&ctx, ex, NULL, NULL) ||
	    tyche_surface_build(&s, ctx, &ao, NULL, &err)) {
		ok(0, "the example's surface: %s", err.msg);
		return tap_done();
	}
	C = tyche_surface_ncategories(s);
	M = tyche_surface_nmetrics(s);
	N = tyche_surface_nsamples(s);
	amt = calloc(C, sizeof(double));
	for (size_t c = 0; c < C; c++)
		amt[c] = 0.5 * tyche_surface_max_amount(s, c);
	amt[0] = 2 * tyche_surface_max_amount(s, 0);
	ok(tyche_explore(&r, s, amt, NULL, 0, 1, &err) == 0, "explore with the default set");
	ok(r->nstats == 5 && r->nlevels == C + 1, "five statistics, a level per category");
	ok(r->outside[0] == 1, "an amount above the largest tranche is flagged");
	for (size_t c = 1; c < C; c++) {
		double lo;

		tyche_surface_tranche(s, c, 0, &lo);
		ok(r->outside[c] == (amt[c] < lo), "category %zu flagged only below its tranches", c);
	}
	{
		double *tot = calloc(M * N, sizeof(double)), *bc = calloc(C * M * N, sizeof(double));

		tyche_surface_eval(s, amt, tot, bc);
		for (size_t lv = 0; lv <= C; lv++)
			for (size_t m = 0; m < M; m++)
				for (size_t k = 0; k < r->nstats; k++) {
					const double *v = lv ? bc + ((lv - 1) * M + m) * N : tot + m * N;
					double want = tyche_stat_eval(&r->stats[k], v, N, NULL);
					double got = tyche_explore_value(r, lv, m, k);

					if (!(want == got || (isnan(want) && isnan(got))))
						same = 0;
				}
		free(tot);
		free(bc);
	}
	ok(same, "every value equals tyche_stat_eval of its distribution, bit for bit");
	ok(isnan(tyche_explore_value(r, C + 1, 0, 0)), "a level out of range is NaN");
	{
		int same_mean = 1;

		for (size_t m = 0; m < M; m++)
			same_mean &= tyche_explore_mean(r, m) == tyche_explore_value(r, 0, m, 0);
		ok(same_mean && isnan(tyche_explore_mean(r, M)),
		   "tyche_explore_mean is the portfolio's mean statistic, bit for bit");
	}
	ok(tyche_explore_write(s, r, "x", TYCHE_FMT_CSV, collect, &text, &err) == 0, "write CSV");
	{
		size_t lines = 0;

		for (const char *p = text; p && *p; p++)
			lines += *p == '\n';
		ok(lines == 1 + (C + 1) * M * 5, "header + one row per level, metric, statistic");
		ok(text && !strncmp(text, "Level,Category,Metric,Statistic,Value,Units\nportfolio,,", 55),
		   "CSV header and a portfolio row first");
	}
	free(text);
	text = NULL;
	ok(tyche_explore_write(s, r, "x", TYCHE_FMT_JSON, collect, &text, &err) == 0 && text &&
	   strstr(text, "\"extrapolated\":[\"") != NULL, "JSON names the extrapolated categories");
	free(text);
	tyche_explore_free(r);
	{
		/* the range check: above the largest tranche amount is refused,
		 * the largest itself and 0 are not */
		tyche_error e2 = { 0 };
		tyche_diags d = TYCHE_DIAGS_INIT;

		ok(tyche_surface_check_range(s, amt, &e2) == TYCHE_EUSAGE &&
		   !strcmp(e2.where, tyche_surface_category(s, 0)) &&
		   strstr(e2.msg, "is above its largest tranche amount, out of range [0, ") != NULL,
		   "check_range refuses an amount above the largest tranche (%s)", e2.msg);
		amt[0] = tyche_surface_max_amount(s, 0);
		ok(tyche_surface_check_range(s, amt, &e2) == 0, "the largest tranche amount itself is fine");
		amt[0] = 0;
		ok(tyche_surface_check_range(s, amt, &e2) == 0, "0 is fine");
		ok(tyche_context_check_tranches(ctx, &d) == 0 && d.n == 0,
		   "the example has zero tranches: no warning");
		tyche_diags_release(&d);
	}
	/* the investments table as portfolios: each category's amount is the
	 * amount of the tranche the investment names, as the surface has it */
	ok(tyche_context_ninvestments(ctx) == 4 &&
	   !strcmp(tyche_context_investment(ctx, 1), "Balanced") &&
	   tyche_context_investment(ctx, 4) == NULL, "the example's four investments, in order");
	ok(tyche_investment_amounts(amt, ctx, s, 1, &err) == 0, "Balanced's amounts");
	{
		const char *want[2] = { "Stack Moderate", "Efficiency Moderate" };
		int good = 1;

		for (size_t k = 0; k < 2; k++) {
			long c = tyche_surface_find_category(s, k ? "Efficiency R&D" : "Stack R&D");
			double a = -1;

			for (size_t t = 0; c >= 0 && t < tyche_surface_ntranches(s, (size_t)c); t++) {
				double x;
				const char *tn = tyche_surface_tranche(s, (size_t)c, t, &x);

				if (tn && !strcmp(tn, want[k]))
					a = x;
			}
			good &= c >= 0 && a > 0 && amt[c] == a;
		}
		ok(good, "each amount is its named tranche's amount");
	}
	ok(tyche_investment_amounts(amt, ctx, s, 4, &err) == TYCHE_EUSAGE &&
	   strstr(err.msg, "the study has 4") != NULL, "an investment past the end is refused");
	amt[0] = -1;
	ok(tyche_explore(&r, s, amt, NULL, 0, 0, &err) == TYCHE_EUSAGE && !strcmp(err.where, "amounts"),
	   "a negative amount is refused");
	free(amt);
	tyche_surface_free(s);
	tyche_context_free(ctx);
	return tap_done();
}
