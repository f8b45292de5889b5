/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * waterfall.c - the waterfall of a portfolio: the amounts added one
 * category at a time (in a given order, the greedy best order, or every
 * order), with every metric's statistic after each step.
 *
 * Easy to get wrong:
 *  - The waterfall starts from every amount at 0 (the surface's
 *    extrapolation when 0 is not a tranche), not from the smallest
 *    tranche: its steps then add up to the portfolio's value.
 *  - Only categories with an amount are steps; a given order must list
 *    every one of them and nothing twice.  "all" orders are n!, so at most
 *    8 steps.
 *  - The process's work budget is checked per step (best) or per order;
 *    when it runs out the waterfall fails with TYCHE_ETIMEOUT.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

void tyche_waterfall_free(tyche_waterfall *w)
{
	if (!w)
		return;
	free(w->order);
	free(w->start);
	free(w->value);
	free(w);
}

struct wf {
	const tyche_surface *s;
	const tyche_stat *st;
	size_t C, M, N;
	double *totals, *work, *cur;
};

static void wf_stats(struct wf *f, double *out)
{
	tyche_surface_eval(f->s, f->cur, f->totals, NULL);
	for (size_t m = 0; m < f->M; m++)
		out[m] = tyche_stat_eval(f->st, f->totals + m * f->N, f->N, f->work);
}

/* Next permutation in lexicographic order; 0 after the last. */
static int next_perm(size_t *v, size_t n)
{
	size_t i, j;

	if (n < 2)
		return 0;
	i = n - 1;
	while (i > 0 && v[i - 1] >= v[i])
		i--;
	if (i == 0)
		return 0;
	j = n - 1;
	while (v[j] <= v[i - 1])
		j--;
	{
		size_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
	for (size_t a = i, b = n - 1; a < b; a++, b--) {
		size_t t = v[a];

		v[a] = v[b];
		v[b] = t;
	}
	return 1;
}

/* The steps: the given order (checked: every category with an amount,
 * none twice), else the categories with an amount.  steps holds C. */
static int find_steps(const tyche_surface *s, const double *amounts, int order_mode,
		      const size_t *order, size_t norder, size_t *steps, size_t *ns,
		      tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s);

	*ns = 0;
	if (order_mode != TYCHE_WF_GIVEN) {
		for (size_t c = 0; c < C; c++)
			if (amounts[c] > 0)
				steps[(*ns)++] = c;
		return 0;
	}
	for (size_t k = 0; k < norder; k++) {
		if (order[k] >= C)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "order: category %zu out of range", order[k]);
		for (size_t j = 0; j < k; j++)
			if (order[j] == order[k])
				return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
						   "order: '%s' appears twice",
						   tyche_surface_category(s, order[k]));
		steps[(*ns)++] = order[k];
	}
	for (size_t c = 0; c < C; c++) {
		int listed = 0;

		for (size_t k = 0; k < *ns; k++)
			listed |= steps[k] == c;
		if (amounts[c] > 0 && !listed)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "order: '%s' has an amount (%g) but is not in the order",
					   tyche_surface_category(s, c), amounts[c]);
	}
	return 0;
}

