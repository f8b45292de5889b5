/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim.c - epsilon-constraint optimisation over the response surface:
 * SLSQP (local), ISRES then SLSQP (global), and a piecewise-linear MILP
 * over the grid of tranche amounts (GLPK).
 *
 * Design notes a newcomer would get wrong:
 *  - Statistics are of the portfolio's per-sample totals.  The gradient of
 *    a statistic is a weighted sum of per-sample slopes (mean: 1/N each;
 *    quantile: the one or two order statistics it interpolates; std: the
 *    centred values), never the statistic of the slopes.  p>X has no
 *    useful slope, so it uses central differences.
 *  - The solver sees x = amount / upper in [0, 1], the objective and each
 *    constraint divided by its gradient's size at the start, so one
 *    tolerance fits LCOE (1e-2) and GHG (1e1) alike.
 *  - Every evaluation is checked against the constraints and the best
 *    feasible point seen is kept: the answer never depends on what the
 *    solver happens to return after a failed line search, and a point
 *    that violates a constraint is never reported as a solution.  When no
 *    point is feasible the status is infeasible, with the reason.
 *  - The MILP's grid has 0 and the upper bound in every category besides
 *    the tranche amounts (the reference's grid lacks them, which can make
 *    a feasible problem look infeasible).  Its corner values are exact
 *    portfolio statistics; between corners the MILP interpolates, which
 *    is exact for the mean and an approximation for the others, so its
 *    solution is re-checked on the true surface like any other point.
 *  - NLopt's ISRES draws from NLopt's own generator, seeded by
 *    nlopt_srand() before each run, and stops on the evaluation count,
 *    not the clock, so one seed gives one answer.  The time limit is a
 *    safety net: when it stops a run, the status says so.
 *  - Two clocks stop a run.  The problem's max_time ends it with status
 *    TYCHE_OPT_LIMIT and the best point found; the process's work budget
 *    (tyche_budget_set) ends it with TYCHE_ETIMEOUT and no result at all.
 *    Callbacks check both and call nlopt_force_stop; NLopt's maxtime and
 *    GLPK's tm_lim are never longer than the budget left.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <nlopt.h>
#include <glpk.h>
#include <cJSON.h>

#include "internal.h"
#include "optim.h"

#define DEFAULT_MAX_TIME 10.0
#define DEFAULT_GLOBAL_EVALS 2000
#define DEFAULT_MILP_CORNERS 20000
#define DEFAULT_TOL 1e-6

/* ------------------------------------------------------------ names */

const char *tyche_opt_status_name(int status)
{
	switch (status) {
	case TYCHE_OPT_OPTIMAL: return "optimal";
	case TYCHE_OPT_INFEASIBLE: return "infeasible";
	case TYCHE_OPT_LIMIT: return "limit";
	default: return "error";
	}
}

const char *tyche_opt_method_name(int method)
{
	switch (method) {
	case TYCHE_OPT_LOCAL: return "local";
	case TYCHE_OPT_GLOBAL: return "global";
	case TYCHE_OPT_MILP: return "milp";
	default: return "?";
	}
}

int tyche_opt_method_parse(const char *name, int *method, tyche_error *err)
{
	for (int m = TYCHE_OPT_LOCAL; m <= TYCHE_OPT_MILP; m++)
		if (name && !strcmp(name, tyche_opt_method_name(m))) {
			*method = m;
			return 0;
		}
	return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
			   "unknown method '%s', expected local, global or milp",
			   name ? name : "");
}

void tyche_opt_result_free(tyche_opt_result *r)
{
	if (!r)
		return;
	free(r->amounts);
	free(r->upper);
	free(r->metrics);
	free(r->checks);
	free(r);
}

double ty_opt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------ parsing */

static int metric_list_error(const tyche_surface *s, tyche_error *err, const char *fmt,
			     const char *what)
{
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	for (size_t m = 0; m < tyche_surface_nmetrics(s); m++)
		ty_buf_addf(&b, "%s'%s'", m ? ", " : "", tyche_surface_metric(s, m));
	rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, fmt, what, b.p ? b.p : "");
	ty_buf_release(&b);
	return rc;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return ty_strndup(s, n);
}

int tyche_opt_parse_limit(const tyche_surface *s, const char *text, const tyche_stat *dflt,
			  tyche_opt_limit *out, tyche_error *err)
{
	tyche_opt_limit L;
	const char *op = NULL, *rhs;
	char *lhs = NULL, *name = NULL, *num = NULL;
	size_t len = strlen(text);
	int rc = 0;
	long m;

	memset(&L, 0, sizeof L);
	/* the last '<' or '>' is the operator: "p>0.5(GHG)>=0.9" works */
	for (size_t i = len; i > 0; i--)
		if (text[i - 1] == '<' || text[i - 1] == '>') {
			op = text + i - 1;
			break;
		}
	if (!op || op == text)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "limit '%s': expected METRIC>=NUMBER, METRIC<=NUMBER or STAT(METRIC)>=NUMBER",
				   text);
	L.upper = *op == '<';
	rhs = op[1] == '=' ? op + 2 : op + 1;
	num = trim_dup(rhs, strlen(rhs));
	lhs = trim_dup(text, (size_t)(op - text));
	if (!num || !lhs) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (ty_parse_number(num, &L.bound) || !isfinite(L.bound)) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "limit '%s': '%s' is not a number", text, num);
		goto out;
	}
	if (dflt)
		L.stat = *dflt;
	else
		rc = tyche_stat_parse(&L.stat, "mean", err);
	{
		size_t n = strlen(lhs);
		char *open = strchr(lhs, '(');

		if (open && n && lhs[n - 1] == ')' && open != lhs) {
			*open = '\0';
			lhs[n - 1] = '\0';
			rc = tyche_stat_parse(&L.stat, lhs, err);
			if (rc)
				goto out;
			name = trim_dup(open + 1, strlen(open + 1));
		} else {
			name = ty_strdup(lhs);
		}
	}
	if (!name) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	m = tyche_surface_find_metric(s, name);
	if (m < 0) {
		char what[300];

		snprintf(what, sizeof what, "limit '%s': unknown metric '%s'", text, name);
		rc = metric_list_error(s, err, "%s; the metrics are %s", what);
		goto out;
	}
	L.metric = (size_t)m;
	*out = L;
out:
	free(lhs);
	free(name);
	free(num);
	return rc;
}

