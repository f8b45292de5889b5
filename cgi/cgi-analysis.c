/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-analysis.c - the read-only analysis resources: the list of contexts,
 * a context's description, explore (statistics and plots for a portfolio
 * of amounts), a single plot as SVG, and optimise.
 *
 * Every answer comes from the cached response surface: tyche_surface_build
 * is called with nowait, so while another process builds the surface for
 * this context this request answers 503 "warming up" at once instead of
 * holding a web server worker for the whole build.  The first request
 * after an update is the one that builds (under the library's lock).
 *
 * Which entries are contexts is the catalog's rule (lib/catalog.c).
 * A context name from the URL is checked by cgi_name_ok (no '/', no
 * leading '.') before it is joined to the contexts directory.
 *
 * The metric bounds in a context's description cost 2 optimisations per
 * metric; they come from tyche_opt_bounds_cached, computed once per study
 * version and kept beside the surface cache file.  A study that does not
 * load is logged in a bounded summary (cgi_log_diags), never in full:
 * the log is written on every request.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi.h"

#define MAX_STATS 16
#define PLOT_TYPES "box, violin, density, heatmap, annotated-heatmap"

static const char *const plot_types[] = {
	"box", "violin", "density", "heatmap", "annotated-heatmap"
};
static const char *const page_stats[] = {
	"mean", "q10", "q50", "q90", "std", "var95", "cvar95", "p>0"
};

/* ------------------------------------------------------------ contexts */

/* The contexts directory as the catalog lists it (lib/catalog.c: a folder
 * holding designs.csv or a .xlsx workbook, one level, names checked). */
#define LOG_DIAGS_MAX 10

void cgi_log_diags(const tyche_diags *d, const char *context)
{
	/* the list keeps at most the library's cap (plus a closing "... and N
	 * more" line); the totals count every problem */
	size_t total = d->nerrors + d->nwarnings;
	size_t shown = d->n < LOG_DIAGS_MAX ? d->n : LOG_DIAGS_MAX;

	fprintf(stderr, "tyche.cgi: context '%.100s': %zu errors, %zu warnings%s\n", context,
		d->nerrors, d->nwarnings, total > shown ? " (the first ones follow)" : "");
	for (size_t i = 0; i < shown; i++) {
		const tyche_diag *g = &d->v[i];

		fprintf(stderr, "tyche.cgi: %.300s:%d:%d: %s: %.300s\n", g->where ? g->where : "",
			g->line, g->col, g->severity == TYCHE_SEV_ERROR ? "error" : "warning",
			g->msg ? g->msg : "");
	}
	if (total > shown)
		fprintf(stderr, "tyche.cgi: ... and %zu more (run `tyche-run check` on the server "
			"for all of them)\n", total - shown);
}

/* The path of context `name` (already checked by cgi_name_ok), or -1:
 * the catalog's rule, so what is listed is what resolves. */
static int context_path(const struct cgi_config *c, const char *name, char *buf, size_t n)
{
	char *p = NULL;
	int ok;

	if (strchr(name, '~'))   /* a user study, already checked visible */
		return cgi_study_path(c, name, buf, n);
	ok = !tyche_catalog_resolve(c->contexts, name, &p, NULL) && strlen(p) < n;

	if (ok)
		memcpy(buf, p, strlen(p) + 1);
	free(p);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------ kept surfaces */

/* FastCGI: the surfaces of the last few contexts asked for (and, for the
 * context's description, the loaded context with its surface), by
 * context folder and the config's models, cache, samples and seed.  One
 * is handed out again only while tyche_surface_is_current says the
 * study's files are unchanged (stat() against the cache's stamp; the
 * context's hash is its surface's), so an update that tyche-fetch
 * installs is seen by the next request.  Borrowed by one request at a
 * time (a process serves one request at a time); both are read-only. */
#define KEPT_MAX 8

int cgi_keep_surfaces;

static struct kept {
	char *key;              /* path NUL models NUL cache NUL samples/seed/ctx */
	size_t keylen;
	tyche_surface *s;
	tyche_context *ctx;     /* NULL: the surface alone */
	unsigned long used;     /* for evicting the least recently used */
} kept[KEPT_MAX];
static unsigned long kept_clock;

static char *kept_key(const struct cgi_config *c, const char *path, int with_ctx, size_t *len)
{
	char *k;
	int n = snprintf(NULL, 0, "%s%c%s%c%s%c%ld/%llu/%d", path, 0, c->models ? c->models : "",
			 0, c->cache ? c->cache : "", 0, c->samples,
			 (unsigned long long)c->seed, with_ctx);

	if (n < 0 || !(k = malloc((size_t)n + 1)))
		return NULL;
	snprintf(k, (size_t)n + 1, "%s%c%s%c%s%c%ld/%llu/%d", path, 0, c->models ? c->models : "",
		 0, c->cache ? c->cache : "", 0, c->samples, (unsigned long long)c->seed, with_ctx);
	*len = (size_t)n;
	return k;
}

static void kept_drop(struct kept *k)
{
	tyche_surface_free(k->s);
	tyche_context_free(k->ctx);
	free(k->key);
	memset(k, 0, sizeof *k);
}

/* The kept entry for this context and config if still current, else NULL
 * (and a stale one is dropped). */
static struct kept *kept_get(const struct cgi_config *c, const char *path, int with_ctx,
			     const tyche_load_opts *lo, const tyche_analysis_opts *ao)
{
	struct kept *k = NULL;
	size_t len;
	char *key;

	if (!cgi_keep_surfaces || !(key = kept_key(c, path, with_ctx, &len)))
		return NULL;
	for (int i = 0; i < KEPT_MAX && !k; i++)
		if (kept[i].s && kept[i].keylen == len && !memcmp(kept[i].key, key, len))
			k = &kept[i];
	free(key);
	if (!k)
		return NULL;
	if (!tyche_surface_is_current(k->s, path, lo, ao)) {
		kept_drop(k);
		return NULL;
	}
	k->used = ++kept_clock;
	return k;
}

static void keep(const struct cgi_config *c, const char *path, tyche_context *ctx,
		 tyche_surface *s)
{
	struct kept *k = &kept[0];
	size_t len;
	char *key;

	if (!cgi_keep_surfaces || !(key = kept_key(c, path, ctx != NULL, &len)))
		return;
	for (int i = 0; i < KEPT_MAX; i++)
		if (!kept[i].s || kept[i].used < k->used)
			k = &kept[i];
	if (k->s)
		kept_drop(k);
	k->key = key;
	k->keylen = len;
	k->s = s;
	k->ctx = ctx;
	k->used = ++kept_clock;
}

static int is_kept(const tyche_surface *s)
{
	for (int i = 0; s && i < KEPT_MAX; i++)
		if (kept[i].s == s)
			return 1;
	return 0;
}

void cgi_surface_done(tyche_surface *s)
{
	if (!is_kept(s))
		tyche_surface_free(s);
}

void cgi_context_done(tyche_context *ctx, tyche_surface *s)
{
	if (!is_kept(s)) {
		tyche_surface_free(s);
		tyche_context_free(ctx);
	}
}

int cgi_load_surface(const struct cgi_config *c, const char *name,
		     tyche_context **ctx, tyche_surface **s, struct cgi_response *r)
{
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_diags diags = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	char path[4096];
	int rc;

	if (ctx)
		*ctx = NULL;
	*s = NULL;
	if ((!cgi_name_ok(name, CGI_CONTEXT_NAME_MAX) && !strchr(name, '~')) ||
	    context_path(c, name, path, sizeof path)) {
		cgi_fail(r, 404, "no context named '%.100s'", name);
		return -1;
	}
	lo.model_path = c->models;
	ao.seed = c->seed;
	ao.samples = (size_t)c->samples;
	ao.cache_dir = c->cache;
	ao.nowait = 1;
	/* a process that keeps no surface past its request maps the cache
	 * file instead of copying it (a kept one must not be a mapping) */
	ao.map_cache = !cgi_keep_surfaces;
	if (!ctx) {
		/* the caller needs the surface only: one this process kept is
		 * used while the study's files are unchanged, else a cached one
		 * is found without parsing the tables */
		struct kept *k = kept_get(c, path, 0, &lo, &ao);

		if (k) {
			*s = k->s;
			return 0;
		}
		rc = tyche_surface_open(s, path, &lo, &ao, &diags, &err);
		if (!rc)
			keep(c, path, NULL, *s);
		if (rc == TYCHE_EDATA && diags.nerrors) {
			cgi_log_diags(&diags, name);
			cgi_fail(r, 500, "context '%s' does not load (%zu errors; run `tyche-run check` "
				 "on the server)", name, diags.nerrors);
		} else if (rc) {
			cgi_fail_tyche(r, rc, &err, "response surface");
		}
		tyche_diags_release(&diags);
		return rc ? -1 : 0;
	}
	rc = tyche_context_load(ctx, path, &lo, &diags);
	if (rc == TYCHE_ETIMEOUT) {
		cgi_log_diags(&diags, name);
		cgi_fail_timeout(r, "loading the context");
		tyche_diags_release(&diags);
		return -1;
	}
	if (rc) {
		cgi_log_diags(&diags, name);
		cgi_fail(r, 500, "context '%s' does not load (%zu errors; run `tyche-run check` "
			 "on the server)", name, diags.nerrors);
		tyche_diags_release(&diags);
		return -1;
	}
	tyche_diags_release(&diags);
	rc = tyche_surface_build(s, *ctx, &ao, NULL, &err);
	if (rc) {
		tyche_context_free(*ctx);
		*ctx = NULL;
		cgi_fail_tyche(r, rc, &err, "response surface");
		return -1;
	}
	return 0;
}

int cgi_load_context(const struct cgi_config *c, const char *name,
		     tyche_context **ctx, tyche_surface **s, struct cgi_response *r)
{
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	char path[4096];
	struct kept *k;

	if (cgi_keep_surfaces && cgi_name_ok(name, CGI_CONTEXT_NAME_MAX) &&
	    !context_path(c, name, path, sizeof path)) {
		lo.model_path = c->models;
		ao.seed = c->seed;
		ao.samples = (size_t)c->samples;
		ao.cache_dir = c->cache;
		if ((k = kept_get(c, path, 1, &lo, &ao))) {
			*ctx = k->ctx;
			*s = k->s;
			return 0;
		}
		if (cgi_load_surface(c, name, ctx, s, r))
			return -1;
		/* only when the surface is the one the stamp names (a context
		 * edited while it loaded is simply not kept) */
		if (tyche_surface_is_current(*s, path, &lo, &ao))
			keep(c, path, *ctx, *s);
		return 0;
	}
	return cgi_load_surface(c, name, ctx, s, r);
}

/* The note tag of GET /contexts/NAME's answer (malloc'd): a change of
 * this program or of the answer's fields must not be answered from a note
 * an older one kept, so the tag has CGI_INFO_FORMAT (grown with every
 * change of the fields), the version, and the identity of the executable
 * itself (inode and mtime: a rebuilt or reinstalled tyche.cgi with the
 * same version number makes new notes too). */
#define CGI_INFO_FORMAT 1
static char *cgi_info_tag(const char *name)
{
	size_t n = strlen(name) + 160;
	char *t = malloc(n);
	struct stat st;

	if (stat("/proc/self/exe", &st))
		memset(&st, 0, sizeof st);
	if (t)
		snprintf(t, n, "tyche.cgi context description/%d/%s/%llu.%lld.%09ld/%s",
			 CGI_INFO_FORMAT, tyche_version(), (unsigned long long)st.st_ino,
			 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec, name);
	return t;
}

int cgi_context_info(const struct cgi_config *c, const char *name,
		     struct cgi_response *r)
{
	char path[4096], *tag;
	tyche_context *ctx;
	tyche_surface *s;
	tyche_context_summary sum;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_error berr = { 0 };
	double *lo_b = NULL, *hi_b = NULL;
	int have_bounds = 0, brc;
	cJSON *o, *a, *x;

	ao.seed = c->seed;
	ao.samples = (size_t)c->samples;
	ao.cache_dir = c->cache;
	/* the description as a request for this version of the study last
	 * answered it (no table is read; the tag has the request's name, as
	 * the answer does, and this program's version and format) */
	tag = cgi_info_tag(name);
	if (tag && !context_path(c, name, path, sizeof path)) {
		tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
		char *text = NULL;

		lo.model_path = c->models;
		if (!tyche_cache_note_get(&text, path, &lo, &ao, tag)) {
			free(tag);
			r->status = 200;
			r->content_type = "application/json";
			r->body.len = 0;
			cgi_buf_adds(&r->body, text);
			free(text);
			return 200;
		}
	}
	if (cgi_load_context(c, name, &ctx, &s, r)) {
		free(tag);
		return r->status;
	}
	/* metric bounds: each metric's mean minimised and maximised alone over
	 * [0, max amount] per category (no budget), once per study version */
	lo_b = calloc(tyche_surface_nmetrics(s) + 1, sizeof *lo_b);
	hi_b = calloc(tyche_surface_nmetrics(s) + 1, sizeof *hi_b);
	brc = lo_b && hi_b ? tyche_opt_bounds_cached(ctx, s, &ao, lo_b, hi_b, NULL, &berr)
			   : TYCHE_ENOMEM;
	if (brc == TYCHE_ETIMEOUT) {
		free(lo_b);
		free(hi_b);
		cgi_context_done(ctx, s);
		return cgi_fail_tyche(r, brc, &berr, "metric bounds");
	}
	have_bounds = brc == 0;
	tyche_context_summarize(ctx, &sum);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "hash", tyche_context_hash(ctx));
	cgi_json_add_num(o, "samples", (double)tyche_surface_nsamples(s));
	cgi_json_add_num(o, "seed", (double)tyche_surface_seed(s));
	x = cJSON_AddObjectToObject(o, "counts");
	cgi_json_add_num(x, "technologies", (double)sum.technologies);
	cgi_json_add_num(x, "scenarios", (double)sum.scenarios);
	cgi_json_add_num(x, "categories", (double)sum.categories);
	cgi_json_add_num(x, "tranches", (double)sum.tranches);
	cgi_json_add_num(x, "investments", (double)sum.investments);
	cgi_json_add_num(x, "metrics", (double)sum.metrics);
	cgi_json_add_num(x, "uncertain_cells", (double)sum.uncertain_cells);
	a = cJSON_AddArrayToObject(o, "technologies");
	for (size_t i = 0; i < sum.technologies; i++) {
		cJSON *te = cJSON_CreateObject(), *sc;

		cJSON_AddStringToObject(te, "name", tyche_context_technology(ctx, i));
		sc = cJSON_AddArrayToObject(te, "scenarios");
		for (size_t k = 0; k < tyche_context_nscenarios(ctx, i); k++)
			cJSON_AddItemToArray(sc, cJSON_CreateString(tyche_context_scenario(ctx, i, k)));
		cJSON_AddItemToArray(a, te);
	}
	a = cJSON_AddArrayToObject(o, "categories");
	for (size_t i = 0; i < tyche_surface_ncategories(s); i++) {
		cJSON *cat = cJSON_CreateObject(), *tr;

		cJSON_AddStringToObject(cat, "name", tyche_surface_category(s, i));
		cgi_json_add_num(cat, "max", tyche_surface_max_amount(s, i));
		tr = cJSON_AddArrayToObject(cat, "tranches");
		for (size_t t = 0; t < tyche_surface_ntranches(s, i); t++) {
			cJSON *tt = cJSON_CreateObject();
			double amt = 0;
			const char *tn = tyche_surface_tranche(s, i, t, &amt);

			cJSON_AddStringToObject(tt, "name", tn ? tn : "");
			cgi_json_add_num(tt, "amount", amt);
			cJSON_AddItemToArray(tr, tt);
		}
		cJSON_AddItemToArray(a, cat);
	}
	a = cJSON_AddArrayToObject(o, "metrics");
	for (size_t m = 0; m < tyche_surface_nmetrics(s); m++) {
		cJSON *mm = cJSON_CreateObject();
		double lo, hi;

		tyche_surface_metric_range(s, m, &lo, &hi);
		cJSON_AddStringToObject(mm, "name", tyche_surface_metric(s, m));
		cJSON_AddStringToObject(mm, "units", tyche_surface_metric_units(s, m));
		cgi_json_add_num(mm, "min", lo);
		cgi_json_add_num(mm, "max", hi);
		if (have_bounds) {
			cJSON *b = cJSON_AddObjectToObject(mm, "bounds");

			for (int k = 0; k < 2; k++) {
				double v = k ? hi_b[m] : lo_b[m];

				if (v == v)
					cgi_json_add_num(b, k ? "max" : "min", v);
				else
					cJSON_AddNullToObject(b, k ? "max" : "min");
			}
		}
		cJSON_AddItemToArray(a, mm);
	}
	free(lo_b);
	free(hi_b);
	/* the investments table's portfolios, for the page's picker */
	a = cJSON_AddArrayToObject(o, "investments");
	for (size_t i = 0; i < tyche_context_ninvestments(ctx); i++) {
		size_t C = tyche_surface_ncategories(s);
		double *amt = malloc((C ? C : 1) * sizeof(double)), total = 0;
		tyche_error ie = { 0 };
		cJSON *inv, *am;

		if (!amt || tyche_investment_amounts(amt, ctx, s, i, &ie)) {
			free(amt);
			continue;   /* listed only when its amounts are known */
		}
		inv = cJSON_CreateObject();
		cJSON_AddStringToObject(inv, "name", tyche_context_investment(ctx, i));
		am = cJSON_AddObjectToObject(inv, "amounts");
		for (size_t k = 0; k < C; k++) {
			cgi_json_add_num(am, tyche_surface_category(s, k), amt[k]);
			total += amt[k];
		}
		cgi_json_add_num(inv, "total", total);
		cJSON_AddItemToArray(a, inv);
		free(amt);
	}
	a = cJSON_AddArrayToObject(o, "plot_types");
	for (size_t i = 0; i < sizeof plot_types / sizeof plot_types[0]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(plot_types[i]));
	/* statistics the optimiser and explore take, for the page's lists
	 * (any tyche-run --statistic form is accepted too) */
	a = cJSON_AddArrayToObject(o, "statistics");
	for (size_t i = 0; i < sizeof page_stats / sizeof page_stats[0]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(page_stats[i]));
	a = cJSON_AddArrayToObject(o, "methods");
	/* the library's names, the default (auto) first */
	cJSON_AddItemToArray(a, cJSON_CreateString(tyche_opt_method_name(TYCHE_OPT_AUTO)));
	for (int m = TYCHE_OPT_LOCAL; m <= TYCHE_OPT_MILP; m++)
		cJSON_AddItemToArray(a, cJSON_CreateString(tyche_opt_method_name(m)));
	/* kept for the next request when complete (bounds known) */
	if (have_bounds && tag) {
		char *text = cJSON_PrintUnformatted(o), *line = NULL;
		tyche_error nerr = { 0 };
		size_t n = text ? strlen(text) : 0;

		/* as cgi_json answers: the text and a newline */
		if (text && (line = malloc(n + 2))) {
			memcpy(line, text, n);
			memcpy(line + n, "\n", 2);
			tyche_cache_note_put(ctx, &ao, tag, line, &nerr);
		}
		free(line);
		free(text);
	}
	free(tag);
	cgi_context_done(ctx, s);
	return cgi_json(r, 200, o);
}

/* ------------------------------------------------------------ portfolio */

int cgi_parse_amounts(const tyche_surface *s, const cJSON *obj, double *amounts,
		      struct cgi_response *r)
{
	size_t C = tyche_surface_ncategories(s);

	for (size_t i = 0; i < C; i++)
		amounts[i] = 0;
	if (!obj)
		return 0;
	for (const cJSON *it = obj->child; it; it = it->next) {
		long ci = tyche_surface_find_category(s, it->string);
		char where[300];

		snprintf(where, sizeof where, "amounts.%.200s", it->string);
		if (ci < 0) {
			char list[600] = "";

			for (size_t i = 0; i < C; i++) {
				strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
				strncat(list, tyche_surface_category(s, i), sizeof list - strlen(list) - 1);
			}
			cgi_fail(r, 400, "unknown category in field '%s' (expected one of %s)", where, list);
			return -1;
		}
		if (cgi_json_number(it, where, 0, tyche_surface_max_amount(s, (size_t)ci),
				    &amounts[ci], r))
			return -1;
	}
	return 0;
}

static int parse_stats(const cJSON *arr, tyche_stat *st, size_t *n, struct cgi_response *r)
{
	tyche_error err = { 0 };
	size_t i = 0;

	*n = 0;
	if (!arr) {
		*n = tyche_stat_defaults(st, MAX_STATS);
		return 0;
	}
	if (cJSON_GetArraySize(arr) < 1 || cJSON_GetArraySize(arr) > MAX_STATS) {
		cgi_fail(r, 400, "field 'statistics' must list 1 to %d statistics", MAX_STATS);
		return -1;
	}
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		if (!cJSON_IsString(it)) {
			cgi_fail(r, 400, "field 'statistics[%zu]' must be a string", i);
			return -1;
		}
		if (tyche_stat_parse(&st[i], it->valuestring, &err)) {
			cgi_fail(r, 400, "field 'statistics[%zu]': %s", i, err.msg);
			return -1;
		}
	}
	*n = i;
	return 0;
}

