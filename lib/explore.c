/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * explore.c - explore a portfolio: evaluate the response surface at one
 * amount per category and take statistics of every metric, for the
 * portfolio and per category.  The one place the CLI, the report, the CGI
 * and Python get these numbers from; tyche_explore_write is the one
 * writer of its table.
 *
 * Easy to get wrong: statistics come from tyche_stat_eval_many (one copy
 * and one selection pass per distribution), which is bit-identical to
 * tyche_stat_eval of each; a category's amount outside its tranche
 * amounts is extrapolated linearly by the surface, and is flagged in
 * `outside` so every front end can say so.  Above the largest tranche
 * amount front ends refuse the amount (tyche_surface_check_range) unless
 * the user asks to extrapolate; below the smallest one (no zero tranche)
 * they only warn, since "no investment" is a portfolio everyone asks
 * about, and `tyche-run check` says which categories lack a zero tranche
 * (tyche_context_check_tranches).  The investments table's portfolios
 * (tyche_investment_amounts) are amounts for explore too.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "context.h"

void tyche_explore_free(tyche_explore_result *r)
{
	if (!r)
		return;
	free(r->stats);
	free(r->amounts);
	free(r->outside);
	free(r->totals);
	free(r->by_cat);
	free(r->value);
	free(r);
}

double tyche_explore_value(const tyche_explore_result *r, size_t level, size_t m, size_t k)
{
	if (level >= r->nlevels || m >= r->nmetrics || k >= r->nstats)
		return NAN;
	return r->value[(level * r->nmetrics + m) * r->nstats + k];
}

