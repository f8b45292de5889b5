/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-eval.c - the optimiser's evaluator, shared by every method: a
 * portfolio's statistics (objective and limits) and their gradients on the
 * response surface, the feasibility test, the best point seen, and the
 * clocks that stop a run.
 *
 * Easy to get wrong:
 *  - Statistics are of the portfolio's per-sample totals.  The gradient of
 *    a statistic is a weighted sum of per-sample slopes (mean: 1/N each;
 *    quantile: the one or two order statistics it interpolates; std: the
 *    centred values), never the statistic of the slopes.  p>X has no
 *    useful slope, so it uses central differences.
 *  - Every evaluation is checked against the constraints and the best
 *    feasible point seen is kept (ty_opt_ev_amounts): the answer never
 *    depends on what a solver happens to return after a failed line
 *    search.  While no point is feasible, best_x holds the least
 *    infeasible one instead (have_least), for reporting.
 *  - The solvers see x = amount / scale; ty_opt_ev_x clips x to the bounds
 *    before evaluating, so a solver stepping a rounding error outside
 *    [0, ub] never evaluates there.
 *  - Two clocks: the run's deadline (max_time) and the process's work
 *    budget.  ty_opt_time_left gives the nearer of the two and says which,
 *    so that a solver's own time-out can be told apart.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "optim.h"
#include "surface.h"

double ty_opt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds a solver may still run: the run's max_time, never more than
 * the process's budget left (0 = no limit for NLopt, so at least 1 ms).
 * *budget_first: the budget is the nearer of the two, so a solver's own
 * time-out means the budget ran out (its clock and ours differ a little). */
double ty_opt_time_left(const struct ty_opt_ev *e, int *budget_first)
{
	double left = e->deadline > 0 ? e->deadline - ty_opt_now() : TY_OPT_DEFAULT_MAX_TIME;
	double bl = tyche_budget_left();

	*budget_first = bl <= left;
	left = fmin(left, bl);
	return fmax(1e-3, left);
}

/* Index of the k-th smallest of t (idx: scratch of N, left partitioned
 * around position k). */
