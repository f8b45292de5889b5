/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * design.h - how a cell's samples are drawn when not plain Monte Carlo
 * (internal): a draw plan set on an evaluation (ty_eval_set_plan) holds
 * the sampling design (Latin hypercube, randomised quasi-Monte-Carlo),
 * Saltelli's shifted cells (sensitivity), and the sample permutations of
 * correlated cells (Iman-Conover).  lib/design.c is a bottom file: it
 * calls only dist.c and rng.c.
 */
#ifndef TY_DESIGN_H
#define TY_DESIGN_H

#include "context.h"

/* A cell whose samples are reordered: sample j is the cell's draw of
 * sample perm[j] (perm: a permutation of 0..n-1, n = the plan's n). */
struct ty_cell_perm {
	const struct ty_cell *cell;
	uint32_t *perm;
};

struct ty_draw_plan {
	int design;                 /* enum tyche_design */
	uint64_t n;                 /* design size: the number of samples */
	/* Saltelli: cells drawn at sample j + shift ("matrix B") */
	uint64_t shift;
	int shift_all;
	const struct ty_cell *const *shifted;
	size_t nshifted;
	/* correlated cells (Iman-Conover), sorted by cell pointer */
	const struct ty_cell_perm *perm;
	size_t nperm;
};

/* out[i] = the plan's draw of `cell` for sample first + i; dim is the
 * quasi-random dimension: the cell's rank among its scenario's uncertain
 * cells (eval.c), so the smallest primes go to cells that vary. */
TY_HIDDEN void ty_plan_draw(const struct ty_draw_plan *P, const struct ty_cell *cell,
			    size_t dim, const struct ty_rng_key *key, uint64_t first,
			    size_t n, double *out);
/* Uniforms of the designs, for tests: stream `stream` of sample j. */
TY_HIDDEN double ty_design_uniform(int design, uint64_t n, size_t dim,
				   const struct ty_rng_key *key, uint64_t j);
/* A keyed permutation of 0..n-1 (a Feistel network with cycle walking):
 * the image of j, a pure function of (key, n, j). */
TY_HIDDEN uint64_t ty_design_permute(const struct ty_rng_key *key, uint64_t n, uint64_t j);
/* Radical inverse of j in the base of dimension dim (the dim-th prime),
 * unscrambled: the Halton sequence (checked against GSL's qrng). */
TY_HIDDEN double ty_design_halton(size_t dim, uint64_t j);

#endif
