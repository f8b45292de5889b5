/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-sweep.c - what is built from single optimisations and surface
 * evaluations: metric bounds, Pareto sweeps, the waterfall and the
 * tornado.
 *
 * Decisions a newcomer would get wrong:
 *  - A sweep keeps every point, failed ones included: a Pareto curve with
 *    a silently missing point reads as a kink.  Each point carries its own
 *    result and status.
 *  - The tornado swings one *input* at a time: a parameter (or design
 *    Variable-Index) of a technology, in every scenario where it is
 *    uncertain at once, each cell to its own q10 / q90.  Swinging single
 *    cells would split one expert judgement (say Module Efficiency) into
 *    as many bars as there are scenarios.
 *  - The waterfall starts from every amount at 0 (the surface's
 *    extrapolation when 0 is not a tranche), not from the smallest
 *    tranche: its steps then add up to the portfolio's value.
 *  - The process's work budget is checked between points (and inside each
 *    optimisation); when it runs out the whole sweep, waterfall or tornado
 *    fails with TYCHE_ETIMEOUT: half a curve is not a result.  That is
 *    unlike a point's own max_time, which is a status of that point.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "surface.h"

/* ------------------------------------------------------------ sweeps */

void tyche_opt_sweep_free(tyche_opt_sweep *sw)
{
	if (!sw)
		return;
	for (size_t k = 0; k < sw->n; k++)
		tyche_opt_result_free(sw->v[k].result);
	free(sw->v);
	free(sw);
}

static tyche_opt_sweep *sweep_new(size_t n)
{
	tyche_opt_sweep *sw = ty_calloc(1, sizeof *sw);

	if (!sw)
		return NULL;
	sw->v = ty_calloc(n ? n : 1, sizeof *sw->v);
	if (!sw->v) {
		free(sw);
		return NULL;
	}
	sw->vs_metric = -1;
	return sw;
}

/* Solve q and append the point. */
static int sweep_add(tyche_opt_sweep *sw, const tyche_surface *s, const tyche_opt_problem *q,
		     double limit, tyche_error *err)
{
	tyche_opt_point *pt = &sw->v[sw->n];
	int rc = ty_budget_check(err, "sweeping the optimisations");

	if (!rc)
		rc = tyche_optimize(s, q, &pt->result, err);

	if (rc)
		return rc;
	pt->metric = q->metric;
	pt->minimize = q->minimize;
	pt->budget = q->has_budget ? q->budget : NAN;
	pt->limit = limit;
	sw->n++;
	return 0;
}

int tyche_opt_bounds(const tyche_surface *s, const tyche_opt_problem *base,
		     tyche_opt_sweep **out, tyche_error *err)
{
	size_t M = tyche_surface_nmetrics(s);
	tyche_opt_sweep *sw = sweep_new(2 * M);
	double t0 = ty_opt_now();
	int rc = 0;

	if (!sw)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t m = 0; m < M && !rc; m++)
		for (int mn = 1; mn >= 0 && !rc; mn--) {
			tyche_opt_problem q = *base;

			q.metric = m;
			q.minimize = mn;
			rc = sweep_add(sw, s, &q, NAN, err);
		}
	if (rc) {
		tyche_opt_sweep_free(sw);
		return rc;
	}
	sw->seconds = ty_opt_now() - t0;
	*out = sw;
	return 0;
}

int tyche_opt_pareto_budget(const tyche_surface *s, const tyche_opt_problem *base,
			    const size_t *metrics, size_t nm, const double *budgets, size_t nb,
			    tyche_opt_sweep **out, tyche_error *err)
{
	size_t M = tyche_surface_nmetrics(s), per = metrics && nm ? nm : M;
	tyche_opt_sweep *sw;
	double t0 = ty_opt_now();
	int rc = 0;

	for (size_t b = 0; b < nb; b++)
		if (!(budgets[b] >= 0) || !isfinite(budgets[b]))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "budget %g: expected a finite amount >= 0", budgets[b]);
	sw = sweep_new(nb * per);
	if (!sw)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t b = 0; b < nb && !rc; b++)
		for (size_t k = 0; k < per && !rc; k++) {
			tyche_opt_problem q = *base;

			q.metric = metrics && nm ? metrics[k] : k;
			q.has_budget = 1;
			q.budget = budgets[b];
			rc = sweep_add(sw, s, &q, NAN, err);
		}
	if (rc) {
		tyche_opt_sweep_free(sw);
		return rc;
	}
	sw->seconds = ty_opt_now() - t0;
	*out = sw;
	return 0;
}

