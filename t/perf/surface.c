/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * surface.c (benchmark) - issue 4: evaluate tranches and fit the surface
 * for pv-residential-simple at N = 1e3, 1e4, 1e5; explore from a warm
 * surface (3 categories x 3 metrics x 1e4 samples, mean + q10 + q90) and
 * cold (read the cache file + explore).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tyche.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of this process: unlike wall time, not inflated by other
 * jobs on a shared machine. */
static double cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
	const char *top = getenv("TOP") ? getenv("TOP") : ".";
	const char *ref = getenv("TYCHE_SHARED");
	char ctxpath[4096], models[4096], cachedir[] = "/tmp/tyche-perf-XXXXXX";
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	size_t ns[] = { 1000, 10000, 100000 };

	snprintf(ctxpath, sizeof ctxpath, "%s/tyche/pv-residential-simple",
		 ref ? ref : "../shared/reference");
	snprintf(models, sizeof models, "%s/models", top);
	lo.model_path = models;
	if (tyche_context_load(&ctx, ctxpath, &lo, &d)) {
		printf("surface: %s not loadable, skipped\n", ctxpath);
		tyche_diags_release(&d);
		return 0;
	}
	if (!mkdtemp(cachedir))
		return 1;
	for (size_t k = 0; k < 3; k++) {
		tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
		tyche_surface *s = NULL;
		double t0 = now();

		o.samples = ns[k];
		o.cache_dir = "";
		if (tyche_surface_build(&s, ctx, &o, NULL, &err))
			return 1;
		printf("tranches + surface, N=%zu: %.1f ms\n", ns[k], (now() - t0) * 1e3);
		tyche_surface_free(s);
	}
	{
		tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
		tyche_surface *s = NULL;
		tyche_stat st[3];
		size_t C, M, N, reps = 2000;
		double *amt, *tot, *work, sink = 0, t0, c0;
		char *path;

		o.samples = 10000;
		o.cache_dir = cachedir;
		tyche_stat_parse(&st[0], "mean", &err);
		tyche_stat_parse(&st[1], "q10", &err);
		tyche_stat_parse(&st[2], "q90", &err);
		if (tyche_surface_build(&s, ctx, &o, NULL, &err))
			return 1;
		C = tyche_surface_ncategories(s);
		M = tyche_surface_nmetrics(s);
		N = tyche_surface_nsamples(s);
		amt = calloc(C, sizeof(double));
		tot = calloc(M * N, sizeof(double));
		work = calloc(N, sizeof(double));
		t0 = now();
		c0 = cpu();
		for (size_t r = 0; r < reps; r++) {
			for (size_t c = 0; c < C; c++)
				amt[c] = tyche_surface_max_amount(s, c) * (double)(r % 10) / 10.0;
			tyche_surface_eval(s, amt, tot, NULL);
			for (size_t m = 0; m < M; m++)
				for (int k = 0; k < 3; k++)
					sink += tyche_stat_eval(&st[k], tot + m * N, N, work);
		}
		printf("explore warm (%zu categories x %zu metrics x %zu samples, mean+q10+q90): %.3f ms (%.3f ms CPU)\n",
		       C, M, N, (now() - t0) * 1e3 / (double)reps, (cpu() - c0) * 1e3 / (double)reps);
		/* as tyche-run explore does it: one call per metric */
		t0 = now();
		c0 = cpu();
		for (size_t r = 0; r < reps; r++) {
			double out[3];

			for (size_t c = 0; c < C; c++)
				amt[c] = tyche_surface_max_amount(s, c) * (double)(r % 10) / 10.0;
			tyche_surface_eval(s, amt, tot, NULL);
			for (size_t m = 0; m < M; m++) {
				tyche_stat_eval_many(st, 3, tot + m * N, N, work, out);
				sink += out[0] + out[1] + out[2];
			}
		}
		printf("explore warm, tyche_stat_eval_many: %.3f ms (%.3f ms CPU)   target < 1 ms\n",
		       (now() - t0) * 1e3 / (double)reps, (cpu() - c0) * 1e3 / (double)reps);
		t0 = now();
		c0 = cpu();
		for (size_t r = 0; r < reps; r++) {
			tyche_surface_eval(s, amt, tot, NULL);
			sink += tot[r % (M * N)];
		}
		printf("explore warm, surface evaluation only: %.3f ms (%.3f ms CPU)\n",
		       (now() - t0) * 1e3 / (double)reps, (cpu() - c0) * 1e3 / (double)reps);
		path = tyche_surface_cache_path(ctx, &o);
		tyche_surface_free(s);
		t0 = now();
		for (size_t r = 0; r < 200; r++) {
			tyche_surface *s2 = NULL;

			if (tyche_surface_read(&s2, path, &err))
				return 1;
			tyche_surface_eval(s2, amt, tot, NULL);
			for (size_t m = 0; m < M; m++)
				for (int k = 0; k < 3; k++)
					sink += tyche_stat_eval(&st[k], tot + m * N, N, work);
			tyche_surface_free(s2);
		}
		printf("explore cold (read cache file + explore): %.3f ms\n", (now() - t0) * 1e3 / 200.0);
		if (sink == 12345.678)
			printf("#\n");
		free(path);
		free(amt);
		free(tot);
		free(work);
	}
	{
		char cmd[4200];

		snprintf(cmd, sizeof cmd, "rm -rf %s", cachedir);
		if (system(cmd))
			return 1;
	}
	tyche_context_free(ctx);
	tyche_diags_release(&d);
	return 0;
}
