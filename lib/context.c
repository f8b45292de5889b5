/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context.c - load a decision context (seven tables) and validate it.
 *
 * Validation never stops at the first problem: every check runs and every
 * failure becomes a located diagnostic, because a modeller fixing a
 * workbook wants the whole list at once.  Checks that depend on an earlier
 * table (e.g. designs' indices need the indices table) skip the rows whose
 * prerequisite was already reported, so one typo gives one message, not
 * twenty.
 *
 * Index elements are ordered by their Offset column, never by row order,
 * as the reference's model arrays are.
 *
 * The context's identity (its name, content hash and the surface cache's
 * quick hash) is context-hash.c; it finds model files with
 * ty_context_model_file below, so that both hash the same files.
 * Technologies and scenarios are found by name with names.c (their arrays
 * are sorted by name); index sets are not (see find_name).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "context.h"
#include "names.h"

const char *const ty_table_names[7] = {
	"designs", "parameters", "indices", "functions", "results", "tranches",
	"investments"
};

/* Required columns of each table, in the reference's order. */
static const char *const required_cols[7][8] = {
	{ "Technology", "Scenario", "Variable", "Index", "Value", NULL },
	{ "Technology", "Scenario", "Parameter", "Offset", "Value", NULL },
	{ "Technology", "Type", "Index", "Offset", NULL },
	{ "Technology", "Style", "Model", "Capital", "Fixed", "Production", "Metrics", NULL },
	{ "Technology", "Variable", "Index", "Units", NULL },
	{ "Category", "Tranche", "Scenario", "Amount", NULL },
	{ "Investment", "Category", "Tranche", NULL },
};

static const char *const design_vars[] = {
	"Input", "Input efficiency", "Input price", "Output efficiency",
	"Output price", "Lifetime", "Scale"
};
enum { DV_INPUT, DV_INPUT_EFF, DV_INPUT_PRICE, DV_OUTPUT_EFF, DV_OUTPUT_PRICE,
       DV_LIFETIME, DV_SCALE, DV_N };

enum { IT_CAPITAL, IT_INPUT, IT_OUTPUT, IT_METRIC, IT_FIXED, IT_N };
static const char *const index_types[IT_N] = {
	"Capital", "Input", "Output", "Metric", "Fixed"
};

struct loader {
	tyche_context *ctx;
	tyche_diags *d;
	struct ty_table **t;      /* ctx->tables */
	long col[7][8];           /* required column positions */
	int table_ok[7];          /* table present with its columns */
	const tyche_load_opts *opts;
	int timeout;              /* the work budget ran out (TYCHE_ETIMEOUT) */
};

/* ------------------------------------------------------------ helpers */

TY_PRINTF(6, 7)
static void cell_diag(struct loader *L, int sev, int ti, size_t r, size_t c,
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
#define cell_err(L, ti, r, c, ...) cell_diag(L, TYCHE_SEV_ERROR, ti, r, c, __VA_ARGS__)
#define cell_warn(L, ti, r, c, ...) cell_diag(L, TYCHE_SEV_WARNING, ti, r, c, __VA_ARGS__)

static const char *cell(struct loader *L, int ti, size_t r, int k)
{
	return ty_table_cell(L->t[ti], r, (size_t)L->col[ti][k]);
}

static size_t colpos(struct loader *L, int ti, int k)
{
	return (size_t)L->col[ti][k];
}

/* The functions table's Model column names a model, never a path: a
 * file name stem of letters, digits, '_', '-' and '.', not starting with
 * '.' (so no "..", no hidden file, no '/' or '\\'). */
#define TY_MAX_MODEL_NAME 128

static int model_name_ok(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '.')
		return 0;
	for (; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (n >= TY_MAX_MODEL_NAME)
			return 0;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return 0;
	}
	return 1;
}

/* Bytes of cell text to quote in a message: at most 60, cut at a UTF-8
 * character boundary; CLIPPED(s) gives the "%.*s%s" arguments with "..."
 * after a cut.  A 1 MB cell quoted whole pushed the "expected ..." part
 * off the end of the message. */
static int clip_len(const char *s)
{
	size_t n = strnlen(s, 61);

	if (n <= 60)
		return (int)n;
	n = 60;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}
#define CLIPPED(s) clip_len(s), (s), (s)[clip_len(s)] ? "..." : ""

/* Parse a non-negative integer Offset cell. */
static int parse_offset(struct loader *L, int ti, size_t r, int k, long *out)
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

static int parse_value(struct loader *L, int ti, size_t r, int k,
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

/* Unique list of strings, in insertion order until strset_sort.  A hash
 * index makes add O(1): with a linear search, a hostile table of 100k
 * distinct names took minutes (quadratic). */
struct strset {
	char **v;
	size_t n, cap;
	size_t *h;        /* hcap slots: index into v plus 1, 0 = free */
	size_t hcap;      /* a power of two, at least 2 * n, or 0 */
	int oom;
};

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

static long strset_find(const struct strset *s, const char *x)
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

static void strset_add(struct strset *s, const char *x)
{
	char *copy;

	if (s->oom || strset_find(s, x) >= 0)
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

static void strset_sort(struct strset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(char *), str_cmp);
	if (s->hcap)
		strset_index(s);
}

static void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->h);
	memset(s, 0, sizeof(*s));
}

/* A comma-separated list of up to 12 names, for messages. */
static char *list_names(char *const *v, size_t n)
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
static long find_tech(const tyche_context *ctx, const char *name)
{
	return ty_names_find(ctx->tech, ctx->ntech, sizeof(ctx->tech[0]), NULL, name);
}

const struct ty_tech *ty_context_tech(const tyche_context *ctx, const char *name)
{
	long i = find_tech(ctx, name);

	return i < 0 ? NULL : &ctx->tech[i];
}

static long find_scen(const struct ty_tech *t, const char *name)
{
	return ty_names_find(t->scen, t->nscen, sizeof(t->scen[0]), NULL, name);
}

/* Not names.c: an index set is in Offset order with possible holes (NULL)
 * and compares as labels (every empty label equals every other), and it
 * is short (a technology's inputs, outputs, ...). */
static long find_name(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && ty_label_eq(v[i], name))
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------ reading */

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcasecmp(s + n - m, suf);
}

static int read_tables(struct loader *L, const char *path)
{
	struct stat st;
	tyche_error e = { 0 };

	if (stat(path, &st))
		return ty_diag_add(L->d, TYCHE_SEV_ERROR, path, 0, 0,
				   "cannot open: %s", strerror(errno)),
		       errno == ENOENT ? TYCHE_ENOENT : TYCHE_EIO;
	if (S_ISDIR(st.st_mode)) {
		for (int i = 0; i < 7; i++) {
			char *p = ty_asprintf("%s/%s.csv", path, ty_table_names[i]);
			int rc;

			memset(&e, 0, sizeof e);
			rc = ty_csv_read(p, &L->t[i], &e);
			if (rc == TYCHE_ENOENT)
				ty_diag_add(L->d, TYCHE_SEV_ERROR, p, 0, 0,
					    "missing table: the context needs %s.csv", ty_table_names[i]);
			else if (rc)
				ty_diag_from_error(L->d, &e);
			free(p);
			if (rc == TYCHE_ENOMEM)
				return rc;
		}
		return 0;
	}
	if (has_suffix(path, ".xlsx")) {
		struct ty_book *book = NULL;

		if (ty_xlsx_read(path, &book, &e)) {
			ty_diag_from_error(L->d, &e);
			return e.code == TYCHE_ENOMEM ? TYCHE_ENOMEM : 0;
		}
		for (int i = 0; i < 7; i++) {
			for (size_t s = 0; s < book->nsheets; s++) {
				if (book->sheets[s] && book->sheets[s]->sheet &&
				    !strcmp(book->sheets[s]->sheet, ty_table_names[i])) {
					L->t[i] = book->sheets[s];
					book->sheets[s] = NULL;
					break;
				}
			}
			if (!L->t[i])
				ty_diag_add(L->d, TYCHE_SEV_ERROR, path, 0, 0,
					    "missing sheet: the workbook needs a sheet named '%s'",
					    ty_table_names[i]);
		}
		ty_book_free(book);
		return 0;
	}
	ty_diag_add(L->d, TYCHE_SEV_ERROR, path, 0, 0,
		    "not a decision context: expected a directory of CSV tables or a .xlsx workbook");
	return TYCHE_EDATA;
}

