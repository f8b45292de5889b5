/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/sensitivity.h - sampling designs, global sensitivity (Sobol
 * indices) and the value of information (EVPI, EVPPI): lib/design.c,
 * lib/sobol.c, lib/voi.c (doc/sensitivity.md).  Included by tyche.h; do
 * not include it alone.
 */
#ifndef TYCHE_SENSITIVITY_H
#define TYCHE_SENSITIVITY_H

#ifdef __cplusplus
extern "C" {
#endif

/* Sampling designs.  Every draw is a pure function of (seed, technology,
 * scenario, table, cell, sample) and of the sample count N for LHS. */
enum tyche_design {
	TYCHE_DESIGN_MC = 0,    /* plain Monte Carlo (the default) */
	TYCHE_DESIGN_LHS = 1,   /* Latin hypercube: one draw per 1/N stratum */
	TYCHE_DESIGN_QMC = 2    /* scrambled Halton (randomised quasi-MC) */
};
/* "mc", "lhs", "qmc" to enum tyche_design, or -1. */
TYCHE_API int tyche_design_parse(const char *name);
TYCHE_API const char *tyche_design_name(int design);
/* The design a surface was drawn with (lib/surface.c). */
TYCHE_API int tyche_surface_design(const tyche_surface *s);

/* ------------------------------------------------------------ Sobol */

enum tyche_sobol_level {
	TYCHE_SOBOL_CELL = 0,       /* one cell of one scenario */
	TYCHE_SOBOL_PARAMETER = 1,  /* a parameter (or design Variable-Index)
	                               of a technology, in every scenario */
	TYCHE_SOBOL_TABLE = 2       /* every uncertain cell of a table */
};

typedef struct tyche_sobol_opts {
	uint64_t seed;
	size_t samples;             /* base samples N; cost N (2 + groups) */
	unsigned threads;           /* 0 = all cores; output never depends on it */
	const char *metric;         /* NULL: every metric */
	const char *scenario;       /* one scenario, or NULL: the portfolio */
	const char *const *amounts; /* portfolio: "Category=X" (others 0) */
	size_t namounts;
	size_t bootstrap;           /* replicates for the intervals (0: 200) */
	double level;               /* interval level (0: 0.95) */
	unsigned levels;            /* groups: bits 1 << enum tyche_sobol_level
	                               (0: cells, parameters and tables) */
} tyche_sobol_opts;
#define TYCHE_SOBOL_OPTS_INIT { .seed = 1, .samples = 1000, .threads = 0, \
	.metric = NULL, .scenario = NULL, .amounts = NULL, .namounts = 0, \
	.bootstrap = 0, .level = 0, .levels = 0 }

typedef struct tyche_sobol_row {
	const char *metric, *units;
	int level;                  /* enum tyche_sobol_level */
	const char *technology;     /* "" for a table group */
	const char *scenario;       /* "" unless a cell */
	const char *table;          /* "designs", "parameters" */
	const char *input;          /* parameter name, or "Variable Index", or
	                               the table's name for a table group */
	double first, first_lo, first_hi, first_se;
	double total, total_lo, total_hi, total_se;
} tyche_sobol_row;

typedef struct tyche_sobol tyche_sobol;

/*
 * First-order and total Sobol indices of each metric (of one scenario, or
 * of the portfolio at o->amounts) w.r.t. every uncertain design and
 * parameter cell, every parameter and every table: Saltelli's sampling
 * (matrix A = the seed's draws, B = the same streams at samples 2^40 + j,
 * AB_g = A with group g's cells from B), Jansen's estimators, percentile
 * bootstrap intervals from keyed resampling.  Uncertain tranche amounts
 * are refused (TYCHE_EUSAGE).  Bit-identical for any thread count.
 */
TYCHE_API int tyche_sobol_compute(tyche_sobol **out, const tyche_context *ctx,
				  const tyche_sobol_opts *o, tyche_error *err);
TYCHE_API void tyche_sobol_free(tyche_sobol *s);      /* NULL is fine */
TYCHE_API size_t tyche_sobol_nrows(const tyche_sobol *s);
TYCHE_API const tyche_sobol_row *tyche_sobol_row_at(const tyche_sobol *s, size_t i);
/* Scenario-samples evaluated (also "evaluations" in the JSON). */
TYCHE_API double tyche_sobol_evaluations(const tyche_sobol *s);
/* CSV: Metric,Units,Level,Technology,Scenario,Table,Input,First,FirstLow,
 * FirstHigh,FirstSE,Total,TotalLow,TotalHigh,TotalSE; JSON: an object
 * with the options and "rows". */
TYCHE_API int tyche_sobol_write(const tyche_sobol *s, int format, tyche_write_fn w,
				void *arg, tyche_error *err);
/* SVG (lib/plot-sens.c): the rows of `metric` at `level`, first-order and
 * total bars with interval whiskers, largest total on top, at most
 * max_inputs of them (0: all).  *out is malloc'd. */
TYCHE_API int tyche_plot_sobol(char **out, const tyche_sobol *s, const char *metric,
			       int level, size_t max_inputs, const tyche_plot_opts *o,
			       tyche_error *err);

/* ------------------------------------------------------------ value of information */

enum tyche_voi_candidates {
	TYCHE_VOI_INVESTMENTS = 0,  /* the study's investments */
	TYCHE_VOI_CORNERS = 1,      /* every tranche combination within the budget */
	TYCHE_VOI_FILE = 2          /* a CSV file Candidate,Category,Amount */
};