int tyche_opt_parse_upper(const tyche_surface *s, const char *const *assign, size_t n,
			  double *upper, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s);

	for (size_t c = 0; c < C; c++)
		upper[c] = tyche_surface_max_amount(s, c);
	for (size_t k = 0; k < n; k++) {
		const char *eq = strrchr(assign[k], '=');
		char *name;
		double v;
		long c;

		if (!eq || ty_parse_number(eq + 1, &v) || v < 0 || !isfinite(v))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "upper limit '%s': expected CATEGORY=AMOUNT with an amount >= 0",
					   assign[k]);
		name = ty_strndup(assign[k], (size_t)(eq - assign[k]));
		if (!name)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		c = tyche_surface_find_category(s, name);
		if (c < 0) {
			struct ty_buf b = TY_BUF_INIT;
			int rc;

			for (size_t j = 0; j < C; j++)
				ty_buf_addf(&b, "%s'%s' (max %g)", j ? ", " : "",
					    tyche_surface_category(s, j),
					    tyche_surface_max_amount(s, j));
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "upper limit '%s': unknown category '%s'; the categories are %s",
					 assign[k], name, b.p ? b.p : "");
			ty_buf_release(&b);
			free(name);
			return rc;
		}
		free(name);
		upper[c] = v;
	}
	return 0;
}

/* ------------------------------------------------------------ evaluator */

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
		k2 = ty_opt_select_index(t, N, k, idx);
		if (st->kind == TYCHE_STAT_CVAR) {
			double q = t[k2];
			size_t cnt = 0;

			if (frac > 0 && k + 1 < N) {
				size_t j = idx[k + 1];

				for (size_t i = k + 2; i < N; i++)
					if (t[idx[i]] < t[j])
						j = idx[i];
				q += (t[j] - q) * frac;
			}
			for (size_t i = 0; i < N; i++)
				cnt += t[i] <= q;
			for (size_t i = 0; i < N && cnt; i++)
				if (t[i] <= q)
					w[i] = 1.0 / (double)cnt;
			return 0;
		}
		w[k2] = 1.0 - frac;
		if (frac > 0 && k + 1 < N) {
			size_t j = idx[k + 1];

			for (size_t i = k + 2; i < N; i++)
				if (t[idx[i]] < t[j])
					j = idx[i];
			w[j] += frac;
		}
		return 0;
	}
	default:
		return 1;
	}
}

/* Index of the k-th smallest of t (idx: scratch of N, left partitioned
 * around position k). */
size_t ty_opt_select_index(const double *t, size_t N, size_t k, size_t *idx)
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
	e->x_last = ty_calloc(C ? C : 1, sizeof(double));
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
	if (!e->ub || !e->scale || !e->amounts || !e->x_last || !e->best_x ||
	    !e->fd_amounts || !e->vals || !e->gvals || !e->cscale || !e->totals ||
	    !e->fd_totals || !e->g || !e->work || !e->w || !e->idx)
		return TYCHE_ENOMEM;
	for (size_t c = 0; c < C; c++) {
		e->ub[c] = ub[c];
		e->scale[c] = ub[c] > 0 ? ub[c] : 1.0;
	}
	for (size_t k = 0; k < e->nv; k++)
		e->cscale[k] = 1;
	e->tol = p->tol > 0 ? p->tol : DEFAULT_TOL;
	e->best_f = INFINITY;
	e->have = 0;
	return 0;
}

void ty_opt_ev_release(struct ty_opt_ev *e)
{
	free(e->ub);
	free(e->scale);
	free(e->amounts);
	free(e->x_last);
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
	memset(e, 0, sizeof *e);
}

static const tyche_stat *ev_stat(const struct ty_opt_ev *e, size_t k, size_t *metric)
{
	if (k == 0) {
		*metric = e->p->metric;
		return &e->p->stat;
	}
	*metric = e->p->limits[k - 1].metric;
	return &e->p->limits[k - 1].stat;
}

/* Violation of constraint k (>0: violated), in the constraint's units
 * relative to the tolerance scale. */
static double limit_violation(const struct ty_opt_ev *e, size_t l, double v)
{
	const tyche_opt_limit *L = &e->p->limits[l];

	if (isnan(v))
		return INFINITY;
	return L->upper ? v - L->bound : L->bound - v;
}

static double budget_sum(const struct ty_opt_ev *e, const double *amounts)
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
	if (p->has_budget && budget_sum(e, amounts) > p->budget + e->tol * fmax(1.0, p->budget))
		return 0;
	for (size_t l = 0; l < p->nlimits; l++)
		if (!(limit_violation(e, l, vals[1 + l]) <=
		      e->tol * fmax(1.0, fabs(p->limits[l].bound))))
			return 0;
	return 1;
}

/* Evaluate at amounts (not x): totals, then every statistic; record the
 * point when it is the best feasible one so far. */
void ty_opt_ev_amounts(struct ty_opt_ev *e, const double *amounts)
{
	if (e->have && !memcmp(amounts, e->amounts, e->C * sizeof(double)))
		return;
	if (amounts != e->amounts)
		memcpy(e->amounts, amounts, e->C * sizeof(double));
	tyche_surface_eval(e->s, e->amounts, e->totals, NULL);
	e->nevals++;
	e->have = 1;
	e->have_grad = 0;
	for (size_t k = 0; k < e->nv; k++) {
		size_t m;
		const tyche_stat *st = ev_stat(e, k, &m);

		e->vals[k] = tyche_stat_eval(st, e->totals + m * e->N, e->N, e->work);
	}
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
			v = fmax(v, (budget_sum(e, e->amounts) - e->p->budget) /
				     fmax(1.0, e->p->budget));
		for (size_t l = 0; l < e->p->nlimits; l++)
			v = fmax(v, limit_violation(e, l, e->vals[1 + l]) /
				     fmax(1.0, fabs(e->p->limits[l].bound)));
		if (!e->have_least || v < e->least_viol) {
			e->least_viol = v;
			e->have_least = 1;
			memcpy(e->best_x, e->amounts, e->C * sizeof(double));
		}
	}
}

/* x (scaled) to amounts, clipped to the bounds. */
static void x_to_amounts(const struct ty_opt_ev *e, const double *x, double *a)
{
	for (size_t c = 0; c < e->C; c++) {
		double v = x[c] * e->scale[c];

		a[c] = v < 0 ? 0 : v > e->ub[c] ? e->ub[c] : v;
	}
}

static void ev_at(struct ty_opt_ev *e, const double *x)
{
	double a[e->C ? e->C : 1];

	x_to_amounts(e, x, a);
	ty_opt_ev_amounts(e, a);
}

