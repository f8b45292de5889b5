/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report-html.c - the HTML document of tyche-report: sections gathered in
 * memory (so the table of contents can come first), tables that print as
 * HTML and as CSV.
 *
 * The document is polyglot HTML5: void elements are self-closed, only the
 * five XML entities are used and the style sheet holds no '<' or '&', so
 * the whole report also parses as XML (the tests run xmllint on it) and
 * the inline SVG needs no special casing.  Every string that comes from
 * the data (technology, scenario, category and metric names, units) goes
 * through report_html_text: a newcomer would be tempted to print names
 * with fputs, which lets a context inject markup into the report.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char report_css[] =
	":root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d0d0d0; --band: #f4f6f8; }\n"
	"body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif;\n"
	"  color: var(--ink); background: #fff; max-width: 72rem; margin: 0 auto;\n"
	"  padding: 1.5rem 2rem 4rem; }\n"
	"h1 { font-size: 1.8rem; margin: 0 0 .2rem; }\n"
	"h2 { font-size: 1.35rem; border-bottom: 2px solid var(--rule);\n"
	"  padding-bottom: .2rem; margin-top: 2.5rem; }\n"
	"p.subtitle, p.note, figcaption { color: var(--muted); }\n"
	"p.explain { max-width: 50rem; }\n"
	"p.warning { border-left: 4px solid #d55e00; padding-left: .6rem; }\n"
	"nav.toc { background: var(--band); padding: .6rem 1.2rem; border-radius: 6px; }\n"
	"nav.toc ol { margin: .3rem 0; padding-left: 1.4rem; columns: 2; }\n"
	"table { border-collapse: collapse; margin: .8rem 0 1.4rem; font-size: .9rem; }\n"
	"caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }\n"
	"th, td { border-bottom: 1px solid var(--rule); padding: .25rem .7rem;\n"
	"  text-align: left; vertical-align: top; }\n"
	"th { background: var(--band); }\n"
	"td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"tbody tr:nth-child(even) { background: #fafafa; }\n"
	"figure { margin: 1rem 0 1.6rem; }\n"
	"figure svg { max-width: 100%; height: auto; display: block; }\n"
	"dl.settings { display: grid; grid-template-columns: max-content 1fr;\n"
	"  gap: .15rem 1.2rem; }\n"
	"dl.settings dt { font-weight: 600; }\n"
	"dl.settings dd { margin: 0; overflow-wrap: anywhere; }\n"
	"code { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: .9em; }\n"
	"footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }\n"
	"@media print {\n"
	"  body { max-width: none; padding: 0; font-size: 11pt; }\n"
	"  nav.toc { background: none; border: 1px solid var(--rule); }\n"
	"  section { break-before: page; }\n"
	"  section#summary { break-before: auto; }\n"
	"  figure, table { break-inside: avoid; }\n"
	"  a { color: inherit; text-decoration: none; }\n"
	"}\n";

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	/* U+FFFE and U+FFFF are not characters in XML */
	if (cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

void report_html_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n;

		switch (*p) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&#39;", f); p++; continue;
		default: break;
		}
		if (*p < 0x20 && *p != '\t' && *p != '\n') {
			p++;                   /* not allowed in XML 1.0 */
			continue;
		}
		if (*p == 0x7f) {
			p++;
			continue;
		}
		n = utf8_len(p);
		if (!n) {
			fputs("\xef\xbf\xbd", f);
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

int report_html_init(struct report_html *h)
{
	memset(h, 0, sizeof(*h));
	h->body = open_memstream(&h->body_buf, &h->body_len);
	return h->body ? 0 : -1;
}

void report_html_release(struct report_html *h)
{
	if (h->body)
		fclose(h->body);
	free(h->body_buf);
	for (size_t i = 0; i < h->ntoc; i++)
		free(h->toc[i].title);
	memset(h, 0, sizeof(*h));
}

void report_html_section(struct report_html *h, const char *id, const char *title,
			 const char *explain)
{
	if (h->ntoc)
		fputs("</section>\n", h->body);
	if (h->ntoc < REPORT_MAX_TOC) {
		snprintf(h->toc[h->ntoc].id, sizeof h->toc[h->ntoc].id, "%s", id);
		h->toc[h->ntoc].title = strdup(title);
		h->ntoc++;
	}
	fprintf(h->body, "<section id=\"%s\">\n<h2>", id);
	report_html_text(h->body, title);
	fputs("</h2>\n", h->body);
	if (explain) {
		fputs("<p class=\"explain\">", h->body);
		report_html_text(h->body, explain);
		fputs("</p>\n", h->body);
	}
}

void report_html_para(struct report_html *h, const char *cls, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (cls)
		fprintf(h->body, "<p class=\"%s\">", cls);
	else
		fputs("<p>", h->body);
	report_html_text(h->body, buf);
	fputs("</p>\n", h->body);
}

const char *report_html_plot_id(struct report_html *h, char *buf)
{
	snprintf(buf, 16, "p%u", ++h->nplots);
	return buf;
}

void report_html_figure(struct report_html *h, const char *kind, const char *svg,
			const char *caption)
{
	fprintf(h->body, "<figure class=\"plot\" data-plot=\"%s\">\n", kind);
	fputs(svg, h->body);
	if (caption) {
		fputs("\n<figcaption>", h->body);
		report_html_text(h->body, caption);
		fputs("</figcaption>", h->body);
	}
	fputs("\n</figure>\n", h->body);
}

int report_html_write(struct report_html *h, FILE *out, const char *title,
		      const char *subtitle)
{
	if (h->ntoc)
		fputs("</section>\n", h->body);
	if (fflush(h->body))
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta name=\"generator\" content=\"tyche-report ", out);
	report_html_text(out, tyche_version());
	fputs("\"/>\n<title>", out);
	report_html_text(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", report_css);
	report_html_text(out, title);
	fputs("</h1>\n", out);
	if (subtitle) {
		fputs("<p class=\"subtitle\">", out);
		report_html_text(out, subtitle);
		fputs("</p>\n", out);
	}
	fputs("</header>\n<nav class=\"toc\" aria-label=\"Contents\">\n<strong>Contents</strong>\n<ol>\n",
	      out);
	for (size_t i = 0; i < h->ntoc; i++) {
		fprintf(out, "<li><a href=\"#%s\">", h->toc[i].id);
		report_html_text(out, h->toc[i].title);
		fputs("</a></li>\n", out);
	}
	fputs("</ol>\n</nav>\n<main>\n", out);
	fwrite(h->body_buf, 1, h->body_len, out);
	fputs("</main>\n<footer>Made by tyche-report ", out);
	report_html_text(out, tyche_version());
	fputs(", Tyche in C (GPL-3.0-or-later). The document is self-contained: "
	      "no scripts, no external files.</footer>\n</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------ tables */

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

struct report_table *report_table_create(const char *name, const char *caption,
					 size_t ncols, const char *const *head)
{
	struct report_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->name = xstrdup(name);
	t->caption = xstrdup(caption);
	t->ncols = ncols;
	t->head = calloc(ncols ? ncols : 1, sizeof(char *));
	if (!t->name || !t->caption || !t->head) {
		report_table_free(t);
		return NULL;
	}
	for (size_t c = 0; c < ncols; c++)
		if (!(t->head[c] = xstrdup(head[c]))) {
			report_table_free(t);
			return NULL;
		}
	return t;
}

void report_table_free(struct report_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].s);
	free(t->cells);
	if (t->head)
		for (size_t c = 0; c < t->ncols; c++)
			free(t->head[c]);
	free(t->head);
	free(t->name);
	free(t->caption);
	free(t);
}

int report_table_add_row(struct report_table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct report_cell *c = realloc(t->cells, cap * t->ncols * sizeof(*c) + 1);

		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		t->cells[t->nrows * t->ncols + c].s = xstrdup("");
		t->cells[t->nrows * t->ncols + c].v = 0;
	}
	t->nrows++;
	return 0;
}

void report_table_set_text(struct report_table *t, size_t col, const char *s)
{
	struct report_cell *c = &t->cells[(t->nrows - 1) * t->ncols + col];

	free(c->s);
	c->s = xstrdup(s);
}

void report_table_set_num(struct report_table *t, size_t col, double v)
{
	struct report_cell *c = &t->cells[(t->nrows - 1) * t->ncols + col];

	free(c->s);
	c->s = NULL;
	c->v = v;
}

const char *report_fmt_num(double v, char *buf)
{
	double a = fabs(v);
	int digits = 5;

	if (isnan(v)) {
		snprintf(buf, 40, "n/a");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, 40, "%s", v > 0 ? "inf" : "-inf");
		return buf;
	}
	/* whole amounts such as 4000000 print in full, not as 4e+06 */
	if (a >= 1e5 && a < 1e15)
		digits = (int)floor(log10(a)) + 1;
	if (a != 0 && (a < 1e-4 || a >= 1e15))
		snprintf(buf, 40, "%.4e", v);
	else
		snprintf(buf, 40, "%.*g", digits, v);
	return buf;
}

void report_table_html(struct report_html *h, const struct report_table *t)
{
	FILE *f = h->body;
	char num[40];

	fputs("<table>\n<caption>", f);
	report_html_text(f, t->caption);
	fputs("</caption>\n<thead><tr>", f);
	for (size_t c = 0; c < t->ncols; c++) {
		fputs("<th scope=\"col\">", f);
		report_html_text(f, t->head[c]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", f);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct report_cell *cell = &t->cells[r * t->ncols + c];

			if (cell->s) {
				fputs("<td>", f);
				report_html_text(f, cell->s);
			} else {
				fputs("<td class=\"num\">", f);
				fputs(report_fmt_num(cell->v, num), f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int report_table_csv(const struct report_table *t, FILE *f)
{
	char buf[40];

	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			fputc(',', f);
		csv_field(f, t->head[c]);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const struct report_cell *cell = &t->cells[r * t->ncols + c];

			if (c)
				fputc(',', f);
			if (cell->s) {
				csv_field(f, cell->s);
			} else {
				fputs(tyche_format_double(cell->v, buf), f);
			}
		}
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}
