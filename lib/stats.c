/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stats.c - named statistics of a metric over samples.
 *
 * Quantiles use linear interpolation between order statistics (numpy's
 * and GSL's default, h = (n - 1) p), found by selection in O(n) rather
 * than by sorting, because explore and the optimiser ask for them on
 * every call.  Any NaN sample makes the statistic NaN: a silently dropped
 * sample would change the distribution an analyst sees.
 */
#include <ctype.h>
#include <math.h>
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

/* Rearrange v so that v[k] is the k-th smallest (Hoare selection with a
 * median-of-three pivot). */
static void select_k(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double a = v[lo], b = v[mid], c = v[hi], pivot;

		pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* Quantile with linear interpolation; w is a scratch copy of v. */
static double quantile(const double *v, size_t n, double p, double *w)
{
	double h = (double)(n - 1) * p, lo, hi, frac;
	size_t k;

	if (n == 1)
		return v[0];
	memcpy(w, v, n * sizeof(double));
	k = (size_t)floor(h);
	if (k >= n - 1)
		k = n - 1;
	select_k(w, n, k);
	lo = w[k];
	frac = h - (double)k;
	if (frac == 0 || k == n - 1)
		return lo;
	hi = w[k + 1];
	for (size_t i = k + 2; i < n; i++)
		if (w[i] < hi)
			hi = w[i];
	return lo + (hi - lo) * frac;
}

double tyche_stat_eval(const tyche_stat *st, const double *v, size_t n, double *work)
{
	double r = NAN, *w = work;
	int own = 0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (isnan(v[i]))
			return NAN;
	switch (st->kind) {
	case TYCHE_STAT_MEAN:
		return gsl_stats_mean(v, 1, n);
	case TYCHE_STAT_STD:
		return n > 1 ? gsl_stats_sd(v, 1, n) : NAN;
	case TYCHE_STAT_MIN:
		return gsl_stats_min(v, 1, n);
	case TYCHE_STAT_MAX:
		return gsl_stats_max(v, 1, n);
	case TYCHE_STAT_PGT:
	case TYCHE_STAT_PLT: {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			k += st->kind == TYCHE_STAT_PGT ? v[i] > st->p : v[i] < st->p;
		return (double)k / (double)n;
	}
	default:
		break;
	}
	if (!w) {
		w = malloc(n * sizeof(double));
		if (!w)
			return NAN;
		own = 1;
	}
	switch (st->kind) {
	case TYCHE_STAT_QUANTILE:
		r = quantile(v, n, st->p, w);
		break;
	case TYCHE_STAT_VAR:
		r = quantile(v, n, 1.0 - st->p, w);
		break;
	case TYCHE_STAT_CVAR: {
		double q = quantile(v, n, 1.0 - st->p, w), sum = 0;
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (v[i] <= q) {
				sum += v[i];
				k++;
			}
		r = k ? sum / (double)k : q;
		break;
	}
	default:
		break;
	}
	if (own)
		free(w);
	return r;
}
