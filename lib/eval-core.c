/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval-core.c - one Monte-Carlo evaluation: the run (seed, every cell's
 * stream key, the design's plan), a thread's scratch, and a block of
 * samples of one scenario (ty_eval_block).
 *
 * Per sample, exactly as the reference computes it (../shared/docs/
 * tyche-data.md): capital and fixed costs from the model, effective input =
 * efficiency x raw input, raw output from the model, output = efficiency x
 * raw output, unit cost K, metrics.  The sums in K run in offset order and
 * start from the first term (not from 0.0), as numpy's small sums do, so
 * the last bits agree.  Draws are pure functions of (seed, cell, sample),
 * so a block can run on any thread, in any order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval-int.h"
#include "correlate.h"
#include "design.h"

unsigned ty_ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > 64 ? 64u : (unsigned)n;
}

static void scen_order(const struct ty_tech *T, const struct ty_scenario *S,
		       const struct ty_cell **v)
{
	size_t k = 0;

	v[k++] = &S->scale;
	for (size_t i = 0; i < T->n_capital; i++)
		v[k++] = &S->lifetime[i];
	for (size_t i = 0; i < T->n_input; i++)
		v[k++] = &S->input_raw[i];
	for (size_t i = 0; i < T->n_input; i++)
		v[k++] = &S->input_eff[i];
	for (size_t i = 0; i < T->n_input; i++)
		v[k++] = &S->input_price[i];
	for (size_t i = 0; i < T->n_output; i++)
		v[k++] = &S->output_eff[i];
	for (size_t i = 0; i < T->n_output; i++)
		v[k++] = &S->output_price[i];
	for (size_t i = 0; i < T->n_param; i++)
		v[k++] = &S->param[i];
}

static size_t ncells(const struct ty_tech *T)
{
	return 1 + T->n_capital + 3 * T->n_input + 2 * T->n_output + T->n_param;
}


int ty_eval_create(struct ty_eval **out, const tyche_context *ctx, uint64_t seed,
		   tyche_error *err)
{
	struct ty_eval *E = ty_calloc(1, sizeof(*E));

	if (!E)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	E->ctx = ctx;
	E->seed = seed;
	E->sc = ty_calloc(ctx->ntech, sizeof(*E->sc));
	for (size_t t = 0; t < ctx->ntech; t++) {
		const struct ty_tech *T = &ctx->tech[t];
		size_t nc = ncells(T);

		if (!T->fns[0] || !T->fns[1] || !T->fns[2] || !T->fns[3]) {
			ty_eval_free(E);
			return ty_error_at(err, TYCHE_EUSAGE, ctx->path, 0, 0,
					   "technology '%s' has no compiled model; load the context with its models",
					   T->name);
		}
		E->sc[t] = ty_calloc(T->nscen, sizeof(struct scen_cells));
		E->max_cells = MAX(E->max_cells, nc);
		E->max_cap = MAX(E->max_cap, T->n_capital);
		E->max_fixed = MAX(E->max_fixed, ty_fn_ncomp(T->fns[TY_FN_FIXED]));
		E->max_in = MAX(E->max_in, T->n_input);
		E->max_out = MAX(E->max_out, T->n_output);
		E->max_met = MAX(E->max_met, T->n_metric);
		E->max_par = MAX(E->max_par, T->n_param);
		E->max_rows = MAX(E->max_rows, T->nresults);
		for (size_t s = 0; s < T->nscen; s++) {
			struct scen_cells *C = &E->sc[t][s];

			C->n = nc;
			C->cell = ty_calloc(nc, sizeof(*C->cell));
			C->key = ty_calloc(nc, sizeof(*C->key));
			C->qdim = ty_calloc(nc, sizeof(*C->qdim));
			scen_order(T, &T->scen[s], C->cell);
			for (size_t k = 0, d = 0; k < nc; k++)
				C->qdim[k] = ty_dist_is_const(C->cell[k]->dist) ? 0 : d++;
			for (size_t k = 0; k < nc; k++) {
				const char *parts[4] = { T->name, T->scen[s].name,
							 C->cell[k]->table, C->cell[k]->key };

				ty_rng_key_derive(&C->key[k], seed, parts, 4);
			}
		}
	}
	*out = E;
	return 0;
}

