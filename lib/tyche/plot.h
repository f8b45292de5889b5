/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/plot.h - SVG plots.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_PLOT_H
#define TYCHE_PLOT_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ plots */
/*
 * SVG plots drawn by the library, so the HTML report and the browser UI
 * show the same pictures.  The caller owns the statistics: data come in as
 * plain arrays (copied, never kept) and each function writes one
 * self-contained SVG document (viewBox, role="img", <title>, <desc>, text
 * as <text>) to *out, a malloc'd NUL-terminated string the caller free()s.
 * *out is set only on success.  NaN/inf data values are skipped and the
 * <desc> says how many; empty or constant data still give a valid plot.
 * Errors: TYCHE_EUSAGE (NULL out, bad option, more than 1000 groups,
 * rows, columns, steps or inputs), TYCHE_EDATA (document over 32 MiB),
 * TYCHE_ENOMEM.
 *
 * Colours: series and groups use the Okabe-Ito palette (colour-blind
 * safe; markers also differ by shape); heatmaps use viridis.
 */
enum tyche_plot_palette {
	TYCHE_PLOT_PALETTE_OKABE_ITO = 0,
	TYCHE_PLOT_PALETTE_GREY = 1
};
enum tyche_plot_cmap {
	TYCHE_PLOT_CMAP_VIRIDIS = 0,
	TYCHE_PLOT_CMAP_GREYS = 1,     /* light (low) to dark (high) */
	TYCHE_PLOT_CMAP_DIVERGING = 2  /* orange (0) - white (0.5) - purple (1),
	                                  ColorBrewer PuOr, colour-blind safe */
};

typedef struct tyche_plot_opts {
	const char *title;   /* heading and <title>; NULL = none */
	const char *desc;    /* put before the generated <desc> text; NULL = none */
	const char *xlabel;  /* axis label with units, "LCOE (USD/MWh)"; NULL = none */
	const char *ylabel;
	const char *id;      /* prefix of element ids, so several SVGs can be
	                        inlined in one page: [A-Za-z0-9_-], <= 40
	                        chars; NULL = "typlot" */
	int width, height;   /* px, also the viewBox; 0 = 640 x 400 (heatmap:
	                        height from the row count) */
	int show_values;     /* 1: print numbers in heatmap cells and on bars */
	int palette;         /* TYCHE_PLOT_PALETTE_* */
	int cmap;            /* TYCHE_PLOT_CMAP_* */
	int bins;            /* histogram bins; 0 = Freedman-Diaconis, or
	                        Sturges when the IQR is 0; at most 1000 */
	int font_size;       /* px; 0 = 12; raised to at least 11 */
	int value_range;     /* 1: the value axis (y of box and violin, x of
	                        density) spans [value_lo, value_hi] (widened to
	                        nice ticks) whatever the data, so plots of one
	                        metric share their axis; data outside is
	                        clipped by the axis, not rescaled */
	double value_lo, value_hi;
} tyche_plot_opts;
#define TYCHE_PLOT_OPTS_INIT { .title = NULL, .desc = NULL, .xlabel = NULL, .ylabel = NULL, \
	.id = NULL, .width = 0, .height = 0, .show_values = 0, \
	.palette = TYCHE_PLOT_PALETTE_OKABE_ITO, .cmap = TYCHE_PLOT_CMAP_VIRIDIS, \
	.bins = 0, .font_size = 0, .value_range = 0, .value_lo = 0, .value_hi = 0 }

/* A labelled set of samples (box, violin, density, histogram). */
typedef struct tyche_plot_group {
	const char *label;
	const double *v;
	size_t n;
} tyche_plot_group;

/*
 * Box plot, one box per group: quartiles (GSL's quantile, as numpy's
 * default "linear"), whiskers at the furthest samples within 1.5 IQR of
 * the box, the rest as outlier dots (at most 500 drawn per box, spread
 * over the sorted outliers, extremes kept), mean as a diamond.
 */
TYCHE_API int tyche_plot_box(char **out, const tyche_plot_group *g, size_t ng,
			     const tyche_plot_opts *o, tyche_error *err);
/*
 * Violin plot: per group a Gaussian KDE with Silverman's rule-of-thumb
 * bandwidth (0.9 min(sd, IQR/1.34) n^-1/5, as R's bw.nrd0), cut at the
 * data's min and max, mirrored, every violin scaled to the same maximum
 * width; the quartile range and median are drawn inside.  A group whose
 * samples are all equal is drawn as a horizontal line.
 */
