/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * optim-problem.c - an optimisation problem from names and strings: the
 * status and method names, "GHG>=40" / "q10(GHG)>=40" limits, "A=100"
 * upper limits, and tyche_opt_problem_create, the one place where
 * "--metric LCOE --sense min --limit 'GHG>=40'" (the CLI) and
 * {"metric": "LCOE", "sense": "min", "limits": [...]} (the JSON API, the
 * report) become a tyche_opt_problem, so every front end accepts the same
 * words and refuses the same mistakes.
 *
 * Easy to get wrong:
 *  - In a limit the *last* '<' or '>' is the operator, so the statistic
 *    p>0.5 works in "p>0.5(GHG)>=0.9"; a limit without STAT( ) takes the
 *    default statistic (the objective's).
 *  - The problem points at arrays (limits, upper, start); they are copied
 *    into one allocation owned by the problem, so the spec's strings and
 *    arrays may go away after the call.
 *  - The field at fault goes into err->where, never into the message
 *    alone: front ends map it to their own names ("--limit", "field
 *    'limits[2]'").  The parsers of single strings leave where empty.
 *  - Nothing here solves anything; the driver checks the problem again
 *    (a caller may fill tyche_opt_problem by hand).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

/* ------------------------------------------------------------ names */

const char *tyche_opt_status_name(int status)
{
	switch (status) {
	case TYCHE_OPT_OPTIMAL: return "optimal";
	case TYCHE_OPT_INFEASIBLE: return "infeasible";
	case TYCHE_OPT_LIMIT: return "limit";
	case TYCHE_OPT_LOCAL_OPTIMUM: return "local optimum";
	case TYCHE_OPT_BEST_FOUND: return "best found";
	default: return "error";
	}
}

int tyche_opt_status_ok(int status)
{
	return status == TYCHE_OPT_OPTIMAL || status == TYCHE_OPT_LOCAL_OPTIMUM ||
	       status == TYCHE_OPT_BEST_FOUND;
}

const char *tyche_opt_method_name(int method)
{
	switch (method) {
	case TYCHE_OPT_LOCAL: return "local";
	case TYCHE_OPT_GLOBAL: return "global";
	case TYCHE_OPT_MILP: return "milp";
	case TYCHE_OPT_AUTO: return "auto";
	default: return "?";
	}
}

int tyche_opt_method_parse(const char *name, int *method, tyche_error *err)
{
	for (int m = TYCHE_OPT_LOCAL; m <= TYCHE_OPT_AUTO; m++)
		if (name && !strcmp(name, tyche_opt_method_name(m))) {
			*method = m;
			return 0;
		}
	return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
			   "unknown method '%s', expected auto, local, global or milp",
			   name ? name : "");
}

void ty_opt_metric_list(struct ty_buf *b, const tyche_surface *s)
{
	for (size_t m = 0; m < tyche_surface_nmetrics(s); m++)
		ty_buf_addf(b, "%s'%s'", m ? ", " : "", tyche_surface_metric(s, m));
}

/* ------------------------------------------------------------ strings */

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return ty_strndup(s, n);
}

int tyche_opt_parse_limit(tyche_opt_limit *out, const tyche_surface *s, const char *text,
			  const tyche_stat *dflt, tyche_error *err)
{
	tyche_opt_limit L;
	const char *op = NULL, *rhs;
	char *lhs = NULL, *name = NULL, *num = NULL;
	size_t len = strlen(text);
	int rc = 0;
	long m;

	memset(&L, 0, sizeof L);
	/* the last '<' or '>' is the operator: "p>0.5(GHG)>=0.9" works */
	for (size_t i = len; i > 0; i--)
		if (text[i - 1] == '<' || text[i - 1] == '>') {
			op = text + i - 1;
			break;
		}
	if (!op || op == text)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "limit '%s': expected METRIC>=NUMBER, METRIC<=NUMBER or STAT(METRIC)>=NUMBER",
				   text);
	L.upper = *op == '<';
	if (op[1] != '=')
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "limit '%s': strict limits are not supported; write %s= "
				   "(the optimiser cannot tell %c from %c=)", text,
				   L.upper ? "<" : ">", *op, *op);
	rhs = op + 2;
	num = trim_dup(rhs, strlen(rhs));
	lhs = trim_dup(text, (size_t)(op - text));
	if (!num || !lhs) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (ty_parse_number(num, &L.bound) || !isfinite(L.bound)) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "limit '%s': '%s' is not a number", text, num);
		goto out;
	}
	if (dflt)
		L.stat = *dflt;
	else
		rc = tyche_stat_parse(&L.stat, "mean", err);
	{
		size_t n = strlen(lhs);
		char *open = strchr(lhs, '(');

		if (open && n && lhs[n - 1] == ')' && open != lhs) {
			*open = '\0';
			lhs[n - 1] = '\0';
			rc = tyche_stat_parse(&L.stat, lhs, err);
			if (rc)
				goto out;
			name = trim_dup(open + 1, strlen(open + 1));
		} else {
			name = ty_strdup(lhs);
		}
	}
	if (!name) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	m = tyche_surface_find_metric(s, name);
	if (m < 0) {
		struct ty_buf b = TY_BUF_INIT;

		ty_opt_metric_list(&b, s);
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "limit '%s': unknown metric '%s'; the metrics are %s", text, name,
				 b.p ? b.p : "");
		ty_buf_release(&b);
		goto out;
	}
	L.metric = (size_t)m;
	*out = L;
