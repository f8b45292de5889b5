/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-models.c - the functions table (each technology's model and
 * the section names of its Capital, Fixed, Production and Metrics
 * functions) and the model files it names: found, loaded and compiled
 * against the technology's index sets.  Map of the loader: context-load.h.
 *
 * Easy to get wrong:
 *  - The Model column names a model, never a path: only a plain stem is
 *    looked up (model_name_ok), so a workbook cannot make the server open
 *    a file of its choice.
 *  - ty_context_model_file is also how the quick hash (context-hash.c)
 *    finds the model files: both must search the same places in the same
 *    order, or a cached surface would never be found (or be found stale).
 *  - A model file that runs out of the work budget (reading or compiling)
 *    stops the loading of all models (TYCHE_ETIMEOUT, a 504 in the CGI,
 *    not a "does not load" 500): every later one would time out too.
 *  - The Fixed set's size comes from the compiled Fixed function when no
 *    index names it, and Production and Metrics, compiled after it, may
 *    sum over it: keep the compile order Capital, Fixed, Production,
 *    Metrics.
 *  - From a build tree (the program is TOP/BUILD/bin/PROG beside
 *    TOP/lib/tyche.h) TOP/models comes before the installed library on
 *    the default path, so a fresh checkout needs no install; an explicit
 *    --models or TYCHE_MODEL_PATH replaces the whole default.
 *  - The default model path is compiled in here (TYCHE_PREFIX): the
 *    Makefile rebuilds context-models.o when PREFIX changes; code that
 *    uses TYCHE_PREFIX elsewhere needs that rule too (t0100 checks it).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context-load.h"

/* The functions table's Model column names a model, never a path: a
 * file name stem of letters, digits, '_', '-' and '.', not starting with
 * '.' or '-' (tyche_safe_name: no "..", no hidden file, no '/' or '\\'). */
#define TY_MAX_MODEL_NAME 128

static int model_name_ok(const char *s)
{
	return tyche_safe_name(s, TY_MAX_MODEL_NAME);
}


/* ------------------------------------------------------------ functions */

void ty_context_load_functions(struct loader *L)
{
	tyche_context *ctx = L->ctx;
	struct ty_table *t = L->t[TY_T_FUNCTIONS];

	for (size_t r = 0; r < t->nrows; r++) {
		const char *tech = cell(L, TY_T_FUNCTIONS, r, 0);
		long ti = ty_context_find_tech(ctx, tech);
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
					 "column '%s' is empty, expected %s", ty_context_required_cols[TY_T_FUNCTIONS][k],
					 k == 2 ? "the model name (file <Model>.yml)" : "a section name of the model");
		}
		T->style = ty_strdup(cell(L, TY_T_FUNCTIONS, r, 1));
		T->model = ty_strdup(cell(L, TY_T_FUNCTIONS, r, 2));
		if (T->model && !ty_label_is_empty(T->model) && !model_name_ok(T->model)) {
			cell_err(L, TY_T_FUNCTIONS, r, colpos(L, TY_T_FUNCTIONS, 2),
				 "model '%.80s%s' is not a model name: expected letters, digits, '_', "
				 "'-' or '.' (at most %d, not starting with '.' or '-'), never a path",
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

/* ------------------------------------------------------------ models */

/* The build tree this program runs from, if any: the binary is
 * TOP/BUILD/bin/PROG (or TOP/BUILD/t/.../PROG) and TOP holds lib/tyche.h
 * and models/.  Then TOP/models is on the default path, so `tyche-run
 * check` works from a build tree without `make install`.  An installed
 * program (PREFIX/bin) has no lib/tyche.h two levels up, so it never
 * looks there. */
static char *build_tree_models(void)
{
	char exe[4096], *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 4; up++) {
		char *q;

		p = strrchr(exe, '/');
		if (!p || p == exe)
			return NULL;
		*p = '\0';
		if (up < 2)
			continue;
		q = ty_asprintf("%s/lib/tyche.h", exe);
		if (q && stat(q, &st) == 0 && S_ISREG(st.st_mode)) {
			free(q);
			q = ty_asprintf("%s/models", exe);
			if (q && stat(q, &st) == 0 && S_ISDIR(st.st_mode))
				return q;
		}
		free(q);
	}
	return NULL;
}

/* The model path searched after the context's own folder: opts, else
 * $TYCHE_MODEL_PATH, else the build tree's models/ (when run from one)
 * and the installed library.  "DIR:DIR...", malloc'd. */
char *ty_context_model_path(const tyche_load_opts *opts)
{
	const char *path = opts && opts->model_path ? opts->model_path
						    : getenv("TYCHE_MODEL_PATH");
	char *tree, *s;

	if (path && *path)
		return ty_strdup(path);
	tree = build_tree_models();
	s = tree ? ty_asprintf("%s:%s", tree, TYCHE_PREFIX "/share/tyche/models")
		 : ty_strdup(TYCHE_PREFIX "/share/tyche/models");
	free(tree);
	return s;
}

/* The folder beside the tables: the context folder, or the workbook's. */
static char *context_dir(const char *ctxpath)
{
	struct stat st;
	const char *end;

	if (stat(ctxpath, &st) == 0 && S_ISDIR(st.st_mode))
		return ty_strdup(ctxpath);
	end = strrchr(ctxpath, '/');
	return end ? ty_strndup(ctxpath, (size_t)(end - ctxpath)) : ty_strdup(".");
}

/* The model file `<model>.yml`: beside the tables, then along the model
 * path (ty_context_model_path). */
char *ty_context_model_file(const char *ctxpath, const tyche_load_opts *opts,
			    const char *model)
{
	char *dir, *p;
	struct stat st;
	char *search;

	if (!model_name_ok(model))
		return NULL;     /* a path: never opened */
	dir = context_dir(ctxpath);
	p = ty_asprintf("%s/%s.yml", dir, model);
	free(dir);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	search = ty_context_model_path(opts);
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

void ty_context_load_models(struct loader *L)
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
			char *mp = ty_context_model_path(L->opts);
			char *dir = context_dir(ctx->path);

			ty_diag_add(L->d, TYCHE_SEV_ERROR, fsrc, 0, 0,
				    "technology '%s': model file '%s.yml' not found beside the tables (%s) nor on the model path (%s); name its folder with --models DIR or TYCHE_MODEL_PATH=DIR",
				    T->name, T->model, dir ? dir : "?", mp ? mp : "?");
			free(mp);
			free(dir);
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
				if (e.code == TYCHE_ETIMEOUT) {
					L->timeout = 1;   /* as for reading: stop */
					break;
				}
				continue;
			}
			if (k == TY_FN_FIXED && T->n_fixed < 0) {
				/* production and metrics may sum over the fixed set */
				T->n_fixed = (long)ty_fn_ncomp(T->fns[k]);
				names.n_fixed = T->n_fixed;
			}
		}
		if (L->timeout)
			break;
	}
}