static void check_columns(struct loader *L)
{
	for (int i = 0; i < 7; i++) {
		struct ty_table *t = L->t[i];
		int ok = t != NULL;

		if (!t)
			continue;
		for (int k = 0; required_cols[i][k]; k++) {
			L->col[i][k] = ty_table_col(t, required_cols[i][k]);
			if (L->col[i][k] < 0) {
				/* the same name in another case is a likely typo */
				char *hdr = list_names(t->header, t->ncols);
				char where[512];
				int line, col;

				ty_table_loc(t, (size_t)-1, 0, where, &line, &col);
				ty_diag_add(L->d, TYCHE_SEV_ERROR, where, line, 0,
					    "missing required column '%s' (the header has %s)",
					    required_cols[i][k], hdr);
				free(hdr);
				ok = 0;
			}
		}
		if (ok && t->nrows == 0 && i != TY_T_INVESTMENTS) {
			char where[512];
			int line, col;

			ty_table_loc(t, (size_t)-1, 0, where, &line, &col);
			ty_diag_add(L->d, TYCHE_SEV_ERROR, where, line, 0,
				    "table '%s' has no data rows", ty_table_names[i]);
		}
		L->table_ok[i] = ok;
	}
}

/* ------------------------------------------------------------ indices */

struct idx_row {
	long offset;
	char *name;
	size_t row;
};

static int idx_cmp(const void *a, const void *b)
{
	const struct idx_row *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

static void load_indices(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_INDICES];
	/* per technology, per type: rows */
	size_t nt = ctx->ntech;
	struct idx_row **rows = ty_calloc(nt * IT_N, sizeof(*rows));
	size_t *nrows = ty_calloc(nt * IT_N, sizeof(*nrows));
	long global_next[IT_N] = { 0 };

	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_INDICES, r, 0);
		const char *type = cell(L, TY_T_INDICES, r, 1);
		long ti = find_tech(ctx, tech), ty = -1, off;

		for (int k = 0; k < IT_N; k++)
			if (!strcmp(type, index_types[k]))
				ty = k;
		if (ti < 0) {
			cell_err(L, TY_T_INDICES, r, colpos(L, TY_T_INDICES, 0),
				 "technology '%s' is not in the designs table", tech);
			continue;
		}
		if (ty < 0) {
			cell_err(L, TY_T_INDICES, r, colpos(L, TY_T_INDICES, 1),
				 "unknown Type '%s', expected one of Capital, Input, Output, Metric, Fixed",
				 type);
			continue;
		}
		if (parse_offset(L, TY_T_INDICES, r, 3, &off))
			continue;
		{
			size_t k = (size_t)ti * IT_N + (size_t)ty;
			struct idx_row *nr = realloc(rows[k], (nrows[k] + 1) * sizeof(*nr));

			rows[k] = nr;
			nr[nrows[k]].offset = off;
			nr[nrows[k]].name = (char *)cell(L, TY_T_INDICES, r, 2);
			nr[nrows[k]].row = r;
			nrows[k]++;
		}
	}
	for (size_t ti = 0; ti < nt; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		for (int ty = 0; ty < IT_N; ty++) {
			size_t k = ti * IT_N + (size_t)ty, n = nrows[k];
			struct idx_row *v = rows[k];
			char **names;
			int bad = 0;

			if (!n) {
				if (ty != IT_FIXED)
					ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
						    "technology '%s' has no index of Type '%s' (the indices table needs at least one)",
						    T->name, index_types[ty]);
				continue;
			}
			qsort(v, n, sizeof(*v), idx_cmp);
			for (size_t i = 1; i < n; i++) {
				if (v[i].offset == v[i - 1].offset) {
					cell_err(L, TY_T_INDICES, v[i].row, colpos(L, TY_T_INDICES, 3),
						 "duplicate Offset %ld for Type '%s' of technology '%s' (also on row %u)",
						 v[i].offset, index_types[ty], T->name,
						 t->line[v[i - 1].row]);
					bad = 1;
				}
				for (size_t j = 0; j < i; j++)
					if (ty_label_eq(v[i].name, v[j].name) &&
					    !ty_label_is_empty(v[i].name)) {
						cell_err(L, TY_T_INDICES, v[i].row, colpos(L, TY_T_INDICES, 2),
							 "duplicate Index '%s' for Type '%s' of technology '%s' (also on row %u)",
							 v[i].name, index_types[ty], T->name, t->line[v[j].row]);
						bad = 1;
					}
			}
			if (!bad) {
				/* offsets 0..n-1 per technology, or the reference's
				 * numbering that continues over technologies */
				long start = v[0].offset;

				if (start != 0 && start != global_next[ty]) {
					cell_err(L, TY_T_INDICES, v[0].row, colpos(L, TY_T_INDICES, 3),
						 "Offsets of Type '%s' of technology '%s' start at %ld, expected 0",
						 index_types[ty], T->name, start);
					bad = 1;
				}
				for (size_t i = 1; i < n && !bad; i++)
					if (v[i].offset != start + (long)i) {
						cell_err(L, TY_T_INDICES, v[i].row, colpos(L, TY_T_INDICES, 3),
							 "gap in Offsets of Type '%s' of technology '%s': found %ld after %ld, expected %ld",
							 index_types[ty], T->name, v[i].offset,
							 v[i - 1].offset, start + (long)i);
						bad = 1;
					}
				global_next[ty] = v[n - 1].offset + 1;
			}
			names = ty_calloc(n, sizeof(char *));
			for (size_t i = 0; i < n; i++)
				names[i] = ty_strdup(ty_label_is_empty(v[i].name) ? "" : v[i].name);
			switch (ty) {
			case IT_CAPITAL: T->capital = names; T->n_capital = n; break;
			case IT_INPUT: T->input = names; T->n_input = n; break;
			case IT_OUTPUT: T->output = names; T->n_output = n; break;
			case IT_METRIC: T->metric = names; T->n_metric = n; break;
			case IT_FIXED: T->fixed = names; T->n_fixed = (long)n; break;
			}
		}
	}
	for (size_t k = 0; k < nt * IT_N; k++)
		free(rows[k]);
	free(rows);
	free(nrows);
}

/* ------------------------------------------------------------ designs */

static struct ty_cell *design_slot(struct ty_tech *T, struct ty_scenario *S,
				   int dv, long off)
{
	switch (dv) {
	case DV_INPUT: return &S->input_raw[off];
	case DV_INPUT_EFF: return &S->input_eff[off];
	case DV_INPUT_PRICE: return &S->input_price[off];
	case DV_OUTPUT_EFF: return &S->output_eff[off];
	case DV_OUTPUT_PRICE: return &S->output_price[off];
	case DV_LIFETIME: return &S->lifetime[off];
	default: return &S->scale;
	}
	(void)T;
}