out:
	free(lhs);
	free(name);
	free(num);
	return rc;
}

int tyche_opt_parse_range(double **out, size_t *n, const char *text,
			  double lo_min, size_t max_points, tyche_error *err)
{
	double lo, hi, step;
	char *end;
	size_t k;

	*out = NULL;
	*n = 0;
	lo = strtod(text, &end);
	if (*end != ':')
		goto bad;
	hi = strtod(end + 1, &end);
	if (*end != ':')
		goto bad;
	step = strtod(end + 1, &end);
	if (*end || !(step > 0) || !(hi >= lo) || !(lo >= lo_min) || !isfinite(lo) ||
	    !isfinite(hi) || !isfinite(step))
		goto bad;
	k = (size_t)floor((hi - lo) / step * (1 + 1e-12)) + 1;
	if (k > max_points)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "%zu points, more than %zu",
				   k, max_points);
	*out = ty_calloc(k, sizeof(double));
	if (!*out)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t i = 0; i < k; i++)
		(*out)[i] = lo + step * (double)i;
	*n = k;
	return 0;
bad:
	return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
			   "'%.200s', expected LO:HI:STEP with %sLO <= HI, STEP > 0", text,
			   lo_min == 0 ? "0 <= " : "");
}

int tyche_opt_parse_upper(const tyche_surface *s, const char *const *assign, size_t n,
			  double *upper, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s);

	for (size_t c = 0; c < C; c++)
		upper[c] = tyche_surface_max_amount(s, c);
	for (size_t k = 0; k < n; k++) {
		const char *eq = strrchr(assign[k], '=');
		char *name;
		double v;
		long c;

		if (!eq || ty_parse_number(eq + 1, &v) || v < 0 || !isfinite(v))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					   "upper limit '%s': expected CATEGORY=AMOUNT with an amount >= 0",
					   assign[k]);
		name = ty_strndup(assign[k], (size_t)(eq - assign[k]));
		if (!name)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		c = tyche_surface_find_category(s, name);
		if (c < 0) {
			struct ty_buf b = TY_BUF_INIT;
			int rc;

			for (size_t j = 0; j < C; j++)
				ty_buf_addf(&b, "%s'%s' (max %g)", j ? ", " : "",
					    tyche_surface_category(s, j),
					    tyche_surface_max_amount(s, j));
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "upper limit '%s': unknown category '%s'; the categories are %s",
					 assign[k], name, b.p ? b.p : "");
			ty_buf_release(&b);
			free(name);
			return rc;
		}
		free(name);
		upper[c] = v;
	}
	return 0;
}

/* ------------------------------------------------------------ problems */

struct owned_problem {
	tyche_opt_problem p;      /* first: the public pointer is this */
	tyche_opt_limit *limits;
	double *upper, *start;
};

void tyche_opt_problem_free(tyche_opt_problem *p)
{
	struct owned_problem *o = (struct owned_problem *)p;

	if (!o)
		return;
	free(o->limits);
	free(o->upper);
	free(o->start);
	free(o);
}

static int metric_index(const tyche_surface *s, const char *name, const char *field,
			size_t *out, tyche_error *err)
{
	long m = tyche_surface_find_metric(s, name);
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	if (m >= 0) {
		*out = (size_t)m;
		return 0;
	}
	ty_opt_metric_list(&b, s);
	rc = ty_error_at(err, TYCHE_EUSAGE, field, 0, 0, "unknown metric '%.100s'; the metrics are %s",
			 name, b.p ? b.p : "none");
	ty_buf_release(&b);
	return rc;
}