int tyche_explore(tyche_explore_result **out, const tyche_surface *s, const double *amounts,
		  const tyche_stat *st, size_t nst, int by_category, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s),
	       N = tyche_surface_nsamples(s);
	tyche_explore_result *r = ty_calloc(1, sizeof(*r));
	double *work = NULL;
	const double **rows = NULL;
	int rc = 0;

	if (!r)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	r->ncategories = C;
	r->nmetrics = M;
	r->nsamples = N;
	r->nlevels = by_category ? C + 1 : 1;
	r->stats = ty_calloc(nst ? nst : 8, sizeof(tyche_stat));
	if (r->stats) {
		if (nst) {
			memcpy(r->stats, st, nst * sizeof(tyche_stat));
			r->nstats = nst;
		} else {
			r->nstats = tyche_stat_defaults(r->stats, 8);
		}
	}
	r->amounts = ty_calloc(C + 1, sizeof(double));
	r->outside = ty_calloc(C + 1, sizeof(int));
	r->totals = ty_calloc(M * N + 1, sizeof(double));
	if (by_category)
		r->by_cat = ty_calloc(C * M * N + 1, sizeof(double));
	r->value = ty_calloc(r->nlevels * M * (r->nstats ? r->nstats : 1) + 1, sizeof(double));
	work = ty_calloc(N + 1, sizeof(double));
	if (!r->stats || !r->amounts || !r->outside || !r->totals || !r->value || !work ||
	    (by_category && !r->by_cat)) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < C; c++) {
		size_t T = tyche_surface_ntranches(s, c);
		double lo = 0, hi = 0;

		if (!(amounts[c] >= 0) || !isfinite(amounts[c])) {
			rc = ty_error_at(err, TYCHE_EUSAGE, "amounts", 0, 0,
					 "category '%s': the amount must be a finite number >= 0",
					 tyche_surface_category(s, c));
			goto out;
		}
		r->amounts[c] = amounts[c];
		if (T) {
			tyche_surface_tranche(s, c, 0, &lo);
			tyche_surface_tranche(s, c, T - 1, &hi);
			r->outside[c] = amounts[c] < lo || amounts[c] > hi;
		}
	}
	tyche_surface_eval(s, r->amounts, r->totals, r->by_cat);
	/* every (level, metric) row at once: the mean/std chains of four
	 * rows overlap (ty_stat_eval_rows), same bits as one at a time */
	rows = ty_calloc(r->nlevels * M + 1, sizeof(*rows));
	if (!rows) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t level = 0; level < r->nlevels; level++)
		for (size_t m = 0; m < M; m++)
			rows[level * M + m] = level == 0 ? r->totals + m * N
							 : r->by_cat + ((level - 1) * M + m) * N;
	if (ty_stat_eval_rows(r->stats, r->nstats, rows, r->nlevels * M, N, work, r->value))
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
out:
	free(rows);
	free(work);
	if (rc) {
		tyche_explore_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int tyche_explore_write(const tyche_surface *s, const tyche_explore_result *r,
			const char *context_name, int format, tyche_write_fn w, void *arg,
			tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int json = format == TYCHE_FMT_JSON, first = 1;

	if (json) {
		ty_buf_adds(&b, "{\"context\":");
		ty_buf_json_str(&b, context_name ? context_name : "");
		ty_buf_addf(&b, ",\"context_hash\":\"%s\",\"samples\":%zu,\"seed\":%llu,",
			    tyche_surface_context_hash(s), r->nsamples,
			    (unsigned long long)tyche_surface_seed(s));
		/* a design other than MC is recorded (MC output is unchanged) */
		if (tyche_surface_design(s))
			ty_buf_addf(&b, "\"design\":\"%s\",", tyche_design_name(tyche_surface_design(s)));
		ty_buf_adds(&b, "\"amounts\":{");
		for (size_t c = 0; c < r->ncategories; c++) {
			if (c)
				ty_buf_addc(&b, ',');
			ty_buf_json_str(&b, tyche_surface_category(s, c));
			ty_buf_addc(&b, ':');
			ty_buf_num(&b, r->amounts[c], 1);
		}
		ty_buf_adds(&b, "},\"extrapolated\":[");
		for (size_t c = 0, n = 0; c < r->ncategories; c++)
			if (r->outside[c]) {
				if (n++)
					ty_buf_addc(&b, ',');
				ty_buf_json_str(&b, tyche_surface_category(s, c));
			}
		ty_buf_adds(&b, "],\"statistics\":[");
	} else {
		ty_buf_adds(&b, "Level,Category,Metric,Statistic,Value,Units\n");
	}
	for (size_t level = 0; level < r->nlevels; level++)
		for (size_t m = 0; m < r->nmetrics; m++)
			for (size_t k = 0; k < r->nstats; k++) {
				double v = r->value[(level * r->nmetrics + m) * r->nstats + k];
				const char *cat = level ? tyche_surface_category(s, level - 1) : NULL;

				if (json) {
					ty_buf_adds(&b, first ? "\n{\"level\":" : ",\n{\"level\":");
					ty_buf_adds(&b, level ? "\"category\",\"category\":"
							      : "\"portfolio\",\"category\":");
					if (cat)
						ty_buf_json_str(&b, cat);
					else
						ty_buf_adds(&b, "null");
					ty_buf_adds(&b, ",\"metric\":");
					ty_buf_json_str(&b, tyche_surface_metric(s, m));
					ty_buf_adds(&b, ",\"statistic\":");
					ty_buf_json_str(&b, r->stats[k].name);
					ty_buf_adds(&b, ",\"value\":");
					ty_buf_num(&b, v, 1);
					ty_buf_adds(&b, ",\"units\":");
					ty_buf_json_str(&b, tyche_surface_metric_units(s, m));
					ty_buf_addc(&b, '}');
				} else {
					ty_buf_adds(&b, level ? "category," : "portfolio,");
					if (cat)
						ty_buf_csv(&b, cat);
					ty_buf_addc(&b, ',');
					ty_buf_csv(&b, tyche_surface_metric(s, m));
					ty_buf_addc(&b, ',');
					ty_buf_csv(&b, r->stats[k].name);
					ty_buf_addc(&b, ',');
					ty_buf_num(&b, v, 0);
					ty_buf_addc(&b, ',');
					ty_buf_csv(&b, tyche_surface_metric_units(s, m));
					ty_buf_addc(&b, '\n');
				}
				first = 0;
			}
	if (json)
		ty_buf_adds(&b, "\n]}\n");
	return ty_buf_deliver(&b, w, arg, err);
}

int tyche_surface_check_range(const tyche_surface *s, const double *amounts, tyche_error *err)
{
	for (size_t c = 0; c < tyche_surface_ncategories(s); c++) {
		double mx = tyche_surface_max_amount(s, c);

		if (amounts[c] > mx)
			return ty_error_at(err, TYCHE_EUSAGE, tyche_surface_category(s, c), 0, 0,
					   "category '%s': %g is above its largest tranche amount, "
					   "out of range [0, %g]; the response surface would "
					   "extrapolate linearly there",
					   tyche_surface_category(s, c), amounts[c], mx);
	}
	return 0;
}

/* A tranche amount that is certainly zero (a constant 0 cell). */
static int zero_amount(const struct ty_tranche *t)
{
	return t->amount.dist && t->amount.dist->kind == TY_DIST_CONST && t->amount.dist->a == 0;
}

size_t tyche_context_check_tranches(const tyche_context *ctx, tyche_diags *d)
{
	const struct ty_table *tab = ctx->tables[TY_T_TRANCHES];
	size_t n = 0;

	for (size_t c = 0; c < ctx->ncategories; c++) {
		const struct ty_tranche *first = NULL;
		int has_zero = 0;

		for (size_t t = 0; t < ctx->ntranches; t++) {
			const struct ty_tranche *tr = &ctx->tranches[t];

			if (strcmp(tr->category, ctx->categories[c]))
				continue;
			if (!first)
				first = tr;
			has_zero |= zero_amount(tr);
		}
		if (!first || has_zero)
			continue;
		ty_diag_add(d, TYCHE_SEV_WARNING, tab && tab->source ? tab->source : "tranches",
			    (int)first->line, 0,
			    "category '%s' has no tranche of amount 0: below its smallest "
			    "amount the response surface extrapolates linearly, so its "
			    "numbers at no investment are a guess; add a tranche of "
			    "category '%s' with Amount 0 and the scenario of the "
			    "technology without this R&D",
			    ctx->categories[c], ctx->categories[c]);
		n++;
	}
	return n;
}

double tyche_explore_mean(const tyche_explore_result *r, size_t m)
{
	size_t N = r->nsamples;
	double *work, v;
	tyche_stat mean;
	tyche_error err = { 0 };

	if (m >= r->nmetrics || tyche_stat_parse(&mean, "mean", &err))
		return NAN;
	work = ty_malloc((N + 1) * sizeof(double));
	if (!work)
		return NAN;
	v = tyche_stat_eval(&mean, r->totals + m * N, N, work);
	free(work);
	return v;
}

/* ------------------------------------------------------------ investments */

size_t tyche_context_ninvestments(const tyche_context *ctx)
{
	return ctx ? ctx->ninvestments : 0;
}

const char *tyche_context_investment(const tyche_context *ctx, size_t i)
{
	return ctx && i < ctx->ninvestments ? ctx->investments[i] : NULL;
}

int tyche_investment_amounts(double *amounts, const tyche_context *ctx,
			     const tyche_surface *s, size_t i, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s);
	const char *inv;

	if (i >= ctx->ninvestments)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "investment %zu: the study has %zu", i + 1, ctx->ninvestments);
	inv = ctx->investments[i];
	for (size_t c = 0; c < C; c++)
		amounts[c] = 0;
	for (size_t j = 0; j < ctx->ninvest_items; j++) {
		const struct ty_investment_item *it = &ctx->invest[j];
		long c;
		size_t t, nt;
		double amt = 0;

		if (strcmp(it->investment, inv))
			continue;
		c = tyche_surface_find_category(s, it->category);
		nt = c < 0 ? 0 : tyche_surface_ntranches(s, (size_t)c);
		for (t = 0; t < nt; t++) {
			const char *tn = tyche_surface_tranche(s, (size_t)c, t, &amt);

			if (tn && !strcmp(tn, it->tranche))
				break;
		}
		if (c < 0 || t == nt)
			return ty_error_at(err, TYCHE_EDATA, "investments", 0, 0,
					   "investment '%s': tranche '%s' of category '%s' is not "
					   "on this surface", inv, it->tranche, it->category);
		for (size_t k = 0; k < j; k++)
			if (!strcmp(ctx->invest[k].investment, inv) &&
			    !strcmp(ctx->invest[k].category, it->category))
				return ty_error_at(err, TYCHE_EDATA, "investments", 0, 0,
						   "investment '%s' names two tranches of category '%s'",
						   inv, it->category);
		amounts[c] = amt;
	}
	return 0;
}
