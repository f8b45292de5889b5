/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-sens.c - sampling designs (lib/design.c): Latin hypercube draws are
 * stratified (one per 1/N stratum) for every N and any block split; the
 * keyed permutation is a bijection; the radical inverse is GSL's Halton;
 * LHS and QMC means of known test integrals converge faster than MC on a
 * fixed set of seeds (with a margin); draws never depend on the block
 * split.
 */
#include <math.h>
#include <stdint.h>
#include <gsl/gsl_qrng.h>
#include "tap.h"    /* first: internal.h bans atoi, which stdlib.h defines */
#include "design.h"

static struct ty_rng_key key_of(uint64_t seed, const char *name)
{
	struct ty_rng_key k;
	const char *parts[1] = { name };

	ty_rng_key_derive(&k, seed, parts, 1);
	return k;
}

static struct ty_cell cell_of(const char *text)
{
	struct ty_cell c;
	size_t pos;
	char msg[256];

	memset(&c, 0, sizeof c);
	if (ty_dist_parse(text, &c.dist, &pos, msg, sizeof msg))
		c.dist = NULL;
	c.text = text;
	c.table = "parameters";
	c.key = (char *)"0";
	return c;
}

/* LHS: floor(F(x) N) over the N samples is a permutation of 0..N-1. */
static int stratified(const struct ty_cell *c, size_t N, size_t block, int cdf)
{
	struct ty_draw_plan P;
	struct ty_rng_key k = key_of(7, "lhs");
	double *x = calloc(N, sizeof *x);
	char *seen = calloc(N, 1);
	int good = 1;

	memset(&P, 0, sizeof P);
	P.design = TYCHE_DESIGN_LHS;
	P.n = N;
	for (size_t f = 0; f < N; f += block)
		ty_plan_draw(&P, c, 3, &k, f, N - f < block ? N - f : block, x + f);
	for (size_t i = 0; i < N; i++) {
		double u = cdf ? ty_dist_cdf(c->dist, x[i]) : x[i];
		size_t s = (size_t)floor(u * (double)N);

		if (s >= N || seen[s])
			good = 0;
		else
			seen[s] = 1;
	}
	free(x);
	free(seen);
	return good;
}

static double rmse(int design, int fn, size_t N, int nseeds, double truth)
{
	double se = 0;

	for (int s = 1; s <= nseeds; s++) {
		struct ty_rng_key k[5];
		double mean = 0;

		for (int d = 0; d < 5; d++) {
			char nm[8];

			snprintf(nm, sizeof nm, "d%d", d);
			k[d] = key_of((uint64_t)s, nm);
		}
		for (size_t j = 0; j < N; j++) {
			double f = fn ? 1 : 0;

			for (int d = 0; d < 5; d++) {
				double u = ty_design_uniform(design, N, (size_t)d, &k[d], j);

				if (fn)
					f *= 1 + (u - 0.5);   /* product: E = 1 */
				else
					f += u * u;           /* additive: E = 5/3 */
			}
			mean += f;
		}
		mean /= (double)N;
		se += (mean - truth) * (mean - truth);
	}
	return sqrt(se / nseeds);
}

