/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stats.c - named statistics of a metric over samples.
 *
 * Quantiles use linear interpolation between order statistics (numpy's
 * and GSL's default, h = (n - 1) p), found by selection in O(n) rather
 * than by sorting, because explore and the optimiser ask for them on
 * every call; for rows of 512 values or more, a bucket pass first narrows
 * the selection to the few values near the wanted ranks (bucket_select).  Any NaN sample makes the statistic NaN: a silently dropped
 * sample would change the distribution an analyst sees.
 *
 * tyche_stat_eval is tyche_stat_eval_many of one statistic, so the two
 * agree bit for bit.  What a newcomer would get wrong: "mean" and "std"
 * are GSL's running mean and variance in long double (gsl_stats_mean,
 * gsl_stats_sd_m), chains of dependent x87 divisions; a faster sum gives
 * different last bits, so it is not a drop-in replacement.  What can be
 * had exactly: the mean once for both statistics (gsl_stats_sd would
 * compute it again), and several rows' chains in one loop
 * (ty_stat_eval_rows), which the divider overlaps (six rows cost little
 * more than one).  mean_sd_chains() repeats GSL 2.7's operations; u-stats
 * compares it with GSL bit for bit.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>

#include "internal.h"

static const char stat_forms[] =
	"expected mean, std, min, max, median, qP (q10 or q0.25), varL (var95), "
	"cvarL (cvar95), p>X or p<X";

static int parse_level(const char *s, double *p, int fraction_if_dot)
{
	double v;

	if (ty_parse_number(s, &v) || v < 0)
		return -1;
	if (strchr(s, '.') && fraction_if_dot && v <= 1) {
		*p = v;
		return 0;
	}
	if (v > 100)
		return -1;
	*p = v / 100.0;
	return 0;
}

int tyche_stat_parse(tyche_stat *out, const char *name, tyche_error *err)
{
	tyche_stat st;
	const char *s = name;

	memset(&st, 0, sizeof st);
	while (*s == ' ')
		s++;
	if (!strcmp(s, "mean")) {
		st.kind = TYCHE_STAT_MEAN;
	} else if (!strcmp(s, "std")) {
		st.kind = TYCHE_STAT_STD;
	} else if (!strcmp(s, "min")) {
		st.kind = TYCHE_STAT_MIN;
	} else if (!strcmp(s, "max")) {
		st.kind = TYCHE_STAT_MAX;
	} else if (!strcmp(s, "median")) {
		st.kind = TYCHE_STAT_QUANTILE;
		st.p = 0.5;
	} else if (s[0] == 'q' && s[1]) {
		st.kind = TYCHE_STAT_QUANTILE;
		if (parse_level(s + 1, &st.p, 1))
			goto bad;
	} else if (!strncmp(s, "cvar", 4) && s[4]) {
		st.kind = TYCHE_STAT_CVAR;
		if (parse_level(s + 4, &st.p, 1) || st.p <= 0 || st.p >= 1)
			goto bad;
	} else if (!strncmp(s, "var", 3) && s[3]) {
		st.kind = TYCHE_STAT_VAR;
		if (parse_level(s + 3, &st.p, 1) || st.p <= 0 || st.p >= 1)
			goto bad;
	} else if ((!strncmp(s, "p>", 2) || !strncmp(s, "p<", 2)) && s[2]) {
		st.kind = s[1] == '>' ? TYCHE_STAT_PGT : TYCHE_STAT_PLT;
		if (ty_parse_number(s + 2, &st.p))
			goto bad;
	} else {
		goto bad;
	}
	snprintf(st.name, sizeof st.name, "%s", s);
	*out = st;
	return 0;
bad:
	return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "unknown statistic '%s', %s",
			   name, stat_forms);
}

