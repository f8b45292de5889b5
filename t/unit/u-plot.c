/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-plot.c - unit tests of lib/plot.c and lib/svg.c: nice ticks, number
 * labels, escaping, colours, the KDE, and every plot type on typical and
 * degenerate data.  Each document is parsed with expat (well-formed XML)
 * and every coordinate attribute is checked to hold only finite numbers.
 */
#include <expat.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tap.h"

/* is_str() expands to "ok() || printf()"; use it as a statement */
#define IS_STR(...) do { if (is_str(__VA_ARGS__)) {} } while (0)

/* ------------------------------------------------------------ helpers */

static int well_formed(const char *svg)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	int ok_ = XML_Parse(p, svg, (int)strlen(svg), 1) == XML_STATUS_OK;

	if (!ok_)
		tap_diag("xml error line %lu: %s", XML_GetCurrentLineNumber(p),
			 XML_ErrorString(XML_GetErrorCode(p)));
	XML_ParserFree(p);
	return ok_;
}

/* Every coordinate-like attribute holds finite numbers (and path or
 * transform letters only): no nan, no inf anywhere a renderer reads. */
static int coords_finite(const char *svg)
{
	static const char *const attrs[] = { " x=\"", " y=\"", " x1=\"", " x2=\"",
		" y1=\"", " y2=\"", " cx=\"", " cy=\"", " r=\"", " width=\"",
		" height=\"", " d=\"", " transform=\"", " viewBox=\"", " font-size=\"" };

	for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
		const char *p = svg;

		while ((p = strstr(p, attrs[a]))) {
			const char *v = p + strlen(attrs[a]);
			const char *end = strchr(v, '"');

			if (!end)
				return 0;
			while (v < end) {
				char *e;
				double x;

				if (strchr("MLHVZmlhvz ,()", *v) ||
				    (end - v >= 6 && !strncmp(v, "rotate", 6))) {
					v += !strncmp(v, "rotate", 6) ? 6 : 1;
					continue;
				}
				if (!strchr("0123456789-+.", *v)) {
					tap_diag("bad attribute %s%.30s", attrs[a], p + strlen(attrs[a]));
					return 0;
				}
				x = strtod(v, &e);
				if (e == v || !isfinite(x) || fabs(x) > 1e7) {
					tap_diag("bad number in %s%.30s", attrs[a], p + strlen(attrs[a]));
					return 0;
				}
				v = e;
			}
			p = end;
		}
	}
	return 1;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* The basic promises of every document. */
static void check_doc(const char *svg, const char *what)
{
	ok(svg && well_formed(svg), "%s: well-formed XML", what);
	ok(svg && coords_finite(svg), "%s: every coordinate finite", what);
	ok(svg && strstr(svg, "role=\"img\"") && strstr(svg, "<title id=") &&
	   strstr(svg, "<desc id=") && strstr(svg, "viewBox=\"0 0 "),
	   "%s: role, title, desc and viewBox", what);
}

static void check_ticks(double lo, double hi, const double *want, size_t n,
			double step)
{
	struct ty_axis a;
	int same;

	ty_axis_nice(&a, lo, hi, 5);
	same = a.n == n && a.step == step;
	for (size_t i = 0; same && i < n; i++)
		same = a.t[i] == want[i];
	ok(same, "ticks for [%g, %g]: %zu ticks step %g", lo, hi, n, step);
	if (!same)
		for (size_t i = 0; i < a.n; i++)
			tap_diag("got tick %.17g (step %.17g)", a.t[i], a.step);
}

static void check_fmt(double v, double step, const char *want)
{
	char buf[40];

	IS_STR(ty_plot_fmt_num(v, step, buf, sizeof(buf)), want,
	       "format %.17g (step %g) as %s", v, step, want);
}

static void check_escape(const char *in, const char *want, const char *what)
{
	struct ty_buf b = TY_BUF_INIT;

	ty_svg_escape(&b, in);
	IS_STR(b.p ? b.p : "", want, "escape %s", what);
	ty_buf_release(&b);
}