static size_t select_index(const double *t, size_t N, size_t k, size_t *idx)
{
	size_t lo = 0, hi = N - 1;

	for (size_t i = 0; i < N; i++)
		idx[i] = i;
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double a = t[idx[lo]], b = t[idx[mid]], c = t[idx[hi]], pivot;

		pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		while (i <= j) {
			while (t[idx[i]] < pivot)
				i++;
			while (t[idx[j]] > pivot)
				j--;
			if (i <= j) {
				size_t tmp = idx[i];

				idx[i] = idx[j];
				idx[j] = tmp;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return idx[k];
}

/* Index of the (k+1)-th smallest of t, after select_index(t, N, k, idx)
 * (the smallest of the part above position k); k + 1 < N. */
static size_t next_order(const double *t, size_t N, size_t k, const size_t *idx)
{
	size_t j = idx[k + 1];

	for (size_t i = k + 2; i < N; i++)
		if (t[idx[i]] < t[j])
			j = idx[i];
	return j;
}

/* Weights w[i] such that d stat / d t_i = w[i] (where defined).  Returns 1
 * when the statistic has no useful derivative (p>X, p<X). */
static int stat_weights(const tyche_stat *st, const double *t, size_t N, double *w,
			size_t *idx)
{
	memset(w, 0, N * sizeof(double));
	switch (st->kind) {
	case TYCHE_STAT_MEAN:
		for (size_t i = 0; i < N; i++)
			w[i] = 1.0 / (double)N;
		return 0;
	case TYCHE_STAT_STD: {
		double mean = 0, ss = 0, sd;

		if (N < 2)
			return 0;
		for (size_t i = 0; i < N; i++)
			mean += t[i];
		mean /= (double)N;
		for (size_t i = 0; i < N; i++)
			ss += (t[i] - mean) * (t[i] - mean);
		sd = sqrt(ss / (double)(N - 1));
		if (sd > 0)
			for (size_t i = 0; i < N; i++)
				w[i] = (t[i] - mean) / ((double)(N - 1) * sd);
		return 0;
	}
	case TYCHE_STAT_MIN:
	case TYCHE_STAT_MAX: {
		size_t k = 0;

		for (size_t i = 1; i < N; i++)
			if (st->kind == TYCHE_STAT_MIN ? t[i] < t[k] : t[i] > t[k])
				k = i;
		w[k] = 1;
		return 0;
	}
	case TYCHE_STAT_QUANTILE:
	case TYCHE_STAT_VAR:
	case TYCHE_STAT_CVAR: {
		double p = st->kind == TYCHE_STAT_QUANTILE ? st->p : 1.0 - st->p;
		double h = (double)(N - 1) * p, frac;
		size_t k = (size_t)floor(h), k2;

		if (k > N - 1)
			k = N - 1;
		frac = h - (double)k;
		k2 = select_index(t, N, k, idx);
		if (st->kind == TYCHE_STAT_CVAR) {
			double q = t[k2];
			size_t cnt = 0;

			if (frac > 0 && k + 1 < N)
				q += (t[next_order(t, N, k, idx)] - q) * frac;
			for (size_t i = 0; i < N; i++)
				cnt += t[i] <= q;
			for (size_t i = 0; i < N && cnt; i++)
				if (t[i] <= q)
					w[i] = 1.0 / (double)cnt;
			return 0;
		}
		w[k2] = 1.0 - frac;
		if (frac > 0 && k + 1 < N)
			w[next_order(t, N, k, idx)] += frac;
		return 0;
	}
	default:
		return 1;
	}
}

int ty_opt_ev_init(struct ty_opt_ev *e, const tyche_surface *s, const tyche_opt_problem *p,
		   const double *ub)
{
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);
	size_t N = tyche_surface_nsamples(s);

	memset(e, 0, sizeof *e);
	e->s = s;
	e->p = p;
	e->C = C;
	e->M = M;
	e->N = N;
	e->nv = 1 + p->nlimits;
	e->ub = ty_calloc(C ? C : 1, sizeof(double));
	e->scale = ty_calloc(C ? C : 1, sizeof(double));
	e->amounts = ty_calloc(C ? C : 1, sizeof(double));
	e->best_x = ty_calloc(C ? C : 1, sizeof(double));
	e->fd_amounts = ty_calloc(C ? C : 1, sizeof(double));
	e->vals = ty_calloc(e->nv, sizeof(double));
	e->gvals = ty_calloc(e->nv * (C ? C : 1), sizeof(double));
	e->cscale = ty_calloc(e->nv, sizeof(double));
	e->totals = ty_calloc(M * N + 1, sizeof(double));
	e->fd_totals = ty_calloc(M * N + 1, sizeof(double));
	e->g = ty_calloc(C * M * N + 1, sizeof(double));
	e->work = ty_calloc(N, sizeof(double));
	e->w = ty_calloc(N, sizeof(double));
	e->idx = ty_calloc(N, sizeof(size_t));
	e->need = ty_calloc(M + 1, 1);
	if (!e->ub || !e->scale || !e->amounts || !e->best_x || !e->fd_amounts ||
	    !e->vals || !e->gvals || !e->cscale || !e->totals ||
	    !e->fd_totals || !e->g || !e->work || !e->w || !e->idx || !e->need)
		return TYCHE_ENOMEM;
	/* the solvers need the objective's and the limits' metrics only */
	if (p->metric < M)
		e->need[p->metric] = 1;
	for (size_t l = 0; l < p->nlimits; l++)
		if (p->limits[l].metric < M)
			e->need[p->limits[l].metric] = 1;
	for (size_t c = 0; c < C; c++) {
		e->ub[c] = ub[c];
		e->scale[c] = ub[c] > 0 ? ub[c] : 1.0;
	}
	for (size_t k = 0; k < e->nv; k++)
		e->cscale[k] = 1;
	e->tol = p->tol > 0 ? p->tol : TY_OPT_DEFAULT_TOL;
	e->best_f = INFINITY;
	e->have = 0;
	return 0;
}

void ty_opt_ev_release(struct ty_opt_ev *e)
{
	free(e->ub);
	free(e->scale);
	free(e->amounts);
	free(e->best_x);
	free(e->fd_amounts);
	free(e->vals);
	free(e->gvals);
	free(e->cscale);
	free(e->totals);
	free(e->fd_totals);
	free(e->g);
	free(e->work);
	free(e->w);
	free(e->idx);
	free(e->need);
	memset(e, 0, sizeof *e);
}

const tyche_stat *ty_opt_ev_stat(const struct ty_opt_ev *e, size_t k, size_t *metric)
{
	if (k == 0) {
		*metric = e->p->metric;
		return &e->p->stat;
	}
	*metric = e->p->limits[k - 1].metric;
	return &e->p->limits[k - 1].stat;
}

int ty_opt_holds(int upper, double v, double bound, double tol)
{
	double t = (tol > 0 ? tol : TY_OPT_DEFAULT_TOL) * fmax(1.0, fabs(bound));

	if (isnan(v))
		return 0;
	return upper ? v <= bound + t : v >= bound - t;
}

/* Violation of constraint k (>0: violated), in the constraint's units
 * relative to the tolerance scale. */
double ty_opt_limit_violation(const struct ty_opt_ev *e, size_t l, double v)
{
	const tyche_opt_limit *L = &e->p->limits[l];

	if (isnan(v))
		return INFINITY;
	return L->upper ? v - L->bound : L->bound - v;
}

double ty_opt_budget_sum(const struct ty_opt_ev *e, const double *amounts)
{
	double s = 0;

	for (size_t c = 0; c < e->C; c++)
		s += amounts[c];
	return s;
}

int ty_opt_feasible_vals(const struct ty_opt_ev *e, const double *amounts, const double *vals)
{
	const tyche_opt_problem *p = e->p;

	if (isnan(vals[0]))
		return 0;
	if (p->has_budget && ty_opt_budget_sum(e, amounts) > p->budget + e->tol * fmax(1.0, p->budget))
		return 0;
	for (size_t l = 0; l < p->nlimits; l++)
		if (!(ty_opt_limit_violation(e, l, vals[1 + l]) <=
		      e->tol * fmax(1.0, fabs(p->limits[l].bound))))
			return 0;
	return 1;
}

/*
 * e->vals[k] = statistic k of e->totals.  A run of means (or of stds) of
 * several metrics, the usual objective with its limits, goes through
 * ty_stat_eval_rows in one pass: their recurrences overlap, with the same
 * bits as one tyche_stat_eval each.
 */
static void ev_stats(struct ty_opt_ev *e)
{
	for (size_t k = 0, g; k < e->nv; k += g) {
		size_t m;
		const tyche_stat *st = ty_opt_ev_stat(e, k, &m);
		const double *rows[TY_STAT_GROUP_MAX];

		rows[0] = e->totals + m * e->N;
		g = 1;
		if (st->kind == TYCHE_STAT_MEAN || st->kind == TYCHE_STAT_STD)
			while (k + g < e->nv && g < TY_ARRAY_SIZE(rows)) {
				size_t m2;

				if (ty_opt_ev_stat(e, k + g, &m2)->kind != st->kind)
					break;
				rows[g++] = e->totals + m2 * e->N;
			}
		if (g == 1 || ty_stat_eval_rows(st, 1, rows, g, e->N, e->work, e->vals + k))
			for (size_t j = 0; j < g; j++)
				e->vals[k + j] = tyche_stat_eval(st, rows[j], e->N, e->work);
	}
}

/* Evaluate at amounts (not x): totals, then every statistic; record the
 * point when it is the best feasible one so far. */
void ty_opt_ev_amounts(struct ty_opt_ev *e, const double *amounts)
{
	if (e->have && !memcmp(amounts, e->amounts, e->C * sizeof(double)))
		return;
	if (amounts != e->amounts)
		memcpy(e->amounts, amounts, e->C * sizeof(double));
	ty_surface_eval_some(e->s, e->amounts, e->totals, e->all_metrics ? NULL : e->need);
	e->nevals++;
	e->have = 1;
	e->have_grad = 0;
	ev_stats(e);
	if (isnan(e->vals[0]))
		e->saw_nan = 1;
	if (ty_opt_feasible_vals(e, e->amounts, e->vals)) {
		double f = e->p->minimize ? e->vals[0] : -e->vals[0];

		if (f < e->best_f) {
			e->best_f = f;
			memcpy(e->best_x, e->amounts, e->C * sizeof(double));
			e->have_best = 1;
		}
	} else if (!e->have_best) {
		/* track the least infeasible point, for reporting */
		double v = 0;

		if (e->p->has_budget)
			v = fmax(v, (ty_opt_budget_sum(e, e->amounts) - e->p->budget) /
				     fmax(1.0, e->p->budget));
		for (size_t l = 0; l < e->p->nlimits; l++)
			v = fmax(v, ty_opt_limit_violation(e, l, e->vals[1 + l]) /
				     fmax(1.0, fabs(e->p->limits[l].bound)));
		if (!e->have_least || v < e->least_viol) {
			e->least_viol = v;
			e->have_least = 1;
			memcpy(e->best_x, e->amounts, e->C * sizeof(double));
		}
	}
}

/* x (scaled) to amounts, clipped to the bounds. */
void ty_opt_x_to_amounts(const struct ty_opt_ev *e, const double *x, double *a)
{
	for (size_t c = 0; c < e->C; c++) {
		double v = x[c] * e->scale[c];

		a[c] = v < 0 ? 0 : v > e->ub[c] ? e->ub[c] : v;
	}
}

void ty_opt_amounts_to_x(const struct ty_opt_ev *e, const double *a, double *x)
{
	for (size_t c = 0; c < e->C; c++)
		x[c] = a[c] / e->scale[c];
}

/* Evaluate at scaled x, clipped to the bounds. */
void ty_opt_ev_x(struct ty_opt_ev *e, const double *x)
{
	double a[e->C ? e->C : 1];

	ty_opt_x_to_amounts(e, x, a);
	ty_opt_ev_amounts(e, a);
}

/* d vals[k] / d x_c into gvals[k*C + c] for every k (at the current point). */
void ty_opt_ev_grad(struct ty_opt_ev *e)
{
	size_t C = e->C, M = e->M, N = e->N;

	if (e->have_grad)
		return;
	ty_surface_grad_some(e->s, e->amounts, e->g, e->need);
	e->nevals++;
	for (size_t k = 0; k < e->nv; k++) {
		size_t m;
		const tyche_stat *st = ty_opt_ev_stat(e, k, &m);
		const double *t = e->totals + m * N;

		if (stat_weights(st, t, N, e->w, e->idx)) {
			/* central differences, 1 % of the range */
			for (size_t c = 0; c < C; c++) {
				double h = 0.01 * e->scale[c], lo, hi, a0 = e->amounts[c];
				double xl = a0 - h < 0 ? 0 : a0 - h;
				double xh = a0 + h > e->ub[c] ? e->ub[c] : a0 + h;

				if (xh <= xl) {
					e->gvals[k * C + c] = 0;
					continue;
				}
				memcpy(e->fd_amounts, e->amounts, C * sizeof(double));
				e->fd_amounts[c] = xl;
				ty_surface_eval_some(e->s, e->fd_amounts, e->fd_totals, e->need);
				lo = tyche_stat_eval(st, e->fd_totals + m * N, N, e->work);
				e->fd_amounts[c] = xh;
				ty_surface_eval_some(e->s, e->fd_amounts, e->fd_totals, e->need);
				hi = tyche_stat_eval(st, e->fd_totals + m * N, N, e->work);
				e->nevals += 2;
				e->gvals[k * C + c] = (hi - lo) / (xh - xl) * e->scale[c];
			}
			continue;
		}
		for (size_t c = 0; c < C; c++) {
			const double *gc = e->g + (c * M + m) * N;
			double d = 0;

			for (size_t i = 0; i < N; i++)
				d += e->w[i] * gc[i];
			e->gvals[k * C + c] = d * e->scale[c];
		}
	}
	e->have_grad = 1;
}

