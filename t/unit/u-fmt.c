/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-fmt.c - ty_fmt_double (lib/fmt-double.c), the shortest round-trip
 * number formatter, against strtod and against the printf-based formatter
 * it replaced (old_fmt below, kept verbatim as the reference).
 *
 * For each value: (a) strtod(output) is the input, bit for bit; (b) no
 * decimal with fewer significant digits reads back to it (checked exactly:
 * if one did, one of the two multiples of 10^(last digit + 1) around the
 * output would, and both are tried with strtod), and for the hard cases
 * and a sample, no %.{p}g with p below the output's digit count round
 * trips; (c) the output is old_fmt's whenever old_fmt's has no more
 * significant digits, so outputs only ever change to get shorter.
 * Values: the hard cases (zeros, subnormals, DBL_MIN/MAX, every power of
 * two, 1e23, 2^53 neighbours, powers of ten and their neighbours), every
 * layout (n = 1..17 significant digits at each decimal exponent from -8
 * to 20 and at both ends of the range, so the point lands after each
 * digit and each %g switch between positional and exponent form is
 * crossed), 2e6 random bit patterns (fixed seed; U_FMT_COUNT=n changes
 * it) and 3e5 short decimals such as model data holds.
 *
 *   u-fmt --floats [threads [stride]]   all 2^32 floats widened to double
 *                              (or one in stride): (a) for each, (b) for
 *                              one in 16, (c) for one in 64 (minutes;
 *                              `make check-fmt-exhaustive`)
 */
#include <float.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "internal.h"

