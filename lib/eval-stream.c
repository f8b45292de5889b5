/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval-stream.c - summary statistics of a scenario without holding its
 * samples: for --summary at sample counts whose rows do not fit in
 * memory (1e8 and beyond), in memory that does not grow with N.
 *
 * Exact, and bit-identical to the in-memory summary (ty_stat_eval_rows):
 *  - the mean and the standard deviation are GSL's recurrences (stats.c,
 *    gsl_mean_sd) run in sample order: pass 1 the mean, pass 2 the
 *    variance about it, operation for operation;
 *  - each order statistic a quantile needs is found by radix selection on
 *    the order-preserving 64-bit key of the double: a pass counts the
 *    values whose key has the prefix found so far, by their next 16 bits
 *    (65,536 counters), and keeps the bucket holding the wanted rank; four
 *    passes give the whole key, hence the value.  Every pass evaluates
 *    the scenario again: draws are pure functions of (seed, cell, sample),
 *    so each pass sees the same values in the same order.
 * The quantile then comes from its order statistics by the same formula
 * as in memory (ty_stat_from_orders).  Cost: 4 evaluations of the
 * scenario (2 without quantiles), plus one more set of 4 for every 128
 * order statistics (a row needs up to 6); memory: 256 KiB a statistic.
 *
 * Split over ranks (tyche_dist): every rank evaluates its blocks of every
 * pass and sends them to rank 0, which accumulates them in sample order.
 * The number of passes depends only on the rows and N, so every rank
 * knows it without being told.
 * Easy to get wrong: -0.0 and 0.0 have different keys (an order statistic
 * at that boundary may print as -0 where the in-memory selection printed
 * 0); a row with a NaN gives NaN statistics, as in memory, and its
 * selection is skipped.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval-int.h"

#define DIGIT 16
#define NBUCKET ((size_t)1 << DIGIT)
#define MAX_HIST 128               /* order statistics a pass: 32 MiB */
#define STREAM_BLOCK (4 * B)

struct target {
	size_t row, k;
	uint64_t prefix, rem;      /* key bits found; rank within them */
	uint32_t *hist;            /* NBUCKET counters, this pass */
};

struct stream {
	const struct ty_eval *E;
	size_t tech, scen, nrows;
	uint64_t N;
	long double *m, *s;
	double *mean;
	unsigned char *nan;
	size_t *bad;
	int pass_mean, pass_var;   /* what this pass does besides counting */
	int level;                 /* digit counted this pass */
	struct target *tg;
	size_t ntg, t0, t1;        /* targets [t0, t1) count this pass */
	size_t *row_t0, *row_t1;   /* per row: its targets within [t0, t1) */
	/* split over ranks */
	const tyche_dist *d;
	uint64_t nblocks, next;    /* rank 0: the next block to take in */
	int failed;
	unsigned failed_rank;
	struct ty_buf piece;
};

static uint64_t key_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u >> 63 ? ~u : u | (uint64_t)1 << 63;
}

