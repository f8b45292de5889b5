/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report-data.c - the report's view of a results object: one distribution
 * per (group, metric), where a group is one or more key columns joined
 * with " / " for labels ("Technology / Scenario", "Category / Tranche").
 *
 * The numbers come from libtyche as values (tyche_results_group sums the
 * rows of a group per sample); nothing here parses text or computes a
 * statistic.  Easy to get wrong: the metric key column is grouped on too,
 * so each (group, metric) is one row of the grouped results; a filter
 * column (Variable = "Metric" for scenario results) is grouped on first
 * and its other values dropped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void report_agg_init(struct report_agg *a)
{
	memset(a, 0, sizeof(*a));
}

void report_agg_release(struct report_agg *a)
{
	for (size_t i = 0; i < a->nseries; i++) {
		free(a->series[i].group);
		free(a->series[i].metric);
		free(a->series[i].units);
	}
	free(a->series);
	for (size_t i = 0; i < a->ngroups; i++)
		free(a->groups[i]);
	free(a->groups);
	for (size_t i = 0; i < a->nmetrics; i++)
		free(a->metrics[i]);
	free(a->metrics);
	tyche_results_free(a->grouped);
	memset(a, 0, sizeof(*a));
}

static int add_name(char ***v, size_t *n, const char *s)
{
	char **nv;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(char *));
	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

int report_agg_from(struct report_agg *a, const tyche_results *r, const char *const *group,
		    size_t ngroup, const char *metric, const char *filter,
		    const char *filter_val, tyche_error *err)
{
	size_t keys[8], nk = 0, N = tyche_results_nsamples(r);
	long k;

	if (filter) {
		if ((k = tyche_results_find_key(r, filter)) < 0)
			goto nokey;
		keys[nk++] = (size_t)k;
	}
	for (size_t i = 0; i < ngroup && nk < 6; i++) {
		if ((k = tyche_results_find_key(r, group[i])) < 0)
			goto nokey;
		keys[nk++] = (size_t)k;
	}
	if ((k = tyche_results_find_key(r, metric)) < 0)
		goto nokey;
	keys[nk++] = (size_t)k;
	if (tyche_results_group(&a->grouped, r, keys, nk, err))
		return err->code;
	a->nseries = 0;
	a->series = calloc(tyche_results_nrows(a->grouped) + 1, sizeof(*a->series));
	if (!a->series)
		goto oom;
	for (size_t row = 0; row < tyche_results_nrows(a->grouped); row++) {
		const tyche_results *g = a->grouped;
		struct report_series *s;
		size_t first = filter ? 1 : 0, len = 0;
		char label[1024];

		if (filter && strcmp(tyche_results_key(g, row, 0), filter_val))
			continue;
		label[0] = '\0';
		for (size_t i = first; i < nk - 1; i++) {
			int n = snprintf(label + len, sizeof label - len, "%s%s",
					 i > first ? " / " : "", tyche_results_key(g, row, i));

			if (n < 0 || (size_t)n >= sizeof label - len)
				break;
			len += (size_t)n;
		}
		s = &a->series[a->nseries++];
		s->group = strdup(label);
		s->metric = strdup(tyche_results_key(g, row, nk - 1));
		s->units = strdup(tyche_results_units(g, row));
		s->row = row;
		s->v = tyche_results_values(g, row);
		s->n = N;
		s->amount = NAN;
		if (!s->group || !s->metric || !s->units ||
		    add_name(&a->groups, &a->ngroups, s->group) ||
		    add_name(&a->metrics, &a->nmetrics, s->metric))
			goto oom;
	}
	/* amounts: the group's first source row (every row of a group shares
	 * its tranche or investment amount) at the last sample */
	for (size_t i = 0; i < a->nseries && tyche_results_nrows(r); i++) {
		const tyche_results *src = r;
		size_t gk = filter ? 1 : 0;

		for (size_t row = 0; row < tyche_results_nrows(src); row++) {
			const double *amt = tyche_results_amounts(src, row);

			if (!amt || strcmp(tyche_results_key(src, row, keys[gk]),
					   tyche_results_key(a->grouped, i, gk)))
				continue;
			a->series[i].amount = amt[N - 1];
			break;
		}
	}
	return 0;
nokey:
	err->code = TYCHE_EINTERNAL;
	snprintf(err->msg, sizeof err->msg, "the results have no such key column");
	return TYCHE_EINTERNAL;
oom:
	err->code = TYCHE_ENOMEM;
	snprintf(err->msg, sizeof err->msg, "out of memory");
	return TYCHE_ENOMEM;
}

int report_agg_stats(const struct report_agg *a, const tyche_stat *st, size_t nst,
		     double *out)
{
	tyche_error err = { 0 };
	size_t *rows = calloc(a->nseries + 1, sizeof(*rows));
	int rc;

	if (!rows)
		return TYCHE_ENOMEM;
	for (size_t i = 0; i < a->nseries; i++)
		rows[i] = a->series[i].row;
	rc = tyche_results_rows_stats(a->grouped, rows, a->nseries, st, nst, out, &err);
	free(rows);
	return rc;
}

const struct report_series *report_agg_find(const struct report_agg *a, const char *group,
					    const char *metric)
{
	for (size_t i = 0; i < a->nseries; i++)
		if (!strcmp(a->series[i].group, group) && !strcmp(a->series[i].metric, metric))
			return &a->series[i];
	return NULL;
}
