/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * voi.c - the value of information of a decision among candidate
 * portfolios (tyche/sensitivity.h, doc/sensitivity.md): EVPI and, per
 * uncertain cell and group, the partial EVPI by Strong and Oakley's
 * regression method.
 *
 * Net benefit NB_d(i) = the metric of candidate d at sample i (negated
 * when less is better); each candidate is a set of tranche weights, so
 * every scenario is evaluated once for all candidates (sens.h).  With d*
 * the candidate of best mean, Y_d = NB_d - NB_d*:
 *   EVPI  = mean_i max(0, max_d Y_d(i))
 *   EVPPI = mean_i max(0, max_d g_d(X_i)),  g_d = E[Y_d | X] fitted by
 *           least squares (GSL) on a cubic in each of the group's cells
 *           (quadratic from 4 cells, linear from 11), standardised.
 * Both are in the metric's units.  The standard errors: EVPI's is the
 * Monte-Carlo one (sd / sqrt N of the per-sample regret); EVPPI's adds the
 * regression's, from 50 redraws of the coefficients from their fitted
 * normal sampling distribution (Strong, Oakley and Brennan 2014, 2.4),
 * with keyed normals so that it is reproducible.
 *
 * Two halves (sens.h): the candidates' net benefits and the groups'
 * draws for samples lo .. hi-1 (ty_voi_run_*), then the estimates over
 * all N (ty_voi_est, which takes the draws through a callback).  One
 * process runs both; shards (shard-sens.c) store the first and a merge
 * runs the second.
 *
 * Easy to get wrong: the regressors are the group's *draws*, asked of the
 * evaluator itself (ty_eval_draw_cell: its keys and, with a correlations
 * table, its Iman-Conover orders); a regression on anything else would
 * give a wrong EVPPI without any error.  With correlated inputs the
 * EVPPI of a cell includes what it tells about the cells it moves with.  EVPPI estimates are biased upwards by the noise the
 * regression fits (a few standard errors for an irrelevant input with a
 * small N): read them with their SE.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>

#include "sens.h"
#include "grow.h"
#include "results.h"

#define TY_VOI_MAX_CANDIDATES 100000
#define TY_VOI_SE_DRAWS 50
/* Regression terms at most: a larger group (say a whole table of 180
 * cells) gets NaN rather than a minute-long, overfitted regression. */
#define TY_VOI_MAX_TERMS 64

struct tyche_voi {
	double evpi, evpi_se, evals;
	size_t nc, best, n, N;
	char **cname;
	double *cmean;
	tyche_voi_row *v;
	char **strings;
	size_t nstrings;
	const char *metric, *units;
	int minimize;
	uint64_t seed;
};

void tyche_voi_free(tyche_voi *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->cname && i < v->nc; i++)
		free(v->cname[i]);
	for (size_t i = 0; i < v->nstrings; i++)
		free(v->strings[i]);
	free(v->strings);
	free(v->cname);
	free(v->cmean);
	free(v->v);
	free(v);
}

double tyche_voi_evpi(const tyche_voi *v, double *se)
{
	if (se)
		*se = v->evpi_se;
	return v->evpi;
}
size_t tyche_voi_ncandidates(const tyche_voi *v) { return v->nc; }
size_t tyche_voi_best(const tyche_voi *v) { return v->best; }
size_t tyche_voi_nrows(const tyche_voi *v) { return v->n; }
double tyche_voi_evaluations(const tyche_voi *v) { return v->evals; }

const char *tyche_voi_candidate(const tyche_voi *v, size_t k, double *mean)
{
	if (k >= v->nc)
		return NULL;
	if (mean)
		*mean = v->cmean[k];
	return v->cname[k];
}

const tyche_voi_row *tyche_voi_row_at(const tyche_voi *v, size_t i)
{
	return i < v->n ? &v->v[i] : NULL;
}

/* ------------------------------------------------------------ candidates */

struct cands {
	size_t n, cap, capn;
	double **w;      /* [d][ntranches] */
	char **name;
};

