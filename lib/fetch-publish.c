/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch-publish.c - tyche-fetch's publisher side: keygen (an Ed25519 key
 * pair), sign (a release tree into OUT_DIR/v<N>/ or one bundle, with
 * manifest.json and its detached signature manifest.json.sig) and
 * sign-file (re-sign an edited manifest).  The client side (verify,
 * download, install) is fetch.c; the protocol is doc/fetch-protocol.md.
 *
 * What is easy to get wrong:
 *  - the secret key file is created O_EXCL with mode 0600 and never
 *    overwritten; secret bytes are wiped (sodium_memzero) on every path;
 *  - integers in the manifest go through ty_fetch_add_uint (exact digits),
 *    never cJSON_AddNumberToObject, whose "%1.15g" prints large versions
 *    in exponent form that the client refuses;
 *  - the release tree must hold regular files only: a symlink would
 *    publish whatever it points at (/etc/passwd), so it is refused;
 *  - files are copied into v<N>/ and hashed again while copying: a file
 *    changed between hashing and copying must not be published under the
 *    old hash;
 *  - manifest.json and its .sig are replaced one after the other; a client
 *    between the two renames fails verification until its next run, so
 *    publish OUT_DIR by swapping it whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <cJSON.h>
#include <sodium.h>

#include "fetch.h"

static int read_secret(const char *keyfile, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       tyche_error *err)
{
	char *text = NULL;
	size_t len, got = 0;
	int rc = ty_read_file(keyfile, 4096, &text, &len, err);

	if (rc)
		return rc;
	if (sodium_base642bin(sk, crypto_sign_SECRETKEYBYTES, text, len, " \r\n", &got,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    got != crypto_sign_SECRETKEYBYTES)
		rc = ty_error_at(err, TYCHE_EDATA, keyfile, 0, 0,
				 "not a tyche-fetch secret key (base64 of 64 bytes)");
	sodium_memzero(text, len);
	free(text);
	return rc;
}

static int sign_bytes(const unsigned char *sk, const char *data, size_t len,
		      const char *out, tyche_error *err)
{
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	char id[TY_FETCH_KEYID_HEX + 1], *line;
	int rc = 0;

	crypto_sign_detached(sig, NULL, (const unsigned char *)data, len, sk);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	ty_fetch_keyid(pk, id);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	line = ty_asprintf("%s %s\n", id, b64);
	if (!line)
		return ty_error_at(err, TYCHE_ENOMEM, out, 0, 0, "out of memory");
	if (ty_fetch_write_atomic(out, line, strlen(line), 0644))
		rc = ty_error_at(err, TYCHE_EIO, out, 0, 0, "cannot write: %s", strerror(errno));
	free(line);
	return rc;
}

int tyche_fetch_keygen(const char *name, tyche_error *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES,
					   sodium_base64_VARIANT_ORIGINAL) + 1];
	char *pub = ty_asprintf("%s.pub", name), *key = ty_asprintf("%s.key", name);
	int rc = 0, fd;
	size_t n;

	if (sodium_init() < 0 || !pub || !key) {
		rc = ty_error_at(err, TYCHE_EINTERNAL, name, 0, 0, "cannot initialise");
		goto out;
	}
	crypto_sign_keypair(pk, sk);
	fd = open(key, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = ty_error_at(err, TYCHE_EIO, key, 0, 0, "cannot create the secret key: %s",
				 strerror(errno));
		goto out;
	}
	sodium_bin2base64(b64, sizeof(b64) - 1, sk, sizeof(sk), sodium_base64_VARIANT_ORIGINAL);
	n = strlen(b64);
	b64[n++] = '\n';
	if (fchmod(fd, 0600) || write(fd, b64, n) != (ssize_t)n || fsync(fd)) {
		rc = ty_error_at(err, TYCHE_EIO, key, 0, 0, "cannot write: %s", strerror(errno));
		close(fd);
		unlink(key);
		goto out;
	}
	close(fd);
	sodium_bin2base64(b64, sizeof(b64) - 1, pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	n = strlen(b64);
	b64[n++] = '\n';
	if (ty_fetch_write_atomic(pub, b64, n, 0644)) {
		rc = ty_error_at(err, TYCHE_EIO, pub, 0, 0, "cannot write: %s", strerror(errno));
		unlink(key);
	}
out:
	sodium_memzero(sk, sizeof(sk));
	free(pub);
	free(key);
	return rc;
}

