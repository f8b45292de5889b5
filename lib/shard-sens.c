/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard-sens.c - shards of the global sensitivity (kind "sensitivity")
 * and of the value of information (kind "voi"): the model outputs of base
 * samples lo .. hi-1 (tyche_sobol_shard, tyche_voi_shard), and their
 * merges, which run the estimators of sobol.c and voi.c over all N
 * samples and write through their writers.  One process runs the very
 * same two halves (ty_sobol_run_* then ty_sobol_est_*, ty_voi_run_* then
 * ty_voi_est) over 0 .. N, so a merge is byte-identical: the same doubles
 * summed in the same order, the same keyed bootstrap and coefficient
 * streams (they depend on the seed and N only, never on the split).
 *
 * Payloads (IEEE doubles, len = hi - lo per array):
 *   sensitivity: f_A, f_B, then f_AB of each group; each [metric][len]
 *   voi: the net benefit of each candidate (sign applied), then the draws
 *        of each distinct uncertain cell the groups regress on
 * The header's settings carry every option that changes a number (each
 * under a readable name: a mismatch prints it) and the layout the
 * writers print (metrics, group labels, candidate names), so a merge
 * needs no study.
 *
 * Easy to get wrong: a cell may belong to a cell, a parameter and a table
 * group at once; its draws are stored once ("cells" index them).  The
 * draws are the evaluator's (its correlated orders over all N): never
 * redraw them at merge time.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sens.h"
#include "shard.h"

static const char *const level_names[] = { "cell", "parameter", "table" };

static int level_of(const char *s)
{
	for (int k = 0; k < 3; k++)
		if (!strcmp(s, level_names[k]))
			return k;
	return -1;
}

static cJSON *groups_mask(unsigned levels)
{
	struct ty_buf b = TY_BUF_INIT;
	cJSON *j;

	if (!levels)
		levels = 7;
	for (int k = 0; k < 3; k++)
		if (levels & (1u << k)) {
			if (b.len)
				ty_buf_addc(&b, ',');
			ty_buf_adds(&b, level_names[k]);
		}
	j = cJSON_CreateString(b.p ? b.p : "");
	ty_buf_release(&b);
	return j;
}

static int check_split(unsigned index, unsigned count, uint64_t total, const char *unit,
		       uint64_t *lo, uint64_t *hi, tyche_error *err)
{
	if (index < 1 || index > count)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u: expected 1 <= I <= N", index, count);
	tyche_shard_range(lo, hi, total, index, count);
	if (*lo == *hi)
		return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
				   "shard %u/%u of %" PRIu64 " %s is empty: use at most %" PRIu64 " shards",
				   index, count, total, unit, total);
	return 0;
}

static double **alloc_rows(size_t k, size_t n)
{
	double **v = ty_calloc(k + 1, sizeof *v);

	for (size_t i = 0; v && i < k; i++)
		if (!(v[i] = ty_calloc(n ? n : 1, sizeof(double)))) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
	return v;
}

static void free_rows(double **v, size_t k)
{
	for (size_t i = 0; v && i < k; i++)
		free(v[i]);
	free(v);
}

/* Arrays a .. a+k-1 of the payload (each len doubles) at rows. */
static int put_rows(struct ty_shard_w *w, size_t a, double *const *rows, size_t k, size_t len,
		    const char *path, tyche_error *err)
{
	for (size_t i = 0; i < k; i++)
		if (ty_shard_put(w, (uint64_t)(a + i) * len * sizeof(double), rows[i],
				 len * sizeof(double)))
			return ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot write the shard file");
	return 0;
}

/* Array a of the run, samples 0 .. total-1, gathered from the shards. */
static void gather(const struct ty_shard_in *v, size_t n, size_t a, double *out)
{
	for (size_t s = 0; s < n; s++) {
		size_t len = (size_t)(v[s].hi - v[s].lo);

		memcpy(out + v[s].lo, (const double *)v[s].payload + a * len, len * sizeof(double));
	}
}