static void alloc_scenario(struct ty_tech *T, struct ty_scenario *S)
{
	S->lifetime = ty_calloc(T->n_capital, sizeof(struct ty_cell));
	S->input_raw = ty_calloc(T->n_input, sizeof(struct ty_cell));
	S->input_eff = ty_calloc(T->n_input, sizeof(struct ty_cell));
	S->input_price = ty_calloc(T->n_input, sizeof(struct ty_cell));
	S->output_eff = ty_calloc(T->n_output, sizeof(struct ty_cell));
	S->output_price = ty_calloc(T->n_output, sizeof(struct ty_cell));
}

static const char *dv_type(int dv)
{
	if (dv == DV_LIFETIME)
		return "Capital";
	if (dv <= DV_INPUT_PRICE)
		return "Input";
	if (dv <= DV_OUTPUT_PRICE)
		return "Output";
	return "";
}

static void load_designs(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_DESIGNS];
	/* first row of each tech/scenario, to locate "missing" messages */
	size_t **first_row = ty_calloc(ctx->ntech, sizeof(*first_row));

	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		first_row[ti] = ty_calloc(T->nscen, sizeof(size_t));
		for (size_t s = 0; s < T->nscen; s++) {
			alloc_scenario(T, &T->scen[s]);
			first_row[ti][s] = (size_t)-1;
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_DESIGNS, r, 0);
		const char *scen = cell(L, TY_T_DESIGNS, r, 1);
		const char *var = cell(L, TY_T_DESIGNS, r, 2);
		const char *idx = cell(L, TY_T_DESIGNS, r, 3);
		long ti = find_tech(ctx, tech), si, dv = -1, off = 0;
		struct ty_tech *T;
		struct ty_scenario *S;
		struct ty_cell *slot;
		char *key;

		if (ti < 0)
			continue;   /* only empty technology names: reported */
		T = &ctx->tech[ti];
		si = find_scen(T, scen);
		if (si < 0)
			continue;
		S = &T->scen[si];
		if (first_row[ti][si] == (size_t)-1)
			first_row[ti][si] = r;
		for (int k = 0; k < DV_N; k++)
			if (!strcmp(var, design_vars[k]))
				dv = k;
		if (dv < 0) {
			int near = -1;

			for (int k = 0; k < DV_N; k++)
				if (!strcasecmp(var, design_vars[k]))
					near = k;
			cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 2),
				 "unknown Variable '%s'%s%s%s, expected one of Input, Input efficiency, Input price, Output efficiency, Output price, Lifetime, Scale",
				 var, near >= 0 ? " (did you mean '" : "",
				 near >= 0 ? design_vars[near] : "", near >= 0 ? "'?)" : "");
			continue;
		}
		if (dv != DV_SCALE) {
			char **names = dv == DV_LIFETIME ? T->capital
				     : dv <= DV_INPUT_PRICE ? T->input : T->output;
			size_t n = dv == DV_LIFETIME ? T->n_capital
				 : dv <= DV_INPUT_PRICE ? T->n_input : T->n_output;

			if (!names)
				continue;   /* reported with the indices */
			off = find_name(names, n, idx);
			if (off < 0) {
				char *known = list_names(names, n);

				cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 3),
					 "Index '%s' of Variable '%s' is not %s %s index of technology '%s' in the indices table, expected one of %s",
					 idx, var, dv == DV_LIFETIME ? "a" : "an", dv_type((int)dv), tech, known);
				free(known);
				continue;
			}
		}
		slot = design_slot(T, S, (int)dv, off);
		if (slot->text) {
			cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 2),
				 "duplicate row: technology '%s', scenario '%s' already has Variable '%s' with Index '%s'",
				 tech, scen, var, idx);
			continue;
		}
		key = ty_asprintf("%s\x1f%s", design_vars[dv],
				  dv == DV_SCALE ? "" : (ty_label_is_empty(idx) ? "" : idx));
		if (parse_value(L, TY_T_DESIGNS, r, 4, slot, key))
			slot->text = cell(L, TY_T_DESIGNS, r, 4);
		free(key);
	}
	/* completeness: every scenario has every variable and index */
	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_scenario *S = &T->scen[s];
			size_t fr = first_row[ti][s];

			if (fr == (size_t)-1)
				continue;
			for (int dv = 0; dv < DV_N; dv++) {
				char **names = dv == DV_LIFETIME ? T->capital
					     : dv <= DV_INPUT_PRICE ? T->input : T->output;
				size_t n = dv == DV_SCALE ? 1
					 : dv == DV_LIFETIME ? T->n_capital
					 : dv <= DV_INPUT_PRICE ? T->n_input : T->n_output;

				if (dv != DV_SCALE && !names)
					continue;
				for (size_t k = 0; k < n; k++) {
					if (design_slot(T, S, dv, (long)k)->text)
						continue;
					if (dv == DV_SCALE)
						cell_err(L, TY_T_DESIGNS, fr, colpos(L, TY_T_DESIGNS, 1),
							 "technology '%s', scenario '%s' has no 'Scale' row",
							 T->name, S->name);
					else
						cell_err(L, TY_T_DESIGNS, fr, colpos(L, TY_T_DESIGNS, 1),
							 "technology '%s', scenario '%s' has no '%s' row for %s index '%s'",
							 T->name, S->name, design_vars[dv], dv_type(dv),
							 names[k][0] ? names[k] : "(empty)");
				}
			}
		}
		free(first_row[ti]);
	}
	free(first_row);
}

/* ------------------------------------------------------------ parameters */

struct par_row {
	long offset;
	const char *name;
	size_t row;
};

static int par_cmp(const void *a, const void *b)
{
	const struct par_row *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Rows of the parameters table ordered by (technology, scenario, row):
 * each scenario's rows are then one binary search away (a scan of the
 * whole table per scenario was quadratic). */
struct par_key {
	const char *tech, *scen;
	size_t row;
};