int tyche_opt_pareto_vs(const tyche_surface *s, const tyche_opt_problem *base, size_t vs,
			int vs_upper, const double *bounds, size_t nb, tyche_opt_sweep **out,
			tyche_error *err)
{
	tyche_opt_limit *lim = NULL;
	tyche_opt_sweep *sw = NULL;
	double *pts = NULL, t0 = ty_opt_now();
	int rc = 0;

	if (vs >= tyche_surface_nmetrics(s))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric %zu out of range", vs);
	if (nb == 0)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "a Pareto sweep needs >= 1 point");
	lim = ty_calloc(base->nlimits + 1, sizeof *lim);
	pts = ty_calloc(nb, sizeof *pts);
	sw = sweep_new(nb);
	if (!lim || !pts || !sw) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (bounds) {
		memcpy(pts, bounds, nb * sizeof *pts);
	} else {
		/* vs's range under the same budget, bounds and limits */
		double lo = NAN, hi = NAN;

		for (int mn = 1; mn >= 0; mn--) {
			tyche_opt_problem q = *base;
			tyche_opt_result *r = NULL;

			q.metric = vs;
			q.minimize = mn;
			rc = tyche_optimize(s, &q, &r, err);
			if (rc)
				goto out;
			if (r->status == TYCHE_OPT_OPTIMAL || r->status == TYCHE_OPT_LIMIT) {
				if (mn)
					lo = r->objective;
				else
					hi = r->objective;
			}
			tyche_opt_result_free(r);
		}
		if (!isfinite(lo) || !isfinite(hi)) {
			rc = ty_error_at(err, TYCHE_EINFEASIBLE, "", 0, 0,
					 "cannot find the range of %s(%s) under the budget and "
					 "limits: the problem is infeasible", base->stat.name,
					 tyche_surface_metric(s, vs));
			goto out;
		}
		for (size_t k = 0; k < nb; k++)
			pts[k] = nb == 1 ? hi : lo + (hi - lo) * (double)k / (double)(nb - 1);
	}
	if (base->nlimits)
		memcpy(lim, base->limits, base->nlimits * sizeof *lim);
	for (size_t k = 0; k < nb && !rc; k++) {
		tyche_opt_problem q = *base;

		lim[base->nlimits].metric = vs;
		lim[base->nlimits].stat = base->stat;
		lim[base->nlimits].upper = vs_upper;
		lim[base->nlimits].bound = pts[k];
		q.limits = lim;
		q.nlimits = base->nlimits + 1;
		rc = sweep_add(sw, s, &q, pts[k], err);
	}
	if (rc)
		goto out;
	sw->vs_metric = (long)vs;
	sw->seconds = ty_opt_now() - t0;
	*out = sw;
	sw = NULL;
out:
	tyche_opt_sweep_free(sw);
	free(lim);
	free(pts);
	return rc;
}

static cJSON *jnum(double v)
{
	return ty_json_num(v);   /* the one number formatter */
}

