/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-stats.c - named statistics (lib/stats.c): every form tyche_stat_parse
 * accepts and its error, tyche_stat_eval against plain definitions, and
 * tyche_stat_eval_many against tyche_stat_eval.
 *
 * Quantiles are checked for exact equality with a reference that sorts a
 * copy and interpolates as documented (h = (n - 1) p, lo + (hi - lo) *
 * frac): selection must find the same order statistics, so any
 * difference, even in the last bit, is a bug.  Lengths above 600 matter:
 * only there does the selection sample a pivot (Floyd-Rivest), so they
 * are tested with ties, sorted and reversed input as well.
 *
 * mean and std are GSL's recurrences, which stats.c repeats four rows at
 * a time (ty_stat_eval_rows): checked here against gsl_stats_mean and
 * gsl_stats_sd themselves, bit for bit, on data with large offsets
 * (where a different rounding order would show).
 */
#include <stdint.h>
#include "tap.h"    /* first: internal.h bans atoi, which stdlib.h defines */
#include "tyche.h"
#include "../../lib/internal.h"
#include <gsl/gsl_statistics_double.h>

/* xorshift64*: reproducible data without libtyche's generator */
static uint64_t rs = 88172645463325252ull;

static double urand(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (double)((rs * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The documented quantile, by sorting. */
static double ref_quantile(const double *v, size_t n, double p)
{
	double *s = malloc(n * sizeof(double)), h = (double)(n - 1) * p, frac, r;
	size_t k;

	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_dbl);
	k = (size_t)floor(h);
	if (k > n - 1)
		k = n - 1;
	frac = h - (double)k;
	r = frac == 0 || k == n - 1 ? s[k] : s[k] + (s[k + 1] - s[k]) * frac;
	free(s);
	return r;
}

static int same_bits(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static tyche_stat parse(const char *name)
{
	tyche_stat st;
	tyche_error err = { 0 };

	memset(&st, 0, sizeof st);
	if (tyche_stat_parse(&st, name, &err))
		printf("# cannot parse '%s': %s\n", name, err.msg);
	return st;
}

static void test_parse(void)
{
	static const struct {
		const char *in, *name;
		int kind;
		double p;
	} good[] = {
		{ "mean", "mean", TYCHE_STAT_MEAN, 0 },
		{ "std", "std", TYCHE_STAT_STD, 0 },
		{ "min", "min", TYCHE_STAT_MIN, 0 },
		{ "max", "max", TYCHE_STAT_MAX, 0 },
		{ "median", "median", TYCHE_STAT_QUANTILE, 0.5 },
		{ "  median", "median", TYCHE_STAT_QUANTILE, 0.5 },
		{ "q10", "q10", TYCHE_STAT_QUANTILE, 0.1 },
		{ "q0", "q0", TYCHE_STAT_QUANTILE, 0 },
		{ "q100", "q100", TYCHE_STAT_QUANTILE, 1 },
		{ "q12.5", "q12.5", TYCHE_STAT_QUANTILE, 0.125 },  /* dot, > 1: percent */
		{ "q0.25", "q0.25", TYCHE_STAT_QUANTILE, 0.25 },   /* dot, <= 1: fraction */
		{ "q1.0", "q1.0", TYCHE_STAT_QUANTILE, 1 },
		{ "q1", "q1", TYCHE_STAT_QUANTILE, 0.01 },         /* no dot: percent */
		{ "var95", "var95", TYCHE_STAT_VAR, 0.95 },
		{ "var0.9", "var0.9", TYCHE_STAT_VAR, 0.9 },
		{ "cvar95", "cvar95", TYCHE_STAT_CVAR, 0.95 },
		{ "cvar0.99", "cvar0.99", TYCHE_STAT_CVAR, 0.99 },
		{ "p>0", "p>0", TYCHE_STAT_PGT, 0 },
		{ "p<-2.5", "p<-2.5", TYCHE_STAT_PLT, -2.5 },
		{ "p>1e3", "p>1e3", TYCHE_STAT_PGT, 1000 },
	};
	static const char *const bad[] = {
		"", "Mean", "mean ", "average", "q", "qx", "q-5", "q101", "q150.5",
		"var", "var0", "var100", "var1.0", "cvar", "cvar0", "cvar100",
		"p>", "p<", "p>x", "p=3", "p>inf", "p>nan", "q0x10",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		tyche_stat st;
		tyche_error err = { 0 };
		int rc = tyche_stat_parse(&st, good[i].in, &err);

		ok(rc == 0 && st.kind == good[i].kind &&
		   fabs(st.p - good[i].p) <= 1e-15 && !strcmp(st.name, good[i].name),
		   "parse '%s': kind %d p %g name '%s'", good[i].in, good[i].kind,
		   good[i].p, good[i].name);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tyche_stat st = { .kind = 99 };
		tyche_error err = { 0 };
		char want[128];
		int rc = tyche_stat_parse(&st, bad[i], &err);

		snprintf(want, sizeof want, "unknown statistic '%s', expected mean, std, min, max, median", bad[i]);
		ok(rc == TYCHE_EUSAGE && err.code == TYCHE_EUSAGE && st.kind == 99 &&
		   !strncmp(err.msg, want, strlen(want)),
		   "parse '%s' fails, *out untouched", bad[i]);
	}
	{
		tyche_stat st;
		tyche_error err = { 0 };

		tyche_stat_parse(&st, "q", &err);
		is_str(err.msg, "unknown statistic 'q', expected mean, std, min, max, median, "
		       "qP (q10 or q0.25), varL (var95), cvarL (cvar95), p>X or p<X",
		       "the error lists every form");
	}
}

/* Fill v with n values: kind 0 random, 1 few distinct values (ties),
 * 2 sorted, 3 reversed, 4 all equal, 5 signed values around zero,
 * 6 organ pipe, 7 sawtooth.  NKINDS kinds. */
#define NKINDS 8
static void fill(double *v, size_t n, int kind)
{
	for (size_t i = 0; i < n; i++) {
		switch (kind) {
		case 0:
			v[i] = urand() * 200 - 100;
			break;
		case 1:
			v[i] = floor(urand() * 4) * 0.5;
			break;
		case 2:
			v[i] = (double)i * 0.25;
			break;
		case 3:
			v[i] = (double)(n - i) * 0.25;
			break;
		case 4:
			v[i] = 3.75;
			break;
		case 5:
			v[i] = (urand() - 0.5) * 1e-3;
			break;
		case 6:
			v[i] = (double)(i < n / 2 ? i : n - i);
			break;
		default:
			v[i] = (double)(i % 37);
			break;
		}
	}
}

/* Quantiles, var and cvar against the sorted reference, exactly. */
static int check_quantiles(const double *v, size_t n, double *work, const char *what)
{
	static const double ps[] = { 0, 0.01, 0.05, 0.1, 0.25, 0.333, 0.5, 0.75, 0.9,
				     0.95, 0.99, 1 };
	int bad = 0;

	for (size_t j = 0; j < sizeof ps / sizeof ps[0] + 3; j++) {
		double p = j < sizeof ps / sizeof ps[0] ? ps[j] : urand();
		tyche_stat st = { TYCHE_STAT_QUANTILE, p, "q" };
		double got = tyche_stat_eval(&st, v, n, work), want = ref_quantile(v, n, p);

		if (!same_bits(got, want)) {
			if (!bad++)
				printf("# %s n=%zu q%.17g: got %.17g, expected %.17g\n", what,
				       n, p, got, want);
		}
	}
	return bad;
}

static void test_quantiles(void)
{
	double *v = malloc(5000 * sizeof(double)), *w = malloc(5000 * sizeof(double));
	int bad = 0;

	for (size_t n = 1; n <= 200; n++)
		for (int kind = 0; kind < NKINDS; kind++) {
			fill(v, n, kind);
			bad += check_quantiles(v, n, w, "small");
		}
	ok(bad == 0, "quantiles of n = 1..200 (random, ties, sorted, reversed, equal, "
	   "organ pipe, sawtooth) equal the sorted reference bit for bit");
	bad = 0;
	for (int rep = 0; rep < 40; rep++) {
		size_t n = 601 + (size_t)(urand() * 4399);

		for (int kind = 0; kind < NKINDS; kind++) {
			fill(v, n, kind);
			bad += check_quantiles(v, n, rep % 2 ? w : NULL, "large");
		}
	}
	ok(bad == 0, "quantiles of n = 601..5000 (sampled pivots) equal the sorted reference");
	{
		double x[] = { 5, 1, 4, 2, 3 };   /* sorted 1 2 3 4 5 */
		tyche_stat q = parse("q10"), med = parse("median"), q0 = parse("q0"),
			   q100 = parse("q100");

		is_close(tyche_stat_eval(&q, x, 5, NULL), 1.4, 1e-15, 0,
			 "q10 of 1..5 is 1 + 0.4 * (2 - 1)");
		ok(tyche_stat_eval(&med, x, 5, NULL) == 3, "median of 1..5 is 3");
		ok(tyche_stat_eval(&q0, x, 5, NULL) == 1 &&
		   tyche_stat_eval(&q100, x, 5, NULL) == 5, "q0 and q100 are min and max");
		ok(x[0] == 5 && x[1] == 1 && x[4] == 3, "the samples are not reordered");
	}
	free(v);
	free(w);
}

static void test_definitions(void)
{
	double x[] = { 4, -1, 7, 2, 2, 10, -3, 5, 0, 6 };   /* sorted: -3 -1 0 2 2 4 5 6 7 10 */
	size_t n = 10;
	tyche_stat st;
	double var, sum = 0, ss = 0, mean;

	for (size_t i = 0; i < n; i++)
		sum += x[i];
	mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	st = parse("mean");
	is_close(tyche_stat_eval(&st, x, n, NULL), 3.2, 1e-15, 0, "mean");
	st = parse("std");
	is_close(tyche_stat_eval(&st, x, n, NULL), sqrt(ss / (double)(n - 1)), 1e-14, 0,
		 "std divides by n - 1");
	ok(isnan(tyche_stat_eval(&st, x, 1, NULL)), "std of one sample is NaN");
	st = parse("min");
	ok(tyche_stat_eval(&st, x, n, NULL) == -3, "min");
	st = parse("max");
	ok(tyche_stat_eval(&st, x, n, NULL) == 10, "max");
	/* var90 = q10: h = 0.9, between -3 and -1 */
	st = parse("var90");
	var = tyche_stat_eval(&st, x, n, NULL);
	is_close(var, -1.2, 1e-14, 0, "var90 is the 10%% quantile (%g)", var);
	/* cvar80: q20 (h = 1.8 -> -1 + 1 * 0.8 = -0.2); mean of -3, -1 */
	st = parse("cvar80");
	ok(tyche_stat_eval(&st, x, n, NULL) == -2, "cvar80 is the mean of the samples "
	   "at or below var80");
	/* cvar70: q30 = h 2.7 -> 0 + 2 * 0.7 = 1.4; samples <= 1.4: -3 -1 0 */
	st = parse("cvar70");
	is_close(tyche_stat_eval(&st, x, n, NULL), -4.0 / 3.0, 1e-15, 0, "cvar70");
	/* at or below: q50 = 2 + 2 * 0.5 ... use a level that hits a tie */
	st = parse("cvar60");   /* q40: h = 3.6 -> 2 + 0 * 0.6 = 2; <= 2: -3 -1 0 2 2 */
	ok(tyche_stat_eval(&st, x, n, NULL) == 0, "cvar counts every sample equal to var");
	st = parse("p>2");
	ok(tyche_stat_eval(&st, x, n, NULL) == 0.5, "p>2 is strict (2 and 2 not counted)");
	st = parse("p<2");
	ok(tyche_stat_eval(&st, x, n, NULL) == 0.3, "p<2 is strict");
	st = parse("p>100");
	ok(tyche_stat_eval(&st, x, n, NULL) == 0, "p>X above every sample is 0");
}

static void test_nan_empty(void)
{
	static const char *const names[] = { "mean", "std", "min", "max", "median", "q10",
					     "var95", "cvar95", "p>0", "p<0" };
	double x[] = { 1, 2, NAN, 4 }, out[10];
	int nan_all = 1, empty_all = 1, many_nan = 1;
	tyche_stat st[10];

	for (size_t i = 0; i < 10; i++) {
		st[i] = parse(names[i]);
		nan_all &= isnan(tyche_stat_eval(&st[i], x, 4, NULL));
		empty_all &= isnan(tyche_stat_eval(&st[i], x, 0, NULL));
	}
	ok(nan_all, "any NaN sample makes every statistic NaN");
	ok(empty_all, "no samples: every statistic is NaN");
	x[2] = 3;
	x[3] = NAN;
	ok(tyche_stat_eval_many(st, 10, x, 4, NULL, out) == 0, "eval_many with NaN returns 0");
	for (size_t i = 0; i < 10; i++)
		many_nan &= isnan(out[i]) != 0;
	ok(many_nan, "eval_many: a NaN (here the last sample) makes every statistic NaN");
	out[0] = 1;
	ok(tyche_stat_eval_many(st, 10, x, 0, NULL, out) == 0 && isnan(out[0]),
	   "eval_many of no samples is NaN");
	{
		double inf[] = { 1, INFINITY, -INFINITY, 2 };
		tyche_stat mx = parse("max"), q = parse("q50");

		ok(tyche_stat_eval(&mx, inf, 4, NULL) == INFINITY &&
		   tyche_stat_eval(&q, inf, 4, NULL) == 1.5, "infinities are values, not NaN");
	}
	{
		double z[] = { 0.0, -0.0, 0.0, -0.0, -0.0, 1 };
		tyche_stat q = parse("q20");

		ok(tyche_stat_eval(&q, z, 6, NULL) == 0, "mixed signed zeros: a zero quantile");
	}
}

/* eval_many must equal eval for every statistic, bit for bit. */
static void test_many(void)
{
	static const char *const names[] = { "mean", "q10", "q90", "std", "median", "q10",
		"var95", "cvar95", "p>0", "p<10", "min", "max", "q0", "q100", "q0.333",
		"cvar50", "var99", "q99.9", "q0.1", "q50.5" };
	const size_t ns = sizeof names / sizeof names[0];
	double *v = malloc(20000 * sizeof(double)), *w = malloc(20000 * sizeof(double));
	double out[32], big[200];
	tyche_stat st[32], many[100];
	int bad = 0, trials = 0;

	for (size_t i = 0; i < ns; i++)
		st[i] = parse(names[i]);
	for (int rep = 0; rep < 400; rep++) {
		size_t n = rep < 300 ? 1 + (size_t)(urand() * 200) : 1 + (size_t)(urand() * 20000);
		size_t first = (size_t)(urand() * ns), cnt = 1 + (size_t)(urand() * (double)(ns - first));

		fill(v, n, rep % NKINDS);
		tyche_stat_eval_many(st + first, cnt, v, n, rep % 3 ? w : NULL, out);
		for (size_t i = 0; i < cnt; i++) {
			double one = tyche_stat_eval(&st[first + i], v, n, NULL);

			trials++;
			if (!same_bits(one, out[i]) && !bad++)
				printf("# n=%zu %s: eval_many %.17g, eval %.17g\n", n,
				       names[first + i], out[i], one);
		}
	}
	ok(bad == 0, "eval_many equals eval bit for bit (%d statistics, n up to 20000)", trials);
	/* more than fit in its stack buffer of order statistics */
	for (size_t i = 0; i < 100; i++) {
		many[i].kind = TYCHE_STAT_QUANTILE;
		many[i].p = urand();
		snprintf(many[i].name, sizeof many[i].name, "q");
	}
	bad = 0;
	fill(v, 3000, 0);
	{
		double *o = big;

		tyche_stat_eval_many(many, 100, v, 3000, w, o);
		for (size_t i = 0; i < 100; i++)
			bad += !same_bits(o[i], ref_quantile(v, 3000, many[i].p));
	}
	ok(bad == 0, "eval_many of 100 random quantiles equals the sorted reference");
	free(v);
	free(w);
}

/* Long rows with several quantiles go through a bucket pass first
 * (stats.c bucket_select): shapes that fill some buckets and leave others
 * empty, values on bucket edges, heavy tails, an outlier that puts nearly
 * all values in one bucket, signed zeros, subnormal and huge ranges, and
 * infinities, each against the sorted reference bit for bit. */
static void test_bucket_select(void)
{
	static const char *const names[] = { "q10", "mean", "q50", "q90", "q0.1", "q99.9",
					     "min", "max", "var95", "cvar95" };
	tyche_stat st[16];
	double *v = malloc(40000 * sizeof(double)), *w = malloc(40000 * sizeof(double));
	double out[16];
	int bad = 0, trials = 0;

	for (size_t i = 0; i < TY_ARRAY_SIZE(names); i++)
		st[i] = parse(names[i]);
	for (int rep = 0; rep < 300 && v && w; rep++) {
		size_t n = 512 + (size_t)(urand() * (rep % 3 ? 4000 : 39000));
		int shape = rep % 10;
		size_t nst = TY_ARRAY_SIZE(names);

		for (size_t i = 0; i < n; i++) {
			double u = urand();

			switch (shape) {
			case 0: v[i] = u; break;
			case 1: v[i] = exp(10 * u) * (urand() < 0.5 ? -1 : 1); break;
			case 2: v[i] = floor(u * 64) / 64; break;           /* bucket edges */
			case 3: v[i] = i == 7 ? 1e12 : u; break;             /* one outlier */
			case 4: v[i] = u < 0.5 ? -0.0 : u < 0.7 ? 0.0 : u; break;
			case 5: v[i] = u * 1e-310; break;                     /* subnormal */
			case 6: v[i] = (u - 0.5) * 1.5e308 * 2; break;        /* range overflows */
			case 7: v[i] = i == 3 ? INFINITY : i == 5 ? -INFINITY : u; break;
			case 8: v[i] = 1e300 * (1 + u * 1e-15); break;        /* few ulps wide */
			default: v[i] = u < 0.3 ? 2.5 : u; break;             /* a heavy tie */
			}
		}
		tyche_stat_eval_many(st, nst, v, n, rep % 2 ? w : NULL, out);
		for (size_t k = 0; k < nst; k++) {
			double want;

			if (st[k].kind == TYCHE_STAT_MEAN)
				want = gsl_stats_mean(v, 1, n);
			else if (st[k].kind == TYCHE_STAT_QUANTILE)
				want = ref_quantile(v, n, st[k].p);
			else
				want = tyche_stat_eval(&st[k], v, n, NULL);
			trials++;
			/* of equal values any may be the order statistic: -0 or +0 */
			if (!same_bits(out[k], want) && !(out[k] == 0 && want == 0) && !bad++)
				printf("# shape %d n=%zu %s: got %.17g, expected %.17g\n", shape, n,
				       names[k], out[k], want);
		}
		/* min, max, var and cvar: by sorting too */
		{
			double *srt = malloc(n * sizeof(double));

			memcpy(srt, v, n * sizeof(double));
			qsort(srt, n, sizeof(double), cmp_dbl);
			if ((!same_bits(out[6], srt[0]) && srt[0] != out[6]) ||
			    (!same_bits(out[7], srt[n - 1]) && srt[n - 1] != out[7]) ||
			    !same_bits(out[8], ref_quantile(v, n, 1.0 - st[8].p)))
				if (!bad++)
					printf("# shape %d n=%zu: min %.17g/%.17g max %.17g/%.17g "
					       "var95 %.17g/%.17g\n", shape, n, out[6], srt[0], out[7],
					       srt[n - 1], out[8], ref_quantile(v, n, 1.0 - st[8].p));
			free(srt);
		}
	}
	ok(bad == 0, "several quantiles of long rows (bucket pass): %d statistics equal the "
	   "sorted reference", trials);
	free(v);
	free(w);
}

/* ty_stat_eval_rows_part: the two parts together are ty_stat_eval_rows,
 * bit for bit, each touching only its own entries; rows with NaN, with
 * infinities, and of 0, 1 and 2 samples included */
static void test_rows_part(void)
{
	static const char *const names[] = { "q10", "mean", "q50", "std", "q90" };
	tyche_stat st[5];
	double *v = malloc(13 * 3000 * sizeof(double)), *w = malloc(3000 * sizeof(double));
	double whole[13 * 5], part[13 * 5];
	int bad = 0, untouched = 1, trials = 0;

	for (size_t i = 0; i < 5; i++)
		tyche_stat_parse(&st[i], names[i], NULL);
	for (int t = 0; t < 400 && v && w; t++) {
		size_t n = t < 12 ? (size_t)t % 3 : 1 + (size_t)(urand() * 3000);
		size_t nrows = 1 + (size_t)(urand() * 13);
		const double *rows[13];

		for (size_t r = 0; r < nrows; r++) {
			double *x = v + r * 3000;

			fill(x, n, (int)(urand() * 7));
			for (size_t i = 0; i < n; i++)
				x[i] = 1e5 + x[i] * 3;
			if (n && t % 5 == 1)
				x[(size_t)(urand() * (double)n)] = NAN;
			if (n && t % 7 == 2)
				x[(size_t)(urand() * (double)n)] = t % 2 ? INFINITY : -INFINITY;
			rows[r] = x;
		}
		ty_stat_eval_rows(st, 5, rows, nrows, n, w, whole);
		for (size_t i = 0; i < 13 * 5; i++)
			part[i] = 12345;
		ty_stat_eval_rows_part(st, 5, rows, nrows, n, w, part, TY_STAT_PART_MOMENTS);
		for (size_t r = 0; r < nrows; r++)
			untouched &= part[r * 5] == 12345 && part[r * 5 + 2] == 12345 &&
				     part[r * 5 + 4] == 12345 && part[r * 5 + 1] != 12345;
		for (size_t r = 0; r < nrows; r++)
			ty_stat_eval_rows_part(st, 5, &rows[r], 1, n, NULL, part + r * 5,
					       TY_STAT_PART_ORDER);
		for (size_t i = 0; i < nrows * 5; i++)
			bad += !same_bits(part[i], whole[i]) &&
			       !(isnan(part[i]) && isnan(whole[i]));
		trials++;
	}
	ok(trials == 400 && bad == 0, "moments and order parts = ty_stat_eval_rows on %d sets "
	   "(NaN, inf, n = 0, 1, 2)", trials);
	ok(untouched, "the moments part leaves the order entries alone");
	free(v);
	free(w);
}

/* ty_stat_eval_rows against GSL and tyche_stat_eval, bit for bit */
static void test_rows(void)
{
	static const char *const names[] = { "mean", "std", "q10", "median", "q90", "cvar95" };
	tyche_stat st[6];
	size_t lens[] = { 1, 2, 3, 7, 601, 1000, 20000 };
	double *v = malloc(13 * 20000 * sizeof(double)), *w = malloc(20000 * sizeof(double));
	double out[13 * 6];
	int bad = 0, badm = 0, trials = 0;

	for (size_t i = 0; i < 6; i++)
		tyche_stat_parse(&st[i], names[i], NULL);
	for (size_t li = 0; li < TY_ARRAY_SIZE(lens); li++) {
		size_t n = lens[li];

		for (size_t nrows = 1; nrows <= 13; nrows += 2) {
			const double *rows[13];

			for (size_t r = 0; r < nrows; r++) {
				double *x = v + r * 20000, off = r % 2 ? 1e6 : -3.5;

				fill(x, n, (int)(r + li) % 7);
				for (size_t i = 0; i < n; i++)
					x[i] = off + x[i] * (1 + (double)r);
				rows[r] = x;
			}
			ty_stat_eval_rows(st, 6, rows, nrows, n, li % 2 ? w : NULL, out);
			for (size_t r = 0; r < nrows; r++) {
				double m = gsl_stats_mean(rows[r], 1, n);
				double sd = n > 1 ? gsl_stats_sd(rows[r], 1, n) : NAN;

				trials++;
				badm += !same_bits(out[r * 6], m) || !same_bits(out[r * 6 + 1], sd);
				for (size_t k = 0; k < 6; k++)
					bad += !same_bits(out[r * 6 + k],
							  tyche_stat_eval(&st[k], rows[r], n, NULL));
				if (badm == 1 && !bad++)
					printf("# n=%zu row %zu: mean %.17g vs %.17g\n", n, r,
					       out[r * 6], m);
			}
		}
	}
	/* many short random rows: a rounding slip in one step of the
	 * recurrences fades over long rows, so most of the power is here */
	for (int t = 0; t < 3000; t++) {
		size_t n = 2 + (size_t)(urand() * 300), nrows = 1 + (size_t)(urand() * 13);
		const double *rows[13];

		for (size_t r = 0; r < nrows; r++) {
			double *x = v + r * 20000, off = (urand() - 0.5) * pow(10, urand() * 12 - 4);
			double sc = pow(10, urand() * 8 - 4);

			fill(x, n, (int)(urand() * 7));
			for (size_t i = 0; i < n; i++)
				x[i] = off + x[i] * sc;
			rows[r] = x;
		}
		ty_stat_eval_rows(st, 2, rows, nrows, n, w, out);
		for (size_t r = 0; r < nrows; r++) {
			trials++;
			badm += !same_bits(out[r * 2], gsl_stats_mean(rows[r], 1, n)) ||
				!same_bits(out[r * 2 + 1], gsl_stats_sd(rows[r], 1, n));
		}
	}
	ok(badm == 0, "rows: mean and std equal gsl_stats_mean and gsl_stats_sd (%d rows)", trials);
	ok(bad == 0, "rows: every statistic equals tyche_stat_eval");
	/* a NaN in one row of four spoils that row only */
	fill(v, 100, 0);
	fill(v + 20000, 100, 0);
	v[20000 + 50] = NAN;
	{
		const double *rows[2] = { v, v + 20000 };

		ty_stat_eval_rows(st, 6, rows, 2, 100, w, out);
		ok(same_bits(out[0], gsl_stats_mean(v, 1, 100)) && isnan(out[6]) && isnan(out[7]) &&
			   isnan(out[10]),
		   "rows: a NaN sample makes its own row's statistics NaN, not the others'");
	}
	free(v);
	free(w);
}

int main(void)
{
	test_rows();
	test_bucket_select();
	test_rows_part();
	test_parse();
	test_quantiles();
	test_definitions();
	test_nan_empty();
	test_many();
	return tap_done();
}
