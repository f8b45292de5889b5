/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.h - pieces of tyche-report (cmd/report-*.c): an HTML document
 * built in memory with a table of contents, tables that print both as HTML
 * and as CSV, and the distributions of a results object per group and metric.
 *
 * Every cmd/ *.c file that is not a tyche-*.c program is linked into every tool,
 * so everything here is prefixed report_ and no file defines main().
 */
#ifndef TYCHE_CMD_REPORT_H
#define TYCHE_CMD_REPORT_H

#include <stdio.h>
#include "tyche.h"

/* ------------------------------------------------------------ HTML */

#define REPORT_MAX_TOC 128

struct report_html {
	FILE *body;          /* open_memstream: the sections, written first */
	char *body_buf;
	size_t body_len;
	size_t ntoc;
	struct {
		char id[48];
		char *title;
	} toc[REPORT_MAX_TOC];
	unsigned nplots;     /* for unique SVG id prefixes */
};

int report_html_init(struct report_html *h);
void report_html_release(struct report_html *h);
/* Text with &, <, >, ", ' escaped, control characters dropped and
 * invalid UTF-8 replaced by U+FFFD (names come from outside). */
void report_html_text(FILE *f, const char *s);
/* A section: <section id><h2>title</h2><p>explain</p>; closes the one
 * before.  id is [a-z0-9-] chosen by the caller, title and explain are
 * escaped. */
void report_html_section(struct report_html *h, const char *id, const char *title,
			 const char *explain);
/* An escaped paragraph from a printf format (class may be NULL). */
void report_html_para(struct report_html *h, const char *cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A figure holding the SVG (inlined as it is: the library escapes its own
 * text) and an escaped caption; kind names the plot type (data-plot). */
void report_html_figure(struct report_html *h, const char *kind, const char *svg,
			const char *caption);
/* A unique id prefix for the next plot ("p1", "p2", ...), in buf[16]. */
const char *report_html_plot_id(struct report_html *h, char *buf);
/* Write the whole document (head, style, summary, toc, sections). */
int report_html_write(struct report_html *h, FILE *out, const char *title,
		      const char *subtitle);

/* ------------------------------------------------------------ tables */

struct report_cell {
	char *s;       /* text, or NULL for a number */
	double v;
};

struct report_table {
	char *name;            /* CSV file suffix: "investments" */
	char *caption;
	size_t ncols;
	char **head;
	size_t nrows, cap;
	struct report_cell *cells;   /* nrows * ncols */
};

/* head[0..ncols-1] are copied.  Returns NULL when out of memory. */
struct report_table *report_table_create(const char *name, const char *caption,
					 size_t ncols, const char *const *head);
void report_table_free(struct report_table *t);
/* Append a row; then set its cells (unset cells are empty text). */
int report_table_add_row(struct report_table *t);
void report_table_set_text(struct report_table *t, size_t col, const char *s);
void report_table_set_num(struct report_table *t, size_t col, double v);
/* HTML <table> with the caption; numbers to 5 significant digits. */
void report_table_html(struct report_html *h, const struct report_table *t);
/* RFC 4180 CSV with numbers that read back to the same double. */
int report_table_csv(const struct report_table *t, FILE *f);
/* A number as the HTML shows it (buf[40]). */
const char *report_fmt_num(double v, char *buf);

/* --------------------------------- distributions of a results object */

/* One distribution: values per sample, summed over the rows that share
 * (group, metric, sample), e.g. over technologies. */
struct report_series {
	char *group;     /* "Technology / Scenario", an investment, a tranche */
	char *metric;
	char *units;
	double amount;   /* the group's amount (tranches, investments), or NaN */
	const double *v; /* [n] by sample number - 1 (borrowed from grouped) */
	size_t row;      /* its row of grouped */
	size_t n;
};

struct report_agg {
	tyche_results *grouped;  /* the results summed per (group, metric) */
	size_t nseries;
	struct report_series *series;
	size_t ngroups;          /* distinct groups, in first-seen order */
	char **groups;
	size_t nmetrics;
	char **metrics;
};

void report_agg_init(struct report_agg *a);
void report_agg_release(struct report_agg *a);
/* The distributions of r per group (the key columns group[0..ngroup-1])
 * and metric (the key column `metric`), keeping only rows whose column
 * `filter` (NULL: none) equals filter_val. */
int report_agg_from(struct report_agg *a, const tyche_results *r, const char *const *group,
		    size_t ngroup, const char *metric, const char *filter,
		    const char *filter_val, tyche_error *err);
/* Statistics st[0..nst-1] of every series (libtyche computes them, in
 * one pass): out[i * nst + k] for series i. */
int report_agg_stats(const struct report_agg *a, const tyche_stat *st, size_t nst,
		     double *out);
/* The series of (group, metric), or NULL. */
const struct report_series *report_agg_find(const struct report_agg *a, const char *group,
					    const char *metric);

/* ------------------------------------- elicitation (cmd/report-elicit.c) */

extern const char report_elicit_usage[];
/* argv[*i] is one of the --elicitation* options: 1 (consumed, *i moved
 * past its value), -1 (bad, message printed), 0 (not ours). */
int report_elicit_option(int argc, char **argv, int *i);
/* The section, when --elicitation was given; returns the number of
 * problems (0 or 1). */
int report_elicit_section(struct report_html *h);

/* ------------------- sensitivity and value of information (report-sens.c) */

extern const char report_sens_usage[];
/* As report_elicit_option, for --sensitivity, --voi, --sens-samples. */
int report_sens_option(int argc, char **argv, int *i);
struct report_sens_in {
	struct report_html *h;
	const tyche_context *ctx;
	const char *metric, *scenario;
	int minimize;
	const char *const *assign;   /* the explored portfolio, "C=X" */
	size_t nassign;
	uint64_t seed;
	/* shows a table (HTML, and CSV with --csv) and takes it over */
	void (*add_table)(void *arg, struct report_table *t);
	void *arg;
};
/* 1 when --sensitivity or --voi was given. */
int report_sens_wanted(void);
/* The sections asked for; returns the number of problems. */
int report_sens_sections(const struct report_sens_in *in);

#endif
