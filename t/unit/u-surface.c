/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-surface.c - tyche_surface_open finds the cached surface without
 * loading the context (the quick hash equals the full one), and never
 * trusts a cache of other contents.  And (issue 12) a build stopped by
 * the process's work budget returns TYCHE_ETIMEOUT promptly, writes no
 * cache file and releases the cache lock, so the next build succeeds.
 * And (issue 13) tyche_cache_invalidate removes one context's surface and
 * bounds files of every sample count and seed, by name or by path, and
 * keeps other contexts' files (also one whose name starts with the same
 * letters), lock files and foreign files; NULL removes every context's.
 * And (issue 17) with map_cache the cache file is mapped, not copied:
 * the same values, and a truncated, changed or empty file is refused.
 * A memo (tyche_analysis_opts.memo) shared by results and surfaces gives
 * the same bits as none, answers repeated scenarios, and misses for
 * another seed, design, sample count or version of the context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "eval.h"
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

static int exists(const char *path)
{
	return path && access(path, F_OK) == 0;
}

static void touch(const char *dir, const char *name)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f)
		fclose(f);
}

static void test_invalidate(const tyche_context *ctx, const char *dir, const char *ex)
{
	tyche_analysis_opts o1 = TYCHE_ANALYSIS_OPTS_INIT, o2 = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_context *other = NULL;
	tyche_surface *s = NULL;
	tyche_error err = { 0 };
	char cache[4200], odir[4200], cmd[9000], lock[4300], foreign[4300], junk[4300];
	char *p1, *p2, *b1, *po;
	double lo[64], hi[64];
	int rc;

	snprintf(cache, sizeof cache, "%s/inv-cache", dir);
	/* a context whose name starts with "ctx-": its files must stay */
	snprintf(odir, sizeof odir, "%s/ctx-b", dir);
	snprintf(cmd, sizeof cmd, "cp -R '%s' '%s'", ex, odir);
	ok(system(cmd) == 0 && tyche_context_load(&other, odir, NULL, NULL) == 0,
	   "a second context, ctx-b");
	o1.cache_dir = o2.cache_dir = cache;
	o1.samples = 16;
	o1.seed = 1;
	o2.samples = 24;
	o2.seed = 2;
	p1 = tyche_surface_cache_path(ctx, &o1);
	p2 = tyche_surface_cache_path(ctx, &o2);
	b1 = ty_cache_bounds_path(ctx, &o1);
	po = other ? tyche_surface_cache_path(other, &o1) : NULL;
	ok(tyche_surface_build(&s, ctx, &o1, NULL, &err) == 0, "build: 16 samples");
	ok(s && tyche_surface_nmetrics(s) <= 64 &&
	   tyche_opt_bounds_cached(ctx, s, &o1, lo, hi, NULL, &err) == 0,
	   "its metric bounds are cached: %s", err.msg);
	tyche_surface_free(s);
	s = NULL;
	ok(tyche_surface_build(&s, ctx, &o2, NULL, &err) == 0, "build: 24 samples, seed 2");
	tyche_surface_free(s);
	s = NULL;
	ok(other && tyche_surface_build(&s, other, &o1, NULL, &err) == 0, "build ctx-b");
	tyche_surface_free(s);
	s = NULL;
	ok(exists(p1) && exists(p2) && exists(b1) && exists(po), "four cache files exist");
	snprintf(lock, sizeof lock, "%s.lock", p1);
	ok(exists(lock), "and the lock file of the build");
	touch(cache, "notes.txt");
	touch(cache, "ctx-0123.tysurf");          /* not NAME-24 hex digits */
	snprintf(foreign, sizeof foreign, "%s/notes.txt", cache);
	snprintf(junk, sizeof junk, "%s/ctx-0123.tysurf", cache);

	rc = tyche_cache_invalidate(cache, tyche_context_name(ctx), &err);
	ok(rc == 0, "invalidate ctx by name (rc %d: %s)", rc, err.msg);
	ok(!exists(p1) && !exists(p2), "its surfaces of both settings are gone");
	ok(!exists(b1), "and its bounds file");
	ok(exists(po), "ctx-b's surface stays");
	ok(exists(lock) && exists(foreign) && exists(junk),
	   "lock files and files of other shapes stay");

	/* by the context's path, with a trailing slash */
	ok(tyche_surface_build(&s, ctx, &o1, NULL, &err) == 0 && exists(p1), "rebuilt");
	tyche_surface_free(s);
	s = NULL;
	snprintf(odir, sizeof odir, "%s/ctx/", dir);
	ok(tyche_cache_invalidate(cache, odir, &err) == 0 && !exists(p1) && exists(po),
	   "invalidate by the context's folder path");

	/* NULL: every context's files (as tyche-fetch needs after a release) */
	ok(tyche_surface_build(&s, ctx, &o2, NULL, &err) == 0 && exists(p2), "rebuilt");
	tyche_surface_free(s);
	ok(tyche_cache_invalidate(cache, NULL, &err) == 0, "invalidate every context");
	ok(!exists(p2) && !exists(po) && !exists(junk), "every surface file is gone");
	ok(exists(lock) && exists(foreign), "locks and other files stay");

	ok(tyche_cache_invalidate("", "ctx", &err) == 0, "\"\" (no cache) is nothing to do");
	snprintf(cmd, sizeof cmd, "%s/no-such-folder", dir);
	ok(tyche_cache_invalidate(cmd, "ctx", &err) == 0, "a cache folder not made yet is fine");
	free(p1);
	free(p2);
	free(b1);
	free(po);
	tyche_context_free(other);
}

