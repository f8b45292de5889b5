/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report-elicit.c - tyche-report's elicitation section (--elicitation
 * FILE): per cell the library's elicitation plot (each expert's fitted
 * CDF with their judgement points, the pool), a table of the experts'
 * fits with outlier flags and the pooled cell text, and Cooke's scores
 * when the weights are Cooke's.  Everything shown comes from
 * tyche_elicitation_load; this file lays it out.
 *
 * Easy to get wrong: the options live here (report_elicit_option), so
 * tyche-report.c only forwards its argv; a bad elicitation table is a
 * problem reported inside the document and on stderr, like any section
 * that fails, and the rest of the report is still written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static struct {
	const char *file;
	tyche_elicit_opts o;
	int set;
} el = { NULL, TYCHE_ELICIT_OPTS_INIT, 0 };

const char report_elicit_usage[] =
	"elicitation:\n"
	"  --elicitation FILE  add a section on an elicitation table: each\n"
	"                    expert's fit, the pool, outliers (see\n"
	"                    doc/elicitation.md)\n"
	"  --elicitation-pool linear|triangular-average\n"
	"  --elicitation-weights equal|table|cooke  --elicitation-seeds SEEDS.csv\n";

static const char *value_of(int argc, char **argv, int *i, const char *name, int *bad)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "tyche-report: %s needs a value\n", name);
		*bad = 1;
		return NULL;
	}
	return argv[++*i];
}

int report_elicit_option(int argc, char **argv, int *i)
{
	const char *v;
	int bad = 0;

	if (!el.set) {
		tyche_elicit_opts init = TYCHE_ELICIT_OPTS_INIT;

		el.o = init;
		el.set = 1;
	}
	if ((v = value_of(argc, argv, i, "--elicitation-pool", &bad))) {
		if ((el.o.pool = tyche_elicit_pool_parse(v)) < 0) {
			fprintf(stderr, "tyche-report: --elicitation-pool: '%s' is not linear or "
				"triangular-average\n", v);
			return -1;
		}
		return 1;
	}
	if ((v = value_of(argc, argv, i, "--elicitation-weights", &bad))) {
		if (!strcmp(v, "equal"))
			el.o.weights = TYCHE_WEIGHTS_EQUAL;
		else if (!strcmp(v, "table"))
			el.o.weights = TYCHE_WEIGHTS_TABLE;
		else if (!strcmp(v, "cooke"))
			el.o.weights = TYCHE_WEIGHTS_COOKE;
		else {
			fprintf(stderr, "tyche-report: --elicitation-weights: '%s' is not equal, "
				"table or cooke\n", v);
			return -1;
		}
		return 1;
	}
	if ((v = value_of(argc, argv, i, "--elicitation-seeds", &bad))) {
		el.o.seeds = v;
		el.o.weights = TYCHE_WEIGHTS_COOKE;
		return 1;
	}
	if ((v = value_of(argc, argv, i, "--elicitation", &bad))) {
		el.file = v;
		return 1;
	}
	return bad ? -1 : 0;
}

static void add_table(struct report_html *h, struct report_table *t)
{
	if (!t)
		return;
	report_table_html(h, t);
	report_table_free(t);
}

static void cooke_table(struct report_html *h, const tyche_cooke_scores *cs)
{
	const char *head[] = { "Expert", "Calibration", "Information", "Weight" };
	struct report_table *t = report_table_create("cooke", "Cooke's classical model: "
						     "scores on the seed questions", 4, head);
	char b1[32], b2[32], b3[32];

	report_html_para(h, "note", "%zu seed questions; calibration cut-off %s; the "
			 "decision maker (the weighted pool) scores calibration %s and "
			 "information %s.", cs->nquestions, report_fmt_num(cs->alpha, b1),
			 report_fmt_num(cs->dm_calibration, b2),
			 report_fmt_num(cs->dm_information, b3));
	for (size_t k = 0; t && k < cs->nexperts; k++) {
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, cs->expert[k]);
		report_table_set_num(t, 1, cs->calibration[k]);
		report_table_set_num(t, 2, cs->information[k]);
		report_table_set_num(t, 3, cs->weight[k]);
	}
	add_table(h, t);
}