int tyche_waterfall_build(tyche_waterfall **out, const tyche_surface *s,
			  const double *amounts, const tyche_stat *stat, int order_mode,
			  const size_t *order, size_t norder, size_t metric,
			  int minimize, tyche_error *err)
{
	struct wf f;
	tyche_waterfall *w = NULL;
	size_t *steps = NULL, *perm = NULL, ns = 0, nperm = 1;
	int *used = NULL, rc = 0;

	memset(&f, 0, sizeof f);
	f.s = s;
	f.st = stat;
	f.C = tyche_surface_ncategories(s);
	f.M = tyche_surface_nmetrics(s);
	f.N = tyche_surface_nsamples(s);
	if (metric >= f.M)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric %zu out of range", metric);
	for (size_t c = 0; c < f.C; c++)
		if (!(amounts[c] >= 0) || !isfinite(amounts[c]))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "amount of '%s' is not a finite amount >= 0",
					   tyche_surface_category(s, c));
	steps = ty_calloc(f.C + 1, sizeof *steps);
	perm = ty_calloc(f.C + 1, sizeof *perm);
	used = ty_calloc(f.C + 1, sizeof *used);
	if (!steps || !perm || !used) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	rc = find_steps(s, amounts, order_mode, order, norder, steps, &ns, err);
	if (rc)
		goto out;
	if (order_mode == TYCHE_WF_ALL) {
		if (ns > 8) {
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "order all: %zu categories have amounts, "
					 "at most 8 (40320 orders) are allowed", ns);
			goto out;
		}
		for (size_t k = 2; k <= ns; k++)
			nperm *= k;
	}
	w = ty_calloc(1, sizeof *w);
	f.totals = ty_calloc(f.M * f.N + 1, sizeof(double));
	f.work = ty_calloc(f.N + 1, sizeof(double));
	f.cur = ty_calloc(f.C + 1, sizeof(double));
	if (w) {
		w->order = ty_calloc(nperm * ns + 1, sizeof(size_t));
		w->start = ty_calloc(f.M + 1, sizeof(double));
		w->value = ty_calloc(nperm * ns * f.M + 1, sizeof(double));
	}
	if (!w || !f.totals || !f.work || !f.cur || !w->order || !w->start || !w->value) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	w->ncategories = f.C;
	w->nmetrics = f.M;
	w->stat = *stat;
	w->norders = nperm;
	w->nsteps = ns;
	wf_stats(&f, w->start);
	if (order_mode == TYCHE_WF_BEST) {
		/* greedy: each step the category whose amount helps most */
		double tmp[f.M ? f.M : 1];

		for (size_t k = 0; k < ns; k++) {
			size_t best = (size_t)-1;
			double bv = 0;

			rc = ty_budget_check(err, "building the waterfall");
			if (rc)
				goto out;
			for (size_t j = 0; j < ns; j++) {
				double v;

				if (used[j])
					continue;
				f.cur[steps[j]] = amounts[steps[j]];
				wf_stats(&f, tmp);
				f.cur[steps[j]] = 0;
				v = minimize ? -tmp[metric] : tmp[metric];
				if (best == (size_t)-1 || v > bv || (isnan(bv) && !isnan(v))) {
					best = j;
					bv = v;
				}
			}
			used[best] = 1;
			w->order[k] = steps[best];
			f.cur[steps[best]] = amounts[steps[best]];
			wf_stats(&f, w->value + k * f.M);
		}
	} else {
		for (size_t k = 0; k < ns; k++)
			perm[k] = k;
		for (size_t o = 0; o < nperm; o++) {
			rc = ty_budget_check(err, "building the waterfall");
			if (rc)
				goto out;
			memset(f.cur, 0, f.C * sizeof(double));
			for (size_t k = 0; k < ns; k++) {
				size_t c = steps[perm[k]];

				w->order[o * ns + k] = c;
				f.cur[c] = amounts[c];
				wf_stats(&f, w->value + (o * ns + k) * f.M);
			}
			if (order_mode == TYCHE_WF_ALL)
				next_perm(perm, ns);
		}
	}
	*out = w;
	w = NULL;
out:
	tyche_waterfall_free(w);
	free(f.totals);
	free(f.work);
	free(f.cur);
	free(steps);
	free(perm);
	free(used);
	return rc;
}

char *tyche_waterfall_json(const tyche_surface *s, const tyche_waterfall *w, int pretty)
{
	cJSON *o = cJSON_CreateObject(), *st, *orders;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "statistic", w->stat.name);
	st = cJSON_AddObjectToObject(o, "start");
	for (size_t m = 0; st && m < w->nmetrics; m++)
		cJSON_AddItemToObject(st, tyche_surface_metric(s, m), ty_json_num(w->start[m]));
	orders = cJSON_AddArrayToObject(o, "orders");
	for (size_t r = 0; orders && r < w->norders; r++) {
		cJSON *steps = cJSON_CreateArray();

		if (!steps)
			break;
		for (size_t k = 0; k < w->nsteps; k++) {
			cJSON *step = cJSON_CreateObject(), *mv, *dv;
			const double *v = w->value + (r * w->nsteps + k) * w->nmetrics;
			const double *prev = k ? v - w->nmetrics : w->start;

			if (!step)
				break;
			cJSON_AddNumberToObject(step, "step", (double)(k + 1));
			cJSON_AddStringToObject(step, "category",
						tyche_surface_category(s, w->order[r * w->nsteps + k]));
			mv = cJSON_AddObjectToObject(step, "metrics");
			dv = cJSON_AddObjectToObject(step, "delta");
			for (size_t m = 0; mv && dv && m < w->nmetrics; m++) {
				cJSON_AddItemToObject(mv, tyche_surface_metric(s, m), ty_json_num(v[m]));
				cJSON_AddItemToObject(dv, tyche_surface_metric(s, m),
						      ty_json_num(v[m] - prev[m]));
			}
			cJSON_AddItemToArray(steps, step);
		}
		cJSON_AddItemToArray(orders, steps);
	}
	return ty_opt_json_print(o, pretty);
}