static int same_rows(const tyche_results *a, const tyche_results *b)
{
	size_t N = tyche_results_nsamples(a);

	if (tyche_results_nrows(a) != tyche_results_nrows(b) || N != tyche_results_nsamples(b))
		return 0;
	for (size_t r = 0; r < tyche_results_nrows(a); r++)
		if (memcmp(tyche_results_values(a, r), tyche_results_values(b, r),
			   N * sizeof(double)))
			return 0;
	return 1;
}

/* The same analyses with and without a memo: the same bits. */
static int memo_agrees(const tyche_context *ctx, tyche_analysis_opts o, tyche_eval_memo *m,
		       int kind)
{
	tyche_results *r0 = NULL, *r1 = NULL;
	tyche_surface *s0 = NULL, *s1 = NULL;
	tyche_error err = { 0 };
	int same;

	o.memo = NULL;
	same = !tyche_results_compute(&r0, ctx, kind, &o, &err) &&
	       !tyche_surface_build(&s0, ctx, &o, NULL, &err);
	o.memo = m;
	same = same && !tyche_results_compute(&r1, ctx, kind, &o, &err) &&
	       !tyche_surface_build(&s1, ctx, &o, NULL, &err) && same_rows(r0, r1) &&
	       same_eval(s0, s1);
	tyche_results_free(r0);
	tyche_results_free(r1);
	tyche_surface_free(s0);
	tyche_surface_free(s1);
	return same;
}

static void test_memo(const tyche_context *ctx, const char *ex)
{
	tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_eval_memo *m = tyche_eval_memo_create();
	tyche_context *other = NULL;
	size_t n0, h0, n1, h1;

	o.samples = 48;
	o.seed = 9;
	o.cache_dir = "";
	ok(m != NULL, "a memo");
	ok(memo_agrees(ctx, o, m, TYCHE_RESULTS_SCENARIOS),
	   "scenario results and a surface through a memo: the same bits as without");
	ty_eval_memo_count(m, &n0, &h0);
	ok(n0 > 0 && h0 > 0, "the memo kept %zu scenarios and answered %zu times", n0, h0);
	ok(memo_agrees(ctx, o, m, TYCHE_RESULTS_INVESTMENTS), "investments too");
	ty_eval_memo_count(m, &n1, &h1);
	ok(n1 == n0 && h1 > h0, "from the memo alone (%zu scenarios, %zu answers)", n1, h1);
	o.seed = 10;
	ok(memo_agrees(ctx, o, m, TYCHE_RESULTS_SCENARIOS), "another seed: the same bits as without");
	o.seed = 9;
	o.samples = 40;
	ok(memo_agrees(ctx, o, m, TYCHE_RESULTS_SCENARIOS), "another sample count too");
	o.samples = 48;
	o.design = TYCHE_DESIGN_LHS;
	ok(memo_agrees(ctx, o, m, TYCHE_RESULTS_SCENARIOS), "another design too");
	ty_eval_memo_count(m, &n1, &h1);
	ok(n1 == 4 * n0, "each kept apart: %zu scenarios", n1);
	o.design = 0;
	/* the same folder loaded again is another context object: a miss,
	 * even though its contents (and hash) are the same */
	ok(tyche_context_load(&other, ex, NULL, NULL) == 0, "another context object");
	ok(memo_agrees(other, o, m, TYCHE_RESULTS_SCENARIOS), "through the memo: the same bits");
	ty_eval_memo_count(m, &n1, &h1);
	ok(n1 == 5 * n0, "and its scenarios are its own (%zu)", n1);
	tyche_context_free(other);
	tyche_eval_memo_free(m);
	tyche_eval_memo_free(NULL);
}

/* map_cache (tyche.cgi as CGI): the cache file is mapped, not copied;
 * the same values, freed with munmap (ASan would catch a free()), and a
 * damaged file is refused as with a copy. */
