/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/surface.h - the response surface: build (or load from the cache), evaluate, amounts; tranche and investment tables; cache invalidation.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_SURFACE_H
#define TYCHE_SURFACE_H

#ifdef __cplusplus
extern "C" {
#endif

/* A fitted response surface: per category, metric and sample a piecewise-
 * linear interpolant of the metric over the category's tranche amounts
 * (linear extrapolation beyond the ends, as the reference). */
typedef struct tyche_surface tyche_surface;

/* Scenario values kept between analyses (lib/eval-memo.c): a caller that
 * runs several analyses of one context at the same samples, seed and
 * design (tyche-report: the evaluate section, the investments, the
 * surface) passes one memo in tyche_analysis_opts.memo and each scenario
 * is evaluated once; the numbers are the same bits.  It holds every
 * scenario it saw (rows x samples doubles) until freed; not for two
 * threads at once. */
typedef struct tyche_eval_memo tyche_eval_memo;
TYCHE_API tyche_eval_memo *tyche_eval_memo_create(void);   /* NULL: no memory */
TYCHE_API void tyche_eval_memo_free(tyche_eval_memo *m);    /* NULL is fine */

typedef struct tyche_analysis_opts {
	uint64_t seed;
	size_t samples;
	unsigned threads;         /* 0 = all cores */
	const char *cache_dir;    /* NULL: $TYCHE_CACHE, else $XDG_CACHE_HOME/tyche,
	                             else $HOME/.cache/tyche; "" = no cache */
	int nowait;               /* 1: if another process is building the same
	                             surface, return TYCHE_EBUSY at once */
	int design;               /* enum tyche_design; 0 = Monte Carlo (part
	                             of the cache key when not 0) */
	int map_cache;            /* 1: a surface from the cache maps the file
	                             read-only instead of copying it, for a
	                             process that lives one request (tyche.cgi
	                             as CGI).  Not for a surface kept long: a
	                             cache file truncated in place under the
	                             mapping would end the process with SIGBUS
	                             (tyche replaces cache files by rename,
	                             never truncates them) */
	tyche_eval_memo *memo;    /* NULL, or scenario values shared between
	                             analyses (tyche_eval_memo_create) */
} tyche_analysis_opts;
#define TYCHE_ANALYSIS_OPTS_INIT { .seed = 1, .samples = 1000, .threads = 0, \
	.cache_dir = NULL, .nowait = 0, .design = 0, .map_cache = 0, .memo = NULL }

/* Build the surface (evaluating every scenario the tranches use), or load
 * it from the cache when a valid file exists for this context hash,
 * sample count and seed.  A stale, truncated, foreign or corrupt cache
 * file is detected and rebuilt.  *from_cache (may be NULL) says which. */
TYCHE_API int tyche_surface_build(tyche_surface **out, const tyche_context *ctx,
				  const tyche_analysis_opts *o, int *from_cache,
				  tyche_error *err);
/* The surface of the context at `path` in one call: from the cache when a
 * valid file exists for the context's current contents (found without
 * parsing the tables: a web request pays for stat() of the files against
 * the cache's stamp of them, for hashing them only when they changed, and
 * for reading the cache), else by loading the context (problems go to
 * *diags, may be NULL) and building it as tyche_surface_build does. */
TYCHE_API int tyche_surface_open(tyche_surface **out, const char *path,
				 const tyche_load_opts *lo, const tyche_analysis_opts *o,
				 tyche_diags *diags, tyche_error *err);
/* 1 when the cache holds a surface file for the context at `path` as its
 * files are now (the quick hash through the stamp, then one stat()), so
 * tyche_surface_open would not load it; else 0.  Such a file is written
 * only after the context loaded without errors, so a listing of studies
 * (GET /contexts) may call the context available without loading it. */
TYCHE_API int tyche_surface_cached(const char *path, const tyche_load_opts *lo,
				   const tyche_analysis_opts *o);
/* Is s, from tyche_surface_open(path, lo, o), still what that call would
 * give now?  1 or 0.  With a cache, decided by stat() of the context's
 * files against the cache's stamp of them (no table is read), so a
 * process that serves many requests can keep s while its study is
 * unchanged and drop it as soon as an update is installed. */
TYCHE_API int tyche_surface_is_current(const tyche_surface *s, const char *path,
				       const tyche_load_opts *lo,
				       const tyche_analysis_opts *o);
/* A caller's text about one version of a context, kept in the cache
 * beside its surface file (lib/note-cache.c): put stores text for ctx as
 * loaded, under the settings o and a one-line tag naming the caller's
 * format (a note is returned only for the same tag); no cache, no note, 0.
 * get finds it for the context at `path` as its files are now (stat()
 * against the stamp, no table read) while the surface file it goes with
 * is there: 0 and *text (malloc'd), or TYCHE_ENOENT when there is none
 * for these files, settings and tag. */
TYCHE_API int tyche_cache_note_put(const tyche_context *ctx, const tyche_analysis_opts *o,
				   const char *tag, const char *text, tyche_error *err);
