/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch.c - tyche-fetch's client side: signed manifests verified, files
 * downloaded and checked, the quality gate (every context of the release
 * loads: lib/catalog.c), the atomic switch of DEST/current, state.json,
 * rollback and trust-key, and the analysis cache entries of the contexts
 * a switch changed dropped.  The publisher side (keygen, sign, sign-file)
 * is fetch-publish.c; the config is read by lib/config.c.  The protocol is
 * described in doc/fetch-protocol.md.
 *
 * Layout of a source's DEST:
 *   versions/<N>/     complete, verified release trees
 *   current           symlink "versions/<N>", switched with rename(2)
 *   previous          symlink to the version current pointed to before
 *   state.json        highest accepted version, its manifest hash, expiry,
 *                     signing key id, the ETag / Last-Modified for the
 *                     conditional GET, and a pending trust-key reset
 *   .lock             flock(2)ed by the running update
 *   versions/.tmp-*   staging trees; a killed run leaves them, the next
 *                     run (holding the lock) deletes them
 *
 * What a newcomer gets wrong:
 *  - rollback protection compares with the highest version ever accepted
 *    (state.json), not with what current points to: after an admin's
 *    --rollback the bad version must not come back on the next cron run,
 *    and an attacker must not be able to replay it either;
 *  - state.json is written only after a release is installed (or found
 *    unchanged), so a failed verification is not hidden by a later 304;
 *  - nothing under DEST is trusted because it is ours: files reused from
 *    the current version are hashed again before they are copied;
 *  - cJSON numbers are doubles: versions are limited to 1..2^53-1, the raw
 *    manifest text must write every number as plain digits ("1e3" would
 *    parse as 1000), and integers are written with ty_fetch_add_uint, never
 *    cJSON_AddNumberToObject ("%1.15g" prints 9.00719925474099e+15);
 *  - the only way below the highest accepted version is an explicit
 *    trust-key --reset-version, and it applies only to releases signed by
 *    the key it names (the fast-forwarding key must be gone from keys:);
 *  - the contexts of the installed version are listed and hashed before
 *    the switch (which may delete that tree); a context with the same name,
 *    kind and hash in the new version keeps its cache files, any other
 *    (changed, gone, hash unknown) loses them.  The cache names files by
 *    the context's base name, so two contexts of one base name in
 *    different folders share the fate of either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <sodium.h>

#include "fetch.h"

#define MAX_SIG_BYTES 4096

/* ------------------------------------------------------------ helpers */

int ty_fetch_strv_add(struct ty_strv *s, const char *p)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		char **v = ty_realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = ty_strdup(p)))
		return -1;
	s->n++;
	return 0;
}

void ty_fetch_strv_release(struct ty_strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under root/rel, as paths relative to root.  A symlink
 * or special file is an error (returns 1 and names it in *bad), unless
 * lenient, when it is skipped. */
int ty_fetch_list_tree(const char *root, const char *rel, struct ty_strv *out,
		     int lenient, char **bad)
{
	char *dir = *rel ? ty_asprintf("%s/%s", root, rel) : ty_strdup(root);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (!dir)
		return -1;
	d = opendir(dir);
	if (!d) {
		free(dir);
		return -1;
	}
	while (!rc && (de = readdir(d))) {
		char *r, *full;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = *rel ? ty_asprintf("%s/%s", rel, de->d_name) : ty_strdup(de->d_name);
		full = r ? ty_asprintf("%s/%s", root, r) : NULL;
		if (!full || lstat(full, &st)) {
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = ty_fetch_list_tree(root, r, out, lenient, bad);
		} else if (S_ISREG(st.st_mode)) {
			rc = ty_fetch_strv_add(out, r);
		} else if (!lenient) {
			*bad = r;
			r = NULL;
			rc = 1;
		}
		free(r);
		free(full);
	}
	closedir(d);
	free(dir);
	if (!*rel && !rc)
		if (out->n > 1)
			qsort(out->v, out->n, sizeof(char *), cmp_str);
	return rc;
}

/* rm -rf without following symlinks. */
static int remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *c;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		c = ty_asprintf("%s/%s", path, de->d_name);
		if (!c || remove_tree(c))
			rc = -1;
		free(c);
	}
	closedir(d);
	if (rmdir(path))
		rc = -1;
	return rc;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write data to path atomically: path.tmp, fsync, rename. */
