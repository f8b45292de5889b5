/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-report - one self-contained HTML file (inline SVG and CSS, no
 * script, no external file) about a decision context or about stored
 * scenarios, plus the tables as CSV files beside it on request.
 *
 *   tyche-report [OPTIONS] CONTEXT -o report.html
 *   tyche-report --stored ID [--stored ID ...] [--store DIR] -o report.html
 *
 * The analysis options are tyche-run's (cmd/runopt.c), so a report shows
 * what the same tyche-run commands print.  A section that fails (an
 * infeasible optimum, a sweep point the solver gave up on) is reported
 * inside the document and the report is still written: the reader sees
 * what went wrong next to what worked.  Exit codes as tyche-run: 0 ok,
 * 64 usage, 65 data error, 66 missing input, 70 internal, 73 cannot write.
 *
 * Everything computed comes from libtyche's public API; this file only
 * chooses what to call and lays the answers out (cmd/report-html.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "report.h"
#include "run.h"
#include "runopt.h"

enum {
	INC_EVALUATE = 1 << 0,
	INC_TRANCHES = 1 << 1,
	INC_INVESTMENTS = 1 << 2,
	INC_EXPLORE = 1 << 3,
	INC_OPTIMISE = 1 << 4,
	INC_BOUNDS = 1 << 5,
	INC_PARETO = 1 << 6,
	INC_WATERFALL = 1 << 7,
	INC_TORNADO = 1 << 8,
	INC_CORNERS = 1 << 9,
	INC_SE = 1 << 10,       /* explore's standard errors (a bootstrap: 0.5 CPU s
	                           on pv-residential-large at 1e4, so not default) */
	INC_ALL = (1 << 11) - 1,
	INC_DEFAULT = INC_EVALUATE | INC_INVESTMENTS | INC_EXPLORE | INC_OPTIMISE |
		      INC_BOUNDS | INC_WATERFALL | INC_TORNADO
};

static const struct {
	const char *name;
	unsigned bit;
} sections[] = {
	{ "evaluate", INC_EVALUATE }, { "scenarios", INC_EVALUATE },
	{ "tranches", INC_TRANCHES }, { "investments", INC_INVESTMENTS },
	{ "explore", INC_EXPLORE }, { "optimise", INC_OPTIMISE },
	{ "optimize", INC_OPTIMISE }, { "bounds", INC_BOUNDS },
	{ "pareto", INC_PARETO }, { "waterfall", INC_WATERFALL },
	{ "tornado", INC_TORNADO }, { "corners", INC_CORNERS }, { "se", INC_SE }, { "all", INC_ALL }, { "default", INC_DEFAULT },
	{ NULL, 0 }
};

static const char usage_text[] =
	"usage: tyche-report [OPTIONS] CONTEXT -o FILE.html\n"
	"       tyche-report --stored ID [--stored ID ...] [--store DIR] -o FILE.html\n"
	"\n"
	"Write one self-contained HTML report (inline SVG plots and tables, no\n"
	"script, no external files) about a decision context, or about stored\n"
	"scenarios side by side.\n"
	"\n"
	"what to include (default: evaluate,investments,bounds,explore,optimise,\n"
	"waterfall,tornado):\n"
	"  --include LIST    comma-separated: evaluate, tranches, investments,\n"
	"                    explore, optimise, bounds, pareto, waterfall,\n"
	"                    tornado, corners, se (explore's standard errors),\n"
	"                    all, default\n"
	"  --exclude LIST    drop these from the list\n"
	"output:\n"
	"  -o, --output FILE the HTML file (default: stdout)\n"
	"  --csv             also write every table as FILE-NAME.csv beside it\n"
	"  --title TEXT      the report's title\n"
	"analysis (as tyche-run):\n"
	"  --samples N --seed S --threads T --models PATH --cache DIR --no-cache\n"
	"  --amount C=A      portfolio to explore (repeatable; default half of\n"
	"                    every category's largest amount); above the largest\n"
	"                    amount only with --extrapolate\n"
	"  --statistic S     statistic of the optimum, bounds, sweeps (default mean)\n"
	"  --metric M        objective metric (default: the first); also the\n"
	"                    waterfall's and the tornado's\n"
	"  --sense max|min   --budget B (default: half of the sum of the largest\n"
	"                    amounts)  --limit L  --upper C=A  --method M\n"
	"  --start C=A,...   --max-time S  --max-eval N\n"
	"  --budgets LO:HI:STEP  Pareto budgets (default 6 points from 0 to the\n"
	"                    sum of the largest amounts); --vs METRIC adds a\n"
	"                    sweep of the objective against METRIC's bound\n"
	"  --order best|all|C1,C2,...  waterfall order (default best)\n"
	"  --scenario S      tornado in scenario S instead of the portfolio\n"
	"stored scenarios:\n"
	"  --stored ID       a stored scenario (repeat to compare side by side)\n"
	"  --store DIR       the store (default $TYCHE_STORE)\n"
	"  --user USER       the acting user (default: your login name)\n";

#define MAX_STORED 32

struct rep {
	struct run_common o;
	unsigned inc;
	int csv;
	const char *title;
	const char *stored[MAX_STORED];
	size_t nstored;
	const char *user;
	tyche_context *ctx;
	tyche_surface *s;
	tyche_eval_memo *memo;   /* the sections share their scenario values */
	size_t C, M, N;
	struct report_html h;
	struct report_table *tables[64];
	size_t ntables;
	tyche_stat stat;
	tyche_opt_problem p;      /* a copy of *prob (its arrays are prob's) */
	tyche_opt_problem *prob;
	double *explore;        /* [C] */
	tyche_opt_result *opt;  /* the optimum, or NULL */
	double sum_max;
	int problems;           /* sections that could not be drawn */
};

/* ------------------------------------------------------------ helpers */

static const char *err_text(const tyche_error *err, char *buf, size_t n)
{
	return tyche_error_format(err, buf, n);
}

/* A section that failed: said in the document and on stderr. */
static void section_problem(struct rep *r, const char *what, const tyche_error *err)
{
	char buf[1200];

	err_text(err, buf, sizeof buf);
	report_html_para(&r->h, "warning", "%s failed: %s", what, buf);
	fprintf(stderr, "tyche-report: %s: %s\n", what, buf);
	r->problems++;
}

/* Add a finished table: HTML now, CSV at the end. */
static void add_table(struct rep *r, struct report_table *t)
{
	if (!t)
		return;
	report_table_html(&r->h, t);
	if (r->csv && r->o.output) {
		const char *base = strrchr(r->o.output, '/');
		char name[512];
		size_t len;

		base = base ? base + 1 : r->o.output;
		len = strlen(base);
		if (len > 5 && !strcmp(base + len - 5, ".html"))
			len -= 5;
		snprintf(name, sizeof name, "%.*s-%s.csv", (int)len, base, t->name);
		fputs("<p class=\"note\">Table as CSV: <a href=\"", r->h.body);
		report_html_text(r->h.body, name);
		fputs("\">", r->h.body);
		report_html_text(r->h.body, name);
		fputs("</a></p>\n", r->h.body);
	}
	if (r->ntables < sizeof r->tables / sizeof r->tables[0])
		r->tables[r->ntables++] = t;
	else
		report_table_free(t);
}

static int write_csv_files(struct rep *r)
{
	const char *out = r->o.output;
	size_t len = strlen(out);

	if (len > 5 && !strcmp(out + len - 5, ".html"))
		len -= 5;
	for (size_t i = 0; i < r->ntables; i++) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof path, "%.*s-%s.csv", (int)len, out, r->tables[i]->name);
		f = fopen(path, "w");
		if (!f || report_table_csv(r->tables[i], f) || fclose(f)) {
			fprintf(stderr, "tyche-report: cannot write %s: %s\n", path, strerror(errno));
			return RUN_EX_CANTCREAT;
		}
	}
	return 0;
}

/* Draw into the document, or say why not. */
static void figure(struct rep *r, int rc, char *svg, const char *kind,
		   const char *caption, const tyche_error *err)
{
	if (rc) {
		section_problem(r, kind, err);
		return;
	}
	report_html_figure(&r->h, kind, svg, caption);
	free(svg);
}

static const char *metric_label(const struct rep *r, size_t m, char *buf, size_t n)
{
	const char *u = tyche_surface_metric_units(r->s, m);

	if (u && *u)
		snprintf(buf, n, "%s (%s)", tyche_surface_metric(r->s, m), u);
	else
		snprintf(buf, n, "%s", tyche_surface_metric(r->s, m));
	return buf;
}

/* ------------------------------------------------------- distributions */

/*
 * One figure per metric of the aggregated series (groups as boxes or
 * violins), then one table of summary statistics.
 */
