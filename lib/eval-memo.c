/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval-memo.c - scenario values kept between the analyses of one run: a
 * caller that evaluates the same scenarios several times (tyche-report:
 * the evaluate section, the investments and the response surface all
 * need every scenario at the same samples and seed) passes one memo in
 * tyche_analysis_opts.memo, and each scenario is evaluated once.
 *
 * Easy to get wrong:
 *  - A scenario's values are a pure function of the context, the seed,
 *    the sampling design, the run's sample count (LHS and QMC strata
 *    depend on it) and (tech, scenario); the key is exactly that, with
 *    the context by identity and by content hash, so a memo handed to
 *    another context or another version of it misses and never answers
 *    wrongly.  Only whole runs of samples 0..N-1 without overrides come
 *    here (not shard parts, not the fixed-value builds of the tornado).
 *  - A hit copies the values into the caller's rows: callers own and
 *    free their rows as before, and the memo owns its copies.
 *  - Running out of memory while keeping a copy only loses the memo's
 *    help, never the evaluation.
 *  - Not for two threads at once (the caller's one analysis thread uses
 *    it; the evaluation's own worker threads never see it).
 */
#include <stdlib.h>
#include <string.h>

#include "eval-int.h"

struct memo_entry {
	const tyche_context *ctx;
	char hash[sizeof(((tyche_context *)0)->hash)];
	uint64_t seed;
	size_t N, tech, scen, nrows;
	int design;
	double *v;                /* nrows x N */
};

struct tyche_eval_memo {
	struct memo_entry *e;
	size_t n, cap;
	size_t hits;              /* for tests (ty_eval_memo_count) */
};

void ty_eval_memo_count(const tyche_eval_memo *m, size_t *entries, size_t *hits)
{
	*entries = m ? m->n : 0;
	*hits = m ? m->hits : 0;
}

tyche_eval_memo *tyche_eval_memo_create(void)
{
	return ty_calloc(1, sizeof(tyche_eval_memo));
}

void tyche_eval_memo_free(tyche_eval_memo *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].v);
	free(m->e);
	free(m);
}

static struct memo_entry *find(const tyche_eval_memo *m, const tyche_context *ctx,
			       uint64_t seed, size_t N, int design, size_t t, size_t s)
{
	for (size_t i = 0; i < m->n; i++) {
		struct memo_entry *e = &m->e[i];

		if (e->ctx == ctx && e->seed == seed && e->N == N && e->design == design &&
		    e->tech == t && e->scen == s && !strcmp(e->hash, ctx->hash))
			return e;
	}
	return NULL;
}

static void keep(tyche_eval_memo *m, const tyche_context *ctx, uint64_t seed, size_t N,
		 int design, size_t t, size_t s, size_t nrows, double *const *rows)
{
	struct memo_entry *e;
	double *v;

	if (nrows && N > SIZE_MAX / sizeof(double) / nrows)
		return;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct memo_entry *ne = realloc(m->e, cap * sizeof(*ne));

		if (!ne)
			return;
		m->e = ne;
		m->cap = cap;
	}
	v = malloc((nrows ? nrows : 1) * N * sizeof(double));
	if (!v)
		return;
	for (size_t r = 0; r < nrows; r++)
		memcpy(v + r * N, rows[r], N * sizeof(double));
	e = &m->e[m->n++];
	e->ctx = ctx;
	memcpy(e->hash, ctx->hash, sizeof e->hash);
	e->seed = seed;
	e->N = N;
	e->design = design;
	e->tech = t;
	e->scen = s;
	e->nrows = nrows;
	e->v = v;
}

int ty_eval_scenario_memo(tyche_eval_memo *m, const struct ty_eval *E, int design,
			  size_t t, size_t s, size_t N, unsigned threads, double *const *out,
			  tyche_error *err)
{
	const tyche_context *ctx = E->ctx;
	size_t nrows = ctx->tech[t].nresults;
	struct memo_entry *e;
	int rc;

	if (!m || E->source)
		return ty_eval_scenario(E, t, s, N, threads, out, err);
	e = find(m, ctx, E->seed, N, design, t, s);
	if (e) {
		m->hits++;
		for (size_t r = 0; r < nrows; r++)
			memcpy(out[r], e->v + r * N, N * sizeof(double));
		return 0;
	}
	rc = ty_eval_scenario(E, t, s, N, threads, out, err);
	if (!rc)
		keep(m, ctx, E->seed, N, design, t, s, nrows, out);
	return rc;
}
