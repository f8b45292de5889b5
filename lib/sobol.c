/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sobol.c - global sensitivity: first-order and total Sobol indices of
 * each metric of a scenario or a portfolio, w.r.t. each uncertain cell,
 * parameter and table (tyche/sensitivity.h, doc/sensitivity.md).
 *
 * Saltelli's design from keyed streams: matrix A is the seed's ordinary
 * draws (samples 0..N-1, the values tyche-run evaluate prints), matrix B
 * the same streams at samples 2^40 + j (independent of A, no second
 * seed), AB_g = A with group g's cells drawn from B.  Only the scenarios
 * holding a cell of g are re-evaluated (sens.h: a portfolio is a fixed
 * linear combination of its scenarios).  Jansen's estimators with V the
 * variance of A and B pooled:
 *   S_g  = (V - mean((f_B - f_ABg)^2) / 2) / V
 *   ST_g = mean((f_A - f_ABg)^2) / 2 / V
 * Intervals: percentile bootstrap over R resamples of the N rows, the
 * resampling counts drawn from keyed streams (seed, "sobol-bootstrap"),
 * so the intervals are as reproducible as the indices.
 *
 * Easy to get wrong: the same resampling counts must be used for every
 * group and metric (the intervals of a sum of indices then make sense),
 * and V must be recomputed per replicate.  Under dependent inputs
 * (a correlations table) Sobol indices lose their meaning: refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "sens.h"

#define SHIFT_B ((uint64_t)1 << 40)

struct tyche_sobol {
	size_t n;
	tyche_sobol_row *v;
	char **strings;
	size_t nstrings;
	uint64_t seed;
	size_t samples, bootstrap;
	double level, evals;
	size_t M;             /* rows are group-major: v[g * M + m] */
	const char *target;   /* strings[0] */
};

void tyche_sobol_free(tyche_sobol *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	free(s->strings);
	free(s->v);
	free(s);
}

size_t tyche_sobol_nrows(const tyche_sobol *s) { return s->n; }
double tyche_sobol_evaluations(const tyche_sobol *s) { return s->evals; }

/* Rows in metric-major order: metric by metric, then group by group. */
const tyche_sobol_row *tyche_sobol_row_at(const tyche_sobol *s, size_t i)
{
	size_t G;

	if (i >= s->n || !s->M)
		return NULL;
	G = s->n / s->M;
	return &s->v[(i % G) * s->M + i / G];
}

static const char *keep(tyche_sobol *s, const char *str)
{
	char *d = ty_strdup(str ? str : "");

	if (!d)
		return NULL;
	s->strings[s->nstrings++] = d;
	return d;
}

/* f[m][i] = sum over units of w_u * vals[u][m][i]; vals[u] may be
 * replaced for the units in `alt` (alt[u] != NULL). */
static void combine(const struct ty_sens_target *T, double ***vals, double ***alt, size_t N,
		    double **f)
{
	for (size_t m = 0; m < T->M; m++) {
		for (size_t i = 0; i < N; i++)
			f[m][i] = 0;
		for (size_t u = 0; u < T->nunits; u++) {
			const double *v;
			double w = T->unit[u].w;

			if (T->unit[u].row[m] < 0)
				continue;
			v = alt && alt[u] ? alt[u][m] : vals[u][m];
			for (size_t i = 0; i < N; i++)
				f[m][i] += w * v[i];
		}
	}
}

static double ***alloc_vals(size_t nu, size_t M, size_t N)
{
	double ***v = ty_calloc(nu + 1, sizeof *v);

	for (size_t u = 0; v && u < nu; u++) {
		v[u] = ty_calloc(M, sizeof **v);
		if (!v[u])
			return v;
		for (size_t m = 0; m < M; m++)
			v[u][m] = ty_calloc(N, sizeof(double));
	}
	return v;
}

static int vals_ok(double ***v, size_t nu, size_t M)
{
	if (!v)
		return 0;
	for (size_t u = 0; u < nu; u++) {
		if (!v[u])
			return 0;
		for (size_t m = 0; m < M; m++)
			if (!v[u][m])
				return 0;
	}
	return 1;
}

static void free_vals(double ***v, size_t nu, size_t M)
{
	for (size_t u = 0; v && u < nu; u++) {
		for (size_t m = 0; v[u] && m < M; m++)
			free(v[u][m]);
		free(v[u]);
	}
	free(v);
}

