/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval.c - tyche_evaluate: every scenario's samples as long-form CSV or
 * JSON, or per-row summary statistics, from the pipeline (eval-pipe.c).
 *
 * Per sample, exactly as the reference computes it (../shared/docs/
 * tyche-data.md): capital and fixed costs from the model, effective input =
 * efficiency x raw input, raw output from the model, output = efficiency x
 * raw output, unit cost K, metrics.  The sums in K run in offset order and
 * start from the first term (not from 0.0), as numpy's small sums do, so
 * the last bits agree.
 *
 * Work is cut into units of (technology, scenario, block of samples).
 * Draws are pure functions of (seed, cell, sample), so a unit can run on
 * any thread; a consumer writes finished units strictly in unit order,
 * which keeps output byte-identical for any thread count and block size.
 * Number formatting, the expensive part of writing 1e6 rows, happens in
 * the workers.  Workers read the process's work budget once a block and
 * return TYCHE_ETIMEOUT; the consumer then stops and joins them all, and
 * the caller gets the budget's message, never a half result (streamed
 * text already written stays written: the exit status tells).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eval-int.h"

/* ------------------------------------------------------------ text output */

/* A value for JSON: numbers as numbers, NaN/inf as strings. */
static void json_num(struct ty_buf *b, double v)
{
	char tmp[32];
	const char *s = ty_fmt_double(v, tmp);

	if (isfinite(v))
		ty_buf_adds(b, s);
	else
		ty_buf_json_str(b, s);
}

/* Decimal digits of v without printf (the hot path of long output). */
static void add_u64(struct ty_buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ty_buf_add(b, tmp + sizeof tmp - n, (size_t)n);
}

/*
 * The CSV pieces of a line are short (10 to 40 bytes) and of many lengths:
 * a library memcpy call each costs more than the copy.  put_padded copies
 * whole PAD-byte chunks, so up to PAD - 1 bytes past the end of the source
 * are read and past q + n written: every source is allocated with PAD
 * bytes after its end (text_piece, the line head), and the destination
 * has PAD bytes of room after the longest line.
 */
#define PAD 16

static inline char *put_padded(char *restrict q, const char *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i += PAD)
		memcpy(q + i, src + i, PAD);
	return q + n;
}

/* b's text, with PAD readable bytes after its end (for put_padded); NULL
 * when short of memory */
static char *text_piece(struct ty_buf *b)
{
	char *room = ty_buf_room(b, PAD);

	if (!room) {
		ty_buf_release(b);
		return NULL;
	}
	memset(room, 0, PAD);
	return ty_buf_detach(b);
}

static int work_text(struct pipe *P, struct ty_eval_ws *ws, const struct unit *u,
		     struct slot *s)
{
	const struct ty_tech *T = &P->E->ctx->tech[u->tech];
	int rc = ty_pipe_work_values(P, ws, u, s);
	int json = P->opts->format == TYCHE_FMT_JSON;
	const char *prefix = P->prefix[u->tech][u->scen];
	char tmp[32], digits[24], hbuf[256], *head = hbuf;
	size_t plen = strlen(prefix), rtl[512], rul[512], linemax = 0;

	if (rc)
		return rc;
	s->nonfinite_rows = 0;
	if (json || T->nresults > 512) {
		for (size_t i = 0; i < u->n; i++) {
			uint64_t sample = u->first + i + 1;

			for (size_t r = 0; r < T->nresults; r++) {
				double v = s->vals[r * P->block + i];

				if (T->results[r].offset < 0)
					continue;
				ty_buf_adds(&s->text, prefix);
				if (json) {
					ty_buf_addf(&s->text, "\"Sample\":%llu,", (unsigned long long)sample);
					ty_buf_adds(&s->text, P->rowtext[u->tech][r]);
					ty_buf_adds(&s->text, "\"Value\":");
					json_num(&s->text, v);
				} else {
					add_u64(&s->text, sample);
					ty_buf_addc(&s->text, ',');
					ty_buf_adds(&s->text, P->rowtext[u->tech][r]);
					ty_buf_adds(&s->text, ty_fmt_double(v, tmp));
				}
				ty_buf_adds(&s->text, P->rowunits[u->tech][r]);
			}
		}
		return s->text.oom ? TYCHE_ENOMEM : 0;
	}
	/* CSV: each line written in place, its pieces of known length; room
	 * for one sample's lines at a time, plus PAD for the last chunk */
	for (size_t r = 0; r < T->nresults; r++) {
		rtl[r] = strlen(P->rowtext[u->tech][r]);
		rul[r] = strlen(P->rowunits[u->tech][r]);
		linemax += plen + 21 + rtl[r] + 32 + rul[r];
	}
	/* the line head, "Technology,Scenario,": on the stack unless the names
	 * are long; zeroed, as put_padded reads past its end */
	if (plen + sizeof digits + 1 + PAD > sizeof hbuf)
		head = ty_calloc(plen + sizeof digits + 1 + PAD, 1);
	else
		memset(hbuf, 0, sizeof hbuf);
	if (!head)
		return TYCHE_ENOMEM;
	memcpy(head, prefix, plen);
	for (size_t i = 0; i < u->n; i++) {
		uint64_t sd = u->first + i + 1;
		size_t dl = 0, hl;
		char *q0 = ty_buf_room(&s->text, linemax + PAD), *q = q0;

		if (!q) {
			if (head != hbuf)
				free(head);
			return TYCHE_ENOMEM;
		}
		do {
			digits[sizeof digits - 1 - dl++] = (char)('0' + sd % 10);
			sd /= 10;
		} while (sd);
		/* "Technology,Scenario,Sample," once a sample, then every piece
		 * in whole chunks from padded sources */
		memcpy(head + plen, digits + sizeof digits - dl, dl);
		head[plen + dl] = ',';
		hl = plen + dl + 1;
		for (size_t r = 0; r < T->nresults; r++) {
			if (T->results[r].offset < 0)
				continue;
			q = put_padded(q, head, hl);
			q = put_padded(q, P->rowtext[u->tech][r], rtl[r]);
			q += ty_fmt_double_len(s->vals[r * P->block + i], q);
			q = put_padded(q, P->rowunits[u->tech][r], rul[r]);
		}
		s->text.len += (size_t)(q - q0);
		*q = '\0';
	}
	if (head != hbuf)
		free(head);
	return 0;
}

