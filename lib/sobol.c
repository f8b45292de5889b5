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
 * Two halves (sens.h): the design's outputs f_A, f_B, f_AB for samples
 * lo .. hi-1 (ty_sobol_run_*), then the estimates over all N
 * (ty_sobol_est_*).  One process runs both over 0 .. N; shards
 * (shard-sens.c) store the first and a merge runs the second, so both
 * print the same bytes.
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
	size_t cap;           /* rows planned */
	uint32_t *counts;     /* while estimating: R x N resampling counts */
	double *r1, *rt;      /* while estimating: R replicates */
};

void tyche_sobol_free(tyche_sobol *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	free(s->strings);
	free(s->v);
	free(s->counts);
	free(s->r1);
	free(s->rt);
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

/* ------------------------------------------------------------ the design */

static void free_unit_vals(double **v, size_t M)
{
	for (size_t m = 0; v && m < M; m++)
		free(v[m]);
	free(v);
}

static double **alloc_unit_vals(size_t M, size_t n)
{
	double **v = ty_calloc(M + 1, sizeof *v);

	for (size_t m = 0; v && m < M; m++)
		if (!(v[m] = ty_calloc(n ? n : 1, sizeof(double)))) {
			free_unit_vals(v, M);
			return NULL;
		}
	return v;
}

int ty_sobol_run_init(struct ty_sobol_run *r, const tyche_context *ctx,
		      const tyche_sobol_opts *o, tyche_error *err)
{
	size_t N = o->samples, R = o->bootstrap ? o->bootstrap : 200;
	int rc;

	memset(r, 0, sizeof *r);
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
	r->N = N;
	r->R = R;
	r->level = o->level > 0 && o->level < 1 ? o->level : 0.95;
	r->threads = o->threads;
	rc = ty_sens_target_init(&r->T, ctx, o->scenario, o->amounts, o->namounts, o->metric,
				 o->levels, err);
	if (!rc && r->T.ngroups == 0)
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "the target has no uncertain design or parameter cell");
	if (!rc)
		rc = ty_eval_create(&r->E, ctx, o->seed, err);
	if (rc) {
		ty_sobol_run_release(r);
		return rc;
	}
	/* 2 per unit (A, B), and each unit a group touches */
	r->per_sample = 2.0 * (double)r->T.nunits;
	for (size_t g = 0; g < r->T.ngroups; g++)
		for (size_t u = 0; u < r->T.nunits; u++)
			for (size_t c = 0; c < r->T.group[g].n; c++)
				if (r->T.group[g].cell_unit[c] == u) {
					r->per_sample += 1;
					break;
				}
	return 0;
}

void ty_sobol_run_release(struct ty_sobol_run *r)
{
	for (size_t u = 0; r->A && u < r->T.nunits; u++)
		free_unit_vals(r->A[u], r->T.M);
	free(r->A);
	ty_eval_free(r->E);
	ty_sens_target_release(&r->T);
	memset(r, 0, sizeof *r);
}

int ty_sobol_run_base(struct ty_sobol_run *r, uint64_t lo, uint64_t hi, double **fA,
		      double **fB, tyche_error *err)
{
	const struct ty_sens_target *T = &r->T;
	size_t n = (size_t)(hi - lo);
	struct ty_draw_plan planB;
	double ***Bv = ty_calloc(T->nunits + 1, sizeof *Bv);
	int rc = 0;

	r->lo = lo;
	r->hi = hi;
	r->A = ty_calloc(T->nunits + 1, sizeof *r->A);
	if (!Bv || !r->A) {
		free(Bv);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", n);
	}
	memset(&planB, 0, sizeof planB);
	planB.n = r->N;
	planB.shift = SHIFT_B;
	planB.shift_all = 1;
	for (size_t u = 0; u < T->nunits && !rc; u++) {
		if (!(r->A[u] = alloc_unit_vals(T->M, n)) || !(Bv[u] = alloc_unit_vals(T->M, n))) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", n);
			break;
		}
		rc = ty_budget_check(err, "computing Sobol indices");
		if (!rc)
			rc = ty_sens_eval_range(r->E, T, u, NULL, lo, hi, r->threads, r->A[u], err);
		if (!rc)
			rc = ty_sens_eval_range(r->E, T, u, &planB, lo, hi, r->threads, Bv[u], err);
	}
	if (!rc) {
		combine(T, r->A, NULL, n, fA);
		combine(T, Bv, NULL, n, fB);
	}
	for (size_t u = 0; u < T->nunits; u++)
		free_unit_vals(Bv[u], T->M);
	free(Bv);
	return rc;
}

int ty_sobol_run_group(struct ty_sobol_run *r, size_t g, double **fAB, tyche_error *err)
{
	const struct ty_sens_target *T = &r->T;
	const struct ty_sens_group *G = &T->group[g];
	size_t n = (size_t)(r->hi - r->lo);
	struct ty_draw_plan planG;
	double ***ABu = ty_calloc(T->nunits + 1, sizeof *ABu);
	int rc;

	if (!ABu)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	rc = ty_budget_check(err, "computing Sobol indices");
	memset(&planG, 0, sizeof planG);
	planG.n = r->N;
	planG.shift = SHIFT_B;
	planG.shifted = G->cells;
	planG.nshifted = G->n;
	for (size_t u = 0; u < T->nunits && !rc; u++) {
		int touched = 0;

		for (size_t c = 0; c < G->n; c++)
			touched |= G->cell_unit[c] == u;
		if (!touched)
			continue;
		if (!(ABu[u] = alloc_unit_vals(T->M, n)))
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		else
			rc = ty_sens_eval_range(r->E, T, u, &planG, r->lo, r->hi, r->threads, ABu[u],
						err);
	}
	if (!rc)
		combine(T, r->A, ABu, n, fAB);
	for (size_t u = 0; u < T->nunits; u++)
		free_unit_vals(ABu[u], T->M);
	free(ABu);
	return rc;
}

