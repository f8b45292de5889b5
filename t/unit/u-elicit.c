/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-elicit.c - expert elicitation: each family is recovered from its own
 * exact quantiles to 1e-6 in every parameter; noisy judgements give the
 * fit error doc/elicitation.md states; a linear pool's CDF is the
 * weighted sum of the experts' CDFs (1e-12 at 100 points); the
 * triangular average is the weighted min/mode/max worked out by hand;
 * Cooke's scores on 3 experts x 5 seed questions equal the hand-worked
 * values (hit counts and information written out below).
 */
#include "tap.h"    /* first: internal.h bans atoi, which stdlib.h defines */
#include "elicit.h"
#include <gsl/gsl_cdf.h>

/* doc/elicitation.md, "Fit error" */
#define NOISY_NORM_RMS 0.03882983133
#define NOISY_GAMMA_RMS 0.04809217167

static void judge_from(const struct ty_dist *d, double *j, int with_bounds)
{
	for (int i = 0; i < TY_J_N; i++)
		j[i] = NAN;
	for (int i = TY_J_P05; i <= TY_J_P95; i++)
		if (i != TY_J_MODE)
			j[i] = ty_dist_quantile(d, ty_judge_p[i]);
	if (with_bounds) {
		j[TY_J_MIN] = ty_dist_quantile(d, 0);
		j[TY_J_MAX] = ty_dist_quantile(d, 1);
	}
}

static void recover(const char *name, struct ty_dist truth, int family, int with_bounds)
{
	struct ty_dist got;
	double j[TY_J_N], rms = -1;
	int rc;

	judge_from(&truth, j, with_bounds);
	rc = ty_elicit_fit(j, family, &got, &rms);
	ok(rc == 0, "%s: fitted", name);
	if (rc)
		return;
	ok(got.kind == truth.kind, "%s: same family", name);
	is_close(got.a, truth.a, 1e-6, 1e-6, "%s: shape a %.12g (true %.12g)", name, got.a, truth.a);
	is_close(got.b, truth.b, 1e-6, 1e-6, "%s: shape b %.12g (true %.12g)", name, got.b, truth.b);
	is_close(got.loc, truth.loc, 1e-6, 1e-6, "%s: loc %.12g (true %.12g)", name, got.loc,
		 truth.loc);
	is_close(got.scale, truth.scale, 1e-6, 1e-6, "%s: scale %.12g (true %.12g)", name,
		 got.scale, truth.scale);
	ok(rms < 1e-9, "%s: fit error %g is ~0", name, rms);
}

static struct ty_dist mk(enum ty_dist_kind k, double a, double b, double loc, double scale)
{
	struct ty_dist d;

	memset(&d, 0, sizeof(d));
	d.kind = k;
	d.a = a;
	d.b = b;
	d.loc = loc;
	d.scale = scale;
	return d;
}

static void test_recovery(void)
{
	recover("triang", mk(TY_DIST_TRIANG, 0.3, 0, 5, 10), TYCHE_FAMILY_TRIANG, 0);
	recover("triang on [min, max]", mk(TY_DIST_TRIANG, 0.7, 0, -2, 4), TYCHE_FAMILY_TRIANG, 1);
	recover("beta", mk(TY_DIST_BETA, 2, 5, 1, 3), TYCHE_FAMILY_BETA, 1);
	recover("truncnorm", mk(TY_DIST_TRUNCNORM, -1, 2.5, 5, 2), TYCHE_FAMILY_TRUNCNORM, 1);
	recover("lognorm", mk(TY_DIST_LOGNORM, 0.5, 0, 0, 20), TYCHE_FAMILY_LOGNORM, 0);
	recover("gamma", mk(TY_DIST_GAMMA, 3, 0, 0, 2), TYCHE_FAMILY_GAMMA, 0);
	recover("norm", mk(TY_DIST_NORM, 0, 0, 10, 2), TYCHE_FAMILY_NORM, 0);
	recover("norm of amounts", mk(TY_DIST_NORM, 0, 0, 1.5e6, 2e5), TYCHE_FAMILY_NORM, 0);
}

