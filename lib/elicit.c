/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit.c - read and check an elicitation table, then fit, weight and
 * pool every cell it names (tyche_elicitation_load), and the accessors
 * the front ends and plot-elicit.c read.
 *
 * The table: Table (designs, parameters or tranches), Technology,
 * Scenario, Variable, Index (for parameters Variable is the Parameter and
 * Index its Offset; for tranches Technology and Index are empty, Scenario
 * is the Tranche and Variable the Category), Expert, optional Weight,
 * Pool, Family, Notes, Units, and judgement columns Min, P05, P10, P25,
 * Mode, P50, P75, P90, P95, Max.  Rows with the same key are one cell.
 *
 * Easy to get wrong:
 *  - every problem is reported, located at its cell, before anything is
 *    fitted: a table with one typo gives one message per typo, not one;
 *  - rows are grouped by key after sorting (a linear search per row is
 *    quadratic on a hostile table), and cells keep first-seen order so
 *    the output follows the table;
 *  - weights are per cell: table weights and Cooke's weights are
 *    renormalised over the experts who judged that cell;
 *  - whether a key names a cell of a study is checked later, against the
 *    study (elicit-study.c): the same elicitation may serve a CSV study
 *    and its workbook.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "elicit.h"

#define ELICIT_MAX_ROWS 100000u
#define ELICIT_MAX_EXPERTS 1000u   /* per cell */

enum { K_TABLE, K_TECH, K_SCEN, K_VAR, K_INDEX, K_EXPERT, K_NKEY };
static const char *const key_cols[K_NKEY] = {
	"Table", "Technology", "Scenario", "Variable", "Index", "Expert"
};
static const char *const family_names[TYCHE_FAMILY_COUNT] = {
	"triang", "beta", "truncnorm", "lognorm", "gamma", "norm"
};
static const char *const pool_names[2] = { "linear", "triangular-average" };

struct row {
	double j[TY_J_N];
	double weight;       /* NaN when not given */
	int pool, family;    /* -1: default */
	int ok;              /* passed the row checks */
};

/* The loading state. */
struct load {
	tyche_elicitation *e;
	const tyche_elicit_opts *o;
	tyche_diags *d;
	struct ty_table *t;
	long key[K_NKEY], jcol[TY_J_N], wcol, pcol, fcol;
	struct row *rows;
	size_t *order;
};

const char *tyche_elicit_family_name(int family)
{
	return family >= 0 && family < TYCHE_FAMILY_COUNT ? family_names[family] : "auto";
}

const char *tyche_elicit_pool_name(int pool)
{
	return pool == TYCHE_POOL_TRIANGULAR ? pool_names[1] : pool_names[0];
}

int tyche_elicit_family_parse(const char *s)
{
	if (!strcmp(s, "auto") || !*s)
		return TYCHE_FAMILY_AUTO;
	if (!strcmp(s, "normal"))
		return TYCHE_FAMILY_NORM;
	if (!strcmp(s, "triangular"))
		return TYCHE_FAMILY_TRIANG;
	for (int i = 0; i < TYCHE_FAMILY_COUNT; i++)
		if (!strcmp(s, family_names[i]))
			return i;
	return -2;
}

int tyche_elicit_pool_parse(const char *s)
{
	if (!*s)
		return TYCHE_POOL_DEFAULT;
	for (int i = 0; i < 2; i++)
		if (!strcmp(s, pool_names[i]))
			return i;
	return -2;
}

static const char *cellv(const struct load *L, size_t r, long c)
{
	return c < 0 ? "" : ty_table_cell(L->t, r, (size_t)c);
}

/* ------------------------------------------------------------- columns */