/* The fill of the n-th (0-based) <rect class="cell">. */
static void cell_fill(const char *svg, size_t n, char *out, size_t cap)
{
	const char *p = svg;

	out[0] = '\0';
	for (size_t i = 0; p && i <= n; i++) {
		p = strstr(p, "<rect class=\"cell\"");
		if (p && i < n)
			p++;
	}
	if (p && (p = strstr(p, "fill=\""))) {
		const char *e = strchr(p + 6, '"');

		if (e && (size_t)(e - p - 6) < cap) {
			memcpy(out, p + 6, (size_t)(e - p - 6));
			out[e - p - 6] = '\0';
		}
	}
}

/* ------------------------------------------------------------ tests */

static void test_ticks(void)
{
	static const double t01[] = { 0, 0.2, 0.4, 0.6, 0.8, 1 };
	static const double t10[] = { 0, 2, 4, 6, 8, 10 };
	static const double t97[] = { 0, 20, 40, 60, 80, 100 };
	static const double tm1[] = { -1, -0.5, 0, 0.5, 1 };
	static const double t1m[] = { 0, 200000, 400000, 600000, 800000, 1000000 };
	static const double tsm[] = { 0, 1e-6, 2e-6, 3e-6, 4e-6, 5e-6 };
	static const double tng[] = { -4, -3, -2, -1, 0 };
	static const double t0[] = { -1, -0.5, 0, 0.5, 1 };
	struct ty_axis a;
	int props = 1;

	check_ticks(0, 1, t01, 6, 0.2);
	check_ticks(0, 10, t10, 6, 2);
	check_ticks(10, 0, t10, 6, 2);
	check_ticks(3, 97, t97, 6, 20);
	check_ticks(-1, 1, tm1, 5, 0.5);
	check_ticks(0, 1e6, t1m, 6, 200000);
	check_ticks(1e-7, 5e-6, tsm, 6, 1e-6);
	check_ticks(-3.2, -0.4, tng, 5, 1);
	check_ticks(0, 0, t0, 5, 0.5);
	check_ticks(NAN, 1, t01, 6, 0.2);
	check_ticks(0, INFINITY, t01, 6, 0.2);

	ty_axis_nice(&a, 5, 5, 5);
	ok(a.lo < 5 && a.hi > 5 && a.n >= 3, "lo == hi is widened around the value");
	ty_axis_nice(&a, -DBL_MAX, DBL_MAX, 5);
	ok(a.n >= 2 && isfinite(a.lo) && isfinite(a.hi) && isfinite(a.step),
	   "[-DBL_MAX, DBL_MAX] gives finite ticks");
	ty_axis_nice(&a, 1e300, 1e300, 5);
	ok(a.n >= 2 && a.lo < 1e300 && a.hi > 1e300, "huge equal values are widened");
	ty_axis_nice(&a, 1e-310, 3e-310, 5);
	ok(a.n >= 2 && isfinite(a.step) && a.step > 0, "denormal range has ticks");

	/* properties over many ranges: 3..11 ticks, steps 1/2/5 x 10^k,
	 * the axis covers the data and every tick is on it */
	srand(7);
	for (int i = 0; i < 2000 && props; i++) {
		double lo = (rand() / (double)RAND_MAX - 0.5) * pow(10, rand() % 20 - 10);
		double hi = lo + rand() / (double)RAND_MAX * pow(10, rand() % 20 - 10);
		double m;

		ty_axis_nice(&a, lo, hi, 5);
		m = a.step / pow(10, floor(log10(a.step) + 1e-12));
		props = a.n >= 3 && a.n <= 11 && a.lo <= lo && a.hi >= hi &&
			(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9) &&
			a.t[0] >= a.lo && a.t[a.n - 1] <= a.hi;
		if (!props)
			tap_diag("range [%.17g, %.17g]: %zu ticks, step %g", lo, hi, a.n, a.step);
	}
	ok(props, "2000 random ranges: 3..11 ticks of 1, 2, 5 x 10^k covering the data");
}

