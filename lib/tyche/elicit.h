/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/elicit.h - expert elicitation: several experts' judgements
 * (quantiles, or min / most likely / max) for one cell of a study, fitted
 * to distributions, pooled, optionally weighted by Cooke's classical
 * model, and written into a new study.  doc/elicitation.md has the table
 * format and a worked example.  Part of the public API; include "tyche.h".
 */
#ifndef TYCHE_ELICIT_H
#define TYCHE_ELICIT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Candidate families, in the order a tie on fit error is broken. */
enum tyche_elicit_family {
	TYCHE_FAMILY_AUTO = -1,      /* the best by fit error */
	TYCHE_FAMILY_TRIANG = 0,
	TYCHE_FAMILY_BETA = 1,       /* on [Min, Max] */
	TYCHE_FAMILY_TRUNCNORM = 2,  /* on [Min, Max] */
	TYCHE_FAMILY_LOGNORM = 3,    /* loc = Min, or 0 */
	TYCHE_FAMILY_GAMMA = 4,      /* loc = Min, or 0 */
	TYCHE_FAMILY_NORM = 5,
	TYCHE_FAMILY_COUNT = 6
};
enum tyche_elicit_pool {
	TYCHE_POOL_DEFAULT = -1,     /* per cell: the study's choice */
	TYCHE_POOL_LINEAR = 0,       /* weighted mixture of the experts' fits */
	TYCHE_POOL_TRIANGULAR = 1    /* one triang of the weighted min/mode/max */
};
enum tyche_elicit_weights {
	TYCHE_WEIGHTS_EQUAL = 0,
	TYCHE_WEIGHTS_TABLE = 1,     /* the Weight column */
	TYCHE_WEIGHTS_COOKE = 2      /* Cooke's classical model on seed questions */
};

typedef struct tyche_elicit_opts {
	int pool;            /* TYCHE_POOL_LINEAR or _TRIANGULAR: the study's
	                        default; a Pool column overrides it per cell */
	int weights;         /* TYCHE_WEIGHTS_* */
	const char *seeds;   /* seed-question table (CSV or .xlsx sheet
	                        "seeds"), required with TYCHE_WEIGHTS_COOKE */
	int family;          /* TYCHE_FAMILY_*; a Family column overrides it */
	double cooke_alpha;  /* calibration cut-off; < 0: the one that
	                        maximises the decision-maker's score */
} tyche_elicit_opts;
#define TYCHE_ELICIT_OPTS_INIT { .pool = TYCHE_POOL_LINEAR, .weights = TYCHE_WEIGHTS_EQUAL, \
	.seeds = NULL, .family = TYCHE_FAMILY_AUTO, .cooke_alpha = -1 }

/* One expert's judgement of one cell and its fit (read only). */
typedef struct tyche_elicit_expert {
	const char *expert;
	unsigned row;        /* 1-based row of the elicitation table */
	double judged[10];   /* Min, P05, P10, P25, Mode, P50, P75, P90, P95,
	                        Max as given; NaN where not given */
	double weight;       /* normalised weight in the pool */
	int family;          /* TYCHE_FAMILY_* of the fit used */
	double fit_error;    /* RMS of F(x_k) - p_k over the given quantiles
	                        (0 with none); NaN when no fit */
	double family_error[TYCHE_FAMILY_COUNT]; /* per family; NaN = not
	                        applicable to these judgements */
	const char *dist;    /* the fit in scipy syntax */
	double median;       /* P50 as given, else the fit's */
	int outlier;         /* 1: the median lies outside the range from the
	                        lowest P10 to the highest P90 of the others */
} tyche_elicit_expert;

/* One study cell and its pooled distribution (read only). */
typedef struct tyche_elicit_cell {
	const char *table;   /* "designs", "parameters" or "tranches" */
	const char *technology, *scenario, *variable, *index;
	int pool;            /* TYCHE_POOL_LINEAR or _TRIANGULAR */
	const char *pooled;  /* the cell text written into the study */
	size_t nexperts;
	const tyche_elicit_expert *experts;
} tyche_elicit_cell;

