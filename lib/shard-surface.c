/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard-surface.c - surface shards: samples lo .. hi-1 of the response
 * surface (tyche_surface_shard, over ty_surface_build_part), and their
 * merge into the surface cache file one `tyche-run surface` writes, byte
 * for byte.
 *
 * Split over samples, not tranches: every sample of every tranche is
 * independent (the design and the tranche amounts are drawn for the whole
 * run and cut), while what joins the samples (mean amounts, the
 * constant-amount flag, metric ranges) is recomputed by ty_surface_finish
 * over the merged arrays, in the order a single build sums them.
 *
 * Payload: per category c (in the surface's order), the amounts
 * [tranche][sample] then the values [metric][tranche][sample], hi - lo
 * samples each, as doubles.  The header's settings hold the layout (every
 * name the file holds), the design and the sample count, so a merge
 * needs no study.  Easy to get wrong: the file's seed and context hash
 * come from the header's seed and study hash, not from the merge's
 * options; the layout is checked before any size is trusted.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"
#include "surface.h"

static cJSON *layout_json(const tyche_surface *S)
{
	cJSON *l = cJSON_CreateObject(), *cats, *mets;

	if (!l)
		return NULL;
	cats = cJSON_AddArrayToObject(l, "categories");
	mets = cJSON_AddArrayToObject(l, "metrics");
	for (size_t c = 0; cats && c < S->C; c++) {
		cJSON *o = cJSON_CreateObject(), *tr;

		cJSON_AddItemToArray(cats, o);
		cJSON_AddStringToObject(o, "name", S->cat[c]);
		tr = cJSON_AddArrayToObject(o, "tranches");
		for (size_t t = 0; tr && t < S->T[c]; t++)
			cJSON_AddItemToArray(tr, cJSON_CreateString(S->tname[c][t]));
	}
	for (size_t m = 0; mets && m < S->M; m++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(mets, o);
		cJSON_AddStringToObject(o, "name", S->metric[m]);
		cJSON_AddStringToObject(o, "units", S->units[m]);
	}
	return l;
}

/* Doubles per sample of the layout (sum over categories of T + M T). */
static uint64_t per_sample(const tyche_surface *S)
{
	uint64_t k = 0;

	for (size_t c = 0; c < S->C; c++)
		k += (uint64_t)S->T[c] * (1 + S->M);
	return k;
}

int tyche_surface_shard(const tyche_context *ctx, const tyche_analysis_opts *o,
			unsigned index, unsigned count, const char *path, tyche_error *err)
{
	tyche_surface *S = NULL;
	struct ty_shard_w *w = NULL;
	uint64_t lo, hi, n, off = 0;
	cJSON *hdr, *set;
	int rc;

	if (index < 1 || index > count)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u: expected 1 <= I <= N", index, count);
	if (o->samples < 1 || o->samples > (size_t)1 << 40)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "the number of samples must be between 1 and 2^40");
	if (o->design < TYCHE_DESIGN_MC || o->design > TYCHE_DESIGN_QMC)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "unknown sampling design %d: expected mc, lhs or qmc", o->design);
	tyche_shard_range(&lo, &hi, o->samples, index, count);
	if (lo == hi)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u of %zu samples holds none: use at most %zu shards",
				   index, count, o->samples, o->samples);
	n = hi - lo;
	rc = ty_surface_build_part(&S, ctx, o, lo, hi, err);
	if (rc)
		return rc;
	hdr = ty_shard_header("surface", ctx, o->seed, index, count, lo, hi, o->samples, "samples");
	if (!hdr) {
		tyche_surface_free(S);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	set = cJSON_GetObjectItemCaseSensitive(hdr, "settings");
	cJSON_AddStringToObject(set, "sampling design", tyche_design_name(o->design));
	cJSON_AddItemToObject(set, "layout", layout_json(S));
	rc = ty_shard_begin(&w, path, hdr, per_sample(S) * n * sizeof(double), err);
	for (size_t c = 0; !rc && c < S->C; c++) {
		size_t a = S->T[c] * n, v = S->M * S->T[c] * n;

		rc = ty_shard_put(w, off, S->amt[c], a * sizeof(double));
		off += a * sizeof(double);
		if (!rc)
			rc = ty_shard_put(w, off, S->val[c], v * sizeof(double));
		off += v * sizeof(double);
		if (rc)
			rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot write the shard file");
	}
	if (!rc) {
		rc = ty_shard_commit(w, err);
		w = NULL;
	}
	ty_shard_abort(w);
	tyche_surface_free(S);
	return rc;
}

/* ------------------------------------------------------------ merge */

/* The surface's names from the header's layout, arrays for N samples;
 * NULL (and *bad) when the layout is malformed, NULL when out of memory. */
