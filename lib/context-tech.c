/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-tech.c - a technology's own tables: its index sets (indices),
 * its scenarios' design values (designs) and parameters (parameters),
 * and the rows it reports (results).  Map of the loader: context-load.h.
 *
 * Easy to get wrong:
 *  - Index elements are ordered by their Offset column, never by row
 *    order, as the reference's model arrays are; offsets start at 0 and a
 *    gap or a duplicate is a located error, never closed up.
 *  - Every scenario gives each design cell of its technology exactly once
 *    (a missing row and a duplicate are both errors, never a default or
 *    "last one wins"), and every scenario has the same parameters at the
 *    same offsets.
 *  - A row whose technology, scenario or index was already reported as
 *    unknown is skipped quietly: one typo gives one message, not twenty.
 *  - A cell's key ("Lifetime\x1fModule", an offset) names its random
 *    stream: changing how keys are built changes every sampled result.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "context-load.h"

static const char *const design_vars[] = {
	"Input", "Input efficiency", "Input price", "Output efficiency",
	"Output price", "Lifetime", "Scale"
};
enum { DV_INPUT, DV_INPUT_EFF, DV_INPUT_PRICE, DV_OUTPUT_EFF, DV_OUTPUT_PRICE,
       DV_LIFETIME, DV_SCALE, DV_N };

enum { IT_CAPITAL, IT_INPUT, IT_OUTPUT, IT_METRIC, IT_FIXED, IT_N };
static const char *const index_types[IT_N] = {
	"Capital", "Input", "Output", "Metric", "Fixed"
};


/* ------------------------------------------------------------ indices */

struct idx_row {
	long offset;
	char *name;
	size_t row;
};