static int payload_is(const struct ty_shard_in *v, size_t n, size_t arrays, tyche_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].payload_bytes != (uint64_t)arrays * (v[i].hi - v[i].lo) * sizeof(double))
			return ty_error_at(err, TYCHE_EDATA, v[i].path, 0, 0,
					   "the shard's size does not match its header: the file is damaged");
	return 0;
}

static int bad_header(const struct ty_shard_in *S, tyche_error *err)
{
	return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
			   "the shard's header has no valid layout of metrics and groups");
}

/* A group label [level, technology, scenario, table, input (, cells)]. */
static cJSON *group_json(int level, const char *tech, const char *scen, const char *table,
			 const char *input)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString(level_names[level]));
	cJSON_AddItemToArray(a, cJSON_CreateString(tech ? tech : ""));
	cJSON_AddItemToArray(a, cJSON_CreateString(scen ? scen : ""));
	cJSON_AddItemToArray(a, cJSON_CreateString(table ? table : ""));
	cJSON_AddItemToArray(a, cJSON_CreateString(input ? input : ""));
	return a;
}

/* Read a group label back; 0 when well formed. */
static int group_read(const cJSON *a, int *level, const char **s)
{
	const cJSON *x;
	int k = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 5)
		return -1;
	cJSON_ArrayForEach(x, a) {
		if (k >= 5)
			break;
		if (!cJSON_IsString(x))
			return -1;
		if (k == 0 && (*level = level_of(x->valuestring)) < 0)
			return -1;
		if (k)
			s[k - 1] = x->valuestring;
		k++;
	}
	return 0;
}

static int get_count(const cJSON *h, const char *key, double lo, double hi, double *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(h, key);

	if (!cJSON_IsNumber(j) || !(j->valuedouble >= lo && j->valuedouble <= hi))
		return -1;
	*v = j->valuedouble;
	return 0;
}

static int out_format(const cJSON *hdr, const tyche_merge_opts *mo)
{
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(hdr, "output");

	return mo->format >= 0 ? mo->format
		: !strcmp(ty_shard_str(out, "format", NULL), "json") ? TYCHE_FMT_JSON : TYCHE_FMT_CSV;
}

static int no_summary(const struct ty_shard_in *S, const tyche_merge_opts *mo, tyche_error *err)
{
	if (mo->summary == 1)
		return ty_error_at(err, TYCHE_EUSAGE, S->path, 0, 0,
				   "--summary is for shards of evaluate, not of %s", S->kind);
	return 0;
}

/* ------------------------------------------------------------ sensitivity */