static int cand_add(struct cands *C, const tyche_context *ctx, char *name, double **w)
{
	if (C->n >= TY_VOI_MAX_CANDIDATES || ty_grow(&C->w, &C->cap, C->n + 1, sizeof *C->w) ||
	    ty_grow(&C->name, &C->capn, C->n + 1, sizeof *C->name)) {
		free(name);
		free(*w);
		*w = NULL;
		return -1;
	}
	C->w[C->n] = *w;
	C->name[C->n] = name;
	C->n++;
	*w = NULL;
	return 0;
}

static void cands_release(struct cands *C)
{
	for (size_t d = 0; d < C->n; d++) {
		free(C->w[d]);
		free(C->name[d]);
	}
	free(C->w);
	free(C->name);
}

static double cost_of(const tyche_context *ctx, const double *w)
{
	double c = 0;

	for (size_t i = 0; i < ctx->ntranches; i++)
		if (w[i] != 0)
			c += w[i] * ctx->tranches[i].amount.dist->a;
	return c;
}

static int cands_investments(struct cands *C, const tyche_context *ctx, double budget,
			     tyche_error *err)
{
	for (size_t k = 0; k < ctx->ninvestments; k++) {
		double *w = ty_calloc(ctx->ntranches + 1, sizeof *w);

		if (!w)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		for (size_t j = 0; j < ctx->ninvest_items; j++)
			if (!strcmp(ctx->invest[j].investment, ctx->investments[k]))
				w[ctx->invest[j].tranche_ix] += 1;
		if (budget >= 0 && cost_of(ctx, w) > budget) {
			free(w);
			continue;
		}
		if (cand_add(C, ctx, ty_strdup(ctx->investments[k]), &w))
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	return 0;
}

static int cands_corners(struct cands *C, const tyche_context *ctx, double budget,
			 tyche_error *err)
{
	size_t nc = ctx->ncategories, *pick = ty_calloc(nc + 1, sizeof *pick);
	size_t *nt = ty_calloc(nc + 1, sizeof *nt), **ix = ty_calloc(nc + 1, sizeof *ix);
	int rc = 0;

	if (!pick || !nt || !ix) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < nc; c++) {
		ix[c] = ty_calloc(ctx->ntranches + 1, sizeof **ix);
		if (!ix[c]) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < ctx->ntranches; i++)
			if (!strcmp(ctx->tranches[i].category, ctx->categories[c]))
				ix[c][nt[c]++] = i;
	}
	for (;;) {
		double *w = ty_calloc(ctx->ntranches + 1, sizeof *w);
		struct ty_buf b = TY_BUF_INIT;
		size_t c;

		if (!w) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (c = 0; c < nc; c++)
			if (nt[c]) {
				const struct ty_tranche *tr = &ctx->tranches[ix[c][pick[c]]];

				w[ix[c][pick[c]]] = 1;
				ty_buf_addf(&b, "%s%s=%s", b.len ? "; " : "", tr->category, tr->name);
			}
		if ((budget >= 0 && cost_of(ctx, w) > budget) || b.oom) {
			free(w);
			ty_buf_release(&b);
		} else if (cand_add(C, ctx, ty_buf_detach(&b), &w)) {
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "more than %d tranche combinations: give --candidates FILE",
					 TY_VOI_MAX_CANDIDATES);
			goto out;
		}
		for (c = 0; c < nc; c++) {
			if (nt[c] && ++pick[c] < nt[c])
				break;
			pick[c] = 0;
		}
		if (c == nc)
			break;
	}
out:
	for (size_t c = 0; ix && c < nc; c++)
		free(ix[c]);
	free(ix);
	free(nt);
	free(pick);
	return rc;
}

