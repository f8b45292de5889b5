/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard.c - shard files of an evaluation and their merge (tyche/shard.h).
 *
 * A shard holds the raw values of samples lo .. hi-1 of every scenario;
 * the merge replays them through tyche_evaluate's own writers
 * (ty_eval_create_source), so CSV, JSON and summary statistics come out
 * byte-identical to one process: the same formatter, the same sort of the
 * same doubles, the same warnings.  The shard keeps values, not text, so
 * one set of shards gives any output format.
 *
 * File layout (little-endian, checked on read):
 *   "TYSHARD1"  u64 header length  header JSON  zero pad to 8 bytes
 *   values: for each technology, scenario, results row: hi-lo doubles
 *   BLAKE2b-256 of everything before it
 * Easy to get wrong: the seed is a 64-bit integer, so it travels as a
 * string (JSON numbers are doubles); sample ranges print 1-based as the
 * output numbers samples; a merge must refuse before writing anything,
 * so every file is read and checked first; shards need not come from one
 * split (2/4 and 1/2 may tile a run together), only tile it exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "eval.h"

#define MAGIC "TYSHARD1"
#define SUM_BYTES 32
#define MAX_HEADER ((uint64_t)64 << 20)

int tyche_shard_parse(unsigned *index, unsigned *count, const char *text,
		      tyche_error *err)
{
	char *end;
	unsigned long i, n;

	errno = 0;
	i = text && *text >= '0' && *text <= '9' ? strtoul(text, &end, 10) : 0;
	if (!i || errno || *end != '/' || end[1] < '0' || end[1] > '9')
		goto bad;
	n = strtoul(end + 1, &end, 10);
	if (errno || *end || n < 1 || n > 1000000 || i > n)
		goto bad;
	*index = (unsigned)i;
	*count = (unsigned)n;
	return 0;
bad:
	return ty_error_at(err, TYCHE_EUSAGE, "--shard", 0, 0,
			   "'%s': expected I/N with 1 <= I <= N <= 1000000 (e.g. 2/8)",
			   text ? text : "");
}

void tyche_shard_range(uint64_t *lo, uint64_t *hi, uint64_t samples, unsigned index,
		       unsigned count)
{
	/* samples <= 2^40 and count <= 1e6: the products fit in 64 bits */
	*lo = samples * (uint64_t)(index - 1) / count;
	*hi = samples * (uint64_t)index / count;
}

/* ------------------------------------------------------------ the header */

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

static char *header_text(const tyche_context *ctx, const tyche_eval_opts *o,
			 unsigned index, unsigned count, uint64_t lo, uint64_t hi)
{
	cJSON *h = cJSON_CreateObject(), *st = cJSON_CreateObject(), *a;
	char seed[24];
	char *text;

	if (!h || !st) {
		cJSON_Delete(h);
		cJSON_Delete(st);
		return NULL;
	}
	snprintf(seed, sizeof seed, "%" PRIu64, o->seed);
	cJSON_AddStringToObject(h, "kind", "evaluate");
	cJSON_AddItemToObject(h, "study", st);
	cJSON_AddStringToObject(st, "name", ctx->name ? ctx->name : "");
	cJSON_AddStringToObject(st, "path", ctx->path ? ctx->path : "");
	cJSON_AddStringToObject(st, "hash", ctx->hash);
	cJSON_AddStringToObject(h, "seed", seed);
	cJSON_AddStringToObject(h, "design", tyche_design_name(o->design));
	cJSON_AddNumberToObject(h, "samples", (double)o->samples);
	a = cJSON_AddArrayToObject(h, "shard");
	cJSON_AddItemToArray(a, cJSON_CreateNumber(index));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(count));
	a = cJSON_AddArrayToObject(h, "range");
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)lo));
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)hi));
	cJSON_AddStringToObject(h, "format", o->format == TYCHE_FMT_JSON ? "json" : "csv");
	cJSON_AddBoolToObject(h, "summary", o->summary != 0);
	cJSON_AddStringToObject(h, "byte_order", "little");
	cJSON_AddItemToObject(h, "technologies", layout_json(ctx));
	text = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	return text;
}

/* ------------------------------------------------------------ writing */

struct shard_out {
	int fd;
	uint64_t lo, hi, data_off;
	size_t **rowbase;        /* [tech][scen]: rows before this scenario */
	const tyche_context *ctx;
};

