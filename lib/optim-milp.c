/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-milp.c - the MILP method: a piecewise-linear model of the
 * portfolio over the grid of tranche amounts, solved by GLPK.  Columns are
 * one weight lambda_k per grid corner (convex combination) and one binary
 * selector per grid segment and category; a corner's weight may be
 * positive only next to the selected segment of each category.
 *
 * Easy to get wrong:
 *  - The grid has 0 and the upper bound in every category besides the
 *    tranche amounts (the reference's grid lacks them, which can make a
 *    feasible problem look infeasible).
 *  - Corner values are exact portfolio statistics; between corners the
 *    MILP interpolates, which is exact for the mean and an approximation
 *    for the others, so its solution goes back through the evaluator and
 *    is re-checked on the true surface like any other point.
 *  - The grid has the product of the per-category grid sizes as corners;
 *    more than max_eval (default 20000) is a usage error, not a slow run.
 *    Sizes are multiplied with overflow checks before anything is
 *    allocated.
 *  - GLPK's tm_lim is never longer than the time left (ty_opt_time_left),
 *    and the corner loop checks the process's budget; a GLPK time-out
 *    under the budget counts as the budget's (TYCHE_ETIMEOUT, no result).
 */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glpk.h>

#include "optim.h"

static void glpk_silence(void)
{
	glp_term_out(GLP_OFF);
}

/* Grid of category c: 0, the tranche amounts inside (0, ub), ub. */
size_t ty_opt_grid(const tyche_surface *s, size_t c, double ub, double *g)
{
	size_t n = 0, T = tyche_surface_ntranches(s, c);

	g[n++] = 0;
	for (size_t t = 0; t < T; t++) {
		double a;

		tyche_surface_tranche(s, c, t, &a);
		if (a > 0 && a < ub)
			g[n++] = a;
	}
	if (ub > 0)
		g[n++] = ub;
	/* sort and drop duplicates (T is small) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
			double t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	{
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (k == 0 || g[i] != g[k - 1])
				g[k++] = g[i];
		n = k;
	}
	return n;
}

/* *out = a * b or a + b: 1, or 0 on overflow. */
static int mul_ok(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

static int add_ok(size_t a, size_t b, size_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

int ty_opt_solve_milp(struct ty_opt_ev *e, char *why, size_t whyn, tyche_error *err)
{
	const tyche_opt_problem *p = e->p;
	size_t C = e->C, nv = e->nv;
	size_t *gn = NULL, *off = NULL, *cidx = NULL;
	double **grid = NULL, *cval = NULL, *csum = NULL;
	double K = 1, limit = p->max_eval > 0 ? (double)p->max_eval : TY_OPT_DEFAULT_MILP_CORNERS;
	size_t nk, nseg = 0, nz = 0, cap, ncv, nci, t1, t2;
	glp_prob *lp = NULL;
	int *ia = NULL, *ja = NULL, rc = 0;
	double *ar = NULL;
	struct ty_buf dims = TY_BUF_INIT;

	gn = ty_calloc(C ? C : 1, sizeof(size_t));
	off = ty_calloc(C ? C : 1, sizeof(size_t));
	grid = ty_calloc(C ? C : 1, sizeof(double *));
	if (!gn || !off || !grid) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < C; c++) {
		grid[c] = ty_calloc(tyche_surface_ntranches(e->s, c) + 2, sizeof(double));
		if (!grid[c]) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		gn[c] = ty_opt_grid(e->s, c, e->ub[c], grid[c]);
		K *= (double)gn[c];
		ty_buf_addf(&dims, "%s%zu", c ? " x " : "", gn[c]);
	}
	if (K > limit) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "the MILP grid has %.0f corners (%s grid points per category), "
				 "more than the limit of %.0f; raise the limit (--max-eval) or use "
				 "the local or global method", K, dims.p ? dims.p : "", limit);
		goto out;
	}
	nk = (size_t)K;
	for (size_t c = 0; c < C; c++) {
		off[c] = nk + nseg;
		nseg += gn[c] > 1 ? gn[c] - 1 : 0;
	}
	/* nonzeros: convexity nk; per category selector sum; per corner and
	 * category up to 3; budget nk; limits nk each.  GLPK counts in int. */
	if (!mul_ok(nk, nv, &ncv) || !mul_ok(nk, C ? C : 1, &nci) ||
	    !mul_ok(nci, 3, &t1) || !mul_ok(nk, 1 + p->nlimits, &t2) ||
	    !add_ok(nk + nseg, t1, &cap) || !add_ok(cap, t2, &cap) || cap >= INT_MAX - 1) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "the MILP grid has %.0f corners (%s grid points per category), "
				 "too many for the MILP; use the local or global method",
				 K, dims.p ? dims.p : "");
		goto out;
	}
	cap += 1;
	cval = ty_calloc(ncv, sizeof(double));
	csum = ty_calloc(nk, sizeof(double));
	cidx = ty_calloc(nci, sizeof(size_t));
	if (!cval || !csum || !cidx) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	/* corner values: exact portfolio statistics */
	for (size_t k = 0; k < nk; k++) {
		double a[C ? C : 1];
		size_t r = k;

		if (k % 64 == 0 && ty_budget_spent()) {
			e->budget_out = 1;
			rc = -1;
			goto out;
		}

		for (size_t c = 0; c < C; c++) {
			cidx[k * C + c] = r % gn[c];
			r /= gn[c];
			a[c] = grid[c][cidx[k * C + c]];
			csum[k] += a[c];
		}
		ty_opt_ev_amounts(e, a);
		for (size_t j = 0; j < nv; j++) {
			cval[k * nv + j] = e->vals[j];
			if (!isfinite(e->vals[j])) {
				snprintf(why, whyn,
					 "the surface is not finite at a grid corner (%s of '%s')",
					 ty_opt_ev_stat(e, j, &r)->name, tyche_surface_metric(e->s, r));
				rc = -1;
				goto out;
			}
		}
	}
	/* columns: lambda_k (1..nk), then the segment selectors */
	glpk_silence();
	lp = glp_create_prob();
	glp_set_obj_dir(lp, p->minimize ? GLP_MIN : GLP_MAX);
	{
		glp_add_cols(lp, (int)(nk + nseg));
		for (size_t k = 0; k < nk; k++) {
			glp_set_col_bnds(lp, (int)k + 1, GLP_LO, 0, 0);
			glp_set_obj_coef(lp, (int)k + 1, cval[k * nv]);
		}
		for (size_t j = 0; j < nseg; j++) {
			glp_set_col_kind(lp, (int)(nk + j) + 1, GLP_BV);
		}
		ia = ty_calloc(cap + 1, sizeof(int));
		ja = ty_calloc(cap + 1, sizeof(int));
		ar = ty_calloc(cap + 1, sizeof(double));
		if (!ia || !ja || !ar) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		/* GLPK's arrays are 1-based; cap bounds nz by construction */
#define NZ(r, col, v) do { nz++; assert(nz <= cap); \
		ia[nz] = (r); ja[nz] = (col); ar[nz] = (v); } while (0)
		{
			int row = glp_add_rows(lp, 1);

			glp_set_row_bnds(lp, row, GLP_FX, 1, 1);
			for (size_t k = 0; k < nk; k++)
				NZ(row, (int)k + 1, 1.0);
		}
		for (size_t c = 0; c < C; c++) {
			int row;

			if (gn[c] < 2)
				continue;
			row = glp_add_rows(lp, 1);
			glp_set_row_bnds(lp, row, GLP_FX, 1, 1);
			for (size_t j = 0; j + 1 < gn[c]; j++)
				NZ(row, (int)(off[c] + j) + 1, 1.0);
		}
		/* lambda_k <= sum of the selectors of the segments next to its
		 * grid point, per category */
		for (size_t k = 0; k < nk; k++)
			for (size_t c = 0; c < C; c++) {
				size_t j = cidx[k * C + c];
				int row;

				if (gn[c] < 2)
					continue;
				row = glp_add_rows(lp, 1);
				glp_set_row_bnds(lp, row, GLP_UP, 0, 0);
				NZ(row, (int)k + 1, 1.0);
				if (j > 0)
					NZ(row, (int)(off[c] + j - 1) + 1, -1.0);
				if (j + 1 < gn[c])
					NZ(row, (int)(off[c] + j) + 1, -1.0);
			}
		if (p->has_budget) {
			int row = glp_add_rows(lp, 1);

			glp_set_row_bnds(lp, row, GLP_UP, 0, p->budget);
			for (size_t k = 0; k < nk; k++)
				NZ(row, (int)k + 1, csum[k]);
		}
		for (size_t l = 0; l < p->nlimits; l++) {
			int row = glp_add_rows(lp, 1);
			const tyche_opt_limit *L = &p->limits[l];

			if (L->upper)
				glp_set_row_bnds(lp, row, GLP_UP, 0, L->bound);
			else
				glp_set_row_bnds(lp, row, GLP_LO, L->bound, 0);
			for (size_t k = 0; k < nk; k++)
				NZ(row, (int)k + 1, cval[k * nv + 1 + l]);
		}