/* d vals[k] / d x_c into gvals[k*C + c] for every k (at the current point). */
static void ev_grad(struct ty_opt_ev *e)
{
	size_t C = e->C, M = e->M, N = e->N;

	if (e->have_grad)
		return;
	tyche_surface_grad(e->s, e->amounts, e->g);
	e->nevals++;
	for (size_t k = 0; k < e->nv; k++) {
		size_t m;
		const tyche_stat *st = ev_stat(e, k, &m);
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
				tyche_surface_eval(e->s, e->fd_amounts, e->fd_totals, NULL);
				lo = tyche_stat_eval(st, e->fd_totals + m * N, N, e->work);
				e->fd_amounts[c] = xh;
				tyche_surface_eval(e->s, e->fd_amounts, e->fd_totals, NULL);
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

/* ------------------------------------------------------------ NLopt glue */

struct nl_con {
	struct ty_opt_ev *e;
	size_t k;        /* 1 + limit index, or 0 for the budget */
};

/* The run's own max_time (status TYCHE_OPT_LIMIT, best point reported) or
 * the process's work budget (TYCHE_ETIMEOUT, no result): both stop it. */
static int over_time(struct ty_opt_ev *e)
{
	if (ty_budget_spent()) {
		e->budget_out = 1;
		e->stop = 1;
		return 1;
	}
	if (e->deadline > 0 && ty_opt_now() > e->deadline) {
		e->timed_out = 1;
		return 1;
	}
	return 0;
}

static double nl_objective(unsigned n, const double *x, double *grad, void *data)
{
	struct ty_opt_ev *e = data;
	double sign = e->p->minimize ? 1.0 : -1.0;

	ev_at(e, x);
	if (grad) {
		ev_grad(e);
		for (unsigned c = 0; c < n; c++)
			grad[c] = sign * e->gvals[c] / e->cscale[0];
	}
	if (over_time(e))
		e->stop = 1;
	if (e->stop && e->opt)
		nlopt_force_stop(e->opt);
	if (isnan(e->vals[0]))
		return HUGE_VAL;
	return sign * e->vals[0] / e->cscale[0];
}

static double nl_limit(unsigned n, const double *x, double *grad, void *data)
{
	struct nl_con *cd = data;
	struct ty_opt_ev *e = cd->e;
	const tyche_opt_limit *L = &e->p->limits[cd->k - 1];
	double sign = L->upper ? 1.0 : -1.0;

	ev_at(e, x);
	if (grad) {
		ev_grad(e);
		for (unsigned c = 0; c < n; c++)
			grad[c] = sign * e->gvals[cd->k * n + c] / e->cscale[cd->k];
	}
	if (over_time(e))
		e->stop = 1;
	if (e->stop && e->opt)
		nlopt_force_stop(e->opt);
	if (isnan(e->vals[cd->k]))
		return HUGE_VAL;
	return sign * (e->vals[cd->k] - L->bound) / e->cscale[cd->k];
}

static double nl_budget(unsigned n, const double *x, double *grad, void *data)
{
	struct nl_con *cd = data;
	struct ty_opt_ev *e = cd->e;
	double s = 0, bs = fmax(e->p->budget, 1.0);

	for (unsigned c = 0; c < n; c++) {
		s += x[c] * e->scale[c];
		if (grad)
			grad[c] = e->scale[c] / bs;
	}
	return (s - e->p->budget) / bs;
}

/* Phase 1: the sum of squared (scaled) limit violations. */
static double nl_phase1(unsigned n, const double *x, double *grad, void *data)
{
	struct ty_opt_ev *e = data;
	double f = 0;

	ev_at(e, x);
	if (grad) {
		ev_grad(e);
		memset(grad, 0, n * sizeof(double));
	}
	for (size_t l = 0; l < e->p->nlimits; l++) {
		double v = limit_violation(e, l, e->vals[1 + l]) / e->cscale[1 + l];
		double sign = e->p->limits[l].upper ? 1.0 : -1.0;

		if (!(v > 0))
			continue;
		if (isinf(v))
			return HUGE_VAL;
		f += v * v;
		if (grad)
			for (unsigned c = 0; c < n; c++)
				grad[c] += 2 * v * sign * e->gvals[(1 + l) * n + c] /
					   e->cscale[1 + l];
	}
	if (over_time(e) && e->opt)
		nlopt_force_stop(e->opt);
	return f;
}

/* Seconds a solver may still run: the run's max_time, never more than
 * the process's budget left (0 = no limit for NLopt, so at least 1 ms).
 * *budget_first: the budget is the nearer of the two, so a solver's own
 * time-out means the budget ran out (its clock and ours differ a little). */
static double time_left(const struct ty_opt_ev *e, int *budget_first)
{
	double left = e->deadline > 0 ? e->deadline - ty_opt_now() : DEFAULT_MAX_TIME;
	double bl = tyche_budget_left();

	*budget_first = bl <= left;
	left = fmin(left, bl);
	return fmax(1e-3, left);
}

/* Scale the objective and the limits by their gradient's size at x. */
static void set_scales(struct ty_opt_ev *e, const double *x)
{
	ev_at(e, x);
	ev_grad(e);
	for (size_t k = 0; k < e->nv; k++) {
		double g = 0, lo, hi;
		size_t m;

		ev_stat(e, k, &m);
		for (size_t c = 0; c < e->C; c++)
			g = fmax(g, fabs(e->gvals[k * e->C + c]));
		if (!(g > 0) || !isfinite(g)) {
			tyche_surface_metric_range(e->s, m, &lo, &hi);
			g = fabs(hi - lo);
		}
		if (!(g > 0) || !isfinite(g))
			g = 1;
		e->cscale[k] = g;
	}
}

/* One SLSQP run from x (updated in place).  phase1: minimise violations. */
static nlopt_result run_slsqp(struct ty_opt_ev *e, double *x, int phase1)
{
	unsigned n = (unsigned)e->C;
	nlopt_opt opt = nlopt_create(NLOPT_LD_SLSQP, n);
	double lb[n ? n : 1], ubx[n ? n : 1], f;
	struct nl_con budget = { e, 0 };
	struct nl_con *lim = NULL;
	nlopt_result r;
	int budget_first;

	if (!opt)
		return NLOPT_OUT_OF_MEMORY;
	for (unsigned c = 0; c < n; c++) {
		lb[c] = 0;
		ubx[c] = e->ub[c] / e->scale[c];
		if (x[c] < 0)
			x[c] = 0;
		if (x[c] > ubx[c])
			x[c] = ubx[c];
	}
	nlopt_set_lower_bounds(opt, lb);
	nlopt_set_upper_bounds(opt, ubx);
	if (phase1) {
		nlopt_set_min_objective(opt, nl_phase1, e);
		nlopt_set_stopval(opt, 1e-3 * e->tol * e->tol);
	} else {
		nlopt_set_min_objective(opt, nl_objective, e);
	}
	if (e->p->has_budget)
		nlopt_add_inequality_constraint(opt, nl_budget, &budget, 1e-9);
	if (!phase1 && e->p->nlimits) {
		lim = ty_calloc(e->p->nlimits, sizeof *lim);
		if (!lim) {
			nlopt_destroy(opt);
			return NLOPT_OUT_OF_MEMORY;
		}
		for (size_t l = 0; l < e->p->nlimits; l++) {
			lim[l].e = e;
			lim[l].k = 1 + l;
			nlopt_add_inequality_constraint(opt, nl_limit, &lim[l], 1e-9);
		}
	}
	nlopt_set_ftol_rel(opt, 1e-12);
	nlopt_set_xtol_rel(opt, 1e-10);
	nlopt_set_maxeval(opt, 500);
	nlopt_set_maxtime(opt, time_left(e, &budget_first));
	e->opt = opt;
	r = nlopt_optimize(opt, x, &f);
	e->opt = NULL;
	if (r == NLOPT_MAXTIME_REACHED && budget_first) {
		e->budget_out = 1;
		e->stop = 1;
	}
	nlopt_destroy(opt);
	free(lim);
	return r;
}

/* Initial point: the caller's start or 10 % of the bounds, scaled down to
 * fit the budget. */
static void start_point(const struct ty_opt_ev *e, double *x)
{
	const tyche_opt_problem *p = e->p;
	double a[e->C ? e->C : 1], sum = 0;

	for (size_t c = 0; c < e->C; c++) {
		a[c] = p->start ? p->start[c] : 0.1 * e->ub[c];
		if (!(a[c] >= 0))
			a[c] = 0;
		if (a[c] > e->ub[c])
			a[c] = e->ub[c];
		sum += a[c];
	}
	if (p->has_budget && sum > p->budget && sum > 0)
		for (size_t c = 0; c < e->C; c++)
			a[c] *= p->budget / sum;
	for (size_t c = 0; c < e->C; c++)
		x[c] = a[c] / e->scale[c];
}

static void amounts_to_x(const struct ty_opt_ev *e, const double *a, double *x)
{
	for (size_t c = 0; c < e->C; c++)
		x[c] = a[c] / e->scale[c];
}

/* Local search: SLSQP, restarted from its own answer while it improves
 * (a restart forgets the curvature estimate that kinks of the surface
 * spoil), with a phase 1 when no feasible point was met. */
static int solve_local(struct ty_opt_ev *e, const double *x0, char *why, size_t whyn)
{
	size_t C = e->C;
	double x[C ? C : 1];
	double prev = INFINITY;
	nlopt_result r = NLOPT_SUCCESS;

	memcpy(x, x0, C * sizeof(double));
	set_scales(e, x);
	for (int round = 0; round < 4 && !e->stop; round++) {
		r = run_slsqp(e, x, 0);
		if (r == NLOPT_OUT_OF_MEMORY || r == NLOPT_INVALID_ARGS) {
			snprintf(why, whyn, "SLSQP failed: %s",
				 r == NLOPT_OUT_OF_MEMORY ? "out of memory" : "invalid arguments");
			return -1;
		}
		if (!e->have_best) {
			/* phase 1 from the least infeasible point */
			amounts_to_x(e, e->best_x, x);
			if (!e->p->nlimits)
				break;
			run_slsqp(e, x, 1);
			if (!e->have_best)
				break;
			amounts_to_x(e, e->best_x, x);
			continue;
		}
		if (!(e->best_f < prev - 1e-12 * fmax(1.0, fabs(prev))))
			break;
		prev = e->best_f;
		amounts_to_x(e, e->best_x, x);
	}
	(void)r;
	return 0;
}

static int solve_global(struct ty_opt_ev *e, const double *x0, char *why, size_t whyn)
{
	const tyche_opt_problem *p = e->p;
	unsigned n = (unsigned)e->C;
	nlopt_opt opt;
	double lb[n ? n : 1], ubx[n ? n : 1], x[n ? n : 1], f;
	struct nl_con budget = { e, 0 };
	struct nl_con *lim = NULL;
	nlopt_result r;
	long maxeval = p->max_eval > 0 ? p->max_eval : DEFAULT_GLOBAL_EVALS;
	int budget_first;

	opt = nlopt_create(NLOPT_GN_ISRES, n);
	if (!opt) {
		snprintf(why, whyn, "out of memory");
		return -1;
	}
	set_scales(e, x0);
	for (unsigned c = 0; c < n; c++) {
		lb[c] = 0;
		ubx[c] = e->ub[c] / e->scale[c];
		x[c] = x0[c];
	}
	nlopt_set_lower_bounds(opt, lb);
	nlopt_set_upper_bounds(opt, ubx);
	nlopt_set_min_objective(opt, nl_objective, e);
	if (p->has_budget)
		nlopt_add_inequality_constraint(opt, nl_budget, &budget, 1e-9);
	if (p->nlimits) {
		lim = ty_calloc(p->nlimits, sizeof *lim);
		if (!lim) {
			nlopt_destroy(opt);
			snprintf(why, whyn, "out of memory");
			return -1;
		}
		for (size_t l = 0; l < p->nlimits; l++) {
			lim[l].e = e;
			lim[l].k = 1 + l;
			nlopt_add_inequality_constraint(opt, nl_limit, &lim[l], 1e-9);
		}
	}
	nlopt_set_maxeval(opt, (int)maxeval);
	nlopt_set_maxtime(opt, time_left(e, &budget_first));
	nlopt_srand((unsigned long)p->seed);
	e->opt = opt;
	r = nlopt_optimize(opt, x, &f);
	e->opt = NULL;
	if (r == NLOPT_MAXTIME_REACHED && budget_first) {
		e->budget_out = 1;
		e->stop = 1;
	}
	nlopt_destroy(opt);
	free(lim);
	if (r == NLOPT_OUT_OF_MEMORY || r == NLOPT_INVALID_ARGS) {
		snprintf(why, whyn, "ISRES failed: %s",
			 r == NLOPT_OUT_OF_MEMORY ? "out of memory" : "invalid arguments");
		return -1;
	}
	/* polish the best point, then make sure local's answer is not better */
	if (!e->stop) {
		double xb[n ? n : 1];

		amounts_to_x(e, e->best_x, xb);
		if (solve_local(e, xb, why, whyn))
			return -1;
	}
	if (!e->stop)
		return solve_local(e, x0, why, whyn);
	return 0;
}

/* ------------------------------------------------------------ MILP */

static void glpk_silence(void)
{
	glp_term_out(GLP_OFF);
}

/* Grid of category c: 0, the tranche amounts inside (0, ub), ub. */
static size_t make_grid(const tyche_surface *s, size_t c, double ub, double *g)
{
	size_t n = 0, T = tyche_surface_ntranches(s, c);

	g[n++] = 0;
	for (size_t t = 0; t < T; t++) {
		double a;

		tyche_surface_tranche(s, c, t, &a);
		if (a > 0 && a < ub)
			g[n++] = a;
	}
	if (ub > 0)
		g[n++] = ub;
	/* sort and drop duplicates (T is small) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
			double t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	{
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (k == 0 || g[i] != g[k - 1])
				g[k++] = g[i];
		n = k;
	}
	return n;
}

static int solve_milp(struct ty_opt_ev *e, char *why, size_t whyn, tyche_error *err,
		      int *infeasible)
{
	const tyche_opt_problem *p = e->p;
	size_t C = e->C, nv = e->nv;
	size_t *gn = NULL, *off = NULL, *cidx = NULL;
	double **grid = NULL, *cval = NULL, *csum = NULL;
	double K = 1, limit = p->max_eval > 0 ? (double)p->max_eval : DEFAULT_MILP_CORNERS;
	size_t nk, nz = 0;
	glp_prob *lp = NULL;
	int *ia = NULL, *ja = NULL, rc = 0;
	double *ar = NULL;
	struct ty_buf dims = TY_BUF_INIT;

	*infeasible = 0;
	gn = ty_calloc(C ? C : 1, sizeof(size_t));
	off = ty_calloc(C ? C : 1, sizeof(size_t));
	grid = ty_calloc(C ? C : 1, sizeof(double *));
	if (!gn || !off || !grid) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < C; c++) {
		grid[c] = ty_calloc(tyche_surface_ntranches(e->s, c) + 2, sizeof(double));
		if (!grid[c]) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		gn[c] = make_grid(e->s, c, e->ub[c], grid[c]);
		K *= (double)gn[c];
		ty_buf_addf(&dims, "%s%zu", c ? " x " : "", gn[c]);
	}
	if (K > limit) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "the MILP grid has %.0f corners (%s grid points per category), "
				 "more than the limit of %.0f; raise the limit (--max-eval) or use "
				 "the local or global method", K, dims.p ? dims.p : "", limit);
		goto out;
	}
	nk = (size_t)K;
	cval = ty_calloc(nk * nv, sizeof(double));
	csum = ty_calloc(nk, sizeof(double));
	cidx = ty_calloc(nk * (C ? C : 1), sizeof(size_t));
	if (!cval || !csum || !cidx) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	/* corner values: exact portfolio statistics */
	for (size_t k = 0; k < nk; k++) {
		double a[C ? C : 1];
		size_t r = k;

		if (k % 64 == 0 && ty_budget_spent()) {
			e->budget_out = 1;
			rc = -1;
			goto out;
		}

		for (size_t c = 0; c < C; c++) {
			cidx[k * C + c] = r % gn[c];
			r /= gn[c];
			a[c] = grid[c][cidx[k * C + c]];
			csum[k] += a[c];
		}
		ty_opt_ev_amounts(e, a);
		for (size_t j = 0; j < nv; j++) {
			cval[k * nv + j] = e->vals[j];
			if (!isfinite(e->vals[j])) {
				snprintf(why, whyn,
					 "the surface is not finite at a grid corner (%s of '%s')",
					 ev_stat(e, j, &r)->name, tyche_surface_metric(e->s, r));
				rc = -1;
				goto out;
			}
		}
	}
	/* columns: lambda_k (1..nk), then the segment selectors */
	glpk_silence();
	lp = glp_create_prob();
	glp_set_obj_dir(lp, p->minimize ? GLP_MIN : GLP_MAX);
	{
		size_t nseg = 0;

		for (size_t c = 0; c < C; c++) {
			off[c] = nk + nseg;
			nseg += gn[c] > 1 ? gn[c] - 1 : 0;
		}
		glp_add_cols(lp, (int)(nk + nseg));
		for (size_t k = 0; k < nk; k++) {
			glp_set_col_bnds(lp, (int)k + 1, GLP_LO, 0, 0);
			glp_set_obj_coef(lp, (int)k + 1, cval[k * nv]);
		}
		for (size_t j = 0; j < nseg; j++) {
			glp_set_col_kind(lp, (int)(nk + j) + 1, GLP_BV);
		}
		/* nonzeros: convexity nk; per category selector sum; per corner
		 * and category up to 3; budget nk; limits nk each */
		{
			size_t cap = nk + nseg + nk * C * 3 + nk * (1 + p->nlimits) + 1;

			ia = ty_calloc(cap + 1, sizeof(int));
			ja = ty_calloc(cap + 1, sizeof(int));
			ar = ty_calloc(cap + 1, sizeof(double));
			if (!ia || !ja || !ar) {
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				goto out;
			}
		}
#define NZ(r, col, v) do { nz++; ia[nz] = (r); ja[nz] = (col); ar[nz] = (v); } while (0)
		{
			int row = glp_add_rows(lp, 1);

			glp_set_row_bnds(lp, row, GLP_FX, 1, 1);
			for (size_t k = 0; k < nk; k++)
				NZ(row, (int)k + 1, 1.0);
		}
		for (size_t c = 0; c < C; c++) {
			int row;

			if (gn[c] < 2)
				continue;
			row = glp_add_rows(lp, 1);
			glp_set_row_bnds(lp, row, GLP_FX, 1, 1);
			for (size_t j = 0; j + 1 < gn[c]; j++)
				NZ(row, (int)(off[c] + j) + 1, 1.0);
		}
		/* lambda_k <= sum of the selectors of the segments next to its
		 * grid point, per category */
		for (size_t k = 0; k < nk; k++)
			for (size_t c = 0; c < C; c++) {
				size_t j = cidx[k * C + c];
				int row;

				if (gn[c] < 2)
					continue;
				row = glp_add_rows(lp, 1);
				glp_set_row_bnds(lp, row, GLP_UP, 0, 0);
				NZ(row, (int)k + 1, 1.0);
				if (j > 0)
					NZ(row, (int)(off[c] + j - 1) + 1, -1.0);
				if (j + 1 < gn[c])
					NZ(row, (int)(off[c] + j) + 1, -1.0);
			}
		if (p->has_budget) {
			int row = glp_add_rows(lp, 1);

			glp_set_row_bnds(lp, row, GLP_UP, 0, p->budget);
			for (size_t k = 0; k < nk; k++)
				NZ(row, (int)k + 1, csum[k]);
		}
		for (size_t l = 0; l < p->nlimits; l++) {
			int row = glp_add_rows(lp, 1);
			const tyche_opt_limit *L = &p->limits[l];

			if (L->upper)
				glp_set_row_bnds(lp, row, GLP_UP, 0, L->bound);
			else
				glp_set_row_bnds(lp, row, GLP_LO, L->bound, 0);
			for (size_t k = 0; k < nk; k++)
				NZ(row, (int)k + 1, cval[k * nv + 1 + l]);
		}
#undef NZ
		glp_load_matrix(lp, (int)nz, ia, ja, ar);
	}
	{
		glp_iocp parm;
		int r, st;
		int budget_first;
		double left = time_left(e, &budget_first);

		glp_init_iocp(&parm);
		parm.msg_lev = GLP_MSG_OFF;
		parm.presolve = GLP_ON;
		parm.tm_lim = (int)fmax(1.0, fmin(left, 1e6) * 1000.0);
		r = glp_intopt(lp, &parm);
		st = glp_mip_status(lp);
		if (ty_budget_spent() || (r == GLP_ETMLIM && budget_first)) {
			/* GLPK's own time-out under a spent budget */
			e->budget_out = 1;
			rc = -1;
			goto out;
		}
		if (r == GLP_ENOPFS || r == GLP_ENODFS || st == GLP_NOFEAS) {
			*infeasible = 1;
			goto out;
		}
		if (r == GLP_ETMLIM)
			e->timed_out = 1;
		else if (r != 0) {
			snprintf(why, whyn, "GLPK failed (glp_intopt code %d)", r);
			rc = -1;
			goto out;
		}
		if (st == GLP_OPT || st == GLP_FEAS) {
			double a[C ? C : 1];

			for (size_t c = 0; c < C; c++)
				a[c] = 0;
			for (size_t k = 0; k < nk; k++) {
				double lam = glp_mip_col_val(lp, (int)k + 1);

				for (size_t c = 0; c < C; c++)
					a[c] += lam * grid[c][cidx[k * C + c]];
			}
			for (size_t c = 0; c < C; c++)
				a[c] = a[c] < 0 ? 0 : a[c] > e->ub[c] ? e->ub[c] : a[c];
			e->milp_point = 1;
			ty_opt_ev_amounts(e, a);
			memcpy(e->milp_x, a, C * sizeof(double));
		}
	}
out:
	if (lp)
		glp_delete_prob(lp);
	for (size_t c = 0; grid && c < C; c++)
		free(grid[c]);
	free(grid);
	free(gn);
	free(off);
	free(cval);
	free(csum);
	free(cidx);
	free(ia);
	free(ja);
	free(ar);
	ty_buf_release(&dims);
	return rc;
}

/* ------------------------------------------------------------ driver */

static int check_problem(const tyche_surface *s, const tyche_opt_problem *p, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);

	if (C == 0)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "the surface has no categories");
	if (p->metric >= M)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "objective metric %zu out of range (%zu metrics)", p->metric, M);
	if (p->has_budget && !(p->budget >= 0 && isfinite(p->budget)))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "budget %g: expected a finite amount >= 0", p->budget);
	if (p->method < TYCHE_OPT_LOCAL || p->method > TYCHE_OPT_MILP)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "unknown method %d", p->method);
	if (p->max_time < 0 || p->max_eval < 0 || p->tol < 0)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "max_time, max_eval and tol must be >= 0");
	for (size_t l = 0; l < p->nlimits; l++) {
		if (p->limits[l].metric >= M)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "limit %zu: metric %zu out of range (%zu metrics)",
					   l + 1, p->limits[l].metric, M);
		if (!isfinite(p->limits[l].bound))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "limit %zu: the bound is not a finite number", l + 1);
	}
	for (size_t c = 0; p->upper && c < C; c++)
		if (p->upper[c] < 0)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "upper limit of '%s' is negative (%g)",
					   tyche_surface_category(s, c), p->upper[c]);
	return 0;
}

