/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche.h - the public API of libtyche, the only installed header.
 *
 * Conventions (see doc/ and ../shared/docs/style.md):
 *  - functions return 0 on success or a TYCHE_E* code, and fill a
 *    tyche_error (or append to a tyche_diags list) on failure;
 *  - `T **out` hands ownership to the caller, who frees with tyche_T_free;
 *  - the library never prints to stdout and never exits.
 */
#ifndef TYCHE_H
#define TYCHE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TYCHE_API __attribute__((visibility("default")))
#else
#define TYCHE_API
#endif

/* ---------------------------------------------------------------- errors */

enum tyche_code {
	TYCHE_OK = 0,
	TYCHE_EDATA = 1,     /* bad input data: show where */
	TYCHE_EUSAGE = 2,    /* bad call or option */
	TYCHE_ENOMEM = 3,
	TYCHE_EIO = 4,       /* file system or network */
	TYCHE_ENOENT = 5,    /* a named input does not exist */
	TYCHE_EINTERNAL = 6,
	TYCHE_EINFEASIBLE = 7, /* an optimisation problem has no solution */
	TYCHE_EBUSY = 8,     /* the surface is being built by another process */
	TYCHE_ETIMEOUT = 9,  /* the process's work budget (tyche_budget_set) ran
	                        out: the work stopped, nothing was kept */
	TYCHE_EPERM = 10     /* not the owner: the request is understood but
	                        this user may not do it */
};

typedef struct tyche_error {
	int code;       /* TYCHE_E*; 0 = no error */
	char where[256]; /* data file, "file.xlsx:sheet", "<expr>", or "" */
	int line, col;  /* 1-based; 0 = unknown */
	char msg[768];
} tyche_error;

/*
 * A work budget for the whole process (lib/budget.c): wall-clock seconds
 * from now and CPU seconds of the process from now (either may be 0 =
 * unlimited).  Surface builds, evaluations, optimisations (NLopt stop
 * and max time, GLPK's time limit) and sweeps check it where they loop
 * and stop with TYCHE_ETIMEOUT, releasing what they hold (cache locks).
 * Process-wide state: set it once per request or command, before any
 * work starts; tyche_budget_set(0, 0) clears it.  Safe to read from any
 * thread; setting it while another thread works is not supported.
 */
TYCHE_API void tyche_budget_set(double wall_seconds, double cpu_seconds);
/* Seconds of wall-clock budget left (+inf when unlimited; <= 0 when spent). */
TYCHE_API double tyche_budget_left(void);

/* "where:line:col: msg" (parts that are unknown are left out). */
TYCHE_API const char *tyche_error_format(const tyche_error *e, char *buf, size_t n);

enum tyche_severity { TYCHE_SEV_ERROR = 0, TYCHE_SEV_WARNING = 1 };

typedef struct tyche_diag {
	int severity;   /* TYCHE_SEV_* */
	char *where;    /* file (may be "") */
	int line, col;  /* 1-based; 0 = unknown */
	char *msg;
} tyche_diag;

/* A list of problems, so that a run can report all of them at once. */
typedef struct tyche_diags {
	size_t n, cap;
	size_t nerrors, nwarnings;
	tyche_diag *v;
} tyche_diags;
#define TYCHE_DIAGS_INIT { 0, 0, 0, 0, NULL }

TYCHE_API void tyche_diags_release(tyche_diags *d);
/* Write every diagnostic as "where:line:col: error: msg\n" to f. */
TYCHE_API void tyche_diags_print(const tyche_diags *d, FILE *f);

TYCHE_API const char *tyche_version(void);

/* ------------------------------------------------------- decision contexts */

typedef struct tyche_context tyche_context;

typedef struct tyche_load_opts {
	const char *model_path;   /* "DIR:DIR..." searched after the context's own
	                             directory; NULL = $TYCHE_MODEL_PATH, then the
	                             installed PREFIX/share/tyche/models */
	int skip_models;          /* 1: do not look for or compile model files */
} tyche_load_opts;
#define TYCHE_LOAD_OPTS_INIT { NULL, 0 }

/*
 * Load and validate a decision context: a directory holding the seven CSV
 * tables, or a .xlsx workbook.  Every problem found goes to *diags (errors
 * and warnings); the function returns TYCHE_EDATA when there was at least
 * one error, TYCHE_ENOENT when the path does not exist, TYCHE_EIO when it
 * cannot be read, TYCHE_ETIMEOUT when the work budget ran out while
 * reading the models.  *out is set only on success.
 */
TYCHE_API int tyche_context_load(tyche_context **out, const char *path,
				 const tyche_load_opts *opts, tyche_diags *diags);
TYCHE_API void tyche_context_free(tyche_context *ctx);

/* Write the seven tables of a .xlsx workbook as CSV files in `dir`
 * (created if missing), so that loading `dir` gives the same context.
 * Model files are not copied: they are looked up beside the tables. */
TYCHE_API int tyche_workbook_convert(const char *workbook, const char *dir,
				     tyche_error *err);

