/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit-study.c - write a new study whose elicited cells hold the pooled
 * distributions (tyche_elicitation_apply).
 *
 * The study's seven tables are read as text (a directory of CSV files or
 * a workbook), each elicited cell's Value/Amount and Notes replaced, and
 * the result written as a CSV directory with the model files found beside
 * the study and elicitation-trace.csv (one row per expert and cell: the
 * expert, weight, family, fit error and fitted distribution), so every
 * generated cell can be traced to its judgements.
 *
 * Easy to get wrong:
 *  - nothing may be written when anything is wrong: every check (keys
 *    that name no cell, two keys naming one cell, uncertainty on both
 *    sides) runs and every file is built in memory first; only then is
 *    the folder made and each file replaced atomically;
 *  - keys match as the loader matches them: an empty or N/A Index is "no
 *    index", and a parameter Offset is a number ("2" and "2.0" are one);
 *  - the output folder must not be the study's own: the input would be
 *    half replaced if a later write failed.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elicit.h"

static const char *const tabs[7] = {
	"designs", "parameters", "indices", "functions", "results", "tranches", "investments"
};
enum { T_DESIGNS = 0, T_PARAMETERS = 1, T_FUNCTIONS = 3, T_TRANCHES = 5 };

/* Key columns and value column of each target table. */
static const char *const key_of[7][5] = {
	[T_DESIGNS] = { "Technology", "Scenario", "Variable", "Index", "Value" },
	[T_PARAMETERS] = { "Technology", "Scenario", "Parameter", "Offset", "Value" },
	[T_TRANCHES] = { "", "Tranche", "Category", "", "Amount" },
};

struct keyed {
	char *key;
	size_t row;
};

struct study {
	struct ty_table *t[7];
	struct ty_book *book;
	char *dir;                  /* where model files are looked for */
	struct keyed *idx[7];
	size_t nidx[7];
	long col[7][5];
	long notes[7];
	unsigned char *used[7];
};

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* The key text of (technology, scenario, variable, index) for table ti. */
static char *make_key(int ti, const char *tech, const char *scen, const char *var,
		      const char *index)
{
	char num[32];
	double v;

	if (ty_label_is_empty(index))
		index = "";
	else if (ti == T_PARAMETERS && !ty_parse_number(index, &v))
		index = ty_fmt_double(v, num);
	if (ti == T_TRANCHES)
		tech = index = "";
	return ty_asprintf("%s\x1f%s\x1f%s\x1f%s", tech, scen, var, index);
}

static int cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static void study_release(struct study *s)
{
	for (int i = 0; i < 7; i++) {
		for (size_t k = 0; k < s->nidx[i]; k++)
			free(s->idx[i][k].key);
		free(s->idx[i]);
		free(s->used[i]);
		if (!s->book)
			ty_table_free(s->t[i]);
	}
	ty_book_free(s->book);
	free(s->dir);
}

static int read_study(struct study *s, const char *path, tyche_diags *d)
{
	tyche_error err = { 0 };
	struct stat st;
	int rc = 0;

	if (stat(path, &st))
		return ty_diag_add(d, TYCHE_SEV_ERROR, path, 0, 0, "cannot read the study: %s",
				   strerror(errno)) ? TYCHE_ENOENT : TYCHE_ENOENT;
	if (has_suffix(path, ".xlsx")) {
		char *tmp = ty_strdup(path);

		if ((rc = ty_xlsx_read(path, &s->book, &err))) {
			free(tmp);
			ty_diag_from_error(d, &err);
			return rc;
		}
		s->dir = tmp ? ty_strdup(dirname(tmp)) : NULL;
		free(tmp);
		for (int i = 0; i < 7; i++)
			if (!(s->t[i] = ty_book_sheet(s->book, tabs[i])))
				rc = ty_diag_add(d, TYCHE_SEV_ERROR, path, 0, 0,
						 "missing sheet: the study needs a sheet named '%s'",
						 tabs[i]);
	} else {
		s->dir = ty_strdup(path);
		for (int i = 0; i < 7; i++) {
			char *p = ty_asprintf("%s/%s.csv", path, tabs[i]);

			if (!p || ty_csv_read(p, &s->t[i], &err)) {
				ty_diag_from_error(d, &err);
				rc = TYCHE_EDATA;
			}
			free(p);
		}
	}
	if (!s->dir)
		rc = TYCHE_ENOMEM;
	return rc;
}

