/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * correlate.c - correlated inputs: the optional eighth table
 * `correlations` (correlations.csv beside the seven, or a sheet of that
 * name) and Iman-Conover's reordering, which gives each correlated cell a
 * permutation of its own independent draws (design.h ty_cell_perm).
 *
 * Table: Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,
 * Correlation[,Notes].  A cell is a designs Variable with its Index (Scale
 * has none) or Variable "Parameter" with the parameter's name as Index.
 * Correlation is a Spearman rank correlation in [-1, 1].  The matrix of
 * each technology-scenario (1 on the diagonal, 0 where not given) must be
 * positive semi-definite.  Every problem is a located diagnostic.
 *
 * Iman-Conover (1982), for N samples and k cells: van der Waerden scores
 * Phi^-1(i / (N + 1)) in a keyed random order per column (matrix R, with
 * sample correlation E = Q Q'), R* = R Q'^-1 P' where P P' = the target
 * turned into a Pearson matrix of normal scores (2 sin(pi rho / 6)); each
 * cell's independent draws are then reordered to the ranks of its column
 * of R*.  Marginals are unchanged by construction (the same draws, in
 * another order); the permutation is a pure function of (seed, cells, N,
 * design), computed once per evaluation, so threads and blocks do not
 * matter.
 *
 * Easy to get wrong: the draws reordered must be the evaluator's own (the
 * same keys and, for QMC, the same dimension: the cell's position in
 * eval.c's scenario order), or the marginals change.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sort.h>

#include "context-load.h"
#include "design.h"
#include "correlate.h"

static const char *const corr_cols[] = { "Technology", "Scenario", "Variable 1", "Index 1",
					 "Variable 2", "Index 2", "Correlation" };

void ty_corr_free(struct ty_corr *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->g[i].cells);
		free(c->g[i].rho);
	}
	free(c->g);
	free(c);
}

static void diag_at(struct loader *L, const struct ty_table *t, size_t r, size_t c,
		    const char *fmt, const char *a, const char *b)
{
	char where[512], msg[400];
	int line, col;

	ty_table_loc(t, r, c, where, &line, &col);
	snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
	ty_diag_add(L->d, TYCHE_SEV_ERROR, where, line, col, "%s", msg);
}

/* The cell (variable, index) of scenario S, or NULL. */
static const struct ty_cell *find_cell(const struct ty_tech *T, const struct ty_scenario *S,
				       const char *var, const char *idx)
{
	long k;

	if (!strcmp(var, "Parameter"))
		return (k = ty_context_find_label(T->param, T->n_param, idx)) >= 0 ? &S->param[k] : NULL;
	if (!strcmp(var, "Scale"))
		return &S->scale;
	if (!strcmp(var, "Lifetime"))
		return (k = ty_context_find_label(T->capital, T->n_capital, idx)) >= 0 ? &S->lifetime[k] : NULL;
	if (!strcmp(var, "Input"))
		return (k = ty_context_find_label(T->input, T->n_input, idx)) >= 0 ? &S->input_raw[k] : NULL;
	if (!strcmp(var, "Input efficiency"))
		return (k = ty_context_find_label(T->input, T->n_input, idx)) >= 0 ? &S->input_eff[k] : NULL;
	if (!strcmp(var, "Input price"))
		return (k = ty_context_find_label(T->input, T->n_input, idx)) >= 0 ? &S->input_price[k] : NULL;
	if (!strcmp(var, "Output efficiency"))
		return (k = ty_context_find_label(T->output, T->n_output, idx)) >= 0 ? &S->output_eff[k] : NULL;
	if (!strcmp(var, "Output price"))
		return (k = ty_context_find_label(T->output, T->n_output, idx)) >= 0 ? &S->output_price[k] : NULL;
	return NULL;
}

static long group_cell(struct ty_corr_group *G, const struct ty_cell *c)
{
	for (size_t i = 0; i < G->k; i++)
		if (G->cells[i] == c)
			return (long)i;
	return -1;
}

