/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard-eval.c - evaluate shards: the raw values of samples lo .. hi-1 of
 * every scenario (tyche_evaluate_shard), and their merge, which replays
 * them through tyche_evaluate's own writers (ty_eval_create_source), so
 * CSV, JSON and summary statistics come out byte-identical to one
 * process: the same formatter, the same selection over the same doubles,
 * the same warnings.  Values, not text: one set of shards gives any
 * output format.
 *
 * Payload: for each technology, scenario, results row (in the context's
 * sorted order): hi - lo doubles.  The header's settings carry the
 * design and the layout (every name the writers print), so a merge needs
 * no study.  Easy to get wrong: rows never produced are NaN in the
 * payload as in the evaluation, and a merge reads them the same way.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "shard.h"

static const char *const var_name[] = { "Cost", "Metric", "Output" };

static cJSON *layout_json(const tyche_context *ctx)
{
	cJSON *techs = cJSON_CreateArray();

	for (size_t t = 0; techs && t < ctx->ntech; t++) {
		const struct ty_tech *T = &ctx->tech[t];
		cJSON *o = cJSON_CreateObject(), *sc = cJSON_CreateArray(),
			*rows = cJSON_CreateArray();

		cJSON_AddItemToArray(techs, o);
		cJSON_AddStringToObject(o, "name", T->name);
		cJSON_AddItemToObject(o, "scenarios", sc);
		cJSON_AddItemToObject(o, "results", rows);
		for (size_t s = 0; s < T->nscen; s++)
			cJSON_AddItemToArray(sc, cJSON_CreateString(T->scen[s].name));
		for (size_t r = 0; r < T->nresults; r++) {
			cJSON *row = cJSON_CreateObject();

			cJSON_AddItemToArray(rows, row);
			cJSON_AddStringToObject(row, "variable", var_name[T->results[r].var]);
			cJSON_AddStringToObject(row, "index", T->results[r].index);
			cJSON_AddStringToObject(row, "units", T->results[r].units);
			cJSON_AddBoolToObject(row, "produced", T->results[r].offset >= 0);
		}
	}
	return techs;
}

/* The layout's total rows, or (size_t)-1 when it is malformed. */
static size_t layout_rows(const cJSON *techs)
{
	const cJSON *t;
	size_t rows = 0;

	if (!cJSON_IsArray(techs))
		return (size_t)-1;
	cJSON_ArrayForEach(t, techs) {
		const cJSON *sc = cJSON_GetObjectItemCaseSensitive(t, "scenarios");
		const cJSON *rs = cJSON_GetObjectItemCaseSensitive(t, "results");
		const cJSON *x;

		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "name")) ||
		    !cJSON_IsArray(sc) || !cJSON_IsArray(rs))
			return (size_t)-1;
		cJSON_ArrayForEach(x, sc)
			if (!cJSON_IsString(x))
				return (size_t)-1;
		cJSON_ArrayForEach(x, rs) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, "variable");
			int ok = cJSON_IsString(v) && (!strcmp(v->valuestring, "Cost") ||
				!strcmp(v->valuestring, "Metric") || !strcmp(v->valuestring, "Output"));

			if (!ok || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x, "index")) ||
			    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x, "units")) ||
			    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(x, "produced")))
				return (size_t)-1;
		}
		rows += (size_t)cJSON_GetArraySize(sc) * (size_t)cJSON_GetArraySize(rs);
	}
	return rows;
}

static size_t **row_bases(const tyche_context *ctx, size_t *total)
{
	size_t **rb = ty_calloc(ctx->ntech ? ctx->ntech : 1, sizeof(*rb)), k = 0;

	for (size_t t = 0; rb && t < ctx->ntech; t++) {
		rb[t] = ty_calloc(ctx->tech[t].nscen ? ctx->tech[t].nscen : 1, sizeof(**rb));
		for (size_t s = 0; rb[t] && s < ctx->tech[t].nscen; s++) {
			rb[t][s] = k;
			k += ctx->tech[t].nresults;
		}
	}
	*total = k;
	return rb;
}

static void free_bases(size_t **rb, size_t ntech)
{
	for (size_t t = 0; rb && t < ntech; t++)
		free(rb[t]);
	free(rb);
}

struct shard_out {
	struct ty_shard_w *w;
	uint64_t lo, hi;
	size_t **rowbase;        /* [tech][scen]: rows before this scenario */
	const tyche_context *ctx;
};