/* Summary counts of a loaded context. */
typedef struct tyche_context_summary {
	size_t technologies, scenarios, categories, tranches, investments,
		metrics, uncertain_cells;
} tyche_context_summary;
TYCHE_API void tyche_context_summarize(const tyche_context *ctx,
				       tyche_context_summary *s);
/* Technology i (0 <= i < summary.technologies), in name order, and the
 * number and names of its scenarios. */
TYCHE_API const char *tyche_context_technology(const tyche_context *ctx, size_t i);
TYCHE_API size_t tyche_context_nscenarios(const tyche_context *ctx, size_t tech);
TYCHE_API const char *tyche_context_scenario(const tyche_context *ctx, size_t tech,
					     size_t scen);
/* A printable name (the directory or workbook base name). */
TYCHE_API const char *tyche_context_name(const tyche_context *ctx);
/* SHA-256 (hex) of the context's tables and model files. */
TYCHE_API const char *tyche_context_hash(const tyche_context *ctx);

/* ------------------------------------------------------------ evaluation */

enum tyche_format { TYCHE_FMT_CSV = 0, TYCHE_FMT_JSON = 1 };

/* Receives output text in order; returns 0, or non-zero to stop. */
typedef int (*tyche_write_fn)(const char *buf, size_t n, void *arg);

typedef struct tyche_eval_opts {
	uint64_t seed;          /* every draw is a function of the seed and
	                           the cell's identity; recorded with results */
	size_t samples;         /* Monte-Carlo samples per scenario (>= 1) */
	unsigned threads;       /* 0 = all cores; output never depends on it */
	size_t block;           /* samples per work unit (0 = default) */
	int format;             /* enum tyche_format */
	int summary;            /* 1: per row mean, std, q10, q50, q90 */
	tyche_write_fn write;   /* where the text goes */
	void *write_arg;
	void (*progress)(double done, void *arg);  /* 0..1, may be NULL */
	void *progress_arg;
} tyche_eval_opts;
#define TYCHE_EVAL_OPTS_INIT { 1, 1000, 0, 0, TYCHE_FMT_CSV, 0, NULL, NULL, NULL, NULL }

/*
 * Evaluate every technology, scenario and sample: draw the designs and
 * parameters, run the model, compute the unit cost and metrics; write the
 * rows the results table lists, in long form
 *   Technology,Scenario,Sample,Variable,Index,Value,Units
 * sorted by Technology, Scenario, Sample, Variable, Index (as the
 * reference).  Values print so they read back to the same double; NaN and
 * inf as NaN, inf, -inf, each reported once per row as a warning in
 * *warnings (may be NULL).  Output is byte-identical for any thread count
 * and block size.
 */
TYCHE_API int tyche_evaluate(const tyche_context *ctx, const tyche_eval_opts *opts,
			     tyche_diags *warnings, tyche_error *err);

/* ---------------------------------------------------- portfolio analysis */

/* A statistic of a metric over samples, requested by name:
 *   mean, std (ddof = 1), min, max, median,
 *   qP      quantile at P percent (q10) or as a fraction (q0.25),
 *   varL    value-at-risk at level L percent: the (100-L)% quantile, i.e.
 *           the value the metric exceeds with probability L (var95 = q5),
 *   cvarL   conditional value-at-risk: mean of the samples at or below
 *           varL (the expected value in the worst (100-L)% of cases),
 *   p>X     probability that the metric is greater than X (p<X: less).
 * Metrics follow Tyche's convention that larger is better; var/cvar look
 * at the lower tail.  Quantiles interpolate linearly (numpy's default). */
enum tyche_stat_kind {
	TYCHE_STAT_MEAN, TYCHE_STAT_STD, TYCHE_STAT_MIN, TYCHE_STAT_MAX,
	TYCHE_STAT_QUANTILE, TYCHE_STAT_VAR, TYCHE_STAT_CVAR, TYCHE_STAT_PGT,
	TYCHE_STAT_PLT
};
typedef struct tyche_stat {
	int kind;           /* enum tyche_stat_kind */
	double p;           /* quantile fraction, VaR level fraction, or X */
	char name[48];      /* canonical name, e.g. "q10", "cvar95", "p>0.5" */
} tyche_stat;
/* Parse a statistic name; TYCHE_EUSAGE with a message listing the forms. */
TYCHE_API int tyche_stat_parse(tyche_stat *out, const char *name, tyche_error *err);
/* The statistic of v[0..n-1]; NaN if any value is NaN or n == 0.  `work`
 * (n doubles) is scratch space; may be NULL (then it allocates). */
TYCHE_API double tyche_stat_eval(const tyche_stat *st, const double *v, size_t n,
				 double *work);
/* out[i] = tyche_stat_eval(&st[i], v, n, work) for i < nst, bit for bit,
 * from one copy of v and one NaN check: each order statistic is selected
 * within what is left after the previous one, so mean,q10,q90 costs about
 * one quantile.  0, or TYCHE_ENOMEM when work is NULL and no memory (then
 * out[] is NaN).  The one exception to "bit for bit": a zero quantile of
 * samples that hold both -0.0 and +0.0 may come out with either sign. */