struct text_state {
	const tyche_eval_opts *opts;
	int first_json;
	/* non-finite counters per tech/scen/row */
	size_t ***bad;
	size_t N;
	/* split over ranks (opts->dist): every unit, in order, the next one
	 * rank 0 writes, and each own unit's index among them */
	const struct unit *all;
	size_t nall, next;
	const size_t *gidx;
	unsigned failed_rank;     /* the transfer with this rank failed */
	int dist_failed;
	struct ty_buf piece;      /* rank != 0: counts and text of one unit */
};

static void count_nonfinite(struct pipe *P, struct text_state *st, const struct unit *u,
			    const struct slot *s)
{
	const struct ty_tech *T = &P->E->ctx->tech[u->tech];

	for (size_t r = 0; r < T->nresults; r++) {
		const double *v = s->vals + r * P->block;

		if (T->results[r].offset < 0)
			continue;
		for (size_t i = 0; i < u->n; i++)
			if (!isfinite(v[i]))
				st->bad[u->tech][u->scen][r]++;
	}
}

static int emit(const tyche_eval_opts *o, const char *p, size_t n)
{
	return n ? o->write(p, n, o->write_arg) : 0;
}

/* One unit's text: JSON units are ",\n{...}" pieces, the first drops its
 * comma (keeping the newline: "[\n{" as every JSON table). */
static int emit_text(struct text_state *st, const char *p, size_t n)
{
	if (st->opts->format == TYCHE_FMT_JSON && n && st->first_json) {
		p += 1;
		n -= 1;
		st->first_json = 0;
	}
	return emit(st->opts, p ? p : "", n) ? TYCHE_EIO : 0;
}

static void unit_done(struct pipe *P, struct text_state *st, size_t g)
{
	size_t total = st->all ? st->nall : P->nunits;

	if (st->opts->progress)
		st->opts->progress((double)(g + 1) / (double)total, st->opts->progress_arg);
}

/* Rank 0: write the other ranks' units before unit `upto`, in order.  A
 * piece is the unit's non-finite count per row (uint64) then its text. */
static int drain(struct pipe *P, struct text_state *st, size_t upto)
{
	const tyche_dist *d = st->opts->dist;

	for (; st->next < upto; st->next++) {
		const struct unit *u = &st->all[st->next];
		size_t nr = P->E->ctx->tech[u->tech].nresults, n = 0;
		const void *p = NULL;
		unsigned from = (unsigned)(st->next % d->size);
		int rc;

		if (from == 0)
			continue;   /* rank 0's own: written by consume_text */
		if (d->recv(from, &p, &n, d->arg) || n < nr * sizeof(uint64_t)) {
			st->failed_rank = from;
			st->dist_failed = 1;
			return TYCHE_EIO;
		}
		for (size_t r = 0; r < nr; r++) {
			uint64_t c;

			memcpy(&c, (const char *)p + r * sizeof c, sizeof c);
			st->bad[u->tech][u->scen][r] += (size_t)c;
		}
		rc = emit_text(st, (const char *)p + nr * sizeof(uint64_t),
			       n - nr * sizeof(uint64_t));
		if (rc)
			return rc;
		unit_done(P, st, st->next);
	}
	return 0;
}