static int put_all(int fd, const void *p, size_t n, off_t off)
{
	const char *c = p;

	while (n) {
		ssize_t w = pwrite(fd, c, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int sink_values(void *arg, size_t tech, size_t scen, uint64_t first, size_t n,
		       const double *vals, size_t stride)
{
	struct shard_out *so = arg;
	uint64_t len = so->hi - so->lo;

	for (size_t r = 0; r < so->ctx->tech[tech].nresults; r++) {
		uint64_t at = so->data_off +
			((so->rowbase[tech][scen] + r) * len + (first - so->lo)) * sizeof(double);

		if (put_all(so->fd, vals + r * stride, n * sizeof(double), (off_t)at))
			return TYCHE_EIO;
	}
	return 0;
}

/* BLAKE2b-256 of the first n bytes of fd. */
static int checksum_fd(int fd, uint64_t n, unsigned char out[SUM_BYTES])
{
	crypto_generichash_state h;
	static const size_t chunk = (size_t)1 << 20;
	unsigned char *buf = malloc(chunk);
	uint64_t at = 0;

	if (!buf || sodium_init() < 0) {
		free(buf);
		return -1;
	}
	crypto_generichash_init(&h, NULL, 0, SUM_BYTES);
	while (at < n) {
		size_t want = n - at < chunk ? (size_t)(n - at) : chunk;
		ssize_t r = pread(fd, buf, want, (off_t)at);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return -1;
		}
		crypto_generichash_update(&h, buf, (size_t)r);
		at += (uint64_t)r;
	}
	crypto_generichash_final(&h, out, SUM_BYTES);
	free(buf);
	return 0;
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

int tyche_evaluate_shard(const tyche_context *ctx, const tyche_eval_opts *opts,
			 unsigned index, unsigned count, const char *path, tyche_error *err)
{
	struct ty_eval *E = NULL;
	struct shard_out so = { .fd = -1, .ctx = ctx };
	size_t rows = 0, plen = strlen(path);
	char *hdr = NULL, *tmp = NULL;
	uint64_t hlen, data_bytes, le;
	unsigned char sum[SUM_BYTES];
	static const char zeros[8] = { 0 };
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
	hdr = header_text(ctx, opts, index, count, so.lo, so.hi);
	tmp = malloc(plen + 32);
	if (!so.rowbase || !hdr || !tmp) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	hlen = strlen(hdr);
	so.data_off = (8 + 8 + hlen + 7) / 8 * 8;
	data_bytes = (uint64_t)rows * (so.hi - so.lo) * sizeof(double);
	/* a fresh name beside the target, created with the umask's mode */
	for (unsigned k = 0; k < 1000; k++) {
		snprintf(tmp, plen + 32, "%s.tmp.%ld.%u", path, (long)getpid(), k);
		so.fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (so.fd >= 0 || errno != EEXIST)
			break;
	}
	if (so.fd < 0) {
		free(tmp);
		tmp = NULL;
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot create the shard file: %s",
				 strerror(errno));
		goto out;
	}
	le = htole64(hlen);
	if (put_all(so.fd, MAGIC, 8, 0) || put_all(so.fd, &le, 8, 8) ||
	    put_all(so.fd, hdr, hlen, 16) ||
	    put_all(so.fd, zeros, so.data_off - 16 - hlen, (off_t)(16 + hlen)) ||
	    ftruncate(so.fd, (off_t)(so.data_off + data_bytes))) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot write the shard file: %s",
				 strerror(errno));
		goto out;
	}
	rc = ty_eval_create(&E, ctx, opts->seed, err);
	if (!rc)
		rc = ty_eval_set_design(E, opts->design, opts->samples, err);
	if (!rc)
		rc = ty_eval_values(E, so.lo, so.hi, opts->threads, sink_values, &so, err);
	if (rc) {
		if (rc == TYCHE_EIO)
			ty_error_at(err, rc, path, 0, 0, "cannot write the shard file: %s",
				    strerror(errno));
		goto out;
	}
	if (checksum_fd(so.fd, so.data_off + data_bytes, sum) ||
	    put_all(so.fd, sum, SUM_BYTES, (off_t)(so.data_off + data_bytes)) ||
	    fsync(so.fd) || close(so.fd)) {
		so.fd = -1;
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot write the shard file: %s",
				 strerror(errno));
		goto out;
	}
	so.fd = -1;
	if (rename(tmp, path)) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot rename the shard file into place: %s",
				 strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (so.fd >= 0)
		close(so.fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(hdr);
	free_bases(so.rowbase, ctx->ntech);
	ty_eval_free(E);
	return rc;
}