static void distributions(struct rep *r, struct report_agg *a, int violin,
			  const char *table_name, const char *table_caption,
			  const char *group_head)
{
	const char *head[] = { group_head, "Metric", "Units", "Mean", "Std", "q10", "q50",
			       "q90" };
	struct report_table *t = report_table_create(table_name, table_caption, 8, head);
	size_t maxg = 60, nsum;
	tyche_stat sum[5];

	for (size_t m = 0; m < a->nmetrics; m++) {
		tyche_plot_group *g = calloc(a->ngroups + 1, sizeof(*g));
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		tyche_error err = { 0 };
		char id[16], title[512], xl[512], caption[512];
		const char *units = "";
		size_t ng = 0;
		char *svg = NULL;
		int rc;

		if (!g)
			break;
		for (size_t k = 0; k < a->ngroups && ng < maxg; k++) {
			const struct report_series *s = report_agg_find(a, a->groups[k], a->metrics[m]);

			if (!s)
				continue;
			g[ng].label = s->group;
			g[ng].v = s->v;
			g[ng].n = s->n;
			units = s->units;
			ng++;
		}
		snprintf(title, sizeof title, "%s", a->metrics[m]);
		snprintf(xl, sizeof xl, *units ? "%s (%s)" : "%s%s", a->metrics[m], units);
		po.title = title;
		po.ylabel = xl;
		po.id = report_html_plot_id(&r->h, id);
		po.width = ng > 8 ? (int)(ng * 70 + 160) : 720;
		if (po.width > 2400)
			po.width = 2400;
		po.height = 440;
		rc = violin ? tyche_plot_violin(&svg, g, ng, &po, &err)
			    : tyche_plot_box(&svg, g, ng, &po, &err);
		snprintf(caption, sizeof caption, "%s of %s over %zu samples%s.",
			 violin ? "Distribution" : "Spread", a->metrics[m],
			 ng ? g[0].n : (size_t)0,
			 ng < a->ngroups ? " (the first 60 groups; every group is in the table)" : "");
		figure(r, rc, svg, violin ? "violin" : "box", caption, &err);
		free(g);
	}
	nsum = tyche_stat_defaults(sum, 5);
	{
		double *st = calloc(a->nseries * nsum + 1, sizeof(double));
		int ok = t && st && !report_agg_stats(a, sum, nsum, st);

		for (size_t i = 0; ok && i < a->nseries; i++) {
			const struct report_series *s = &a->series[i];

			if (report_table_add_row(t))
				break;
			report_table_set_text(t, 0, s->group);
			report_table_set_text(t, 1, s->metric);
			report_table_set_text(t, 2, s->units);
			for (size_t k = 0; k < nsum; k++)
				report_table_set_num(t, 3 + k, st[i * nsum + k]);
		}
		free(st);
	}
	add_table(r, t);
}

/* Heatmap of the mean of every (group, metric). */
static void mean_heatmap(struct rep *r, struct report_agg *a, const char *title,
			 const char *caption)
{
	tyche_plot_heat hm = { 0 };
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	tyche_error err = { 0 };
	double *v = calloc(a->ngroups * a->nmetrics + 1, sizeof(double));
	double *means = calloc(a->nseries + 1, sizeof(double));
	tyche_stat mean = { TYCHE_STAT_MEAN, 0, "mean" };
	char id[16];
	char *svg = NULL;
	int rc;

	if (!v || !means || report_agg_stats(a, &mean, 1, means)) {
		free(v);
		free(means);
		return;
	}
	for (size_t g = 0; g < a->ngroups; g++)
		for (size_t m = 0; m < a->nmetrics; m++) {
			const struct report_series *s = report_agg_find(a, a->groups[g], a->metrics[m]);

			v[g * a->nmetrics + m] = s ? means[s - a->series] : NAN;
		}
	free(means);
	hm.rows = a->ngroups > 1000 ? 1000 : a->ngroups;
	hm.cols = a->nmetrics;
	hm.v = v;
	hm.row_labels = (const char *const *)a->groups;
	hm.col_labels = (const char *const *)a->metrics;
	po.title = title;
	po.id = report_html_plot_id(&r->h, id);
	po.show_values = 1;
	po.width = (int)(260 + 130 * a->nmetrics);
	if (po.width < 640)
		po.width = 640;
	rc = tyche_plot_heatmap(&svg, &hm, &po, &err);
	figure(r, rc, svg, "heatmap", caption, &err);
	free(v);
}

/* ------------------------------------------------------------ sections */

static void section_summary(struct rep *r)
{
	tyche_context_summary cs;
	FILE *f = r->h.body;
	char now[32], buf[64];
	time_t clock = time(NULL);

	tyche_context_summarize(r->ctx, &cs);
	report_html_section(&r->h, "summary", "Context and settings",
		"What was analysed and how: the decision context (its SHA-256 "
		"hash identifies the exact tables and models), the Monte-Carlo "
		"settings and the software version. The same settings reproduce "
		"every number of this report.");
	fputs("<dl class=\"settings\">\n", f);
#define DT(k) fputs("<dt>" k "</dt><dd>", f)
#define DD fputs("</dd>\n", f)
	DT("Context"); report_html_text(f, tyche_context_name(r->ctx)); DD;
	DT("Context path"); fputs("<code>", f); report_html_text(f, r->o.context);
	fputs("</code>", f); DD;
	DT("Context hash"); fputs("<code>", f); report_html_text(f, tyche_context_hash(r->ctx));
	fputs("</code>", f); DD;
	DT("Contents");
	fprintf(f, "%zu technologies, %zu scenarios, %zu categories, %zu tranches, "
		"%zu investments, %zu metrics, %zu uncertain cells", cs.technologies,
		cs.scenarios, cs.categories, cs.tranches, cs.investments, cs.metrics,
		cs.uncertain_cells);
	DD;
	DT("Seed"); fprintf(f, "%llu", (unsigned long long)r->o.seed); DD;
	DT("Samples"); fprintf(f, "%zu per scenario", r->o.samples); DD;
	if (r->o.design) {      /* recorded when not plain Monte Carlo */
		DT("Design"); fputs(tyche_design_name(r->o.design), f); DD;
	}
	DT("Software"); fputs("Tyche in C, libtyche ", f); report_html_text(f, tyche_version()); DD;
	strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", gmtime(&clock));
	DT("Generated"); fputs(now, f); DD;
	if (r->s && (r->inc & (INC_OPTIMISE | INC_BOUNDS | INC_PARETO | INC_WATERFALL))) {
		char lab[512];

		DT("Objective");
		fprintf(f, "%s %s of ", r->p.minimize ? "minimise" : "maximise", r->p.stat.name);
		report_html_text(f, metric_label(r, r->p.metric, lab, sizeof lab));
		DD;
		DT("Budget");
		fputs(report_fmt_num(r->p.budget, buf), f);
		if (!r->o.has_budget)
			fputs(" (half of the sum of the largest tranche amounts)", f);
		DD;
		DT("Method"); fputs(tyche_opt_method_name(r->p.method), f); DD;
		for (size_t l = 0; l < r->o.nlimits; l++) {
			DT("Limit"); report_html_text(f, r->o.limits[l]); DD;
		}
		for (size_t u = 0; u < r->o.nuppers; u++) {
			DT("Upper amount"); report_html_text(f, r->o.uppers[u]); DD;
		}
	}
#undef DT
#undef DD
	fputs("</dl>\n", f);
	if (r->s) {
		const char *head[] = { "Category", "Tranches", "Largest amount" };
		struct report_table *t = report_table_create("categories",
			"Research categories and their largest tranche amount", 3, head);

		for (size_t c = 0; t && c < r->C; c++) {
			if (report_table_add_row(t))
				break;
			report_table_set_text(t, 0, tyche_surface_category(r->s, c));
			report_table_set_num(t, 1, (double)tyche_surface_ntranches(r->s, c));
			report_table_set_num(t, 2, tyche_surface_max_amount(r->s, c));
		}
		add_table(r, t);
	}
}

static void section_evaluate(struct rep *r)
{
	static const char *const by_tech[] = { "Technology", "Scenario" };
	tyche_analysis_opts ao;
	tyche_error err = { 0 };
	struct report_agg a;
	tyche_context_summary cs;
	tyche_results *res = NULL;
	size_t nonfinite = 0, ngk;
	int rc;

	report_html_section(&r->h, "scenarios", "Scenario distributions",
		"Each scenario's metrics as the Monte-Carlo evaluation gives them: "
		"the violins show the spread of every metric over the samples, per "
		"technology and scenario (wider means more likely; the box inside "
		"spans the quartiles, the line marks the median). Tyche's metrics "
		"are differences from the reference scenario where larger is better.");
	report_agg_init(&a);
	tyche_context_summarize(r->ctx, &cs);
	/* one technology: Scenario alone makes short labels on the axis */
	ngk = cs.technologies == 1 ? 1 : 2;
	run_analysis_opts(&r->o, &ao);
	ao.memo = r->memo;
	rc = tyche_results_compute(&res, r->ctx, TYCHE_RESULTS_SCENARIOS, &ao, &err);
	if (!rc)
		rc = report_agg_from(&a, res, by_tech + 2 - ngk, ngk, "Index", "Variable",
				     "Metric", &err);
	if (rc) {
		section_problem(r, "evaluation", &err);
	} else {
		for (size_t row = 0; row < tyche_results_nrows(res); row++) {
			const double *v = tyche_results_values(res, row);

			for (size_t i = 0; i < tyche_results_nsamples(res); i++)
				if (!isfinite(v[i])) {
					nonfinite++;
					break;
				}
		}
		if (nonfinite)
			report_html_para(&r->h, "warning", "%zu result row%s hold non-finite "
					 "values (NaN or infinite)", nonfinite,
					 nonfinite == 1 ? "" : "s");
		distributions(r, &a, 1, "scenarios",
			      "Metrics per technology and scenario over the samples",
			      ngk == 1 ? "Scenario" : "Technology / Scenario");
	}
	report_agg_release(&a);
	tyche_results_free(res);
}