/* The judgements of doc/elicitation.md's "fit error" paragraph. */
static void test_noisy(void)
{
	double j[TY_J_N];
	struct ty_dist d;
	double rms;

	for (int i = 0; i < TY_J_N; i++)
		j[i] = NAN;
	j[TY_J_P10] = 8;
	j[TY_J_P50] = 10.5;
	j[TY_J_P90] = 12;
	ok(!ty_elicit_fit(j, TYCHE_FAMILY_NORM, &d, &rms), "noisy: norm fits");
	tap_diag("noisy norm: loc %.10g scale %.10g rms %.10g", d.loc, d.scale, rms);
	is_close(rms, NOISY_NORM_RMS, 1e-6, 0, "noisy: norm fit error %.10g as documented", rms);
	ok(!ty_elicit_fit(j, TYCHE_FAMILY_GAMMA, &d, &rms), "noisy: gamma fits");
	tap_diag("noisy gamma: a %.10g scale %.10g rms %.10g", d.a, d.scale, rms);
	is_close(rms, NOISY_GAMMA_RMS, 1e-6, 0, "noisy: gamma fit error %.10g as documented", rms);
	/* too little to fit */
	for (int i = 0; i < TY_J_N; i++)
		j[i] = NAN;
	j[TY_J_P50] = 3;
	ok(ty_elicit_fit(j, TYCHE_FAMILY_NORM, &d, &rms) == -1, "one quantile: norm does not apply");
	ok(ty_elicit_fit(j, TYCHE_FAMILY_BETA, &d, &rms) == -1, "no bounds: beta does not apply");
	j[TY_J_MIN] = 1;
	j[TY_J_MODE] = 2;
	j[TY_J_MAX] = 6;
	ok(!ty_elicit_fit(j, TYCHE_FAMILY_TRIANG, &d, &rms), "min/mode/max: triang");
	is_close(d.a, 0.2, 0, 1e-15, "min/mode/max: c = (2 - 1) / (6 - 1)");
}

static void test_pools(void)
{
	struct ty_dist ds[3] = {
		mk(TY_DIST_TRIANG, 0.5, 0, 7, 2),
		mk(TY_DIST_NORM, 0, 0, 8, 1),
		mk(TY_DIST_BETA, 2, 3, 6, 5),
	};
	double w[3] = { 1, 2, 1 }, sw = 4;
	struct ty_dist *pool = NULL, tri;
	size_t pos;
	char msg[256], *text = ty_elicit_pool_linear(ds, w, 3);
	double maxdiff = 0;

	ok(text != NULL, "linear pool text");
	if (!text)
		return;
	ok(!ty_dist_parse(text, &pool, &pos, msg, sizeof(msg)), "linear pool parses: %s", text);
	for (int i = 0; pool && i < 100; i++) {
		double x = 5 + 7.0 * i / 99, s = 0;

		for (int k = 0; k < 3; k++)
			s += w[k] / sw * ty_dist_cdf(&ds[k], x);
		maxdiff = fmax(maxdiff, fabs(ty_dist_cdf(pool, x) - s));
	}
	ok(pool && maxdiff <= 1e-12, "pool CDF = weighted CDFs at 100 points (max diff %g)",
	   maxdiff);
	ty_dist_free(pool);
	free(text);
	{
		double one[3] = { 0, 3, 0 };

		text = ty_elicit_pool_linear(ds, one, 3);
		is_str(text ? text : "", "st.norm(loc=8, scale=1)", "one positive weight: that fit");
		free(text);
	}
	/* weights 0.5, 0.3, 0.2 of (min, mode, max) = (1, 2, 4), (2, 3, 7), (0, 1, 2):
	 * lo = 0.5 + 0.6 + 0 = 1.1; mode = 1 + 0.9 + 0.2 = 2.1; hi = 2 + 2.1 + 0.4 = 4.5 */
	{
		double mn[3] = { 1, 2, 0 }, md[3] = { 2, 3, 1 }, mx[3] = { 4, 7, 2 };
		double tw[3] = { 5, 3, 2 };

		ok(!ty_elicit_pool_triang(mn, md, mx, tw, 3, &tri), "triangular average");
		is_close(tri.loc, 1.1, 1e-14, 0, "triangular average: min 1.1");
		is_close(tri.loc + tri.scale, 4.5, 1e-14, 0, "triangular average: max 4.5");
		is_close(tri.loc + tri.a * tri.scale, 2.1, 1e-14, 0, "triangular average: mode 2.1");
	}
}

/*
 * Cooke: 3 experts, 5 questions with realisations 10, 20, 30, 40, 50.
 *  A: (P05, P50, P95) = (r - 5, r, r + 5): each realisation equals P50, so
 *     it is in bin 3 ([P50, P95)) every time: s = (0, 0, 1, 0).
 *  B: (r - 10, r - 4, r + 2) on questions 1-4 (r in [P50, P95): bin 3) and
 *     (r - 3, r - 2, r - 1) on question 5 (above P95: bin 4):
 *     s = (0, 0, 0.8, 0.2).
 *  C: (r + 1, r + 2, r + 3): below P05 every time: s = (1, 0, 0, 0).
 * Intrinsic range per question: L = min(P05s, r), U = max(P95s, r),
 * widened by 10 % of U - L on each side.
 */
