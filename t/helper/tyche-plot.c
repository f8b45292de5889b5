/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-plot - test helper: render one plot type from data on stdin and
 * print the SVG on stdout (t/t6100-plot.sh, and for eyeballing).
 *
 *   tyche-plot TYPE [-t title] [-x xlabel] [-y ylabel] [-d desc] [-i id]
 *              [-W width] [-H height] [-b bins] [-v] [-g]
 *              [--start V] [--start-label L] [--total-label L] [--base V]
 *
 * Input: one record per line, the label, a TAB, then numbers separated by
 * blanks (strtod syntax, so "nan" and "inf" get through on purpose: the
 * library must cope with them).
 *   box, violin, density:  label<TAB>v v v ...        (one line per group)
 *   histogram:             label<TAB>v v v ...        (first line only)
 *   lines:                 label<TAB>x y x y ...      (one line per series)
 *   waterfall:             label<TAB>delta            (--start, labels)
 *   tornado:               label<TAB>low high         (--base)
 *   heatmap:               <TAB>col<TAB>col ...       (header)
 *                          #min<TAB>v<TAB>v ...       (optional ranges)
 *                          #max<TAB>v<TAB>v ...
 *                          row<TAB>v<TAB>v ...
 * Exit status: 0 ok, 1 data error, 2 usage, 3 internal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tyche.h"

struct rec {
	char *label;
	double *v;
	size_t n;
};

static void usage(void)
{
	fputs("usage: tyche-plot box|violin|density|histogram|heatmap|lines|waterfall|tornado\n"
	      "       [-t title] [-x xlabel] [-y ylabel] [-d desc] [-i id] [-W width]\n"
	      "       [-H height] [-b bins] [-v] [-g] [--start V] [--start-label L]\n"
	      "       [--total-label L] [--base V] < data\n", stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("tyche-plot: out of memory\n", stderr);
		exit(3);
	}
	return p;
}

/* Numbers in s separated by blanks or TABs. */
static void parse_numbers(char *s, struct rec *r, size_t lineno)
{
	for (;;) {
		char *end;
		double v;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		v = strtod(s, &end);
		if (end == s) {
			fprintf(stderr, "<stdin>:%zu: '%.20s' is not a number\n", lineno, s);
			exit(1);
		}
		r->v = xrealloc(r->v, (r->n + 1) * sizeof(double));
		r->v[r->n++] = v;
		s = end;
	}
}

static struct rec *read_records(size_t *count)
{
	struct rec *rs = NULL;
	char *line = NULL;
	size_t cap = 0, n = 0, lineno = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		char *tab;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		rs = xrealloc(rs, (n + 1) * sizeof(*rs));
		memset(&rs[n], 0, sizeof(rs[n]));
		tab = strchr(line, '\t');
		if (tab)
			*tab = '\0';
		rs[n].label = strdup(line);
		if (tab)
			parse_numbers(tab + 1, &rs[n], lineno);
		n++;
	}
	free(line);
	*count = n;
	return rs;
}

/* The heatmap header: TAB-separated column labels after the first field. */
static char **split_tabs(const char *s, size_t *n)
{
	char **v = NULL;
	const char *p = s;

	*n = 0;
	while (p && *p) {
		const char *t = strchr(p, '\t');
		size_t len = t ? (size_t)(t - p) : strlen(p);

		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[*n] = strndup(p, len);
		(*n)++;
		p = t ? t + 1 : NULL;
	}
	return v;
}