static int consume_text(struct pipe *P, size_t u, struct slot *s, void *arg)
{
	struct text_state *st = arg;
	const tyche_dist *d = st->opts->dist;
	const struct unit *un = &P->units[u];
	int rc;

	if (d && d->rank) {
		/* hand the unit to rank 0: its counts, then its text */
		size_t nr = P->E->ctx->tech[un->tech].nresults;
		size_t *bad = st->bad[un->tech][un->scen];

		memset(bad, 0, nr * sizeof(*bad));
		count_nonfinite(P, st, un, s);
		st->piece.len = 0;
		for (size_t r = 0; r < nr; r++) {
			uint64_t c = bad[r];

			ty_buf_add(&st->piece, (const char *)&c, sizeof c);
		}
		memset(bad, 0, nr * sizeof(*bad));
		ty_buf_add(&st->piece, s->text.p ? s->text.p : "", s->text.len);
		if (st->piece.oom)
			return TYCHE_ENOMEM;
		if (d->send(st->piece.p, st->piece.len, d->arg)) {
			st->failed_rank = 0;
			st->dist_failed = 1;
			return TYCHE_EIO;
		}
		return 0;
	}
	if (d) {
		rc = drain(P, st, st->gidx[u]);
		if (rc)
			return rc;
		st->next = st->gidx[u] + 1;
	}
	count_nonfinite(P, st, un, s);
	rc = emit_text(st, s->text.p, s->text.len);
	if (!rc)
		unit_done(P, st, d ? st->gidx[u] : u);
	return rc;
}

static void summary_rows(struct ty_buf *b, const struct ty_tech *T, size_t scen,
			 double (*stt)[5], int json, int *first)
{
	static const char *const vn[] = { "Cost", "Metric", "Output" };
	static const char *const sn[] = { "Mean", "Std", "Q10", "Q50", "Q90" };
	char tmp[32];

	for (size_t r = 0; r < T->nresults; r++) {
		const struct ty_result_row *R = &T->results[r];

		if (R->offset < 0)
			continue;
		if (json) {
			ty_buf_adds(b, *first ? "\n{" : ",\n{");
			*first = 0;
			ty_buf_adds(b, "\"Technology\":");
			ty_buf_json_str(b, T->name);
			ty_buf_adds(b, ",\"Scenario\":");
			ty_buf_json_str(b, T->scen[scen].name);
			ty_buf_addf(b, ",\"Variable\":\"%s\",\"Index\":", vn[R->var]);
			ty_buf_json_str(b, R->index);
			ty_buf_adds(b, ",\"Units\":");
			ty_buf_json_str(b, R->units);
			for (int k = 0; k < 5; k++) {
				ty_buf_addf(b, ",\"%s\":", sn[k]);
				json_num(b, stt[r][k]);
			}
			ty_buf_adds(b, "}");
		} else {
			ty_buf_csv(b, T->name);
			ty_buf_addc(b, ',');
			ty_buf_csv(b, T->scen[scen].name);
			ty_buf_addf(b, ",%s,", vn[R->var]);
			ty_buf_csv(b, R->index);
			ty_buf_addc(b, ',');
			ty_buf_csv(b, R->units);
			for (int k = 0; k < 5; k++) {
				ty_buf_addc(b, ',');
				ty_buf_adds(b, ty_fmt_double(stt[r][k], tmp));
			}
			ty_buf_addc(b, '\n');
		}
	}
}

/*
 * --summary: one scenario at a time, all its rows x N samples in memory,
 * so every scenario is evaluated once at any N, up to a bound: the rows
 * held at once take at most opts->summary_mem bytes (TYCHE_SUMMARY_MEM, 1
 * GiB, by default: 12 rows at N = 1e7); a scenario with more rows is
 * evaluated again for each group of rows that fits (at least one row), the
 * rows outside the group going to a block of scratch per thread.  A pool of threads (the
 * caller is one of them) runs two jobs per scenario: the chunks of
 * samples, each written straight into its rows, then the rows: the mean
 * and std of up to six rows a task (ty_stat_moment_group: the rows'
 * recurrences run side by side), and one task a row for its non-finite count
 * and order statistics (ty_stat_eval_rows_part, with the thread's own work
 * array).  A row's
 * statistics never depend on which thread computed them, so the output is
 * byte-identical for any thread count and memory bound.  Peak memory:
 * (kept rows + threads) x N doubles.
 */
/* A chunk of samples is one block: a scenario's chunks end on every
 * thread within a block's time of each other before the rows job starts
 * (with 4 blocks a chunk, 2 threads at N = 1e5 ran 1.70x one thread in
 * wall time; with 1, 1.84x). */
#define SUM_CHUNK B
/* The rows job: the moments tasks first (the longest), then one task a row
 * for its order statistics, so that two or more threads share the job
 * evenly (a few long tasks alone, such as 12 rows' moments in two, would
 * leave a thread idle).  Moments task t holds rows *r0 .. *r0 + return - 1
 * (0 rows: t is past the last one). */
