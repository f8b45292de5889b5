/* SPDX-License-Identifier: GPL-3.0-or-later */
/* surface.h - the response surface's layout (internal). */
#ifndef TY_SURFACE_H
#define TY_SURFACE_H

#include "eval.h"

struct tyche_surface {
	char ctx_hash[65];
	uint64_t seed;
	size_t N, C, M;
	char **cat;            /* C category names */
	size_t *T;             /* tranches per category */
	char ***tname;         /* [c][t] tranche names, sorted by mean amount */
	double **amt;          /* [c][t*N + i] amount of tranche t at sample i */
	double **mean_amt;     /* [c][t] */
	int const_amounts;     /* every amount is the same in all samples */
	char **metric, **units;/* M */
	double **val;          /* [c][(m*T + t)*N + i] metric m of tranche t */
	double *lo, *hi;       /* M: metric ranges */
	void *blob;            /* file contents that amt/val point into when
	                          read from a file (NULL when built) */
};

/* A surface of one sample in which every cell sits at its median except
 * the overrides (for the tornado).  The surface keeps no pointer to ov. */
TY_HIDDEN int ty_surface_build_fixed(tyche_surface **out, const tyche_context *ctx,
				     const struct ty_cell_override *ov, size_t nov,
				     tyche_error *err);

#endif
