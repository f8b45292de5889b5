/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/analysis.h - the analyses every front end calls the same way
 * (lib/explore.c, lib/optim-problem.c, lib/stats.c): the default statistic set
 * and statistic lists, explore (a portfolio's statistics per metric and
 * category) and an optimisation problem built from the option strings
 * that the CLI and the JSON API both accept.  Included by tyche.h.
 *
 * Field names: errors from the builders here put the name of the input
 * field at fault in err->where ("metric", "limits[2]", "upper[0]",
 * "statistics[1]", ...), so the CLI can say "--metric: ..." and the CGI
 * "field 'metric': ..." without reading message text.
 */
#ifndef TYCHE_ANALYSIS_H
#define TYCHE_ANALYSIS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The one number formatter of every output (lib/fmt-double.c): the
 * shortest digits that read back to the same double, laid out as %.Pg
 * with P = max(digits, 15) (integers below 2^53 as plain digits); NaN,
 * inf, -inf.  buf holds 32 bytes. */
TYCHE_API const char *tyche_format_double(double v, char *buf);

/* The default statistics, "mean,std,q10,q50,q90": fills out[0..4] (max
 * must be >= 5) and returns how many. */
#define TYCHE_STATS_DEFAULT "mean,std,q10,q50,q90"
TYCHE_API size_t tyche_stat_defaults(tyche_stat *out, size_t max);
/* Parse a comma-separated list ("mean,q10,p>0"; NULL or "" = the
 * default set) into out[0..max-1].  TYCHE_EUSAGE naming the item
 * ("statistics[k]" in err->where) when one is bad or there are more
 * than max. */
TYCHE_API int tyche_stat_parse_list(tyche_stat *out, size_t max, size_t *n,
				    const char *list, tyche_error *err);

/* ------------------------------------------------------------ explore */

/* A portfolio explored: its amounts, the per-sample totals of every
 * metric, and the statistics of each metric for the portfolio (level 0)
 * and, when asked, for each category's contribution (level 1 + c). */
typedef struct tyche_explore_result {
	size_t ncategories, nmetrics, nsamples, nstats, nlevels;
	tyche_stat *stats;     /* [nstats] */
	double *amounts;       /* [ncategories] */
	int *outside;          /* [ncategories] 1: the amount lies outside the
	                          category's tranche amounts (extrapolated) */
	double *totals;        /* [nmetrics * nsamples] portfolio totals */
	double *by_cat;        /* [(c * nmetrics + m) * nsamples + i] or NULL */
	double *value;         /* [(level * nmetrics + m) * nstats + k] */
} tyche_explore_result;

/* Evaluate the surface at amounts[0..C-1] and the statistics st[0..nst-1]
 * (NULL, 0: the default set) of every metric; by_category adds a level per
 * category.  *out (free with tyche_explore_free) on return 0. */
TYCHE_API int tyche_explore(tyche_explore_result **out, const tyche_surface *s,
			    const double *amounts, const tyche_stat *st, size_t nst,
			    int by_category, tyche_error *err);
TYCHE_API void tyche_explore_free(tyche_explore_result *r);   /* NULL is fine */
/* Statistic k of metric m at a level (0 = portfolio, 1 + c = category c). */
TYCHE_API double tyche_explore_value(const tyche_explore_result *r, size_t level,
				     size_t m, size_t k);
/* The portfolio's mean of metric m (what a gauge shows), whatever the
 * statistic set: computed from the totals as tyche_stat_eval's "mean";
 * NaN for m out of range or when out of memory. */
TYCHE_API double tyche_explore_mean(const tyche_explore_result *r, size_t m);
/* The study's investments table as portfolios: the number of named
 * investments, the name of investment i (first-appearance order, NULL past
 * the end), and its amount per category of s (amounts[ncategories]: the
 * amount of the tranche it names, as s knows it, the mean of an uncertain
 * amount; 0 for a category it leaves out).  TYCHE_EUSAGE for i past the
 * end, TYCHE_EDATA when its tranche is not on s (a surface of another
 * study) or it names two tranches of one category. */
