/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim.h - the optimiser's evaluator, shared by optim.c (solvers) and
 * optim-sweep.c (bounds, Pareto, waterfall, tornado).  Internal.
 */
#ifndef TY_OPTIM_H
#define TY_OPTIM_H

#include <cJSON.h>
#include "internal.h"

/* One problem's evaluation state: the last point's totals and statistics
 * (vals[0] the objective, vals[1 + l] limit l), their gradients in scaled
 * x, and the best feasible point seen so far. */
struct ty_opt_ev {
	const tyche_surface *s;
	const tyche_opt_problem *p;
	size_t C, M, N, nv;
	double *ub, *scale;           /* [C]: amount = x * scale, in [0, ub] */
	double *amounts, *x_last;     /* [C] the current point */
	int have, have_grad;
	double *vals;                 /* [nv] */
	double *gvals;                /* [nv * C] d vals / d x */
	double *cscale;               /* [nv] objective / constraint scales */
	double *totals, *fd_totals;   /* [M * N] */
	double *g;                    /* [C * M * N] per-sample slopes */
	double *work, *w;             /* [N] */
	size_t *idx;                  /* [N] */
	double *fd_amounts;           /* [C] */
	double tol;
	long nevals;
	int saw_nan;
	/* best feasible point (best_f = objective, smaller is better), or
	 * while none is feasible the least infeasible one */
	double *best_x, best_f, least_viol;
	int have_best, have_least;
	double *milp_x;
	int milp_point;
	double deadline;
	int timed_out, stop;
	int budget_out;               /* the process's budget ran out (not max_time) */
	void *opt;                    /* the running nlopt_opt, to stop it */
};

TY_HIDDEN int ty_opt_ev_init(struct ty_opt_ev *e, const tyche_surface *s,
			     const tyche_opt_problem *p, const double *ub);
TY_HIDDEN void ty_opt_ev_release(struct ty_opt_ev *e);
TY_HIDDEN void ty_opt_ev_release_all(struct ty_opt_ev *e);
TY_HIDDEN void ty_opt_ev_amounts(struct ty_opt_ev *e, const double *amounts);
TY_HIDDEN int ty_opt_feasible_vals(const struct ty_opt_ev *e, const double *amounts,
				   const double *vals);
/* 1 if v satisfies "v <= bound" (upper) or "v >= bound" within tol. */
TY_HIDDEN int ty_opt_holds(int upper, double v, double bound, double tol);
TY_HIDDEN size_t ty_opt_select_index(const double *t, size_t N, size_t k, size_t *idx);
TY_HIDDEN double ty_opt_now(void);
TY_HIDDEN cJSON *ty_opt_result_cjson(const tyche_surface *s, const tyche_opt_result *r);

#endif