/* Point estimate (c = NULL) or one bootstrap replicate (counts c). */
static void estimate(const double *fA, const double *fB, const double *fAB, size_t N,
		     const uint32_t *c, double *S1, double *ST)
{
	double sa = 0, sb = 0, saa = 0, sbb = 0, d1 = 0, d2 = 0, V, mean, n = (double)N;

	for (size_t i = 0; i < N; i++) {
		double k = c ? (double)c[i] : 1.0, a = fA[i], b = fB[i], ab = fAB[i];

		if (k == 0)
			continue;
		sa += k * a;
		sb += k * b;
		saa += k * a * a;
		sbb += k * b * b;
		d1 += k * (b - ab) * (b - ab);
		d2 += k * (a - ab) * (a - ab);
	}
	mean = (sa + sb) / (2 * n);
	V = (saa + sbb) / (2 * n) - mean * mean;
	if (!(V > 0) || !isfinite(V)) {
		*S1 = *ST = NAN;
		return;
	}
	*S1 = (V - d1 / (2 * n)) / V;
	*ST = d2 / (2 * n) / V;
}

static void interval(double *r, size_t R, double level, double *lo, double *hi, double *se)
{
	size_t k = 0;

	for (size_t i = 0; i < R; i++)
		if (isfinite(r[i]))
			r[k++] = r[i];
	if (k < 2) {
		*lo = *hi = *se = NAN;
		return;
	}
	gsl_sort(r, 1, k);
	*lo = gsl_stats_quantile_from_sorted_data(r, 1, k, (1 - level) / 2);
	*hi = gsl_stats_quantile_from_sorted_data(r, 1, k, 1 - (1 - level) / 2);
	*se = gsl_stats_sd(r, 1, k);
}