int tyche_sobol_shard(const tyche_context *ctx, const tyche_sobol_opts *o, int format,
		      unsigned index, unsigned count, const char *path, tyche_error *err)
{
	struct ty_sobol_run run;
	struct ty_shard_w *w = NULL;
	double **fA = NULL, **fB = NULL;
	uint64_t lo, hi;
	size_t len, M, G;
	cJSON *hdr = NULL, *set, *a;
	int rc = ty_sobol_run_init(&run, ctx, o, err);

	if (rc)
		return rc;
	M = run.T.M;
	G = run.T.ngroups;
	rc = check_split(index, count, run.N, "base samples", &lo, &hi, err);
	if (rc)
		goto out;
	len = (size_t)(hi - lo);
	hdr = ty_shard_header("sensitivity", ctx, o->seed, index, count, lo, hi, run.N, "samples");
	if (!hdr || !(fA = alloc_rows(M, len)) || !(fB = alloc_rows(M, len))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	set = cJSON_GetObjectItemCaseSensitive(hdr, "settings");
	cJSON_AddStringToObject(set, "scenario", o->scenario ? o->scenario : "none");
	if (o->scenario) {
		cJSON_AddStringToObject(set, "amounts", "none");
	} else {
		double *am = ty_calloc(ctx->ncategories + 1, sizeof *am);
		struct ty_buf b = TY_BUF_INIT;

		if (!am) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		rc = ty_sens_parse_amounts(ctx, o->amounts, o->namounts, am, err);
		for (size_t c = 0; !rc && c < ctx->ncategories; c++) {
			ty_buf_adds(&b, c ? "; " : "");
			ty_buf_adds(&b, ctx->categories[c]);
			ty_buf_addc(&b, '=');
			ty_buf_num(&b, am[c], 0);
		}
		if (!rc)
			cJSON_AddStringToObject(set, "amounts", b.p ? b.p : "");
		ty_buf_release(&b);
		free(am);
		if (rc)
			goto out;
	}
	cJSON_AddStringToObject(set, "metric", o->metric ? o->metric : "every metric");
	cJSON_AddItemToObject(set, "groups", groups_mask(o->levels));
	cJSON_AddNumberToObject(set, "bootstrap", (double)run.R);
	cJSON_AddItemToObject(set, "level", ty_json_num(run.level));
	cJSON_AddStringToObject(set, "design", "saltelli mc");
	cJSON_AddStringToObject(set, "target", o->scenario ? o->scenario : "portfolio");
	a = cJSON_AddArrayToObject(set, "metrics");
	for (size_t m = 0; m < M; m++) {
		cJSON *p = cJSON_CreateArray();

		cJSON_AddItemToArray(p, cJSON_CreateString(run.T.metric[m]));
		cJSON_AddItemToArray(p, cJSON_CreateString(run.T.units[m]));
		cJSON_AddItemToArray(a, p);
	}
	a = cJSON_AddArrayToObject(set, "rows");
	for (size_t g = 0; g < G; g++) {
		const struct ty_sens_group *Gr = &run.T.group[g];

		cJSON_AddItemToArray(a, group_json(Gr->level, Gr->tech, Gr->scen, Gr->table, Gr->input));
	}
	cJSON_AddNumberToObject(set, "evaluations per sample", run.per_sample);
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(hdr, "output"), "format",
				format == TYCHE_FMT_JSON ? "json" : "csv");
	rc = ty_shard_begin(&w, path, hdr, (uint64_t)(2 + G) * M * len * sizeof(double), err);
	hdr = NULL;
	if (!rc)
		rc = ty_sobol_run_base(&run, lo, hi, fA, fB, err);
	if (!rc)
		rc = put_rows(w, 0, fA, M, len, path, err);
	if (!rc)
		rc = put_rows(w, M, fB, M, len, path, err);
	/* f_AB of each group into fA's rows (f_A is written) */
	for (size_t g = 0; !rc && g < G; g++) {
		rc = ty_sobol_run_group(&run, g, fA, err);
		if (!rc)
			rc = put_rows(w, (2 + g) * M, fA, M, len, path, err);
	}
	if (!rc) {
		rc = ty_shard_commit(w, err);
		w = NULL;
	}
out:
	ty_shard_abort(w);
	cJSON_Delete(hdr);
	free_rows(fA, M);
	free_rows(fB, M);
	ty_sobol_run_release(&run);
	return rc;
}

