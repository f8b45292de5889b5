/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard-pareto.c - Pareto sweep shards: points lo .. hi-1 of the sweep
 * `tyche-run pareto` runs (tyche_pareto_shard, over optim-sweep.c's _part
 * functions), and their merge, which rebuilds the whole sweep and hands
 * it to tyche_opt_sweep_write: the same writer, the same doubles, so CSV
 * and JSON come out as one process writes them.
 *
 * Each point is solved alone (optim-sweep.c: no warm start), so a shard's
 * points are the whole sweep's.  The one thing that differs between any
 * two runs, sharded or not, is each point's wall-clock "seconds": the
 * merge writes the seconds the shard measured.
 *
 * Header: "settings" holds every option that changes a result, resolved
 * (metric names, limits as "q10(GHG)>=40", numbers as the shortest text
 * that reads back to the same double, the --vs points even when computed
 * from the metric's range, so shards that found another range are
 * refused), and the surface's categories and metrics (the names the
 * writers print).  "points" holds each point's integers and strings.
 * Payload, per point: budget, limit, objective, seconds, amounts[C],
 * upper[C], metrics[M], then value and bound of each check, as doubles.
 * Easy to get wrong: the sizes in "points" are checked against the
 * layout and the payload before any is used.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "shard.h"
#include "surface.h"

static cJSON *num_str(double v)
{
	char b[32];

	return cJSON_CreateString(ty_fmt_double(v, b));
}

static cJSON *num_list(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t k = 0; a && k < n; k++)
		cJSON_AddItemToArray(a, num_str(v[k]));
	return a;
}

/* Every option that changes a result, by name. */
static void add_settings(cJSON *set, const tyche_surface *s, const tyche_pareto_spec *sp,
			 const double *pts)
{
	const tyche_opt_problem *p = sp->base;
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);
	cJSON *a;
	char b[32];

	cJSON_AddStringToObject(set, "sweep", sp->vs < 0 ? "budgets" : "vs");
	cJSON_AddNumberToObject(set, "samples", (double)tyche_surface_nsamples(s));
	cJSON_AddStringToObject(set, "sampling design", tyche_design_name(tyche_surface_design(s)));
	a = cJSON_AddArrayToObject(set, "categories");
	for (size_t c = 0; a && c < C; c++)
		cJSON_AddItemToArray(a, cJSON_CreateString(tyche_surface_category(s, c)));
	a = cJSON_AddArrayToObject(set, "surface metrics");
	for (size_t m = 0; a && m < M; m++)
		cJSON_AddItemToArray(a, cJSON_CreateString(tyche_surface_metric(s, m)));
	if (sp->vs < 0) {
		a = cJSON_AddArrayToObject(set, "metrics");
		for (size_t k = 0; a && k < (sp->metrics && sp->nmetrics ? sp->nmetrics : M); k++)
			cJSON_AddItemToArray(a, cJSON_CreateString(tyche_surface_metric(
				s, sp->metrics && sp->nmetrics ? sp->metrics[k] : k)));
		cJSON_AddItemToObject(set, "budgets", num_list(sp->budgets, sp->nbudgets));
	} else {
		cJSON_AddStringToObject(set, "metric", tyche_surface_metric(s, p->metric));
		cJSON_AddItemToObject(set, "budget", p->has_budget ? num_str(p->budget)
				      : cJSON_CreateString("none"));
		snprintf(b, sizeof b, "%s", sp->vs_upper ? "<=" : ">=");
		cJSON_AddItemToObject(set, "vs", cJSON_CreateString(tyche_surface_metric(s, (size_t)sp->vs)));
		cJSON_AddStringToObject(set, "vs sense", b);
		cJSON_AddItemToObject(set, "vs points", num_list(pts, sp->npoints));
	}
	cJSON_AddStringToObject(set, "sense", p->minimize ? "min" : "max");
	cJSON_AddStringToObject(set, "statistic", p->stat.name);
	a = cJSON_AddArrayToObject(set, "limits");
	for (size_t l = 0; a && l < p->nlimits; l++) {
		char t[300];

		snprintf(t, sizeof t, "%s(%s)%s%s", p->limits[l].stat.name,
			 tyche_surface_metric(s, p->limits[l].metric), p->limits[l].upper ? "<=" : ">=",
			 ty_fmt_double(p->limits[l].bound, b));
		cJSON_AddItemToArray(a, cJSON_CreateString(t));
	}
	cJSON_AddItemToObject(set, "upper", p->upper ? num_list(p->upper, C)
			      : cJSON_CreateString("the largest amounts"));
	cJSON_AddItemToObject(set, "start", p->start ? num_list(p->start, C)
			      : cJSON_CreateString("default"));
	cJSON_AddStringToObject(set, "method", tyche_opt_method_name(p->method));
	snprintf(b, sizeof b, "%" PRIu64, p->seed);
	cJSON_AddStringToObject(set, "optimiser seed", b);
	cJSON_AddItemToObject(set, "max time", num_str(p->max_time));
	cJSON_AddNumberToObject(set, "max evaluations", (double)p->max_eval);
	cJSON_AddItemToObject(set, "tolerance", num_str(p->tol));
}