static void section_tables(struct rep *r, int investments)
{
	static const char *const tr_group[] = { "Category", "Tranche" };
	static const char *const inv_group[] = { "Investment" };
	tyche_analysis_opts ao;
	tyche_error err = { 0 };
	struct report_agg a;
	tyche_results *res = NULL;
	int rc;

	if (investments)
		report_html_section(&r->h, "investments", "Investments",
			"The investment portfolios the context defines, each a choice of "
			"one tranche per category. The box plots show each metric's "
			"distribution over the samples (boxes span the quartiles, "
			"whiskers reach 1.5 IQR, diamonds are means); the heatmap "
			"compares the means, brighter being larger (better).");
	else
		report_html_section(&r->h, "tranches", "Tranches",
			"Every funding level (tranche) of every category and the mean "
			"of each metric it buys, summed over technologies.");
	report_agg_init(&a);
	run_analysis_opts(&r->o, &ao);
	ao.memo = r->memo;
	rc = tyche_results_compute(&res, r->ctx, investments ? TYCHE_RESULTS_INVESTMENTS
				   : TYCHE_RESULTS_TRANCHES, &ao, &err);
	if (!rc)
		rc = investments ? report_agg_from(&a, res, inv_group, 1, "Index", NULL, NULL, &err)
				 : report_agg_from(&a, res, tr_group, 2, "Index", NULL, NULL, &err);
	if (rc) {
		section_problem(r, investments ? "investments" : "tranches", &err);
		report_agg_release(&a);
		tyche_results_free(res);
		return;
	}
	if (investments) {
		const char *head[] = { "Investment", "Amount" };
		struct report_table *t = report_table_create("investment-amounts",
			"Amount of every investment", 2, head);

		for (size_t g = 0; t && g < a.ngroups; g++) {
			const struct report_series *s = a.nmetrics
				? report_agg_find(&a, a.groups[g], a.metrics[0]) : NULL;

			if (report_table_add_row(t))
				break;
			report_table_set_text(t, 0, a.groups[g]);
			report_table_set_num(t, 1, s ? s->amount : NAN);
		}
		add_table(r, t);
		distributions(r, &a, 0, "investments",
			      "Metrics of every investment over the samples", "Investment");
		mean_heatmap(r, &a, "Mean metric per investment",
			     "Mean of each metric per investment; colours are scaled per column.");
	} else {
		mean_heatmap(r, &a, "Mean metric per tranche",
			     "Mean of each metric per tranche; colours are scaled per column.");
		distributions(r, &a, 0, "tranches",
			      "Metrics of every tranche over the samples", "Category / Tranche");
	}
	report_agg_release(&a);
	tyche_results_free(res);
}

static void amounts_table(struct rep *r, const char *name, const char *caption,
			  const double *amounts, const double *upper)
{
	const char *head[] = { "Category", "Amount", "Upper bound" };
	struct report_table *t = report_table_create(name, caption, 3, head);

	for (size_t c = 0; t && c < r->C; c++) {
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, tyche_surface_category(r->s, c));
		report_table_set_num(t, 1, amounts[c]);
		report_table_set_num(t, 2, upper ? upper[c] : tyche_surface_max_amount(r->s, c));
	}
	add_table(r, t);
}

/* A warning naming the categories whose amount lies outside their
 * tranche amounts in `what` (the surface extrapolates there). */
static void extrapolation_note(struct rep *r, const char *what, const int *outside)
{
	char list[1024] = "";
	size_t n = 0, len = 0;

	for (size_t c = 0; c < r->C; c++)
		if (outside[c] && len < sizeof list) {
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
						n++ ? ", " : "", tyche_surface_category(r->s, c));
		}
	if (n)
		report_html_para(&r->h, "warning", "Extrapolated: in the %s the amount of %s "
				 "%s lies outside %s tranche amounts, where the response "
				 "surface extrapolates linearly; treat %s numbers as a guess.",
				 what, n == 1 ? "category" : "categories", list,
				 n == 1 ? "its" : "their", n == 1 ? "its" : "those");
}

/* The Monte-Carlo standard error of each statistic of the explore table
 * (lib/mcse.c: sd/sqrt(N) for the mean, a keyed bootstrap for the rest),
 * so a reader sees how many digits the samples support. */
static void se_table(struct rep *r, const double *amounts)
{
	const char *head[] = { "Metric", "Units", "Mean", "Std", "q10", "q50", "q90" };
	struct report_table *t = report_table_create("explore-se",
		"Monte-Carlo standard errors of the statistics above (the mean's is "
		"sd/sqrt(N); the others' from 200 bootstrap resamples)", 7, head);
	tyche_mcse *m = NULL;
	tyche_error err = { 0 };
	tyche_stat st[8];
	size_t nst = tyche_stat_defaults(st, 8);   /* mean, std, q10, q50, q90 */

	if (!t)
		return;
	if (tyche_mcse_compute(&m, r->s, amounts, st, nst, 0, &err)) {
		section_problem(r, "explore", &err);
		report_table_free(t);
		return;
	}
	for (size_t k = 0; k < r->M; k++) {
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, tyche_surface_metric(r->s, k));
		report_table_set_text(t, 1, tyche_surface_metric_units(r->s, k));
		for (size_t j = 0; j < nst && j < 5; j++)
			report_table_set_num(t, 2 + j, tyche_mcse_se(m, k, j, NULL));
	}
	tyche_mcse_free(m);
	add_table(r, t);
}

static void section_explore(struct rep *r)
{
	size_t C = r->C, M = r->M, N = r->N;
	double *zero = calloc(C + 1, sizeof(double));
	tyche_explore_result *e0 = NULL, *e1 = NULL, *e2 = NULL;
	tyche_error err = { 0 };
	const char *head[] = { "Metric", "Units", "Mean", "Std", "q10", "q50", "q90" };
	struct report_table *t = report_table_create("explore",
		"Portfolio statistics of every metric at the explored amounts", 7, head);

	report_html_section(&r->h, "explore", "Explore a portfolio",
		r->o.namounts
		? "The portfolio given with --amount, evaluated on the response "
		  "surface. Each density curve shows how likely each value of a "
		  "metric is over the samples; the portfolio is compared with no "
		  "investment at all and, when computed, with the optimum."
		: "Every category funded at half of its largest tranche amount, "
		  "evaluated on the response surface (a piecewise-linear fit of "
		  "each metric over the funding levels). Each density curve shows "
		  "how likely each value of a metric is over the samples; the "
		  "portfolio is compared with no investment at all and, when "
		  "computed, with the optimum.");
	if (!zero || !t)
		goto out;
	if (tyche_explore(&e0, r->s, zero, NULL, 0, 0, &err) ||
	    tyche_explore(&e1, r->s, r->explore, NULL, 0, 0, &err) ||
	    (r->opt && tyche_explore(&e2, r->s, r->opt->amounts, NULL, 0, 0, &err))) {
		section_problem(r, "explore", &err);
		goto out;
	}
	amounts_table(r, "explore-amounts", "Amounts of the explored portfolio", r->explore, NULL);
	for (size_t m = 0; m < M; m++) {
		tyche_plot_group g[3] = {
			{ "No investment", e0->totals + m * N, N },
			{ "Explored portfolio", e1->totals + m * N, N },
			{ "Optimum", e2 ? e2->totals + m * N : NULL, N }
		};
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		char id[16], lab[512], title[600];
		char *svg = NULL;
		int rc;

		metric_label(r, m, lab, sizeof lab);
		snprintf(title, sizeof title, "%s", tyche_surface_metric(r->s, m));
		po.title = title;
		po.xlabel = lab;
		po.ylabel = "density";
		po.id = report_html_plot_id(&r->h, id);
		rc = tyche_plot_density(&svg, g, e2 ? 3 : 2, &po, &err);
		figure(r, rc, svg, "density", "Density of the portfolio's total over the samples.",
		       &err);
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, tyche_surface_metric(r->s, m));
		report_table_set_text(t, 1, tyche_surface_metric_units(r->s, m));
		for (size_t k = 0; k < e1->nstats; k++)
			report_table_set_num(t, 2 + k, tyche_explore_value(e1, 0, m, k));
	}
	/* under the plots: which curves the surface extrapolates */
	extrapolation_note(r, "explored portfolio", e1->outside);
	extrapolation_note(r, "\"no investment\" curve", e0->outside);
	if (e2)
		extrapolation_note(r, "optimum", e2->outside);
	add_table(r, t);
	t = NULL;
	if (r->inc & INC_SE)
		se_table(r, r->explore);
out:
	report_table_free(t);
	tyche_explore_free(e0);
	tyche_explore_free(e1);
	tyche_explore_free(e2);
	free(zero);
}

