/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report-sens.c - tyche-report's sections on global sensitivity ("what
 * drives this?": Sobol indices with intervals, a plot and a table) and on
 * the value of information (EVPI and partial EVPI of the study's
 * investments), both for the report's objective metric, at the explored
 * portfolio (or --scenario).  Computed by libtyche (sobol.c, voi.c);
 * here only options, calls and HTML.
 *
 * Easy to get wrong: the options live here (report_sens_option), so
 * tyche-report.c only forwards argv; the sections are off unless asked
 * for (they cost N x (2 + inputs) scenario evaluations).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static struct {
	int sens, voi;
	size_t samples;
	unsigned levels;
} so = { 0, 0, 1000, 1u << TYCHE_SOBOL_PARAMETER };

const char report_sens_usage[] =
	"sensitivity and value of information (doc/sensitivity.md):\n"
	"  --sensitivity     add the Sobol indices of the objective metric at the\n"
	"                    explored portfolio (or --scenario), by parameter\n"
	"  --voi             add the EVPI and partial EVPI of the objective metric\n"
	"                    over the study's investments\n"
	"  --sens-samples N  base samples of both (default 1000)\n";

int report_sens_option(int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--sensitivity")) {
		so.sens = 1;
		return 1;
	}
	if (!strcmp(a, "--voi")) {
		so.voi = 1;
		return 1;
	}
	if (!strncmp(a, "--sens-samples", 14) && (a[14] == '=' || !a[14])) {
		const char *v = a[14] == '=' ? a + 15 : *i + 1 < argc ? argv[++*i] : NULL;
		char *end;
		double n;

		if (!v) {
			fprintf(stderr, "tyche-report: --sens-samples needs a value\n");
			return -1;
		}
		n = strtod(v, &end);
		if (end == v || *end || !(n >= 10 && n <= 1e7) || n != floor(n)) {
			fprintf(stderr, "tyche-report: --sens-samples: '%s' is not a whole number in [10, 1e7]\n", v);
			return -1;
		}
		so.samples = (size_t)n;
		return 1;
	}
	return 0;
}

static int problem(struct report_html *h, const char *what, const tyche_error *err)
{
	char buf[1200];

	tyche_error_format(err, buf, sizeof buf);
	report_html_para(h, "warning", "%s failed: %s", what, buf);
	fprintf(stderr, "tyche-report: %s: %s\n", what, buf);
	return 1;
}

static int sens_section(const struct report_sens_in *in)
{
	tyche_sobol_opts o = TYCHE_SOBOL_OPTS_INIT;
	tyche_sobol *s = NULL;
	tyche_error err = { 0 };
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	char id[16], title[300], *svg = NULL;
	static const char *const head[] = { "Input", "Technology", "First-order", "Low", "High",
					    "Total", "Low", "High" };
	struct report_table *t;
	int rc;

	report_html_section(in->h, "sensitivity", "What drives this? Global sensitivity",
		"Sobol indices of the objective metric: the first-order index of an input is "
		"the share of the metric's variance that the input explains alone; the total "
		"index adds every interaction it takes part in. Bars show the estimates, "
		"whiskers their 95% bootstrap intervals. Inputs with a total index near 0 can be "
		"fixed at any value without changing the answer.");
	if (in->scenario)
		report_html_para(in->h, "note", "In scenario %s, %zu base samples.", in->scenario,
				 so.samples);
	else
		report_html_para(in->h, "note", "At the explored portfolio, %zu base samples.",
				 so.samples);
	o.seed = in->seed;
	o.samples = so.samples;
	o.metric = in->metric;
	o.scenario = in->scenario;
	o.amounts = in->assign;
	o.namounts = in->nassign;
	o.levels = so.levels;
	if (tyche_sobol_compute(&s, in->ctx, &o, &err))
		return problem(in->h, "sensitivity", &err);
	snprintf(title, sizeof title, "What drives %s", in->metric);
	po.title = title;
	po.xlabel = "Sobol index";
	po.id = report_html_plot_id(in->h, id);
	po.width = 860;
	po.height = 420;
	rc = tyche_plot_sobol(&svg, s, in->metric, TYCHE_SOBOL_PARAMETER, 25, &po, &err);
	if (rc) {
		tyche_sobol_free(s);
		return problem(in->h, "sensitivity plot", &err);
	}
	report_html_figure(in->h, "sobol", svg, "First-order and total Sobol indices by parameter.");
	free(svg);
	t = report_table_create("sensitivity", "Sobol indices by parameter", 8, head);
	for (size_t i = 0; t && i < tyche_sobol_nrows(s); i++) {
		const tyche_sobol_row *r = tyche_sobol_row_at(s, i);

		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, r->input);
		report_table_set_text(t, 1, r->technology);
		report_table_set_num(t, 2, r->first);
		report_table_set_num(t, 3, r->first_lo);
		report_table_set_num(t, 4, r->first_hi);
		report_table_set_num(t, 5, r->total);
		report_table_set_num(t, 6, r->total_lo);
		report_table_set_num(t, 7, r->total_hi);
	}
	in->add_table(in->arg, t);
	tyche_sobol_free(s);
	return 0;
}

static int voi_section(const struct report_sens_in *in)
{
	tyche_voi_opts o = TYCHE_VOI_OPTS_INIT;
	tyche_voi *v = NULL;
	tyche_error err = { 0 };
	static const char *const head[] = { "Input", "Technology", "Partial EVPI", "SE",
					    "Share of EVPI" };
	struct report_table *t;
	double evpi, se;

	report_html_section(in->h, "voi", "Value of information",
		"How much better, on average, the choice among the study's investments could be "
		"if an uncertainty were resolved before choosing: the EVPI for all of them at "
		"once, the partial EVPI for one parameter (in the metric's units). An input "
		"with a partial EVPI near 0 is not worth researching for this decision, however "
		"uncertain it is.");
	o.seed = in->seed;
	o.samples = so.samples;
	o.metric = in->metric;
	o.minimize = in->minimize;
	o.levels = so.levels;
	if (tyche_voi_compute(&v, in->ctx, &o, &err))
		return problem(in->h, "value of information", &err);
	evpi = tyche_voi_evpi(v, &se);
	{
		char a[40], b[40];

		report_html_para(in->h, NULL, "EVPI of choosing among %zu investments by %s: %s "
				 "(standard error %s); chosen today: %s.", tyche_voi_ncandidates(v),
				 in->metric, report_fmt_num(evpi, a), report_fmt_num(se, b),
				 tyche_voi_candidate(v, tyche_voi_best(v), NULL));
	}
	t = report_table_create("voi", "Partial EVPI by parameter", 5, head);
	for (size_t i = 0; t && i < tyche_voi_nrows(v); i++) {
		const tyche_voi_row *r = tyche_voi_row_at(v, i);

		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, r->input);
		report_table_set_text(t, 1, r->technology);
		report_table_set_num(t, 2, r->evppi);
		report_table_set_num(t, 3, r->se);
		report_table_set_num(t, 4, r->share);
	}
	in->add_table(in->arg, t);
	tyche_voi_free(v);
	return 0;
}

int report_sens_wanted(void)
{
	return so.sens || so.voi;
}

int report_sens_sections(const struct report_sens_in *in)
{
	int problems = 0;

	if (so.sens)
		problems += sens_section(in);
	if (so.voi)
		problems += voi_section(in);
	return problems;
}