static int check_columns(struct load *L)
{
	struct ty_table *t = L->t;
	size_t njudge = 0;
	int bad = 0;

	L->wcol = L->pcol = L->fcol = -1;
	for (int k = 0; k < K_NKEY; k++)
		if ((L->key[k] = ty_table_col(t, key_cols[k])) < 0)
			bad = ty_elicit_cell_err(L->d, t, (size_t)-1, 0,
						 "missing column '%s': an elicitation table has "
						 "columns Table, Technology, Scenario, Variable, "
						 "Index, Expert, [Weight], and judgements (Min, "
						 "P05, P10, P25, Mode, P50, P75, P90, P95, Max)",
						 key_cols[k]);
	for (int i = 0; i < TY_J_N; i++) {
		L->jcol[i] = ty_table_col(t, ty_judge_names[i]);
		njudge += L->jcol[i] >= 0;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = t->header[c];
		int known = 0;

		for (int k = 0; k < K_NKEY; k++)
			known |= !strcmp(h, key_cols[k]);
		for (int i = 0; i < TY_J_N; i++)
			known |= !strcmp(h, ty_judge_names[i]);
		if (!strcmp(h, "Weight"))
			L->wcol = (long)c;
		else if (!strcmp(h, "Pool"))
			L->pcol = (long)c;
		else if (!strcmp(h, "Family"))
			L->fcol = (long)c;
		else if (!known && strcmp(h, "Notes") && strcmp(h, "Units"))
			bad = ty_elicit_cell_err(L->d, t, (size_t)-1, c,
						 "unknown column '%.60s': expected a key column, "
						 "Weight, Pool, Family, Notes, Units, or a "
						 "judgement (Min, P05, P10, P25, Mode, P50, P75, "
						 "P90, P95, Max)", h);
	}
	if (!njudge)
		bad = ty_elicit_cell_err(L->d, t, (size_t)-1, 0,
					 "no judgement column: give some of Min, P05, P10, P25, "
					 "Mode, P50, P75, P90, P95, Max");
	if (L->o->weights == TYCHE_WEIGHTS_TABLE && L->wcol < 0)
		bad = ty_elicit_cell_err(L->d, t, (size_t)-1, 0,
					 "missing column 'Weight': --weights table reads each "
					 "expert's weight from it");
	if (t->nrows > ELICIT_MAX_ROWS)
		bad = ty_elicit_cell_err(L->d, t, (size_t)-1, 0,
					 "%zu rows: at most %u rows in an elicitation table",
					 t->nrows, ELICIT_MAX_ROWS);
	return bad ? TYCHE_EDATA : 0;
}

/* ---------------------------------------------------------------- rows */

