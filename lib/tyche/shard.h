/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/shard.h - one part of an evaluation (a shard, for Slurm job arrays
 * or plain background jobs) and the merge of the parts into the output one
 * process would have written, byte for byte.
 * Part of the public API; include "tyche.h".
 */
#ifndef TYCHE_SHARD_H
#define TYCHE_SHARD_H

#ifdef __cplusplus
extern "C" {
#endif

/* "I/N" (1 <= I <= N <= 1e6) into *index, *count; a located error else. */
TYCHE_API int tyche_shard_parse(unsigned *index, unsigned *count, const char *text,
				tyche_error *err);
/* Shard I of N covers samples lo .. hi-1 (0-based; the output numbers
 * them lo+1 .. hi): lo = floor((I-1) S / N), hi = floor(I S / N). */
TYCHE_API void tyche_shard_range(uint64_t *lo, uint64_t *hi, uint64_t samples,
				 unsigned index, unsigned count);

/*
 * Evaluate shard `index` of `count` of the run opts describes (seed,
 * samples, design, format, summary: all recorded) into the shard file
 * `path`: a header (the study's hash, name and path, the settings, the
 * range, the names of every technology, scenario and row) then the
 * values as IEEE doubles, row by row, then a BLAKE2b checksum.  Written
 * to a temporary file and renamed, so a failed run leaves nothing.
 */
TYCHE_API int tyche_evaluate_shard(const tyche_context *ctx, const tyche_eval_opts *opts,
				   unsigned index, unsigned count, const char *path,
				   tyche_error *err);

typedef struct tyche_merge_opts {
	int format;             /* enum tyche_format; -1: as the shards say */
	int summary;            /* 0 or 1; -1: as the shards say */
	unsigned threads;       /* 0 = all cores; output never depends on it */
	tyche_write_fn write;
	void *write_arg;
	size_t *unsolved;       /* when not NULL: set to the points of a sweep
	                           that did not solve (tyche-run merge then exits
	                           1, as tyche-run pareto does) */
} tyche_merge_opts;
#define TYCHE_MERGE_OPTS_INIT { .format = -1, .summary = -1, .threads = 0, \
	.write = NULL, .write_arg = NULL, .unsolved = NULL }

/*
 * Check that the shard files belong together (one study version, seed,
 * design and sample count; intact; disjoint; every sample covered) and
 * write what tyche_evaluate would have written for the whole run, with
 * the same warnings.  On a mismatch nothing is written and the error
 * names the file and the problem (the missing or doubled samples, the
 * setting that differs).
 */
TYCHE_API int tyche_shards_merge(const char *const *paths, size_t n,
				 const tyche_merge_opts *mo, tyche_diags *warnings,
				 tyche_error *err);

/*
 * Samples lo .. hi-1 (tyche_shard_range) of the response surface that
 * tyche_surface_build would build for o (seed, samples, design; never
 * read from the cache) into the shard file `path`; tyche_shards_merge
 * then writes the surface file tyche_surface_write writes, byte for byte.
 */
TYCHE_API int tyche_surface_shard(const tyche_context *ctx, const tyche_analysis_opts *o,
				  unsigned index, unsigned count, const char *path,
				  tyche_error *err);

/* A Pareto sweep as tyche-run pareto runs it: with vs < 0, each of
 * metrics[0..nmetrics-1] (NULL: every metric) at each of budgets[];
 * else base's objective under the added limit stat(vs) >= each of
 * bounds[0..npoints-1] (<= when vs_upper; bounds NULL: npoints evenly
 * over vs's range, as tyche_opt_pareto_vs). */
typedef struct tyche_pareto_spec {
	const tyche_opt_problem *base;
	const size_t *metrics;
	size_t nmetrics;
	const double *budgets;
	size_t nbudgets;
	long vs;
	int vs_upper;
	const double *bounds;
	size_t npoints;
	int format;               /* the output asked for (the merge's default) */
} tyche_pareto_spec;

/*
 * Points lo .. hi-1 (tyche_shard_range over the sweep's points) of the
 * sweep sp over s (the surface of ctx) into the shard file `path`: every
 * setting that changes a result in the header, each point's result.
 * tyche_shards_merge then writes what tyche_opt_sweep_write writes for
 * the whole sweep; each point is solved alone, so only the wall-clock
 * seconds of each point differ from another run's.
 */
TYCHE_API int tyche_pareto_shard(const tyche_context *ctx, const tyche_surface *s,
				 const tyche_pareto_spec *sp, unsigned index, unsigned count,
				 const char *path, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