static int sink_values(void *arg, size_t tech, size_t scen, uint64_t first, size_t n,
		       const double *vals, size_t stride)
{
	struct shard_out *so = arg;
	uint64_t len = so->hi - so->lo;

	for (size_t r = 0; r < so->ctx->tech[tech].nresults; r++) {
		uint64_t at = ((so->rowbase[tech][scen] + r) * len + (first - so->lo)) * sizeof(double);
		int rc = ty_shard_put(so->w, at, vals + r * stride, n * sizeof(double));

		if (rc)
			return rc;
	}
	return 0;
}

int tyche_evaluate_shard(const tyche_context *ctx, const tyche_eval_opts *opts,
			 unsigned index, unsigned count, const char *path, tyche_error *err)
{
	struct ty_eval *E = NULL;
	struct shard_out so = { .ctx = ctx };
	size_t rows = 0;
	cJSON *hdr, *set, *o;
	int rc;

	if (index < 1 || index > count)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u: expected 1 <= I <= N", index, count);
	if (opts->samples < 1 || opts->samples > (size_t)1 << 40)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "the number of samples must be between 1 and 2^40");
	if (opts->design < TYCHE_DESIGN_MC || opts->design > TYCHE_DESIGN_QMC)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "unknown sampling design %d: expected mc, lhs or qmc", opts->design);
	tyche_shard_range(&so.lo, &so.hi, opts->samples, index, count);
	so.rowbase = row_bases(ctx, &rows);
	hdr = ty_shard_header("evaluate", ctx, opts->seed, index, count, so.lo, so.hi,
			      opts->samples, "samples");
	if (!so.rowbase || !hdr) {
		cJSON_Delete(hdr);
		free_bases(so.rowbase, ctx->ntech);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	set = cJSON_GetObjectItemCaseSensitive(hdr, "settings");
	cJSON_AddStringToObject(set, "sampling design", tyche_design_name(opts->design));
	cJSON_AddItemToObject(set, "technologies", layout_json(ctx));
	o = cJSON_GetObjectItemCaseSensitive(hdr, "output");
	cJSON_AddStringToObject(o, "format", opts->format == TYCHE_FMT_JSON ? "json" : "csv");
	cJSON_AddBoolToObject(o, "summary", opts->summary != 0);
	rc = ty_shard_begin(&so.w, path, hdr,
			    (uint64_t)rows * (so.hi - so.lo) * sizeof(double), err);
	if (!rc)
		rc = ty_eval_create(&E, ctx, opts->seed, err);
	if (!rc)
		rc = ty_eval_set_design(E, opts->design, opts->samples, err);
	if (!rc) {
		struct ty_eval_range rg = { so.lo, so.hi, SIZE_MAX, SIZE_MAX, 0, 0, 1 };

		rc = ty_eval_values(E, &rg, opts->threads, sink_values, &so, err);
		if (rc == TYCHE_EIO)
			ty_error_at(err, rc, path, 0, 0, "cannot write the shard file");
	}
	if (!rc) {
		rc = ty_shard_commit(so.w, err);
		so.w = NULL;
	}
	ty_shard_abort(so.w);
	free_bases(so.rowbase, ctx->ntech);
	ty_eval_free(E);
	return rc;
}

/* ------------------------------------------------------------ replay */

struct replay {
	struct ty_shard_in *v;      /* sorted by range */
	size_t n;
	size_t **rowbase;
	const tyche_context *ctx;
};

static int replay_block(void *arg, size_t tech, size_t scen, uint64_t first, size_t n,
			double *const *out)
{
	const struct replay *R = arg;
	size_t lo = 0, hi = R->n;

	/* the shard holding `first`: the last with lo <= first */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (R->v[mid].lo <= first)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t k = lo, done = 0; done < n && k < R->n; k++) {
		const struct ty_shard_in *S = &R->v[k];
		uint64_t j = first + done, len = S->hi - S->lo;
		size_t m = (size_t)(S->hi - j < n - done ? S->hi - j : n - done);

		for (size_t r = 0; r < R->ctx->tech[tech].nresults; r++)
			memcpy(out[r] + done,
			       (const double *)S->payload + (R->rowbase[tech][scen] + r) * len + (j - S->lo),
			       m * sizeof(double));
		done += m;
	}
	return 0;
}

/* The names the writers read, from the header's layout. */
static void skeleton_free(tyche_context *c)
{
	if (!c)
		return;
	for (size_t t = 0; c->tech && t < c->ntech; t++) {
		struct ty_tech *T = &c->tech[t];

		free(T->name);
		for (size_t s = 0; T->scen && s < T->nscen; s++)
			free(T->scen[s].name);
		for (size_t r = 0; T->results && r < T->nresults; r++) {
			free(T->results[r].index);
			free(T->results[r].units);
		}
		free(T->scen);
		free(T->results);
	}
	free(c->tech);
	free(c->path);
	free(c->name);
	free(c);
}