static void checks_table(struct rep *r, const tyche_opt_result *o)
{
	const char *head[] = { "Constraint", "Sense", "Value", "Bound", "Holds" };
	struct report_table *t;

	if (!o->nchecks)
		return;
	t = report_table_create("optimum-constraints", "Constraints at the optimum", 5, head);
	for (size_t k = 0; t && k < o->nchecks; k++) {
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, o->checks[k].label);
		report_table_set_text(t, 1, o->checks[k].upper ? "<=" : ">=");
		report_table_set_num(t, 2, o->checks[k].value);
		report_table_set_num(t, 3, o->checks[k].bound);
		report_table_set_text(t, 4, o->checks[k].holds ? "yes" : "no");
	}
	add_table(r, t);
}

static void section_optimise(struct rep *r, const tyche_error *opt_err)
{
	const tyche_opt_result *o = r->opt;
	char lab[512];

	report_html_section(&r->h, "optimum", "Optimal portfolio",
		"The amounts per category that give the best value of the "
		"objective statistic under the budget and limits (epsilon-"
		"constraint optimisation on the response surface). The histogram "
		"shows the objective metric's distribution over the samples at "
		"the optimum.");
	if (!o) {
		section_problem(r, "optimisation", opt_err);
		return;
	}
	report_html_para(&r->h, o->status == TYCHE_OPT_OPTIMAL ? NULL : tyche_opt_status_ok(o->status) ? "note" : "warning",
			 "Status: %s. %s Objective %s(%s) = %.6g (%ld surface "
			 "evaluations, %.3g s).",
			 tyche_opt_status_name(o->status), o->message, o->stat.name,
			 tyche_surface_metric(r->s, o->metric), o->objective,
			 o->evaluations, o->seconds);
	amounts_table(r, "optimum-amounts", "Amounts at the optimum", o->amounts, o->upper);
	{
		const char *head[] = { "Metric", "Units", "Statistic", "Value" };
		struct report_table *t = report_table_create("optimum-metrics",
			"Every metric at the optimum", 4, head);

		for (size_t m = 0; t && m < o->nmetrics; m++) {
			if (report_table_add_row(t))
				break;
			report_table_set_text(t, 0, tyche_surface_metric(r->s, m));
			report_table_set_text(t, 1, tyche_surface_metric_units(r->s, m));
			report_table_set_text(t, 2, o->stat.name);
			report_table_set_num(t, 3, o->metrics[m]);
		}
		add_table(r, t);
	}
	checks_table(r, o);
	{
		tyche_explore_result *e = NULL;
		tyche_plot_group g;
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		tyche_error err = { 0 };
		char id[16], title[600];
		char *svg = NULL;
		int rc;

		if (tyche_explore(&e, r->s, o->amounts, NULL, 0, 0, &err)) {
			section_problem(r, "the optimum's distribution", &err);
			return;
		}
		g.label = "Optimum";
		g.v = e->totals + o->metric * r->N;
		g.n = r->N;
		metric_label(r, o->metric, lab, sizeof lab);
		snprintf(title, sizeof title, "%s at the optimum", tyche_surface_metric(r->s, o->metric));
		po.title = title;
		po.xlabel = lab;
		po.ylabel = "samples";
		po.id = report_html_plot_id(&r->h, id);
		rc = tyche_plot_histogram(&svg, &g, &po, &err);
		figure(r, rc, svg, "histogram", "Histogram of the objective metric over the samples.",
		       &err);
		extrapolation_note(r, "optimum", o->outside);
		tyche_explore_free(e);
	}
}

static void sweep_table(struct rep *r, const tyche_opt_sweep *sw, const char *name,
			const char *caption, int bounds)
{
	size_t ncol = 6 + r->C;
	const char **head = calloc(ncol, sizeof(char *));
	struct report_table *t;
	size_t c0 = 6;

	if (!head)
		return;
	head[0] = "Metric";
	head[1] = "Sense";
	head[2] = bounds ? "Statistic" : "Budget";
	head[3] = bounds ? "Value" : "Limit";
	head[4] = bounds ? "Status" : "Value";
	head[5] = bounds ? "Message" : "Status";
	for (size_t c = 0; c < r->C; c++)
		head[c0 + c] = tyche_surface_category(r->s, c);
	t = report_table_create(name, caption, ncol, head);
	free(head);
	for (size_t i = 0; t && i < sw->n; i++) {
		const tyche_opt_point *pt = &sw->v[i];
		const tyche_opt_result *o = pt->result;

		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, tyche_surface_metric(r->s, pt->metric));
		report_table_set_text(t, 1, pt->minimize ? "min" : "max");
		if (bounds) {
			report_table_set_text(t, 2, o ? o->stat.name : "");
			report_table_set_num(t, 3, o ? o->objective : NAN);
			report_table_set_text(t, 4, o ? tyche_opt_status_name(o->status) : "error");
			report_table_set_text(t, 5, o ? o->message : "");
		} else {
			report_table_set_num(t, 2, pt->budget);
			report_table_set_num(t, 3, pt->limit);
			report_table_set_num(t, 4, o ? o->objective : NAN);
			report_table_set_text(t, 5, o ? tyche_opt_status_name(o->status) : "error");
		}
		for (size_t c = 0; c < r->C; c++)
			report_table_set_num(t, c0 + c, o && o->amounts ? o->amounts[c] : NAN);
	}
	add_table(r, t);
}

static void section_bounds(struct rep *r)
{
	tyche_opt_sweep *sw = NULL;
	tyche_error err = { 0 };
	const char *head[] = { "Metric", "Units", "Lowest", "Highest" };
	struct report_table *t;

	report_html_section(&r->h, "bounds", "Metric bounds",
		"How far R&D can move each metric: each metric minimised and "
		"maximised on its own under the same budget, limits and "
		"statistic. The range tells which metrics the portfolio can change "
		"much and which hardly at all.");
	if (tyche_opt_bounds(&sw, r->s, &r->p, &err)) {
		section_problem(r, "metric bounds", &err);
		return;
	}
	t = report_table_create("bounds", "Lowest and highest reachable value of each metric",
				4, head);
	for (size_t m = 0; t && m < r->M; m++) {
		double lo = NAN, hi = NAN;

		for (size_t i = 0; i < sw->n; i++)
			if (sw->v[i].metric == m && sw->v[i].result &&
			    tyche_opt_status_ok(sw->v[i].result->status)) {
				if (sw->v[i].minimize)
					lo = sw->v[i].result->objective;
				else
					hi = sw->v[i].result->objective;
			}
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, tyche_surface_metric(r->s, m));
		report_table_set_text(t, 1, tyche_surface_metric_units(r->s, m));
		report_table_set_num(t, 2, lo);
		report_table_set_num(t, 3, hi);
	}
	add_table(r, t);
	sweep_table(r, sw, "bounds-portfolios", "The portfolio of every bound", 1);
	tyche_opt_sweep_free(sw);
}

static void sweep_plot(struct rep *r, const tyche_opt_sweep *sw, int vs, const char *title,
		       const char *xlabel, const char *caption)
{
	double *x = calloc(sw->n + 1, sizeof(double)), *y = calloc(sw->n + 1, sizeof(double));
	tyche_plot_series se;
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	tyche_error err = { 0 };
	char id[16], yl[512];
	char *svg = NULL;
	int rc;

	if (!x || !y)
		goto out;
	for (size_t i = 0; i < sw->n; i++) {
		const tyche_opt_result *o = sw->v[i].result;
		int good = o && tyche_opt_status_ok(o->status);

		x[i] = vs ? (good ? o->metrics[sw->vs_metric] : NAN) : sw->v[i].budget;
		y[i] = good ? o->objective : NAN;
	}
	se.label = tyche_surface_metric(r->s, r->p.metric);
	se.x = x;
	se.y = y;
	se.n = sw->n;
	metric_label(r, r->p.metric, yl, sizeof yl);
	po.title = title;
	po.xlabel = xlabel;
	po.ylabel = yl;
	po.id = report_html_plot_id(&r->h, id);
	rc = tyche_plot_lines(&svg, &se, 1, &po, &err);
	figure(r, rc, svg, "lines", caption, &err);
out:
	free(x);
	free(y);
}

static int parse_budgets(const char *s, double **out, size_t *n)
{
	tyche_error err = { 0 };

	if (!tyche_opt_parse_range(out, n, s, 0, 1000, &err))
		return 0;
	fprintf(stderr, "tyche-report: --budgets: %s\n", err.msg);
	return run_exit_code(err.code);
}