cJSON *cgi_results_summary(const tyche_surface *s, const double *amounts)
{
	tyche_explore_result *e = NULL;
	tyche_error err = { 0 };
	cJSON *o, *mo;

	if (tyche_explore(&e, s, amounts, NULL, 0, 0, &err))
		return NULL;
	o = cJSON_CreateObject();
	mo = cJSON_AddObjectToObject(o, "metrics");
	for (size_t m = 0; m < e->nmetrics; m++) {
		cJSON *x = cJSON_AddObjectToObject(mo, tyche_surface_metric(s, m));

		for (size_t k = 0; k < e->nstats; k++)
			cgi_json_add_num(x, e->stats[k].name, tyche_explore_value(e, 0, m, k));
	}
	tyche_explore_free(e);
	return o;
}

struct plot_req {
	int type;          /* index in plot_types */
	int width, height;
	long metric;       /* -1: unset */
	tyche_stat stat;   /* heatmap statistic */
	int cell_axes;     /* explore: 1 = each cell its own value axis */
};

static int parse_plot(const tyche_surface *s, const cJSON *p, struct plot_req *pr,
		      int single, struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "type", CGI_J_STRING, 1 }, { "width", CGI_J_NUMBER, 0 },
		{ "height", CGI_J_NUMBER, 0 }, { "metric", CGI_J_STRING, 0 },
		{ "statistic", CGI_J_STRING, 0 },
	};
	static const struct cgi_field fe[] = {
		{ "type", CGI_J_STRING, 1 }, { "width", CGI_J_NUMBER, 0 },
		{ "height", CGI_J_NUMBER, 0 }, { "axes", CGI_J_STRING, 0 },
	};
	const cJSON *v;
	tyche_error err = { 0 };
	double d;
	size_t i;

	if (single ? cgi_json_check(p, "", f, 5, r) : cgi_json_check(p, "plot", fe, 4, r))
		return -1;
	pr->cell_axes = 0;
	if (!single && (v = cJSON_GetObjectItemCaseSensitive(p, "axes"))) {
		if (strcmp(v->valuestring, "metric") && strcmp(v->valuestring, "cell")) {
			cgi_fail(r, 400, "field 'plot.axes' must be 'metric' (one value axis per "
				 "metric column) or 'cell'");
			return -1;
		}
		pr->cell_axes = !strcmp(v->valuestring, "cell");
	}
	v = cJSON_GetObjectItemCaseSensitive(p, "type");
	for (i = 0; i < sizeof plot_types / sizeof plot_types[0]; i++)
		if (!strcmp(v->valuestring, plot_types[i]))
			break;
	if (i == sizeof plot_types / sizeof plot_types[0]) {
		cgi_fail(r, 400, "field '%stype' must be one of " PLOT_TYPES, single ? "" : "plot.");
		return -1;
	}
	pr->type = (int)i;
	pr->width = pr->height = 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "width"))) {
		if (cgi_json_number(v, single ? "width" : "plot.width", 100, 2000, &d, r))
			return -1;
		pr->width = (int)d;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "height"))) {
		if (cgi_json_number(v, single ? "height" : "plot.height", 60, 2000, &d, r))
			return -1;
		pr->height = (int)d;
	}
	pr->metric = -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "metric"))) {
		pr->metric = tyche_surface_find_metric(s, v->valuestring);
		if (pr->metric < 0) {
			cgi_fail(r, 400, "field 'metric': no metric named '%.100s'", v->valuestring);
			return -1;
		}
	}
	tyche_stat_parse(&pr->stat, "mean", &err);
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "statistic")) &&
	    tyche_stat_parse(&pr->stat, v->valuestring, &err)) {
		cgi_fail(r, 400, "field 'statistic': %s", err.msg);
		return -1;
	}
	return 0;
}