static void check_row(struct load *L, size_t r)
{
	struct ty_table *t = L->t;
	struct row *w = &L->rows[r];
	const char *tab = cellv(L, r, L->key[K_TABLE]);
	size_t before = L->d ? L->d->nerrors : 0;
	double prev = -INFINITY;
	int prev_i = -1;
	char b1[32], b2[32], b3[32];

	w->weight = NAN;
	w->pool = w->family = -1;
	if (strcmp(tab, "designs") && strcmp(tab, "parameters") && strcmp(tab, "tranches"))
		ty_elicit_cell_err(L->d, t, r, (size_t)L->key[K_TABLE],
				   "column 'Table': '%.60s' is not designs, parameters or "
				   "tranches", tab);
	if (!strcmp(tab, "tranches")) {
		if (*cellv(L, r, L->key[K_TECH]))
			ty_elicit_cell_err(L->d, t, r, (size_t)L->key[K_TECH],
					   "column 'Technology': must be empty for a tranche "
					   "(Scenario holds the Tranche, Variable the Category)");
		if (!ty_label_is_empty(cellv(L, r, L->key[K_INDEX])))
			ty_elicit_cell_err(L->d, t, r, (size_t)L->key[K_INDEX],
					   "column 'Index': must be empty for a tranche");
	} else if (*tab && !*cellv(L, r, L->key[K_TECH])) {
		ty_elicit_cell_err(L->d, t, r, (size_t)L->key[K_TECH],
				   "column 'Technology': empty, expected the technology of "
				   "the %s cell", tab);
	}
	if (!strcmp(tab, "parameters")) {
		double off;

		if (ty_parse_number(cellv(L, r, L->key[K_INDEX]), &off) || off < 0 ||
		    off != floor(off))
			ty_elicit_cell_err(L->d, t, r, (size_t)L->key[K_INDEX],
					   "column 'Index': '%.60s' is not a parameter Offset "
					   "(an integer from 0)", cellv(L, r, L->key[K_INDEX]));
	}
	for (int k = K_SCEN; k <= K_EXPERT; k++)
		if (k != K_INDEX && !*cellv(L, r, L->key[k]))
			ty_elicit_cell_err(L->d, t, r, (size_t)L->key[k], "column '%s': empty",
					   key_cols[k]);
	for (int i = 0; i < TY_J_N; i++) {
		const char *s = cellv(L, r, L->jcol[i]);

		w->j[i] = NAN;
		if (ty_label_is_empty(s))
			continue;
		if (ty_parse_number(s, &w->j[i]) || !isfinite(w->j[i])) {
			w->j[i] = NAN;
			ty_elicit_cell_err(L->d, t, r, (size_t)L->jcol[i],
					   "column '%s': '%.60s' is not a number", ty_judge_names[i], s);
			continue;
		}
		if (i == TY_J_MODE)
			continue;
		if (!(w->j[i] > prev))
			ty_elicit_cell_err(L->d, t, r, (size_t)L->jcol[i],
					   "column '%s': %s is not above %s = %s; judgements must "
					   "increase from Min through P05 ... P95 to Max",
					   ty_judge_names[i], ty_fmt_double(w->j[i], b1),
					   ty_judge_names[prev_i], ty_fmt_double(prev, b2));
		prev = w->j[i];
		prev_i = i;
	}
	if (!isnan(w->j[TY_J_MODE]) &&
	    (w->j[TY_J_MODE] < w->j[TY_J_MIN] || w->j[TY_J_MODE] > w->j[TY_J_MAX]))
		ty_elicit_cell_err(L->d, t, r, (size_t)L->jcol[TY_J_MODE],
				   "column 'Mode': %s is outside [Min, Max] = [%s, %s]",
				   ty_fmt_double(w->j[TY_J_MODE], b1),
				   ty_fmt_double(w->j[TY_J_MIN], b2), ty_fmt_double(w->j[TY_J_MAX], b3));
	if (L->wcol >= 0) {
		const char *s = cellv(L, r, L->wcol);

		if (!ty_label_is_empty(s)) {
			if (ty_parse_number(s, &w->weight) || !isfinite(w->weight) ||
			    w->weight < 0) {
				w->weight = NAN;
				ty_elicit_cell_err(L->d, t, r, (size_t)L->wcol,
						   "column 'Weight': '%.60s' is not a weight (a "
						   "number >= 0)", s);
			}
		} else if (L->o->weights == TYCHE_WEIGHTS_TABLE) {
			ty_elicit_cell_err(L->d, t, r, (size_t)L->wcol,
					   "column 'Weight': empty; --weights table needs every "
					   "expert's weight");
		}
	}
	if (L->pcol >= 0 && (w->pool = tyche_elicit_pool_parse(cellv(L, r, L->pcol))) == -2)
		ty_elicit_cell_err(L->d, t, r, (size_t)L->pcol,
				   "column 'Pool': '%.60s' is not linear or triangular-average",
				   cellv(L, r, L->pcol));
	if (L->fcol >= 0 &&
	    (w->family = tyche_elicit_family_parse(cellv(L, r, L->fcol))) == -2)
		ty_elicit_cell_err(L->d, t, r, (size_t)L->fcol,
				   "column 'Family': '%.60s' is not auto, triang, beta, "
				   "truncnorm, lognorm, gamma or norm", cellv(L, r, L->fcol));
	w->ok = !L->d || L->d->nerrors == before;
}

/* --------------------------------------------------------------- cells */

static const struct load *sort_L;

static int cmp_rows(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	for (int k = 0; k < K_EXPERT; k++) {
		const char *s = cellv(sort_L, x, sort_L->key[k]);
		const char *u = cellv(sort_L, y, sort_L->key[k]);
		int c;

		if (k == K_INDEX && ty_label_is_empty(s) && ty_label_is_empty(u))
			continue;
		if ((c = strcmp(s, u)))
			return c;
	}
	return x < y ? -1 : x > y;
}

static int same_cell(const struct load *L, size_t x, size_t y)
{
	for (int k = 0; k < K_EXPERT; k++) {
		const char *s = cellv(L, x, L->key[k]), *u = cellv(L, y, L->key[k]);

		if (k == K_INDEX ? !ty_label_eq(s, u) : strcmp(s, u) != 0)
			return 0;
	}
	return 1;
}

static int cmp_first_row(const void *a, const void *b)
{
	const struct ty_elicit_cellx *x = a, *y = b;

	return x->first_row < y->first_row ? -1 : x->first_row > y->first_row;
}