TYCHE_API int tyche_cache_note_get(char **text, const char *path, const tyche_load_opts *lo,
				   const tyche_analysis_opts *o, const char *tag);
/* Read / write one surface file directly (the cache format). */
TYCHE_API int tyche_surface_read(tyche_surface **out, const char *path, tyche_error *err);
TYCHE_API int tyche_surface_write(const tyche_surface *s, const char *path, tyche_error *err);
/* The cache file the options would use (malloc'd), or NULL if no cache. */
TYCHE_API char *tyche_surface_cache_path(const tyche_context *ctx,
					 const tyche_analysis_opts *o);
TYCHE_API void tyche_surface_free(tyche_surface *s);

TYCHE_API size_t tyche_surface_nsamples(const tyche_surface *s);
TYCHE_API uint64_t tyche_surface_seed(const tyche_surface *s);
TYCHE_API const char *tyche_surface_context_hash(const tyche_surface *s);
TYCHE_API size_t tyche_surface_ncategories(const tyche_surface *s);
TYCHE_API const char *tyche_surface_category(const tyche_surface *s, size_t c);
/* Largest tranche amount of category c (mean amount when uncertain). */
TYCHE_API double tyche_surface_max_amount(const tyche_surface *s, size_t c);
TYCHE_API size_t tyche_surface_ntranches(const tyche_surface *s, size_t c);
/* Tranche t of category c (sorted by amount): its name and mean amount. */
TYCHE_API const char *tyche_surface_tranche(const tyche_surface *s, size_t c,
					    size_t t, double *amount);
TYCHE_API size_t tyche_surface_nmetrics(const tyche_surface *s);
TYCHE_API const char *tyche_surface_metric(const tyche_surface *s, size_t m);
TYCHE_API const char *tyche_surface_metric_units(const tyche_surface *s, size_t m);
/* Index of a category / metric by name, or -1. */
TYCHE_API long tyche_surface_find_category(const tyche_surface *s, const char *name);
TYCHE_API long tyche_surface_find_metric(const tyche_surface *s, const char *name);
/* Per metric: the sum over categories of the smallest / largest mean
 * tranche value (the reference's metric range). */
TYCHE_API void tyche_surface_metric_range(const tyche_surface *s, size_t m,
					  double *lo, double *hi);

/*
 * Evaluate a portfolio: amounts[c] for every category.  totals[m*N + i] =
 * sum over categories of metric m at sample i (N = nsamples).  by_cat
 * (may be NULL): by_cat[(c*M + m)*N + i] = category c's contribution.
 */
TYCHE_API void tyche_surface_eval(const tyche_surface *s, const double *amounts,
				  double *totals, double *by_cat);
/* d totals / d amount_c for sample i, metric m, at `amounts`: the slope of
 * the segment the interpolant uses there (at an interior knot the left
 * one, as scipy picks it; at or below the first knot the first segment):
 * grad[(c*M+m)*N+i]. */
TYCHE_API void tyche_surface_grad(const tyche_surface *s, const double *amounts,
				  double *grad);

/*
 * Parse "Category=amount" assignments against the surface into amounts[]
 * (categories not named are 0).  Unknown categories and negative or
 * non-numeric amounts are TYCHE_EUSAGE with a message listing the valid
 * categories and their max amounts.
 */
TYCHE_API int tyche_surface_parse_amounts(const tyche_surface *s,
					  const char *const *assign, size_t n,
					  double *amounts, tyche_error *err);

/* Tranche and investment results in long form (CSV or JSON):
 *   tranches:    Category,Tranche,Scenario,Technology,Sample,Index,Amount,Value,Units
 *   investments: Investment,Technology,Sample,Index,Amount,Value,Units
 * rows summed over coinciding keys; amounts sampled per sample when
 * uncertain. */
TYCHE_API int tyche_tranches_write(const tyche_context *ctx, const tyche_analysis_opts *o,
				   int format, tyche_write_fn w, void *arg, tyche_error *err);
TYCHE_API int tyche_investments_write(const tyche_context *ctx, const tyche_analysis_opts *o,
				      int format, tyche_write_fn w, void *arg, tyche_error *err);


/* ------------------------------------------------------------ cache */
/* Remove the cached analysis files (surfaces and their metric bounds, of
 * every sample count and seed) of one context from the cache directory
 * (lib/surface-cache.c).  cache_dir as tyche_analysis_opts.cache_dir
 * (NULL: $TYCHE_CACHE, else $XDG_CACHE_HOME/tyche, else
 * $HOME/.cache/tyche; "": no cache, nothing to do).  context: the
 * context's name (tyche_context_name) or its directory or workbook path
 * (the base name is used); NULL: the files of every context.  Lock files
 * stay.  0 (also when the folder does not exist), or TYCHE_EIO naming a
 * file or the folder that could not be removed or read (the others are
 * removed all the same). */
TYCHE_API int tyche_cache_invalidate(const char *cache_dir, const char *context,
				     tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
