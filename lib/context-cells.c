/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-cells.c - what every step of a context load shares: the table
 * names and required columns, located cell diagnostics, parsing a cell as
 * an Offset or a value, the string set, and finding a technology,
 * scenario or index label by name.
 *
 * It sits below every other lib/context*.c file and calls none of them
 * (t/check-calls.py: a loop between the loader's files fails the build).
 * Easy to get wrong: ty_context_cell_diag is the one place a load problem
 * gets its location (table, row, column); a step that formats its own
 * message loses the row.  Messages quote at most 60 bytes of a cell.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context-load.h"
#include "names.h"

const char *const ty_table_names[7] = {
	"designs", "parameters", "indices", "functions", "results", "tranches",
	"investments"
};

/* Required columns of each table, in the reference's order. */
const char *const ty_context_required_cols[7][8] = {
	{ "Technology", "Scenario", "Variable", "Index", "Value", NULL },
	{ "Technology", "Scenario", "Parameter", "Offset", "Value", NULL },
	{ "Technology", "Type", "Index", "Offset", NULL },
	{ "Technology", "Style", "Model", "Capital", "Fixed", "Production", "Metrics", NULL },
	{ "Technology", "Variable", "Index", "Units", NULL },
	{ "Category", "Tranche", "Scenario", "Amount", NULL },
	{ "Investment", "Category", "Tranche", NULL },
};

/* ------------------------------------------------------------ helpers */

void ty_context_cell_diag(struct loader *L, int sev, int ti, size_t r, size_t c,
			  const char *fmt, ...)
{
	char where[512], msg[1024];
	int line, col;
	va_list ap;

	if (L->d && L->d->n >= TY_MAX_DIAGS) {
		/* only counted from now on: skip the formatting */
		ty_diag_add(L->d, sev, "", 0, 0, "%s", "");
		return;
	}
	ty_table_loc(L->t[ti], r, c, where, &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ty_diag_add(L->d, sev, where, line, col, "%s", msg);
}

/* Parse a non-negative integer Offset cell. */
int ty_context_parse_offset(struct loader *L, int ti, size_t r, int k, long *out)
{
	const char *s = cell(L, ti, r, k);
	double v;

	if (ty_parse_number(s, &v) || v < 0 || v != floor(v) || v > 1e6) {
		cell_err(L, ti, r, colpos(L, ti, k),
			 "column 'Offset': '%.*s%s' is not an offset, expected an integer 0, 1, 2, ...",
			 CLIPPED(s));
		return -1;
	}
	*out = (long)v;
	return 0;
}

int ty_context_parse_value(struct loader *L, int ti, size_t r, int k,
			   struct ty_cell *out, const char *key)
{
	const char *s = cell(L, ti, r, k);
	const char *colname = L->t[ti]->header[colpos(L, ti, k)];
	size_t errpos = 0;
	char msg[512];

	out->text = s;
	out->table = ty_table_names[ti];
	out->key = ty_strdup(key);
	if (ty_label_is_empty(s)) {
		cell_err(L, ti, r, colpos(L, ti, k),
			 "column '%s': empty or N/A value, expected a number or a distribution such as st.triang(0.5, loc=1, scale=2)",
			 colname);
		return -1;
	}
	if (ty_dist_parse(s, &out->dist, &errpos, msg, sizeof msg)) {
		cell_err(L, ti, r, colpos(L, ti, k), "column '%s': '%.*s%s': at character %zu: %s",
			 colname, CLIPPED(s), errpos + 1, msg);
		return -1;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


static size_t str_hash(const char *x)
{
	size_t h = 14695981039346656037u;   /* FNV-1a */

	for (; *x; x++)
		h = (h ^ (unsigned char)*x) * 1099511628211u;
	return h;
}

static void strset_index(struct strset *s)
{
	free(s->h);
	s->h = ty_calloc(s->hcap, sizeof(size_t));
	if (!s->h) {
		s->hcap = 0;
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		size_t k = str_hash(s->v[i]) & (s->hcap - 1);

		while (s->h[k])
			k = (k + 1) & (s->hcap - 1);
		s->h[k] = i + 1;
	}
}

long ty_strset_find(const struct strset *s, const char *x)
{
	if (!s->hcap) {
		for (size_t i = 0; i < s->n; i++)
			if (!strcmp(s->v[i], x))
				return (long)i;
		return -1;
	}
	for (size_t k = str_hash(x) & (s->hcap - 1); s->h[k]; k = (k + 1) & (s->hcap - 1))
		if (!strcmp(s->v[s->h[k] - 1], x))
			return (long)(s->h[k] - 1);
	return -1;
}

void ty_strset_add(struct strset *s, const char *x)
{
	char *copy;

	if (s->oom || ty_strset_find(s, x) >= 0)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **v = realloc(s->v, cap * sizeof(char *));

		if (!v) {
			s->oom = 1;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	copy = ty_strdup(x);
	if (!copy) {
		s->oom = 1;
		return;
	}
	s->v[s->n++] = copy;
	if (2 * s->n > s->hcap) {
		s->hcap = s->hcap ? 2 * s->hcap : 64;
		strset_index(s);
	} else {
		size_t k = str_hash(x) & (s->hcap - 1);

		while (s->h[k])
			k = (k + 1) & (s->hcap - 1);
		s->h[k] = s->n;
	}
}

void ty_strset_sort(struct strset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(char *), str_cmp);
	if (s->hcap)
		strset_index(s);
}

void ty_strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->h);
	memset(s, 0, sizeof(*s));
}

/* A comma-separated list of up to 12 names, for messages. */
char *ty_context_list_names(char *const *v, size_t n)
{
	struct ty_buf b = TY_BUF_INIT;

	for (size_t i = 0; i < n && i < 12; i++)
		ty_buf_addf(&b, "%s'%s'", i ? ", " : "", v[i] ? v[i] : "");
	if (n > 12)
		ty_buf_addf(&b, ", ... (%zu in all)", n);
	if (!n)
		ty_buf_adds(&b, "(none)");
	return ty_buf_detach(&b);
}

/* ctx->tech and each technology's scenarios are sorted by name (strcmp,
 * no duplicates: they come from a strset), so names.c searches them in
 * place; the name is each struct's first member. */
long ty_context_find_tech(const tyche_context *ctx, const char *name)
{
	return ty_names_find(ctx->tech, ctx->ntech, sizeof(ctx->tech[0]), NULL, name);
}

const struct ty_tech *ty_context_tech(const tyche_context *ctx, const char *name)
{
	long i = ty_context_find_tech(ctx, name);

	return i < 0 ? NULL : &ctx->tech[i];
}

long ty_context_find_scen(const struct ty_tech *t, const char *name)
{
	return ty_names_find(t->scen, t->nscen, sizeof(t->scen[0]), NULL, name);
}

/* Not names.c: an index set is in Offset order with possible holes (NULL)
 * and compares as labels (every empty label equals every other), and it
 * is short (a technology's inputs, outputs, ...). */
long ty_context_find_label(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && ty_label_eq(v[i], name))
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------ reading */
