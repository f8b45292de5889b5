/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/stats.h - named statistics of a metric over samples (mean, std, qP, varL, cvarL, p>X).
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_STATS_H
#define TYCHE_STATS_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ statistics */

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

#ifdef __cplusplus
}
#endif
#endif