static void test_format(void)
{
	check_fmt(0, 0, "0");
	check_fmt(1.5e6, 0, "1.5M");
	check_fmt(250000, 0, "250k");
	check_fmt(0.001, 0, "0.001");
	check_fmt(1e-6, 0, "1e-06");
	check_fmt(1.5e-6, 0, "1.5e-06");
	check_fmt(-4500, 0, "-4.5k");
	check_fmt(999.96, 0, "1k");
	check_fmt(12.345, 0, "12.35");
	check_fmt(1e15, 0, "1e+15");
	check_fmt(3e9, 0, "3G");
	check_fmt(2e12, 0, "2T");
	check_fmt(0.1 + 0.2, 0, "0.3");
	check_fmt(-0.0, 0, "0");
	check_fmt(1e-4, 0, "0.0001");
	check_fmt(NAN, 0, "NaN");
	check_fmt(-INFINITY, 0, "-inf");
	/* with a tick step: enough digits to tell neighbours apart */
	check_fmt(0.30000000000000004, 0.1, "0.3");
	check_fmt(1500, 500, "1.5k");
	check_fmt(2e-6, 1e-6, "2e-06");
	check_fmt(1.05, 0.05, "1.05");
	check_fmt(1e-17, 0.2, "0");
	check_fmt(100.001, 0.001, "100.001");
}

static void test_escape(void)
{
	check_escape("a&b<c>\"d'e", "a&amp;b&lt;c&gt;&quot;d&#39;e", "the five XML specials");
	check_escape("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", "keeps valid UTF-8");
	check_escape("a\xff" "b", "a\xef\xbf\xbd" "b", "replaces an invalid byte");
	check_escape("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "replaces an overlong sequence");
	check_escape("x\x01y", "x\xef\xbf\xbdy", "replaces a control character");
	check_escape("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "replaces a surrogate");
	check_escape(NULL, "", "NULL as empty");
}

static void test_colours(void)
{
	char hex[8];

	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_VIRIDIS, 0, hex), "#440154", "viridis(0)");
	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_VIRIDIS, 1, hex), "#fde725", "viridis(1)");
	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_VIRIDIS, 0.5, hex), "#21918c", "viridis(0.5)");
	/* halfway between the stops 0x440154 and 0x482475 */
	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_VIRIDIS, 0.05, hex), "#461365", "viridis(0.05)");
	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_VIRIDIS, NAN, hex), "#440154", "NaN is the low end");
	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_VIRIDIS, 7, hex), "#fde725", "clamped above 1");
	IS_STR(ty_plot_colormap(TYCHE_PLOT_CMAP_GREYS, 0, hex), "#f7f7f7", "greys(0)");
	IS_STR(ty_plot_palette(TYCHE_PLOT_PALETTE_OKABE_ITO, 0), "#0072B2", "Okabe-Ito blue first");
	IS_STR(ty_plot_palette(TYCHE_PLOT_PALETTE_OKABE_ITO, 8), "#0072B2", "palette cycles after 8");
}

