/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-sweep.c - sweeps of single optimisations: the metric bounds (each
 * metric minimised and maximised under the same budget and limits) and
 * Pareto curves (a metric optimised at a series of budgets, or under a
 * series of limits on another metric).  Their JSON is in optim-json.c.
 *
 * Easy to get wrong:
 *  - A sweep keeps every point, failed ones included: a Pareto curve with
 *    a silently missing point reads as a kink.  Each point carries its own
 *    result and status.
 *  - A sweep only calls tyche_optimize, the driver's public entry point;
 *    it never reaches into the methods or the evaluator.
 *  - Every point is solved alone (no warm start from the previous one),
 *    so a shard of the points (the _part functions, shard-pareto.c)
 *    gives the same results as the whole sweep.
 *  - The process's work budget is checked between points (and inside each
 *    optimisation); when it runs out the whole sweep fails with
 *    TYCHE_ETIMEOUT: half a curve is not a result.  That is unlike a
 *    point's own max_time, which is a status of that point.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

void tyche_opt_sweep_free(tyche_opt_sweep *sw)
{
	if (!sw)
		return;
	for (size_t k = 0; k < sw->n; k++)
		tyche_opt_result_free(sw->v[k].result);
	free(sw->v);
	free(sw);
}

static tyche_opt_sweep *sweep_new(size_t n)
{
	tyche_opt_sweep *sw = ty_calloc(1, sizeof *sw);

	if (!sw)
		return NULL;
	sw->v = ty_calloc(n ? n : 1, sizeof *sw->v);
	if (!sw->v) {
		free(sw);
		return NULL;
	}
	sw->vs_metric = -1;
	return sw;
}

/* The sweep's end: on success hand sw over with its time, else free it. */
static int sweep_finish(tyche_opt_sweep *sw, double t0, int rc, tyche_opt_sweep **out)
{
	if (rc) {
		tyche_opt_sweep_free(sw);
		return rc;
	}
	sw->seconds = ty_opt_now() - t0;
	*out = sw;
	return 0;
}

/* Solve q and append the point. */
static int sweep_add(tyche_opt_sweep *sw, const tyche_surface *s, const tyche_opt_problem *q,
		     double limit, tyche_error *err)
{
	tyche_opt_point *pt = &sw->v[sw->n];
	int rc = ty_budget_check(err, "sweeping the optimisations");

	if (!rc)
		rc = tyche_optimize(&pt->result, s, q, err);

	if (rc)
		return rc;
	pt->metric = q->metric;
	pt->minimize = q->minimize;
	pt->budget = q->has_budget ? q->budget : NAN;
	pt->limit = limit;
	sw->n++;
	return 0;
}

int tyche_opt_bounds(tyche_opt_sweep **out, const tyche_surface *s,
		     const tyche_opt_problem *base, tyche_error *err)
{
	size_t M = tyche_surface_nmetrics(s);
	tyche_opt_sweep *sw = sweep_new(2 * M);
	double t0 = ty_opt_now();
	int rc = 0;

	if (!sw)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t m = 0; m < M && !rc; m++)
		for (int mn = 1; mn >= 0 && !rc; mn--) {
			tyche_opt_problem q = *base;

			q.metric = m;
			q.minimize = mn;
			rc = sweep_add(sw, s, &q, NAN, err);
		}
	return sweep_finish(sw, t0, rc, out);
}

int ty_opt_pareto_budget_part(tyche_opt_sweep **out, const tyche_surface *s,
			      const tyche_opt_problem *base, const size_t *metrics, size_t nm,
			      const double *budgets, size_t nb, size_t lo, size_t hi,
			      tyche_error *err)
{
	size_t M = tyche_surface_nmetrics(s), per = metrics && nm ? nm : M;
	tyche_opt_sweep *sw;
	double t0 = ty_opt_now();
	int rc = 0;

	for (size_t b = 0; b < nb; b++)
		if (!(budgets[b] >= 0) || !isfinite(budgets[b]))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "budget %g: expected a finite amount >= 0", budgets[b]);
	if (hi > nb * per)
		hi = nb * per;
	sw = sweep_new(hi > lo ? hi - lo : 0);
	if (!sw)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	/* point b * per + k: metric k at budget b */
	for (size_t i = lo; i < hi && !rc; i++) {
		tyche_opt_problem q = *base;
		size_t b = i / per, k = i % per;

		q.metric = metrics && nm ? metrics[k] : k;
		q.has_budget = 1;
		q.budget = budgets[b];
		rc = sweep_add(sw, s, &q, NAN, err);
	}
	return sweep_finish(sw, t0, rc, out);
}

