/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/optim.h - optimisation over the response surface, and what is built from it: bounds, Pareto sweeps, waterfall, tornado.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_OPTIM_H
#define TYCHE_OPTIM_H

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------- optimisation */
/*
 * Epsilon-constraint optimisation over a response surface (lib/optim.c,
 * lib/optim-sweep.c).  Variables: an amount per category in [0, upper_c]
 * (upper_c = the category's max amount unless the caller gives a smaller
 * one).  Objective: a statistic of one metric's portfolio distribution
 * (the per-sample totals, never a sum of per-tranche statistics),
 * maximised or minimised.  Constraints: an optional total budget and any
 * number of metric limits "stat(metric) >= bound" or "<= bound".
 *
 * Every call that solves returns 0 and a result even when the problem is
 * infeasible or a limit stopped the solver: result->status says which,
 * result->message says why in one sentence.  A non-zero return
 * (TYCHE_EUSAGE, TYCHE_ENOMEM) means no result: a bad problem (unknown
 * metric, negative bound, a MILP grid over the size limit, ...).
 */
enum tyche_opt_method {
	TYCHE_OPT_LOCAL = 0,   /* SLSQP (NLopt) with the surface's gradients */
	TYCHE_OPT_GLOBAL = 1,  /* ISRES (NLopt), then SLSQP from its best point */
	TYCHE_OPT_MILP = 2,    /* piecewise-linear MILP over the grid (GLPK) */
	TYCHE_OPT_AUTO = 3     /* the default: the exact MILP when the objective
	                          and every limit are means and the tranche
	                          amounts are certain; else a multistart search
	                          from the mean optimum and the tranche-grid
	                          corners, each polished by SLSQP */
};
/* What is known about the answer.  Only OPTIMAL claims optimality: the
 * exact MILP proved it.  tyche_opt_status_ok says a feasible portfolio
 * was returned (OPTIMAL, LOCAL_OPTIMUM, BEST_FOUND). */
enum tyche_opt_status {
	TYCHE_OPT_OPTIMAL = 0,     /* proved optimal; every constraint holds */
	TYCHE_OPT_INFEASIBLE = 1,  /* no portfolio satisfies the constraints */
	TYCHE_OPT_LIMIT = 2,       /* stopped at the time / evaluation limit */
	TYCHE_OPT_ERROR = 3,       /* the solver failed; message says why */
	TYCHE_OPT_LOCAL_OPTIMUM = 4, /* the local method converged: no better
	                                point nearby, better ones may exist */
	TYCHE_OPT_BEST_FOUND = 5   /* the best of a search (starts counted in
	                              result->starts); not proved optimal */
};

typedef struct tyche_opt_limit {
	size_t metric;     /* surface metric index */
	tyche_stat stat;   /* statistic of the metric's portfolio totals */
	int upper;         /* 0: stat >= bound; 1: stat <= bound */
	double bound;
} tyche_opt_limit;

typedef struct tyche_opt_problem {
	size_t metric;            /* objective metric (surface index) */
	tyche_stat stat;          /* objective statistic (INIT: mean) */
	int minimize;             /* 0: maximise, 1: minimise */
	int has_budget;
	double budget;            /* sum of amounts <= budget (>= 0) */
	const double *upper;      /* [ncategories] or NULL; a NaN entry or one
	                             above the max amount means the max amount */
	const tyche_opt_limit *limits;
	size_t nlimits;
	int method;               /* enum tyche_opt_method */
	uint64_t seed;            /* global method: same seed, same result */
	const double *start;      /* local start [ncategories]; NULL = 10 % of
	                             each upper bound (as the reference) */
	double max_time;          /* seconds; 0 = 10 s */
	long max_eval;            /* surface evaluations: global 0 = 2000;
	                             milp: most grid corners, 0 = 20000 */
	double tol;               /* constraint tolerance relative to
	                             max(1, |bound|); 0 = 1e-6 */
} tyche_opt_problem;
#define TYCHE_OPT_PROBLEM_INIT { .metric = 0, \
	.stat = { .kind = TYCHE_STAT_MEAN, .p = 0.0, .name = "mean" }, .minimize = 0, \
	.has_budget = 0, .budget = 0.0, .upper = NULL, .limits = NULL, .nlimits = 0, \
	.method = TYCHE_OPT_AUTO, .seed = 1, .start = NULL, .max_time = 0.0, \
	.max_eval = 0, .tol = 0.0 }

