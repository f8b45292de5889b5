/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * surface.h - the response surface's layout (internal), shared by the
 * three files of the surface concept:
 *   lib/surface.c        building it from the scenario evaluations, and
 *                        evaluating it (interpolation, gradients, lookups)
 *   lib/surface-file.c   the cache file format (write / read)
 *   lib/surface-cache.c  where cache files live, their names, the build
 *                        lock, and invalidation (also of the bounds file)
 *
 * Easy to get wrong: every surface, built or read, must go through
 * ty_surface_index before it is handed out: the by-name lookups
 * (tyche_surface_find_category / _metric) search cat_ord / metric_ord.
 */
#ifndef TY_SURFACE_H
#define TY_SURFACE_H

#include "eval.h"

struct tyche_surface {
	char ctx_hash[65];
	uint64_t seed;
	size_t N, C, M;
	char **cat;            /* C category names */
	size_t *T;             /* tranches per category */
	char ***tname;         /* [c][t] tranche names, sorted by mean amount */
	double **amt;          /* [c][t*N + i] amount of tranche t at sample i */
	double **mean_amt;     /* [c][t] */
	int const_amounts;     /* every amount is the same in all samples */
	char **metric, **units;/* M */
	double **val;          /* [c][(m*T + t)*N + i] metric m of tranche t */
	double *lo, *hi;       /* M: metric ranges */
	size_t *cat_ord;       /* C: categories sorted by name (lib/names.h) */
	size_t *metric_ord;    /* M: metrics sorted by name */
	void *blob;            /* file contents that amt/val point into when
	                          read from a file (NULL when built) */
	size_t blob_len;       /* its length, for munmap when mapped */
	int blob_mapped;       /* 1: blob is a read-only mmap of the file */
	int design;            /* enum tyche_design; not in the file: the
	                          cache file's name holds it */
};

/* ------------------------------------------------- lib/surface.c */

/* An empty surface (NULL when out of memory). */
TY_HIDDEN tyche_surface *ty_surface_new(void);
/* Build the name indexes of a filled surface: 0, or -1 out of memory. */
TY_HIDDEN int ty_surface_index(tyche_surface *s);
/* Build the surface of o->samples samples drawn with o->seed (no cache). */
TY_HIDDEN int ty_surface_build_sampled(tyche_surface **out, const tyche_context *ctx,
				       const tyche_analysis_opts *o, tyche_error *err);
/* Samples lo .. hi-1 of the surface of o->samples samples (a shard):
 * amounts and values as the whole build has them; S->N = hi - lo. */
TY_HIDDEN int ty_surface_build_part(tyche_surface **out, const tyche_context *ctx,
				    const tyche_analysis_opts *o, uint64_t lo, uint64_t hi,
				    tyche_error *err);
/* What depends on every sample: the mean amounts, const_amounts and the
 * metric ranges, from amt and val (arrays allocated). */
TY_HIDDEN void ty_surface_finish(tyche_surface *S);
/* A surface of one sample in which every cell sits at its median except
 * the overrides (for the tornado).  The surface keeps no pointer to ov. */
TY_HIDDEN int ty_surface_build_fixed(tyche_surface **out, const tyche_context *ctx,
				     const struct ty_cell_override *ov, size_t nov,
				     tyche_error *err);

/* ------------------------------------------------- lib/surface-file.c */

/* The file format's version: in the file's header, and part of the cache
 * file's name (so a new format never meets an old file of the same name). */
#define TY_SURFACE_FILE_VERSION 1u
/* The file's bytes (tyche_surface_write writes them) appended to b,
 * which must be empty or at a multiple of 8 bytes (the names are padded). */
TY_HIDDEN void ty_surface_serialize(const tyche_surface *s, struct ty_buf *b);
/* tyche_surface_read; map = 1 maps the file read-only instead of reading
 * it into memory (tyche_analysis_opts.map_cache says when that is safe) */
TY_HIDDEN int ty_surface_load(tyche_surface **out, const char *path, int map,
			      tyche_error *err);

/* ------------------------------------------------- lib/surface-cache.c */

/* The metric-bounds cache file (lib/bounds-cache.c) of this context and
 * these options, beside the surface file (malloc'd), or NULL: no cache or
 * out of memory. */
TY_HIDDEN char *ty_cache_bounds_path(const tyche_context *ctx, const tyche_analysis_opts *o);
/* The note file (lib/note-cache.c) beside ctx's surface cache file, or
 * beside the one tyche_surface_open(path, lo, o) would look for (the
 * stamp's hash of the context as its files are now in hash, the bounds
 * file beside it in *bounds, malloc'd too; NULL unless that surface file
 * is there); malloc'd, or NULL when there is no cache. */
TY_HIDDEN char *ty_cache_note_path(const tyche_context *ctx, const tyche_analysis_opts *o);
TY_HIDDEN char *ty_cache_note_path_open(const char *path, const tyche_load_opts *lo,
					const tyche_analysis_opts *o, char hash[65], char **bounds);

/* tyche_surface_eval / _grad restricted to the metrics m with need[m]
 * (NULL: all); the other metrics' rows of totals / grad are not touched.
 * The optimiser evaluates only its objective's and limits' metrics. */
TY_HIDDEN void ty_surface_eval_some(const tyche_surface *s, const double *amounts,
				    double *totals, const unsigned char *need);
TY_HIDDEN void ty_surface_grad_some(const tyche_surface *s, const double *amounts,
				    double *grad, const unsigned char *need);

#endif