/* ------------------------------------------------------------ reading */

struct shard_in {
	const char *path;
	cJSON *hdr;
	uint64_t lo, hi, samples;
	unsigned index, count;
	void *map;
	size_t map_len;
	const double *data;
};

static int shard_err(tyche_error *err, const char *path, const char *what)
{
	return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "%s", what);
}

static int get_u64(const cJSON *h, const char *key, uint64_t *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(h, key);

	if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble > 0x1p53 ||
	    j->valuedouble != (double)(uint64_t)j->valuedouble)
		return -1;
	*v = (uint64_t)j->valuedouble;
	return 0;
}

static int get_pair(const cJSON *h, const char *key, uint64_t *a, uint64_t *b)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(h, key), *x, *y;

	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != 2)
		return -1;
	x = cJSON_GetArrayItem(j, 0);
	y = cJSON_GetArrayItem(j, 1);
	if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || x->valuedouble < 0 ||
	    y->valuedouble < 0 || x->valuedouble > 0x1p53 || y->valuedouble > 0x1p53)
		return -1;
	*a = (uint64_t)x->valuedouble;
	*b = (uint64_t)y->valuedouble;
	return 0;
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

static int open_shard(struct shard_in *S, const char *path, tyche_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char head[16];
	uint64_t hlen, data_off, rows, want;
	unsigned char sum[SUM_BYTES];
	char *text = NULL;
	const cJSON *j;
	int rc = 0;

	memset(S, 0, sizeof *S);
	S->path = path;
	if (fd < 0)
		return ty_error_at(err, TYCHE_ENOENT, path, 0, 0, "cannot open the shard: %s",
				   strerror(errno));
	if (fstat(fd, &sb) || sb.st_size < 16 + SUM_BYTES || pread(fd, head, 16, 0) != 16 ||
	    memcmp(head, MAGIC, 8)) {
		rc = shard_err(err, path, "not a shard file: expected one written by tyche-run evaluate --shard");
		goto out;
	}
	memcpy(&hlen, head + 8, 8);
	hlen = le64toh(hlen);
	if (hlen < 2 || hlen > MAX_HEADER || 16 + hlen + SUM_BYTES > (uint64_t)sb.st_size) {
		rc = shard_err(err, path, "the shard's header length is out of range: the file is damaged");
		goto out;
	}
	if (checksum_fd(fd, (uint64_t)sb.st_size - SUM_BYTES, sum)) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot read the shard: %s", strerror(errno));
		goto out;
	}
	{
		unsigned char stored[SUM_BYTES];

		if (pread(fd, stored, SUM_BYTES, sb.st_size - SUM_BYTES) != SUM_BYTES ||
		    sodium_memcmp(stored, sum, SUM_BYTES)) {
			rc = shard_err(err, path, "the shard's checksum does not match its contents: the file is damaged or incomplete");
			goto out;
		}
	}
	text = malloc(hlen + 1);
	if (!text || pread(fd, text, hlen, 16) != (ssize_t)hlen) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot read the shard's header");
		goto out;
	}
	text[hlen] = '\0';
	S->hdr = cJSON_Parse(text);
	j = cJSON_GetObjectItemCaseSensitive(S->hdr, "kind");
	if (!cJSON_IsString(j) || strcmp(j->valuestring, "evaluate")) {
		rc = shard_err(err, path, "the shard's header is not that of an evaluate shard");
		goto out;
	}
	j = cJSON_GetObjectItemCaseSensitive(S->hdr, "byte_order");
	if (!cJSON_IsString(j) || strcmp(j->valuestring, "little")) {
		rc = shard_err(err, path, "the shard's byte order is not little-endian, as this machine's");
		goto out;
	}
	{
		uint64_t i = 0, n = 0;

		if (get_u64(S->hdr, "samples", &S->samples) || get_pair(S->hdr, "range", &S->lo, &S->hi) ||
		    get_pair(S->hdr, "shard", &i, &n) || !n || !i || i > n || n > 1000000 ||
		    S->lo >= S->hi || S->hi > S->samples || S->samples > (uint64_t)1 << 40) {
			rc = shard_err(err, path, "the shard's header has no valid samples, shard and range");
			goto out;
		}
		S->index = (unsigned)i;
		S->count = (unsigned)n;
	}
	rows = layout_rows(cJSON_GetObjectItemCaseSensitive(S->hdr, "technologies"));
	if (rows == (size_t)-1 ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(S->hdr, "seed")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(S->hdr, "design")) ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(S->hdr, "study"))) {
		rc = shard_err(err, path, "the shard's header lacks its study, seed, design or layout");
		goto out;
	}
	data_off = (16 + hlen + 7) / 8 * 8;
	want = data_off + rows * (S->hi - S->lo) * sizeof(double) + SUM_BYTES;
	if (want != (uint64_t)sb.st_size) {
		rc = shard_err(err, path, "the shard's size does not match its header: the file is damaged");
		goto out;
	}
	S->map_len = (size_t)sb.st_size;
	S->map = mmap(NULL, S->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (S->map == MAP_FAILED) {
		S->map = NULL;
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot map the shard: %s", strerror(errno));
		goto out;
	}
	S->data = (const double *)((const char *)S->map + data_off);
out:
	free(text);
	close(fd);
	return rc;
}