static void section_pareto(struct rep *r, const double *budgets, size_t nb)
{
	tyche_opt_sweep *sw = NULL;
	tyche_error err = { 0 };
	char lab[512], title[600];

	report_html_section(&r->h, "pareto", "Pareto frontiers",
		"The best value of the objective for each budget: how much every "
		"extra unit of money buys. A flat stretch means more money buys "
		"little; points where the solver found no portfolio are left out.");
	if (tyche_opt_pareto_budget(&sw, r->s, &r->p, &r->p.metric, 1, budgets, nb, &err)) {
		section_problem(r, "Pareto sweep over the budget", &err);
	} else {
		snprintf(title, sizeof title, "%s %s against the budget", r->p.stat.name,
			 tyche_surface_metric(r->s, r->p.metric));
		sweep_plot(r, sw, 0, title, "budget",
			   "Best objective value per budget (the optimum at each budget).");
		sweep_table(r, sw, "pareto-budget", "The optimum at each budget", 0);
		tyche_opt_sweep_free(sw);
		sw = NULL;
	}
	if (r->o.vs) {
		long vs = tyche_surface_find_metric(r->s, r->o.vs);

		if (vs < 0) {
			snprintf(err.msg, sizeof err.msg, "--vs: unknown metric '%s'", r->o.vs);
			err.code = TYCHE_EUSAGE;
			section_problem(r, "Pareto sweep", &err);
			return;
		}
		if (tyche_opt_pareto_vs(&sw, r->s, &r->p, (size_t)vs, 0, NULL, 7, &err)) {
			section_problem(r, "Pareto sweep against a metric", &err);
			return;
		}
		metric_label(r, (size_t)vs, lab, sizeof lab);
		snprintf(title, sizeof title, "%s against %s", tyche_surface_metric(r->s, r->p.metric),
			 tyche_surface_metric(r->s, (size_t)vs));
		sweep_plot(r, sw, 1, title, lab,
			   "The objective's best value when the other metric must reach each bound: "
			   "the trade-off between the two.");
		sweep_table(r, sw, "pareto-vs", "The optimum at each bound of the other metric", 0);
		tyche_opt_sweep_free(sw);
	}
}

static void section_waterfall(struct rep *r)
{
	const double *amounts = r->opt && tyche_opt_status_ok(r->opt->status) ? r->opt->amounts
									      : r->explore;
	tyche_waterfall *w = NULL;
	tyche_error err = { 0 };
	int mode = TYCHE_WF_BEST;
	size_t order[256], norder = 0;
	tyche_plot_step *st = NULL;
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	char id[16], lab[512], title[600];
	char *svg = NULL;
	size_t m = r->p.metric;
	int rc;

	report_html_section(&r->h, "waterfall", "Waterfall",
		"The portfolio built up one category at a time from no investment: "
		"each bar is what adding that category's amount changes in the "
		"objective metric, the last bar is the portfolio's total. With "
		"the default order each step adds the category that helps most.");
	if (r->o.order && !strcmp(r->o.order, "all")) {
		mode = TYCHE_WF_ALL;
	} else if (r->o.order && strcmp(r->o.order, "best")) {
		char *dup = strdup(r->o.order), *save = NULL;

		mode = TYCHE_WF_GIVEN;
		for (char *tok = dup ? strtok_r(dup, ",", &save) : NULL; tok;
		     tok = strtok_r(NULL, ",", &save)) {
			long k = tyche_surface_find_category(r->s, tok);

			if (k >= 0 && norder < 256)
				order[norder++] = (size_t)k;
		}
		free(dup);
	}
	report_html_para(&r->h, "note", "Portfolio: %s.",
			 amounts == r->explore ? "the explored amounts" : "the optimum");
	if (tyche_waterfall_build(&w, r->s, amounts, &r->p.stat, mode, order, norder,
				  m, r->p.minimize, &err)) {
		section_problem(r, "waterfall", &err);
		return;
	}
	st = calloc(w->nsteps + 1, sizeof(*st));
	if (!st)
		goto out;
	for (size_t k = 0; k < w->nsteps; k++) {
		double prev = k ? w->value[(k - 1) * w->nmetrics + m] : w->start[m];

		st[k].label = tyche_surface_category(r->s, w->order[k]);
		st[k].delta = w->value[k * w->nmetrics + m] - prev;
	}
	metric_label(r, m, lab, sizeof lab);
	snprintf(title, sizeof title, "%s of %s, one category at a time", w->stat.name,
		 tyche_surface_metric(r->s, m));
	po.title = title;
	po.ylabel = lab;
	po.id = report_html_plot_id(&r->h, id);
	rc = tyche_plot_waterfall(&svg, "No investment", w->start[m], st, w->nsteps, "Portfolio",
				  &po, &err);
	figure(r, rc, svg, "waterfall", "Change of the objective metric at each step.", &err);
	{
		size_t ncol = 3 + r->M;
		const char **head = calloc(ncol, sizeof(char *));
		struct report_table *t = NULL;

		if (head) {
			head[0] = "Order";
			head[1] = "Step";
			head[2] = "Category";
			for (size_t j = 0; j < r->M; j++)
				head[3 + j] = tyche_surface_metric(r->s, j);
			t = report_table_create("waterfall", "Every metric after each step", ncol, head);
			free(head);
		}
		for (size_t o = 0; t && o < w->norders; o++)
			for (size_t k = 0; k <= w->nsteps; k++) {
				if (report_table_add_row(t))
					break;
				report_table_set_num(t, 0, (double)(o + 1));
				report_table_set_num(t, 1, (double)k);
				report_table_set_text(t, 2, k ? tyche_surface_category(r->s,
							w->order[o * w->nsteps + k - 1]) : "No investment");
				for (size_t j = 0; j < r->M; j++)
					report_table_set_num(t, 3 + j, k
						? w->value[(o * w->nsteps + k - 1) * w->nmetrics + j]
						: w->start[j]);
			}
		add_table(r, t);
	}
out:
	free(st);
	tyche_waterfall_free(w);
}

/* Corners: the tranche-grid combinations within the budget, best first
 * by the objective, as an independent check of the optimum. */
#define REPORT_MAX_CORNERS 100
static void section_corners(struct rep *r)
{
	tyche_corners *k = NULL;
	tyche_error err = { 0 };
	struct report_table *t = NULL;
	const char **head = NULL;
	size_t *order = NULL, ncol = 3 + r->C + r->M, shown;

	report_html_section(&r->h, "corners", "Tranche-grid corners",
		"Every combination of the categories' tranche amounts (Tyche's "
		"evaluate_corners_wide) that costs at most the budget, with the "
		"statistic of every metric there, best first by the objective. "
		"The metric limits are not applied here. No corner may beat an "
		"answer whose status is optimal.");
	if (tyche_corners_build(&k, r->s, &r->p.stat, 1, r->p.has_budget, r->p.budget, &err)) {
		section_problem(r, "corners", &err);
		return;
	}
	head = calloc(ncol, sizeof *head);
	order = calloc(k->n + 1, sizeof *order);
	if (!head || !order ||
	    tyche_corners_order(k, r->p.metric, 0, r->p.minimize, order, &err)) {
		if (!err.code)
			snprintf(err.msg, sizeof err.msg, "out of memory");
		section_problem(r, "corners", &err);
		goto out;
	}
	shown = k->n < REPORT_MAX_CORNERS ? k->n : REPORT_MAX_CORNERS;
	if (k->n)
		report_html_para(&r->h, NULL, "%zu of the %zu corners cost at most the budget; "
				 "%s %zu. The best corner's %s(%s) is %.6g%s%s%s.", k->n, k->total,
				 shown < k->n ? "the table shows the best" : "all shown:", shown,
				 r->p.stat.name, tyche_surface_metric(r->s, r->p.metric),
				 k->value[(order[0] * r->M + r->p.metric)],
				 r->opt ? "; the optimiser's answer is " : "",
				 r->opt ? tyche_opt_status_name(r->opt->status) : "",
				 r->opt ? " (see the optimal portfolio)" : "");
	else
		report_html_para(&r->h, "warning", "None of the %zu corners costs at most the "
				 "budget.", k->total);
	head[0] = "Rank";
	head[1] = "Corner";
	for (size_t c = 0; c < r->C; c++)
		head[2 + c] = tyche_surface_category(r->s, c);
	head[2 + r->C] = "Budget";
	{
		char (*lab)[160] = calloc(r->M + 1, sizeof *lab);

		if (!lab)
			goto out;
		for (size_t m = 0; m < r->M; m++) {
			snprintf(lab[m], sizeof lab[m], "%s(%s)", r->p.stat.name,
				 tyche_surface_metric(r->s, m));
			head[3 + r->C + m] = lab[m];
		}
		t = report_table_create("corners", "Tranche-grid corners within the budget, best first",
					ncol, head);
		free(lab);
	}
	for (size_t i = 0; t && i < shown; i++) {
		size_t q = order[i];

		if (report_table_add_row(t))
			break;
		report_table_set_num(t, 0, (double)(i + 1));
		report_table_set_num(t, 1, (double)k->index[q]);
		for (size_t c = 0; c < r->C; c++)
			report_table_set_num(t, 2 + c, k->amounts[q * r->C + c]);
		report_table_set_num(t, 2 + r->C, k->budget[q]);
		for (size_t m = 0; m < r->M; m++)
			report_table_set_num(t, 3 + r->C + m, k->value[q * r->M + m]);
	}
	add_table(r, t);
out:
	free(head);
	free(order);
	tyche_corners_free(k);
}

static void add_table_cb(void *arg, struct report_table *t)
{
	add_table(arg, t);
}

