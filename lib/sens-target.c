/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sens-target.c - the target of a sensitivity or value-of-information
 * analysis (sens.h): which scenarios, with which weights, which metrics,
 * and which uncertain cells grouped by cell, parameter and table.
 *
 * Easy to get wrong:
 *  - The interpolation weights must be the surface's (lib/surface.c):
 *    tranches sorted by amount, segment = number of knots below x clipped
 *    to [1, T-1], linear extrapolation at both ends, one tranche =
 *    constant.  t/unit/u-sens.c checks the mean of a portfolio against
 *    tyche_explore's.
 *  - A scenario name joins every technology that has it (as tranches do).
 *  - ty_sens_eval_range (a shard's samples lo .. hi-1) must give a run
 *    from 0's values: it relies on every draw being keyed by its sample
 *    index (true of MC and of the plans sobol.c and voi.c use; the
 *    correlated orders are computed for all N by ty_eval_set_design).
 *  - Cells are grouped by pointer identity in a scenario; a parameter
 *    group joins the same (technology, table, key) across scenarios, as
 *    the tornado's inputs do.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sens.h"
#include "grow.h"
#include "results.h"

int ty_sens_parse_amounts(const tyche_context *ctx, const char *const *assign, size_t n,
			  double *amounts, tyche_error *err)
{
	for (size_t c = 0; c < ctx->ncategories; c++)
		amounts[c] = 0;
	for (size_t k = 0; k < n; k++) {
		const char *eq = strchr(assign[k], '=');
		size_t c;
		double v;

		if (!eq)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "amount '%s': expected CATEGORY=AMOUNT", assign[k]);
		for (c = 0; c < ctx->ncategories; c++)
			if (strlen(ctx->categories[c]) == (size_t)(eq - assign[k]) &&
			    !strncmp(ctx->categories[c], assign[k], (size_t)(eq - assign[k])))
				break;
		if (c == ctx->ncategories) {
			struct ty_buf b = TY_BUF_INIT;

			for (size_t i = 0; i < ctx->ncategories; i++) {
				ty_buf_adds(&b, i ? ", '" : "'");
				ty_buf_adds(&b, ctx->categories[i]);
				ty_buf_addc(&b, '\'');
			}
			ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				    "amount '%s': unknown category; the categories are %s", assign[k],
				    b.p ? b.p : "(none)");
			ty_buf_release(&b);
			return TYCHE_EUSAGE;
		}
		if (ty_parse_number(eq + 1, &v) || !(v >= 0))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "amount '%s': expected a number >= 0 after '='", assign[k]);
		amounts[c] = v;
	}
	return 0;
}

struct knot {
	size_t ix;
	double a;
};

static int knot_cmp(const void *x, const void *y)
{
	const struct knot *a = x, *b = y;

	return (a->a > b->a) - (a->a < b->a);
}

int ty_sens_tranche_weights(const tyche_context *ctx, const double *amounts, double *w,
			    tyche_error *err)
{
	struct knot *k = ty_calloc(ctx->ntranches + 1, sizeof *k);

	if (!k)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t i = 0; i < ctx->ntranches; i++) {
		w[i] = 0;
		if (!ty_dist_is_const(ctx->tranches[i].amount.dist)) {
			free(k);
			return ty_error_at(err, TYCHE_EUSAGE, ctx->path, 0, 0,
					   "tranche '%s' has an uncertain amount: sensitivity and value of information need fixed amounts",
					   ctx->tranches[i].name);
		}
	}
	for (size_t c = 0; c < ctx->ncategories; c++) {
		size_t T = 0, s;
		double x = amounts[c], t;

		for (size_t i = 0; i < ctx->ntranches; i++)
			if (!strcmp(ctx->tranches[i].category, ctx->categories[c])) {
				k[T].ix = i;
				k[T].a = ctx->tranches[i].amount.dist->a;
				T++;
			}
		if (T == 0)
			continue;
		if (T == 1) {
			w[k[0].ix] += 1;
			continue;
		}
		qsort(k, T, sizeof *k, knot_cmp);
		for (s = 0; s < T && k[s].a < x; s++)
			;
		s = s < 1 ? 1 : s > T - 1 ? T - 1 : s;
		s--;
		t = (x - k[s].a) / (k[s + 1].a - k[s].a);
		w[k[s].ix] += 1 - t;
		w[k[s + 1].ix] += t;
	}
	free(k);
	return 0;
}