/* One constraint at the solution. */
typedef struct tyche_opt_check {
	char label[128];   /* "budget", or "q10(GHG)" */
	size_t metric;     /* metric index; (size_t)-1 for the budget */
	int upper;         /* 1: value <= bound; 0: value >= bound */
	double value, bound;
	int holds;         /* within the tolerance */
} tyche_opt_check;

typedef struct tyche_opt_result {
	int status;             /* enum tyche_opt_status */
	char message[512];      /* one sentence: what happened and why */
	int method;             /* enum tyche_opt_method */
	size_t metric;          /* the objective: metric, statistic, sense */
	tyche_stat stat;
	int minimize;
	double objective;       /* stat(metric) at the amounts */
	size_t ncategories;
	double *amounts;        /* [ncategories] the solution (or best point) */
	double *upper;          /* [ncategories] the upper bounds used */
	size_t nmetrics;
	double *metrics;        /* [nmetrics] the objective's statistic of every
	                           metric at the amounts */
	size_t nchecks;
	tyche_opt_check *checks; /* the budget (if any), then each limit */
	double seconds;         /* wall-clock solve time */
	long evaluations;       /* surface evaluations (gradients count too) */
	long starts;            /* local searches run (local 1; global and auto:
	                           every start polished); 0 for the MILP alone */
	int *outside;           /* [ncategories] 1: the amount lies outside the
	                           category's tranche amounts (the surface
	                           extrapolates there), as tyche_explore */
} tyche_opt_result;

TYCHE_API void tyche_opt_result_free(tyche_opt_result *r);  /* NULL is fine */
/* "optimal", "local optimum", "best found", "infeasible", "limit", "error" */
TYCHE_API const char *tyche_opt_status_name(int status);
/* 1 when the status comes with a feasible portfolio (OPTIMAL,
 * LOCAL_OPTIMUM, BEST_FOUND): tyche-run exits 0 for these. */
TYCHE_API int tyche_opt_status_ok(int status);
TYCHE_API const char *tyche_opt_method_name(int method);  /* "local" ... */
/* "auto", "local", "global", "milp" -> enum; TYCHE_EUSAGE otherwise. */
TYCHE_API int tyche_opt_method_parse(const char *name, int *method, tyche_error *err);

/*
 * Parse a metric limit "GHG>=40", "GHG <= 1e3" or "q10(GHG)>=40" (the
 * statistic defaults to *dflt, NULL = mean).  Unknown metrics, bad
 * syntax and strict limits ("GHG>30": ask for >= or <=) are
 * TYCHE_EUSAGE naming the metrics.
 */
TYCHE_API int tyche_opt_parse_limit(tyche_opt_limit *out, const tyche_surface *s,
				    const char *text, const tyche_stat *dflt,
				    tyche_error *err);
/* Fill upper[0..C-1] with the max amounts, then apply "Category=amount"
 * assignments (TYCHE_EUSAGE for unknown categories or negative amounts). */
TYCHE_API int tyche_opt_parse_upper(const tyche_surface *s,
				    const char *const *assign, size_t n,
				    double *upper, tyche_error *err);

/* "LO:HI:STEP" into the points LO, LO+STEP, ... <= HI (*out malloc'd, *n
 * of them): LO >= lo_min, LO <= HI, STEP > 0, all finite, at most
 * max_points.  TYCHE_EUSAGE otherwise, the message quoting the text (the
 * caller names its option).  Budgets of a Pareto sweep use lo_min 0. */
TYCHE_API int tyche_opt_parse_range(double **out, size_t *n, const char *text,
				    double lo_min, size_t max_points, tyche_error *err);

/* Solve *p over s.  *out (free with tyche_opt_result_free) on return 0. */
TYCHE_API int tyche_optimize(tyche_opt_result **out, const tyche_surface *s,
			     const tyche_opt_problem *p, tyche_error *err);

/* The result as a JSON object (malloc'd text, or NULL when out of memory):
 * {"status", "message", "method", "objective": {"metric", "statistic",
 *  "sense", "value"}, "amounts": {CATEGORY: x}, "upper": {...},
 *  "metrics": {METRIC: x}, "constraints": [{"constraint", "sense",
 *  "value", "bound", "holds"}], "seconds", "evaluations", "starts",
 *  "extrapolated": [CATEGORY, ...]}.
 * Non-finite numbers are null. */
TYCHE_API char *tyche_opt_result_json(const tyche_surface *s,
				      const tyche_opt_result *r, int pretty);

