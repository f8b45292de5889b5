/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch.h - internals shared by the fetch*.c files (tyche-fetch): the
 * config's view (sources are the config's records, lib/config.c), HTTPS
 * GETs, the release-path rules, and the file helpers the client (fetch.c)
 * and the publisher (fetch-publish.c) both use.
 *
 * Internal functions here return a failure class (enum tyche_fetch_class,
 * 0 = ok) rather than a TYCHE_E* code, because the caller's reaction (and
 * cron's exit code) depends on the class: a timeout is retried and reported
 * as "network", a wrong hash is never retried and is "verification".  They
 * still fill err->code with the matching TYCHE_E* code.
 */
#ifndef TY_FETCH_H
#define TY_FETCH_H

#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <cJSON.h>
#include "internal.h"

#define TY_FETCH_KEY_BYTES 32          /* Ed25519 public key */
#define TY_FETCH_MAX_MANIFEST (4u << 20)
#define TY_FETCH_MAX_FILES 100000u
/* Versions are exact integers end to end: cJSON holds numbers as doubles,
 * which are exact up to 2^53, so versions go from 1 to 2^53-1. */
#define TY_FETCH_MAX_VERSION ((1ull << 53) - 1)
/* A non-200 answer's body (error page, redirect) is read up to this. */
#define TY_FETCH_MAX_ERROR_BODY (64u << 10)
#define TY_FETCH_MAX_PATH 1024u

/* A source is the config's record (tyche/config.h, read by lib/config.c);
 * the fetch files know it by this name. */
#define ty_fetch_source tyche_server_source
_Static_assert(TY_FETCH_KEY_BYTES == TYCHE_SOURCE_KEY_BYTES, "key size");

/* tyche-fetch's view of the server config: the sources and proxy of the
 * one parsed file (owned by server), and where the analysis cache is. */
struct tyche_fetch_config {
	tyche_server_config *server;
	const char *path;
	struct ty_fetch_source *src;
	size_t nsrc;
	const char *proxy;                   /* NULL = none (environment ignored) */
	const char *cache;                   /* analysis cache dir, or NULL */
};

/* A conditional GET's validators and answer. */
struct ty_http_req {
	const struct ty_fetch_source *src;
	const char *proxy;
	const char *etag, *last_modified;   /* sent if not NULL */
	unsigned long long limit;           /* abort past this many bytes */
	long long expect;                   /* exact size expected, -1 = any */
};

struct ty_http_resp {
	long status;                        /* final HTTP status (200 or 304) */
	char *etag, *last_modified;         /* from the answer, malloc'd */
	char *body;                         /* memory GET only, NUL-terminated */
	size_t len;
	unsigned long long bytes;           /* body bytes received */
};

TY_HIDDEN void ty_http_resp_release(struct ty_http_resp *r);
/* GET url into memory (with retries).  304 is a success with status 304. */
TY_HIDDEN int ty_http_get_mem(const char *url, const struct ty_http_req *q,
			      struct ty_http_resp *r, tyche_error *err);
/* GET url into the open file f (with retries; f is truncated per try). */
TY_HIDDEN int ty_http_get_file(const char *url, const struct ty_http_req *q,
			       FILE *f, struct ty_http_resp *r,
			       tyche_error *err);
/* Sleep before retry number n (1-based); tests shorten it with
 * TYCHE_FETCH_BACKOFF_MS. */
TY_HIDDEN void ty_fetch_backoff(int n);

/* Steps 3 and 4 of an update on bytes in memory (for t/fuzz): verify the
 * signature line sig with the one key pk, parse and check the manifest
 * (format, version, expiry syntax, paths, sizes, source).  Returns a
 * class; *version is the manifest's version on success. */
TY_HIDDEN int ty_fetch_manifest_check(const unsigned char *pk, const char *source,
				      const char *body, size_t len, const char *sig,
				      unsigned long long max_bytes, long long *version,
				      tyche_error *err);

/* A manifest path is safe: relative, '/'-separated, no "", "." or ".."
 * segment, no control characters or backslash, bounded length. */
TY_HIDDEN int ty_fetch_path_ok(const char *p);

/* Streaming SHA-256 of a file (hex, 65 bytes); -1 on I/O error. */
TY_HIDDEN int ty_fetch_sha256_file(const char *path, char hex[65],
				   unsigned long long *size);

/* Unpack a .tar.gz bundle into dir (which exists and is empty): regular
 * files and directories only, every path checked, at most max_entries
 * entries and max_bytes bytes in all. */
TY_HIDDEN int ty_fetch_unpack(const char *bundle, const char *dir,
			      size_t max_entries, unsigned long long max_bytes,
			      tyche_error *err);
/* The same for an analyst's upload (study.c): .tar.gz or .zip; the
 * refusals name uploads.max_files / uploads.max_unpacked.  0 or the
 * TYCHE_E* code of err. */
TY_HIDDEN int ty_archive_unpack_upload(const char *archive, const char *dir,
				       size_t max_entries, unsigned long long max_bytes,
				       tyche_error *err);
/* Write a .tar.gz of the listed files (relative to dir) to out. */
TY_HIDDEN int ty_fetch_pack(const char *dir, char **paths, size_t n,
			    const char *out, tyche_error *err);

/* ------------------------------------------------------------ shared by
 * the client (fetch.c, where they are defined) and the publisher
 * (fetch-publish.c). */

#define TY_FETCH_KEYID_HEX 16              /* hex digits of a key id */

struct ty_strv {
	char **v;
	size_t n, cap;
};
TY_HIDDEN int ty_fetch_strv_add(struct ty_strv *s, const char *p);
TY_HIDDEN void ty_fetch_strv_release(struct ty_strv *s);
/* Every regular file under root/rel, as sorted paths relative to root.  A
 * symlink or special file is an error (returns 1 and names it in *bad),
 * unless lenient, when it is skipped; -1 on I/O error. */
TY_HIDDEN int ty_fetch_list_tree(const char *root, const char *rel, struct ty_strv *out,
				 int lenient, char **bad);
/* Write data to path atomically: path.tmp, fsync, rename; -1 on error. */
TY_HIDDEN int ty_fetch_write_atomic(const char *path, const void *data, size_t len,
				    mode_t mode);
/* Strict "YYYY-MM-DDTHH:MM:SSZ" (UTC); Feb 30 and the like are refused. */
TY_HIDDEN int ty_fetch_parse_time(const char *s, time_t *out);
/* The id of a public key: the first 16 hex digits of its SHA-256. */
TY_HIDDEN void ty_fetch_keyid(const unsigned char *pk, char out[TY_FETCH_KEYID_HEX + 1]);
/* Add an integer as its exact decimal text (never through a double). */
TY_HIDDEN cJSON *ty_fetch_add_uint(cJSON *o, const char *k, unsigned long long v);
/* Create the folders of root/rel below root; -1 on error. */
TY_HIDDEN int ty_fetch_mkparents(const char *root, const char *rel);
/* Copy from to to (created, O_EXCL), checking that what was copied has
 * this size and SHA-256 (hex); a class, err filled. */
TY_HIDDEN int ty_fetch_copy_verified(const char *from, const char *to,
				     unsigned long long size, const char *sha,
				     tyche_error *err);

#endif