int ty_fetch_write_atomic(const char *path, const void *data, size_t len,
			mode_t mode)
{
	char *tmp = ty_asprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, rc = -1;

	if (!tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd >= 0) {
		if (write(fd, data, len) == (ssize_t)len && !fsync(fd) && !close(fd)) {
			fd = -1;
			rc = rename(tmp, path);
		}
		if (fd >= 0)
			close(fd);
		if (rc)
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* Strict "YYYY-MM-DDTHH:MM:SSZ" (UTC); Feb 30 and the like are refused. */
int ty_fetch_parse_time(const char *s, time_t *out)
{
	struct tm tm, back;
	int y, mo, d, h, mi, se, n = 0;
	time_t t;

	if (!s || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    n != 20 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 59 || h < 0 || mi < 0 || se < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (!gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	*out = t;
	return 0;
}

void ty_fetch_keyid(const unsigned char *pk, char out[TY_FETCH_KEYID_HEX + 1])
{
	unsigned char md[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(md, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(out, TY_FETCH_KEYID_HEX + 1, md, TY_FETCH_KEYID_HEX / 2);
}

/* Add an integer as its exact decimal text: cJSON_AddNumberToObject goes
 * through a double and "%1.15g", which may print 9.00719925474099e+15. */
cJSON *ty_fetch_add_uint(cJSON *o, const char *k, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	return cJSON_AddRawToObject(o, k, buf);
}

static void sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(md, p, n);
	sodium_bin2hex(hex, 65, md, sizeof(md));
}

/* ------------------------------------------------------------ manifest */

struct mfile {
	char *path;
	unsigned long long size;
	char sha[65];
	int reuse;           /* same bytes already in the current version */
};

struct manifest {
	char *source;
	long long version;
	time_t expires;
	char expires_s[32];
	struct mfile *files;
	size_t nfiles;
	int has_bundle;
	struct mfile bundle;
};

static void manifest_release(struct manifest *m)
{
	size_t i;

	free(m->source);
	for (i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	free(m->bundle.path);
	memset(m, 0, sizeof(*m));
}

static int cmp_mfile(const void *a, const void *b)
{
	return strcmp(((const struct mfile *)a)->path, ((const struct mfile *)b)->path);
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == 0;
}

static int json_uint(const cJSON *o, const char *k, unsigned long long max,
		     unsigned long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= 0) || d > (double)max || d != (double)(unsigned long long)d)
		return -1;
	*out = (unsigned long long)d;
	return 0;
}

/*
 * cJSON keeps numbers as doubles: "1e3", "1000.0" and "01000" all become
 * 1000, and 2^53 + 1 becomes 2^53.  Every number in a manifest is a count
 * (format, version, size), so the raw text is checked first: each number
 * token outside strings must be plain decimal digits without a leading
 * zero.  Returns 0, or fills err naming the key the number belongs to.
 * This only looks at tokens; cJSON still does the parsing.
 */
static int numbers_plain(const char *t, size_t len, const char *url,
			 tyche_error *err)
{
	const char *key = NULL, *p = t, *e = t + len;
	size_t klen = 0;

	while (p < e) {
		if (*p == '"') {
			const char *q = ++p;

			while (p < e && *p != '"')
				p += *p == '\\' ? 2 : 1;
			if (p >= e)
				return 0;          /* cJSON reports it */
			klen = (size_t)(p - q);
			key = q;
			p++;
			while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
				p++;
			if (p < e && *p != ':')
				key = NULL;        /* a value, not a key */
			continue;
		}
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			const char *q = p;
			int digits = 1;

			while (p < e && strchr("0123456789+-.eE", *p) && *p)
				p++;
			for (const char *c = q; c < p; c++)
				digits &= *c >= '0' && *c <= '9';
			if (!digits || (*q == '0' && p - q > 1) || p - q > 20)
				return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
						   "manifest: '%.*s' is %.*s; expected an integer written as plain decimal digits",
						   key ? (int)(klen > 40 ? 40 : klen) : 5,
						   key ? key : "(a number)",
						   (int)(p - q > 40 ? 40 : p - q), q);
			continue;
		}
		p++;
	}
	return 0;
}

static int parse_mfile(const cJSON *o, unsigned long long max, struct mfile *f,
		       const char *what, const char *url, tyche_error *err)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "sha256");

	if (!cJSON_IsObject(o) || !cJSON_IsString(p) || !cJSON_IsString(h) ||
	    json_uint(o, "size", 1ull << 53, &f->size) || !is_hex64(h->valuestring))
		return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
				   "manifest: %s needs path, size and a lowercase hex sha256",
				   what),
		       TYCHE_FETCH_VERIFY;
	if (f->size > max)
		return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
				   "manifest: '%s' is %llu bytes, more than max_bytes %llu",
				   p->valuestring, f->size, max),
		       TYCHE_FETCH_VERIFY;
	if (!ty_fetch_path_ok(p->valuestring))
		return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
				   "manifest: unsafe path '%s' (absolute, '..', empty part or control character)",
				   p->valuestring),
		       TYCHE_FETCH_VERIFY;
	if (!(f->path = ty_strdup(p->valuestring)))
		return ty_error_at(err, TYCHE_ENOMEM, url, 0, 0, "out of memory"),
		       TYCHE_FETCH_INSTALL;
	memcpy(f->sha, h->valuestring, 65);
	return 0;
}

static int manifest_parse(const char *text, size_t len, const char *url,
			  unsigned long long max_bytes, struct manifest *m,
			  tyche_error *err)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	const cJSON *src, *exp, *files, *b, *it;
	unsigned long long fmt = 0, ver = 0, total = 0;
	int cls = TYCHE_FETCH_VERIFY;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (j && numbers_plain(text, len, url, err))
		goto out;
	if (!j || !cJSON_IsObject(j)) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0, "manifest: not a JSON object");
		goto out;
	}
	src = cJSON_GetObjectItemCaseSensitive(j, "source");
	exp = cJSON_GetObjectItemCaseSensitive(j, "expires");
	files = cJSON_GetObjectItemCaseSensitive(j, "files");
	b = cJSON_GetObjectItemCaseSensitive(j, "bundle");
	if (json_uint(j, "format", 100, &fmt) || fmt != 1) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0, "manifest: 'format' must be 1");
		goto out;
	}
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "version")) &&
	    json_uint(j, "version", TY_FETCH_MAX_VERSION, &ver)) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0,
			    "manifest: 'version' %.17g is out of range: versions go from 1 to %llu (2^53-1, the largest integer a JSON number holds exactly)",
			    cJSON_GetObjectItemCaseSensitive(j, "version")->valuedouble,
			    TY_FETCH_MAX_VERSION);
		goto out;
	}
	if (!cJSON_IsString(src) || json_uint(j, "version", TY_FETCH_MAX_VERSION, &ver) || ver < 1 ||
	    !cJSON_IsString(exp) || !cJSON_IsArray(files)) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0,
			    "manifest: expected source (string), version (positive integer), expires (string) and files (list)");
		goto out;
	}
	if (ty_fetch_parse_time(exp->valuestring, &m->expires)) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0,
			    "manifest: expires '%s' is not YYYY-MM-DDTHH:MM:SSZ",
			    exp->valuestring);
		goto out;
	}
	snprintf(m->expires_s, sizeof(m->expires_s), "%s", exp->valuestring);
	m->version = (long long)ver;
	if (!(m->source = ty_strdup(src->valuestring)))
		goto oom;
	m->nfiles = (size_t)cJSON_GetArraySize(files);
	if (m->nfiles > TY_FETCH_MAX_FILES) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0, "manifest: more than %u files",
			    TY_FETCH_MAX_FILES);
		goto out;
	}
	m->files = ty_calloc(m->nfiles ? m->nfiles : 1, sizeof(*m->files));
	if (!m->files)
		goto oom;
	i = 0;
	cJSON_ArrayForEach(it, files) {
		if ((cls = parse_mfile(it, max_bytes, &m->files[i], "a file", url, err)))
			goto out;
		total += m->files[i].size;
		i++;
	}
	cls = TYCHE_FETCH_VERIFY;
	if (total > max_bytes) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0,
			    "manifest: the files add up to %llu bytes, more than max_bytes %llu",
			    total, max_bytes);
		goto out;
	}
	qsort(m->files, m->nfiles, sizeof(*m->files), cmp_mfile);
	for (i = 0; i < m->nfiles; i++) {
		char pre[TY_FETCH_MAX_PATH + 1];
		const char *p = m->files[i].path, *c;

		if (i > 0 && !strcmp(p, m->files[i - 1].path)) {
			ty_error_at(err, TYCHE_EDATA, url, 0, 0, "manifest: '%s' listed twice", p);
			goto out;
		}
		/* "a/b" as a file and "a/b/c" cannot both exist. */
		for (c = strchr(p, '/'); c; c = strchr(c + 1, '/')) {
			struct mfile key;

			memcpy(pre, p, (size_t)(c - p));
			pre[c - p] = 0;
			key.path = pre;
			if (bsearch(&key, m->files, m->nfiles, sizeof(*m->files), cmp_mfile)) {
				ty_error_at(err, TYCHE_EDATA, url, 0, 0,
					    "manifest: '%s' is both a file and a directory", pre);
				goto out;
			}
		}
	}
	if (b && !cJSON_IsNull(b)) {
		if ((cls = parse_mfile(b, max_bytes, &m->bundle, "the bundle", url, err)))
			goto out;
		m->has_bundle = 1;
	}
	cls = 0;
	goto out;
