/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-analysis.c - `tyche-run tranches`, `investments` and `explore`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "run.h"
#include "runopt.h"

static int write_stdout(const char *buf, size_t n, void *arg)
{
	return fwrite(buf, 1, n, (FILE *)arg) == n ? 0 : -1;
}

static int report(int rc, const tyche_error *err)
{
	char buf[2048];

	if (rc)
		fprintf(stderr, "tyche-run: %s\n", tyche_error_format(err, buf, sizeof buf));
	return run_exit_code(rc);
}

static FILE *open_out(const struct run_common *o)
{
	FILE *f;

	if (!o->output)
		return stdout;
	f = fopen(o->output, "w");
	if (!f)
		fprintf(stderr, "tyche-run: cannot write %s: %s\n", o->output, strerror(errno));
	return f;
}

static int close_out(FILE *f, int rc)
{
	if (f != stdout) {
		if (fclose(f) && !rc)
			return RUN_EX_CANTCREAT;
	} else if (fflush(f) && !rc) {
		return RUN_EX_CANTCREAT;
	}
	return rc;
}

static int tables(int argc, char **argv, int investments)
{
	struct run_common o;
	tyche_analysis_opts ao;
	tyche_context *ctx = NULL;
	tyche_error err = { 0 };
	FILE *out;
	int rc;

	rc = run_parse_common(argc, argv, &o, investments
		? "usage: tyche-run investments [OPTIONS] CONTEXT\n"
		  "Amount and metrics of every investment, per technology and sample:\n"
		  "Investment,Technology,Sample,Index,Amount,Value,Units.\n"
		  "  --samples N --seed S --threads T --format csv|json --output FILE\n"
		  "  --models PATH\n"
		: "usage: tyche-run tranches [OPTIONS] CONTEXT\n"
		  "Amount and metrics of every tranche, per technology and sample:\n"
		  "Category,Tranche,Scenario,Technology,Sample,Index,Amount,Value,Units.\n"
		  "  --samples N --seed S --threads T --format csv|json --output FILE\n"
		  "  --models PATH\n");
	if (rc >= 0)
		return rc;
	rc = run_load_context(o.context, &o.load, &ctx);
	if (rc)
		return rc;
	out = open_out(&o);
	if (!out) {
		tyche_context_free(ctx);
		return RUN_EX_CANTCREAT;
	}
	run_analysis_opts(&o, &ao);
	rc = investments ? tyche_investments_write(ctx, &ao, o.format, write_stdout, out, &err)
			 : tyche_tranches_write(ctx, &ao, o.format, write_stdout, out, &err);
	rc = report(rc, &err);
	tyche_context_free(ctx);
	return close_out(out, rc);
}

int run_cmd_tranches(int argc, char **argv)
{
	return tables(argc, argv, 0);
}

int run_cmd_investments(int argc, char **argv)
{
	return tables(argc, argv, 1);
}

/* Parse a comma-separated statistics list (NULL: the default set). */
int run_parse_stats(const char *list, tyche_stat *st, size_t max, size_t *n)
{
	tyche_error err = { 0 };

	if (tyche_stat_parse_list(st, max, n, list, &err)) {
		fprintf(stderr, "tyche-run: --statistic: %s\n", err.msg);
		return RUN_EX_USAGE;
	}
	return 0;
}



/* --save: the inputs and the portfolio statistics as JSON texts. */
static int save_explore(const struct run_common *o, const tyche_context *ctx,
			const tyche_surface *s, const tyche_explore_result *r)
{
	cJSON *in = cJSON_CreateObject(), *am = cJSON_AddObjectToObject(in, "amounts");
	cJSON *res = cJSON_CreateObject(), *mets = cJSON_AddObjectToObject(res, "metrics");
	cJSON *sts = cJSON_AddArrayToObject(in, "statistics");
	char *ij, *rj;
	int rc;

	cJSON_AddStringToObject(in, "command", "explore");
	if (o->design)
		cJSON_AddStringToObject(in, "design", tyche_design_name(o->design));
	for (size_t c = 0; c < r->ncategories; c++)
		cJSON_AddNumberToObject(am, tyche_surface_category(s, c), r->amounts[c]);
	for (size_t k = 0; k < r->nstats; k++)
		cJSON_AddItemToArray(sts, cJSON_CreateString(r->stats[k].name));
	for (size_t m = 0; m < r->nmetrics; m++) {
		cJSON *mo = cJSON_AddObjectToObject(mets, tyche_surface_metric(s, m));

		for (size_t k = 0; k < r->nstats; k++) {
			double val = tyche_explore_value(r, 0, m, k);

			if (val == val && val - val == 0)
				cJSON_AddNumberToObject(mo, r->stats[k].name, val);
			else
				cJSON_AddNullToObject(mo, r->stats[k].name);
		}
	}
	ij = cJSON_PrintUnformatted(in);
	rj = cJSON_PrintUnformatted(res);
	rc = run_save_scenario(o, ctx, ij, rj);
	free(ij);
	free(rj);
	cJSON_Delete(in);
	cJSON_Delete(res);
	return rc;
}

