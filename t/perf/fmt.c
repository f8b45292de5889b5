/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fmt.c - ns per call of ty_fmt_double (lib/fmt-double.c, shortest digits)
 * against the printf-based formatter it replaced (%.15g, %.16g, %.17g each
 * checked with strtod), on random bit patterns and on values like model
 * outputs (0.0361234567890123, 12345.678, results of arithmetic).
 *
 * Each set is formatted in full by both before timing, so the table
 * building at first use is not counted; a checksum of the output lengths
 * keeps the compiler from dropping the calls.  FMT_N=n changes the count
 * (default 1e6 per set).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t mix(uint64_t i)
{
	uint64_t z = 0x9e3779b97f4a7c15ull * (i + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double run(const char *(*fn)(double, char *), const double *v, size_t n,
		  size_t *sum)
{
	char buf[32];
	double t0 = now();

	for (size_t i = 0; i < n; i++)
		*sum += strlen(fn(v[i], buf));
	return (now() - t0) / (double)n * 1e9;
}

static void bench(const char *name, const double *v, size_t n)
{
	size_t sum = 0;
	double to, tn;

	run(old_fmt, v, n / 10, &sum);
	run(ty_fmt_double, v, n / 10, &sum);
	to = run(old_fmt, v, n, &sum);
	tn = run(ty_fmt_double, v, n, &sum);
	printf("%-34s old %7.1f ns  new %6.1f ns  old/new %5.1fx  (%zu)\n",
	       name, to, tn, to / tn, sum % 10);
}

int main(void)
{
	const char *env = getenv("FMT_N");
	size_t n = env ? strtoul(env, NULL, 10) : 1000000;
	double *v = malloc((n ? n : 1) * sizeof(double));

	if (!v || !n)
		return 1;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = mix(i);

		memcpy(&v[i], &b, sizeof(b));
		if (isnan(v[i]))
			v[i] = 1.5;
	}
	bench("random bit patterns", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (double)(mix(i) >> 11) / 9007199254740992.0;
	bench("uniform [0,1) (17 digits)", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = i % 2 ? 0.0361234567890123 : 12345.678;
	bench("0.0361234567890123 / 12345.678", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (double)(mix(i) % 100000) / 1000.0;
	bench("3-decimal data (12.345)", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (double)(mix(i) % 1000000) * 0.0001 * 1.07;
	bench("products (x * 0.0001 * 1.07)", v, n);
	free(v);
	return 0;
}