static void test_mapped(const tyche_surface *s1, const char *ctxdir,
			const tyche_analysis_opts *o0, const char *cache)
{
	tyche_analysis_opts o = *o0;
	tyche_surface *s = NULL, *c = NULL;
	tyche_error err = { 0 };
	char bad[4300], cmd[9000];

	o.map_cache = 1;
	ok(tyche_surface_open(&s, ctxdir, NULL, &o, NULL, &err) == 0 && s && s->blob &&
	   s->blob_mapped, "map_cache: the cached surface is a mapping of the file");
	ok(s && same_eval(s1, s), "and evaluates as the built one");
	tyche_surface_free(s);
	s = NULL;
	/* the same file, damaged three ways, read by both paths */
	snprintf(cmd, sizeof cmd, "ls '%s'/*.tysurf | head -1", cache);
	{
		FILE *f = popen(cmd, "r");
		char src[4300] = "";

		ok(f && fgets(src, sizeof src, f) != NULL, "the cache file is there");
		if (f)
			pclose(f);
		src[strcspn(src, "\n")] = '\0';
		snprintf(bad, sizeof bad, "%s/damaged.bin", cache);
		ok(ty_surface_load(&c, src, 1, &err) == 0 && c && c->blob_mapped,
		   "ty_surface_load(map) reads a sound file");
		ok(c && same_eval(s1, c), "with the same values as a copy");
		tyche_surface_free(c);
		c = NULL;
		snprintf(cmd, sizeof cmd, "head -c 1000 '%s' >'%s'", src, bad);
		ok(system(cmd) == 0 && ty_surface_load(&c, bad, 1, &err) == TYCHE_EDATA && !c,
		   "a truncated file is refused when mapped: %s", err.msg);
		snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf 'x' | dd of='%s' bs=1 "
			 "seek=5000 conv=notrunc 2>/dev/null", src, bad, bad);
		ok(system(cmd) == 0 && ty_surface_load(&c, bad, 1, &err) == TYCHE_EDATA && !c &&
		   strstr(err.msg, "checksum"), "a changed byte is refused when mapped: %s", err.msg);
		snprintf(cmd, sizeof cmd, ": >'%s'", bad);
		ok(system(cmd) == 0 && ty_surface_load(&c, bad, 1, &err) == TYCHE_EDATA && !c,
		   "an empty file is refused when mapped: %s", err.msg);
		ok(ty_surface_load(&c, cache, 1, &err) != 0 && !c,
		   "a directory is refused when mapped: %s", err.msg);
		unlink(bad);
	}
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
	ok(!tyche_surface_cached(ctxdir, NULL, &o), "tyche_surface_cached: not before a build");
	ok(tyche_surface_build(&s1, ctx, &o, &from_cache, &err) == 0 && from_cache == 0,
	   "first build is not from the cache");
	ok(tyche_surface_cached(ctxdir, NULL, &o), "tyche_surface_cached: after it");
	{
		tyche_analysis_opts o2 = o;

		o2.seed = 6;
		ok(!tyche_surface_cached(ctxdir, NULL, &o2), "not for another seed");
		o2 = o;
		o2.samples = 65;
		ok(!tyche_surface_cached(ctxdir, NULL, &o2), "nor another sample count");
		o2 = o;
		o2.cache_dir = "";
		ok(!tyche_surface_cached(ctxdir, NULL, &o2), "nor without a cache");
	}
	ok(tyche_surface_open(&s2, ctxdir, NULL, &o, NULL, &err) == 0, "open succeeds");
	ok(s2 && s2->blob != NULL, "open reads the cache file (no rebuild)");
	ok(s2 && !strcmp(tyche_surface_context_hash(s2), tyche_context_hash(ctx)),
	   "the quick hash is the context hash");
	ok(s2 && same_eval(s1, s2), "cached and built surfaces agree");
	tyche_surface_free(s2);
	test_mapped(s1, ctxdir, &o, cache);
	test_memo(ctx, ctxdir);

	/* other contents: the cache must not be used */
	snprintf(cmd, sizeof cmd,
		 "sed -i 's/^Alkaline electrolysis,Stack Ambitious,Stack cost,2,.*$/"
		 "Alkaline electrolysis,Stack Ambitious,Stack cost,2,250,$\\/kW,/' '%s/parameters.csv'",
		 ctxdir);
	ok(system(cmd) == 0, "change one parameter");
	ok(!tyche_surface_cached(ctxdir, NULL, &o), "tyche_surface_cached: not after the change");
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
	test_invalidate(ctx, dir, ex);
	tyche_surface_free(s1);
	tyche_context_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		return 1;
	return tap_done();
}
