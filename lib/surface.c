/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * surface.c - the response surface: building it from the scenario
 * evaluations of the tranches, and evaluating it (values, gradients,
 * lookups by name, "Category=amount" parsing).  Its cache file format is
 * lib/surface-file.c; where cache files live, lib/surface-cache.c.
 *
 * Each tranche takes the metric results of its scenario, sample by sample
 * (summed over the technologies that have a scenario of that name).  Per
 * category, metric and sample the surface is the piecewise-linear
 * interpolant of those values over the tranche amounts, extrapolated
 * linearly beyond the ends.  Interpolation follows scipy's interp1d
 * exactly (segment = number of knots below x, clipped to the ends;
 * y = slope * (x - x_lo) + y_lo), so values at the knots agree with the
 * reference to the last bit.
 *
 * Easy to get wrong:
 *  - Tranche amounts are drawn by ty_tranche_amounts (lib/results.c), the
 *    one routine the tranche tables use too; only the tornado's overrides
 *    are handled here, around it.
 *  - Bit-identical results depend on the order of operations: the
 *    interpolation keeps (yhi - ylo) / dx * t + ylo per element (no 1/dx),
 *    and sums over technologies in technology order.
 *  - Metrics are the union over technologies in order of first appearance
 *    (not sorted): the surface file and every front end index them so.
 *  - Builds check the process's work budget per tranche (the evaluator
 *    checks per block underneath) and stop with TYCHE_ETIMEOUT.
 *  - A part (ty_surface_build_part, for shards) holds samples lo..hi-1
 *    as the whole build holds them: the design and the tranche amounts
 *    are drawn for the whole run and cut.  The means, the constant-amount
 *    flag and the metric ranges depend on every sample: ty_surface_finish
 *    computes them, after a build and after a merge alike.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "grow.h"
#include "names.h"
#include "results.h"
#include "surface.h"

/* ------------------------------------------------------------ helpers */

static void *xcalloc(size_t n, size_t s, int *oom)
{
	void *p = ty_calloc(n, s);

	if (!p)
		*oom = 1;
	return p;
}

void tyche_surface_free(tyche_surface *s)
{
	if (!s)
		return;
	for (size_t c = 0; c < s->C; c++) {
		if (!s->blob) {
			free(s->amt ? s->amt[c] : NULL);
			free(s->val ? s->val[c] : NULL);
		}
		free(s->mean_amt ? s->mean_amt[c] : NULL);
		for (size_t t = 0; s->tname && s->tname[c] && t < s->T[c]; t++)
			free(s->tname[c][t]);
		free(s->tname ? s->tname[c] : NULL);
		free(s->cat ? s->cat[c] : NULL);
	}
	for (size_t m = 0; m < s->M; m++) {
		free(s->metric ? s->metric[m] : NULL);
		free(s->units ? s->units[m] : NULL);
	}
	free(s->lo);
	free(s->hi);
	free(s->T);
	free(s->amt);
	free(s->mean_amt);
	free(s->val);
	free(s->tname);
	free(s->cat);
	free(s->metric);
	free(s->units);
	free(s->cat_ord);
	free(s->metric_ord);
	if (s->blob_mapped)
		munmap(s->blob, s->blob_len);
	else
		free(s->blob);
	free(s);
}

tyche_surface *ty_surface_new(void)
{
	return ty_calloc(1, sizeof(tyche_surface));
}

int ty_surface_index(tyche_surface *s)
{
	free(s->cat_ord);
	free(s->metric_ord);
	s->cat_ord = ty_names_order(s->cat, s->C, sizeof(char *));
	s->metric_ord = ty_names_order(s->metric, s->M, sizeof(char *));
	return s->cat_ord && s->metric_ord ? 0 : -1;
}

/* ------------------------------------------------------------ building */

struct scen_res {            /* results of one (technology, scenario) */
	double **rows;           /* [result row][N] */
};

struct builder {
	const tyche_context *ctx;
	struct ty_eval *E;
	size_t N;                /* samples held: lo .. lo+N-1 of total */
	uint64_t lo, total;
	unsigned threads;
	const struct ty_cell_override *ov;
	size_t nov;
	int fixed;               /* medians + overrides, N = 1 */
	struct scen_res **res;   /* [tech][scen] */
	tyche_eval_memo *memo;   /* whole sampled builds: the caller's memo */
	int design;
};