static int cands_file(struct cands *C, const tyche_context *ctx, const char *path,
		      tyche_error *err)
{
	struct ty_table *t = NULL;
	long col[3];
	static const char *const names[] = { "Candidate", "Category", "Amount" };
	double *amounts = NULL, *w = NULL;
	char where[512];
	int line, colno, rc = ty_csv_read(path, &t, err);

	if (rc)
		return rc;
	for (int k = 0; k < 3; k++)
		if ((col[k] = ty_table_col(t, names[k])) < 0) {
			ty_table_loc(t, (size_t)-1, 0, where, &line, &colno);
			rc = ty_error_at(err, TYCHE_EDATA, where, line, 0,
					 "no column '%s': expected the columns Candidate,Category,Amount",
					 names[k]);
			goto out;
		}
	amounts = ty_calloc(ctx->ncategories + 1, sizeof *amounts);
	if (!amounts) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < t->nrows;) {
		const char *cand = ty_table_cell(t, r, (size_t)col[0]);

		for (size_t c = 0; c < ctx->ncategories; c++)
			amounts[c] = 0;
		if (!*cand) {
			ty_table_loc(t, r, (size_t)col[0], where, &line, &colno);
			rc = ty_error_at(err, TYCHE_EDATA, where, line, colno,
					 "empty Candidate: expected the candidate's name");
			goto out;
		}
		for (; r < t->nrows && !strcmp(ty_table_cell(t, r, (size_t)col[0]), cand); r++) {
			const char *cat = ty_table_cell(t, r, (size_t)col[1]);
			size_t c;
			double v;

			for (c = 0; c < ctx->ncategories; c++)
				if (!strcmp(ctx->categories[c], cat))
					break;
			if (c == ctx->ncategories) {
				ty_table_loc(t, r, (size_t)col[1], where, &line, &colno);
				rc = ty_error_at(err, TYCHE_EDATA, where, line, colno,
						 "unknown category '%s': expected a category of the tranches table",
						 cat);
				goto out;
			}
			if (ty_parse_number(ty_table_cell(t, r, (size_t)col[2]), &v) || !(v >= 0)) {
				ty_table_loc(t, r, (size_t)col[2], where, &line, &colno);
				rc = ty_error_at(err, TYCHE_EDATA, where, line, colno,
						 "'%s' is not an amount: expected a number >= 0",
						 ty_table_cell(t, r, (size_t)col[2]));
				goto out;
			}
			amounts[c] = v;
		}
		w = ty_calloc(ctx->ntranches + 1, sizeof *w);
		if (!w) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		rc = ty_sens_tranche_weights(ctx, amounts, w, err);
		if (rc)
			goto out;
		if (cand_add(C, ctx, ty_strdup(cand), &w)) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
	}
out:
	free(w);
	free(amounts);
	ty_table_free(t);
	return rc;
}

/* ------------------------------------------------------------ regression */

