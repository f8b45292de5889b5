/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plot-elicit.c - the elicitation plot of one cell: each expert's fitted
 * CDF in their colour with their judgement points (P05 ... P95 at their
 * probability, Min at 0 and Max at 1), and the pooled CDF in black on
 * top.  An outlier's legend entry says so.
 *
 * Easy to get wrong: the x range must hold every judgement point as well
 * as the fits (a poor fit can lie far from the points it was fitted to,
 * and hiding the points would hide exactly that), and a mixture's tails
 * can be far apart, so the range is the pooled 0.1 % to 99.9 % quantiles
 * widened to the points, not the pool's support (a norm's is infinite).
 */
#include <math.h>
#include <stdlib.h>

#include "elicit.h"
#include "plot.h"

#define CURVE_POINTS 201

static void curve(struct ty_svg *s, const tyche_elicitation *e, size_t cell, size_t expert,
		  double lo, double hi, const char *col, double width, const char *label)
{
	ty_buf_adds(&s->b, "<g class=\"series\"><title>");
	ty_svg_escape(&s->b, label);
	ty_buf_adds(&s->b, "</title>\n<path class=\"line\" d=\"");
	for (int i = 0; i < CURVE_POINTS; i++) {
		double x = lo + (hi - lo) * i / (CURVE_POINTS - 1);
		double y = tyche_elicitation_cdf(e, cell, expert, x);

		ty_buf_addf(&s->b, "%c%s %s", i ? 'L' : 'M', ty_svg_num(ty_svg_sx(s, x)).s,
			    ty_svg_num(ty_svg_sy(s, isfinite(y) ? y : 0)).s);
	}
	ty_buf_addf(&s->b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"/>\n", col,
		    ty_svg_num(width).s);
}

int tyche_plot_elicitation(char **out, const tyche_elicitation *e, size_t cell,
			   const tyche_plot_opts *o, tyche_error *err)
{
	const tyche_elicit_cell *c = tyche_elicitation_cell(e, cell);
	struct ty_svg s;
	const char **labels = NULL, **cols = NULL;
	char **owned = NULL;
	double lo, hi;
	size_t n, npoints = 0, noutliers = 0;
	int rc;

	if (!out)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "plot: output pointer is NULL");
	if (!c)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "plot: no elicitation cell %zu",
				   cell);
	n = c->nexperts;
	if (n + 1 > TY_PLOT_MAX_GROUPS)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "plot: %zu experts, expected at most %u", n,
				   TY_PLOT_MAX_GROUPS - 1);
	lo = tyche_elicitation_quantile(e, cell, TYCHE_ELICIT_POOLED, 0.001);
	hi = tyche_elicitation_quantile(e, cell, TYCHE_ELICIT_POOLED, 0.999);
	for (size_t k = 0; k < n; k++) {
		double a = tyche_elicitation_quantile(e, cell, k, 0.001);
		double b = tyche_elicitation_quantile(e, cell, k, 0.999);

		if (isfinite(a))
			lo = fmin(lo, a);
		if (isfinite(b))
			hi = fmax(hi, b);
		for (int i = 0; i < TY_J_N; i++)
			if (isfinite(c->experts[k].judged[i])) {
				lo = fmin(lo, c->experts[k].judged[i]);
				hi = fmax(hi, c->experts[k].judged[i]);
			}
	}
	if (!isfinite(lo) || !isfinite(hi) || !(hi > lo)) {
		lo = isfinite(lo) ? lo - 1 : 0;
		hi = lo + 2;
	}
	if ((rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	labels = ty_calloc(n + 1, sizeof(*labels));
	cols = ty_calloc(n + 1, sizeof(*cols));
	owned = ty_calloc(n + 1, sizeof(*owned));
	if (!labels || !cols || !owned) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		ty_svg_release(&s);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		if (c->experts[k].outlier) {
			owned[k] = ty_asprintf("%s (outlier)", c->experts[k].expert);
			noutliers++;
		}
		labels[k] = owned[k] ? owned[k] : c->experts[k].expert;
		cols[k] = ty_plot_palette(s.o->palette, k);
	}
	owned[n] = ty_asprintf("pooled (%s)", tyche_elicit_pool_name(c->pool));
	labels[n] = owned[n] ? owned[n] : "pooled";
	cols[n] = "#000000";
	ty_axis_nice(&s.x, lo, hi, 6);
	ty_axis_nice(&s.y, 0, 1, 5);
	ty_svg_legend_reserve(&s, n + 1, labels);
	ty_svg_layout(&s, ty_svg_ticks_width(&s, &s.y), s.fs + 6, 0);
	ty_svg_title(&s);
	ty_svg_axis_y(&s);
	ty_svg_axis_x(&s);
	for (size_t k = 0; k < n; k++) {
		const tyche_elicit_expert *x = &c->experts[k];

		curve(&s, e, cell, k, s.x.lo, s.x.hi, cols[k], 1.5, labels[k]);
		for (int i = 0; i < TY_J_N; i++) {
			char a[40];

			if (i == TY_J_MODE || !isfinite(x->judged[i]))
				continue;
			npoints++;
			ty_buf_addf(&s.b, "<circle class=\"judgement\" cx=\"%s\" cy=\"%s\" r=\"4\" "
				    "fill=\"%s\" stroke=\"#ffffff\"><title>",
				    ty_svg_num(ty_svg_sx(&s, x->judged[i])).s,
				    ty_svg_num(ty_svg_sy(&s, ty_judge_p[i])).s, cols[k]);
			ty_svg_escape(&s.b, x->expert);
			ty_buf_addf(&s.b, ": %s = %s</title></circle>\n", ty_judge_names[i],
				    ty_plot_fmt_num(x->judged[i], 0, a, sizeof(a)));
		}
		ty_buf_adds(&s.b, "</g>\n");
	}
	curve(&s, e, cell, TYCHE_ELICIT_POOLED, s.x.lo, s.x.hi, cols[n], 3, labels[n]);
	ty_buf_adds(&s.b, "</g>\n");
	ty_svg_legend(&s, n + 1, labels, cols);
	ty_svg_axis_labels(&s);
	ty_svg_note(&s, "Cumulative distribution functions of %zu expert%s' fits with %zu "
		    "judgement point%s, and the %s pool in black.", n, n == 1 ? "" : "s",
		    npoints, npoints == 1 ? "" : "s", tyche_elicit_pool_name(c->pool));
	if (noutliers)
		ty_svg_note(&s, "%zu expert%s median lies outside the others' P10 to P90 "
			    "range.", noutliers, noutliers == 1 ? "'s" : "s'");
	rc = ty_svg_finish(&s, "Elicitation", out, err);
out:
	for (size_t k = 0; owned && k <= n; k++)
		free(owned[k]);
	free(owned);
	free(labels);
	free(cols);
	return rc;
}