static int need_scenario(struct builder *Bd, size_t t, size_t s, tyche_error *err)
{
	const struct ty_tech *T = &Bd->ctx->tech[t];
	struct scen_res *R = &Bd->res[t][s];
	int rc;

	if (R->rows)
		return 0;
	R->rows = ty_calloc(T->nresults ? T->nresults : 1, sizeof(double *));
	if (!R->rows)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t r = 0; r < T->nresults; r++) {
		R->rows[r] = malloc(Bd->N * sizeof(double));
		if (!R->rows[r])
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
					   "out of memory for %zu samples", Bd->N);
	}
	if (Bd->fixed) {
		struct ty_eval_ws *ws = ty_eval_ws_create(Bd->E);

		if (!ws)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		ty_eval_ws_set_overrides(ws, Bd->ov, Bd->nov, 1);
		rc = ty_eval_block(Bd->E, ws, t, s, 0, 1, R->rows);
		ty_eval_ws_free(ws);
		if (rc)
			return ty_error_at(err, rc, Bd->ctx->path, 0, 0,
					   "evaluation of '%s' failed", T->scen[s].name);
		return 0;
	}
	return ty_eval_scenario_memo(Bd->lo == 0 && Bd->N == Bd->total ? Bd->memo : NULL, Bd->E,
				     Bd->design, t, s, Bd->N, Bd->threads, R->rows, err);
}

static void release_builder(struct builder *Bd)
{
	for (size_t t = 0; Bd->res && t < Bd->ctx->ntech; t++) {
		for (size_t s = 0; Bd->res[t] && s < Bd->ctx->tech[t].nscen; s++) {
			struct scen_res *R = &Bd->res[t][s];

			for (size_t r = 0; R->rows && r < Bd->ctx->tech[t].nresults; r++)
				free(R->rows[r]);
			free(R->rows);
		}
		free(Bd->res[t]);
	}
	free(Bd->res);
	Bd->res = NULL;
	ty_eval_free(Bd->E);
	Bd->E = NULL;
}