int tyche_opt_pareto_budget(tyche_opt_sweep **out, const tyche_surface *s,
			    const tyche_opt_problem *base, const size_t *metrics, size_t nm, const double *budgets,
			    size_t nb, tyche_error *err)
{
	size_t per = metrics && nm ? nm : tyche_surface_nmetrics(s);

	return ty_opt_pareto_budget_part(out, s, base, metrics, nm, budgets, nb, 0, nb * per, err);
}

int ty_opt_pareto_vs_points(const tyche_surface *s, const tyche_opt_problem *base, size_t vs,
			    double *pts, size_t nb, tyche_error *err)
{
	/* vs's range under the same budget, bounds and limits */
	double lo = NAN, hi = NAN;

	if (vs >= tyche_surface_nmetrics(s))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric %zu out of range", vs);
	for (int mn = 1; mn >= 0; mn--) {
		tyche_opt_problem q = *base;
		tyche_opt_result *r = NULL;
		int rc;

		q.metric = vs;
		q.minimize = mn;
		rc = tyche_optimize(&r, s, &q, err);
		if (rc)
			return rc;
		if (tyche_opt_status_ok(r->status) || r->status == TYCHE_OPT_LIMIT) {
			if (mn)
				lo = r->objective;
			else
				hi = r->objective;
		}
		tyche_opt_result_free(r);
	}
	if (!isfinite(lo) || !isfinite(hi))
		return ty_error_at(err, TYCHE_EINFEASIBLE, "", 0, 0,
				   "cannot find the range of %s(%s) under the budget and "
				   "limits: the problem is infeasible", base->stat.name,
				   tyche_surface_metric(s, vs));
	for (size_t k = 0; k < nb; k++)
		pts[k] = nb == 1 ? hi : lo + (hi - lo) * (double)k / (double)(nb - 1);
	return 0;
}

int ty_opt_pareto_vs_part(tyche_opt_sweep **out, const tyche_surface *s,
			  const tyche_opt_problem *base, size_t vs, int vs_upper,
			  const double *pts, size_t nb, size_t lo, size_t hi, tyche_error *err)
{
	tyche_opt_limit *lim = NULL;
	tyche_opt_sweep *sw = NULL;
	double t0 = ty_opt_now();
	int rc = 0;

	if (vs >= tyche_surface_nmetrics(s))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric %zu out of range", vs);
	if (nb == 0)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "a Pareto sweep needs >= 1 point");
	if (hi > nb)
		hi = nb;
	lim = ty_calloc(base->nlimits + 1, sizeof *lim);
	sw = sweep_new(hi > lo ? hi - lo : 0);
	if (!lim || !sw) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (base->nlimits)
		memcpy(lim, base->limits, base->nlimits * sizeof *lim);
	for (size_t k = lo; k < hi && !rc; k++) {
		tyche_opt_problem q = *base;

		lim[base->nlimits].metric = vs;
		lim[base->nlimits].stat = base->stat;
		lim[base->nlimits].upper = vs_upper;
		lim[base->nlimits].bound = pts[k];
		q.limits = lim;
		q.nlimits = base->nlimits + 1;
		rc = sweep_add(sw, s, &q, pts[k], err);
	}
	if (rc)
		goto out;
	sw->vs_metric = (long)vs;
	sw->seconds = ty_opt_now() - t0;
	*out = sw;
	sw = NULL;
out:
	tyche_opt_sweep_free(sw);
	free(lim);
	return rc;
}

int tyche_opt_pareto_vs(tyche_opt_sweep **out, const tyche_surface *s, const tyche_opt_problem *base,
			size_t vs, int vs_upper, const double *bounds, size_t nb,
			tyche_error *err)
{
	double *pts = NULL, t0 = ty_opt_now();
	int rc;

	if (vs >= tyche_surface_nmetrics(s))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric %zu out of range", vs);
	if (nb == 0)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "a Pareto sweep needs >= 1 point");
	pts = ty_calloc(nb, sizeof *pts);
	if (!pts)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (bounds)
		memcpy(pts, bounds, nb * sizeof *pts);
	rc = bounds ? 0 : ty_opt_pareto_vs_points(s, base, vs, pts, nb, err);
	if (!rc)
		rc = ty_opt_pareto_vs_part(out, s, base, vs, vs_upper, pts, nb, 0, nb, err);
	if (!rc)
		(*out)->seconds = ty_opt_now() - t0;
	free(pts);
	return rc;
}
