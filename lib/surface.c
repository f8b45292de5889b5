/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * surface.c - tranches, investments and the response surface.
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
 * The cache file is the surface itself: a header (magic, version, byte
 * order, context hash, samples, seed), the names, the arrays aligned to 8
 * bytes, and a CRC-32 of everything before it.  Loading reads the file
 * once and points the arrays into that buffer: no parsing of numbers, so
 * a CGI request pays only for the read and the checksum.
 *
 * Builds and the tranches/investments writers check the process's work
 * budget per tranche (the evaluator checks per block underneath) and stop
 * with TYCHE_ETIMEOUT; a stopped build writes no cache file and always
 * releases the cache lock, so the next request builds afresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <zlib.h>

#include "surface.h"

#define SURF_MAGIC "TYCHESURF\n\0\0\0\0\0\0"   /* 16 bytes */
#define SURF_VERSION 1u
#define SURF_ENDIAN 0x01020304u

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
	free(s->blob);
	free(s);
}

static tyche_surface *surface_new(void)
{
	return ty_calloc(1, sizeof(tyche_surface));
}

/* ------------------------------------------------------------ building */

struct scen_res {            /* results of one (technology, scenario) */
	double **rows;           /* [result row][N] */
};

struct builder {
	const tyche_context *ctx;
	struct ty_eval *E;
	size_t N;
	unsigned threads;
	const struct ty_cell_override *ov;
	size_t nov;
	int fixed;               /* medians + overrides, N = 1 */
	struct scen_res **res;   /* [tech][scen] */
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
	return ty_eval_scenario(Bd->E, t, s, Bd->N, Bd->threads, R->rows, err);
}

static void release_builder(struct builder *Bd)
{
	if (!Bd->res)
		return;
	for (size_t t = 0; t < Bd->ctx->ntech; t++) {
		for (size_t s = 0; Bd->res[t] && s < Bd->ctx->tech[t].nscen; s++) {
			struct scen_res *R = &Bd->res[t][s];

			for (size_t r = 0; R->rows && r < Bd->ctx->tech[t].nresults; r++)
				free(R->rows[r]);
			free(R->rows);
		}
		free(Bd->res[t]);
	}
	free(Bd->res);
	ty_eval_free(Bd->E);
}

static int builder_init(struct builder *Bd, const tyche_context *ctx, uint64_t seed,
			size_t N, unsigned threads, tyche_error *err)
{
	int rc;

	memset(Bd, 0, sizeof(*Bd));
	Bd->ctx = ctx;
	Bd->N = N;
	Bd->threads = threads;
	rc = ty_eval_create(&Bd->E, ctx, seed, err);
	if (rc)
		return rc;
	Bd->res = ty_calloc(ctx->ntech, sizeof(*Bd->res));
	for (size_t t = 0; t < ctx->ntech; t++)
		Bd->res[t] = ty_calloc(ctx->tech[t].nscen, sizeof(struct scen_res));
	return 0;
}

static long find_scen(const struct ty_tech *T, const char *name)
{
	for (size_t s = 0; s < T->nscen; s++)
		if (!strcmp(T->scen[s].name, name))
			return (long)s;
	return -1;
}

