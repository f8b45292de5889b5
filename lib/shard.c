/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard.c - the shard file container (shard.h): its header, writing
 * through a temporary file, reading with the checksum verified, and the
 * checks that a set of shards is one run, tiled exactly.
 *
 * Easy to get wrong: a merge must refuse before writing anything, so
 * every file is read and checked first; ranges print 1-based as the
 * output numbers samples; shards need not come from one split (2/4 and
 * 1/2 may tile a run together), only tile it exactly; the checksum
 * covers the header too, so a header edited by hand is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "shard.h"

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

cJSON *ty_shard_header(const char *kind, const tyche_context *ctx, uint64_t seed,
		       unsigned index, unsigned count, uint64_t lo, uint64_t hi,
		       uint64_t total, const char *unit)
{
	cJSON *h = cJSON_CreateObject(), *st, *a;
	char sd[24];

	if (!h)
		return NULL;
	snprintf(sd, sizeof sd, "%" PRIu64, seed);
	cJSON_AddStringToObject(h, "kind", kind);
	st = cJSON_AddObjectToObject(h, "study");
	cJSON_AddStringToObject(st, "name", ctx->name ? ctx->name : "");
	cJSON_AddStringToObject(st, "path", ctx->path ? ctx->path : "");
	cJSON_AddStringToObject(st, "hash", ctx->hash);
	cJSON_AddStringToObject(h, "seed", sd);
	a = cJSON_AddArrayToObject(h, "shard");
	cJSON_AddItemToArray(a, cJSON_CreateNumber(index));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(count));
	a = cJSON_AddArrayToObject(h, "range");
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)lo));
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)hi));
	cJSON_AddNumberToObject(h, "total", (double)total);
	cJSON_AddStringToObject(h, "unit", unit);
	cJSON_AddStringToObject(h, "byte_order", "little");
	cJSON_AddObjectToObject(h, "settings");
	cJSON_AddObjectToObject(h, "output");
	if (!cJSON_GetObjectItemCaseSensitive(h, "output")) {
		cJSON_Delete(h);
		return NULL;
	}
	return h;
}

const char *ty_shard_str(const cJSON *h, const char *a, const char *b)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(h, a);

	if (b)
		j = cJSON_GetObjectItemCaseSensitive(j, b);
	return cJSON_IsString(j) ? j->valuestring : "";
}

/* ------------------------------------------------------------ writing */

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

struct ty_shard_w {
	int fd;
	char *path, *tmp;
	uint64_t data_off, payload_bytes;
};

void ty_shard_abort(struct ty_shard_w *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	free(w);
}

int ty_shard_begin(struct ty_shard_w **out, const char *path, cJSON *hdr,
		   uint64_t payload_bytes, tyche_error *err)
{
	struct ty_shard_w *w = ty_calloc(1, sizeof(*w));
	char *text = hdr ? cJSON_PrintUnformatted(hdr) : NULL;
	size_t plen = strlen(path);
	static const char zeros[8] = { 0 };
	uint64_t hlen, le;
	int rc = 0;

	cJSON_Delete(hdr);
	*out = NULL;
	if (!w || !text || !(w->path = ty_strdup(path)) || !(w->tmp = malloc(plen + 32))) {
		free(text);
		if (w)
			w->fd = -1;
		ty_shard_abort(w);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	/* a fresh name beside the target, created with the umask's mode */
	w->fd = -1;
	for (unsigned k = 0; k < 1000; k++) {
		snprintf(w->tmp, plen + 32, "%s.tmp.%ld.%u", path, (long)getpid(), k);
		w->fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (w->fd >= 0 || errno != EEXIST)
			break;
	}
	if (w->fd < 0) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot create the shard file: %s",
				 strerror(errno));
		free(w->tmp);
		w->tmp = NULL;
		goto out;
	}
	hlen = strlen(text);
	w->data_off = (16 + hlen + 7) / 8 * 8;
	w->payload_bytes = payload_bytes;
	le = htole64(hlen);
	if (put_all(w->fd, MAGIC, 8, 0) || put_all(w->fd, &le, 8, 8) ||
	    put_all(w->fd, text, hlen, 16) ||
	    put_all(w->fd, zeros, w->data_off - 16 - hlen, (off_t)(16 + hlen)) ||
	    ftruncate(w->fd, (off_t)(w->data_off + payload_bytes)))
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot write the shard file: %s",
				 strerror(errno));
