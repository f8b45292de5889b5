/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sens.h - what sensitivity (sobol.c) and the value of information
 * (voi.c) look at, internal: the scenarios a target touches, each with a
 * weight, so that a metric of the target at sample i is the weighted sum
 * of the scenarios' metric rows at sample i; the uncertain cells of those
 * scenarios and their groups.  Built by sens-target.c (a bottom file).
 *
 * A portfolio at fixed amounts is linear in its tranches' metric values
 * (the surface interpolates piecewise-linearly between tranche amounts),
 * so the weight of a scenario is the sum of the interpolation weights of
 * the tranches that use it.  This lets an analysis re-evaluate only the
 * scenarios a changed cell belongs to.  Uncertain tranche amounts break
 * the linearity and are refused.
 */
#ifndef TY_SENS_H
#define TY_SENS_H

#include "eval.h"
#include "design.h"

struct ty_sens_unit {
	size_t tech, scen;
	double w;
	long *row;          /* [M] the tech's results row of metric m, or -1 */
};

struct ty_sens_group {
	int level;          /* enum tyche_sobol_level */
	const char *tech, *scen, *table;   /* borrowed from the context */
	char *input;        /* label: parameter name, "Variable Index", table */
	const struct ty_cell **cells;
	size_t *cell_unit;  /* unit of each cell */
	size_t n, cap, cap2;
};

struct ty_sens_target {
	const tyche_context *ctx;
	size_t nunits, M, ngroups;
	struct ty_sens_unit *unit;
	char **metric, **units;   /* M names (borrowed) */
	struct ty_sens_group *group;
};

/* Units and metrics of one scenario (every technology with that scenario
 * name, weight 1) or of the portfolio "Category=X" ... (scenario NULL);
 * metric NULL = every metric; groups of the levels in the mask `levels`
 * (bit 1 << enum tyche_sobol_level; 0 = all). */
TY_HIDDEN int ty_sens_target_init(struct ty_sens_target *T, const tyche_context *ctx,
				  const char *scenario, const char *const *amounts,
				  size_t namounts, const char *metric, unsigned levels,
				  tyche_error *err);
/* The same for explicit weights w[0..ntranches-1] on the context's
 * tranches (a candidate portfolio of the value of information). */
TY_HIDDEN int ty_sens_target_tranches(struct ty_sens_target *T, const tyche_context *ctx,
				      const double *w, const char *metric, unsigned levels,
				      tyche_error *err);
/* Interpolation weights of every tranche (ctx->tranches order) for a
 * portfolio amounts[c] (ctx->categories order); uncertain amounts are
 * TYCHE_EUSAGE. */
TY_HIDDEN int ty_sens_tranche_weights(const tyche_context *ctx, const double *amounts,
				      double *w, tyche_error *err);
/* "Category=X" assignments into amounts[ncategories] (others 0). */
TY_HIDDEN int ty_sens_parse_amounts(const tyche_context *ctx, const char *const *assign,
				    size_t n, double *amounts, tyche_error *err);
TY_HIDDEN void ty_sens_target_release(struct ty_sens_target *T);
/* "cell", "parameter" or "table" (TYCHE_SOBOL_*), as the tables print it. */
TY_HIDDEN const char *ty_sens_level_name(int level);

/* vals[m][i] for every unit: rows of metric m of unit u, samples 0..N-1,
 * drawn through plan (NULL: the evaluation's own, e.g. its correlated
 * orders; a plan given is unset afterwards).  out[u][m] must hold N doubles
 * (NULL rows are skipped); only units with need[u] (NULL: all). */
TY_HIDDEN int ty_sens_eval_unit(struct ty_eval *E, const struct ty_sens_target *T, size_t u,
				const struct ty_draw_plan *plan, size_t N, unsigned threads,
				double **out, tyche_error *err);

/* The same for samples lo .. hi-1 (out[m] holds hi - lo doubles), the
 * values of a run from 0: a shard's part of the design. */
TY_HIDDEN int ty_sens_eval_range(struct ty_eval *E, const struct ty_sens_target *T, size_t u,
				 const struct ty_draw_plan *plan, uint64_t lo, uint64_t hi,
				 unsigned threads, double **out, tyche_error *err);