/* Amount of tranche tr at samples 0..N-1. */
static void tranche_amounts(struct builder *Bd, uint64_t seed, const struct ty_tranche *tr,
			    double *out)
{
	const struct ty_dist *d = tr->amount.dist;

	for (size_t o = 0; o < Bd->nov; o++)
		if (Bd->ov[o].cell == &tr->amount) {
			for (size_t i = 0; i < Bd->N; i++)
				out[i] = Bd->ov[o].value;
			return;
		}
	if (ty_dist_is_const(d) || Bd->fixed) {
		double v = ty_dist_is_const(d) ? d->a : ty_dist_median(d);

		for (size_t i = 0; i < Bd->N; i++)
			out[i] = v;
	} else {
		struct ty_rng_key key;
		const char *parts[4] = { "", "", "tranches", tr->amount.key };

		ty_rng_key_derive(&key, seed, parts, 4);
		ty_dist_sample(d, &key, 0, Bd->N, out);
	}
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

static int build(tyche_surface **out, const tyche_context *ctx, uint64_t seed, size_t N,
		 unsigned threads, const struct ty_cell_override *ov, size_t nov,
		 int fixed, tyche_error *err)
{
	struct builder Bd;
	tyche_surface *S = NULL;
	int rc, oom = 0;

	if (ctx->ntranches == 0)
		return ty_error_at(err, TYCHE_EDATA, ctx->path, 0, 0,
				   "the context has no tranches: nothing to fit a surface to");
	rc = builder_init(&Bd, ctx, seed, N, threads, err);
	if (rc)
		return rc;
	Bd.ov = ov;
	Bd.nov = nov;
	Bd.fixed = fixed;
	S = surface_new();
	if (!S) {
		release_builder(&Bd);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	memcpy(S->ctx_hash, ctx->hash, sizeof S->ctx_hash);
	S->seed = seed;
	S->N = N;
	/* metrics: the union over technologies, in their results order */
	S->metric = xcalloc(64, sizeof(char *), &oom);
	S->units = xcalloc(64, sizeof(char *), &oom);
	for (size_t t = 0; t < ctx->ntech && !oom; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		for (size_t r = 0; r < T->nresults; r++) {
			int seen = 0;

			if (T->results[r].var != TY_VAR_METRIC || T->results[r].offset < 0)
				continue;
			for (size_t m = 0; m < S->M; m++)
				if (!strcmp(S->metric[m], T->results[r].index))
					seen = 1;
			if (seen || S->M >= 64)
				continue;
			S->metric[S->M] = ty_strdup(T->results[r].index);
			S->units[S->M] = ty_strdup(T->results[r].units);
			S->M++;
		}
	}
	S->C = ctx->ncategories;
	S->cat = xcalloc(S->C, sizeof(char *), &oom);
	S->T = xcalloc(S->C, sizeof(size_t), &oom);
	S->tname = xcalloc(S->C, sizeof(char **), &oom);
	S->amt = xcalloc(S->C, sizeof(double *), &oom);
	S->mean_amt = xcalloc(S->C, sizeof(double *), &oom);
	S->val = xcalloc(S->C, sizeof(double *), &oom);
	S->lo = xcalloc(S->M ? S->M : 1, sizeof(double), &oom);
	S->hi = xcalloc(S->M ? S->M : 1, sizeof(double), &oom);
	S->const_amounts = 1;
	for (size_t c = 0; c < S->C && !oom && !rc; c++) {
		const char *cat = ctx->categories[c];
		struct tr_sort *ord;
		size_t nt = 0;

		S->cat[c] = ty_strdup(cat);
		for (size_t i = 0; i < ctx->ntranches; i++)
			nt += !strcmp(ctx->tranches[i].category, cat);
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
			double *a = S->amt[c] + k * N, sum = 0;

			S->tname[c][k] = ty_strdup(tr->name);
			tranche_amounts(&Bd, seed, tr, a);
			for (size_t i = 0; i < N; i++) {
				sum += a[i];
				if (a[i] != a[0])
					S->const_amounts = 0;
			}
			S->mean_amt[c][k] = sum / (double)N;
			for (size_t t = 0; t < ctx->ntech && !rc; t++) {
				const struct ty_tech *T = &ctx->tech[t];
				long s = find_scen(T, tr->scenario);

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
					for (size_t m = 0; m < S->M; m++) {
						double *v;

						if (strcmp(S->metric[m], R->index))
							continue;
						v = S->val[c] + (m * S->T[c] + k) * N;
						for (size_t i = 0; i < N; i++)
							v[i] += Bd.res[t][s].rows[r][i];
					}
				}
			}
		}
		free(ord);
	}
	release_builder(&Bd);
	if (oom && !rc)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (rc) {
		tyche_surface_free(S);
		return rc;
	}
	/* metric ranges from the tranches' mean values */
	for (size_t m = 0; m < S->M; m++) {
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
	*out = S;
	return 0;
}

int ty_surface_build_fixed(tyche_surface **out, const tyche_context *ctx,
			   const struct ty_cell_override *ov, size_t nov, tyche_error *err)
{
	return build(out, ctx, 0, 1, 1, ov, nov, 1, err);
}

/* ------------------------------------------------------------ accessors */

size_t tyche_surface_nsamples(const tyche_surface *s) { return s->N; }
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
	for (size_t c = 0; c < s->C; c++)
		if (!strcmp(s->cat[c], name))
			return (long)c;
	return -1;
}

