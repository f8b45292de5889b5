/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-dist.c - distribution cells: parser (accepted forms, exact error
 * positions and messages, hostile input), parameter checks, format round
 * trip, moments/quantiles against draws, reference medians, and draws
 * that do not depend on block split or order.
 *
 * Statistical checks use 4 standard errors computed from the sample
 * itself (fourth central moment for the variance; binomial error of the
 * empirical CDF at the analytic quantile), so they fail on a wrong
 * formula but practically never by chance (the draws are fixed anyway).
 */
#include <stdint.h>
#include "tap.h"    /* first: internal.h bans atoi, which stdlib.h defines */
#include "dist.h"
#include "table.h"
#include <time.h>
#include <gsl/gsl_cdf.h>

static struct ty_dist *parse_ok(const char *text)
{
	struct ty_dist *d = NULL;
	size_t pos = 0;
	char msg[256];

	if (ty_dist_parse(text, &d, &pos, msg, sizeof(msg))) {
		ok(0, "parse '%s'", text);
		tap_diag("error at %zu: %s", pos, msg);
		return NULL;
	}
	return d;
}

static void parse_fails(const char *text, size_t want_pos, const char *want_msg)
{
	struct ty_dist *d = NULL;
	size_t pos = 12345;
	char msg[256] = "";
	int rc = ty_dist_parse(text, &d, &pos, msg, sizeof(msg));

	ok(rc == TYCHE_EDATA && pos == want_pos && !strcmp(msg, want_msg),
	   "'%s' fails at %zu: %s", text, want_pos, want_msg);
	if (rc != TYCHE_EDATA || pos != want_pos || strcmp(msg, want_msg))
		tap_diag("got rc %d at %zu: %s", rc, pos, msg);
	if (!rc)
		ty_dist_free(d);
}