/* Fit one expert: every family (or the one asked for). */
static int fit_expert(struct load *L, struct ty_elicit_fitted *f, size_t r, int family)
{
	const struct row *w = &L->rows[r];
	struct ty_dist best, d;
	double besterr = INFINITY, e;
	int bestfam = -1;

	for (int k = 0; k < TYCHE_FAMILY_COUNT; k++) {
		f->pub.family_error[k] = NAN;
		if (ty_elicit_fit(w->j, k, &d, &e))
			continue;
		f->pub.family_error[k] = e;
		if ((family < 0 && e < besterr - 1e-12) || family == k) {
			besterr = e;
			best = d;
			bestfam = k;
		}
	}
	if (bestfam < 0) {
		if (family >= 0)
			return ty_elicit_cell_err(L->d, L->t, r, (size_t)L->key[K_EXPERT],
						  "family '%s' does not fit the judgements of "
						  "'%.60s' (beta and truncnorm need Min, Max and two "
						  "quantiles; lognorm and gamma two quantiles above "
						  "Min, or above 0)", family_names[family],
						  cellv(L, r, L->key[K_EXPERT]));
		return ty_elicit_cell_err(L->d, L->t, r, (size_t)L->key[K_EXPERT],
					  "no usable judgement from '%.60s': give Min, Mode and "
					  "Max, or at least two of P05 ... P95",
					  cellv(L, r, L->key[K_EXPERT]));
	}
	f->dist = ty_malloc(sizeof(*f->dist));
	if (!f->dist)
		return TYCHE_ENOMEM;
	*f->dist = best;
	f->dist_text = ty_dist_format(&best);
	if (!f->dist_text)
		return TYCHE_ENOMEM;
	f->pub.expert = cellv(L, r, L->key[K_EXPERT]);
	f->pub.row = L->t->line[r];
	memcpy(f->pub.judged, w->j, sizeof(w->j));
	f->pub.family = bestfam;
	f->pub.fit_error = besterr;
	f->pub.dist = f->dist_text;
	f->pub.median = !isnan(w->j[TY_J_P50]) ? w->j[TY_J_P50] : ty_dist_median(&best);
	return 0;
}

/* Min, mode and max of an expert for the triangular average. */
static int triang_points(const struct row *w, double *mn, double *md, double *mx)
{
	struct ty_dist d;
	double e;

	if (!isnan(w->j[TY_J_MIN]) && !isnan(w->j[TY_J_MODE]) && !isnan(w->j[TY_J_MAX])) {
		*mn = w->j[TY_J_MIN];
		*md = w->j[TY_J_MODE];
		*mx = w->j[TY_J_MAX];
		return 0;
	}
	if (ty_elicit_fit(w->j, TYCHE_FAMILY_TRIANG, &d, &e))
		return -1;
	*mn = d.loc;
	*md = d.loc + d.a * d.scale;
	*mx = d.loc + d.scale;
	return 0;
}

static void flag_outliers(struct ty_elicit_cellx *c)
{
	size_t n = c->pub.nexperts;

	if (n < 3)
		return;   /* with two experts each is "outside" the other alike */
	for (size_t i = 0; i < n; i++) {
		double lo = INFINITY, hi = -INFINITY;

		for (size_t k = 0; k < n; k++) {
			const struct ty_elicit_fitted *f = &c->fx[k];

			if (k == i)
				continue;
			lo = fmin(lo, !isnan(f->pub.judged[TY_J_P10]) ? f->pub.judged[TY_J_P10]
								     : ty_dist_quantile(f->dist, 0.10));
			hi = fmax(hi, !isnan(f->pub.judged[TY_J_P90]) ? f->pub.judged[TY_J_P90]
								     : ty_dist_quantile(f->dist, 0.90));
		}
		c->fx[i].pub.outlier = c->fx[i].pub.median < lo || c->fx[i].pub.median > hi;
	}
}

static double cooke_weight(const tyche_elicitation *e, const char *expert)
{
	for (size_t i = 0; i < e->cooke.nexperts; i++)
		if (!strcmp(e->cooke_names[i], expert))
			return e->cooke_w[i];
	return 0;
}