oom:
	ty_error_at(err, TYCHE_ENOMEM, url, 0, 0, "out of memory");
	cls = TYCHE_FETCH_INSTALL;
out:
	cJSON_Delete(j);
	if (cls)
		manifest_release(m);
	return cls;
}

/* The .sig file is one line: "<ty_fetch_keyid> <base64 signature>". */
static int verify_sig(const struct ty_fetch_source *s, const char *body,
		      size_t len, const char *sig, const char *url,
		      char signer[TY_FETCH_KEYID_HEX + 1], tyche_error *err)
{
	char id[TY_FETCH_KEYID_HEX + 1], want[TY_FETCH_KEYID_HEX + 1];
	unsigned char raw[crypto_sign_BYTES];
	const char *sp = strchr(sig, ' ');
	size_t rawlen = 0, k;

	if (!sp || sp - sig != TY_FETCH_KEYID_HEX ||
	    sodium_base642bin(raw, sizeof(raw), sp + 1, strlen(sp + 1), "\r\n", &rawlen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    rawlen != sizeof(raw))
		return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
				   "malformed signature file: expected '<key id> <base64 Ed25519 signature>'"),
		       TYCHE_FETCH_VERIFY;
	memcpy(want, sig, TY_FETCH_KEYID_HEX);
	want[TY_FETCH_KEYID_HEX] = 0;
	for (k = 0; k < s->nkeys; k++) {
		ty_fetch_keyid(s->keys[k], id);
		if (strcmp(id, want))
			continue;
		if (crypto_sign_verify_detached(raw, (const unsigned char *)body, len,
						s->keys[k]))
			return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
					   "bad signature: manifest.json does not verify with trusted key %s",
					   id),
			       TYCHE_FETCH_VERIFY;
		memcpy(signer, id, sizeof(id));
		return 0;
	}
	return ty_error_at(err, TYCHE_EDATA, url, 0, 0,
			   "manifest signed by unknown key %s (not in the source's keys)",
			   want),
	       TYCHE_FETCH_VERIFY;
}

int ty_fetch_manifest_check(const unsigned char *pk, const char *source,
			    const char *body, size_t len, const char *sig,
			    unsigned long long max_bytes, long long *version,
			    tyche_error *err)
{
	unsigned char keys[1][TY_FETCH_KEY_BYTES];
	struct ty_fetch_source s;
	struct manifest m;
	char signer[TY_FETCH_KEYID_HEX + 1];
	int cls;

	memset(&s, 0, sizeof(s));
	memcpy(keys[0], pk, TY_FETCH_KEY_BYTES);
	s.keys = keys;
	s.nkeys = 1;
	if ((cls = verify_sig(&s, body, len, sig, "manifest.json", signer, err)))
		return cls;
	if ((cls = manifest_parse(body, len, "manifest.json", max_bytes, &m, err)))
		return cls;
	if (strcmp(m.source, source))
		cls = (ty_error_at(err, TYCHE_EDATA, "manifest.json", 0, 0,
				  "manifest is for source '%s', not '%s'", m.source, source),
		       TYCHE_FETCH_VERIFY);
	*version = m.version;
	manifest_release(&m);
	return cls;
}

/* ------------------------------------------------------------ state */

struct state {
	long long version;        /* highest accepted; 0 = none */
	char manifest_sha[65];
	char signer[TY_FETCH_KEYID_HEX + 1];     /* key id that signed it, or "" */
	char reset_key[TY_FETCH_KEYID_HEX + 1];  /* trust-key --reset-version pending */
	long long reset_from;     /* the version that reset set aside */
	time_t expires;
	char expires_s[32];
	char *etag, *last_modified;
	char *url;                /* the manifest URL the validators are for */
};

static void state_release(struct state *st)
{
	free(st->etag);
	free(st->last_modified);
	free(st->url);
	memset(st, 0, sizeof(*st));
}

static void state_read(const char *dest, struct state *st)
{
	char *path = ty_asprintf("%s/state.json", dest), *text = NULL;
	size_t len;
	cJSON *j = NULL;
	const cJSON *v;
	unsigned long long ver;

	memset(st, 0, sizeof(*st));
	if (!path || ty_read_file(path, 65536, &text, &len, NULL))
		goto out;
	j = cJSON_ParseWithLength(text, len);
	if (!j)
		goto out;
	if (!json_uint(j, "version", TY_FETCH_MAX_VERSION, &ver))
		st->version = (long long)ver;
	if (!json_uint(j, "reset_from", TY_FETCH_MAX_VERSION, &ver))
		st->reset_from = (long long)ver;
	v = cJSON_GetObjectItemCaseSensitive(j, "key");
	if (cJSON_IsString(v) && strlen(v->valuestring) == TY_FETCH_KEYID_HEX)
		memcpy(st->signer, v->valuestring, TY_FETCH_KEYID_HEX + 1);
	v = cJSON_GetObjectItemCaseSensitive(j, "reset_key");
	if (cJSON_IsString(v) && strlen(v->valuestring) == TY_FETCH_KEYID_HEX)
		memcpy(st->reset_key, v->valuestring, TY_FETCH_KEYID_HEX + 1);
	v = cJSON_GetObjectItemCaseSensitive(j, "manifest_sha256");
	if (cJSON_IsString(v) && is_hex64(v->valuestring))
		memcpy(st->manifest_sha, v->valuestring, 65);
	v = cJSON_GetObjectItemCaseSensitive(j, "expires");
	if (cJSON_IsString(v) && !ty_fetch_parse_time(v->valuestring, &st->expires))
		snprintf(st->expires_s, sizeof(st->expires_s), "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "etag");
	if (cJSON_IsString(v))
		st->etag = ty_strdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "last_modified");
	if (cJSON_IsString(v))
		st->last_modified = ty_strdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "url");
	if (cJSON_IsString(v))
		st->url = ty_strdup(v->valuestring);
out:
	cJSON_Delete(j);
	free(text);
	free(path);
}

static int state_write(const char *dest, const struct state *st,
		       const char *expires_s)
{
	cJSON *j = cJSON_CreateObject();
	char *path = ty_asprintf("%s/state.json", dest), *text = NULL;
	int rc = -1;

	if (!j || !path)
		goto out;
	ty_fetch_add_uint(j, "version", (unsigned long long)st->version);
	cJSON_AddStringToObject(j, "manifest_sha256", st->manifest_sha);
	cJSON_AddStringToObject(j, "expires", expires_s);
	if (st->signer[0])
		cJSON_AddStringToObject(j, "key", st->signer);
	if (st->reset_key[0]) {
		cJSON_AddStringToObject(j, "reset_key", st->reset_key);
		ty_fetch_add_uint(j, "reset_from", (unsigned long long)st->reset_from);
	}
	if (st->etag)
		cJSON_AddStringToObject(j, "etag", st->etag);
	if (st->last_modified)
		cJSON_AddStringToObject(j, "last_modified", st->last_modified);
	if (st->url)
		cJSON_AddStringToObject(j, "url", st->url);
	text = cJSON_Print(j);
	if (text)
		rc = ty_fetch_write_atomic(path, text, strlen(text), 0644);
out:
	cJSON_free(text);
	cJSON_Delete(j);
	free(path);
	return rc;
}