/* Sorted keys of the target tables; columns checked. */
static int index_study(struct study *s, const char *path, tyche_diags *d)
{
	int rc = 0;

	for (int ti = 0; ti < 7; ti++) {
		struct ty_table *t = s->t[ti];

		s->notes[ti] = t ? ty_table_col(t, "Notes") : -1;
		if (ti != T_DESIGNS && ti != T_PARAMETERS && ti != T_TRANCHES)
			continue;
		for (int k = 0; k < 5; k++) {
			s->col[ti][k] = *key_of[ti][k] ? ty_table_col(t, key_of[ti][k]) : -1;
			if (*key_of[ti][k] && s->col[ti][k] < 0)
				rc = ty_elicit_cell_err(d, t, (size_t)-1, 0,
							"missing column '%s' in the study's %s table",
							key_of[ti][k], tabs[ti]);
		}
		if (rc)
			continue;
		s->idx[ti] = ty_calloc(t->nrows + 1, sizeof(struct keyed));
		s->used[ti] = ty_calloc(t->nrows + 1, 1);
		if (!s->idx[ti] || !s->used[ti])
			return TYCHE_ENOMEM;
		for (size_t r = 0; r < t->nrows; r++) {
			const char *f[4];

			for (int k = 0; k < 4; k++)
				f[k] = s->col[ti][k] >= 0 ? ty_table_cell(t, r, (size_t)s->col[ti][k]) : "";
			s->idx[ti][r].key = make_key(ti, f[0], f[1], f[2], f[3]);
			s->idx[ti][r].row = r;
			s->nidx[ti]++;
			if (!s->idx[ti][r].key)
				return TYCHE_ENOMEM;
		}
		qsort(s->idx[ti], s->nidx[ti], sizeof(struct keyed), cmp_keyed);
	}
	(void)path;
	return rc;
}

static int table_index(const char *name)
{
	for (int i = 0; i < 7; i++)
		if (!strcmp(tabs[i], name))
			return i;
	return -1;
}

static int is_uncertain(const char *text)
{
	struct ty_dist *d = NULL;
	size_t pos;
	char msg[64];
	int u;

	if (ty_dist_parse(text, &d, &pos, msg, sizeof(msg)))
		return 0;
	u = !ty_dist_is_const(d);
	ty_dist_free(d);
	return u;
}

static char *notes_of(const tyche_elicit_cell *c)
{
	struct ty_buf b = TY_BUF_INIT;
	char n1[32], n2[32];

	ty_buf_addf(&b, "elicited, %s pool of ", tyche_elicit_pool_name(c->pool));
	for (size_t k = 0; k < c->nexperts; k++) {
		const tyche_elicit_expert *x = &c->experts[k];

		ty_buf_addf(&b, "%s%s (weight %s, %s, fit error %s)", k ? "; " : "", x->expert,
			    ty_fmt_double(x->weight, n1), tyche_elicit_family_name(x->family),
			    ty_fmt_double(x->fit_error, n2));
	}
	ty_buf_adds(&b, "; see elicitation-trace.csv");
	return b.oom ? (ty_buf_release(&b), NULL) : ty_buf_detach(&b);
}

static void csv_row(struct ty_buf *b, const char *const *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			ty_buf_addc(b, ',');
		ty_buf_csv(b, f[i]);
	}
	ty_buf_addc(b, '\n');
}

/* A table as CSV text, with replaced cells repl[r * ncols + c] (NULL: keep). */
static char *table_csv(const struct ty_table *t, char *const *repl, size_t *len)
{
	struct ty_buf b = TY_BUF_INIT;
	const char **f = ty_calloc(t->ncols + 1, sizeof(char *));

	if (!f)
		return NULL;
	csv_row(&b, (const char *const *)t->header, t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			char *x = repl ? repl[r * t->ncols + c] : NULL;

			f[c] = x ? x : ty_table_cell(t, r, c);
		}
		csv_row(&b, f, t->ncols);
	}
	free(f);
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	*len = b.len;
	return b.p ? ty_buf_detach(&b) : ty_strdup("");
}