static void close_shard(struct shard_in *S)
{
	if (S->map)
		munmap(S->map, S->map_len);
	cJSON_Delete(S->hdr);
}

static const char *hstr(const cJSON *h, const char *a, const char *b)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(h, a);

	if (b)
		j = cJSON_GetObjectItemCaseSensitive(j, b);
	return cJSON_IsString(j) ? j->valuestring : "";
}

/* Every shard against the first: the same run. */
static int same_run(const struct shard_in *A, const struct shard_in *S, tyche_error *err)
{
	static const struct { const char *key, *sub, *what; } f[] = {
		{ "study", "hash", "study version (hash)" },
		{ "seed", NULL, "seed" },
		{ "design", NULL, "sampling design" },
	};

	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
		const char *a = hstr(A->hdr, f[k].key, f[k].sub), *b = hstr(S->hdr, f[k].key, f[k].sub);

		if (strcmp(a, b))
			return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
					   "its %s is %s but %s's is %s: shards of one run share study, seed, design and samples",
					   f[k].what, b, A->path, a);
	}
	if (A->samples != S->samples)
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "it is a run of %" PRIu64 " samples but %s is of %" PRIu64
				   ": shards of one run share study, seed, design and samples",
				   S->samples, A->path, A->samples);
	if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(A->hdr, "technologies"),
			   cJSON_GetObjectItemCaseSensitive(S->hdr, "technologies"), 1))
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "its technologies, scenarios or results rows differ from %s's",
				   A->path);
	return 0;
}

static int by_range(const void *a, const void *b)
{
	const struct shard_in *x = *(const struct shard_in *const *)a,
		*y = *(const struct shard_in *const *)b;

	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Which shards of the split are missing between two given ones (the
 * names a user needs to rerun them), when both are of one split. */
static void name_gap(char *buf, size_t len, const struct shard_in *P, const struct shard_in *S,
		     unsigned count)
{
	unsigned a = P ? P->index + 1 : 1, b = S ? S->index - 1 : count;

	buf[0] = '\0';
	if ((P && P->count != count) || (S && S->count != count) || a > b)
		return;
	if (a == b)
		snprintf(buf, len, " (shard %u/%u)", a, count);
	else
		snprintf(buf, len, " (shards %u/%u to %u/%u)", a, count, b, count);
}

/* Sorted by range, the shards must tile 0 .. samples exactly. */
static int tiles(struct shard_in **v, size_t n, uint64_t samples, tyche_error *err)
{
	uint64_t at = 0;
	char which[96];

	qsort(v, n, sizeof *v, by_range);
	for (size_t i = 0; i < n; i++) {
		const struct shard_in *S = v[i];

		if (S->lo > at) {
			name_gap(which, sizeof which, i ? v[i - 1] : NULL, S, S->count);
			return ty_error_at(err, TYCHE_EDATA, "", 0, 0,
					   "samples %" PRIu64 "-%" PRIu64 " of %" PRIu64
					   " are missing%s: no shard given covers them",
					   at + 1, S->lo, samples, which);
		}
		if (S->lo < at) {
			const struct shard_in *P = v[i - 1];

			if (P->lo == S->lo && P->hi == S->hi)
				return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
						   "shard %u/%u (samples %" PRIu64 "-%" PRIu64 ") is given twice: also as %s",
						   S->index, S->count, S->lo + 1, S->hi, P->path);
			return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
					   "its samples %" PRIu64 "-%" PRIu64 " (shard %u/%u) overlap samples %"
					   PRIu64 "-%" PRIu64 " of %s (shard %u/%u)",
					   S->lo + 1, S->hi, S->index, S->count, P->lo + 1, P->hi,
					   P->path, P->index, P->count);
		}
		at = S->hi;
	}
	if (at < samples) {
		name_gap(which, sizeof which, v[n - 1], NULL, v[n - 1]->count);
		return ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				   "samples %" PRIu64 "-%" PRIu64 " of %" PRIu64
				   " are missing%s: no shard given covers them",
				   at + 1, samples, samples, which);
	}
	return 0;
}