static tyche_context *skeleton(const cJSON *hdr, const cJSON *techs)
{
	const cJSON *t;
	tyche_context *c = ty_calloc(1, sizeof(*c));
	size_t k = 0;

	if (!c)
		return NULL;
	c->path = ty_strdup(ty_shard_str(hdr, "study", "path"));
	c->name = ty_strdup(ty_shard_str(hdr, "study", "name"));
	snprintf(c->hash, sizeof c->hash, "%s", ty_shard_str(hdr, "study", "hash"));
	c->ntech = (size_t)cJSON_GetArraySize(techs);
	c->tech = ty_calloc(c->ntech ? c->ntech : 1, sizeof(*c->tech));
	if (!c->tech || !c->path || !c->name) {
		skeleton_free(c);
		return NULL;
	}
	cJSON_ArrayForEach(t, techs) {
		struct ty_tech *T = &c->tech[k++];
		const cJSON *sc = cJSON_GetObjectItemCaseSensitive(t, "scenarios");
		const cJSON *rs = cJSON_GetObjectItemCaseSensitive(t, "results"), *x;
		size_t i = 0;

		T->name = ty_strdup(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring);
		T->nscen = (size_t)cJSON_GetArraySize(sc);
		T->nresults = (size_t)cJSON_GetArraySize(rs);
		T->scen = ty_calloc(T->nscen ? T->nscen : 1, sizeof(*T->scen));
		T->results = ty_calloc(T->nresults ? T->nresults : 1, sizeof(*T->results));
		if (!T->name || !T->scen || !T->results) {
			skeleton_free(c);
			return NULL;
		}
		cJSON_ArrayForEach(x, sc)
			T->scen[i++].name = ty_strdup(x->valuestring);
		i = 0;
		cJSON_ArrayForEach(x, rs) {
			struct ty_result_row *R = &T->results[i++];
			const char *v = cJSON_GetObjectItemCaseSensitive(x, "variable")->valuestring;

			R->var = !strcmp(v, "Cost") ? TY_VAR_COST : !strcmp(v, "Metric")
				? TY_VAR_METRIC : TY_VAR_OUTPUT;
			R->index = ty_strdup(cJSON_GetObjectItemCaseSensitive(x, "index")->valuestring);
			R->units = ty_strdup(cJSON_GetObjectItemCaseSensitive(x, "units")->valuestring);
			R->offset = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "produced")) ? 0 : -1;
		}
	}
	return c;
}

int ty_shard_merge_evaluate(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo,
			    tyche_diags *warnings, tyche_error *err)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "settings");
	const cJSON *techs = cJSON_GetObjectItemCaseSensitive(set, "technologies");
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "output");
	struct replay R = { v, n, NULL, NULL };
	tyche_context *ctx = NULL;
	struct ty_eval *E = NULL;
	tyche_eval_opts eo = TYCHE_EVAL_OPTS_INIT;
	size_t rows = layout_rows(techs);
	int rc = 0;

	if (rows == (size_t)-1)
		return ty_error_at(err, TYCHE_EDATA, v[0].path, 0, 0,
				   "the shard's header has no valid layout of technologies, scenarios and rows");
	for (size_t i = 0; i < n; i++)
		if (v[i].payload_bytes != (uint64_t)rows * (v[i].hi - v[i].lo) * sizeof(double))
			return ty_error_at(err, TYCHE_EDATA, v[i].path, 0, 0,
					   "the shard's size does not match its header: the file is damaged");
	if (!(ctx = skeleton(v[0].hdr, techs)) || !(R.rowbase = row_bases(ctx, &rows)))
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (!rc) {
		R.ctx = ctx;
		rc = ty_eval_create_source(&E, ctx, replay_block, &R, err);
	}
	if (!rc) {
		eo.samples = (size_t)v[0].total;
		eo.threads = mo->threads;
		eo.format = mo->format >= 0 ? mo->format
			: !strcmp(ty_shard_str(out, "format", NULL), "json") ? TYCHE_FMT_JSON : TYCHE_FMT_CSV;
		eo.summary = mo->summary >= 0 ? mo->summary
			: cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "summary"));
		eo.write = mo->write;
		eo.write_arg = mo->write_arg;
		rc = ty_eval_run(E, &eo, warnings, err);
	}
	ty_eval_free(E);
	if (ctx)
		free_bases(R.rowbase, ctx->ntech);
	skeleton_free(ctx);
	return rc;
}
