/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plot-sens.c - the "what drives this?" plot: for one metric and one
 * grouping level, each input's first-order and total Sobol index as two
 * horizontal bars with their bootstrap intervals as whiskers, sorted by
 * total index, the largest on top (tyche/sensitivity.h).
 *
 * Easy to get wrong: estimated indices can fall slightly below 0 or above
 * 1 (the intervals say by how much); the axis covers [min(0, lowest
 * interval), max(1, highest interval)] so that no bar or whisker is cut
 * and 0 and 1 are always visible.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

struct bar {
	const tyche_sobol_row *r;
};

static int by_total(const void *a, const void *b)
{
	const tyche_sobol_row *x = ((const struct bar *)a)->r, *y = ((const struct bar *)b)->r;
	double tx = isfinite(x->total) ? x->total : -1, ty = isfinite(y->total) ? y->total : -1;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->input, y->input);
}

static void whisker(struct ty_svg *s, double lo, double hi, double y)
{
	if (!isfinite(lo) || !isfinite(hi))
		return;
	ty_buf_addf(&s->b, "<path class=\"interval\" d=\"M%s %sH%sM%s %sv%sM%s %sv%s\" "
		    "stroke=\"#111111\" fill=\"none\"/>\n",
		    ty_svg_num(ty_svg_sx(s, lo)).s, ty_svg_num(y).s,
		    ty_svg_num(ty_svg_sx(s, hi)).s,
		    ty_svg_num(ty_svg_sx(s, lo)).s, ty_svg_num(y - 3).s, ty_svg_num(6).s,
		    ty_svg_num(ty_svg_sx(s, hi)).s, ty_svg_num(y - 3).s, ty_svg_num(6).s);
}

int tyche_plot_sobol(char **out, const tyche_sobol *so, const char *metric, int level,
		     size_t max_inputs, const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	struct bar *v;
	size_t n = 0, N = tyche_sobol_nrows(so);
	double xlo = 0, xhi = 1, labw = 0, rh;
	const char *c1, *ct;
	int rc;

	if (!out)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "plot: output pointer is NULL");
	if ((rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	v = ty_calloc(N + 1, sizeof *v);
	if (!v) {
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	for (size_t i = 0; i < N; i++) {
		const tyche_sobol_row *r = tyche_sobol_row_at(so, i);

		if (r->level == level && (!metric || !strcmp(r->metric, metric)))
			v[n++].r = r;
	}
	qsort(v, n, sizeof *v, by_total);
	if (max_inputs && n > max_inputs) {
		ty_svg_note(&s, "The %zu inputs of largest total index of %zu.", max_inputs, n);
		n = max_inputs;
	}
	for (size_t i = 0; i < n; i++) {
		const tyche_sobol_row *r = v[i].r;
		double a[] = { r->first, r->first_lo, r->first_hi, r->total, r->total_lo,
			       r->total_hi };

		for (int k = 0; k < 6; k++)
			if (isfinite(a[k])) {
				xlo = fmin(xlo, a[k]);
				xhi = fmax(xhi, a[k]);
			}
		labw = fmax(labw, ty_svg_text_width(r->input, s.fs));
	}
	ty_axis_nice(&s.x, xlo, xhi, 6);
	labw = fmin(labw, s.w * 0.35);
	{
		static const char *const ll[2] = { "first-order", "total" };

		ty_svg_legend_reserve(&s, 2, ll);
	}
	ty_svg_layout(&s, labw, s.fs + 6, 0);
	ty_svg_title(&s);
	ty_svg_axis_x(&s);
	rh = (s.bt - s.t - s.fs) / (double)(n ? n : 1);
	c1 = ty_plot_palette(s.o->palette, 0);
	ct = ty_plot_palette(s.o->palette, 1);
	for (size_t i = 0; i < n; i++) {
		const tyche_sobol_row *r = v[i].r;
		double y = s.t + s.fs + rh * (double)i, bh = rh * 0.36, x0 = ty_svg_sx(&s, 0);
		double val[2] = { r->first, r->total }, lo[2] = { r->first_lo, r->total_lo },
		       hi[2] = { r->first_hi, r->total_hi };
		const char *fill[2] = { c1, ct }, *cls[2] = { "bar first", "bar total" };
		char a[40], b[40];

		ty_buf_adds(&s.b, "<g class=\"input\"><title>");
		ty_svg_escape(&s.b, r->input);
		ty_buf_addf(&s.b, ": first-order %s, total %s</title>\n",
			    ty_plot_fmt_num(r->first, 0, a, sizeof a),
			    ty_plot_fmt_num(r->total, 0, b, sizeof b));
		for (int k = 0; k < 2; k++) {
			double yk = y + rh * 0.1 + (double)k * (bh + rh * 0.04);
			double xv = isfinite(val[k]) ? ty_svg_sx(&s, val[k]) : x0;

			ty_buf_addf(&s.b, "<rect class=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" "
				    "height=\"%s\" fill=\"%s\"/>\n", cls[k],
				    ty_svg_num(fmin(x0, xv)).s, ty_svg_num(yk).s,
				    ty_svg_num(fabs(xv - x0)).s, ty_svg_num(bh).s, fill[k]);
			whisker(&s, lo[k], hi[k], yk + bh / 2);
		}
		ty_buf_adds(&s.b, "</g>\n");
		ty_svg_text(&s, s.l - 6, y + rh / 2 + s.fs * 0.35, "end", "category", labw,
			    r->input, NULL);
	}
	{
		const char *ll[2] = { "first-order", "total" };
		const char *cc[2] = { c1, ct };

		ty_svg_legend(&s, 2, ll, cc);
	}
	ty_svg_axis_labels(&s);
	ty_svg_note(&s, "Sobol indices of %s for %zu inputs, first-order and total, with "
		    "bootstrap intervals, sorted by total index.", metric ? metric : "the metric", n);
	free(v);
	return ty_svg_finish(&s, "Sobol indices", out, err);
}