static double info4(double lo, double q5, double q50, double q95, double hi)
{
	double W = hi - lo, x[5] = { lo, q5, q50, q95, hi }, p[4] = { 0.05, 0.45, 0.45, 0.05 };
	double I = 0;

	for (int i = 0; i < 4; i++)
		I += p[i] * log(p[i] / ((x[i + 1] - x[i]) / W));
	return I;
}

static void test_cooke(void)
{
	const size_t ne = 3, nq = 5;
	double q[3 * 5 * 3], real[5], cal[3], inf[3], w[3];
	double ecal[3], einf[3] = { 0, 0, 0 };
	struct ty_cooke co;

	for (size_t k = 0; k < nq; k++) {
		double r = 10.0 * (double)(k + 1);
		double *a = &q[(0 * nq + k) * 3], *b = &q[(1 * nq + k) * 3], *c = &q[(2 * nq + k) * 3];

		real[k] = r;
		a[0] = r - 5, a[1] = r, a[2] = r + 5;
		if (k < 4)
			b[0] = r - 10, b[1] = r - 4, b[2] = r + 2;
		else
			b[0] = r - 3, b[1] = r - 2, b[2] = r - 1;
		c[0] = r + 1, c[1] = r + 2, c[2] = r + 3;
	}
	ok(!ty_cooke_compute(ne, nq, q, real, -1, cal, inf, w, &co), "Cooke computes");
	/* calibration: 1 - chi2cdf(2 N I(s, p), 3) */
	ecal[0] = gsl_cdf_chisq_Q(2 * 5 * (1.0 * log(1.0 / 0.45)), 3);
	ecal[1] = gsl_cdf_chisq_Q(2 * 5 * (0.8 * log(0.8 / 0.45) + 0.2 * log(0.2 / 0.05)), 3);
	ecal[2] = gsl_cdf_chisq_Q(2 * 5 * (1.0 * log(1.0 / 0.05)), 3);
	/* ranges: questions 1-4: L = r - 10 (B), U = r + 5 (A): [r - 11.5, r + 6.5];
	 * question 5: L = r - 5 (A), U = r + 5 (A): [r - 6, r + 6] */
	for (int k = 0; k < 5; k++) {
		double r = 10.0 * (k + 1), lo = k < 4 ? r - 11.5 : r - 6, hi = k < 4 ? r + 6.5 : r + 6;

		einf[0] += info4(lo, r - 5, r, r + 5, hi) / 5;
		einf[1] += (k < 4 ? info4(lo, r - 10, r - 4, r + 2, hi) :
				    info4(lo, r - 3, r - 2, r - 1, hi)) / 5;
		einf[2] += info4(lo, r + 1, r + 2, r + 3, hi) / 5;
	}
	for (int e = 0; e < 3; e++) {
		is_close(cal[e], ecal[e], 1e-12, 1e-300, "expert %c: calibration %.6g (by hand %.6g)",
			 'A' + e, cal[e], ecal[e]);
		is_close(inf[e], einf[e], 1e-12, 0, "expert %c: information %.6g (by hand %.6g)",
			 'A' + e, inf[e], einf[e]);
	}
	/* B is the best calibrated; the cut-off at B's score keeps B alone, and
	 * the DM is then B itself, whose score beats every pool that adds A or C */
	ok(cal[1] > cal[0] && cal[0] > cal[2], "calibration order B > A > C");
	is_close(co.alpha, cal[1], 0, 0, "cut-off = B's calibration");
	is_close(w[1], 1, 0, 0, "B takes all the weight");
	ok(w[0] == 0 && w[2] == 0, "A and C are cut off");
	is_close(co.dm_cal, cal[1], 1e-12, 0, "DM calibration = B's");
	is_close(co.dm_inf, inf[1], 1e-9, 0, "DM information = B's");
	/* a fixed cut-off of 0 keeps everyone, weights proportional to C x I */
	ok(!ty_cooke_compute(ne, nq, q, real, 0, cal, inf, w, &co), "Cooke at alpha 0");
	{
		double s = cal[0] * inf[0] + cal[1] * inf[1] + cal[2] * inf[2];

		for (int e = 0; e < 3; e++)
			is_close(w[e], cal[e] * inf[e] / s, 1e-12, 0, "alpha 0: weight %c = C I / sum",
				 'A' + e);
	}
}

int main(void)
{
	test_recovery();
	test_noisy();
	test_pools();
	test_cooke();
	return tap_done();
}