/* --sensitivity, --voi (cmd/report-sens.c): at the explored portfolio. */
static void section_sens(struct rep *r)
{
	char **assign = calloc(r->C + 1, sizeof(char *));
	struct report_sens_in in = { &r->h, r->ctx, tyche_surface_metric(r->s, r->p.metric),
				     r->o.scenario, r->p.minimize, NULL, 0, r->o.seed,
				     add_table_cb, r };

	for (size_t c = 0; assign && r->explore && !r->o.scenario && c < r->C; c++) {
		const char *name = tyche_surface_category(r->s, c);
		size_t len = strlen(name) + 40;

		if (!(assign[in.nassign] = malloc(len)))
			break;
		snprintf(assign[in.nassign++], len, "%s=%.17g", name, r->explore[c]);
	}
	in.assign = (const char *const *)assign;
	r->problems += report_sens_sections(&in);
	for (size_t k = 0; assign && k < in.nassign; k++)
		free(assign[k]);
	free(assign);
}

static void section_tornado(struct rep *r)
{
	tyche_tornado *tt = NULL;
	tyche_error err = { 0 };
	char **assign = calloc(r->C + 1, sizeof(char *));
	tyche_plot_swing *sw = NULL;
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	char id[16], title[600];
	const char *metric = tyche_surface_metric(r->s, r->p.metric);
	char *svg = NULL;
	size_t na = 0;
	int rc;

	report_html_section(&r->h, "tornado", "Tornado: which uncertainties matter",
		"Each uncertain input of the context swung from its 10th to its "
		"90th percentile while every other input stays at its median; the "
		"bars show how far the objective metric moves, the widest on top. "
		"Inputs near the top are where better information is worth most.");
	if (!assign)
		return;
	if (!r->o.scenario) {
		for (size_t c = 0; c < r->C; c++) {
			const char *name = tyche_surface_category(r->s, c);
			size_t len = strlen(name) + 40;

			if (!(assign[na] = malloc(len)))
				goto out;
			snprintf(assign[na], len, "%s=%.17g", name, r->explore[c]);
			na++;
		}
		report_html_para(&r->h, "note", "At the explored portfolio.");
	} else {
		report_html_para(&r->h, "note", "In scenario %s.", r->o.scenario);
	}
	if (tyche_tornado_build(&tt, r->ctx, metric, (const char *const *)assign, na,
				r->o.scenario, &err)) {
		section_problem(r, "tornado", &err);
		goto out;
	}
	sw = calloc(tt->n + 1, sizeof(*sw));
	if (!sw)
		goto out;
	for (size_t k = 0; k < tt->n; k++) {
		sw[k].label = tt->v[k].label;
		sw[k].low = tt->v[k].low;
		sw[k].high = tt->v[k].high;
	}
	snprintf(title, sizeof title, "Swing of %s", metric);
	po.title = title;
	po.xlabel = metric;
	po.id = report_html_plot_id(&r->h, id);
	po.width = 860;
	po.height = (int)(120 + 26 * (tt->n < 40 ? tt->n : 40));
	if (po.height < 300)
		po.height = 300;
	rc = tyche_plot_tornado(&svg, tt->base, sw, tt->n > 40 ? 40 : tt->n, &po, &err);
	figure(r, rc, svg, "tornado", tt->n > 40 ? "The 40 largest swings (all are in the table)."
						  : "Swing of the metric per input.", &err);
	{
		const char *head[] = { "Rank", "Input", "Low (q10)", "High (q90)", "Swing", "Base" };
		struct report_table *t = report_table_create("tornado", "Swing of every input", 6,
							     head);

		for (size_t k = 0; t && k < tt->n; k++) {
			if (report_table_add_row(t))
				break;
			report_table_set_num(t, 0, (double)(k + 1));
			report_table_set_text(t, 1, tt->v[k].label);
			report_table_set_num(t, 2, tt->v[k].low);
			report_table_set_num(t, 3, tt->v[k].high);
			report_table_set_num(t, 4, tt->v[k].swing);
			report_table_set_num(t, 5, tt->base);
		}
		add_table(r, t);
	}
out:
	for (size_t i = 0; i < na; i++)
		free(assign[i]);
	free(assign);
	free(sw);
	tyche_tornado_free(tt);
}

/* ------------------------------------------------------------ the problem */

static int fail(const tyche_error *err)
{
	char buf[1200];

	fprintf(stderr, "tyche-report: %s\n", err_text(err, buf, sizeof buf));
	return run_exit_code(err->code);
}

/* The optimisation problem from the options (as tyche-run optimize);
 * the budget defaults to half of the sum of the largest amounts. */
static int make_problem(struct rep *r)
{
	int rc = run_make_problem(&r->o, r->s, 0, r->sum_max / 2, "tyche-report", &r->prob);

	if (!rc)
		r->p = *r->prob;
	return rc;
}

/* ------------------------------------------------------- stored scenarios */

/* Every leaf of a JSON object as (RFC 6901 pointer, text). */
static void flatten(const cJSON *j, char *ptr, size_t len, size_t cap,
		    void (*cb)(const char *ptr, const cJSON *leaf, void *arg), void *arg)
{
	const cJSON *c;

	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		size_t i = 0;

		cJSON_ArrayForEach(c, j) {
			size_t n = len;
			char idx[32];
			const char *key = cJSON_IsObject(j) ? c->string : idx;

			snprintf(idx, sizeof idx, "%zu", i++);
			if (n + 2 >= cap)
				return;
			ptr[n++] = '/';
			for (const char *k = key; *k && n + 3 < cap; k++) {
				if (*k == '~' || *k == '/') {
					ptr[n++] = '~';
					ptr[n++] = *k == '~' ? '0' : '1';
				} else {
					ptr[n++] = *k;
				}
			}
			ptr[n] = '\0';
			flatten(c, ptr, n, cap, cb, arg);
			ptr[len] = '\0';
		}
		return;
	}
	cb(len ? ptr : "/", j, arg);
}

struct leaves {
	size_t n, cap;
	char **ptr;
	char **val;    /* [n * nsc] text per scenario, NULL = absent */
	double *num;   /* [n * nsc] number, NaN if not */
	size_t nsc, cur;
};

static void leaf_cb(const char *ptr, const cJSON *leaf, void *arg)
{
	struct leaves *L = arg;
	size_t i;
	char buf[64];
	const char *text;

	for (i = 0; i < L->n; i++)
		if (!strcmp(L->ptr[i], ptr))
			break;
	if (i == L->n) {
		if (L->n == L->cap) {
			size_t cap = L->cap ? 2 * L->cap : 32;
			char **np = realloc(L->ptr, cap * sizeof(char *));
			char **nv;
			double *nn;

			if (!np)
				return;
			L->ptr = np;
			nv = realloc(L->val, cap * L->nsc * sizeof(char *));
			if (!nv)
				return;
			L->val = nv;
			nn = realloc(L->num, cap * L->nsc * sizeof(double));
			if (!nn)
				return;
			L->num = nn;
			L->cap = cap;
		}
		if (!(L->ptr[i] = strdup(ptr)))
			return;
		for (size_t k = 0; k < L->nsc; k++) {
			L->val[i * L->nsc + k] = NULL;
			L->num[i * L->nsc + k] = NAN;
		}
		L->n++;
	}
	if (cJSON_IsNumber(leaf)) {
		text = tyche_format_double(leaf->valuedouble, buf);
		L->num[i * L->nsc + L->cur] = leaf->valuedouble;
	} else if (cJSON_IsString(leaf)) {
		text = leaf->valuestring;
	} else if (cJSON_IsBool(leaf)) {
		text = cJSON_IsTrue(leaf) ? "true" : "false";
	} else if (cJSON_IsNull(leaf)) {
		text = "null";
	} else {
		text = "{}";
	}
	free(L->val[i * L->nsc + L->cur]);
	L->val[i * L->nsc + L->cur] = strdup(text);
}

static void leaves_release(struct leaves *L)
{
	for (size_t i = 0; i < L->n; i++) {
		free(L->ptr[i]);
		for (size_t k = 0; k < L->nsc; k++)
			free(L->val[i * L->nsc + k]);
	}
	free(L->ptr);
	free(L->val);
	free(L->num);
}

static void leaves_table(struct rep *r, struct leaves *L, const tyche_scenario *sc,
			 const char *name, const char *caption, const char *first)
{
	size_t ncol = 1 + L->nsc + (L->nsc == 2);
	const char **head = calloc(ncol, sizeof(char *));
	char (*hd)[TYCHE_SCENARIO_NAME_MAX + 80] = calloc(L->nsc + 1, sizeof(*hd));
	struct report_table *t = NULL;

	if (head && hd) {
		head[0] = first;
		for (size_t k = 0; k < L->nsc; k++) {
			snprintf(hd[k], sizeof hd[k], "%s (%s)", sc[k].name, sc[k].id);
			head[1 + k] = hd[k];
		}
		if (L->nsc == 2)
			head[3] = "Difference (second - first)";
		t = report_table_create(name, caption, ncol, head);
	}
	for (size_t i = 0; t && i < L->n; i++) {
		if (report_table_add_row(t))
			break;
		report_table_set_text(t, 0, L->ptr[i]);
		for (size_t k = 0; k < L->nsc; k++) {
			if (!isnan(L->num[i * L->nsc + k]))
				report_table_set_num(t, 1 + k, L->num[i * L->nsc + k]);
			else
				report_table_set_text(t, 1 + k, L->val[i * L->nsc + k]
						      ? L->val[i * L->nsc + k] : "(absent)");
		}
		if (L->nsc == 2) {
			double a = L->num[i * 2], b = L->num[i * 2 + 1];

			if (!isnan(a) && !isnan(b))
				report_table_set_num(t, 3, b - a);
		}
	}
	free(head);
	free(hd);
	add_table(r, t);
}