static char *trace_csv(const tyche_elicitation *e, size_t *len)
{
	static const char *const head[] = {
		"Table", "Technology", "Scenario", "Variable", "Index", "Expert", "Row",
		"Weight", "Family", "Fit error", "Fitted", "Median", "Outlier", "Pool", "Pooled"
	};
	struct ty_buf b = TY_BUF_INIT;

	csv_row(&b, head, TY_ARRAY_SIZE(head));
	for (size_t i = 0; i < tyche_elicitation_ncells(e); i++) {
		const tyche_elicit_cell *c = tyche_elicitation_cell(e, i);

		for (size_t k = 0; k < c->nexperts; k++) {
			const tyche_elicit_expert *x = &c->experts[k];
			char row[32], w[32], fe[32], med[32];
			const char *f[15];

			snprintf(row, sizeof(row), "%u", x->row);
			f[0] = c->table;
			f[1] = c->technology;
			f[2] = c->scenario;
			f[3] = c->variable;
			f[4] = c->index;
			f[5] = x->expert;
			f[6] = row;
			f[7] = ty_fmt_double(x->weight, w);
			f[8] = tyche_elicit_family_name(x->family);
			f[9] = ty_fmt_double(x->fit_error, fe);
			f[10] = x->dist;
			f[11] = ty_fmt_double(x->median, med);
			f[12] = x->outlier ? "yes" : "no";
			f[13] = tyche_elicit_pool_name(c->pool);
			f[14] = c->pooled;
			csv_row(&b, f, 15);
		}
	}
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	*len = b.len;
	return ty_buf_detach(&b);
}

struct outfile {
	char *name, *data;
	size_t len;
};