static char *axis_label(const tyche_surface *s, size_t m, char *buf, size_t n)
{
	snprintf(buf, n, "%s (%s)", tyche_surface_metric(s, m), tyche_surface_metric_units(s, m));
	return buf;
}

/* One distribution plot of the given groups. */
static char *plot_groups(int type, const tyche_plot_group *g, size_t ng,
			 const tyche_plot_opts *po, tyche_error *err)
{
	char *svg = NULL;
	int rc;

	if (type == 0)
		rc = tyche_plot_box(&svg, g, ng, po, err);
	else if (type == 1)
		rc = tyche_plot_violin(&svg, g, ng, po, err);
	else
		rc = tyche_plot_density(&svg, g, ng, po, err);
	return rc ? NULL : svg;
}

/* Heatmap of the statistic over (categories + Total) x metrics; e holds
 * that one statistic per level (lib/explore.c computes it). */
static char *plot_heat(const tyche_surface *s, const tyche_explore_result *e,
		       const struct plot_req *pr, const char *title, tyche_error *err)
{
	size_t C = e->ncategories, M = e->nmetrics;
	double *v = malloc(((C + 1) * M + 1) * sizeof *v);
	const char **rows = malloc((C + 1) * sizeof *rows), **cols = malloc((M + 1) * sizeof *cols);
	double *lo = malloc((M + 1) * sizeof *lo), *hi = malloc((M + 1) * sizeof *hi);
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	tyche_plot_heat h;
	char *svg = NULL;

	if (v && rows && cols) {
		for (size_t c = 0; c <= C; c++) {
			rows[c] = c < C ? tyche_surface_category(s, c) : "Total";
			for (size_t m = 0; m < M; m++)
				v[c * M + m] = tyche_explore_value(e, c < C ? c + 1 : 0, m, 0);
		}
		for (size_t m = 0; m < M; m++)
			cols[m] = tyche_surface_metric(s, m);
		memset(&h, 0, sizeof h);
		h.rows = C + 1;
		h.cols = M;
		h.v = v;
		h.row_labels = rows;
		h.col_labels = cols;
		/* colour: share of the metric's achievable change (the
		 * reference's metric range), when that range is known */
		if (lo && hi) {
			for (size_t m = 0; m < M; m++)
				tyche_surface_metric_range(s, m, &lo[m], &hi[m]);
			h.col_min = lo;
			h.col_max = hi;
			h.share = 1;
		}
		po.title = title;
		po.width = pr->width;
		po.height = pr->height;
		po.show_values = pr->type == 4;
		po.id = "heat";
		if (tyche_plot_heatmap(&svg, &h, &po, err))
			svg = NULL;
	}
	free(v);
	free(rows);
	free(cols);
	free(lo);
	free(hi);
	return svg;
}