/* Smallest eigenvalue of a symmetric k x k matrix (GSL). */
static double min_eigen(const double *a, size_t k)
{
	gsl_matrix *m = gsl_matrix_alloc(k, k);
	gsl_vector *ev = gsl_vector_alloc(k);
	gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(k);
	double mn = NAN;

	if (m && ev && w) {
		memcpy(m->data, a, k * k * sizeof(double));
		if (!gsl_eigen_symm(m, ev, w))
			mn = gsl_vector_min(ev);
	}
	if (w)
		gsl_eigen_symm_free(w);
	if (ev)
		gsl_vector_free(ev);
	if (m)
		gsl_matrix_free(m);
	return mn;
}

/* The Pearson matrix of normal scores with Spearman correlations rho. */
static void to_pearson(const double *rho, double *p, size_t k)
{
	for (size_t i = 0; i < k * k; i++)
		p[i] = i % (k + 1) == 0 ? 1.0 : 2 * sin(M_PI * rho[i] / 6);
}

void ty_context_load_correlations(struct loader *L)
{
	const struct ty_table *t = L->corr;
	tyche_context *ctx = L->ctx;
	struct ty_corr *C;
	long col[7];
	size_t *first_row = NULL;
	int bad = 0;

	if (!t)
		return;
	for (int k = 0; k < 7; k++)
		if ((col[k] = ty_table_col(t, corr_cols[k])) < 0) {
			diag_at(L, t, (size_t)-1, 0,
				"no column '%s': the correlations table needs Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation%s",
				corr_cols[k], NULL);
			bad = 1;
		}
	if (bad)
		return;
	C = ty_calloc(1, sizeof *C);
	first_row = ty_calloc(t->nrows + 1, sizeof *first_row);
	if (!C || !first_row) {
		free(C);
		free(first_row);
		ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0, "out of memory");
		return;
	}
	C->g = ty_calloc(t->nrows + 1, sizeof *C->g);
	for (size_t r = 0; C->g && r < t->nrows; r++) {
		const char *tech = ty_table_cell(t, r, (size_t)col[0]);
		const char *scen = ty_table_cell(t, r, (size_t)col[1]);
		const char *rs = ty_table_cell(t, r, (size_t)col[6]);
		const struct ty_cell *cell[2];
		const struct ty_tech *T;
		long ti, si;
		struct ty_corr_group *G = NULL;
		double rho;
		size_t gi;

		if ((ti = ty_context_find_tech(ctx, tech)) < 0) {
			diag_at(L, t, r, (size_t)col[0],
				"unknown technology '%s': expected a technology of the designs table%s", tech, NULL);
			continue;
		}
		T = &ctx->tech[ti];
		if ((si = ty_context_find_scen(T, scen)) < 0) {
			diag_at(L, t, r, (size_t)col[1],
				"unknown scenario '%s' of technology '%s'", scen, tech);
			continue;
		}
		for (int e = 0; e < 2; e++) {
			const char *var = ty_table_cell(t, r, (size_t)col[2 + 2 * e]);
			const char *idx = ty_table_cell(t, r, (size_t)col[3 + 2 * e]);

			cell[e] = find_cell(T, &T->scen[si], var, idx);
			if (!cell[e]) {
				char what[300];

				snprintf(what, sizeof what, "%s' with Index '%s", var, idx);
				diag_at(L, t, r, (size_t)col[2 + 2 * e],
					"unknown cell: Variable '%s': expected a designs Variable with its Index, or Parameter with a parameter's name (technology '%s')",
					what, tech);
			} else if (ty_dist_is_const(cell[e]->dist)) {
				char what[300];

				snprintf(what, sizeof what, "%s %s", var, idx);
				diag_at(L, t, r, (size_t)col[2 + 2 * e],
					"cell '%s' of scenario '%s' is a constant: expected an uncertain cell",
					what, scen);
				cell[e] = NULL;
			}
		}
		if (ty_parse_number(rs, &rho) || !(rho >= -1 && rho <= 1)) {
			diag_at(L, t, r, (size_t)col[6],
				"correlation '%s' is not a number in [-1, 1]%s", rs, NULL);
			continue;
		}
		if (!cell[0] || !cell[1])
			continue;
		if (cell[0] == cell[1]) {
			diag_at(L, t, r, (size_t)col[4],
				"a cell correlated with itself: expected two different cells%s%s", NULL, NULL);
			continue;
		}
		for (gi = 0; gi < C->n; gi++)
			if (C->g[gi].tech == (size_t)ti && C->g[gi].scen == (size_t)si)
				break;
		if (gi == C->n) {
			G = &C->g[C->n++];
			G->tech = (size_t)ti;
			G->scen = (size_t)si;
			G->cells = ty_calloc(2 * t->nrows + 2, sizeof *G->cells);
			G->rho = NULL;
			first_row[gi] = r;
			if (!G->cells)
				break;
		}
		G = &C->g[gi];
		for (int e = 0; e < 2; e++)
			if (group_cell(G, cell[e]) < 0)
				G->cells[G->k++] = cell[e];
	}
	/* matrices: a second pass now that each group's cells are known */
	for (size_t gi = 0; C->g && gi < C->n; gi++) {
		struct ty_corr_group *G = &C->g[gi];
		size_t k = G->k;

		G->rho = ty_calloc(k * k, sizeof *G->rho);
		if (!G->rho)
			continue;
		for (size_t i = 0; i < k; i++)
			G->rho[i * k + i] = 1;
		for (size_t i = 0; i < k * k; i++)
			if (i % (k + 1))
				G->rho[i] = NAN;   /* not given yet */
	}
	for (size_t r = 0; C->g && r < t->nrows; r++) {
		const char *tech = ty_table_cell(t, r, (size_t)col[0]);
		const char *scen = ty_table_cell(t, r, (size_t)col[1]);
		long ti = ty_context_find_tech(ctx, tech), si;
		const struct ty_tech *T;
		const struct ty_cell *c0, *c1;
		double rho;

		if (ti < 0)
			continue;
		T = &ctx->tech[ti];
		if ((si = ty_context_find_scen(T, scen)) < 0)
			continue;
		c0 = find_cell(T, &T->scen[si], ty_table_cell(t, r, (size_t)col[2]),
			       ty_table_cell(t, r, (size_t)col[3]));
		c1 = find_cell(T, &T->scen[si], ty_table_cell(t, r, (size_t)col[4]),
			       ty_table_cell(t, r, (size_t)col[5]));
		if (!c0 || !c1 || c0 == c1 || ty_parse_number(ty_table_cell(t, r, (size_t)col[6]), &rho))
			continue;
		for (size_t gi = 0; gi < C->n; gi++) {
			struct ty_corr_group *G = &C->g[gi];
			long a = group_cell(G, c0), b = group_cell(G, c1);

			if (G->tech != (size_t)ti || G->scen != (size_t)si || a < 0 || b < 0 || !G->rho)
				continue;
			if (!isnan(G->rho[a * (long)G->k + b])) {
				diag_at(L, t, r, (size_t)col[6],
					"duplicate pair: these two cells of scenario '%s' already have a correlation%s",
					scen, NULL);
				break;
			}
			G->rho[a * (long)G->k + b] = G->rho[b * (long)G->k + a] = rho;
		}
	}
	for (size_t gi = 0; C->g && gi < C->n; gi++) {
		struct ty_corr_group *G = &C->g[gi];
		size_t k = G->k;
		double *p;

		if (!G->rho)
			continue;
		for (size_t i = 0; i < k * k; i++)
			if (isnan(G->rho[i]))
				G->rho[i] = 0;
		p = ty_calloc(k * k, sizeof *p);
		if (!p)
			continue;
		to_pearson(G->rho, p, k);
		{
			double m1 = min_eigen(G->rho, k), m2 = min_eigen(p, k);

			if (!(m1 >= -1e-9) || !(m2 >= -1e-9)) {
				char ev[64];

				snprintf(ev, sizeof ev, "%.3g", m1 < m2 ? m1 : m2);
				diag_at(L, t, first_row[gi], (size_t)col[6],
					"the correlations of scenario '%s' are not a valid correlation matrix (smallest eigenvalue %s): expected a positive semi-definite matrix",
					ctx->tech[G->tech].scen[G->scen].name, ev);
			}
		}
		free(p);
	}
	free(first_row);
	if (!C->g) {
		ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0, "out of memory");
		ty_corr_free(C);
		return;
	}
	ctx->corr = C;
}