static int builder_init(struct builder *Bd, const tyche_context *ctx, uint64_t seed,
			size_t N, unsigned threads, tyche_error *err)
{
	int rc;

	memset(Bd, 0, sizeof(*Bd));
	Bd->ctx = ctx;
	Bd->N = N;
	Bd->total = N;
	Bd->threads = threads;
	rc = ty_eval_create(&Bd->E, ctx, seed, err);
	if (rc)
		return rc;
	Bd->res = ty_calloc(ctx->ntech + 1, sizeof(*Bd->res));
	for (size_t t = 0; Bd->res && t < ctx->ntech; t++) {
		Bd->res[t] = ty_calloc(ctx->tech[t].nscen + 1, sizeof(struct scen_res));
		if (!Bd->res[t])
			break;
	}
	for (size_t t = 0; t < ctx->ntech; t++)
		if (!Bd->res || !Bd->res[t]) {
			release_builder(Bd);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
	return 0;
}

/* Amount of tranche tr at samples lo..lo+N-1 (-1: out of memory): the tornado's override of its
 * cell when there is one, else as the tranche tables draw it. */
static int tranche_amounts(struct builder *Bd, uint64_t seed, const struct ty_tranche *tr,
			   double *out)
{
	for (size_t o = 0; o < Bd->nov; o++)
		if (Bd->ov[o].cell == &tr->amount) {
			for (size_t i = 0; i < Bd->N; i++)
				out[i] = Bd->ov[o].value;
			return 0;
		}
	if (Bd->N == Bd->total) {
		ty_tranche_amounts(tr, seed, Bd->N, Bd->fixed, out);
		return 0;
	}
	/* a part: the whole run's draws, cut (the same numbers as a build of
	 * every sample holds there) */
	double *all = malloc(Bd->total * sizeof(double));

	if (!all)
		return -1;
	ty_tranche_amounts(tr, seed, Bd->total, Bd->fixed, all);
	memcpy(out, all + Bd->lo, Bd->N * sizeof(double));
	free(all);
	return 0;
}

/* The metrics: the union over technologies of their metric rows, in order
 * of first appearance, with the units of that first row. */
static int collect_metrics(tyche_surface *S, const tyche_context *ctx)
{
	struct cand {
		const char *name;     /* first member: see names.h */
		const char *units;
	} *v = NULL;
	size_t n = 0, cap = 0, *ord;

	for (size_t t = 0; t < ctx->ntech; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		for (size_t r = 0; r < T->nresults; r++) {
			if (T->results[r].var != TY_VAR_METRIC || T->results[r].offset < 0)
				continue;
			if (ty_grow(&v, &cap, n + 1, sizeof(*v))) {
				free(v);
				return -1;
			}
			v[n].name = T->results[r].index;
			v[n].units = T->results[r].units;
			n++;
		}
	}
	ord = ty_names_order(v, n, sizeof(*v));
	S->metric = ty_calloc(n + 1, sizeof(char *));
	S->units = ty_calloc(n + 1, sizeof(char *));
	if (!ord || !S->metric || !S->units) {
		free(ord);
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (ty_names_find(v, n, sizeof(*v), ord, v[i].name) != (long)i)
			continue;         /* seen before */
		S->metric[S->M] = ty_strdup(v[i].name);
		S->units[S->M] = ty_strdup(v[i].units);
		S->M++;
		if (!S->metric[S->M - 1] || !S->units[S->M - 1]) {
			free(ord);
			free(v);
			return -1;
		}
	}
	free(ord);
	free(v);
	S->metric_ord = ty_names_order(S->metric, S->M, sizeof(char *));
	return S->metric_ord ? 0 : -1;
}

struct tr_sort {
	size_t ix;
	double mean;
};

static int tr_sort_cmp(const void *a, const void *b)
{
	const struct tr_sort *x = a, *y = b;

	return (x->mean > y->mean) - (x->mean < y->mean);
}

/* A part's sink (ty_eval_values): the rows of the scenarios a tranche
 * uses (allocated by prefill), dropped for the others. */
static int part_sink(void *arg, size_t tech, size_t scen, uint64_t first, size_t n,
		     const double *vals, size_t stride)
{
	struct builder *Bd = arg;
	struct scen_res *R = &Bd->res[tech][scen];

	for (size_t r = 0; R->rows && r < Bd->ctx->tech[tech].nresults; r++)
		memcpy(R->rows[r] + (first - Bd->lo), vals + r * stride, n * sizeof(double));
	return 0;
}

/* A part (samples lo .. lo+N-1 of total): every scenario a tranche uses,
 * evaluated for those samples at once, so need_scenario finds them. */
static int prefill(struct builder *Bd, tyche_error *err)
{
	const tyche_context *ctx = Bd->ctx;
	int rc;

	for (size_t i = 0; i < ctx->ntranches; i++)
		for (size_t t = 0; t < ctx->ntech; t++) {
			long s = ty_scenario_find(&ctx->tech[t], ctx->tranches[i].scenario);
			struct scen_res *R;

			if (s < 0 || (R = &Bd->res[t][s])->rows)
				continue;
			R->rows = ty_calloc(ctx->tech[t].nresults ? ctx->tech[t].nresults : 1,
					    sizeof(double *));
			if (!R->rows)
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			for (size_t r = 0; r < ctx->tech[t].nresults; r++)
				if (!(R->rows[r] = malloc(Bd->N * sizeof(double))))
					return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
							   "out of memory for %zu samples", Bd->N);
		}
	rc = ty_budget_check(err, "building the surface");
	if (!rc) {
		struct ty_eval_range rg = { Bd->lo, Bd->lo + Bd->N, SIZE_MAX, SIZE_MAX, 0, 0, 1 };

		rc = ty_eval_values(Bd->E, &rg, Bd->threads, part_sink, Bd, err);
	}
	return rc;
}

/* The surface of samples lo .. hi-1 of a run of `total` (all of it when
 * lo = 0, hi = total): amounts and values exactly as the whole build
 * holds them there; the means and ranges are the part's own until
 * ty_surface_finish sees every sample. */