static size_t point_doubles(const tyche_opt_result *r)
{
	return 4 + 2 * r->ncategories + r->nmetrics + 2 * r->nchecks;
}

static cJSON *point_json(const tyche_opt_point *pt)
{
	const tyche_opt_result *r = pt->result;
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "metric", (double)pt->metric);
	cJSON_AddBoolToObject(o, "minimize", pt->minimize);
	cJSON_AddNumberToObject(o, "status", r->status);
	cJSON_AddStringToObject(o, "message", r->message);
	cJSON_AddNumberToObject(o, "method", r->method);
	cJSON_AddNumberToObject(o, "objective metric", (double)r->metric);
	cJSON_AddBoolToObject(o, "objective minimize", r->minimize);
	cJSON_AddStringToObject(o, "statistic", r->stat.name);
	cJSON_AddNumberToObject(o, "categories", (double)r->ncategories);
	cJSON_AddNumberToObject(o, "metrics", (double)r->nmetrics);
	cJSON_AddNumberToObject(o, "evaluations", (double)r->evaluations);
	cJSON_AddNumberToObject(o, "starts", (double)r->starts);
	a = cJSON_AddArrayToObject(o, "checks");
	for (size_t k = 0; a && k < r->nchecks; k++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddItemToArray(a, c);
		cJSON_AddStringToObject(c, "label", r->checks[k].label);
		cJSON_AddNumberToObject(c, "metric", r->checks[k].metric == (size_t)-1 ? -1
					: (double)r->checks[k].metric);
		cJSON_AddBoolToObject(c, "upper", r->checks[k].upper);
		cJSON_AddBoolToObject(c, "holds", r->checks[k].holds);
	}
	a = cJSON_AddArrayToObject(o, "outside");
	for (size_t c = 0; a && r->outside && c < r->ncategories; c++)
		if (r->outside[c])
			cJSON_AddItemToArray(a, cJSON_CreateNumber((double)c));
	return o;
}

static int put_point(struct ty_shard_w *w, uint64_t *off, const tyche_opt_point *pt)
{
	const tyche_opt_result *r = pt->result;
	double head[4] = { pt->budget, pt->limit, r->objective, r->seconds };
	int rc = ty_shard_put(w, *off, head, sizeof head);

	*off += sizeof head;
	if (!rc && r->ncategories)
		rc = ty_shard_put(w, *off, r->amounts, r->ncategories * sizeof(double));
	*off += r->ncategories * sizeof(double);
	if (!rc && r->ncategories)
		rc = ty_shard_put(w, *off, r->upper, r->ncategories * sizeof(double));
	*off += r->ncategories * sizeof(double);
	if (!rc && r->nmetrics)
		rc = ty_shard_put(w, *off, r->metrics, r->nmetrics * sizeof(double));
	*off += r->nmetrics * sizeof(double);
	for (size_t k = 0; !rc && k < r->nchecks; k++) {
		double vb[2] = { r->checks[k].value, r->checks[k].bound };

		rc = ty_shard_put(w, *off, vb, sizeof vb);
		*off += sizeof vb;
	}
	return rc;
}