TYCHE_API size_t tyche_context_ninvestments(const tyche_context *ctx);
TYCHE_API const char *tyche_context_investment(const tyche_context *ctx, size_t i);
TYCHE_API int tyche_investment_amounts(double *amounts, const tyche_context *ctx,
				       const tyche_surface *s, size_t i, tyche_error *err);

/* TYCHE_EUSAGE when a category's amount lies above its largest tranche
 * amount (where the surface extrapolates), naming the first such
 * category (also in err->where) and its range [0, max]; 0 otherwise.
 * Front ends refuse such amounts unless the user asks to extrapolate
 * (the CGI always refuses them). */
TYCHE_API int tyche_surface_check_range(const tyche_surface *s, const double *amounts,
					tyche_error *err);
/* The result as a table: CSV "Level,Category,Metric,Statistic,Value,Units",
 * or JSON {"context", "context_hash", "samples", "seed", "amounts",
 * "extrapolated": [CATEGORY, ...], "statistics": [{"level", "category", "metric", "statistic", "value",
 * "units"}]} with context_name as "context". */
TYCHE_API int tyche_explore_write(const tyche_surface *s, const tyche_explore_result *r,
				  const char *context_name, int format, tyche_write_fn w,
				  void *arg, tyche_error *err);
/* The same table as an Excel workbook (lib/export-xlsx.c): sheets
 * "Statistics" (the CSV's columns, values as numbers, non-finite ones
 * blank), "Amounts" (category, amount, extrapolated) and "About"
 * (context, hash, samples, seed).  Written through a private temporary
 * file, then to w.  TYCHE_EIO when the file cannot be written. */
TYCHE_API int tyche_explore_write_xlsx(const tyche_surface *s, const tyche_explore_result *r,
				       const char *context_name, tyche_write_fn w, void *arg,
				       tyche_error *err);

/* ----------------------------------------------- optimisation problems */

/* One metric limit as a front end receives it: either `text` ("GHG>=40",
 * "q10(GHG) <= 3", as --limit takes it) or, when text is NULL, the
 * fields (the JSON API's {"metric", "sense", "bound", "statistic"}). */
typedef struct tyche_opt_limit_spec {
	const char *text;
	const char *metric;
	const char *sense;       /* ">=" or "<=" */
	const char *statistic;   /* NULL: the problem's statistic */
	double bound;
} tyche_opt_limit_spec;

/* An optimisation problem by names, as the CLI options and the JSON API
 * give it; tyche_opt_problem_create resolves and checks it against a
 * surface.  NULL strings take the defaults. */
typedef struct tyche_opt_spec {
	const char *metric;      /* objective metric; NULL: none (allowed when
	                            need_metric is 0, e.g. for bounds) */
	const char *sense;       /* "max" (default) or "min" */
	const char *statistic;   /* default "mean" */
	const char *method;      /* "local" (default), "global", "milp" */
	int has_budget;
	double budget;           /* >= 0 */
	const tyche_opt_limit_spec *limits;
	size_t nlimits;
	const double *upper;     /* [ncategories] or NULL; NaN = the max amount */
	const double *start;     /* [ncategories] or NULL; NaN = 10 % of the
	                            category's upper bound (the reference's) */
	uint64_t seed;
	double max_time;         /* seconds; 0 = the solver's default */
	long max_eval;
	int need_metric;         /* 1: metric is required */
} tyche_opt_spec;
#define TYCHE_OPT_SPEC_INIT { .seed = 1, .need_metric = 1 }

/* Resolve spec against s into a problem that owns copies of its arrays
 * (free with tyche_opt_problem_free).  TYCHE_EUSAGE with the field at
 * fault in err->where ("metric", "sense", "statistic", "method",
 * "budget", "limits[i]", "upper", "start") and a message naming the
 * choices (the metrics, the forms of a limit). */
TYCHE_API int tyche_opt_problem_create(tyche_opt_problem **out, const tyche_surface *s,
				       const tyche_opt_spec *spec, tyche_error *err);
TYCHE_API void tyche_opt_problem_free(tyche_opt_problem *p);   /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
