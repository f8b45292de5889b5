/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plot.c - the plot types (box, violin, density, histogram, heatmap,
 * lines, waterfall, tornado) drawn as SVG for tyche-report and tyche.cgi.
 *
 * The caller owns the statistics; this file only computes what a picture
 * needs (quartiles, a KDE, bins) from plain arrays.  Decisions a newcomer
 * would get wrong:
 *  - degenerate data is normal here (one sample, all equal, everything
 *    NaN, a huge range): it must give a readable plot, never an error
 *    and never a NaN coordinate.  Non-finite values are dropped and
 *    counted in the <desc>;
 *  - the KDE runs on data rescaled to [-1, 1] (centre and half range), so
 *    a bandwidth or a density never overflows for values near 1e308 nor
 *    underflows for values near 1e-300;
 *  - a KDE of 1e4 samples is evaluated from 1024 linear bins, not sample
 *    by sample, unless the bins would be coarser than a quarter of the
 *    bandwidth (then the exact sum over a 6-bandwidth window is used).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "plot.h"

#define KDE_BINS 1024
#define KDE_CUT 6.0      /* kernel ignored beyond 6 bandwidths (e^-18) */

static const tyche_plot_opts plot_default_opts = TYCHE_PLOT_OPTS_INIT;

/* --------------------------------------------------------------- stats */

struct gstat {
	const char *label;
	double *d;       /* sorted finite samples */
	size_t n, skipped;
	double min, max, q1, med, q3, mean;
};

/* Mean without overflow for values near +-DBL_MAX. */
/*
 * d[0..n-1] (finite) in ascending order, as gsl_sort leaves it: an LSD
 * radix sort on the bits made order-preserving (sign bit flipped for
 * positives, all bits for negatives), six passes of 11 bits (2,048
 * counters fit the L1 cache; eight passes of a byte cost a third more),
 * a pass skipped when every key has the same digit there.  Heapsort (gsl_sort)
 * was most of the report's plot time.  The two orders differ only in how
 * equal values are arranged, which is invisible, except for -0.0 and
 * +0.0: gsl_sort leaves them in an order of its own, so data holding
 * both still goes to gsl_sort and the plots stay byte for byte.
 */
static void sort_finite(double *d, size_t n)
{
	enum { BITS = 11, BUCKETS = 1 << BITS };
	uint64_t *k = NULL, *t = NULL;
	size_t cnt[BUCKETS];
	int negz = 0, posz = 0;

	for (size_t i = 0; i < n; i++)
		if (d[i] == 0) {
			if (signbit(d[i]))
				negz = 1;
			else
				posz = 1;
		}
	if (n < 64 || (negz && posz) || !(k = malloc(2 * n * sizeof(*k)))) {
		gsl_sort(d, 1, n);
		return;
	}
	t = k + n;
	for (size_t i = 0; i < n; i++) {
		uint64_t b;

		memcpy(&b, &d[i], 8);
		k[i] = b >> 63 ? ~b : b | (1ull << 63);
	}
	for (int sh = 0; sh < 64; sh += BITS) {
		size_t sum = 0;

		memset(cnt, 0, sizeof cnt);
		for (size_t i = 0; i < n; i++)
			cnt[(k[i] >> sh) & (BUCKETS - 1)]++;
		if (cnt[(k[0] >> sh) & (BUCKETS - 1)] == n)
			continue;
		for (int j = 0; j < BUCKETS; j++) {
			size_t c = cnt[j];

			cnt[j] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			t[cnt[(k[i] >> sh) & (BUCKETS - 1)]++] = k[i];
		{
			uint64_t *x = k;

			k = t;
			t = x;
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t b = k[i] >> 63 ? k[i] & ~(1ull << 63) : ~k[i];

		memcpy(&d[i], &b, 8);
	}
	free(k < t ? k : t);
}

static double safe_mean(const double *d, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		m += 2 * ((d[i] / 2 - m / 2) / (double)(i + 1));
	return m;
}

static void free_groups(struct gstat *gs, size_t ng)
{
	if (!gs)
		return;
	for (size_t i = 0; i < ng; i++)
		free(gs[i].d);
	free(gs);
}

static int check_out(char **out, tyche_error *err)
{
	if (!out)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "plot: output pointer is NULL");
	return 0;
}

static int check_count(const void *arr, size_t n, const char *what, tyche_error *err)
{
	if (n > TY_PLOT_MAX_GROUPS)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "plot: %zu %s, expected at most %u", n, what,
				   TY_PLOT_MAX_GROUPS);
	if (n && !arr)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "plot: %zu %s but the array is NULL", n, what);
	return 0;
}

/* Sorted finite copies and summary statistics of every group; *lo, *hi
 * get the range over all groups (lo > hi when there is no finite value). */
static int prep_groups(const tyche_plot_group *g, size_t ng, struct gstat **out,
		       size_t *skipped, double *lo, double *hi, tyche_error *err)
{
	struct gstat *gs;

	*skipped = 0;
	*lo = INFINITY;
	*hi = -INFINITY;
	if (check_count(g, ng, "groups", err))
		return err ? err->code : TYCHE_EUSAGE;
	gs = ty_calloc(ng, sizeof(*gs));
	if (!gs)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t i = 0; i < ng; i++) {
		struct gstat *s = &gs[i];

		s->label = g[i].label ? g[i].label : "";
		if (g[i].n && !g[i].v) {
			free_groups(gs, ng);
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "plot: group %zu has %zu samples but no array",
					   i + 1, g[i].n);
		}
		s->d = ty_malloc(g[i].n * sizeof(double));
		if (!s->d) {
			free_groups(gs, ng);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		for (size_t j = 0; j < g[i].n; j++) {
			if (isfinite(g[i].v[j]))
				s->d[s->n++] = g[i].v[j];
			else
				s->skipped++;
		}
		*skipped += s->skipped;
		if (!s->n)
			continue;
		sort_finite(s->d, s->n);
		s->min = s->d[0];
		s->max = s->d[s->n - 1];
		s->q1 = gsl_stats_quantile_from_sorted_data(s->d, 1, s->n, 0.25);
		s->med = gsl_stats_quantile_from_sorted_data(s->d, 1, s->n, 0.5);
		s->q3 = gsl_stats_quantile_from_sorted_data(s->d, 1, s->n, 0.75);
		s->mean = safe_mean(s->d, s->n);
		*lo = fmin(*lo, s->min);
		*hi = fmax(*hi, s->max);
	}
	*out = gs;
	return 0;
}

static void note_groups(struct ty_svg *s, const char *kind, struct gstat *gs,
			size_t ng, size_t skipped)
{
	size_t shown = ng < 12 ? ng : 12;
	char a[40], b[40], c[40];

	ty_svg_note(s, "%s of %zu group%s.", kind, ng, ng == 1 ? "" : "s");
	for (size_t i = 0; i < shown; i++) {
		if (gs[i].n)
			ty_svg_note(s, "%.80s: n=%zu, median %s, range %s to %s.",
				    gs[i].label, gs[i].n,
				    ty_plot_fmt_num(gs[i].med, 0, a, sizeof(a)),
				    ty_plot_fmt_num(gs[i].min, 0, b, sizeof(b)),
				    ty_plot_fmt_num(gs[i].max, 0, c, sizeof(c)));
		else
			ty_svg_note(s, "%.80s: no finite values.", gs[i].label);
	}
	if (shown < ng)
		ty_svg_note(s, "%zu more groups not described.", ng - shown);
	if (skipped)
		ty_svg_note(s, "%zu non-finite value%s (NaN or infinite) skipped.",
			    skipped, skipped == 1 ? "" : "s");
}

/* Category labels under slots of equal width along the x axis.  A label
 * wider than its slot wraps at spaces onto up to CAT_LINES lines (the
 * last one cut with an ellipsis, the full text in its <title>), so long
 * tranche names that share a prefix stay apart. */
#define CAT_LINES 3

/* Split text into at most CAT_LINES lines of about maxc characters at
 * spaces: starts[k], lens[k] (bytes).  Returns the line count (>= 1). */
static size_t wrap_label(const char *text, double maxc, size_t *starts, size_t *lens)
{
	size_t n = 0, len = strlen(text), pos = 0;

	while (pos < len && n < CAT_LINES) {
		size_t end = len, brk = 0, chars = 0;

		if (n < CAT_LINES - 1) {
			for (size_t i = pos; i < len; i++) {
				if ((text[i] & 0xc0) != 0x80)
					chars++;
				if (text[i] == ' ' && i > pos)
					brk = i;
				if ((double)chars > maxc && brk) {
					end = brk;
					break;
				}
			}
		}
		starts[n] = pos;
		lens[n++] = end - pos;
		pos = end;
		while (pos < len && text[pos] == ' ')
			pos++;
	}
	if (!n) {
		starts[0] = lens[0] = 0;
		n = 1;
	}
	return n;
}

static size_t cat_lines_needed(const struct ty_svg *s, size_t n, const char *const *labels)
{
	double sw = (s->r - s->l) / (double)(n ? n : 1);
	size_t most = 1, st[CAT_LINES], ln[CAT_LINES];

	for (size_t i = 0; i < n; i++) {
		const char *l = labels[i] ? labels[i] : "";

		if (ty_svg_text_width(l, s->fs) > sw - 4) {
			size_t k = wrap_label(l, (sw - 4) / (s->fs * 0.58), st, ln);

			most = k > most ? k : most;
		}
	}
	return most;
}