static tyche_surface *skeleton(const cJSON *layout, size_t N, int *bad)
{
	const cJSON *cats = cJSON_GetObjectItemCaseSensitive(layout, "categories");
	const cJSON *mets = cJSON_GetObjectItemCaseSensitive(layout, "metrics"), *x, *t;
	tyche_surface *S;
	size_t k = 0;
	int oom = 0;

	*bad = 0;
	if (!cJSON_IsArray(cats) || !cJSON_IsArray(mets)) {
		*bad = 1;
		return NULL;
	}
	cJSON_ArrayForEach(x, mets)
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x, "name")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x, "units")))
			*bad = 1;
	cJSON_ArrayForEach(x, cats) {
		const cJSON *tr = cJSON_GetObjectItemCaseSensitive(x, "tranches");

		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x, "name")) || !cJSON_IsArray(tr))
			*bad = 1;
		else
			cJSON_ArrayForEach(t, tr)
				if (!cJSON_IsString(t))
					*bad = 1;
	}
	if (*bad || !(S = ty_surface_new()))
		return NULL;
	S->N = N;
	S->C = (size_t)cJSON_GetArraySize(cats);
	S->M = (size_t)cJSON_GetArraySize(mets);
	S->cat = ty_calloc(S->C + 1, sizeof(char *));
	S->T = ty_calloc(S->C + 1, sizeof(size_t));
	S->tname = ty_calloc(S->C + 1, sizeof(char **));
	S->amt = ty_calloc(S->C + 1, sizeof(double *));
	S->mean_amt = ty_calloc(S->C + 1, sizeof(double *));
	S->val = ty_calloc(S->C + 1, sizeof(double *));
	S->metric = ty_calloc(S->M + 1, sizeof(char *));
	S->units = ty_calloc(S->M + 1, sizeof(char *));
	S->lo = ty_calloc(S->M + 1, sizeof(double));
	S->hi = ty_calloc(S->M + 1, sizeof(double));
	if (!S->cat || !S->T || !S->tname || !S->amt || !S->mean_amt || !S->val || !S->metric ||
	    !S->units || !S->lo || !S->hi) {
		tyche_surface_free(S);
		return NULL;
	}
	cJSON_ArrayForEach(x, mets) {
		S->metric[k] = ty_strdup(cJSON_GetObjectItemCaseSensitive(x, "name")->valuestring);
		S->units[k] = ty_strdup(cJSON_GetObjectItemCaseSensitive(x, "units")->valuestring);
		oom |= !S->metric[k] || !S->units[k];
		k++;
	}
	k = 0;
	cJSON_ArrayForEach(x, cats) {
		const cJSON *tr = cJSON_GetObjectItemCaseSensitive(x, "tranches");
		size_t T = (size_t)cJSON_GetArraySize(tr), j = 0;

		S->cat[k] = ty_strdup(cJSON_GetObjectItemCaseSensitive(x, "name")->valuestring);
		S->T[k] = T;
		S->tname[k] = ty_calloc(T + 1, sizeof(char *));
		S->mean_amt[k] = ty_calloc(T + 1, sizeof(double));
		if (N > SIZE_MAX / sizeof(double) / (T + 1) / (S->M + 1)) {
			oom = 1;
		} else {
			S->amt[k] = ty_calloc(T * N + 1, sizeof(double));
			S->val[k] = ty_calloc(S->M * T * N + 1, sizeof(double));
		}
		oom |= !S->cat[k] || !S->tname[k] || !S->mean_amt[k] || !S->amt[k] || !S->val[k];
		cJSON_ArrayForEach(t, tr)
			if (S->tname[k] && !(S->tname[k][j++] = ty_strdup(t->valuestring)))
				oom = 1;
		k++;
	}
	if (oom || ty_surface_index(S)) {
		tyche_surface_free(S);
		return NULL;
	}
	return S;
}

int ty_shard_merge_surface(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo,
			   tyche_diags *warnings, tyche_error *err)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "settings");
	const char *hash = ty_shard_str(v[0].hdr, "study", "hash");
	struct ty_buf b = TY_BUF_INIT;
	tyche_surface *S;
	uint64_t per;
	int bad;

	(void)warnings;
	if (strlen(hash) != 64)
		return ty_error_at(err, TYCHE_EDATA, v[0].path, 0, 0,
				   "the shard's study hash is not 64 hex digits: the file is damaged");
	S = skeleton(cJSON_GetObjectItemCaseSensitive(set, "layout"), (size_t)v[0].total, &bad);
	if (!S)
		return bad ? ty_error_at(err, TYCHE_EDATA, v[0].path, 0, 0,
					 "the shard's header has no valid layout of categories, tranches and metrics")
			: ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %" PRIu64
				      " samples", v[0].total);
	per = per_sample(S);
	for (size_t i = 0; i < n; i++)
		if (v[i].payload_bytes != per * (v[i].hi - v[i].lo) * sizeof(double)) {
			tyche_surface_free(S);
			return ty_error_at(err, TYCHE_EDATA, v[i].path, 0, 0,
					   "the shard's size does not match its header: the file is damaged");
		}
	memcpy(S->ctx_hash, hash, 65);
	S->seed = strtoull(ty_shard_str(v[0].hdr, "seed", NULL), NULL, 10);
	for (size_t i = 0; i < n; i++) {
		const double *p = v[i].payload;
		size_t len = (size_t)(v[i].hi - v[i].lo), lo = (size_t)v[i].lo, N = S->N;

		for (size_t c = 0; c < S->C; c++) {
			size_t T = S->T[c];

			for (size_t t = 0; t < T; t++, p += len)
				memcpy(S->amt[c] + t * N + lo, p, len * sizeof(double));
			for (size_t k = 0; k < S->M * T; k++, p += len)
				memcpy(S->val[c] + k * N + lo, p, len * sizeof(double));
		}
	}
	ty_surface_finish(S);
	ty_surface_serialize(S, &b);
	tyche_surface_free(S);
	return ty_buf_deliver(&b, mo->write, mo->write_arg, err);
}
