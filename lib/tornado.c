/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tornado.c - the tornado: how far one metric swings when each uncertain
 * input goes from its 10th to its 90th percentile with the others at
 * their medians, at a portfolio (through a one-sample surface) or in one
 * scenario (straight from the evaluator).  Bars are sorted by swing.
 *
 * Easy to get wrong:
 *  - The tornado swings one *input* at a time: a parameter (or design
 *    Variable-Index) of a technology, in every scenario where it is
 *    uncertain at once, each cell to its own q10 / q90.  Swinging single
 *    cells would split one expert judgement (say Module Efficiency) into
 *    as many bars as there are scenarios.  An uncertain tranche amount is
 *    an input of its own (portfolio mode only).
 *  - The lists grow from the context (inputs, cells per input) through
 *    ty_grow() (grow.h), which checks the size arithmetic; never by hand.
 *  - The process's work budget is checked before every evaluation; when
 *    it runs out the tornado fails with TYCHE_ETIMEOUT.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "grow.h"
#include "surface.h"

void tyche_tornado_free(tyche_tornado *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

/* An input: the uncertain cells sharing technology, table and key. */
struct input {
	size_t tech;
	const char *table, *key;
	const struct ty_tranche *tranche;   /* uncertain tranche amount */
	struct ty_cell_override *lo, *hi;   /* one per cell */
	size_t n, cap_lo, cap_hi;
	char label[256];
};

/* A new zeroed input at the end of *in (n of cap); NULL when out of memory. */
static struct input *input_new(struct input **in, size_t *n, size_t *cap)
{
	struct input *v;

	if (ty_grow(in, cap, *n + 1, sizeof **in))
		return NULL;
	v = &(*in)[(*n)++];
	memset(v, 0, sizeof *v);
	return v;
}

static void scen_cells(const struct ty_tech *T, const struct ty_scenario *S,
		       const struct ty_cell **v, size_t *n)
{
	size_t k = 0;

	v[k++] = &S->scale;
	for (size_t i = 0; i < T->n_capital; i++)
		v[k++] = &S->lifetime[i];
	for (size_t i = 0; i < T->n_input; i++) {
		v[k++] = &S->input_raw[i];
		v[k++] = &S->input_eff[i];
		v[k++] = &S->input_price[i];
	}
	for (size_t i = 0; i < T->n_output; i++) {
		v[k++] = &S->output_eff[i];
		v[k++] = &S->output_price[i];
	}
	for (size_t i = 0; i < T->n_param; i++)
		v[k++] = &S->param[i];
	*n = k;
}

/* Add a cell to an input, at its q10 (lo) and q90 (hi). */
static int input_add(struct input *in, const struct ty_cell *cell)
{
	if (ty_grow(&in->lo, &in->cap_lo, in->n + 1, sizeof *in->lo) ||
	    ty_grow(&in->hi, &in->cap_hi, in->n + 1, sizeof *in->hi))
		return -1;
	in->lo[in->n].cell = cell;
	in->lo[in->n].value = ty_dist_quantile(cell->dist, 0.1);
	in->hi[in->n].cell = cell;
	in->hi[in->n].value = ty_dist_quantile(cell->dist, 0.9);
	in->n++;
	return 0;
}

static void make_label(const tyche_context *ctx, struct input *in, size_t pidx)
{
	const struct ty_tech *T = &ctx->tech[in->tech];

	if (in->tranche) {
		snprintf(in->label, sizeof in->label, "%s: amount of %s", in->tranche->category,
			 in->tranche->name);
	} else if (!strcmp(in->table, "parameters") && pidx < T->n_param && T->param &&
		   T->param[pidx]) {
		snprintf(in->label, sizeof in->label, "%s: %s", T->name, T->param[pidx]);
	} else {
		char key[200];
		size_t k = 0;

		for (const char *p = in->key; *p && k + 1 < sizeof key; p++)
			key[k++] = *p == '\x1f' ? ' ' : *p;
		key[k] = '\0';
		snprintf(in->label, sizeof in->label, "%s: %s", T->name, key);
	}
}

/* The metric's value: at a portfolio (through a fixed surface) or in one
 * scenario (straight from the evaluator). */
struct tor {
	const tyche_context *ctx;
	long metric_ix;               /* portfolio: surface metric */
	const char *metric;
	const char *const *assign;
	size_t nassign;
	double *amounts;
	/* scenario mode */
	struct ty_eval *E;
	struct ty_eval_ws *ws;
	size_t tech, scen, row, nrows;
	double **rows, *rowbuf;
};

static int tor_value(struct tor *t, const struct ty_cell_override *ov, size_t nov,
		     double *out, tyche_error *err)
{
	int brc = ty_budget_check(err, "building the tornado");

	if (brc)
		return brc;
	if (t->E) {
		int rc;

		ty_eval_ws_set_overrides(t->ws, ov, nov, 1);
		rc = ty_eval_block(t->E, t->ws, t->tech, t->scen, 0, 1, t->rows);
		if (rc)
			return ty_error_at(err, rc, "", 0, 0, "evaluation of the scenario failed");
		*out = t->rows[t->row][0];
		return 0;
	}
	{
		tyche_surface *s = NULL;
		double *tot;
		int rc = ty_surface_build_fixed(&s, t->ctx, ov, nov, err);

		if (rc)
			return rc;
		if (!t->amounts) {
			t->amounts = ty_calloc(tyche_surface_ncategories(s) + 1, sizeof(double));
			if (!t->amounts) {
				tyche_surface_free(s);
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			}
			rc = tyche_surface_parse_amounts(s, t->assign, t->nassign, t->amounts, err);
			if (!rc) {
				t->metric_ix = tyche_surface_find_metric(s, t->metric);
				if (t->metric_ix < 0) {
					struct ty_buf b = TY_BUF_INIT;

					ty_opt_metric_list(&b, s);
					rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
							 "unknown metric '%s'; the metrics are %s",
							 t->metric, b.p ? b.p : "");
					ty_buf_release(&b);
				}
			}
			if (rc) {
				tyche_surface_free(s);
				return rc;
			}
		}
		tot = ty_calloc(tyche_surface_nmetrics(s) + 1, sizeof(double));
		if (!tot) {
			tyche_surface_free(s);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		tyche_surface_eval(s, t->amounts, tot, NULL);
		*out = tot[t->metric_ix];
		free(tot);
		tyche_surface_free(s);
		return 0;
	}
}

static int bar_cmp(const void *a, const void *b)
{
	const tyche_tornado_bar *x = a, *y = b;

	if (x->swing != y->swing) {
		if (isnan(x->swing))
			return 1;
		if (isnan(y->swing))
			return -1;
		return x->swing > y->swing ? -1 : 1;
	}
	return strcmp(x->label, y->label);
}

static int find_scenario(struct tor *t, const char *scenario, tyche_error *err)
{
	const tyche_context *ctx = t->ctx;

	for (size_t k = 0; k < ctx->ntech; k++) {
		const struct ty_tech *T = &ctx->tech[k];

		for (size_t j = 0; j < T->nscen; j++) {
			if (strcmp(T->scen[j].name, scenario))
				continue;
			for (size_t r = 0; r < T->nresults; r++)
				if (T->results[r].var == TY_VAR_METRIC &&
				    !strcmp(T->results[r].index, t->metric) &&
				    T->results[r].offset >= 0) {
					t->tech = k;
					t->scen = j;
					t->row = r;
					t->nrows = T->nresults;
					return 0;
				}
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "technology '%s' reports no metric '%s'", T->name,
					   t->metric);
		}
	}
	return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "unknown scenario '%s'", scenario);
}