static size_t sum_moment_task(size_t nrow, size_t t, size_t *r0)
{
	size_t r = 0, g = ty_stat_moment_group(nrow);

	for (; t && g; t--) {
		r += g;
		g = ty_stat_moment_group(nrow - r);
	}
	*r0 = r;
	return g;
}

static size_t sum_moment_tasks(size_t nrow)
{
	size_t t = 0, r0;

	while (sum_moment_task(nrow, t, &r0))
		t++;
	return t;
}

struct sum_pool {
	pthread_mutex_t mu;
	pthread_cond_t go, idle;
	unsigned gen;              /* bumped for each job */
	int quit;
	int phase;                 /* 0: chunks of samples; 1: rows */
	size_t ntasks, next;       /* the current job's tasks */
	unsigned busy;             /* helpers not yet done with the job */
	int rc;                    /* first error of the job */
	/* the scenario */
	const struct ty_eval *E;
	const tyche_stat *dflt;
	size_t tech, scen, N;
	size_t row_lo, nrow;       /* the rows kept in this pass */
	size_t nmoment;            /* its moments tasks (sum_moment_tasks) */
	double *vals;              /* nrow x N: rows row_lo .. row_lo + nrow - 1 */
	double (*stt)[5];
	size_t *bad;               /* non-finite samples per row */
	unsigned drank, dsize;     /* split over ranks: this rank computes
	                              chunks c with c % dsize == drank */
};

struct sum_thread {
	struct sum_pool *P;
	struct ty_eval_ws *ws;
	double *work;              /* N doubles */
	double *junk;              /* max_rows x B: rows not kept in this pass */
};

static int sum_task(struct sum_thread *th, size_t task)
{
	struct sum_pool *P = th->P;
	const struct ty_tech *T = &P->E->ctx->tech[P->tech];

	if (!th->ws || !th->work || !th->junk)
		return TYCHE_ENOMEM;
	if (P->phase == 0) {
		uint64_t first = ((uint64_t)task * P->dsize + P->drank) * SUM_CHUNK;
		size_t n = P->N - first < SUM_CHUNK ? P->N - first : SUM_CHUNK;
		double *sub[4 * TY_MAX_METRICS];

		if (T->nresults > TY_ARRAY_SIZE(sub))
			return TYCHE_EINTERNAL;
		for (size_t off = 0; off < n; off += B) {
			size_t m = n - off < B ? n - off : B;
			int rc;

			/* the budget once a block, as the streamed path */
			if (ty_budget_spent())
				return TYCHE_ETIMEOUT;
			for (size_t r = 0; r < T->nresults; r++)
				sub[r] = r - P->row_lo < P->nrow
					? P->vals + (r - P->row_lo) * P->N + first + off
					: th->junk + r * B;
			rc = ty_eval_block(P->E, th->ws, P->tech, P->scen, first + off, m, sub);
			if (rc)
				return rc;
		}
		return 0;
	} else if (task < P->nmoment) {
		/* the mean and std of a group of rows: their recurrences overlap */
		size_t r0, nr = sum_moment_task(P->nrow, task, &r0);
		const double *rows[TY_STAT_GROUP_MAX];

		for (size_t j = 0; j < nr; j++)
			rows[j] = P->vals + (r0 + j) * P->N;
		return ty_stat_eval_rows_part(P->dflt, 5, rows, nr, P->N, th->work,
					      &P->stt[P->row_lo + r0][0], TY_STAT_PART_MOMENTS);
	} else {
		/* one row's non-finite count and order statistics */
		size_t r = task - P->nmoment, bad = 0;
		const double *v = P->vals + r * P->N;

		for (size_t i = 0; i < P->N; i++)
			bad += !isfinite(v[i]);
		P->bad[P->row_lo + r] += bad;
		return ty_stat_eval_rows_part(P->dflt, 5, &v, 1, P->N, th->work,
					      &P->stt[P->row_lo + r][0], TY_STAT_PART_ORDER);
	}
}

/* Take tasks of the current job until none is left; called locked. */
static void sum_take(struct sum_thread *th)
{
	struct sum_pool *P = th->P;

	while (P->next < P->ntasks && !P->rc) {
		size_t t = P->next++;
		int rc;

		pthread_mutex_unlock(&P->mu);
		rc = sum_task(th, t);
		pthread_mutex_lock(&P->mu);
		if (rc && !P->rc)
			P->rc = rc;
	}
}

static void *sum_helper(void *arg)
{
	struct sum_thread *th = arg;
	struct sum_pool *P = th->P;
	unsigned seen = 0;

	pthread_mutex_lock(&P->mu);
	for (;;) {
		while (P->gen == seen && !P->quit)
			pthread_cond_wait(&P->go, &P->mu);
		if (P->quit)
			break;
		seen = P->gen;
		sum_take(th);
		if (--P->busy == 0)
			pthread_cond_signal(&P->idle);
	}
	pthread_mutex_unlock(&P->mu);
	return NULL;
}