TYCHE_API int tyche_plot_violin(char **out, const tyche_plot_group *g, size_t ng,
				const tyche_plot_opts *o, tyche_error *err);
/* Density plot: one KDE curve per group (bandwidth as the violin),
 * extended 3 bandwidths past the data, on a common x axis.  A constant
 * group is a vertical line. */
TYCHE_API int tyche_plot_density(char **out, const tyche_plot_group *g, size_t ng,
				 const tyche_plot_opts *o, tyche_error *err);
/* Histogram of one group (bin count from o->bins). */
TYCHE_API int tyche_plot_histogram(char **out, const tyche_plot_group *g,
				   const tyche_plot_opts *o, tyche_error *err);

/*
 * Heatmap: rows x cols cells, v[r * cols + c].  A cell's colour is the
 * colour map at (v - col_min[c]) / (col_max[c] - col_min[c]), clamped to
 * [0, 1]; pass col_min > col_max to reverse a column (lower is better).
 * col_min or col_max NULL, or a non-finite entry, takes the column's own
 * finite min / max; an empty range (min == max) gives the middle colour.
 * NaN/inf cells are hatched grey with "n/a".  Labels may be NULL.
 */
typedef struct tyche_plot_heat {
	size_t rows, cols;
	const double *v;
	const char *const *row_labels;
	const char *const *col_labels;
	const double *col_min, *col_max;
	/* share = 1: a cell's colour is its value as a share of the
	 * achievable change instead: v / col_max[c] when v >= 0, v /
	 * -col_min[c] when v < 0 (so col_min <= 0 <= col_max, the metric's
	 * achievable range), clamped to [-1, 1], on the diverging map
	 * (negative orange, 0 white, positive purple); the legend shows
	 * -100% to 100%, each cell's <title> its value and share.  Needs
	 * col_min and col_max; a column whose bound on a side is 0 or not
	 * finite colours that side white. */
	int share;
} tyche_plot_heat;
TYCHE_API int tyche_plot_heatmap(char **out, const tyche_plot_heat *h,
				 const tyche_plot_opts *o, tyche_error *err);

/* The finite min and max over the samples of groups g[0..ng-1] (a value
 * range to share between plots with o->value_range); lo > hi when no
 * sample is finite. */
TYCHE_API void tyche_plot_value_range(const tyche_plot_group *g, size_t ng, double *lo,
				      double *hi);
/*
 * Gauge: a horizontal bar over [lo, hi] (the metric's achievable range,
 * e.g. the optimiser's bounds) with 0 marked, and value v as a marker
 * with its number; the part between 0 and v is filled, purple when v > 0
 * and orange when v < 0.  lo > hi is swapped; non-finite lo or hi give
 * a bar around v.  For the browser page's "where is the portfolio within
 * what is achievable" per metric.
 */
TYCHE_API int tyche_plot_gauge(char **out, double v, double lo, double hi,
			       const tyche_plot_opts *o, tyche_error *err);

/* Line chart (e.g. a Pareto sweep): series of (x, y) points joined in the
 * given order, with a marker per point; a non-finite point breaks the
 * line. */
typedef struct tyche_plot_series {
	const char *label;
	const double *x, *y;
	size_t n;
} tyche_plot_series;
TYCHE_API int tyche_plot_lines(char **out, const tyche_plot_series *s, size_t ns,
			       const tyche_plot_opts *o, tyche_error *err);

/* Waterfall: a start bar, one floating bar per step (increases and
 * decreases coloured differently), and a final total bar.  NULL labels
 * default to "Start" and "Total"; non-finite deltas are skipped. */
typedef struct tyche_plot_step {
	const char *label;
	double delta;
} tyche_plot_step;
TYCHE_API int tyche_plot_waterfall(char **out, const char *start_label, double start,
				   const tyche_plot_step *st, size_t n,
				   const char *total_label,
				   const tyche_plot_opts *o, tyche_error *err);

/* Tornado: per input, the output at the input's low and high setting,
 * drawn as bars from the base value; sorted by swing |high - low|, the
 * largest on top.  Inputs with a non-finite value are skipped. */
typedef struct tyche_plot_swing {
	const char *label;
	double low, high;
} tyche_plot_swing;
TYCHE_API int tyche_plot_tornado(char **out, double base, const tyche_plot_swing *sw,
				 size_t n, const tyche_plot_opts *o, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