int ty_shard_merge_sensitivity(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo,
			       tyche_diags *warnings, tyche_error *err)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "settings");
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(set, "metrics");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(set, "rows"), *x;
	const char **mname = NULL, **munits = NULL;
	double **fA = NULL, **fB = NULL, **fAB = NULL, R, level, per;
	size_t M, G, N = (size_t)v[0].total, k = 0;
	tyche_sobol *res = NULL;
	int rc;

	(void)warnings;
	if ((rc = no_summary(&v[0], mo, err)))
		return rc;
	if (!cJSON_IsArray(metrics) || !cJSON_IsArray(rows) || !cJSON_GetArraySize(metrics) ||
	    get_count(set, "bootstrap", 1, 100000, &R) || get_count(set, "level", 1e-9, 1 - 1e-9, &level) ||
	    get_count(set, "evaluations per sample", 0, 1e12, &per) || N < 2)
		return bad_header(&v[0], err);
	M = (size_t)cJSON_GetArraySize(metrics);
	G = (size_t)cJSON_GetArraySize(rows);
	if ((rc = payload_is(v, n, (2 + G) * M, err)))
		return rc;
	mname = ty_calloc(M, sizeof *mname);
	munits = ty_calloc(M, sizeof *munits);
	fA = alloc_rows(M, N);
	fB = alloc_rows(M, N);
	fAB = alloc_rows(M, N);
	if (!mname || !munits || !fA || !fB || !fAB) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", N);
		goto out;
	}
	cJSON_ArrayForEach(x, metrics) {
		const cJSON *a = cJSON_GetArrayItem(x, 0), *b = cJSON_GetArrayItem(x, 1);

		if (!cJSON_IsString(a) || !cJSON_IsString(b)) {
			rc = bad_header(&v[0], err);
			goto out;
		}
		mname[k] = a->valuestring;
		munits[k++] = b->valuestring;
	}
	for (size_t m = 0; m < M; m++) {
		gather(v, n, m, fA[m]);
		gather(v, n, M + m, fB[m]);
	}
	rc = ty_sobol_est_create(&res, ty_shard_str(set, "target", NULL),
				 strtoull(ty_shard_str(v[0].hdr, "seed", NULL), NULL, 10), N,
				 (size_t)R, level, G, M, err);
	k = 0;
	cJSON_ArrayForEach(x, rows) {
		const char *s[4];
		int lv;

		if (rc)
			break;
		if (group_read(x, &lv, s)) {
			rc = bad_header(&v[0], err);
			break;
		}
		rc = ty_budget_check(err, "merging Sobol shards");
		for (size_t m = 0; !rc && m < M; m++)
			gather(v, n, (2 + k) * M + m, fAB[m]);
		if (!rc)
			rc = ty_sobol_est_group(res, lv, s[0], s[1], s[2], s[3], mname, munits, fA, fB,
						fAB, err);
		k++;
	}
	if (!rc) {
		ty_sobol_est_finish(res, per * (double)N);
		rc = tyche_sobol_write(res, out_format(v[0].hdr, mo), mo->write, mo->write_arg, err);
	}
out:
	tyche_sobol_free(res);
	free_rows(fA, M);
	free_rows(fB, M);
	free_rows(fAB, M);
	free(mname);
	free(munits);
	return rc;
}

/* ------------------------------------------------------------ value of information */

/* The distinct cells of the groups: index of (cell, unit), and where it
 * is first met (group, position). */
struct draw_ix {
	size_t K;
	size_t **at;          /* [group][cell]: its draw */
	size_t *g, *j;        /* [K]: first met */
};

static void draw_ix_free(struct draw_ix *X, size_t ngroups)
{
	for (size_t g = 0; X->at && g < ngroups; g++)
		free(X->at[g]);
	free(X->at);
	free(X->g);
	free(X->j);
}

static int draw_ix_build(struct draw_ix *X, const struct ty_sens_target *T)
{
	size_t total = 0;

	memset(X, 0, sizeof *X);
	for (size_t g = 0; g < T->ngroups; g++)
		total += T->group[g].n;
	X->at = ty_calloc(T->ngroups + 1, sizeof *X->at);
	X->g = ty_calloc(total + 1, sizeof *X->g);
	X->j = ty_calloc(total + 1, sizeof *X->j);
	if (!X->at || !X->g || !X->j)
		return -1;
	for (size_t g = 0; g < T->ngroups; g++) {
		const struct ty_sens_group *G = &T->group[g];

		if (!(X->at[g] = ty_calloc(G->n + 1, sizeof **X->at)))
			return -1;
		for (size_t j = 0; j < G->n; j++) {
			size_t k;

			for (k = 0; k < X->K; k++) {
				const struct ty_sens_group *F = &T->group[X->g[k]];

				if (F->cells[X->j[k]] == G->cells[j] &&
				    F->cell_unit[X->j[k]] == G->cell_unit[j])
					break;
			}
			if (k == X->K) {
				X->g[k] = g;
				X->j[k] = j;
				X->K++;
			}
			X->at[g][j] = k;
		}
	}
	return 0;
}

static cJSON *weights_hash(const struct ty_voi_run *r, size_t ntranches)
{
	crypto_generichash_state h;
	unsigned char sum[32];
	char hex[65];

	if (sodium_init() < 0)
		return NULL;
	crypto_generichash_init(&h, NULL, 0, sizeof sum);
	for (size_t d = 0; d < r->D; d++)
		crypto_generichash_update(&h, (const unsigned char *)r->w[d],
					  ntranches * sizeof(double));
	crypto_generichash_final(&h, sum, sizeof sum);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	return cJSON_CreateString(hex);
}