static int par_key_cmp(const void *a, const void *b)
{
	const struct par_key *x = a, *y = b;
	int c = strcmp(x->tech, y->tech);

	if (!c)
		c = strcmp(x->scen, y->scen);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* First position in the sorted rows of (tech, scen). */
static size_t par_lower(const struct par_key *rows, size_t n, const char *tech,
			const char *scen)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rows[mid].tech, tech);

		if (!c)
			c = strcmp(rows[mid].scen, scen);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void load_parameters(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_PARAMETERS];
	struct par_key *rows = ty_calloc(t->nrows ? t->nrows : 1, sizeof(*rows));

	if (!rows) {
		ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0, "out of memory");
		return;
	}
	for (size_t r = 0; r < t->nrows; r++)
		rows[r] = (struct par_key){ cell(L, TY_T_PARAMETERS, r, 0),
					    cell(L, TY_T_PARAMETERS, r, 1), r };
	qsort(rows, t->nrows, sizeof(*rows), par_key_cmp);

	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];
		int have_ref = 0;
		struct par_row *ref = NULL;
		size_t nref = 0;
		const char *ref_scen = NULL;

		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_scenario *S = &T->scen[s];
			struct par_row *v = NULL;
			size_t n = 0;
			int bad = 0;

			size_t cap = 0;

			for (size_t ri = par_lower(rows, t->nrows, T->name, S->name);
			     ri < t->nrows; ri++) {
				size_t r = rows[ri].row;
				long off;

				if (strcmp(rows[ri].tech, T->name) || strcmp(rows[ri].scen, S->name))
					break;
				if (parse_offset(L, TY_T_PARAMETERS, r, 3, &off)) {
					bad = 1;
					continue;
				}
				if (n == cap) {
					struct par_row *nv;

					cap = cap ? 2 * cap : 16;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv)
						break;
					v = nv;
				}
				v[n].offset = off;
				v[n].name = cell(L, TY_T_PARAMETERS, r, 2);
				v[n].row = r;
				n++;
			}
			if (n == 0) {
				if (!bad)
					ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
						    "technology '%s', scenario '%s' is in the designs table but has no rows in the parameters table",
						    T->name, S->name);
				free(v);
				continue;
			}
			qsort(v, n, sizeof(*v), par_cmp);
			for (size_t i = 0; i < n; i++) {
				if (i && v[i].offset == v[i - 1].offset) {
					cell_err(L, TY_T_PARAMETERS, v[i].row, colpos(L, TY_T_PARAMETERS, 3),
						 "duplicate Offset %ld in technology '%s', scenario '%s' (also on row %u)",
						 v[i].offset, T->name, S->name, t->line[v[i - 1].row]);
					bad = 1;
				} else if (!bad && v[i].offset != (long)i) {
					cell_err(L, TY_T_PARAMETERS, v[i].row, colpos(L, TY_T_PARAMETERS, 3),
						 "gap in parameter Offsets of technology '%s', scenario '%s': found %ld, expected %zu",
						 T->name, S->name, v[i].offset, i);
					bad = 1;
				}
			}
			if (bad) {
				free(v);
				continue;
			}
			if (!have_ref) {
				have_ref = 1;
				ref = v;
				nref = n;
				ref_scen = S->name;
				T->n_param = n;
				T->param = ty_calloc(n, sizeof(char *));
				for (size_t i = 0; i < n; i++)
					T->param[i] = ty_strdup(v[i].name);
			} else {
				if (n != nref) {
					cell_err(L, TY_T_PARAMETERS, v[0].row, colpos(L, TY_T_PARAMETERS, 1),
						 "technology '%s': scenario '%s' has %zu parameters but scenario '%s' has %zu; every scenario needs the same offsets",
						 T->name, S->name, n, ref_scen, nref);
					free(v);
					continue;
				}
				for (size_t i = 0; i < n; i++)
					if (strcmp(v[i].name, ref[i].name))
						cell_err(L, TY_T_PARAMETERS, v[i].row, colpos(L, TY_T_PARAMETERS, 2),
							 "parameter at Offset %zu is '%s' here but '%s' in scenario '%s'; every scenario needs the same parameters",
							 i, v[i].name, ref[i].name, ref_scen);
			}
			S->param = ty_calloc(n, sizeof(struct ty_cell));
			for (size_t i = 0; i < n; i++) {
				char key[32];

				snprintf(key, sizeof key, "%zu", i);
				if (parse_value(L, TY_T_PARAMETERS, v[i].row, 4, &S->param[i], key))
					S->param[i].text = cell(L, TY_T_PARAMETERS, v[i].row, 4);
			}
			if (v != ref)
				free(v);
		}
		free(ref);
	}
	free(rows);
	/* rows naming an unknown technology or scenario */
	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_PARAMETERS, r, 0);
		const char *scen = cell(L, TY_T_PARAMETERS, r, 1);
		long ti = find_tech(ctx, tech);

		if (ti < 0)
			cell_err(L, TY_T_PARAMETERS, r, colpos(L, TY_T_PARAMETERS, 0),
				 "technology '%s' is not in the designs table", tech);
		else if (find_scen(&ctx->tech[ti], scen) < 0)
			cell_err(L, TY_T_PARAMETERS, r, colpos(L, TY_T_PARAMETERS, 1),
				 "scenario '%s' of technology '%s' is not in the designs table",
				 scen, tech);
	}
}

/* ------------------------------------------------------------ functions */

static void load_functions(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_FUNCTIONS];

	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_FUNCTIONS, r, 0);
		long ti = find_tech(ctx, tech);
		struct ty_tech *T;

		if (ti < 0) {
			cell_err(L, TY_T_FUNCTIONS, r, colpos(L, TY_T_FUNCTIONS, 0),
				 "technology '%s' is not in the designs table", tech);
			continue;
		}
		T = &ctx->tech[ti];
		if (T->model) {
			cell_err(L, TY_T_FUNCTIONS, r, colpos(L, TY_T_FUNCTIONS, 0),
				 "duplicate row for technology '%s': a technology has one row in the functions table",
				 tech);
			continue;
		}
		for (int k = 2; k < 7; k++) {
			const char *v = cell(L, TY_T_FUNCTIONS, r, k);

			if (ty_label_is_empty(v))
				cell_err(L, TY_T_FUNCTIONS, r, colpos(L, TY_T_FUNCTIONS, k),
					 "column '%s' is empty, expected %s", required_cols[TY_T_FUNCTIONS][k],
					 k == 2 ? "the model name (file <Model>.yml)" : "a section name of the model");
		}
		T->style = ty_strdup(cell(L, TY_T_FUNCTIONS, r, 1));
		T->model = ty_strdup(cell(L, TY_T_FUNCTIONS, r, 2));
		if (T->model && !ty_label_is_empty(T->model) && !model_name_ok(T->model)) {
			cell_err(L, TY_T_FUNCTIONS, r, colpos(L, TY_T_FUNCTIONS, 2),
				 "model '%.80s%s' is not a model name: expected letters, digits, '_', "
				 "'-' or '.' (at most %d, not starting with '.'), never a path",
				 T->model, strlen(T->model) > 80 ? "..." : "", TY_MAX_MODEL_NAME);
			T->model[0] = '\0';   /* never looked up */
		}
		for (int k = 0; k < 4; k++)
			T->fn[k] = ty_strdup(cell(L, TY_T_FUNCTIONS, r, 3 + k));
		if (strcmp(T->style, "numpy"))
			cell_warn(L, TY_T_FUNCTIONS, r, colpos(L, TY_T_FUNCTIONS, 1),
				  "Style '%s': only 'numpy' exists in Tyche 1.x; the model file decides how it is computed",
				  T->style);
	}
	for (size_t ti = 0; ti < ctx->ntech; ti++)
		if (!ctx->tech[ti].model)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "technology '%s' has no row in the functions table",
				    ctx->tech[ti].name);
}

/* ------------------------------------------------------------ results */

static int result_cmp(const void *a, const void *b)
{
	const struct ty_result_row *x = a, *y = b;

	if (x->var != y->var)
		return (int)x->var - (int)y->var;
	return strcmp(x->index, y->index);
}

