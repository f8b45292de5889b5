/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * svg.c - the SVG writing helpers behind lib/plot.c: nice ticks, compact
 * number labels, XML escaping, colours, layout, axes and legends.
 *
 * What a newcomer gets wrong here:
 *  - user strings (labels, titles) come from data files that may hold any
 *    bytes; ty_svg_escape() also repairs invalid UTF-8 and drops control
 *    characters, because xmllint and browsers reject them, not only '<';
 *  - the <desc> is written last but must come first in the document, so
 *    the body and the notes grow in separate buffers and ty_svg_finish()
 *    assembles them;
 *  - several plots may be inlined in one HTML page, so every id carries
 *    the caller's prefix (opts.id) and there is no <style> element (its
 *    rules would leak into the page); styling is by attributes.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const tyche_plot_opts default_opts = TYCHE_PLOT_OPTS_INIT;

/* ------------------------------------------------------------- numbers */

/* k * m * 10^e computed so that decimal ticks come out exactly rounded
 * (3 * 0.1 is 0.30000000000000004, but 3 / 10 is 0.3). */
static double tick_value(double k, double m, int e)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
		1e19, 1e20, 1e21, 1e22 };

	if (e < 0 && e >= -22)
		return (k * m) / p10[-e];
	if (e >= 0 && e <= 22)
		return k * m * p10[e];
	return k * m * pow(10.0, e);
}

void ty_axis_nice(struct ty_axis *a, double lo, double hi, int target)
{
	double mag, raw, m = 1, kl, kh, best;
	int e = 0, e0;

	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (lo > hi) {
		double tmp = lo;

		lo = hi;
		hi = tmp;
	}
	if (target < 2)
		target = 2;
	if (target > 20)
		target = 20;
	mag = fmax(fabs(lo), fabs(hi));
	if (mag < 1e-300) {
		lo = -1;
		hi = 1;
	} else if (hi / 2 - lo / 2 <= mag * 0.5e-9) {
		double c = lo / 2 + hi / 2, d = mag * 0.1;

		lo = c - d;
		hi = c + d;
		if (!isfinite(lo))
			lo = -DBL_MAX;
		if (!isfinite(hi))
			hi = DBL_MAX;
	}
	/* the step of 1, 2 or 5 x 10^k whose tick count is nearest to
	 * target + 1 (ties: the finer step, it wastes less of the axis) */
	raw = hi / target - lo / target;
	e0 = (int)floor(log10(raw));
	best = -1;
	for (int ce = e0 - 1; ce <= e0 + 1; ce++) {
		static const double ms[] = { 1, 2, 5 };

		for (size_t i = 0; i < 3; i++) {
			double st = tick_value(1, ms[i], ce), cnt, dist;

			if (!isfinite(st) || !(st > 0))
				continue;
			kl = floor(lo / st + 1e-9);
			kh = ceil(hi / st - 1e-9);
			cnt = kh - kl + 1;
			dist = fabs(cnt - (target + 1));
			if (cnt <= TY_PLOT_MAX_TICKS && (best < 0 || dist < best)) {
				best = dist;
				m = ms[i];
				e = ce;
			}
		}
	}
	a->step = tick_value(1, m, e);
	kl = floor(lo / a->step + 1e-9);
	kh = ceil(hi / a->step - 1e-9);
	a->lo = tick_value(kl, m, e);
	a->hi = tick_value(kh, m, e);
	if (!isfinite(a->lo) || a->lo > lo)
		a->lo = lo;
	if (!isfinite(a->hi) || a->hi < hi)
		a->hi = hi;
	a->lo += 0.0; /* -0 becomes 0 */
	a->hi += 0.0;
	a->n = 0;
	for (double k = kl; k <= kh && a->n < TY_PLOT_MAX_TICKS; k++) {
		double t = tick_value(k, m, e);

		if (isfinite(t) && t >= a->lo && t <= a->hi)
			a->t[a->n++] = t == 0 ? 0 : t; /* no -0 */
	}
}