static void fmt_check_label(char *buf, size_t n, const tyche_surface *s,
			    const tyche_opt_limit *L)
{
	snprintf(buf, n, "%s(%s)", L->stat.name, tyche_surface_metric(s, L->metric));
}

/* Why no feasible point: a limit that cannot hold even alone. */
static void explain_infeasible(const tyche_surface *s, const tyche_opt_problem *p,
			       const double *ub, char *msg, size_t n)
{
	for (size_t l = 0; l < p->nlimits; l++) {
		tyche_opt_problem q = *p;
		tyche_opt_result *r = NULL;
		const tyche_opt_limit *L = &p->limits[l];
		char lab[160];

		q.metric = L->metric;
		q.stat = L->stat;
		q.minimize = L->upper;
		q.limits = NULL;
		q.nlimits = 0;
		q.upper = ub;
		if (q.method == TYCHE_OPT_GLOBAL)
			q.method = TYCHE_OPT_LOCAL;
		if (tyche_optimize(s, &q, &r, NULL) || r->status != TYCHE_OPT_OPTIMAL) {
			tyche_opt_result_free(r);
			continue;
		}
		if (ty_opt_holds(L->upper, r->objective, L->bound, q.tol)) {
			tyche_opt_result_free(r);
			continue;
		}
		fmt_check_label(lab, sizeof lab, s, L);
		snprintf(msg, n,
			 "no portfolio satisfies the constraints: %s %s %g cannot hold%s, "
			 "its %s value is %g", lab, L->upper ? "<=" : ">=", L->bound,
			 p->has_budget ? " within the budget and upper limits" :
			 " within the upper limits", L->upper ? "smallest" : "largest",
			 r->objective);
		tyche_opt_result_free(r);
		return;
	}
	snprintf(msg, n, "no portfolio satisfies the constraints together%s",
		 p->method == TYCHE_OPT_MILP ? " (proved by the MILP)" :
		 " (none found by the search; each limit can hold alone)");
}