int tyche_sobol_compute(tyche_sobol **out, const tyche_context *ctx,
			const tyche_sobol_opts *o, tyche_error *err)
{
	struct ty_sens_target T;
	struct ty_eval *E = NULL;
	struct ty_draw_plan planB, planG;
	tyche_sobol *res = NULL;
	double ***A = NULL, ***Bv = NULL, ***ABu = NULL, **fA = NULL, **fB = NULL, **fAB = NULL;
	double *r1 = NULL, *rt = NULL;
	uint32_t *counts = NULL;
	size_t N = o->samples, R = o->bootstrap ? o->bootstrap : 200;
	double level = o->level > 0 && o->level < 1 ? o->level : 0.95;
	int rc;

	if (N < 2 || N > ((size_t)1 << 30))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "samples: expected 2 .. 2^30 base samples, got %zu", N);
	if (R > 100000)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "bootstrap: expected at most 100000 replicates, got %zu", R);
	if (ctx->corr)
		return ty_error_at(err, TYCHE_EUSAGE, ctx->path, 0, 0,
				   "the study has a correlations table: Sobol indices assume independent inputs");
	if (o->scenario && o->namounts)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "give a scenario or amounts, not both");
	rc = ty_sens_target_init(&T, ctx, o->scenario, o->amounts, o->namounts, o->metric,
				 o->levels, err);
	if (rc) {
		ty_sens_target_release(&T);
		return rc;
	}
	if (T.ngroups == 0) {
		ty_sens_target_release(&T);
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "the target has no uncertain design or parameter cell");
	}
	rc = ty_eval_create(&E, ctx, o->seed, err);
	if (rc) {
		ty_sens_target_release(&T);
		return rc;
	}
	A = alloc_vals(T.nunits, T.M, N);
	Bv = alloc_vals(T.nunits, T.M, N);
	ABu = ty_calloc(T.nunits + 1, sizeof *ABu);
	fA = ty_calloc(T.M, sizeof *fA);
	fB = ty_calloc(T.M, sizeof *fB);
	fAB = ty_calloc(T.M, sizeof *fAB);
	r1 = ty_calloc(R, sizeof *r1);
	rt = ty_calloc(R, sizeof *rt);
	counts = ty_calloc(R * N, sizeof *counts);
	res = ty_calloc(1, sizeof *res);
	if (res) {
		res->v = ty_calloc(T.ngroups * T.M + 1, sizeof *res->v);
		res->strings = ty_calloc(6 * T.ngroups * T.M + 2, sizeof(char *));
	}
	if (!vals_ok(A, T.nunits, T.M) || !vals_ok(Bv, T.nunits, T.M) || !ABu || !fA || !fB ||
	    !fAB || !r1 || !rt || !counts || !res || !res->v || !res->strings) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", N);
		goto out;
	}
	for (size_t m = 0; m < T.M; m++) {
		fA[m] = ty_calloc(N, sizeof(double));
		fB[m] = ty_calloc(N, sizeof(double));
		fAB[m] = ty_calloc(N, sizeof(double));
		if (!fA[m] || !fB[m] || !fAB[m]) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
	}
	memset(&planB, 0, sizeof planB);
	planB.n = N;
	planB.shift = SHIFT_B;
	planB.shift_all = 1;
	for (size_t u = 0; u < T.nunits && !rc; u++) {
		rc = ty_budget_check(err, "computing Sobol indices");
		if (!rc)
			rc = ty_sens_eval_unit(E, &T, u, NULL, N, o->threads, A[u], err);
		if (!rc)
			rc = ty_sens_eval_unit(E, &T, u, &planB, N, o->threads, Bv[u], err);
		res->evals += 2.0 * (double)N;
	}
	if (rc)
		goto out;
	combine(&T, A, NULL, N, fA);
	combine(&T, Bv, NULL, N, fB);
	/* resampling counts, one set for every group and metric */
	{
		struct ty_rng_key key;
		const char *parts[1] = { "sobol-bootstrap" };
		double *u = ty_calloc(N, sizeof *u);

		if (!u) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		ty_rng_key_derive(&key, o->seed, parts, 1);
		for (size_t r = 0; r < R; r++) {
			ty_rng_uniform(&key, (unsigned)r, 0, N, u);
			for (size_t i = 0; i < N; i++) {
				size_t k = (size_t)(u[i] * (double)N);

				counts[r * N + (k < N ? k : N - 1)]++;
			}
		}
		free(u);
	}
	res->target = keep(res, o->scenario ? o->scenario : "portfolio");
	for (size_t g = 0; g < T.ngroups && !rc; g++) {
		const struct ty_sens_group *G = &T.group[g];

		rc = ty_budget_check(err, "computing Sobol indices");
		memset(&planG, 0, sizeof planG);
		planG.n = N;
		planG.shift = SHIFT_B;
		planG.shifted = G->cells;
		planG.nshifted = G->n;
		for (size_t u = 0; u < T.nunits && !rc; u++) {
			int touched = 0;

			for (size_t c = 0; c < G->n; c++)
				touched |= G->cell_unit[c] == u;
			if (!touched)
				continue;
			ABu[u] = ty_calloc(T.M, sizeof **ABu);
			for (size_t m = 0; ABu[u] && m < T.M; m++)
				if (!(ABu[u][m] = ty_calloc(N, sizeof(double))))
					rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			if (!ABu[u])
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			if (rc)
				break;
			rc = ty_sens_eval_unit(E, &T, u, &planG, N, o->threads, ABu[u], err);
			res->evals += (double)N;
		}
		if (rc)
			break;
		combine(&T, A, ABu, N, fAB);
		for (size_t u = 0; u < T.nunits; u++)
			if (ABu[u]) {
				for (size_t m = 0; m < T.M; m++)
					free(ABu[u][m]);
				free(ABu[u]);
				ABu[u] = NULL;
			}
		for (size_t m = 0; m < T.M; m++) {
			tyche_sobol_row *row = &res->v[res->n++];

			row->metric = T.metric[m];
			row->units = T.units[m];
			row->level = G->level;
			row->technology = G->tech;
			row->scenario = G->scen;
			row->table = G->table;
			row->input = G->input;
			estimate(fA[m], fB[m], fAB[m], N, NULL, &row->first, &row->total);
			for (size_t r = 0; r < R; r++)
				estimate(fA[m], fB[m], fAB[m], N, counts + r * N, &r1[r], &rt[r]);
			interval(r1, R, level, &row->first_lo, &row->first_hi, &row->first_se);
			interval(rt, R, level, &row->total_lo, &row->total_hi, &row->total_se);
		}
	}
	if (rc)
		goto out;
	/* the rows borrow the target's strings: copy them into the result */
	for (size_t i = 0; i < res->n; i++) {
		tyche_sobol_row *row = &res->v[i];
		const char **f[] = { &row->metric, &row->units, &row->technology, &row->scenario,
				     &row->table, &row->input };

		for (size_t k = 0; k < 6; k++) {
			const char *prev = NULL;

			/* share a string with the previous row when equal */
			if (i > 0) {
				const tyche_sobol_row *p = &res->v[i - 1];
				const char *pv[] = { p->metric, p->units, p->technology, p->scenario,
						     p->table, p->input };

				if (pv[k] && !strcmp(pv[k], *f[k]))
					prev = pv[k];
			}
			if (prev) {
				*f[k] = prev;
				continue;
			}
			*f[k] = keep(res, *f[k]);
			if (!*f[k]) {
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				goto out;
			}
		}
	}
	res->seed = o->seed;
	res->M = T.M;
	res->samples = N;
	res->bootstrap = R;
	res->level = level;
	*out = res;
	res = NULL;