static void cat_labels_x(struct ty_svg *s, size_t n, const char *const *labels)
{
	double sw = (s->r - s->l) / (double)(n ? n : 1);

	ty_buf_adds(&s->b, "<g class=\"axis x\">\n");
	ty_buf_addf(&s->b, "<line x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" stroke=\"#555555\"/>\n",
		    ty_svg_num(s->l).s, ty_svg_num(s->r).s, ty_svg_num(s->bt).s,
		    ty_svg_num(s->bt).s);
	for (size_t i = 0; i < n; i++) {
		const char *l = labels[i] ? labels[i] : "";
		double x = s->l + sw * ((double)i + 0.5);
		size_t st[CAT_LINES], ln[CAT_LINES], k;

		if (ty_svg_text_width(l, s->fs) <= sw - 4) {
			ty_svg_text(s, x, s->bt + s->fs + 4, "middle", "category", sw - 4, l, NULL);
			continue;
		}
		k = wrap_label(l, (sw - 4) / (s->fs * 0.58), st, ln);
		ty_buf_adds(&s->b, "<g class=\"category-wrapped\"><title>");
		ty_svg_escape(&s->b, l);
		ty_buf_adds(&s->b, "</title>\n");
		for (size_t j = 0; j < k; j++) {
			char *part = ty_strndup(l + st[j], ln[j]);

			if (part)
				ty_svg_text(s, x, s->bt + s->fs + 4 + (double)j * (s->fs + 2),
					    "middle", "category", sw - 4, part, NULL);
			free(part);
		}
		ty_buf_adds(&s->b, "</g>\n");
	}
	ty_buf_adds(&s->b, "</g>\n");
}

/* Clip the data marks to the plot area (a shared value range may cut
 * some off); clip_end closes the group. */
static void clip_begin(struct ty_svg *s)
{
	ty_buf_addf(&s->b, "<clipPath id=\"%s-clip\"><rect x=\"%s\" y=\"%s\" width=\"%s\" "
		    "height=\"%s\"/></clipPath>\n<g clip-path=\"url(#%s-clip)\">\n", s->id,
		    ty_svg_num(s->l).s, ty_svg_num(s->t).s, ty_svg_num(s->r - s->l).s,
		    ty_svg_num(s->bt - s->t).s, s->id);
}

static void clip_end(struct ty_svg *s)
{
	ty_buf_adds(&s->b, "</g>\n");
}

static void no_data(struct ty_svg *s, double x, double y)
{
	ty_svg_text(s, x, y, "middle", "empty", 0, "no data", "fill=\"#777777\"");
}

/* ----------------------------------------------------------------- KDE */

double ty_plot_bandwidth(const double *d, size_t n)
{
	double sd, iqr, spread;

	if (n < 2 || !(d[n - 1] > d[0]))
		return 0;
	sd = gsl_stats_sd(d, 1, n);
	iqr = gsl_stats_quantile_from_sorted_data(d, 1, n, 0.75) -
	      gsl_stats_quantile_from_sorted_data(d, 1, n, 0.25);
	spread = fmin(sd, iqr / 1.34);
	if (!(spread > 0))
		spread = sd > 0 ? sd : iqr / 1.34;
	if (!(spread > 0) || !isfinite(spread))
		return 0;
	return 0.9 * spread * pow((double)n, -0.2);
}

