/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * correlate.h - Iman-Conover orders of correlated cells (lib/correlate.c),
 * for the evaluator's draw plan.  The table itself lives in context.h
 * (struct ty_corr).
 */
#ifndef TY_CORRELATE_H
#define TY_CORRELATE_H

#include "design.h"

/* The permutations of every correlated cell for N samples under `design`
 * (sorted by cell, as ty_draw_plan wants them); none when the context has
 * no correlations table.  Free with ty_corr_perms_free. */
TY_HIDDEN int ty_corr_perms(const tyche_context *ctx, uint64_t seed, int design, size_t N,
			    struct ty_cell_perm **out, size_t *nout, tyche_error *err);
TY_HIDDEN void ty_corr_perms_free(struct ty_cell_perm *v, size_t n);

#endif