/* Run one job of ntasks on every thread (the caller is thread 0). */
static int sum_job(struct sum_thread *th0, unsigned nhelpers, int phase, size_t ntasks)
{
	struct sum_pool *P = th0->P;
	int rc;

	pthread_mutex_lock(&P->mu);
	P->phase = phase;
	P->ntasks = ntasks;
	P->next = 0;
	P->rc = 0;
	P->busy = nhelpers;
	P->gen++;
	pthread_cond_broadcast(&P->go);
	sum_take(th0);
	while (P->busy)
		pthread_cond_wait(&P->idle, &P->mu);
	rc = P->rc;
	pthread_mutex_unlock(&P->mu);
	return rc;
}

/* Split over ranks: after the chunks, rank 0 gathers the other ranks'
 * chunks of the kept rows (in chunk order; each rank sends its own in
 * that order, so the pairs never cross).  A piece is nrow x n doubles. */
static int sum_exchange(struct sum_pool *P, const tyche_dist *d, size_t nchunks,
			struct ty_buf *tmp, unsigned *failed)
{
	for (size_t c = 0; c < nchunks; c++) {
		unsigned owner = (unsigned)(c % d->size);
		uint64_t first = (uint64_t)c * SUM_CHUNK;
		size_t n = P->N - first < SUM_CHUNK ? P->N - first : SUM_CHUNK;
		size_t bytes = P->nrow * n * sizeof(double);

		if (owner == 0 || (d->rank && owner != d->rank))
			continue;
		if (d->rank) {
			tmp->len = 0;
			for (size_t r = 0; r < P->nrow; r++)
				ty_buf_add(tmp, (const char *)(P->vals + r * P->N + first),
					   n * sizeof(double));
			if (tmp->oom)
				return TYCHE_ENOMEM;
			if (d->send(tmp->p, tmp->len, d->arg)) {
				*failed = 0;
				return TYCHE_EIO;
			}
		} else {
			const void *p = NULL;
			size_t got = 0;

			if (d->recv(owner, &p, &got, d->arg) || got != bytes) {
				*failed = owner;
				return TYCHE_EIO;
			}
			for (size_t r = 0; r < P->nrow; r++)
				memcpy(P->vals + r * P->N + first,
				       (const char *)p + r * n * sizeof(double), n * sizeof(double));
		}
	}
	return 0;
}

/* --summary with every scenario streamed (eval-stream.c). */
static int run_summary_streamed(const struct ty_eval *E, const tyche_eval_opts *o,
				struct text_state *st, tyche_error *err)
{
	const tyche_context *ctx = E->ctx;
	int json = o->format == TYCHE_FMT_JSON, rc = 0;
	size_t done = 0, total = 0;

	for (size_t t = 0; t < ctx->ntech; t++)
		total += ctx->tech[t].nscen;
	for (size_t t = 0; t < ctx->ntech && !rc; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		for (size_t s = 0; s < T->nscen && !rc; s++) {
			double (*stt)[5] = ty_calloc(T->nresults + 1, sizeof(*stt));
			struct ty_buf b = TY_BUF_INIT;

			if (!stt)
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			rc = ty_eval_summary_stream(E, o, t, s, stt, st->bad[t][s], err);
			if (rc == TYCHE_EIO)
				st->dist_failed = 2;   /* the message is set */
			if (!rc && !(o->dist && o->dist->rank)) {
				summary_rows(&b, T, s, stt, json, &st->first_json);
				rc = b.oom ? TYCHE_ENOMEM : emit(o, b.p ? b.p : "", b.len) ? TYCHE_EIO : 0;
			}
			ty_buf_release(&b);
			free(stt);
			done++;
			if (o->progress)
				o->progress((double)done / (double)total, o->progress_arg);
		}
	}
	return rc;
}

static int run_summary(const struct ty_eval *E, const tyche_eval_opts *o,
		       struct text_state *st, tyche_error *err)
{
	const tyche_context *ctx = E->ctx;
	size_t N = o->samples, rows = E->max_rows ? E->max_rows : 1;
	size_t mem = o->summary_mem ? o->summary_mem : TYCHE_SUMMARY_MEM;
	size_t done = 0, total = 0, nchunks = (N + SUM_CHUNK - 1) / SUM_CHUNK;
	unsigned nt = o->threads ? o->threads : ty_ncores(), nh = 0;
	int json = o->format == TYCHE_FMT_JSON, rc = 0;
	tyche_stat dflt[5];   /* the default set: every output's statistics */
	struct sum_pool P;
	struct sum_thread *th;
	pthread_t *tid;
	struct ty_buf xbuf = TY_BUF_INIT;