/* First index in sorted d[0..n) with d[i] >= x. */
static size_t lower_bound(const double *d, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ty_plot_kde(const double *d, size_t n, double h, double a, double b,
		size_t m, double *y)
{
	double dx = (b - a) / (double)(m - 1);
	double norm = 1.0 / ((double)n * h * sqrt(2 * M_PI));
	double lo = d[0], hi = d[n - 1], bw = (hi - lo) / (KDE_BINS - 1);

	if (n <= 2000 || !(hi > lo) || bw > h / 4) {
		for (size_t j = 0; j < m; j++) {
			double x = a + dx * (double)j, sum = 0;
			size_t i = lower_bound(d, n, x - KDE_CUT * h);

			for (; i < n && d[i] <= x + KDE_CUT * h; i++) {
				double u = (x - d[i]) / h;

				sum += exp(-0.5 * u * u);
			}
			y[j] = sum * norm;
		}
		return 0;
	}
	{
		double *w = calloc(KDE_BINS, sizeof(double));

		if (!w)
			return TYCHE_ENOMEM;
		/* linear binning: each sample splits its weight between the two
		 * nearest bin centres */
		for (size_t i = 0; i < n; i++) {
			double t = (d[i] - lo) / bw;
			size_t k = (size_t)t;

			if (k >= KDE_BINS - 1) {
				w[KDE_BINS - 1] += 1;
				continue;
			}
			w[k] += 1 - (t - (double)k);
			w[k + 1] += t - (double)k;
		}
		for (size_t j = 0; j < m; j++) {
			double x = a + dx * (double)j, sum = 0;
			double k0 = ceil((x - KDE_CUT * h - lo) / bw);
			double k1 = floor((x + KDE_CUT * h - lo) / bw);

			if (k0 < 0)
				k0 = 0;
			if (k1 > KDE_BINS - 1)
				k1 = KDE_BINS - 1;
			for (double k = k0; k <= k1; k++) {
				double u = (x - (lo + k * bw)) / h;

				/* an empty bin adds +0 exactly: skip its exp */
				if (w[(size_t)k] != 0)
					sum += w[(size_t)k] * exp(-0.5 * u * u);
			}
			y[j] = sum * norm;
		}
		free(w);
	}
	return 0;
}

/* --------------------------------------------------------------- box */

static int box_one(struct ty_svg *s, const struct gstat *g, double cx, double bw,
		   const char *col)
{
	struct ty_buf *b = &s->b;
	double fence_lo = g->q1 - 1.5 * (g->q3 - g->q1);
	double fence_hi = g->q3 + 1.5 * (g->q3 - g->q1);
	size_t a = 0, z = g->n - 1, nout, draw;
	double ylo, yhi, y1, y3, ym;
	char t1[40], t2[40], t3[40], t4[40];

	while (a < g->n && g->d[a] < fence_lo)
		a++;
	while (z > a && g->d[z] > fence_hi)
		z--;
	/* whiskers reach the furthest samples inside the fences */
	ylo = ty_svg_sy(s, g->d[a]);
	yhi = ty_svg_sy(s, g->d[z]);
	y1 = ty_svg_sy(s, g->q1);
	y3 = ty_svg_sy(s, g->q3);
	ym = ty_svg_sy(s, g->med);
	ty_buf_adds(b, "<g class=\"group\"><title>");
	ty_svg_escape(b, g->label);
	ty_buf_addf(b, ": n=%zu, median %s, quartiles %s to %s, mean %s</title>\n",
		    g->n, ty_plot_fmt_num(g->med, 0, t1, sizeof(t1)),
		    ty_plot_fmt_num(g->q1, 0, t2, sizeof(t2)),
		    ty_plot_fmt_num(g->q3, 0, t3, sizeof(t3)),
		    ty_plot_fmt_num(g->mean, 0, t4, sizeof(t4)));
	ty_buf_addf(b, "<path class=\"whisker\" d=\"M%s %sV%sM%s %sV%sM%s %sH%sM%s %sH%s\" "
		    "stroke=\"#333333\" fill=\"none\"/>\n",
		    ty_svg_num(cx).s, ty_svg_num(ylo).s, ty_svg_num(y1).s,
		    ty_svg_num(cx).s, ty_svg_num(y3).s, ty_svg_num(yhi).s,
		    ty_svg_num(cx - bw / 4).s, ty_svg_num(ylo).s, ty_svg_num(cx + bw / 4).s,
		    ty_svg_num(cx - bw / 4).s, ty_svg_num(yhi).s, ty_svg_num(cx + bw / 4).s);
	ty_buf_addf(b, "<rect class=\"box\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" "
		    "fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\"/>\n",
		    ty_svg_num(cx - bw / 2).s, ty_svg_num(y3).s, ty_svg_num(bw).s,
		    ty_svg_num(fmax(y1 - y3, 0)).s, col, col);
	ty_buf_addf(b, "<line class=\"median\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
		    "stroke=\"#111111\" stroke-width=\"2\"/>\n",
		    ty_svg_num(cx - bw / 2).s, ty_svg_num(cx + bw / 2).s,
		    ty_svg_num(ym).s, ty_svg_num(ym).s);
	{
		double my = ty_svg_sy(s, g->mean);

		ty_buf_addf(b, "<path class=\"mean\" d=\"M%s %sl5 5l-5 5l-5 -5z\" "
			    "fill=\"#ffffff\" stroke=\"#111111\"/>\n",
			    ty_svg_num(cx).s, ty_svg_num(my - 5).s);
	}
	/* outliers: d[0..a) and d(z..n); at most TY_PLOT_MAX_OUTLIERS drawn,
	 * spread evenly over the sorted list so both extremes stay */
	nout = a + (g->n - 1 - z);
	draw = nout < TY_PLOT_MAX_OUTLIERS ? nout : TY_PLOT_MAX_OUTLIERS;
	for (size_t k = 0; k < draw; k++) {
		size_t t = draw == nout ? k :
			(size_t)llround((double)k * (double)(nout - 1) / (double)(draw - 1));
		size_t idx = t < a ? t : z + 1 + (t - a);

		ty_buf_addf(b, "<circle class=\"outlier\" cx=\"%s\" cy=\"%s\" r=\"2.5\" "
			    "fill=\"none\" stroke=\"%s\"/>\n", ty_svg_num(cx).s,
			    ty_svg_num(ty_svg_sy(s, g->d[idx])).s, col);
	}
	ty_buf_adds(b, "</g>\n");
	if (draw < nout)
		ty_svg_note(s, "%.80s: %zu of %zu outliers drawn.", g->label, draw, nout);
	return 0;
}

/* Layout for plots with categories along x and a numeric y axis. */
static void cat_layout(struct ty_svg *s, double lo, double hi, size_t n,
		       const char *const *labels)
{
	size_t lines;

	if (s->o->value_range) {
		lo = s->o->value_lo;
		hi = s->o->value_hi;
	}
	ty_axis_nice(&s->y, lo, hi, 5);
	ty_svg_layout(s, ty_svg_ticks_width(s, &s->y), s->fs + 6, 0);
	lines = cat_lines_needed(s, n, labels);
	if (lines > 1)
		ty_svg_layout(s, ty_svg_ticks_width(s, &s->y),
			      s->fs + 6 + (double)(lines - 1) * (s->fs + 2), 0);
	ty_svg_title(s);
	ty_svg_axis_y(s);
}

static const char **group_labels(const struct gstat *gs, size_t ng)
{
	const char **v = ty_calloc(ng, sizeof(*v));

	if (v)
		for (size_t i = 0; i < ng; i++)
			v[i] = gs[i].label;
	return v;
}

static int finish_groups(struct ty_svg *s, struct gstat *gs, size_t ng,
			 const char *kind, char **out, tyche_error *err)
{
	const char **labels = group_labels(gs, ng);
	int rc;

	if (!labels) {
		free_groups(gs, ng);
		ty_svg_release(s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	cat_labels_x(s, ng, labels);
	ty_svg_axis_labels(s);
	free(labels);
	free_groups(gs, ng);
	rc = ty_svg_finish(s, kind, out, err);
	return rc;
}

/* One group per slot along x: draw(s, group, centre, half width, colour)
 * for each group with data, "no data" for the others; the notes name the
 * plot kind.  Box and violin plots differ only in draw and the notes. */
typedef int (*group_draw_fn)(struct ty_svg *s, const struct gstat *g, double cx,
			     double hw, const char *col);

static int group_plot(char **out, const tyche_plot_group *g, size_t ng,
		      const tyche_plot_opts *o, const char *kind, const char *how,
		      group_draw_fn draw, double wfrac, double wmax, tyche_error *err)
{
	struct ty_svg s;
	struct gstat *gs = NULL;
	const char **labels;
	size_t skipped;
	double lo, hi, sw;
	int rc;

	if ((rc = check_out(out, err)) || (rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	if ((rc = prep_groups(g, ng, &gs, &skipped, &lo, &hi, err))) {
		ty_svg_release(&s);
		return rc;
	}
	labels = group_labels(gs, ng);
	if (!labels && ng) {
		free_groups(gs, ng);
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	cat_layout(&s, lo, hi, ng, labels);
	free(labels);
	if (s.o->value_range)
		clip_begin(&s);
	sw = (s.r - s.l) / (double)(ng ? ng : 1);
	for (size_t i = 0; i < ng; i++) {
		double cx = s.l + sw * ((double)i + 0.5);

		if (!gs[i].n) {
			no_data(&s, cx, (s.t + s.bt) / 2);
			continue;
		}
		if (draw(&s, &gs[i], cx, fmin(sw * wfrac, wmax),
			 ty_plot_palette(s.o->palette, i))) {
			free_groups(gs, ng);
			ty_svg_release(&s);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
	}
	if (s.o->value_range)
		clip_end(&s);
	if (!ng)
		no_data(&s, (s.l + s.r) / 2, (s.t + s.bt) / 2);
	note_groups(&s, kind, gs, ng, skipped);
	ty_svg_note(&s, "%s", how);
	return finish_groups(&s, gs, ng, kind, out, err);
}

int tyche_plot_box(char **out, const tyche_plot_group *g, size_t ng,
		   const tyche_plot_opts *o, tyche_error *err)
{
	return group_plot(out, g, ng, o, "Box plot",
			  "Boxes span the quartiles, whiskers reach the furthest "
			  "samples within 1.5 IQR, dots are outliers, diamonds are means.",
			  box_one, 0.5, 80, err);
}

/* -------------------------------------------------------------- violin */

/* Half-range scaling: z = (x - c) / sc lies in [-1, 1]. */
static void scale_of(double lo, double hi, double *c, double *sc)
{
	*c = lo / 2 + hi / 2;
	*sc = hi / 2 - lo / 2;
}

static int violin_one(struct ty_svg *s, const struct gstat *g, double cx,
		      double hw, const char *col)
{
	struct ty_buf *b = &s->b;
	double c, sc, h, *z = NULL, y[TY_PLOT_KDE_POINTS], peak = 0;
	const size_t m = TY_PLOT_KDE_POINTS;
	char t1[40], t2[40], t3[40];

	ty_buf_adds(b, "<g class=\"group\"><title>");
	ty_svg_escape(b, g->label);
	ty_buf_addf(b, ": n=%zu, median %s, quartiles %s to %s</title>\n", g->n,
		    ty_plot_fmt_num(g->med, 0, t1, sizeof(t1)),
		    ty_plot_fmt_num(g->q1, 0, t2, sizeof(t2)),
		    ty_plot_fmt_num(g->q3, 0, t3, sizeof(t3)));
	scale_of(g->min, g->max, &c, &sc);
	h = 0;
	if (sc > 0) {
		z = ty_malloc(g->n * sizeof(double));
		if (!z)
			return TYCHE_ENOMEM;
		for (size_t i = 0; i < g->n; i++)
			z[i] = (g->d[i] - c) / sc;
		h = ty_plot_bandwidth(z, g->n);
	}
	if (!(h > 0)) {
		/* all samples equal (or one): a flat line at the value */
		double yy = ty_svg_sy(s, g->med);

		free(z);
		ty_buf_addf(b, "<line class=\"violin\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
			    "stroke=\"%s\" stroke-width=\"3\"/>\n</g>\n",
			    ty_svg_num(cx - hw).s, ty_svg_num(cx + hw).s,
			    ty_svg_num(yy).s, ty_svg_num(yy).s, col);
		return 0;
	}
	if (ty_plot_kde(z, g->n, h, -1, 1, m, y)) {
		free(z);
		return TYCHE_ENOMEM;
	}
	free(z);
	for (size_t j = 0; j < m; j++)
		peak = fmax(peak, y[j]);
	ty_buf_adds(b, "<path class=\"violin\" d=\"");
	for (size_t k = 0; k < 2 * m; k++) {
		/* up the left side, down the right side */
		size_t j = k < m ? k : 2 * m - 1 - k;
		double zz = -1 + 2 * (double)j / (double)(m - 1);
		double w = peak > 0 ? y[j] / peak * hw : 0;
		double px = k < m ? cx - w : cx + w;

		ty_buf_addf(b, "%c%s %s", k ? 'L' : 'M', ty_svg_num(px).s,
			    ty_svg_num(ty_svg_sy(s, c + zz * sc)).s);
	}
	ty_buf_addf(b, "Z\" fill=\"%s\" fill-opacity=\"0.45\" stroke=\"%s\"/>\n", col, col);
	ty_buf_addf(b, "<line class=\"iqr\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
		    "stroke=\"#222222\" stroke-width=\"5\"/>\n", ty_svg_num(cx).s,
		    ty_svg_num(cx).s, ty_svg_num(ty_svg_sy(s, g->q1)).s,
		    ty_svg_num(ty_svg_sy(s, g->q3)).s);
	ty_buf_addf(b, "<circle class=\"median\" cx=\"%s\" cy=\"%s\" r=\"3\" "
		    "fill=\"#ffffff\" stroke=\"#222222\"/>\n</g>\n", ty_svg_num(cx).s,
		    ty_svg_num(ty_svg_sy(s, g->med)).s);
	return 0;
}

int tyche_plot_violin(char **out, const tyche_plot_group *g, size_t ng,
		      const tyche_plot_opts *o, tyche_error *err)
{
	return group_plot(out, g, ng, o, "Violin plot",
			  "Each violin is a Gaussian kernel density estimate "
			  "(Silverman's bandwidth) cut at the data range and scaled to "
			  "the same width; the bar spans the quartiles, the dot is the median.",
			  violin_one, 0.42, 70, err);
}

/* ------------------------------------------------------------- density */

#define DENSITY_POINTS 200

int tyche_plot_density(char **out, const tyche_plot_group *g, size_t ng,
		       const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	tyche_plot_opts lo_opts;
	struct gstat *gs = NULL;
	size_t skipped, nshown = 0;
	double lo, hi, c = 0, sc = 0, za = -1, zb = 1, hmax = 0, peak = 0;
	double *h = NULL, *y = NULL, *z = NULL;
	const char **labels = NULL, **cols = NULL;
	int rc, relative = 0;

	if ((rc = check_out(out, err)))
		return rc;
	lo_opts = o ? *o : plot_default_opts;
	if (!lo_opts.ylabel)
		lo_opts.ylabel = "density";
	if ((rc = ty_svg_begin(&s, &lo_opts, 640, 400, err)))
		return rc;
	if ((rc = prep_groups(g, ng, &gs, &skipped, &lo, &hi, err))) {
		ty_svg_release(&s);
		return rc;
	}
	h = ty_calloc(ng, sizeof(double));
	y = ty_calloc(ng * DENSITY_POINTS, sizeof(double));
	labels = ty_calloc(ng, sizeof(*labels));
	cols = ty_calloc(ng, sizeof(*cols));
	if (!h || !y || !labels || !cols)
		goto nomem;
	if (lo <= hi)
		scale_of(lo, hi, &c, &sc);
	/* bandwidths in the common z scale */
	for (size_t i = 0; i < ng && sc > 0; i++) {
		if (gs[i].n < 2)
			continue;
		free(z);
		z = ty_malloc(gs[i].n * sizeof(double));
		if (!z)
			goto nomem;
		for (size_t j = 0; j < gs[i].n; j++)
			z[j] = (gs[i].d[j] - c) / sc;
		h[i] = ty_plot_bandwidth(z, gs[i].n);
		hmax = fmax(hmax, h[i]);
	}
	za = -1 - 3 * hmax;
	zb = 1 + 3 * hmax;
	for (size_t i = 0; i < ng; i++) {
		if (!(h[i] > 0))
			continue;
		free(z);
		z = ty_malloc(gs[i].n * sizeof(double));
		if (!z)
			goto nomem;
		for (size_t j = 0; j < gs[i].n; j++)
			z[j] = (gs[i].d[j] - c) / sc;
		if (ty_plot_kde(z, gs[i].n, h[i], za, zb, DENSITY_POINTS,
				y + i * DENSITY_POINTS))
			goto nomem;
		for (size_t j = 0; j < DENSITY_POINTS; j++) {
			double v = y[i * DENSITY_POINTS + j] / sc;

			if (!isfinite(v))
				relative = 1;
			peak = fmax(peak, y[i * DENSITY_POINTS + j]);
		}
	}
	free(z);
	z = NULL;
	/* density in data units is f_z / sc; when that overflows (tiny
	 * ranges), plot every curve relative to the highest peak instead */
	if (relative && peak > 0) {
		for (size_t k = 0; k < ng * DENSITY_POINTS; k++)
			y[k] /= peak;
		lo_opts.ylabel = "density (relative to the highest peak)";
		ty_svg_note(&s, "Densities are relative to the highest peak.");
	} else {
		for (size_t k = 0; k < ng * DENSITY_POINTS; k++)
			y[k] = sc > 0 ? y[k] / sc : 0;
	}
	peak = 0;
	for (size_t k = 0; k < ng * DENSITY_POINTS; k++)
		peak = fmax(peak, y[k]);
	if (s.o->value_range) {
		ty_axis_nice(&s.x, s.o->value_lo, s.o->value_hi, 6);
	} else if (lo <= hi && sc > 0) {
		double xa = c + za * sc, xb = c + zb * sc;

		ty_axis_nice(&s.x, isfinite(xa) ? xa : lo, isfinite(xb) ? xb : hi, 6);
	} else {
		ty_axis_nice(&s.x, lo <= hi ? lo : 0, lo <= hi ? hi : 1, 6);
	}
	ty_axis_nice(&s.y, 0, peak > 0 ? peak : 1, 5);
	for (size_t i = 0; i < ng; i++) {
		if (!gs[i].n)
			continue;
		labels[nshown] = gs[i].label;
		cols[nshown++] = ty_plot_palette(s.o->palette, i);
	}
	ty_svg_legend_reserve(&s, nshown, labels);
	ty_svg_layout(&s, ty_svg_ticks_width(&s, &s.y), s.fs + 6, 0);
	ty_svg_title(&s);
	ty_svg_axis_y(&s);
	ty_svg_axis_x(&s);
	if (s.o->value_range)
		clip_begin(&s);
	for (size_t i = 0; i < ng; i++) {
		const char *col = ty_plot_palette(s.o->palette, i);

		if (!gs[i].n)
			continue;
		ty_buf_adds(&s.b, "<g class=\"group\"><title>");
		ty_svg_escape(&s.b, gs[i].label);
		ty_buf_addf(&s.b, ": n=%zu</title>\n", gs[i].n);
		if (!(h[i] > 0)) {
			double x = ty_svg_sx(&s, gs[i].med);

			ty_buf_addf(&s.b, "<line class=\"density\" x1=\"%s\" x2=\"%s\" "
				    "y1=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"2\" "
				    "stroke-dasharray=\"6 3\"/>\n</g>\n", ty_svg_num(x).s,
				    ty_svg_num(x).s, ty_svg_num(s.t).s,
				    ty_svg_num(s.bt).s, col);
			continue;
		}
		for (int pass = 0; pass < 2; pass++) {
			ty_buf_addf(&s.b, "<path class=\"%s\" d=\"", pass ? "density" : "density-fill");
			for (size_t j = 0; j < DENSITY_POINTS; j++) {
				double zz = za + (zb - za) * (double)j / (DENSITY_POINTS - 1);

				ty_buf_addf(&s.b, "%c%s %s", j ? 'L' : 'M',
					    ty_svg_num(ty_svg_sx(&s, c + zz * sc)).s,
					    ty_svg_num(ty_svg_sy(&s, y[i * DENSITY_POINTS + j])).s);
			}
			if (pass)
				ty_buf_addf(&s.b, "\" fill=\"none\" stroke=\"%s\" "
					    "stroke-width=\"2\"/>\n", col);
			else
				ty_buf_addf(&s.b, "L%s %sL%s %sZ\" fill=\"%s\" "
					    "fill-opacity=\"0.15\" stroke=\"none\"/>\n",
					    ty_svg_num(ty_svg_sx(&s, c + zb * sc)).s,
					    ty_svg_num(s.bt).s,
					    ty_svg_num(ty_svg_sx(&s, c + za * sc)).s,
					    ty_svg_num(s.bt).s, col);
		}
		ty_buf_adds(&s.b, "</g>\n");
	}
	if (s.o->value_range)
		clip_end(&s);
	if (!nshown)
		no_data(&s, (s.l + s.r) / 2, (s.t + s.bt) / 2);
	ty_svg_legend(&s, nshown, labels, cols);
	ty_svg_axis_labels(&s);
	note_groups(&s, "Density plot", gs, ng, skipped);
	ty_svg_note(&s, "Curves are Gaussian kernel density estimates with "
		    "Silverman's bandwidth; a dashed vertical line marks a group "
		    "whose values are all equal.");
	free(h);
	free(y);
	free(labels);
	free(cols);
	free_groups(gs, ng);
	return ty_svg_finish(&s, "Density plot", out, err);
nomem:
	free(z);
	free(h);
	free(y);
	free(labels);
	free(cols);
	free_groups(gs, ng);
	ty_svg_release(&s);
	return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
}

/* ----------------------------------------------------------- histogram */

int tyche_plot_histogram(char **out, const tyche_plot_group *g,
			 const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	tyche_plot_opts lo_opts;
	struct gstat *gs = NULL;
	size_t skipped, nb = 1, *cnt = NULL, maxc = 0;
	double lo, hi, a, bwid;
	const char *rule = "given";
	int rc;

	if ((rc = check_out(out, err)))
		return rc;
	lo_opts = o ? *o : plot_default_opts;
	if (!lo_opts.ylabel)
		lo_opts.ylabel = "count";
	if (lo_opts.bins < 0 || lo_opts.bins > TY_PLOT_MAX_BINS)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "histogram: %d bins, expected 0 (auto) to %d",
				   lo_opts.bins, TY_PLOT_MAX_BINS);
	if ((rc = ty_svg_begin(&s, &lo_opts, 640, 400, err)))
		return rc;
	if ((rc = prep_groups(g, g ? 1 : 0, &gs, &skipped, &lo, &hi, err))) {
		ty_svg_release(&s);
		return rc;
	}
	if (gs && gs[0].n && hi > lo) {
		double span = hi / 2 - lo / 2; /* half the range */
		double iqr = gs[0].q3 - gs[0].q1;

		if (lo_opts.bins) {
			nb = (size_t)lo_opts.bins;
		} else if (iqr > 0 && gs[0].n >= 4) {
			/* Freedman-Diaconis: width 2 IQR n^(-1/3) */
			double w = 2 * iqr * pow((double)gs[0].n, -1.0 / 3);
			double k = ceil(2 * (span / w));

			nb = !isfinite(k) || k > 200 ? 200 : k < 1 ? 1 : (size_t)k;
			rule = "Freedman-Diaconis";
		} else {
			nb = (size_t)ceil(log2((double)gs[0].n)) + 1;
			rule = "Sturges";
		}
		a = lo;
		bwid = 2 * (span / (double)nb); /* width = range / nb */
	} else if (gs && gs[0].n) {
		/* all values equal: one bin around them */
		double d = fabs(lo) > 0 ? fabs(lo) * 0.05 : 0.5;

		nb = 1;
		a = lo - d;
		bwid = 2 * d;
		hi = lo + d;
		lo = a;
		rule = "single value";
	} else {
		a = 0;
		bwid = 1;
		lo = 0;
		hi = 1;
	}
	cnt = ty_calloc(nb, sizeof(size_t));
	if (!cnt) {
		free_groups(gs, gs ? 1 : 0);
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	for (size_t i = 0; gs && i < gs[0].n; i++) {
		double t = (gs[0].d[i] / 2 - a / 2) / (bwid / 2);
		size_t k = t <= 0 ? 0 : t >= (double)nb ? nb - 1 : (size_t)t;

		cnt[k]++;
		if (cnt[k] > maxc)
			maxc = cnt[k];
	}
	ty_axis_nice(&s.x, lo, hi, 6);
	ty_axis_nice(&s.y, 0, maxc ? (double)maxc : 1, 5);
	if (s.y.step < 1) /* counts are whole */
		ty_axis_nice(&s.y, 0, 5, 5);
	ty_svg_layout(&s, ty_svg_ticks_width(&s, &s.y), s.fs + 6, 0);
	ty_svg_title(&s);
	ty_svg_axis_y(&s);
	ty_svg_axis_x(&s);
	for (size_t k = 0; k < nb && gs && gs[0].n; k++) {
		double x0 = ty_svg_sx(&s, a + bwid * (double)k);
		double x1 = ty_svg_sx(&s, k + 1 == nb ? hi : a + bwid * (double)(k + 1));
		double y1 = ty_svg_sy(&s, (double)cnt[k]);
		char l0[40], l1[40];

		ty_buf_addf(&s.b, "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" "
			    "height=\"%s\" fill=\"%s\" stroke=\"#ffffff\"><title>%s to %s: %zu"
			    "</title></rect>\n", ty_svg_num(x0).s, ty_svg_num(y1).s,
			    ty_svg_num(fmax(x1 - x0, 0)).s, ty_svg_num(s.bt - y1).s,
			    ty_plot_palette(s.o->palette, 0),
			    ty_plot_fmt_num(a + bwid * (double)k, 0, l0, sizeof(l0)),
			    ty_plot_fmt_num(a + bwid * (double)(k + 1), 0, l1, sizeof(l1)),
			    cnt[k]);
		if (s.o->show_values && cnt[k]) {
			char v[32];

			snprintf(v, sizeof(v), "%zu", cnt[k]);
			if (ty_svg_text_width(v, s.fs) > x1 - x0 + 2)
				continue; /* labels of narrow bars would overlap */
			ty_svg_text(&s, (x0 + x1) / 2, y1 - 3, "middle", "value", 0, v, NULL);
		}
	}
	if (!gs || !gs[0].n)
		no_data(&s, (s.l + s.r) / 2, (s.t + s.bt) / 2);
	ty_svg_axis_labels(&s);
	if (gs && gs[0].n)
		ty_svg_note(&s, "Histogram of %.80s: %zu values in %zu bins (%s).",
			    gs[0].label, gs[0].n, nb, rule);
	else
		ty_svg_note(&s, "Histogram with no finite values.");
	if (skipped)
		ty_svg_note(&s, "%zu non-finite value%s (NaN or infinite) skipped.",
			    skipped, skipped == 1 ? "" : "s");
	free(cnt);
	free_groups(gs, gs ? 1 : 0);
	return ty_svg_finish(&s, "Histogram", out, err);
}

/* ------------------------------------------------------------- heatmap */

static const char *text_on(const char *hex)
{
	unsigned r = 0, g = 0, b = 0;

	if (sscanf(hex, "#%02x%02x%02x", &r, &g, &b) != 3)
		return "#000000";
	return 0.2126 * r + 0.7152 * g + 0.0722 * b < 140 ? "#ffffff" : "#000000";
}

/* v as a share of the achievable change in its direction, in [-1, 1]:
 * v / hi for v >= 0, v / -lo for v < 0; 0 where that bound is 0 or not
 * finite on the wrong side. */
static double heat_share(double v, double lo, double hi)
{
	double d;

	if (v >= 0)
		d = isfinite(hi) && hi > 0 ? v / hi : 0;
	else
		d = isfinite(lo) && lo < 0 ? v / -lo : 0;
	if (!isfinite(d))
		d = v >= 0 ? 1 : -1;
	return d > 1 ? 1 : d < -1 ? -1 : d;
}

int tyche_plot_heatmap(char **out, const tyche_plot_heat *hm,
		       const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	struct ty_buf *b;
	double *mn = NULL, *mx = NULL, roww = 0, colw = 0, valw = 0, bottom;
	double cw, ch, legw;
	size_t rows, cols, nan_cells = 0;
	int rc, rotate = 0;
	char buf[40], hex[8];

	if ((rc = check_out(out, err)))
		return rc;
	if (!hm)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "heatmap: no data struct");
	rows = hm->rows;
	cols = hm->cols;
	if (rows > TY_PLOT_MAX_GROUPS || cols > TY_PLOT_MAX_GROUPS)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "heatmap: %zu x %zu cells, expected at most %u x %u",
				   rows, cols, TY_PLOT_MAX_GROUPS, TY_PLOT_MAX_GROUPS);
	if (rows && cols && !hm->v)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "heatmap: %zu x %zu cells but no values", rows, cols);
	if ((rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	if (!rows || !cols)
		rows = cols = 0;
	mn = ty_calloc(cols, sizeof(double));
	mx = ty_calloc(cols, sizeof(double));
	if (!mn || !mx) {
		free(mn);
		free(mx);
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	for (size_t c = 0; c < cols; c++) {
		double lo = INFINITY, hi = -INFINITY;

		for (size_t r = 0; r < rows; r++) {
			double v = hm->v[r * cols + c];

			if (isfinite(v)) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
				if (s.o->show_values)
					valw = fmax(valw, ty_svg_text_width(
						ty_plot_fmt_num(v, 0, buf, sizeof(buf)), s.fs));
			} else {
				nan_cells++;
			}
		}
		mn[c] = hm->col_min && isfinite(hm->col_min[c]) ? hm->col_min[c] :
			lo <= hi ? lo : 0;
		mx[c] = hm->col_max && isfinite(hm->col_max[c]) ? hm->col_max[c] :
			lo <= hi ? hi : 0;
		if (hm->col_labels && hm->col_labels[c])
			colw = fmax(colw, ty_svg_text_width(hm->col_labels[c], s.fs));
	}
	for (size_t r = 0; r < rows; r++)
		if (hm->row_labels && hm->row_labels[r])
			roww = fmax(roww, ty_svg_text_width(hm->row_labels[r], s.fs));
	roww = fmin(roww, s.w * 0.3);
	legw = s.fs * 0.58 * 4 + 30;
	/* widen an automatic width so the values fit in their cells */
	if (!s.o->width && valw > 0) {
		double need = roww + 40 + legw + (double)cols * (valw + 10);

		s.w = fmin(fmax(s.w, need), 20000);
	}
	ty_svg_layout(&s, roww, 0, legw);
	cw = (s.r - s.l) / (double)(cols ? cols : 1);
	if (colw > cw - 4) {
		rotate = 1;
		bottom = fmin(colw * 0.72 + s.fs, s.h * 0.3);
	} else {
		bottom = s.fs + 6;
	}
	if (!s.o->height && rows) {
		double top = s.t, extra = s.o->xlabel && s.o->xlabel[0] ? s.fs + 10 : 0;

		s.h = fmin(fmax(top + (double)rows * (s.fs * 2 + 2) + bottom + extra + 16,
				160), 20000);
	}
	ty_svg_layout(&s, roww, bottom, legw);
	cw = (s.r - s.l) / (double)(cols ? cols : 1);
	ch = (s.bt - s.t) / (double)(rows ? rows : 1);
	b = &s.b;
	ty_buf_addf(b, "<defs><pattern id=\"%s-hatch\" width=\"6\" height=\"6\" "
		    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		    "<rect width=\"6\" height=\"6\" fill=\"#d9d9d9\"/>"
		    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9a9a9a\" "
		    "stroke-width=\"2\"/></pattern>\n", s.id);
	ty_buf_addf(b, "<linearGradient id=\"%s-grad\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">",
		    s.id);
	for (int k = 0; k <= 10; k++)
		ty_buf_addf(b, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", k * 10,
			    ty_plot_colormap(hm->share ? TYCHE_PLOT_CMAP_DIVERGING : s.o->cmap,
					     k / 10.0, hex));
	ty_buf_adds(b, "</linearGradient></defs>\n");
	ty_svg_title(&s);
	ty_buf_adds(b, "<g class=\"cells\">\n");
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++) {
			double v = hm->v[r * cols + c], x = s.l + cw * (double)c;
			double y = s.t + ch * (double)r;
			const char *rl = hm->row_labels && hm->row_labels[r] ? hm->row_labels[r] : "";
			const char *cl = hm->col_labels && hm->col_labels[c] ? hm->col_labels[c] : "";

			if (isfinite(v)) {
				double t = mx[c] == mn[c] ? 0.5 : (v - mn[c]) / (mx[c] - mn[c]);

				if (!isfinite(t)) /* the range overflows: halve */
					t = (v / 2 - mn[c] / 2) / (mx[c] / 2 - mn[c] / 2);
				if (hm->share)
					t = 0.5 + 0.5 * heat_share(v, hm->col_min ? hm->col_min[c] : NAN,
								   hm->col_max ? hm->col_max[c] : NAN);
				ty_plot_colormap(hm->share ? TYCHE_PLOT_CMAP_DIVERGING : s.o->cmap,
						 t, hex);
				ty_buf_addf(b, "<rect class=\"cell\" x=\"%s\" y=\"%s\" width=\"%s\" "
					    "height=\"%s\" fill=\"%s\" stroke=\"#ffffff\"><title>",
					    ty_svg_num(x).s, ty_svg_num(y).s, ty_svg_num(cw).s,
					    ty_svg_num(ch).s, hex);
			} else {
				ty_buf_addf(b, "<rect class=\"cell\" x=\"%s\" y=\"%s\" width=\"%s\" "
					    "height=\"%s\" fill=\"url(#%s-hatch)\" stroke=\"#ffffff\">"
					    "<title>", ty_svg_num(x).s, ty_svg_num(y).s,
					    ty_svg_num(cw).s, ty_svg_num(ch).s, s.id);
			}
			ty_svg_escape(b, rl);
			ty_buf_adds(b, " / ");
			ty_svg_escape(b, cl);
			ty_buf_addf(b, ": %s", isfinite(v) ?
				    ty_plot_fmt_num(v, 0, buf, sizeof(buf)) : "n/a");
			if (hm->share && isfinite(v))
				ty_buf_addf(b, " (%s%% of the achievable %s)",
					    ty_plot_fmt_num(100 * heat_share(v, hm->col_min ?
							    hm->col_min[c] : NAN, hm->col_max ?
							    hm->col_max[c] : NAN), 0, buf, sizeof(buf)),
					    v < 0 ? "decrease" : "increase");
			ty_buf_adds(b, "</title></rect>\n");
			if (!isfinite(v))
				ty_svg_text(&s, x + cw / 2, y + ch / 2 + s.fs * 0.35, "middle",
					    "na", 0, "n/a", "fill=\"#333333\"");
			else if (s.o->show_values)
				ty_svg_text(&s, x + cw / 2, y + ch / 2 + s.fs * 0.35, "middle",
					    "value", 0, ty_plot_fmt_num(v, 0, buf, sizeof(buf)),
					    strcmp(text_on(hex), "#ffffff") ?
					    "fill=\"#000000\"" : "fill=\"#ffffff\"");
		}
	}
	ty_buf_adds(b, "</g>\n<g class=\"labels\">\n");
	for (size_t r = 0; r < rows; r++)
		ty_svg_text(&s, s.l - 6, s.t + ch * ((double)r + 0.5) + s.fs * 0.35, "end",
			    "row", roww, hm->row_labels && hm->row_labels[r] ?
			    hm->row_labels[r] : "", NULL);
	for (size_t c = 0; c < cols; c++) {
		double x = s.l + cw * ((double)c + 0.5), y = s.bt + s.fs + 2;
		const char *cl = hm->col_labels && hm->col_labels[c] ? hm->col_labels[c] : "";

		if (rotate) {
			char attr[96];

			snprintf(attr, sizeof(attr), "transform=\"rotate(-40 %s %s)\"",
				 ty_svg_num(x).s, ty_svg_num(y - s.fs / 2).s);
			ty_svg_text(&s, x + 4, y - s.fs / 2 + 4, "end", "col",
				    (bottom - s.fs) / 0.72 + 2, cl, attr);
		} else {
			ty_svg_text(&s, x, y, "middle", "col", cw - 4, cl, NULL);
		}
	}
	ty_buf_adds(b, "</g>\n");
	if (rows) {
		/* colour bar: each column's own min at the bottom, max on top */
		double lx = s.r + 12, lh = fmin(s.bt - s.t, 160);

		ty_buf_addf(b, "<g class=\"colorbar\"><rect x=\"%s\" y=\"%s\" width=\"12\" "
			    "height=\"%s\" fill=\"url(#%s-grad)\"/>\n", ty_svg_num(lx).s,
			    ty_svg_num(s.t).s, ty_svg_num(lh).s, s.id);
		if (hm->share) {
			/* numbers: the share of the achievable change */
			static const char *const pct[5] = { "100%", "50%", "0", "-50%",
							    "-100%" };

			for (int k = 0; k < 5; k++)
				ty_svg_text(&s, lx + 16, s.t + lh * k / 4.0 + s.fs * 0.35,
					    "start", "legend-value", 0, pct[k], NULL);
		} else {
			ty_svg_text(&s, lx + 16, s.t + s.fs * 0.8, "start", NULL, 0, "max", NULL);
			ty_svg_text(&s, lx + 16, s.t + lh, "start", NULL, 0, "min", NULL);
		}
		ty_buf_adds(b, "</g>\n");
	} else {
		no_data(&s, (s.l + s.r) / 2, (s.t + s.bt) / 2);
	}
	ty_svg_axis_labels(&s);
	if (hm->share)
		ty_svg_note(&s, "Heatmap of %zu rows and %zu columns. A cell's colour shows "
			    "its value as a share of its column's achievable change: "
			    "purple for increases (up to 100%% of the largest achievable "
			    "value), orange for decreases, white for none.", rows, cols);
	else
		ty_svg_note(&s, "Heatmap of %zu rows and %zu columns. A cell's colour shows "
			    "its value within its column's range (%s: low is %s, high is %s).",
			    rows, cols, s.o->cmap == TYCHE_PLOT_CMAP_GREYS ? "greys" : "viridis",
			    s.o->cmap == TYCHE_PLOT_CMAP_GREYS ? "light" : "dark purple",
			    s.o->cmap == TYCHE_PLOT_CMAP_GREYS ? "dark" : "yellow");
	if (nan_cells)
		ty_svg_note(&s, "%zu cell%s without a finite value, drawn hatched with n/a.",
			    nan_cells, nan_cells == 1 ? "" : "s");
	free(mn);
	free(mx);
	return ty_svg_finish(&s, "Heatmap", out, err);
}

/* ------------------------------------------------- value range, gauge */

void tyche_plot_value_range(const tyche_plot_group *g, size_t ng, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; g && i < ng; i++)
		for (size_t j = 0; g[i].v && j < g[i].n; j++)
			if (isfinite(g[i].v[j])) {
				*lo = fmin(*lo, g[i].v[j]);
				*hi = fmax(*hi, g[i].v[j]);
			}
}

int tyche_plot_gauge(char **out, double v, double lo, double hi, const tyche_plot_opts *o,
		     tyche_error *err)
{
	struct ty_svg s;
	double y, x0, xv, bh;
	char a[40], b[40], c[40];
	const char *col;
	int rc;

	if ((rc = check_out(out, err)) || (rc = ty_svg_begin(&s, o, 240, 56, err)))
		return rc;
	if (lo > hi) {
		double t = lo;

		lo = hi;
		hi = t;
	}
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = isfinite(v) ? fmin(v, 0) : 0;
		hi = isfinite(v) ? fmax(v, 0) : 1;
	}
	ty_axis_nice(&s.x, fmin(lo, 0), fmax(hi, 0), 4);
	s.x.lo = fmin(lo, 0);
	s.x.hi = fmax(hi, 0);
	if (!(s.x.hi > s.x.lo))
		s.x.hi = s.x.lo + 1;
	ty_svg_layout(&s, 0, s.fs + 4, 0);
	s.l = 8;
	s.r = s.w - 8;
	ty_svg_title(&s);
	bh = fmin(12, (s.bt - s.t) * 0.6);
	y = s.t + (s.bt - s.t - bh) / 2;
	ty_buf_addf(&s.b, "<rect class=\"range\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" "
		    "fill=\"#eeeeee\" stroke=\"#767676\"/>\n", ty_svg_num(s.l).s,
		    ty_svg_num(y).s, ty_svg_num(s.r - s.l).s, ty_svg_num(bh).s);
	x0 = ty_svg_sx(&s, 0);
	if (isfinite(v)) {
		double vc = fmin(fmax(v, s.x.lo), s.x.hi);

		xv = ty_svg_sx(&s, vc);
		col = v < 0 ? "#b35806" : "#542788";
		ty_buf_addf(&s.b, "<rect class=\"value\" x=\"%s\" y=\"%s\" width=\"%s\" "
			    "height=\"%s\" fill=\"%s\"/>\n", ty_svg_num(fmin(x0, xv)).s,
			    ty_svg_num(y).s, ty_svg_num(fabs(xv - x0)).s, ty_svg_num(bh).s, col);
		ty_buf_addf(&s.b, "<line class=\"marker\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
			    "stroke=\"#1b1b1b\" stroke-width=\"2\"/>\n", ty_svg_num(xv).s,
			    ty_svg_num(xv).s, ty_svg_num(y - 3).s, ty_svg_num(y + bh + 3).s);
	}
	ty_buf_addf(&s.b, "<line class=\"zero\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
		    "stroke=\"#1b1b1b\" stroke-dasharray=\"2 2\"/>\n", ty_svg_num(x0).s,
		    ty_svg_num(x0).s, ty_svg_num(y - 2).s, ty_svg_num(y + bh + 2).s);
	ty_plot_fmt_num(lo, 0, a, sizeof(a));
	ty_plot_fmt_num(hi, 0, b, sizeof(b));
	ty_svg_text(&s, s.l, s.bt + s.fs, "start", "gauge-min", 0, a, NULL);
	ty_svg_text(&s, s.r, s.bt + s.fs, "end", "gauge-max", 0, b, NULL);
	if (isfinite(v))
		ty_svg_text(&s, (s.l + s.r) / 2, s.bt + s.fs, "middle", "gauge-value", 0,
			    ty_plot_fmt_num(v, 0, c, sizeof(c)), "font-weight=\"bold\"");
	ty_svg_note(&s, "Gauge: the value %s within the achievable range [%s, %s]; "
		    "the dashed line marks 0.", isfinite(v) ? c : "n/a", a, b);
	return ty_svg_finish(&s, "Gauge", out, err);
}

/* --------------------------------------------------------------- lines */

/* A marker whose shape depends on the series, so colour is not needed
 * to tell series apart. */
static void marker(struct ty_buf *b, size_t series, double x, double y, const char *col)
{
	struct ty_num X = ty_svg_num(x), Y = ty_svg_num(y);

	switch (series % 5) {
	case 0:
		ty_buf_addf(b, "<circle class=\"marker\" cx=\"%s\" cy=\"%s\" r=\"3.5\" "
			    "fill=\"%s\"", X.s, Y.s, col);
		break;
	case 1:
		ty_buf_addf(b, "<path class=\"marker\" d=\"M%s %sm-3.5 -3.5h7v7h-7z\" "
			    "fill=\"%s\"", X.s, Y.s, col);
		break;
	case 2:
		ty_buf_addf(b, "<path class=\"marker\" d=\"M%s %sm0 -4.5l4 7h-8z\" "
			    "fill=\"%s\"", X.s, Y.s, col);
		break;
	case 3:
		ty_buf_addf(b, "<path class=\"marker\" d=\"M%s %sm0 -4.5l4.5 4.5l-4.5 4.5"
			    "l-4.5 -4.5z\" fill=\"%s\"", X.s, Y.s, col);
		break;
	default:
		ty_buf_addf(b, "<path class=\"marker\" d=\"M%s %sm0 4.5l4 -7h-8z\" "
			    "fill=\"%s\"", X.s, Y.s, col);
		break;
	}
}

int tyche_plot_lines(char **out, const tyche_plot_series *sr, size_t ns,
		     const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	const char **labels = NULL, **cols = NULL;
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	size_t skipped = 0, points = 0;
	int rc;

	if ((rc = check_out(out, err)) || (rc = check_count(sr, ns, "series", err)))
		return rc;
	for (size_t i = 0; i < ns; i++) {
		if (sr[i].n && (!sr[i].x || !sr[i].y))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "plot: series %zu has %zu points but no array",
					   i + 1, sr[i].n);
		for (size_t j = 0; j < sr[i].n; j++) {
			if (!isfinite(sr[i].x[j]) || !isfinite(sr[i].y[j])) {
				skipped++;
				continue;
			}
			points++;
			xlo = fmin(xlo, sr[i].x[j]);
			xhi = fmax(xhi, sr[i].x[j]);
			ylo = fmin(ylo, sr[i].y[j]);
			yhi = fmax(yhi, sr[i].y[j]);
		}
	}
	if ((rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	labels = ty_calloc(ns, sizeof(*labels));
	cols = ty_calloc(ns, sizeof(*cols));
	if (!labels || !cols) {
		free(labels);
		free(cols);
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	if (!points) {
		xlo = ylo = 0;
		xhi = yhi = 1;
	}
	ty_axis_nice(&s.x, xlo, xhi, 6);
	ty_axis_nice(&s.y, ylo, yhi, 5);
	for (size_t i = 0; i < ns; i++) {
		labels[i] = sr[i].label ? sr[i].label : "";
		cols[i] = ty_plot_palette(s.o->palette, i);
	}
	ty_svg_legend_reserve(&s, ns, labels);
	ty_svg_layout(&s, ty_svg_ticks_width(&s, &s.y), s.fs + 6, 0);
	ty_svg_title(&s);
	ty_svg_axis_y(&s);
	ty_svg_axis_x(&s);
	for (size_t i = 0; i < ns; i++) {
		const char *col = ty_plot_palette(s.o->palette, i);
		int pen = 0;

		ty_buf_adds(&s.b, "<g class=\"series\"><title>");
		ty_svg_escape(&s.b, labels[i]);
		ty_buf_adds(&s.b, "</title>\n<path class=\"line\" d=\"");
		for (size_t j = 0; j < sr[i].n; j++) {
			if (!isfinite(sr[i].x[j]) || !isfinite(sr[i].y[j])) {
				pen = 0;
				continue;
			}
			ty_buf_addf(&s.b, "%c%s %s", pen ? 'L' : 'M',
				    ty_svg_num(ty_svg_sx(&s, sr[i].x[j])).s,
				    ty_svg_num(ty_svg_sy(&s, sr[i].y[j])).s);
			pen = 1;
		}
		ty_buf_addf(&s.b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
			    col, i >= 8 ? " stroke-dasharray=\"6 3\"" : "");
		for (size_t j = 0; j < sr[i].n; j++) {
			char a[40], c[40];

			if (!isfinite(sr[i].x[j]) || !isfinite(sr[i].y[j]))
				continue;
			marker(&s.b, i, ty_svg_sx(&s, sr[i].x[j]),
			       ty_svg_sy(&s, sr[i].y[j]), col);
			ty_buf_adds(&s.b, "><title>");
			ty_svg_escape(&s.b, labels[i]);
			ty_buf_addf(&s.b, ": (%s, %s)</title></%s>\n",
				    ty_plot_fmt_num(sr[i].x[j], 0, a, sizeof(a)),
				    ty_plot_fmt_num(sr[i].y[j], 0, c, sizeof(c)),
				    i % 5 ? "path" : "circle");
		}
		ty_buf_adds(&s.b, "</g>\n");
	}
	if (!points)
		no_data(&s, (s.l + s.r) / 2, (s.t + s.bt) / 2);
	ty_svg_legend(&s, ns, labels, cols);
	ty_svg_axis_labels(&s);
	ty_svg_note(&s, "Line chart of %zu series with %zu points.", ns, points);
	if (skipped)
		ty_svg_note(&s, "%zu point%s with a non-finite coordinate skipped.",
			    skipped, skipped == 1 ? "" : "s");
	free(labels);
	free(cols);
	return ty_svg_finish(&s, "Line chart", out, err);
}

/* ----------------------------------------------------------- waterfall */

int tyche_plot_waterfall(char **out, const char *start_label, double start,
			 const tyche_plot_step *st, size_t n, const char *total_label,
			 const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	const char **labels = NULL;
	double *lo = NULL, *hi = NULL, ylo, yhi, sw, cum;
	size_t nb = n + 2, skipped = 0;
	int rc, *kind = NULL; /* 0 start/total, 1 up, 2 down, 3 skipped */
	static const char *const kind_cls[] = { "bar start", "bar up", "bar down", "bar skipped" };

	if ((rc = check_out(out, err)) || (rc = check_count(st, n, "steps", err)))
		return rc;
	if ((rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	labels = ty_calloc(nb, sizeof(*labels));
	lo = ty_calloc(nb, sizeof(double));
	hi = ty_calloc(nb, sizeof(double));
	kind = ty_calloc(nb, sizeof(int));
	if (!labels || !lo || !hi || !kind) {
		free(labels);
		free(lo);
		free(hi);
		free(kind);
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	if (!isfinite(start)) {
		ty_svg_note(&s, "The start value is not finite; 0 is used.");
		start = 0;
	}
	cum = start;
	labels[0] = start_label ? start_label : "Start";
	lo[0] = fmin(0, start);
	hi[0] = fmax(0, start);
	for (size_t i = 0; i < n; i++) {
		double d = st[i].delta, next = cum + d;

		labels[i + 1] = st[i].label ? st[i].label : "";
		if (!isfinite(d) || !isfinite(next)) {
			kind[i + 1] = 3;
			lo[i + 1] = hi[i + 1] = cum;
			skipped++;
			continue;
		}
		kind[i + 1] = d >= 0 ? 1 : 2;
		lo[i + 1] = fmin(cum, next);
		hi[i + 1] = fmax(cum, next);
		cum = next;
	}
	labels[nb - 1] = total_label ? total_label : "Total";
	lo[nb - 1] = fmin(0, cum);
	hi[nb - 1] = fmax(0, cum);
	ylo = 0;
	yhi = 0;
	for (size_t i = 0; i < nb; i++) {
		ylo = fmin(ylo, lo[i]);
		yhi = fmax(yhi, hi[i]);
	}
	if (s.o->show_values) { /* room for the labels above and below bars */
		double pad = (yhi / 2 - ylo / 2) * 0.16;

		yhi = yhi < 0 ? yhi : yhi + pad;
		ylo = ylo < 0 ? ylo - pad : ylo;
		if (!isfinite(yhi) || !isfinite(ylo)) {
			yhi = fmin(yhi, DBL_MAX);
			ylo = fmax(ylo, -DBL_MAX);
		}
	}
	{
		static const char *const ll[2] = { "increase", "decrease" };

		ty_svg_legend_reserve(&s, 2, ll);
	}
	cat_layout(&s, ylo, yhi, nb, labels);
	sw = (s.r - s.l) / (double)nb;
	{
		double prev_y = 0;
		const char *up = s.o->palette == TYCHE_PLOT_PALETTE_GREY ? "#444444" : "#0072B2";
		const char *down = s.o->palette == TYCHE_PLOT_PALETTE_GREY ? "#AAAAAA" : "#D55E00";

		for (size_t i = 0; i < nb; i++) {
			double x = s.l + sw * (double)i + sw * 0.15, w = sw * 0.7;
			double y0 = ty_svg_sy(&s, hi[i]), y1 = ty_svg_sy(&s, lo[i]);
			const char *fill = kind[i] == 1 ? up : kind[i] == 2 ? down : "#777777";
			double endv = i == 0 ? start : i == nb - 1 ? cum :
				kind[i] == 2 ? lo[i] : hi[i];
			char v[48], num[40];

			if (i > 0) /* connector from the previous bar's end */
				ty_buf_addf(&s.b, "<line class=\"connector\" x1=\"%s\" x2=\"%s\" "
					    "y1=\"%s\" y2=\"%s\" stroke=\"#888888\" "
					    "stroke-dasharray=\"3 2\"/>\n",
					    ty_svg_num(x - sw * 0.3).s, ty_svg_num(x).s,
					    ty_svg_num(prev_y).s, ty_svg_num(prev_y).s);
			ty_buf_addf(&s.b, "<rect class=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" "
				    "height=\"%s\" fill=\"%s\"><title>",
				    i == nb - 1 ? "bar total" : kind_cls[kind[i]],
				    ty_svg_num(x).s, ty_svg_num(y0).s, ty_svg_num(w).s,
				    ty_svg_num(fmax(y1 - y0, 0)).s, fill);
			ty_svg_escape(&s.b, labels[i]);
			if (i == 0 || i == nb - 1)
				snprintf(v, sizeof(v), "%s", ty_plot_fmt_num(endv, 0, num, sizeof(num)));
			else if (kind[i] == 3)
				snprintf(v, sizeof(v), "n/a");
			else
				snprintf(v, sizeof(v), "%s%s", kind[i] == 1 ? "+" : "",
					 ty_plot_fmt_num(st[i - 1].delta, 0, num, sizeof(num)));
			ty_buf_addf(&s.b, ": %s</title></rect>\n", v);
			if (s.o->show_values)
				ty_svg_text(&s, x + w / 2, kind[i] == 2 ? y1 + s.fs + 2 : y0 - 4,
					    "middle", "value", 0, v, NULL);
			prev_y = ty_svg_sy(&s, i == 0 ? start : i == nb - 1 ? cum :
					   kind[i] == 2 ? lo[i] : hi[i]);
		}
		{
			const char *ll[2] = { "increase", "decrease" };
			const char *cc[2] = { up, down };

			ty_svg_legend(&s, 2, ll, cc);
		}
	}
	{
		char a[40], c[40];

		ty_svg_note(&s, "Waterfall from %s (%.60s) through %zu steps to %s (%.60s).",
			    ty_plot_fmt_num(start, 0, a, sizeof(a)), labels[0], n,
			    ty_plot_fmt_num(cum, 0, c, sizeof(c)), labels[nb - 1]);
	}
	if (skipped)
		ty_svg_note(&s, "%zu step%s with a non-finite change skipped.", skipped,
			    skipped == 1 ? "" : "s");
	cat_labels_x(&s, nb, labels);
	ty_svg_axis_labels(&s);
	free(labels);
	free(lo);
	free(hi);
	free(kind);
	return ty_svg_finish(&s, "Waterfall chart", out, err);
}

/* ------------------------------------------------------------- tornado */

struct swing_ix {
	double swing;
	size_t i;
};

static int cmp_swing(const void *a, const void *b)
{
	const struct swing_ix *x = a, *y = b;

	if (x->swing != y->swing)
		return x->swing < y->swing ? 1 : -1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int tyche_plot_tornado(char **out, double base, const tyche_plot_swing *sw,
		       size_t n, const tyche_plot_opts *o, tyche_error *err)
{
	struct ty_svg s;
	struct swing_ix *ix = NULL;
	size_t k = 0, skipped = 0;
	double xlo, xhi, labw = 0, rh;
	const char *clow, *chigh;
	int rc;

	if ((rc = check_out(out, err)) || (rc = check_count(sw, n, "inputs", err)))
		return rc;
	if ((rc = ty_svg_begin(&s, o, 640, 400, err)))
		return rc;
	ix = ty_calloc(n, sizeof(*ix));
	if (!ix) {
		ty_svg_release(&s);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	if (!isfinite(base)) {
		ty_svg_note(&s, "The base value is not finite; 0 is used.");
		base = 0;
	}
	xlo = xhi = base;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(sw[i].low) || !isfinite(sw[i].high)) {
			skipped++;
			continue;
		}
		ix[k].swing = fabs(sw[i].high / 2 - sw[i].low / 2);
		ix[k++].i = i;
		xlo = fmin(xlo, fmin(sw[i].low, sw[i].high));
		xhi = fmax(xhi, fmax(sw[i].low, sw[i].high));
		labw = fmax(labw, ty_svg_text_width(sw[i].label ? sw[i].label : "", s.fs));
	}
	qsort(ix, k, sizeof(*ix), cmp_swing);
	ty_axis_nice(&s.x, xlo, xhi, 6);
	labw = fmin(labw, s.w * 0.3);
	if (k) {
		static const char *const ll[2] = { "low setting", "high setting" };

		ty_svg_legend_reserve(&s, 2, ll);
	}
	ty_svg_layout(&s, labw, s.fs + 6, 0);
	ty_svg_title(&s);
	ty_svg_axis_x(&s);
	rh = (s.bt - s.t - s.fs * 2.2) / (double)(k ? k : 1);
	clow = ty_plot_palette(s.o->palette, 0);
	chigh = ty_plot_palette(s.o->palette, 1);
	for (size_t r = 0; r < k; r++) {
		const tyche_plot_swing *w = &sw[ix[r].i];
		double y = s.t + s.fs * 2.2 + rh * (double)r, bh = rh * 0.6;
		double xb = ty_svg_sx(&s, base);
		double vals[2] = { w->low, w->high };
		const char *cls[2] = { "bar low", "bar high" }, *fill[2] = { clow, chigh };
		int first = fabs(w->low - base) >= fabs(w->high - base) ? 0 : 1;
		char a[40], c[40];

		ty_buf_adds(&s.b, "<g class=\"input\"><title>");
		ty_svg_escape(&s.b, w->label ? w->label : "");
		ty_buf_addf(&s.b, ": %s at the low setting, %s at the high setting</title>\n",
			    ty_plot_fmt_num(w->low, 0, a, sizeof(a)),
			    ty_plot_fmt_num(w->high, 0, c, sizeof(c)));
		/* the longer bar first, so one on the same side stays visible */
		for (int p = 0; p < 2; p++) {
			int q = p ? 1 - first : first;
			double xv = ty_svg_sx(&s, vals[q]);
			char num[40];

			ty_buf_addf(&s.b, "<rect class=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" "
				    "height=\"%s\" fill=\"%s\"/>\n", cls[q],
				    ty_svg_num(fmin(xb, xv)).s,
				    ty_svg_num(y + (rh - bh) / 2).s,
				    ty_svg_num(fabs(xv - xb)).s, ty_svg_num(bh).s, fill[q]);
			if (s.o->show_values)
				ty_svg_text(&s, xv < xb ? xv - 3 : xv + 3,
					    y + rh / 2 + s.fs * 0.35,
					    xv < xb ? "end" : "start", "value", 0,
					    ty_plot_fmt_num(vals[q], 0, num, sizeof(num)), NULL);
		}
		ty_buf_adds(&s.b, "</g>\n");
		ty_svg_text(&s, s.l - 6, y + rh / 2 + s.fs * 0.35, "end", "category",
			    labw, w->label ? w->label : "", NULL);
	}
	{
		double xb = ty_svg_sx(&s, base);
		char num[40], txt[64];

		ty_buf_addf(&s.b, "<line class=\"base\" x1=\"%s\" x2=\"%s\" y1=\"%s\" "
			    "y2=\"%s\" stroke=\"#111111\" stroke-width=\"1.5\"/>\n",
			    ty_svg_num(xb).s, ty_svg_num(xb).s,
			    ty_svg_num(s.t + s.fs * 1.4).s, ty_svg_num(s.bt).s);
		snprintf(txt, sizeof(txt), "base %s", ty_plot_fmt_num(base, 0, num, sizeof(num)));
		ty_svg_text(&s, xb, s.t + s.fs, "middle", "base", 0, txt, NULL);
	}
	if (!k)
		no_data(&s, (s.l + s.r) / 2, (s.t + s.bt) / 2);
	{
		const char *ll[2] = { "low setting", "high setting" };
		const char *cc[2] = { clow, chigh };

		if (k)
			ty_svg_legend(&s, 2, ll, cc);
	}
	ty_svg_axis_labels(&s);
	ty_svg_note(&s, "Tornado chart of %zu inputs around a base of %g, sorted "
		    "by swing, the largest on top.", k, base);
	if (skipped)
		ty_svg_note(&s, "%zu input%s with a non-finite value skipped.", skipped,
			    skipped == 1 ? "" : "s");
	free(ix);
	return ty_svg_finish(&s, "Tornado chart", out, err);
}