int tyche_voi_shard(const tyche_context *ctx, const tyche_voi_opts *o, int format,
		    unsigned index, unsigned count, const char *path, tyche_error *err)
{
	struct ty_voi_run run;
	struct ty_shard_w *w = NULL;
	struct draw_ix X;
	double **nb = NULL;
	uint64_t lo, hi;
	size_t len, G;
	cJSON *hdr = NULL, *set, *a;
	int rc = ty_voi_run_init(&run, ctx, o, err);

	if (rc)
		return rc;
	memset(&X, 0, sizeof X);
	G = run.T.ngroups;
	rc = check_split(index, count, run.N, "samples", &lo, &hi, err);
	if (rc)
		goto out;
	len = (size_t)(hi - lo);
	hdr = ty_shard_header("voi", ctx, o->seed, index, count, lo, hi, run.N, "samples");
	if (!hdr || draw_ix_build(&X, &run.T) || !(nb = alloc_rows(run.D, len))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	set = cJSON_GetObjectItemCaseSensitive(hdr, "settings");
	cJSON_AddStringToObject(set, "metric", o->metric);
	cJSON_AddStringToObject(set, "sense", o->minimize ? "min" : "max");
	if (o->budget >= 0)
		cJSON_AddItemToObject(set, "budget", ty_json_num(o->budget));
	else
		cJSON_AddStringToObject(set, "budget", "none");
	cJSON_AddStringToObject(set, "candidates", o->candidates == TYCHE_VOI_CORNERS ? "corners"
				: o->candidates == TYCHE_VOI_FILE ? "file" : "investments");
	a = cJSON_AddArrayToObject(set, "candidate names");
	for (size_t d = 0; d < run.D; d++)
		cJSON_AddItemToArray(a, cJSON_CreateString(run.cname[d]));
	cJSON_AddItemToObject(set, "candidate amounts (hash)", weights_hash(&run, ctx->ntranches));
	cJSON_AddItemToObject(set, "groups", groups_mask(o->levels));
	cJSON_AddStringToObject(set, "design", "mc");
	cJSON_AddStringToObject(set, "units", run.T.units[0]);
	a = cJSON_AddArrayToObject(set, "rows");
	for (size_t g = 0; g < G; g++) {
		const struct ty_sens_group *Gr = &run.T.group[g];
		cJSON *r = group_json(Gr->level, Gr->tech, Gr->scen, Gr->table, Gr->input);
		cJSON *c = cJSON_CreateArray();

		for (size_t j = 0; j < Gr->n; j++)
			cJSON_AddItemToArray(c, cJSON_CreateNumber((double)X.at[g][j]));
		cJSON_AddItemToArray(r, c);
		cJSON_AddItemToArray(a, r);
	}
	cJSON_AddNumberToObject(set, "draws", (double)X.K);
	cJSON_AddNumberToObject(set, "evaluations per sample", run.per_sample);
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(hdr, "output"), "format",
				format == TYCHE_FMT_JSON ? "json" : "csv");
	rc = ty_shard_begin(&w, path, hdr, (uint64_t)(run.D + X.K) * len * sizeof(double), err);
	hdr = NULL;
	if (!rc)
		rc = ty_voi_run_values(&run, lo, hi, nb, err);
	if (!rc)
		rc = put_rows(w, 0, nb, run.D, len, path, err);
	for (size_t k = 0; !rc && k < X.K; k++) {
		rc = ty_budget_check(err, "drawing the inputs of the value of information");
		if (!rc)
			rc = ty_voi_run_draws(&run, X.g[k], X.j[k], lo, hi, nb[0], err);
		if (!rc)
			rc = put_rows(w, run.D + k, nb, 1, len, path, err);
	}
	if (!rc) {
		rc = ty_shard_commit(w, err);
		w = NULL;
	}
out:
	ty_shard_abort(w);
	cJSON_Delete(hdr);
	free_rows(nb, run.D);
	draw_ix_free(&X, G);
	ty_voi_run_release(&run);
	return rc;
}

