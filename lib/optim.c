/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim.c - the optimiser's driver: tyche_optimize checks a problem,
 * clips the upper bounds, picks the start, runs one method (local, global:
 * optim-nlopt.c; milp: optim-milp.c) on the evaluator (optim-eval.c), and
 * turns what it found into a tyche_opt_result: status, message, amounts,
 * metrics and a check per constraint.
 *
 * Easy to get wrong:
 *  - The reported point is the evaluator's best feasible point, never a
 *    solver's return value; a point that violates a constraint is never
 *    reported as a solution.  When no point is feasible the status is
 *    infeasible, with the reason (explain_infeasible solves each limit
 *    alone to name the one that cannot hold).
 *  - tidy() snaps a solver's 199.99999999999994 to 200 only when the
 *    snapped point stays feasible and no worse.
 *  - Two clocks stop a run.  The problem's max_time ends it with status
 *    TYCHE_OPT_LIMIT and the best point found; the process's work budget
 *    (tyche_budget_set) ends it with TYCHE_ETIMEOUT and no result at all:
 *    check e.budget_out and ty_budget_spent() before any status.
 *  - The methods never call back into this file; explain_infeasible calls
 *    tyche_optimize itself, with each limit alone as the objective.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

void tyche_opt_result_free(tyche_opt_result *r)
{
	if (!r)
		return;
	free(r->amounts);
	free(r->upper);
	free(r->metrics);
	free(r->checks);
	free(r->outside);
	free(r);
}

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
	if (p->method < TYCHE_OPT_LOCAL || p->method > TYCHE_OPT_AUTO)
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
			       const double *ub, int proved, char *msg, size_t n)
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
		q.method = TYCHE_OPT_AUTO;     /* proved for means */
		if (tyche_optimize(&r, s, &q, NULL) || !tyche_opt_status_ok(r->status)) {
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
			 "its %s value is %g%s", lab, L->upper ? "<=" : ">=", L->bound,
			 p->has_budget ? " within the budget and upper limits" :
			 " within the upper limits", L->upper ? "smallest" : "largest",
			 r->objective, r->status == TYCHE_OPT_OPTIMAL ? "" :
			 " (the best found, not proved)");
		tyche_opt_result_free(r);
		return;
	}
	snprintf(msg, n, "no portfolio satisfies the constraints together%s",
		 proved ? " (proved by the MILP)" :
		 " (none found by the search; each limit can hold alone)");
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
	r->outside = ty_calloc(C, sizeof(int));
	if (!r->amounts || !r->upper || !r->metrics || !r->checks || !r->outside)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	memcpy(r->amounts, amounts, C * sizeof(double));
	for (size_t c = 0; c < C; c++) {
		size_t T = tyche_surface_ntranches(s, c);
		double lo, hi;

		if (!T)
			continue;
		/* as tyche_explore: outside the tranche amounts, extrapolated */
		tyche_surface_tranche(s, c, 0, &lo);
		tyche_surface_tranche(s, c, T - 1, &hi);
		r->outside[c] = amounts[c] < lo || amounts[c] > hi;
	}
	memcpy(r->upper, e->ub, C * sizeof(double));
	/* the result reports every metric: evaluate them all once */
	e->all_metrics = 1;
	e->have = 0;
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
			ck->value = ty_opt_budget_sum(e, r->amounts);
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
		double sum = ty_opt_budget_sum(e, a);

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
	ty_opt_amounts_to_x(e, a, x);
}

/* Why auto could not prove its answer: the first statistic that is not a
 * mean, else the uncertain amounts. */
