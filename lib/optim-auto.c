/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-auto.c - the exact mean MILP and the auto method.
 *
 * The mean MILP: with certain tranche amounts every sample's response of
 * a category is piecewise linear between the same knots, so the mean
 * response is piecewise linear over those knots (its knot values are the
 * per-knot means), and the portfolio's mean is the sum over categories.
 * A MILP with one weight per (category, grid point) and one binary per
 * (category, segment) is then exact; GLPK proves its optimum.  It has
 * sum(grid sizes) columns, not their product (optim-milp.c's general
 * MILP, which interpolates any statistic over every grid corner).
 *
 * Auto: the mean MILP when the objective and every limit are means and
 * the amounts are certain (status optimal when GLPK proves it), then a
 * local polish (it may only improve).  Otherwise a multistart search: the
 * mean MILP's solution of the same problem with every statistic replaced
 * by the mean, every tranche-grid corner within the budget (at most
 * TY_OPT_AUTO_CORNERS of them: beyond that a sample drawn with the
 * problem's seed), and the default start; the local method (SLSQP) runs
 * from the mean solution, the default start and the TY_OPT_AUTO_STARTS
 * best corners; the evaluator keeps the best feasible point of them all.
 *
 * Easy to get wrong:
 *  - The grid is optim-milp.c's (0, the tranche amounts inside (0, ub),
 *    ub): below the first knot and above the last the surface
 *    extrapolates linearly, which is still one linear piece per segment.
 *  - Knot values are means over samples of s->val; a non-finite mean (a
 *    metric that is NaN in some sample) makes the MILP unusable, never
 *    wrong: auto then falls back to the search.
 *  - Rows are scaled (budget by the budget, limits by their largest
 *    coefficient) so GLPK's absolute tolerances fit LCOE and Capital alike.
 *  - The MILP's amounts go back through the evaluator: the reported
 *    numbers are the surface's, never GLPK's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glpk.h>

#include "optim.h"
#include "surface.h"

int ty_opt_mean_exact(const tyche_surface *s, const tyche_opt_problem *p)
{
	if (!s->const_amounts || p->stat.kind != TYCHE_STAT_MEAN)
		return 0;
	for (size_t l = 0; l < p->nlimits; l++)
		if (p->limits[l].stat.kind != TYCHE_STAT_MEAN)
			return 0;
	return 1;
}

/* Mean of metric m of category c at amount x (the surface's interpolation
 * rule on the per-knot means). */
static double mean_at(const tyche_surface *s, size_t c, size_t m, double x)
{
	size_t N = s->N, T = s->T[c], k = 0;
	const double *v = s->val[c] + m * T * N;
	double ylo = 0, yhi = 0, xlo, xhi;

	if (T == 0)
		return 0;
	if (T == 1) {
		for (size_t i = 0; i < N; i++)
			ylo += v[i];
		return ylo / (double)N;
	}
	while (k < T && s->amt[c][k * N] < x)
		k++;
	k = k < 1 ? 1 : k > T - 1 ? T - 1 : k;
	k--;
	for (size_t i = 0; i < N; i++) {
		ylo += v[k * N + i];
		yhi += v[(k + 1) * N + i];
	}
	ylo /= (double)N;
	yhi /= (double)N;
	xlo = s->amt[c][k * N];
	xhi = s->amt[c][(k + 1) * N];
	return (yhi - ylo) / (xhi - xlo) * (x - xlo) + ylo;
}