typedef struct tyche_voi_opts {
	uint64_t seed;
	size_t samples;
	unsigned threads;
	const char *metric;         /* the decision's metric (required) */
	int minimize;               /* 0: more is better, 1: less is better */
	double budget;              /* corners: total amount <= budget; < 0: none */
	int candidates;             /* enum tyche_voi_candidates */
	const char *file;           /* TYCHE_VOI_FILE: its path */
	unsigned levels;            /* groups as tyche_sobol_opts.levels */
} tyche_voi_opts;
#define TYCHE_VOI_OPTS_INIT { .seed = 1, .samples = 1000, .threads = 0, .metric = NULL, \
	.minimize = 0, .budget = -1, .candidates = TYCHE_VOI_INVESTMENTS, .file = NULL, \
	.levels = 0 }

typedef struct tyche_voi_row {
	int level;                  /* enum tyche_sobol_level */
	const char *technology, *scenario, *table, *input;   /* as Sobol rows */
	double evppi, se, share;    /* share = evppi / evpi */
} tyche_voi_row;

typedef struct tyche_voi tyche_voi;

/*
 * Expected value of perfect information of the decision among the
 * candidates (the one with the best mean metric is chosen today), and the
 * partial EVPI of each uncertain cell and group by Strong and Oakley's
 * regression (a cubic per cell, linear for groups of more than a few
 * cells; GSL least squares).  EVPI's standard error is the Monte-Carlo
 * one; EVPPI's adds the regression's (coefficients redrawn from their
 * sampling distribution with keyed normals).  In the metric's units.
 */
TYCHE_API int tyche_voi_compute(tyche_voi **out, const tyche_context *ctx,
				const tyche_voi_opts *o, tyche_error *err);
TYCHE_API void tyche_voi_free(tyche_voi *v);     /* NULL is fine */
TYCHE_API double tyche_voi_evpi(const tyche_voi *v, double *se);
TYCHE_API size_t tyche_voi_ncandidates(const tyche_voi *v);
/* Candidate k: its name and mean metric; the chosen one via best. */
TYCHE_API const char *tyche_voi_candidate(const tyche_voi *v, size_t k, double *mean);
TYCHE_API size_t tyche_voi_best(const tyche_voi *v);
TYCHE_API size_t tyche_voi_nrows(const tyche_voi *v);
TYCHE_API const tyche_voi_row *tyche_voi_row_at(const tyche_voi *v, size_t i);
TYCHE_API double tyche_voi_evaluations(const tyche_voi *v);
/* CSV: Level,Technology,Scenario,Table,Input,EVPPI,SE,Share (first row
 * the EVPI itself, Level "all"); JSON: an object with the candidates. */
TYCHE_API int tyche_voi_write(const tyche_voi *v, int format, tyche_write_fn w, void *arg,
			      tyche_error *err);

/* ------------------------------------------------------------ shards */

/*
 * Shard `index` of `count` of a Sobol or value-of-information run
 * (lib/shard-sens.c): the model outputs of samples lo .. hi-1
 * (tyche_shard_range over o->samples) into the shard file `path`, with
 * every option that changes a number in its header; tyche_shards_merge
 * then writes what tyche_sobol_write / tyche_voi_write would have written
 * for the whole run, byte for byte.  `format` is the merge's default.
 */
TYCHE_API int tyche_sobol_shard(const tyche_context *ctx, const tyche_sobol_opts *o, int format,
				unsigned index, unsigned count, const char *path,
				tyche_error *err);
TYCHE_API int tyche_voi_shard(const tyche_context *ctx, const tyche_voi_opts *o, int format,
			      unsigned index, unsigned count, const char *path, tyche_error *err);

/* ------------------------------------------------------------ standard errors */

/* Monte-Carlo standard errors of a portfolio's statistics (lib/mcse.c):
 * mean sd/sqrt(N); p>X and p<X sqrt(p (1-p) / N); every other statistic
 * (std, quantiles, var, cvar, min, max) by a bootstrap of 200 keyed
 * resamples (seed: the surface's).  Values are explore's, bit for bit. */
typedef struct tyche_mcse tyche_mcse;
TYCHE_API int tyche_mcse_compute(tyche_mcse **out, const tyche_surface *s,
				 const double *amounts, const tyche_stat *st, size_t nst,
				 int by_category, tyche_error *err);
TYCHE_API void tyche_mcse_free(tyche_mcse *m);      /* NULL is fine */
/* m borrows s (names, units): free m first.  Portfolio-level value and
 * SE of statistic k of metric m. */
TYCHE_API double tyche_mcse_se(const tyche_mcse *m, size_t metric, size_t k, double *value);
/* CSV: Level,Category,Metric,Statistic,Value,SE,Units (explore's rows with
 * an SE); JSON: explore's object with "se" beside each "value". */
TYCHE_API int tyche_mcse_write(const tyche_mcse *m, const char *context_name, int format,
			       tyche_write_fn w, void *arg, tyche_error *err);

/* Grow the sample count until the SE of statistic st of `metric` at the
 * portfolio `assign` is at most target: N = o->samples, then doubled (the
 * first N samples of 2N are the same draws under mc and qmc, so each step
 * adds a block; lhs re-stratifies) up to max_samples (TYCHE_EUSAGE when
 * not reached, naming the SE reached).  progress(N, se, arg) after each
 * step (may be NULL).  *out: the surface of the final N; *se_out its SE. */
TYCHE_API int tyche_until_se(tyche_surface **out, const tyche_context *ctx,
			     const tyche_analysis_opts *o, const char *const *assign,
			     size_t nassign, const char *metric, const tyche_stat *st,
			     double target, size_t max_samples,
			     void (*progress)(size_t n, double se, void *arg), void *arg,
			     double *se_out, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
