/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit.h - internals of expert elicitation (lib/elicit*.c): the
 * judgement vector, fitting (elicit-fit.c), pooling (elicit-pool.c),
 * Cooke's classical model (elicit-cooke.c) and the loaded elicitation
 * that elicit-study.c and plot-elicit.c read.  Never installed.
 */
#ifndef TY_ELICIT_H
#define TY_ELICIT_H

#include "dist.h"
#include "table.h"

/* Judgement columns, in table order; keep in step with ty_judge_names and
 * ty_judge_p (elicit-fit.c) and tyche_elicit_expert.judged. */
enum {
	TY_J_MIN, TY_J_P05, TY_J_P10, TY_J_P25, TY_J_MODE, TY_J_P50, TY_J_P75,
	TY_J_P90, TY_J_P95, TY_J_MAX, TY_J_N
};
extern const char *const ty_judge_names[TY_J_N];
extern const double ty_judge_p[TY_J_N];   /* NaN for Mode, 0 Min, 1 Max */

/*
 * Fit judgements j[TY_J_N] (NaN = not given) to `family` by least squares
 * on the CDF at the given quantiles (gsl_multifit_nlinear, trust region).
 * Min and Max bound triang, beta and truncnorm and are the loc of lognorm
 * and gamma; Mode is used by triang only.  On success fills *out (a
 * plain family, no mixture) and *rms (RMS CDF error over the quantiles
 * given, 0 when there are none) and returns 0; returns -1 when the family
 * does not apply to these judgements (too few points, no bounds, a fit
 * outside the parser's shape ranges) or did not converge to finite values.
 */
TY_HIDDEN int ty_elicit_fit(const double *j, int family, struct ty_dist *out, double *rms);
/* RMS CDF error of d at the quantiles given in j. */
TY_HIDDEN double ty_elicit_fit_error(const double *j, const struct ty_dist *d);

/* Linear pool: "mixture([w...], [d...])" text of n fits with weights w
 * (normalised here); one expert (or one positive weight) gives that fit's
 * own text.  NULL when out of memory. */
TY_HIDDEN char *ty_elicit_pool_linear(const struct ty_dist *d, const double *w, size_t n);
/* Triangular average: lo = sum w min, mode = sum w mode, hi = sum w max
 * (weights normalised here) into *out as a triang.  -1 when hi <= lo. */
TY_HIDDEN int ty_elicit_pool_triang(const double *mins, const double *modes,
				    const double *maxs, const double *w, size_t n,
				    struct ty_dist *out);

/* Cooke's classical model.  q[(e * nq + k) * 3 + i] is expert e's
 * P05/P50/P95 (i = 0, 1, 2) for question k, real[k] the realisation.
 * Arrays cal, inf, w are [ne]; alpha < 0 chooses the cut-off that
 * maximises the decision-maker's calibration x information.  Returns 0,
 * or -1 when the quantiles do not increase (checked by the reader). */
struct ty_cooke {
	double alpha, dm_cal, dm_inf;
};
TY_HIDDEN int ty_cooke_compute(size_t ne, size_t nq, const double *q, const double *real,
			       double alpha, double *cal, double *inf, double *w,
			       struct ty_cooke *out);
/* Read a seed table (Expert, Question, Realization, P05, P50, P95) and
 * score the experts named in names[ne]: cal, inf, w [ne].  Located
 * diagnostics; TYCHE_EDATA when there were errors. */
TY_HIDDEN int ty_cooke_from_table(const char *path, const char *const *names, size_t ne,
				  double alpha, double *cal, double *inf, double *w,
				  struct ty_cooke *out, size_t *nq, tyche_diags *d);
/* Read a CSV, or the sheet `sheet` (else the only sheet) of a .xlsx. */
TY_HIDDEN int ty_elicit_read_table(const char *path, const char *sheet, struct ty_table **out,
				   tyche_error *err);

/* A located error at cell (r, c) of t (r = (size_t)-1: the header);
 * returns TYCHE_EDATA. */
TY_HIDDEN int ty_elicit_cell_err(tyche_diags *d, const struct ty_table *t, size_t r, size_t c,
				 const char *fmt, ...) TY_PRINTF(5, 6);

/* ---------------------------------------------------- loaded elicitation */

struct ty_elicit_fitted {
	tyche_elicit_expert pub;
	struct ty_dist *dist;              /* the fit used */
	char *expert, *dist_text;
};

struct ty_elicit_cellx {
	tyche_elicit_cell pub;
	char *key[5];                      /* table, technology, scenario,
	                                      variable, index */
	char *pooled;
	struct ty_dist *pool;              /* parsed from pooled */
	struct ty_elicit_fitted *fx;
	tyche_elicit_expert *xs;           /* copies of fx[k].pub: the public
	                                      array (fx has a larger stride) */
	unsigned first_row;                /* source row of its first table row */
	size_t r0;                         /* its first table row (0-based) */
};

struct tyche_elicitation {
	char *path;
	struct ty_table *t;                /* the elicitation table */
	long keycol[6];                    /* Table ... Index, Expert columns */
	size_t ncells;
	struct ty_elicit_cellx *cells;
	size_t *cell_row;                  /* [ncells] first table row (0-based) */
	int have_cooke;
	tyche_cooke_scores cooke;
	char **cooke_names;
	double *cooke_cal, *cooke_inf, *cooke_w;
};

#endif