static int idx_cmp(const void *a, const void *b)
{
	const struct idx_row *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

void ty_context_load_indices(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_INDICES];
	/* per technology, per type: rows */
	size_t nt = ctx->ntech;
	struct idx_row **rows = ty_calloc(nt * IT_N, sizeof(*rows));
	size_t *nrows = ty_calloc(nt * IT_N, sizeof(*nrows));
	long global_next[IT_N] = { 0 };

	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_INDICES, r, 0);
		const char *type = cell(L, TY_T_INDICES, r, 1);
		long ti = ty_context_find_tech(ctx, tech), ty = -1, off;

		for (int k = 0; k < IT_N; k++)
			if (!strcmp(type, index_types[k]))
				ty = k;
		if (ti < 0) {
			cell_err(L, TY_T_INDICES, r, colpos(L, TY_T_INDICES, 0),
				 "technology '%s' is not in the designs table", tech);
			continue;
		}
		if (ty < 0) {
			cell_err(L, TY_T_INDICES, r, colpos(L, TY_T_INDICES, 1),
				 "unknown Type '%s', expected one of Capital, Input, Output, Metric, Fixed",
				 type);
			continue;
		}
		if (ty_context_parse_offset(L, TY_T_INDICES, r, 3, &off))
			continue;
		{
			size_t k = (size_t)ti * IT_N + (size_t)ty;
			struct idx_row *nr = realloc(rows[k], (nrows[k] + 1) * sizeof(*nr));

			rows[k] = nr;
			nr[nrows[k]].offset = off;
			nr[nrows[k]].name = (char *)cell(L, TY_T_INDICES, r, 2);
			nr[nrows[k]].row = r;
			nrows[k]++;
		}
	}
	for (size_t ti = 0; ti < nt; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		for (int ty = 0; ty < IT_N; ty++) {
			size_t k = ti * IT_N + (size_t)ty, n = nrows[k];
			struct idx_row *v = rows[k];
			char **names;
			int bad = 0;

			if (!n) {
				if (ty != IT_FIXED)
					ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
						    "technology '%s' has no index of Type '%s' (the indices table needs at least one)",
						    T->name, index_types[ty]);
				continue;
			}
			qsort(v, n, sizeof(*v), idx_cmp);
			for (size_t i = 1; i < n; i++) {
				if (v[i].offset == v[i - 1].offset) {
					cell_err(L, TY_T_INDICES, v[i].row, colpos(L, TY_T_INDICES, 3),
						 "duplicate Offset %ld for Type '%s' of technology '%s' (also on row %u)",
						 v[i].offset, index_types[ty], T->name,
						 t->line[v[i - 1].row]);
					bad = 1;
				}
				for (size_t j = 0; j < i; j++)
					if (ty_label_eq(v[i].name, v[j].name) &&
					    !ty_label_is_empty(v[i].name)) {
						cell_err(L, TY_T_INDICES, v[i].row, colpos(L, TY_T_INDICES, 2),
							 "duplicate Index '%s' for Type '%s' of technology '%s' (also on row %u)",
							 v[i].name, index_types[ty], T->name, t->line[v[j].row]);
						bad = 1;
					}
			}
			if (!bad) {
				/* offsets 0..n-1 per technology, or the reference's
				 * numbering that continues over technologies */
				long start = v[0].offset;

				if (start != 0 && start != global_next[ty]) {
					cell_err(L, TY_T_INDICES, v[0].row, colpos(L, TY_T_INDICES, 3),
						 "Offsets of Type '%s' of technology '%s' start at %ld, expected 0",
						 index_types[ty], T->name, start);
					bad = 1;
				}
				for (size_t i = 1; i < n && !bad; i++)
					if (v[i].offset != start + (long)i) {
						cell_err(L, TY_T_INDICES, v[i].row, colpos(L, TY_T_INDICES, 3),
							 "gap in Offsets of Type '%s' of technology '%s': found %ld after %ld, expected %ld",
							 index_types[ty], T->name, v[i].offset,
							 v[i - 1].offset, start + (long)i);
						bad = 1;
					}
				global_next[ty] = v[n - 1].offset + 1;
			}
			names = ty_calloc(n, sizeof(char *));
			for (size_t i = 0; i < n; i++)
				names[i] = ty_strdup(ty_label_is_empty(v[i].name) ? "" : v[i].name);
			switch (ty) {
			case IT_CAPITAL: T->capital = names; T->n_capital = n; break;
			case IT_INPUT: T->input = names; T->n_input = n; break;
			case IT_OUTPUT: T->output = names; T->n_output = n; break;
			case IT_METRIC: T->metric = names; T->n_metric = n; break;
			case IT_FIXED: T->fixed = names; T->n_fixed = (long)n; break;
			}
		}
	}
	for (size_t k = 0; k < nt * IT_N; k++)
		free(rows[k]);
	free(rows);
	free(nrows);
}

/* ------------------------------------------------------------ designs */

static struct ty_cell *design_slot(struct ty_tech *T, struct ty_scenario *S,
				   int dv, long off)
{
	switch (dv) {
	case DV_INPUT: return &S->input_raw[off];
	case DV_INPUT_EFF: return &S->input_eff[off];
	case DV_INPUT_PRICE: return &S->input_price[off];
	case DV_OUTPUT_EFF: return &S->output_eff[off];
	case DV_OUTPUT_PRICE: return &S->output_price[off];
	case DV_LIFETIME: return &S->lifetime[off];
	default: return &S->scale;
	}
	(void)T;
}

static void alloc_scenario(struct ty_tech *T, struct ty_scenario *S)
{
	S->lifetime = ty_calloc(T->n_capital, sizeof(struct ty_cell));
	S->input_raw = ty_calloc(T->n_input, sizeof(struct ty_cell));
	S->input_eff = ty_calloc(T->n_input, sizeof(struct ty_cell));
	S->input_price = ty_calloc(T->n_input, sizeof(struct ty_cell));
	S->output_eff = ty_calloc(T->n_output, sizeof(struct ty_cell));
	S->output_price = ty_calloc(T->n_output, sizeof(struct ty_cell));
}