static void swap2(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * Move the values of w[l..r] below t (with le: not above t) to the front;
 * returns where the others start.  No branch depends on the data: the
 * comparisons of a partition are coin flips to a branch predictor, and
 * mispredictions, not comparisons, were most of the time of selection.
 */
static ptrdiff_t split(double *w, ptrdiff_t l, ptrdiff_t r, double t, int le)
{
	ptrdiff_t i = l;

	if (le) {
		for (ptrdiff_t j = l; j <= r; j++) {
			double x = w[j];

			w[j] = w[i];
			w[i] = x;
			i += x <= t;
		}
	} else {
		for (ptrdiff_t j = l; j <= r; j++) {
			double x = w[j];

			w[j] = w[i];
			w[i] = x;
			i += x < t;
		}
	}
	return i;
}

/*
 * Rearrange w[l..r] so that w[k] holds the value it would hold if w[l..r]
 * were sorted, with nothing larger before it and nothing smaller after it.
 * Floyd and Rivest's SELECT: on a long range, first select recursively in a
 * sample of about n^(2/3) elements around the expected place, so that the
 * pivot lands just beside the k-th value and the ranges left after a
 * split are short: about n + min(k, n - k) steps, against ~3n for
 * quickselect with a median-of-three pivot (which this replaced; with the
 * branch-free split it is 4x faster on 10 000 samples).  Only the values
 * are defined: of equal values (-0.0 and +0.0 included) any may end up
 * at k.
 */
static void select_range(double *w, ptrdiff_t l, ptrdiff_t r, ptrdiff_t k)
{
	while (r > l) {
		ptrdiff_t i;
		double t;

		if (r - l > 600) {
			double n = (double)(r - l + 1), pos = (double)(k - l + 1);
			double z = log(n), s = 0.5 * exp(2.0 * z / 3.0);
			double sd = 0.5 * sqrt(z * s * (n - s) / n) * (pos < n / 2 ? -1.0 : 1.0);
			double a = (double)k - pos * s / n + sd;
			double b = (double)k + (n - pos) * s / n + sd;
			ptrdiff_t nl = a > (double)l ? (ptrdiff_t)a : l;
			ptrdiff_t nr = b < (double)r ? (ptrdiff_t)b : r;
			ptrdiff_t stride;

			nl = nl < k ? nl : k;
			nr = nr > k ? nr : k;
			/* the sample: evenly spaced over w[l..r], not the values
			 * that happen to lie around k (in reversed input those
			 * are from the far end, and each split shrank the range
			 * by 10% only) */
			stride = (r - l + 1) / (nr - nl + 1);
			for (ptrdiff_t j = 0; j <= nr - nl; j++)
				swap2(&w[nl + j], &w[l + j * stride]);
			select_range(w, nl, nr, k);
			t = w[k];
		} else {
			/* median of three: not the least or greatest of sorted,
			 * reversed or organ-pipe input */
			double x = w[l], y = w[l + (r - l) / 2], z = w[r];

			t = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		}
		/* t is a value of w[l..r], so each step below shrinks the range */
		i = split(w, l, r, t, 0);           /* w[l..i-1] < t <= w[i..r] */
		if (k < i) {
			r = i - 1;
		} else if (i > l) {
			l = i;
		} else {
			/* t is the least: gather the values equal to it */
			i = split(w, l, r, t, 1);
			if (k < i)
				return;
			l = i;
		}
	}
}

/* Where quantile p of n values lies between order statistics: the value
 * is w[k] + (w[k + 1] - w[k]) * frac, or w[k] alone when *two is 0. */
static size_t quantile_place(size_t n, double p, double *frac, int *two)
{
	double h = (double)(n - 1) * p;
	size_t k;

	if (!(h > 0))
		h = 0;         /* p < 0 from a caller who did not parse */
	k = h >= (double)(n - 1) ? n - 1 : (size_t)floor(h);
	*frac = h - (double)k;
	*two = *frac != 0 && k < n - 1;
	return k;
}

/* Order statistics needed by st: the level of a quantile-like statistic,
 * or -1. */
static double order_level(const tyche_stat *st)
{
	switch (st->kind) {
	case TYCHE_STAT_QUANTILE:
		return st->p;
	case TYCHE_STAT_VAR:
	case TYCHE_STAT_CVAR:
		return 1.0 - st->p;
	default:
		return -1;
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The smallest of w[0..n-1] (n > 0), in four independent chains so that
 * the comparisons overlap. */
static double min_of(const double *w, size_t n)
{
	double m0 = w[0], m1 = w[0], m2 = w[0], m3 = w[0];
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		m0 = w[i] < m0 ? w[i] : m0;
		m1 = w[i + 1] < m1 ? w[i + 1] : m1;
		m2 = w[i + 2] < m2 ? w[i + 2] : m2;
		m3 = w[i + 3] < m3 ? w[i + 3] : m3;
	}
	for (; i < n; i++)
		m0 = w[i] < m0 ? w[i] : m0;
	m0 = m1 < m0 ? m1 : m0;
	m2 = m3 < m2 ? m3 : m2;
	return m2 < m0 ? m2 : m0;
}

/*
 * Put the order statistics ks[0..nk-1] (sorted, distinct) of w[0..n-1] in
 * place, from one copy: after selecting k, everything from k + 1 on is no
 * smaller, so the next is selected within w[k+1..n-1] only, and when it is
 * k + 1 the minimum of that range is enough.  Positions other than ks[]
 * are left as scratch.
 */
static void select_many(double *w, size_t n, const size_t *ks, size_t nk)
{
	size_t from = 0;

	for (size_t i = 0; i < nk; i++) {
		size_t k = ks[i];

		if (k == from) {
			double m = min_of(w + k, n - k);
			size_t j = k;

			if (i + 1 == nk) {
				w[k] = m;     /* the last one: nothing reads past it */
				break;
			}
			while (!(w[j] == m))
				j++;
			swap2(&w[k], &w[j]);
		} else {
			select_range(w, (ptrdiff_t)from, (ptrdiff_t)n - 1, (ptrdiff_t)k);
		}
		from = k + 1;
	}
}

/*
 * select_many with a bucket pass first, for long rows: the order
 * statistics ks[] of w[0..n-1] are found among the few values that share a
 * bucket with one of them.  bucket(x) = floor((x - lo) * nb / (hi - lo))
 * is non-decreasing in x (each step rounds monotonically), so every value
 * of a lower bucket is <= every value of a higher one: after one pass that
 * counts the buckets and one that moves the values of the wanted buckets
 * to the front of w, rank k of the whole is rank k - (values in lower
 * buckets that were not moved) among the moved ones, found by select_many
 * on them alone.  About 2n light steps instead of ~3n partition steps for
 * three quantiles.  w[ks[i]] then holds the values, like select_many; the
 * rest of w is scratch.  Returns 0 when the values do not spread over the
 * buckets (a range that overflows, infinities, or most values in the
 * wanted buckets): the caller then runs select_many, with w unchanged.
 * lo and hi: the least and greatest of w (copy_check finds them).
 */
#define NB_MAX 2048

static inline size_t bucket_of(double x, double lo, double scale, size_t nb)
{
	size_t b = (size_t)((x - lo) * scale);   /* x >= lo: never negative */

	return b < nb ? b : nb - 1;
}

static int bucket_select(double *w, size_t n, const size_t *ks, size_t nk, double lo,
			 double hi)
{
	uint32_t cnt[NB_MAX];
	unsigned char want[NB_MAX];
	size_t below[NB_MAX];          /* values in unwanted buckets below b */
	size_t kb[64] = { 0 }, rank[64] = { 0 }, m = 0, nb = n / 32, acc = 0, skipped = 0;
	double scale, kv[64];

	if (nk > TY_ARRAY_SIZE(kb) || n > UINT32_MAX)
		return 0;
	nb = nb < 16 ? 16 : nb > NB_MAX ? NB_MAX : nb;
	if (!(hi > lo))
		return 0;               /* all equal: select_many's min is enough */
	scale = (double)nb / (hi - lo);
	if (!(scale > 0) || !isfinite(scale) || !isfinite(hi - lo))
		return 0;
	memset(cnt, 0, nb * sizeof(cnt[0]));
	for (size_t i = 0; i < n; i++)
		cnt[bucket_of(w[i], lo, scale, nb)]++;
	memset(want, 0, nb);
	for (size_t i = 0, b = 0, before = 0; i < nk; i++) {
		while (before + cnt[b] <= ks[i]) {
			before += cnt[b];
			b++;
		}
		kb[i] = b;
		want[b] = 1;
	}
	for (size_t b = 0; b < nb; b++) {
		below[b] = skipped;
		if (want[b])
			acc += cnt[b];
		else
			skipped += cnt[b];
	}
	if (acc > n / 4)
		return 0;
	for (size_t i = 0; i < nk; i++)
		rank[i] = ks[i] - below[kb[i]];
	/* move the wanted buckets' values to the front (in place: the write
	 * position never passes the read position) */
	for (size_t i = 0; i < n; i++) {
		double x = w[i];

		w[m] = x;
		m += want[bucket_of(x, lo, scale, nb)];
	}
	select_many(w, m, rank, nk);
	for (size_t i = 0; i < nk; i++)
		kv[i] = w[rank[i]];
	for (size_t i = 0; i < nk; i++)
		w[ks[i]] = kv[i];
	return 1;
}

/* w[0..n-1] = v[0..n-1]; nonzero if any is NaN; else *lo and *hi are the
 * least and greatest values (n >= 1).  Four lanes at a time so that the
 * loop vectorises. */
static int copy_check(double *restrict w, const double *restrict v, size_t n,
		      double *lo, double *hi)
{
	int bad = 0;
	size_t i = 0;
	double l0 = v[0], l1 = v[0], l2 = v[0], l3 = v[0];
	double h0 = v[0], h1 = v[0], h2 = v[0], h3 = v[0];

	for (; i + 4 <= n; i += 4) {
		double a = v[i], b = v[i + 1], c = v[i + 2], d = v[i + 3];

		w[i] = a;
		w[i + 1] = b;
		w[i + 2] = c;
		w[i + 3] = d;
		bad |= (a != a) | (b != b) | (c != c) | (d != d);
		l0 = a < l0 ? a : l0;
		l1 = b < l1 ? b : l1;
		l2 = c < l2 ? c : l2;
		l3 = d < l3 ? d : l3;
		h0 = a > h0 ? a : h0;
		h1 = b > h1 ? b : h1;
		h2 = c > h2 ? c : h2;
		h3 = d > h3 ? d : h3;
	}
	for (; i < n; i++) {
		w[i] = v[i];
		bad |= v[i] != v[i];
		l0 = v[i] < l0 ? v[i] : l0;
		h0 = v[i] > h0 ? v[i] : h0;
	}
	l0 = l1 < l0 ? l1 : l0;
	l2 = l3 < l2 ? l3 : l2;
	h0 = h1 > h0 ? h1 : h0;
	h2 = h3 > h2 ? h3 : h2;
	*lo = l2 < l0 ? l2 : l0;
	*hi = h2 > h0 ? h2 : h0;
	return bad;
}

/*
 * mean[j] = gsl_stats_mean(v[j], 1, n) and, when sd is not NULL, sd[j] =
 * gsl_stats_sd_m(v[j], 1, n, mean[j]) for j < W, with GSL 2.7's
 * operations in GSL's order (statistics/mean_source.c, variance_source.c):
 *   long double m = 0;  m += (x[i] - m) / (i + 1);
 *   long double s = 0;  delta = (long double)(x[i] - mean) [a double
 *   subtraction];  s += (delta * delta - s) / (i + 1);
 *   sd = sqrt((double)s * ((double)n / (double)(n - 1))).
 * The W chains are independent, so their divisions overlap: a pass over
 * the samples costs about the latency of one chain's step whatever W is,
 * up to six chains, which with the divisor and one temporary fill the
 * eight x87 registers (a seventh chain spills them to memory and runs
 * slower).  W is a constant at each call (the loops over j are unrolled
 * and the chains kept in registers); pass the same row several times to
 * fill the W (n > 1 for sd).
 */
#define MS_WIDE TY_STAT_GROUP_MAX
#define MS_NARROW 4

static inline __attribute__((always_inline)) void
mean_sd_chains(const double *const *v, int W, size_t n, double *mean, double *sd)
{
	long double m[MS_WIDE] = { 0 }, s[MS_WIDE] = { 0 };
	double u[MS_WIDE], f;

	for (size_t i = 0; i < n; i++) {
		long double k = (long double)(i + 1);

#pragma GCC unroll 6
		for (int j = 0; j < W; j++)
			m[j] += (v[j][i] - m[j]) / k;
	}
#pragma GCC unroll 6
	for (int j = 0; j < W; j++)
		mean[j] = u[j] = (double)m[j];
	if (!sd)
		return;
	f = (double)n / (double)(n - 1);
	for (size_t i = 0; i < n; i++) {
		long double k = (long double)(i + 1);

#pragma GCC unroll 6
		for (int j = 0; j < W; j++) {
			long double d = v[j][i] - u[j];

			s[j] += (d * d - s[j]) / k;
		}
	}
#pragma GCC unroll 6
	for (int j = 0; j < W; j++)
		sd[j] = sqrt((double)s[j] * f);
}

static void mean_sd_narrow(const double *const *v, size_t n, double *mean, double *sd)
{
	mean_sd_chains(v, MS_NARROW, n, mean, sd);
}

static void mean_sd_wide(const double *const *v, size_t n, double *mean, double *sd)
{
	mean_sd_chains(v, MS_WIDE, n, mean, sd);
}

static double simple_stat(const tyche_stat *st, const double *v, size_t n,
			  const double *mean_sd)
{
	size_t k = 0;

	switch (st->kind) {
	case TYCHE_STAT_MEAN:
		return mean_sd ? mean_sd[0] : gsl_stats_mean(v, 1, n);
	case TYCHE_STAT_STD:
		if (n < 2)
			return NAN;
		return mean_sd ? mean_sd[1] : gsl_stats_sd(v, 1, n);
	case TYCHE_STAT_MIN:
		return gsl_stats_min(v, 1, n);
	case TYCHE_STAT_MAX:
		return gsl_stats_max(v, 1, n);
	case TYCHE_STAT_PGT:
		for (size_t i = 0; i < n; i++)
			k += v[i] > st->p;
		return (double)k / (double)n;
	case TYCHE_STAT_PLT:
		for (size_t i = 0; i < n; i++)
			k += v[i] < st->p;
		return (double)k / (double)n;
	default:
		return NAN;
	}
}

/* tyche_stat_eval_many; mean_sd, when not NULL, holds v's GSL mean and
 * sd (sd only read for n > 1) */
static int eval_many(const tyche_stat *st, size_t nst, const double *v, size_t n,
		     double *work, double *out, const double *mean_sd)
{
	size_t kbuf[64], *ks = kbuf, nk = 0, nq = 0;
	double *w = work;
	int bad = 0;
	double lo = 0, hi = 0;

	for (size_t s = 0; s < nst; s++)
		out[s] = NAN;
	if (n == 0 || nst == 0)
		return 0;
	for (size_t s = 0; s < nst; s++)
		nq += order_level(&st[s]) >= 0;
	if (nq) {
		if (2 * nq > TY_ARRAY_SIZE(kbuf) && !(ks = malloc(2 * nq * sizeof(*ks))))
			return TYCHE_ENOMEM;
		if (!w && !(w = malloc(n * sizeof(double)))) {
			if (ks != kbuf)
				free(ks);
			return TYCHE_ENOMEM;
		}
		bad = copy_check(w, v, n, &lo, &hi);
	} else {
		for (size_t i = 0; i < n; i++)
			bad |= v[i] != v[i];
	}
	if (bad)
		goto out;      /* NaN in, NaN out: every statistic */
	if (nq) {
		for (size_t s = 0; s < nst; s++) {
			double lv = order_level(&st[s]), frac;
			int two;
			size_t k;

			if (lv < 0)
				continue;
			k = quantile_place(n, lv, &frac, &two);
			ks[nk++] = k;
			if (two)
				ks[nk++] = k + 1;
		}
		qsort(ks, nk, sizeof(*ks), cmp_size);
		{
			size_t u = 0;

			for (size_t i = 0; i < nk; i++)
				if (u == 0 || ks[i] != ks[u - 1])
					ks[u++] = ks[i];
			nk = u;
		}
		if (n < 512 || !bucket_select(w, n, ks, nk, lo, hi))
			select_many(w, n, ks, nk);
	}
	for (size_t s = 0; s < nst; s++) {
		double lv = order_level(&st[s]), frac, q, sum = 0;
		size_t k, cnt = 0;
		int two;

		if (lv < 0) {
			out[s] = simple_stat(&st[s], v, n, mean_sd);
			continue;
		}
		k = quantile_place(n, lv, &frac, &two);
		q = two ? w[k] + (w[k + 1] - w[k]) * frac : w[k];
		if (st[s].kind != TYCHE_STAT_CVAR) {
			out[s] = q;
			continue;
		}
		/* in the samples' order, so the sum does not depend on the
		 * selection */
		for (size_t i = 0; i < n; i++)
			if (v[i] <= q) {
				sum += v[i];
				cnt++;
			}
		out[s] = cnt ? sum / (double)cnt : q;
	}
out:
	if (w != work)
		free(w);
	if (ks != kbuf)
		free(ks);
	return 0;
}

/* Which of mean (1) and std (2) st[] asks for. */
static int wants_mean_sd(const tyche_stat *st, size_t nst)
{
	int w = 0;

	for (size_t s = 0; s < nst; s++)
		w |= st[s].kind == TYCHE_STAT_MEAN ? 1 : st[s].kind == TYCHE_STAT_STD ? 2 : 0;
	return w;
}

int tyche_stat_eval_many(const tyche_stat *st, size_t nst, const double *v, size_t n,
			 double *work, double *out)
{
	double ms[2];

	/* both: the mean once (gsl_stats_sd would compute it again) */
	if (n > 1 && wants_mean_sd(st, nst) == 3) {
		ms[0] = gsl_stats_mean(v, 1, n);
		ms[1] = gsl_stats_sd_m(v, 1, n, ms[0]);
		return eval_many(st, nst, v, n, work, out, ms);
	}
	return eval_many(st, nst, v, n, work, out, NULL);
}

/* Groups are as few passes as the six-chain width allows, each no wider
 * than it needs: 5 or 6 rows one wide pass, 7 or 8 two narrow ones
 * (4 + 3, 4 + 4), 9 to 12 a wide pass and what is left. */
size_t ty_stat_moment_group(size_t left)
{
	return left <= MS_WIDE ? left : left <= 2 * MS_NARROW ? MS_NARROW : MS_WIDE;
}

/* The next group of the rows left (v[], its first row repeated to fill
 * the chains) and, as wants_mean_sd's w asks, their GSL mean and sd (sd
 * for n > 1); returns how many rows the group holds. */
static size_t group_mean_sd(const double *const *rows, size_t left, size_t n, int w,
			    const double *v[MS_WIDE], double mean[MS_WIDE],
			    double sd[MS_WIDE])
{
	size_t g = ty_stat_moment_group(left);
	size_t width = g <= MS_NARROW ? MS_NARROW : MS_WIDE;

	for (size_t j = 0; j < width; j++)
		v[j] = rows[j < g ? j : 0];
	if (w && n > 0)
		(width == MS_WIDE ? mean_sd_wide : mean_sd_narrow)(v, n, mean,
								   (w & 2) && n > 1 ? sd : NULL);
	return g;
}

int ty_stat_eval_rows(const tyche_stat *st, size_t nst, const double *const *rows,
		      size_t nrows, size_t n, double *work, double *out)
{
	int w = wants_mean_sd(st, nst), rc = 0;

	for (size_t r0 = 0, g; r0 < nrows; r0 += g) {
		const double *v[MS_WIDE];
		double mean[MS_WIDE], sd[MS_WIDE];

		g = group_mean_sd(rows + r0, nrows - r0, n, w, v, mean, sd);

		for (size_t j = 0; j < g && !rc; j++) {
			double ms[2] = { mean[j], (w & 2) && n > 1 ? sd[j] : NAN };

			rc = eval_many(st, nst, v[j], n, work, out + (r0 + j) * nst,
				       w && n > 0 ? ms : NULL);
		}
	}
	return rc;
}

int ty_stat_eval_rows_part(const tyche_stat *st, size_t nst, const double *const *rows,
			   size_t nrows, size_t n, double *work, double *out, int part)
{
	if (part == TY_STAT_PART_MOMENTS) {
		int w = wants_mean_sd(st, nst);

		for (size_t r0 = 0, g; r0 < nrows && w; r0 += g) {
			const double *v[MS_WIDE];
			double mean[MS_WIDE], sd[MS_WIDE];

			g = group_mean_sd(rows + r0, nrows - r0, n, w, v, mean, sd);

			for (size_t j = 0; j < g; j++) {
				int bad = n == 0;

				for (size_t i = 0; i < n; i++)
					bad |= v[j][i] != v[j][i];
				for (size_t k = 0; k < nst; k++) {
					double *o = &out[(r0 + j) * nst + k];

					/* as eval_many: NaN in, NaN out */
					if (st[k].kind == TYCHE_STAT_MEAN)
						*o = bad ? NAN : mean[j];
					else if (st[k].kind == TYCHE_STAT_STD)
						*o = bad || n < 2 ? NAN : sd[j];
				}
			}
		}
		return 0;
	}
	{
		tyche_stat sub[16];
		size_t at[16], ns = 0;
		double res[16];

		for (size_t k = 0; k < nst; k++) {
			if (st[k].kind == TYCHE_STAT_MEAN || st[k].kind == TYCHE_STAT_STD)
				continue;
			if (ns == TY_ARRAY_SIZE(sub))
				return TYCHE_EUSAGE;
			sub[ns] = st[k];
			at[ns++] = k;
		}
		for (size_t r = 0; r < nrows && ns; r++) {
			int rc = eval_many(sub, ns, rows[r], n, work, res, NULL);

			if (rc)
				return rc;
			for (size_t k = 0; k < ns; k++)
				out[r * nst + at[k]] = res[k];
		}
		return 0;
	}
}

int ty_stat_order_ranks(const tyche_stat *st, size_t nst, size_t n, size_t *ks, size_t *nk)
{
	size_t m = 0, u = 0;

	*nk = 0;
	for (size_t s = 0; s < nst; s++) {
		double lv, frac;
		int two;
		size_t k;

		switch (st[s].kind) {
		case TYCHE_STAT_MEAN: case TYCHE_STAT_STD: case TYCHE_STAT_QUANTILE:
			break;
		case TYCHE_STAT_MIN: case TYCHE_STAT_MAX:
			if (n)
				ks[m++] = st[s].kind == TYCHE_STAT_MIN ? 0 : n - 1;
			continue;
		default:
			return TYCHE_EUSAGE;
		}
		if ((lv = order_level(&st[s])) < 0 || n == 0)
			continue;
		k = quantile_place(n, lv, &frac, &two);
		ks[m++] = k;
		if (two)
			ks[m++] = k + 1;
	}
	qsort(ks, m, sizeof(*ks), cmp_size);
	for (size_t i = 0; i < m; i++)
		if (u == 0 || ks[i] != ks[u - 1])
			ks[u++] = ks[i];
	*nk = u;
	return 0;
}

int ty_stat_from_orders(const tyche_stat *st, size_t nst, size_t n, double mean, double sd,
			const size_t *ks, const double *kv, size_t nk, double *out)
{
	for (size_t s = 0; s < nst; s++) {
		double lv = order_level(&st[s]), frac, a = NAN, b = NAN;
		size_t k;
		int two;

		out[s] = NAN;
		if (n == 0)
			continue;
		switch (st[s].kind) {
		case TYCHE_STAT_MEAN:
			out[s] = mean;
			continue;
		case TYCHE_STAT_STD:
			out[s] = n < 2 ? NAN : sd;
			continue;
		case TYCHE_STAT_MIN: case TYCHE_STAT_MAX:
			lv = st[s].kind == TYCHE_STAT_MIN ? 0 : 1;
			break;
		case TYCHE_STAT_QUANTILE:
			break;
		default:
			return TYCHE_EUSAGE;
		}
		k = quantile_place(n, lv, &frac, &two);
		for (size_t i = 0; i < nk; i++) {
			if (ks[i] == k)
				a = kv[i];
			if (ks[i] == k + 1)
				b = kv[i];
		}
		out[s] = two ? a + (b - a) * frac : a;
	}
	return 0;
}

double tyche_stat_eval(const tyche_stat *st, const double *v, size_t n, double *work)
{
	double r;

	tyche_stat_eval_many(st, 1, v, n, work, &r);
	return r;
}