/* Drop trailing zeros of a decimal mantissa: "1.500e-06" -> "1.5e-06". */
static void trim_zeros(char *s)
{
	char *dot = strchr(s, '.'), *exp, *end;

	if (!dot)
		return;
	exp = strpbrk(dot, "eE");
	end = exp ? exp : s + strlen(s);
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	memmove(end, exp ? exp : s + strlen(s), strlen(exp ? exp : "") + 1);
}

/* Decimals needed to print multiples of step exactly (0 .. 15). */
static int step_decimals(double step)
{
	for (int d = 0; d < 15; d++) {
		double x = step * pow(10.0, d);

		if (fabs(x - nearbyint(x)) <= 1e-6 * x)
			return d;
	}
	return 15;
}

const char *ty_plot_fmt_num(double v, double step, char *buf, size_t n)
{
	static const char *const suffix[] = { "", "k", "M", "G", "T" };
	double av;
	int i = 0;

	if (isnan(v)) {
		snprintf(buf, n, "NaN");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
		return buf;
	}
	if (!(step > 0) || !isfinite(step)) {
		step = 0;
		/* round to 4 significant digits first, so 999.96 becomes 1k */
		snprintf(buf, n, "%.3e", v);
		v = strtod(buf, NULL);
	}
	av = fabs(v);
	if (av == 0 || (step > 0 && av < step * 1e-6)) {
		snprintf(buf, n, "0");
		return buf;
	}
	if (av >= 1e15 || av < 1e-4) {
		int digits = 4;

		if (step > 0)
			digits = (int)floor(log10(av)) - (int)floor(log10(step)) + 1;
		if (digits < 1)
			digits = 1;
		if (digits > 15)
			digits = 15;
		snprintf(buf, n, "%.*e", digits - 1, v);
		trim_zeros(buf);
		return buf;
	}
	while (av >= 1000 && i < 4) {
		av /= 1000;
		v /= 1000;
		step /= 1000;
		i++;
	}
	{
		/* step 0: 4 significant digits */
		int dec = step > 0 ? step_decimals(step) : 3 - (int)floor(log10(av));

		if (dec < 0)
			dec = 0;
		if (dec > 15)
			dec = 15;
		snprintf(buf, n, "%.*f%s", dec, v, suffix[i]);
	}
	if (step == 0 || strchr(buf, '.')) {
		/* trim zeros of the number part, keep the suffix */
		char num[40];
		size_t len = strlen(buf) - strlen(suffix[i]);

		if (len < sizeof(num)) {
			memcpy(num, buf, len);
			num[len] = '\0';
			trim_zeros(num);
			snprintf(buf, n, "%s%s", num, suffix[i]);
		}
	}
	if (!strcmp(buf, "-0"))
		snprintf(buf, n, "0");
	return buf;
}

struct ty_num ty_svg_num(double v)
{
	struct ty_num r;

	if (!isfinite(v))
		v = 0;
	if (v > 1e7)
		v = 1e7;
	if (v < -1e7)
		v = -1e7;
	if (fabs(v) < 0.005)
		v = 0;
	snprintf(r.s, sizeof(r.s), "%.2f", v);
	trim_zeros(r.s);
	return r;
}

/* ------------------------------------------------------------- strings */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0], cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

void ty_svg_escape(struct ty_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t len = utf8_len(s);

		if (!len || (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')) {
			ty_buf_adds(b, "\xef\xbf\xbd");
			s++;
			continue;
		}
		switch (*s) {
		case '&': ty_buf_adds(b, "&amp;"); break;
		case '<': ty_buf_adds(b, "&lt;"); break;
		case '>': ty_buf_adds(b, "&gt;"); break;
		case '"': ty_buf_adds(b, "&quot;"); break;
		case '\'': ty_buf_adds(b, "&#39;"); break;
		default: ty_buf_add(b, s, len); break;
		}
		s += len;
	}
}

/* Code points in s (invalid bytes count as one each). */
static size_t text_chars(const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = 0;

	while (*s) {
		size_t len = utf8_len(s);

		s += len ? len : 1;
		n++;
	}
	return n;
}

