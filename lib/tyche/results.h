/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/results.h - results as values (lib/results.c): the scenario,
 * tranche and investment tables held in memory as rows x samples, read
 * through accessors and written as CSV or JSON by one writer.  Included
 * by tyche.h; do not include it alone.
 *
 * A row is one combination of key columns (scenarios: Technology,
 * Scenario, Variable, Index; tranches: Category, Tranche, Scenario,
 * Technology, Index; investments: Investment, Technology, Index) with its
 * units, its N sample values and, for tranches and investments, its N
 * sampled amounts.  Rows are in the long-form tables' order.
 */
#ifndef TYCHE_RESULTS_H
#define TYCHE_RESULTS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tyche_results tyche_results;

enum tyche_results_kind {
	TYCHE_RESULTS_SCENARIOS = 0,
	TYCHE_RESULTS_TRANCHES = 1,
	TYCHE_RESULTS_INVESTMENTS = 2
};

/* Evaluate what `kind` needs (each scenario once) with o's samples, seed
 * and threads.  Values are bit-identical to the streaming writers'. */
TYCHE_API int tyche_results_compute(tyche_results **out, const tyche_context *ctx,
				    int kind, const tyche_analysis_opts *o,
				    tyche_error *err);
TYCHE_API void tyche_results_free(tyche_results *r);   /* NULL is fine */

TYCHE_API int tyche_results_kind(const tyche_results *r);
TYCHE_API size_t tyche_results_nrows(const tyche_results *r);
TYCHE_API size_t tyche_results_nsamples(const tyche_results *r);
TYCHE_API uint64_t tyche_results_seed(const tyche_results *r);
TYCHE_API const char *tyche_results_context_hash(const tyche_results *r);
/* Key columns: their number, names, and a column's index by name (-1). */
TYCHE_API size_t tyche_results_nkeys(const tyche_results *r);
TYCHE_API const char *tyche_results_key_name(const tyche_results *r, size_t k);
TYCHE_API long tyche_results_find_key(const tyche_results *r, const char *name);
/* Row accessors (NULL when out of range); pointers are borrowed until
 * tyche_results_free.  amounts: NULL for scenario results. */
TYCHE_API const char *tyche_results_key(const tyche_results *r, size_t row, size_t k);
TYCHE_API const char *tyche_results_units(const tyche_results *r, size_t row);
TYCHE_API const double *tyche_results_values(const tyche_results *r, size_t row);
TYCHE_API const double *tyche_results_amounts(const tyche_results *r, size_t row);
/* out[k] = statistic st[k] of the row's samples (as tyche_stat_eval). */
TYCHE_API int tyche_results_row_stats(const tyche_results *r, size_t row,
				      const tyche_stat *st, size_t nst, double *out,
				      tyche_error *err);
/* The same for rows[0..nrows-1] at once: out[i * nst + k] = statistic
 * st[k] of row rows[i], bit for bit what tyche_results_row_stats gives;
 * faster on many rows (the mean/std chains of up to six rows overlap). */
TYCHE_API int tyche_results_rows_stats(const tyche_results *r, const size_t *rows,
				       size_t nrows, const tyche_stat *st, size_t nst,
				       double *out, tyche_error *err);
/* A new results object with one row per distinct combination of the key
 * columns keys[0..nkeys-1] (first-appearance order), its values the
 * per-sample sum of the rows combined (e.g. a metric summed over
 * technologies); units of the first row; no amounts. */
TYCHE_API int tyche_results_group(tyche_results **out, const tyche_results *r,
				  const size_t *keys, size_t nkeys, tyche_error *err);
/* The long-form table as CSV or JSON (enum tyche_format), the same text
 * as tyche_evaluate / tyche_tranches_write / tyche_investments_write. */
TYCHE_API int tyche_results_write(const tyche_results *r, int format,
				  tyche_write_fn w, void *arg, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