/* A set of optimisations: metric bounds and Pareto sweeps. */
typedef struct tyche_opt_point {
	size_t metric;          /* the metric optimised */
	int minimize;
	double budget;          /* the budget used, or NaN for none */
	double limit;           /* Pareto (b): the bound on the other metric,
	                           else NaN */
	tyche_opt_result *result;
} tyche_opt_point;
typedef struct tyche_opt_sweep {
	size_t n;
	tyche_opt_point *v;
	long vs_metric;         /* Pareto (b): the other metric, else -1 */
	double seconds;         /* the whole sweep */
} tyche_opt_sweep;
TYCHE_API void tyche_opt_sweep_free(tyche_opt_sweep *sw);  /* NULL is fine */

/* Metric bounds: each metric minimised and maximised alone (in that
 * order, 2 points per metric) under base's budget, upper bounds, limits,
 * statistic and method (base's metric and sense are ignored). */
TYCHE_API int tyche_opt_bounds(tyche_opt_sweep **out, const tyche_surface *s,
			       const tyche_opt_problem *base, tyche_error *err);
/* The same bounds for the default problem (each metric's mean over
 * [0, max amount] per category, no budget) as lo[m], hi[m] (M each; NaN
 * where the optimiser found no optimum), read from a file beside the
 * surface's cache file (tyche_surface_cache_path(ctx, o) + ".bounds") or
 * computed and written there atomically when absent, stale or corrupt
 * (lib/bounds-cache.c).  *from_cache (may be NULL) says which. */
TYCHE_API int tyche_opt_bounds_cached(const tyche_context *ctx, const tyche_surface *s,
				      const tyche_analysis_opts *o, double *lo, double *hi,
				      int *from_cache, tyche_error *err);
/* Pareto (a): for each budget, each of metrics[0..nm-1] (NULL, 0: every
 * metric) optimised with base's sense, statistic and limits. */
TYCHE_API int tyche_opt_pareto_budget(tyche_opt_sweep **out,
				      const tyche_surface *s,
				      const tyche_opt_problem *base, const size_t *metrics,
				      size_t nm, const double *budgets,
				      size_t nb, tyche_error *err);
/* Pareto (b): base's objective optimised with an added limit
 * stat(vs) >= bound (vs_upper: <=) for each of bounds[0..nb-1]; with
 * bounds NULL, nb points evenly over vs's range (its min and max under
 * base's budget and upper bounds). */
TYCHE_API int tyche_opt_pareto_vs(tyche_opt_sweep **out, const tyche_surface *s,
				  const tyche_opt_problem *base, size_t vs, int vs_upper,
				  const double *bounds, size_t nb, tyche_error *err);

/*
 * Waterfall: start from every amount at 0, then set the categories to
 * their amounts one at a time; after each step, `stat` of every metric.
 * order_mode: TYCHE_WF_GIVEN (order[0..norder-1] lists categories; it must
 * include every category with a non-zero amount), TYCHE_WF_BEST (greedy:
 * each step takes the category that most improves `metric` in the sense
 * `minimize`), TYCHE_WF_ALL (every order of the non-zero categories, at
 * most 8 of them).
 */
enum tyche_wf_mode { TYCHE_WF_GIVEN = 0, TYCHE_WF_BEST = 1, TYCHE_WF_ALL = 2 };
typedef struct tyche_waterfall {
	size_t ncategories, nmetrics;
	tyche_stat stat;
	size_t norders, nsteps;
	size_t *order;       /* [norders * nsteps] category of step k of order o */
	double *start;       /* [nmetrics] at all-zero amounts */
	double *value;       /* [(o * nsteps + k) * nmetrics + m] after step k */
} tyche_waterfall;
TYCHE_API int tyche_waterfall_build(tyche_waterfall **out, const tyche_surface *s,
				    const double *amounts, const tyche_stat *stat,
				    int order_mode, const size_t *order,
				    size_t norder, size_t metric,
				    int minimize, tyche_error *err);
TYCHE_API void tyche_waterfall_free(tyche_waterfall *w);
/* JSON of a sweep: [{"metric", "sense", "budget", "limit", "vs",
 * "result": {as tyche_opt_result_json}}]; of a waterfall: {"statistic",
 * "start": {METRIC: x}, "orders": [[{"step", "category", "metrics":
 * {METRIC: x}, "delta": {METRIC: x}}]]}.  malloc'd, NULL if out of memory. */
TYCHE_API char *tyche_opt_sweep_json(const tyche_surface *s, const tyche_opt_sweep *sw,
				     int pretty);
TYCHE_API char *tyche_waterfall_json(const tyche_surface *s, const tyche_waterfall *w,
				     int pretty);