out:
	free(text);
	if (rc) {
		ty_shard_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

int ty_shard_put(struct ty_shard_w *w, uint64_t off, const void *p, size_t n)
{
	if (off + n > w->payload_bytes)
		return TYCHE_EINTERNAL;
	return put_all(w->fd, p, n, (off_t)(w->data_off + off)) ? TYCHE_EIO : 0;
}

int ty_shard_commit(struct ty_shard_w *w, tyche_error *err)
{
	unsigned char sum[SUM_BYTES];
	uint64_t end = w->data_off + w->payload_bytes;
	int fd = w->fd;

	w->fd = -1;
	if (checksum_fd(fd, end, sum) || put_all(fd, sum, SUM_BYTES, (off_t)end) || fsync(fd) ||
	    close(fd) || rename(w->tmp, w->path)) {
		int rc = ty_error_at(err, TYCHE_EIO, w->path, 0, 0, "cannot write the shard file: %s",
				     strerror(errno));

		ty_shard_abort(w);
		return rc;
	}
	free(w->tmp);
	w->tmp = NULL;
	ty_shard_abort(w);
	return 0;
}

/* ------------------------------------------------------------ reading */

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

static int open_shard(struct ty_shard_in *S, const char *path, tyche_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char head[16];
	uint64_t hlen, data_off, i = 0, n = 0;
	unsigned char sum[SUM_BYTES], stored[SUM_BYTES];
	char *text = NULL;
	int rc = 0;

	memset(S, 0, sizeof *S);
	S->path = path;
	if (fd < 0)
		return ty_error_at(err, TYCHE_ENOENT, path, 0, 0, "cannot open the shard: %s",
				   strerror(errno));
	if (fstat(fd, &sb) || sb.st_size < 16 + SUM_BYTES || pread(fd, head, 16, 0) != 16 ||
	    memcmp(head, MAGIC, 8)) {
		rc = shard_err(err, path, "not a shard file: expected one written by tyche-run ... --shard I/N");
		goto out;
	}
	memcpy(&hlen, head + 8, 8);
	hlen = le64toh(hlen);
	if (hlen < 2 || hlen > MAX_HEADER || 16 + hlen + SUM_BYTES > (uint64_t)sb.st_size) {
		rc = shard_err(err, path, "the shard's header length is out of range: the file is damaged");
		goto out;
	}
	if (checksum_fd(fd, (uint64_t)sb.st_size - SUM_BYTES, sum) ||
	    pread(fd, stored, SUM_BYTES, sb.st_size - SUM_BYTES) != SUM_BYTES) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot read the shard: %s", strerror(errno));
		goto out;
	}
	if (sodium_memcmp(stored, sum, SUM_BYTES)) {
		rc = shard_err(err, path, "the shard's checksum does not match its contents: the file is damaged or incomplete");
		goto out;
	}
	text = malloc(hlen + 1);
	if (!text || pread(fd, text, hlen, 16) != (ssize_t)hlen) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot read the shard's header");
		goto out;
	}
	text[hlen] = '\0';
	S->hdr = cJSON_Parse(text);
	S->kind = ty_shard_str(S->hdr, "kind", NULL);
	if (!*S->kind || strcmp(ty_shard_str(S->hdr, "byte_order", NULL), "little")) {
		rc = shard_err(err, path, "the shard's header has no kind, or a byte order other than this machine's (little-endian)");
		goto out;
	}
	if (get_u64(S->hdr, "total", &S->total) || get_pair(S->hdr, "range", &S->lo, &S->hi) ||
	    get_pair(S->hdr, "shard", &i, &n) || !n || !i || i > n || n > 1000000 ||
	    S->lo >= S->hi || S->hi > S->total || S->total > (uint64_t)1 << 40 ||
	    !*ty_shard_str(S->hdr, "seed", NULL) || !*ty_shard_str(S->hdr, "study", "hash") ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(S->hdr, "settings"))) {
		rc = shard_err(err, path, "the shard's header lacks its study, seed, shard, range or settings");
		goto out;
	}
	S->index = (unsigned)i;
	S->count = (unsigned)n;
	data_off = (16 + hlen + 7) / 8 * 8;
	if (data_off + SUM_BYTES > (uint64_t)sb.st_size) {
		rc = shard_err(err, path, "the shard is shorter than its header says: the file is damaged");
		goto out;
	}
	S->payload_bytes = (uint64_t)sb.st_size - SUM_BYTES - data_off;
	S->map_len = (size_t)sb.st_size;
	S->map = mmap(NULL, S->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (S->map == MAP_FAILED) {
		S->map = NULL;
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot map the shard: %s", strerror(errno));
		goto out;
	}
	S->payload = (const char *)S->map + data_off;
out:
	free(text);
	close(fd);
	return rc;
}

