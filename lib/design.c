/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * design.c - sampling designs and the draw plan (design.h): Latin
 * hypercube, randomised quasi-Monte-Carlo, Saltelli's shifted matrix and
 * the Iman-Conover sample order, each a pure function of (cell key,
 * design size n, sample index j), so a draw never depends on threads,
 * blocks or the order samples are asked for.
 *
 *  - LHS: sample j of a cell falls in stratum pi(j) of n, u = (pi(j) +
 *    U_j) / n, with pi a keyed permutation (a 4-round Feistel network on
 *    the next even power of two >= n, cycle-walking back into [0, n)) and
 *    U_j the cell's uniform stream 2.  No permutation is ever stored.
 *  - QMC: the Halton sequence with random linear digit scrambling
 *    (Matousek): digit d_k of j in base p (the dim-th prime) becomes
 *    (a_k d_k + b_k) mod p, a_k != 0, keyed per cell and digit position
 *    (dim: the cell's rank among its scenario's uncertain cells),
 *    to 2^-53.  Each point is then uniform in [0,1)^d, so estimates are
 *    unbiased, and the scrambling breaks the correlation of unscrambled
 *    Halton in high dimensions.  Why not GSL's qrng: its generators are
 *    sequential (point j costs j steps, which breaks block-parallel
 *    evaluation) and its Sobol and Niederreiter stop at 40 and 12
 *    dimensions; the unit tests check our radical inverse against GSL's
 *    Halton.  Dimensions beyond TY_QMC_DIMS wrap (documented).
 *  - Non-MC designs invert the cell's CDF directly (ty_dist_quantile;
 *    for a mixture its generalised inverse), so their values are not the
 *    MC draws' values; the MC path is ty_dist_sample untouched, which
 *    keeps default output bit-identical.
 *  - Easy to get wrong: a shifted cell (Saltelli's B) draws sample j +
 *    shift of the same stream; LHS and QMC are defined on [0, n) only,
 *    so shifted draws under them are refused by the caller (sobol.c).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "design.h"
#include "tyche.h"

#define TY_QMC_DIMS 4096

static uint32_t primes[TY_QMC_DIMS];
static pthread_once_t primes_once = PTHREAD_ONCE_INIT;

static void primes_init(void)
{
	size_t n = 0;

	for (uint32_t c = 2; n < TY_QMC_DIMS; c++) {
		int prime = 1;

		for (size_t i = 0; i < n && primes[i] * primes[i] <= c; i++)
			if (c % primes[i] == 0) {
				prime = 0;
				break;
			}
		if (prime)
			primes[n++] = c;
	}
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t key_word(const struct ty_rng_key *key, int i)
{
	uint64_t v = 0;

	for (int b = 7; b >= 0; b--)
		v = (v << 8) | key->k[8 * (i & 3) + b];
	return v;
}

uint64_t ty_design_permute(const struct ty_rng_key *key, uint64_t n, uint64_t j)
{
	unsigned bits = 2, half;
	uint64_t mask, x = j;

	if (n <= 1)
		return 0;
	while (bits < 62 && ((uint64_t)1 << bits) < n)
		bits++;
	bits += bits & 1;
	half = bits / 2;
	mask = ((uint64_t)1 << half) - 1;
	do {
		uint64_t L = x >> half, R = x & mask;

		for (int r = 0; r < 4; r++) {
			uint64_t t = L ^ (mix64(R ^ key_word(key, r) ^ ((uint64_t)r << 60) ^ n) & mask);

			L = R;
			R = t;
		}
		x = (L << half) | R;
	} while (x >= n);   /* cycle walking: a bijection of [0, n) */
	return x;
}

double ty_design_halton(size_t dim, uint64_t j)
{
	uint64_t p;
	double f = 1, u = 0;

	pthread_once(&primes_once, primes_init);
	p = primes[dim % TY_QMC_DIMS];
	while (j) {
		f /= (double)p;
		u += f * (double)(j % p);
		j /= p;
	}
	return u;
}

static double scrambled_halton(size_t dim, const struct ty_rng_key *key, uint64_t j)
{
	uint64_t p, k0 = key_word(key, 0), k1 = key_word(key, 1);
	double f = 1, u = 0;

	pthread_once(&primes_once, primes_init);
	p = primes[dim % TY_QMC_DIMS];
	for (int k = 0; f > 0x1p-53; k++) {
		uint64_t h = mix64(k0 ^ mix64(k1 + (uint64_t)k));
		uint64_t a = 1 + (h >> 32) % (p - 1), b = (h & 0xffffffffu) % p;
		uint64_t d = j % p;

		f /= (double)p;
		u += f * (double)((a * d + b) % p);
		j /= p;
	}
	return u < 1 ? u : 1 - 0x1p-53;
}

double ty_design_uniform(int design, uint64_t n, size_t dim, const struct ty_rng_key *key,
			 uint64_t j)
{
	double u;

	if (design == TYCHE_DESIGN_QMC) {
		u = scrambled_halton(dim, key, j);
	} else if (design == TYCHE_DESIGN_LHS && j < n) {
		ty_rng_uniform(key, 2, j, 1, &u);
		u = ((double)ty_design_permute(key, n, j) + u) / (double)n;
	} else {
		ty_rng_uniform(key, 0, j, 1, &u);
	}
	/* keep u inside (0, 1): an inverse CDF at 0 or 1 is infinite */
	if (u < 0x1p-53)
		u = 0x1p-53;
	if (u > 1 - 0x1p-53)
		u = 1 - 0x1p-53;
	return u;
}

static int is_shifted(const struct ty_draw_plan *P, const struct ty_cell *cell)
{
	if (P->shift_all)
		return 1;
	for (size_t i = 0; i < P->nshifted; i++)
		if (P->shifted[i] == cell)
			return 1;
	return 0;
}

static int perm_cmp(const void *a, const void *b)
{
	const struct ty_cell *x = a, *y = ((const struct ty_cell_perm *)b)->cell;

	return (x > y) - (x < y);
}

void ty_plan_draw(const struct ty_draw_plan *P, const struct ty_cell *cell, size_t dim,
		  const struct ty_rng_key *key, uint64_t first, size_t n, double *out)
{
	const struct ty_cell_perm *pm = NULL;
	uint64_t shift = 0;

	if (ty_dist_is_const(cell->dist)) {
		ty_dist_sample(cell->dist, key, first, n, out);
		return;
	}
	if (P->shift && is_shifted(P, cell))
		shift = P->shift;
	if (P->nperm)
		pm = bsearch(cell, P->perm, P->nperm, sizeof *P->perm, perm_cmp);
	if (P->design == TYCHE_DESIGN_MC && !pm) {
		ty_dist_sample(cell->dist, key, first + shift, n, out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t j = first + i;

		if (pm && j < P->n)
			j = pm->perm[j];
		j += shift;
		if (P->design == TYCHE_DESIGN_MC)
			ty_dist_sample(cell->dist, key, j, 1, out + i);
		else
			out[i] = ty_dist_quantile(cell->dist,
						  ty_design_uniform(P->design, P->n, dim, key, j));
	}
}

int tyche_design_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "mc"))
		return TYCHE_DESIGN_MC;
	if (!strcmp(name, "lhs"))
		return TYCHE_DESIGN_LHS;
	if (!strcmp(name, "qmc"))
		return TYCHE_DESIGN_QMC;
	return -1;
}

const char *tyche_design_name(int design)
{
	return design == TYCHE_DESIGN_LHS ? "lhs" : design == TYCHE_DESIGN_QMC ? "qmc" : "mc";
}
