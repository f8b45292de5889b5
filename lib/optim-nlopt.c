/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-nlopt.c - the NLopt methods: local (SLSQP, restarted while it
 * improves, with a phase 1 that minimises the limits' violations when no
 * feasible point was met) and global (ISRES, then the local method from
 * ISRES's best point and from the start).
 *
 * Easy to get wrong:
 *  - The solver sees x = amount / upper in [0, 1], the objective and each
 *    constraint divided by its gradient's size at the start (set_scales),
 *    so one tolerance fits LCOE (1e-2) and GHG (1e1) alike.
 *  - The answer is the evaluator's best feasible point, never what
 *    nlopt_optimize returns in x: after a failed line search that may be
 *    infeasible or worse.
 *  - NLopt's ISRES draws from NLopt's own generator, seeded by
 *    nlopt_srand() before each run, and stops on the evaluation count,
 *    not the clock, so one seed gives one answer.  The time limit is a
 *    safety net: when it stops a run, the status says so.
 *  - Two clocks stop a run.  The problem's max_time sets e->timed_out
 *    (status TYCHE_OPT_LIMIT); the process's work budget sets
 *    e->budget_out (TYCHE_ETIMEOUT, no result).  Every callback checks
 *    both and calls nlopt_force_stop; NLopt's maxtime is never longer than
 *    the budget left, and a maxtime stop under the budget counts as the
 *    budget's.
 *  - NLopt is opened at the first solve (lib/dynlib.c), not linked: a
 *    process that never optimises (a CGI explore, an evaluate) does not
 *    load it.  The calls below go through the table `nl`; a missing
 *    library is the solve's error, naming the Debian package.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nlopt.h>

#include "optim.h"

/* ------------------------------------------------ the library, at run time */

#define NL_FNS(X) X(nlopt_create) X(nlopt_destroy) X(nlopt_optimize) \
	X(nlopt_force_stop) X(nlopt_set_lower_bounds) X(nlopt_set_upper_bounds) \
	X(nlopt_set_min_objective) X(nlopt_set_stopval) X(nlopt_set_ftol_rel) \
	X(nlopt_set_xtol_rel) X(nlopt_set_maxeval) X(nlopt_set_maxtime) \
	X(nlopt_add_inequality_constraint) X(nlopt_srand)

static struct {
#define X(f) __typeof__(&f) f;
	NL_FNS(X)
#undef X
	int ok;
	char why[256];
} nl;

static pthread_once_t nl_once = PTHREAD_ONCE_INIT;

static void nl_open(void)
{
	static const char *const names[] = { "libnlopt.so.0", "libnlopt.so" };
	static const struct ty_dynsym syms[] = {
#define X(f) TY_DYNSYM(nl, f)
		NL_FNS(X)
#undef X
	};

	if (!ty_dynlib_open(names, 2, syms, sizeof syms / sizeof syms[0], nl.why,
			    sizeof nl.why))
		nl.ok = 1;   /* the handle stays open for the process */
}

/* 0 when NLopt is loaded, else -1 with the reason in why. */
static int nl_ready(char *why, size_t whyn)
{
	pthread_once(&nl_once, nl_open);
	if (nl.ok)
		return 0;
	snprintf(why, whyn, "the local and global methods need NLopt (Debian: libnlopt0): %s",
		 nl.why);
	return -1;
}

#define nlopt_create nl.nlopt_create
#define nlopt_destroy nl.nlopt_destroy
#define nlopt_optimize nl.nlopt_optimize
#define nlopt_force_stop nl.nlopt_force_stop
#define nlopt_set_lower_bounds nl.nlopt_set_lower_bounds
#define nlopt_set_upper_bounds nl.nlopt_set_upper_bounds
#define nlopt_set_min_objective nl.nlopt_set_min_objective
#define nlopt_set_stopval nl.nlopt_set_stopval
#define nlopt_set_ftol_rel nl.nlopt_set_ftol_rel
#define nlopt_set_xtol_rel nl.nlopt_set_xtol_rel
#define nlopt_set_maxeval nl.nlopt_set_maxeval
#define nlopt_set_maxtime nl.nlopt_set_maxtime
#define nlopt_add_inequality_constraint nl.nlopt_add_inequality_constraint
#define nlopt_srand nl.nlopt_srand

/* ------------------------------------------------------------ the solves */

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

/* Stop the running solver when a clock ran out or a stop was asked for. */
static void stop_if_due(struct ty_opt_ev *e)
{
	if (over_time(e))
		e->stop = 1;
	if (e->stop && e->opt)
		nlopt_force_stop(e->opt);
}

static double nl_objective(unsigned n, const double *x, double *grad, void *data)
{
	struct ty_opt_ev *e = data;
	double sign = e->p->minimize ? 1.0 : -1.0;

	ty_opt_ev_x(e, x);
	if (grad) {
		ty_opt_ev_grad(e);
		for (unsigned c = 0; c < n; c++)
			grad[c] = sign * e->gvals[c] / e->cscale[0];
	}
	stop_if_due(e);
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

	ty_opt_ev_x(e, x);
	if (grad) {
		ty_opt_ev_grad(e);
		for (unsigned c = 0; c < n; c++)
			grad[c] = sign * e->gvals[cd->k * n + c] / e->cscale[cd->k];
	}
	stop_if_due(e);
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

	ty_opt_ev_x(e, x);
	if (grad) {
		ty_opt_ev_grad(e);
		memset(grad, 0, n * sizeof(double));
	}
	for (size_t l = 0; l < e->p->nlimits; l++) {
		double v = ty_opt_limit_violation(e, l, e->vals[1 + l]) / e->cscale[1 + l];
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

/* Scale the objective and the limits by their gradient's size at x. */
static void set_scales(struct ty_opt_ev *e, const double *x)
{
	ty_opt_ev_x(e, x);
	ty_opt_ev_grad(e);
	for (size_t k = 0; k < e->nv; k++) {
		double g = 0, lo, hi;
		size_t m;

		ty_opt_ev_stat(e, k, &m);
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

/* An NLopt problem over scaled x in [0, ub / scale]: the objective (or,
 * phase1, the sum of squared violations), the budget, and (not in phase 1)
 * one constraint per limit.  The callbacks' data live in the struct, so it
 * must stay put until nl_run. */
struct nl_problem {
	nlopt_opt opt;
	struct nl_con budget;
	struct nl_con *lim;      /* [nlimits] */
};

static int nl_setup(struct nl_problem *np, struct ty_opt_ev *e, nlopt_algorithm alg,
		    int phase1)
{
	const tyche_opt_problem *p = e->p;
	unsigned n = (unsigned)e->C;
	double lb[n ? n : 1], ubx[n ? n : 1];

	memset(np, 0, sizeof *np);
	np->opt = nlopt_create(alg, n);
	if (!np->opt)
		return -1;
	for (unsigned c = 0; c < n; c++) {
		lb[c] = 0;
		ubx[c] = e->ub[c] / e->scale[c];
	}
	nlopt_set_lower_bounds(np->opt, lb);
	nlopt_set_upper_bounds(np->opt, ubx);
	if (phase1) {
		nlopt_set_min_objective(np->opt, nl_phase1, e);
		nlopt_set_stopval(np->opt, 1e-3 * e->tol * e->tol);
	} else {
		nlopt_set_min_objective(np->opt, nl_objective, e);
	}
	np->budget.e = e;
	np->budget.k = 0;
	if (p->has_budget)
		nlopt_add_inequality_constraint(np->opt, nl_budget, &np->budget, 1e-9);
	if (!phase1 && p->nlimits) {
		np->lim = ty_calloc(p->nlimits, sizeof *np->lim);
		if (!np->lim) {
			nlopt_destroy(np->opt);
			np->opt = NULL;
			return -1;
		}
		for (size_t l = 0; l < p->nlimits; l++) {
			np->lim[l].e = e;
			np->lim[l].k = 1 + l;
			nlopt_add_inequality_constraint(np->opt, nl_limit, &np->lim[l], 1e-9);
		}
	}
	return 0;
}

/* Run from x (updated in place) under the time left, then free the
 * problem.  A maxtime stop when the budget was the nearer clock is the
 * budget's. */
static nlopt_result nl_run(struct nl_problem *np, struct ty_opt_ev *e, double *x)
{
	nlopt_result r;
	int budget_first;
	double f;

	nlopt_set_maxtime(np->opt, ty_opt_time_left(e, &budget_first));
	e->opt = np->opt;
	r = nlopt_optimize(np->opt, x, &f);
	e->opt = NULL;
	if (r == NLOPT_MAXTIME_REACHED && budget_first) {
		e->budget_out = 1;
		e->stop = 1;
	}
	nlopt_destroy(np->opt);
	free(np->lim);
	memset(np, 0, sizeof *np);
	return r;
}

/* 1 with the reason in why when NLopt could not run at all (any other
 * result, a stop included, leaves the evaluator's best point to judge). */
static int nl_failed(nlopt_result r, const char *who, char *why, size_t whyn)
{
	if (r != NLOPT_OUT_OF_MEMORY && r != NLOPT_INVALID_ARGS)
		return 0;
	snprintf(why, whyn, "%s failed: %s", who,
		 r == NLOPT_OUT_OF_MEMORY ? "out of memory" : "invalid arguments");
	return 1;
}

/* One SLSQP run from x (updated in place).  phase1: minimise violations. */
static nlopt_result run_slsqp(struct ty_opt_ev *e, double *x, int phase1)
{
	struct nl_problem np;

	if (nl_setup(&np, e, NLOPT_LD_SLSQP, phase1))
		return NLOPT_OUT_OF_MEMORY;
	for (size_t c = 0; c < e->C; c++) {
		double hi = e->ub[c] / e->scale[c];

		if (x[c] < 0)
			x[c] = 0;
		if (x[c] > hi)
			x[c] = hi;
	}
	nlopt_set_ftol_rel(np.opt, 1e-12);
	nlopt_set_xtol_rel(np.opt, 1e-10);
	nlopt_set_maxeval(np.opt, 500);
	return nl_run(&np, e, x);
}

/* Local search: SLSQP, restarted from its own answer while it improves
 * (a restart forgets the curvature estimate that kinks of the surface
 * spoil), with a phase 1 when no feasible point was met. */
int ty_opt_solve_local(struct ty_opt_ev *e, const double *x0, char *why, size_t whyn)
{
	size_t C = e->C;
	double x[C ? C : 1];
	double prev = INFINITY;

	if (nl_ready(why, whyn))
		return -1;
	memcpy(x, x0, C * sizeof(double));
	set_scales(e, x);
	for (int round = 0; round < 4 && !e->stop; round++) {
		nlopt_result r = run_slsqp(e, x, 0);

		if (nl_failed(r, "SLSQP", why, whyn))
			return -1;
		if (!e->have_best) {
			/* phase 1 from the least infeasible point */
			ty_opt_amounts_to_x(e, e->best_x, x);
			if (!e->p->nlimits)
				break;
			run_slsqp(e, x, 1);
			if (!e->have_best)
				break;
			ty_opt_amounts_to_x(e, e->best_x, x);
			continue;
		}
		if (!(e->best_f < prev - 1e-12 * fmax(1.0, fabs(prev))))
			break;
		prev = e->best_f;
		ty_opt_amounts_to_x(e, e->best_x, x);
	}
	return 0;
}

/* Global search: ISRES for the problem's evaluation count, then the local
 * method from ISRES's best point and from the start. */
int ty_opt_solve_global(struct ty_opt_ev *e, const double *x0, char *why, size_t whyn)
{
	const tyche_opt_problem *p = e->p;
	size_t n = e->C;
	double x[n ? n : 1];
	struct nl_problem np;
	nlopt_result r;
	long maxeval = p->max_eval > 0 ? p->max_eval : TY_OPT_DEFAULT_GLOBAL_EVALS;

	if (nl_ready(why, whyn))
		return -1;
	if (nl_setup(&np, e, NLOPT_GN_ISRES, 0)) {
		snprintf(why, whyn, "out of memory");
		return -1;
	}
	set_scales(e, x0);
	memcpy(x, x0, n * sizeof(double));
	nlopt_set_maxeval(np.opt, (int)maxeval);
	nlopt_srand((unsigned long)p->seed);
	r = nl_run(&np, e, x);
	if (nl_failed(r, "ISRES", why, whyn))
		return -1;
	/* polish the best point, then make sure local's answer is not better */
	if (!e->stop) {
		double xb[n ? n : 1];

		ty_opt_amounts_to_x(e, e->best_x, xb);
		if (ty_opt_solve_local(e, xb, why, whyn))
			return -1;
	}
	if (!e->stop)
		return ty_opt_solve_local(e, x0, why, whyn);
	return 0;
}