int main(void)
{
	struct ty_cell uni = cell_of("st.uniform(0, 1)"), nrm = cell_of("st.norm(3, 2)");
	struct ty_cell mix = cell_of("mixture([0.3, 0.7], [st.norm(0, 1), st.uniform(5, 1)])");
	static const size_t Ns[] = { 1, 2, 3, 5, 7, 64, 100, 257, 1000, 4096 };

	ok(uni.dist && nrm.dist && mix.dist, "test distributions parse");
	for (size_t i = 0; i < sizeof Ns / sizeof *Ns; i++) {
		size_t N = Ns[i];

		ok(stratified(&uni, N, N, 0) && stratified(&uni, N, 1, 0) && stratified(&uni, N, 64, 0),
		   "LHS uniform N=%zu: one draw per stratum, any block split", N);
		ok(stratified(&nrm, N, 13, 1), "LHS normal N=%zu: one draw per stratum", N);
		ok(stratified(&mix, N, 64, 1), "LHS mixture N=%zu: one draw per stratum", N);
	}
	/* the permutation is a bijection of [0, n) for awkward n */
	{
		static const uint64_t ns[] = { 1, 2, 3, 4, 5, 17, 1000, 65537 };
		struct ty_rng_key k = key_of(1, "perm");

		for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
			char *seen = calloc(ns[i], 1);
			int good = 1;

			for (uint64_t j = 0; j < ns[i]; j++) {
				uint64_t p = ty_design_permute(&k, ns[i], j);

				if (p >= ns[i] || seen[p])
					good = 0;
				else
					seen[p] = 1;
			}
			ok(good, "the keyed permutation of %llu is a bijection", (unsigned long long)ns[i]);
			free(seen);
		}
	}
	/* our radical inverse is GSL's Halton sequence (GSL starts at j = 1) */
	{
		gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_halton, 6);
		double v[6];
		int good = 1;

		for (uint64_t j = 1; j <= 500; j++) {
			gsl_qrng_get(q, v);
			for (size_t d = 0; d < 6; d++)
				if (fabs(v[d] - ty_design_halton(d, j)) > 1e-12)
					good = 0;
		}
		ok(good, "ty_design_halton agrees with gsl_qrng_halton in 6 dimensions");
		gsl_qrng_free(q);
	}
	/* QMC uniforms: in (0, 1), and any block split gives the same bits */
	{
		struct ty_draw_plan P;
		struct ty_rng_key k = key_of(3, "qmc");
		double a[300], b[300];
		int good = 1;

		memset(&P, 0, sizeof P);
		P.design = TYCHE_DESIGN_QMC;
		P.n = 300;
		ty_plan_draw(&P, &nrm, 40, &k, 0, 300, a);
		for (size_t f = 0; f < 300; f += 7)
			ty_plan_draw(&P, &nrm, 40, &k, f, 300 - f < 7 ? 300 - f : 7, b + f);
		for (size_t i = 0; i < 300; i++)
			good &= a[i] == b[i] && isfinite(a[i]);
		ok(good, "QMC draws do not depend on the block split");
	}
	/* convergence on 20 fixed seeds, N = 1024, with a factor-2 margin */
	{
		double mc0 = rmse(TYCHE_DESIGN_MC, 0, 1024, 20, 5.0 / 3);
		double lhs0 = rmse(TYCHE_DESIGN_LHS, 0, 1024, 20, 5.0 / 3);
		double qmc0 = rmse(TYCHE_DESIGN_QMC, 0, 1024, 20, 5.0 / 3);
		double mc1 = rmse(TYCHE_DESIGN_MC, 1, 1024, 20, 1);
		double lhs1 = rmse(TYCHE_DESIGN_LHS, 1, 1024, 20, 1);
		double qmc1 = rmse(TYCHE_DESIGN_QMC, 1, 1024, 20, 1);

		tap_diag("additive: rmse mc %g lhs %g qmc %g", mc0, lhs0, qmc0);
		tap_diag("product:  rmse mc %g lhs %g qmc %g", mc1, lhs1, qmc1);
		ok(lhs0 < mc0 / 2, "LHS beats MC on an additive integral (%g < %g / 2)", lhs0, mc0);
		ok(qmc0 < mc0 / 2, "QMC beats MC on an additive integral (%g < %g / 2)", qmc0, mc0);
		ok(lhs1 < mc1 / 2, "LHS beats MC on a product integral (%g < %g / 2)", lhs1, mc1);
		ok(qmc1 < mc1 / 2, "QMC beats MC on a product integral (%g < %g / 2)", qmc1, mc1);
	}
	ty_dist_free(uni.dist);
	ty_dist_free(nrm.dist);
	ty_dist_free(mix.dist);
	return tap_done();
}