TYCHE_API int tyche_stat_eval_many(const tyche_stat *st, size_t nst, const double *v,
				   size_t n, double *work, double *out);

/* A fitted response surface: per category, metric and sample a piecewise-
 * linear interpolant of the metric over the category's tranche amounts
 * (linear extrapolation beyond the ends, as the reference). */
typedef struct tyche_surface tyche_surface;

typedef struct tyche_analysis_opts {
	uint64_t seed;
	size_t samples;
	unsigned threads;         /* 0 = all cores */
	const char *cache_dir;    /* NULL: $TYCHE_CACHE, else $XDG_CACHE_HOME/tyche,
	                             else $HOME/.cache/tyche; "" = no cache */
	int nowait;               /* 1: if another process is building the same
	                             surface, return TYCHE_EBUSY at once */
} tyche_analysis_opts;
#define TYCHE_ANALYSIS_OPTS_INIT { 1, 1000, 0, NULL, 0 }

/* Build the surface (evaluating every scenario the tranches use), or load
 * it from the cache when a valid file exists for this context hash,
 * sample count and seed.  A stale, truncated, foreign or corrupt cache
 * file is detected and rebuilt.  *from_cache (may be NULL) says which. */
TYCHE_API int tyche_surface_build(tyche_surface **out, const tyche_context *ctx,
				  const tyche_analysis_opts *o, int *from_cache,
				  tyche_error *err);
/* The surface of the context at `path` in one call: from the cache when a
 * valid file exists for the context's current contents (found without
 * parsing the tables, so a web request pays only for hashing the files
 * and reading the cache), else by loading the context (problems go to
 * *diags, may be NULL) and building it as tyche_surface_build does. */
TYCHE_API int tyche_surface_open(tyche_surface **out, const char *path,
				 const tyche_load_opts *lo, const tyche_analysis_opts *o,
				 tyche_diags *diags, tyche_error *err);
/* Read / write one surface file directly (the cache format). */
TYCHE_API int tyche_surface_read(tyche_surface **out, const char *path, tyche_error *err);
TYCHE_API int tyche_surface_write(const tyche_surface *s, const char *path, tyche_error *err);
/* The cache file the options would use (malloc'd), or NULL if no cache. */
TYCHE_API char *tyche_surface_cache_path(const tyche_context *ctx,
					 const tyche_analysis_opts *o);
TYCHE_API void tyche_surface_free(tyche_surface *s);

TYCHE_API size_t tyche_surface_nsamples(const tyche_surface *s);
TYCHE_API uint64_t tyche_surface_seed(const tyche_surface *s);
TYCHE_API const char *tyche_surface_context_hash(const tyche_surface *s);
TYCHE_API size_t tyche_surface_ncategories(const tyche_surface *s);
TYCHE_API const char *tyche_surface_category(const tyche_surface *s, size_t c);
/* Largest tranche amount of category c (mean amount when uncertain). */
TYCHE_API double tyche_surface_max_amount(const tyche_surface *s, size_t c);
TYCHE_API size_t tyche_surface_ntranches(const tyche_surface *s, size_t c);
/* Tranche t of category c (sorted by amount): its name and mean amount. */
TYCHE_API const char *tyche_surface_tranche(const tyche_surface *s, size_t c,
					    size_t t, double *amount);
TYCHE_API size_t tyche_surface_nmetrics(const tyche_surface *s);
TYCHE_API const char *tyche_surface_metric(const tyche_surface *s, size_t m);
TYCHE_API const char *tyche_surface_metric_units(const tyche_surface *s, size_t m);
/* Index of a category / metric by name, or -1. */
TYCHE_API long tyche_surface_find_category(const tyche_surface *s, const char *name);
TYCHE_API long tyche_surface_find_metric(const tyche_surface *s, const char *name);
/* Per metric: the sum over categories of the smallest / largest mean
 * tranche value (the reference's metric range). */
TYCHE_API void tyche_surface_metric_range(const tyche_surface *s, size_t m,
					  double *lo, double *hi);

/*
 * Evaluate a portfolio: amounts[c] for every category.  totals[m*N + i] =
 * sum over categories of metric m at sample i (N = nsamples).  by_cat
 * (may be NULL): by_cat[(c*M + m)*N + i] = category c's contribution.
 */
TYCHE_API void tyche_surface_eval(const tyche_surface *s, const double *amounts,
				  double *totals, double *by_cat);
/* d totals / d amount_c for sample i, metric m, at `amounts`: the slope of
 * the segment the interpolant uses there (at an interior knot the left
 * one, as scipy picks it; at or below the first knot the first segment):
 * grad[(c*M+m)*N+i]. */
TYCHE_API void tyche_surface_grad(const tyche_surface *s, const double *amounts,
				  double *grad);

/*
 * Parse "Category=amount" assignments against the surface into amounts[]
 * (categories not named are 0).  Unknown categories and negative or
 * non-numeric amounts are TYCHE_EUSAGE with a message listing the valid
 * categories and their max amounts.
 */
TYCHE_API int tyche_surface_parse_amounts(const tyche_surface *s,
					  const char *const *assign, size_t n,
					  double *amounts, tyche_error *err);