static void load_results(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_RESULTS];

	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_RESULTS, r, 0);
		const char *var = cell(L, TY_T_RESULTS, r, 1);
		const char *idx = cell(L, TY_T_RESULTS, r, 2);
		long ti = find_tech(ctx, tech), off = 0;
		struct ty_tech *T;
		enum ty_var v;

		if (ti < 0) {
			cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 0),
				 "technology '%s' is not in the designs table", tech);
			continue;
		}
		T = &ctx->tech[ti];
		if (!strcmp(var, "Cost"))
			v = TY_VAR_COST;
		else if (!strcmp(var, "Output"))
			v = TY_VAR_OUTPUT;
		else if (!strcmp(var, "Metric"))
			v = TY_VAR_METRIC;
		else {
			cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 1),
				 "unknown Variable '%s', expected Cost, Output or Metric", var);
			continue;
		}
		if (v == TY_VAR_COST) {
			if (strcmp(idx, "Cost")) {
				cell_warn(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 2),
					  "results row Cost/'%s' is never produced (the unit cost is reported as Cost/Cost); it is left out",
					  idx);
				off = -1;
			}
		} else {
			char **names = v == TY_VAR_OUTPUT ? T->output : T->metric;
			size_t n = v == TY_VAR_OUTPUT ? T->n_output : T->n_metric;

			if (!names)
				continue;
			off = find_name(names, n, idx);
			if (off < 0) {
				char *known = list_names(names, n);

				cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 2),
					 "Index '%s' is not a%s index of technology '%s' in the indices table, expected one of %s",
					 idx, v == TY_VAR_OUTPUT ? "n Output" : " Metric", tech, known);
				free(known);
				continue;
			}
		}
		for (size_t k = 0; k < T->nresults; k++)
			if (T->results[k].var == v && !strcmp(T->results[k].index, idx)) {
				cell_err(L, TY_T_RESULTS, r, colpos(L, TY_T_RESULTS, 2),
					 "duplicate results row %s/'%s' for technology '%s'", var, idx, tech);
				off = -2;
			}
		if (off == -2)
			continue;
		T->results = realloc(T->results, (T->nresults + 1) * sizeof(*T->results));
		T->results[T->nresults].var = v;
		T->results[T->nresults].index = ty_strdup(idx);
		T->results[T->nresults].units = ty_strdup(cell(L, TY_T_RESULTS, r, 3));
		T->results[T->nresults].offset = off;
		T->nresults++;
	}
	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];
		int has_cost = 0;

		for (size_t k = 0; k < T->nresults; k++)
			if (T->results[k].var == TY_VAR_COST && T->results[k].offset == 0)
				has_cost = 1;
		if (!has_cost)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "technology '%s' has no results row with Variable 'Cost' and Index 'Cost'",
				    T->name);
		/* outputs and metrics of the indices table are all reported */
		for (int w = 0; w < 2; w++) {
			char **names = w ? T->metric : T->output;
			size_t n = w ? T->n_metric : T->n_output;

			for (size_t k = 0; names && k < n; k++) {
				int found = 0;

				for (size_t j = 0; j < T->nresults; j++)
					if (T->results[j].var == (w ? TY_VAR_METRIC : TY_VAR_OUTPUT) &&
					    T->results[j].offset == (long)k)
						found = 1;
				if (!found)
					ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
						    "technology '%s': %s '%s' of the indices table has no row in the results table",
						    T->name, w ? "Metric" : "Output", names[k]);
			}
		}
		if (T->nresults)
			qsort(T->results, T->nresults, sizeof(*T->results), result_cmp);
		if (T->n_metric > TY_MAX_METRICS || T->nresults > 4 * TY_MAX_METRICS)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "technology '%s' has %zu metrics and %zu results rows; at most %d and %d are supported",
				    T->name, T->n_metric, T->nresults, TY_MAX_METRICS, 4 * TY_MAX_METRICS);
	}
	{
		/* metrics of every technology together (the response surface) */
		struct strset all = { 0 };

		for (size_t ti = 0; ti < ctx->ntech; ti++)
			for (size_t k = 0; k < ctx->tech[ti].nresults; k++)
				if (ctx->tech[ti].results[k].var == TY_VAR_METRIC)
					strset_add(&all, ctx->tech[ti].results[k].index);
		if (all.n > TY_MAX_METRICS)
			ty_diag_add(L->d, TYCHE_SEV_ERROR, t->source, 0, 0,
				    "the context has %zu distinct metrics; at most %d are supported",
				    all.n, TY_MAX_METRICS);
		strset_release(&all);
	}
}

/* ------------------------------------------------------ tranches, investments */

static void load_tranches(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_TRANCHES];
	/* Hash sets keep this linear: with loops over the earlier tranches,
	 * 100k tranches took minutes and, all of one amount, 6 GB of
	 * "equal amount" messages (one per pair).  `names` and `cats` grow
	 * with the accepted tranches, so names index k is tranche k. */
	struct strset cats = { 0 }, names = { 0 }, amounts = { 0 }, all = { 0 };
	size_t *amount_first = ty_calloc(t->nrows, sizeof(size_t));
	char *known_scen = NULL;

	/* every technology's scenarios, once (a loop over the technologies
	 * per row was quadratic) */
	for (size_t ti = 0; ti < ctx->ntech; ti++)
		for (size_t s = 0; s < ctx->tech[ti].nscen; s++)
			strset_add(&all, ctx->tech[ti].scen[s].name);
	ctx->tranches = ty_calloc(t->nrows, sizeof(struct ty_tranche));
	for (size_t r = 0; r < t->nrows; r++) {
		const char *cat = cell(L, TY_T_TRANCHES, r, 0);
		const char *name = cell(L, TY_T_TRANCHES, r, 1);
		const char *scen = cell(L, TY_T_TRANCHES, r, 2);
		struct ty_tranche *tr = &ctx->tranches[ctx->ntranches];
		int found = 0, bad = 0;
		char *key;
		long k;

		if (ty_label_is_empty(cat)) {
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 0),
				 "empty Category, expected the name of a research category");
			bad = 1;
		}
		if (ty_label_is_empty(name)) {
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 1),
				 "empty Tranche, expected the name of a funding level");
			bad = 1;
		}
		key = ty_asprintf("%s\x1f%s", cat, name);
		k = bad || !key ? -1 : strset_find(&names, key);
		if (k >= 0 && (size_t)k < ctx->ntranches) {
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 1),
				 "duplicate tranche '%s' in category '%s' (also on row %u)",
				 name, cat, ctx->tranches[k].line);
			bad = 1;
		}
		found = strset_find(&all, scen) >= 0;
		if (!found && ctx->ntech) {
			if (!known_scen)
				known_scen = list_names(all.v, all.n);
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 2),
				 "tranche '%s' points at scenario '%s', which no technology has; expected one of %s",
				 name, scen, known_scen ? known_scen : "(none)");
			bad = 1;
		}
		if (bad) {
			free(key);
			continue;
		}
		tr->category = ty_strdup(cat);
		tr->name = ty_strdup(name);
		tr->scenario = ty_strdup(scen);
		tr->line = t->line[r];
		if (parse_value(L, TY_T_TRANCHES, r, 3, &tr->amount, key)) {
			free(key);
			free(tr->category);
			free(tr->name);
			free(tr->scenario);
			free(tr->amount.key);
			memset(tr, 0, sizeof(*tr));
			continue;
		}
		strset_add(&names, key);
		free(key);
		if (ty_dist_is_const(tr->amount.dist) && tr->amount.dist->a < 0)
			cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 3),
				 "negative Amount '%s', expected an amount >= 0", tr->amount.text);
		/* amounts unique within a category: constants by value, else
		 * by text; each row names the first tranche it equals */
		{
			char num[32];
			double a = ty_dist_is_const(tr->amount.dist) ? tr->amount.dist->a : 0;

			key = ty_dist_is_const(tr->amount.dist)
			    ? ty_asprintf("%s\x1f=%s", cat, ty_fmt_double(a == 0 ? 0 : a, num))
			    : ty_asprintf("%s\x1f~%s", cat, tr->amount.text);
			k = key ? strset_find(&amounts, key) : -1;
			if (k >= 0 && amount_first) {
				struct ty_tranche *o = &ctx->tranches[amount_first[k]];

				cell_err(L, TY_T_TRANCHES, r, colpos(L, TY_T_TRANCHES, 3),
					 "Amount '%s' of tranche '%s' equals that of tranche '%s' (row %u); amounts within category '%s' must differ",
					 tr->amount.text, name, o->name, o->line, cat);
			} else if (key && amount_first) {
				strset_add(&amounts, key);
				if (amounts.n && !amounts.oom)
					amount_first[amounts.n - 1] = ctx->ntranches;
			}
			free(key);
		}
		strset_add(&cats, cat);
		ctx->ntranches++;
	}
	/* categories in first-appearance order: cats is in insertion order */
	ctx->categories = ty_calloc(cats.n, sizeof(char *));
	{
		size_t *count = ty_calloc(cats.n, sizeof(size_t));

		for (size_t i = 0; count && i < ctx->ntranches; i++) {
			long c = strset_find(&cats, ctx->tranches[i].category);

			if (c >= 0)
				count[c]++;
		}
		for (size_t c = 0; ctx->categories && c < cats.n; c++) {
			ctx->categories[ctx->ncategories++] = ty_strdup(cats.v[c]);
			if (count && count[c] == 1)
				ty_diag_add(L->d, TYCHE_SEV_WARNING, t->source, 0, 0,
					    "category '%s' has a single tranche: its response is constant (the reference gives NaN)",
					    cats.v[c]);
		}
		free(count);
	}
	strset_release(&cats);
	strset_release(&names);
	strset_release(&amounts);
	free(amount_first);
	free(known_scen);
	strset_release(&all);
}

