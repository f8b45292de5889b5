/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim.h - internal declarations shared by the optimiser's files.  The
 * public API is in tyche.h; nothing here is exported.
 *
 *   optim.c          the driver: tyche_optimize (result, checks, dispatch,
 *                    statuses and messages)
 *   optim-eval.c     the evaluator every method uses (values, gradients,
 *                    feasibility, best point, clocks)
 *   optim-nlopt.c    local (SLSQP) and global (ISRES + polish) methods
 *   optim-milp.c     the piecewise-linear MILP over the tranche grid
 *   optim-auto.c     the exact mean MILP (separable) and the auto method
 *   optim-problem.c  problems from names and strings; status/method names
 *   optim-json.c     the result and sweep JSON writers
 *   optim-sweep.c    bounds and Pareto sweeps (calls tyche_optimize)
 *   waterfall.c, tornado.c   built from surface evaluations
 *
 * Calls go one way, never back (no loop between these files):
 *   optim-sweep.c -> optim.c -> optim-auto.c -> optim-nlopt.c, optim-milp.c
 *                                -> optim-eval.c
 *   optim.c, optim-json.c, tornado.c -> optim-problem.c (names, lists)
 *   waterfall.c, tornado.c -> optim-json.c (ty_opt_json_print)
 * Above the driver only tyche_optimize and tyche_opt_result_free are
 * called (and ty_opt_now, from the bottom layer).
 *
 * Easy to get wrong: the evaluator keeps *amounts*, the NLopt methods see
 * scaled x = amount / scale; convert with ty_opt_x_to_amounts and
 * ty_opt_amounts_to_x, never by hand.
 */
#ifndef TY_OPTIM_H
#define TY_OPTIM_H

#include <cJSON.h>
#include "internal.h"

#define TY_OPT_DEFAULT_MAX_TIME 10.0
#define TY_OPT_DEFAULT_GLOBAL_EVALS 2000
#define TY_OPT_DEFAULT_MILP_CORNERS 20000
#define TY_OPT_DEFAULT_TOL 1e-6
/* auto: most tranche-grid corners evaluated (beyond: a seeded sample of
 * this many) and most corners polished by the local method */
#define TY_OPT_AUTO_CORNERS 4096
#define TY_OPT_AUTO_STARTS 16

/* One problem's evaluation state: the last point's totals and statistics
 * (vals[0] the objective, vals[1 + l] limit l), their gradients in scaled
 * x, and the best feasible point seen so far. */
struct ty_opt_ev {
	const tyche_surface *s;
	const tyche_opt_problem *p;
	size_t C, M, N, nv;
	double *ub, *scale;           /* [C]: amount = x * scale, in [0, ub] */
	double *amounts;              /* [C] the current point */
	int have, have_grad;
	double *vals;                 /* [nv] */
	double *gvals;                /* [nv * C] d vals / d x */
	double *cscale;               /* [nv] objective / constraint scales */
	double *totals, *fd_totals;   /* [M * N] */
	double *g;                    /* [C * M * N] per-sample slopes */
	double *work, *w;             /* [N] */
	size_t *idx;                  /* [N] */
	double *fd_amounts;           /* [C] */
	unsigned char *need;          /* [M] metrics the objective and limits use:
	                                 only these are evaluated while solving */
	int all_metrics;              /* 1: evaluate every metric (the result) */
	double tol;
	long nevals;
	int saw_nan;
	/* best feasible point (best_f = objective, smaller is better), or
	 * while none is feasible the least infeasible one */
	double *best_x, best_f, least_viol;
	int have_best, have_least;
	double deadline;
	int timed_out, stop;
	int budget_out;               /* the process's budget ran out (not max_time) */
	void *opt;                    /* the running nlopt_opt, to stop it */
	/* what auto did, for the message */
	long starts;                  /* local searches run */
	size_t corners, corners_feasible;  /* corners evaluated / feasible */
	double corners_total;         /* corners in the grid */
	int from_mean;                /* a search started at the mean optimum */
};

/* ---- optim-eval.c: the evaluator */

/* ub: [C] upper bounds of the amounts.  TYCHE_ENOMEM (no message) on
 * failure; release in any case. */
TY_HIDDEN int ty_opt_ev_init(struct ty_opt_ev *e, const tyche_surface *s,
			     const tyche_opt_problem *p, const double *ub);
TY_HIDDEN void ty_opt_ev_release(struct ty_opt_ev *e);
/* Evaluate at amounts / at scaled x (clipped to the bounds); records the
 * best feasible (else least infeasible) point. */
TY_HIDDEN void ty_opt_ev_amounts(struct ty_opt_ev *e, const double *amounts);
TY_HIDDEN void ty_opt_ev_x(struct ty_opt_ev *e, const double *x);
/* d vals / d x at the current point into e->gvals. */
TY_HIDDEN void ty_opt_ev_grad(struct ty_opt_ev *e);
/* The statistic and metric of vals[k] (0 the objective, 1 + l limit l). */
TY_HIDDEN const tyche_stat *ty_opt_ev_stat(const struct ty_opt_ev *e, size_t k,
					   size_t *metric);