static const char *dv_type(int dv)
{
	if (dv == DV_LIFETIME)
		return "Capital";
	if (dv <= DV_INPUT_PRICE)
		return "Input";
	if (dv <= DV_OUTPUT_PRICE)
		return "Output";
	return "";
}

void ty_context_load_designs(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_DESIGNS];
	/* first row of each tech/scenario, to locate "missing" messages */
	size_t **first_row = ty_calloc(ctx->ntech, sizeof(*first_row));

	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		first_row[ti] = ty_calloc(T->nscen, sizeof(size_t));
		for (size_t s = 0; s < T->nscen; s++) {
			alloc_scenario(T, &T->scen[s]);
			first_row[ti][s] = (size_t)-1;
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_DESIGNS, r, 0);
		const char *scen = cell(L, TY_T_DESIGNS, r, 1);
		const char *var = cell(L, TY_T_DESIGNS, r, 2);
		const char *idx = cell(L, TY_T_DESIGNS, r, 3);
		long ti = ty_context_find_tech(ctx, tech), si, dv = -1, off = 0;
		struct ty_tech *T;
		struct ty_scenario *S;
		struct ty_cell *slot;
		char *key;

		if (ti < 0)
			continue;   /* only empty technology names: reported */
		T = &ctx->tech[ti];
		si = ty_context_find_scen(T, scen);
		if (si < 0)
			continue;
		S = &T->scen[si];
		if (first_row[ti][si] == (size_t)-1)
			first_row[ti][si] = r;
		for (int k = 0; k < DV_N; k++)
			if (!strcmp(var, design_vars[k]))
				dv = k;
		if (dv < 0) {
			int near = -1;

			for (int k = 0; k < DV_N; k++)
				if (!strcasecmp(var, design_vars[k]))
					near = k;
			cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 2),
				 "unknown Variable '%s'%s%s%s, expected one of Input, Input efficiency, Input price, Output efficiency, Output price, Lifetime, Scale",
				 var, near >= 0 ? " (did you mean '" : "",
				 near >= 0 ? design_vars[near] : "", near >= 0 ? "'?)" : "");
			continue;
		}
		if (dv != DV_SCALE) {
			char **names = dv == DV_LIFETIME ? T->capital
				     : dv <= DV_INPUT_PRICE ? T->input : T->output;
			size_t n = dv == DV_LIFETIME ? T->n_capital
				 : dv <= DV_INPUT_PRICE ? T->n_input : T->n_output;

			if (!names)
				continue;   /* reported with the indices */
			off = ty_context_find_label(names, n, idx);
			if (off < 0) {
				char *known = ty_context_list_names(names, n);

				cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 3),
					 "Index '%s' of Variable '%s' is not %s %s index of technology '%s' in the indices table, expected one of %s",
					 idx, var, dv == DV_LIFETIME ? "a" : "an", dv_type((int)dv), tech, known);
				free(known);
				continue;
			}
		}
		slot = design_slot(T, S, (int)dv, off);
		if (slot->text) {
			cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 2),
				 "duplicate row: technology '%s', scenario '%s' already has Variable '%s' with Index '%s'",
				 tech, scen, var, idx);
			continue;
		}
		key = ty_asprintf("%s\x1f%s", design_vars[dv],
				  dv == DV_SCALE ? "" : (ty_label_is_empty(idx) ? "" : idx));
		if (ty_context_parse_value(L, TY_T_DESIGNS, r, 4, slot, key))
			slot->text = cell(L, TY_T_DESIGNS, r, 4);
		free(key);
	}
	/* completeness: every scenario has every variable and index */
	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_scenario *S = &T->scen[s];
			size_t fr = first_row[ti][s];

			if (fr == (size_t)-1)
				continue;
			for (int dv = 0; dv < DV_N; dv++) {
				char **names = dv == DV_LIFETIME ? T->capital
					     : dv <= DV_INPUT_PRICE ? T->input : T->output;
				size_t n = dv == DV_SCALE ? 1
					 : dv == DV_LIFETIME ? T->n_capital
					 : dv <= DV_INPUT_PRICE ? T->n_input : T->n_output;

				if (dv != DV_SCALE && !names)
					continue;
				for (size_t k = 0; k < n; k++) {
					if (design_slot(T, S, dv, (long)k)->text)
						continue;
					if (dv == DV_SCALE)
						cell_err(L, TY_T_DESIGNS, fr, colpos(L, TY_T_DESIGNS, 1),
							 "technology '%s', scenario '%s' has no 'Scale' row",
							 T->name, S->name);
					else
						cell_err(L, TY_T_DESIGNS, fr, colpos(L, TY_T_DESIGNS, 1),
							 "technology '%s', scenario '%s' has no '%s' row for %s index '%s'",
							 T->name, S->name, design_vars[dv], dv_type(dv),
							 names[k][0] ? names[k] : "(empty)");
				}
			}
		}
		free(first_row[ti]);
	}
	free(first_row);
}