/* The version a DEST/<link> symlink points to ("versions/<N>"), or 0. */
static long long link_version(const char *dest, const char *name)
{
	char buf[256], *path = ty_asprintf("%s/%s", dest, name), *end;
	ssize_t n = path ? readlink(path, buf, sizeof(buf) - 1) : -1;
	long long v;

	free(path);
	if (n <= 9)
		return 0;
	buf[n] = 0;
	if (strncmp(buf, "versions/", 9))
		return 0;
	errno = 0;
	v = strtoll(buf + 9, &end, 10);
	return errno || *end || v < 1 ? 0 : v;
}

/* Point DEST/<name> at versions/<v> (v == 0: remove it), atomically. */
static int set_link(const char *dest, const char *name, long long v)
{
	char *link = ty_asprintf("%s/%s", dest, name);
	char *tmp = ty_asprintf("%s/.%s.tmp.%ld", dest, name, (long)getpid());
	char *target = ty_asprintf("versions/%lld", v);
	int rc = -1;

	if (link && tmp && target) {
		if (!v) {
			rc = unlink(link) && errno != ENOENT ? -1 : 0;
		} else {
			unlink(tmp);
			rc = symlink(target, tmp) || rename(tmp, link) ? -1 : 0;
			if (rc)
				unlink(tmp);
		}
	}
	free(link);
	free(tmp);
	free(target);
	return rc;
}

/* ------------------------------------------------------------ the update */

/* Test hook: TYCHE_FETCH_TEST_KILL=<point> kills the process with SIGKILL
 * at that point of an install ("staged", "renamed", "switched"), so the
 * tests can show that no kill leaves current at a partial tree. */
static void kill_point(const char *point)
{
	const char *e = getenv("TYCHE_FETCH_TEST_KILL");

	if (e && !strcmp(e, point))
		raise(SIGKILL);
}

struct run {
	const tyche_fetch_config *cfg;
	const struct ty_fetch_source *s;
	tyche_fetch_result *res;
	tyche_error *err;
	int lockfd;
	char *versions;      /* DEST/versions */
	char *staging;       /* DEST/versions/.tmp-<N>-<pid> */
	char *bundle_tmp;
};

static int ioerr(struct run *r, const char *where, const char *what)
{
	ty_error_at(r->err, TYCHE_EIO, where, 0, 0, "%s: %s", what, strerror(errno));
	return TYCHE_FETCH_INSTALL;
}

static int take_lock(struct run *r)
{
	char *path = ty_asprintf("%s/.lock", r->s->dest);
	char pid[32];
	int n;

	if (!path)
		return ioerr(r, r->s->dest, "out of memory");
	r->lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (r->lockfd < 0) {
		ioerr(r, path, "cannot open the lock file");
		free(path);
		return TYCHE_FETCH_INSTALL;
	}
	if (flock(r->lockfd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		n = (int)pread(r->lockfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		if (e == EWOULDBLOCK)
			ty_error_at(r->err, TYCHE_EIO, path, 0, 0,
				    "another tyche-fetch run (pid %s) holds the lock; try later",
				    *pid ? pid : "?");
		else
			ty_error_at(r->err, TYCHE_EIO, path, 0, 0, "cannot lock: %s", strerror(e));
		free(path);
		close(r->lockfd);
		r->lockfd = -1;
		return e == EWOULDBLOCK ? TYCHE_FETCH_LOCKED : TYCHE_FETCH_INSTALL;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(r->lockfd, 0) == 0 && pwrite(r->lockfd, pid, (size_t)n, 0) != n) {
		/* the pid is only for the message of a second run */
	}
	free(path);
	return 0;
}

/* Delete what a killed run left: staging trees, temporary links and
 * versions that neither current nor previous points to. */
static void clean_leftovers(struct run *r)
{
	long long cur = link_version(r->s->dest, "current");
	long long prev = link_version(r->s->dest, "previous");
	DIR *d = opendir(r->versions);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			char *p, *end;
			long long v;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			v = strtoll(de->d_name, &end, 10);
			if (!*end && (v == cur || v == prev))
				continue;
			p = ty_asprintf("%s/%s", r->versions, de->d_name);
			if (p)
				remove_tree(p);
			free(p);
		}
		closedir(d);
	}
	d = opendir(r->s->dest);
	if (d) {
		while ((de = readdir(d))) {
			if (!strncmp(de->d_name, ".current.tmp", 12) ||
			    !strncmp(de->d_name, ".previous.tmp", 13) ||
			    !strncmp(de->d_name, "state.json.tmp", 14)) {
				char *p = ty_asprintf("%s/%s", r->s->dest, de->d_name);

				if (p)
					unlink(p);
				free(p);
			}
		}
		closedir(d);
	}
}

static char *file_url(const struct ty_fetch_source *s, long long version,
		      const char *path)
{
	struct ty_buf b = TY_BUF_INIT;
	const char *seg = path, *c;

	ty_buf_addf(&b, "%sv%lld/", s->url, version);
	for (c = path;; c++) {
		if (*c == '/' || !*c) {
			char *e = curl_easy_escape(NULL, seg, (int)(c - seg));

			if (!e) {
				ty_buf_release(&b);
				return NULL;
			}
			ty_buf_adds(&b, e);
			curl_free(e);
			if (!*c)
				break;
			ty_buf_addc(&b, '/');
			seg = c + 1;
		}
	}
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	return ty_buf_detach(&b);
}

/* Mark files whose bytes the current version already has. */
static void plan(struct run *r, struct manifest *m, size_t *removed)
{
	char *cur = ty_asprintf("%s/current", r->s->dest);
	struct ty_strv old = { 0 };
	char *bad = NULL;
	size_t i;

	*removed = 0;
	if (!cur)
		return;
	for (i = 0; i < m->nfiles; i++) {
		char *p = ty_asprintf("%s/%s", cur, m->files[i].path);
		struct stat st;
		char hex[65];
		unsigned long long size;

		if (p && !lstat(p, &st) && S_ISREG(st.st_mode) &&
		    (unsigned long long)st.st_size == m->files[i].size &&
		    !ty_fetch_sha256_file(p, hex, &size) && size == m->files[i].size &&
		    !strcmp(hex, m->files[i].sha))
			m->files[i].reuse = 1;
		free(p);
	}
	if (!ty_fetch_list_tree(cur, "", &old, 1, &bad))
		for (i = 0; i < old.n; i++) {
			struct mfile key;

			key.path = old.v[i];
			if (!bsearch(&key, m->files, m->nfiles, sizeof(*m->files), cmp_mfile))
				(*removed)++;
		}
	free(bad);
	ty_fetch_strv_release(&old);
	free(cur);
}