long tyche_surface_find_metric(const tyche_surface *s, const char *name)
{
	for (size_t m = 0; m < s->M; m++)
		if (!strcmp(s->metric[m], name))
			return (long)m;
	return -1;
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

/* Add category c's values at amount x to out[m*N + i] (or set, when
 * `set`); grad: slopes instead of values. */
static void eval_category(const tyche_surface *s, size_t c, double x, double *out,
			  int set, int grad)
{
	size_t N = s->N, T = s->T[c];

	if (T == 0)
		return;
	for (size_t m = 0; m < s->M; m++) {
		double *o = out + m * N;
		const double *v = s->val[c] + m * T * N;

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
		for (size_t i = 0; i < N; i++) {
			size_t lo = 0, hi = 0, nbelow = 0;
			double y;

			/* sorted order per sample: find the two knots scipy would
			 * use among this sample's amounts */
			{
				double xs[64];
				size_t ix[64], n = T < 64 ? T : 64;

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
}

void tyche_surface_eval(const tyche_surface *s, const double *amounts, double *totals,
			double *by_cat)
{
	size_t N = s->N, M = s->M;

	if (totals)
		memset(totals, 0, M * N * sizeof(double));
	for (size_t c = 0; c < s->C; c++) {
		if (by_cat) {
			double *bc = by_cat + c * M * N;

			eval_category(s, c, amounts[c], bc, 1, 0);
			if (totals)
				for (size_t k = 0; k < M * N; k++)
					totals[k] += bc[k];
		} else if (totals) {
			eval_category(s, c, amounts[c], totals, 0, 0);
		}
	}
}

void tyche_surface_grad(const tyche_surface *s, const double *amounts, double *grad)
{
	for (size_t c = 0; c < s->C; c++)
		eval_category(s, c, amounts[c], grad + c * s->M * s->N, 1, 1);
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

/* ------------------------------------------------------------ file format */

static void put(struct ty_buf *b, const void *p, size_t n)
{
	ty_buf_add(b, p, n);
}

static void put_u64(struct ty_buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put_str(struct ty_buf *b, const char *s)
{
	uint64_t n = strlen(s);

	put_u64(b, n);
	put(b, s, n);
	while (b->len % 8)
		ty_buf_addc(b, '\0');
}

static void put_doubles(struct ty_buf *b, const double *v, size_t n)
{
	put(b, v, n * sizeof(double));
}

int tyche_surface_write(const tyche_surface *s, const char *path, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	uint32_t u32[2] = { SURF_VERSION, SURF_ENDIAN };
	int rc;
	uLong crc;
	uint64_t crc64;

	put(&b, SURF_MAGIC, 16);
	put(&b, u32, 8);
	put(&b, s->ctx_hash, 64);
	put_u64(&b, s->seed);
	put_u64(&b, s->N);
	put_u64(&b, s->C);
	put_u64(&b, s->M);
	put_u64(&b, (uint64_t)s->const_amounts);
	for (size_t m = 0; m < s->M; m++) {
		put_str(&b, s->metric[m]);
		put_str(&b, s->units[m]);
	}
	for (size_t c = 0; c < s->C; c++) {
		put_str(&b, s->cat[c]);
		put_u64(&b, s->T[c]);
		for (size_t t = 0; t < s->T[c]; t++)
			put_str(&b, s->tname[c][t]);
	}
	put_doubles(&b, s->lo, s->M);
	put_doubles(&b, s->hi, s->M);
	for (size_t c = 0; c < s->C; c++) {
		put_doubles(&b, s->mean_amt[c], s->T[c]);
		put_doubles(&b, s->amt[c], s->T[c] * s->N);
		put_doubles(&b, s->val[c], s->M * s->T[c] * s->N);
	}
	crc = crc32(0L, Z_NULL, 0);
	for (size_t off = 0; off < b.len; off += 1u << 30)
		crc = crc32(crc, (const Bytef *)b.p + off,
			    (uInt)(b.len - off < (1u << 30) ? b.len - off : (1u << 30)));
	crc64 = crc;
	put_u64(&b, crc64);
	if (b.oom) {
		ty_buf_release(&b);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	rc = ty_write_atomic(path, b.p, b.len, 0644, 1, err);
	ty_buf_release(&b);
	return rc;
}

struct reader {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

static const void *take(struct reader *r, size_t n)
{
	const void *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t take_u64(struct reader *r)
{
	const void *p = take(r, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

static char *take_str(struct reader *r)
{
	uint64_t n = take_u64(r);
	const char *p;
	char *s;

	if (n > 1u << 20) {
		r->bad = 1;
		return NULL;
	}
	p = take(r, (size_t)n);
	if (!p)
		return NULL;
	s = ty_strndup(p, (size_t)n);
	while (!r->bad && r->off % 8)
		take(r, 1);
	return s;
}

static double *take_doubles(struct reader *r, size_t n)
{
	if (n > (r->len - r->off) / sizeof(double)) {
		r->bad = 1;
		return NULL;
	}
	return (double *)take(r, n * sizeof(double));
}

int tyche_surface_read(tyche_surface **out, const char *path, tyche_error *err)
{
	char *data = NULL;
	size_t len = 0;
	struct reader r;
	tyche_surface *s;
	uint32_t u32[2];
	uint64_t stored, N, C, M;
	uLong crc;
	int rc;

	rc = ty_read_file(path, (size_t)1 << 34, &data, &len, err);
	if (rc)
		return rc;
	if (len < 16 + 8 + 64 + 48 + 8 || memcmp(data, SURF_MAGIC, 16)) {
		free(data);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "not a tyche surface file");
	}
	memcpy(u32, data + 16, 8);
	if (u32[0] != SURF_VERSION || u32[1] != SURF_ENDIAN) {
		free(data);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "surface file of another version or byte order (version %u)", u32[0]);
	}
	crc = crc32(0L, Z_NULL, 0);
	for (size_t off = 0; off < len - 8; off += 1u << 30)
		crc = crc32(crc, (const Bytef *)data + off,
			    (uInt)(len - 8 - off < (1u << 30) ? len - 8 - off : (1u << 30)));
	memcpy(&stored, data + len - 8, 8);
	if (stored != (uint64_t)crc) {
		free(data);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "surface file is corrupt or truncated (checksum mismatch)");
	}
	s = surface_new();
	s->blob = data;      /* amt and val point into it */
	r.p = (const unsigned char *)data;
	r.len = len - 8;
	r.off = 24;
	r.bad = 0;
	memcpy(s->ctx_hash, take(&r, 64), 64);
	s->ctx_hash[64] = '\0';
	s->seed = take_u64(&r);
	N = take_u64(&r);
	C = take_u64(&r);
	M = take_u64(&r);
	s->const_amounts = (int)take_u64(&r);
	if (N == 0 || N > (1ull << 40) || C > 4096 || M > 4096) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "surface file has impossible sizes");
	}
	s->N = N;
	s->M = M;
	s->C = C;
	s->metric = ty_calloc(M ? M : 1, sizeof(char *));
	s->units = ty_calloc(M ? M : 1, sizeof(char *));
	s->cat = ty_calloc(C ? C : 1, sizeof(char *));
	s->T = ty_calloc(C ? C : 1, sizeof(size_t));
	s->tname = ty_calloc(C ? C : 1, sizeof(char **));
	s->amt = ty_calloc(C ? C : 1, sizeof(double *));
	s->mean_amt = ty_calloc(C ? C : 1, sizeof(double *));
	s->val = ty_calloc(C ? C : 1, sizeof(double *));
	s->lo = ty_calloc(M ? M : 1, sizeof(double));
	s->hi = ty_calloc(M ? M : 1, sizeof(double));
	if (!s->metric || !s->units || !s->cat || !s->T || !s->tname || !s->amt ||
	    !s->mean_amt || !s->val || !s->lo || !s->hi) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	for (size_t m = 0; m < M; m++) {
		s->metric[m] = take_str(&r);
		s->units[m] = take_str(&r);
	}
	for (size_t c = 0; c < C && !r.bad; c++) {
		s->cat[c] = take_str(&r);
		s->T[c] = take_u64(&r);
		if (s->T[c] > 100000) {
			r.bad = 1;
			s->T[c] = 0;
			break;
		}
		s->tname[c] = ty_calloc(s->T[c] ? s->T[c] : 1, sizeof(char *));
		for (size_t t = 0; t < s->T[c]; t++)
			s->tname[c][t] = take_str(&r);
	}
	{
		double *lo = take_doubles(&r, M), *hi = take_doubles(&r, M);

		if (lo && hi) {
			memcpy(s->lo, lo, M * sizeof(double));
			memcpy(s->hi, hi, M * sizeof(double));
		}
	}
	for (size_t c = 0; c < C && !r.bad; c++) {
		double *ma = take_doubles(&r, s->T[c]);

		s->amt[c] = take_doubles(&r, s->T[c] * N);
		s->val[c] = take_doubles(&r, M * s->T[c] * N);
		if (r.bad)
			break;
		s->mean_amt[c] = malloc((s->T[c] ? s->T[c] : 1) * sizeof(double));
		if (s->mean_amt[c])
			memcpy(s->mean_amt[c], ma, s->T[c] * sizeof(double));
	}
	if (r.bad || r.off != r.len) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "surface file is malformed");
	}
	for (size_t m = 0; m < M; m++)
		if (!s->metric[m] || !s->units[m]) {
			tyche_surface_free(s);
			return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "surface file is malformed");
		}
	*out = s;
	return 0;
}

/* ------------------------------------------------------------ cache */

static char *cache_dir(const tyche_analysis_opts *o)
{
	const char *e;

	if (o->cache_dir)
		return o->cache_dir[0] ? ty_strdup(o->cache_dir) : NULL;
	if ((e = getenv("TYCHE_CACHE")) && *e)
		return ty_strdup(e);
	if ((e = getenv("XDG_CACHE_HOME")) && *e)
		return ty_asprintf("%s/tyche", e);
	if ((e = getenv("HOME")) && *e)
		return ty_asprintf("%s/.cache/tyche", e);
	return NULL;
}


static char *cache_path_for(const char *name, const char *hash,
			    const tyche_analysis_opts *o)
{
	char *dir = cache_dir(o), *path, *key;
	unsigned char h[32];
	char hex[65];

	if (!dir)
		return NULL;
	key = ty_asprintf("tyche-surface/%u/%s/%zu/%llu", SURF_VERSION, hash,
			  o->samples, (unsigned long long)o->seed);
	crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	path = ty_asprintf("%s/%s-%.24s.tysurf", dir, name, hex);
	/* the context name may hold characters unfit for a file name */
	for (char *q = path + strlen(dir) + 1; *q; q++)
		if (*q == '/' || *q < 0x20)
			*q = '_';
	free(key);
	free(dir);
	return path;
}

char *tyche_surface_cache_path(const tyche_context *ctx, const tyche_analysis_opts *o)
{
	return cache_path_for(ctx->name, ctx->hash, o);
}

/* A cached surface for exactly these settings, or NULL. */
static tyche_surface *cache_try(const char *path, const char *hash,
				const tyche_analysis_opts *o)
{
	tyche_surface *s = NULL;
	tyche_error e = { 0 };

	if (tyche_surface_read(&s, path, &e))
		return NULL;
	if (strcmp(s->ctx_hash, hash) || s->N != o->samples || s->seed != o->seed) {
		tyche_surface_free(s);
		return NULL;
	}
	return s;
}

int tyche_surface_build(tyche_surface **out, const tyche_context *ctx,
			const tyche_analysis_opts *o, int *from_cache, tyche_error *err)
{
	char *path = NULL, *lock = NULL, *dir = NULL;
	tyche_surface *s;
	int fd = -1, rc;

	if (o->samples < 1)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "the number of samples must be at least 1");
	if (from_cache)
		*from_cache = 0;
	path = tyche_surface_cache_path(ctx, o);
	if (path) {
		s = cache_try(path, ctx->hash, o);
		if (s) {
			if (from_cache)
				*from_cache = 1;
			*out = s;
			free(path);
			return 0;
		}
		dir = cache_dir(o);
		ty_mkdir_p(dir, 0755);
		lock = ty_asprintf("%s.lock", path);
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			if (flock(fd, LOCK_EX | LOCK_NB)) {
				if (o->nowait) {
					close(fd);
					free(lock);
					free(path);
					free(dir);
					return ty_error_at(err, TYCHE_EBUSY, "", 0, 0,
							   "the analysis of this context is being prepared; try again in a moment");
				}
				flock(fd, LOCK_EX);
			}
			/* someone may have built it while we waited */
			s = cache_try(path, ctx->hash, o);
			if (s) {
				flock(fd, LOCK_UN);
				close(fd);
				if (from_cache)
					*from_cache = 1;
				*out = s;
				free(lock);
				free(path);
				free(dir);
				return 0;
			}
		}
	}
	rc = build(&s, ctx, o->seed, o->samples, o->threads, NULL, 0, 0, err);
	if (!rc && path) {
		tyche_error we = { 0 };

		/* a cache that cannot be written is not an error: it is rebuilt */
		tyche_surface_write(s, path, &we);
	}
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
	free(lock);
	free(path);
	free(dir);
	if (rc)
		return rc;
	*out = s;
	return 0;
}

int tyche_surface_open(tyche_surface **out, const char *path, const tyche_load_opts *lo,
		       const tyche_analysis_opts *o, tyche_diags *diags, tyche_error *err)
{
	tyche_context *ctx = NULL;
	char hash[65];
	int rc;

	if (o->samples >= 1 && !ty_context_quick_hash(path, lo, hash)) {
		char *name = ty_context_name_of(path);
		char *cpath = name ? cache_path_for(name, hash, o) : NULL;
		tyche_surface *s = cpath ? cache_try(cpath, hash, o) : NULL;

		free(name);
		free(cpath);
		if (s) {
			*out = s;
			return 0;
		}
	}
	{
		tyche_diags local = TYCHE_DIAGS_INIT;
		tyche_diags *d = diags ? diags : &local;
		size_t before = d->nerrors;

		rc = tyche_context_load(&ctx, path, lo, d);
		if (rc)
			ty_error_at(err, rc, path, 0, 0,
				    rc == TYCHE_EDATA ? "the context does not load (%zu errors)"
						      : "the context cannot be read (%zu errors)",
				    d->nerrors - before);
		tyche_diags_release(&local);
		if (rc)
			return rc;
	}
	rc = tyche_surface_build(out, ctx, o, NULL, err);
	tyche_context_free(ctx);
	return rc;
}

/* ------------------------------------------------------ tranche tables */

static void numf(struct ty_buf *b, double v, int json)
{
	char tmp[32];
	const char *s = ty_fmt_double(v, tmp);

	if (json && !isfinite(v))
		ty_buf_json_str(b, s);
	else
		ty_buf_adds(b, s);
}

/* One output row: keys (text), sample, index, amount, value, units. */
static void row_out(struct ty_buf *b, int json, const char *const *kname,
		    const char *const *kval, size_t nk, size_t sample, const char *index,
		    double amount, double value, const char *units, int *first)
{
	if (json) {
		ty_buf_adds(b, *first ? "\n{" : ",\n{");
		for (size_t k = 0; k < nk; k++) {
			ty_buf_addf(b, "\"%s\":", kname[k]);
			ty_buf_json_str(b, kval[k]);
			ty_buf_addc(b, ',');
		}
		ty_buf_addf(b, "\"Sample\":%zu,\"Index\":", sample);
		ty_buf_json_str(b, index);
		ty_buf_adds(b, ",\"Amount\":");
		numf(b, amount, 1);
		ty_buf_adds(b, ",\"Value\":");
		numf(b, value, 1);
		ty_buf_adds(b, ",\"Units\":");
		ty_buf_json_str(b, units);
		ty_buf_addc(b, '}');
	} else {
		for (size_t k = 0; k < nk; k++) {
			ty_buf_csv(b, kval[k]);
			ty_buf_addc(b, ',');
		}
		ty_buf_addf(b, "%zu,", sample);
		ty_buf_csv(b, index);
		ty_buf_addc(b, ',');
		numf(b, amount, 0);
		ty_buf_addc(b, ',');
		numf(b, value, 0);
		ty_buf_addc(b, ',');
		ty_buf_csv(b, units);
		ty_buf_addc(b, '\n');
	}
	*first = 0;
}

static int flush(struct ty_buf *b, tyche_write_fn w, void *arg, int force)
{
	int rc = 0;

	if (b->oom)
		return TYCHE_ENOMEM;
	if (b->len && (force || b->len > (1u << 16))) {
		rc = w(b->p, b->len, arg) ? TYCHE_EIO : 0;
		b->len = 0;
	}
	return rc;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Metric result rows of (tech, scen), sorted by index name. */
static size_t metric_rows(const struct ty_tech *T, size_t *rows)
{
	size_t n = 0;

	for (size_t r = 0; r < T->nresults; r++)
		if (T->results[r].var == TY_VAR_METRIC && T->results[r].offset >= 0)
			rows[n++] = r;
	return n;
}

static int write_tables(const tyche_context *ctx, const tyche_analysis_opts *o, int format,
			tyche_write_fn w, void *arg, int investments, tyche_error *err)
{
	struct builder Bd;
	struct ty_buf b = TY_BUF_INIT;
	int json = format == TYCHE_FMT_JSON, first = 1, rc;
	size_t N = o->samples;
	double **amounts;         /* [tranche][N] */
	size_t *order;

	if (N < 1)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "the number of samples must be at least 1");
	rc = builder_init(&Bd, ctx, o->seed, N, o->threads, err);
	if (rc)
		return rc;
	amounts = ty_calloc(ctx->ntranches ? ctx->ntranches : 1, sizeof(double *));
	for (size_t k = 0; k < ctx->ntranches; k++) {
		amounts[k] = malloc(N * sizeof(double));
		if (!amounts[k]) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		tranche_amounts(&Bd, o->seed, &ctx->tranches[k], amounts[k]);
	}
	ty_buf_adds(&b, json ? "[" : investments
		    ? "Investment,Technology,Sample,Index,Amount,Value,Units\n"
		    : "Category,Tranche,Scenario,Technology,Sample,Index,Amount,Value,Units\n");
	if (!investments) {
		/* sorted by Category, Technology, Tranche (byte order) */
		order = ty_calloc(ctx->ntranches ? ctx->ntranches : 1, sizeof(size_t));
		for (size_t k = 0; k < ctx->ntranches; k++)
			order[k] = k;
		for (size_t i = 1; i < ctx->ntranches; i++)
			for (size_t j = i; j > 0; j--) {
				const struct ty_tranche *x = &ctx->tranches[order[j - 1]],
					*y = &ctx->tranches[order[j]];
				int c = strcmp(x->category, y->category);

				if (c < 0 || (c == 0 && strcmp(x->name, y->name) <= 0))
					break;
				size_t t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		for (size_t oi = 0; oi < ctx->ntranches && !rc; oi++) {
			const struct ty_tranche *tr = &ctx->tranches[order[oi]];

			for (size_t t = 0; t < ctx->ntech && !rc; t++) {
				const struct ty_tech *T = &ctx->tech[t];
				long s = find_scen(T, tr->scenario);
				size_t rows[512], nr;
				static const char *const kn[] = { "Category", "Tranche", "Scenario",
								   "Technology" };
				const char *kv[4] = { tr->category, tr->name, tr->scenario, T->name };

				if (s < 0)
					continue;
				rc = ty_budget_check(err, "writing the tranches");
				if (!rc)
					rc = need_scenario(&Bd, t, (size_t)s, err);
				if (rc)
					break;
				nr = metric_rows(T, rows);
				for (size_t i = 0; i < N && !rc; i++) {
					if (i % 4096 == 4095 &&
					    (rc = ty_budget_check(err, "writing the tranches")))
						break;
					for (size_t k = 0; k < nr; k++)
						row_out(&b, json, kn, kv, 4, i + 1, T->results[rows[k]].index,
							amounts[order[oi]][i],
							Bd.res[t][s].rows[rows[k]][i],
							T->results[rows[k]].units, &first);
					rc = flush(&b, w, arg, 0);
				}
			}
		}
		free(order);
	} else {
		char **inv = ty_calloc(ctx->ninvestments ? ctx->ninvestments : 1, sizeof(char *));
		double *amt = malloc(N * sizeof(double));

		for (size_t k = 0; k < ctx->ninvestments; k++)
			inv[k] = ctx->investments[k];
		if (ctx->ninvestments)
			qsort(inv, ctx->ninvestments, sizeof(char *), strp_cmp);
		for (size_t k = 0; k < ctx->ninvestments && !rc && amt; k++) {
			/* amount: sum of the investment's tranche amounts */
			for (size_t i = 0; i < N; i++)
				amt[i] = 0;
			for (size_t j = 0; j < ctx->ninvest_items; j++)
				if (!strcmp(ctx->invest[j].investment, inv[k]))
					for (size_t i = 0; i < N; i++)
						amt[i] += amounts[ctx->invest[j].tranche_ix][i];
			for (size_t t = 0; t < ctx->ntech && !rc; t++) {
				const struct ty_tech *T = &ctx->tech[t];
				size_t rows[512], nr = metric_rows(T, rows);
				static const char *const kn[] = { "Investment", "Technology" };
				const char *kv[2] = { inv[k], T->name };
				int any = 0;
				double *sum = ty_calloc(nr * N + 1, sizeof(double));

				for (size_t j = 0; j < ctx->ninvest_items && !rc; j++) {
					const struct ty_tranche *tr;
					long s;

					if (strcmp(ctx->invest[j].investment, inv[k]))
						continue;
					tr = &ctx->tranches[ctx->invest[j].tranche_ix];
					s = find_scen(T, tr->scenario);
					if (s < 0)
						continue;
					rc = ty_budget_check(err, "writing the investments");
					if (!rc)
						rc = need_scenario(&Bd, t, (size_t)s, err);
					if (rc)
						break;
					any = 1;
					for (size_t r = 0; r < nr; r++)
						for (size_t i = 0; i < N; i++)
							sum[r * N + i] += Bd.res[t][s].rows[rows[r]][i];
				}
				for (size_t i = 0; any && i < N && !rc; i++) {
					if (i % 4096 == 4095 &&
					    (rc = ty_budget_check(err, "writing the investments")))
						break;
					for (size_t r = 0; r < nr; r++)
						row_out(&b, json, kn, kv, 2, i + 1, T->results[rows[r]].index,
							amt[i], sum[r * N + i], T->results[rows[r]].units,
							&first);
					rc = flush(&b, w, arg, 0);
				}
				free(sum);
			}
		}
		if (!amt)
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		free(amt);
		free(inv);
	}
	if (!rc) {
		if (json)
			ty_buf_adds(&b, "\n]\n");
		rc = flush(&b, w, arg, 1);
		if (rc)
			ty_error_at(err, rc, "", 0, 0, "cannot write the output");
	}
out:
	for (size_t k = 0; k < ctx->ntranches; k++)
		free(amounts[k]);
	free(amounts);
	ty_buf_release(&b);
	release_builder(&Bd);
	return rc;
}

int tyche_tranches_write(const tyche_context *ctx, const tyche_analysis_opts *o, int format,
			 tyche_write_fn w, void *arg, tyche_error *err)
{
	return write_tables(ctx, o, format, w, arg, 0, err);
}

int tyche_investments_write(const tyche_context *ctx, const tyche_analysis_opts *o,
			    int format, tyche_write_fn w, void *arg, tyche_error *err)
{
	return write_tables(ctx, o, format, w, arg, 1, err);
}