/*
 * Split runs (shards, lib/shard-sens.c): the model outputs of base samples
 * lo .. hi-1, then the estimators over all N samples.  The single process
 * runs the same two halves over 0 .. N, so a merge of shards computes
 * the same doubles in the same order.
 */
/* Sobol (sobol.c): f_A, f_B and f_AB of every group, per metric. */
struct ty_sobol_run {
	struct ty_sens_target T;
	struct ty_eval *E;
	size_t N, R;            /* base samples of the whole run; replicates */
	double level;
	uint64_t lo, hi;        /* after ty_sobol_run_base */
	unsigned threads;
	double ***A;            /* [unit][metric][hi - lo] */
	double per_sample;      /* scenario evaluations per base sample */
};
TY_HIDDEN int ty_sobol_run_init(struct ty_sobol_run *r, const tyche_context *ctx,
				const tyche_sobol_opts *o, tyche_error *err);
/* fA[m], fB[m]: hi - lo doubles each. */
TY_HIDDEN int ty_sobol_run_base(struct ty_sobol_run *r, uint64_t lo, uint64_t hi,
				double **fA, double **fB, tyche_error *err);
TY_HIDDEN int ty_sobol_run_group(struct ty_sobol_run *r, size_t g, double **fAB,
				 tyche_error *err);
TY_HIDDEN void ty_sobol_run_release(struct ty_sobol_run *r);
/* The estimates: create for ngroups x M rows, add the groups in order
 * (labels, and f over all N samples), finish with the evaluations. */
TY_HIDDEN int ty_sobol_est_create(tyche_sobol **out, const char *target, uint64_t seed,
				  size_t N, size_t R, double level, size_t ngroups, size_t M,
				  tyche_error *err);
TY_HIDDEN int ty_sobol_est_group(tyche_sobol *s, int level, const char *tech,
				 const char *scen, const char *table, const char *input,
				 const char *const *metric, const char *const *units,
				 double *const *fA, double *const *fB, double *const *fAB,
				 tyche_error *err);
TY_HIDDEN void ty_sobol_est_finish(tyche_sobol *s, double evals);

/* Value of information (voi.c): each candidate's net benefit, and the
 * draws of each group's cells. */
struct ty_voi_run {
	struct ty_sens_target T;
	struct ty_eval *E;
	size_t N, D;
	char **cname;           /* [D] */
	double **w;             /* [D][ntranches]: tranche weights */
	double **wd;            /* [D][unit] */
	int minimize;
	uint64_t seed;
	unsigned threads;
	double per_sample;      /* scenario evaluations per sample */
};
TY_HIDDEN int ty_voi_run_init(struct ty_voi_run *r, const tyche_context *ctx,
			      const tyche_voi_opts *o, tyche_error *err);
/* nb[d]: hi - lo doubles, the metric of candidate d (negated for min). */
TY_HIDDEN int ty_voi_run_values(struct ty_voi_run *r, uint64_t lo, uint64_t hi, double **nb,
				tyche_error *err);
/* x: hi - lo draws of cell j of group g, as the evaluator draws them. */
TY_HIDDEN int ty_voi_run_draws(const struct ty_voi_run *r, size_t g, size_t j, uint64_t lo,
			       uint64_t hi, double *x, tyche_error *err);
TY_HIDDEN void ty_voi_run_release(struct ty_voi_run *r);
struct ty_voi_group {
	int level;
	const char *tech, *scen, *table, *input;
	size_t ncells;
};
struct ty_voi_est_in {
	size_t N, D, ngroups;
	uint64_t seed;
	int minimize;
	const char *metric, *units;
	const char *const *cname;           /* [D] */
	double *const *nb;                  /* [D][N] (overwritten) */
	const struct ty_voi_group *group;   /* [ngroups] */
	/* the N draws of cell j of group g into x; nonzero: failed */
	int (*draw)(void *arg, size_t g, size_t j, double *x);
	void *draw_arg;
	double evals;
};
TY_HIDDEN int ty_voi_est(tyche_voi **out, const struct ty_voi_est_in *in, tyche_error *err);

#endif