int tyche_pareto_shard(const tyche_context *ctx, const tyche_surface *s,
		       const tyche_pareto_spec *sp, unsigned index, unsigned count,
		       const char *path, tyche_error *err)
{
	size_t M = tyche_surface_nmetrics(s), total;
	tyche_opt_sweep *sw = NULL;
	struct ty_shard_w *w = NULL;
	double *pts = NULL;
	uint64_t lo, hi, bytes = 0, off = 0;
	cJSON *hdr = NULL, *set, *pv;
	int rc = 0;

	if (index < 1 || index > count)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u: expected 1 <= I <= N", index, count);
	if (sp->vs >= (long)M || (sp->vs >= 0 && sp->base->metric >= M))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric out of range");
	for (size_t k = 0; sp->vs < 0 && sp->metrics && k < sp->nmetrics; k++)
		if (sp->metrics[k] >= M)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "metric %zu out of range",
					   sp->metrics[k]);
	total = sp->vs >= 0 ? sp->npoints
		: sp->nbudgets * (sp->metrics && sp->nmetrics ? sp->nmetrics : M);
	if (total < 1)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "a Pareto sweep needs >= 1 point");
	tyche_shard_range(&lo, &hi, total, index, count);
	if (lo == hi)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u of %zu points holds none: use at most %zu shards",
				   index, count, total, total);
	if (sp->vs >= 0) {
		if (!(pts = ty_calloc(sp->npoints, sizeof *pts)))
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		if (sp->bounds)
			memcpy(pts, sp->bounds, sp->npoints * sizeof *pts);
		else
			rc = ty_opt_pareto_vs_points(s, sp->base, (size_t)sp->vs, pts, sp->npoints, err);
		if (!rc)
			rc = ty_opt_pareto_vs_part(&sw, s, sp->base, (size_t)sp->vs, sp->vs_upper, pts,
						   sp->npoints, (size_t)lo, (size_t)hi, err);
	} else {
		rc = ty_opt_pareto_budget_part(&sw, s, sp->base, sp->metrics, sp->nmetrics,
					       sp->budgets, sp->nbudgets, (size_t)lo, (size_t)hi, err);
	}
	if (rc)
		goto out;
	hdr = ty_shard_header("pareto", ctx, tyche_surface_seed(s), index, count, lo, hi, total,
			      "points");
	if (!hdr) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	set = cJSON_GetObjectItemCaseSensitive(hdr, "settings");
	add_settings(set, s, sp, pts);
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(hdr, "output"), "format",
				sp->format == TYCHE_FMT_JSON ? "json" : "csv");
	pv = cJSON_AddArrayToObject(hdr, "points");
	for (size_t k = 0; pv && k < sw->n; k++) {
		cJSON_AddItemToArray(pv, point_json(&sw->v[k]));
		bytes += point_doubles(sw->v[k].result) * sizeof(double);
	}
	rc = ty_shard_begin(&w, path, hdr, bytes, err);
	hdr = NULL;
	for (size_t k = 0; !rc && k < sw->n; k++)
		if (put_point(w, &off, &sw->v[k]))
			rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot write the shard file");
	if (!rc) {
		rc = ty_shard_commit(w, err);
		w = NULL;
	}
out:
	ty_shard_abort(w);
	cJSON_Delete(hdr);
	tyche_opt_sweep_free(sw);
	free(pts);
	return rc;
}

/* ------------------------------------------------------------ merge */

static int get_count(const cJSON *o, const char *key, double lo, double hi, double *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(j) || j->valuedouble < lo || j->valuedouble > hi ||
	    j->valuedouble != floor(j->valuedouble))
		return -1;
	*v = j->valuedouble;
	return 0;
}

static int get_string(const cJSON *o, const char *key, const char **v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(j))
		return -1;
	*v = j->valuestring;
	return 0;
}

/* One point from its header entry and its doubles at *p (advanced);
 * -1 when malformed or it does not fit in `left` doubles. */