char *tyche_opt_sweep_json(const tyche_surface *s, const tyche_opt_sweep *sw, int pretty)
{
	cJSON *a = cJSON_CreateArray();
	char *txt;

	if (!a)
		return NULL;
	for (size_t k = 0; k < sw->n; k++) {
		const tyche_opt_point *pt = &sw->v[k];
		cJSON *o = cJSON_CreateObject(), *r;

		if (!o)
			break;
		cJSON_AddStringToObject(o, "metric", tyche_surface_metric(s, pt->metric));
		cJSON_AddStringToObject(o, "sense", pt->minimize ? "min" : "max");
		cJSON_AddItemToObject(o, "budget", jnum(pt->budget));
		cJSON_AddItemToObject(o, "limit", jnum(pt->limit));
		if (sw->vs_metric >= 0)
			cJSON_AddStringToObject(o, "vs",
						tyche_surface_metric(s, (size_t)sw->vs_metric));
		else
			cJSON_AddNullToObject(o, "vs");
		r = ty_opt_result_cjson(s, pt->result);
		if (r)
			cJSON_AddItemToObject(o, "result", r);
		cJSON_AddItemToArray(a, o);
	}
	txt = pretty ? cJSON_Print(a) : cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return txt;
}

/* ------------------------------------------------------------ waterfall */

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

int tyche_waterfall_build(const tyche_surface *s, const double *amounts,
			  const tyche_stat *stat, int order_mode, const size_t *order,
			  size_t norder, size_t metric, int minimize,
			  tyche_waterfall **out, tyche_error *err)
{
	struct wf f;
	tyche_waterfall *w = NULL;
	size_t steps[64], ns = 0, nperm = 1;
	int rc = 0;

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
	if (order_mode == TYCHE_WF_GIVEN) {
		for (size_t k = 0; k < norder; k++) {
			if (order[k] >= f.C)
				return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
						   "order: category %zu out of range", order[k]);
			for (size_t j = 0; j < k; j++)
				if (order[j] == order[k])
					return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
							   "order: '%s' appears twice",
							   tyche_surface_category(s, order[k]));
			if (ns < 64)
				steps[ns++] = order[k];
		}
		for (size_t c = 0; c < f.C; c++) {
			int listed = 0;

			for (size_t k = 0; k < ns; k++)
				listed |= steps[k] == c;
			if (amounts[c] > 0 && !listed)
				return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
						   "order: '%s' has an amount (%g) but is not in the order",
						   tyche_surface_category(s, c), amounts[c]);
		}
	} else {
		for (size_t c = 0; c < f.C && ns < 64; c++)
			if (amounts[c] > 0)
				steps[ns++] = c;
		if (order_mode == TYCHE_WF_ALL) {
			if (ns > 8)
				return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
						   "order all: %zu categories have amounts, "
						   "at most 8 (40320 orders) are allowed", ns);
			for (size_t k = 2; k <= ns; k++)
				nperm *= k;
		}
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
		int used[64] = { 0 };
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
		size_t perm[64];

		for (size_t k = 0; k < ns; k++)
			perm[k] = order_mode == TYCHE_WF_ALL ? k : k;
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
	return rc;
}

char *tyche_waterfall_json(const tyche_surface *s, const tyche_waterfall *w, int pretty)
{
	cJSON *o = cJSON_CreateObject(), *st, *orders;
	char *txt;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "statistic", w->stat.name);
	st = cJSON_AddObjectToObject(o, "start");
	for (size_t m = 0; st && m < w->nmetrics; m++)
		cJSON_AddItemToObject(st, tyche_surface_metric(s, m), jnum(w->start[m]));
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
				cJSON_AddItemToObject(mv, tyche_surface_metric(s, m), jnum(v[m]));
				cJSON_AddItemToObject(dv, tyche_surface_metric(s, m),
						      jnum(v[m] - prev[m]));
			}
			cJSON_AddItemToArray(steps, step);
		}
		cJSON_AddItemToArray(orders, steps);
	}
	txt = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

/* ------------------------------------------------------------ tornado */