double ty_svg_text_width(const char *text, double fs)
{
	return (double)text_chars(text) * fs * 0.58;
}

/* ------------------------------------------------------------- colours */

/* matplotlib's viridis sampled at 0, 0.1, ..., 1; linear in between. */
static const unsigned char viridis[11][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x48, 0x24, 0x75 }, { 0x41, 0x44, 0x87 },
	{ 0x35, 0x5f, 0x8d }, { 0x2a, 0x78, 0x8e }, { 0x21, 0x91, 0x8c },
	{ 0x22, 0xa8, 0x84 }, { 0x44, 0xbf, 0x70 }, { 0x7a, 0xd1, 0x51 },
	{ 0xbd, 0xdf, 0x26 }, { 0xfd, 0xe7, 0x25 },
};
static const unsigned char greys[2][3] = { { 0xf7, 0xf7, 0xf7 }, { 0x25, 0x25, 0x25 } };
/* ColorBrewer PuOr (7 classes), orange (low) to purple (high), white in
 * the middle: a diverging map that colour-blind readers can tell apart. */
static const unsigned char puor[7][3] = {
	{ 0xb3, 0x58, 0x06 }, { 0xf1, 0xa3, 0x40 }, { 0xfe, 0xe0, 0xb6 },
	{ 0xf7, 0xf7, 0xf7 }, { 0xd8, 0xda, 0xeb }, { 0x99, 0x8e, 0xc3 },
	{ 0x54, 0x27, 0x88 },
};

const char *ty_plot_colormap(int cmap, double t, char hex[8])
{
	const unsigned char (*stops)[3] = cmap == TYCHE_PLOT_CMAP_GREYS ? greys :
					  cmap == TYCHE_PLOT_CMAP_DIVERGING ? puor : viridis;
	size_t ns = cmap == TYCHE_PLOT_CMAP_GREYS ? 2 : cmap == TYCHE_PLOT_CMAP_DIVERGING ? 7 : 11;
	size_t i;
	double u, f;
	int rgb[3];

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	u = t * (double)(ns - 1);
	i = (size_t)floor(u);
	if (i >= ns - 1)
		i = ns - 2;
	f = u - (double)i;
	for (int c = 0; c < 3; c++)
		rgb[c] = (int)lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]));
	snprintf(hex, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	return hex;
}

/* Okabe & Ito (2008), ordered so that the first colours contrast most on
 * white; yellow comes late because thin yellow lines are hard to see. */
static const char *const okabe_ito[] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
	"#F0E442", "#000000",
};
static const char *const grey_palette[] = { "#222222", "#777777", "#AAAAAA", "#444444" };

const char *ty_plot_palette(int palette, size_t i)
{
	if (palette == TYCHE_PLOT_PALETTE_GREY)
		return grey_palette[i % TY_ARRAY_SIZE(grey_palette)];
	return okabe_ito[i % TY_ARRAY_SIZE(okabe_ito)];
}

/* ------------------------------------------------------------ document */

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int ty_svg_begin(struct ty_svg *s, const tyche_plot_opts *o, double defw,
		 double defh, tyche_error *err)
{
	memset(s, 0, sizeof(*s));
	if (!o)
		o = &default_opts;
	s->o = o;
	if (o->width < 0 || (o->width > 0 && o->width < 120) || o->width > 20000 ||
	    o->height < 0 || (o->height > 0 && o->height < 120) || o->height > 20000)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "plot size %dx%d: expected 0 (default) or 120..20000 px",
				   o->width, o->height);
	if (o->id && !valid_id(o->id))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "plot id '%.60s': expected 1 to 40 of A-Z a-z 0-9 _ -",
				   o->id);
	snprintf(s->id, sizeof(s->id), "%s", o->id ? o->id : "typlot");
	s->w = o->width ? o->width : defw;
	s->h = o->height ? o->height : defh;
	s->fs = o->font_size ? o->font_size : 12;
	if (s->fs < 11)
		s->fs = 11;
	if (s->fs > 48)
		s->fs = 48;
	ty_buf_addf(&s->b, "<rect class=\"bg\" width=\"%s\" height=\"%s\" fill=\"#ffffff\"/>\n",
		    ty_svg_num(s->w).s, ty_svg_num(s->h).s);
	ty_svg_layout(s, 0, 0, 0);
	return 0;
}

