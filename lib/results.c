/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * results.c - results as values: scenario, tranche and investment results
 * held as rows x samples, with key columns, units, per-sample amounts and
 * per-row statistics, so that callers (tyche-report, tyche.cgi, Python)
 * read numbers instead of parsing text that the library wrote.
 *
 * Easy to get wrong:
 *  - Row order is the output order of the long-form tables (the reference's
 *    sort), so that tyche_results_write produces byte for byte what the
 *    streaming writers produce: for scenarios Technology, Scenario, then
 *    the results rows (Variable, Index); for tranches Category, Tranche
 *    (byte order, stable), then Technology; for investments the
 *    investment names in byte order, then Technology.
 *  - In long form the Sample column sits inside the key columns (after
 *    Scenario, after Technology), and samples of a group of rows are
 *    interleaved: group, sample, row.  `sample_pos` says where Sample goes
 *    and which leading keys make a group.
 *  - Tranche amounts are drawn with the same key as the surface uses
 *    (seed, "", "", "tranches", cell key), so amounts here equal the
 *    surface's; ty_tranche_amounts is the one place that draws them.
 *  - Memory is rows x samples doubles: the caller asked for the whole table
 *    in memory; the streaming writer tyche_evaluate stays for huge runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "grow.h"
#include "names.h"
#include "results.h"

#define MAX_KEYS 6

/* Streaming (the tranche and investment writers): rows are written
 * group by group as they are computed, then dropped. */
struct sink {
	int json, first;
	tyche_write_fn w;
	void *arg;
	struct ty_buf b;
};

struct tyche_results {
	int kind;                 /* enum tyche_results_kind */
	size_t N, nrows, cap, nkeys, sample_pos;
	const char *key_name[MAX_KEYS];
	char **keys;              /* [nrows * nkeys], owned */
	char **units;             /* [nrows], owned */
	double *values;           /* [nrows * N] */
	double **amount;          /* [nrows] -> N amounts (shared, owned in
	                             amount_store) or NULL */
	double **amount_store;
	size_t namount_store, amount_store_cap;
	uint64_t seed;
	char hash[65];
	int oom;
	const char *what;         /* the work, in the budget's message */
	struct sink *sink;        /* NULL: rows stay (tyche_results_compute) */
};

static const char *const var_names[] = { "Cost", "Metric", "Output" };

static int drain(tyche_results *R, tyche_error *err);

void tyche_results_free(tyche_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows * r->nkeys; i++)
		free(r->keys[i]);
	for (size_t i = 0; i < r->nrows; i++)
		free(r->units[i]);
	for (size_t i = 0; i < r->namount_store; i++)
		free(r->amount_store[i]);
	free(r->amount_store);
	free(r->keys);
	free(r->units);
	free(r->values);
	free(r->amount);
	free(r);
}

static tyche_results *results_new(int kind, size_t N, const char *const *names,
				  size_t nkeys, size_t sample_pos)
{
	tyche_results *r = ty_calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kind = kind;
	r->N = N;
	r->nkeys = nkeys;
	r->sample_pos = sample_pos;
	for (size_t k = 0; k < nkeys; k++)
		r->key_name[k] = names[k];
	return r;
}

/* Room for one more row; returns its values (N doubles) or NULL. */
static double *add_row(tyche_results *r, const char *const *keys, const char *units,
		       double *amount)
{
	size_t i = r->nrows;

	if (r->oom)
		return NULL;
	if (i == r->cap) {
		/* the four arrays grow alike, one row (of keys, values...) each */
		size_t kc = r->cap, uc = r->cap, ac = r->cap, vc = r->cap;

		if (r->N > SIZE_MAX / sizeof(double) ||
		    ty_grow(&r->keys, &kc, i + 1, r->nkeys * sizeof(char *)) ||
		    ty_grow(&r->units, &uc, i + 1, sizeof(char *)) ||
		    ty_grow(&r->amount, &ac, i + 1, sizeof(double *)) ||
		    ty_grow(&r->values, &vc, i + 1, r->N * sizeof(double))) {
			r->oom = 1;
			return NULL;
		}
		r->cap = vc;
	}
	for (size_t k = 0; k < r->nkeys; k++) {
		r->keys[i * r->nkeys + k] = ty_strdup(keys[k] ? keys[k] : "");
		if (!r->keys[i * r->nkeys + k])
			r->oom = 1;
	}
	r->units[i] = ty_strdup(units ? units : "");
	if (!r->units[i])
		r->oom = 1;
	r->amount[i] = amount;
	r->nrows++;
	return r->oom ? NULL : r->values + i * r->N;
}