/* Cooke's classical model on the seed questions (read only). */
typedef struct tyche_cooke_scores {
	size_t nexperts, nquestions;
	const char *const *expert;
	const double *calibration;   /* 1 - chi2cdf(2 N I(s, p), 3) */
	const double *information;   /* mean relative information vs uniform */
	const double *weight;        /* normalised, after the cut-off */
	double alpha;                /* the calibration cut-off used */
	double dm_calibration, dm_information; /* the decision-maker's */
} tyche_cooke_scores;

typedef struct tyche_elicitation tyche_elicitation;

/*
 * Read and check an elicitation table (CSV, or a .xlsx workbook's sheet
 * "elicitation"), fit every judgement, weight and pool.  Every problem is
 * a located diagnostic in *diags (file:row:col); returns TYCHE_EDATA when
 * there was at least one, TYCHE_ENOENT / TYCHE_EIO for unreadable files,
 * TYCHE_EUSAGE for bad options.  *out is set only on success.
 */
TYCHE_API int tyche_elicitation_load(tyche_elicitation **out, const char *path,
				     const tyche_elicit_opts *opts, tyche_diags *diags);
TYCHE_API void tyche_elicitation_free(tyche_elicitation *e);

TYCHE_API size_t tyche_elicitation_ncells(const tyche_elicitation *e);
/* Cell i < ncells, borrowed until tyche_elicitation_free. */
TYCHE_API const tyche_elicit_cell *tyche_elicitation_cell(const tyche_elicitation *e,
							  size_t i);
#define TYCHE_ELICIT_POOLED ((size_t)-1)
/* CDF and quantile of an expert's fit (expert < nexperts) or of the pool
 * (TYCHE_ELICIT_POOLED); NaN for a bad index. */
TYCHE_API double tyche_elicitation_cdf(const tyche_elicitation *e, size_t cell,
				       size_t expert, double x);
TYCHE_API double tyche_elicitation_quantile(const tyche_elicitation *e, size_t cell,
					    size_t expert, double p);
/* The Cooke scores, or NULL when the weights were not Cooke's. */
TYCHE_API const tyche_cooke_scores *tyche_elicitation_cooke(const tyche_elicitation *e);

/*
 * Write a complete study to outdir (created if missing): the study's
 * tables (a directory of CSV tables or a .xlsx workbook) with every
 * elicited cell replaced by its pooled distribution and its Notes naming
 * experts, weights, families and fit errors; the model files found beside
 * the study; and elicitation-trace.csv (one row per expert and cell).
 * Checked first: every key names a cell of the study, and uncertainty
 * stays on one side (designs/parameters or tranche amounts).  Nothing is
 * written when there is any problem (all located in *diags); each file is
 * replaced atomically.
 */
TYCHE_API int tyche_elicitation_apply(const tyche_elicitation *e, const char *study,
				      const char *outdir, tyche_diags *diags);

/* Names: "triang", ..., "norm"; "linear", "triangular-average". */
TYCHE_API const char *tyche_elicit_family_name(int family);
TYCHE_API const char *tyche_elicit_pool_name(int pool);
/* The TYCHE_FAMILY_* / TYCHE_POOL_* of a name ("auto", "normal" too), or -2. */
TYCHE_API int tyche_elicit_family_parse(const char *s);
TYCHE_API int tyche_elicit_pool_parse(const char *s);

/*
 * SVG of one cell: each expert's fitted CDF with their judgement points
 * (outliers marked in the legend) and the pooled CDF (tyche/plot.h
 * conventions).
 */
TYCHE_API int tyche_plot_elicitation(char **out, const tyche_elicitation *e, size_t cell,
				     const tyche_plot_opts *o, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