/* Tranche and investment results in long form (CSV or JSON):
 *   tranches:    Category,Tranche,Scenario,Technology,Sample,Index,Amount,Value,Units
 *   investments: Investment,Technology,Sample,Index,Amount,Value,Units
 * rows summed over coinciding keys; amounts sampled per sample when
 * uncertain. */
TYCHE_API int tyche_tranches_write(const tyche_context *ctx, const tyche_analysis_opts *o,
				   int format, tyche_write_fn w, void *arg, tyche_error *err);
TYCHE_API int tyche_investments_write(const tyche_context *ctx, const tyche_analysis_opts *o,
				      int format, tyche_write_fn w, void *arg, tyche_error *err);

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
	TYCHE_OPT_MILP = 2     /* piecewise-linear MILP over the grid (GLPK) */
};
enum tyche_opt_status {
	TYCHE_OPT_OPTIMAL = 0,     /* solved; every constraint holds */
	TYCHE_OPT_INFEASIBLE = 1,  /* no portfolio satisfies the constraints */
	TYCHE_OPT_LIMIT = 2,       /* stopped at the time / evaluation limit */
	TYCHE_OPT_ERROR = 3        /* the solver failed; message says why */
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
#define TYCHE_OPT_PROBLEM_INIT { 0, { TYCHE_STAT_MEAN, 0.0, "mean" }, 0, 0, \
	0.0, NULL, NULL, 0, TYCHE_OPT_LOCAL, 1, NULL, 0.0, 0, 0.0 }

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
} tyche_opt_result;

TYCHE_API void tyche_opt_result_free(tyche_opt_result *r);  /* NULL is fine */
TYCHE_API const char *tyche_opt_status_name(int status);  /* "optimal" ... */
TYCHE_API const char *tyche_opt_method_name(int method);  /* "local" ... */
/* "local", "global", "milp" -> enum; TYCHE_EUSAGE otherwise. */
TYCHE_API int tyche_opt_method_parse(const char *name, int *method, tyche_error *err);

/*
 * Parse a metric limit "GHG>=40", "GHG <= 1e3" or "q10(GHG)>=40" (the
 * statistic defaults to *dflt, NULL = mean).  Unknown metrics and bad
 * syntax are TYCHE_EUSAGE naming the metrics.
 */
TYCHE_API int tyche_opt_parse_limit(const tyche_surface *s, const char *text,
				    const tyche_stat *dflt, tyche_opt_limit *out,
				    tyche_error *err);
/* Fill upper[0..C-1] with the max amounts, then apply "Category=amount"
 * assignments (TYCHE_EUSAGE for unknown categories or negative amounts). */
TYCHE_API int tyche_opt_parse_upper(const tyche_surface *s,
				    const char *const *assign, size_t n,
				    double *upper, tyche_error *err);

/* Solve *p over s.  *out (free with tyche_opt_result_free) on return 0. */
TYCHE_API int tyche_optimize(const tyche_surface *s, const tyche_opt_problem *p,
			     tyche_opt_result **out, tyche_error *err);

/* The result as a JSON object (malloc'd text, or NULL when out of memory):
 * {"status", "message", "method", "objective": {"metric", "statistic",
 *  "sense", "value"}, "amounts": {CATEGORY: x}, "upper": {...},
 *  "metrics": {METRIC: x}, "constraints": [{"constraint", "sense",
 *  "value", "bound", "holds"}], "seconds", "evaluations"}.
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
TYCHE_API int tyche_opt_bounds(const tyche_surface *s, const tyche_opt_problem *base,
			       tyche_opt_sweep **out, tyche_error *err);
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
TYCHE_API int tyche_opt_pareto_budget(const tyche_surface *s,
				      const tyche_opt_problem *base,
				      const size_t *metrics, size_t nm,
				      const double *budgets, size_t nb,
				      tyche_opt_sweep **out, tyche_error *err);
/* Pareto (b): base's objective optimised with an added limit
 * stat(vs) >= bound (vs_upper: <=) for each of bounds[0..nb-1]; with
 * bounds NULL, nb points evenly over vs's range (its min and max under
 * base's budget and upper bounds). */
TYCHE_API int tyche_opt_pareto_vs(const tyche_surface *s, const tyche_opt_problem *base,
				  size_t vs, int vs_upper, const double *bounds,
				  size_t nb, tyche_opt_sweep **out, tyche_error *err);

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
TYCHE_API int tyche_waterfall_build(const tyche_surface *s, const double *amounts,
				    const tyche_stat *stat, int order_mode,
				    const size_t *order, size_t norder,
				    size_t metric, int minimize,
				    tyche_waterfall **out, tyche_error *err);
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
TYCHE_API int tyche_tornado_build(const tyche_context *ctx, const char *metric,
				  const char *const *assign, size_t n,
				  const char *scenario, tyche_tornado **out,
				  tyche_error *err);
TYCHE_API void tyche_tornado_free(tyche_tornado *t);
TYCHE_API char *tyche_tornado_json(const tyche_tornado *t, int pretty);
/* (end of optimisation section) */