/* Fit, weight and pool cell c (rows idx[0..n-1]). */
static int make_cell(struct load *L, struct ty_elicit_cellx *c, const size_t *idx, size_t n)
{
	struct ty_table *t = L->t;
	size_t r0 = idx[0];
	int pool = L->rows[r0].pool, family = L->rows[r0].family, rc = 0;
	double *w = NULL, *mn = NULL, *md = NULL, *mx = NULL, sum = 0;
	struct ty_dist *ds = NULL, tri;
	size_t pos = 0;
	char msg[256];

	if (n > ELICIT_MAX_EXPERTS)
		return ty_elicit_cell_err(L->d, t, idx[ELICIT_MAX_EXPERTS],
					  (size_t)L->key[K_EXPERT],
					  "more than %u experts judge this cell",
					  ELICIT_MAX_EXPERTS);
	for (size_t i = 1; i < n; i++) {
		const struct row *x = &L->rows[idx[i]];

		if (L->pcol >= 0 && x->pool != pool)
			rc = ty_elicit_cell_err(L->d, t, idx[i], (size_t)L->pcol,
						"column 'Pool': differs from row %u of the same "
						"cell; give one pool per cell", t->line[r0]);
		if (L->fcol >= 0 && x->family != family)
			rc = ty_elicit_cell_err(L->d, t, idx[i], (size_t)L->fcol,
						"column 'Family': differs from row %u of the same "
						"cell; give one family per cell", t->line[r0]);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(cellv(L, idx[i], L->key[K_EXPERT]),
				    cellv(L, idx[k], L->key[K_EXPERT]))) {
				rc = ty_elicit_cell_err(L->d, t, idx[i], (size_t)L->key[K_EXPERT],
							"column 'Expert': '%.60s' judges this cell "
							"twice (also row %u)",
							cellv(L, idx[i], L->key[K_EXPERT]),
							t->line[idx[k]]);
				break;
			}
	}
	if (pool < 0)
		pool = L->o->pool;
	if (family < 0)
		family = L->o->family;
	c->key[0] = (char *)cellv(L, r0, L->key[K_TABLE]);
	c->key[1] = (char *)cellv(L, r0, L->key[K_TECH]);
	c->key[2] = (char *)cellv(L, r0, L->key[K_SCEN]);
	c->key[3] = (char *)cellv(L, r0, L->key[K_VAR]);
	c->key[4] = (char *)cellv(L, r0, L->key[K_INDEX]);
	c->pub.table = c->key[0];
	c->pub.technology = c->key[1];
	c->pub.scenario = c->key[2];
	c->pub.variable = c->key[3];
	c->pub.index = c->key[4];
	c->pub.pool = pool;
	c->first_row = t->line[r0];
	c->r0 = r0;
	c->fx = ty_calloc(n, sizeof(*c->fx));
	if (!c->fx)
		return TYCHE_ENOMEM;
	c->pub.nexperts = n;
	for (size_t i = 0; i < n; i++) {
		int e = fit_expert(L, &c->fx[i], idx[i], family);

		if (e)
			rc = e;
	}
	if (rc)
		return rc;
	w = ty_calloc(n, sizeof(double));
	ds = ty_calloc(n, sizeof(*ds));
	mn = ty_calloc(n, sizeof(double));
	md = ty_calloc(n, sizeof(double));
	mx = ty_calloc(n, sizeof(double));
	if (!w || !ds || !mn || !md || !mx) {
		rc = TYCHE_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct row *x = &L->rows[idx[i]];

		w[i] = L->o->weights == TYCHE_WEIGHTS_TABLE ? x->weight :
		       L->o->weights == TYCHE_WEIGHTS_COOKE ? cooke_weight(L->e, c->fx[i].pub.expert) :
		       1.0;
		sum += w[i];
		ds[i] = *c->fx[i].dist;
		if (pool == TYCHE_POOL_TRIANGULAR && triang_points(x, &mn[i], &md[i], &mx[i]))
			rc = ty_elicit_cell_err(L->d, t, idx[i], (size_t)L->key[K_EXPERT],
						"pool triangular-average needs Min, Mode and Max "
						"(or judgements a triang fits) from every expert; "
						"'%.60s' gives neither",
						c->fx[i].pub.expert);
	}
	if (!(sum > 0))
		rc = ty_elicit_cell_err(L->d, t, r0, (size_t)L->key[K_EXPERT],
					"the experts of this cell have weights that add up to 0%s",
					L->o->weights == TYCHE_WEIGHTS_COOKE ?
					" (every one is below Cooke's calibration cut-off)" : "");
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++)
		c->fx[i].pub.weight = w[i] / sum;
	if (pool == TYCHE_POOL_TRIANGULAR) {
		if (ty_elicit_pool_triang(mn, md, mx, w, n, &tri)) {
			rc = ty_elicit_cell_err(L->d, t, r0, (size_t)L->key[K_EXPERT],
						"the weighted average of the experts' Min and Max "
						"is an empty range");
			goto out;
		}
		c->pooled = ty_dist_format(&tri);
	} else {
		c->pooled = ty_elicit_pool_linear(ds, w, n);
	}
	if (!c->pooled) {
		rc = TYCHE_ENOMEM;
		goto out;
	}
	if (ty_dist_parse(c->pooled, &c->pool, &pos, msg, sizeof(msg))) {
		rc = ty_elicit_cell_err(L->d, t, r0, (size_t)L->key[K_EXPERT],
					"internal: the pooled distribution does not parse: %s", msg);
		goto out;
	}
	c->pub.pooled = c->pooled;
	flag_outliers(c);
	if (!(c->xs = ty_calloc(n, sizeof(*c->xs)))) {
		rc = TYCHE_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		c->xs[i] = c->fx[i].pub;
	c->pub.experts = c->xs;
out:
	free(w);
	free(ds);
	free(mn);
	free(md);
	free(mx);
	return rc;
}