/* Keep an amount array alive for the results' lifetime. */
static double *keep_amount(tyche_results *r, double *a)
{
	if (!a)
		return NULL;
	if (ty_grow(&r->amount_store, &r->amount_store_cap, r->namount_store + 1,
		    sizeof(double *))) {
		free(a);
		r->oom = 1;
		return NULL;
	}
	r->amount_store[r->namount_store++] = a;
	return a;
}

long ty_scenario_find(const struct ty_tech *T, const char *name)
{
	/* a technology's scenarios are sorted by name (lib/context.c) */
	return ty_names_find(T->scen, T->nscen, sizeof(*T->scen), NULL, name);
}

void ty_tranche_amounts(const struct ty_tranche *tr, uint64_t seed, size_t N, int median,
			double *out)
{
	const struct ty_dist *d = tr->amount.dist;

	if (ty_dist_is_const(d) || median) {
		double v = ty_dist_is_const(d) ? d->a : ty_dist_median(d);

		for (size_t i = 0; i < N; i++)
			out[i] = v;
	} else {
		struct ty_rng_key key;
		const char *parts[4] = { "", "", "tranches", tr->amount.key };

		ty_rng_key_derive(&key, seed, parts, 4);
		ty_dist_sample(d, &key, 0, N, out);
	}
}

/* Results of every (technology, scenario) the caller needs, evaluated at
 * most once each. */
struct scen_cache {
	const tyche_context *ctx;
	struct ty_eval *E;
	size_t N;
	unsigned threads;
	double ***rows;           /* [tech * maxscen + scen][row] -> N */
	size_t maxscen;
	tyche_eval_memo *memo;    /* the caller's, or NULL */
	int design;
};

static int cache_init(struct scen_cache *c, const tyche_context *ctx,
		      const tyche_analysis_opts *o, tyche_error *err)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->N = o->samples;
	c->threads = o->threads;
	c->memo = o->memo;
	c->design = o->design;
	for (size_t t = 0; t < ctx->ntech; t++)
		if (ctx->tech[t].nscen > c->maxscen)
			c->maxscen = ctx->tech[t].nscen;
	c->rows = ty_calloc(ctx->ntech * c->maxscen + 1, sizeof(double **));
	if (!c->rows)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (ty_eval_create(&c->E, ctx, o->seed, err))
		return err->code;
	return ty_eval_set_design(c->E, o->design, o->samples, err);
}

static void cache_release(struct scen_cache *c)
{
	for (size_t t = 0; c->rows && t < c->ctx->ntech; t++)
		for (size_t s = 0; s < c->ctx->tech[t].nscen; s++) {
			double **R = c->rows[t * c->maxscen + s];

			for (size_t r = 0; R && r < c->ctx->tech[t].nresults; r++)
				free(R[r]);
			free(R);
		}
	free(c->rows);
	ty_eval_free(c->E);
}

static int cache_get(struct scen_cache *c, size_t t, size_t s, double ***out,
		     tyche_error *err)
{
	const struct ty_tech *T = &c->ctx->tech[t];
	double ***slot = &c->rows[t * c->maxscen + s];
	int rc;

	if (!*slot) {
		double **R = ty_calloc(T->nresults + 1, sizeof(double *));

		if (!R)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		*slot = R;
		for (size_t r = 0; r < T->nresults; r++) {
			R[r] = malloc(c->N * sizeof(double));
			if (!R[r])
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
						   "out of memory for %zu samples", c->N);
		}
		rc = ty_budget_check(err, "evaluating scenarios");
		if (rc)
			return rc;
		rc = ty_eval_scenario_memo(c->memo, c->E, c->design, t, s, c->N, c->threads, R,
					   err);
		if (rc)
			return rc;
	}
	*out = *slot;
	return 0;
}