int ty_opt_holds(int upper, double v, double bound, double tol)
{
	double t = (tol > 0 ? tol : DEFAULT_TOL) * fmax(1.0, fabs(bound));

	if (isnan(v))
		return 0;
	return upper ? v <= bound + t : v >= bound - t;
}

static int fill_result(tyche_opt_result *r, struct ty_opt_ev *e, const double *amounts,
		       tyche_error *err)
{
	const tyche_opt_problem *p = e->p;
	const tyche_surface *s = e->s;
	size_t C = e->C, M = e->M;

	r->ncategories = C;
	r->nmetrics = M;
	r->nchecks = (p->has_budget ? 1 : 0) + p->nlimits;
	r->amounts = ty_calloc(C, sizeof(double));
	r->upper = ty_calloc(C, sizeof(double));
	r->metrics = ty_calloc(M ? M : 1, sizeof(double));
	r->checks = ty_calloc(r->nchecks ? r->nchecks : 1, sizeof(tyche_opt_check));
	if (!r->amounts || !r->upper || !r->metrics || !r->checks)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	memcpy(r->amounts, amounts, C * sizeof(double));
	memcpy(r->upper, e->ub, C * sizeof(double));
	ty_opt_ev_amounts(e, r->amounts);
	r->objective = e->vals[0];
	for (size_t m = 0; m < M; m++)
		r->metrics[m] = tyche_stat_eval(&p->stat, e->totals + m * e->N, e->N, e->work);
	{
		size_t k = 0;

		if (p->has_budget) {
			tyche_opt_check *ck = &r->checks[k++];

			snprintf(ck->label, sizeof ck->label, "budget");
			ck->metric = (size_t)-1;
			ck->upper = 1;
			ck->value = budget_sum(e, r->amounts);
			ck->bound = p->budget;
			ck->holds = ty_opt_holds(1, ck->value, ck->bound, e->tol);
		}
		for (size_t l = 0; l < p->nlimits; l++) {
			tyche_opt_check *ck = &r->checks[k++];
			const tyche_opt_limit *L = &p->limits[l];

			fmt_check_label(ck->label, sizeof ck->label, s, L);
			ck->metric = L->metric;
			ck->upper = L->upper;
			ck->value = e->vals[1 + l];
			ck->bound = L->bound;
			ck->holds = ty_opt_holds(L->upper, ck->value, ck->bound, e->tol);
		}
	}
	return 0;
}