/*
 * Tornado: one sample with every uncertain design/parameter cell at its
 * median; then each uncertain input (a design Variable-Index or a
 * parameter of a technology, in every scenario that has it uncertain at
 * once) at its q10 and at its q90, the others at their median.  The value
 * is metric's total at the portfolio `assign` ("Category=amount", others
 * 0; n may be 0), or, with scenario non-NULL, the metric in that scenario
 * (the first technology that has it).  Bars are sorted by swing, largest
 * first (ties by label).  Uncertain tranche amounts are not swung.
 */
typedef struct tyche_tornado_bar {
	char label[256];    /* "Technology: Parameter" or "Technology: Variable Index" */
	double low, high;   /* the metric with the input at q10 / at q90 */
	double swing;       /* |high - low| */
} tyche_tornado_bar;
typedef struct tyche_tornado {
	char metric[128];
	double base;        /* every input at its median */
	size_t n;
	tyche_tornado_bar *v;
} tyche_tornado;
TYCHE_API int tyche_tornado_build(tyche_tornado **out, const tyche_context *ctx,
				  const char *metric, const char *const *assign,
				  size_t n, const char *scenario,
				  tyche_error *err);
TYCHE_API void tyche_tornado_free(tyche_tornado *t);
TYCHE_API char *tyche_tornado_json(const tyche_tornado *t, int pretty);
/* (end of optimisation section) */

/* The tables of tyche-run (lib/optim-csv.c) as CSV or, for format
 * TYCHE_FMT_JSON, the JSON above (pretty, with a final newline), handed
 * to w in one piece.  CSV columns:
 *   optimisation: Variable,Index,Value,Bound,Sense,Holds
 *   sweep:        Point,Target,Sense,Budget,Limit,Status, then as above
 *   waterfall:    Order,Step,Category,Metric,Value,Delta
 *   tornado:      Rank,Input,Low,High,Swing,Base */
TYCHE_API int tyche_opt_result_write(const tyche_surface *s, const tyche_opt_result *r,
				     int format, tyche_write_fn w, void *arg, tyche_error *err);
TYCHE_API int tyche_opt_sweep_write(const tyche_surface *s, const tyche_opt_sweep *sw,
				    int format, tyche_write_fn w, void *arg, tyche_error *err);
TYCHE_API int tyche_waterfall_write(const tyche_surface *s, const tyche_waterfall *wf,
				    int format, tyche_write_fn w, void *arg, tyche_error *err);
TYCHE_API int tyche_tornado_write(const tyche_tornado *t, int format, tyche_write_fn w,
				  void *arg, tyche_error *err);

/* Corners (lib/corners.c): every combination of the categories' tranche
 * amounts (the reference's evaluate_corners_wide), with has_budget only
 * those costing <= budget; per corner the amounts, the budget it costs
 * and st[0..nst-1] of every metric's portfolio totals.  More than 1e6
 * corners is TYCHE_EUSAGE; the work budget stops the loop
 * (TYCHE_ETIMEOUT).  *out (tyche_corners_free) on return 0. */
typedef struct tyche_corners {
	size_t ncategories, nmetrics, nstats;
	tyche_stat *stats;      /* [nstats] */
	size_t total;           /* corners in the whole grid */
	size_t n;               /* corners kept (within the budget) */
	size_t *index;          /* [n] 1-based number in the whole grid */
	double *amounts;        /* [i * ncategories + c] */
	double *budget;         /* [n] the sum of the amounts */
	double *value;          /* [(i * nmetrics + m) * nstats + j] */
} tyche_corners;
TYCHE_API int tyche_corners_build(tyche_corners **out, const tyche_surface *s,
				  const tyche_stat *st, size_t nst, int has_budget,
				  double budget, tyche_error *err);
TYCHE_API void tyche_corners_free(tyche_corners *k);   /* NULL is fine */
/* order[0..k->n-1]: the kept corners best first by statistic j of metric
 * m (smallest first when minimize), NaN last, ties in grid order. */
TYCHE_API int tyche_corners_order(const tyche_corners *k, size_t m, size_t j, int minimize,
				  size_t *order, tyche_error *err);
/* The corners as CSV:
 *   Corner,CATEGORY...,Budget,STAT(METRIC)...   (metrics, then statistics)
 * or JSON: [{"corner", "amounts": {CATEGORY: x}, "budget",
 *            "metrics": {METRIC: {STAT: x}}}]. */
TYCHE_API int tyche_corners_write(const tyche_surface *s, const tyche_corners *k, int format,
				  tyche_write_fn w, void *arg, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