static int scenarios(tyche_results *R, struct scen_cache *c, tyche_error *err)
{
	const tyche_context *ctx = c->ctx;

	for (size_t t = 0; t < ctx->ntech; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		for (size_t s = 0; s < T->nscen; s++) {
			double **rows;
			int rc = cache_get(c, t, s, &rows, err);

			if (rc)
				return rc;
			for (size_t r = 0; r < T->nresults; r++) {
				const struct ty_result_row *rr = &T->results[r];
				const char *k[4] = { T->name, T->scen[s].name, var_names[rr->var],
						     rr->index };
				double *v;

				if (rr->offset < 0)
					continue;
				v = add_row(R, k, rr->units, NULL);
				if (!v)
					return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				memcpy(v, rows[r], c->N * sizeof(double));
			}
			/* this scenario is not needed again */
			for (size_t r = 0; r < T->nresults; r++)
				free(rows[r]);
			free(rows);
			c->rows[t * c->maxscen + s] = NULL;
		}
	}
	return 0;
}

static int tranche_cmp(const tyche_context *ctx, size_t a, size_t b)
{
	const struct ty_tranche *x = &ctx->tranches[a], *y = &ctx->tranches[b];
	int c = strcmp(x->category, y->category);

	return c ? c : strcmp(x->name, y->name);
}

/* Stable order of the tranches by (Category, Tranche): a merge sort, so a
 * table of many tranches costs n log n. */
static void sort_tranches(const tyche_context *ctx, size_t *ix, size_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;

	sort_tranches(ctx, ix, tmp, h);
	sort_tranches(ctx, ix + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = tranche_cmp(ctx, ix[i], ix[j]) <= 0 ? ix[i++] : ix[j++];
	while (i < h)
		tmp[k++] = ix[i++];
	while (j < n)
		tmp[k++] = ix[j++];
	memcpy(ix, tmp, n * sizeof(size_t));
}

static int tranches(tyche_results *R, struct scen_cache *c, double **amounts,
		    tyche_error *err)
{
	const tyche_context *ctx = c->ctx;
	size_t n = ctx->ntranches;
	size_t *order = ty_calloc(2 * n + 1, sizeof(size_t));
	int rc = 0;

	if (!order)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	sort_tranches(ctx, order, order + n, n);
	for (size_t oi = 0; oi < n && !rc; oi++) {
		const struct ty_tranche *tr = &ctx->tranches[order[oi]];

		for (size_t t = 0; t < ctx->ntech && !rc; t++) {
			const struct ty_tech *T = &ctx->tech[t];
			long s = ty_scenario_find(T, tr->scenario);
			double **rows;

			if (s < 0)
				continue;
			rc = ty_budget_check(err, R->what);
			if (!rc)
				rc = cache_get(c, t, (size_t)s, &rows, err);
			for (size_t r = 0; !rc && r < T->nresults; r++) {
				const struct ty_result_row *rr = &T->results[r];
				const char *k[5] = { tr->category, tr->name, tr->scenario, T->name,
						     rr->index };
				double *v;

				if (rr->var != TY_VAR_METRIC || rr->offset < 0)
					continue;
				v = add_row(R, k, rr->units, amounts[order[oi]]);
				if (!v)
					rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				else
					memcpy(v, rows[r], c->N * sizeof(double));
			}
			if (!rc)
				rc = drain(R, err);   /* one (tranche, technology) */
		}
	}
	free(order);
	return rc;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int investments(tyche_results *R, struct scen_cache *c, double **amounts,
		       tyche_error *err)
{
	const tyche_context *ctx = c->ctx;
	size_t N = c->N;
	char **inv = ty_calloc(ctx->ninvestments + 1, sizeof(char *));
	int rc = 0;

	if (!inv)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	memcpy(inv, ctx->investments, ctx->ninvestments * sizeof(char *));
	if (ctx->ninvestments)
		qsort(inv, ctx->ninvestments, sizeof(char *), strp_cmp);
	for (size_t k = 0; k < ctx->ninvestments && !rc; k++) {
		/* amount: the sum of the investment's tranche amounts */
		double *amt = keep_amount(R, ty_calloc(N, sizeof(double)));

		if (!amt) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			break;
		}
		for (size_t j = 0; j < ctx->ninvest_items; j++)
			if (!strcmp(ctx->invest[j].investment, inv[k]))
				for (size_t i = 0; i < N; i++)
					amt[i] += amounts[ctx->invest[j].tranche_ix][i];
		for (size_t t = 0; t < ctx->ntech && !rc; t++) {
			const struct ty_tech *T = &ctx->tech[t];
			size_t first = R->nrows;
			int any = 0;

			for (size_t j = 0; j < ctx->ninvest_items && !rc; j++) {
				const struct ty_tranche *tr;
				double **rows;
				long s;
				size_t m = 0;

				if (strcmp(ctx->invest[j].investment, inv[k]))
					continue;
				tr = &ctx->tranches[ctx->invest[j].tranche_ix];
				s = ty_scenario_find(T, tr->scenario);
				if (s < 0)
					continue;
				rc = ty_budget_check(err, R->what);
				if (!rc)
					rc = cache_get(c, t, (size_t)s, &rows, err);
				for (size_t r = 0; !rc && r < T->nresults; r++) {
					const struct ty_result_row *rr = &T->results[r];
					double *v;

					if (rr->var != TY_VAR_METRIC || rr->offset < 0)
						continue;
					if (!any) {
						const char *kk[3] = { inv[k], T->name, rr->index };

						v = add_row(R, kk, rr->units, amt);
						if (!v) {
							rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
									 "out of memory");
							break;
						}
						memset(v, 0, N * sizeof(double));
					}
					v = R->values + (first + m++) * N;
					for (size_t i = 0; i < N; i++)
						v[i] += rows[r][i];
				}
				any = 1;
			}
			if (!rc)
				rc = drain(R, err);   /* one (investment, technology) */
		}
		if (R->sink) {
			/* its rows are written: this investment's amounts go */
			free(R->amount_store[--R->namount_store]);
		}
	}
	free(inv);
	return rc;
}