/* Solvers stop a rounding error away from bounds and knots (199.99999999999994
 * for 200).  Snap each amount within 1e-8 of its range to 0, its upper
 * bound or a tranche amount, and a budget that binds to exactly the
 * budget; keep the tidy point if it is feasible and no worse (beyond
 * 1e-9 relative) than the solver's. */
static void tidy(struct ty_opt_ev *e)
{
	size_t C = e->C;
	double a[C], bestf = e->best_f;
	int feasible_before = e->have_best;

	memcpy(a, e->best_x, C * sizeof a[0]);
	for (size_t c = 0; c < C; c++) {
		double eps = 1e-8 * e->scale[c];
		size_t T = tyche_surface_ntranches(e->s, c);

		if (fabs(a[c]) <= eps)
			a[c] = 0;
		else if (fabs(a[c] - e->ub[c]) <= eps)
			a[c] = e->ub[c];
		else
			for (size_t t = 0; t < T; t++) {
				double k;

				tyche_surface_tranche(e->s, c, t, &k);
				if (fabs(a[c] - k) <= eps && k <= e->ub[c]) {
					a[c] = k;
					break;
				}
			}
	}
	if (e->p->has_budget && e->p->budget > 0) {
		double sum = budget_sum(e, a);

		if (fabs(sum - e->p->budget) <= 1e-8 * e->p->budget) {
			/* the largest amount strictly inside its range takes the slack */
			size_t j = C;

			for (size_t c = 0; c < C; c++)
				if (a[c] > 0 && a[c] < e->ub[c] && (j == C || a[c] > a[j]))
					j = c;
			if (j < C) {
				double v = e->p->budget;

				for (size_t c = 0; c < C; c++)
					if (c != j)
						v -= a[c];

				if (v >= 0 && v <= e->ub[j])
					a[j] = v;
			}
		}
	}
	if (!memcmp(a, e->best_x, C * sizeof a[0]))
		return;
	ty_opt_ev_amounts(e, a);
	if (!feasible_before) {
		memcpy(e->best_x, a, C * sizeof a[0]);
		return;
	}
	if (ty_opt_feasible_vals(e, a, e->vals)) {
		double f = e->p->minimize ? e->vals[0] : -e->vals[0];

		if (f <= bestf + 1e-9 * fmax(1.0, fabs(bestf))) {
			memcpy(e->best_x, a, C * sizeof a[0]);
			e->best_f = f;
		}
	}
}