/* Unique expert names in table order (for Cooke). */
static int expert_names(struct load *L)
{
	tyche_elicitation *e = L->e;

	e->cooke_names = ty_calloc(L->t->nrows + 1, sizeof(char *));
	if (!e->cooke_names)
		return TYCHE_ENOMEM;
	for (size_t r = 0; r < L->t->nrows; r++) {
		const char *s = cellv(L, r, L->key[K_EXPERT]);
		size_t i;

		for (i = 0; i < e->cooke.nexperts; i++)
			if (!strcmp(e->cooke_names[i], s))
				break;
		if (i == e->cooke.nexperts && *s)
			e->cooke_names[e->cooke.nexperts++] = (char *)s;
	}
	return 0;
}

static int cooke_weights(struct load *L)
{
	tyche_elicitation *e = L->e;
	struct ty_cooke co = { 0 };
	size_t n, nq = 0;
	int rc;

	if ((rc = expert_names(L)))
		return rc;
	n = e->cooke.nexperts;
	e->cooke_cal = ty_calloc(n + 1, sizeof(double));
	e->cooke_inf = ty_calloc(n + 1, sizeof(double));
	e->cooke_w = ty_calloc(n + 1, sizeof(double));
	if (!e->cooke_cal || !e->cooke_inf || !e->cooke_w)
		return TYCHE_ENOMEM;
	rc = ty_cooke_from_table(L->o->seeds, (const char *const *)e->cooke_names, n,
				 L->o->cooke_alpha, e->cooke_cal, e->cooke_inf, e->cooke_w, &co,
				 &nq, L->d);
	if (rc)
		return rc;
	e->have_cooke = 1;
	e->cooke.nquestions = nq;
	e->cooke.expert = (const char *const *)e->cooke_names;
	e->cooke.calibration = e->cooke_cal;
	e->cooke.information = e->cooke_inf;
	e->cooke.weight = e->cooke_w;
	e->cooke.alpha = co.alpha;
	e->cooke.dm_calibration = co.dm_cal;
	e->cooke.dm_information = co.dm_inf;
	return 0;
}

static int group_cells(struct load *L)
{
	tyche_elicitation *e = L->e;
	size_t nr = L->t->nrows, n = 0;
	int rc = 0;

	L->order = ty_calloc(nr + 1, sizeof(size_t));
	e->cells = ty_calloc(nr + 1, sizeof(*e->cells));
	if (!L->order || !e->cells)
		return TYCHE_ENOMEM;
	for (size_t r = 0; r < nr; r++)
		if (L->rows[r].ok)
			L->order[n++] = r;
	sort_L = L;   /* qsort has no context argument; loads do not nest */
	qsort(L->order, n, sizeof(size_t), cmp_rows);
	for (size_t i = 0; i < n;) {
		size_t k = i + 1;
		int r;

		while (k < n && same_cell(L, L->order[i], L->order[k]))
			k++;
		r = make_cell(L, &e->cells[e->ncells++], L->order + i, k - i);
		if (r && !rc)
			rc = r;
		if (r == TYCHE_ENOMEM)
			return r;
		i = k;
	}
	qsort(e->cells, e->ncells, sizeof(*e->cells), cmp_first_row);
	return rc;
}