static int do_heatmap(const tyche_plot_opts *o, char **svg, tyche_error *err)
{
	char *line = NULL, **cols = NULL, **rowl = NULL;
	size_t cap = 0, ncol = 0, nrow = 0, lineno = 0;
	double *v = NULL, *mn = NULL, *mx = NULL;
	ssize_t len;
	tyche_plot_heat h;
	int rc;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		struct rec r = { NULL, NULL, 0 };
		char *tab;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			cols = split_tabs(line[0] == '\t' ? line + 1 : line, &ncol);
			continue;
		}
		tab = strchr(line, '\t');
		if (tab)
			*tab = '\0';
		if (tab)
			parse_numbers(tab + 1, &r, lineno);
		if (r.n != ncol) {
			fprintf(stderr, "<stdin>:%zu: %zu values, expected %zu\n", lineno,
				r.n, ncol);
			exit(1);
		}
		if (!strcmp(line, "#min") || !strcmp(line, "#max")) {
			if (line[1] == 'm' && line[2] == 'i')
				mn = r.v;
			else
				mx = r.v;
			continue;
		}
		v = xrealloc(v, (nrow + 1) * (ncol ? ncol : 1) * sizeof(double));
		if (ncol)
			memcpy(v + nrow * ncol, r.v, ncol * sizeof(double));
		free(r.v);
		rowl = xrealloc(rowl, (nrow + 1) * sizeof(*rowl));
		rowl[nrow++] = strdup(line);
	}
	free(line);
	h.rows = nrow;
	h.cols = ncol;
	h.v = v;
	h.row_labels = (const char *const *)rowl;
	h.col_labels = (const char *const *)cols;
	h.col_min = mn;
	h.col_max = mx;
	h.share = 0;
	rc = tyche_plot_heatmap(svg, &h, o, err);
	for (size_t i = 0; i < ncol; i++)
		free(cols[i]);
	for (size_t i = 0; i < nrow; i++)
		free(rowl[i]);
	free(cols);
	free(rowl);
	free(v);
	free(mn);
	free(mx);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "start", required_argument, NULL, 1 },
		{ "start-label", required_argument, NULL, 2 },
		{ "total-label", required_argument, NULL, 3 },
		{ "base", required_argument, NULL, 4 },
		{ NULL, 0, NULL, 0 },
	};
	tyche_plot_opts o = TYCHE_PLOT_OPTS_INIT;
	tyche_error err = { 0 };
	const char *type, *start_label = NULL, *total_label = NULL;
	double start = 0, base = 0;
	struct rec *rs = NULL;
	size_t nr = 0;
	char *svg = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:x:y:d:i:W:H:b:f:vg", lopts, NULL)) != -1) {
		switch (c) {
		case 't': o.title = optarg; break;
		case 'x': o.xlabel = optarg; break;
		case 'y': o.ylabel = optarg; break;
		case 'd': o.desc = optarg; break;
		case 'i': o.id = optarg; break;
		case 'W': o.width = (int)strtol(optarg, NULL, 10); break;
		case 'H': o.height = (int)strtol(optarg, NULL, 10); break;
		case 'b': o.bins = (int)strtol(optarg, NULL, 10); break;
		case 'f': o.font_size = (int)strtol(optarg, NULL, 10); break;
		case 'v': o.show_values = 1; break;
		case 'g':
			o.palette = TYCHE_PLOT_PALETTE_GREY;
			o.cmap = TYCHE_PLOT_CMAP_GREYS;
			break;
		case 1: start = strtod(optarg, NULL); break;
		case 2: start_label = optarg; break;
		case 3: total_label = optarg; break;
		case 4: base = strtod(optarg, NULL); break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	type = argv[optind];
	if (!strcmp(type, "heatmap")) {
		rc = do_heatmap(&o, &svg, &err);
	} else {
		rs = read_records(&nr);
		if (!strcmp(type, "box") || !strcmp(type, "violin") ||
		    !strcmp(type, "density") || !strcmp(type, "histogram")) {
			tyche_plot_group *g = xrealloc(NULL, nr * sizeof(*g));

			for (size_t i = 0; i < nr; i++) {
				g[i].label = rs[i].label;
				g[i].v = rs[i].v;
				g[i].n = rs[i].n;
			}
			if (!strcmp(type, "box"))
				rc = tyche_plot_box(&svg, g, nr, &o, &err);
			else if (!strcmp(type, "violin"))
				rc = tyche_plot_violin(&svg, g, nr, &o, &err);
			else if (!strcmp(type, "density"))
				rc = tyche_plot_density(&svg, g, nr, &o, &err);
			else
				rc = tyche_plot_histogram(&svg, nr ? g : NULL, &o, &err);
			free(g);
		} else if (!strcmp(type, "lines")) {
			tyche_plot_series *s = xrealloc(NULL, nr * sizeof(*s));
			double **xy = xrealloc(NULL, 2 * nr * sizeof(*xy));

			for (size_t i = 0; i < nr; i++) {
				size_t np = rs[i].n / 2;

				xy[2 * i] = xrealloc(NULL, np * sizeof(double));
				xy[2 * i + 1] = xrealloc(NULL, np * sizeof(double));
				for (size_t j = 0; j < np; j++) {
					xy[2 * i][j] = rs[i].v[2 * j];
					xy[2 * i + 1][j] = rs[i].v[2 * j + 1];
				}
				s[i].label = rs[i].label;
				s[i].x = xy[2 * i];
				s[i].y = xy[2 * i + 1];
				s[i].n = np;
			}
			rc = tyche_plot_lines(&svg, s, nr, &o, &err);
			for (size_t i = 0; i < 2 * nr; i++)
				free(xy[i]);
			free(xy);
			free(s);
		} else if (!strcmp(type, "waterfall")) {
			tyche_plot_step *st = xrealloc(NULL, nr * sizeof(*st));

			for (size_t i = 0; i < nr; i++) {
				st[i].label = rs[i].label;
				st[i].delta = rs[i].n ? rs[i].v[0] : 0;
			}
			rc = tyche_plot_waterfall(&svg, start_label, start, st, nr,
						  total_label, &o, &err);
			free(st);
		} else if (!strcmp(type, "tornado")) {
			tyche_plot_swing *sw = xrealloc(NULL, nr * sizeof(*sw));

			for (size_t i = 0; i < nr; i++) {
				sw[i].label = rs[i].label;
				sw[i].low = rs[i].n > 0 ? rs[i].v[0] : 0;
				sw[i].high = rs[i].n > 1 ? rs[i].v[1] : 0;
			}
			rc = tyche_plot_tornado(&svg, base, sw, nr, &o, &err);
			free(sw);
		} else {
			usage();
			rc = TYCHE_EUSAGE;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		free(rs[i].label);
		free(rs[i].v);
	}
	free(rs);
	if (rc) {
		char buf[1100];

		fprintf(stderr, "tyche-plot: %s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return rc == TYCHE_EDATA ? 1 : rc == TYCHE_EUSAGE ? 2 : 3;
	}
	fputs(svg, stdout);
	free(svg);
	return 0;
}