	if (nt > nchunks)
		nt = nchunks > 1 ? (unsigned)nchunks : 1;
	if (rows > mem / sizeof(double) / N)
		rows = mem / sizeof(double) / N;
	/* rows that do not fit at once: in groups, each group one evaluation,
	 * or streamed (4 evaluations, memory independent of N), whichever
	 * evaluates fewer times; the output is the same bytes */
	if (!rows || (E->max_rows + rows - 1) / rows > ty_eval_stream_passes(E->max_rows, N))
		return run_summary_streamed(E, o, st, err);
	tyche_stat_defaults(dflt, 5);
	memset(&P, 0, sizeof P);
	P.drank = o->dist ? o->dist->rank : 0;
	P.dsize = o->dist ? o->dist->size : 1;
	P.E = E;
	P.dflt = dflt;
	P.N = N;
	P.vals = malloc(rows * N * sizeof(double));
	th = ty_calloc(nt, sizeof(*th));
	tid = ty_calloc(nt, sizeof(*tid));
	if (!P.vals || !th || !tid) {
		free(P.vals);
		free(th);
		free(tid);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
				   "out of memory for %zu samples", N);
	}
	pthread_mutex_init(&P.mu, NULL);
	pthread_cond_init(&P.go, NULL);
	pthread_cond_init(&P.idle, NULL);
	/* a thread without its scratch fails its tasks with TYCHE_ENOMEM */
	for (unsigned i = 0; i < nt; i++) {
		th[i].P = &P;
		th[i].ws = ty_eval_ws_create(E);
		th[i].work = malloc(N * sizeof(double));
		th[i].junk = malloc(MAX(E->max_rows, 1) * B * sizeof(double));
	}
	for (unsigned i = 1; i < nt; i++) {
		if (pthread_create(&tid[i], NULL, sum_helper, &th[i]))
			break;
		nh++;
	}
	for (size_t t = 0; t < ctx->ntech; t++)
		total += ctx->tech[t].nscen;
	for (size_t t = 0; t < ctx->ntech && !rc; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		for (size_t s = 0; s < T->nscen && !rc; s++) {
			struct ty_buf b = TY_BUF_INIT;

			P.stt = ty_calloc(T->nresults + 1, sizeof(*P.stt));
			if (!P.stt) {
				rc = TYCHE_ENOMEM;
				break;
			}
			P.tech = t;
			P.scen = s;
			P.bad = st->bad[t][s];
			for (P.row_lo = 0; P.row_lo < T->nresults && !rc; P.row_lo += rows) {
				P.nrow = T->nresults - P.row_lo < rows ? T->nresults - P.row_lo : rows;
				P.nmoment = sum_moment_tasks(P.nrow);
				rc = sum_job(&th[0], nh, 0, nchunks > P.drank
					     ? (nchunks - P.drank + P.dsize - 1) / P.dsize : 0);
				if (!rc && o->dist)
					rc = sum_exchange(&P, o->dist, nchunks, &xbuf, &st->failed_rank);
				if (rc == TYCHE_EIO)
					st->dist_failed = 1;
				if (!rc && P.drank == 0)
					rc = sum_job(&th[0], nh, 1, P.nmoment + P.nrow);
			}
			if (!rc && P.drank == 0) {
				summary_rows(&b, T, s, P.stt, json, &st->first_json);
				rc = b.oom ? TYCHE_ENOMEM : emit(o, b.p ? b.p : "", b.len) ? TYCHE_EIO : 0;
			}
			ty_buf_release(&b);
			free(P.stt);
			done++;
			if (o->progress)
				o->progress((double)done / (double)total, o->progress_arg);
		}
	}
	pthread_mutex_lock(&P.mu);
	P.quit = 1;
	pthread_cond_broadcast(&P.go);
	pthread_mutex_unlock(&P.mu);
	for (unsigned i = 1; i <= nh; i++)
		pthread_join(tid[i], NULL);
	for (unsigned i = 0; i < nt; i++) {
		ty_eval_ws_free(th[i].ws);
		free(th[i].work);
		free(th[i].junk);
	}
	free(th);
	free(tid);
	free(P.vals);
	ty_buf_release(&xbuf);
	pthread_mutex_destroy(&P.mu);
	pthread_cond_destroy(&P.go);
	pthread_cond_destroy(&P.idle);
	return rc;
}

/* The constant pieces of every output line; TYCHE_ENOMEM when short of
 * memory (what was built is freed by free_text_pieces). */