/* One gauge per metric: the portfolio's mean within the metric's
 * achievable range (the reference's metric range). */
static cJSON *plot_gauges(const tyche_surface *s, const tyche_explore_result *e,
			  tyche_error *err)
{
	size_t M = e->nmetrics;
	cJSON *a = cJSON_CreateArray();

	if (!a)
		goto fail;
	for (size_t m = 0; m < M; m++) {
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
		double lo, hi, v = tyche_explore_mean(e, m);
		char id[32], *svg = NULL;

		tyche_surface_metric_range(s, m, &lo, &hi);
		snprintf(id, sizeof id, "g%zu", m);
		po.id = id;
		if (tyche_plot_gauge(&svg, v, lo, hi, &po, err))
			goto fail;
		cJSON_AddItemToArray(a, cJSON_CreateString(svg));
		free(svg);
	}
	return a;
fail:
	cJSON_Delete(a);
	return NULL;
}

/* Answer with the plot svg, or the error that stopped it (NULL svg). */
static void svg_answer(struct cgi_response *r, const char *svg, const tyche_error *err)
{
	if (!svg) {
		cgi_fail_tyche(r, err->code ? err->code : TYCHE_ENOMEM, err, "plot");
		return;
	}
	r->status = 200;
	r->content_type = "image/svg+xml";
	r->body.len = 0;
	cgi_buf_adds(&r->body, svg);
}

