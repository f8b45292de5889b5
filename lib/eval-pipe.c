/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval-pipe.c - work units (technology, scenario, block of samples) and
 * the ordered parallel pipeline that runs them: workers take units in
 * order and compute (and, for text, format) them; the consumer gets
 * finished units strictly in unit order on the calling thread, which
 * keeps every output byte-identical for any thread count and block size.
 * Workers read the process's work budget once a block and return
 * TYCHE_ETIMEOUT; the consumer then stops and joins them all.
 * Easy to get wrong: a slot is reused only after the consumer freed it,
 * so at most 4 x threads units are in memory at once.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval-int.h"

/* Units of samples lo .. hi-1 of every scenario, in output order. */
size_t ty_units_make(const tyche_context *ctx, size_t tech, size_t scen, uint64_t lo,
		     uint64_t hi, size_t block, struct unit **out)
{
	size_t nb = hi > lo ? (size_t)((hi - lo + block - 1) / block) : 0, nu = 0, k = 0;
	struct unit *u;

#define SKIP(t, s) (tech != SIZE_MAX && ((t) != tech || (s) != scen))
	for (size_t t = 0; t < ctx->ntech; t++)
		for (size_t s = 0; s < ctx->tech[t].nscen; s++)
			nu += SKIP(t, s) ? 0 : nb;
	u = ty_calloc(nu ? nu : 1, sizeof(*u));
	for (size_t t = 0; t < ctx->ntech; t++)
		for (size_t s = 0; s < ctx->tech[t].nscen; s++)
			for (size_t b = 0; b < nb && !SKIP(t, s); b++) {
				uint64_t first = lo + (uint64_t)b * block;

				u[k].tech = t;
				u[k].scen = s;
				u[k].first = first;
				u[k].n = hi - first < block ? (size_t)(hi - first) : block;
				k++;
			}
#undef SKIP
	*out = u;
	return nu;
}

/* The units rank `rank` of `size` computes (u % size == rank), and their
 * indices among all units. */
size_t ty_units_own(const struct unit *all, size_t nall, unsigned rank, unsigned size,
			struct unit **out, size_t **gidx)
{
	size_t n = nall > rank ? (nall - rank + size - 1) / size : 0;

	*out = ty_calloc(n ? n : 1, sizeof(**out));
	*gidx = ty_calloc(n ? n : 1, sizeof(**gidx));
	for (size_t i = 0; i < n; i++) {
		(*gidx)[i] = rank + i * size;
		(*out)[i] = all[rank + i * size];
	}
	return n;
}

static void *worker(void *arg)
{
	struct pipe *P = arg;
	struct ty_eval_ws *ws = ty_eval_ws_create(P->E);

	for (;;) {
		size_t u;
		struct slot *s;

		pthread_mutex_lock(&P->mu);
		for (;;) {
			if (P->stop || P->next >= P->nunits) {
				pthread_mutex_unlock(&P->mu);
				ty_eval_ws_free(ws);
				return NULL;
			}
			s = &P->slots[P->next % P->nslots];
			if (s->state == 0)
				break;
			pthread_cond_wait(&P->cv, &P->mu);
		}
		u = P->next++;
		s->state = 1;
		s->unit = u;
		pthread_mutex_unlock(&P->mu);
		s->text.len = 0;
		s->rc = ws ? P->work(P, ws, &P->units[u], s) : TYCHE_ENOMEM;
		pthread_mutex_lock(&P->mu);
		s->state = 2;
		pthread_cond_broadcast(&P->cv);
		pthread_mutex_unlock(&P->mu);
	}
}

/* Run the pipeline; consume(u, slot) is called in unit order on this
 * thread.  Returns the first error. */