/* ------------------------------------------------------------ fetch */
/* (tyche-fetch section: verified, atomic updates; see lib/fetch.c and
 * doc/fetch-protocol.md) */

/* Why an update failed; tyche-fetch maps each class to an exit code. */
enum tyche_fetch_class {
	TYCHE_FETCH_OK = 0,
	TYCHE_FETCH_CONFIG = 1,   /* bad or unreadable config, unknown source */
	TYCHE_FETCH_NETWORK = 2,  /* connect, TLS, HTTP status, timeout */
	TYCHE_FETCH_VERIFY = 3,   /* signature, key, expiry, rollback, size,
	                             hash, unsafe path or file type */
	TYCHE_FETCH_GATE = 4,     /* a decision context of the release is bad */
	TYCHE_FETCH_INSTALL = 5,  /* local file system: write, rename, link */
	TYCHE_FETCH_LOCKED = 6    /* another run holds the source's lock */
};

typedef struct tyche_fetch_config tyche_fetch_config;

/* Read the YAML config (sources, proxy; tyche.cgi's keys contexts, store,
 * cache, defaults, single_user are accepted).  Unknown keys and non-https
 * URLs are located TYCHE_EDATA errors. */
TYCHE_API int tyche_fetch_config_load(tyche_fetch_config **out,
				      const char *path, tyche_error *err);
TYCHE_API void tyche_fetch_config_free(tyche_fetch_config *c);
TYCHE_API size_t tyche_fetch_config_count(const tyche_fetch_config *c);
/* Name of source i (borrowed). */
TYCHE_API const char *tyche_fetch_config_name(const tyche_fetch_config *c,
					      size_t i);

typedef struct tyche_fetch_opts {
	int dry_run;      /* 1: fetch and verify the manifest, change nothing */
} tyche_fetch_opts;
#define TYCHE_FETCH_OPTS_INIT { 0 }

typedef struct tyche_fetch_result {
	int cls;                      /* TYCHE_FETCH_*; 0 = success */
	int changed;                  /* 1: a new version was (would be) installed */
	long long from_version;       /* installed before (0 = none) */
	long long to_version;         /* installed after / offered */
	size_t files_changed, files_removed, files_kept;
	unsigned long long bytes;     /* bytes downloaded (to download: dry run) */
	size_t contexts;              /* decision contexts checked by the gate */
	char url[1024];               /* the URL concerned by a failure, or "" */
} tyche_fetch_result;

/*
 * Update one source: conditional GET of the signed manifest, verification,
 * download of changed files, quality gate (every decision context of the
 * release is loaded as tyche_context_load does; its problems go to *diags),
 * atomic switch of DEST/current, cache invalidation.  Returns 0 or a
 * TYCHE_E* code; res->cls says the class and err the reason.
 */
TYCHE_API int tyche_fetch_update(const tyche_fetch_config *c,
				 const char *source,
				 const tyche_fetch_opts *opts,
				 tyche_fetch_result *res, tyche_diags *diags,
				 tyche_error *err);
/* Switch DEST/current back to the previous version (which becomes held:
 * the version rolled back from is not reinstalled). */
TYCHE_API int tyche_fetch_rollback(const tyche_fetch_config *c,
				   const char *source, tyche_fetch_result *res,
				   tyche_error *err);

/* Check that key (base64, or a NAME.pub file) is in the source's keys.
 * With reset_version, also record in DEST/state.json that the next release
 * signed by that key is accepted whatever its version (recovery from a
 * fast-forward signed by a key since retired; refused while the key that
 * signed the accepted version is still trusted).  res->from_version is
 * the trusted version set aside. */
TYCHE_API int tyche_fetch_trust_key(const tyche_fetch_config *c,
				    const char *source, const char *key,
				    int reset_version, tyche_fetch_result *res,
				    tyche_error *err);

/* Publisher side.  keygen writes NAME.pub (base64, one line) and NAME.key
 * (mode 0600).  sign writes OUT_DIR/manifest.json, manifest.json.sig and
 * the files under OUT_DIR/v<version>/ (or one bundle.tar.gz there). */
TYCHE_API int tyche_fetch_keygen(const char *name, tyche_error *err);
TYCHE_API int tyche_fetch_sign(const char *keyfile, const char *source,
			       long long version, const char *expires,
			       const char *src_dir, const char *out_dir,
			       int bundle, tyche_error *err);
/* Write FILE.sig, the detached signature of FILE (re-signing a manifest). */
TYCHE_API int tyche_fetch_sign_file(const char *keyfile, const char *file,
				    tyche_error *err);
/* (end of tyche-fetch section) */

