/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context.c - load a decision context (seven tables) and validate it:
 * reading the tables, their columns, the technology and scenario sets,
 * the order of the loading steps (the steps of each table group are in
 * context-tech.c, context-models.c, context-portfolio.c), free and the
 * public accessors.  The helpers every step shares (cell diagnostics,
 * value parsing, the string set, lookups by name) are context-cells.c.
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
 * ty_context_model_file (context-models.c), as the load does, so that
 * both hash the same files.
 * Technologies and scenarios are found by name with names.c (their arrays
 * are sorted by name); index sets are not (see ty_context_find_label).
 * The map of the loader's files is in context-load.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "context-load.h"
#include "names.h"

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
		{	/* the optional eighth table (lib/correlate.c) */
			char *p = ty_asprintf("%s/correlations.csv", path);
			int rc;

			memset(&e, 0, sizeof e);
			rc = ty_csv_read(p, &L->corr, &e);
			if (rc && rc != TYCHE_ENOENT)
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
		for (size_t s = 0; s < book->nsheets; s++)   /* optional */
			if (book->sheets[s] && book->sheets[s]->sheet &&
			    !strcmp(book->sheets[s]->sheet, "correlations")) {
				L->corr = book->sheets[s];
				book->sheets[s] = NULL;
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
		for (int k = 0; ty_context_required_cols[i][k]; k++) {
			L->col[i][k] = ty_table_col(t, ty_context_required_cols[i][k]);
			if (L->col[i][k] < 0) {
				/* the same name in another case is a likely typo */
				char *hdr = ty_context_list_names(t->header, t->ncols);
				char where[512];
				int line, col;

				ty_table_loc(t, (size_t)-1, 0, where, &line, &col);
				ty_diag_add(L->d, TYCHE_SEV_ERROR, where, line, 0,
					    "missing required column '%s' (the header has %s)",
					    ty_context_required_cols[i][k], hdr);
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
		ty_strset_add(&techs, tech);
	}
	ty_strset_sort(&techs);
	ctx->ntech = techs.n;
	ctx->tech = ty_calloc(techs.n, sizeof(struct ty_tech));
	for (size_t i = 0; i < techs.n; i++) {
		ctx->tech[i].name = techs.v[i];
		techs.v[i] = NULL;
		ctx->tech[i].n_fixed = -1;
	}
	ty_strset_release(&techs);
	/* scenarios of each technology, in one pass over the rows (one pass
	 * per technology was quadratic in a table of many technologies) */
	{
		struct strset *sc = ty_calloc(ctx->ntech, sizeof(*sc));

		for (size_t r = 0; sc && r < d->nrows; r++) {
			long ti = ty_context_find_tech(ctx, cell(L, TY_T_DESIGNS, r, 0));

			if (ti >= 0 && !ty_label_is_empty(cell(L, TY_T_DESIGNS, r, 1)))
				ty_strset_add(&sc[ti], cell(L, TY_T_DESIGNS, r, 1));
		}
		for (size_t i = 0; sc && i < ctx->ntech; i++) {
			struct ty_tech *T = &ctx->tech[i];

			ty_strset_sort(&sc[i]);
			T->nscen = sc[i].n;
			T->scen = ty_calloc(sc[i].n, sizeof(struct ty_scenario));
			for (size_t s = 0; s < sc[i].n; s++) {
				T->scen[s].name = sc[i].v[s];
				sc[i].v[s] = NULL;
			}
			ty_strset_release(&sc[i]);
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
				long i = ty_context_find_tech(ctx, cell(L, ti, r, 0));

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
	ty_corr_free(ctx->corr);
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
			ty_context_load_indices(&L);
		ty_context_load_designs(&L);
		if (L.table_ok[TY_T_PARAMETERS])
			ty_context_load_parameters(&L);
		if (L.table_ok[TY_T_FUNCTIONS])
			ty_context_load_functions(&L);
		if (L.table_ok[TY_T_RESULTS])
			ty_context_load_results(&L);
		if (L.table_ok[TY_T_TRANCHES]) {
			ty_context_load_tranches(&L);
			if (L.table_ok[TY_T_INVESTMENTS])
				ty_context_load_investments(&L);
		}
		check_uncertainty(&L);
		ty_context_load_correlations(&L);
		if (!(opts && opts->skip_models) && L.table_ok[TY_T_FUNCTIONS])
			ty_context_load_models(&L);
	}
	ty_table_free(L.corr);
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
				ty_strset_add(&m, ctx->tech[i].metric[k]);
		s->metrics = m.n;
		ty_strset_release(&m);
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