/* ------------------------------------------------------------ the estimates */

int ty_sobol_est_create(tyche_sobol **out, const char *target, uint64_t seed, size_t N,
			size_t R, double level, size_t ngroups, size_t M, tyche_error *err)
{
	tyche_sobol *res = ty_calloc(1, sizeof *res);

	*out = NULL;
	if (res) {
		res->v = ty_calloc(ngroups * M + 1, sizeof *res->v);
		res->strings = ty_calloc(6 * ngroups * M + 2, sizeof(char *));
		res->r1 = ty_calloc(R + 1, sizeof *res->r1);
		res->rt = ty_calloc(R + 1, sizeof *res->rt);
		res->counts = ty_calloc(R * N + 1, sizeof *res->counts);
	}
	if (!res || !res->v || !res->strings || !res->r1 || !res->rt || !res->counts ||
	    !(res->target = keep(res, target))) {
		tyche_sobol_free(res);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", N);
	}
	res->seed = seed;
	res->samples = N;
	res->bootstrap = R;
	res->level = level;
	res->M = M;
	res->cap = ngroups * M;
	/* resampling counts, one set for every group and metric */
	{
		struct ty_rng_key key;
		const char *parts[1] = { "sobol-bootstrap" };
		double *u = ty_calloc(N, sizeof *u);

		if (!u) {
			tyche_sobol_free(res);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		ty_rng_key_derive(&key, seed, parts, 1);
		for (size_t r = 0; r < R; r++) {
			ty_rng_uniform(&key, (unsigned)r, 0, N, u);
			for (size_t i = 0; i < N; i++) {
				size_t k = (size_t)(u[i] * (double)N);

				res->counts[r * N + (k < N ? k : N - 1)]++;
			}
		}
		free(u);
	}
	*out = res;
	return 0;
}

int ty_sobol_est_group(tyche_sobol *res, int level, const char *tech, const char *scen,
		       const char *table, const char *input, const char *const *metric,
		       const char *const *units, double *const *fA, double *const *fB,
		       double *const *fAB, tyche_error *err)
{
	size_t N = res->samples, R = res->bootstrap;

	for (size_t m = 0; m < res->M; m++) {
		tyche_sobol_row *row;
		const char **f[6];
		const char *src[6] = { metric[m], units[m], tech, scen, table, input };

		if (res->n >= res->cap)
			return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "more Sobol rows than planned");
		row = &res->v[res->n++];
		f[0] = &row->metric;
		f[1] = &row->units;
		f[2] = &row->technology;
		f[3] = &row->scenario;
		f[4] = &row->table;
		f[5] = &row->input;
		for (size_t k = 0; k < 6; k++)
			if (!(*f[k] = keep(res, src[k])))
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		row->level = level;
		estimate(fA[m], fB[m], fAB[m], N, NULL, &row->first, &row->total);
		for (size_t r = 0; r < R; r++)
			estimate(fA[m], fB[m], fAB[m], N, res->counts + r * N, &res->r1[r], &res->rt[r]);
		interval(res->r1, R, res->level, &row->first_lo, &row->first_hi, &row->first_se);
		interval(res->rt, R, res->level, &row->total_lo, &row->total_hi, &row->total_se);
	}
	return 0;
}

void ty_sobol_est_finish(tyche_sobol *s, double evals)
{
	s->evals = evals;
	free(s->counts);
	free(s->r1);
	free(s->rt);
	s->counts = NULL;
	s->r1 = s->rt = NULL;
}

/* ------------------------------------------------------------ one process */

int tyche_sobol_compute(tyche_sobol **out, const tyche_context *ctx,
			const tyche_sobol_opts *o, tyche_error *err)
{
	struct ty_sobol_run run;
	tyche_sobol *res = NULL;
	double **fA = NULL, **fB = NULL, **fAB = NULL;
	int rc = ty_sobol_run_init(&run, ctx, o, err);

	if (rc)
		return rc;
	fA = alloc_unit_vals(run.T.M, run.N);
	fB = alloc_unit_vals(run.T.M, run.N);
	fAB = alloc_unit_vals(run.T.M, run.N);
	if (!fA || !fB || !fAB)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", run.N);
	if (!rc)
		rc = ty_sobol_run_base(&run, 0, run.N, fA, fB, err);
	if (!rc)
		rc = ty_sobol_est_create(&res, o->scenario ? o->scenario : "portfolio", o->seed,
					 run.N, run.R, run.level, run.T.ngroups, run.T.M, err);
	for (size_t g = 0; !rc && g < run.T.ngroups; g++) {
		const struct ty_sens_group *G = &run.T.group[g];

		rc = ty_sobol_run_group(&run, g, fAB, err);
		if (!rc)
			rc = ty_sobol_est_group(res, G->level, G->tech, G->scen, G->table, G->input,
						(const char *const *)run.T.metric,
						(const char *const *)run.T.units, fA, fB, fAB, err);
	}
	if (!rc) {
		ty_sobol_est_finish(res, run.per_sample * (double)run.N);
		*out = res;
		res = NULL;
	}
	tyche_sobol_free(res);
	free_unit_vals(fA, run.T.M);
	free_unit_vals(fB, run.T.M);
	free_unit_vals(fAB, run.T.M);
	ty_sobol_run_release(&run);
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