/* ---------------------------------------------------------- scenario store */
/*
 * A directory tree of flat files shared by the CLI and the CGI: one JSON
 * file ("schema": "tyche-scenario/1") per saved scenario.  Writes are atomic
 * (temp file, fsync, rename, fsync of the directory) and safe between
 * processes; readers never see a partial file.  Every call takes the acting
 * user: a private scenario exists for its owner alone (others get
 * TYCHE_ENOENT, never a hint that it exists), a shared one is readable by
 * every user; only the owner may change or delete a scenario (others get
 * TYCHE_EUSAGE).  A tyche_store handle is for one thread at a time.
 *
 * Limits (longer or malformed values are TYCHE_EUSAGE, nothing is cut):
 * ids [A-Za-z0-9_-]{1,64}; users [A-Za-z0-9._@-]{1,64} not starting with
 * '.' or '-'; names and context names valid UTF-8 without control
 * characters, 1..200 (context 0..200) bytes; at most 32 tags of 1..64 bytes
 * under the name rules without ','; inputs and results JSON objects of at
 * most 1 MiB each.
 */
typedef struct tyche_store tyche_store;

#define TYCHE_SCENARIO_ID_MAX 64
#define TYCHE_SCENARIO_USER_MAX 64
#define TYCHE_SCENARIO_NAME_MAX 200
#define TYCHE_SCENARIO_TAG_MAX 64
#define TYCHE_SCENARIO_TAGS_MAX 32

typedef struct tyche_scenario {
	char id[TYCHE_SCENARIO_ID_MAX + 1];      /* "" = new (save fills it) */
	char name[TYCHE_SCENARIO_NAME_MAX + 1];  /* UTF-8 */
	char owner[TYCHE_SCENARIO_USER_MAX + 1]; /* set by save */
	int64_t created, modified;  /* seconds since the epoch; set by save */
	int shared;                 /* 0 private, 1 shared with every user */
	char **tags;                /* malloc'd strings, freed by release */
	size_t ntags;
	char context[TYCHE_SCENARIO_NAME_MAX + 1]; /* context name, may be "" */
	char context_hash[65];      /* hex SHA-256 of the context, or "" */
	char version[32];           /* tyche_version() at save; set by save */
	uint64_t seed;
	long samples;
	char *inputs_json;   /* JSON object text (amounts, optimiser settings);
	                        NULL = {}; malloc'd, freed by release */
	char *results_json;  /* JSON object text; by convention
	                        {"metrics": {METRIC: {STAT: number}}, ...};
	                        NULL = {}; malloc'd, freed by release */
} tyche_scenario;
#define TYCHE_SCENARIO_INIT { "", "", "", 0, 0, 0, NULL, 0, "", "", "", 0, 0, NULL, NULL }

/* Free the tags and JSON texts and reset *s to TYCHE_SCENARIO_INIT. */
TYCHE_API void tyche_scenario_release(tyche_scenario *s);
/* Append a copy of tag (TYCHE_EUSAGE if invalid or one too many). */
TYCHE_API int tyche_scenario_add_tag(tyche_scenario *s, const char *tag,
				     tyche_error *err);
/* Release every element of a list from tyche_store_list, then the array. */
TYCHE_API void tyche_scenario_list_free(tyche_scenario *v, size_t n);

/*
 * Open the store rooted at dir, creating dir (and its parents) and the
 * layout if missing, and remove temp files left by writers that died.
 * TYCHE_EIO when dir cannot be created or opened.  *out only on success.
 */
TYCHE_API int tyche_store_open(tyche_store **out, const char *dir,
			       tyche_error *err);
TYCHE_API void tyche_store_free(tyche_store *st);  /* NULL is fine */

/* The login name of the calling process (getpwuid(getuid()), else $USER),
 * or NULL.  Points to static storage: not thread-safe. */
TYCHE_API const char *tyche_store_default_user(void);

/*
 * Save *sc as user.  With sc->id "" a new scenario is created: save fills
 * id, owner, created, modified and version in *sc.  With an id, the stored
 * scenario of that id is replaced (it must exist and belong to user; its
 * created time and owner are kept; modified and version are updated).
 * TYCHE_EUSAGE for an invalid field, invalid JSON in inputs/results, or a
 * scenario of another user; TYCHE_ENOENT when the id is not visible.
 */
TYCHE_API int tyche_store_save(tyche_store *st, const char *user,
			       tyche_scenario *sc, tyche_error *err);

/* Load scenario id as user into *out (which is released first).
 * TYCHE_ENOENT if absent or private to another user; TYCHE_EDATA if the
 * file is corrupt. */
TYCHE_API int tyche_store_load(tyche_store *st, const char *user,
			       const char *id, tyche_scenario *out,
			       tyche_error *err);

typedef struct tyche_store_filter {
	const char *owner;    /* only this owner's scenarios, or NULL */
	const char *context;  /* only this context name, or NULL */
	const char *tag;      /* only scenarios carrying this tag, or NULL */
	int mine;             /* 1: only the acting user's */
	int shared;           /* 1: only shared ones */
} tyche_store_filter;
#define TYCHE_STORE_FILTER_INIT { NULL, NULL, NULL, 0, 0 }

/*
 * List the scenarios visible to user (own ones and shared ones) matching
 * *filter (NULL = all), newest created first.  *out is an array of *n
 * summaries with inputs_json and results_json NULL; free it with
 * tyche_scenario_list_free.  Corrupt or foreign files in the store are
 * skipped and each is reported as a warning in *diags (may be NULL).
 */
