/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit-fit.c - fit one expert's judgements (quantiles, min / mode /
 * max) to one family of the distribution parser, by nonlinear least
 * squares on the CDF at the given quantiles (GSL's gsl_multifit_nlinear,
 * trust region with central-difference Jacobian).
 *
 * Easy to get wrong:
 *  - every family is a scipy loc-scale family, so the judgements are
 *    first standardised (x' = (x - C) / S) and the fitted loc and scale
 *    mapped back; fitting in raw units (tranche amounts of 1e6) leaves
 *    the solver with badly scaled steps and parameters off in the 7th
 *    digit;
 *  - parameters are transformed so that every trial point is a valid
 *    distribution (log for scales and shapes, logistic for the triang
 *    mode, offsets that keep every quantile inside a triang's support):
 *    the CDF of an invalid one is NaN and stalls the solver;
 *  - beta and gamma shapes are limited to the ranges the parser accepts
 *    (lib/dist.c); a fit that ends outside is "not applicable", so every
 *    distribution written into a study parses and samples;
 *  - the residual is F(x_k) - p_k, not x_k - Q(p_k): a CDF residual
 *    treats every quantile alike whatever the units, which is the
 *    reference's planned method and SHELF's.
 */
#include <math.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "elicit.h"

const char *const ty_judge_names[TY_J_N] = {
	"Min", "P05", "P10", "P25", "Mode", "P50", "P75", "P90", "P95", "Max"
};
const double ty_judge_p[TY_J_N] = {
	0, 0.05, 0.10, 0.25, NAN, 0.50, 0.75, 0.90, 0.95, 1
};

#define FIT_MAX_ITER 1000
#define LN_BETA_MIN (-6.907755278982137)   /* ln 1e-3 */
#define LN_BETA_MAX 9.210340371976184      /* ln 1e4 */
#define LN_GAMMA_MAX 16.11809565095832     /* ln 1e7 */

struct fit {
	int family;
	size_t n;                 /* quantile points */
	double x[TY_J_N], p[TY_J_N];
	double lo, hi, mode;      /* standardised bounds / mode, NaN if not given */
	double L;                 /* loc of lognorm and gamma */
	int free_lo, free_hi, free_mode; /* triang: which are fitted */
	size_t np;                /* free parameters */
};

static double clampd(double v, double a, double b)
{
	return v < a ? a : v > b ? b : v;
}

static double xexp(double t)
{
	return exp(clampd(t, -700, 700));
}

static double logistic(double t)
{
	return 1 / (1 + exp(-clampd(t, -700, 700)));
}

/* The distribution of parameters th (standardised units). */
static void build(const struct fit *f, const double *th, struct ty_dist *d)
{
	memset(d, 0, sizeof(*d));
	switch (f->family) {
	case TYCHE_FAMILY_NORM:
		d->kind = TY_DIST_NORM;
		d->loc = th[0];
		d->scale = xexp(th[1]);
		break;
	case TYCHE_FAMILY_TRUNCNORM:
		d->kind = TY_DIST_TRUNCNORM;
		d->loc = th[0];
		d->scale = xexp(th[1]);
		d->a = (f->lo - d->loc) / d->scale;
		d->b = (f->hi - d->loc) / d->scale;
		break;
	case TYCHE_FAMILY_LOGNORM:
		d->kind = TY_DIST_LOGNORM;
		d->loc = f->L;
		d->scale = xexp(th[0]);
		d->a = xexp(th[1]);
		break;
	case TYCHE_FAMILY_GAMMA:
		d->kind = TY_DIST_GAMMA;
		d->loc = f->L;
		d->a = xexp(clampd(th[0], LN_BETA_MIN, LN_GAMMA_MAX));
		d->scale = xexp(th[1]);
		break;
	case TYCHE_FAMILY_BETA:
		d->kind = TY_DIST_BETA;
		d->a = xexp(clampd(th[0], LN_BETA_MIN, LN_BETA_MAX));
		d->b = xexp(clampd(th[1], LN_BETA_MIN, LN_BETA_MAX));
		d->loc = f->lo;
		d->scale = f->hi - f->lo;
		break;
	default: {   /* triang */
		size_t k = 0;
		double x0 = f->n ? f->x[0] : f->mode, x1 = f->n ? f->x[f->n - 1] : f->mode;
		double lo, hi, mode;

		if (!isnan(f->mode)) {
			x0 = fmin(x0, f->mode);
			x1 = fmax(x1, f->mode);
		}
		lo = f->free_lo ? x0 - xexp(th[k++]) : f->lo;
		hi = f->free_hi ? x1 + xexp(th[k++]) : f->hi;
		mode = f->free_mode ? lo + (hi - lo) * logistic(th[k++]) : f->mode;
		d->kind = TY_DIST_TRIANG;
		d->loc = lo;
		d->scale = hi - lo;
		d->a = d->scale > 0 ? clampd((mode - lo) / d->scale, 0, 1) : 0.5;
		break;
	}
	}
}

static int resid(const gsl_vector *th, void *arg, gsl_vector *r)
{
	const struct fit *f = arg;
	struct ty_dist d;
	double t[4];

	for (size_t i = 0; i < f->np; i++)
		t[i] = gsl_vector_get(th, i);
	build(f, t, &d);
	for (size_t k = 0; k < f->n; k++) {
		double v = ty_dist_cdf(&d, f->x[k]) - f->p[k];

		gsl_vector_set(r, k, isfinite(v) ? v : 1.0);
	}
	return GSL_SUCCESS;
}

static double sumsq(const struct fit *f, const double *th)
{
	struct ty_dist d;
	double s = 0;

	build(f, th, &d);
	for (size_t k = 0; k < f->n; k++) {
		double v = ty_dist_cdf(&d, f->x[k]) - f->p[k];

		s += isfinite(v) ? v * v : 1.0;
	}
	return s;
}

/* Least squares from th (improved in place); returns the sum of squares. */
static double solve(const struct fit *f, double *th)
{
	gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_workspace *w;
	gsl_multifit_nlinear_fdf fdf;
	gsl_vector_view x0 = gsl_vector_view_array(th, f->np);
	int info;

	if (!f->np)
		return sumsq(f, th);
	fp.fdtype = GSL_MULTIFIT_NLINEAR_CTRDIFF;
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, f->n, f->np);
	if (!w)
		return INFINITY;
	memset(&fdf, 0, sizeof(fdf));
	fdf.f = resid;
	fdf.n = f->n;
	fdf.p = f->np;
	fdf.params = (void *)f;
	if (gsl_multifit_nlinear_init(&x0.vector, &fdf, w) == GSL_SUCCESS) {
		gsl_multifit_nlinear_driver(FIT_MAX_ITER, 1e-15, 1e-15, 1e-15, NULL, NULL,
					    &info, w);
		for (size_t i = 0; i < f->np; i++)
			th[i] = gsl_vector_get(w->x, i);
	}
	gsl_multifit_nlinear_free(w);
	return sumsq(f, th);
}

/* Straight line x = m + s z through the points (z = normal quantile of p). */
static void zline(const struct fit *f, int logx, double *m, double *s)
{
	double sz = 0, sx = 0, szz = 0, szx = 0, nn = (double)f->n;

	for (size_t k = 0; k < f->n; k++) {
		double z = gsl_cdf_ugaussian_Pinv(f->p[k]);
		double x = logx ? log(f->x[k] - f->L) : f->x[k];

		sz += z;
		sx += x;
		szz += z * z;
		szx += z * x;
	}
	*m = sx / nn;
	*s = f->n >= 2 ? (nn * szx - sz * sx) / (nn * szz - sz * sz) : 1;
	if (!(*s > 0) || !isfinite(*s))
		*s = 1;
}

static int fit_std(struct fit *f, struct ty_dist *out)
{
	double th[4] = { 0 }, best[4] = { 0 }, m, s, bestss = INFINITY;

	switch (f->family) {
	case TYCHE_FAMILY_NORM:
	case TYCHE_FAMILY_TRUNCNORM:
		if (f->n < 2 || (f->family == TYCHE_FAMILY_TRUNCNORM &&
				 (isnan(f->lo) || isnan(f->hi))))
			return -1;
		f->np = 2;
		zline(f, 0, &m, &s);
		th[0] = m;
		th[1] = log(s);
		break;
	case TYCHE_FAMILY_LOGNORM:
	case TYCHE_FAMILY_GAMMA:
		if (f->n < 2 || !(f->x[0] > f->L))
			return -1;
		f->np = 2;
		if (f->family == TYCHE_FAMILY_LOGNORM) {
			zline(f, 1, &m, &s);
			th[0] = m;
			th[1] = log(s);
		} else {
			zline(f, 0, &m, &s);
			m -= f->L;
			if (!(m > 0))
				m = f->x[0] - f->L;
			th[0] = log(clampd(m * m / (s * s), 1e-2, 1e6));
			th[1] = log(s * s / m);
			if (!isfinite(th[1]))
				th[1] = 0;
		}
		break;
	case TYCHE_FAMILY_BETA: {
		double u, v, k;

		if (f->n < 2 || isnan(f->lo) || isnan(f->hi) || !(f->hi > f->lo))
			return -1;
		f->np = 2;
		zline(f, 0, &m, &s);
		u = (m - f->lo) / (f->hi - f->lo);
		v = s / (f->hi - f->lo);
		v *= v;
		if (u > 0 && u < 1 && v < u * (1 - u)) {
			k = u * (1 - u) / v - 1;
			th[0] = log(clampd(u * k, 0.01, 1e3));
			th[1] = log(clampd((1 - u) * k, 0.01, 1e3));
		} else {
			th[0] = th[1] = log(2.0);
		}
		break;
	}
	case TYCHE_FAMILY_TRIANG: {
		f->free_lo = isnan(f->lo);
		f->free_hi = isnan(f->hi);
		f->free_mode = isnan(f->mode);
		f->np = (size_t)(f->free_lo + f->free_hi + f->free_mode);
		if (f->np > f->n || (!f->free_lo && !f->free_hi && !(f->hi > f->lo)))
			return -1;
		if (!f->n && f->np)
			return -1;
		/* several starts for the mode: the CDF residual has local minima
		 * when a start puts the mode on the wrong side of the median */
		for (int start = 0; start < 3; start++) {
			size_t k = 0;
			double span = f->n >= 2 ? f->x[f->n - 1] - f->x[0] : 1;
			double ss;

			if (!(span > 0))
				span = 1;
			if (f->free_lo)
				th[k++] = log(0.25 * span);
			if (f->free_hi)
				th[k++] = log(0.25 * span);
			if (f->free_mode)
				th[k++] = (start - 1) * 1.5;
			ss = solve(f, th);
			if (ss < bestss) {
				bestss = ss;
				memcpy(best, th, sizeof(th));
			}
			if (!f->free_mode)
				break;
		}
		build(f, best, out);
		return isfinite(bestss) ? 0 : -1;
	}
	default:
		return -1;
	}
	if (!isfinite(solve(f, th)))
		return -1;
	build(f, th, out);
	return 0;
}

/* The checks of the parser (lib/dist.c check_params), so that the text
 * written into a study always parses. */
static int valid(const struct ty_dist *d)
{
	if (!isfinite(d->loc) || !(d->scale > 0) || !isfinite(d->scale) ||
	    !isfinite(d->a) || !isfinite(d->b))
		return 0;
	switch (d->kind) {
	case TY_DIST_TRIANG:
		return d->a >= 0 && d->a <= 1;
	case TY_DIST_TRUNCNORM:
		return d->a < d->b;
	case TY_DIST_BETA:
		return d->a >= 1e-3 && d->a <= 1e4 && d->b >= 1e-3 && d->b <= 1e4;
	case TY_DIST_GAMMA:
		return d->a >= 1e-3 && d->a <= 1e7;
	case TY_DIST_LOGNORM:
		return d->a > 0;
	default:
		return 1;
	}
}

double ty_elicit_fit_error(const double *j, const struct ty_dist *d)
{
	double s = 0;
	size_t n = 0;

	for (int i = TY_J_P05; i <= TY_J_P95; i++) {
		double v;

		if (i == TY_J_MODE || isnan(j[i]))
			continue;
		v = ty_dist_cdf(d, j[i]) - ty_judge_p[i];
		s += v * v;
		n++;
	}
	return n ? sqrt(s / (double)n) : 0;
}

int ty_elicit_fit(const double *j, int family, struct ty_dist *out, double *rms)
{
	struct fit f;
	struct ty_dist d;
	double C, S, xmin = INFINITY, xmax = -INFINITY;
	size_t nq = 0;

	gsl_set_error_handler_off();   /* as lib/dist.c: failures come back as
	                                  status codes and NaN; GSL's default
	                                  handler would end the process */
	for (int i = 0; i < TY_J_N; i++)
		if (!isnan(j[i])) {
			xmin = fmin(xmin, j[i]);
			xmax = fmax(xmax, j[i]);
		}
	if (!isfinite(xmin))
		return -1;
	/* centre and spread of what was given */
	C = !isnan(j[TY_J_P50]) ? j[TY_J_P50] : 0.5 * (xmin + xmax);
	S = xmax - xmin;
	if (!(S > 0))
		S = fabs(C) > 0 ? fabs(C) : 1;
	memset(&f, 0, sizeof(f));
	f.family = family;
	for (int i = TY_J_P05; i <= TY_J_P95; i++) {
		if (i == TY_J_MODE || isnan(j[i]))
			continue;
		f.x[nq] = (j[i] - C) / S;
		f.p[nq] = ty_judge_p[i];
		nq++;
	}
	f.n = nq;
	f.lo = isnan(j[TY_J_MIN]) ? NAN : (j[TY_J_MIN] - C) / S;
	f.hi = isnan(j[TY_J_MAX]) ? NAN : (j[TY_J_MAX] - C) / S;
	f.mode = family == TYCHE_FAMILY_TRIANG && !isnan(j[TY_J_MODE]) ?
		 (j[TY_J_MODE] - C) / S : NAN;
	f.L = isnan(j[TY_J_MIN]) ? -C / S : f.lo;
	if (fit_std(&f, &d))
		return -1;
	/* back to the judgement's units */
	d.loc = C + S * d.loc;
	d.scale = S * d.scale;
	if (family == TYCHE_FAMILY_TRUNCNORM) {
		d.a = (j[TY_J_MIN] - d.loc) / d.scale;
		d.b = (j[TY_J_MAX] - d.loc) / d.scale;
	}
	if (family == TYCHE_FAMILY_BETA) {
		d.loc = j[TY_J_MIN];
		d.scale = j[TY_J_MAX] - j[TY_J_MIN];
	}
	if ((family == TYCHE_FAMILY_LOGNORM || family == TYCHE_FAMILY_GAMMA))
		d.loc = isnan(j[TY_J_MIN]) ? 0 : j[TY_J_MIN];
	if (family == TYCHE_FAMILY_TRIANG) {
		if (!isnan(j[TY_J_MIN]))
			d.loc = j[TY_J_MIN];
		if (!isnan(j[TY_J_MIN]) && !isnan(j[TY_J_MAX]))
			d.scale = j[TY_J_MAX] - j[TY_J_MIN];
		if (!isnan(j[TY_J_MODE]) && !isnan(j[TY_J_MIN]) && !isnan(j[TY_J_MAX]) &&
		    d.scale > 0)
			d.a = (j[TY_J_MODE] - d.loc) / d.scale;
	}
	if (!valid(&d))
		return -1;
	*out = d;
	*rms = ty_elicit_fit_error(j, &d);
	return isfinite(*rms) ? 0 : -1;
}