/* ------------------------------------------------------------ explore */

/* tyche_write_fn into an answer's body (downloads). */
static int body_write(const char *buf, size_t n, void *arg)
{
	cgi_buf_add(arg, buf, n);
	return 0;
}

/* The portfolio a request names, explored with the statistics st (by
 * category too).  On failure the answer is set and NULL returned. */
static tyche_explore_result *portfolio(const tyche_surface *s, const cJSON *in,
				       const tyche_stat *st, size_t nst,
				       struct cgi_response *r)
{
	size_t C = tyche_surface_ncategories(s);
	double *amounts = calloc(C + 1, sizeof *amounts);
	tyche_explore_result *e = NULL;
	tyche_error err = { 0 };

	if (!amounts) {
		cgi_fail(r, 500, "out of memory");
		return NULL;
	}
	if (!cgi_parse_amounts(s, cJSON_GetObjectItemCaseSensitive(in, "amounts"), amounts, r) &&
	    tyche_explore(&e, s, amounts, st, nst, 1, &err))
		cgi_fail_tyche(r, err.code, &err, "explore");
	free(amounts);
	return e;
}

/* "extrapolated": the categories whose amount lies outside their tranche
 * amounts, where the response surface extrapolates linearly. */
static void add_extrapolated(cJSON *o, const tyche_surface *s, const tyche_explore_result *e)
{
	cJSON *a = cJSON_AddArrayToObject(o, "extrapolated");

	for (size_t c = 0; c < e->ncategories; c++)
		if (e->outside[c])
			cJSON_AddItemToArray(a, cJSON_CreateString(tyche_surface_category(s, c)));
}

