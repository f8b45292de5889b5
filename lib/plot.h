/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plot.h - internals shared by the SVG writer (svg.c) and the plot types
 * (plot.c); the unit test u-plot.c uses them too.  Never installed.
 *
 * Every number that lands in an SVG attribute goes through ty_svg_num(),
 * which maps NaN/inf to 0: a plot must stay well-formed even when a bug
 * upstream lets a non-finite value through.  Data values are mapped to
 * pixels with ty_svg_sx()/ty_svg_sy(), which halve both operands before
 * subtracting so that ranges like [-1e308, 1e308] do not overflow.
 */
#ifndef TY_PLOT_H
#define TY_PLOT_H

#include "internal.h"

#define TY_PLOT_MAX_TICKS 64
#define TY_PLOT_MAX_GROUPS 1000u     /* groups, series, steps, inputs, rows, cols */
#define TY_PLOT_MAX_OUTLIERS 500u    /* outlier dots drawn per box */
#define TY_PLOT_MAX_BINS 1000
#define TY_PLOT_MAX_BYTES (32u << 20) /* one SVG document */
#define TY_PLOT_KDE_POINTS 128

/* A numeric axis: [lo, hi] widened to whole steps of 1, 2 or 5 x 10^k. */
struct ty_axis {
	double lo, hi, step;
	size_t n;
	double t[TY_PLOT_MAX_TICKS];
};

/*
 * Choose about `target` ticks for the data range [lo, hi] (either order).
 * The axis range is widened to the enclosing multiples of the step, and
 * every tick lies in it.  lo == hi (or a span below 1e-9 of the
 * magnitude) is widened around the value; non-finite input gives [0, 1].
 */
TY_HIDDEN void ty_axis_nice(struct ty_axis *a, double lo, double hi, int target);

/*
 * Compact number for a tick or value label, into buf (>= 32 bytes):
 * 0, 0.25, 12.5, 250k, 1.5M, 3G, 2T, 0.001, 1e-06, 1e+15, -4.5k.
 * step > 0 (the tick step) decides how many digits are needed so that
 * neighbouring ticks differ; step == 0 prints 4 significant digits.
 */
TY_HIDDEN const char *ty_plot_fmt_num(double v, double step, char *buf, size_t n);

/* Append s XML-escaped (& < > " '), with control characters and invalid
 * UTF-8 replaced by U+FFFD, so any byte string gives well-formed XML. */
TY_HIDDEN void ty_svg_escape(struct ty_buf *b, const char *s);

/* Heatmap colour at t in [0, 1] (clamped; NaN gives 0) as "#rrggbb". */
TY_HIDDEN const char *ty_plot_colormap(int cmap, double t, char hex[8]);
/* Categorical colour number i (cycles) as "#rrggbb" (static string). */
TY_HIDDEN const char *ty_plot_palette(int palette, size_t i);

/* Silverman's rule-of-thumb bandwidth for sorted finite data:
 * 0.9 * min(sd, IQR / 1.34) * n^(-1/5), the nonzero one if either is 0;
 * 0 when all values are equal or n < 2. */
TY_HIDDEN double ty_plot_bandwidth(const double *sorted, size_t n);
/* Gaussian KDE of sorted finite data with bandwidth h > 0 at m points
 * spread evenly over [a, b] (m >= 2), into y[m].  Returns 0 or
 * TYCHE_ENOMEM. */
TY_HIDDEN int ty_plot_kde(const double *sorted, size_t n, double h, double a,
			  double b, size_t m, double *y);

/* A fixed-size number string, usable inside one ty_buf_addf() call. */
struct ty_num {
	char s[32];
};
TY_HIDDEN struct ty_num ty_svg_num(double v);

/* One SVG document being written. */
struct ty_svg {
	struct ty_buf b;        /* the body, after <title> and <desc> */
	struct ty_buf notes;    /* sentences that end up in <desc> */
	char id[48];
	double w, h;            /* document size (px) */
	double l, r, t, bt;     /* plot area: left, right, top, bottom (px) */
	double fs;              /* font size (px) */
	double legend_h;        /* height of the legend band under the title */
	struct ty_axis x, y;
	const tyche_plot_opts *o;
};

TY_HIDDEN int ty_svg_begin(struct ty_svg *s, const tyche_plot_opts *o,
			   double defw, double defh, tyche_error *err);
TY_HIDDEN void ty_svg_note(struct ty_svg *s, const char *fmt, ...) TY_PRINTF(2, 3);
/* Assemble the document into *out (malloc'd) and release s. */
TY_HIDDEN int ty_svg_finish(struct ty_svg *s, const char *kind, char **out,
			    tyche_error *err);
TY_HIDDEN void ty_svg_release(struct ty_svg *s);

/* Estimated width (px) of text at font size fs. */
TY_HIDDEN double ty_svg_text_width(const char *text, double fs);
/* <text> at (x, y); anchor "start"/"middle"/"end"; cls may be NULL;
 * text longer than maxw (> 0) is cut with an ellipsis and the full text
 * goes in a <title> child; extra is raw attributes or NULL. */
TY_HIDDEN void ty_svg_text(struct ty_svg *s, double x, double y,
			   const char *anchor, const char *cls, double maxw,
			   const char *text, const char *extra);

/* Plot area from margins: room for the title, axis labels, tick labels
 * (left_w = widest left label, bottom_h = height of bottom labels). */
TY_HIDDEN void ty_svg_layout(struct ty_svg *s, double left_w, double bottom_h,
			     double right_w);
/* Widest tick label of an axis (px). */
TY_HIDDEN double ty_svg_ticks_width(const struct ty_svg *s, const struct ty_axis *a);
/* Pixel of a data value on the x / y axis. */
TY_HIDDEN double ty_svg_sx(const struct ty_svg *s, double v);
TY_HIDDEN double ty_svg_sy(const struct ty_svg *s, double v);
/* Title, background; numeric y axis with grid; numeric x axis; labels. */
TY_HIDDEN void ty_svg_title(struct ty_svg *s);
TY_HIDDEN void ty_svg_axis_y(struct ty_svg *s);
TY_HIDDEN void ty_svg_axis_x(struct ty_svg *s);
TY_HIDDEN void ty_svg_axis_labels(struct ty_svg *s);
/* Reserve a legend band under the title (call before ty_svg_layout),
 * then draw it there: colour swatches and labels in rows. */
TY_HIDDEN void ty_svg_legend_reserve(struct ty_svg *s, size_t n,
				     const char *const *labels);
TY_HIDDEN void ty_svg_legend(struct ty_svg *s, size_t n,
			     const char *const *labels, const char *const *colours);

#endif