TY_HIDDEN void ty_opt_x_to_amounts(const struct ty_opt_ev *e, const double *x, double *a);
TY_HIDDEN void ty_opt_amounts_to_x(const struct ty_opt_ev *e, const double *a, double *x);
/* Violation of limit l at value v (> 0: violated; NaN: infinite). */
TY_HIDDEN double ty_opt_limit_violation(const struct ty_opt_ev *e, size_t l, double v);
TY_HIDDEN double ty_opt_budget_sum(const struct ty_opt_ev *e, const double *amounts);
TY_HIDDEN int ty_opt_feasible_vals(const struct ty_opt_ev *e, const double *amounts,
				   const double *vals);
/* 1 if v satisfies "v <= bound" (upper) or "v >= bound" within tol. */
TY_HIDDEN int ty_opt_holds(int upper, double v, double bound, double tol);
/* Monotonic seconds. */
TY_HIDDEN double ty_opt_now(void);
/* Seconds a solver may still run: the run's max_time, never more than the
 * process's budget left; *budget_first when the budget is the nearer. */
TY_HIDDEN double ty_opt_time_left(const struct ty_opt_ev *e, int *budget_first);

/* ---- optim-nlopt.c and optim-milp.c: the methods, called by the driver
 * only.  0 done (the best point, if any, is in e; none feasible means
 * infeasible), -1 failed with the reason in why; the MILP also returns a
 * TYCHE_E* code with err filled (grid too large, out of memory). */
TY_HIDDEN int ty_opt_solve_local(struct ty_opt_ev *e, const double *x0, char *why,
				 size_t whyn);
TY_HIDDEN int ty_opt_solve_global(struct ty_opt_ev *e, const double *x0, char *why,
				  size_t whyn);
TY_HIDDEN int ty_opt_solve_milp(struct ty_opt_ev *e, char *why, size_t whyn,
				tyche_error *err);
/* Grid of category c into g (room for ntranches + 2): 0, the tranche
 * amounts inside (0, ub), ub; sorted, no duplicates.  Its size. */
TY_HIDDEN size_t ty_opt_grid(const tyche_surface *s, size_t c, double ub, double *g);

/* ---- optim-auto.c: the exact mean MILP and the auto method */

/* 1 when the objective and every limit are means and every tranche
 * amount is certain: the mean MILP is then exact. */
TY_HIDDEN int ty_opt_mean_exact(const tyche_surface *s, const tyche_opt_problem *p);
/* The MILP over the mean surface (p's statistics are taken as means;
 * needs certain amounts).  0 with *outcome 1 proved optimal, 2 proved
 * infeasible, 3 a point but not proved (time), 4 no point (time); the
 * point in amounts[C].  -1 with the reason in why (a non-finite mean,
 * GLPK failed, out of memory). */
TY_HIDDEN int ty_opt_mean_milp(const tyche_surface *s, const tyche_opt_problem *p,
			       const double *ub, double deadline, double *amounts,
			       int *outcome, char *why, size_t whyn);
/* Auto (see optim-auto.c); *proved: the answer (or infeasibility) is
 * proved.  0 done, -1 failed with the reason in why. */
TY_HIDDEN int ty_opt_solve_auto(struct ty_opt_ev *e, const double *x0, int *proved,
				char *why, size_t whyn);

/* ---- optim-problem.c */

/* Append "'A', 'B', ..." (the surface's metric names) to b. */
TY_HIDDEN void ty_opt_metric_list(struct ty_buf *b, const tyche_surface *s);

/* ---- optim-sweep.c: points lo .. hi-1 of a Pareto sweep (shards) */

/* Point b * per + k is metric k (of metrics, or of the surface when
 * metrics is NULL) at budget b; budgets are checked, all of them. */
TY_HIDDEN int ty_opt_pareto_budget_part(tyche_opt_sweep **out, const tyche_surface *s,
					const tyche_opt_problem *base, const size_t *metrics,
					size_t nm, const double *budgets, size_t nb, size_t lo,
					size_t hi, tyche_error *err);
/* The nb default bounds of a --vs sweep: evenly over vs's range. */
TY_HIDDEN int ty_opt_pareto_vs_points(const tyche_surface *s, const tyche_opt_problem *base,
				      size_t vs, double *pts, size_t nb, tyche_error *err);
TY_HIDDEN int ty_opt_pareto_vs_part(tyche_opt_sweep **out, const tyche_surface *s,
				    const tyche_opt_problem *base, size_t vs, int vs_upper,
				    const double *pts, size_t nb, size_t lo, size_t hi,
				    tyche_error *err);

/* ---- optim-json.c */

TY_HIDDEN cJSON *ty_opt_result_cjson(const tyche_surface *s, const tyche_opt_result *r);
/* Print o (indented when pretty) and delete it; NULL when out of memory. */
TY_HIDDEN char *ty_opt_json_print(cJSON *o, int pretty);

#endif