int tyche_elicitation_apply(const tyche_elicitation *e, const char *study, const char *outdir,
			    tyche_diags *d)
{
	struct study s;
	char **repl[7] = { 0 };
	struct outfile files[7 + 1 + 64];
	size_t nfiles = 0, nerr0 = d ? d->nerrors : 0;
	long first_side[2] = { -1, -1 };   /* cell index: 0 designs/parameters, 1 tranches */
	char *rs = NULL, *ro = NULL;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	memset(files, 0, sizeof(files));
	if (!e || !study || !outdir)
		return TYCHE_EUSAGE;
	rs = realpath(study, NULL);
	ro = realpath(outdir, NULL);
	if (rs && ro && !strcmp(rs, ro)) {
		rc = ty_diag_add(d, TYCHE_SEV_ERROR, outdir, 0, 0,
				 "the new study must not be written over the study it comes from");
		goto out;
	}
	if ((rc = read_study(&s, study, d)) || (rc = index_study(&s, study, d)))
		goto out;
	for (int ti = 0; ti < 7; ti++)
		if (ti == T_DESIGNS || ti == T_PARAMETERS || ti == T_TRANCHES) {
			repl[ti] = ty_calloc(s.t[ti]->nrows * s.t[ti]->ncols + 1, sizeof(char *));
			if (!repl[ti]) {
				rc = TYCHE_ENOMEM;
				goto out;
			}
		}
	for (size_t i = 0; i < e->ncells; i++) {
		const struct ty_elicit_cellx *c = &e->cells[i];
		int ti = table_index(c->pub.table);
		struct keyed key, *hit;
		size_t r, ncol;

		key.key = make_key(ti, c->pub.technology, c->pub.scenario, c->pub.variable,
				   c->pub.index);
		if (!key.key) {
			rc = TYCHE_ENOMEM;
			goto out;
		}
		hit = bsearch(&key, s.idx[ti], s.nidx[ti], sizeof(key), cmp_keyed);
		free(key.key);
		if (!hit) {
			if (ti == T_TRANCHES)
				ty_elicit_cell_err(d, e->t, c->r0, (size_t)e->keycol[2],
						   "no tranche '%.60s' in category '%.60s' in the "
						   "study's tranches table", c->pub.scenario,
						   c->pub.variable);
			else
				ty_elicit_cell_err(d, e->t, c->r0, (size_t)e->keycol[1],
						   "no %s row for Technology '%.60s', Scenario "
						   "'%.60s', %s '%.60s', %s '%.60s' in the study",
						   tabs[ti], c->pub.technology, c->pub.scenario,
						   ti == T_DESIGNS ? "Variable" : "Parameter",
						   c->pub.variable, ti == T_DESIGNS ? "Index" : "Offset",
						   c->pub.index);
			continue;
		}
		r = hit->row;
		ncol = s.t[ti]->ncols;
		if (s.used[ti][r]++) {
			ty_elicit_cell_err(d, e->t, c->r0, (size_t)e->keycol[0],
					   "names the same %s cell as an earlier key (row %u of "
					   "the study's table)", tabs[ti], s.t[ti]->line[r]);
			continue;
		}
		repl[ti][r * ncol + (size_t)s.col[ti][4]] = ty_strdup(c->pooled);
		if (s.notes[ti] >= 0)
			repl[ti][r * ncol + (size_t)s.notes[ti]] = notes_of(&c->pub);
		if (first_side[ti == T_TRANCHES] < 0)
			first_side[ti == T_TRANCHES] = (long)i;
	}
	if (d && d->nerrors > nerr0)
		goto out;
	/* uncertainty on one side only (as the loader demands) */
	{
		size_t n[2] = { 0, 0 };

		for (int ti = 0; ti < 7; ti++) {
			int side = ti == T_TRANCHES;

			if (ti != T_DESIGNS && ti != T_PARAMETERS && ti != T_TRANCHES)
				continue;
			for (size_t r = 0; r < s.t[ti]->nrows; r++) {
				size_t k = r * s.t[ti]->ncols + (size_t)s.col[ti][4];
				const char *v = repl[ti][k] ? repl[ti][k] :
						ty_table_cell(s.t[ti], r, (size_t)s.col[ti][4]);

				n[side] += (size_t)is_uncertain(v);
			}
		}
		if (n[0] && n[1]) {
			int side = first_side[1] >= 0 ? 1 : 0;
			const struct ty_elicit_cellx *c = &e->cells[first_side[side]];

			rc = ty_elicit_cell_err(d, e->t, c->r0, (size_t)e->keycol[0],
					 "uncertainty on both sides: the new study would have %zu "
					 "design/parameter distributions and %zu uncertain tranche "
					 "amounts; elicit one side only (or make the other side's "
					 "cells numbers)", n[0], n[1]);
			goto out;
		}
	}
	for (int ti = 0; ti < 7; ti++) {
		files[nfiles].name = ty_asprintf("%s.csv", tabs[ti]);
		files[nfiles].data = table_csv(s.t[ti], repl[ti], &files[nfiles].len);
		if (!files[nfiles].name || !files[nfiles].data) {
			rc = TYCHE_ENOMEM;
			goto out;
		}
		nfiles++;
	}
	files[nfiles].name = ty_strdup("elicitation-trace.csv");
	files[nfiles].data = trace_csv(e, &files[nfiles].len);
	if (!files[nfiles].name || !files[nfiles].data) {
		rc = TYCHE_ENOMEM;
		goto out;
	}
	nfiles++;
	/* model files beside the study (others come from the model path) */
	{
		struct ty_table *f = s.t[T_FUNCTIONS];
		long mc = ty_table_col(f, "Model");

		for (size_t r = 0; mc >= 0 && r < f->nrows && nfiles < TY_ARRAY_SIZE(files); r++) {
			const char *m = ty_table_cell(f, r, (size_t)mc);
			char *name, *p;
			int dup = 0;

			if (!tyche_safe_name(m, 200))
				continue;
			name = ty_asprintf("%s.yml", m);
			for (size_t k = 0; name && k < nfiles; k++)
				dup |= !strcmp(files[k].name, name);
			p = name && !dup ? ty_asprintf("%s/%s", s.dir, name) : NULL;
			if (p && !ty_read_file(p, TY_MAX_FILE_BYTES, &files[nfiles].data,
					       &files[nfiles].len, NULL)) {
				files[nfiles++].name = name;
				name = NULL;
			}
			free(p);
			free(name);
		}
	}
	/* everything is ready: write */
	if (ty_mkdir_p(outdir, 0755)) {
		rc = ty_diag_add(d, TYCHE_SEV_ERROR, outdir, 0, 0, "cannot create the folder: %s",
				 strerror(errno));
		rc = TYCHE_EIO;
		goto out;
	}
	for (size_t k = 0; k < nfiles; k++) {
		tyche_error err = { 0 };
		char *p = ty_asprintf("%s/%s", outdir, files[k].name);

		if (!p) {
			rc = TYCHE_ENOMEM;
			goto out;
		}
		rc = ty_write_atomic(p, files[k].data, files[k].len, 0644, 1, &err);
		free(p);
		if (rc) {
			ty_diag_from_error(d, &err);
			goto out;
		}
	}
out:
	if (rc == TYCHE_ENOMEM)
		ty_diag_add(d, TYCHE_SEV_ERROR, outdir, 0, 0, "out of memory");
	if (!rc && d && d->nerrors > nerr0)
		rc = TYCHE_EDATA;
	for (int ti = 0; ti < 7; ti++) {
		for (size_t k = 0; repl[ti] && k < s.t[ti]->nrows * s.t[ti]->ncols; k++)
			free(repl[ti][k]);
		free(repl[ti]);
	}
	for (size_t k = 0; k < nfiles + 1 && k < TY_ARRAY_SIZE(files); k++) {
		free(files[k].name);
		free(files[k].data);
	}
	study_release(&s);
	free(rs);
	free(ro);
	return rc;
}