static void load_investments(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_INVESTMENTS];
	/* Hash sets, as in load_tranches: loops over the earlier rows made
	 * 100k investments take minutes.  `tranches` index k is tranche k
	 * (tranches are unique); `items` index k is invest item k. */
	struct strset tranches = { 0 }, cats = { 0 }, items = { 0 }, invs = { 0 };

	for (size_t i = 0; i < ctx->ntranches; i++) {
		char *key = ty_asprintf("%s\x1f%s", ctx->tranches[i].category,
					ctx->tranches[i].name);

		if (key)
			strset_add(&tranches, key);
		free(key);
		strset_add(&cats, ctx->tranches[i].category);
	}

	ctx->invest = ty_calloc(t->nrows, sizeof(struct ty_investment_item));
	for (size_t r = 0; r < t->nrows; r++) {
		const char *inv = cell(L, TY_T_INVESTMENTS, r, 0);
		const char *cat = cell(L, TY_T_INVESTMENTS, r, 1);
		const char *tra = cell(L, TY_T_INVESTMENTS, r, 2);
		long found = -1, k;
		int catfound = strset_find(&cats, cat) >= 0;
		char *key = ty_asprintf("%s\x1f%s", cat, tra);

		if (key && tranches.n == ctx->ntranches)
			found = strset_find(&tranches, key);
		free(key);
		if (ty_label_is_empty(inv)) {
			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 0),
				 "empty Investment, expected a name");
			continue;
		}
		if (!catfound) {
			char *known = list_names(ctx->categories, ctx->ncategories);

			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 1),
				 "investment '%s' names category '%s', which is not in the tranches table; expected one of %s",
				 inv, cat, known);
			free(known);
			continue;
		}
		if (found < 0) {
			struct ty_buf b = TY_BUF_INIT;
			char *known;

			for (size_t i = 0; i < ctx->ntranches; i++)
				if (!strcmp(ctx->tranches[i].category, cat))
					ty_buf_addf(&b, "%s'%s'", b.len ? ", " : "", ctx->tranches[i].name);
			known = ty_buf_detach(&b);
			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 2),
				 "investment '%s' names tranche '%s', which category '%s' does not have; expected one of %s",
				 inv, tra, cat, known);
			free(known);
			continue;
		}
		key = ty_asprintf("%s\x1f%s", inv, cat);
		k = key ? strset_find(&items, key) : -1;
		if (k >= 0 && (size_t)k < ctx->ninvest_items) {
			cell_err(L, TY_T_INVESTMENTS, r, colpos(L, TY_T_INVESTMENTS, 1),
				 "investment '%s' already has a tranche of category '%s' ('%s'); tranches of one category are mutually exclusive",
				 inv, cat, ctx->invest[k].tranche);
			free(key);
			continue;
		}
		if (key)
			strset_add(&items, key);
		free(key);
		strset_add(&invs, inv);
		ctx->invest[ctx->ninvest_items].investment = ty_strdup(inv);
		ctx->invest[ctx->ninvest_items].category = ty_strdup(cat);
		ctx->invest[ctx->ninvest_items].tranche = ty_strdup(tra);
		ctx->invest[ctx->ninvest_items].tranche_ix = (size_t)found;
		ctx->ninvest_items++;
	}
	/* investments in first-appearance order: invs is in insertion order */
	ctx->investments = ty_calloc(invs.n, sizeof(char *));
	for (size_t i = 0; ctx->investments && i < invs.n; i++)
		ctx->investments[ctx->ninvestments++] = ty_strdup(invs.v[i]);
	strset_release(&tranches);
	strset_release(&cats);
	strset_release(&items);
	strset_release(&invs);
}

/* ------------------------------------------------------------ sets */

/* Technologies and scenarios from designs; same technology sets in the
 * other tables. */
static void load_sets(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *d = L->t[TY_T_DESIGNS];
	struct strset techs = { 0 };

	for (size_t r = 0; r < d->nrows; r++) {
		const char *tech = cell(L, TY_T_DESIGNS, r, 0);
		const char *scen = cell(L, TY_T_DESIGNS, r, 1);

		if (ty_label_is_empty(tech)) {
			cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 0),
				 "empty Technology, expected a technology name");
			continue;
		}
		if (ty_label_is_empty(scen)) {
			cell_err(L, TY_T_DESIGNS, r, colpos(L, TY_T_DESIGNS, 1),
				 "empty Scenario, expected a scenario name");
			continue;
		}
		strset_add(&techs, tech);
	}
	strset_sort(&techs);
	ctx->ntech = techs.n;
	ctx->tech = ty_calloc(techs.n, sizeof(struct ty_tech));
	for (size_t i = 0; i < techs.n; i++) {
		ctx->tech[i].name = techs.v[i];
		techs.v[i] = NULL;
		ctx->tech[i].n_fixed = -1;
	}
	strset_release(&techs);
	/* scenarios of each technology, in one pass over the rows (one pass
	 * per technology was quadratic in a table of many technologies) */
	{
		struct strset *sc = ty_calloc(ctx->ntech, sizeof(*sc));

		for (size_t r = 0; sc && r < d->nrows; r++) {
			long ti = find_tech(ctx, cell(L, TY_T_DESIGNS, r, 0));

			if (ti >= 0 && !ty_label_is_empty(cell(L, TY_T_DESIGNS, r, 1)))
				strset_add(&sc[ti], cell(L, TY_T_DESIGNS, r, 1));
		}
		for (size_t i = 0; sc && i < ctx->ntech; i++) {
			struct ty_tech *T = &ctx->tech[i];

			strset_sort(&sc[i]);
			T->nscen = sc[i].n;
			T->scen = ty_calloc(sc[i].n, sizeof(struct ty_scenario));
			for (size_t s = 0; s < sc[i].n; s++) {
				T->scen[s].name = sc[i].v[s];
				sc[i].v[s] = NULL;
			}
			strset_release(&sc[i]);
		}
		free(sc);
	}
	/* every table that names technologies names the same set */
	{
		static const int others[] = { TY_T_PARAMETERS, TY_T_INDICES, TY_T_RESULTS,
					      TY_T_FUNCTIONS };

		for (size_t k = 0; k < TY_ARRAY_SIZE(others); k++) {
			int ti = others[k];
			char *seen;

			if (!L->table_ok[ti])
				continue;
			seen = ty_calloc(ctx->ntech, 1);
			for (size_t r = 0; seen && r < L->t[ti]->nrows; r++) {
				long i = find_tech(ctx, cell(L, ti, r, 0));

				if (i >= 0)
					seen[i] = 1;
			}
			for (size_t i = 0; seen && i < ctx->ntech; i++)
				if (!seen[i])
					ty_diag_add(L->d, TYCHE_SEV_ERROR, L->t[ti]->source, 0, 0,
						    "technology '%s' of the designs table is missing from the %s table",
						    ctx->tech[i].name, ty_table_names[ti]);
			free(seen);
		}
	}
}