/* EVPPI of one group: y[d] (nd rows of N) regressed on the group's draws. */
static int evppi_group(const struct ty_voi_est_in *in, size_t gix, double **y, size_t nd,
		       double *evppi, double *se)
{
	uint64_t seed = in->seed;
	size_t N = in->N, k = in->group[gix].ncells, deg = k <= 3 ? 3 : k <= 10 ? 2 : 1, p;
	gsl_matrix *X = NULL, *cov = NULL;
	gsl_vector *c = NULL, *yv = NULL;
	gsl_multifit_linear_workspace *ws = NULL;
	double *x = NULL, *gh = NULL, **beta = NULL, **chol = NULL, *rep = NULL;
	struct ty_rng_key key;
	int rc = -1;

	while (deg > 1 && 1 + deg * k > N / 5)
		deg--;
	p = 1 + deg * k;
	if (p > N / 5 || p > TY_VOI_MAX_TERMS) {
		*evppi = *se = NAN;
		return 0;
	}
	X = gsl_matrix_alloc(N, p);
	cov = gsl_matrix_alloc(p, p);
	c = gsl_vector_alloc(p);
	yv = gsl_vector_alloc(N);
	ws = gsl_multifit_linear_alloc(N, p);
	x = ty_calloc(N, sizeof *x);
	gh = ty_calloc(N * (nd ? nd : 1), sizeof *gh);
	beta = ty_calloc(nd + 1, sizeof *beta);
	chol = ty_calloc(nd + 1, sizeof *chol);
	rep = ty_calloc(TY_VOI_SE_DRAWS, sizeof *rep);
	if (!X || !cov || !c || !yv || !ws || !x || !gh || !beta || !chol || !rep)
		goto out;
	for (size_t i = 0; i < N; i++)
		gsl_matrix_set(X, i, 0, 1.0);
	for (size_t j = 0; j < k; j++) {
		double m = 0, s = 0;

		/* the evaluator's own draws (its keys and correlated orders) */
		if (in->draw(in->draw_arg, gix, j, x))
			goto out;
		for (size_t i = 0; i < N; i++)
			m += x[i];
		m /= (double)N;
		for (size_t i = 0; i < N; i++)
			s += (x[i] - m) * (x[i] - m);
		s = sqrt(s / (double)N);
		if (!(s > 0))
			s = 1;
		for (size_t i = 0; i < N; i++) {
			double z = (x[i] - m) / s, zp = z;

			for (size_t e = 0; e < deg; e++) {
				gsl_matrix_set(X, i, 1 + j * deg + e, zp);
				zp *= z;
			}
		}
	}
	for (size_t d = 0; d < nd; d++) {
		double chisq;

		beta[d] = ty_calloc(p, sizeof **beta);
		chol[d] = ty_calloc(p * p, sizeof **chol);
		if (!beta[d] || !chol[d])
			goto out;
		for (size_t i = 0; i < N; i++)
			gsl_vector_set(yv, i, y[d][i]);
		if (gsl_multifit_linear(X, yv, c, cov, &chisq, ws))
			goto out;
		for (size_t j = 0; j < p; j++)
			beta[d][j] = gsl_vector_get(c, j);
		/* lower Cholesky factor of cov (zero where not positive definite) */
		{
			gsl_matrix_view L = gsl_matrix_view_array(chol[d], p, p);

			gsl_matrix_memcpy(&L.matrix, cov);
			for (size_t j = 0; j < p; j++)
				gsl_matrix_set(&L.matrix, j, j, gsl_matrix_get(&L.matrix, j, j) + 1e-300);
			if (gsl_linalg_cholesky_decomp1(&L.matrix))
				memset(chol[d], 0, p * p * sizeof(double));
		}
	}
	/* the estimate, and its Monte-Carlo part of the error */
	{
		double sum = 0, sum2 = 0;

		for (size_t i = 0; i < N; i++) {
			double best = 0;

			for (size_t d = 0; d < nd; d++) {
				double g = 0;

				for (size_t j = 0; j < p; j++)
					g += X->data[i * X->tda + j] * beta[d][j];
				if (g > best)
					best = g;
			}
			sum += best;
			sum2 += best * best;
		}
		*evppi = sum / (double)N;
		*se = (sum2 / (double)N - *evppi * *evppi) / (double)N;
	}
	/* the regression's part: coefficients redrawn from N(beta, cov) */
	{
		const char *parts[1] = { "voi-coefficients" };
		double *z = ty_calloc(p, sizeof *z), *bd = ty_calloc(p, sizeof *bd);
		double m = 0, v = 0;

		if (!z || !bd) {
			free(z);
			free(bd);
			goto out;
		}
		ty_rng_key_derive(&key, seed, parts, 1);
		for (size_t r = 0; r < TY_VOI_SE_DRAWS; r++) {
			for (size_t i = 0; i < N; i++)
				gh[i] = 0;
			for (size_t d = 0; d < nd; d++) {
				ty_rng_uniform(&key, (unsigned)gix, ((uint64_t)r * nd + d) * p, p, z);
				for (size_t j = 0; j < p; j++)
					z[j] = gsl_cdf_ugaussian_Pinv(z[j]);
				for (size_t j = 0; j < p; j++) {
					bd[j] = beta[d][j];
					for (size_t l = 0; l <= j; l++)
						bd[j] += chol[d][j * p + l] * z[l];
				}
				for (size_t i = 0; i < N; i++) {
					double g = 0;

					for (size_t j = 0; j < p; j++)
						g += X->data[i * X->tda + j] * bd[j];
					if (g > gh[i])
						gh[i] = g;
				}
			}
			rep[r] = 0;
			for (size_t i = 0; i < N; i++)
				rep[r] += gh[i];
			rep[r] /= (double)N;
			m += rep[r];
		}
		m /= TY_VOI_SE_DRAWS;
		for (size_t r = 0; r < TY_VOI_SE_DRAWS; r++)
			v += (rep[r] - m) * (rep[r] - m);
		v /= TY_VOI_SE_DRAWS - 1;
		*se = sqrt(*se + v);
		free(z);
		free(bd);
	}
	rc = 0;
out:
	for (size_t d = 0; beta && d < nd; d++) {
		free(beta[d]);
		free(chol[d]);
	}
	free(beta);
	free(chol);
	free(rep);
	free(gh);
	free(x);
	if (ws)
		gsl_multifit_linear_free(ws);
	if (X)
		gsl_matrix_free(X);
	if (cov)
		gsl_matrix_free(cov);
	if (c)
		gsl_vector_free(c);
	if (yv)
		gsl_vector_free(yv);
	return rc;
}