/* Every shard against the first: the same run. */
static int same_run(const struct ty_shard_in *A, const struct ty_shard_in *S, tyche_error *err)
{
	const cJSON *sa = cJSON_GetObjectItemCaseSensitive(A->hdr, "settings");
	const cJSON *ss = cJSON_GetObjectItemCaseSensitive(S->hdr, "settings"), *x;

	if (strcmp(A->kind, S->kind))
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "it is a shard of %s but %s is of %s", S->kind, A->path, A->kind);
	if (strcmp(ty_shard_str(A->hdr, "study", "hash"), ty_shard_str(S->hdr, "study", "hash")))
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "its study version (hash) is %s but %s's is %s: shards of one run share study, seed and settings",
				   ty_shard_str(S->hdr, "study", "hash"), A->path,
				   ty_shard_str(A->hdr, "study", "hash"));
	if (strcmp(ty_shard_str(A->hdr, "seed", NULL), ty_shard_str(S->hdr, "seed", NULL)))
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "its seed is %s but %s's is %s: shards of one run share study, seed and settings",
				   ty_shard_str(S->hdr, "seed", NULL), A->path,
				   ty_shard_str(A->hdr, "seed", NULL));
	if (A->total != S->total)
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "it is a run of %" PRIu64 " %s but %s is of %" PRIu64
				   ": shards of one run share study, seed and settings",
				   S->total, ty_shard_str(S->hdr, "unit", NULL), A->path, A->total);
	cJSON_ArrayForEach(x, sa) {
		const cJSON *y = cJSON_GetObjectItemCaseSensitive(ss, x->string);

		if (!y || !cJSON_Compare(x, y, 1)) {
			/* strings as they are, anything else as JSON */
			char *a = cJSON_IsString(x) ? ty_strdup(x->valuestring) : cJSON_PrintUnformatted(x);
			char *b = !y ? NULL : cJSON_IsString(y) ? ty_strdup(y->valuestring)
				: cJSON_PrintUnformatted(y);
			int rc;

			if (a && strlen(a) > 80)
				memcpy(a + 60, "...", 4);
			if (b && strlen(b) > 80)
				memcpy(b + 60, "...", 4);
			rc = ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
					 "its %s is %s but %s's is %s: shards of one run share study, seed and settings",
					 x->string, b ? b : "missing", A->path, a ? a : "?");
			free(a);
			free(b);
			return rc;
		}
	}
	if (cJSON_GetArraySize(sa) != cJSON_GetArraySize(ss))
		return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
				   "its settings have keys that %s's lack", A->path);
	return 0;
}

static int by_range(const void *a, const void *b)
{
	const struct ty_shard_in *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Which shards of the split are missing between two given ones (the
 * names a user needs to rerun them), when both are of one split. */
static void name_gap(char *buf, size_t len, const struct ty_shard_in *P, const struct ty_shard_in *S,
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
static int tiles(struct ty_shard_in *v, size_t n, uint64_t samples, tyche_error *err)
{
	uint64_t at = 0;
	char which[96];
	/* what the ranges count: samples, or a sweep's points */
	const char *unit = n && *ty_shard_str(v[0].hdr, "unit", NULL)
		? ty_shard_str(v[0].hdr, "unit", NULL) : "samples";

	qsort(v, n, sizeof *v, by_range);
	for (size_t i = 0; i < n; i++) {
		const struct ty_shard_in *S = &v[i];

		if (S->lo > at) {
			name_gap(which, sizeof which, i ? &v[i - 1] : NULL, S, S->count);
			return ty_error_at(err, TYCHE_EDATA, "", 0, 0,
					   "%s %" PRIu64 "-%" PRIu64 " of %" PRIu64
					   " are missing%s: no shard given covers them",
					   unit, at + 1, S->lo, samples, which);
		}
		if (S->lo < at) {
			const struct ty_shard_in *P = &v[i - 1];

			if (P->lo == S->lo && P->hi == S->hi)
				return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
						   "shard %u/%u (%s %" PRIu64 "-%" PRIu64 ") is given twice: also as %s",
						   S->index, S->count, unit, S->lo + 1, S->hi, P->path);
			return ty_error_at(err, TYCHE_EDATA, S->path, 0, 0,
					   "its %s %" PRIu64 "-%" PRIu64 " (shard %u/%u) overlap %s %"
					   PRIu64 "-%" PRIu64 " of %s (shard %u/%u)",
					   unit, S->lo + 1, S->hi, S->index, S->count, unit, P->lo + 1,
					   P->hi, P->path, P->index, P->count);
		}
		at = S->hi;
	}
	if (at < samples) {
		name_gap(which, sizeof which, &v[n - 1], NULL, v[n - 1].count);
		return ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				   "%s %" PRIu64 "-%" PRIu64 " of %" PRIu64
				   " are missing%s: no shard given covers them",
				   unit, at + 1, samples, samples, which);
	}
	return 0;
}

int ty_shards_open(struct ty_shard_in **out, const char *const *paths, size_t n,
		   tyche_error *err)
{
	struct ty_shard_in *S = ty_calloc(n ? n : 1, sizeof(*S));
	int rc = 0;

	*out = S;
	if (!S)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (!n)
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no shard files given");
	for (size_t i = 0; !rc && i < n; i++) {
		rc = open_shard(&S[i], paths[i], err);
		if (!rc && i)
			rc = same_run(&S[0], &S[i], err);
	}
	if (!rc)
		rc = tiles(S, n, S[0].total, err);   /* sorts S by range */
	return rc;
}

void ty_shards_close(struct ty_shard_in *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		if (v[i].map)
			munmap(v[i].map, v[i].map_len);
		cJSON_Delete(v[i].hdr);
	}
	free(v);
}