int tyche_fetch_sign_file(const char *keyfile, const char *file, tyche_error *err)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char *text = NULL, *out = NULL;
	size_t len;
	int rc;

	if (sodium_init() < 0)
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "libsodium failed to initialise");
	if ((rc = read_secret(keyfile, sk, err)))
		return rc;
	rc = ty_read_file(file, TY_FETCH_MAX_MANIFEST, &text, &len, err);
	if (!rc) {
		out = ty_asprintf("%s.sig", file);
		rc = out ? sign_bytes(sk, text, len, out, err)
			 : ty_error_at(err, TYCHE_ENOMEM, file, 0, 0, "out of memory");
	}
	sodium_memzero(sk, sizeof(sk));
	free(text);
	free(out);
	return rc;
}

static cJSON *file_json(const char *path, unsigned long long size, const char *sha)
{
	cJSON *o = cJSON_CreateObject();

	if (o) {
		cJSON_AddStringToObject(o, "path", path);
		ty_fetch_add_uint(o, "size", size);
		cJSON_AddStringToObject(o, "sha256", sha);
	}
	return o;
}

int tyche_fetch_sign(const char *keyfile, const char *source, long long version,
		     const char *expires, const char *src_dir, const char *out_dir,
		     int bundle, tyche_error *err)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct ty_strv files = { 0 };
	cJSON *j = NULL, *arr;
	char *bad = NULL, *vdir = NULL, *text = NULL, *mpath = NULL, *spath = NULL;
	const char *c;
	time_t t;
	size_t i;
	int rc, lr;

	if (sodium_init() < 0)
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "libsodium failed to initialise");
	for (c = source; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			break;
	if (!*source || *c)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "source '%s' must match [a-z0-9-]+", source);
	if (version < 1 || (unsigned long long)version > TY_FETCH_MAX_VERSION)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "version %lld is out of range: versions go from 1 to %llu (2^53-1, the largest integer a JSON number holds exactly)",
				   version, TY_FETCH_MAX_VERSION);
	if (ty_fetch_parse_time(expires, &t))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "expires '%s' is not YYYY-MM-DDTHH:MM:SSZ", expires);
	if ((rc = read_secret(keyfile, sk, err)))
		return rc;
	lr = ty_fetch_list_tree(src_dir, "", &files, 0, &bad);
	if (lr) {
		rc = lr > 0 ? ty_error_at(err, TYCHE_EDATA, src_dir, 0, 0,
					  "'%s' is not a regular file (symlinks and devices cannot be released)",
					  bad)
			    : ty_error_at(err, TYCHE_EIO, src_dir, 0, 0, "cannot list: %s",
					  strerror(errno));
		goto out;
	}
	vdir = ty_asprintf("%s/v%lld", out_dir, version);
	mpath = ty_asprintf("%s/manifest.json", out_dir);
	spath = ty_asprintf("%s/manifest.json.sig", out_dir);
	j = cJSON_CreateObject();
	if (!vdir || !mpath || !spath || !j) {
		rc = ty_error_at(err, TYCHE_ENOMEM, out_dir, 0, 0, "out of memory");
		goto out;
	}
	if ((mkdir(out_dir, 0755) && errno != EEXIST) || (mkdir(vdir, 0755) && errno != EEXIST)) {
		rc = ty_error_at(err, TYCHE_EIO, vdir, 0, 0, "cannot create: %s", strerror(errno));
		goto out;
	}
	cJSON_AddNumberToObject(j, "format", 1);
	cJSON_AddStringToObject(j, "source", source);
	ty_fetch_add_uint(j, "version", (unsigned long long)version);
	cJSON_AddStringToObject(j, "expires", expires);
	arr = cJSON_AddArrayToObject(j, "files");
	for (i = 0; i < files.n; i++) {
		char hex[65], *from = ty_asprintf("%s/%s", src_dir, files.v[i]);
		char *to = ty_asprintf("%s/%s", vdir, files.v[i]);
		unsigned long long size;

		if (!ty_fetch_path_ok(files.v[i])) {
			rc = ty_error_at(err, TYCHE_EDATA, src_dir, 0, 0, "unsafe file name '%s'",
					 files.v[i]);
		} else if (!from || !to || ty_fetch_sha256_file(from, hex, &size)) {
			rc = ty_error_at(err, TYCHE_EIO, src_dir, 0, 0, "cannot read '%s'",
					 files.v[i]);
		} else if (!bundle) {
			unlink(to);
			if (ty_fetch_mkparents(vdir, files.v[i]))
				rc = ty_error_at(err, TYCHE_EIO, vdir, 0, 0, "cannot create: %s",
						 strerror(errno));
			else if (ty_fetch_copy_verified(from, to, size, hex, err))
				rc = err->code ? err->code : TYCHE_EIO;
		}
		free(from);
		free(to);
		if (rc)
			goto out;
		cJSON_AddItemToArray(arr, file_json(files.v[i], size, hex));
	}
	if (bundle) {
		char *bp = ty_asprintf("%s/bundle.tar.gz", vdir), hex[65];
		unsigned long long size;

		rc = bp ? ty_fetch_pack(src_dir, files.v, files.n, bp, err)
			: ty_error_at(err, TYCHE_ENOMEM, out_dir, 0, 0, "out of memory");
		if (!rc && ty_fetch_sha256_file(bp, hex, &size))
			rc = ty_error_at(err, TYCHE_EIO, bp, 0, 0, "cannot read back");
		if (!rc)
			cJSON_AddItemToObject(j, "bundle", file_json("bundle.tar.gz", size, hex));
		free(bp);
		if (rc)
			goto out;
	}
	text = cJSON_Print(j);
	if (!text) {
		rc = ty_error_at(err, TYCHE_ENOMEM, out_dir, 0, 0, "out of memory");
		goto out;
	}
	/* Both are replaced by rename; a client between the two renames
	 * sees a mismatch and fails verification until the next run, so
	 * publish OUT_DIR by swapping it whole (or copy v<N>/ first). */
	{
		char *tmp = ty_asprintf("%s/.manifest.json.new", out_dir);

		if (!tmp) {
			rc = ty_error_at(err, TYCHE_ENOMEM, out_dir, 0, 0, "out of memory");
			goto out;
		}
		rc = sign_bytes(sk, text, strlen(text), spath, err);
		if (!rc && (ty_fetch_write_atomic(tmp, text, strlen(text), 0644) || rename(tmp, mpath)))
			rc = ty_error_at(err, TYCHE_EIO, mpath, 0, 0, "cannot write: %s",
					 strerror(errno));
		free(tmp);
	}
