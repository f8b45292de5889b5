/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-csv.c - the CSV tables of an optimisation, a sweep (bounds,
 * Pareto), a waterfall and a tornado: the one place their columns are
 * written (tyche-run prints them, the report and Python read the same
 * values from the result structs).  The JSON forms are in optim-json.c.
 *
 * Easy to get wrong: every number goes through ty_buf_num (the one
 * formatter), every name through ty_buf_csv (names come from outside and
 * may hold commas or quotes); a sweep's rows repeat the optimisation's
 * rows after a per-point prefix, so both are written by result_rows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

/* Variable,Index,Value,Bound,Sense,Holds rows of one result, each after
 * `prefix` (already CSV text). */
static void result_rows(struct ty_buf *b, const tyche_surface *s, const tyche_opt_result *r,
			const char *prefix)
{
	char lab[200];

	for (size_t c = 0; c < r->ncategories; c++) {
		ty_buf_adds(b, prefix);
		ty_buf_adds(b, "Amount,");
		ty_buf_csv(b, tyche_surface_category(s, c));
		ty_buf_addc(b, ',');
		ty_buf_num(b, r->amounts[c], 0);
		ty_buf_addc(b, ',');
		ty_buf_num(b, r->upper[c], 0);
		ty_buf_adds(b, ",<=,\n");
	}
	for (size_t m = 0; m < r->nmetrics; m++) {
		ty_buf_adds(b, prefix);
		ty_buf_adds(b, "Metric,");
		snprintf(lab, sizeof lab, "%s(%s)", r->stat.name, tyche_surface_metric(s, m));
		ty_buf_csv(b, lab);
		ty_buf_addc(b, ',');
		ty_buf_num(b, r->metrics[m], 0);
		ty_buf_adds(b, ",,,\n");
	}
	for (size_t k = 0; k < r->nchecks; k++) {
		ty_buf_adds(b, prefix);
		ty_buf_adds(b, "Constraint,");
		ty_buf_csv(b, r->checks[k].label);
		ty_buf_addc(b, ',');
		ty_buf_num(b, r->checks[k].value, 0);
		ty_buf_addc(b, ',');
		ty_buf_num(b, r->checks[k].bound, 0);
		ty_buf_addf(b, ",%s,%s\n", r->checks[k].upper ? "<=" : ">=",
			    r->checks[k].holds ? "yes" : "no");
	}
	ty_buf_adds(b, prefix);
	ty_buf_adds(b, "Objective,");
	snprintf(lab, sizeof lab, "%s(%s)", r->stat.name, tyche_surface_metric(s, r->metric));
	ty_buf_csv(b, lab);
	ty_buf_addc(b, ',');
	ty_buf_num(b, r->objective, 0);
	ty_buf_addf(b, ",,%s,\n", r->minimize ? "min" : "max");
	ty_buf_addf(b, "%sStatus,%s,,,,\n", prefix, tyche_opt_status_name(r->status));
	ty_buf_addf(b, "%sSeconds,,%.6f,,,\n", prefix, r->seconds);
	ty_buf_addf(b, "%sEvaluations,,%ld,,,\n", prefix, r->evaluations);
	ty_buf_addf(b, "%sStarts,,%ld,,,\n", prefix, r->starts);
	for (size_t c = 0; r->outside && c < r->ncategories; c++) {
		if (!r->outside[c])
			continue;
		/* the surface extrapolates there: say so in the table too */
		ty_buf_adds(b, prefix);
		ty_buf_adds(b, "Extrapolated,");
		ty_buf_csv(b, tyche_surface_category(s, c));
		ty_buf_addc(b, ',');
		ty_buf_num(b, r->amounts[c], 0);
		ty_buf_adds(b, ",,,\n");
	}
}

/* Hand the buffer to the writer (JSON text when json is not NULL). */
static int finish(struct ty_buf *b, char *json, tyche_write_fn w, void *arg,
		  tyche_error *err)
{
	if (json) {
		ty_buf_adds(b, json);
		ty_buf_addc(b, '\n');
		free(json);
	}
	return ty_buf_deliver(b, w, arg, err);
}

int tyche_opt_result_write(const tyche_surface *s, const tyche_opt_result *r, int format,
			   tyche_write_fn w, void *arg, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;

	if (format == TYCHE_FMT_JSON) {
		char *j = tyche_opt_result_json(s, r, 1);

		if (!j)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		return finish(&b, j, w, arg, err);
	}
	ty_buf_adds(&b, "Variable,Index,Value,Bound,Sense,Holds\n");
	result_rows(&b, s, r, "");
	return finish(&b, NULL, w, arg, err);
}

