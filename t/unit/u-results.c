/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-results.c - the results object (lib/results.c) holds the same numbers
 * the streaming writers print: tyche_results_write gives byte for byte the
 * text of tyche_evaluate, tyche_tranches_write and tyche_investments_write
 * (CSV and JSON), on the bundled example and on every reference study
 * when ../shared is present; grouping sums rows per sample; row
 * statistics equal tyche_stat_eval of the row.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tyche.h"
#include "tap.h"

struct text {
	char *p;
	size_t n;
};

static int collect(const char *buf, size_t n, void *arg)
{
	struct text *t = arg;
	char *q = realloc(t->p, t->n + n + 1);

	if (!q)
		return -1;
	memcpy(q + t->n, buf, n);
	t->p = q;
	t->n += n;
	q[t->n] = '\0';
	return 0;
}

static int same_text(struct text *a, struct text *b)
{
	int same = a->n == b->n && a->p && b->p && !memcmp(a->p, b->p, a->n);

	if (!same && a->p && b->p) {
		size_t i = 0;

		while (i < a->n && i < b->n && a->p[i] == b->p[i])
			i++;
		tap_diag("first difference at byte %zu: '%.40s' vs '%.40s'", i, a->p + i, b->p + i);
	}
	free(a->p);
	free(b->p);
	a->p = b->p = NULL;
	a->n = b->n = 0;
	return same;
}

static tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;

static void compare(const char *dir, size_t N)
{
	tyche_context *ctx = NULL;
	tyche_error err = { 0 };
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	struct text a = { 0 }, b = { 0 };

	if (tyche_context_load(&ctx, dir, &lo, NULL)) {
		ok(0, "%s loads", dir);
		return;
	}
	ao.samples = N;
	ao.seed = 11;
	for (int fmt = 0; fmt <= 1; fmt++) {
		tyche_eval_opts eo = TYCHE_EVAL_OPTS_INIT;
		tyche_results *r = NULL;

		eo.samples = N;
		eo.seed = 11;
		eo.format = fmt;
		eo.write = collect;
		eo.write_arg = &a;
		ok(tyche_evaluate(ctx, &eo, NULL, &err) == 0, "%s: evaluate", dir);
		ok(tyche_results_compute(&r, ctx, TYCHE_RESULTS_SCENARIOS, &ao, &err) == 0,
		   "%s: scenario results: %s", dir, err.msg);
		ok(r && tyche_results_write(r, fmt, collect, &b, &err) == 0, "%s: write", dir);
		ok(same_text(&a, &b), "%s: scenario results %s = tyche_evaluate", dir,
		   fmt ? "JSON" : "CSV");
		tyche_results_free(r);
		r = NULL;
		for (int inv = 0; inv <= 1; inv++) {
			int rc = inv ? tyche_investments_write(ctx, &ao, fmt, collect, &a, &err)
				     : tyche_tranches_write(ctx, &ao, fmt, collect, &a, &err);

			ok(rc == 0, "%s: %s writer", dir, inv ? "investments" : "tranches");
			ok(tyche_results_compute(&r, ctx, inv ? TYCHE_RESULTS_INVESTMENTS
						 : TYCHE_RESULTS_TRANCHES, &ao, &err) == 0,
			   "%s: %s results", dir, inv ? "investment" : "tranche");
			ok(r && tyche_results_write(r, fmt, collect, &b, &err) == 0, "%s: write", dir);
			ok(same_text(&a, &b), "%s: %s results %s = the streaming writer", dir,
			   inv ? "investment" : "tranche", fmt ? "JSON" : "CSV");
			tyche_results_free(r);
			r = NULL;
		}
	}
	tyche_context_free(ctx);
}

static void grouping(const char *dir)
{
	tyche_context *ctx = NULL;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_results *r = NULL, *g = NULL;
	tyche_error err = { 0 };
	tyche_stat st[3];
	double got[3];
	size_t keys[2], N = 50;
	int sums = 1, stats = 1;

	ao.samples = N;
	if (tyche_context_load(&ctx, dir, NULL, NULL) ||
	    tyche_results_compute(&r, ctx, TYCHE_RESULTS_TRANCHES, &ao, &err)) {
		ok(0, "%s: tranche results", dir);
		tyche_context_free(ctx);
		return;
	}
	keys[0] = (size_t)tyche_results_find_key(r, "Tranche");
	keys[1] = (size_t)tyche_results_find_key(r, "Index");
	ok(tyche_results_group(&g, r, keys, 2, &err) == 0, "group by tranche and metric");
	ok(g && tyche_results_nkeys(g) == 2 && !strcmp(tyche_results_key_name(g, 0), "Tranche"),
	   "grouped keys are Tranche, Index");
	for (size_t row = 0; g && row < tyche_results_nrows(g); row++) {
		const double *v = tyche_results_values(g, row);

		for (size_t i = 0; i < N; i++) {
			double sum = 0;
			int first = 1;

			for (size_t k = 0; k < tyche_results_nrows(r); k++)
				if (!strcmp(tyche_results_key(r, k, keys[0]), tyche_results_key(g, row, 0)) &&
				    !strcmp(tyche_results_key(r, k, keys[1]), tyche_results_key(g, row, 1))) {
					sum = first ? tyche_results_values(r, k)[i]
						    : sum + tyche_results_values(r, k)[i];
					first = 0;
				}
			if (!(sum == v[i] || (isnan(sum) && isnan(v[i]))))
				sums = 0;
		}
	}
	ok(sums, "each grouped row is the per-sample sum of its rows, in row order");
	tyche_stat_parse(&st[0], "mean", &err);
	tyche_stat_parse(&st[1], "q10", &err);
	tyche_stat_parse(&st[2], "std", &err);
	for (size_t row = 0; row < tyche_results_nrows(r); row++) {
		ok(tyche_results_row_stats(r, row, st, 3, got, &err) == 0 || (stats = 0), "row stats");
		for (int k = 0; k < 3; k++) {
			double want = tyche_stat_eval(&st[k], tyche_results_values(r, row), N, NULL);

			if (!(want == got[k] || (isnan(want) && isnan(got[k]))))
				stats = 0;
		}
	}
	ok(stats, "row statistics equal tyche_stat_eval of the row");
	ok(tyche_results_row_stats(r, tyche_results_nrows(r), st, 1, got, &err) == TYCHE_EUSAGE,
	   "a row out of range is a usage error");
	ok(tyche_results_amounts(r, 0) != NULL, "tranche rows carry their amounts");
	tyche_results_free(g);
	tyche_results_free(r);
	tyche_context_free(ctx);
}

int main(void)
{
	const char *ex = "../examples/electrolysis", *ref = tap_shared_reference();
	static const char *const studies[] = { "pv-residential-simple", "pv-residential-large",
		"simple-electrolysis", "transport-model", "tutorial-basic",
		"tutorial-biorefinery", "utility-pv" };
	char dir[4200];

	if (access(ex, R_OK))
		ex = "examples/electrolysis";
	lo.model_path = access("../models", R_OK) ? "models" : "../models";
	compare(ex, 37);
	grouping(ex);
	if (!ref) {
		tap_diag("../shared/reference is absent: reference studies skipped");
		return tap_done();
	}
	for (size_t i = 0; i < sizeof studies / sizeof *studies; i++) {
		snprintf(dir, sizeof dir, "%s/tyche/%s", ref, studies[i]);
		compare(dir, i == 1 ? 20 : 45);
	}
	return tap_done();
}
