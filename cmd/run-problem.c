/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-problem.c - the optimisation options shared by tyche-run and
 * tyche-report (--metric, --sense, --statistic, --method, --budget,
 * --limit, --upper, --start, --max-time, --max-eval) turned into a
 * tyche_opt_spec; libtyche (tyche_opt_problem_create) resolves and checks
 * it, so both tools and the CGI accept and refuse the same things.
 *
 * Easy to get wrong: the library names the field at fault in err.where;
 * this file maps it back to the option the user typed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "runopt.h"

/* The option that sets a problem field, for messages. */
static const char *option_of(const char *field)
{
	static const char *const map[][2] = {
		{ "metric", "--metric" }, { "sense", "--sense" }, { "statistic", "--statistic" },
		{ "method", "--method" }, { "budget", "--budget" }, { "limits", "--limit" },
		{ "upper", "--upper" }, { "start", "--start" },
	};

	for (size_t k = 0; k < sizeof map / sizeof *map; k++)
		if (!strncmp(field, map[k][0], strlen(map[k][0])))
			return map[k][1];
	return field;
}

/* --start C=A,...: amounts of the categories named, NaN for the others. */
static int parse_start(const struct run_common *o, const tyche_surface *s, double *start,
		       tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s);
	char *dup = strdup(o->start), *save = NULL;
	double *one_amt = calloc(C + 1, sizeof(double));
	int rc = 0;

	for (size_t k = 0; k < C; k++)
		start[k] = NAN;
	if (!dup || !one_amt)
		rc = TYCHE_ENOMEM;
	for (char *tok = rc ? NULL : strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *one[1] = { tok };
		char *eq = strrchr(tok, '=');
		long k;

		if (tyche_surface_parse_amounts(s, one, 1, one_amt, err)) {
			rc = TYCHE_EUSAGE;
			break;
		}
		*eq = '\0';
		k = tyche_surface_find_category(s, tok);
		if (k >= 0)
			start[k] = one_amt[k];
	}
	free(one_amt);
	free(dup);
	return rc;
}

int run_make_problem(const struct run_common *o, const tyche_surface *s, int need_metric,
		     double default_budget, const char *tool, tyche_opt_problem **out)
{
	tyche_opt_spec spec = TYCHE_OPT_SPEC_INIT;
	tyche_opt_limit_spec lim[RUN_MAX_LIST];
	tyche_error err = { 0 };
	size_t C = tyche_surface_ncategories(s);
	double *upper = calloc(C + 1, sizeof(double)), *start = calloc(C + 1, sizeof(double));
	int rc = 0;

	if (!upper || !start) {
		free(upper);
		free(start);
		return RUN_EX_SOFTWARE;
	}
	spec.metric = o->metric;
	spec.need_metric = need_metric;
	spec.sense = o->sense;
	spec.statistic = o->statistic;
	spec.method = o->method;
	spec.has_budget = o->has_budget || !isnan(default_budget);
	spec.budget = o->has_budget ? o->budget : default_budget;
	for (size_t l = 0; l < o->nlimits; l++)
		lim[l] = (tyche_opt_limit_spec){ .text = o->limits[l] };
	spec.limits = lim;
	spec.nlimits = o->nlimits;
	spec.seed = o->seed;
	spec.max_time = o->max_time;
	spec.max_eval = o->max_eval;
	if (tyche_opt_parse_upper(s, o->uppers, o->nuppers, upper, &err)) {
		snprintf(err.where, sizeof err.where, "upper");
		rc = err.code;
	}
	spec.upper = upper;
	if (!rc && o->start) {
		rc = parse_start(o, s, start, &err);
		snprintf(err.where, sizeof err.where, "start");
		spec.start = start;
	}
	if (!rc)
		rc = tyche_opt_problem_create(out, s, &spec, &err);
	free(upper);
	free(start);
	if (rc == TYCHE_ENOMEM)
		return RUN_EX_SOFTWARE;
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", tool, option_of(err.where), err.msg);
		return run_exit_code(rc);
	}
	return 0;
}