int tyche_tornado_build(tyche_tornado **out, const tyche_context *ctx,
			const char *metric, const char *const *assign, size_t n,
			const char *scenario, tyche_error *err)
{
	struct tor t;
	struct input *in = NULL;
	size_t nin = 0, capin = 0;
	tyche_tornado *res = NULL;
	int rc = 0;

	memset(&t, 0, sizeof t);
	t.ctx = ctx;
	t.metric = metric;
	t.assign = assign;
	t.nassign = n;
	if (scenario) {
		rc = find_scenario(&t, scenario, err);
		if (rc)
			return rc;
		rc = ty_eval_create(&t.E, ctx, 0, err);
		if (rc)
			return rc;
		t.ws = ty_eval_ws_create(t.E);
		t.rows = ty_calloc(t.nrows + 1, sizeof(double *));
		t.rowbuf = ty_calloc(t.nrows + 1, sizeof(double));
		if (!t.ws || !t.rows || !t.rowbuf) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t r = 0; r < t.nrows; r++)
			t.rows[r] = t.rowbuf + r;
	}
	/* group the uncertain cells into inputs */
	for (size_t k = 0; k < ctx->ntech; k++) {
		const struct ty_tech *T = &ctx->tech[k];
		size_t ncell = 1 + T->n_capital + 3 * T->n_input + 2 * T->n_output + T->n_param;
		const struct ty_cell **cells = ty_calloc(ncell, sizeof *cells);

		if (!cells) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < T->nscen; j++) {
			size_t nc;

			if (scenario && (k != t.tech || j != t.scen))
				continue;
			scen_cells(T, &T->scen[j], cells, &nc);
			for (size_t c = 0; c < nc; c++) {
				const struct ty_cell *cell = cells[c];
				size_t g;

				if (!cell->dist || ty_dist_is_const(cell->dist))
					continue;
				for (g = 0; g < nin; g++)
					if (in[g].tech == k && !in[g].tranche &&
					    !strcmp(in[g].table, cell->table) &&
					    !strcmp(in[g].key, cell->key))
						break;
				if (g == nin) {
					struct input *v = input_new(&in, &nin, &capin);

					if (!v) {
						free(cells);
						rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0,
								 "out of memory");
						goto out;
					}
					v->tech = k;
					v->table = cell->table;
					v->key = cell->key;
					make_label(ctx, v,
						   c >= nc - T->n_param ? c - (nc - T->n_param) : (size_t)-1);
				}
				if (input_add(&in[g], cell)) {
					free(cells);
					rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
					goto out;
				}
			}
		}
		free(cells);
	}
	if (!scenario) {
		for (size_t k = 0; k < ctx->ntranches; k++) {
			const struct ty_tranche *tr = &ctx->tranches[k];
			struct input *v;

			if (!tr->amount.dist || ty_dist_is_const(tr->amount.dist))
				continue;
			v = input_new(&in, &nin, &capin);
			if (!v || input_add(v, &tr->amount)) {
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				goto out;
			}
			v->tranche = tr;
			v->table = "tranches";
			v->key = tr->name;
			make_label(ctx, v, 0);
		}
	}
	res = ty_calloc(1, sizeof *res);
	if (!res || !(res->v = ty_calloc(nin + 1, sizeof *res->v))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	snprintf(res->metric, sizeof res->metric, "%s", metric);
	rc = tor_value(&t, NULL, 0, &res->base, err);
	for (size_t g = 0; g < nin && !rc; g++) {
		tyche_tornado_bar *b = &res->v[g];

		snprintf(b->label, sizeof b->label, "%s", in[g].label);
		rc = tor_value(&t, in[g].lo, in[g].n, &b->low, err);
		if (!rc)
			rc = tor_value(&t, in[g].hi, in[g].n, &b->high, err);
		b->swing = fabs(b->high - b->low);
	}
	if (rc)
		goto out;
	res->n = nin;
	qsort(res->v, res->n, sizeof *res->v, bar_cmp);
	*out = res;
	res = NULL;
out:
	tyche_tornado_free(res);
	for (size_t g = 0; g < nin; g++) {
		free(in[g].lo);
		free(in[g].hi);
	}
	free(in);
	free(t.amounts);
	free(t.rows);
	free(t.rowbuf);
	if (t.ws)
		ty_eval_ws_free(t.ws);
	if (t.E)
		ty_eval_free(t.E);
	return rc;
}

char *tyche_tornado_json(const tyche_tornado *t, int pretty)
{
	cJSON *o = cJSON_CreateObject(), *bars;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "metric", t->metric);
	cJSON_AddItemToObject(o, "base", ty_json_num(t->base));
	bars = cJSON_AddArrayToObject(o, "inputs");
	for (size_t k = 0; bars && k < t->n; k++) {
		cJSON *b = cJSON_CreateObject();

		if (!b)
			break;
		cJSON_AddStringToObject(b, "input", t->v[k].label);
		cJSON_AddItemToObject(b, "low", ty_json_num(t->v[k].low));
		cJSON_AddItemToObject(b, "high", ty_json_num(t->v[k].high));
		cJSON_AddItemToObject(b, "swing", ty_json_num(t->v[k].swing));
		cJSON_AddItemToArray(bars, b);
	}
	return ty_opt_json_print(o, pretty);
}