static double value_of(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~((uint64_t)1 << 63) : ~k;
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

/* Samples first .. first+n-1 of every row, in order. */
static void take(struct stream *S, uint64_t first, size_t n, const double *vals, size_t stride)
{
	for (size_t r = 0; r < S->nrows; r++) {
		const double *v = vals + r * stride;

		if (S->pass_mean) {
			long double m = S->m[r];
			size_t bad = 0;
			unsigned char nan = 0;

			for (size_t i = 0; i < n; i++) {
				long double k = (long double)(first + i + 1);

				bad += !isfinite(v[i]);
				nan |= v[i] != v[i];
				m += (v[i] - m) / k;
			}
			S->m[r] = m;
			S->bad[r] += bad;
			S->nan[r] |= nan;
		}
		if (S->pass_var && !S->nan[r]) {
			long double s = S->s[r];
			double u = S->mean[r];

			for (size_t i = 0; i < n; i++) {
				long double k = (long double)(first + i + 1);
				long double dd = v[i] - u;

				s += (dd * dd - s) / k;
			}
			S->s[r] = s;
		}
		if (S->nan[r] && !S->pass_mean)
			continue;
		if (S->row_t1[r] <= S->row_t0[r])
			continue;
		if (S->level == 0) {
			/* every target of the row counts the same at the first
			 * digit: its first target counts, settle copies */
			uint32_t *h = S->tg[S->row_t0[r]].hist;

			for (size_t i = 0; i < n; i++)
				h[key_of(v[i]) >> (64 - DIGIT)]++;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t key = key_of(v[i]);
			int shift = 64 - DIGIT * S->level;

			for (size_t t = S->row_t0[r]; t < S->row_t1[r]; t++) {
				struct target *T = &S->tg[t];

				if (key >> shift == T->prefix)
					T->hist[(key >> (shift - DIGIT)) & (NBUCKET - 1)]++;
			}
		}
	}
}

/* Rank 0: the other ranks' blocks before block `upto`, in order. */
static int drain(struct stream *S, uint64_t upto)
{
	for (; S->next < upto; S->next++) {
		unsigned from = (unsigned)(S->next % S->d->size);
		uint64_t first = S->next * STREAM_BLOCK;
		size_t n = S->N - first < STREAM_BLOCK ? (size_t)(S->N - first) : STREAM_BLOCK;
		const void *p = NULL;
		size_t got = 0;

		if (from == 0)
			continue;
		if (S->d->recv(from, &p, &got, S->d->arg) || got != S->nrows * n * sizeof(double)) {
			S->failed = 1;
			S->failed_rank = from;
			return TYCHE_EIO;
		}
		take(S, first, n, p, n);
	}
	return 0;
}

static int sink(void *arg, size_t tech, size_t scen, uint64_t first, size_t n,
		const double *vals, size_t stride)
{
	struct stream *S = arg;
	int rc;

	if (!S->d) {
		take(S, first, n, vals, stride);
		return 0;
	}
	if (S->d->rank) {
		S->piece.len = 0;
		for (size_t r = 0; r < S->nrows; r++)
			ty_buf_add(&S->piece, (const char *)(vals + r * stride), n * sizeof(double));
		if (S->piece.oom)
			return TYCHE_ENOMEM;
		if (S->d->send(S->piece.p, S->piece.len, S->d->arg)) {
			S->failed = 1;
			S->failed_rank = S->d->rank;
			return TYCHE_EIO;
		}
		return 0;
	}
	rc = drain(S, first / STREAM_BLOCK);
	if (rc)
		return rc;
	take(S, first, n, vals, stride);
	S->next = first / STREAM_BLOCK + 1;
	return 0;
}

/* After a counting pass: each target keeps the bucket holding its rank. */
static int settle(struct stream *S)
{
	/* the first digit: the row's first target counted for all */
	for (size_t t = S->t0; t < S->t1 && S->level == 0; t++)
		if (t != S->row_t0[S->tg[t].row])
			memcpy(S->tg[t].hist, S->tg[S->row_t0[S->tg[t].row]].hist,
			       NBUCKET * sizeof(uint32_t));
	for (size_t t = S->t0; t < S->t1; t++) {
		struct target *T = &S->tg[t];
		uint64_t cum = 0;
		size_t b = 0;

		if (S->nan[T->row]) {
			memset(T->hist, 0, NBUCKET * sizeof(*T->hist));
			continue;
		}
		while (b < NBUCKET && T->rem >= cum + T->hist[b])
			cum += T->hist[b++];
		if (b == NBUCKET)
			return TYCHE_EINTERNAL;   /* the counts lost a value */
		T->prefix = S->level == 0 ? b : T->prefix << DIGIT | b;
		T->rem -= cum;
		memset(T->hist, 0, NBUCKET * sizeof(*T->hist));
	}
	return 0;
}

unsigned ty_eval_stream_passes(size_t rows, size_t n)
{
	tyche_stat dflt[5];
	size_t ks[10], nk = 0, ntg;

	tyche_stat_defaults(dflt, 5);
	ty_stat_order_ranks(dflt, 5, n, ks, &nk);
	ntg = rows * nk;
	return ntg ? (unsigned)(4 * ((ntg + MAX_HIST - 1) / MAX_HIST)) : 2;
}

int ty_eval_summary_stream(const struct ty_eval *E, const tyche_eval_opts *o,
			   size_t tech, size_t scen, double (*stt)[5], size_t *bad,
			   tyche_error *err)
{
	const struct ty_tech *T = &E->ctx->tech[tech];
	tyche_stat dflt[5];
	size_t ks[10], nk = 0, nhist;
	struct stream S;
	uint32_t *hist = NULL;
	int rc = 0, passes;

	tyche_stat_defaults(dflt, 5);
	memset(&S, 0, sizeof S);
	S.E = E;
	S.tech = tech;
	S.scen = scen;
	S.nrows = T->nresults;
	S.N = o->samples;
	S.bad = bad;
	S.d = o->dist && o->dist->size > 1 ? o->dist : NULL;
	S.nblocks = (S.N + STREAM_BLOCK - 1) / STREAM_BLOCK;
	if (o->samples > UINT32_MAX)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "a streamed summary counts at most %u samples a scenario (asked %zu)",
				   (unsigned)UINT32_MAX, o->samples);
	if (ty_stat_order_ranks(dflt, 5, o->samples, ks, &nk))
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "unexpected summary statistic");
	S.ntg = S.nrows * nk;
	nhist = S.ntg < MAX_HIST ? S.ntg : MAX_HIST;
	S.m = ty_calloc(S.nrows + 1, sizeof(*S.m));
	S.s = ty_calloc(S.nrows + 1, sizeof(*S.s));
	S.mean = ty_calloc(S.nrows + 1, sizeof(*S.mean));
	S.nan = ty_calloc(S.nrows + 1, 1);
	S.row_t0 = ty_calloc(S.nrows + 1, sizeof(size_t));
	S.row_t1 = ty_calloc(S.nrows + 1, sizeof(size_t));
	S.tg = ty_calloc(S.ntg + 1, sizeof(*S.tg));
	hist = nhist ? calloc(nhist * NBUCKET, sizeof(*hist)) : NULL;
	if (!S.m || !S.s || !S.mean || !S.nan || !S.row_t0 || !S.row_t1 || !S.tg ||
	    (nhist && !hist)) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for the streamed summary");
		goto out;
	}
	for (size_t r = 0, t = 0; r < S.nrows; r++)
		for (size_t j = 0; j < nk; j++, t++) {
			S.tg[t].row = r;
			S.tg[t].k = ks[j];
			S.tg[t].rem = ks[j];
		}
	/* passes: 4 per batch of MAX_HIST targets, at least 2 (mean, variance) */
	passes = (int)ty_eval_stream_passes(S.nrows, S.N);
	for (int p = 0; p < passes && !rc; p++) {
		struct ty_eval_range rg = { 0, S.N, tech, scen, STREAM_BLOCK,
					    S.d ? S.d->rank : 0, S.d ? S.d->size : 1 };
		size_t batch = (size_t)p / 4;

		S.pass_mean = p == 0;
		S.pass_var = p == 1 && S.N > 1;
		S.level = p % 4;
		S.t0 = batch * MAX_HIST < S.ntg ? batch * MAX_HIST : S.ntg;
		S.t1 = S.t0 + MAX_HIST < S.ntg ? S.t0 + MAX_HIST : S.ntg;
		for (size_t r = 0; r < S.nrows; r++) {
			S.row_t0[r] = S.row_t1[r] = 0;
			for (size_t t = S.t0; t < S.t1; t++) {
				if (S.tg[t].row != r)
					continue;
				if (S.row_t1[r] == 0)
					S.row_t0[r] = t;
				S.row_t1[r] = t + 1;
			}
		}
		for (size_t t = S.t0; t < S.t1; t++)
			S.tg[t].hist = hist + (t - S.t0) * NBUCKET;
		S.next = 0;
		rc = ty_eval_values(E, &rg, o->threads, sink, &S, err);
		if (!rc && S.d && S.d->rank == 0)
			rc = drain(&S, S.nblocks);
		if (rc == TYCHE_EIO && S.failed) {
			rc = ty_error_at(err, rc, "", 0, 0,
					 S.d->rank ? "rank %u: sending results to rank 0 failed"
					 : "rank %u: receiving its results failed", S.failed_rank);
			break;
		}
		if (rc)
			break;
		if (p == 0)
			for (size_t r = 0; r < S.nrows; r++)
				S.mean[r] = (double)S.m[r];
		if (S.d && S.d->rank)
			continue;    /* only rank 0 counts */
		rc = settle(&S);
		if (rc)
			rc = ty_error_at(err, rc, "", 0, 0, "the streamed summary lost count of a row");
	}
	if (!rc && !(S.d && S.d->rank)) {
		double kv[10];

		for (size_t r = 0; r < S.nrows; r++) {
			double sd = S.N > 1 ? sqrt((double)S.s[r] * ((double)S.N / (double)(S.N - 1))) : NAN;

			if (S.nan[r]) {
				for (int j = 0; j < 5; j++)
					stt[r][j] = NAN;
				continue;
			}
			for (size_t j = 0; j < nk; j++)
				kv[j] = value_of(S.tg[r * nk + j].prefix);
			ty_stat_from_orders(dflt, 5, S.N, S.mean[r], sd, ks, kv, nk, stt[r]);
		}
	}
out:
	free(S.m);
	free(S.s);
	free(S.mean);
	free(S.nan);
	free(S.row_t0);
	free(S.row_t1);
	free(S.tg);
	free(hist);
	ty_buf_release(&S.piece);
	return rc;
}