static void count_uncertain(const struct ty_cell *c, struct ty_buf *b, size_t *n,
			    const char *tech, const char *scen)
{
	if (!c->dist || ty_dist_is_const(c->dist))
		return;
	if (*n < 3)
		ty_buf_addf(b, "%s'%s' (%s, %s)", *n ? ", " : "", c->text, tech, scen);
	(*n)++;
}

static void check_uncertainty(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_buf a = TY_BUF_INIT, b = TY_BUF_INIT;
	size_t na = 0, nb = 0;

	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_scenario *S = &T->scen[s];
#define COUNT(c) count_uncertain(&(c), &a, &na, T->name, S->name)
			COUNT(S->scale);
			for (size_t k = 0; k < T->n_capital && S->lifetime; k++)
				COUNT(S->lifetime[k]);
			for (size_t k = 0; k < T->n_input && S->input_raw; k++) {
				COUNT(S->input_raw[k]);
				COUNT(S->input_eff[k]);
				COUNT(S->input_price[k]);
			}
			for (size_t k = 0; k < T->n_output && S->output_eff; k++) {
				COUNT(S->output_eff[k]);
				COUNT(S->output_price[k]);
			}
			for (size_t k = 0; k < T->n_param && S->param; k++)
				COUNT(S->param[k]);
#undef COUNT
		}
	}
	for (size_t i = 0; i < ctx->ntranches; i++) {
		struct ty_tranche *tr = &ctx->tranches[i];

		if (tr->amount.dist && !ty_dist_is_const(tr->amount.dist)) {
			if (nb < 3)
				ty_buf_addf(&b, "%s'%s' (tranche '%s', row %u)", nb ? ", " : "",
					    tr->amount.text, tr->name, tr->line);
			nb++;
		}
	}
	ctx->uncertain_designs = na > 0;
	ctx->uncertain_amounts = nb > 0;
	if (na && nb)
		ty_diag_add(L->d, TYCHE_SEV_ERROR, L->t[TY_T_TRANCHES]->source, 0, 0,
			    "uncertainty on both sides: %zu design/parameter cells are distributions (e.g. %s) and %zu tranche amounts are too (e.g. %s); put distributions in the designs/parameters or in the tranche amounts, not both",
			    na, a.p, nb, b.p);
	ty_buf_release(&a);
	ty_buf_release(&b);
}

/* ------------------------------------------------------------ models */

/* The model file `<model>.yml`: beside the tables, then along the model
 * path (opts, $TYCHE_MODEL_PATH, the installed library). */
char *ty_context_model_file(const char *ctxpath, const tyche_load_opts *opts,
			    const char *model)
{
	const char *ctxdir_end;
	char *dir, *p;
	struct stat st;
	const char *path = opts && opts->model_path ? opts->model_path
						    : getenv("TYCHE_MODEL_PATH");
	char *search;

	if (!model_name_ok(model))
		return NULL;     /* a path: never opened */
	/* beside the tables */
	if (stat(ctxpath, &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = ty_strdup(ctxpath);
	} else {
		ctxdir_end = strrchr(ctxpath, '/');
		dir = ctxdir_end ? ty_strndup(ctxpath, (size_t)(ctxdir_end - ctxpath))
				 : ty_strdup(".");
	}
	p = ty_asprintf("%s/%s.yml", dir, model);
	free(dir);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	search = ty_asprintf("%s", path && *path ? path : TYCHE_PREFIX "/share/tyche/models");
	for (char *s = search, *e; s && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, ':');
		if (e)
			*e = '\0';
		if (!*s)
			continue;
		p = ty_asprintf("%s/%s.yml", s, model);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			free(search);
			return p;
		}
		free(p);
	}
	free(search);
	return NULL;
}

static char *find_model_file(struct loader *L, const char *model)
{
	return ty_context_model_file(L->ctx->path, L->opts, model);
}

static void load_models(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	static const char *const cols[4] = { "Capital", "Fixed", "Production", "Metrics" };

	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];
		struct ty_model_names names;
		tyche_error e = { 0 };
		const char *fsrc = L->t[TY_T_FUNCTIONS]->source;

		if (!T->model || ty_label_is_empty(T->model))
			continue;
		T->model_path = find_model_file(L, T->model);
		if (!T->model_path) {
			const char *mp = L->opts && L->opts->model_path ? L->opts->model_path
								       : getenv("TYCHE_MODEL_PATH");

			ty_diag_add(L->d, TYCHE_SEV_ERROR, fsrc, 0, 0,
				    "technology '%s': model file '%s.yml' not found beside the tables nor on the model path (%s)",
				    T->name, T->model,
				    mp && *mp ? mp : TYCHE_PREFIX "/share/tyche/models");
			continue;
		}
		if (ty_model_load(&T->mod, T->model_path, &e)) {
			ty_diag_from_error(L->d, &e);
			if (e.code == TYCHE_ETIMEOUT) {
				L->timeout = 1;   /* stop: every model would time out */
				break;
			}
			continue;
		}
		if (!T->capital || !T->input || !T->output || !T->metric)
			continue;   /* index problems already reported */
		memset(&names, 0, sizeof names);
		names.n_capital = T->n_capital;
		names.n_input = T->n_input;
		names.n_output = T->n_output;
		names.n_metric = T->n_metric;
		names.n_param = T->n_param;
		names.capital = (const char *const *)T->capital;
		names.input = (const char *const *)T->input;
		names.output = (const char *const *)T->output;
		names.metric = (const char *const *)T->metric;
		names.param = (const char *const *)T->param;
		names.n_fixed = T->n_fixed;
		names.fixed = (const char *const *)T->fixed;
		for (int k = 0; k < 4; k++) {
			if (!T->fn[k] || ty_label_is_empty(T->fn[k]))
				continue;
			if (!ty_model_has_section(T->mod, T->fn[k])) {
				ty_diag_add(L->d, TYCHE_SEV_ERROR, T->model_path, 0, 0,
					    "technology '%s': the functions table names '%s' as its %s function, but the model file has no section '%s'",
					    T->name, T->fn[k], cols[k], T->fn[k]);
				continue;
			}
			memset(&e, 0, sizeof e);
			if (ty_fn_compile(&T->fns[k], T->mod, T->fn[k], (enum ty_fn_role)k,
					  &names, &e)) {
				ty_diag_from_error(L->d, &e);
				continue;
			}
			if (k == TY_FN_FIXED && T->n_fixed < 0) {
				/* production and metrics may sum over the fixed set */
				T->n_fixed = (long)ty_fn_ncomp(T->fns[k]);
				names.n_fixed = T->n_fixed;
			}
		}
	}
}