int cgi_explore(const struct cgi_config *c, const char *name,
		const struct cgi_request *q, struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "amounts", CGI_J_OBJECT, 0 }, { "statistics", CGI_J_ARRAY, 0 },
		{ "plot", CGI_J_OBJECT, 0 }, { "format", CGI_J_STRING, 0 },
	};
	cJSON *in = cgi_json_body(q, r), *o = NULL, *a, *plots = NULL;
	const cJSON *fmt;
	tyche_surface *s = NULL;
	tyche_explore_result *e = NULL, *heat = NULL;
	tyche_stat st[MAX_STATS];
	struct plot_req pr;
	size_t nst, C, M, N;
	const cJSON *plot;
	tyche_error err = { 0 };

	if (!in)
		return r->status;
	if (cgi_json_check(in, "", f, 4, r) ||
	    parse_stats(cJSON_GetObjectItemCaseSensitive(in, "statistics"), st, &nst, r))
		goto out;
	fmt = cJSON_GetObjectItemCaseSensitive(in, "format");
	if (fmt && strcmp(fmt->valuestring, "json") && strcmp(fmt->valuestring, "csv") &&
	    strcmp(fmt->valuestring, "xlsx")) {
		cgi_fail(r, 400, "field 'format' must be json, csv or xlsx");
		goto out;
	}
	if (cgi_load_surface(c, name, NULL, &s, r))
		goto out;
	plot = cJSON_GetObjectItemCaseSensitive(in, "plot");
	if (plot && parse_plot(s, plot, &pr, 0, r))
		goto out;
	if (!(e = portfolio(s, in, st, nst, r)))
		goto out;
	if (fmt && strcmp(fmt->valuestring, "json")) {
		/* a download: the table of tyche-run explore, as CSV or a workbook */
		int xlsx = !strcmp(fmt->valuestring, "xlsx");

		r->body.len = 0;
		if (xlsx ? tyche_explore_write_xlsx(s, e, name, body_write, &r->body, &err)
			 : tyche_explore_write(s, e, name, TYCHE_FMT_CSV, body_write, &r->body,
					       &err)) {
			cgi_fail_tyche(r, err.code ? err.code : TYCHE_ENOMEM, &err, "download");
			goto out;
		}
		r->status = 200;
		r->binary = xlsx;
		r->content_type = xlsx ? "application/vnd.openxmlformats-officedocument."
					 "spreadsheetml.sheet" : "text/csv; charset=utf-8";
		goto out;
	}
	C = e->ncategories;
	M = e->nmetrics;
	N = e->nsamples;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "context", name);
	cJSON_AddStringToObject(o, "context_hash", tyche_surface_context_hash(s));
	cgi_json_add_num(o, "samples", (double)N);
	cgi_json_add_num(o, "seed", (double)tyche_surface_seed(s));
	a = cJSON_AddObjectToObject(o, "amounts");
	for (size_t i = 0; i < C; i++)
		cgi_json_add_num(a, tyche_surface_category(s, i), e->amounts[i]);
	add_extrapolated(o, s, e);
	a = cJSON_AddArrayToObject(o, "statistics");
	for (size_t k = 0; k < nst; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(st[k].name));
	a = cJSON_AddArrayToObject(o, "categories");
	for (size_t i = 0; i < C; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(tyche_surface_category(s, i)));
	a = cJSON_AddArrayToObject(o, "metrics");
	for (size_t m = 0; m < M; m++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "name", tyche_surface_metric(s, m));
		cJSON_AddStringToObject(x, "units", tyche_surface_metric_units(s, m));
		cJSON_AddItemToArray(a, x);
	}
	/* cells[c][m] and totals[m]: {statistic: value} */
	a = cJSON_AddArrayToObject(o, "cells");
	for (size_t i = 0; i <= C; i++) {
		cJSON *row = cJSON_CreateArray();

		for (size_t m = 0; m < M; m++) {
			cJSON *x = cJSON_CreateObject();

			for (size_t k = 0; k < nst; k++)
				cgi_json_add_num(x, st[k].name,
						 tyche_explore_value(e, i < C ? i + 1 : 0, m, k));
			cJSON_AddItemToArray(row, x);
		}
		if (i < C)
			cJSON_AddItemToArray(a, row);
		else
			cJSON_AddItemToObject(o, "totals", row);
	}
	if (plot) {
		plots = cJSON_AddObjectToObject(o, "plots");
		cJSON_AddStringToObject(plots, "type", plot_types[pr.type]);
		if (pr.type >= 3) {
			char *svg = NULL;

			if (!tyche_explore(&heat, s, e->amounts, &pr.stat, 1, 1, &err))
				svg = plot_heat(s, heat, &pr, NULL, &err);
			if (!svg) {
				cgi_fail_tyche(r, err.code ? err.code : TYCHE_ENOMEM, &err, "plot");
				goto out;
			}
			cJSON_AddStringToObject(plots, "svg", svg);
			free(svg);
		} else {
			cJSON *cells = cJSON_AddArrayToObject(plots, "cells"), *gauges;
			double *vlo = calloc(M + 1, sizeof *vlo), *vhi = calloc(M + 1, sizeof *vhi);
			tyche_plot_group *col = calloc(C + 1, sizeof *col);

			if (!vlo || !vhi || !col) {
				free(vlo);
				free(vhi);
				free(col);
				cgi_fail(r, 500, "out of memory");
				goto out;
			}
			/* one value axis per metric column: the range of every
			 * category's and the total's samples of that metric */
			for (size_t m = 0; m < M; m++) {
				for (size_t i = 0; i <= C; i++) {
					col[i].v = i < C ? e->by_cat + (i * M + m) * N : e->totals + m * N;
					col[i].n = N;
				}
				tyche_plot_value_range(col, C + 1, &vlo[m], &vhi[m]);
			}
			free(col);
			cJSON_AddStringToObject(plots, "axes", pr.cell_axes ? "cell" : "metric");
			for (size_t i = 0; i <= C; i++) {
				cJSON *row = cJSON_CreateArray();

				for (size_t m = 0; m < M; m++) {
					tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
					tyche_plot_group g;
					char id[48], xl[300], *svg;

					g.label = i < C ? tyche_surface_category(s, i) : "Total";
					g.v = i < C ? e->by_cat + (i * M + m) * N : e->totals + m * N;
					g.n = N;
					snprintf(id, sizeof id, "p%zu_%zu", i, m);
					po.id = id;
					po.width = pr.width ? pr.width : 260;
					po.height = pr.height ? pr.height : 150;
					/* the column header names the metric and its
					 * units in full; a 260 px cell would cut them */
					(void)xl;
					po.ylabel = pr.type == 2 ? "density" : NULL;
					if (!pr.cell_axes && vlo[m] <= vhi[m]) {
						po.value_range = 1;
						po.value_lo = vlo[m];
						po.value_hi = vhi[m];
					}
					svg = plot_groups(pr.type, &g, 1, &po, &err);
					if (!svg) {
						free(vlo);
						free(vhi);
						cJSON_Delete(row);
						cgi_fail_tyche(r, err.code ? err.code : TYCHE_ENOMEM, &err, "plot");
						goto out;
					}
					cJSON_AddItemToArray(row, cJSON_CreateString(svg));
					free(svg);
				}
				if (i < C)
					cJSON_AddItemToArray(cells, row);
				else
					cJSON_AddItemToObject(plots, "totals", row);
			}
			free(vlo);
			free(vhi);
			if (!(gauges = plot_gauges(s, e, &err))) {
				cgi_fail_tyche(r, err.code ? err.code : TYCHE_ENOMEM, &err, "plot");
				goto out;
			}
			cJSON_AddItemToObject(plots, "gauges", gauges);
		}
	}
	cgi_json(r, 200, o);
	o = NULL;
out:
	cJSON_Delete(o);
	cJSON_Delete(in);
	tyche_explore_free(e);
	tyche_explore_free(heat);
	cgi_surface_done(s);
	return r->status;
}

/* ------------------------------------------------------------ plot */

#define MAX_OVERLAY 8

/* "portfolios": [{"label", "amounts"}] (2..8): the portfolio totals of
 * one metric drawn on one shared axis, one group per portfolio (compare
 * scenarios).  Sets the answer. */