/* The formatter before issue 13, verbatim but for its name. */
static const char *old_fmt(double v, char *buf)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "inf" : "-inf";
	if (v == floor(v) && fabs(v) < 9007199254740992.0 && !(v == 0 && signbit(v))) {
		long long k = (long long)v;
		char tmp[24];
		int n = 0, neg = k < 0;
		unsigned long long u = neg ? (unsigned long long)(-k) : (unsigned long long)k;

		do {
			tmp[n++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (n <= 16) {
			int j = 0;

			if (neg)
				buf[j++] = '-';
			while (n)
				buf[j++] = tmp[--n];
			buf[j] = '\0';
			return buf;
		}
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static uint64_t bits_of(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static double of_bits(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/* Significant digits of a formatted number into dig (no leading or
 * trailing zeros), their count returned, *e10 so that value = dig 10^e10. */
static int sig_digits(const char *s, char *dig, int *e10)
{
	char all[40];
	int len = 0, pt = -1, lead = 0, n;
	long ex = 0;
	const char *p = s;

	if (*p == '-')
		p++;
	for (; *p && *p != 'e' && len < 39; p++) {
		if (*p == '.')
			pt = len;
		else
			all[len++] = *p;
	}
	if (*p == 'e')
		ex = strtol(p + 1, NULL, 10);
	if (pt < 0)
		pt = len;
	/* value = all (as an integer) 10^(pt - len + ex) */
	*e10 = (int)(pt - len + ex);
	while (lead < len && all[lead] == '0')
		lead++;
	n = len - lead;
	while (n > 0 && all[lead + n - 1] == '0') {
		n--;
		(*e10)++;
	}
	memcpy(dig, all + lead, (size_t)n);
	dig[n] = '\0';
	return n;
}

/* Does the decimal (digits dig, n of them, times 10^e10) plus add units in
 * the last place read back as v?  (add is 0 or 1; dig may carry over.) */
static int reads_back(const char *dig, int n, int e10, int add, double v)
{
	char s[64];
	int i;

	memcpy(s + 1, dig, (size_t)n);
	s[0] = '0';
	for (i = n; add && i >= 1; i--) {
		if (s[i] == '9') {
			s[i] = '0';
		} else {
			s[i]++;
			add = 0;
		}
	}
	if (add)
		s[0] = '1';
	snprintf(s + n + 1, sizeof(s) - (size_t)n - 1, "e%d", e10);
	double r = strtod(s, NULL);

	return bits_of(fabs(r)) == bits_of(fabs(v));
}

struct tally {
	unsigned long n, bad_a, bad_b, bad_c, shorter;
	char first[256];
};

static void note(struct tally *t, const char *what, double v, const char *got)
{
	if (!t->first[0])
		snprintf(t->first, sizeof(t->first), "%s: %a (%.17g) -> '%s'", what, v, v, got);
}

/* (a), (b) exactly, (c) when check_old; full: also every %.{p}g */
static void check_one(struct tally *t, double v, int check_old, int full, int check_short)
{
	char buf[32], obuf[32], dig[32], odig[32];
	const char *s = ty_fmt_double(v, buf);
	int e10, oe10, n;

	t->n++;
	if (isnan(v)) {
		if (strcmp(s, "NaN"))
			t->bad_a++, note(t, "NaN", v, s);
		return;
	}
	if (bits_of(strtod(s, NULL)) != bits_of(v)) {
		t->bad_a++;
		note(t, "(a) round trip", v, s);
		return;
	}
	if (isinf(v) || v == 0)
		return;
	n = sig_digits(s, dig, &e10);
	/* (b): the two multiples of 10^(e10 + 1) around the output */
	if (check_short && n > 1 && (reads_back(dig, n - 1, e10 + 1, 0, v) ||
		      reads_back(dig, n - 1, e10 + 1, 1, v))) {
		t->bad_b++;
		note(t, "(b) a shorter decimal reads back", v, s);
	}
	if (full) {
		for (int p = 1; p < n; p++) {
			char pb[400];

			snprintf(pb, sizeof(pb), "%.*g", p, v);
			if (strtod(pb, NULL) == v) {
				t->bad_b++;
				note(t, "(b) a shorter %g reads back", v, s);
				break;
			}
		}
	}
	if (check_old) {
		/* given (a) and (b), old_fmt printed %.{max(n,15)}g exactly when
		 * that equals s (it tried 15, 16, 17 and no shorter one reads
		 * back); so one snprintf settles the common case */
		char pb[400];

		snprintf(pb, sizeof(pb), "%.*g", n < 15 ? 15 : n, v);
		if (!strcmp(pb, s))
			return;
		const char *o = old_fmt(v, obuf);
		int on = sig_digits(o, odig, &oe10);

		if (on <= n && strcmp(o, s)) {
			t->bad_c++;
			note(t, "(c) differs from the old output", v, s);
		} else if (on > n) {
			t->shorter++;
		}
	}
}

static void report(const struct tally *t, const char *what)
{
	ok(t->bad_a == 0 && t->bad_b == 0 && t->bad_c == 0,
	   "%s: %lu values, round trip %lu bad, shortest %lu bad, old output %lu "
	   "changed (%lu now shorter)", what, t->n, t->bad_a, t->bad_b, t->bad_c,
	   t->shorter);
	if (t->first[0])
		tap_diag("first: %s", t->first);
}

static uint64_t rs = 0x9e3779b97f4a7c15ull;

/* splitmix64: the i-th value of a fixed sequence */
static uint64_t mix(uint64_t i)
{
	uint64_t z = 0x9e3779b97f4a7c15ull * (i + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	return mix(rs++);
}

static unsigned long rcount;

struct rjob {
	int part;
	struct tally t;
};

static void *random_worker(void *arg)
{
	struct rjob *j = arg;

	for (unsigned long i = (unsigned long)j->part; i < rcount; i += 2)
		check_one(&j->t, of_bits(mix(i)), 1, i < 50000, 1);
	return NULL;
}

/* --- all floats -------------------------------------------------------- */

static uint32_t fstride = 1;

struct fjob {
	uint32_t lo, hi;   /* [lo, hi] upper 16 bits of the float pattern */
	struct tally t;
};

static void *float_worker(void *arg)
{
	struct fjob *j = arg;

	for (uint64_t top = j->lo; top <= j->hi; top++)
		for (uint32_t low = 0; low < 65536; low++) {
			uint32_t fb = (uint32_t)(top << 16) | low;
			float f;

			memcpy(&f, &fb, sizeof(f));
			if (isnan(f) || low % fstride)
				continue;
			check_one(&j->t, (double)f, (low & 63) == 0, 0, (low & 15) == 0);
		}
	return NULL;
}

static int all_floats(int threads)
{
	struct fjob job[64];
	pthread_t th[64];
	struct tally sum;
	struct timespec t0, t1;

	if (threads < 1 || threads > 64)
		threads = 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(job, 0, sizeof(job));
	/* interleave ranges so both threads get a like mix of exponents */
	for (int i = 0; i < threads; i++) {
		job[i].lo = (uint32_t)(65536u * i / threads);
		job[i].hi = (uint32_t)(65536u * (i + 1) / threads - 1);
		pthread_create(&th[i], NULL, float_worker, &job[i]);
	}
	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		sum.n += job[i].t.n;
		sum.bad_a += job[i].t.bad_a;
		sum.bad_b += job[i].t.bad_b;
		sum.bad_c += job[i].t.bad_c;
		sum.shorter += job[i].t.shorter;
		if (!sum.first[0] && job[i].t.first[0])
			memcpy(sum.first, job[i].t.first, sizeof(sum.first));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	report(&sum, fstride == 1 ? "all 2^32 floats widened (shortness checked for "
	       "1 in 16, old output compared for 1 in 64)" : "floats widened, sampled");
	tap_diag("%d threads, %.0f s", threads,
		 (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

/* --- the default run --------------------------------------------------- */

static void exact(double v, const char *want)
{
	char buf[32];

	is_str(ty_fmt_double(v, buf), want, "%s", want);
}

int main(int argc, char **argv)
{
	char msg[200] = "";
	struct tally t;

	if (argc > 3)
		fstride = (uint32_t)strtoul(argv[3], NULL, 10);
	if (!fstride)
		fstride = 1;
	if (argc > 1 && !strcmp(argv[1], "--floats"))
		return all_floats(argc > 2 ? (int)strtol(argv[2], NULL, 10) : (int)sysconf(_SC_NPROCESSORS_ONLN));

	ok(ty_fmt_double_selfcheck(msg, sizeof(msg)) == 0,
	   "power-of-ten table and integer logarithms exact %s", msg);

	/* layout, as %.15g..%.17g printed it */
	exact(0.0, "0");
	exact(-0.0, "-0");
	exact(NAN, "NaN");
	exact(-NAN, "NaN");
	exact(INFINITY, "inf");
	exact(-INFINITY, "-inf");
	exact(1.0, "1");
	exact(-42.0, "-42");
	exact(1e15, "1000000000000000");
	exact(9007199254740991.0, "9007199254740991");
	exact(9007199254740992.0, "9007199254740992");
	exact(9007199254740994.0, "9007199254740994");
	exact(1e16, "1e+16");
	exact(1.5e16, "1.5e+16");
	exact(123456789012345680.0, "1.2345678901234568e+17");
	exact(1e23, "1e+23");
	exact(0.1, "0.1");
	exact(-0.5, "-0.5");
	exact(1.0 / 3, "0.3333333333333333");
	exact(2.0 / 3, "0.6666666666666666");
	exact(0.0001, "0.0001");
	exact(0.00012345, "0.00012345");
	exact(0.00001, "1e-05");
	exact(1.25e-5, "1.25e-05");
	exact(12345.678, "12345.678");
	exact(0.0361234567890123, "0.0361234567890123");
	exact(123456789012345.6, "123456789012345.6");
	exact(1234567890123456.7, "1234567890123456.8");
	exact(DBL_MAX, "1.7976931348623157e+308");
	exact(DBL_MIN, "2.2250738585072014e-308");
	exact(-DBL_MIN, "-2.2250738585072014e-308");
	exact(of_bits(1), "5e-324");
	exact(of_bits(2), "1e-323");
	exact(of_bits(3), "1.5e-323");
	exact(of_bits(0x000fffffffffffffull), "2.225073858507201e-308");
	exact(1e-300, "1e-300");
	exact(1e300, "1e+300");
	exact(5e-310, "5e-310");
	exact(1e100, "1e+100");
	exact(0.3, "0.3");
	exact(0.1 + 0.2, "0.30000000000000004");
	/* shorter than before: the closest 16 digits fall in the narrow gap */
	exact(ldexp(1.0, -1017), "7.120236347223045e-307");

	/* the hard cases, each with (b) against every %.{p}g */
	memset(&t, 0, sizeof(t));
	{
		double hard[] = {
			0.0, -0.0, DBL_MIN, DBL_MAX, -DBL_MAX, 1e23, 9e15, 0.1,
			1.0 / 3, 2.0 / 3, 0.2, 0.3, 0.7, 1e-5, 1e21, 1e22, 5e-324,
			9007199254740993.0, 4.9406564584124654e-324,
			2.2250738585072009e-308, 2.2250738585072011e-308,
			1.7976931348623157e308, 0.0361234567890123, 12345.678,
		};

		for (size_t i = 0; i < TY_ARRAY_SIZE(hard); i++) {
			check_one(&t, hard[i], 1, 1, 1);
			check_one(&t, -hard[i], 1, 1, 1);
			check_one(&t, nextafter(hard[i], INFINITY), 1, 1, 1);
			check_one(&t, nextafter(hard[i], -INFINITY), 1, 1, 1);
		}
		/* subnormals: the first and last 4096, and spread */
		for (uint64_t b = 1; b <= 4096; b++) {
			check_one(&t, of_bits(b), 1, 1, 1);
			check_one(&t, of_bits(0x0010000000000000ull - b), 1, 1, 1);
		}
		for (uint64_t b = 1; b < 0x0010000000000000ull; b = b * 3 + 1)
			check_one(&t, of_bits(b), 1, 1, 1);
		/* every power of two and its neighbours */
		for (int e = -1074; e <= 1023; e++) {
			double p = ldexp(1.0, e);

			check_one(&t, p, 1, 1, 1);
			check_one(&t, nextafter(p, 0), 1, 1, 1);
			check_one(&t, nextafter(p, INFINITY), 1, 1, 1);
		}
		/* powers of ten (as strtod reads them) and neighbours */
		for (int e = -323; e <= 308; e++) {
			char s[16];
			double p;

			snprintf(s, sizeof(s), "1e%d", e);
			p = strtod(s, NULL);
			check_one(&t, p, 1, 1, 1);
			check_one(&t, nextafter(p, 0), 1, 1, 1);
			check_one(&t, nextafter(p, INFINITY), 1, 1, 1);
			for (int i = 0; i < 3; i++) {
				p = nextafter(p, 0);
				check_one(&t, p, 1, 1, 1);
			}
		}
		/* around 2^53 */
		for (double v = 9007199254740992.0 - 64; v <= 9007199254740992.0 + 256;
		     v = nextafter(v, INFINITY))
			check_one(&t, v, 1, 1, 1);
	}
	report(&t, "hard cases");

	/* the layouts: every digit count n = 1..17 at every decimal exponent
	 * from -8 to 20 (0.000ddd, dd.ddd with the point after each digit,
	 * ddd00, d.ddde+XX on both sides of each boundary), and at the ends
	 * of the range; random digits, the last one nonzero, both signs */
	memset(&t, 0, sizeof(t));
	for (int n = 1; n <= 17; n++) {
		for (int x = -330; x <= 310; x++) {
			int reps = (x >= -8 && x <= 20) ? 40 : (x < -300 || x > 290) ? 4 : 0;

			for (int r = 0; r < reps; r++) {
				char s[64];
				int k = 0;
				double v;

				s[k++] = (char)('1' + rnd() % 9);
				if (n > 1)
					s[k++] = '.';
				for (int i = 1; i < n; i++)
					s[k++] = (char)(i == n - 1 ? '1' + rnd() % 9 : '0' + rnd() % 10);
				snprintf(s + k, sizeof(s) - (size_t)k, "e%d", x);
				v = strtod(s, NULL);
				if (v == 0 || isinf(v))
					continue;
				check_one(&t, v, 1, 0, 1);
				check_one(&t, -v, 1, 0, 1);
			}
		}
	}
	ok(t.n > 2 * 17 * 29 * 30, "layout sweep covers every digit count and exponent (%lu values)",
	   (unsigned long)t.n);
	report(&t, "layouts (n digits at exponent x)");

	/* random bit patterns, on two threads */
	{
		const char *env = getenv("U_FMT_COUNT");
		struct rjob rj[2];
		pthread_t th[2];

		rcount = env ? strtoul(env, NULL, 10) : 2000000ul;
		memset(rj, 0, sizeof(rj));
		for (int i = 0; i < 2; i++) {
			rj[i].part = i;
			pthread_create(&th[i], NULL, random_worker, &rj[i]);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		t = rj[0].t;
		t.n += rj[1].t.n;
		t.bad_a += rj[1].t.bad_a;
		t.bad_b += rj[1].t.bad_b;
		t.bad_c += rj[1].t.bad_c;
		t.shorter += rj[1].t.shorter;
		if (!t.first[0])
			memcpy(t.first, rj[1].t.first, sizeof(t.first));
		report(&t, "random bit patterns (every %.{p}g for the first 5e4)");
	}

	/* short decimals, as in model data: d digits, exponent -8..8 */
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 300000; i++) {
		char s[40];
		int d = 1 + (int)(rnd() % 17);
		uint64_t m = rnd() % 100000000000000000ull;
		uint64_t pw = 1;

		for (int j = 0; j < d; j++)
			pw *= 10;
		snprintf(s, sizeof(s), "%llue%d", (unsigned long long)(m % pw),
			 (int)(rnd() % 17) - 8 - d);
		check_one(&t, strtod(s, NULL), 1, i < 30000, 1);
	}
	report(&t, "short decimals (every %.{p}g for the first 3e4)");

	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