static void test_kde(void)
{
	static const double five[] = { 1, 2, 3, 4, 5 };
	double *d = malloc(5000 * sizeof(double)), y[401], yd[401], area = 0, maxdiff = 0, peak = 0;
	double h;
	int rc;

	/* sd = 1.58, IQR / 1.34 = 1.49: the smaller one wins */
	is_close(ty_plot_bandwidth(five, 5), 0.9 * (2 / 1.34) * pow(5, -0.2), 1e-12, 0,
		 "Silverman bandwidth of 1..5");
	ok(ty_plot_bandwidth(five, 1) == 0, "bandwidth of one sample is 0");
	{
		static const double same[] = { 2, 2, 2 };

		ok(ty_plot_bandwidth(same, 3) == 0, "bandwidth of equal samples is 0");
	}
	/* a smooth sample (normal quantiles), binned path (n > 2000) */
	for (int i = 0; i < 5000; i++) {
		double u = (i + 0.5) / 5000, t = sqrt(-2 * log(u < 0.5 ? u : 1 - u));
		double z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
			(1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);

		d[i] = u < 0.5 ? -z : z;
	}
	h = ty_plot_bandwidth(d, 5000);
	rc = ty_plot_kde(d, 5000, h, -6, 6, 401, y);
	for (int j = 0; j < 401; j++) {
		double x = -6 + 12.0 * j / 400, s = 0;

		for (int i = 0; i < 5000; i++)
			s += exp(-0.5 * ((x - d[i]) / h) * ((x - d[i]) / h));
		yd[j] = s / (5000 * h * sqrt(2 * M_PI));
		area += y[j] * (j == 0 || j == 400 ? 0.5 : 1) * 0.03;
		maxdiff = fmax(maxdiff, fabs(y[j] - yd[j]));
		peak = fmax(peak, yd[j]);
	}
	ok(rc == 0, "kde of 5000 samples");
	is_close(area, 1, 1e-3, 0, "kde integrates to 1 (%.6f)", area);
	ok(maxdiff < 1e-3 * peak, "binned kde within 0.1%% of the exact sum (%.2g)", maxdiff / peak);
	is_close(peak, 1 / sqrt(2 * M_PI), 0.03, 0, "normal sample peaks near 0.399 (%.4f)", peak);
	free(d);
}

#define G(label, arr) { label, arr, sizeof(arr) / sizeof(arr[0]) }

static void test_groups(void)
{
	static const double typ1[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 100 };
	static const double typ2[] = { 3, 5, 4, 6, 5, 7, 6, 5, 4, 8, -2 };
	static const double one[] = { 42 };
	static const double equal[] = { 7, 7, 7, 7 };
	static const double mixed[] = { 1, NAN, 2, INFINITY, 3, -INFINITY, 4 };
	static const double allnan[] = { NAN, NAN };
	static const double huge[] = { -1e308, 1e308, 1.7e308, -1.7e308, 0 };
	static const double tiny[] = { 1e-300, 2e-300, 3e-300, 1.5e-300 };
	static const double neg[] = { -5e9, -3e9, -4e9, -1e9 };
	static const double close_[] = { 1e15, 1e15 + 2, 1e15 + 4 };
	const tyche_plot_group typical[] = { G("low <&> \"q\"", typ1), G("high", typ2) };
	const struct {
		const char *what;
		tyche_plot_group g[3];
		size_t n;
	} cases[] = {
		{ "typical", { typical[0], typical[1] }, 2 },
		{ "no groups", { { NULL, NULL, 0 } }, 0 },
		{ "an empty group", { { "empty", NULL, 0 }, G("one", one) }, 2 },
		{ "one sample", { G("one", one) }, 1 },
		{ "all equal", { G("equal", equal), G("equal again", equal) }, 2 },
		{ "NaN and inf", { G("mixed", mixed), G("all nan", allnan) }, 2 },
		{ "huge magnitudes", { G("huge", huge) }, 1 },
		{ "tiny magnitudes", { G("tiny", tiny) }, 1 },
		{ "negative", { G("neg", neg), G("one", one) }, 2 },
		{ "close to 1e15", { G("close", close_) }, 1 },
	};
	tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;

	o.title = "Cost <by> technology & 'scenario'";
	o.xlabel = "technology";
	o.ylabel = "LCOE (USD/MWh)";
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		char *svg = NULL, name[96];
		int rc;

		snprintf(name, sizeof(name), "box, %s", what);
		rc = tyche_plot_box(&svg, cases[c].g, cases[c].n, &o, NULL);
		ok(rc == 0, "%s: renders", name);
		check_doc(svg, name);
		free(svg);
		svg = NULL;
		snprintf(name, sizeof(name), "violin, %s", what);
		rc = tyche_plot_violin(&svg, cases[c].g, cases[c].n, &o, NULL);
		ok(rc == 0, "%s: renders", name);
		check_doc(svg, name);
		free(svg);
		svg = NULL;
		snprintf(name, sizeof(name), "density, %s", what);
		rc = tyche_plot_density(&svg, cases[c].g, cases[c].n, &o, NULL);
		ok(rc == 0, "%s: renders", name);
		check_doc(svg, name);
		free(svg);
		svg = NULL;
		snprintf(name, sizeof(name), "histogram, %s", what);
		rc = tyche_plot_histogram(&svg, cases[c].n ? &cases[c].g[0] : NULL, &o, NULL);
		ok(rc == 0, "%s: renders", name);
		check_doc(svg, name);
		free(svg);
	}
}

