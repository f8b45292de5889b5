/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/context.h - decision contexts: load and validate the seven tables (or a workbook), summaries and identity.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_CONTEXT_H
#define TYCHE_CONTEXT_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------- decision contexts */

typedef struct tyche_context tyche_context;

typedef struct tyche_load_opts {
	const char *model_path;   /* "DIR:DIR..." searched after the context's own
	                             directory; NULL = $TYCHE_MODEL_PATH, then the
	                             installed PREFIX/share/tyche/models */
	int skip_models;          /* 1: do not look for or compile model files */
} tyche_load_opts;
#define TYCHE_LOAD_OPTS_INIT { .model_path = NULL, .skip_models = 0 }

/*
 * Load and validate a decision context: a directory holding the seven CSV
 * tables, or a .xlsx workbook.  Every problem found goes to *diags (errors
 * and warnings); the function returns TYCHE_EDATA when there was at least
 * one error, TYCHE_ENOENT when the path does not exist, TYCHE_EIO when it
 * cannot be read, TYCHE_ETIMEOUT when the work budget ran out while
 * reading the models.  *out is set only on success.
 */
TYCHE_API int tyche_context_load(tyche_context **out, const char *path,
				 const tyche_load_opts *opts, tyche_diags *diags);
TYCHE_API void tyche_context_free(tyche_context *ctx);

/* Write the seven tables of a .xlsx workbook as CSV files in `dir`
 * (created if missing), so that loading `dir` gives the same context.
 * Model files are not copied: they are looked up beside the tables. */
TYCHE_API int tyche_workbook_convert(const char *workbook, const char *dir,
				     tyche_error *err);

/* Summary counts of a loaded context. */
typedef struct tyche_context_summary {
	size_t technologies, scenarios, categories, tranches, investments,
		metrics, uncertain_cells;
} tyche_context_summary;
TYCHE_API void tyche_context_summarize(const tyche_context *ctx,
				       tyche_context_summary *s);
/* Technology i (0 <= i < summary.technologies), in name order, and the
 * number and names of its scenarios. */
TYCHE_API const char *tyche_context_technology(const tyche_context *ctx, size_t i);
TYCHE_API size_t tyche_context_nscenarios(const tyche_context *ctx, size_t tech);
TYCHE_API const char *tyche_context_scenario(const tyche_context *ctx, size_t tech,
					     size_t scen);
/* A warning in *d for each category with no tranche of amount 0 (below
 * its smallest amount the surface extrapolates, so "no investment" is a
 * guess), located at the category's first tranche row and saying what to
 * add (lib/explore.c).  Returns the number of warnings added. */
TYCHE_API size_t tyche_context_check_tranches(const tyche_context *ctx, tyche_diags *d);
/* A printable name (the directory or workbook base name). */
TYCHE_API const char *tyche_context_name(const tyche_context *ctx);
/* SHA-256 (hex) of the context's tables and model files. */
TYCHE_API const char *tyche_context_hash(const tyche_context *ctx);

#ifdef __cplusplus
}
#endif
#endif