TYCHE_API int tyche_store_list(tyche_store *st, const char *user,
			       const tyche_store_filter *filter,
			       tyche_scenario **out, size_t *n,
			       tyche_diags *diags, tyche_error *err);

/* Owner-only changes (TYCHE_ENOENT if not visible, TYCHE_EUSAGE if not the
 * owner or the new name is invalid).  Each updates the modified time. */
TYCHE_API int tyche_store_set_shared(tyche_store *st, const char *user,
				     const char *id, int shared,
				     tyche_error *err);
TYCHE_API int tyche_store_rename(tyche_store *st, const char *user,
				 const char *id, const char *name,
				 tyche_error *err);
TYCHE_API int tyche_store_delete(tyche_store *st, const char *user,
				 const char *id, tyche_error *err);

/*
 * Compare scenarios a and b (both readable by user).  *json_out (malloc'd)
 * is a JSON object:
 *   {"a": ID, "b": ID,
 *    "settings": {FIELD: {"a": v, "b": v}},        context, seed, ... that differ
 *    "inputs":   {POINTER: {"a": v, "b": v}},      leaves that differ
 *    "results":  {POINTER: {"a": v, "b": v}},      results outside "metrics"
 *    "metrics":  {METRIC: {STAT: {"a": x, "b": y, "diff": y - x}}}}
 * POINTER is an RFC 6901 JSON pointer ("/amounts/Module R&D") to a leaf of
 * the nested objects; a side that lacks a key is null.  Every numeric
 * statistic found in either side's results.metrics is listed (diff null
 * unless both are numbers).
 */
TYCHE_API int tyche_store_diff(tyche_store *st, const char *user,
			       const char *id_a, const char *id_b,
			       char **json_out, tyche_error *err);

/* Format t (seconds since the epoch) as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ";
 * buf must hold 21 bytes. */
TYCHE_API const char *tyche_time_format(int64_t t, char *buf);

/* The scenario as the JSON object of its file (schema, id, name, owner,
 * created, modified, visibility, tags, context, context_hash, version,
 * seed as a string, samples, and inputs / results when not NULL); a list
 * as a JSON array of such objects.  malloc'd text (free with free()), or
 * NULL when out of memory or when inputs_json / results_json is not JSON. */
TYCHE_API char *tyche_scenario_to_json(const tyche_scenario *sc, int pretty);
TYCHE_API char *tyche_scenario_list_to_json(const tyche_scenario *v, size_t n,
					    int pretty);

/* ------------------------------------------------- end of scenario store */

/* ------------------------------------------------------------------ plots */
/*
 * SVG plots drawn by the library, so the HTML report and the browser UI
 * show the same pictures.  The caller owns the statistics: data come in as
 * plain arrays (copied, never kept) and each function writes one
 * self-contained SVG document (viewBox, role="img", <title>, <desc>, text
 * as <text>) to *out, a malloc'd NUL-terminated string the caller free()s.
 * *out is set only on success.  NaN/inf data values are skipped and the
 * <desc> says how many; empty or constant data still give a valid plot.
 * Errors: TYCHE_EUSAGE (NULL out, bad option, more than 1000 groups,
 * rows, columns, steps or inputs), TYCHE_EDATA (document over 32 MiB),
 * TYCHE_ENOMEM.
 *
 * Colours: series and groups use the Okabe-Ito palette (colour-blind
 * safe; markers also differ by shape); heatmaps use viridis.
 */
enum tyche_plot_palette {
	TYCHE_PLOT_PALETTE_OKABE_ITO = 0,
	TYCHE_PLOT_PALETTE_GREY = 1
};
enum tyche_plot_cmap {
	TYCHE_PLOT_CMAP_VIRIDIS = 0,
	TYCHE_PLOT_CMAP_GREYS = 1      /* light (low) to dark (high) */
};

typedef struct tyche_plot_opts {
	const char *title;   /* heading and <title>; NULL = none */
	const char *desc;    /* put before the generated <desc> text; NULL = none */
	const char *xlabel;  /* axis label with units, "LCOE (USD/MWh)"; NULL = none */
	const char *ylabel;
	const char *id;      /* prefix of element ids, so several SVGs can be
	                        inlined in one page: [A-Za-z0-9_-], <= 40
	                        chars; NULL = "typlot" */
	int width, height;   /* px, also the viewBox; 0 = 640 x 400 (heatmap:
	                        height from the row count) */
	int show_values;     /* 1: print numbers in heatmap cells and on bars */
	int palette;         /* TYCHE_PLOT_PALETTE_* */
	int cmap;            /* TYCHE_PLOT_CMAP_* */
	int bins;            /* histogram bins; 0 = Freedman-Diaconis, or
	                        Sturges when the IQR is 0; at most 1000 */
	int font_size;       /* px; 0 = 12; raised to at least 11 */
} tyche_plot_opts;
#define TYCHE_PLOT_OPTS_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0, 0, \
	TYCHE_PLOT_PALETTE_OKABE_ITO, TYCHE_PLOT_CMAP_VIRIDIS, 0, 0 }