int ty_fetch_mkparents(const char *root, const char *rel)
{
	char *p = ty_asprintf("%s/%s", root, rel), *c;
	size_t base = strlen(root) + 1;
	int rc = 0;

	if (!p)
		return -1;
	for (c = p + base; (c = strchr(c, '/')); c++) {
		*c = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			rc = -1;
		*c = '/';
		if (rc)
			break;
	}
	free(p);
	return rc;
}

static int copy_ioerr(tyche_error *err, const char *where, const char *what)
{
	ty_error_at(err, TYCHE_EIO, where, 0, 0, "%s: %s", what, strerror(errno));
	return TYCHE_FETCH_INSTALL;
}

/* Copy a file verified a moment ago, verifying again what was copied. */
int ty_fetch_copy_verified(const char *from, const char *to, unsigned long long size,
			   const char *sha, tyche_error *err)
{
	crypto_hash_sha256_state h;
	unsigned char buf[65536], md[crypto_hash_sha256_BYTES];
	char hex[65];
	unsigned long long total = 0;
	int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, cls = 0;
	ssize_t n;

	if (in < 0)
		return copy_ioerr(err, from, "cannot read");
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return copy_ioerr(err, to, "cannot create");
	}
	crypto_hash_sha256_init(&h);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		total += (unsigned long long)n;
		if (write(out, buf, (size_t)n) != n) {
			cls = copy_ioerr(err, to, "cannot write");
			break;
		}
	}
	if (!cls && n < 0)
		cls = copy_ioerr(err, from, "cannot read");
	if (!cls && fsync(out))
		cls = copy_ioerr(err, to, "cannot write");
	close(in);
	if (close(out) && !cls)
		cls = copy_ioerr(err, to, "cannot write");
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	if (!cls && (total != size || strcmp(hex, sha)))
		cls = (ty_error_at(err, TYCHE_EDATA, from, 0, 0,
				  "changed while being copied"), TYCHE_FETCH_INSTALL);
	return cls;
}

/* GET one file into path and check its size and SHA-256. */
static int download(struct run *r, const char *url, const char *path,
		    const struct mfile *f)
{
	struct ty_http_req q = { r->s, r->cfg->proxy, NULL, NULL, 0, 0 };
	struct ty_http_resp resp = { 0 };
	char hex[65];
	unsigned long long size;
	FILE *fp;
	int fd, cls;

	q.limit = r->s->max_bytes;
	q.expect = (long long)f->size;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return ioerr(r, path, "cannot create");
	fp = fdopen(fd, "w+");
	if (!fp) {
		close(fd);
		return ioerr(r, path, "cannot create");
	}
	snprintf(r->res->url, sizeof(r->res->url), "%s", url);
	cls = ty_http_get_file(url, &q, fp, &resp, r->err);
	if (!cls && fsync(fileno(fp)))
		cls = ioerr(r, path, "cannot write");
	if (fclose(fp) && !cls)
		cls = ioerr(r, path, "cannot write");
	r->res->bytes += resp.bytes;
	ty_http_resp_release(&resp);
	if (cls)
		return cls;
	if (ty_fetch_sha256_file(path, hex, &size))
		return ioerr(r, path, "cannot read back");
	if (size != f->size)
		return ty_error_at(r->err, TYCHE_EDATA, url, 0, 0,
				   "size mismatch: got %llu bytes, the manifest states %llu",
				   size, f->size),
		       TYCHE_FETCH_VERIFY;
	if (strcmp(hex, f->sha))
		return ty_error_at(r->err, TYCHE_EDATA, url, 0, 0,
				   "sha256 mismatch: got %s, the manifest states %s", hex,
				   f->sha),
		       TYCHE_FETCH_VERIFY;
	return 0;
}