/* ------------------------------------------------------------ Iman-Conover */

/* The cell's QMC dimension as eval.c gives it: its rank among the
 * uncertain cells of the scenario, in eval.c's scenario order. */
static size_t cell_dim(const struct ty_tech *T, const struct ty_scenario *S,
		       const struct ty_cell *c)
{
	size_t k = 0;

#define AT(p) do { if ((p) == c) return k; k += !ty_dist_is_const((p)->dist); } while (0)
	AT(&S->scale);
	for (size_t i = 0; i < T->n_capital; i++)
		AT(&S->lifetime[i]);
	for (size_t i = 0; i < T->n_input; i++)
		AT(&S->input_raw[i]);
	for (size_t i = 0; i < T->n_input; i++)
		AT(&S->input_eff[i]);
	for (size_t i = 0; i < T->n_input; i++)
		AT(&S->input_price[i]);
	for (size_t i = 0; i < T->n_output; i++)
		AT(&S->output_eff[i]);
	for (size_t i = 0; i < T->n_output; i++)
		AT(&S->output_price[i]);
	for (size_t i = 0; i < T->n_param; i++)
		AT(&S->param[i]);
#undef AT
	return k;
}

static int perm_cmp(const void *a, const void *b)
{
	const struct ty_cell *x = ((const struct ty_cell_perm *)a)->cell;
	const struct ty_cell *y = ((const struct ty_cell_perm *)b)->cell;

	return (x > y) - (x < y);
}