static int read_point(tyche_opt_point *pt, const cJSON *o, const double **p, size_t *left,
		      size_t C, size_t M)
{
	tyche_opt_result *r = ty_calloc(1, sizeof *r);
	const cJSON *checks = cJSON_GetObjectItemCaseSensitive(o, "checks");
	const cJSON *outside = cJSON_GetObjectItemCaseSensitive(o, "outside"), *x;
	const char *msg, *stat;
	double v, need;
	size_t k = 0;

	pt->result = r;
	if (!r || !cJSON_IsArray(checks) || !cJSON_IsArray(outside))
		return -1;
	if (get_count(o, "metric", 0, (double)M - 1, &v))
		return -1;
	pt->metric = (size_t)v;
	pt->minimize = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "minimize"));
	if (get_count(o, "objective metric", 0, (double)M - 1, &v))
		return -1;
	r->metric = (size_t)v;
	r->minimize = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "objective minimize"));
	if (get_count(o, "status", 0, TYCHE_OPT_BEST_FOUND, &v))
		return -1;
	r->status = (int)v;
	if (get_count(o, "method", 0, TYCHE_OPT_AUTO, &v))
		return -1;
	r->method = (int)v;
	if (get_string(o, "message", &msg) || get_string(o, "statistic", &stat))
		return -1;
	snprintf(r->message, sizeof r->message, "%s", msg);
	snprintf(r->stat.name, sizeof r->stat.name, "%s", stat);
	if (get_count(o, "categories", 0, (double)C, &v))
		return -1;
	r->ncategories = (size_t)v;
	if (get_count(o, "metrics", 0, (double)M, &v))
		return -1;
	r->nmetrics = (size_t)v;
	if (get_count(o, "evaluations", 0, 0x1p53, &v))
		return -1;
	r->evaluations = (long)v;
	if (get_count(o, "starts", 0, 0x1p53, &v))
		return -1;
	r->starts = (long)v;
	r->nchecks = (size_t)cJSON_GetArraySize(checks);
	need = 4.0 + 2.0 * (double)r->ncategories + (double)r->nmetrics + 2.0 * (double)r->nchecks;
	if (need > (double)*left)
		return -1;
	r->amounts = ty_calloc(r->ncategories + 1, sizeof(double));
	r->upper = ty_calloc(r->ncategories + 1, sizeof(double));
	r->outside = ty_calloc(r->ncategories + 1, sizeof(int));
	r->metrics = ty_calloc(r->nmetrics + 1, sizeof(double));
	r->checks = ty_calloc(r->nchecks + 1, sizeof(*r->checks));
	if (!r->amounts || !r->upper || !r->outside || !r->metrics || !r->checks)
		return -1;
	pt->budget = (*p)[0];
	pt->limit = (*p)[1];
	r->objective = (*p)[2];
	r->seconds = (*p)[3];
	*p += 4;
	memcpy(r->amounts, *p, r->ncategories * sizeof(double));
	*p += r->ncategories;
	memcpy(r->upper, *p, r->ncategories * sizeof(double));
	*p += r->ncategories;
	memcpy(r->metrics, *p, r->nmetrics * sizeof(double));
	*p += r->nmetrics;
	cJSON_ArrayForEach(x, checks) {
		tyche_opt_check *c = &r->checks[k++];
		const char *label;

		if (get_string(x, "label", &label) || get_count(x, "metric", -1, (double)M - 1, &v))
			return -1;
		snprintf(c->label, sizeof c->label, "%s", label);
		c->metric = v < 0 ? (size_t)-1 : (size_t)v;
		c->upper = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "upper"));
		c->holds = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "holds"));
		c->value = (*p)[0];
		c->bound = (*p)[1];
		*p += 2;
	}
	cJSON_ArrayForEach(x, outside) {
		if (!cJSON_IsNumber(x) || x->valuedouble < 0 ||
		    x->valuedouble >= (double)r->ncategories)
			return -1;
		r->outside[(size_t)x->valuedouble] = 1;
	}
	*left -= (size_t)need;
	return 0;
}

/* The names the writers print, from the settings; NULL when malformed or
 * out of memory. */
static tyche_surface *names(const cJSON *set)
{
	const cJSON *cats = cJSON_GetObjectItemCaseSensitive(set, "categories");
	const cJSON *mets = cJSON_GetObjectItemCaseSensitive(set, "surface metrics"), *x;
	tyche_surface *S;
	size_t k;

	if (!cJSON_IsArray(cats) || !cJSON_IsArray(mets) || !(S = ty_surface_new()))
		return NULL;
	S->C = (size_t)cJSON_GetArraySize(cats);
	S->M = (size_t)cJSON_GetArraySize(mets);
	S->cat = ty_calloc(S->C + 1, sizeof(char *));
	S->metric = ty_calloc(S->M + 1, sizeof(char *));
	if (!S->cat || !S->metric) {
		tyche_surface_free(S);
		return NULL;
	}
	k = 0;
	cJSON_ArrayForEach(x, cats)
		if (!cJSON_IsString(x) || !(S->cat[k++] = ty_strdup(x->valuestring))) {
			tyche_surface_free(S);
			return NULL;
		}
	k = 0;
	cJSON_ArrayForEach(x, mets)
		if (!cJSON_IsString(x) || !(S->metric[k++] = ty_strdup(x->valuestring))) {
			tyche_surface_free(S);
			return NULL;
		}
	return S;
}