static int build(tyche_surface **out, const tyche_context *ctx, uint64_t seed, uint64_t lo,
		 uint64_t hi, uint64_t total, unsigned threads,
		 const struct ty_cell_override *ov, size_t nov, int fixed, int design,
		 tyche_eval_memo *memo, tyche_error *err)
{
	struct builder Bd;
	tyche_surface *S = NULL;
	size_t N = (size_t)(hi - lo);
	int rc, oom = 0;

	if (ctx->ntranches == 0)
		return ty_error_at(err, TYCHE_EDATA, ctx->path, 0, 0,
				   "the context has no tranches: nothing to fit a surface to");
	rc = builder_init(&Bd, ctx, seed, N, threads, err);
	if (rc)
		return rc;
	Bd.lo = lo;
	Bd.total = total;
	Bd.ov = ov;
	Bd.nov = nov;
	Bd.fixed = fixed;
	Bd.memo = fixed ? NULL : memo;
	Bd.design = design;
	if (!fixed) {
		rc = ty_eval_set_design(Bd.E, design, total, err);
		if (!rc && N != total)
			rc = prefill(&Bd, err);
		if (rc) {
			release_builder(&Bd);
			return rc;
		}
	}
	S = ty_surface_new();
	if (!S) {
		release_builder(&Bd);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	memcpy(S->ctx_hash, ctx->hash, sizeof S->ctx_hash);
	S->seed = seed;
	S->N = N;
	S->design = fixed ? 0 : design;
	if (collect_metrics(S, ctx))
		oom = 1;
	S->C = ctx->ncategories;
	S->cat = xcalloc(S->C, sizeof(char *), &oom);
	S->T = xcalloc(S->C, sizeof(size_t), &oom);
	S->tname = xcalloc(S->C, sizeof(char **), &oom);
	S->amt = xcalloc(S->C, sizeof(double *), &oom);
	S->mean_amt = xcalloc(S->C, sizeof(double *), &oom);
	S->val = xcalloc(S->C, sizeof(double *), &oom);
	S->lo = xcalloc(S->M ? S->M : 1, sizeof(double), &oom);
	S->hi = xcalloc(S->M ? S->M : 1, sizeof(double), &oom);
	for (size_t c = 0; c < S->C && !oom && !rc; c++) {
		const char *cat = ctx->categories[c];
		struct tr_sort *ord;
		size_t nt = 0;

		S->cat[c] = ty_strdup(cat);
		for (size_t i = 0; i < ctx->ntranches; i++)
			nt += !strcmp(ctx->tranches[i].category, cat);
		if (nt && (N > SIZE_MAX / sizeof(double) / nt / (S->M ? S->M : 1))) {
			oom = 1;
			break;
		}
		ord = xcalloc(nt, sizeof(*ord), &oom);
		S->T[c] = nt;
		S->tname[c] = xcalloc(nt, sizeof(char *), &oom);
		S->amt[c] = xcalloc(nt * N, sizeof(double), &oom);
		S->mean_amt[c] = xcalloc(nt, sizeof(double), &oom);
		S->val[c] = xcalloc(S->M * nt * N, sizeof(double), &oom);
		if (oom) {
			free(ord);
			break;
		}
		nt = 0;
		for (size_t i = 0; i < ctx->ntranches; i++) {
			if (strcmp(ctx->tranches[i].category, cat))
				continue;
			ord[nt].ix = i;
			ord[nt].mean = ty_dist_is_const(ctx->tranches[i].amount.dist)
				? ctx->tranches[i].amount.dist->a
				: ty_dist_mean(ctx->tranches[i].amount.dist);
			nt++;
		}
		qsort(ord, nt, sizeof(*ord), tr_sort_cmp);
		for (size_t k = 0; k < nt && !rc; k++) {
			const struct ty_tranche *tr = &ctx->tranches[ord[k].ix];
			double *a = S->amt[c] + k * N;

			S->tname[c][k] = ty_strdup(tr->name);
			if (tranche_amounts(&Bd, seed, tr, a)) {
				oom = 1;
				break;
			}
			for (size_t t = 0; t < ctx->ntech && !rc; t++) {
				const struct ty_tech *T = &ctx->tech[t];
				long s = ty_scenario_find(T, tr->scenario);

				if (s < 0)
					continue;
				rc = ty_budget_check(err, "building the surface");
				if (!rc)
					rc = need_scenario(&Bd, t, (size_t)s, err);
				if (rc)
					break;
				for (size_t r = 0; r < T->nresults; r++) {
					const struct ty_result_row *R = &T->results[r];

					if (R->var != TY_VAR_METRIC || R->offset < 0)
						continue;
					long m = ty_names_find(S->metric, S->M, sizeof(char *),
							       S->metric_ord, R->index);
					double *v;

					if (m < 0)
						continue;
					v = S->val[c] + ((size_t)m * S->T[c] + k) * N;
					for (size_t i = 0; i < N; i++)
						v[i] += Bd.res[t][s].rows[r][i];
				}
			}
		}
		free(ord);
	}
	release_builder(&Bd);
	if (!oom && !rc && ty_surface_index(S))
		oom = 1;
	if (oom && !rc)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (rc) {
		tyche_surface_free(S);
		return rc;
	}
	ty_surface_finish(S);
	*out = S;
	return 0;
}

void ty_surface_finish(tyche_surface *S)
{
	size_t N = S->N;

	S->const_amounts = 1;
	for (size_t c = 0; c < S->C; c++)
		for (size_t k = 0; k < S->T[c]; k++) {
			const double *a = S->amt[c] + k * N;
			double sum = 0;

			for (size_t i = 0; i < N; i++) {
				sum += a[i];
				if (a[i] != a[0])
					S->const_amounts = 0;
			}
			S->mean_amt[c][k] = sum / (double)N;
		}
	/* metric ranges from the tranches' mean values */
	for (size_t m = 0; m < S->M; m++) {
		S->lo[m] = 0;
		S->hi[m] = 0;
		for (size_t c = 0; c < S->C; c++) {
			double lo = INFINITY, hi = -INFINITY;

			for (size_t t = 0; t < S->T[c]; t++) {
				const double *v = S->val[c] + (m * S->T[c] + t) * N;
				double sum = 0;

				for (size_t i = 0; i < N; i++)
					sum += v[i];
				sum /= (double)N;
				if (sum < lo)
					lo = sum;
				if (sum > hi)
					hi = sum;
			}
			if (S->T[c]) {
				S->lo[m] += lo;
				S->hi[m] += hi;
			}
		}
	}
}

int ty_surface_build_sampled(tyche_surface **out, const tyche_context *ctx,
			     const tyche_analysis_opts *o, tyche_error *err)
{
	return build(out, ctx, o->seed, 0, o->samples, o->samples, o->threads, NULL, 0, 0,
		     o->design, o->memo, err);
}

int ty_surface_build_part(tyche_surface **out, const tyche_context *ctx,
			  const tyche_analysis_opts *o, uint64_t lo, uint64_t hi,
			  tyche_error *err)
{
	return build(out, ctx, o->seed, lo, hi, o->samples, o->threads, NULL, 0, 0, o->design,
		     NULL, err);
}

int ty_surface_build_fixed(tyche_surface **out, const tyche_context *ctx,
			   const struct ty_cell_override *ov, size_t nov, tyche_error *err)
{
	return build(out, ctx, 0, 0, 1, 1, 1, ov, nov, 1, 0, NULL, err);
}

/* ------------------------------------------------------------ accessors */

size_t tyche_surface_nsamples(const tyche_surface *s) { return s->N; }
int tyche_surface_design(const tyche_surface *s) { return s->design; }
uint64_t tyche_surface_seed(const tyche_surface *s) { return s->seed; }
const char *tyche_surface_context_hash(const tyche_surface *s) { return s->ctx_hash; }
size_t tyche_surface_ncategories(const tyche_surface *s) { return s->C; }
const char *tyche_surface_category(const tyche_surface *s, size_t c) { return s->cat[c]; }
size_t tyche_surface_ntranches(const tyche_surface *s, size_t c) { return s->T[c]; }
size_t tyche_surface_nmetrics(const tyche_surface *s) { return s->M; }
const char *tyche_surface_metric(const tyche_surface *s, size_t m) { return s->metric[m]; }
const char *tyche_surface_metric_units(const tyche_surface *s, size_t m) { return s->units[m]; }

double tyche_surface_max_amount(const tyche_surface *s, size_t c)
{
	double mx = 0;

	for (size_t t = 0; t < s->T[c]; t++)
		if (s->mean_amt[c][t] > mx)
			mx = s->mean_amt[c][t];
	return mx;
}

const char *tyche_surface_tranche(const tyche_surface *s, size_t c, size_t t,
				  double *amount)
{
	if (amount)
		*amount = s->mean_amt[c][t];
	return s->tname[c][t];
}

long tyche_surface_find_category(const tyche_surface *s, const char *name)
{
	return ty_names_find(s->cat, s->C, sizeof(char *), s->cat_ord, name);
}

long tyche_surface_find_metric(const tyche_surface *s, const char *name)
{
	return ty_names_find(s->metric, s->M, sizeof(char *), s->metric_ord, name);
}

void tyche_surface_metric_range(const tyche_surface *s, size_t m, double *lo, double *hi)
{
	*lo = s->lo[m];
	*hi = s->hi[m];
}

/* ------------------------------------------------------------ evaluation */

/* scipy's segment: idx = number of knots < x, clipped to [1, T-1]. */
static size_t segment(const double *knots, size_t stride, size_t T, double x)
{
	size_t idx = 0;

	while (idx < T && knots[idx * stride] < x)
		idx++;
	if (idx < 1)
		idx = 1;
	if (idx > T - 1)
		idx = T - 1;
	return idx - 1;
}

/*
 * o[i] (+)= (yhi[i] - ylo[i]) / dx * t + ylo[i], the hot loop of explore
 * and the optimiser.  Four at a time with restrict, so that -O2 (whose
 * vectoriser skips loops of unknown length) packs them into two-wide
 * divisions: twice as fast.  Each element keeps its own operations in
 * their order (no 1/dx: that changes the last bit), so results are
 * identical to the plain loop.
 */
static void lerp_row(double *restrict o, const double *restrict ylo,
		     const double *restrict yhi, double dx, double t, size_t n, int set)
{
	size_t i = 0;

	if (set) {
		for (; i + 4 <= n; i += 4) {
			o[i] = (yhi[i] - ylo[i]) / dx * t + ylo[i];
			o[i + 1] = (yhi[i + 1] - ylo[i + 1]) / dx * t + ylo[i + 1];
			o[i + 2] = (yhi[i + 2] - ylo[i + 2]) / dx * t + ylo[i + 2];
			o[i + 3] = (yhi[i + 3] - ylo[i + 3]) / dx * t + ylo[i + 3];
		}
	} else {
		for (; i + 4 <= n; i += 4) {
			o[i] += (yhi[i] - ylo[i]) / dx * t + ylo[i];
			o[i + 1] += (yhi[i + 1] - ylo[i + 1]) / dx * t + ylo[i + 1];
			o[i + 2] += (yhi[i + 2] - ylo[i + 2]) / dx * t + ylo[i + 2];
			o[i + 3] += (yhi[i + 3] - ylo[i + 3]) / dx * t + ylo[i + 3];
		}
	}
	for (; i < n; i++) {
		double y = (yhi[i] - ylo[i]) / dx * t + ylo[i];

		o[i] = set ? y : o[i] + y;
	}
}

/* Tranches per category whose per-sample sort needs no allocation. */
#define KNOTS_ON_STACK 64

/* Add category c's values at amount x to out[m*N + i] (or set, when
 * `set`); grad: slopes instead of values; need (NULL = every metric):
 * only the metrics m with need[m] are computed, the others are left as
 * they are. */
static void eval_category(const tyche_surface *s, size_t c, double x, double *out,
			  int set, int grad, const unsigned char *need)
{
	size_t N = s->N, T = s->T[c];
	double xs_stack[KNOTS_ON_STACK], *xs_heap = NULL;
	size_t ix_stack[KNOTS_ON_STACK], *ix_heap = NULL;

	if (T == 0)
		return;
	for (size_t m = 0; m < s->M; m++) {
		double *o = out + m * N;
		const double *v = s->val[c] + m * T * N;

		if (need && !need[m])
			continue;
		if (T == 1) {
			for (size_t i = 0; i < N; i++) {
				double y = grad ? 0.0 : v[i];

				o[i] = set ? y : o[i] + y;
			}
			continue;
		}
		if (s->const_amounts) {
			size_t k = segment(s->amt[c], N, T, x);
			double xlo = s->amt[c][k * N], xhi = s->amt[c][(k + 1) * N];
			double dx = xhi - xlo, t = x - xlo;
			const double *ylo = v + k * N, *yhi = v + (k + 1) * N;

			if (grad) {
				for (size_t i = 0; i < N; i++) {
					double y = (yhi[i] - ylo[i]) / dx;

					o[i] = set ? y : o[i] + y;
				}
			} else {
				lerp_row(o, ylo, yhi, dx, t, N, set);
			}
			continue;
		}
		/* uncertain amounts: knots differ per sample */
		if (T > KNOTS_ON_STACK && !xs_heap) {
			xs_heap = malloc(T * sizeof(double));
			ix_heap = malloc(T * sizeof(size_t));
			if (!xs_heap || !ix_heap) {
				/* no memory for the sort: say so in the numbers */
				for (size_t mm = m; mm < s->M; mm++)
					for (size_t i = 0; i < N; i++)
						out[mm * N + i] = NAN;
				break;
			}
		}
		for (size_t i = 0; i < N; i++) {
			size_t lo = 0, hi = 0, nbelow = 0;
			double y;

			/* sorted order per sample: find the two knots scipy would
			 * use among this sample's amounts */
			{
				double *xs = xs_heap ? xs_heap : xs_stack;
				size_t *ix = ix_heap ? ix_heap : ix_stack, n = T;

				for (size_t t = 0; t < n; t++) {
					size_t j = t;

					while (j > 0 && xs[j - 1] > s->amt[c][t * N + i]) {
						xs[j] = xs[j - 1];
						ix[j] = ix[j - 1];
						j--;
					}
					xs[j] = s->amt[c][t * N + i];
					ix[j] = t;
				}
				while (nbelow < n && xs[nbelow] < x)
					nbelow++;
				if (nbelow < 1)
					nbelow = 1;
				if (nbelow > n - 1)
					nbelow = n - 1;
				lo = ix[nbelow - 1];
				hi = ix[nbelow];
				{
					double xlo = xs[nbelow - 1], xhi = xs[nbelow];
					double sl = (v[hi * N + i] - v[lo * N + i]) / (xhi - xlo);

					y = grad ? sl : sl * (x - xlo) + v[lo * N + i];
				}
			}
			o[i] = set ? y : o[i] + y;
		}
	}
	free(xs_heap);
	free(ix_heap);
}

void ty_surface_eval_some(const tyche_surface *s, const double *amounts, double *totals,
			  const unsigned char *need)
{
	size_t N = s->N;

	for (size_t m = 0; m < s->M; m++)
		if (!need || need[m])
			memset(totals + m * N, 0, N * sizeof(double));
	for (size_t c = 0; c < s->C; c++)
		eval_category(s, c, amounts[c], totals, 0, 0, need);
}

void ty_surface_grad_some(const tyche_surface *s, const double *amounts, double *grad,
			  const unsigned char *need)
{
	for (size_t c = 0; c < s->C; c++)
		eval_category(s, c, amounts[c], grad + c * s->M * s->N, 1, 1, need);
}

void tyche_surface_eval(const tyche_surface *s, const double *amounts, double *totals,
			double *by_cat)
{
	size_t N = s->N, M = s->M;

	if (!by_cat) {
		if (totals)
			ty_surface_eval_some(s, amounts, totals, NULL);
		return;
	}
	if (totals)
		memset(totals, 0, M * N * sizeof(double));
	for (size_t c = 0; c < s->C; c++) {
		double *bc = by_cat + c * M * N;

		eval_category(s, c, amounts[c], bc, 1, 0, NULL);
		if (totals)
			for (size_t k = 0; k < M * N; k++)
				totals[k] += bc[k];
	}
}

void tyche_surface_grad(const tyche_surface *s, const double *amounts, double *grad)
{
	ty_surface_grad_some(s, amounts, grad, NULL);
}

int tyche_surface_parse_amounts(const tyche_surface *s, const char *const *assign,
				size_t n, double *amounts, tyche_error *err)
{
	for (size_t c = 0; c < s->C; c++)
		amounts[c] = 0;
	for (size_t k = 0; k < n; k++) {
		const char *eq = strrchr(assign[k], '=');
		char *name;
		long c;
		double v;

		if (!eq || ty_parse_number(eq + 1, &v) || v < 0 || !isfinite(v)) {
			struct ty_buf b = TY_BUF_INIT;
			int rc;

			for (size_t j = 0; j < s->C; j++)
				ty_buf_addf(&b, "%s'%s' (max %g)", j ? ", " : "", s->cat[j],
					    tyche_surface_max_amount(s, j));
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "amount '%s': expected CATEGORY=AMOUNT with an amount >= 0; categories: %s",
					 assign[k], b.p ? b.p : "");
			ty_buf_release(&b);
			return rc;
		}
		name = ty_strndup(assign[k], (size_t)(eq - assign[k]));
		c = tyche_surface_find_category(s, name);
		if (c < 0) {
			struct ty_buf b = TY_BUF_INIT;
			int rc;

			for (size_t j = 0; j < s->C; j++)
				ty_buf_addf(&b, "%s'%s' (max %g)", j ? ", " : "", s->cat[j],
					    tyche_surface_max_amount(s, j));
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "unknown category '%s'; the categories are %s", name,
					 b.p ? b.p : "");
			ty_buf_release(&b);
			free(name);
			return rc;
		}
		free(name);
		amounts[c] = v;
	}
	return 0;
}