/* ------------------------------------------------------------ parameters */

struct par_row {
	long offset;
	const char *name;
	size_t row;
};

static int par_cmp(const void *a, const void *b)
{
	const struct par_row *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Rows of the parameters table ordered by (technology, scenario, row):
 * each scenario's rows are then one binary search away (a scan of the
 * whole table per scenario was quadratic). */
struct par_key {
	const char *tech, *scen;
	size_t row;
};

static int par_key_cmp(const void *a, const void *b)
{
	const struct par_key *x = a, *y = b;
	int c = strcmp(x->tech, y->tech);

	if (!c)
		c = strcmp(x->scen, y->scen);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* First position in the sorted rows of (tech, scen). */
static size_t par_lower(const struct par_key *rows, size_t n, const char *tech,
			const char *scen)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rows[mid].tech, tech);

		if (!c)
			c = strcmp(rows[mid].scen, scen);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ty_context_load_parameters(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_PARAMETERS];
	struct par_key *rows = ty_calloc(t->nrows ? t->nrows : 1, sizeof(*rows));

	if (!rows) {
		ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0, "out of memory");
		return;
	}
	for (size_t r = 0; r < t->nrows; r++)
		rows[r] = (struct par_key){ cell(L, TY_T_PARAMETERS, r, 0),
					    cell(L, TY_T_PARAMETERS, r, 1), r };
	qsort(rows, t->nrows, sizeof(*rows), par_key_cmp);

	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];
		int have_ref = 0;
		struct par_row *ref = NULL;
		size_t nref = 0;
		const char *ref_scen = NULL;

		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_scenario *S = &T->scen[s];
			struct par_row *v = NULL;
			size_t n = 0;
			int bad = 0;

			size_t cap = 0;

			for (size_t ri = par_lower(rows, t->nrows, T->name, S->name);
			     ri < t->nrows; ri++) {
				size_t r = rows[ri].row;
				long off;

				if (strcmp(rows[ri].tech, T->name) || strcmp(rows[ri].scen, S->name))
					break;
				if (ty_context_parse_offset(L, TY_T_PARAMETERS, r, 3, &off)) {
					bad = 1;
					continue;
				}
				if (n == cap) {
					struct par_row *nv;

					cap = cap ? 2 * cap : 16;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv)
						break;
					v = nv;
				}
				v[n].offset = off;
				v[n].name = cell(L, TY_T_PARAMETERS, r, 2);
				v[n].row = r;
				n++;
			}
			if (n == 0) {
				if (!bad)
					ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
						    "technology '%s', scenario '%s' is in the designs table but has no rows in the parameters table",
						    T->name, S->name);
				free(v);
				continue;
			}
			qsort(v, n, sizeof(*v), par_cmp);
			for (size_t i = 0; i < n; i++) {
				if (i && v[i].offset == v[i - 1].offset) {
					cell_err(L, TY_T_PARAMETERS, v[i].row, colpos(L, TY_T_PARAMETERS, 3),
						 "duplicate Offset %ld in technology '%s', scenario '%s' (also on row %u)",
						 v[i].offset, T->name, S->name, t->line[v[i - 1].row]);
					bad = 1;
				} else if (!bad && v[i].offset != (long)i) {
					cell_err(L, TY_T_PARAMETERS, v[i].row, colpos(L, TY_T_PARAMETERS, 3),
						 "gap in parameter Offsets of technology '%s', scenario '%s': found %ld, expected %zu",
						 T->name, S->name, v[i].offset, i);
					bad = 1;
				}
			}
			if (bad) {
				free(v);
				continue;
			}
			if (!have_ref) {
				have_ref = 1;
				ref = v;
				nref = n;
				ref_scen = S->name;
				T->n_param = n;
				T->param = ty_calloc(n, sizeof(char *));
				for (size_t i = 0; i < n; i++)
					T->param[i] = ty_strdup(v[i].name);
			} else {
				if (n != nref) {
					cell_err(L, TY_T_PARAMETERS, v[0].row, colpos(L, TY_T_PARAMETERS, 1),
						 "technology '%s': scenario '%s' has %zu parameters but scenario '%s' has %zu; every scenario needs the same offsets",
						 T->name, S->name, n, ref_scen, nref);
					free(v);
					continue;
				}
				for (size_t i = 0; i < n; i++)
					if (strcmp(v[i].name, ref[i].name))
						cell_err(L, TY_T_PARAMETERS, v[i].row, colpos(L, TY_T_PARAMETERS, 2),
							 "parameter at Offset %zu is '%s' here but '%s' in scenario '%s'; every scenario needs the same parameters",
							 i, v[i].name, ref[i].name, ref_scen);
			}
			S->param = ty_calloc(n, sizeof(struct ty_cell));
			for (size_t i = 0; i < n; i++) {
				char key[32];

				snprintf(key, sizeof key, "%zu", i);
				if (ty_context_parse_value(L, TY_T_PARAMETERS, v[i].row, 4, &S->param[i], key))
					S->param[i].text = cell(L, TY_T_PARAMETERS, v[i].row, 4);
			}
			if (v != ref)
				free(v);
		}
		free(ref);
	}
	free(rows);
	/* rows naming an unknown technology or scenario */
	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_PARAMETERS, r, 0);
		const char *scen = cell(L, TY_T_PARAMETERS, r, 1);
		long ti = ty_context_find_tech(ctx, tech);

		if (ti < 0)
			cell_err(L, TY_T_PARAMETERS, r, colpos(L, TY_T_PARAMETERS, 0),
				 "technology '%s' is not in the designs table", tech);
		else if (ty_context_find_scen(&ctx->tech[ti], scen) < 0)
			cell_err(L, TY_T_PARAMETERS, r, colpos(L, TY_T_PARAMETERS, 1),
				 "scenario '%s' of technology '%s' is not in the designs table",
				 scen, tech);
	}
}