static void overlay(const tyche_surface *s, const cJSON *in, const cJSON *pf,
		    const struct plot_req *pr, struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "label", CGI_J_STRING, 1 }, { "amounts", CGI_J_OBJECT, 1 },
	};
	tyche_explore_result *ex[MAX_OVERLAY] = { 0 };
	tyche_plot_group g[MAX_OVERLAY];
	tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;
	tyche_error err = { 0 };
	size_t n = 0, M = tyche_surface_nmetrics(s), N = tyche_surface_nsamples(s), m;
	char title[300], xl[300], where[40], *svg = NULL;
	const cJSON *it;

	(void)in;
	if (cJSON_GetArraySize(pf) < 1 || cJSON_GetArraySize(pf) > MAX_OVERLAY) {
		cgi_fail(r, 400, "field 'portfolios' must list 1 to %d portfolios", MAX_OVERLAY);
		return;
	}
	if (pr->type >= 3 || pr->metric < 0) {
		cgi_fail(r, 400, "field 'portfolios' needs a box, violin or density plot and "
			 "field 'metric'");
		return;
	}
	m = (size_t)pr->metric;
	for (it = pf->child; it; it = it->next, n++) {
		snprintf(where, sizeof where, "portfolios[%zu]", n);
		if (!cJSON_IsObject(it)) {
			cgi_fail(r, 400, "field '%s' must be an object", where);
			goto out;
		}
		if (cgi_json_check(it, where, f, 2, r) || !(ex[n] = portfolio(s, it, &pr->stat, 1, r)))
			goto out;
		g[n].label = cJSON_GetObjectItemCaseSensitive(it, "label")->valuestring;
		g[n].v = ex[n]->totals + m * N;
		g[n].n = N;
	}
	(void)M;
	snprintf(title, sizeof title, "%s: portfolios compared", tyche_surface_metric(s, m));
	po.title = title;
	po.width = pr->width;
	po.height = pr->height;
	po.id = "overlay";
	if (pr->type == 2)
		po.xlabel = axis_label(s, m, xl, sizeof xl);
	else
		po.ylabel = axis_label(s, m, xl, sizeof xl);
	svg = plot_groups(pr->type, g, n, &po, &err);
	svg_answer(r, svg, &err);
out:
	free(svg);
	for (size_t i = 0; i < MAX_OVERLAY; i++)
		tyche_explore_free(ex[i]);
}

int cgi_plot(const struct cgi_config *c, const char *name,
	     const struct cgi_request *q, struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "amounts", CGI_J_OBJECT, 0 }, { "type", CGI_J_STRING, 1 },
		{ "width", CGI_J_NUMBER, 0 }, { "height", CGI_J_NUMBER, 0 },
		{ "metric", CGI_J_STRING, 0 }, { "statistic", CGI_J_STRING, 0 },
		{ "portfolios", CGI_J_ARRAY, 0 },
	};
	cJSON *in = cgi_json_body(q, r), *rest = NULL;
	const cJSON *pf;
	tyche_surface *s = NULL;
	tyche_explore_result *e = NULL;
	struct plot_req pr;
	size_t C, M, N;
	double *totals, *bycat;
	tyche_plot_group *g = NULL;
	tyche_error err = { 0 };
	char *svg = NULL, title[300], xl[300];

	if (!in)
		return r->status;
	if (cgi_json_check(in, "", f, 7, r) || cgi_load_surface(c, name, NULL, &s, r))
		goto out;
	/* parse_plot checks the plot fields; amounts are checked below */
	rest = cJSON_Duplicate(in, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(rest, "amounts");
	cJSON_DeleteItemFromObjectCaseSensitive(rest, "portfolios");
	if (parse_plot(s, rest, &pr, 1, r))
		goto out;
	if ((pf = cJSON_GetObjectItemCaseSensitive(in, "portfolios"))) {
		overlay(s, in, pf, &pr, r);
		goto out;
	}
	C = tyche_surface_ncategories(s);
	M = tyche_surface_nmetrics(s);
	N = tyche_surface_nsamples(s);
	g = calloc(C + 1, sizeof *g);
	if (!g) {
		cgi_fail(r, 500, "out of memory");
		goto out;
	}
	if (!(e = portfolio(s, in, &pr.stat, 1, r)))
		goto out;
	totals = e->totals;
	bycat = e->by_cat;
	if (pr.type >= 3) {
		snprintf(title, sizeof title, "%s of every metric", pr.stat.name);
		svg = plot_heat(s, e, &pr, title, &err);
	} else {
		size_t m;
		tyche_plot_opts po = TYCHE_PLOT_OPTS_INIT;

		if (pr.metric < 0) {
			cgi_fail(r, 400, "missing field 'metric' (the %s plot shows one metric)",
				 plot_types[pr.type]);
			goto out;
		}
		m = (size_t)pr.metric;
		for (size_t i = 0; i < C; i++) {
			g[i].label = tyche_surface_category(s, i);
			g[i].v = bycat + (i * M + m) * N;
			g[i].n = N;
		}
		g[C].label = "Total";
		g[C].v = totals + m * N;
		g[C].n = N;
		snprintf(title, sizeof title, "%s by category", tyche_surface_metric(s, m));
		po.title = title;
		po.width = pr.width;
		po.height = pr.height;
		if (pr.type == 2)
			po.xlabel = axis_label(s, m, xl, sizeof xl);
		else
			po.ylabel = axis_label(s, m, xl, sizeof xl);
		svg = plot_groups(pr.type, g, C + 1, &po, &err);
	}
	svg_answer(r, svg, &err);
out:
	free(svg);
	cJSON_Delete(rest);
	cJSON_Delete(in);
	tyche_explore_free(e);
	free(g);
	cgi_surface_done(s);
	return r->status;
}

/* ------------------------------------------------------------ optimise */

/* limits[i] of the request into the library's limit spec (the library
 * resolves the names; only the JSON shape is checked here). */
static int parse_limit(const cJSON *l, size_t i, tyche_opt_limit_spec *out,
		       struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "metric", CGI_J_STRING, 1 }, { "sense", CGI_J_STRING, 1 },
		{ "bound", CGI_J_NUMBER, 1 }, { "statistic", CGI_J_STRING, 0 },
	};
	char where[64];
	const cJSON *v;

	snprintf(where, sizeof where, "limits[%zu]", i);
	if (!cJSON_IsObject(l)) {
		cgi_fail(r, 400, "field '%s' must be an object", where);
		return -1;
	}
	if (cgi_json_check(l, where, f, 4, r))
		return -1;
	memset(out, 0, sizeof(*out));
	out->metric = cJSON_GetObjectItemCaseSensitive(l, "metric")->valuestring;
	out->sense = cJSON_GetObjectItemCaseSensitive(l, "sense")->valuestring;
	snprintf(where, sizeof where, "limits[%zu].bound", i);
	if (cgi_json_number(cJSON_GetObjectItemCaseSensitive(l, "bound"), where, -1e300, 1e300,
			    &out->bound, r))
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(l, "statistic");
	out->statistic = v ? v->valuestring : NULL;
	return 0;
}