void tyche_tornado_free(tyche_tornado *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

/* An input: the uncertain cells sharing technology, table and key. */
struct input {
	size_t tech;
	const char *table, *key;
	const struct ty_tranche *tranche;   /* uncertain tranche amount */
	struct ty_cell_override *lo, *hi;   /* one per cell */
	size_t n, cap;
	char label[256];
};

static void scen_cells(const struct ty_tech *T, const struct ty_scenario *S,
		       const struct ty_cell **v, size_t *n)
{
	size_t k = 0;

	v[k++] = &S->scale;
	for (size_t i = 0; i < T->n_capital; i++)
		v[k++] = &S->lifetime[i];
	for (size_t i = 0; i < T->n_input; i++) {
		v[k++] = &S->input_raw[i];
		v[k++] = &S->input_eff[i];
		v[k++] = &S->input_price[i];
	}
	for (size_t i = 0; i < T->n_output; i++) {
		v[k++] = &S->output_eff[i];
		v[k++] = &S->output_price[i];
	}
	for (size_t i = 0; i < T->n_param; i++)
		v[k++] = &S->param[i];
	*n = k;
}

static int input_add(struct input *in, const struct ty_cell *cell)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 8;
		struct ty_cell_override *lo = ty_realloc(in->lo, cap * sizeof *lo);

		if (!lo)
			return -1;
		in->lo = lo;
		{
			struct ty_cell_override *hi = ty_realloc(in->hi, cap * sizeof *hi);

			if (!hi)
				return -1;
			in->hi = hi;
		}
		in->cap = cap;
	}
	in->lo[in->n].cell = cell;
	in->lo[in->n].value = ty_dist_quantile(cell->dist, 0.1);
	in->hi[in->n].cell = cell;
	in->hi[in->n].value = ty_dist_quantile(cell->dist, 0.9);
	in->n++;
	return 0;
}

static void make_label(const tyche_context *ctx, struct input *in, size_t pidx)
{
	const struct ty_tech *T = &ctx->tech[in->tech];

	if (in->tranche) {
		snprintf(in->label, sizeof in->label, "%s: amount of %s", in->tranche->category,
			 in->tranche->name);
	} else if (!strcmp(in->table, "parameters") && pidx < T->n_param && T->param &&
		   T->param[pidx]) {
		snprintf(in->label, sizeof in->label, "%s: %s", T->name, T->param[pidx]);
	} else {
		char key[200];
		size_t k = 0;

		for (const char *p = in->key; *p && k + 1 < sizeof key; p++)
			key[k++] = *p == '\x1f' ? ' ' : *p;
		key[k] = '\0';
		snprintf(in->label, sizeof in->label, "%s: %s", T->name, key);
	}
}

/* The metric's value: at a portfolio (through a fixed surface) or in one
 * scenario (straight from the evaluator). */
struct tor {
	const tyche_context *ctx;
	long metric_ix;               /* portfolio: surface metric */
	const char *metric;
	const char *const *assign;
	size_t nassign;
	double *amounts;
	/* scenario mode */
	struct ty_eval *E;
	struct ty_eval_ws *ws;
	size_t tech, scen, row, nrows;
	double **rows, *rowbuf;
};

static int tor_value(struct tor *t, const struct ty_cell_override *ov, size_t nov,
		     double *out, tyche_error *err)
{
	int brc = ty_budget_check(err, "building the tornado");

	if (brc)
		return brc;
	if (t->E) {
		int rc;

		ty_eval_ws_set_overrides(t->ws, ov, nov, 1);
		rc = ty_eval_block(t->E, t->ws, t->tech, t->scen, 0, 1, t->rows);
		if (rc)
			return ty_error_at(err, rc, "", 0, 0, "evaluation of the scenario failed");
		*out = t->rows[t->row][0];
		return 0;
	}
	{
		tyche_surface *s = NULL;
		double *tot;
		int rc = ty_surface_build_fixed(&s, t->ctx, ov, nov, err);

		if (rc)
			return rc;
		if (!t->amounts) {
			t->amounts = ty_calloc(tyche_surface_ncategories(s) + 1, sizeof(double));
			if (!t->amounts) {
				tyche_surface_free(s);
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			}
			rc = tyche_surface_parse_amounts(s, t->assign, t->nassign, t->amounts, err);
			if (!rc) {
				t->metric_ix = tyche_surface_find_metric(s, t->metric);
				if (t->metric_ix < 0) {
					struct ty_buf b = TY_BUF_INIT;

					for (size_t m = 0; m < tyche_surface_nmetrics(s); m++)
						ty_buf_addf(&b, "%s'%s'", m ? ", " : "",
							    tyche_surface_metric(s, m));
					rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
							 "unknown metric '%s'; the metrics are %s",
							 t->metric, b.p ? b.p : "");
					ty_buf_release(&b);
				}
			}
			if (rc) {
				tyche_surface_free(s);
				return rc;
			}
		}
		tot = ty_calloc(tyche_surface_nmetrics(s) + 1, sizeof(double));
		if (!tot) {
			tyche_surface_free(s);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		tyche_surface_eval(s, t->amounts, tot, NULL);
		*out = tot[t->metric_ix];
		free(tot);
		tyche_surface_free(s);
		return 0;
	}
}