/* ------------------------------------------------------------ the decision */

void ty_voi_run_release(struct ty_voi_run *r)
{
	for (size_t d = 0; d < r->D; d++) {
		free(r->cname ? r->cname[d] : NULL);
		free(r->w ? r->w[d] : NULL);
		free(r->wd ? r->wd[d] : NULL);
	}
	free(r->cname);
	free(r->w);
	free(r->wd);
	ty_eval_free(r->E);
	ty_sens_target_release(&r->T);
	memset(r, 0, sizeof *r);
}

int ty_voi_run_init(struct ty_voi_run *r, const tyche_context *ctx, const tyche_voi_opts *o,
		    tyche_error *err)
{
	struct cands C;
	double *wu = NULL;
	size_t N = o->samples, D = 0;
	int rc = 0;

	memset(r, 0, sizeof *r);
	memset(&C, 0, sizeof C);
	if (!o->metric)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no metric: the decision needs one");
	if (N < 10 || N > ((size_t)1 << 28))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "samples: expected 10 .. 2^28, got %zu", N);
	if (o->candidates == TYCHE_VOI_CORNERS)
		rc = cands_corners(&C, ctx, o->budget, err);
	else if (o->candidates == TYCHE_VOI_FILE)
		rc = o->file ? cands_file(&C, ctx, o->file, err)
			     : ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no candidates file given");
	else
		rc = cands_investments(&C, ctx, o->budget, err);
	if (rc)
		goto out;
	D = C.n;
	if (D < 2) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "%zu candidate%s%s: a decision needs at least two", D, D == 1 ? "" : "s",
				 o->budget >= 0 ? " within the budget" : "");
		goto out;
	}
	for (size_t d = 0; d < D; d++)
		for (size_t i = 0; i < ctx->ntranches; i++)
			if (C.w[d][i] != 0 && !ty_dist_is_const(ctx->tranches[i].amount.dist)) {
				rc = ty_error_at(err, TYCHE_EUSAGE, ctx->path, 0, 0,
						 "tranche '%s' has an uncertain amount: the value of information needs fixed amounts",
						 ctx->tranches[i].name);
				goto out;
			}
	wu = ty_calloc(ctx->ntranches + 1, sizeof *wu);
	if (!wu) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	for (size_t d = 0; d < D; d++)
		for (size_t i = 0; i < ctx->ntranches; i++)
			if (C.w[d][i] != 0)
				wu[i] = 1;
	rc = ty_sens_target_tranches(&r->T, ctx, wu, o->metric, o->levels, err);
	if (rc)
		goto out;
	rc = ty_eval_create(&r->E, ctx, o->seed, err);
	if (!rc)   /* plain MC with the correlations table's orders, if any */
		rc = ty_eval_set_design(r->E, TYCHE_DESIGN_MC, N, err);
	if (rc)
		goto out;
	r->N = N;
	r->seed = o->seed;
	r->minimize = o->minimize;
	r->threads = o->threads;
	r->per_sample = (double)r->T.nunits;
	r->wd = ty_calloc(D, sizeof *r->wd);
	if (!r->wd) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	/* the candidates move into the run */
	r->D = D;
	r->cname = C.name;
	r->w = C.w;
	memset(&C, 0, sizeof C);
	for (size_t d = 0; d < D; d++) {
		if (!(r->wd[d] = ty_calloc(r->T.nunits + 1, sizeof **r->wd))) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < ctx->ntranches; i++) {
			if (r->w[d][i] == 0)
				continue;
			for (size_t u = 0; u < r->T.nunits; u++) {
				const struct ty_tech *Tc = &ctx->tech[r->T.unit[u].tech];

				if (!strcmp(Tc->scen[r->T.unit[u].scen].name, ctx->tranches[i].scenario))
					r->wd[d][u] += r->w[d][i];
			}
		}
	}