int ty_opt_mean_milp(const tyche_surface *s, const tyche_opt_problem *p, const double *ub,
		     double deadline, double *amounts, int *outcome, char *why, size_t whyn)
{
	size_t C = s->C, nv = 1 + p->nlimits, ncol = 0, nz = 0, cap = 0;
	size_t *gn = ty_calloc(C + 1, sizeof(size_t)), *off = ty_calloc(C + 1, sizeof(size_t));
	double **grid = ty_calloc(C + 1, sizeof(double *));
	double *coef = NULL, *ar = NULL;
	int *ia = NULL, *ja = NULL, rc = -1;
	glp_prob *lp = NULL;

	*outcome = 0;
	if (!gn || !off || !grid) {
		snprintf(why, whyn, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < C; c++) {
		grid[c] = ty_calloc(s->T[c] + 2, sizeof(double));
		if (!grid[c]) {
			snprintf(why, whyn, "out of memory");
			goto out;
		}
		gn[c] = ty_opt_grid(s, c, ub[c], grid[c]);
		off[c] = ncol;
		ncol += gn[c] + (gn[c] > 1 ? gn[c] - 1 : 0);
	}
	/* coef[k * ncol + col]: vals[k]'s coefficient of lambda col */
	coef = ty_calloc(nv * (ncol + 1), sizeof(double));
	cap = ncol * 3 + ncol * (nv + 1) + 16;
	ia = ty_calloc(cap + 1, sizeof(int));
	ja = ty_calloc(cap + 1, sizeof(int));
	ar = ty_calloc(cap + 1, sizeof(double));
	if (!coef || !ia || !ja || !ar) {
		snprintf(why, whyn, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < nv; k++) {
		size_t m = k ? p->limits[k - 1].metric : p->metric;

		for (size_t c = 0; c < C; c++)
			for (size_t j = 0; j < gn[c]; j++) {
				double v = mean_at(s, c, m, grid[c][j]);

				if (!isfinite(v)) {
					snprintf(why, whyn, "the mean of '%s' is not finite in "
						 "category '%s'", s->metric[m], s->cat[c]);
					goto out;
				}
				coef[k * ncol + off[c] + j] = v;
			}
	}
	glp_term_out(GLP_OFF);
	lp = glp_create_prob();
	glp_set_obj_dir(lp, p->minimize ? GLP_MIN : GLP_MAX);
	glp_add_cols(lp, (int)ncol);
#define NZ(r, col, v) do { nz++; ia[nz] = (r); ja[nz] = (col); ar[nz] = (v); } while (0)
	{
		double fs = 0;

		for (size_t c = 0; c < C; c++)
			for (size_t j = 0; j < gn[c]; j++)
				fs = fmax(fs, fabs(coef[off[c] + j]));
		fs = fs > 0 ? fs : 1;
		for (size_t c = 0; c < C; c++) {
			int row = glp_add_rows(lp, 1);

			glp_set_row_bnds(lp, row, GLP_FX, 1, 1);
			for (size_t j = 0; j < gn[c]; j++) {
				int col = (int)(off[c] + j) + 1;

				glp_set_col_bnds(lp, col, GLP_DB, 0, 1);
				glp_set_obj_coef(lp, col, coef[off[c] + j] / fs);
				NZ(row, col, 1.0);
			}
			if (gn[c] < 2)
				continue;
			row = glp_add_rows(lp, 1);
			glp_set_row_bnds(lp, row, GLP_FX, 1, 1);
			for (size_t j = 0; j + 1 < gn[c]; j++) {
				int col = (int)(off[c] + gn[c] + j) + 1;

				glp_set_col_kind(lp, col, GLP_BV);
				NZ(row, col, 1.0);
			}
			/* lambda_j <= z_{j-1} + z_j */
			for (size_t j = 0; j < gn[c]; j++) {
				row = glp_add_rows(lp, 1);
				glp_set_row_bnds(lp, row, GLP_UP, 0, 0);
				NZ(row, (int)(off[c] + j) + 1, 1.0);
				if (j > 0)
					NZ(row, (int)(off[c] + gn[c] + j - 1) + 1, -1.0);
				if (j + 1 < gn[c])
					NZ(row, (int)(off[c] + gn[c] + j) + 1, -1.0);
			}
		}
	}
	if (p->has_budget) {
		int row = glp_add_rows(lp, 1);
		double bs = fmax(1.0, p->budget);

		glp_set_row_bnds(lp, row, GLP_UP, 0, p->budget / bs);
		for (size_t c = 0; c < C; c++)
			for (size_t j = 0; j < gn[c]; j++)
				NZ(row, (int)(off[c] + j) + 1, grid[c][j] / bs);
	}
	for (size_t l = 0; l < p->nlimits; l++) {
		int row = glp_add_rows(lp, 1);
		const tyche_opt_limit *L = &p->limits[l];
		double ls = fabs(L->bound);

		for (size_t c = 0; c < C; c++)
			for (size_t j = 0; j < gn[c]; j++)
				ls = fmax(ls, fabs(coef[(1 + l) * ncol + off[c] + j]));
		ls = ls > 0 ? ls : 1;
		if (L->upper)
			glp_set_row_bnds(lp, row, GLP_UP, 0, L->bound / ls);
		else
			glp_set_row_bnds(lp, row, GLP_LO, L->bound / ls, 0);
		for (size_t c = 0; c < C; c++)
			for (size_t j = 0; j < gn[c]; j++)
				NZ(row, (int)(off[c] + j) + 1, coef[(1 + l) * ncol + off[c] + j] / ls);
	}
#undef NZ
	glp_load_matrix(lp, (int)nz, ia, ja, ar);
	{
		glp_iocp parm;
		double left = deadline - ty_opt_now();
		int r, st;

		left = fmin(left, tyche_budget_left());
		glp_init_iocp(&parm);
		parm.msg_lev = GLP_MSG_OFF;
		parm.presolve = GLP_ON;
		/* GLPK prunes branches within tol_obj (1e-7) of the incumbent:
		 * too coarse for a proof to 1e-9 */
		parm.tol_obj = 1e-12;
		parm.mip_gap = 0;
		parm.tm_lim = (int)fmax(1.0, fmin(left, 1e6) * 1000.0);
		r = glp_intopt(lp, &parm);
		st = glp_mip_status(lp);
		if (r == GLP_ENOPFS || r == GLP_ENODFS || st == GLP_NOFEAS) {
			*outcome = 2;          /* proved infeasible */
			rc = 0;
			goto out;
		}
		if (r == GLP_ETMLIM) {
			*outcome = st == GLP_FEAS ? 3 : 4;   /* time: a point / none */
		} else if (r != 0) {
			snprintf(why, whyn, "GLPK failed (glp_intopt code %d)", r);
			goto out;
		} else {
			*outcome = st == GLP_OPT ? 1 : 3;
		}
		if (st == GLP_OPT || st == GLP_FEAS) {
			/* GLPK's integrality tolerance (1e-5) lets weights spill into
			 * the next segment: fix the chosen segments and solve the LP
			 * left in exact arithmetic (glp_exact), for the vertex */
			glp_smcp sp;
			int lp_ok;

			for (size_t c = 0; c < C; c++)
				for (size_t j = 0; j + 1 < gn[c]; j++) {
					int col = (int)(off[c] + gn[c] + j) + 1;
					double z = glp_mip_col_val(lp, col) > 0.5 ? 1.0 : 0.0;

					glp_set_col_kind(lp, col, GLP_CV);
					glp_set_col_bnds(lp, col, GLP_FX, z, z);
				}
			glp_init_smcp(&sp);
			sp.msg_lev = GLP_MSG_OFF;
			lp_ok = glp_simplex(lp, &sp) == 0 && glp_exact(lp, &sp) == 0 &&
				glp_get_status(lp) == GLP_OPT;
			for (size_t c = 0; c < C; c++) {
				double a = 0;

				for (size_t j = 0; j < gn[c]; j++) {
					int col = (int)(off[c] + j) + 1;

					a += (lp_ok ? glp_get_col_prim(lp, col)
						    : glp_mip_col_val(lp, col)) * grid[c][j];
				}
				amounts[c] = a < 0 ? 0 : a > ub[c] ? ub[c] : a;
			}
		}
		rc = 0;
	}
out:
	if (lp)
		glp_delete_prob(lp);
	for (size_t c = 0; grid && c < C; c++)
		free(grid[c]);
	free(grid);
	free(gn);
	free(off);
	free(coef);
	free(ia);
	free(ja);
	free(ar);
	return rc;
}

/* splitmix64: the corner sample's generator (seeded by the problem). */
static uint64_t mix(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct start {
	double key;     /* feasible: objective (smaller is better); else 1e300 + violation */
	double *a;
};

static double violation(struct ty_opt_ev *e, const double *a)
{
	double v = 0;

	if (e->p->has_budget)
		v = fmax(v, (ty_opt_budget_sum(e, a) - e->p->budget) / fmax(1.0, e->p->budget));
	for (size_t l = 0; l < e->p->nlimits; l++) {
		double d = ty_opt_limit_violation(e, l, e->vals[1 + l]) /
			   fmax(1.0, fabs(e->p->limits[l].bound));

		v = fmax(v, isnan(d) ? 1e300 : d);
	}
	return v;
}

int ty_opt_solve_auto(struct ty_opt_ev *e, const double *x0, int *proved, char *why,
		      size_t whyn)
{
	const tyche_opt_problem *p = e->p;
	size_t C = e->C, nstart = 0, ncorner = 0, nfeas = 0;
	double a[C ? C : 1], x[C ? C : 1];
	struct start st[TY_OPT_AUTO_STARTS];
	double *pool = ty_calloc((C ? C : 1) * TY_OPT_AUTO_STARTS, sizeof(double));
	double K = 1;
	int outcome = 0, have_mean = 0;

	*proved = 0;
	if (!pool) {
		snprintf(why, whyn, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < TY_OPT_AUTO_STARTS; k++)
		st[k].a = pool + k * (C ? C : 1);
	/* the mean problem: exact when every statistic is the mean */
	if (e->s->const_amounts) {
		tyche_opt_problem q = *p;
		tyche_opt_limit lim[p->nlimits ? p->nlimits : 1];
		int exact = ty_opt_mean_exact(e->s, p);

		q.stat.kind = TYCHE_STAT_MEAN;
		for (size_t l = 0; l < p->nlimits; l++) {
			lim[l] = p->limits[l];
			lim[l].stat.kind = TYCHE_STAT_MEAN;
		}
		q.limits = lim;
		if (ty_opt_mean_milp(e->s, &q, e->ub, e->deadline, a, &outcome, why, whyn)) {
			/* a non-finite mean: the search below decides */
			outcome = 0;
			exact = 0;
			why[0] = '\0';
		}
		if (outcome == 1 || outcome == 3) {
			ty_opt_ev_amounts(e, a);
			have_mean = 1;
		}
		if (exact) {
			if (outcome == 4 || outcome == 3)
				e->timed_out = 1;
			if (outcome == 1 || outcome == 2)
				*proved = 1;
			if (outcome == 2) {
				free(pool);
				return 0;           /* proved infeasible */
			}
			if (have_mean) {
				/* polish: only ever improves the evaluator's best */
				ty_opt_amounts_to_x(e, a, x);
				ty_opt_solve_local(e, x, why, whyn);
				e->starts = 1;
			}
			free(pool);
			return 0;
		}
	}
	/* corners: every one within the budget, or a seeded sample */
	{
		size_t gn[C ? C : 1];
		double **g = ty_calloc(C ? C : 1, sizeof(double *));
		uint64_t rs = p->seed ^ 0x7479636865ull;
		size_t total, n;

		if (!g) {
			free(pool);
			snprintf(why, whyn, "out of memory");
			return -1;
		}
		for (size_t c = 0; c < C; c++) {
			g[c] = ty_calloc(tyche_surface_ntranches(e->s, c) + 2, sizeof(double));
			if (!g[c]) {
				for (size_t j = 0; j < c; j++)
					free(g[j]);
				free(g);
				free(pool);
				snprintf(why, whyn, "out of memory");
				return -1;
			}
			gn[c] = ty_opt_grid(e->s, c, e->ub[c], g[c]);
			K *= (double)gn[c];
		}
		total = K > TY_OPT_AUTO_CORNERS ? TY_OPT_AUTO_CORNERS : (size_t)K;
		e->corners_total = K;
		for (n = 0; n < total && !e->stop; n++) {
			size_t r = n;

			if (n % 64 == 0 && (ty_budget_spent() || ty_opt_now() > e->deadline)) {
				if (ty_budget_spent())
					e->budget_out = e->stop = 1;
				else
					e->timed_out = 1;
				break;
			}
			for (size_t c = 0; c < C; c++) {
				size_t j;

				if (K > TY_OPT_AUTO_CORNERS) {
					j = (size_t)(mix(&rs) % gn[c]);
				} else {
					j = r % gn[c];
					r /= gn[c];
				}
				a[c] = g[c][j];
			}
			if (p->has_budget && ty_opt_budget_sum(e, a) > p->budget)
				continue;
			ncorner++;
			ty_opt_ev_amounts(e, a);
			{
				double key;
				int feas = ty_opt_feasible_vals(e, a, e->vals);

				if (feas) {
					nfeas++;
					key = p->minimize ? e->vals[0] : -e->vals[0];
				} else {
					key = 1e300 * (1 + fmin(violation(e, a), 1e7));
					if (isnan(key))
						key = INFINITY;
				}
				/* keep the TY_OPT_AUTO_STARTS smallest keys (insertion) */
				if (nstart < TY_OPT_AUTO_STARTS || key < st[nstart - 1].key) {
					size_t i = nstart < TY_OPT_AUTO_STARTS ? nstart++ : nstart - 1;
					double *slot = st[i].a;

					while (i > 0 && st[i - 1].key > key) {
						st[i] = st[i - 1];
						i--;
					}
					st[i].key = key;
					st[i].a = slot;
					memcpy(slot, a, C * sizeof(double));
				}
			}
		}
		for (size_t c = 0; c < C; c++)
			free(g[c]);
		free(g);
	}
	e->corners = ncorner;
	e->corners_feasible = nfeas;
	/* polish: from the mean solution, the default start, the best corners */
	if (have_mean && !e->stop) {
		ty_opt_amounts_to_x(e, a, x);
		if (ty_opt_solve_local(e, x, why, whyn))
			goto fail;
		e->starts++;
		e->from_mean = 1;
	}
	if (!e->stop) {
		memcpy(x, x0, C * sizeof(double));
		if (ty_opt_solve_local(e, x, why, whyn))
			goto fail;
		e->starts++;
	}
	for (size_t k = 0; k < nstart && !e->stop; k++) {
		if (e->timed_out)
			break;
		ty_opt_amounts_to_x(e, st[k].a, x);
		if (ty_opt_solve_local(e, x, why, whyn))
			goto fail;
		e->starts++;
	}
	free(pool);
	return 0;
fail:
	free(pool);
	return -1;
}