/* Parses to exactly these parameters. */
static void parse_is(const char *text, enum ty_dist_kind k, double a, double b,
		     double loc, double scale)
{
	struct ty_dist *d = parse_ok(text);

	if (!d)
		return;
	ok(d->kind == k && d->a == a && d->b == b && d->loc == loc && d->scale == scale,
	   "'%s' parses to kind %d (%g, %g, loc %g, scale %g)", text, k, a, b, loc, scale);
	ty_dist_free(d);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static int same_dist(const struct ty_dist *x, const struct ty_dist *y)
{
	if (x->kind != y->kind)
		return 0;
	if (x->kind == TY_DIST_MIXTURE) {
		if (x->ncomp != y->ncomp)
			return 0;
		for (size_t i = 0; i < x->ncomp; i++)
			/* normalising already-normalised weights may move an ulp */
			if (fabs(x->w[i] - y->w[i]) > 4e-16 || !same_dist(&x->comp[i], &y->comp[i]))
				return 0;
		return 1;
	}
	return x->a == y->a && x->b == y->b && x->loc == y->loc && x->scale == y->scale;
}

/* 1e5 draws against the analytic mean, variance and three quantiles. */
static void check_draws(const char *text)
{
	enum { N = 100000 };
	static double x[N];
	const double ps[] = { 0.1, 0.5, 0.9 };
	struct ty_dist *d = parse_ok(text);
	struct ty_rng_key key;
	const char *parts[] = { "u-dist", text };
	double m = 0, v = 0, m4 = 0, mean, var;

	if (!d)
		return;
	ty_rng_key_derive(&key, 2024, parts, 2);
	ty_dist_sample(d, &key, 0, N, x);
	for (int i = 0; i < N; i++)
		m += x[i];
	m /= N;
	for (int i = 0; i < N; i++) {
		double e = (x[i] - m) * (x[i] - m);

		v += e;
		m4 += e * e;
	}
	v /= N - 1;
	m4 /= N;
	mean = ty_dist_mean(d);
	var = ty_dist_var(d);
	ok(fabs(m - mean) <= 4 * sqrt(var / N), "%s: sample mean %.6g vs %.6g", text, m, mean);
	ok(fabs(v - var) <= 4 * sqrt((m4 - v * v) / N), "%s: sample variance %.6g vs %.6g",
	   text, v, var);
	for (int k = 0; k < 3; k++) {
		double q = ty_dist_quantile(d, ps[k]), f = 0;

		for (int i = 0; i < N; i++)
			f += x[i] <= q;
		f /= N;
		ok(fabs(f - ps[k]) <= 4 * sqrt(ps[k] * (1 - ps[k]) / N),
		   "%s: empirical CDF at quantile(%.1f) = %.6g is %.4f", text, ps[k], q, f);
		is_close(ty_dist_cdf(d, q), ps[k], 1e-9, 1e-12, "%s: cdf(quantile(%.1f)) = %.1f",
			 text, ps[k], ps[k]);
	}
	if (d->kind == TY_DIST_MIXTURE)
		for (int k = 0; k < 3; k++) {
			double q = ty_dist_quantile(d, ps[k]);

			ok(ty_dist_cdf(d, q) >= ps[k] && ty_dist_cdf(d, nextafter(q, -INFINITY)) < ps[k],
			   "%s: quantile(%.1f) is the generalised inverse to the last bit",
			   text, ps[k]);
		}
	/* the quantile of the empirical sample agrees too (sorted draws) */
	qsort(x, N, sizeof(*x), cmp_double);
	ok(x[0] >= ty_dist_quantile(d, 0) && x[N - 1] <= ty_dist_quantile(d, 1),
	   "%s: draws lie inside the support [%g, %g]", text, ty_dist_quantile(d, 0),
	   ty_dist_quantile(d, 1));
	ty_dist_free(d);
}

static void check_order_independence(const char *text)
{
	enum { N = 1000 };
	double all[N], part[N], rev[N], other[N];
	struct ty_dist *d = parse_ok(text);
	struct ty_rng_key k1, k2;
	const char *parts[] = { "tech", "scen", "row 3" };
	int diff = 0;

	if (!d)
		return;
	ty_rng_key_derive(&k1, 7, parts, 3);
	ty_rng_key_derive(&k2, 8, parts, 3);
	ty_dist_sample(d, &k1, 0, N, all);
	for (size_t at = 0, step = 3; at < N; at += step, step = step * 7 % 23 + 1)
		ty_dist_sample(d, &k1, at, at + step > N ? N - at : step, part + at);
	for (int j = N - 1; j >= 0; j--)
		ty_dist_sample(d, &k1, (uint64_t)j, 1, rev + j);
	ok(!memcmp(all, part, sizeof(all)), "%s: odd-sized chunks give identical bits", text);
	ok(!memcmp(all, rev, sizeof(all)), "%s: reversed order gives identical bits", text);
	ty_dist_sample(d, &k2, 0, N, other);
	for (int j = 0; j < N; j++)
		diff += other[j] != all[j];
	ok(diff > N / 2, "%s: another seed changes %d of %d draws", text, diff, N);
	ty_dist_free(d);
}

static void check_golden(void)
{
	static const char *ctx[] = { "pv-residential-large", "pv-residential-simple",
		"simple-electrolysis", "transport-model", "tutorial-basic",
		"tutorial-biorefinery", "utility-pv" };
	const char *ref = tap_shared_reference();
	size_t cells = 0, good = 0, kinds[TY_DIST_MIXTURE + 1] = { 0 };

	if (!ref) {
		ok(1, "# SKIP reference medians: shared reference absent");
		return;
	}
	for (size_t c = 0; c < TY_ARRAY_SIZE(ctx); c++) {
		char path[4200];
		struct ty_table *t = NULL;
		tyche_error err = { 0 };
		long co, cv;

		snprintf(path, sizeof(path), "%s/golden/%s/substitutions-median.csv", ref, ctx[c]);
		if (ty_csv_read(path, &t, &err)) {
			ok(0, "read %s: %s", path, err.msg);
			continue;
		}
		co = ty_table_col(t, "Original");
		cv = ty_table_col(t, "Value");
		ok(co >= 0 && cv >= 0, "%s has Original and Value columns", ctx[c]);
		for (size_t r = 0; co >= 0 && cv >= 0 && r < t->nrows; r++) {
			const char *orig = ty_table_cell(t, r, (size_t)co);
			struct ty_dist *d = NULL;
			size_t pos;
			char msg[256];
			double want, got;

			cells++;
			if (ty_parse_number(ty_table_cell(t, r, (size_t)cv), &want) ||
			    ty_dist_parse(orig, &d, &pos, msg, sizeof(msg))) {
				tap_diag("%s row %zu: cannot read '%s'", ctx[c], r + 2, orig);
				continue;
			}
			kinds[d->kind]++;
			got = ty_dist_median(d);
			if (tap_close(got, want, 1e-9, 0))
				good++;
			else
				tap_diag("%s: median of %s is %.17g, reference %.17g", ctx[c],
					 orig, got, want);
			ty_dist_free(d);
		}
		ty_table_free(t);
	}
	ok(cells > 600 && good == cells,
	   "median of all %zu reference cells within 1e-9 (%zu good)", cells, good);
	ok(kinds[TY_DIST_TRIANG] && kinds[TY_DIST_TRUNCNORM] && kinds[TY_DIST_BETA] &&
	   kinds[TY_DIST_MIXTURE], "they include triang, truncnorm, beta and mixture");
}

static void check_hostile(void)
{
	struct ty_dist *d = NULL;
	size_t pos;
	char msg[256], *big;
	const char *valid = "mixture([0.7, 0.3], [st.triang(0.1, 0.5, 0.1), "
			    "st.truncnorm(-1, 4, loc=0.96, scale=0.01)])";
	size_t vlen = strlen(valid), accepted = 0;
	struct ty_buf b = TY_BUF_INIT;
	unsigned state = 12345;
	int crashed_not = 1;

	/* every truncation of a valid cell */
	for (size_t n = 0; n < vlen; n++) {
		char *s = ty_strndup(valid, n);

		if (!ty_dist_parse(s, &d, &pos, msg, sizeof(msg))) {
			accepted++;
			ty_dist_free(d);
		} else if (pos > n) {
			crashed_not = 0;
		}
		free(s);
	}
	ok(accepted == 0 && crashed_not,
	   "all %zu truncations of a mixture fail with a position inside the text", vlen);

	/* an embedded NUL ends the text */
	{
		const char nul[] = "st.norm(1\0, 2)";

		parse_fails(nul, 9, "expected ',' or ')' after argument 1 of norm, found end of text");
	}

	/* huge: longer than the cap, deep nesting, too many components */
	big = malloc(70001);
	memset(big, ' ', 70000);
	big[0] = '1';
	big[70000] = '\0';
	parse_fails(big, 65536, "distribution text is longer than 65536 bytes");
	memset(big, '9', 600);
	big[600] = '\0';
	parse_fails(big, 0, "number for the value is longer than 398 characters");
	memset(big, '9', 350);
	big[350] = '\0';
	{
		char want[400];

		snprintf(want, sizeof(want), "number '%.40s...' for the value is out of range", big);
		parse_fails(big, 0, want);
	}
	free(big);
	for (int i = 0; i < 9; i++)
		ty_buf_adds(&b, "mixture([1], [");
	ty_buf_adds(&b, "st.norm()");
	for (int i = 0; i < 9; i++)
		ty_buf_adds(&b, "])");
	parse_fails(b.p, 8 * 14, "mixtures nested deeper than 8 levels");
	ty_buf_release(&b);
	for (int i = 0; i < 8; i++)
		ty_buf_adds(&b, "mixture([1], [");
	ty_buf_adds(&b, "st.norm(3, 2)");
	for (int i = 0; i < 8; i++)
		ty_buf_adds(&b, "])");
	d = parse_ok(b.p);
	ok(d && ty_dist_median(d) == 3, "8 nested mixtures are accepted, median 3");
	ty_dist_free(d);
	ty_buf_release(&b);
	ty_buf_adds(&b, "mixture([");
	for (int i = 0; i < 1025; i++)
		ty_buf_addf(&b, "%s1", i ? "," : "");
	ty_buf_adds(&b, "], [st.norm()])");
	parse_fails(b.p, 9 + 2 * 1024, "mixture has more than 1024 weights");
	ty_buf_release(&b);

	/* random bytes and random mutations of a valid cell never crash */
	accepted = 0;
	for (int it = 0; it < 20000; it++) {
		char s[80];
		size_t n = (size_t)(it % 79);

		if (it % 2) {
			for (size_t i = 0; i < n; i++) {
				state = state * 1103515245u + 12345u;
				s[i] = (char)(state >> 16);
			}
			s[n] = '\0';
		} else {
			snprintf(s, sizeof(s), "%s", valid + 22);
			for (int k = 0; k < 3; k++) {
				state = state * 1103515245u + 12345u;
				s[(state >> 16) % strlen(s)] = "()[],.=-+e1x \t"[(state >> 8) % 14];
			}
		}
		if (!ty_dist_parse(s, &d, &pos, msg, sizeof(msg))) {
			double q[4];
			struct ty_rng_key key;

			ty_rng_key_derive(&key, 1, NULL, 0);
			ty_dist_sample(d, &key, 0, 4, q);
			q[0] = ty_dist_quantile(d, 0.3) + ty_dist_mean(d) + ty_dist_var(d);
			accepted++;
			ty_dist_free(d);
		} else if (pos > strlen(s) || !msg[0]) {
			crashed_not = 0;
		}
	}
	ok(crashed_not, "20000 random and mutated cells: every error has a position and "
	   "a message (%zu accepted)", accepted);
}

/*
 * Issue 12: shapes for which GSL's beta quantile never returned (its
 * bisection loops when the beta CDF is NaN).  The parser refuses them at
 * the shape, quickly; a hand-built beta out of range goes through the
 * capped Brent search and answers (a number or NaN) instead of hanging.
 */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_iterative_quantile_limits(void)
{
	double t0 = cpu_now();
	struct ty_dist d = { 0 };
	struct ty_rng_key key;
	double x[64], q;
	int finite = 1;

	parse_fails("st.beta(1e6, 1e6, loc=7, scale=2)", 8, "a of beta must be in [0.001, "
		    "10000] (the range where its quantile is known to converge), found 1000000");
	parse_fails("st.beta(3e59, 3e59, 6)", 8, "a of beta must be in [0.001, 10000] "
		    "(the range where its quantile is known to converge), found 3e+59");
	parse_fails("beta(1, 2.5e300)", 8, "b of beta must be in [0.001, 10000] (the range "
		    "where its quantile is known to converge), found 2.5e+300");
	parse_fails("st.beta(1e-4, 2)", 8, "a of beta must be in [0.001, 10000] (the range "
		    "where its quantile is known to converge), found 0.0001");
	parse_fails("mixture([1, 1], [st.norm(), st.beta(2, b=1e5)])", 41, "b of beta must "
		    "be in [0.001, 10000] (the range where its quantile is known to converge), "
		    "found 100000");
	parse_fails("st.gamma(1e8)", 9, "a of gamma must be in [0.001, 1e+07] (the range "
		    "where its quantile is known to converge), found 100000000");
	parse_is("st.beta(1e4, 0.001)", TY_DIST_BETA, 1e4, 0.001, 0, 1);
	parse_is("st.gamma(1e7)", TY_DIST_GAMMA, 1e7, 0, 0, 1);

	/* the edges of the box sample and answer fast */
	{
		const char *edge[] = { "st.beta(1e4, 1e4)", "st.beta(1e4, 1)", "st.beta(1, 1e4)",
				       "st.beta(0.001, 0.001)", "st.beta(0.001, 1e4)",
				       "st.gamma(1e7)", "st.gamma(0.001)" };

		ty_rng_key_derive(&key, 3, NULL, 0);
		for (size_t i = 0; i < TY_ARRAY_SIZE(edge); i++) {
			struct ty_dist *e = parse_ok(edge[i]);

			if (!e)
				continue;
			ty_dist_sample(e, &key, 0, TY_ARRAY_SIZE(x), x);
			for (int p = 1; p < 1000; p++)
				(void)ty_dist_quantile(e, p / 1000.0);
			ty_dist_free(e);
		}
	}
	/* out of the box by hand: the capped search, not GSL's loop */
	d.kind = TY_DIST_BETA;
	d.a = 1e6;
	d.b = 1e6;
	d.loc = 7;
	d.scale = 2;
	ty_rng_key_derive(&key, 1, NULL, 0);
	ty_dist_sample(&d, &key, 0, TY_ARRAY_SIZE(x), x);
	for (size_t i = 0; i < TY_ARRAY_SIZE(x); i++)
		if (!(x[i] >= 7 && x[i] <= 9) && !isnan(x[i]))
			finite = 0;
	ok(finite, "beta(1e6, 1e6) by hand: draws in [7, 9] or NaN, no hang");
	q = ty_dist_quantile(&d, 0.5);
	ok(isnan(q) || fabs(q - 8) < 1e-3, "beta(1e6, 1e6) median is 8 or NaN (got %g)", q);
	d.a = 1;
	d.b = 3;   /* inside the box: GSL's own answer */
	q = ty_dist_quantile(&d, 0.5);
	ok(q == 7 + 2 * gsl_cdf_beta_Pinv(0.5, 1, 3), "beta(1, 3) in the box is GSL's Pinv");
	d.b = 3e5;   /* out of the box, well-behaved: Brent agrees with the exact */
	q = ty_dist_quantile(&d, 0.5);
	is_close(q, 7 + 2 * -expm1(log(0.5) / 3e5), 1e-9, 0, "beta(1, 3e5) median by Brent");
	ok(cpu_now() - t0 < 2, "iterative quantile limits answered in %.2f CPU s (< 2)",
	   cpu_now() - t0);
}

int main(void)
{
	struct ty_dist *d;

	/* accepted forms */
	parse_is("1", TY_DIST_CONST, 1, 0, 0, 0);
	parse_is(" -0.5\t", TY_DIST_CONST, -0.5, 0, 0, 0);
	parse_is("1e-3", TY_DIST_CONST, 1e-3, 0, 0, 0);
	parse_is("3.0E+06", TY_DIST_CONST, 3e6, 0, 0, 0);
	parse_is("st.triang(0.5, loc=1, scale=2)", TY_DIST_TRIANG, 0.5, 0, 1, 2);
	parse_is("st.triang(0.3, 8.0, 2.0)", TY_DIST_TRIANG, 0.3, 0, 8, 2);
	parse_is("triang(c=0.3, scale=2.0, loc=8)", TY_DIST_TRIANG, 0.3, 0, 8, 2);
	parse_is("st.truncnorm(-1, 4, loc=0.96, scale=0.01)", TY_DIST_TRUNCNORM, -1, 4, 0.96, 0.01);
	parse_is("st.beta(1, 2, loc=0.90, scale=0.06)", TY_DIST_BETA, 1, 2, 0.9, 0.06);
	parse_is("st.norm(5, scale=10E-06)", TY_DIST_NORM, 0, 0, 5, 1e-5);
	parse_is("st.norm()", TY_DIST_NORM, 0, 0, 0, 1);
	parse_is("  st . uniform ( loc = -1 ,\t scale = 2 , )  ", TY_DIST_UNIFORM, 0, 0, -1, 2);
	d = parse_ok("st.norm(\r\n1,\n2\n)\n");
	ok(d && d->loc == 1 && d->scale == 2, "newlines between tokens are whitespace");
	ty_dist_free(d);
	parse_is("st.lognorm(0.5, 1, 2)", TY_DIST_LOGNORM, 0.5, 0, 1, 2);
	parse_is("st.gamma(2, scale=3)", TY_DIST_GAMMA, 2, 0, 0, 3);
	parse_is("st.weibull_min(1.5, loc=-.5)", TY_DIST_WEIBULL_MIN, 1.5, 0, -0.5, 1);
	parse_is("expon(1, 2)", TY_DIST_EXPON, 0, 0, 1, 2);
	parse_is("st.norm(- 1)", TY_DIST_NORM, 0, 0, -1, 1);
	d = parse_ok("mixture([3, 1], [st.norm(0, 1), mixture([1], [st.expon()])])");
	ok(d && d->kind == TY_DIST_MIXTURE && d->ncomp == 2 && d->w[0] == 0.75 &&
	   d->w[1] == 0.25 && d->comp[1].kind == TY_DIST_MIXTURE &&
	   d->comp[1].comp[0].kind == TY_DIST_EXPON, "nested mixture with weights 3:1 normalised");
	ty_dist_free(d);

	/* syntax errors: exact position and message */
	parse_fails("st.triang(0.5, 1 x)", 17,
		    "expected ',' or ')' after argument 2 of triang, found 'x'");
	parse_fails("st.foo(1)", 3, "unknown distribution 'st.foo', expected triang, uniform, "
		    "norm, truncnorm, beta, lognorm, gamma, weibull_min, expon or mixture");
	parse_fails("inf", 0, "unknown distribution 'inf', expected triang, uniform, "
		    "norm, truncnorm, beta, lognorm, gamma, weibull_min, expon or mixture");
	parse_fails("st.norm(nan)", 8, "expected a number for argument 1 (loc) of norm, found 'nan'");
	parse_fails("0x10", 1, "unexpected 'x10' after the number for the value");
	parse_fails("1.5x", 3, "unexpected 'x' after the number for the value");
	parse_fails("1+2", 1, "expected end of text after the number, found '+'");
	parse_fails("st.norm(1+2)", 9, "expected ',' or ')' after argument 1 of norm, found '+'");
	parse_fails("st.triang(loc=1)", 15, "missing argument 'c' of triang");
	parse_fails("st.triang(0.5, loc=1, loc=2)", 22, "argument 'loc' of triang given twice");
	parse_fails("st.triang(0.5, 1, loc=2)", 18, "argument 'loc' of triang given twice");
	parse_fails("st.triang(0.5, loc=1, 2)", 22,
		    "positional argument 3 of triang follows a keyword argument");
	parse_fails("st.triang(0.5, size=2)", 15,
		    "unknown keyword 'size' for triang, expected c, loc or scale");
	parse_fails("st.triang(0.5, 1, 2, 3)", 21,
		    "too many arguments to triang (at most 3), found '3'");
	parse_fails("st.triang(0.5, 1, 2", 19,
		    "expected ',' or ')' after argument 3 of triang, found end of text");
	parse_fails("st.triang(0.5, 1, 2))", 20,
		    "expected end of text after the distribution, found ')'");
	parse_fails("st.triang 0.5", 10, "expected '(' after triang, found '0.5'");
	parse_fails("st.triang(0.5, 1e, 2)", 16,
		    "malformed exponent in number for argument 2 (loc) of triang, found '1e'");
	parse_fails("st.triang(c=1e999)", 12,
		    "number '1e999' for argument 1 (c) of triang is out of range");
	parse_fails("st.mixture([1], [st.norm()])", 3, "unknown distribution 'st.mixture', "
		    "expected triang, uniform, norm, truncnorm, beta, lognorm, gamma, "
		    "weibull_min, expon or mixture");
	parse_fails("mixture([1], [1])", 14,
		    "expected a distribution such as st.triang(...), found '1'");
	parse_fails("mixture([1], [st.norm(), st.expon()])", 13,
		    "mixture has 1 weight but 2 distributions");
	parse_fails("mixture([0.5 0.5], [st.norm()])", 13,
		    "expected ',' or ']' after weight 1 of mixture, found '0.5'");
	parse_fails("mixture([], [])", 9, "mixture needs at least one weight, found ']'");
	parse_fails("", 0, "expected a number or a distribution such as st.triang(...), "
		    "found end of text");
	parse_fails("\x01", 0, "expected a number or a distribution such as st.triang(...), "
		    "found byte 0x01");

	/* parameter checks */
	parse_fails("st.triang(1.5, 0, 1)", 10, "c of triang must be in [0, 1], found 1.5");
	parse_fails("st.triang(0.5, 0, 0)", 18, "scale of triang must be > 0, found 0");
	parse_fails("st.norm(1, -2)", 11, "scale of norm must be > 0, found -2");
	parse_fails("st.truncnorm(2, 1)", 16, "truncnorm needs a < b, found a = 2, b = 1");
	parse_fails("st.beta(1, 0)", 11, "b of beta must be in [0.001, 10000] (the range "
		    "where its quantile is known to converge), found 0");
	parse_fails("st.lognorm(-1)", 11, "s of lognorm must be > 0, found -1");
	parse_fails("st.gamma(0)", 9, "a of gamma must be in [0.001, 1e+07] (the range "
		    "where its quantile is known to converge), found 0");
	parse_fails("st.weibull_min(0)", 15, "c of weibull_min must be > 0, found 0");
	parse_fails("mixture([1, -1], [st.norm(), st.expon()])", 12,
		    "weight 2 of mixture must be >= 0, found -1");
	parse_fails("mixture([0, 0], [st.norm(), st.expon()])", 8,
		    "weights of mixture must have a positive finite sum, found 0");
	parse_fails("mixture([1e308, 1e308], [st.norm(), st.expon()])", 8,
		    "weights of mixture must have a positive finite sum, found inf");

	/* format round trip */
	{
		const char *cells[] = { "2.5", "st.triang(0.3, 8.0, 2.0)", "uniform(1, 2)",
			"st.norm(0.1, 3e-7)", "st.truncnorm(-1, 4, loc=0.96, scale=0.01)",
			"st.beta(1, 2, loc=0.90, scale=0.06)", "st.lognorm(0.5, 1, 2)",
			"st.gamma(2.5, scale=3)", "st.weibull_min(1.5)", "st.expon(1, 2)",
			"mixture([0.7, 0.3], [st.triang(0.1, 0.5, 0.1), st.triang(0.5, 0.6, 0.4)])",
			"mixture([1, 2, 4], [st.norm(), st.expon(), mixture([1, 1], "
			"[st.gamma(3), st.beta(2, 2)])])" };

		for (size_t i = 0; i < TY_ARRAY_SIZE(cells); i++) {
			struct ty_dist *d1 = parse_ok(cells[i]), *d2;
			char *s = d1 ? ty_dist_format(d1) : NULL;

			d2 = s ? parse_ok(s) : NULL;
			ok(d1 && d2 && same_dist(d1, d2), "format round trip: %s -> %s", cells[i],
			   s ? s : "(null)");
			free(s);
			ty_dist_free(d1);
			ty_dist_free(d2);
		}
		d = parse_ok("st.triang(0.5, loc=1, scale=2)");
		if (d) {
			char *s = ty_dist_format(d);

			(void)(is_str(s, "st.triang(0.5, loc=1, scale=2)", "canonical text of a triang"));
			free(s);
			ty_dist_free(d);
		}
	}

	/* exact values known independently of this code */
	d = parse_ok("st.norm(1, 2)");
	if (d) {
		is_close(ty_dist_quantile(d, 0.975), 1 + 2 * 1.959963984540054, 1e-14, 0,
			 "norm 97.5%% quantile");
		ok(isinf(ty_dist_quantile(d, 1)) && isinf(ty_dist_quantile(d, 0)),
		   "norm quantile(0), quantile(1) are -inf, inf");
		ok(isnan(ty_dist_quantile(d, 1.5)) && isnan(ty_dist_quantile(d, -0.1)),
		   "quantile outside [0, 1] is NaN");
		ty_dist_free(d);
	}
	d = parse_ok("st.beta(2, 2, loc=0.90, scale=0.06)");
	if (d) {
		is_close(ty_dist_median(d), 0.93, 1e-15, 0, "symmetric beta median is the centre");
		ty_dist_free(d);
	}
	d = parse_ok("st.expon(1, 2)");
	if (d) {
		is_close(ty_dist_median(d), 1 + 2 * log(2), 1e-15, 0, "expon median loc + scale ln 2");
		ty_dist_free(d);
	}
	d = parse_ok("mixture([1, 1], [st.uniform(0, 1), st.uniform(2, 1)])");
	if (d) {
		/* F = 0.5 on the whole gap [1, 2]: the generalised inverse is 1 */
		is_close(ty_dist_median(d), 1, 1e-15, 0, "mixture median on a flat CDF is its left end");
		is_close(ty_dist_quantile(d, 0.75), 2.5, 1e-15, 0, "mixture quantile(0.75)");
		ok(ty_dist_quantile(d, 0) == 0 && ty_dist_quantile(d, 1) == 3,
		   "mixture quantile(0) and (1) are the ends of the support");
		ty_dist_free(d);
	}
	d = parse_ok("mixture([1, 0], [st.uniform(0, 1), st.norm(-5, 1)])");
	if (d) {
		ok(ty_dist_quantile(d, 0) == 0 && ty_dist_quantile(d, 1) == 1 &&
		   ty_dist_mean(d) == 0.5 && tap_close(ty_dist_var(d), 1.0 / 12, 1e-15, 0),
		   "a zero-weight component is outside the support and the moments");
		ty_dist_free(d);
	}
	/* regression (fuzz): a bisection bracket across zero overflowed int64 */
	d = parse_ok("mixture([0.6, 0.3], [st.triang(0.1, 0.5, 14.), st.triang(0.5, -4e300, 8e300)])");
	if (d) {
		double q = ty_dist_quantile(d, 0.3);

		ok(ty_dist_cdf(d, q) >= 0.3 && ty_dist_cdf(d, nextafter(q, -INFINITY)) < 0.3,
		   "mixture quantile with a bracket across zero: %.17g", q);
		ty_dist_free(d);
	}
	d = parse_ok("st.truncnorm(8, 9)");
	if (d) {
		/* median of N(0,1) on [8, 9]: Q(x) = (Q(8) + Q(9)) / 2 */
		double x = ty_dist_median(d);

		ok(x > 8 && x < 8.2 && tap_close(ty_dist_cdf(d, x), 0.5, 1e-9, 0),
		   "upper-tail truncnorm median %.12g has cdf 0.5", x);
		ty_dist_free(d);
	}

	/* draws vs analytic moments and quantiles */
	{
		const char *cells[] = { "st.triang(0.3, 8.0, 2.0)", "st.triang(0, 1, 2)",
			"st.triang(1, 1, 2)", "st.uniform(1, 2)", "st.norm(1, 2)",
			"st.truncnorm(-1, 4, loc=0.96, scale=0.01)", "st.truncnorm(1.5, 3)",
			"st.truncnorm(-3, -2, loc=5)", "st.beta(1, 2, loc=0.90, scale=0.06)",
			"st.beta(0.5, 0.5)", "st.lognorm(0.5, 1, 2)", "st.gamma(2, scale=3)",
			"st.gamma(0.5)", "st.weibull_min(1.5, loc=1)", "st.expon(1, 2)",
			"mixture([0.7, 0.3], [st.triang(0.1, 0.5, 0.1), st.triang(0.5, 0.6, 0.4)])",
			"mixture([1, 2], [st.norm(-2, 1), mixture([1, 1], [st.gamma(3), st.beta(2, 5)])])" };

		for (size_t i = 0; i < TY_ARRAY_SIZE(cells); i++)
			check_draws(cells[i]);
	}
	d = parse_ok("4.25");
	if (d) {
		struct ty_rng_key key;
		double x[3] = { 0, 0, 0 };

		ty_rng_key_derive(&key, 1, NULL, 0);
		ty_dist_sample(d, &key, 5, 3, x);
		ok(ty_dist_is_const(d) && x[0] == 4.25 && x[2] == 4.25 &&
		   ty_dist_mean(d) == 4.25 && ty_dist_var(d) == 0, "a constant fills its value");
		ty_dist_free(d);
	}
	/* a draw is the quantile of the stream-0 uniform (stream 1 picks
	 * nothing for non-mixtures; for a mixture stream 0 picks) */
	{
		const char *cells[] = { "st.triang(0.3, 8.0, 2.0)", "st.truncnorm(-1, 4, loc=0.96, scale=0.01)",
			"st.truncnorm(1, 4)", "st.beta(2, 3)", "st.lognorm(0.5)", "st.expon(2)",
			"mixture([0.25, 0.75], [st.norm(), st.uniform(5, 1)])" };
		struct ty_rng_key key;
		double x[300], u0[300], u1[300];

		ty_rng_key_derive(&key, 99, cells, 2);
		ty_rng_uniform(&key, 0, 1000, 300, u0);
		ty_rng_uniform(&key, 1, 1000, 300, u1);
		for (size_t c = 0; c < TY_ARRAY_SIZE(cells); c++) {
			struct ty_dist *dd = parse_ok(cells[c]);
			int same = 1;

			if (!dd)
				continue;
			ty_dist_sample(dd, &key, 1000, 300, x);
			for (int i = 0; i < 300; i++) {
				double want;

				if (dd->kind == TY_DIST_MIXTURE)
					want = ty_dist_quantile(&dd->comp[u0[i] < 0.25 ? 0 : 1], u1[i]);
				else
					want = ty_dist_quantile(dd, u0[i]);
				same &= memcmp(&want, &x[i], sizeof(want)) == 0;
			}
			ok(same, "%s: draws are the quantiles of the stream uniforms, bit for bit",
			   cells[c]);
			ty_dist_free(dd);
		}
	}
	check_order_independence("st.triang(0.5, loc=1, scale=2)");
	check_order_independence("st.beta(2, 3)");
	check_order_independence("mixture([0.7, 0.3], [st.norm(1, 2), st.truncnorm(-1, 1)])");

	check_golden();
	check_hostile();
	test_iterative_quantile_limits();
	return tap_done();
}