/* Lower Cholesky factor of a k x k matrix in place; jitter the diagonal
 * of a semi-definite one.  0, or -1. */
static int cholesky(double *a, size_t k)
{
	double *copy = ty_calloc(k * k, sizeof *copy);

	if (!copy)
		return -1;
	memcpy(copy, a, k * k * sizeof *a);
	for (double jit = 0; jit < 1e-3; jit = jit ? jit * 10 : 1e-12) {
		gsl_matrix_view m = gsl_matrix_view_array(a, k, k);

		memcpy(a, copy, k * k * sizeof *a);
		for (size_t i = 0; i < k; i++)
			a[i * k + i] += jit;
		if (!gsl_linalg_cholesky_decomp1(&m.matrix)) {
			for (size_t i = 0; i < k; i++)       /* keep the lower part */
				for (size_t j = i + 1; j < k; j++)
					a[i * k + j] = 0;
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -1;
}

static int group_perms(const tyche_context *ctx, const struct ty_corr_group *G, uint64_t seed,
		       int design, size_t N, struct ty_cell_perm *out)
{
	const struct ty_tech *T = &ctx->tech[G->tech];
	const struct ty_scenario *S = &T->scen[G->scen];
	size_t k = G->k;
	double *sc = ty_calloc(N, sizeof *sc), *R = ty_calloc(N * k, sizeof *R);
	double *E = ty_calloc(k * k, sizeof *E), *P = ty_calloc(k * k, sizeof *P);
	double *x = ty_calloc(N, sizeof *x), *y = ty_calloc(k, sizeof *y), *col = ty_calloc(N, sizeof *col);
	size_t *ord = ty_calloc(N, sizeof *ord), *rk = ty_calloc(N, sizeof *rk);
	struct ty_draw_plan plan;
	int rc = -1;

	if (!sc || !R || !E || !P || !x || !y || !col || !ord || !rk)
		goto out;
	for (size_t i = 0; i < N; i++)
		sc[i] = gsl_cdf_ugaussian_Pinv((double)(i + 1) / (double)(N + 1));
	for (size_t c = 0; c < k; c++) {
		struct ty_rng_key pk;
		const char *parts[5] = { "iman-conover", T->name, S->name, G->cells[c]->table,
					 G->cells[c]->key };

		ty_rng_key_derive(&pk, seed, parts, 5);
		for (size_t j = 0; j < N; j++)
			R[j * k + c] = sc[ty_design_permute(&pk, N, j)];
	}
	/* E: the scores' sample correlation; P: the target's */
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++) {
			double sab = 0, saa = 0, sbb = 0;

			for (size_t j = 0; j < N; j++) {
				sab += R[j * k + a] * R[j * k + b];
				saa += R[j * k + a] * R[j * k + a];
				sbb += R[j * k + b] * R[j * k + b];
			}
			E[a * k + b] = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : (a == b);
		}
	to_pearson(G->rho, P, k);
	if (cholesky(E, k) || cholesky(P, k))
		goto out;
	/* R*_j = P Q^-1 R_j, Q = chol(E): forward substitution, then P */
	for (size_t j = 0; j < N; j++) {
		double *r = R + j * k;

		for (size_t a = 0; a < k; a++) {
			double s = r[a];

			for (size_t b = 0; b < a; b++)
				s -= E[a * k + b] * y[b];
			y[a] = s / E[a * k + a];
		}
		for (size_t a = 0; a < k; a++) {
			double s = 0;

			for (size_t b = 0; b <= a; b++)
				s += P[a * k + b] * y[b];
			r[a] = s;
		}
	}
	memset(&plan, 0, sizeof plan);
	plan.design = design;
	plan.n = N;
	for (size_t c = 0; c < k; c++) {
		const char *parts[4] = { T->name, S->name, G->cells[c]->table, G->cells[c]->key };
		struct ty_rng_key key;

		out[c].cell = G->cells[c];
		out[c].perm = ty_calloc(N, sizeof *out[c].perm);
		if (!out[c].perm)
			goto out;
		/* the evaluator's own draws of this cell (eval.c's key and dimension) */
		ty_rng_key_derive(&key, seed, parts, 4);
		ty_plan_draw(&plan, G->cells[c], cell_dim(T, S, G->cells[c]), &key, 0, N, x);
		gsl_sort_index(ord, x, 1, N);
		for (size_t j = 0; j < N; j++)
			col[j] = R[j * k + c];
		gsl_sort_index(rk, col, 1, N);     /* rk[r] = sample of rank r */
		for (size_t r = 0; r < N; r++)
			out[c].perm[rk[r]] = (uint32_t)ord[r];
	}
	rc = 0;
out:
	free(sc);
	free(R);
	free(E);
	free(P);
	free(x);
	free(y);
	free(col);
	free(ord);
	free(rk);
	return rc;
}

int ty_corr_perms(const tyche_context *ctx, uint64_t seed, int design, size_t N,
		  struct ty_cell_perm **out, size_t *nout, tyche_error *err)
{
	struct ty_cell_perm *v;
	size_t n = 0, k = 0;

	*out = NULL;
	*nout = 0;
	if (!ctx->corr || N < 2)
		return 0;
	if (N > UINT32_MAX)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "correlated inputs: at most %u samples", (unsigned)UINT32_MAX);
	for (size_t g = 0; g < ctx->corr->n; g++)
		n += ctx->corr->g[g].k;
	v = ty_calloc(n + 1, sizeof *v);
	if (!v)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t g = 0; g < ctx->corr->n; g++) {
		if (group_perms(ctx, &ctx->corr->g[g], seed, design, N, v + k)) {
			ty_corr_perms_free(v, n);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
					   "out of memory for the correlated draws of %zu samples", N);
		}
		k += ctx->corr->g[g].k;
	}
	qsort(v, n, sizeof *v, perm_cmp);
	*out = v;
	*nout = n;
	return 0;
}

void ty_corr_perms_free(struct ty_cell_perm *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].perm);
	free(v);
}