struct voi_merge {
	const struct ty_shard_in *v;
	size_t n, D;
	size_t **at;          /* [group][cell]: its draw */
};

static int draw_merge(void *arg, size_t g, size_t j, double *x)
{
	const struct voi_merge *V = arg;

	gather(V->v, V->n, V->D + V->at[g][j], x);
	return 0;
}

int ty_shard_merge_voi(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo,
		       tyche_diags *warnings, tyche_error *err)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(v[0].hdr, "settings");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(set, "candidate names");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(set, "rows"), *x;
	struct voi_merge V = { v, n, 0, NULL };
	struct ty_voi_est_in in;
	struct ty_voi_group *grp = NULL;
	const char **cname = NULL;
	double **nb = NULL, K, per;
	size_t N = (size_t)v[0].total, G = 0, k = 0;
	tyche_voi *res = NULL;
	int rc;

	(void)warnings;
	if ((rc = no_summary(&v[0], mo, err)))
		return rc;
	if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) < 2 || !cJSON_IsArray(rows) ||
	    get_count(set, "draws", 0, 1e9, &K) || get_count(set, "evaluations per sample", 0, 1e12, &per) ||
	    !*ty_shard_str(set, "metric", NULL) || N < 10)
		return bad_header(&v[0], err);
	V.D = (size_t)cJSON_GetArraySize(names);
	G = (size_t)cJSON_GetArraySize(rows);
	if ((rc = payload_is(v, n, V.D + (size_t)K, err)))
		return rc;
	cname = ty_calloc(V.D, sizeof *cname);
	grp = ty_calloc(G + 1, sizeof *grp);
	V.at = ty_calloc(G + 1, sizeof *V.at);
	nb = alloc_rows(V.D, N);
	if (!cname || !grp || !V.at || !nb) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", N);
		goto out;
	}
	cJSON_ArrayForEach(x, names) {
		if (!cJSON_IsString(x)) {
			rc = bad_header(&v[0], err);
			goto out;
		}
		cname[k++] = x->valuestring;
	}
	k = 0;
	cJSON_ArrayForEach(x, rows) {
		const cJSON *cells = cJSON_GetArrayItem(x, 5), *c;
		const char *s[4];
		size_t j = 0;

		if (group_read(x, &grp[k].level, s) || !cJSON_IsArray(cells) ||
		    !(V.at[k] = ty_calloc((size_t)cJSON_GetArraySize(cells) + 1, sizeof **V.at))) {
			rc = bad_header(&v[0], err);
			goto out;
		}
		grp[k].tech = s[0];
		grp[k].scen = s[1];
		grp[k].table = s[2];
		grp[k].input = s[3];
		cJSON_ArrayForEach(c, cells) {
			if (!cJSON_IsNumber(c) || !(c->valuedouble >= 0 && c->valuedouble < K)) {
				rc = bad_header(&v[0], err);
				goto out;
			}
			V.at[k][j++] = (size_t)c->valuedouble;
		}
		grp[k].ncells = j;
		k++;
	}
	for (size_t d = 0; d < V.D; d++)
		gather(v, n, d, nb[d]);
	memset(&in, 0, sizeof in);
	in.N = N;
	in.D = V.D;
	in.ngroups = G;
	in.seed = strtoull(ty_shard_str(v[0].hdr, "seed", NULL), NULL, 10);
	in.minimize = !strcmp(ty_shard_str(set, "sense", NULL), "min");
	in.metric = ty_shard_str(set, "metric", NULL);
	in.units = ty_shard_str(set, "units", NULL);
	in.cname = cname;
	in.nb = nb;
	in.group = grp;
	in.draw = draw_merge;
	in.draw_arg = &V;
	in.evals = per * (double)N;
	rc = ty_voi_est(&res, &in, err);
	if (!rc)
		rc = tyche_voi_write(res, out_format(v[0].hdr, mo), mo->write, mo->write_arg, err);
out:
	tyche_voi_free(res);
	free_rows(nb, V.D);
	for (size_t g = 0; V.at && g < G; g++)
		free(V.at[g]);
	free(V.at);
	free(grp);
	free(cname);
	return rc;
}