static int bar_cmp(const void *a, const void *b)
{
	const tyche_tornado_bar *x = a, *y = b;

	if (x->swing != y->swing) {
		if (isnan(x->swing))
			return 1;
		if (isnan(y->swing))
			return -1;
		return x->swing > y->swing ? -1 : 1;
	}
	return strcmp(x->label, y->label);
}

static int find_scenario(struct tor *t, const char *scenario, tyche_error *err)
{
	const tyche_context *ctx = t->ctx;

	for (size_t k = 0; k < ctx->ntech; k++) {
		const struct ty_tech *T = &ctx->tech[k];

		for (size_t j = 0; j < T->nscen; j++) {
			if (strcmp(T->scen[j].name, scenario))
				continue;
			for (size_t r = 0; r < T->nresults; r++)
				if (T->results[r].var == TY_VAR_METRIC &&
				    !strcmp(T->results[r].index, t->metric) &&
				    T->results[r].offset >= 0) {
					t->tech = k;
					t->scen = j;
					t->row = r;
					t->nrows = T->nresults;
					return 0;
				}
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "technology '%s' reports no metric '%s'", T->name,
					   t->metric);
		}
	}
	return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "unknown scenario '%s'", scenario);
}

int tyche_tornado_build(const tyche_context *ctx, const char *metric,
			const char *const *assign, size_t n, const char *scenario,
			tyche_tornado **out, tyche_error *err)
{
	struct tor t;
	struct input *in = NULL;
	size_t nin = 0, capin = 0;
	tyche_tornado *res = NULL;
	int rc = 0;

	memset(&t, 0, sizeof t);
	t.ctx = ctx;
	t.metric = metric;
	t.assign = assign;
	t.nassign = n;
	if (scenario) {
		rc = find_scenario(&t, scenario, err);
		if (rc)
			return rc;
		rc = ty_eval_create(&t.E, ctx, 0, err);
		if (rc)
			return rc;
		t.ws = ty_eval_ws_create(t.E);
		t.rows = ty_calloc(t.nrows + 1, sizeof(double *));
		t.rowbuf = ty_calloc(t.nrows + 1, sizeof(double));
		if (!t.ws || !t.rows || !t.rowbuf) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t r = 0; r < t.nrows; r++)
			t.rows[r] = t.rowbuf + r;
	}
	/* group the uncertain cells into inputs */
	for (size_t k = 0; k < ctx->ntech; k++) {
		const struct ty_tech *T = &ctx->tech[k];
		size_t ncell = 1 + T->n_capital + 3 * T->n_input + 2 * T->n_output + T->n_param;
		const struct ty_cell **cells = ty_calloc(ncell, sizeof *cells);

		if (!cells) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < T->nscen; j++) {
			size_t nc;

			if (scenario && (k != t.tech || j != t.scen))
				continue;
			scen_cells(T, &T->scen[j], cells, &nc);
			for (size_t c = 0; c < nc; c++) {
				const struct ty_cell *cell = cells[c];
				size_t g;

				if (!cell->dist || ty_dist_is_const(cell->dist))
					continue;
				for (g = 0; g < nin; g++)
					if (in[g].tech == k && !in[g].tranche &&
					    !strcmp(in[g].table, cell->table) &&
					    !strcmp(in[g].key, cell->key))
						break;
				if (g == nin) {
					if (nin == capin) {
						size_t cap = capin ? 2 * capin : 16;
						struct input *v = ty_realloc(in, cap * sizeof *v);

						if (!v) {
							free(cells);
							rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
									 "out of memory");
							goto out;
						}
						in = v;
						capin = cap;
					}
					memset(&in[nin], 0, sizeof in[nin]);
					in[nin].tech = k;
					in[nin].table = cell->table;
					in[nin].key = cell->key;
					make_label(ctx, &in[nin],
						   c >= nc - T->n_param ? c - (nc - T->n_param) : (size_t)-1);
					nin++;
				}
				if (input_add(&in[g], cell)) {
					free(cells);
					rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
					goto out;
				}
			}
		}
		free(cells);
	}
	if (!scenario) {
		for (size_t k = 0; k < ctx->ntranches; k++) {
			const struct ty_tranche *tr = &ctx->tranches[k];

			if (!tr->amount.dist || ty_dist_is_const(tr->amount.dist))
				continue;
			if (nin == capin) {
				size_t cap = capin ? 2 * capin : 16;
				struct input *v = ty_realloc(in, cap * sizeof *v);

				if (!v) {
					rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
					goto out;
				}
				in = v;
				capin = cap;
			}
			memset(&in[nin], 0, sizeof in[nin]);
			in[nin].tranche = tr;
			in[nin].table = "tranches";
			in[nin].key = tr->name;
			make_label(ctx, &in[nin], 0);
			if (input_add(&in[nin], &tr->amount)) {
				nin++;
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				goto out;
			}
			nin++;
		}
	}
	res = ty_calloc(1, sizeof *res);
	if (!res || !(res->v = ty_calloc(nin + 1, sizeof *res->v))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	snprintf(res->metric, sizeof res->metric, "%s", metric);
	rc = tor_value(&t, NULL, 0, &res->base, err);
	for (size_t g = 0; g < nin && !rc; g++) {
		tyche_tornado_bar *b = &res->v[g];

		snprintf(b->label, sizeof b->label, "%s", in[g].label);
		rc = tor_value(&t, in[g].lo, in[g].n, &b->low, err);
		if (!rc)
			rc = tor_value(&t, in[g].hi, in[g].n, &b->high, err);
		b->swing = fabs(b->high - b->low);
	}
	if (rc)
		goto out;
	res->n = nin;
	qsort(res->v, res->n, sizeof *res->v, bar_cmp);
	*out = res;
	res = NULL;
out:
	tyche_tornado_free(res);
	for (size_t g = 0; g < nin; g++) {
		free(in[g].lo);
		free(in[g].hi);
	}
	free(in);
	free(t.amounts);
	free(t.rows);
	free(t.rowbuf);
	if (t.ws)
		ty_eval_ws_free(t.ws);
	if (t.E)
		ty_eval_free(t.E);
	return rc;
}

char *tyche_tornado_json(const tyche_tornado *t, int pretty)
{
	cJSON *o = cJSON_CreateObject(), *bars;
	char *txt;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "metric", t->metric);
	cJSON_AddItemToObject(o, "base", jnum(t->base));
	bars = cJSON_AddArrayToObject(o, "inputs");
	for (size_t k = 0; bars && k < t->n; k++) {
		cJSON *b = cJSON_CreateObject();

		if (!b)
			break;
		cJSON_AddStringToObject(b, "input", t->v[k].label);
		cJSON_AddItemToObject(b, "low", jnum(t->v[k].low));
		cJSON_AddItemToObject(b, "high", jnum(t->v[k].high));
		cJSON_AddItemToObject(b, "swing", jnum(t->v[k].swing));
		cJSON_AddItemToArray(bars, b);
	}
	txt = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}