void ty_svg_note(struct ty_svg *s, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (s->notes.len)
		ty_buf_addc(&s->notes, ' ');
	ty_buf_adds(&s->notes, buf);
}

void ty_svg_release(struct ty_svg *s)
{
	ty_buf_release(&s->b);
	ty_buf_release(&s->notes);
}

int ty_svg_finish(struct ty_svg *s, const char *kind, char **out, tyche_error *err)
{
	struct ty_buf d = TY_BUF_INIT;
	const tyche_plot_opts *o = s->o;
	int rc = 0;

	ty_buf_addf(&d, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tyche-plot\" "
		    "viewBox=\"0 0 %s %s\" width=\"%s\" height=\"%s\" role=\"img\" "
		    "aria-labelledby=\"%s-title %s-desc\" "
		    "font-family=\"system-ui, sans-serif\" font-size=\"%s\">\n",
		    ty_svg_num(s->w).s, ty_svg_num(s->h).s, ty_svg_num(s->w).s,
		    ty_svg_num(s->h).s, s->id, s->id, ty_svg_num(s->fs).s);
	ty_buf_addf(&d, "<title id=\"%s-title\">", s->id);
	ty_svg_escape(&d, o->title && o->title[0] ? o->title : kind);
	ty_buf_addf(&d, "</title>\n<desc id=\"%s-desc\">", s->id);
	if (o->desc && o->desc[0]) {
		ty_svg_escape(&d, o->desc);
		ty_buf_addc(&d, ' ');
	}
	ty_svg_escape(&d, s->notes.p ? s->notes.p : "");
	ty_buf_adds(&d, "</desc>\n");
	if (s->b.p)
		ty_buf_add(&d, s->b.p, s->b.len);
	ty_buf_adds(&d, "</svg>\n");
	if (d.oom || s->b.oom || s->notes.oom)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory writing a plot");
	else if (d.len > TY_PLOT_MAX_BYTES)
		rc = ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				 "plot is %zu bytes, more than the limit of %u",
				 d.len, TY_PLOT_MAX_BYTES);
	if (!rc)
		*out = ty_buf_detach(&d);
	ty_buf_release(&d);
	ty_svg_release(s);
	return rc;
}

/* ---------------------------------------------------------------- text */

void ty_svg_text(struct ty_svg *s, double x, double y, const char *anchor,
		 const char *cls, double maxw, const char *text, const char *extra)
{
	struct ty_buf *b = &s->b;
	double cw = s->fs * 0.58;
	size_t n = text_chars(text);

	ty_buf_addf(b, "<text x=\"%s\" y=\"%s\"", ty_svg_num(x).s, ty_svg_num(y).s);
	if (anchor && strcmp(anchor, "start"))
		ty_buf_addf(b, " text-anchor=\"%s\"", anchor);
	if (cls)
		ty_buf_addf(b, " class=\"%s\"", cls);
	if (extra)
		ty_buf_addf(b, " %s", extra);
	ty_buf_addc(b, '>');
	if (maxw > 0 && (double)n * cw > maxw) {
		/* keep whole code points that fit with the ellipsis */
		const unsigned char *p = (const unsigned char *)text;
		size_t keep = (size_t)fmax(0, floor(maxw / cw) - 1), bytes = 0;
		char *cut;

		for (size_t i = 0; i < keep && p[bytes]; i++) {
			size_t len = utf8_len(p + bytes);

			bytes += len ? len : 1;
		}
		ty_buf_adds(b, "<title>");
		ty_svg_escape(b, text);
		ty_buf_adds(b, "</title>");
		cut = ty_strndup(text, bytes);
		if (cut)
			ty_svg_escape(b, cut);
		free(cut);
		ty_buf_adds(b, "\xe2\x80\xa6");
	} else {
		ty_svg_escape(b, text);
	}
	ty_buf_adds(b, "</text>\n");
}

