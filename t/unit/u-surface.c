/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-surface.c - tyche_surface_open finds the cached surface without
 * loading the context (the quick hash equals the full one), and never
 * trusts a cache of other contents.  And (issue 12) a build stopped by
 * the process's work budget returns TYCHE_ETIMEOUT promptly, writes no
 * cache file and releases the cache lock, so the next build succeeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "surface.h"
#include "tap.h"

static int same_eval(const tyche_surface *a, const tyche_surface *b)
{
	size_t C = tyche_surface_ncategories(a), M = tyche_surface_nmetrics(a),
	       N = tyche_surface_nsamples(a);
	double *amt = calloc(C, sizeof(double)), *x = calloc(M * N, sizeof(double)),
	       *y = calloc(M * N, sizeof(double));
	int same;

	for (size_t c = 0; c < C; c++)
		amt[c] = 0.4 * tyche_surface_max_amount(a, c);
	tyche_surface_eval(a, amt, x, NULL);
	tyche_surface_eval(b, amt, y, NULL);
	same = C == tyche_surface_ncategories(b) && !memcmp(x, y, M * N * sizeof(double));
	free(amt);
	free(x);
	free(y);
	return same;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Files in dir other than lock files (a cache file or a leftover .tmp). */
static int cache_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !strstr(e->d_name, ".lock"))
			n++;
	closedir(d);
	return n;
}

static void test_budget(tyche_context *ctx, const char *dir)
{
	tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_surface *s = NULL;
	tyche_error err = { 0 };
	char cache[4200];
	int from_cache = -1, rc;
	double t0;

	snprintf(cache, sizeof cache, "%s/budget-cache", dir);
	o.cache_dir = cache;
	o.seed = 9;
	o.samples = 64;
	tyche_budget_set(1e-9, 1e-9);
	t0 = cpu_now();
	rc = tyche_surface_build(&s, ctx, &o, &from_cache, &err);
	ok(rc == TYCHE_ETIMEOUT && !s && strstr(err.msg, "ran out"),
	   "a spent budget stops the build: %s", err.msg);
	ok(cpu_now() - t0 < 2, "at once (%.3f CPU s)", cpu_now() - t0);
	ok(cache_files(cache) == 0, "and leaves no cache file");

	/* running out in the middle of a large build, with worker threads */
	o.samples = 2000000;
	o.threads = 2;
	tyche_budget_set(0.2, 0.2);
	t0 = cpu_now();
	rc = tyche_surface_build(&s, ctx, &o, &from_cache, &err);
	ok(rc == TYCHE_ETIMEOUT && !s && strstr(err.msg, "budget of 0.2 s ran out"),
	   "the budget stops a 2e6-sample build: %s", err.msg);
	ok(cpu_now() - t0 < 2, "promptly (%.3f CPU s)", cpu_now() - t0);
	ok(cache_files(cache) == 0, "no partial cache file");
	tyche_surface_free(s);
	s = NULL;

	/* no budget: the lock was released and the build succeeds and caches */
	tyche_budget_set(0, 0);
	o.samples = 64;
	o.nowait = 1;   /* a lock still held would give TYCHE_EBUSY */
	rc = tyche_surface_build(&s, ctx, &o, &from_cache, &err);
	ok(rc == 0 && s && from_cache == 0, "the next build succeeds (rc %d: %s)", rc,
	   rc ? err.msg : "");
	tyche_surface_free(s);
	s = NULL;
	rc = tyche_surface_build(&s, ctx, &o, &from_cache, &err);
	ok(rc == 0 && s && from_cache == 1, "and its cache file is sound");
	tyche_surface_free(s);
}

int main(void)
{
	char dir[] = "/tmp/u-surface-XXXXXX", cache[4200], ctxdir[4200], cmd[9000];
	const char *ex = "../examples/electrolysis";
	tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_surface *s1 = NULL, *s2 = NULL, *s3 = NULL;
	tyche_error err = { 0 };
	int from_cache = -1;

	if (access(ex, R_OK))
		ex = "examples/electrolysis";
	if (!mkdtemp(dir))
		return 1;
	snprintf(cache, sizeof cache, "%s/cache", dir);
	snprintf(ctxdir, sizeof ctxdir, "%s/ctx", dir);
	snprintf(cmd, sizeof cmd, "cp -R '%s' '%s'", ex, ctxdir);
	ok(system(cmd) == 0, "copy the example");
	o.samples = 64;
	o.seed = 5;
	o.cache_dir = cache;

	ok(tyche_context_load(&ctx, ctxdir, NULL, NULL) == 0, "the example loads");
	ok(tyche_surface_build(&s1, ctx, &o, &from_cache, &err) == 0 && from_cache == 0,
	   "first build is not from the cache");
	ok(tyche_surface_open(&s2, ctxdir, NULL, &o, NULL, &err) == 0, "open succeeds");
	ok(s2 && s2->blob != NULL, "open reads the cache file (no rebuild)");
	ok(s2 && !strcmp(tyche_surface_context_hash(s2), tyche_context_hash(ctx)),
	   "the quick hash is the context hash");
	ok(s2 && same_eval(s1, s2), "cached and built surfaces agree");
	tyche_surface_free(s2);

	/* other contents: the cache must not be used */
	snprintf(cmd, sizeof cmd,
		 "sed -i 's/^Alkaline electrolysis,Stack Ambitious,Stack cost,2,.*$/"
		 "Alkaline electrolysis,Stack Ambitious,Stack cost,2,250,$\\/kW,/' '%s/parameters.csv'",
		 ctxdir);
	ok(system(cmd) == 0, "change one parameter");
	ok(tyche_surface_open(&s3, ctxdir, NULL, &o, NULL, &err) == 0, "open after a change");
	ok(s3 && s3->blob == NULL, "a changed context is rebuilt, not read from the cache");
	ok(s3 && strcmp(tyche_surface_context_hash(s3), tyche_context_hash(ctx)),
	   "with a new hash");
	ok(s3 && !same_eval(s1, s3), "and new values");
	tyche_surface_free(s3);
	s3 = NULL;
	ok(tyche_surface_open(&s3, ctxdir, NULL, &o, NULL, &err) == 0 && s3 && s3->blob,
	   "the rebuilt surface is cached in turn");
	tyche_surface_free(s3);

	/* a context that does not load is an error, not a stale surface */
	snprintf(cmd, sizeof cmd, "rm '%s/results.csv'", ctxdir);
	ok(system(cmd) == 0, "remove a table");
	s3 = NULL;
	ok(tyche_surface_open(&s3, ctxdir, NULL, &o, NULL, &err) == TYCHE_EDATA && !s3,
	   "a broken context gives TYCHE_EDATA: %s", err.msg);

	test_budget(ctx, dir);
	tyche_surface_free(s1);
	tyche_context_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		return 1;
	return tap_done();
}