static void collect(struct leaves *L, const tyche_scenario *sc, size_t nsc, int results,
		    int metrics)
{
	char ptr[2048];

	memset(L, 0, sizeof(*L));
	L->nsc = nsc;
	for (size_t k = 0; k < nsc; k++) {
		const char *text = results ? sc[k].results_json : sc[k].inputs_json;
		cJSON *j = cJSON_Parse(text ? text : "{}");
		cJSON *part;

		if (!j)
			continue;
		L->cur = k;
		ptr[0] = '\0';
		if (results) {
			part = cJSON_GetObjectItemCaseSensitive(j, "metrics");
			if (metrics) {
				if (part)
					flatten(part, ptr, 0, sizeof ptr, leaf_cb, L);
			} else {
				cJSON_DeleteItemFromObjectCaseSensitive(j, "metrics");
				flatten(j, ptr, 0, sizeof ptr, leaf_cb, L);
			}
		} else {
			flatten(j, ptr, 0, sizeof ptr, leaf_cb, L);
		}
		cJSON_Delete(j);
	}
}

static int stored_report(struct rep *r)
{
	tyche_store *st = NULL;
	tyche_scenario sc[MAX_STORED];
	tyche_error err = { 0 };
	const char *dir = r->o.store ? r->o.store : getenv("TYCHE_STORE");
	const char *user = r->user ? r->user : tyche_store_default_user();
	struct leaves L;
	FILE *out = stdout;
	char title[512];
	int rc = 0;

	for (size_t k = 0; k < MAX_STORED; k++)
		sc[k] = (tyche_scenario)TYCHE_SCENARIO_INIT;
	if (!dir || !*dir) {
		fprintf(stderr, "tyche-report: no store: give --store DIR or set TYCHE_STORE\n");
		return RUN_EX_USAGE;
	}
	if (!user) {
		fprintf(stderr, "tyche-report: cannot tell the user: give --user\n");
		return RUN_EX_USAGE;
	}
	if (tyche_store_open(&st, dir, &err))
		return fail(&err);
	for (size_t k = 0; k < r->nstored; k++)
		if (tyche_store_load(&sc[k], st, user, r->stored[k], &err)) {
			rc = fail(&err);
			goto out;
		}
	if (report_html_init(&r->h)) {
		rc = RUN_EX_SOFTWARE;
		goto out;
	}
	report_html_section(&r->h, "summary", r->nstored > 1 ? "Scenarios compared" : "Scenario",
		"The stored scenario's identity and settings: the context it was "
		"computed from (its SHA-256 hash identifies the exact tables and "
		"models), the seed and sample count that reproduce it, and the "
		"software version that saved it.");
	{
		const char *head[] = { "Id", "Name", "Owner", "Visibility", "Tags", "Context",
				       "Context hash", "Seed", "Samples", "Version", "Created",
				       "Modified" };
		struct report_table *t = report_table_create("scenarios",
			"Stored scenarios in this report", 12, head);

		for (size_t k = 0; t && k < r->nstored; k++) {
			char buf[64], tags[TYCHE_SCENARIO_TAGS_MAX * (TYCHE_SCENARIO_TAG_MAX + 2) + 1];
			size_t n = 0;

			if (report_table_add_row(t))
				break;
			tags[0] = '\0';
			for (size_t g = 0; g < sc[k].ntags && n < sizeof tags; g++)
				n += (size_t)snprintf(tags + n, sizeof tags - n, "%s%s", g ? ", " : "",
						      sc[k].tags[g]);
			report_table_set_text(t, 0, sc[k].id);
			report_table_set_text(t, 1, sc[k].name);
			report_table_set_text(t, 2, sc[k].owner);
			report_table_set_text(t, 3, sc[k].shared ? "shared" : "private");
			report_table_set_text(t, 4, tags);
			report_table_set_text(t, 5, sc[k].context);
			report_table_set_text(t, 6, sc[k].context_hash);
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)sc[k].seed);
			report_table_set_text(t, 7, buf);
			report_table_set_num(t, 8, (double)sc[k].samples);
			report_table_set_text(t, 9, sc[k].version);
			report_table_set_text(t, 10, tyche_time_format(sc[k].created, buf));
			report_table_set_text(t, 11, tyche_time_format(sc[k].modified, buf));
		}
		add_table(r, t);
	}
	if (r->nstored > 1) {
		int same = 1;

		for (size_t k = 1; k < r->nstored; k++)
			same &= !strcmp(sc[k].context_hash, sc[0].context_hash);
		if (!same)
			report_html_para(&r->h, "warning", "The scenarios were computed from "
					 "different contexts (their hashes differ): compare "
					 "their numbers with care.");
	}
	report_html_section(&r->h, "metrics", "Metrics",
		"The statistics of every metric the scenarios saved. The heatmap "
		"puts the scenarios side by side: per column, brighter is larger "
		"(better, in Tyche's convention).");
	collect(&L, sc, r->nstored, 1, 1);
	if (!L.n) {
		report_html_para(&r->h, "note", "No metrics were saved with %s.",
				 r->nstored > 1 ? "these scenarios" : "this scenario");
	} else {
		double *v = calloc(L.n * r->nstored + 1, sizeof(double));
		const char **rows = calloc(r->nstored + 1, sizeof(char *));
		const char **cols = calloc(L.n + 1, sizeof(char *));
		tyche_plot_heat hm = { 0 };
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		char id[16];
		char *svg = NULL;

		if (v && rows && cols && L.n <= 1000) {
			for (size_t k = 0; k < r->nstored; k++)
				rows[k] = sc[k].name;
			for (size_t i = 0; i < L.n; i++) {
				cols[i] = L.ptr[i] + 1;
				for (size_t k = 0; k < r->nstored; k++)
					v[k * L.n + i] = L.num[i * r->nstored + k];
			}
			hm.rows = r->nstored;
			hm.cols = L.n;
			hm.v = v;
			hm.row_labels = rows;
			hm.col_labels = cols;
			po.title = "Metrics per scenario";
			po.show_values = 1;
			po.id = report_html_plot_id(&r->h, id);
			po.width = (int)(260 + 110 * L.n);
			if (po.width < 640)
				po.width = 640;
			if (po.width > 4000)
				po.width = 4000;
			rc = tyche_plot_heatmap(&svg, &hm, &po, &err);
			figure(r, rc, svg, "heatmap", "Each column is METRIC/STATISTIC; colours "
			       "are scaled per column.", &err);
			rc = 0;
		}
		free(v);
		free(rows);
		free(cols);
		leaves_table(r, &L, sc, "metrics", "Metric statistics (METRIC/STATISTIC)", "Metric");
	}
	leaves_release(&L);
	report_html_section(&r->h, "inputs", "Inputs",
		"What was asked: amounts, optimiser settings and the other inputs "
		"saved with the scenario, one row per setting (a JSON pointer).");
	collect(&L, sc, r->nstored, 0, 0);
	if (L.n)
		leaves_table(r, &L, sc, "inputs", "Inputs of the scenarios", "Input");
	else
		report_html_para(&r->h, "note", "No inputs were saved.");
	leaves_release(&L);
	collect(&L, sc, r->nstored, 1, 0);
	if (L.n) {
		report_html_section(&r->h, "results", "Other results",
			"Results saved besides the metric statistics (for example the "
			"amounts of an optimum).");
		leaves_table(r, &L, sc, "results", "Other results of the scenarios", "Result");
	}
	leaves_release(&L);
	if (r->title)
		snprintf(title, sizeof title, "%s", r->title);
	else if (r->nstored == 1)
		snprintf(title, sizeof title, "Tyche scenario: %s", sc[0].name);
	else
		snprintf(title, sizeof title, "Tyche: %zu scenarios compared", r->nstored);
	if (r->o.output && !(out = fopen(r->o.output, "w"))) {
		fprintf(stderr, "tyche-report: cannot write %s: %s\n", r->o.output, strerror(errno));
		rc = RUN_EX_CANTCREAT;
		goto out;
	}
	if (report_html_write(&r->h, out, title, sc[0].context[0] ? sc[0].context : NULL) ||
	    (out != stdout ? fclose(out) : fflush(out))) {
		fprintf(stderr, "tyche-report: cannot write %s\n", r->o.output ? r->o.output : "stdout");
		rc = RUN_EX_CANTCREAT;
		goto out;
	}
	if (r->csv)
		rc = write_csv_files(r);
out:
	for (size_t k = 0; k < MAX_STORED; k++)
		tyche_scenario_release(&sc[k]);
	tyche_store_free(st);
	return rc;
}

/* ------------------------------------------------------------ main */

static int parse_list(const char *list, unsigned *bits)
{
	char *dup = strdup(list), *save = NULL;

	*bits = 0;
	if (!dup)
		return RUN_EX_SOFTWARE;
	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; sections[i].name; i++)
			if (!strcmp(sections[i].name, tok))
				break;
		if (!sections[i].name) {
			fprintf(stderr, "tyche-report: unknown section '%s'; expected evaluate, "
				"tranches, investments, explore, optimise, bounds, pareto, "
				"waterfall, tornado, corners, all or default\n", tok);
			free(dup);
			return RUN_EX_USAGE;
		}
		*bits |= sections[i].bit;
	}
	free(dup);
	return 0;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]. */