int ty_pipe_run(struct pipe *P, unsigned threads,
		    int (*consume)(struct pipe *P, size_t u, struct slot *s, void *arg),
		    void *arg)
{
	pthread_t *th;
	unsigned nt = threads ? threads : ty_ncores();
	int rc = 0;

	if (nt > 64)
		nt = 64;
	P->nslots = 4 * (size_t)nt;
	P->slots = ty_calloc(P->nslots, sizeof(struct slot));
	for (size_t i = 0; i < P->nslots; i++)
		P->slots[i].vals = ty_calloc(MAX(P->E->max_rows, 1) * P->block, sizeof(double));
	pthread_mutex_init(&P->mu, NULL);
	pthread_cond_init(&P->cv, NULL);
	th = ty_calloc(nt, sizeof(*th));
	for (unsigned i = 0; i < nt; i++)
		pthread_create(&th[i], NULL, worker, P);
	for (size_t u = 0; u < P->nunits; u++) {
		struct slot *s = &P->slots[u % P->nslots];

		pthread_mutex_lock(&P->mu);
		while (!(s->state == 2 && s->unit == u))
			pthread_cond_wait(&P->cv, &P->mu);
		pthread_mutex_unlock(&P->mu);
		if (!rc)
			rc = s->rc;
		if (!rc)
			rc = consume(P, u, s, arg);
		pthread_mutex_lock(&P->mu);
		s->state = 0;
		if (rc)
			P->stop = 1;
		pthread_cond_broadcast(&P->cv);
		pthread_mutex_unlock(&P->mu);
		if (rc)
			break;
	}
	for (unsigned i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	free(th);
	for (size_t i = 0; i < P->nslots; i++) {
		ty_buf_release(&P->slots[i].text);
		free(P->slots[i].vals);
	}
	free(P->slots);
	pthread_mutex_destroy(&P->mu);
	pthread_cond_destroy(&P->cv);
	return rc;
}

int ty_pipe_work_values(struct pipe *P, struct ty_eval_ws *ws, const struct unit *u,
		       struct slot *s)
{
	const struct ty_tech *T = &P->E->ctx->tech[u->tech];
	double *rows[512];

	for (size_t r = 0; r < T->nresults && r < 512; r++)
		rows[r] = s->vals + r * P->block;
	for (size_t off = 0; off < u->n; off += B) {
		size_t m = u->n - off < B ? u->n - off : B;
		double *sub[512];
		int rc;

		/* the process's budget, once a block: a clock read per TY_VM_BLOCK
		 * samples; the consumer then stops every worker (pipe_run) */
		if (ty_budget_spent())
			return TYCHE_ETIMEOUT;
		for (size_t r = 0; r < T->nresults && r < 512; r++)
			sub[r] = rows[r] + off;
		rc = ty_eval_block(P->E, ws, u->tech, u->scen, u->first + off, m, sub);
		if (rc)
			return rc;
	}
	return 0;
}

/* TYCHE_ETIMEOUT from a worker: the budget's own message (what ran out),
 * naming what was being done. */
int ty_eval_timeout_error(tyche_error *err, const char *what)
{
	if (ty_budget_check(err, what))
		return TYCHE_ETIMEOUT;
	return ty_error_at(err, TYCHE_ETIMEOUT, "", 0, 0,
			   "stopped while %s: the time budget ran out", what);
}

/* ------------------------------------------------------------ one scenario */

struct scen_out {
	double *const *out;
	size_t nrows;
};

static int consume_scen(struct pipe *P, size_t u, struct slot *s, void *arg)
{
	struct scen_out *so = arg;
	const struct unit *un = &P->units[u];

	for (size_t r = 0; r < so->nrows; r++)
		if (so->out[r])
			memcpy(so->out[r] + un->first, s->vals + r * P->block,
			       un->n * sizeof(double));
	return 0;
}

int ty_eval_scenario(const struct ty_eval *E, size_t tech, size_t scen, size_t N,
		     unsigned threads, double *const *out, tyche_error *err)
{
	struct pipe P;
	struct unit *units;
	size_t block = 4 * B, nb = (N + block - 1) / block;
	struct scen_out so = { out, E->ctx->tech[tech].nresults };
	int rc;

	memset(&P, 0, sizeof P);
	units = ty_calloc(nb, sizeof(*units));
	for (size_t b = 0; b < nb; b++) {
		units[b].tech = tech;
		units[b].scen = scen;
		units[b].first = (uint64_t)b * block;
		units[b].n = (b + 1) * block <= N ? block : N - b * block;
	}
	P.nunits = nb;
	P.units = units;
	P.E = E;
	P.block = block;
	P.work = ty_pipe_work_values;
	rc = ty_pipe_run(&P, threads ? threads : (nb < ty_ncores() ? (unsigned)nb : 0), consume_scen, &so);
	free(units);
	if (rc == TYCHE_ETIMEOUT)
		return ty_eval_timeout_error(err, "evaluating the scenarios");
	if (rc)
		return ty_error_at(err, rc, E->ctx->path, 0, 0,
				   "evaluation of technology '%s', scenario '%s' failed",
				   E->ctx->tech[tech].name, E->ctx->tech[tech].scen[scen].name);
	return 0;
}

/* ------------------------------------------------ values of a sample range */

struct values_state {
	ty_eval_sink_fn sink;
	void *arg;
};

static int consume_values(struct pipe *P, size_t u, struct slot *s, void *arg)
{
	struct values_state *vs = arg;
	const struct unit *un = &P->units[u];

	return vs->sink(vs->arg, un->tech, un->scen, un->first, un->n, s->vals, P->block);
}

int ty_eval_values(const struct ty_eval *E, const struct ty_eval_range *rg, unsigned threads,
		   ty_eval_sink_fn sink, void *arg, tyche_error *err)
{
	struct pipe P;
	struct unit *units = NULL, *mine = NULL;
	size_t *gidx = NULL;
	struct values_state vs = { sink, arg };
	int rc;

	memset(&P, 0, sizeof P);
	P.block = rg->block ? rg->block : 4 * B;
	P.nunits = ty_units_make(E->ctx, rg->tech, rg->scen, rg->lo, rg->hi, P.block, &units);
	P.units = units;
	if (rg->nparts > 1) {
		P.nunits = ty_units_own(units, P.nunits, rg->part, rg->nparts, &mine, &gidx);
		P.units = mine;
	}
	P.E = E;
	P.work = ty_pipe_work_values;
	rc = P.nunits ? ty_pipe_run(&P, threads, consume_values, &vs) : 0;
	free(units);
	free(mine);
	free(gidx);
	if (rc == TYCHE_ETIMEOUT)
		return ty_eval_timeout_error(err, "evaluating the scenarios");
	if (rc == TYCHE_EIO)
		return ty_error_at(err, rc, "", 0, 0, "cannot write the shard");
	if (rc)
		return ty_error_at(err, rc, E->ctx->path, 0, 0, "evaluation failed");
	return 0;
}