static void test_box_details(void)
{
	static const double v[] = { 1, 2, 3, 4, 5 };
	static const double out1[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100 };
	static const double mixed[] = { 1, NAN, 2, INFINITY };
	tyche_plot_group g[] = { G("five", v), G("tail", out1), G("mixed", mixed) };
	tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;
	char *svg = NULL;
	double *big = malloc(20000 * sizeof(double));

	o.title = "<script>alert(1)</script>";
	ok(tyche_plot_box(&svg, g, 3, &o, NULL) == 0, "box with outliers renders");
	ok(svg && strstr(svg, "five: n=5, median 3, quartiles 2 to 4, mean 3</title>"),
	   "quartiles as numpy's linear method");
	ok(svg && count(svg, "class=\"outlier\"") == 1, "one outlier dot (100)");
	ok(svg && count(svg, "class=\"box\"") == 3 && count(svg, "class=\"mean\"") == 3 &&
	   count(svg, "class=\"median\"") == 3, "a box, median and mean per group");
	ok(svg && strstr(svg, "2 non-finite values (NaN or infinite) skipped"),
	   "the desc counts skipped values");
	ok(svg && !strstr(svg, "<script>") && strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"),
	   "the title is escaped");
	free(svg);
	svg = NULL;

	/* heavy tails: outlier dots are capped per box */
	for (int i = 0; i < 20000; i++)
		big[i] = i % 3 ? i % 100 : pow(1.001, i);
	g[0].v = big;
	g[0].n = 20000;
	ok(tyche_plot_box(&svg, g, 1, NULL, NULL) == 0, "box of 20000 heavy-tailed samples");
	ok(svg && count(svg, "class=\"outlier\"") == TY_PLOT_MAX_OUTLIERS,
	   "outlier dots capped at %u", TY_PLOT_MAX_OUTLIERS);
	ok(svg && strstr(svg, "outliers drawn."), "the desc says outliers were thinned");
	free(svg);
	free(big);
}

static void test_violin_flat(void)
{
	static const double eq[] = { 3, 3, 3 };
	static const double v[] = { 1, 2, 2, 3, 3, 3, 4, 4, 5 };
	tyche_plot_group g[] = { G("flat", eq), G("hill", v) };
	char *svg = NULL;

	ok(tyche_plot_violin(&svg, g, 2, NULL, NULL) == 0, "violin renders");
	ok(svg && strstr(svg, "<line class=\"violin\"") && strstr(svg, "<path class=\"violin\""),
	   "equal samples give a line, others a path");
	free(svg);
}