static const char *own_opt(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int context_report(struct rep *r)
{
	tyche_error err = { 0 }, opt_err = { 0 };
	tyche_analysis_opts ao;
	double *budgets = NULL;
	size_t nb = 0;
	FILE *out = stdout;
	char title[512];
	int rc;

	if (r->o.budgets && (rc = parse_budgets(r->o.budgets, &budgets, &nb)))
		return rc;
	rc = run_load_context(r->o.context, &r->o.load, &r->ctx);
	if (rc)
		goto done;
	if (r->inc & ~INC_EVALUATE) {
		run_analysis_opts(&r->o, &ao);
		ao.memo = r->memo;
		if ((rc = tyche_surface_build(&r->s, r->ctx, &ao, NULL, &err))) {
			rc = fail(&err);
			goto done;
		}
		r->C = tyche_surface_ncategories(r->s);
		r->M = tyche_surface_nmetrics(r->s);
		r->N = tyche_surface_nsamples(r->s);
		for (size_t c = 0; c < r->C; c++)
			r->sum_max += tyche_surface_max_amount(r->s, c);
		if ((rc = make_problem(r)))
			goto done;
		if (!(r->explore = calloc(r->C + 1, sizeof(double)))) {
			rc = RUN_EX_SOFTWARE;
			goto done;
		}
		if (r->o.namounts) {
			if (tyche_surface_parse_amounts(r->s, r->o.amounts, r->o.namounts,
							r->explore, &err)) {
				rc = fail(&err);
				goto done;
			}
			if ((rc = run_check_range(&r->o, r->s, r->explore, "tyche-report")))
				goto done;
		} else {
			for (size_t c = 0; c < r->C; c++)
				r->explore[c] = tyche_surface_max_amount(r->s, c) / 2;
		}
		if (!budgets && (r->inc & INC_PARETO)) {
			nb = 6;
			if (!(budgets = calloc(nb, sizeof(double)))) {
				rc = RUN_EX_SOFTWARE;
				goto done;
			}
			for (size_t i = 0; i < nb; i++)
				budgets[i] = r->sum_max * (double)i / (double)(nb - 1);
		}
		if ((r->inc & (INC_OPTIMISE | INC_WATERFALL | INC_EXPLORE)) &&
		    (rc = tyche_optimize(&r->opt, r->s, &r->p, &opt_err))) {
			/* a bad problem (not an infeasible one) is the user's mistake */
			if (rc == TYCHE_EUSAGE) {
				rc = fail(&opt_err);
				goto done;
			}
			r->opt = NULL;
			rc = 0;
		}
	}
	if (report_html_init(&r->h)) {
		rc = RUN_EX_SOFTWARE;
		goto done;
	}
	section_summary(r);
	if (r->inc & INC_EVALUATE)
		section_evaluate(r);
	if (r->inc & INC_TRANCHES)
		section_tables(r, 0);
	if (r->inc & INC_INVESTMENTS)
		section_tables(r, 1);
	if (r->inc & INC_EXPLORE)
		section_explore(r);
	if (r->inc & INC_OPTIMISE)
		section_optimise(r, &opt_err);
	if (r->inc & INC_WATERFALL)
		section_waterfall(r);
	if (r->inc & INC_BOUNDS)
		section_bounds(r);
	if (r->inc & INC_PARETO)
		section_pareto(r, budgets, nb);
	if (r->inc & INC_TORNADO)
		section_tornado(r);
	if (r->inc & INC_CORNERS)
		section_corners(r);
	if (report_sens_wanted() && r->s)
		section_sens(r);
	r->problems += report_elicit_section(&r->h);
	if (r->title)
		snprintf(title, sizeof title, "%s", r->title);
	else
		snprintf(title, sizeof title, "Tyche report: %s", tyche_context_name(r->ctx));
	if (r->o.output && !(out = fopen(r->o.output, "w"))) {
		fprintf(stderr, "tyche-report: cannot write %s: %s\n", r->o.output, strerror(errno));
		rc = RUN_EX_CANTCREAT;
		goto done;
	}
	{
		char sub[256];

		snprintf(sub, sizeof sub, "%zu samples, seed %llu%s%s, libtyche %s", r->o.samples,
			 (unsigned long long)r->o.seed, r->o.design ? ", design " : "",
			 r->o.design ? tyche_design_name(r->o.design) : "", tyche_version());
		if (report_html_write(&r->h, out, title, sub) ||
		    (out != stdout ? fclose(out) : fflush(out))) {
			fprintf(stderr, "tyche-report: cannot write %s\n",
				r->o.output ? r->o.output : "stdout");
			rc = RUN_EX_CANTCREAT;
			goto done;
		}
	}
	if (r->csv)
		rc = write_csv_files(r);
	if (!rc && r->o.output) {
		char *abs = realpath(r->o.output, NULL);

		fprintf(stderr, "tyche-report: wrote %s (%zu sections, %u plots%s)\n",
			abs ? abs : r->o.output, r->h.ntoc, r->h.nplots,
			r->problems ? "; some sections report problems" : "");
		free(abs);
	}
done:
	free(budgets);
	return rc;
}

int main(int argc, char **argv)
{
	struct rep r;
	char **av = calloc((size_t)argc + 1, sizeof(char *));
	const char *include = NULL, *exclude = NULL;
	int ac = 0, rc;

	run_tune_malloc();
	memset(&r, 0, sizeof r);
	if (!av)
		return RUN_EX_SOFTWARE;
	av[ac++] = "tyche-report";
	/* our own options first; the rest are tyche-run's */
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			fputs(report_elicit_usage, stdout);
			fputs(report_sens_usage, stdout);
			free(av);
			return 0;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("tyche-report %s\n", tyche_version());
			free(av);
			return 0;
		}
		if ((rc = report_sens_option(argc, argv, &i)) ||
		    (rc = report_elicit_option(argc, argv, &i))) {
			if (rc < 0) {
				free(av);
				return RUN_EX_USAGE;
			}
			continue;
		}
		if (!strcmp(argv[i], "--csv")) {
			r.csv = 1;
			continue;
		}
		if ((v = own_opt(argc, argv, &i, "--include", &missing)))
			include = v;
		else if ((v = own_opt(argc, argv, &i, "--exclude", &missing)))
			exclude = v;
		else if ((v = own_opt(argc, argv, &i, "--title", &missing)))
			r.title = v;
		else if ((v = own_opt(argc, argv, &i, "--user", &missing)))
			r.user = v;
		else if ((v = own_opt(argc, argv, &i, "--stored", &missing))) {
			if (r.nstored == MAX_STORED) {
				fprintf(stderr, "tyche-report: at most %d --stored scenarios\n",
					MAX_STORED);
				free(av);
				return RUN_EX_USAGE;
			}
			r.stored[r.nstored++] = v;
		} else if (!missing)
			av[ac++] = argv[i];
		if (missing) {
			fprintf(stderr, "tyche-report: %s needs a value\n", argv[i]);
			free(av);
			return RUN_EX_USAGE;
		}
	}
	r.inc = INC_DEFAULT;
	if (include && (rc = parse_list(include, &r.inc)))
		goto out;
	if (exclude) {
		unsigned ex;

		if ((rc = parse_list(exclude, &ex)))
			goto out;
		r.inc &= ~ex;
	}
	if (r.nstored) {
		/* no context: only --store and --output of the common options */
		for (int i = 1; i < ac; i++) {
			int missing = 0;
			const char *v;

			if ((v = own_opt(ac, av, &i, "--store", &missing)))
				r.o.store = v;
			else if ((v = own_opt(ac, av, &i, "--output", &missing)) ||
				 (v = own_opt(ac, av, &i, "-o", &missing)))
				r.o.output = v;
			else {
				fprintf(stderr, "tyche-report: %s: with --stored only --store, --user, "
					"--output, --csv and --title apply\n", av[i]);
				rc = RUN_EX_USAGE;
				goto out;
			}
			if (missing) {
				fprintf(stderr, "tyche-report: %s needs a value\n", av[i]);
				rc = RUN_EX_USAGE;
				goto out;
			}
		}
	} else {
		rc = run_parse_common(ac, av, &r.o, usage_text);
		if (rc >= 0)
			goto out;
	}
	if (r.csv && !r.o.output) {
		fprintf(stderr, "tyche-report: --csv needs --output FILE (the CSV files go beside it)\n");
		rc = RUN_EX_USAGE;
		goto out;
	}
	/* no memo is only slower: the sections evaluate again */
	r.memo = tyche_eval_memo_create();
	rc = r.nstored ? stored_report(&r) : context_report(&r);
out:
	report_html_release(&r.h);
	for (size_t i = 0; i < r.ntables; i++)
		report_table_free(r.tables[i]);
	tyche_opt_result_free(r.opt);
	tyche_surface_free(r.s);
	tyche_context_free(r.ctx);
	tyche_eval_memo_free(r.memo);
	tyche_opt_problem_free(r.prob);
	free(r.explore);
	free(av);
	return rc;
}