int ty_eval_create_source(struct ty_eval **out, const tyche_context *ctx,
			  ty_eval_source_fn source, void *arg, tyche_error *err)
{
	struct ty_eval *E = ty_calloc(1, sizeof(*E));

	if (!E || !(E->sc = ty_calloc(ctx->ntech ? ctx->ntech : 1, sizeof(*E->sc)))) {
		free(E);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	E->ctx = ctx;
	E->source = source;
	E->source_arg = arg;
	E->max_cells = 1;
	for (size_t t = 0; t < ctx->ntech; t++)
		E->max_rows = MAX(E->max_rows, ctx->tech[t].nresults);
	*out = E;
	return 0;
}

void ty_eval_set_plan(struct ty_eval *E, const struct ty_draw_plan *plan)
{
	E->plan = plan;
}

int ty_eval_draw_cell(const struct ty_eval *E, size_t tech, size_t scen,
		      const struct ty_cell *cell, uint64_t first, size_t n, double *out)
{
	const struct scen_cells *C = &E->sc[tech][scen];

	for (size_t c = 0; c < C->n; c++) {
		if (C->cell[c] != cell)
			continue;
		if (E->plan)
			ty_plan_draw(E->plan, cell, C->qdim[c], &C->key[c], first, n, out);
		else
			ty_dist_sample(cell->dist, &C->key[c], first, n, out);
		return 0;
	}
	return -1;
}

int ty_eval_set_design(struct ty_eval *E, int design, uint64_t n, tyche_error *err)
{
	int rc;

	ty_corr_perms_free(E->perm, E->nperm);
	E->perm = NULL;
	E->nperm = 0;
	memset(&E->design, 0, sizeof E->design);
	E->design.design = design;
	E->design.n = n;
	rc = ty_corr_perms(E->ctx, E->seed, design, (size_t)n, &E->perm, &E->nperm, err);
	if (rc)
		return rc;
	E->design.perm = E->perm;
	E->design.nperm = E->nperm;
	E->plan = design == TYCHE_DESIGN_MC && !E->nperm ? NULL : &E->design;
	return 0;
}

void ty_eval_free(struct ty_eval *E)
{
	if (!E)
		return;
	ty_corr_perms_free(E->perm, E->nperm);
	for (size_t t = 0; t < E->ctx->ntech; t++) {
		for (size_t s = 0; E->sc[t] && s < E->ctx->tech[t].nscen; s++) {
			free(E->sc[t][s].cell);
			free(E->sc[t][s].key);
			free(E->sc[t][s].qdim);
		}
		free(E->sc[t]);
	}
	free(E->sc);
	free(E);
}

struct ty_eval_ws *ty_eval_ws_create(const struct ty_eval *E)
{
	struct ty_eval_ws *ws = ty_calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	ws->vm = ty_vm_create();
	ws->cellv = ty_calloc(E->max_cells * B, sizeof(double));
	ws->cap = ty_calloc(MAX(E->max_cap, 1) * B, sizeof(double));
	ws->fix = ty_calloc(MAX(E->max_fixed, 1) * B, sizeof(double));
	ws->inp = ty_calloc(MAX(E->max_in, 1) * B, sizeof(double));
	ws->oraw = ty_calloc(MAX(E->max_out, 1) * B, sizeof(double));
	ws->out = ty_calloc(MAX(E->max_out, 1) * B, sizeof(double));
	ws->met = ty_calloc(MAX(E->max_met, 1) * B, sizeof(double));
	ws->cost = ty_calloc(B, sizeof(double));
	ws->kt = ty_calloc(4 * B, sizeof(double));
	ws->pp = ty_calloc(16 * (E->max_cells + E->max_fixed + E->max_met + 16), sizeof(double *));
	if (!ws->vm || !ws->cellv || !ws->cap || !ws->fix || !ws->inp || !ws->oraw ||
	    !ws->out || !ws->met || !ws->cost || !ws->kt || !ws->pp) {
		ty_eval_ws_free(ws);
		return NULL;
	}
	return ws;
}

void ty_eval_ws_free(struct ty_eval_ws *ws)
{
	if (!ws)
		return;
	ty_vm_free(ws->vm);
	free(ws->cellv);
	free(ws->cap);
	free(ws->fix);
	free(ws->inp);
	free(ws->oraw);
	free(ws->out);
	free(ws->met);
	free(ws->cost);
	free(ws->kt);
	free(ws->pp);
	free(ws);
}

void ty_eval_ws_set_overrides(struct ty_eval_ws *ws, const struct ty_cell_override *ov,
			      size_t nov, int fixed_all)
{
	ws->ov = ov;
	ws->nov = nov;
	ws->fixed_all = fixed_all;
}

/* Pointer table for an array of k columns of B doubles. */
static const double *const *cols(const double ***pp, double *base, size_t k)
{
	const double **v = *pp;

	for (size_t i = 0; i < k; i++)
		v[i] = base + i * B;
	*pp += k;
	return v;
}

/* out[i] = x[i] op y[i] over a block, alias-free so it vectorises */
static void col_div(size_t n, double *restrict d, const double *restrict x,
		    const double *restrict y)
{
	for (size_t i = 0; i < n; i++)
		d[i] = x[i] / y[i];
}

static void col_mul(size_t n, double *restrict d, const double *restrict x,
		    const double *restrict y)
{
	for (size_t i = 0; i < n; i++)
		d[i] = x[i] * y[i];
}

/* d[i] += x[i] / y[i] (div = 1) or x[i] * y[i] (div = 0) */
static void col_acc(size_t n, double *restrict d, const double *restrict x,
		    const double *restrict y, int div)
{
	if (div)
		for (size_t i = 0; i < n; i++)
			d[i] += x[i] / y[i];
	else
		for (size_t i = 0; i < n; i++)
			d[i] += x[i] * y[i];
}

static void unit_cost(size_t n, const struct ty_tech *T, const double *restrict scale,
		      const double *const *capital, const double *const *lifetime,
		      const double *const *fixed, size_t nfix,
		      const double *const *input_price, const double *const *input,
		      const double *const *output_price, const double *const *output,
		      double *restrict cost, double *restrict kt)
{
	double *restrict t1 = kt, *restrict t2 = kt + B, *restrict t3 = kt + 2 * B,
		*restrict t4 = kt + 3 * B;

	col_div(n, t1, capital[0], lifetime[0]);
	for (size_t c = 1; c < T->n_capital; c++)
		col_acc(n, t1, capital[c], lifetime[c], 1);
	if (nfix) {
		memcpy(t2, fixed[0], n * sizeof(double));
		for (size_t f = 1; f < nfix; f++) {
			const double *restrict x = fixed[f];

			for (size_t i = 0; i < n; i++)
				t2[i] += x[i];
		}
	} else {
		for (size_t i = 0; i < n; i++)
			t2[i] = 0.0;
	}
	col_mul(n, t3, input_price[0], input[0]);
	for (size_t j = 1; j < T->n_input; j++)
		col_acc(n, t3, input_price[j], input[j], 0);
	col_mul(n, t4, output_price[0], output[0]);
	for (size_t j = 1; j < T->n_output; j++)
		col_acc(n, t4, output_price[j], output[j], 0);
	for (size_t i = 0; i < n; i++)
		cost[i] = ((t1[i] / scale[i] + t2[i] / scale[i]) + t3[i]) - t4[i];
}

int ty_eval_block(const struct ty_eval *E, struct ty_eval_ws *ws, size_t tech,
		  size_t scen, uint64_t first, size_t n, double *const *out)
{
	const struct ty_tech *T = &E->ctx->tech[tech];
	const struct scen_cells *C;
	const double **pp = ws->pp;
	const double *const *lifetime, *const *input_raw, *const *input_eff,
		*const *input_price, *const *output_eff, *const *output_price, *const *p;
	const double *const *capital, *const *fixed, *const *input, *const *output_raw,
		*const *output;
	struct ty_fn_args a;
	size_t nfix, k = 0;
	int rc;

	if (E->source)
		return E->source(E->source_arg, tech, scen, first, n, out);
	C = &E->sc[tech][scen];   /* a replay has no cells */
	nfix = ty_fn_ncomp(T->fns[TY_FN_FIXED]);

	/* draw every cell */
	for (size_t c = 0; c < C->n; c++) {
		double *dst = ws->cellv + c * B;
		int done = 0;

		for (size_t o = 0; o < ws->nov; o++) {
			if (ws->ov[o].cell == C->cell[c]) {
				for (size_t i = 0; i < n; i++)
					dst[i] = ws->ov[o].value;
				done = 1;
			}
		}
		if (done)
			continue;
		if (ws->fixed_all) {
			double m = ty_dist_median(C->cell[c]->dist);

			for (size_t i = 0; i < n; i++)
				dst[i] = m;
		} else if (E->plan) {
			ty_plan_draw(E->plan, C->cell[c], C->qdim[c], &C->key[c], first, n, dst);
		} else {
			ty_dist_sample(C->cell[c]->dist, &C->key[c], first, n, dst);
		}
	}
	{
		const double *scale = ws->cellv;

		k = 1;
		lifetime = cols(&pp, ws->cellv + k * B, T->n_capital);
		k += T->n_capital;
		input_raw = cols(&pp, ws->cellv + k * B, T->n_input);
		k += T->n_input;
		input_eff = cols(&pp, ws->cellv + k * B, T->n_input);
		k += T->n_input;
		input_price = cols(&pp, ws->cellv + k * B, T->n_input);
		k += T->n_input;
		output_eff = cols(&pp, ws->cellv + k * B, T->n_output);
		k += T->n_output;
		output_price = cols(&pp, ws->cellv + k * B, T->n_output);
		k += T->n_output;
		p = cols(&pp, ws->cellv + k * B, T->n_param);
		capital = cols(&pp, ws->cap, T->n_capital);
		fixed = cols(&pp, ws->fix, nfix);
		input = cols(&pp, ws->inp, T->n_input);
		output_raw = cols(&pp, ws->oraw, T->n_output);
		output = cols(&pp, ws->out, T->n_output);

		memset(&a, 0, sizeof a);
		a.n = n;
		a.scale = scale;
		a.p = p;
		/* capital and fixed costs */
		rc = ty_fn_eval(ws->vm, T->fns[TY_FN_CAPITAL], &a, (double *const *)capital);
		if (rc)
			return rc;
		rc = ty_fn_eval(ws->vm, T->fns[TY_FN_FIXED], &a, (double *const *)fixed);
		if (rc)
			return rc;
		/* effective inputs */
		for (size_t j = 0; j < T->n_input; j++) {
			double *d = (double *)input[j];

			for (size_t i = 0; i < n; i++)
				d[i] = input_eff[j][i] * input_raw[j][i];
		}
		a.capital = capital;
		a.lifetime = lifetime;
		a.fixed = fixed;
		a.input = input;
		rc = ty_fn_eval(ws->vm, T->fns[TY_FN_PRODUCTION], &a, (double *const *)output_raw);
		if (rc)
			return rc;
		for (size_t j = 0; j < T->n_output; j++) {
			double *d = (double *)output[j];

			for (size_t i = 0; i < n; i++)
				d[i] = output_eff[j][i] * output_raw[j][i];
		}
		/* unit cost K = ((T1 + T2) + T3) - T4, each sum in offset
		 * order from its first term; column by column (the same
		 * operations per sample in the same order) so the loops
		 * vectorise */
		unit_cost(n, T, scale, capital, lifetime, fixed, nfix, input_price, input,
			  output_price, output, ws->cost, ws->kt);
		a.input_raw = input_raw;
		a.input_price = input_price;
		a.output_raw = output_raw;
		a.output = output;
		a.cost = ws->cost;
		{
			double *mcols[256];
			size_t nm = T->n_metric < 256 ? T->n_metric : 256;

			for (size_t j = 0; j < nm; j++)
				mcols[j] = ws->met + j * B;
			rc = ty_fn_eval(ws->vm, T->fns[TY_FN_METRICS], &a, mcols);
			if (rc)
				return rc;
		}
	}
	for (size_t r = 0; r < T->nresults; r++) {
		const struct ty_result_row *R = &T->results[r];
		const double *src = NULL;

		if (R->offset >= 0) {
			if (R->var == TY_VAR_COST)
				src = ws->cost;
			else if (R->var == TY_VAR_OUTPUT)
				src = ws->out + (size_t)R->offset * B;
			else
				src = ws->met + (size_t)R->offset * B;
		}
		/* the test out of the loop: with it inside, GCC kept the copy
		 * as one scalar load and store a value */
		if (src) {
			memcpy(out[r], src, n * sizeof(double));
		} else {
			for (size_t i = 0; i < n; i++)
				out[r][i] = NAN;
		}
	}
	return 0;
}