/* ------------------------------------------------------------ public */

static void free_cell(struct ty_cell *c)
{
	ty_dist_free(c->dist);
	free(c->key);
}

static void free_cells(struct ty_cell *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free_cell(&v[i]);
	free(v);
}

static void free_names(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void tyche_context_free(tyche_context *ctx)
{
	if (!ctx)
		return;
	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		struct ty_tech *T = &ctx->tech[ti];

		for (size_t s = 0; s < T->nscen; s++) {
			struct ty_scenario *S = &T->scen[s];

			free(S->name);
			free_cell(&S->scale);
			free_cells(S->lifetime, T->n_capital);
			free_cells(S->input_raw, T->n_input);
			free_cells(S->input_eff, T->n_input);
			free_cells(S->input_price, T->n_input);
			free_cells(S->output_eff, T->n_output);
			free_cells(S->output_price, T->n_output);
			free_cells(S->param, T->n_param);
		}
		free(T->scen);
		free_names(T->capital, T->n_capital);
		free_names(T->input, T->n_input);
		free_names(T->output, T->n_output);
		free_names(T->metric, T->n_metric);
		free_names(T->fixed, T->fixed ? (size_t)T->n_fixed : 0);
		free_names(T->param, T->n_param);
		free(T->style);
		free(T->model);
		for (int k = 0; k < 4; k++) {
			free(T->fn[k]);
			ty_fn_free(T->fns[k]);
		}
		ty_model_free(T->mod);
		free(T->model_path);
		for (size_t k = 0; k < T->nresults; k++) {
			free(T->results[k].index);
			free(T->results[k].units);
		}
		free(T->results);
		free(T->name);
	}
	free(ctx->tech);
	for (size_t i = 0; i < ctx->ntranches; i++) {
		free(ctx->tranches[i].category);
		free(ctx->tranches[i].name);
		free(ctx->tranches[i].scenario);
		free_cell(&ctx->tranches[i].amount);
	}
	free(ctx->tranches);
	free_names(ctx->categories, ctx->ncategories);
	for (size_t i = 0; i < ctx->ninvest_items; i++) {
		free(ctx->invest[i].investment);
		free(ctx->invest[i].category);
		free(ctx->invest[i].tranche);
	}
	free(ctx->invest);
	free_names(ctx->investments, ctx->ninvestments);
	for (int i = 0; i < 7; i++)
		ty_table_free(ctx->tables[i]);
	free(ctx->path);
	free(ctx->name);
	free(ctx);
}

int tyche_context_load(tyche_context **out, const char *path,
		       const tyche_load_opts *opts, tyche_diags *diags)
{
	tyche_diags local = TYCHE_DIAGS_INIT;
	tyche_diags *d = diags ? diags : &local;
	size_t errors0 = d->nerrors;
	struct loader L;
	tyche_context *ctx;
	int rc;

	memset(&L, 0, sizeof L);
	ctx = ty_calloc(1, sizeof(*ctx));
	if (!ctx)
		return TYCHE_ENOMEM;
	ctx->path = ty_strdup(path);
	{
		size_t n = strlen(path);

		while (n > 1 && path[n - 1] == '/')
			n--;
		ctx->path[n] = '\0';
		ctx->name = ty_context_name_of(path);
	}
	L.ctx = ctx;
	L.d = d;
	L.t = ctx->tables;
	L.opts = opts;
	rc = read_tables(&L, ctx->path);
	if (rc == TYCHE_ENOENT || rc == TYCHE_ENOMEM || rc == TYCHE_EIO) {
		tyche_context_free(ctx);
		tyche_diags_release(&local);
		return rc;
	}
	check_columns(&L);
	if (L.table_ok[TY_T_DESIGNS]) {
		load_sets(&L);
		if (L.table_ok[TY_T_INDICES])
			load_indices(&L);
		load_designs(&L);
		if (L.table_ok[TY_T_PARAMETERS])
			load_parameters(&L);
		if (L.table_ok[TY_T_FUNCTIONS])
			load_functions(&L);
		if (L.table_ok[TY_T_RESULTS])
			load_results(&L);
		if (L.table_ok[TY_T_TRANCHES]) {
			load_tranches(&L);
			if (L.table_ok[TY_T_INVESTMENTS])
				load_investments(&L);
		}
		check_uncertainty(&L);
		if (!(opts && opts->skip_models) && L.table_ok[TY_T_FUNCTIONS])
			load_models(&L);
	}
	ty_context_hash_compute(ctx);
	if (d->nerrors > errors0) {
		tyche_context_free(ctx);
		tyche_diags_release(&local);
		return L.timeout ? TYCHE_ETIMEOUT : TYCHE_EDATA;
	}
	*out = ctx;
	tyche_diags_release(&local);
	return 0;
}

void tyche_context_summarize(const tyche_context *ctx, tyche_context_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->technologies = ctx->ntech;
	for (size_t i = 0; i < ctx->ntech; i++) {
		s->scenarios += ctx->tech[i].nscen;
		if (s->metrics < ctx->tech[i].n_metric)
			s->metrics = ctx->tech[i].n_metric;
	}
	s->categories = ctx->ncategories;
	s->tranches = ctx->ntranches;
	s->investments = ctx->ninvestments;
	/* distinct metric names over technologies */
	{
		struct strset m = { 0 };

		for (size_t i = 0; i < ctx->ntech; i++)
			for (size_t k = 0; k < ctx->tech[i].n_metric; k++)
				strset_add(&m, ctx->tech[i].metric[k]);
		s->metrics = m.n;
		strset_release(&m);
	}
	for (size_t ti = 0; ti < ctx->ntech; ti++) {
		const struct ty_tech *T = &ctx->tech[ti];

		for (size_t sc = 0; sc < T->nscen; sc++) {
			const struct ty_scenario *S = &T->scen[sc];
#define U(c) s->uncertain_cells += ((c).dist && !ty_dist_is_const((c).dist))
			U(S->scale);
			for (size_t k = 0; k < T->n_capital && S->lifetime; k++)
				U(S->lifetime[k]);
			for (size_t k = 0; k < T->n_input && S->input_raw; k++) {
				U(S->input_raw[k]);
				U(S->input_eff[k]);
				U(S->input_price[k]);
			}
			for (size_t k = 0; k < T->n_output && S->output_eff; k++) {
				U(S->output_eff[k]);
				U(S->output_price[k]);
			}
			for (size_t k = 0; k < T->n_param && S->param; k++)
				U(S->param[k]);
		}
	}
	for (size_t i = 0; i < ctx->ntranches; i++)
		U(ctx->tranches[i].amount);
#undef U
}

const char *tyche_context_name(const tyche_context *ctx)
{
	return ctx->name;
}

const char *tyche_context_hash(const tyche_context *ctx)
{
	return ctx->hash;
}

const char *tyche_context_technology(const tyche_context *ctx, size_t i)
{
	return i < ctx->ntech ? ctx->tech[i].name : NULL;
}

size_t tyche_context_nscenarios(const tyche_context *ctx, size_t tech)
{
	return tech < ctx->ntech ? ctx->tech[tech].nscen : 0;
}

const char *tyche_context_scenario(const tyche_context *ctx, size_t tech, size_t scen)
{
	if (tech >= ctx->ntech || scen >= ctx->tech[tech].nscen)
		return NULL;
	return ctx->tech[tech].scen[scen].name;
}
