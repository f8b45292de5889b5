/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report-data.c - gather the long-form CSV that libtyche writes
 * (tyche_evaluate, tyche_tranches_write, tyche_investments_write) into one
 * distribution per (group, metric) for the report's plots and tables.
 *
 * The public API hands results out as text through a writer callback, so
 * this reads that text back: chunks arrive cut anywhere, a record ends at a
 * newline outside quotes, and fields may be quoted (names come from
 * outside and may hold commas).  Values of rows sharing group, metric and
 * sample are summed: a portfolio's metric is the sum over technologies.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define REPORT_MAX_FIELDS 16
#define REPORT_MAX_LINE (1u << 20)
#define REPORT_MAX_SAMPLES 100000000u

void report_agg_init(struct report_agg *a)
{
	memset(a, 0, sizeof(*a));
	a->units_col = a->amount_col = a->filter_col = -1;
}

void report_agg_release(struct report_agg *a)
{
	for (size_t i = 0; i < a->nseries; i++) {
		free(a->series[i].group);
		free(a->series[i].metric);
		free(a->series[i].units);
		free(a->series[i].v);
	}
	free(a->series);
	for (size_t i = 0; i < a->ngroups; i++)
		free(a->groups[i]);
	free(a->groups);
	for (size_t i = 0; i < a->nmetrics; i++)
		free(a->metrics[i]);
	free(a->metrics);
	free(a->line);
	memset(a, 0, sizeof(*a));
}

/* Split one record in place into fields (quotes removed). */
static size_t split(char *s, char **f, size_t max)
{
	size_t n = 0;

	for (;;) {
		char *w = s;

		if (n == max)
			return n;
		f[n++] = s;
		if (*s == '"') {
			s++;
			for (;;) {
				if (!*s)
					break;
				if (*s == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*w++ = *s++;
				}
			}
			while (*s && *s != ',')
				s++;
		} else {
			while (*s && *s != ',')
				w = ++s;
		}
		if (!*s) {
			*w = '\0';
			return n;
		}
		*w = '\0';
		s++;
	}
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

static struct report_series *lookup(struct report_agg *a, const char *group,
				    const char *metric)
{
	struct report_series *s;

	/* rows repeat the same sequence of series for every sample: try the
	 * one used last and the one after it before searching */
	for (size_t k = a->last; k < a->last + 2 && k < a->nseries; k++)
		if (!strcmp(a->series[k].metric, metric) && !strcmp(a->series[k].group, group)) {
			a->last = k;
			return &a->series[k];
		}
	for (size_t i = 0; i < a->nseries; i++)
		if (!strcmp(a->series[i].group, group) && !strcmp(a->series[i].metric, metric)) {
			a->last = i;
			return &a->series[i];
		}
	if (a->nseries == a->scap) {
		size_t cap = a->scap ? 2 * a->scap : 32;
		struct report_series *ns = realloc(a->series, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		a->series = ns;
		a->scap = cap;
	}
	s = &a->series[a->nseries];
	memset(s, 0, sizeof(*s));
	s->group = strdup(group);
	s->metric = strdup(metric);
	s->units = strdup("");
	s->amount = NAN;
	if (!s->group || !s->metric || !s->units || add_name(&a->groups, &a->ngroups, group) ||
	    add_name(&a->metrics, &a->nmetrics, metric)) {
		free(s->group);
		free(s->metric);
		free(s->units);
		return NULL;
	}
	a->last = a->nseries++;
	return s;
}

static int take_record(struct report_agg *a, char *rec)
{
	char *f[REPORT_MAX_FIELDS];
	char group[1024];
	size_t nf, need = 0, len = 0;
	struct report_series *s;
	char *end;
	double sample, value;
	int cols[] = { a->metric_col, a->sample_col, a->value_col, a->units_col,
		       a->amount_col, a->filter_col };

	if (!a->header_seen) {
		a->header_seen = 1;
		return 0;
	}
	if (!*rec)
		return 0;
	nf = split(rec, f, REPORT_MAX_FIELDS);
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (cols[i] >= 0 && (size_t)cols[i] + 1 > need)
			need = (size_t)cols[i] + 1;
	for (int i = 0; i < a->ngroup_cols; i++)
		if ((size_t)a->group_cols[i] + 1 > need)
			need = (size_t)a->group_cols[i] + 1;
	if (nf < need)
		return -1;
	if (a->filter_col >= 0 && strcmp(f[a->filter_col], a->filter_val))
		return 0;
	group[0] = '\0';
	for (int i = 0; i < a->ngroup_cols; i++) {
		int k = snprintf(group + len, sizeof group - len, "%s%s", i ? " / " : "",
				 f[a->group_cols[i]]);

		if (k < 0 || (size_t)k >= sizeof group - len)
			return -1;
		len += (size_t)k;
	}
	sample = strtod(f[a->sample_col], &end);
	if (*end || !(sample >= 1) || sample > REPORT_MAX_SAMPLES || sample != floor(sample))
		return -1;
	value = strtod(f[a->value_col], &end);
	if (*end)
		return -1;
	s = lookup(a, group, f[a->metric_col]);
	if (!s)
		return -1;
	if ((size_t)sample > s->cap) {
		size_t cap = s->cap ? s->cap : 1024;
		double *nv;

		while (cap < (size_t)sample)
			cap *= 2;
		nv = realloc(s->v, cap * sizeof(double));
		if (!nv)
			return -1;
		memset(nv + s->cap, 0, (cap - s->cap) * sizeof(double));
		s->v = nv;
		s->cap = cap;
	}
	if ((size_t)sample > s->n)
		s->n = (size_t)sample;
	s->v[(size_t)sample - 1] += value;
	if (a->units_col >= 0 && !*s->units) {
		free(s->units);
		s->units = strdup(f[a->units_col]);
		if (!s->units)
			return -1;
	}
	if (a->amount_col >= 0)
		s->amount = strtod(f[a->amount_col], NULL);
	return 0;
}

int report_agg_write(const char *buf, size_t n, void *arg)
{
	struct report_agg *a = arg;

	if (a->failed)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '"')
			a->inq = !a->inq;   /* "" inside quotes toggles twice */
		if (c == '\n' && !a->inq) {
			if (a->len && a->line[a->len - 1] == '\r')
				a->len--;
			if (!a->line && !(a->line = malloc(1)))
				goto fail;
			a->line[a->len] = '\0';
			if (take_record(a, a->line))
				goto fail;
			a->len = 0;
			continue;
		}
		if (a->len + 2 > a->cap) {
			size_t cap = a->cap ? 2 * a->cap : 256;
			char *nl;

			if (cap > REPORT_MAX_LINE)
				goto fail;
			nl = realloc(a->line, cap);
			if (!nl)
				goto fail;
			a->line = nl;
			a->cap = cap;
		}
		a->line[a->len++] = c;
	}
	return 0;
fail:
	a->failed = 1;
	return -1;
}

const struct report_series *report_agg_find(const struct report_agg *a, const char *group,
					    const char *metric)
{
	for (size_t i = 0; i < a->nseries; i++)
		if (!strcmp(a->series[i].group, group) && !strcmp(a->series[i].metric, metric))
			return &a->series[i];
	return NULL;
}