out:
	free(wu);
	cands_release(&C);
	if (rc)
		ty_voi_run_release(r);
	return rc;
}

int ty_voi_run_values(struct ty_voi_run *r, uint64_t lo, uint64_t hi, double **nb,
		      tyche_error *err)
{
	const struct ty_sens_target *T = &r->T;
	size_t n = (size_t)(hi - lo);
	double sign = r->minimize ? -1 : 1, ***vals = ty_calloc(T->nunits + 1, sizeof *vals);
	int rc = 0;

	if (!vals)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	/* each scenario once */
	for (size_t u = 0; u < T->nunits && !rc; u++) {
		vals[u] = ty_calloc(1, sizeof **vals);
		if (!vals[u] || !(vals[u][0] = ty_calloc(n ? n : 1, sizeof(double)))) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			break;
		}
		rc = ty_budget_check(err, "computing the value of information");
		if (!rc && T->unit[u].row[0] >= 0)
			rc = ty_sens_eval_range(r->E, T, u, NULL, lo, hi, r->threads, vals[u], err);
	}
	/* net benefit of each candidate */
	for (size_t d = 0; !rc && d < r->D; d++) {
		for (size_t i = 0; i < n; i++)
			nb[d][i] = 0;
		for (size_t u = 0; u < T->nunits; u++) {
			if (r->wd[d][u] == 0 || T->unit[u].row[0] < 0)
				continue;
			for (size_t i = 0; i < n; i++)
				nb[d][i] += r->wd[d][u] * vals[u][0][i];
		}
		for (size_t i = 0; i < n; i++)
			nb[d][i] *= sign;
	}
	for (size_t u = 0; u < T->nunits; u++) {
		if (vals[u])
			free(vals[u][0]);
		free(vals[u]);
	}
	free(vals);
	return rc;
}

int ty_voi_run_draws(const struct ty_voi_run *r, size_t g, size_t j, uint64_t lo, uint64_t hi,
		     double *x, tyche_error *err)
{
	const struct ty_sens_group *G = &r->T.group[g];
	const struct ty_sens_unit *U = &r->T.unit[G->cell_unit[j]];

	/* draws are pure functions of the sample: lo .. hi-1 directly */
	if (ty_eval_draw_cell(r->E, U->tech, U->scen, G->cells[j], lo, (size_t)(hi - lo), x))
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "cell of '%s' not in its scenario",
				   G->input);
	return 0;
}

/* ------------------------------------------------------------ the estimates */