static void test_heatmap(void)
{
	static const double v[] = {
		17.5, 300, NAN,
		12, 100, 0.5,
	};
	static const double mn[] = { 10, 500, NAN }, mx[] = { 20, 0, NAN };
	static const char *const rows[] = { "Baseline & <R&D>", "Both" };
	static const char *const cols[] = { "LCOE (USD/MWh)", "GHG", "risk" };
	tyche_plot_heat h = { 2, 3, v, rows, cols, mn, mx, 0 };
	tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;
	char *svg = NULL, fill[64], want[8];

	o.show_values = 1;
	o.id = "hm1";
	ok(tyche_plot_heatmap(&svg, &h, &o, NULL) == 0, "heatmap renders");
	check_doc(svg, "heatmap");
	ok(svg && count(svg, "<rect class=\"cell\"") == 6, "rows x cols cells");
	cell_fill(svg, 0, fill, sizeof(fill));
	IS_STR(fill, ty_plot_colormap(0, (17.5 - 10) / (20 - 10), want),
	       "cell colour is viridis at (v - min) / (max - min)");
	cell_fill(svg, 1, fill, sizeof(fill));
	IS_STR(fill, ty_plot_colormap(0, (300 - 500) / (0.0 - 500), want),
	       "min > max reverses a column");
	cell_fill(svg, 2, fill, sizeof(fill));
	IS_STR(fill, "url(#hm1-hatch)", "NaN cell is hatched");
	ok(svg && count(svg, ">n/a</text>") == 1, "NaN cell says n/a");
	cell_fill(svg, 5, fill, sizeof(fill));
	/* column 3 has no finite range: its own min and max (0.5 only) */
	IS_STR(fill, ty_plot_colormap(0, 0.5, want), "a one-value column gets the middle colour");
	cell_fill(svg, 4, fill, sizeof(fill));
	IS_STR(fill, ty_plot_colormap(0, 0.8, want), "cell (1, 1): (100 - 500) / (0 - 500)");
	ok(svg && count(svg, "class=\"value\"") == 5, "value labels in the 5 finite cells");
	ok(svg && strstr(svg, "Baseline &amp; &lt;R&amp;D&gt;"), "row labels are escaped");
	ok(svg && strstr(svg, "id=\"hm1-title\"") && strstr(svg, "url(#hm1-grad)"),
	   "ids carry the caller's prefix");
	free(svg);
	svg = NULL;

	h.rows = h.cols = 0;
	ok(tyche_plot_heatmap(&svg, &h, NULL, NULL) == 0, "empty heatmap renders");
	check_doc(svg, "empty heatmap");
	free(svg);
	svg = NULL;
	{
		static const double huge[] = { -1e308, 1.7e308, INFINITY, 5 };
		tyche_plot_heat hh = { 2, 2, huge, NULL, NULL, NULL, NULL, 0 };

		ok(tyche_plot_heatmap(&svg, &hh, NULL, NULL) == 0, "huge heatmap renders");
		check_doc(svg, "huge heatmap");
		ok(svg && count(svg, "<rect class=\"cell\"") == 4, "2 x 2 cells without labels");
		free(svg);
	}
}

static void test_lines(void)
{
	static const double x1[] = { 1, 2, 3, 4 }, y1[] = { 50, 42, 37, 33 };
	static const double x2[] = { 1, NAN, 3 }, y2[] = { 45, 38, INFINITY };
	static const double x3[] = { 5, 5 }, y3[] = { 5, 5 };
	tyche_plot_series s[] = { { "1M", x1, y1, 4 }, { "2M", x2, y2, 3 }, { "flat", x3, y3, 2 } };
	char *svg = NULL;

	ok(tyche_plot_lines(&svg, s, 3, NULL, NULL) == 0, "lines render");
	check_doc(svg, "lines");
	ok(svg && count(svg, "class=\"marker\"") == 7, "a marker per finite point");
	ok(svg && count(svg, "class=\"line\"") == 3, "a line per series");
	ok(svg && strstr(svg, "2 points with a non-finite coordinate skipped"), "skipped in desc");
	free(svg);
	svg = NULL;
	ok(tyche_plot_lines(&svg, s + 2, 1, NULL, NULL) == 0, "one repeated point renders");
	check_doc(svg, "lines, one point");
	free(svg);
	svg = NULL;
	ok(tyche_plot_lines(&svg, NULL, 0, NULL, NULL) == 0, "no series renders");
	check_doc(svg, "lines, empty");
	free(svg);
}

