/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bounds-cache.c - each metric's mean minimised and maximised alone (the
 * "metric bounds" a context description shows), computed once per study
 * version and kept in a small file beside the surface cache file.
 *
 * The bounds take 2 x metrics optimisations (seconds at a few hundred
 * categories, minutes at thousands), so a web request must not redo them.
 * Where the file lives and what it is called is the cache module's
 * business (ty_cache_bounds_path, lib/surface-cache.c: keyed exactly as
 * the surface file, which also removes it on invalidation); this file
 * owns only its content.  Its first line repeats the key, so a renamed,
 * stale, truncated or corrupt file is recomputed, never trusted.  Numbers are written as C99 hex floats ("%a")
 * so a cached bound is bit for bit the computed one (NaN stands for "the
 * optimiser did not reach an optimum").  The write is atomic (temp file
 * in the same directory, then rename); two processes computing at once
 * both write the same content, so no lock is needed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "surface.h"

#define BOUNDS_MAGIC "tyche-bounds/1"
#define BOUNDS_MAX_BYTES (16u << 20)

/* 0 when path holds bounds for this key and M metrics. */
static int bounds_read(const char *path, const tyche_surface *s, double *lo,
		       double *hi)
{
	size_t M = tyche_surface_nmetrics(s), len = 0, m;
	char *text = NULL, *p, *end, hash[200];
	unsigned long long n, seed, nm;
	tyche_error e = { 0 };
	int used = 0;

	if (ty_read_file(path, BOUNDS_MAX_BYTES, &text, &len, &e))
		return -1;
	if (sscanf(text, BOUNDS_MAGIC " %199s %llu %llu %llu\n%n", hash, &n, &seed, &nm,
		   &used) != 4 || used <= 0 ||
	    strcmp(hash, tyche_surface_context_hash(s)) || n != tyche_surface_nsamples(s) ||
	    seed != tyche_surface_seed(s) || nm != M)
		goto bad;
	p = text + used;
	for (m = 0; m < M; m++) {
		lo[m] = strtod(p, &end);
		if (end == p || *end != ' ')
			goto bad;
		p = end;
		hi[m] = strtod(p, &end);
		if (end == p || *end != '\n')
			goto bad;
		p = end + 1;
	}
	if (strcmp(p, "end\n"))
		goto bad;
	free(text);
	return 0;
bad:
	free(text);
	return -1;
}

static int bounds_write(const char *path, const tyche_surface *s, const double *lo,
			const double *hi, tyche_error *err)
{
	size_t M = tyche_surface_nmetrics(s);
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	ty_buf_addf(&b, BOUNDS_MAGIC " %s %zu %llu %zu\n", tyche_surface_context_hash(s),
		    tyche_surface_nsamples(s), (unsigned long long)tyche_surface_seed(s), M);
	for (size_t m = 0; m < M; m++)
		ty_buf_addf(&b, "%a %a\n", lo[m], hi[m]);
	ty_buf_adds(&b, "end\n");
	/* readable as the surface file beside it is */
	rc = b.oom ? ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory")
		   : ty_write_atomic(path, b.p, b.len, 0644, 1, err);
	ty_buf_release(&b);
	return rc;
}

int tyche_opt_bounds_cached(const tyche_context *ctx, const tyche_surface *s,
			    const tyche_analysis_opts *o, double *lo, double *hi,
			    int *from_cache, tyche_error *err)
{
	tyche_opt_problem base = TYCHE_OPT_PROBLEM_INIT;
	tyche_opt_sweep *sw = NULL;
	size_t M = tyche_surface_nmetrics(s);
	char *path = ty_cache_bounds_path(ctx, o);
	int rc;

	if (from_cache)
		*from_cache = 0;
	if (path) {
		if (!bounds_read(path, s, lo, hi)) {
			if (from_cache)
				*from_cache = 1;
			free(path);
			return 0;
		}
	}
	/* 2 x metrics optimisations: not started when the budget is gone */
	if ((rc = ty_budget_check(err, "computing the metric bounds"))) {
		free(path);
		return rc;
	}
	rc = tyche_opt_bounds(&sw, s, &base, err);
	if (rc) {
		free(path);
		return rc;
	}
	for (size_t m = 0; m < M; m++)
		for (int k = 0; k < 2; k++) {
			const tyche_opt_result *res =
				sw->n == 2 * M ? sw->v[2 * m + (size_t)k].result : NULL;
			double v = res && tyche_opt_status_ok(res->status) ? res->objective : NAN;

			if (k)
				hi[m] = v;
			else
				lo[m] = v;
		}
	tyche_opt_sweep_free(sw);
	/* a cache that cannot be written costs time, not correctness */
	if (path) {
		tyche_error werr = { 0 };

		bounds_write(path, s, lo, hi, &werr);
	}
	free(path);
	return 0;
}