/* ---------------------------------------------------------- axes, layout */

void ty_svg_layout(struct ty_svg *s, double left_w, double bottom_h, double right_w)
{
	const tyche_plot_opts *o = s->o;
	double fs = s->fs;

	s->t = (o->title && o->title[0] ? fs * 1.3 + 20 : 12) +
	       (s->legend_h > 0 ? s->legend_h + 4 : 0);
	s->l = 10 + left_w + 8 + (o->ylabel && o->ylabel[0] ? fs + 8 : 0);
	s->bt = s->h - (8 + bottom_h + (o->xlabel && o->xlabel[0] ? fs + 10 : 0));
	s->r = s->w - 14 - right_w;
	/* keep at least half the document for the plot itself */
	if (s->l > s->w * 0.4)
		s->l = s->w * 0.4;
	if (s->r < s->w * 0.6)
		s->r = s->w * 0.6;
	if (s->r - s->l < 40)
		s->r = s->l + 40;
	if (s->bt < s->t + s->h * 0.4)
		s->bt = s->t + s->h * 0.4;
}

double ty_svg_ticks_width(const struct ty_svg *s, const struct ty_axis *a)
{
	double w = 0;
	char buf[40];

	for (size_t i = 0; i < a->n; i++)
		w = fmax(w, ty_svg_text_width(ty_plot_fmt_num(a->t[i], a->step, buf,
							      sizeof(buf)), s->fs));
	return w;
}

/* (v - lo) / (hi - lo) without overflow for any finite lo < hi. */
static double frac(double v, double lo, double hi)
{
	double d = hi / 2 - lo / 2;

	if (!(d > 0) || !isfinite(v))
		return 0.5;
	return (v / 2 - lo / 2) / d;
}

double ty_svg_sx(const struct ty_svg *s, double v)
{
	return s->l + frac(v, s->x.lo, s->x.hi) * (s->r - s->l);
}

double ty_svg_sy(const struct ty_svg *s, double v)
{
	return s->bt - frac(v, s->y.lo, s->y.hi) * (s->bt - s->t);
}

void ty_svg_title(struct ty_svg *s)
{
	const tyche_plot_opts *o = s->o;
	char attr[64];

	if (!o->title || !o->title[0])
		return;
	snprintf(attr, sizeof(attr), "font-size=\"%s\" font-weight=\"bold\"",
		 ty_svg_num(s->fs * 1.3).s);
	ty_svg_text(s, 10, s->fs * 1.3 + 6, "start", "title", s->w - 20, o->title, attr);
}

void ty_svg_axis_y(struct ty_svg *s)
{
	struct ty_buf *b = &s->b;
	char buf[40];

	ty_buf_adds(b, "<g class=\"axis y\">\n");
	for (size_t i = 0; i < s->y.n; i++) {
		double y = ty_svg_sy(s, s->y.t[i]);

		ty_buf_addf(b, "<line class=\"grid\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
			    "stroke=\"#e3e3e3\"/>\n", ty_svg_num(s->l).s,
			    ty_svg_num(s->r).s, ty_svg_num(y).s, ty_svg_num(y).s);
		ty_svg_text(s, s->l - 6, y + s->fs * 0.35, "end", "tick", 0,
			    ty_plot_fmt_num(s->y.t[i], s->y.step, buf, sizeof(buf)),
			    "fill=\"#333333\"");
	}
	ty_buf_addf(b, "<line x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" stroke=\"#555555\"/>\n",
		    ty_svg_num(s->l).s, ty_svg_num(s->l).s, ty_svg_num(s->t).s,
		    ty_svg_num(s->bt).s);
	ty_buf_adds(b, "</g>\n");
}

