/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * surface-file.c - the surface cache file format: tyche_surface_write and
 * tyche_surface_read.  Where the files live and what they are called is
 * lib/surface-cache.c's business, not this file's.
 *
 * The file is the surface itself: a 16-byte magic, a version and a byte
 * order mark (u32 each), the context hash (64 bytes), seed, N, C, M and
 * the const-amounts flag (u64 each), the names (length-prefixed, padded to
 * 8 bytes), the metric ranges, per category the mean amounts, amounts and
 * values (doubles), and last a CRC-32 (zlib, stored as a u64) of
 * everything before it.  Loading reads the file once and points the
 * amount and value arrays into that buffer (s->blob): no parsing of
 * numbers, so a CGI request pays only for the read and the checksum.
 *
 * Easy to get wrong:
 *  - Numbers are stored in the machine's byte order; the order mark makes
 *    a file from another byte order a clean "another version" error, not
 *    garbage.  Bump SURF_VERSION on any change of layout (and the cache
 *    file name changes with it, see surface-cache.c).
 *  - Every array must start at a multiple of 8 bytes from the start of the
 *    buffer (the names are padded), or pointing doubles into the blob is
 *    a misaligned access.
 *  - A read surface's amt[c] / val[c] belong to the blob: tyche_surface_free
 *    frees them only when blob is NULL.
 *  - Sizes read from the file are checked before any allocation or
 *    multiplication (a hostile or truncated file must be an error, not a
 *    huge allocation or an overflow), and the whole file must be consumed.
 *  - zlib's crc32 takes a uInt length: feed it in chunks of 1 GiB.
 *  - ty_surface_load(map = 1) maps the file instead (tyche.cgi as CGI:
 *    no copy of a 200 KB file per request).  The surface's arrays are then
 *    read-only pages: nothing may write into a loaded surface, and
 *    tyche_surface_free must munmap, not free, the blob.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "surface.h"

#define SURF_MAGIC "TYCHESURF\n\0\0\0\0\0\0"   /* 16 bytes */
#define SURF_VERSION TY_SURFACE_FILE_VERSION
#define SURF_ENDIAN 0x01020304u

/* CRC-32 of len bytes, in chunks that fit zlib's uInt. */
static uint64_t crc_of(const void *data, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	for (size_t off = 0; off < len; off += 1u << 30)
		crc = crc32(crc, (const Bytef *)data + off,
			    (uInt)(len - off < (1u << 30) ? len - off : (1u << 30)));
	return (uint64_t)crc;
}


static void put(struct ty_buf *b, const void *p, size_t n)
{
	ty_buf_add(b, p, n);
}

