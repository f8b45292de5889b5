/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opt-spec.c - an optimisation problem from names: the one place where
 * "--metric LCOE --sense min --limit 'GHG>=40'" (the CLI) and
 * {"metric": "LCOE", "sense": "min", "limits": [...]} (the JSON API, the
 * report) become a tyche_opt_problem, so every front end accepts the same
 * words and refuses the same mistakes.
 *
 * Easy to get wrong: the problem points at arrays (limits, upper, start);
 * they are copied into one allocation owned by the problem, so the spec's
 * strings and arrays may go away after the call.  The field at fault goes
 * into err->where, never into the message alone: front ends map it to
 * their own names ("--limit", "field 'limits[2]'").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
	for (size_t k = 0; k < tyche_surface_nmetrics(s); k++)
		ty_buf_addf(&b, "%s'%s'", k ? ", " : "", tyche_surface_metric(s, k));
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
		if (tyche_opt_parse_limit(s, l->text, dflt, out, &e2))
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
