/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit-cooke.c - performance weights from Cooke's classical model: each
 * expert gives P05, P50 and P95 for seed questions whose answers are
 * known, and is scored on
 *
 *  - calibration: s = the fraction of realisations in each inter-quantile
 *    bin (below P05, P05-P50, P50-P95, above P95) against the stated
 *    p = (0.05, 0.45, 0.45, 0.05); C = 1 - chi2cdf(2 N I(s, p), 3) with
 *    I(s, p) = sum s_i ln(s_i / p_i) (0 ln 0 = 0) and N questions;
 *  - information: per question, the relative information of the expert's
 *    piecewise-uniform density (mass p_i on each bin) to the uniform
 *    background on the intrinsic range [L - 10 %, U + 10 %], where L and
 *    U are the smallest P05 / largest P95 of all experts and the
 *    realisation; the mean over questions.
 *
 * Weight = C x information for experts with C >= alpha, normalised.  The
 * decision maker (DM) is the weighted linear pool of the experts'
 * piecewise-linear CDFs; alpha is chosen among the experts' calibration
 * scores to maximise the DM's calibration x information (its
 * information taken over the pool's own breakpoints, its calibration
 * from its own P05/P50/P95).
 *
 * Easy to get wrong: a realisation equal to a quantile counts in the bin
 * above it (bins are [q, q')), and the background range is per question,
 * shared by every expert and the DM, or information scores are not
 * comparable.  Experts with alpha ties: the smallest alpha wins (more
 * experts kept for the same DM score).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

#include "elicit.h"

static const double bin_p[4] = { 0.05, 0.45, 0.45, 0.05 };
static const double q_p[3] = { 0.05, 0.50, 0.95 };

/* Intrinsic range of question k with 10 % overshoot. */
static void range_of(size_t ne, size_t nq, size_t k, const double *q, const double *real,
		     double *lo, double *hi)
{
	double L = real[k], U = real[k];

	for (size_t e = 0; e < ne; e++) {
		L = fmin(L, q[(e * nq + k) * 3 + 0]);
		U = fmax(U, q[(e * nq + k) * 3 + 2]);
	}
	*lo = L - 0.1 * (U - L);
	*hi = U + 0.1 * (U - L);
}

static int bin_of(const double *qq, double r)
{
	return r < qq[0] ? 0 : r < qq[1] ? 1 : r < qq[2] ? 2 : 3;
}

static double calibration(const size_t *hits, size_t nq)
{
	double I = 0;

	for (int i = 0; i < 4; i++) {
		double s = (double)hits[i] / (double)nq;

		if (s > 0)
			I += s * log(s / bin_p[i]);
	}
	return gsl_cdf_chisq_Q(2.0 * (double)nq * I, 3);
}

/* Relative information of a piecewise-linear CDF (n breakpoints x, CDF
 * values F) to the uniform on [x0, x_{n-1}]. */
static double information(const double *x, const double *F, size_t n)
{
	double width = x[n - 1] - x[0], I = 0;

	for (size_t j = 0; j + 1 < n; j++) {
		double m = F[j + 1] - F[j], w = x[j + 1] - x[j];

		if (m > 0 && w > 0)
			I += m * log(m * width / w);
	}
	return I;
}

/* An expert's CDF (piecewise linear through the quantiles) at x. */
static double expert_cdf(const double *qq, double lo, double hi, double x)
{
	const double bx[5] = { lo, qq[0], qq[1], qq[2], hi };
	const double bF[5] = { 0, 0.05, 0.5, 0.95, 1 };

	if (x <= lo)
		return 0;
	if (x >= hi)
		return 1;
	for (int j = 0; j < 4; j++)
		if (x <= bx[j + 1])
			return bF[j] + (bF[j + 1] - bF[j]) * (x - bx[j]) / (bx[j + 1] - bx[j]);
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The DM's calibration and information for weights w (sum 1). */
static int dm_score(size_t ne, size_t nq, const double *q, const double *real,
		    const double *w, double *cal, double *inf)
{
	size_t hits[4] = { 0 }, nb = 3 * ne + 2;
	double *x = malloc(nb * sizeof(double)), *F = malloc(nb * sizeof(double));
	double sinf = 0;

	if (!x || !F) {
		free(x);
		free(F);
		return -1;
	}
	for (size_t k = 0; k < nq; k++) {
		double lo, hi, dq[3];

		range_of(ne, nq, k, q, real, &lo, &hi);
		x[0] = lo;
		for (size_t e = 0; e < ne; e++)
			for (int i = 0; i < 3; i++)
				x[1 + 3 * e + (size_t)i] = q[(e * nq + k) * 3 + (size_t)i];
		x[nb - 1] = hi;
		qsort(x, nb, sizeof(double), cmp_double);
		for (size_t j = 0; j < nb; j++) {
			F[j] = 0;
			for (size_t e = 0; e < ne; e++)
				if (w[e] > 0)
					F[j] += w[e] * expert_cdf(&q[(e * nq + k) * 3], lo, hi, x[j]);
		}
		F[0] = 0;
		F[nb - 1] = 1;
		sinf += information(x, F, nb);
		/* the DM's quantiles: invert the piecewise-linear pool */
		for (int i = 0; i < 3; i++) {
			dq[i] = hi;
			for (size_t j = 0; j + 1 < nb; j++)
				if (F[j + 1] >= q_p[i] && F[j + 1] > F[j]) {
					dq[i] = x[j] + (x[j + 1] - x[j]) * (q_p[i] - F[j]) /
							       (F[j + 1] - F[j]);
					break;
				}
		}
		hits[bin_of(dq, real[k])]++;
	}
	*cal = calibration(hits, nq);
	*inf = sinf / (double)nq;
	free(x);
	free(F);
	return 0;
}

static int weights_at(size_t ne, const double *cal, const double *inf, double alpha,
		      double *w)
{
	double sum = 0;

	for (size_t e = 0; e < ne; e++) {
		w[e] = cal[e] >= alpha ? cal[e] * inf[e] : 0;
		sum += w[e];
	}
	if (!(sum > 0))
		return -1;
	for (size_t e = 0; e < ne; e++)
		w[e] /= sum;
	return 0;
}

int ty_cooke_compute(size_t ne, size_t nq, const double *q, const double *real, double alpha,
		     double *cal, double *inf, double *w, struct ty_cooke *out)
{
	double *tw, *cand, best = -1;
	int found = 0;

	if (!ne || !nq)
		return -1;
	for (size_t e = 0; e < ne; e++) {
		size_t hits[4] = { 0 };
		double sinf = 0;

		for (size_t k = 0; k < nq; k++) {
			const double *qq = &q[(e * nq + k) * 3];
			double lo, hi, x[5], F[5] = { 0, 0.05, 0.5, 0.95, 1 };

			if (!(qq[0] < qq[1] && qq[1] < qq[2]))
				return -1;
			range_of(ne, nq, k, q, real, &lo, &hi);
			x[0] = lo;
			x[1] = qq[0];
			x[2] = qq[1];
			x[3] = qq[2];
			x[4] = hi;
			sinf += information(x, F, 5);
			hits[bin_of(qq, real[k])]++;
		}
		cal[e] = calibration(hits, nq);
		inf[e] = sinf / (double)nq;
	}
	tw = malloc(ne * sizeof(double));
	cand = malloc((ne + 1) * sizeof(double));
	if (!tw || !cand) {
		free(tw);
		free(cand);
		return -1;
	}
	if (alpha >= 0) {
		cand[0] = alpha;
	} else {
		memcpy(cand, cal, ne * sizeof(double));
		qsort(cand, ne, sizeof(double), cmp_double);
	}
	for (size_t i = 0; i < (alpha >= 0 ? 1 : ne); i++) {
		double dc, di;

		if (weights_at(ne, cal, inf, cand[i], tw) ||
		    dm_score(ne, nq, q, real, tw, &dc, &di))
			continue;
		if (dc * di > best) {
			best = dc * di;
			out->alpha = cand[i];
			out->dm_cal = dc;
			out->dm_inf = di;
			memcpy(w, tw, ne * sizeof(double));
			found = 1;
		}
	}
	free(tw);
	free(cand);
	return found ? 0 : -1;
}

/* ------------------------------------------------------- the seed table */

static const char *const seed_cols[] = { "Expert", "Question", "Realization", "P05", "P50",
					 "P95" };

static long find_col(const struct ty_table *t, int k)
{
	long c = ty_table_col(t, seed_cols[k]);

	if (c < 0 && k == 2) {
		static const char *const alias[] = { "Realisation", "Realised", "Realized",
						     "Value" };

		for (size_t i = 0; i < TY_ARRAY_SIZE(alias) && c < 0; i++)
			c = ty_table_col(t, alias[i]);
	}
	return c;
}

static long index_of(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return (long)i;
	return -1;
}

int ty_cooke_from_table(const char *path, const char *const *names, size_t ne, double alpha,
			double *cal, double *inf, double *w, struct ty_cooke *out, size_t *nqout,
			tyche_diags *d)
{
	struct ty_table *t = NULL;
	tyche_error err = { 0 };
	long col[6];
	char **qname = NULL;
	double *real = NULL, *q = NULL;
	unsigned char *seen = NULL;
	size_t nq = 0, nerr0 = d ? d->nerrors : 0;
	int rc;

	if ((rc = ty_elicit_read_table(path, "seeds", &t, &err))) {
		ty_diag_from_error(d, &err);
		return rc;
	}
	for (int k = 0; k < 6; k++)
		if ((col[k] = find_col(t, k)) < 0)
			ty_diag_add(d, TYCHE_SEV_ERROR, path, 1, 0,
				    "missing column '%s': a seed table has columns Expert, "
				    "Question, Realization, P05, P50, P95", seed_cols[k]);
	if (d && d->nerrors > nerr0)
		goto out;
	qname = calloc(t->nrows + 1, sizeof(char *));
	real = calloc(t->nrows + 1, sizeof(double));
	if (!qname || !real)
		goto oom;
	/* the questions, and one realisation each */
	for (size_t r = 0; r < t->nrows; r++) {
		const char *qs = ty_table_cell(t, r, (size_t)col[1]);
		const char *rs = ty_table_cell(t, r, (size_t)col[2]);
		double v;
		long i;

		if (!*qs) {
			ty_elicit_cell_err(d, t, r, (size_t)col[1], "column 'Question': empty, "
					   "expected the seed question's name");
			continue;
		}
		if (ty_parse_number(rs, &v) || !isfinite(v)) {
			ty_elicit_cell_err(d, t, r, (size_t)col[2], "column 'Realization': '%.60s' "
					   "is not a number", rs);
			continue;
		}
		i = index_of(qname, nq, qs);
		if (i < 0) {
			qname[nq] = (char *)qs;
			real[nq++] = v;
		} else if (real[i] != v) {
			ty_elicit_cell_err(d, t, r, (size_t)col[2], "column 'Realization': question "
					   "'%.60s' has another realisation on an earlier row", qs);
		}
	}
	if (!nq && d && d->nerrors == nerr0)
		ty_diag_add(d, TYCHE_SEV_ERROR, path, 0, 0, "no seed questions");
	q = calloc(ne * nq * 3 + 1, sizeof(double));
	seen = calloc(ne * nq + 1, 1);
	if (!q || !seen)
		goto oom;
	for (size_t r = 0; r < t->nrows; r++) {
		const char *es = ty_table_cell(t, r, (size_t)col[0]);
		long e, k = index_of(qname, nq, ty_table_cell(t, r, (size_t)col[1]));
		double v[3];
		int bad = 0;

		for (int i = 0; i < 3; i++) {
			const char *s = ty_table_cell(t, r, (size_t)col[3 + i]);

			if (ty_parse_number(s, &v[i]) || !isfinite(v[i])) {
				ty_elicit_cell_err(d, t, r, (size_t)col[3 + i], "column '%s': '%.60s' "
						   "is not a number", seed_cols[3 + i], s);
				bad = 1;
			}
		}
		if (!bad && !(v[0] < v[1]))
			bad = ty_elicit_cell_err(d, t, r, (size_t)col[4], "column 'P50': must be "
						 "above P05, quantiles must increase");
		if (!bad && !(v[1] < v[2]))
			bad = ty_elicit_cell_err(d, t, r, (size_t)col[5], "column 'P95': must be "
						 "above P50, quantiles must increase");
		e = index_of((char **)names, ne, es);
		if (e < 0 || k < 0 || bad)
			continue;   /* experts of no elicited cell are not scored */
		if (seen[(size_t)e * nq + (size_t)k]++) {
			ty_elicit_cell_err(d, t, r, (size_t)col[0], "column 'Expert': '%.60s' "
					   "answers question '%.60s' twice", es, qname[k]);
			continue;
		}
		memcpy(&q[((size_t)e * nq + (size_t)k) * 3], v, sizeof(v));
	}
	for (size_t e = 0; e < ne; e++) {
		size_t n = 0;

		for (size_t k = 0; k < nq; k++)
			n += seen[e * nq + k] ? 1 : 0;
		if (n < nq && (!d || d->nerrors == nerr0))
			ty_diag_add(d, TYCHE_SEV_ERROR, path, 0, 0,
				    "expert '%.60s' answers %zu of the %zu seed questions; Cooke's "
				    "model needs every expert's answer to every question",
				    names[e], n, nq);
	}
	if (d && d->nerrors > nerr0)
		goto out;
	if (ty_cooke_compute(ne, nq, q, real, alpha, cal, inf, w, out)) {
		char b[32];

		ty_diag_add(d, TYCHE_SEV_ERROR, path, 0, 0,
			    "no expert has a calibration score of at least the cut-off %s",
			    ty_fmt_double(alpha, b));
	}
	*nqout = nq;
	goto out;
oom:
	ty_diag_add(d, TYCHE_SEV_ERROR, path, 0, 0, "out of memory");
out:
	free(qname);
	free(real);
	free(q);
	free(seen);
	ty_table_free(t);
	return d && d->nerrors > nerr0 ? TYCHE_EDATA : 0;
}