/* After unpacking a bundle: the tree holds exactly the manifest's files. */
static int check_tree(struct run *r, const char *root, const struct manifest *m,
		      const char *url)
{
	struct ty_strv got = { 0 };
	char *bad = NULL;
	size_t i;
	int cls = 0, lr = ty_fetch_list_tree(root, "", &got, 0, &bad);

	if (lr) {
		if (lr > 0)
			cls = (ty_error_at(r->err, TYCHE_EDATA, url, 0, 0,
					  "'%s' is not a regular file", bad),
			TYCHE_FETCH_VERIFY);
		else
			cls = ioerr(r, root, "cannot list");
		goto out;
	}
	for (i = 0; i < got.n || i < m->nfiles; i++) {
		char hex[65], *p;
		unsigned long long size;

		if (i >= got.n || i >= m->nfiles || strcmp(got.v[i], m->files[i].path)) {
			const char *miss = i < m->nfiles &&
				(i >= got.n || strcmp(got.v[i], m->files[i].path) > 0)
				? m->files[i].path : NULL;

			if (miss)
				cls = ty_error_at(r->err, TYCHE_EDATA, url, 0, 0,
						  "'%s' is listed in the manifest but missing from the bundle",
						  miss);
			else
				cls = ty_error_at(r->err, TYCHE_EDATA, url, 0, 0,
						  "'%s' is in the bundle but not in the manifest",
						  got.v[i]);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		p = ty_asprintf("%s/%s", root, got.v[i]);
		if (!p || ty_fetch_sha256_file(p, hex, &size)) {
			free(p);
			cls = ioerr(r, root, "cannot read back");
			goto out;
		}
		free(p);
		if (size != m->files[i].size || strcmp(hex, m->files[i].sha)) {
			cls = (ty_error_at(r->err, TYCHE_EDATA, url, 0, 0,
					  "'%s' in the bundle does not match the manifest (size or sha256)",
					  got.v[i]),
			TYCHE_FETCH_VERIFY);
			goto out;
		}
	}
out:
	free(bad);
	ty_fetch_strv_release(&got);
	return cls;
}

static int build_staging(struct run *r, struct manifest *m)
{
	size_t i;
	int cls;

	r->staging = ty_asprintf("%s/.tmp-%lld-%ld", r->versions, m->version,
				 (long)getpid());
	if (!r->staging)
		return ioerr(r, r->versions, "out of memory");
	if (mkdir(r->staging, 0755))
		return ioerr(r, r->staging, "cannot create the staging directory");
	if (m->has_bundle) {
		char *url = file_url(r->s, m->version, m->bundle.path);

		r->bundle_tmp = ty_asprintf("%s/.tmp-%lld-%ld.tar.gz", r->versions,
					    m->version, (long)getpid());
		if (!url || !r->bundle_tmp) {
			free(url);
			return ioerr(r, r->versions, "out of memory");
		}
		cls = download(r, url, r->bundle_tmp, &m->bundle);
		if (!cls)
			cls = ty_fetch_unpack(r->bundle_tmp, r->staging, 2 * m->nfiles + 64,
					      r->s->max_bytes, r->err);
		if (!cls)
			cls = check_tree(r, r->staging, m, url);
		if (cls && !r->res->url[0])
			snprintf(r->res->url, sizeof(r->res->url), "%s", url);
		free(url);
		unlink(r->bundle_tmp);
		r->res->files_changed = m->nfiles;
		return cls;
	}
	for (i = 0; i < m->nfiles; i++) {
		const struct mfile *f = &m->files[i];
		char *to = ty_asprintf("%s/%s", r->staging, f->path), *from = NULL, *url;

		if (!to || ty_fetch_mkparents(r->staging, f->path)) {
			free(to);
			return ioerr(r, r->staging, "cannot create a directory");
		}
		if (f->reuse) {
			from = ty_asprintf("%s/current/%s", r->s->dest, f->path);
			cls = from ? ty_fetch_copy_verified(from, to, f->size, f->sha, r->err)
				   : TYCHE_FETCH_INSTALL;
			r->res->files_kept++;
		} else {
			url = file_url(r->s, m->version, f->path);
			cls = url ? download(r, url, to, f) : TYCHE_FETCH_INSTALL;
			free(url);
			r->res->files_changed++;
		}
		free(from);
		free(to);
		if (cls)
			return cls;
	}
	return 0;
}

/* The load options for the contexts of a release tree: its models/
 * folder, when it has one, is the model path. */
static char *release_models(const char *root, tyche_load_opts *lo)
{
	char *models = ty_asprintf("%s/models", root);
	struct stat st;

	if (models && !stat(models, &st) && S_ISDIR(st.st_mode))
		lo->model_path = models;
	return models;
}

/* The quality gate: every decision context of the release must load (the
 * catalog's recursive walk).  On success *cat is the release's catalog,
 * with each context's hash, for invalidate_changed. */
static int gate(struct run *r, const char *root, tyche_diags *diags, tyche_catalog **cat)
{
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_error lerr = { 0 };
	char *models = release_models(root, &lo);
	size_t nbad;

	*cat = NULL;
	if (!models)
		return ioerr(r, root, "out of memory");
	if (tyche_catalog_list(cat, root, TYCHE_CATALOG_RECURSIVE, &lerr)) {
		free(models);
		errno = lerr.code == TYCHE_ENOMEM ? ENOMEM : EIO;
		return ioerr(r, root, "cannot list the release");
	}
	r->res->contexts = (*cat)->n;
	nbad = tyche_catalog_load(*cat, &lo, diags);
	free(models);
	if (!nbad)
		return 0;
	tyche_catalog_free(*cat);
	*cat = NULL;
	ty_error_at(r->err, TYCHE_EDATA, r->res->url, 0, 0,
		    "quality gate: %zu of %zu decision contexts in the release failed to load; release refused, current kept",
		    nbad, r->res->contexts);
	return TYCHE_FETCH_GATE;
}

/* The contexts of the installed version v (0: none) with their hashes,
 * or NULL when there is none or it cannot be listed. */
static tyche_catalog *version_catalog(struct run *r, long long v)
{
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_catalog *cat = NULL;
	char *root = v ? ty_asprintf("%s/%lld", r->versions, v) : NULL;
	char *models = root ? release_models(root, &lo) : NULL;

	if (models && !tyche_catalog_list(&cat, root, TYCHE_CATALOG_RECURSIVE, NULL))
		tyche_catalog_hash(cat, &lo);
	free(models);
	free(root);
	return cat;
}

/* Analysis caches depend on the data: drop the cached files of the
 * contexts that changed or went away from release `from` to release `to`
 * (same name and kind, same hash: kept).  from_known 0: what was
 * installed cannot be listed, so every context's files go.  The cache is
 * the config's, else the default one (tyche_cache_invalidate). */
static void invalidate_changed(const tyche_fetch_config *c, const tyche_catalog *from,
			       int from_known, const tyche_catalog *to)
{
	tyche_error e = { 0 };

	if (!from_known) {
		tyche_cache_invalidate(c->cache, NULL, &e);
		return;
	}
	for (size_t i = 0; from && i < from->n; i++) {
		const tyche_catalog_entry *o = &from->v[i];
		const tyche_catalog_entry *n = tyche_catalog_find(to, o->name, o->kind);

		if (n && o->hash[0] && !strcmp(o->hash, n->hash))
			continue;
		tyche_cache_invalidate(c->cache, o->path, &e);
	}
}

static const struct ty_fetch_source *find_source(const tyche_fetch_config *c,
						 const char *name)
{
	size_t i;

	for (i = 0; c && name && i < c->nsrc; i++)
		if (!strcmp(c->src[i].name, name))
			return &c->src[i];
	return NULL;
}

static int finish(struct run *r, int cls)
{
	if (r->staging) {
		remove_tree(r->staging);
		free(r->staging);
	}
	if (r->bundle_tmp) {
		unlink(r->bundle_tmp);
		free(r->bundle_tmp);
	}
	free(r->versions);
	if (r->lockfd >= 0)
		close(r->lockfd);
	r->res->cls = cls;
	return cls ? (r->err->code ? r->err->code : TYCHE_EIO) : 0;
}

static int update(struct run *r, const tyche_fetch_opts *o, tyche_diags *diags)
{
	const struct ty_fetch_source *s = r->s;
	struct ty_http_req q = { s, r->cfg->proxy, NULL, NULL, TY_FETCH_MAX_MANIFEST, -1 };
	struct ty_http_resp mr = { 0 }, sr = { 0 };
	struct manifest m = { 0 };
	struct state st;
	char *murl = ty_asprintf("%smanifest.json", s->url);
	char *surl = ty_asprintf("%smanifest.json.sig", s->url);
	char msha[65], signer[TY_FETCH_KEYID_HEX + 1] = "", *vdir = NULL;
	tyche_catalog *ncat = NULL, *ocat = NULL;
	long long cur, prev, oldprev;
	int reset = 0;
	size_t removed = 0;
	int cls = 0;
	time_t now = time(NULL);

	state_read(s->dest, &st);
	cur = link_version(s->dest, "current");
	r->res->from_version = cur;
	r->res->to_version = cur;
	if (!murl || !surl) {
		cls = ioerr(r, s->dest, "out of memory");
		goto out;
	}
	/* Validators are only good for the URL they came from: after the
	 * admin points a source elsewhere, an old Last-Modified would make
	 * the new server answer 304 and hide its releases. */
	if (cur && st.version && st.url && !strcmp(st.url, murl) && !st.reset_key[0]) {
		q.etag = st.etag;
		q.last_modified = st.last_modified;
	}
	snprintf(r->res->url, sizeof(r->res->url), "%s", murl);
	if ((cls = ty_http_get_mem(murl, &q, &mr, r->err)))
		goto out;
	if (mr.status == 304) {
		if (st.expires && st.expires <= now) {
			cls = (ty_error_at(r->err, TYCHE_EDATA, murl, 0, 0,
					  "the installed manifest expired and the server offers nothing newer (frozen source?)"),
			TYCHE_FETCH_VERIFY);
		}
		goto out;
	}
	q.etag = q.last_modified = NULL;
	q.limit = MAX_SIG_BYTES;
	snprintf(r->res->url, sizeof(r->res->url), "%s", surl);
	if ((cls = ty_http_get_mem(surl, &q, &sr, r->err)))
		goto out;
	snprintf(r->res->url, sizeof(r->res->url), "%s", murl);
	if ((cls = verify_sig(s, mr.body, mr.len, sr.body, murl, signer, r->err)))
		goto out;
	/* trust-key --reset-version: the first release signed by that key
	 * is accepted whatever its version, and sets the floor anew */
	reset = st.reset_key[0] && !strcmp(st.reset_key, signer);
	if ((cls = manifest_parse(mr.body, mr.len, murl, s->max_bytes, &m, r->err)))
		goto out;
	sha256_hex(mr.body, mr.len, msha);
	r->res->to_version = m.version;
	cls = TYCHE_FETCH_VERIFY;
	if (strcmp(m.source, s->name)) {
		ty_error_at(r->err, TYCHE_EDATA, murl, 0, 0,
			    "manifest is for source '%s', not '%s'", m.source, s->name);
		goto out;
	}
	if (m.expires <= now) {
		ty_error_at(r->err, TYCHE_EDATA, murl, 0, 0,
			    "manifest expired at %s (version %lld); refusing a frozen release",
			    m.expires_s, m.version);
		goto out;
	}
	if (!reset) {
		long long high = st.version > cur ? st.version : cur;

		if (m.version < high) {
			ty_error_at(r->err, TYCHE_EDATA, murl, 0, 0,
				    "rollback refused: offered version %lld is older than version %lld already accepted (after retiring the key that signed it: tyche-fetch trust-key --source %s --key NEW.pub --reset-version)",
				    m.version, high, s->name);
			goto out;
		}
		if (m.version == high && cur) {
			if (st.version == m.version && strcmp(st.manifest_sha, msha)) {
				ty_error_at(r->err, TYCHE_EDATA, murl, 0, 0,
					    "version %lld was re-released with a different manifest; versions must strictly increase",
					    m.version);
				goto out;
			}
			if (st.version == m.version) {
				/* unchanged; remember the new validators */
				cls = 0;
				r->res->to_version = cur;
				if (!o->dry_run && (mr.etag || mr.last_modified)) {
					free(st.etag);
					free(st.last_modified);
					st.etag = mr.etag;
					st.last_modified = mr.last_modified;
					mr.etag = mr.last_modified = NULL;
					st.expires = m.expires;
					free(st.url);
					st.url = ty_strdup(murl);
					state_write(s->dest, &st, m.expires_s);
				}
				goto out;
			}
		}
	}
	cls = 0;
	plan(r, &m, &removed);
	r->res->files_removed = removed;
	if (o->dry_run) {
		size_t i;

		r->res->changed = 1;
		if (m.has_bundle) {
			r->res->files_changed = m.nfiles;
			r->res->bytes = m.bundle.size;
		}
		for (i = 0; !m.has_bundle && i < m.nfiles; i++)
			if (m.files[i].reuse) {
				r->res->files_kept++;
			} else {
				r->res->files_changed++;
				r->res->bytes += m.files[i].size;
			}
		goto out;
	}
	if ((cls = build_staging(r, &m)))
		goto out;
	snprintf(r->res->url, sizeof(r->res->url), "%s", murl);
	if ((cls = gate(r, r->staging, diags, &ncat)))
		goto out;
	/* what is installed now, before the switch may remove it: the cache
	 * of a context the release leaves alone stays */
	ocat = version_catalog(r, cur);
	if (fsync_path(r->staging)) {
		cls = ioerr(r, r->staging, "cannot sync");
		goto out;
	}
	kill_point("staged");
	vdir = ty_asprintf("%s/%lld", r->versions, m.version);
	if (!vdir) {
		cls = ioerr(r, r->versions, "out of memory");
		goto out;
	}
	prev = cur;
	oldprev = link_version(s->dest, "previous");
	/* after a reset, what was accepted before (signed by the retired
	 * key) is not kept as previous: --rollback must not bring it back;
	 * clean_leftovers deletes it */
	if (reset)
		prev = 0;
	if (cur == m.version) {
		/* A run was killed after switching current but before writing
		 * state.json: the new tree is live; replace it through a
		 * detour via previous, so current never points at a partial
		 * tree. */
		if (!reset)
			prev = oldprev;
		if (set_link(s->dest, "current", oldprev)) {
			cls = ioerr(r, s->dest, "cannot switch current");
			goto out;
		}
	}
	if (remove_tree(vdir) || rename(r->staging, vdir)) {
		cls = ioerr(r, vdir, "cannot move the release into place");
		goto out;
	}
	free(r->staging);
	r->staging = NULL;
	kill_point("renamed");
	/* previous first: killed between the two, both name the old tree */
	if (fsync_path(r->versions) ||
	    ((prev || reset) && set_link(s->dest, "previous", prev)) ||
	    set_link(s->dest, "current", m.version) || fsync_path(s->dest)) {
		cls = ioerr(r, s->dest, "cannot switch current");
		goto out;
	}
	kill_point("switched");
	free(st.etag);
	free(st.last_modified);
	st.etag = mr.etag;
	st.last_modified = mr.last_modified;
	mr.etag = mr.last_modified = NULL;
	free(st.url);
	st.url = ty_strdup(murl);
	st.version = m.version;
	st.expires = m.expires;
	memcpy(st.manifest_sha, msha, sizeof(msha));
	memcpy(st.signer, signer, sizeof(signer));
	st.reset_key[0] = 0;
	st.reset_from = 0;
	if (state_write(s->dest, &st, m.expires_s) || fsync_path(s->dest)) {
		cls = ioerr(r, s->dest, "cannot write state.json");
		goto out;
	}
	clean_leftovers(r);
	invalidate_changed(r->cfg, ocat, !cur || ocat, ncat);
	r->res->changed = 1;
	r->res->to_version = m.version;
	r->res->url[0] = 0;
out:
	if (!cls)
		r->res->url[0] = 0;
	tyche_catalog_free(ncat);
	tyche_catalog_free(ocat);
	free(vdir);
	free(murl);
	free(surl);
	manifest_release(&m);
	ty_http_resp_release(&mr);
	ty_http_resp_release(&sr);
	state_release(&st);
	return cls;
}

static int run_init(struct run *r, const tyche_fetch_config *c,
		    const char *source, tyche_fetch_result *res, tyche_error *err)
{
	static int curl_ready;

	memset(res, 0, sizeof(*res));
	memset(r, 0, sizeof(*r));
	r->cfg = c;
	r->res = res;
	r->err = err;
	r->lockfd = -1;
	if (sodium_init() < 0)
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "libsodium failed to initialise"),
		       TYCHE_FETCH_INSTALL;
	r->s = find_source(c, source);
	if (!r->s)
		return ty_error_at(err, TYCHE_EUSAGE, c ? c->path : "", 0, 0,
				   "unknown source '%s'", source ? source : "(null)"),
		       TYCHE_FETCH_CONFIG;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "libcurl failed to initialise"),
			       TYCHE_FETCH_NETWORK;
		curl_ready = 1;
	}
	r->versions = ty_asprintf("%s/versions", r->s->dest);
	if (!r->versions)
		return ioerr(r, r->s->dest, "out of memory");
	return 0;
}