static void why_not_exact(const struct ty_opt_ev *e, char *buf, size_t n)
{
	const tyche_opt_problem *p = e->p;

	if (p->stat.kind != TYCHE_STAT_MEAN) {
		snprintf(buf, n, "the objective %s(%s) is not a mean", p->stat.name,
			 tyche_surface_metric(e->s, p->metric));
		return;
	}
	for (size_t l = 0; l < p->nlimits; l++)
		if (p->limits[l].stat.kind != TYCHE_STAT_MEAN) {
			snprintf(buf, n, "the limit %s(%s) is not a mean", p->limits[l].stat.name,
				 tyche_surface_metric(e->s, p->limits[l].metric));
			return;
		}
	snprintf(buf, n, "the tranche amounts are uncertain or a mean is not finite");
}

/* Status and message of a finished run (not stopped by the budget).
 * proved: the MILP over the mean surface proved the answer (or that
 * there is none). */
static void set_status(tyche_opt_result *r, const struct ty_opt_ev *e, const double *ub,
		       int failed, int proved, const char *why)
{
	const tyche_opt_problem *p = e->p;
	const tyche_surface *s = e->s;
	double max_time = p->max_time > 0 ? p->max_time : TY_OPT_DEFAULT_MAX_TIME;
	char what[160], reason[96];

	snprintf(what, sizeof what, "%s %s(%s) with every constraint holding",
		 p->minimize ? "minimised" : "maximised", p->stat.name,
		 tyche_surface_metric(s, p->metric));
	if (failed) {
		r->status = TYCHE_OPT_ERROR;
		snprintf(r->message, sizeof r->message, "%s", why);
	} else if (e->have_best) {
		if (e->timed_out) {
			r->status = TYCHE_OPT_LIMIT;
			snprintf(r->message, sizeof r->message,
				 "stopped at the time limit of %g s; the best feasible point found is reported",
				 max_time);
		} else if (proved) {
			r->status = TYCHE_OPT_OPTIMAL;
			snprintf(r->message, sizeof r->message,
				 "%s: proved optimal by the exact MILP over the mean surface (%s method)",
				 what, tyche_opt_method_name(p->method));
		} else if (p->method == TYCHE_OPT_LOCAL) {
			r->status = TYCHE_OPT_LOCAL_OPTIMUM;
			snprintf(r->message, sizeof r->message,
				 "%s: a local optimum from 1 start (local method, SLSQP); "
				 "other portfolios may be better (method auto searches wider)", what);
		} else if (p->method == TYCHE_OPT_GLOBAL) {
			r->status = TYCHE_OPT_BEST_FOUND;
			snprintf(r->message, sizeof r->message,
				 "%s: the best found by ISRES and %ld local searches (global method); "
				 "not proved optimal", what, e->starts);
		} else if (p->method == TYCHE_OPT_MILP) {
			why_not_exact(e, reason, sizeof reason);
			r->status = TYCHE_OPT_BEST_FOUND;
			snprintf(r->message, sizeof r->message,
				 "%s: optimal on the MILP's interpolation between grid corners, "
				 "which is exact only for means; not proved optimal: %s", what, reason);
		} else {
			why_not_exact(e, reason, sizeof reason);
			r->status = TYCHE_OPT_BEST_FOUND;
			snprintf(r->message, sizeof r->message,
				 "%s: the best found by %ld local searches (SLSQP) from %sthe default "
				 "start and the best of %zu tranche-grid corners (%zu feasible, of %.0f%s); "
				 "not proved optimal: %s (auto method)", what, e->starts,
				 e->from_mean ? "the mean optimum, " : "", e->corners,
				 e->corners_feasible, e->corners_total,
				 e->corners_total > TY_OPT_AUTO_CORNERS ? ", a seeded sample" : "",
				 reason);
		}
	} else if (e->timed_out) {
		r->status = TYCHE_OPT_LIMIT;
		snprintf(r->message, sizeof r->message,
			 "stopped at the time limit of %g s before finding a feasible point",
			 max_time);
	} else {
		r->status = TYCHE_OPT_INFEASIBLE;
		explain_infeasible(s, p, ub, proved, r->message, sizeof r->message);
	}
}