/* ------------------------------------------------------------ results */

static int result_cmp(const void *a, const void *b)
{
	const struct ty_result_row *x = a, *y = b;

	if (x->var != y->var)
		return (int)x->var - (int)y->var;
	return strcmp(x->index, y->index);
}

void ty_context_load_results(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_RESULTS];

	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_RESULTS, r, 0);
		const char *var = cell(L, TY_T_RESULTS, r, 1);
		const char *idx = cell(L, TY_T_RESULTS, r, 2);
		long ti = ty_context_find_tech(ctx, tech), off = 0;
		struct ty_tech *T;
		enum ty_var v;

		if (ti < 0) {
			cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 0),
				 "technology '%s' is not in the designs table", tech);
			continue;
		}
		T = &ctx->tech[ti];
		if (!strcmp(var, "Cost"))
			v = TY_VAR_COST;
		else if (!strcmp(var, "Output"))
			v = TY_VAR_OUTPUT;
		else if (!strcmp(var, "Metric"))
			v = TY_VAR_METRIC;
		else {
			cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 1),
				 "unknown Variable '%s', expected Cost, Output or Metric", var);
			continue;
		}
		if (v == TY_VAR_COST) {
			if (strcmp(idx, "Cost")) {
				cell_warn(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 2),
					  "results row Cost/'%s' is never produced (the unit cost is reported as Cost/Cost); it is left out",
					  idx);
				off = -1;
			}
		} else {
			char **names = v == TY_VAR_OUTPUT ? T->output : T->metric;
			size_t n = v == TY_VAR_OUTPUT ? T->n_output : T->n_metric;

			if (!names)
				continue;
			off = ty_context_find_label(names, n, idx);
			if (off < 0) {
				char *known = ty_context_list_names(names, n);

				cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 2),
					 "Index '%s' is not a%s index of technology '%s' in the indices table, expected one of %s",
					 idx, v == TY_VAR_OUTPUT ? "n Output" : " Metric", tech, known);
				free(known);
				continue;
			}
		}
		for (size_t k = 0; k < T->nresults; k++)
			if (T->results[k].var == v && !strcmp(T->results[k].index, idx)) {
				cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 2),
					 "duplicate results row %s/'%s' for technology '%s'", var, idx, tech);
				off = -2;
			}
		if (off == -2)
			continue;
		T->results = realloc(T->results, (T->nresults + 1) * sizeof(*T->results));
		T->results[T->nresults].var = v;
		T->results[T->nresults].index = ty_strdup(idx);
		T->results[T->nresults].units = ty_strdup(cell(L, TY_T_RESULTS, r, 3));
		T->results[T->nresults].offset = off;
		T->nresults++;
	}
	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];
		int has_cost = 0;

		for (size_t k = 0; k < T->nresults; k++)
			if (T->results[k].var == TY_VAR_COST && T->results[k].offset == 0)
				has_cost = 1;
		if (!has_cost)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "technology '%s' has no results row with Variable 'Cost' and Index 'Cost'",
				    T->name);
		/* outputs and metrics of the indices table are all reported */
		for (int w = 0; w < 2; w++) {
			char **names = w ? T->metric : T->output;
			size_t n = w ? T->n_metric : T->n_output;

			for (size_t k = 0; names && k < n; k++) {
				int found = 0;

				for (size_t j = 0; j < T->nresults; j++)
					if (T->results[j].var == (w ? TY_VAR_METRIC : TY_VAR_OUTPUT) &&
					    T->results[j].offset == (long)k)
						found = 1;
				if (!found)
					ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
						    "technology '%s': %s '%s' of the indices table has no row in the results table",
						    T->name, w ? "Metric" : "Output", names[k]);
			}
		}
		if (T->nresults)
			qsort(T->results, T->nresults, sizeof(*T->results), result_cmp);
		if (T->n_metric > TY_MAX_METRICS || T->nresults > 4 * TY_MAX_METRICS)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "technology '%s' has %zu metrics and %zu results rows; at most %d and %d are supported",
				    T->name, T->n_metric, T->nresults, TY_MAX_METRICS, 4 * TY_MAX_METRICS);
	}
	{
		/* metrics of every technology together (the response surface) */
		struct strset all = { 0 };

		for (size_t ti = 0; ti < ctx->ntech; ti++)
			for (size_t k = 0; k < ctx->tech[ti].nresults; k++)
				if (ctx->tech[ti].results[k].var == TY_VAR_METRIC)
					ty_strset_add(&all, ctx->tech[ti].results[k].index);
		if (all.n > TY_MAX_METRICS)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "the context has %zu distinct metrics; at most %d are supported",
				    all.n, TY_MAX_METRICS);
		ty_strset_release(&all);
	}
}