/* Optimise, or (pareto) sweep the budget from 0 to the request's budget
 * (or the sum of the upper bounds) in `points` steps with the same
 * problem: the frontier of the target against the budget. */
static int optimise(const struct cgi_config *c, const char *name,
		    const struct cgi_request *q, struct cgi_response *r, int pareto)
{
	static const struct cgi_field f[] = {
		{ "metric", CGI_J_STRING, 1 }, { "sense", CGI_J_STRING, 0 },
		{ "statistic", CGI_J_STRING, 0 }, { "budget", CGI_J_NUMBER, 0 },
		{ "limits", CGI_J_ARRAY, 0 }, { "upper", CGI_J_OBJECT, 0 },
		{ "method", CGI_J_STRING, 0 }, { "start", CGI_J_OBJECT, 0 },
		{ "max_time", CGI_J_NUMBER, 0 }, { "points", CGI_J_NUMBER, 0 },
	};
	tyche_opt_sweep *sw = NULL;
	double *budgets = NULL, points = 11;
	cJSON *in = cgi_json_body(q, r);
	tyche_surface *s = NULL;
	tyche_opt_spec spec = TYCHE_OPT_SPEC_INIT;
	tyche_opt_problem *prob = NULL;
	tyche_opt_limit_spec *limits = NULL;
	tyche_opt_result *res = NULL;
	tyche_error err = { 0 };
	double *upper = NULL, *start = NULL, left;
	const cJSON *v;
	char *text = NULL;
	size_t C, nl = 0;

	if (!in)
		return r->status;
	if (cgi_json_check(in, "", f, pareto ? 10 : 9, r))
		goto out;
	if (pareto && (v = cJSON_GetObjectItemCaseSensitive(in, "points")) &&
	    cgi_json_number(v, "points", 2, 41, &points, r))
		goto out;
	if (cgi_load_surface(c, name, NULL, &s, r))
		goto out;
	C = tyche_surface_ncategories(s);
	spec.metric = cJSON_GetObjectItemCaseSensitive(in, "metric")->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "sense")))
		spec.sense = v->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "statistic")))
		spec.statistic = v->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "method")))
		spec.method = v->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "budget"))) {
		if (cgi_json_number(v, "budget", 0, 1e300, &spec.budget, r))
			goto out;
		spec.has_budget = 1;
	}
	upper = calloc(C + 1, sizeof *upper);
	start = calloc(C + 1, sizeof *start);
	if (!upper || !start) {
		cgi_fail(r, 500, "out of memory");
		goto out;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "upper"))) {
		if (cgi_parse_amounts(s, v, upper, r))
			goto out;
		/* categories not named keep their max amount */
		for (size_t i = 0; i < C; i++)
			if (!cJSON_GetObjectItemCaseSensitive(v, tyche_surface_category(s, i)))
				upper[i] = NAN;
		spec.upper = upper;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "start"))) {
		if (cgi_parse_amounts(s, v, start, r))
			goto out;
		spec.start = start;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "limits"))) {
		size_t i = 0;

		nl = (size_t)cJSON_GetArraySize(v);
		if (nl > 64) {
			cgi_fail(r, 400, "field 'limits' lists more than 64 limits");
			goto out;
		}
		limits = calloc(nl + 1, sizeof *limits);
		if (!limits) {
			cgi_fail(r, 500, "out of memory");
			goto out;
		}
		for (const cJSON *l = v->child; l; l = l->next, i++)
			if (parse_limit(l, i, &limits[i], r))
				goto out;
		spec.limits = limits;
		spec.nlimits = nl;
	}
	spec.seed = c->seed;
	spec.max_time = 10;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "max_time")) &&
	    cgi_json_number(v, "max_time", 0.01, 30, &spec.max_time, r))
		goto out;
	/* leave room in the request's budget to answer */
	left = tyche_budget_left();
	if (isfinite(left) && spec.max_time > 0.8 * left)
		spec.max_time = 0.8 * left > 0.01 ? 0.8 * left : 0.01;
	if (tyche_opt_problem_create(&prob, s, &spec, &err)) {
		if (err.code == TYCHE_EUSAGE)
			cgi_fail(r, 400, "field '%s': %s", err.where, err.msg);
		else
			cgi_fail_tyche(r, err.code, &err, "optimise");
		goto out;
	}
	if (pareto) {
		size_t nb = (size_t)points, metric = prob->metric;
		double top = 0;

		budgets = calloc(nb, sizeof *budgets);
		if (!budgets) {
			cgi_fail(r, 500, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < C; i++)
			top += spec.upper && upper[i] == upper[i] ? upper[i]
								: tyche_surface_max_amount(s, i);
		if (spec.has_budget && spec.budget < top)
			top = spec.budget;
		for (size_t i = 0; i < nb; i++)
			budgets[i] = top * (double)i / (double)(nb - 1);
		/* each point gets an equal share of the time */
		prob->max_time = spec.max_time / (double)nb;
		if (tyche_opt_pareto_budget(&sw, s, prob, &metric, 1, budgets, nb, &err)) {
			cgi_fail_tyche(r, err.code ? err.code : TYCHE_EUSAGE, &err, "pareto");
			goto out;
		}
		text = tyche_opt_sweep_json(s, sw, 0);
		goto answer;
	}
	if (tyche_optimize(&res, s, prob, &err)) {
		cgi_fail_tyche(r, err.code ? err.code : TYCHE_EUSAGE, &err, "optimise");
		goto out;
	}
	text = tyche_opt_result_json(s, res, 0);
answer:
	if (!text) {
		cgi_fail(r, 500, "out of memory");
		goto out;
	}
	r->status = 200;
	r->content_type = "application/json";
	r->body.len = 0;
	cgi_buf_adds(&r->body, text);
	cgi_buf_adds(&r->body, "\n");
out:
	free(text);
	free(budgets);
	tyche_opt_sweep_free(sw);
	tyche_opt_result_free(res);
	tyche_opt_problem_free(prob);
	free(limits);
	free(upper);
	free(start);
	cJSON_Delete(in);
	cgi_surface_done(s);
	return r->status;
}

int cgi_optimise(const struct cgi_config *c, const char *name,
		 const struct cgi_request *q, struct cgi_response *r)
{
	return optimise(c, name, q, r, 0);
}

int cgi_pareto(const struct cgi_config *c, const char *name,
	       const struct cgi_request *q, struct cgi_response *r)
{
	return optimise(c, name, q, r, 1);
}