int tyche_elicitation_load(tyche_elicitation **out, const char *path,
			   const tyche_elicit_opts *opts, tyche_diags *diags)
{
	tyche_elicit_opts def = TYCHE_ELICIT_OPTS_INIT;
	struct load L;
	tyche_error err = { 0 };
	size_t nerr0 = diags ? diags->nerrors : 0;
	int rc;

	memset(&L, 0, sizeof(L));
	L.o = opts ? opts : &def;
	L.d = diags;
	if (!out || !path || L.o->pool < 0 || L.o->pool > 1 || L.o->weights < 0 ||
	    L.o->weights > 2 || L.o->family < -1 || L.o->family >= TYCHE_FAMILY_COUNT ||
	    (L.o->weights == TYCHE_WEIGHTS_COOKE && !L.o->seeds) || !(L.o->cooke_alpha <= 1)) {
		ty_diag_add(diags, TYCHE_SEV_ERROR, "", 0, 0,
			    "elicitation: bad options (Cooke weights need a seed table; "
			    "the cut-off is at most 1)");
		return TYCHE_EUSAGE;
	}
	L.e = ty_calloc(1, sizeof(*L.e));
	if (!L.e || !(L.e->path = ty_strdup(path))) {
		rc = TYCHE_ENOMEM;
		goto out;
	}
	if ((rc = ty_elicit_read_table(path, "elicitation", &L.t, &err))) {
		ty_diag_from_error(diags, &err);
		goto out;
	}
	L.e->t = L.t;
	if ((rc = check_columns(&L)))
		goto out;
	memcpy(L.e->keycol, L.key, sizeof(L.key));
	L.rows = ty_calloc(L.t->nrows + 1, sizeof(*L.rows));
	if (!L.rows) {
		rc = TYCHE_ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < L.t->nrows; r++)
		check_row(&L, r);
	if (!L.t->nrows)
		ty_diag_add(diags, TYCHE_SEV_ERROR, path, 0, 0, "no judgements: the table is empty");
	if (L.o->weights == TYCHE_WEIGHTS_COOKE && (!diags || diags->nerrors == nerr0) &&
	    (rc = cooke_weights(&L)))
		goto out;
	rc = group_cells(&L);
	if (!rc && diags && diags->nerrors > nerr0)
		rc = TYCHE_EDATA;
out:
	if (rc == TYCHE_ENOMEM)
		ty_diag_add(diags, TYCHE_SEV_ERROR, path, 0, 0, "out of memory");
	free(L.rows);
	free(L.order);
	if (rc) {
		tyche_elicitation_free(L.e);
		return rc;
	}
	*out = L.e;
	return 0;
}

void tyche_elicitation_free(tyche_elicitation *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->ncells; i++) {
		struct ty_elicit_cellx *c = &e->cells[i];

		for (size_t k = 0; c->fx && k < c->pub.nexperts; k++) {
			free(c->fx[k].dist);
			free(c->fx[k].dist_text);
		}
		free(c->fx);
		free(c->xs);
		free(c->pooled);
		ty_dist_free(c->pool);
	}
	free(e->cells);
	free(e->cell_row);
	free(e->cooke_names);
	free(e->cooke_cal);
	free(e->cooke_inf);
	free(e->cooke_w);
	ty_table_free(e->t);
	free(e->path);
	free(e);
}

size_t tyche_elicitation_ncells(const tyche_elicitation *e)
{
	return e ? e->ncells : 0;
}

const tyche_elicit_cell *tyche_elicitation_cell(const tyche_elicitation *e, size_t i)
{
	return e && i < e->ncells ? &e->cells[i].pub : NULL;
}

static const struct ty_dist *dist_of(const tyche_elicitation *e, size_t cell, size_t expert)
{
	if (!e || cell >= e->ncells)
		return NULL;
	if (expert == TYCHE_ELICIT_POOLED)
		return e->cells[cell].pool;
	return expert < e->cells[cell].pub.nexperts ? e->cells[cell].fx[expert].dist : NULL;
}

double tyche_elicitation_cdf(const tyche_elicitation *e, size_t cell, size_t expert, double x)
{
	const struct ty_dist *d = dist_of(e, cell, expert);

	return d ? ty_dist_cdf(d, x) : NAN;
}

double tyche_elicitation_quantile(const tyche_elicitation *e, size_t cell, size_t expert,
				  double p)
{
	const struct ty_dist *d = dist_of(e, cell, expert);

	return d && p >= 0 && p <= 1 ? ty_dist_quantile(d, p) : NAN;
}

const tyche_cooke_scores *tyche_elicitation_cooke(const tyche_elicitation *e)
{
	return e && e->have_cooke ? &e->cooke : NULL;
}