static void write_head(const tyche_results *r, struct ty_buf *b, int json);

/* The results of `kind`; with a sink, written group by group as they are
 * computed (then *out keeps no rows).  `what` names the work in the
 * budget's message. */
static int compute(tyche_results **out, const tyche_context *ctx, int kind,
		   const tyche_analysis_opts *o, struct sink *sink, const char *what,
		   tyche_error *err)
{
	static const char *const kn_scen[] = { "Technology", "Scenario", "Variable", "Index" };
	static const char *const kn_tr[] = { "Category", "Tranche", "Scenario", "Technology",
					     "Index" };
	static const char *const kn_inv[] = { "Investment", "Technology", "Index" };
	struct scen_cache c;
	tyche_results *R;
	double **amounts = NULL;
	size_t N = o->samples;
	int rc;

	if (N < 1)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "the number of samples must be at least 1");
	if (N > (size_t)1 << 32)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "too many samples (%zu)", N);
	switch (kind) {
	case TYCHE_RESULTS_SCENARIOS:
		R = results_new(kind, N, kn_scen, 4, 2);
		break;
	case TYCHE_RESULTS_TRANCHES:
		R = results_new(kind, N, kn_tr, 5, 4);
		break;
	case TYCHE_RESULTS_INVESTMENTS:
		R = results_new(kind, N, kn_inv, 3, 2);
		break;
	default:
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "unknown kind of results %d", kind);
	}
	if (!R)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	R->seed = o->seed;
	memcpy(R->hash, ctx->hash, sizeof R->hash);
	R->what = what;
	rc = cache_init(&c, ctx, o, err);
	if (!rc && kind != TYCHE_RESULTS_SCENARIOS) {
		amounts = ty_calloc(ctx->ntranches + 1, sizeof(double *));
		if (!amounts)
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		for (size_t k = 0; !rc && k < ctx->ntranches; k++) {
			amounts[k] = keep_amount(R, malloc(N * sizeof(double)));
			if (!amounts[k])
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			else
				ty_tranche_amounts(&ctx->tranches[k], o->seed, N, 0, amounts[k]);
		}
	}
	if (!rc && sink) {
		R->sink = sink;
		write_head(R, &sink->b, sink->json);
	}
	if (!rc)
		rc = kind == TYCHE_RESULTS_SCENARIOS ? scenarios(R, &c, err)
			: kind == TYCHE_RESULTS_TRANCHES ? tranches(R, &c, amounts, err)
			: investments(R, &c, amounts, err);
	if (!rc && R->oom)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	cache_release(&c);
	free(amounts);
	if (rc) {
		tyche_results_free(R);
		return rc;
	}
	*out = R;
	return 0;
}