static void put_u64(struct ty_buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put_str(struct ty_buf *b, const char *s)
{
	uint64_t n = strlen(s);

	put_u64(b, n);
	put(b, s, n);
	while (b->len % 8)
		ty_buf_addc(b, '\0');
}

static void put_doubles(struct ty_buf *b, const double *v, size_t n)
{
	put(b, v, n * sizeof(double));
}

void ty_surface_serialize(const tyche_surface *s, struct ty_buf *b)
{
	uint32_t u32[2] = { SURF_VERSION, SURF_ENDIAN };
	size_t start = b->len;

	put(b, SURF_MAGIC, 16);
	put(b, u32, 8);
	put(b, s->ctx_hash, 64);
	put_u64(b, s->seed);
	put_u64(b, s->N);
	put_u64(b, s->C);
	put_u64(b, s->M);
	put_u64(b, (uint64_t)s->const_amounts);
	for (size_t m = 0; m < s->M; m++) {
		put_str(b, s->metric[m]);
		put_str(b, s->units[m]);
	}
	for (size_t c = 0; c < s->C; c++) {
		put_str(b, s->cat[c]);
		put_u64(b, s->T[c]);
		for (size_t t = 0; t < s->T[c]; t++)
			put_str(b, s->tname[c][t]);
	}
	put_doubles(b, s->lo, s->M);
	put_doubles(b, s->hi, s->M);
	for (size_t c = 0; c < s->C; c++) {
		put_doubles(b, s->mean_amt[c], s->T[c]);
		put_doubles(b, s->amt[c], s->T[c] * s->N);
		put_doubles(b, s->val[c], s->M * s->T[c] * s->N);
	}
	if (!b->oom)
		put_u64(b, crc_of(b->p + start, b->len - start));
}

int tyche_surface_write(const tyche_surface *s, const char *path, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	ty_surface_serialize(s, &b);
	if (b.oom) {
		ty_buf_release(&b);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	rc = ty_write_atomic(path, b.p, b.len, 0644, 1, err);
	ty_buf_release(&b);
	return rc;
}

struct reader {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

static const void *take(struct reader *r, size_t n)
{
	const void *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t take_u64(struct reader *r)
{
	const void *p = take(r, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

static char *take_str(struct reader *r)
{
	uint64_t n = take_u64(r);
	const char *p;
	char *s;

	if (n > 1u << 20) {
		r->bad = 1;
		return NULL;
	}
	p = take(r, (size_t)n);
	if (!p)
		return NULL;
	s = ty_strndup(p, (size_t)n);
	while (!r->bad && r->off % 8)
		take(r, 1);
	return s;
}

static double *take_doubles(struct reader *r, size_t n)
{
	if (n > (r->len - r->off) / sizeof(double)) {
		r->bad = 1;
		return NULL;
	}
	return (double *)take(r, n * sizeof(double));
}

#define SURF_MAX_BYTES ((size_t)1 << 34)
#ifndef MAP_POPULATE
#define MAP_POPULATE 0     /* not Linux: pages fault in on first use */
#endif

/* The file mapped read-only, its pages populated at once (no copy, no
 * page faults later): 0, or an error as ty_read_file gives. */
static int map_file(const char *path, char **data, size_t *len, tyche_error *err)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return ty_error_at(err, errno == ENOENT ? TYCHE_ENOENT : TYCHE_EIO,
				   path, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > SURF_MAX_BYTES) {
		close(fd);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "not a tyche surface file");
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot map: %s", strerror(errno));
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

static void unload(char *data, size_t len, int map)
{
	if (map)
		munmap(data, len);
	else
		free(data);
}

int tyche_surface_read(tyche_surface **out, const char *path, tyche_error *err)
{
	return ty_surface_load(out, path, 0, err);
}

int ty_surface_load(tyche_surface **out, const char *path, int map, tyche_error *err)
{
	char *data = NULL;
	size_t len = 0;
	struct reader r;
	tyche_surface *s;
	uint32_t u32[2];
	uint64_t stored, N, C, M;
	int rc;

	rc = map ? map_file(path, &data, &len, err)
		 : ty_read_file(path, SURF_MAX_BYTES, &data, &len, err);
	if (rc)
		return rc;
	if (len < 16 + 8 + 64 + 48 + 8 || memcmp(data, SURF_MAGIC, 16)) {
		unload(data, len, map);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "not a tyche surface file");
	}
	memcpy(u32, data + 16, 8);
	if (u32[0] != SURF_VERSION || u32[1] != SURF_ENDIAN) {
		unload(data, len, map);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "surface file of another version or byte order (version %u)", u32[0]);
	}
	memcpy(&stored, data + len - 8, 8);
	if (stored != crc_of(data, len - 8)) {
		unload(data, len, map);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "surface file is corrupt or truncated (checksum mismatch)");
	}
	s = ty_surface_new();
	if (!s) {
		unload(data, len, map);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	s->blob = data;      /* amt and val point into it */
	s->blob_len = len;
	s->blob_mapped = map;
	r.p = (const unsigned char *)data;
	r.len = len - 8;
	r.off = 24;
	r.bad = 0;
	memcpy(s->ctx_hash, take(&r, 64), 64);
	s->ctx_hash[64] = '\0';
	s->seed = take_u64(&r);
	N = take_u64(&r);
	C = take_u64(&r);
	M = take_u64(&r);
	s->const_amounts = (int)take_u64(&r);
	if (N == 0 || N > (1ull << 40) || C > 4096 || M > 4096) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "surface file has impossible sizes");
	}
	s->N = N;
	s->M = M;
	s->C = C;
	s->metric = ty_calloc(M ? M : 1, sizeof(char *));
	s->units = ty_calloc(M ? M : 1, sizeof(char *));
	s->cat = ty_calloc(C ? C : 1, sizeof(char *));
	s->T = ty_calloc(C ? C : 1, sizeof(size_t));
	s->tname = ty_calloc(C ? C : 1, sizeof(char **));
	s->amt = ty_calloc(C ? C : 1, sizeof(double *));
	s->mean_amt = ty_calloc(C ? C : 1, sizeof(double *));
	s->val = ty_calloc(C ? C : 1, sizeof(double *));
	s->lo = ty_calloc(M ? M : 1, sizeof(double));
	s->hi = ty_calloc(M ? M : 1, sizeof(double));
	if (!s->metric || !s->units || !s->cat || !s->T || !s->tname || !s->amt ||
	    !s->mean_amt || !s->val || !s->lo || !s->hi) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	for (size_t m = 0; m < M; m++) {
		s->metric[m] = take_str(&r);
		s->units[m] = take_str(&r);
	}
	for (size_t c = 0; c < C && !r.bad; c++) {
		s->cat[c] = take_str(&r);
		s->T[c] = take_u64(&r);
		if (s->T[c] > 100000) {
			r.bad = 1;
			s->T[c] = 0;
			break;
		}
		s->tname[c] = ty_calloc(s->T[c] ? s->T[c] : 1, sizeof(char *));
		for (size_t t = 0; t < s->T[c]; t++)
			s->tname[c][t] = take_str(&r);
	}
	{
		double *lo = take_doubles(&r, M), *hi = take_doubles(&r, M);

		if (lo && hi) {
			memcpy(s->lo, lo, M * sizeof(double));
			memcpy(s->hi, hi, M * sizeof(double));
		}
	}
	for (size_t c = 0; c < C && !r.bad; c++) {
		double *ma = take_doubles(&r, s->T[c]);

		/* T * N * M must not wrap around (take_doubles bounds the rest) */
		if (s->T[c] && N > SIZE_MAX / sizeof(double) / s->T[c] / (M ? M : 1)) {
			r.bad = 1;
			break;
		}
		s->amt[c] = take_doubles(&r, s->T[c] * N);
		s->val[c] = take_doubles(&r, M * s->T[c] * N);
		if (r.bad)
			break;
		s->mean_amt[c] = malloc((s->T[c] ? s->T[c] : 1) * sizeof(double));
		if (s->mean_amt[c])
			memcpy(s->mean_amt[c], ma, s->T[c] * sizeof(double));
	}
	if (r.bad || r.off != r.len) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "surface file is malformed");
	}
	for (size_t m = 0; m < M; m++)
		if (!s->metric[m] || !s->units[m]) {
			tyche_surface_free(s);
			return ty_error_at(err, TYCHE_EDATA, path, 0, 0, "surface file is malformed");
		}
	for (size_t c = 0; c < C; c++)
		for (size_t t = 0; t <= s->T[c]; t++)
			if (!s->cat[c] || !s->tname[c] || !s->mean_amt[c] ||
			    (t < s->T[c] && !s->tname[c][t])) {
				tyche_surface_free(s);
				return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
						   "surface file is malformed");
			}
	if (ty_surface_index(s)) {
		tyche_surface_free(s);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	*out = s;
	return 0;
}