static long metric_index(const struct ty_sens_target *T, const char *name)
{
	for (size_t m = 0; m < T->M; m++)
		if (!strcmp(T->metric[m], name))
			return (long)m;
	return -1;
}

static int add_unit(struct ty_sens_target *T, size_t *cap, size_t t, size_t s, double w)
{
	for (size_t u = 0; u < T->nunits; u++)
		if (T->unit[u].tech == t && T->unit[u].scen == s) {
			T->unit[u].w += w;
			return 0;
		}
	if (ty_grow(&T->unit, cap, T->nunits + 1, sizeof *T->unit))
		return -1;
	memset(&T->unit[T->nunits], 0, sizeof *T->unit);
	T->unit[T->nunits].tech = t;
	T->unit[T->nunits].scen = s;
	T->unit[T->nunits].w = w;
	T->nunits++;
	return 0;
}

static int group_add(struct ty_sens_group *g, const struct ty_cell *cell, size_t u)
{
	if (ty_grow(&g->cells, &g->cap, g->n + 1, sizeof *g->cells) ||
	    ty_grow(&g->cell_unit, &g->cap2, g->n + 1, sizeof *g->cell_unit))
		return -1;
	g->cells[g->n] = cell;
	g->cell_unit[g->n] = u;
	g->n++;
	return 0;
}

static struct ty_sens_group *find_group(struct ty_sens_target *T, size_t *cap, int level,
					const char *tech, const char *scen, const char *table,
					const char *input)
{
	struct ty_sens_group *g;

	for (size_t i = 0; i < T->ngroups; i++) {
		g = &T->group[i];
		if (g->level == level && g->tech == tech && g->scen == scen &&
		    !strcmp(g->table, table) && !strcmp(g->input, input))
			return g;
	}
	if (ty_grow(&T->group, cap, T->ngroups + 1, sizeof *T->group))
		return NULL;
	g = &T->group[T->ngroups];
	memset(g, 0, sizeof *g);
	g->level = level;
	g->tech = tech;
	g->scen = scen;
	g->table = table;
	g->input = ty_strdup(input);
	if (!g->input)
		return NULL;
	T->ngroups++;
	return g;
}

/* The cells of a scenario in the evaluator's order (eval.c scen_order). */
static size_t scen_cells(const struct ty_tech *Tc, const struct ty_scenario *S,
			 const struct ty_cell **v, long *pidx)
{
	size_t k = 0;

	v[k++] = &S->scale;
	for (size_t i = 0; i < Tc->n_capital; i++)
		v[k++] = &S->lifetime[i];
	for (size_t i = 0; i < Tc->n_input; i++)
		v[k++] = &S->input_raw[i];
	for (size_t i = 0; i < Tc->n_input; i++)
		v[k++] = &S->input_eff[i];
	for (size_t i = 0; i < Tc->n_input; i++)
		v[k++] = &S->input_price[i];
	for (size_t i = 0; i < Tc->n_output; i++)
		v[k++] = &S->output_eff[i];
	for (size_t i = 0; i < Tc->n_output; i++)
		v[k++] = &S->output_price[i];
	for (size_t i = 0; i < k; i++)
		pidx[i] = -1;
	for (size_t i = 0; i < Tc->n_param; i++) {
		pidx[k] = (long)i;
		v[k++] = &S->param[i];
	}
	return k;
}