int tyche_results_compute(tyche_results **out, const tyche_context *ctx, int kind,
			  const tyche_analysis_opts *o, tyche_error *err)
{
	return compute(out, ctx, kind, o, NULL,
		       kind == TYCHE_RESULTS_TRANCHES ? "computing the tranches"
		       : kind == TYCHE_RESULTS_INVESTMENTS ? "computing the investments"
		       : "evaluating scenarios", err);
}

/* ------------------------------------------------------------ accessors */

int tyche_results_kind(const tyche_results *r) { return r->kind; }
size_t tyche_results_nrows(const tyche_results *r) { return r->nrows; }
size_t tyche_results_nsamples(const tyche_results *r) { return r->N; }
size_t tyche_results_nkeys(const tyche_results *r) { return r->nkeys; }
uint64_t tyche_results_seed(const tyche_results *r) { return r->seed; }
const char *tyche_results_context_hash(const tyche_results *r) { return r->hash; }

const char *tyche_results_key_name(const tyche_results *r, size_t k)
{
	return k < r->nkeys ? r->key_name[k] : NULL;
}

long tyche_results_find_key(const tyche_results *r, const char *name)
{
	for (size_t k = 0; k < r->nkeys; k++)
		if (!strcmp(r->key_name[k], name))
			return (long)k;
	return -1;
}

const char *tyche_results_key(const tyche_results *r, size_t row, size_t k)
{
	return row < r->nrows && k < r->nkeys ? r->keys[row * r->nkeys + k] : NULL;
}

const char *tyche_results_units(const tyche_results *r, size_t row)
{
	return row < r->nrows ? r->units[row] : NULL;
}

const double *tyche_results_values(const tyche_results *r, size_t row)
{
	return row < r->nrows ? r->values + row * r->N : NULL;
}

const double *tyche_results_amounts(const tyche_results *r, size_t row)
{
	return row < r->nrows ? r->amount[row] : NULL;
}

int tyche_results_row_stats(const tyche_results *r, size_t row, const tyche_stat *st,
			    size_t nst, double *out, tyche_error *err)
{
	if (row >= r->nrows)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "row %zu out of range (%zu rows)",
				   row, r->nrows);
	if (tyche_stat_eval_many(st, nst, r->values + row * r->N, r->N, NULL, out))
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	return 0;
}