out:
	tyche_sobol_free(res);
	free_vals(A, T.nunits, T.M);
	free_vals(Bv, T.nunits, T.M);
	if (ABu)
		for (size_t u = 0; u < T.nunits; u++)
			if (ABu[u]) {
				for (size_t m = 0; m < T.M; m++)
					free(ABu[u][m]);
				free(ABu[u]);
			}
	free(ABu);
	for (size_t m = 0; fA && m < T.M; m++) {
		free(fA[m]);
		free(fB ? fB[m] : NULL);
		free(fAB ? fAB[m] : NULL);
	}
	free(fA);
	free(fB);
	free(fAB);
	free(r1);
	free(rt);
	free(counts);
	ty_eval_free(E);
	ty_sens_target_release(&T);
	return rc;
}

int tyche_sobol_write(const tyche_sobol *s, int format, tyche_write_fn w, void *arg,
		      tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int json = format == TYCHE_FMT_JSON;

	if (json) {
		ty_buf_addf(&b, "{\"target\":");
		ty_buf_json_str(&b, s->target ? s->target : "");
		ty_buf_addf(&b, ",\"samples\":%zu,\"seed\":%llu,\"bootstrap\":%zu,\"level\":",
			    s->samples, (unsigned long long)s->seed, s->bootstrap);
		ty_buf_num(&b, s->level, 1);
		ty_buf_adds(&b, ",\"design\":\"mc\",\"evaluations\":");
		ty_buf_num(&b, s->evals, 1);
		ty_buf_adds(&b, ",\"rows\":[");
	} else {
		ty_buf_adds(&b, "Metric,Units,Level,Technology,Scenario,Table,Input,First,FirstLow,"
				"FirstHigh,FirstSE,Total,TotalLow,TotalHigh,TotalSE\n");
	}
	for (size_t i = 0; i < s->n; i++) {
		const tyche_sobol_row *r = tyche_sobol_row_at(s, i);
		const char *keys[] = { "metric", "units", "level", "technology", "scenario",
				       "table", "input" };
		const char *sv[] = { r->metric, r->units, ty_sens_level_name(r->level), r->technology,
				     r->scenario, r->table, r->input };
		const char *nk[] = { "first", "first_low", "first_high", "first_se", "total",
				     "total_low", "total_high", "total_se" };
		double nv[] = { r->first, r->first_lo, r->first_hi, r->first_se, r->total,
				r->total_lo, r->total_hi, r->total_se };

		if (json)
			ty_buf_adds(&b, i ? ",\n{" : "\n{");
		for (size_t k = 0; k < 7; k++) {
			if (json) {
				ty_buf_addf(&b, "%s\"%s\":", k ? "," : "", keys[k]);
				ty_buf_json_str(&b, sv[k]);
			} else {
				if (k)
					ty_buf_addc(&b, ',');
				ty_buf_csv(&b, sv[k]);
			}
		}
		for (size_t k = 0; k < 8; k++) {
			if (json)
				ty_buf_addf(&b, ",\"%s\":", nk[k]);
			else
				ty_buf_addc(&b, ',');
			ty_buf_num(&b, nv[k], json);
		}
		ty_buf_adds(&b, json ? "}" : "\n");
	}
	if (json)
		ty_buf_adds(&b, "\n]}\n");
	return ty_buf_deliver(&b, w, arg, err);
}
