/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * t/perf/plot.c - time to render the plots a browser asks for most: a
 * violin of 9 groups x 1e4 samples (targets < 100 ms: tyche.cgi renders
 * it per request), the same data as box and density plots, and an
 * annotated 20 x 8 heatmap (target < 10 ms).
 *
 * The samples are skewed (lognormal-like) and fixed by a small LCG, so
 * runs are comparable; the figure is the median of REPS renders (env
 * REPS, default 15), not the mean, so one scheduler hiccup does not
 * move it.  Exits 1 when a target is missed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tyche.h"

#define NG 9
#define NS 10000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t lcg = 88172645463325252ull;

static double uniform(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return ((double)(lcg >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

typedef int (*group_fn)(char **, const tyche_plot_group *, size_t,
			const tyche_plot_opts *, tyche_error *);

/* Median time (ms) of reps renders; *bytes gets the document size. */
static double time_groups(group_fn fn, const tyche_plot_group *g, int reps,
			  size_t *bytes)
{
	double t[64];
	tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;

	o.title = "LCOE by funding level";
	o.ylabel = "LCOE (USD/MWh)";
	for (int r = 0; r < reps; r++) {
		char *svg = NULL;
		tyche_error err = { 0 };
		double t0 = now_ms();

		if (fn(&svg, g, NG, &o, &err)) {
			fprintf(stderr, "plot: %s\n", err.msg);
			exit(1);
		}
		t[r] = now_ms() - t0;
		*bytes = strlen(svg);
		free(svg);
	}
	qsort(t, (size_t)reps, sizeof(double), cmp_double);
	return t[reps / 2];
}

int main(void)
{
	static double v[NG][NS], hv[20 * 8], mn[8], mx[8];
	static char labels[NG][32], rl[20][32], cl[8][32];
	const char *rowp[20], *colp[8];
	const char *env = getenv("REPS");
	int reps = env ? (int)strtol(env, NULL, 10) : 15, fail = 0;
	tyche_plot_group g[NG];
	double t[64], ms;
	size_t bytes = 0;

	if (reps < 1)
		reps = 1;
	if (reps > 64)
		reps = 64;
	for (int i = 0; i < NG; i++) {
		snprintf(labels[i], sizeof(labels[i]), "Tranche %d", i + 1);
		for (int j = 0; j < NS; j++) {
			/* Box-Muller normal, exponentiated: a right-skewed cost */
			double z = sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());

			v[i][j] = 40 + 5 * i + 10 * exp(0.4 * z);
		}
		g[i].label = labels[i];
		g[i].v = v[i];
		g[i].n = NS;
	}
	ms = time_groups(tyche_plot_violin, g, reps, &bytes);
	printf("plot: violin 9 x 1e4 samples   %8.2f ms  (%zu bytes, target < 100 ms)\n",
	       ms, bytes);
	fail |= ms >= 100;
	ms = time_groups(tyche_plot_box, g, reps, &bytes);
	printf("plot: box 9 x 1e4 samples      %8.2f ms  (%zu bytes)\n", ms, bytes);
	ms = time_groups(tyche_plot_density, g, reps, &bytes);
	printf("plot: density 9 x 1e4 samples  %8.2f ms  (%zu bytes)\n", ms, bytes);

	for (int c = 0; c < 8; c++) {
		snprintf(cl[c], sizeof(cl[c]), "Metric %d (units)", c + 1);
		colp[c] = cl[c];
		mn[c] = 0;
		mx[c] = 100 * (c + 1);
	}
	for (int r = 0; r < 20; r++) {
		snprintf(rl[r], sizeof(rl[r]), "Portfolio %d", r + 1);
		rowp[r] = rl[r];
		for (int c = 0; c < 8; c++)
			hv[r * 8 + c] = (r * 7 + c * 13) % 17 == 0 ? NAN :
				uniform() * 100 * (c + 1);
	}
	for (int r = 0; r < reps; r++) {
		tyche_plot_heat h = { 20, 8, hv, rowp, colp, mn, mx, 0 };
		tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;
		tyche_error err = { 0 };
		char *svg = NULL;
		double t0;

		o.title = "Portfolio metrics";
		o.show_values = 1;
		t0 = now_ms();
		if (tyche_plot_heatmap(&svg, &h, &o, &err)) {
			fprintf(stderr, "plot: %s\n", err.msg);
			return 1;
		}
		t[r] = now_ms() - t0;
		bytes = strlen(svg);
		free(svg);
	}
	qsort(t, (size_t)reps, sizeof(double), cmp_double);
	printf("plot: heatmap 20 x 8 annotated %8.2f ms  (%zu bytes, target < 10 ms)\n",
	       t[reps / 2], bytes);
	fail |= t[reps / 2] >= 10;
	return fail;
}