int tyche_results_rows_stats(const tyche_results *r, const size_t *rows, size_t nrows,
			     const tyche_stat *st, size_t nst, double *out, tyche_error *err)
{
	const double **p;
	double *work;
	int rc;

	for (size_t i = 0; i < nrows; i++)
		if (rows[i] >= r->nrows)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "row %zu out of range (%zu rows)", rows[i], r->nrows);
	p = ty_calloc(nrows + 1, sizeof(*p));
	work = ty_calloc(r->N + 1, sizeof(double));
	if (!p || !work) {
		free(p);
		free(work);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	for (size_t i = 0; i < nrows; i++)
		p[i] = r->values + rows[i] * r->N;
	rc = ty_stat_eval_rows(st, nst, p, nrows, r->N, work, out);
	free(p);
	free(work);
	if (rc)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ grouping */

int tyche_results_group(tyche_results **out, const tyche_results *r, const size_t *keys,
			size_t nkeys, tyche_error *err)
{
	const char *names[MAX_KEYS];
	size_t sample_pos = 0;
	tyche_results *G;
	int rc = 0;

	if (nkeys > r->nkeys)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "too many key columns");
	for (size_t k = 0; k < nkeys; k++) {
		if (keys[k] >= r->nkeys)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "key column %zu out of range (%zu keys)", keys[k],
					   r->nkeys);
		names[k] = r->key_name[keys[k]];
		if (keys[k] < r->sample_pos)
			sample_pos = k + 1;
	}
	G = results_new(r->kind, r->N, names, nkeys, sample_pos);
	if (!G)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	G->seed = r->seed;
	memcpy(G->hash, r->hash, sizeof G->hash);
	/* first-appearance order of the groups; rows of one group summed in
	 * row order (a hash over the joined keys keeps it linear) */
	size_t hcap = 64;
	while (hcap < 2 * r->nrows)
		hcap *= 2;
	size_t *slot = ty_calloc(hcap, sizeof(size_t));   /* group + 1, 0 = empty */
	if (!slot) {
		tyche_results_free(G);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	for (size_t i = 0; i < r->nrows && !rc; i++) {
		const char *kv[MAX_KEYS];
		uint64_t h = 1469598103934665603u;
		size_t p;
		double *v;

		for (size_t k = 0; k < nkeys; k++) {
			kv[k] = r->keys[i * r->nkeys + keys[k]];
			for (const unsigned char *s = (const unsigned char *)kv[k]; *s; s++)
				h = (h ^ *s) * 1099511628211u;
			h = (h ^ 0xff) * 1099511628211u;
		}
		for (p = h & (hcap - 1); slot[p]; p = (p + 1) & (hcap - 1)) {
			size_t g = slot[p] - 1, k;

			for (k = 0; k < nkeys; k++)
				if (strcmp(G->keys[g * nkeys + k], kv[k]))
					break;
			if (k == nkeys)
				break;
		}
		if (slot[p]) {
			const double *src = r->values + i * r->N;

			v = G->values + (slot[p] - 1) * G->N;
			for (size_t s = 0; s < r->N; s++)
				v[s] += src[s];
			continue;
		}
		v = add_row(G, kv, r->units[i], NULL);
		if (!v) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			break;
		}
		memcpy(v, r->values + i * r->N, r->N * sizeof(double));
		slot[p] = G->nrows;
	}
	free(slot);
	if (rc) {
		tyche_results_free(G);
		return rc;
	}
	*out = G;
	return 0;
}

/* ------------------------------------------------------------ writing */

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

static int write_error(int rc, tyche_error *err)
{
	if (rc == TYCHE_ENOMEM)
		return ty_error_at(err, rc, "", 0, 0, "out of memory");
	return ty_error_at(err, rc, "", 0, 0, "cannot write the output");
}

static void put_key(struct ty_buf *b, int json, const char *name, const char *v)
{
	if (json) {
		ty_buf_addc(b, '"');
		ty_buf_adds(b, name);
		ty_buf_adds(b, "\":");
		ty_buf_json_str(b, v);
		ty_buf_addc(b, ',');
	} else {
		ty_buf_csv(b, v);
		ty_buf_addc(b, ',');
	}
}

static void put_num(struct ty_buf *b, int json, double v)
{
	ty_buf_num(b, v, json);
}

static int same_group(const tyche_results *r, size_t a, size_t b)
{
	for (size_t k = 0; k < r->sample_pos; k++)
		if (strcmp(r->keys[a * r->nkeys + k], r->keys[b * r->nkeys + k]))
			return 0;
	return 1;
}

/* "[" or the CSV header line. */
static void write_head(const tyche_results *r, struct ty_buf *b, int json)
{
	if (json) {
		ty_buf_addc(b, '[');
		return;
	}
	for (size_t k = 0; k <= r->nkeys; k++) {
		if (k == r->sample_pos)
			ty_buf_adds(b, "Sample,");
		if (k < r->nkeys) {
			ty_buf_csv(b, r->key_name[k]);
			ty_buf_addc(b, ',');
		}
	}
	ty_buf_adds(b, r->kind != TYCHE_RESULTS_SCENARIOS ? "Amount,Value,Units\n"
							 : "Value,Units\n");
}

/* Rows 0..nrows-1 in long form, group by group, sample by sample; the
 * buffer flushed once past 64 KiB.  With `what`, the budget is checked
 * every 4096 samples. */