static void cell_label(const struct ty_tech *Tc, const struct ty_cell *c, long pidx,
		       char *buf, size_t n)
{
	size_t k = 0;

	if (pidx >= 0 && Tc->param && Tc->param[pidx]) {
		snprintf(buf, n, "%s", Tc->param[pidx]);
		return;
	}
	for (const char *p = c->key; *p && k + 1 < n; p++)
		buf[k++] = *p == '\x1f' ? ' ' : *p;
	while (k && buf[k - 1] == ' ')
		k--;
	buf[k] = '\0';
}

/* Metrics, rows and groups once the units are known. */
static int finish(struct ty_sens_target *T, const char *metric, unsigned levels,
		  tyche_error *err)
{
	const tyche_context *ctx = T->ctx;
	size_t gcap = 0;

	if (!levels)
		levels = 7;
	T->metric = ty_calloc(TY_MAX_METRICS + 1, sizeof(char *));
	T->units = ty_calloc(TY_MAX_METRICS + 1, sizeof(char *));
	if (!T->metric || !T->units)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t u = 0; u < T->nunits; u++) {
		const struct ty_tech *Tc = &ctx->tech[T->unit[u].tech];

		for (size_t r = 0; r < Tc->nresults; r++) {
			const struct ty_result_row *R = &Tc->results[r];

			if (R->var != TY_VAR_METRIC || R->offset < 0)
				continue;
			if (metric && strcmp(metric, R->index))
				continue;
			if (metric_index(T, R->index) < 0 && T->M < TY_MAX_METRICS) {
				T->metric[T->M] = R->index;
				T->units[T->M] = R->units;
				T->M++;
			}
		}
	}
	if (T->M == 0) {
		if (metric)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "unknown metric '%s': no scenario of the target reports it", metric);
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "the target reports no metric");
	}
	for (size_t u = 0; u < T->nunits; u++) {
		struct ty_sens_unit *U = &T->unit[u];
		const struct ty_tech *Tc = &ctx->tech[U->tech];
		const struct ty_scenario *S = &Tc->scen[U->scen];
		size_t nc = 1 + Tc->n_capital + 3 * Tc->n_input + 2 * Tc->n_output + Tc->n_param;
		const struct ty_cell **cells = ty_calloc(nc, sizeof *cells);
		long *pidx = ty_calloc(nc, sizeof *pidx);

		U->row = ty_calloc(T->M, sizeof *U->row);
		if (!cells || !pidx || !U->row) {
			free(cells);
			free(pidx);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		for (size_t m = 0; m < T->M; m++) {
			U->row[m] = -1;
			for (size_t r = 0; r < Tc->nresults; r++)
				if (Tc->results[r].var == TY_VAR_METRIC && Tc->results[r].offset >= 0 &&
				    !strcmp(Tc->results[r].index, T->metric[m]))
					U->row[m] = (long)r;
		}
		nc = scen_cells(Tc, S, cells, pidx);
		for (size_t c = 0; c < nc; c++) {
			const struct ty_cell *cell = cells[c];
			char label[256];
			struct ty_sens_group *g;

			if (!cell->dist || ty_dist_is_const(cell->dist))
				continue;
			cell_label(Tc, cell, pidx[c], label, sizeof label);
			for (int lv = 0; lv < 3; lv++) {
				if (!(levels & (1u << lv)))
					continue;
				g = lv == TYCHE_SOBOL_CELL
				    ? find_group(T, &gcap, lv, Tc->name, S->name, cell->table, label)
				    : lv == TYCHE_SOBOL_PARAMETER
				    ? find_group(T, &gcap, lv, Tc->name, "", cell->table, label)
				    : find_group(T, &gcap, lv, "", "", cell->table, cell->table);
				if (!g || group_add(g, cell, u)) {
					free(cells);
					free(pidx);
					return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				}
			}
		}
		free(cells);
		free(pidx);
	}
	/* cells first, then parameters, then tables; each in context order */
	if (T->ngroups) {
		struct ty_sens_group *sorted = ty_calloc(T->ngroups, sizeof *sorted);
		size_t k = 0;

		if (!sorted)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		for (int lv = 0; lv < 3; lv++)
			for (size_t g = 0; g < T->ngroups; g++)
				if (T->group[g].level == lv)
					sorted[k++] = T->group[g];
		free(T->group);
		T->group = sorted;
	}
	return 0;
}