int ty_voi_est(tyche_voi **out, const struct ty_voi_est_in *in, tyche_error *err)
{
	tyche_voi *res = ty_calloc(1, sizeof *res);
	double *const *nb = in->nb, **y = ty_calloc(in->D, sizeof *y);
	size_t N = in->N, D = in->D;
	double sign = in->minimize ? -1 : 1;
	int rc = 0;

	if (!res || !y || !(res->cmean = ty_calloc(D, sizeof(double))) ||
	    !(res->cname = ty_calloc(D, sizeof(char *)))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	res->N = N;
	res->seed = in->seed;
	res->minimize = in->minimize;
	res->evals = in->evals;
	res->nc = D;
	for (size_t d = 0; d < D; d++) {
		double s = 0;

		if (!(res->cname[d] = ty_strdup(in->cname[d])) ||
		    !(y[d] = ty_calloc(N, sizeof **y))) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < N; i++)
			s += nb[d][i];
		res->cmean[d] = sign * s / (double)N;
		if (sign * res->cmean[d] > sign * res->cmean[res->best])
			res->best = d;
	}
	/* regrets against the chosen candidate, and the EVPI */
	{
		double sum = 0, sum2 = 0;

		for (size_t i = 0; i < N; i++) {
			double best = 0;

			for (size_t d = 0; d < D; d++) {
				y[d][i] = nb[d][i] - nb[res->best][i];
				if (y[d][i] > best)
					best = y[d][i];
			}
			sum += best;
			sum2 += best * best;
		}
		res->evpi = sum / (double)N;
		res->evpi_se = sqrt(fmax(0, sum2 / (double)N - res->evpi * res->evpi) / (double)N);
	}
	/* the chosen candidate's row of y is zero: regress the others */
	{
		double **yo = ty_calloc(D, sizeof *yo);
		size_t no = 0;

		if (!yo) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t d = 0; d < D; d++)
			if (d != res->best)
				yo[no++] = y[d];
		res->v = ty_calloc(in->ngroups + 1, sizeof *res->v);
		res->strings = ty_calloc(4 * in->ngroups + 4, sizeof(char *));
		if (!res->v || !res->strings) {
			free(yo);
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t g = 0; g < in->ngroups && !rc; g++) {
			const struct ty_voi_group *G = &in->group[g];
			tyche_voi_row *r = &res->v[res->n++];
			const char *src[4] = { G->tech, G->scen, G->table, G->input };
			const char **dst[4] = { &r->technology, &r->scenario, &r->table, &r->input };

			rc = ty_budget_check(err, "computing the value of information");
			if (rc)
				break;
			r->level = G->level;
			for (int k = 0; k < 4; k++) {
				char *s = ty_strdup(src[k] ? src[k] : "");

				if (!s) {
					rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
					break;
				}
				res->strings[res->nstrings++] = s;
				*dst[k] = s;
			}
			if (!rc && evppi_group(in, g, yo, no, &r->evppi, &r->se))
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
						 "the regression for '%s' failed", G->input);
			r->share = res->evpi > 0 ? r->evppi / res->evpi : NAN;
		}
		free(yo);
		if (rc)
			goto out;
	}
	{
		char *m = ty_strdup(in->metric), *un = ty_strdup(in->units);

		res->strings[res->nstrings++] = m;
		res->strings[res->nstrings++] = un;
		res->metric = m;
		res->units = un;
		if (!m || !un) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
	}
	*out = res;
	res = NULL;
out:
	tyche_voi_free(res);
	for (size_t d = 0; y && d < D; d++)
		free(y[d]);
	free(y);
	return rc;
}

/* ------------------------------------------------------------ one process */

static int draw_run(void *arg, size_t g, size_t j, double *x)
{
	const struct ty_voi_run *r = arg;
	tyche_error e = { 0 };

	return ty_voi_run_draws(r, g, j, 0, r->N, x, &e);
}

int tyche_voi_compute(tyche_voi **out, const tyche_context *ctx, const tyche_voi_opts *o,
		      tyche_error *err)
{
	struct ty_voi_run run;
	struct ty_voi_est_in in;
	struct ty_voi_group *grp = NULL;
	double **nb = NULL;
	int rc = ty_voi_run_init(&run, ctx, o, err);

	if (rc)
		return rc;
	nb = ty_calloc(run.D, sizeof *nb);
	grp = ty_calloc(run.T.ngroups + 1, sizeof *grp);
	if (!nb || !grp)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t d = 0; !rc && d < run.D; d++)
		if (!(nb[d] = ty_calloc(run.N, sizeof **nb)))
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (!rc)
		rc = ty_voi_run_values(&run, 0, run.N, nb, err);
	if (!rc) {
		for (size_t g = 0; g < run.T.ngroups; g++) {
			const struct ty_sens_group *G = &run.T.group[g];

			grp[g].level = G->level;
			grp[g].tech = G->tech;
			grp[g].scen = G->scen;
			grp[g].table = G->table;
			grp[g].input = G->input;
			grp[g].ncells = G->n;
		}
		memset(&in, 0, sizeof in);
		in.N = run.N;
		in.D = run.D;
		in.ngroups = run.T.ngroups;
		in.seed = run.seed;
		in.minimize = run.minimize;
		in.metric = run.T.metric[0];
		in.units = run.T.units[0];
		in.cname = (const char *const *)run.cname;
		in.nb = nb;
		in.group = grp;
		in.draw = draw_run;
		in.draw_arg = &run;
		in.evals = run.per_sample * (double)run.N;
		rc = ty_voi_est(out, &in, err);
	}
	for (size_t d = 0; nb && d < run.D; d++)
		free(nb[d]);
	free(nb);
	free(grp);
	ty_voi_run_release(&run);
	return rc;
}