int tyche_opt_sweep_write(const tyche_surface *s, const tyche_opt_sweep *sw, int format,
			  tyche_write_fn w, void *arg, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;

	if (format == TYCHE_FMT_JSON) {
		char *j = tyche_opt_sweep_json(s, sw, 1);

		if (!j)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		return finish(&b, j, w, arg, err);
	}
	ty_buf_adds(&b, "Point,Target,Sense,Budget,Limit,Status,Variable,Index,Value,Bound,"
		    "Sense,Holds\n");
	for (size_t k = 0; k < sw->n; k++) {
		const tyche_opt_point *pt = &sw->v[k];
		struct ty_buf p = TY_BUF_INIT;

		ty_buf_addf(&p, "%zu,", k + 1);
		ty_buf_csv(&p, tyche_surface_metric(s, pt->metric));
		ty_buf_addf(&p, ",%s,", pt->minimize ? "min" : "max");
		if (!isnan(pt->budget))
			ty_buf_num(&p, pt->budget, 0);
		ty_buf_addc(&p, ',');
		if (!isnan(pt->limit))
			ty_buf_num(&p, pt->limit, 0);
		ty_buf_addf(&p, ",%s,", tyche_opt_status_name(pt->result->status));
		if (p.oom)
			b.oom = 1;
		else
			result_rows(&b, s, pt->result, p.p);
		ty_buf_release(&p);
	}
	return finish(&b, NULL, w, arg, err);
}

int tyche_waterfall_write(const tyche_surface *s, const tyche_waterfall *wf, int format,
			  tyche_write_fn w, void *arg, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	char lab[200];

	if (format == TYCHE_FMT_JSON) {
		char *j = tyche_waterfall_json(s, wf, 1);

		if (!j)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		return finish(&b, j, w, arg, err);
	}
	ty_buf_adds(&b, "Order,Step,Category,Metric,Value,Delta\n");
	for (size_t o = 0; o < wf->norders; o++) {
		for (size_t m = 0; m < wf->nmetrics; m++) {
			snprintf(lab, sizeof lab, "%s(%s)", wf->stat.name, tyche_surface_metric(s, m));
			ty_buf_addf(&b, "%zu,0,Start,", o + 1);
			ty_buf_csv(&b, lab);
			ty_buf_addc(&b, ',');
			ty_buf_num(&b, wf->start[m], 0);
			ty_buf_adds(&b, ",0\n");
		}
		for (size_t k = 0; k < wf->nsteps; k++)
			for (size_t m = 0; m < wf->nmetrics; m++) {
				double v = wf->value[(o * wf->nsteps + k) * wf->nmetrics + m];
				double prev = k ? wf->value[(o * wf->nsteps + k - 1) * wf->nmetrics + m]
						: wf->start[m];

				snprintf(lab, sizeof lab, "%s(%s)", wf->stat.name,
					 tyche_surface_metric(s, m));
				ty_buf_addf(&b, "%zu,%zu,", o + 1, k + 1);
				ty_buf_csv(&b, tyche_surface_category(s, wf->order[o * wf->nsteps + k]));
				ty_buf_addc(&b, ',');
				ty_buf_csv(&b, lab);
				ty_buf_addc(&b, ',');
				ty_buf_num(&b, v, 0);
				ty_buf_addc(&b, ',');
				ty_buf_num(&b, v - prev, 0);
				ty_buf_addc(&b, '\n');
			}
	}
	return finish(&b, NULL, w, arg, err);
}

int tyche_tornado_write(const tyche_tornado *t, int format, tyche_write_fn w, void *arg,
			tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;

	if (format == TYCHE_FMT_JSON) {
		char *j = tyche_tornado_json(t, 1);

		if (!j)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		return finish(&b, j, w, arg, err);
	}
	ty_buf_adds(&b, "Rank,Input,Low,High,Swing,Base\n");
	for (size_t k = 0; k < t->n; k++) {
		ty_buf_addf(&b, "%zu,", k + 1);
		ty_buf_csv(&b, t->v[k].label);
		ty_buf_addc(&b, ',');
		ty_buf_num(&b, t->v[k].low, 0);
		ty_buf_addc(&b, ',');
		ty_buf_num(&b, t->v[k].high, 0);
		ty_buf_addc(&b, ',');
		ty_buf_num(&b, t->v[k].swing, 0);
		ty_buf_addc(&b, ',');
		ty_buf_num(&b, t->base, 0);
		ty_buf_addc(&b, '\n');
	}
	return finish(&b, NULL, w, arg, err);
}