int tyche_fetch_update(const tyche_fetch_config *c, const char *source,
		       const tyche_fetch_opts *opts, tyche_fetch_result *res,
		       tyche_diags *diags, tyche_error *err)
{
	static const tyche_fetch_opts defaults = TYCHE_FETCH_OPTS_INIT;
	struct run r;
	int cls = run_init(&r, c, source, res, err);

	if (!opts)
		opts = &defaults;
	if (!cls && !opts->dry_run) {
		if ((mkdir(r.s->dest, 0755) && errno != EEXIST) ||
		    (mkdir(r.versions, 0755) && errno != EEXIST))
			cls = ioerr(&r, r.s->dest, "cannot create the destination");
		else if (!(cls = take_lock(&r)))
			clean_leftovers(&r);
	}
	if (!cls)
		cls = update(&r, opts, diags);
	else if (r.s)
		snprintf(res->url, sizeof(res->url), "%s", r.s->url);
	return finish(&r, cls);
}

int tyche_fetch_rollback(const tyche_fetch_config *c, const char *source,
			 tyche_fetch_result *res, tyche_error *err)
{
	struct run r;
	int cls = run_init(&r, c, source, res, err);
	long long cur, prev;

	if (!cls && access(r.s->dest, F_OK)) {
		ty_error_at(err, TYCHE_EIO, r.s->dest, 0, 0, "nothing installed: %s",
			    strerror(errno));
		cls = TYCHE_FETCH_INSTALL;
	}
	if (!cls)
		cls = take_lock(&r);
	if (!cls) {
		cur = link_version(r.s->dest, "current");
		prev = link_version(r.s->dest, "previous");
		res->from_version = cur;
		res->to_version = cur;
		if (!prev) {
			ty_error_at(err, TYCHE_EIO, r.s->dest, 0, 0,
				    "no previous version to roll back to");
			cls = TYCHE_FETCH_INSTALL;
		} else if (set_link(r.s->dest, "current", prev) ||
			   set_link(r.s->dest, "previous", cur) || fsync_path(r.s->dest)) {
			cls = ioerr(&r, r.s->dest, "cannot switch current");
		} else {
			tyche_catalog *ocat = version_catalog(&r, cur);
			tyche_catalog *ncat = version_catalog(&r, prev);

			res->to_version = prev;
			res->changed = 1;
			if (ncat)
				invalidate_changed(c, ocat, !cur || ocat, ncat);
			else
				invalidate_changed(c, NULL, 0, NULL);
			tyche_catalog_free(ocat);
			tyche_catalog_free(ncat);
		}
	}
	return finish(&r, cls);
}