static int one_limit(const tyche_surface *s, const tyche_opt_limit_spec *l, size_t i,
		     const tyche_stat *dflt, tyche_opt_limit *out, tyche_error *err)
{
	char where[48];
	tyche_error e2 = { 0 };

	snprintf(where, sizeof where, "limits[%zu]", i);
	if (l->text) {
		if (tyche_opt_parse_limit(out, s, l->text, dflt, &e2))
			return ty_error_at(err, e2.code, where, 0, 0, "%s", e2.msg);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	if (!l->metric)
		return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0, "a limit needs a metric");
	snprintf(where, sizeof where, "limits[%zu].metric", i);
	if (metric_index(s, l->metric, where, &out->metric, err))
		return TYCHE_EUSAGE;
	snprintf(where, sizeof where, "limits[%zu].sense", i);
	if (l->sense && !strcmp(l->sense, ">="))
		out->upper = 0;
	else if (l->sense && !strcmp(l->sense, "<="))
		out->upper = 1;
	else
		return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0, "expected \">=\" or \"<=\"%s",
				   l->sense && (!strcmp(l->sense, ">") || !strcmp(l->sense, "<"))
				   ? " (strict limits are not supported)" : "");
	snprintf(where, sizeof where, "limits[%zu].bound", i);
	if (!isfinite(l->bound))
		return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0, "the bound must be a finite number");
	out->bound = l->bound;
	out->stat = *dflt;
	if (l->statistic && tyche_stat_parse(&out->stat, l->statistic, &e2)) {
		snprintf(where, sizeof where, "limits[%zu].statistic", i);
		return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0, "%s", e2.msg);
	}
	return 0;
}

int tyche_opt_problem_create(tyche_opt_problem **out, const tyche_surface *s,
			     const tyche_opt_spec *spec, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s);
	struct owned_problem *o = ty_calloc(1, sizeof(*o));
	tyche_opt_problem init = TYCHE_OPT_PROBLEM_INIT, *p;
	tyche_error e2 = { 0 };
	int rc = 0;

	if (!o)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	p = &o->p;
	*p = init;
	if (spec->statistic && tyche_stat_parse(&p->stat, spec->statistic, &e2)) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "statistic", 0, 0, "%s", e2.msg);
		goto out;
	}
	if (spec->metric) {
		if ((rc = metric_index(s, spec->metric, "metric", &p->metric, err)))
			goto out;
	} else if (spec->need_metric) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "metric", 0, 0, "the metric to optimise is required");
		goto out;
	}
	if (!spec->sense || !strcmp(spec->sense, "max")) {
		p->minimize = 0;
	} else if (!strcmp(spec->sense, "min")) {
		p->minimize = 1;
	} else {
		rc = ty_error_at(err, TYCHE_EUSAGE, "sense", 0, 0, "'%.100s': expected max or min",
				 spec->sense);
		goto out;
	}
	if (spec->method && tyche_opt_method_parse(spec->method, &p->method, &e2)) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "method", 0, 0, "%s", e2.msg);
		goto out;
	}
	if (spec->has_budget && !(spec->budget >= 0 && isfinite(spec->budget))) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "budget", 0, 0,
				 "the budget must be a finite number >= 0");
		goto out;
	}
	p->has_budget = spec->has_budget;
	p->budget = spec->has_budget ? spec->budget : 0;
	if (spec->nlimits) {
		if (spec->nlimits > 1024) {
			rc = ty_error_at(err, TYCHE_EUSAGE, "limits", 0, 0, "more than 1024 limits");
			goto out;
		}
		o->limits = ty_calloc(spec->nlimits, sizeof(tyche_opt_limit));
		if (!o->limits) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < spec->nlimits; i++)
			if ((rc = one_limit(s, &spec->limits[i], i, &p->stat, &o->limits[i], err)))
				goto out;
		p->limits = o->limits;
		p->nlimits = spec->nlimits;
	}
	for (int which = 0; which < 2; which++) {
		const double *src = which ? spec->start : spec->upper;
		double *dst;

		if (!src)
			continue;
		dst = ty_calloc(C + 1, sizeof(double));
		if (!dst) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		if (which)
			o->start = dst;
		else
			o->upper = dst;
		for (size_t c = 0; c < C; c++) {
			if (src[c] < 0 || isinf(src[c])) {
				rc = ty_error_at(err, TYCHE_EUSAGE, which ? "start" : "upper", 0, 0,
						 "category '%s': expected a finite amount >= 0",
						 tyche_surface_category(s, c));
				goto out;
			}
			dst[c] = src[c];
			if (which && isnan(dst[c])) {
				/* the reference's start: 10 % of the upper bound */
				double max = tyche_surface_max_amount(s, c);
				double up = o->upper && !isnan(o->upper[c]) && o->upper[c] < max
					? o->upper[c] : max;

				dst[c] = 0.1 * up;
			}
		}
	}
	p->upper = o->upper;
	p->start = o->start;
	p->seed = spec->seed;
	p->max_time = spec->max_time;
	p->max_eval = spec->max_eval;
out:
	if (rc) {
		tyche_opt_problem_free(p);
		return rc;
	}
	*out = p;
	return 0;
}