void ty_svg_axis_x(struct ty_svg *s)
{
	struct ty_buf *b = &s->b;
	char buf[40];

	ty_buf_adds(b, "<g class=\"axis x\">\n");
	for (size_t i = 0; i < s->x.n; i++) {
		double x = ty_svg_sx(s, s->x.t[i]);

		ty_buf_addf(b, "<line class=\"grid\" x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" "
			    "stroke=\"#e3e3e3\"/>\n", ty_svg_num(x).s, ty_svg_num(x).s,
			    ty_svg_num(s->t).s, ty_svg_num(s->bt).s);
		ty_svg_text(s, x, s->bt + s->fs + 4, "middle", "tick", 0,
			    ty_plot_fmt_num(s->x.t[i], s->x.step, buf, sizeof(buf)),
			    "fill=\"#333333\"");
	}
	ty_buf_addf(b, "<line x1=\"%s\" x2=\"%s\" y1=\"%s\" y2=\"%s\" stroke=\"#555555\"/>\n",
		    ty_svg_num(s->l).s, ty_svg_num(s->r).s, ty_svg_num(s->bt).s,
		    ty_svg_num(s->bt).s);
	ty_buf_adds(b, "</g>\n");
}

void ty_svg_axis_labels(struct ty_svg *s)
{
	const tyche_plot_opts *o = s->o;

	if (o->xlabel && o->xlabel[0])
		ty_svg_text(s, (s->l + s->r) / 2, s->h - 8, "middle", "axis-label",
			    s->w - 20, o->xlabel, NULL);
	if (o->ylabel && o->ylabel[0]) {
		double x = 8 + s->fs, y = (s->t + s->bt) / 2;
		char attr[96];

		snprintf(attr, sizeof(attr), "transform=\"rotate(-90 %s %s)\"",
			 ty_svg_num(x).s, ty_svg_num(y).s);
		ty_svg_text(s, x, y, "middle", "axis-label", s->bt - s->t,
			    o->ylabel, attr);
	}
}

/* Legend items flow left to right in rows below the title. */
static double legend_item_w(const struct ty_svg *s, const char *label)
{
	return 12 + 6 + fmin(ty_svg_text_width(label ? label : "", s->fs), s->w * 0.4) + 18;
}

void ty_svg_legend_reserve(struct ty_svg *s, size_t n, const char *const *labels)
{
	double x = 10;
	size_t rows = n ? 1 : 0;

	for (size_t i = 0; i < n; i++) {
		double iw = legend_item_w(s, labels[i]);

		if (x > 10 && x + iw > s->w - 10) {
			rows++;
			x = 10;
		}
		x += iw;
	}
	s->legend_h = (double)rows * (s->fs + 6);
	if (s->legend_h > s->h * 0.3)
		s->legend_h = s->h * 0.3;
}

void ty_svg_legend(struct ty_svg *s, size_t n, const char *const *labels,
		   const char *const *colours)
{
	struct ty_buf *b = &s->b;
	double rowh = s->fs + 6, x = 10, y = s->t - s->legend_h - 4;

	if (n == 0 || s->legend_h <= 0)
		return;
	ty_buf_adds(b, "<g class=\"legend\">\n");
	for (size_t i = 0; i < n; i++) {
		double iw = legend_item_w(s, labels[i]);

		if (x > 10 && x + iw > s->w - 10) {
			x = 10;
			y += rowh;
		}
		if (y + rowh > s->t)
			break; /* the reserved band is full */
		ty_buf_addf(b, "<rect class=\"swatch\" x=\"%s\" y=\"%s\" width=\"12\" "
			    "height=\"12\" fill=\"%s\"/>\n", ty_svg_num(x).s,
			    ty_svg_num(y + (rowh - 12) / 2).s, colours[i]);
		ty_svg_text(s, x + 18, y + rowh / 2 + s->fs * 0.35, "start", NULL,
			    s->w * 0.4, labels[i] ? labels[i] : "", NULL);
		x += iw;
	}
	ty_buf_adds(b, "</g>\n");
}