int tyche_voi_write(const tyche_voi *v, int format, tyche_write_fn w, void *arg,
		    tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int json = format == TYCHE_FMT_JSON;

	if (json) {
		ty_buf_adds(&b, "{\"metric\":");
		ty_buf_json_str(&b, v->metric);
		ty_buf_adds(&b, ",\"units\":");
		ty_buf_json_str(&b, v->units);
		ty_buf_addf(&b, ",\"sense\":\"%s\",\"samples\":%zu,\"seed\":%llu,\"evpi\":",
			    v->minimize ? "min" : "max", v->N, (unsigned long long)v->seed);
		ty_buf_num(&b, v->evpi, 1);
		ty_buf_adds(&b, ",\"evpi_se\":");
		ty_buf_num(&b, v->evpi_se, 1);
		ty_buf_adds(&b, ",\"evaluations\":");
		ty_buf_num(&b, v->evals, 1);
		ty_buf_adds(&b, ",\"chosen\":");
		ty_buf_json_str(&b, v->cname[v->best]);
		ty_buf_adds(&b, ",\"candidates\":[");
		for (size_t d = 0; d < v->nc; d++) {
			ty_buf_adds(&b, d ? ",{\"name\":" : "{\"name\":");
			ty_buf_json_str(&b, v->cname[d]);
			ty_buf_adds(&b, ",\"mean\":");
			ty_buf_num(&b, v->cmean[d], 1);
			ty_buf_addc(&b, '}');
		}
		ty_buf_adds(&b, "],\"rows\":[");
	} else {
		ty_buf_adds(&b, "Level,Technology,Scenario,Table,Input,EVPPI,SE,Share\nall,,,,EVPI,");
		ty_buf_num(&b, v->evpi, 0);
		ty_buf_addc(&b, ',');
		ty_buf_num(&b, v->evpi_se, 0);
		ty_buf_adds(&b, ",1\n");
	}
	for (size_t i = 0; i < v->n; i++) {
		const tyche_voi_row *r = &v->v[i];
		const char *sv[] = { ty_sens_level_name(r->level), r->technology, r->scenario, r->table,
				     r->input };
		const char *keys[] = { "level", "technology", "scenario", "table", "input" };

		if (json)
			ty_buf_adds(&b, i ? ",\n{" : "\n{");
		for (int k = 0; k < 5; k++) {
			if (json) {
				ty_buf_addf(&b, "%s\"%s\":", k ? "," : "", keys[k]);
				ty_buf_json_str(&b, sv[k]);
			} else {
				if (k)
					ty_buf_addc(&b, ',');
				ty_buf_csv(&b, sv[k]);
			}
		}
		ty_buf_adds(&b, json ? ",\"evppi\":" : ",");
		ty_buf_num(&b, r->evppi, json);
		ty_buf_adds(&b, json ? ",\"se\":" : ",");
		ty_buf_num(&b, r->se, json);
		ty_buf_adds(&b, json ? ",\"share\":" : ",");
		ty_buf_num(&b, r->share, json);
		ty_buf_adds(&b, json ? "}" : "\n");
	}
	if (json)
		ty_buf_adds(&b, "\n]}\n");
	return ty_buf_deliver(&b, w, arg, err);
}