int report_elicit_section(struct report_html *h)
{
	tyche_elicitation *e = NULL;
	tyche_diags d = TYCHE_DIAGS_INIT;
	int rc;

	if (!el.file)
		return 0;
	report_html_section(h, "elicitation", "Expert elicitation",
		"Each expert's judgements fitted to a distribution (least squares on "
		"the CDF at their quantiles; the family with the smallest fit error "
		"unless one was asked for), and the pooled distribution the study "
		"cell gets.  An outlier is an expert whose median lies outside the "
		"range from the others' lowest P10 to their highest P90: worth a "
		"second conversation before pooling.");
	rc = tyche_elicitation_load(&e, el.file, &el.o, &d);
	if (rc) {
		char buf[1200];

		for (size_t i = 0; i < d.n && i < 20; i++) {
			tyche_error te = { 0 };

			te.line = d.v[i].line;
			te.col = d.v[i].col;
			snprintf(te.where, sizeof te.where, "%s", d.v[i].where);
			snprintf(te.msg, sizeof te.msg, "%s", d.v[i].msg);
			tyche_error_format(&te, buf, sizeof buf);
			report_html_para(h, "warning", "elicitation failed: %s", buf);
			fprintf(stderr, "tyche-report: elicitation: %s\n", buf);
		}
		tyche_diags_release(&d);
		return 1;
	}
	tyche_diags_release(&d);
	for (size_t i = 0; i < tyche_elicitation_ncells(e); i++) {
		const tyche_elicit_cell *c = tyche_elicitation_cell(e, i);
		const char *head[] = { "Expert", "Weight", "Family", "Fit error", "Median",
				       "Outlier", "Fitted" };
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		tyche_error err = { 0 };
		char title[600], id[16], caption[700], *svg = NULL;
		struct report_table *t;

		snprintf(title, sizeof title, "%s: %s / %s / %s%s%s", c->table,
			 *c->technology ? c->technology : c->variable, c->scenario,
			 *c->technology ? c->variable : "", *c->index ? " / " : "", c->index);
		po.title = title;
		po.xlabel = c->variable;
		po.ylabel = "cumulative probability";
		po.id = report_html_plot_id(h, id);
		snprintf(caption, sizeof caption, "Experts' fitted CDFs (lines) and judgements "
			 "(dots); the %s pool in black.", tyche_elicit_pool_name(c->pool));
		if (tyche_plot_elicitation(&svg, e, i, &po, &err)) {
			char buf[1200];

			report_html_para(h, "warning", "elicitation plot failed: %s",
					 tyche_error_format(&err, buf, sizeof buf));
		} else {
			report_html_figure(h, "elicitation", svg, caption);
			free(svg);
		}
		t = report_table_create("elicitation", title, 7, head);
		for (size_t k = 0; t && k < c->nexperts; k++) {
			const tyche_elicit_expert *x = &c->experts[k];

			if (report_table_add_row(t))
				break;
			report_table_set_text(t, 0, x->expert);
			report_table_set_num(t, 1, x->weight);
			report_table_set_text(t, 2, tyche_elicit_family_name(x->family));
			report_table_set_num(t, 3, x->fit_error);
			report_table_set_num(t, 4, x->median);
			report_table_set_text(t, 5, x->outlier ? "outlier" : "");
			report_table_set_text(t, 6, x->dist);
		}
		add_table(h, t);
		report_html_para(h, "note", "Pooled (%s): %s", tyche_elicit_pool_name(c->pool),
				 c->pooled);
	}
	if (tyche_elicitation_cooke(e))
		cooke_table(h, tyche_elicitation_cooke(e));
	tyche_elicitation_free(e);
	return 0;
}