int run_cmd_explore(int argc, char **argv)
{
	struct run_common o;
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_explore_result *r = NULL;
	tyche_error err = { 0 };
	tyche_stat st[64];
	size_t nst;
	double *amounts = NULL;
	FILE *out;
	int rc;

	rc = run_parse_common(argc, argv, &o,
		"usage: tyche-run explore [OPTIONS] CONTEXT\n"
		"Statistics of every metric for a portfolio of amounts per category.\n"
		"  --amount 'CATEGORY=AMOUNT'  (repeatable; categories not named are 0)\n"
		"  --statistic LIST   e.g. mean,std,q10,q0.25,var95,cvar95,p>0 (default\n"
		"                     mean,std,q10,q50,q90)\n"
		"  --by-category      also per category\n"
		"  --extrapolate      allow amounts above a category's largest tranche\n"
		"                     amount (the surface extrapolates linearly there)\n"
		"  --samples N --seed S --threads T --format csv|json --output FILE\n"
		"  --cache DIR | --no-cache   where fitted surfaces are kept\n"
		"  --models PATH\n"
		"  --save NAME [--share] [--tag T] [--store DIR]\n"
		"                     record the run in the scenario store\n"
		"  --design D         sampling design: mc (default), lhs or qmc\n"
		"  --se               Monte-Carlo standard errors (an SE column)\n"
		"  --until-se X       double the samples until the SE of the first\n"
		"                     statistic of --metric is <= X (implies --se)\n"
		"  --max-samples N    the most --until-se may use (default 1e6)\n"
		"Output: Level,Category,Metric,Statistic,Value,Units (Level is portfolio\n"
		"or category); with --se: Level,Category,Metric,Statistic,Value,SE,Units.\n");
	if (rc >= 0)
		return rc;
	rc = run_parse_stats(o.statistic, st, 64, &nst);
	if (rc)
		return rc;
	if (o.until_se > 0)
		rc = run_until_se(&o, st, &ctx, &s);
	else
		rc = run_load_surface(&o, &ctx, &s);
	if (rc)
		return rc;
	amounts = calloc(tyche_surface_ncategories(s) + 1, sizeof(double));
	if (!amounts) {
		rc = RUN_EX_SOFTWARE;
		goto done;
	}
	rc = tyche_surface_parse_amounts(s, (const char *const *)o.amounts, o.namounts,
					 amounts, &err);
	if (rc) {
		rc = report(rc, &err);
		goto done;
	}
	rc = run_check_range(&o, s, amounts, "tyche-run");
	if (rc)
		goto done;
	rc = tyche_explore(&r, s, amounts, st, nst, o.by_category, &err);
	if (rc) {
		rc = report(rc, &err);
		goto done;
	}
	run_warn_extrapolated(s, r->outside);
	out = open_out(&o);
	if (!out) {
		rc = RUN_EX_CANTCREAT;
		goto done;
	}
	if (o.se || o.until_se > 0) {
		tyche_mcse *m = NULL;

		rc = tyche_mcse_compute(&m, s, amounts, st, nst, o.by_category, &err);
		if (!rc)
			rc = tyche_mcse_write(m, tyche_context_name(ctx), o.format, write_stdout, out,
					      &err);
		rc = report(rc, &err);
		tyche_mcse_free(m);
	} else {
		rc = report(tyche_explore_write(s, r, tyche_context_name(ctx), o.format,
						write_stdout, out, &err), &err);
	}
	rc = close_out(out, rc);
	if (!rc && o.save)
		rc = save_explore(&o, ctx, s, r);
done:
	free(amounts);
	tyche_explore_free(r);
	tyche_surface_free(s);
	tyche_context_free(ctx);
	return rc;
}

/* Warn on stderr for each category whose amount lies outside its tranche
 * amounts (the surface extrapolates there). */
void run_warn_extrapolated(const tyche_surface *s, const int *outside)
{
	for (size_t c = 0; c < tyche_surface_ncategories(s); c++) {
		size_t T = tyche_surface_ntranches(s, c);
		double lo = 0, hi = 0;

		if (!outside[c] || !T)
			continue;
		tyche_surface_tranche(s, c, 0, &lo);
		tyche_surface_tranche(s, c, T - 1, &hi);
		fprintf(stderr, "tyche-run: warning: category '%s': the amount lies outside its "
			"tranche amounts [%g, %g]; the response surface extrapolates linearly there\n",
			tyche_surface_category(s, c), lo, hi);
	}
}

/* Refuse an amount above a category's largest tranche amount, as the API
 * does, unless --extrapolate was given.  Returns an exit code. */
int run_check_range(const struct run_common *o, const tyche_surface *s, const double *amounts,
		    const char *tool)
{
	tyche_error err = { 0 };

	if (o->extrapolate || !tyche_surface_check_range(s, amounts, &err))
		return 0;
	fprintf(stderr, "%s: --amount: %s (give --extrapolate to allow it)\n", tool, err.msg);
	return RUN_EX_USAGE;
}

int run_cmd_convert(int argc, char **argv)
{
	tyche_error err = { 0 };
	char buf[2048];
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: tyche-run convert WORKBOOK.xlsx DIR\n"
		       "Write the workbook's seven tables as CSV files in DIR.\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "tyche-run convert: expected WORKBOOK and DIR (see --help)\n");
		return RUN_EX_USAGE;
	}
	rc = tyche_workbook_convert(argv[1], argv[2], &err);
	if (rc)
		fprintf(stderr, "tyche-run: %s\n", tyche_error_format(&err, buf, sizeof buf));
	return run_exit_code(rc);
}