out:
	sodium_memzero(sk, sizeof(sk));
	cJSON_free(text);
	cJSON_Delete(j);
	ty_fetch_strv_release(&files);
	free(bad);
	free(vdir);
	free(mpath);
	free(spath);
	return rc;
}

/* ------------------------------------------------------------ bundles */

int ty_fetch_pack(const char *dir, char **paths, size_t n, const char *out,
		  tyche_error *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = NULL;
	char buf[65536];
	int rc = 0, fd = -1;
	size_t i;

	if (!a)
		return ty_error_at(err, TYCHE_ENOMEM, out, 0, 0, "out of memory");
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, out) != ARCHIVE_OK) {
		rc = ty_error_at(err, TYCHE_EIO, out, 0, 0, "cannot write the bundle: %s",
				 archive_error_string(a));
		goto done;
	}
	for (i = 0; i < n; i++) {
		char *full = ty_asprintf("%s/%s", dir, paths[i]);
		struct stat st;
		ssize_t got;

		if (!full) {
			rc = ty_error_at(err, TYCHE_ENOMEM, out, 0, 0, "out of memory");
			goto done;
		}
		fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			rc = ty_error_at(err, TYCHE_EIO, full, 0, 0, "cannot read: %s",
					 strerror(errno));
			free(full);
			goto done;
		}
		free(full);
		e = archive_entry_new();
		if (!e) {
			rc = ty_error_at(err, TYCHE_ENOMEM, out, 0, 0, "out of memory");
			goto done;
		}
		archive_entry_set_pathname(e, paths[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, st.st_size);
		archive_entry_set_mtime(e, 0, 0);   /* reproducible bundles */
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			rc = ty_error_at(err, TYCHE_EIO, out, 0, 0, "cannot write the bundle: %s",
					 archive_error_string(a));
			goto done;
		}
		while ((got = read(fd, buf, sizeof(buf))) > 0)
			if (archive_write_data(a, buf, (size_t)got) != got) {
				rc = ty_error_at(err, TYCHE_EIO, out, 0, 0,
						 "cannot write the bundle: %s",
						 archive_error_string(a));
				goto done;
			}
		archive_entry_free(e);
		e = NULL;
		close(fd);
		fd = -1;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		rc = ty_error_at(err, TYCHE_EIO, out, 0, 0, "cannot write the bundle: %s",
				 archive_error_string(a));
done:
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}