int tyche_optimize(const tyche_surface *s, const tyche_opt_problem *p,
		   tyche_opt_result **out, tyche_error *err)
{
	struct ty_opt_ev e;
	tyche_opt_result *r = NULL;
	size_t C;
	double *ub = NULL, t0 = ty_opt_now(), *x0 = NULL;
	char why[400] = "";
	int rc, failed = 0, proved_infeasible = 0;

	rc = check_problem(s, p, err);
	if (!rc)
		rc = ty_budget_check(err, "optimising");
	if (rc)
		return rc;
	C = tyche_surface_ncategories(s);
	ub = ty_calloc(C, sizeof(double));
	x0 = ty_calloc(C, sizeof(double));
	r = ty_calloc(1, sizeof *r);
	if (!ub || !x0 || !r) {
		free(ub);
		free(x0);
		free(r);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	for (size_t c = 0; c < C; c++) {
		double mx = tyche_surface_max_amount(s, c);

		ub[c] = p->upper && !isnan(p->upper[c]) && p->upper[c] < mx ? p->upper[c] : mx;
		if (p->has_budget && ub[c] > p->budget)
			ub[c] = p->budget;
	}
	rc = ty_opt_ev_init(&e, s, p, ub);
	if (!rc) {
		e.milp_x = ty_calloc(C, sizeof(double));
		if (!e.milp_x)
			rc = TYCHE_ENOMEM;
	}
	if (rc) {
		ty_opt_ev_release(&e);
		free(ub);
		free(x0);
		free(r);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	e.deadline = t0 + (p->max_time > 0 ? p->max_time : DEFAULT_MAX_TIME);
	r->method = p->method;
	r->metric = p->metric;
	r->stat = p->stat;
	r->minimize = p->minimize;
	start_point(&e, x0);
	switch (p->method) {
	case TYCHE_OPT_LOCAL:
		failed = solve_local(&e, x0, why, sizeof why);
		break;
	case TYCHE_OPT_GLOBAL:
		failed = solve_global(&e, x0, why, sizeof why);
		break;
	case TYCHE_OPT_MILP:
		rc = solve_milp(&e, why, sizeof why, err, &proved_infeasible);
		if (rc > 0)
			goto fail;
		failed = rc < 0;
		rc = 0;
		break;
	}
	if (e.budget_out || ty_budget_spent()) {
		/* the process's budget, not this run's max_time: no half result */
		rc = ty_budget_check(err, "optimising");
		if (!rc)
			rc = ty_error_at(err, TYCHE_ETIMEOUT, "", 0, 0,
					 "stopped while optimising: the time budget ran out");
		goto fail;
	}
	if (!failed && (e.have_best || e.have_least))
		tidy(&e);
	if (e.saw_nan && !e.have_best && !failed) {
		snprintf(why, sizeof why, "the objective %s(%s) is not a number (NaN) at the points tried",
			 p->stat.name, tyche_surface_metric(s, p->metric));
		failed = 1;
	}
	if (failed) {
		r->status = TYCHE_OPT_ERROR;
		snprintf(r->message, sizeof r->message, "%s", why);
	} else if (e.have_best) {
		if (e.timed_out) {
			r->status = TYCHE_OPT_LIMIT;
			snprintf(r->message, sizeof r->message,
				 "stopped at the time limit of %g s; the best feasible point found is reported",
				 p->max_time > 0 ? p->max_time : DEFAULT_MAX_TIME);
		} else {
			r->status = TYCHE_OPT_OPTIMAL;
			snprintf(r->message, sizeof r->message,
				 "%s %s(%s) with every constraint holding (%s method)",
				 p->minimize ? "minimised" : "maximised", p->stat.name,
				 tyche_surface_metric(s, p->metric), tyche_opt_method_name(p->method));
		}
	} else if (e.timed_out) {
		r->status = TYCHE_OPT_LIMIT;
		snprintf(r->message, sizeof r->message,
			 "stopped at the time limit of %g s before finding a feasible point",
			 p->max_time > 0 ? p->max_time : DEFAULT_MAX_TIME);
	} else {
		r->status = TYCHE_OPT_INFEASIBLE;
		explain_infeasible(s, p, ub, r->message, sizeof r->message);
	}
	(void)proved_infeasible;
	{
		double a[C];

		/* the reported point: the best feasible one, else the least
		 * infeasible one, else the MILP's or the start */
		if (e.have_best || e.have_least)
			memcpy(a, e.best_x, C * sizeof a[0]);
		else
			x_to_amounts(&e, x0, a);
		rc = fill_result(r, &e, a, err);
		if (rc)
			goto fail;
	}
	r->evaluations = e.nevals;
	r->seconds = ty_opt_now() - t0;
	ty_opt_ev_release_all(&e);
	free(ub);
	free(x0);
	*out = r;
	return 0;
fail:
	ty_opt_ev_release_all(&e);
	free(ub);
	free(x0);
	tyche_opt_result_free(r);
	return rc;
}

void ty_opt_ev_release_all(struct ty_opt_ev *e)
{
	free(e->milp_x);
	e->milp_x = NULL;
	ty_opt_ev_release(e);
}

/* ------------------------------------------------------------ JSON */

static cJSON *num(double v)
{
	return ty_json_num(v);   /* the one number formatter */
}

cJSON *ty_opt_result_cjson(const tyche_surface *s, const tyche_opt_result *r)
{
	cJSON *o = cJSON_CreateObject(), *obj, *am, *up, *me, *cs;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "status", tyche_opt_status_name(r->status));
	cJSON_AddStringToObject(o, "message", r->message);
	cJSON_AddStringToObject(o, "method", tyche_opt_method_name(r->method));
	obj = cJSON_AddObjectToObject(o, "objective");
	if (obj) {
		cJSON_AddStringToObject(obj, "metric", tyche_surface_metric(s, r->metric));
		cJSON_AddStringToObject(obj, "statistic", r->stat.name);
		cJSON_AddStringToObject(obj, "sense", r->minimize ? "min" : "max");
		cJSON_AddItemToObject(obj, "value", num(r->objective));
	}
	am = cJSON_AddObjectToObject(o, "amounts");
	up = cJSON_AddObjectToObject(o, "upper");
	for (size_t c = 0; am && up && c < r->ncategories; c++) {
		cJSON_AddItemToObject(am, tyche_surface_category(s, c), num(r->amounts[c]));
		cJSON_AddItemToObject(up, tyche_surface_category(s, c), num(r->upper[c]));
	}
	me = cJSON_AddObjectToObject(o, "metrics");
	for (size_t m = 0; me && m < r->nmetrics; m++)
		cJSON_AddItemToObject(me, tyche_surface_metric(s, m), num(r->metrics[m]));
	cs = cJSON_AddArrayToObject(o, "constraints");
	for (size_t k = 0; cs && k < r->nchecks; k++) {
		cJSON *c = cJSON_CreateObject();

		if (!c)
			break;
		cJSON_AddStringToObject(c, "constraint", r->checks[k].label);
		cJSON_AddStringToObject(c, "sense", r->checks[k].upper ? "<=" : ">=");
		cJSON_AddItemToObject(c, "value", num(r->checks[k].value));
		cJSON_AddItemToObject(c, "bound", num(r->checks[k].bound));
		cJSON_AddBoolToObject(c, "holds", r->checks[k].holds);
		cJSON_AddItemToArray(cs, c);
	}
	cJSON_AddItemToObject(o, "seconds", num(r->seconds));
	cJSON_AddNumberToObject(o, "evaluations", (double)r->evaluations);
	return o;
}

char *tyche_opt_result_json(const tyche_surface *s, const tyche_opt_result *r, int pretty)
{
	cJSON *o = ty_opt_result_cjson(s, r);
	char *txt;

	if (!o)
		return NULL;
	txt = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}