#undef NZ
		glp_load_matrix(lp, (int)nz, ia, ja, ar);
	}
	{
		glp_iocp parm;
		int r, st;
		int budget_first;
		double left = ty_opt_time_left(e, &budget_first);

		glp_init_iocp(&parm);
		parm.msg_lev = GLP_MSG_OFF;
		parm.presolve = GLP_ON;
		parm.tm_lim = (int)fmax(1.0, fmin(left, 1e6) * 1000.0);
		r = glp_intopt(lp, &parm);
		st = glp_mip_status(lp);
		if (ty_budget_spent() || (r == GLP_ETMLIM && budget_first)) {
			/* GLPK's own time-out under a spent budget */
			e->budget_out = 1;
			rc = -1;
			goto out;
		}
		if (r == GLP_ENOPFS || r == GLP_ENODFS || st == GLP_NOFEAS)
			goto out;     /* proved infeasible: no point, rc 0 */
		if (r == GLP_ETMLIM)
			e->timed_out = 1;
		else if (r != 0) {
			snprintf(why, whyn, "GLPK failed (glp_intopt code %d)", r);
			rc = -1;
			goto out;
		}
		if (st == GLP_OPT || st == GLP_FEAS) {
			double a[C ? C : 1];

			for (size_t c = 0; c < C; c++)
				a[c] = 0;
			for (size_t k = 0; k < nk; k++) {
				double lam = glp_mip_col_val(lp, (int)k + 1);

				for (size_t c = 0; c < C; c++)
					a[c] += lam * grid[c][cidx[k * C + c]];
			}
			for (size_t c = 0; c < C; c++)
				a[c] = a[c] < 0 ? 0 : a[c] > e->ub[c] ? e->ub[c] : a[c];
			ty_opt_ev_amounts(e, a);
		}
	}
out:
	if (lp)
		glp_delete_prob(lp);
	for (size_t c = 0; grid && c < C; c++)
		free(grid[c]);
	free(grid);
	free(gn);
	free(off);
	free(cval);
	free(csum);
	free(cidx);
	free(ia);
	free(ja);
	free(ar);
	ty_buf_release(&dims);
	return rc;
}