int tyche_optimize(tyche_opt_result **out, const tyche_surface *s,
		   const tyche_opt_problem *p, tyche_error *err)
{
	struct ty_opt_ev e = { 0 };
	tyche_opt_result *r = NULL;
	size_t C;
	double *ub = NULL, t0 = ty_opt_now(), *x0 = NULL;
	char why[400] = "";
	int rc, failed = 0, proved = 0;

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
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto fail;
	}
	for (size_t c = 0; c < C; c++) {
		double mx = tyche_surface_max_amount(s, c);

		ub[c] = p->upper && !isnan(p->upper[c]) && p->upper[c] < mx ? p->upper[c] : mx;
		if (p->has_budget && ub[c] > p->budget)
			ub[c] = p->budget;
	}
	if (ty_opt_ev_init(&e, s, p, ub)) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto fail;
	}
	e.deadline = t0 + (p->max_time > 0 ? p->max_time : TY_OPT_DEFAULT_MAX_TIME);
	r->method = p->method;
	r->metric = p->metric;
	r->stat = p->stat;
	r->minimize = p->minimize;
	start_point(&e, x0);
	switch (p->method) {
	case TYCHE_OPT_LOCAL:
		failed = ty_opt_solve_local(&e, x0, why, sizeof why);
		e.starts = 1;
		break;
	case TYCHE_OPT_GLOBAL:
		failed = ty_opt_solve_global(&e, x0, why, sizeof why);
		e.starts = 2;
		break;
	case TYCHE_OPT_AUTO:
		failed = ty_opt_solve_auto(&e, x0, &proved, why, sizeof why);
		break;
	case TYCHE_OPT_MILP:
		if (ty_opt_mean_exact(s, p)) {
			/* means of certain amounts: the exact, separable MILP */
			double a[C];
			int outcome;

			if (!ty_opt_mean_milp(s, p, ub, e.deadline, a, &outcome, why, sizeof why)) {
				if (outcome == 1 || outcome == 3)
					ty_opt_ev_amounts(&e, a);
				e.timed_out = outcome >= 3;
				proved = outcome == 1 || outcome == 2;
				break;
			}
			why[0] = '\0';     /* a non-finite mean: the grid MILP says so */
		}
		rc = ty_opt_solve_milp(&e, why, sizeof why, err);
		if (rc > 0)
			goto fail;
		failed = rc < 0;
		rc = 0;
		break;
	}
	if (!failed && proved && !e.have_best && !e.budget_out) {
		/* proved infeasible: the local method's phase 1 finds the least
		 * infeasible point to report (a point within the tolerance
		 * ends the proof's claim) */
		ty_opt_solve_local(&e, x0, why, sizeof why);
		why[0] = '\0';
		if (e.have_best)
			proved = 0;
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
	if (e.saw_nan && !e.have_best && !failed && !proved &&
	    !(e.have_least && e.least_viol > e.tol)) {
		/* NaN where the constraints hold; infeasible points are
		 * reported as infeasible below */
		snprintf(why, sizeof why, "the objective %s(%s) is not a number (NaN) at the points tried",
			 p->stat.name, tyche_surface_metric(s, p->metric));
		failed = 1;
	}
	set_status(r, &e, ub, failed, proved, why);
	{
		double a[C];

		/* the reported point: the best feasible one, else the least
		 * infeasible one, else the start */
		if (e.have_best || e.have_least)
			memcpy(a, e.best_x, C * sizeof a[0]);
		else
			ty_opt_x_to_amounts(&e, x0, a);
		rc = fill_result(r, &e, a, err);
		if (rc)
			goto fail;
	}
	r->evaluations = e.nevals;
	r->starts = e.starts;
	r->seconds = ty_opt_now() - t0;
	*out = r;
	r = NULL;                       /* the caller owns it now */
fail:
	ty_opt_ev_release(&e);
	free(ub);
	free(x0);
	tyche_opt_result_free(r);
	return rc;
}