int ty_shard_merge_pareto(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo,
			  tyche_diags *warnings, tyche_error *err)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "settings");
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "output");
	tyche_surface *S = names(set);
	tyche_opt_sweep sw = { 0 };
	int rc = 0, format;

	if (!S)
		return ty_error_at(err, TYCHE_EDATA, v[0].path, 0, 0,
				   "the shard's header has no valid list of categories and metrics");
	sw.vs_metric = -1;
	if (!strcmp(ty_shard_str(set, "sweep", NULL), "vs")) {
		const char *vs = ty_shard_str(set, "vs", NULL);

		for (size_t m = 0; sw.vs_metric < 0 && m < S->M; m++)
			if (!strcmp(S->metric[m], vs))
				sw.vs_metric = (long)m;
		if (sw.vs_metric < 0)
			rc = ty_error_at(err, TYCHE_EDATA, v[0].path, 0, 0,
					 "the shard's vs metric '%s' is not one of its metrics", vs);
	}
	sw.v = ty_calloc((size_t)v[0].total + 1, sizeof *sw.v);
	if (!rc && !sw.v)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		const cJSON *pts = cJSON_GetObjectItemCaseSensitive(v[i].hdr, "points"), *x;
		const double *p = v[i].payload;
		size_t left = (size_t)(v[i].payload_bytes / sizeof(double));

		if (!cJSON_IsArray(pts) || (uint64_t)cJSON_GetArraySize(pts) != v[i].hi - v[i].lo ||
		    v[i].payload_bytes % sizeof(double)) {
			rc = ty_error_at(err, TYCHE_EDATA, v[i].path, 0, 0,
					 "the shard's points do not match its range: the file is damaged");
			break;
		}
		cJSON_ArrayForEach(x, pts) {
			tyche_opt_point *pt = &sw.v[sw.n++];

			if (read_point(pt, x, &p, &left, S->C, S->M)) {
				rc = ty_error_at(err, TYCHE_EDATA, v[i].path, 0, 0,
						 "point %zu of the shard does not match its header: the file is damaged",
						 sw.n);
				break;
			}
		}
		if (!rc && left)
			rc = ty_error_at(err, TYCHE_EDATA, v[i].path, 0, 0,
					 "the shard's size does not match its header: the file is damaged");
	}
	format = mo->format >= 0 ? mo->format
		: !strcmp(ty_shard_str(out, "format", NULL), "json") ? TYCHE_FMT_JSON : TYCHE_FMT_CSV;
	if (!rc)
		rc = tyche_opt_sweep_write(S, &sw, format, mo->write, mo->write_arg, err);
	/* the points that failed, as tyche-run pareto reports them */
	if (mo->unsolved)
		*mo->unsolved = 0;
	for (size_t k = 0; !rc && k < sw.n; k++) {
		const tyche_opt_point *pt = &sw.v[k];

		char b1[32], b2[32];

		if (!tyche_opt_status_ok(pt->result->status) && mo->unsolved)
			++*mo->unsolved;
		if (!tyche_opt_status_ok(pt->result->status))
			ty_diag_add(warnings, TYCHE_SEV_WARNING, "", 0, 0,
				    "point %zu (%s %s%s%s%s%s): %s: %s", k + 1,
				    pt->minimize ? "min" : "max", S->metric[pt->metric],
				    isnan(pt->budget) ? "" : ", budget ",
				    isnan(pt->budget) ? "" : ty_fmt_double(pt->budget, b1),
				    isnan(pt->limit) ? "" : ", limit ",
				    isnan(pt->limit) ? "" : ty_fmt_double(pt->limit, b2),
				    tyche_opt_status_name(pt->result->status), pt->result->message);
	}
	for (size_t k = 0; sw.v && k < sw.n; k++)
		tyche_opt_result_free(sw.v[k].result);
	free(sw.v);
	tyche_surface_free(S);
	return rc;
}
