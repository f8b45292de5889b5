/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context.h - the in-memory decision context (internal): technologies with
 * their index sets, scenarios with one distribution per design/parameter
 * cell, results rows, tranches and investments.  Everything is ordered the
 * way the reference orders it: index elements by Offset (never by row
 * order), scenarios by name in byte order.
 */
#ifndef TY_CONTEXT_H
#define TY_CONTEXT_H

#include "dist.h"
#include "model.h"
#include "table.h"

/* Metrics per context (the surface, the VM's output table); more is a
 * located validation error, never a silent cut. */
#define TY_MAX_METRICS 64

enum ty_var {  /* results Variable, in the reference's sort order */
	TY_VAR_COST = 0, TY_VAR_METRIC = 1, TY_VAR_OUTPUT = 2
};

/* A value cell and where it came from. */
struct ty_cell {
	struct ty_dist *dist;   /* never NULL after a clean load */
	const char *text;       /* borrowed from the table */
	const char *table;      /* "designs", "parameters", "tranches" */
	char *key;              /* identity for the random stream, e.g.
	                           "Lifetime\x1fModule" or "7" (offset) */
};

struct ty_scenario {
	char *name;
	struct ty_cell scale;
	struct ty_cell *lifetime;                       /* n_capital */
	struct ty_cell *input_raw, *input_eff, *input_price; /* n_input */
	struct ty_cell *output_eff, *output_price;      /* n_output */
	struct ty_cell *param;                          /* n_param */
};

struct ty_result_row {
	enum ty_var var;
	char *index;        /* as written ("Cost", output or metric name) */
	char *units;
	long offset;        /* output/metric offset; 0 for Cost; -1 = never
	                       produced (warned at load, not reported) */
};

struct ty_tech {
	char *name;
	size_t n_capital, n_input, n_output, n_metric, n_param;
	long n_fixed;             /* -1 until the model says */
	char **capital, **input, **output, **metric, **fixed; /* by offset */
	char **param;             /* parameter names by offset */
	char *style, *model, *fn[4];  /* functions table: Capital, Fixed,
	                                 Production, Metrics section names */
	char *model_path;         /* resolved model file, NULL if not found */
	struct ty_model *mod;
	struct ty_fn *fns[4];     /* compiled, in enum ty_fn_role order */
	size_t nresults;
	struct ty_result_row *results;  /* sorted: Variable, Index */
	size_t nscen;
	struct ty_scenario *scen;       /* sorted by name */
};

struct ty_tranche {
	char *category, *name, *scenario;
	struct ty_cell amount;
	unsigned line;
};

struct ty_investment_item {
	char *investment, *category, *tranche;
	size_t tranche_ix;  /* into ctx->tranches */
};

struct tyche_context {
	char *path, *name;
	char hash[65];
	size_t ntech;
	struct ty_tech *tech;           /* sorted by name */
	size_t ntranches;
	struct ty_tranche *tranches;    /* table order */
	size_t ncategories;
	char **categories;              /* first-appearance order */
	size_t ninvest_items;
	struct ty_investment_item *invest;
	size_t ninvestments;
	char **investments;             /* first-appearance order */
	int uncertain_designs, uncertain_amounts;
	struct ty_table *tables[7];     /* kept: cells' text is borrowed */
	struct ty_corr *corr;           /* the correlations table (correlate.c),
	                                   NULL when there is none */
};

/* Correlated cells (lib/correlate.c): groups of cells of one scenario
 * with a target rank-correlation matrix. */
struct ty_corr_group {
	size_t tech, scen, k;
	const struct ty_cell **cells;   /* k cells */
	double *rho;                    /* k x k Spearman targets, row-major */
};
struct ty_corr {
	size_t n;
	struct ty_corr_group *g;
};
TY_HIDDEN void ty_corr_free(struct ty_corr *c);

enum { TY_T_DESIGNS, TY_T_PARAMETERS, TY_T_INDICES, TY_T_FUNCTIONS,
       TY_T_RESULTS, TY_T_TRANCHES, TY_T_INVESTMENTS };
extern const char *const ty_table_names[7];

/* Identity (context-hash.c).  ty_context_hash_compute fills ctx->hash from
 * ctx->path and the technologies' model_path (call it once they are set);
 * ty_context_quick_hash gives the same hash without loading (CSV
 * directories only; -1 otherwise), telling seen (may be NULL) each file it
 * hashed.  ty_context_stamp_hash (context-stamp.c) gives it without
 * reading any table when the files are unchanged since stamp_path was
 * written (stamp_path NULL: the quick hash). */
TY_HIDDEN void ty_context_hash_compute(tyche_context *ctx);
TY_HIDDEN int ty_context_quick_hash(const char *path, const tyche_load_opts *opts,
				    char hash[65], void (*seen)(void *arg, const char *file),
				    void *arg);
TY_HIDDEN int ty_context_stamp_hash(const char *path, const tyche_load_opts *opts,
				    const char *stamp_path, char hash[65]);
/* Base name of a context path without ".xlsx" (malloc'd). */
TY_HIDDEN char *ty_context_name_of(const char *path);

/* The model path after the context's folder ("DIR:DIR...", malloc'd):
 * opts, $TYCHE_MODEL_PATH, else the build tree's models/ and the
 * installed library.  ty_context_model_file searches it, and the
 * context's stamp (context-stamp.c) watches each of its folders. */
TY_HIDDEN char *ty_context_model_path(const tyche_load_opts *opts);
/* The model file `<model>.yml` (malloc'd) for the context at ctxpath:
 * beside the tables, then along the model path; NULL when not found or
 * when model is not a plain model name (a path is never opened). */
TY_HIDDEN char *ty_context_model_file(const char *ctxpath, const tyche_load_opts *opts,
				      const char *model);

TY_HIDDEN const struct ty_tech *ty_context_tech(const tyche_context *ctx,
						const char *name);

#endif