static int write_rows(const tyche_results *r, struct ty_buf *b, int json, int *first,
		      tyche_write_fn w, void *arg, const char *what, tyche_error *err)
{
	int has_amount = r->kind != TYCHE_RESULTS_SCENARIOS, rc = 0;

	for (size_t g0 = 0; g0 < r->nrows && !rc;) {
		size_t g1 = g0 + 1;

		while (g1 < r->nrows && same_group(r, g0, g1))
			g1++;
		for (size_t i = 0; i < r->N && !rc; i++) {
			if (what && i % 4096 == 4095 && (rc = ty_budget_check(err, what)))
				return rc;
			for (size_t row = g0; row < g1; row++) {
				if (json)
					ty_buf_adds(b, *first ? "\n{" : ",\n{");
				*first = 0;
				for (size_t k = 0; k <= r->nkeys; k++) {
					if (k == r->sample_pos) {
						if (json)
							ty_buf_addf(b, "\"Sample\":%zu,", i + 1);
						else
							ty_buf_addf(b, "%zu,", i + 1);
					}
					if (k < r->nkeys)
						put_key(b, json, r->key_name[k],
							r->keys[row * r->nkeys + k]);
				}
				if (has_amount) {
					if (json)
						ty_buf_adds(b, "\"Amount\":");
					put_num(b, json, r->amount[row] ? r->amount[row][i] : NAN);
					ty_buf_adds(b, json ? ",\"Value\":" : ",");
				} else if (json) {
					ty_buf_adds(b, "\"Value\":");
				}
				put_num(b, json, r->values[row * r->N + i]);
				if (json) {
					ty_buf_adds(b, ",\"Units\":");
					ty_buf_json_str(b, r->units[row]);
					ty_buf_addc(b, '}');
				} else {
					ty_buf_addc(b, ',');
					ty_buf_csv(b, r->units[row]);
					ty_buf_addc(b, '\n');
				}
			}
			rc = flush(b, w, arg, 0);
		}
		g0 = g1;
	}
	return rc ? write_error(rc, err) : 0;
}

/* Streaming: write the rows so far to the sink and drop them. */
static int drain(tyche_results *R, tyche_error *err)
{
	struct sink *k = R->sink;
	int rc;

	if (!k)
		return 0;
	if (R->oom)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	rc = write_rows(R, &k->b, k->json, &k->first, k->w, k->arg, R->what, err);
	for (size_t i = 0; i < R->nrows * R->nkeys; i++)
		free(R->keys[i]);
	for (size_t i = 0; i < R->nrows; i++)
		free(R->units[i]);
	R->nrows = 0;
	return rc;
}

int tyche_results_write(const tyche_results *r, int format, tyche_write_fn w, void *arg,
			tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int json = format == TYCHE_FMT_JSON, first = 1, rc;

	write_head(r, &b, json);
	rc = write_rows(r, &b, json, &first, w, arg, NULL, err);
	if (!rc) {
		if (json)
			ty_buf_adds(&b, "\n]\n");
		rc = flush(&b, w, arg, 1);
		if (rc)
			rc = write_error(rc, err);
	}
	ty_buf_release(&b);
	return rc;
}

/* The tranche or investment table, streamed: each (tranche or investment,
 * technology) is written as soon as it is computed, so memory holds one
 * group's rows, and rows already written stay written when the budget
 * runs out. */
static int write_table(const tyche_context *ctx, const tyche_analysis_opts *o, int kind,
		       int format, tyche_write_fn w, void *arg, const char *what,
		       tyche_error *err)
{
	struct sink k = { format == TYCHE_FMT_JSON, 1, w, arg, TY_BUF_INIT };
	tyche_results *R = NULL;
	int rc = compute(&R, ctx, kind, o, &k, what, err);

	if (!rc) {
		if (k.json)
			ty_buf_adds(&k.b, "\n]\n");
		rc = flush(&k.b, w, arg, 1);
		if (rc)
			rc = write_error(rc, err);
	}
	tyche_results_free(R);
	ty_buf_release(&k.b);
	return rc;
}

int tyche_tranches_write(const tyche_context *ctx, const tyche_analysis_opts *o, int format,
			 tyche_write_fn w, void *arg, tyche_error *err)
{
	return write_table(ctx, o, TYCHE_RESULTS_TRANCHES, format, w, arg,
			   "writing the tranches", err);
}

int tyche_investments_write(const tyche_context *ctx, const tyche_analysis_opts *o,
			    int format, tyche_write_fn w, void *arg, tyche_error *err)
{
	return write_table(ctx, o, TYCHE_RESULTS_INVESTMENTS, format, w, arg,
			   "writing the investments", err);
}