int ty_sens_target_tranches(struct ty_sens_target *T, const tyche_context *ctx,
			    const double *w, const char *metric, unsigned levels, tyche_error *err)
{
	size_t cap = 0;

	memset(T, 0, sizeof *T);
	T->ctx = ctx;
	for (size_t i = 0; i < ctx->ntranches; i++) {
		if (w[i] == 0)
			continue;
		for (size_t t = 0; t < ctx->ntech; t++) {
			long s = ty_scenario_find(&ctx->tech[t], ctx->tranches[i].scenario);

			if (s >= 0 && add_unit(T, &cap, t, (size_t)s, w[i]))
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
	}
	return finish(T, metric, levels, err);
}

int ty_sens_target_init(struct ty_sens_target *T, const tyche_context *ctx,
			const char *scenario, const char *const *amounts, size_t namounts,
			const char *metric, unsigned levels, tyche_error *err)
{
	double *a, *w;
	size_t cap = 0;
	int rc;

	memset(T, 0, sizeof *T);
	T->ctx = ctx;
	if (scenario) {
		for (size_t t = 0; t < ctx->ntech; t++) {
			long s = ty_scenario_find(&ctx->tech[t], scenario);

			if (s >= 0 && add_unit(T, &cap, t, (size_t)s, 1.0))
				return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		if (!T->nunits)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "unknown scenario '%s'", scenario);
		return finish(T, metric, levels, err);
	}
	a = ty_calloc(ctx->ncategories + 1, sizeof *a);
	w = ty_calloc(ctx->ntranches + 1, sizeof *w);
	if (!a || !w) {
		free(a);
		free(w);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	rc = ty_sens_parse_amounts(ctx, amounts, namounts, a, err);
	if (!rc)
		rc = ty_sens_tranche_weights(ctx, a, w, err);
	if (!rc)
		rc = ty_sens_target_tranches(T, ctx, w, metric, levels, err);
	free(a);
	free(w);
	return rc;
}

void ty_sens_target_release(struct ty_sens_target *T)
{
	for (size_t u = 0; u < T->nunits; u++)
		free(T->unit[u].row);
	free(T->unit);
	for (size_t g = 0; g < T->ngroups; g++) {
		free(T->group[g].input);
		free(T->group[g].cells);
		free(T->group[g].cell_unit);
	}
	free(T->group);
	free(T->metric);
	free(T->units);
	memset(T, 0, sizeof *T);
}

/* Samples lo .. hi-1 of one unit from lo > 0 (a shard): blocks of
 * TY_VM_BLOCK handed out to threads; each sample's draws are keyed by its
 * index, so the values are those of a run from 0. */
struct range_job {
	const struct ty_eval *E;
	const struct ty_sens_unit *U;
	const struct ty_tech *Tc;
	size_t M, nblocks, next;
	uint64_t lo, hi;
	double **out;
	pthread_mutex_t mu;
	int rc;
};

static void *range_worker(void *arg)
{
	struct range_job *J = arg;
	struct ty_eval_ws *ws = ty_eval_ws_create(J->E);
	double *scratch = ty_calloc((J->Tc->nresults + 1) * TY_VM_BLOCK, sizeof(double));
	double **rows = ty_calloc(J->Tc->nresults + 1, sizeof *rows);
	int rc = ws && scratch && rows ? 0 : TYCHE_ENOMEM;

	for (size_t r = 0; !rc && r < J->Tc->nresults; r++)
		rows[r] = scratch + r * TY_VM_BLOCK;
	for (;;) {
		size_t b;
		uint64_t first;
		size_t n;

		pthread_mutex_lock(&J->mu);
		if (rc && !J->rc)
			J->rc = rc;
		b = J->rc ? J->nblocks : J->next++;
		pthread_mutex_unlock(&J->mu);
		if (b >= J->nblocks)
			break;
		first = J->lo + (uint64_t)b * TY_VM_BLOCK;
		n = J->hi - first < TY_VM_BLOCK ? (size_t)(J->hi - first) : TY_VM_BLOCK;
		rc = ty_budget_spent() ? TYCHE_ETIMEOUT
			: ty_eval_block(J->E, ws, J->U->tech, J->U->scen, first, n, rows);
		for (size_t m = 0; !rc && m < J->M; m++)
			if (J->U->row[m] >= 0 && J->out[m])
				memcpy(J->out[m] + (first - J->lo), rows[J->U->row[m]], n * sizeof(double));
	}
	free(rows);
	free(scratch);
	ty_eval_ws_free(ws);
	return NULL;
}

int ty_sens_eval_range(struct ty_eval *E, const struct ty_sens_target *T, size_t u,
		       const struct ty_draw_plan *plan, uint64_t lo, uint64_t hi,
		       unsigned threads, double **out, tyche_error *err)
{
	struct range_job J;
	pthread_t th[64];
	unsigned nt = threads ? threads : ty_ncores(), started = 0;

	if (lo == 0)
		return ty_sens_eval_unit(E, T, u, plan, (size_t)hi, threads, out, err);
	memset(&J, 0, sizeof J);
	J.E = E;
	J.U = &T->unit[u];
	J.Tc = &T->ctx->tech[J.U->tech];
	J.M = T->M;
	J.lo = lo;
	J.hi = hi;
	J.out = out;
	J.nblocks = (size_t)((hi - lo + TY_VM_BLOCK - 1) / TY_VM_BLOCK);
	if (nt > 64)
		nt = 64;
	if (nt > J.nblocks)
		nt = (unsigned)(J.nblocks ? J.nblocks : 1);
	pthread_mutex_init(&J.mu, NULL);
	if (plan)
		ty_eval_set_plan(E, plan);
	for (unsigned i = 1; i < nt; i++)
		if (!pthread_create(&th[i], NULL, range_worker, &J))
			started = i;
		else
			break;
	range_worker(&J);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	if (plan)
		ty_eval_set_plan(E, NULL);
	pthread_mutex_destroy(&J.mu);
	if (J.rc == TYCHE_ETIMEOUT)
		return ty_budget_check(err, "evaluating the scenarios") ? TYCHE_ETIMEOUT
			: ty_error_at(err, TYCHE_ETIMEOUT, "", 0, 0,
				      "stopped while evaluating the scenarios: the time budget ran out");
	if (J.rc)
		return ty_error_at(err, J.rc, T->ctx->path, 0, 0,
				   "evaluation of technology '%s', scenario '%s' failed",
				   J.Tc->name, J.Tc->scen[J.U->scen].name);
	return 0;
}

int ty_sens_eval_unit(struct ty_eval *E, const struct ty_sens_target *T, size_t u,
		      const struct ty_draw_plan *plan, size_t N, unsigned threads,
		      double **out, tyche_error *err)
{
	const struct ty_sens_unit *U = &T->unit[u];
	const struct ty_tech *Tc = &T->ctx->tech[U->tech];
	double **rows = ty_calloc(Tc->nresults + 1, sizeof *rows);
	int rc;

	if (!rows)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t m = 0; m < T->M; m++)
		if (U->row[m] >= 0)
			rows[U->row[m]] = out[m];
	if (plan)
		ty_eval_set_plan(E, plan);
	rc = ty_eval_scenario(E, U->tech, U->scen, N, threads, rows, err);
	if (plan)
		ty_eval_set_plan(E, NULL);
	free(rows);
	return rc;
}

const char *ty_sens_level_name(int level)
{
	return level == TYCHE_SOBOL_CELL ? "cell" : level == TYCHE_SOBOL_PARAMETER ? "parameter"
										   : "table";
}