static int build_text_pieces(struct pipe *P)
{
	const tyche_context *ctx = P->E->ctx;
	int json = P->opts->format == TYCHE_FMT_JSON;
	static const char *const vn[] = { "Cost", "Metric", "Output" };

	P->prefix = ty_calloc(ctx->ntech, sizeof(char **));
	P->rowtext = ty_calloc(ctx->ntech, sizeof(char **));
	P->rowunits = ty_calloc(ctx->ntech, sizeof(char **));
	if (!P->prefix || !P->rowtext || !P->rowunits)
		return TYCHE_ENOMEM;
	for (size_t t = 0; t < ctx->ntech; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		P->prefix[t] = ty_calloc(T->nscen, sizeof(char *));
		P->rowtext[t] = ty_calloc(T->nresults ? T->nresults : 1, sizeof(char *));
		P->rowunits[t] = ty_calloc(T->nresults ? T->nresults : 1, sizeof(char *));
		if (!P->prefix[t] || !P->rowtext[t] || !P->rowunits[t])
			return TYCHE_ENOMEM;
		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_buf b = TY_BUF_INIT;

			if (json) {
				ty_buf_adds(&b, ",\n{\"Technology\":");
				ty_buf_json_str(&b, T->name);
				ty_buf_adds(&b, ",\"Scenario\":");
				ty_buf_json_str(&b, T->scen[s].name);
				ty_buf_addc(&b, ',');
			} else {
				ty_buf_csv(&b, T->name);
				ty_buf_addc(&b, ',');
				ty_buf_csv(&b, T->scen[s].name);
				ty_buf_addc(&b, ',');
			}
			if (!(P->prefix[t][s] = text_piece(&b)))
				return TYCHE_ENOMEM;
		}
		for (size_t r = 0; r < T->nresults; r++) {
			struct ty_buf b = TY_BUF_INIT, c = TY_BUF_INIT;

			if (json) {
				ty_buf_addf(&b, "\"Variable\":\"%s\",\"Index\":", vn[T->results[r].var]);
				ty_buf_json_str(&b, T->results[r].index);
				ty_buf_addc(&b, ',');
				ty_buf_adds(&c, ",\"Units\":");
				ty_buf_json_str(&c, T->results[r].units);
				ty_buf_addc(&c, '}');
			} else {
				ty_buf_addf(&b, "%s,", vn[T->results[r].var]);
				ty_buf_csv(&b, T->results[r].index);
				ty_buf_addc(&b, ',');
				ty_buf_addc(&c, ',');
				ty_buf_csv(&c, T->results[r].units);
				ty_buf_addc(&c, '\n');
			}
			P->rowtext[t][r] = text_piece(&b);
			P->rowunits[t][r] = text_piece(&c);
			if (!P->rowtext[t][r] || !P->rowunits[t][r])
				return TYCHE_ENOMEM;
		}
	}
	return 0;
}

static void free_text_pieces(struct pipe *P)
{
	const tyche_context *ctx = P->E->ctx;

	for (size_t t = 0; t < ctx->ntech && P->prefix && P->rowtext && P->rowunits; t++) {
		for (size_t s = 0; s < ctx->tech[t].nscen && P->prefix[t]; s++)
			free(P->prefix[t][s]);
		for (size_t r = 0; r < ctx->tech[t].nresults; r++) {
			if (P->rowtext[t])
				free(P->rowtext[t][r]);
			if (P->rowunits[t])
				free(P->rowunits[t][r]);
		}
		free(P->prefix[t]);
		free(P->rowtext[t]);
		free(P->rowunits[t]);
	}
	free(P->prefix);
	free(P->rowtext);
	free(P->rowunits);
}

static int check_opts(const tyche_eval_opts *opts, tyche_error *err)
{
	const tyche_dist *d = opts->dist;

	if (opts->samples < 1)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "the number of samples must be at least 1");
	if (opts->samples > (size_t)1 << 40)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "too many samples (%zu)", opts->samples);
	if (!opts->write && !(d && d->rank))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no output writer given");
	if (opts->design < TYCHE_DESIGN_MC || opts->design > TYCHE_DESIGN_QMC)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "unknown sampling design %d: expected mc, lhs or qmc", opts->design);
	if (d && (d->size < 1 || d->rank >= d->size || !d->send || !d->recv))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "rank %u of %u: expected a rank below the size, with send and receive",
				   d->rank, d->size);
	return 0;
}

int tyche_evaluate(const tyche_context *ctx, const tyche_eval_opts *opts,
		   tyche_diags *warnings, tyche_error *err)
{
	struct ty_eval *E = NULL;
	int rc = check_opts(opts, err);

	if (rc)
		return rc;
	rc = ty_eval_create(&E, ctx, opts->seed, err);
	if (rc)
		return rc;
	rc = ty_eval_set_design(E, opts->design, opts->samples, err);
	if (!rc)
		rc = ty_eval_run(E, opts, warnings, err);
	ty_eval_free(E);
	return rc;
}