/* A labelled set of samples (box, violin, density, histogram). */
typedef struct tyche_plot_group {
	const char *label;
	const double *v;
	size_t n;
} tyche_plot_group;

/*
 * Box plot, one box per group: quartiles (GSL's quantile, as numpy's
 * default "linear"), whiskers at the furthest samples within 1.5 IQR of
 * the box, the rest as outlier dots (at most 500 drawn per box, spread
 * over the sorted outliers, extremes kept), mean as a diamond.
 */
TYCHE_API int tyche_plot_box(char **out, const tyche_plot_group *g, size_t ng,
			     const tyche_plot_opts *o, tyche_error *err);
/*
 * Violin plot: per group a Gaussian KDE with Silverman's rule-of-thumb
 * bandwidth (0.9 min(sd, IQR/1.34) n^-1/5, as R's bw.nrd0), cut at the
 * data's min and max, mirrored, every violin scaled to the same maximum
 * width; the quartile range and median are drawn inside.  A group whose
 * samples are all equal is drawn as a horizontal line.
 */
TYCHE_API int tyche_plot_violin(char **out, const tyche_plot_group *g, size_t ng,
				const tyche_plot_opts *o, tyche_error *err);
/* Density plot: one KDE curve per group (bandwidth as the violin),
 * extended 3 bandwidths past the data, on a common x axis.  A constant
 * group is a vertical line. */
TYCHE_API int tyche_plot_density(char **out, const tyche_plot_group *g, size_t ng,
				 const tyche_plot_opts *o, tyche_error *err);
/* Histogram of one group (bin count from o->bins). */
TYCHE_API int tyche_plot_histogram(char **out, const tyche_plot_group *g,
				   const tyche_plot_opts *o, tyche_error *err);

/*
 * Heatmap: rows x cols cells, v[r * cols + c].  A cell's colour is the
 * colour map at (v - col_min[c]) / (col_max[c] - col_min[c]), clamped to
 * [0, 1]; pass col_min > col_max to reverse a column (lower is better).
 * col_min or col_max NULL, or a non-finite entry, takes the column's own
 * finite min / max; an empty range (min == max) gives the middle colour.
 * NaN/inf cells are hatched grey with "n/a".  Labels may be NULL.
 */
typedef struct tyche_plot_heat {
	size_t rows, cols;
	const double *v;
	const char *const *row_labels;
	const char *const *col_labels;
	const double *col_min, *col_max;
} tyche_plot_heat;
TYCHE_API int tyche_plot_heatmap(char **out, const tyche_plot_heat *h,
				 const tyche_plot_opts *o, tyche_error *err);

/* Line chart (e.g. a Pareto sweep): series of (x, y) points joined in the
 * given order, with a marker per point; a non-finite point breaks the
 * line. */
typedef struct tyche_plot_series {
	const char *label;
	const double *x, *y;
	size_t n;
} tyche_plot_series;
TYCHE_API int tyche_plot_lines(char **out, const tyche_plot_series *s, size_t ns,
			       const tyche_plot_opts *o, tyche_error *err);

/* Waterfall: a start bar, one floating bar per step (increases and
 * decreases coloured differently), and a final total bar.  NULL labels
 * default to "Start" and "Total"; non-finite deltas are skipped. */
typedef struct tyche_plot_step {
	const char *label;
	double delta;
} tyche_plot_step;
TYCHE_API int tyche_plot_waterfall(char **out, const char *start_label, double start,
				   const tyche_plot_step *st, size_t n,
				   const char *total_label,
				   const tyche_plot_opts *o, tyche_error *err);

/* Tornado: per input, the output at the input's low and high setting,
 * drawn as bars from the base value; sorted by swing |high - low|, the
 * largest on top.  Inputs with a non-finite value are skipped. */
typedef struct tyche_plot_swing {
	const char *label;
	double low, high;
} tyche_plot_swing;
TYCHE_API int tyche_plot_tornado(char **out, double base, const tyche_plot_swing *sw,
				 size_t n, const tyche_plot_opts *o, tyche_error *err);
/* ------------------------------------------------------------- end plots */

/* ------------------------------------------- analysis cache (issue 13) */
/* Remove the cached analysis files (surfaces and their metric bounds, of
 * every sample count and seed) of one context from the cache directory
 * (lib/surface-cache.c).  cache_dir as tyche_analysis_opts.cache_dir
 * (NULL: $TYCHE_CACHE, else $XDG_CACHE_HOME/tyche, else
 * $HOME/.cache/tyche; "": no cache, nothing to do).  context: the
 * context's name (tyche_context_name) or its directory or workbook path
 * (the base name is used); NULL: the files of every context.  Lock files
 * stay.  0 (also when the folder does not exist), or TYCHE_EIO naming a
 * file or the folder that could not be removed or read (the others are
 * removed all the same). */
TYCHE_API int tyche_cache_invalidate(const char *cache_dir, const char *context,
				     tyche_error *err);
/* ------------------------------------------- end analysis cache */

#ifdef __cplusplus
}
#endif

/* Headers by concept (split from this file step by step). */
#include "tyche/results.h"
#include "tyche/analysis.h"
#endif