/* A public key given as base64 text or as the path of a NAME.pub file. */
static int read_pubkey(const char *arg, unsigned char pk[TY_FETCH_KEY_BYTES],
		       tyche_error *err)
{
	char *text = NULL;
	size_t len = 0, got = 0;
	int ok;

	ok = !sodium_base642bin(pk, TY_FETCH_KEY_BYTES, arg, strlen(arg), " \t\r\n", &got,
				NULL, sodium_base64_VARIANT_ORIGINAL) &&
	     got == TY_FETCH_KEY_BYTES;
	if (!ok && !access(arg, F_OK)) {
		if (ty_read_file(arg, 4096, &text, &len, err))
			return TYCHE_FETCH_CONFIG;
		ok = !sodium_base642bin(pk, TY_FETCH_KEY_BYTES, text, len, " \t\r\n", &got,
					NULL, sodium_base64_VARIANT_ORIGINAL) &&
		     got == TY_FETCH_KEY_BYTES;
		free(text);
	}
	if (!ok)
		return ty_error_at(err, TYCHE_EUSAGE, arg, 0, 0,
				   "--key: expected a base64 Ed25519 public key (32 bytes) or a NAME.pub file"),
		       TYCHE_FETCH_CONFIG;
	return 0;
}

int tyche_fetch_trust_key(const tyche_fetch_config *c, const char *source,
			  const char *key, int reset_version,
			  tyche_fetch_result *res, tyche_error *err)
{
	unsigned char pk[TY_FETCH_KEY_BYTES];
	char id[TY_FETCH_KEYID_HEX + 1], kid[TY_FETCH_KEYID_HEX + 1];
	struct run r;
	struct state st;
	int cls = run_init(&r, c, source, res, err);
	size_t k;

	memset(&st, 0, sizeof(st));
	if (!cls)
		cls = read_pubkey(key ? key : "", pk, err);
	if (cls)
		return finish(&r, cls);
	ty_fetch_keyid(pk, id);
	for (k = 0; k < r.s->nkeys && memcmp(r.s->keys[k], pk, sizeof(pk)); k++)
		;
	if (k == r.s->nkeys) {
		ty_error_at(err, TYCHE_EDATA, c->path, 0, 0,
			    "key %s is not in the keys of source '%s': add it there first", id,
			    r.s->name);
		return finish(&r, TYCHE_FETCH_CONFIG);
	}
	if (!reset_version)
		return finish(&r, 0);
	if ((mkdir(r.s->dest, 0755) && errno != EEXIST) ||
	    (mkdir(r.versions, 0755) && errno != EEXIST))
		return finish(&r, ioerr(&r, r.s->dest, "cannot create the destination"));
	if ((cls = take_lock(&r)))
		return finish(&r, cls);
	state_read(r.s->dest, &st);
	res->from_version = st.version;
	/* The reset undoes a fast-forward only if the key that signed it is
	 * no longer trusted. */
	for (k = 0; st.signer[0] && k < r.s->nkeys; k++) {
		ty_fetch_keyid(r.s->keys[k], kid);
		if (!strcmp(kid, st.signer))
			break;
	}
	if (st.signer[0] && !strcmp(st.signer, id)) {
		ty_error_at(err, TYCHE_EDATA, c->path, 0, 0,
			    "key %s signed the accepted version %lld itself; a reset needs a new key",
			    id, st.version);
		cls = TYCHE_FETCH_CONFIG;
	} else if (st.signer[0] && k < r.s->nkeys) {
		ty_error_at(err, TYCHE_EDATA, c->path, 0, 0,
			    "key %s, which signed the accepted version %lld, is still in the keys of source '%s': remove it first",
			    st.signer, st.version, r.s->name);
		cls = TYCHE_FETCH_CONFIG;
	} else {
		if (!st.reset_key[0])
			st.reset_from = st.version;
		memcpy(st.reset_key, id, sizeof(id));
		res->to_version = 0;
		res->changed = 1;
		if (state_write(r.s->dest, &st, st.expires_s[0] ? st.expires_s : "") ||
		    fsync_path(r.s->dest))
			cls = ioerr(&r, r.s->dest, "cannot write state.json");
	}
	state_release(&st);
	return finish(&r, cls);
}