int ty_eval_run(struct ty_eval *E, const tyche_eval_opts *opts,
		tyche_diags *warnings, tyche_error *err)
{
	const tyche_context *ctx = E->ctx;
	const tyche_dist *d = opts->dist;
	int writer = !d || d->rank == 0;   /* this process writes the output */
	struct pipe P;
	struct text_state st;
	struct unit *units = NULL, *mine = NULL;
	size_t *gidx = NULL;
	size_t block = opts->block ? opts->block : 2 * B;
	int rc = check_opts(opts, err);

	if (rc)
		return rc;
	if (block > 64 * B)
		block = 64 * B;
	memset(&P, 0, sizeof P);
	memset(&st, 0, sizeof st);
	P.nunits = ty_units_make(ctx, SIZE_MAX, SIZE_MAX, 0, opts->samples, block, &units);
	P.units = units;
	if (d) {
		st.all = units;
		st.nall = P.nunits;
		P.nunits = ty_units_own(units, P.nunits, d->rank, d->size, &mine, &gidx);
		P.units = mine;
		st.gidx = gidx;
	}
	P.E = E;
	P.block = block;
	P.opts = opts;
	st.opts = opts;
	st.first_json = 1;
	st.N = opts->samples;
	st.bad = ty_calloc(ctx->ntech ? ctx->ntech : 1, sizeof(size_t **));
	for (size_t t = 0; t < ctx->ntech && st.bad && !rc; t++) {
		st.bad[t] = ty_calloc(ctx->tech[t].nscen ? ctx->tech[t].nscen : 1, sizeof(size_t *));
		for (size_t s = 0; s < ctx->tech[t].nscen && st.bad[t] && !rc; s++)
			if (!(st.bad[t][s] = ty_calloc(ctx->tech[t].nresults + 1, sizeof(size_t))))
				rc = TYCHE_ENOMEM;
		if (!st.bad[t])
			rc = TYCHE_ENOMEM;
	}
	if (!st.bad)
		rc = TYCHE_ENOMEM;
	if (!rc)
		rc = build_text_pieces(&P);
	if (rc) {
		/* nothing evaluated: only the frees below */
	} else if (opts->summary) {
		const char *hdr = opts->format == TYCHE_FMT_JSON ? "["
			: "Technology,Scenario,Variable,Index,Units,Mean,Std,Q10,Q50,Q90\n";

		rc = writer && emit(opts, hdr, strlen(hdr)) ? TYCHE_EIO : 0;
		if (!rc)
			rc = run_summary(E, opts, &st, err);
	} else {
		const char *hdr = opts->format == TYCHE_FMT_JSON ? "["
			: "Technology,Scenario,Sample,Variable,Index,Value,Units\n";

		P.work = work_text;
		rc = writer && emit(opts, hdr, strlen(hdr)) ? TYCHE_EIO : 0;
		if (!rc)
			rc = ty_pipe_run(&P, opts->threads, consume_text, &st);
		if (!rc && d && d->rank == 0)
			rc = drain(&P, &st, st.nall);
	}
	if (!rc && writer && opts->format == TYCHE_FMT_JSON)
		rc = emit(opts, "\n]\n", 3) ? TYCHE_EIO : 0;
	/* warnings: non-finite values and rows never produced */
	for (size_t t = 0; t < ctx->ntech && st.bad && st.bad[t]; t++) {
		const struct ty_tech *T = &ctx->tech[t];

		for (size_t s = 0; s < T->nscen && st.bad[t][s]; s++) {
			for (size_t r = 0; r < T->nresults; r++) {
				static const char *const vn[] = { "Cost", "Metric", "Output" };

				if (st.bad[t][s][r])
					ty_diag_add(warnings, TYCHE_SEV_WARNING, ctx->path, 0, 0,
						    "technology '%s', scenario '%s', %s '%s': %zu of %zu samples are NaN or infinite",
						    T->name, T->scen[s].name, vn[T->results[r].var],
						    T->results[r].index, st.bad[t][s][r], opts->samples);
			}
			free(st.bad[t][s]);
		}
		free(st.bad[t]);
	}
	free(st.bad);
	ty_buf_release(&st.piece);
	free_text_pieces(&P);
	free(units);
	free(mine);
	free(gidx);
	if (rc == TYCHE_EIO && st.dist_failed == 2)
		return rc;
	if (rc == TYCHE_EIO && st.dist_failed)
		return ty_error_at(err, rc, "", 0, 0,
				   st.failed_rank ? "rank %u: receiving its results failed"
				   : "rank %u: sending results to rank 0 failed",
				   st.failed_rank ? st.failed_rank : d->rank);
	if (rc == TYCHE_EIO)
		return ty_error_at(err, rc, "", 0, 0, "cannot write the output");
	if (rc == TYCHE_ETIMEOUT)
		return ty_eval_timeout_error(err, "evaluating the scenarios");
	if (rc)
		return ty_error_at(err, rc, ctx->path, 0, 0, "evaluation failed");
	return 0;
}