/* ------------------------------------------------------------ replay */

struct replay {
	struct shard_in **v;     /* sorted by range */
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

		if (R->v[mid]->lo <= first)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t k = lo, done = 0; done < n && k < R->n; k++) {
		const struct shard_in *S = R->v[k];
		uint64_t j = first + done, len = S->hi - S->lo;
		size_t m = (size_t)(S->hi - j < n - done ? S->hi - j : n - done);

		for (size_t r = 0; r < R->ctx->tech[tech].nresults; r++)
			memcpy(out[r] + done,
			       S->data + (R->rowbase[tech][scen] + r) * len + (j - S->lo),
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

static tyche_context *skeleton(const cJSON *hdr)
{
	const cJSON *techs = cJSON_GetObjectItemCaseSensitive(hdr, "technologies"), *t;
	tyche_context *c = ty_calloc(1, sizeof(*c));
	size_t k = 0;

	if (!c)
		return NULL;
	c->path = ty_strdup(hstr(hdr, "study", "path"));
	c->name = ty_strdup(hstr(hdr, "study", "name"));
	snprintf(c->hash, sizeof c->hash, "%s", hstr(hdr, "study", "hash"));
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

int tyche_shards_merge(const char *const *paths, size_t n, const tyche_merge_opts *mo,
		       tyche_diags *warnings, tyche_error *err)
{
	struct shard_in *S = ty_calloc(n ? n : 1, sizeof(*S));
	struct shard_in **v = ty_calloc(n ? n : 1, sizeof(*v));
	struct replay R = { v, n, NULL, NULL };
	tyche_context *ctx = NULL;
	struct ty_eval *E = NULL;
	tyche_eval_opts eo = TYCHE_EVAL_OPTS_INIT;
	size_t rows;
	int rc = 0;

	if (!S || !v) {
		free(S);
		free(v);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	if (!n)
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no shard files given");
	if (!rc && !mo->write)
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no output writer given");
	for (size_t i = 0; !rc && i < n; i++) {
		rc = open_shard(&S[i], paths[i], err);
		v[i] = &S[i];
		if (!rc && i)
			rc = same_run(&S[0], &S[i], err);
	}
	if (!rc)
		rc = tiles(v, n, S[0].samples, err);
	if (!rc && (!(ctx = skeleton(S[0].hdr)) || !(R.rowbase = row_bases(ctx, &rows))))
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (!rc) {
		R.ctx = ctx;
		rc = ty_eval_create_source(&E, ctx, replay_block, &R, err);
	}
	if (!rc) {
		eo.samples = (size_t)S[0].samples;
		eo.threads = mo->threads;
		eo.format = mo->format >= 0 ? mo->format
			: !strcmp(hstr(S[0].hdr, "format", NULL), "json") ? TYCHE_FMT_JSON : TYCHE_FMT_CSV;
		eo.summary = mo->summary >= 0 ? mo->summary
			: cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(S[0].hdr, "summary"));
		eo.write = mo->write;
		eo.write_arg = mo->write_arg;
		rc = ty_eval_run(E, &eo, warnings, err);
	}
	ty_eval_free(E);
	if (ctx)
		free_bases(R.rowbase, ctx->ntech);
	skeleton_free(ctx);
	for (size_t i = 0; i < n; i++)
		close_shard(&S[i]);   /* zeroed or opened: both close */
	free(S);
	free(v);
	return rc;
}