static void test_waterfall_tornado(void)
{
	tyche_plot_step st[] = { { "a", -12.5 }, { "b", 4 }, { "c", NAN }, { "d", -1e308 } };
	tyche_plot_swing sw[] = { { "small", 58, 62 }, { "big", 40, 80 }, { "mid", 70, 50 },
		{ "bad", NAN, 1 } };
	char *svg = NULL;
	const char *pb, *pm, *ps;

	ok(tyche_plot_waterfall(&svg, NULL, 60, st, 3, "2030", NULL, NULL) == 0,
	   "waterfall renders");
	check_doc(svg, "waterfall");
	ok(svg && count(svg, "class=\"bar ") == 5, "start, three steps, total");
	ok(svg && count(svg, "class=\"bar up\"") == 1 && count(svg, "class=\"bar down\"") == 1,
	   "one increase, one decrease");
	ok(svg && strstr(svg, "2030: 51.5</title>"), "total is start plus the finite deltas");
	free(svg);
	svg = NULL;
	ok(tyche_plot_waterfall(&svg, "s", 1e308, st + 3, 1, NULL, NULL, NULL) == 0 &&
	   svg && coords_finite(svg), "waterfall near DBL_MAX stays finite");
	free(svg);
	svg = NULL;
	ok(tyche_plot_waterfall(&svg, NULL, 0, NULL, 0, NULL, NULL, NULL) == 0 &&
	   svg && well_formed(svg) && coords_finite(svg), "waterfall with no steps");
	free(svg);
	svg = NULL;

	ok(tyche_plot_tornado(&svg, 60, sw, 4, NULL, NULL) == 0, "tornado renders");
	check_doc(svg, "tornado");
	pb = svg ? strstr(svg, ">big<") : NULL;
	pm = svg ? strstr(svg, ">mid<") : NULL;
	ps = svg ? strstr(svg, ">small<") : NULL;
	ok(pb && pm && ps && pb < pm && pm < ps, "sorted by swing, largest first");
	ok(svg && count(svg, "class=\"bar low\"") == 3 && count(svg, "class=\"bar high\"") == 3,
	   "two bars per finite input");
	ok(svg && strstr(svg, "1 input with a non-finite value skipped"), "skipped in desc");
	free(svg);
	svg = NULL;
	ok(tyche_plot_tornado(&svg, NAN, NULL, 0, NULL, NULL) == 0 && svg &&
	   well_formed(svg) && coords_finite(svg), "tornado with no inputs");
	free(svg);
}

static void test_errors(void)
{
	static const double v[] = { 1, 2 };
	tyche_plot_group g[] = { G("a", v) };
	tyche_plot_group bad[] = { { "x", NULL, 3 } };
	tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;
	tyche_error err = { 0 };
	char *svg = (char *)"untouched";

	ok(tyche_plot_box(NULL, g, 1, NULL, &err) == TYCHE_EUSAGE, "NULL out is a usage error");
	o.width = 50;
	ok(tyche_plot_box(&svg, g, 1, &o, &err) == TYCHE_EUSAGE, "width 50 is a usage error");
	IS_STR(err.msg, "plot size 50x0: expected 0 (default) or 120..20000 px", "and says why");
	o.width = 0;
	o.id = "two words";
	ok(tyche_plot_violin(&svg, g, 1, &o, &err) == TYCHE_EUSAGE, "an id with a blank");
	o.id = NULL;
	o.bins = 5000;
	ok(tyche_plot_histogram(&svg, g, &o, &err) == TYCHE_EUSAGE, "5000 bins");
	ok(tyche_plot_density(&svg, bad, 1, NULL, &err) == TYCHE_EUSAGE, "samples without array");
	ok(tyche_plot_box(&svg, g, 1001, NULL, &err) == TYCHE_EUSAGE, "1001 groups");
	ok(!strcmp(svg, "untouched"), "*out is untouched on error");
}

int main(void)
{
	test_ticks();
	test_format();
	test_escape();
	test_colours();
	test_kde();
	test_groups();
	test_box_details();
	test_violin_flat();
	test_heatmap();
	test_lines();
	test_waterfall_tornado();
	test_errors();
	return tap_done();
}
