/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch-archive.c - release bundles (.tar.gz, libarchive), safe release
 * paths and file hashing for tyche-fetch.
 *
 * A bundle is signed (its SHA-256 is in the signed manifest), but it is
 * still unpacked as hostile input: a publisher's build machine can be
 * compromised too.  So every entry path is checked by the same rule as
 * manifest paths, only regular files and directories are created (never a
 * symlink, hard link or device: one symlink followed by a later entry
 * writes anywhere), files are created with O_EXCL|O_NOFOLLOW, and entry
 * count and total size are capped.  libarchive's own "secure" extract
 * flags are not relied on alone: we write the files ourselves.
 * The analyst's uploads (study.c) go through the same code, with .zip
 * accepted too and the limits named by their config keys.  Writing a
 * bundle (ty_fetch_pack) is the publisher's, in fetch-publish.c: kept
 * out of here so a program that only unpacks (tyche.cgi, linked
 * statically) does not pull libarchive's writers and their libxml2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "fetch.h"

int ty_fetch_path_ok(const char *p)
{
	const char *seg = p, *c;
	size_t depth = 0;

	if (!p || !*p || *p == '/' || strlen(p) > TY_FETCH_MAX_PATH)
		return 0;
	for (c = p;; c++) {
		if (*c == '/' || !*c) {
			size_t n = (size_t)(c - seg);

			if (n == 0 || (n == 1 && seg[0] == '.') ||
			    (n == 2 && seg[0] == '.' && seg[1] == '.'))
				return 0;
			if (++depth > 64)
				return 0;
			if (!*c)
				return 1;
			seg = c + 1;
		} else if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\') {
			return 0;
		}
	}
}

int ty_fetch_sha256_file(const char *path, char hex[65],
			 unsigned long long *size)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], md[crypto_hash_sha256_BYTES];
	unsigned long long total = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		total += (unsigned long long)n;
	}
	close(fd);
	if (n < 0)
		return -1;
	crypto_hash_sha256_final(&st, md);
	sodium_bin2hex(hex, 65, md, sizeof(md));
	if (size)
		*size = total;
	return 0;
}

/* mkdir -p for the parents of rel inside dir; every existing part must be
 * a real directory (lstat: a symlink is refused). */
static int make_parents(const char *dir, const char *rel, int last_too)
{
	char path[TY_FETCH_MAX_PATH + 4096];
	size_t base = (size_t)snprintf(path, sizeof(path), "%s/", dir), i;
	struct stat st;

	if (base + strlen(rel) >= sizeof(path))
		return -1;
	for (i = 0;; i++) {
		char ch = rel[i];

		if (ch == '/' || (!ch && last_too)) {
			path[base + i] = 0;
			if (mkdir(path, 0755) && errno != EEXIST)
				return -1;
			if (lstat(path, &st) || !S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				return -1;
			}
		}
		if (!ch)
			return 0;
		path[base + i] = ch;
	}
}

/* upload: also .zip (and refusals name the config keys of the limits) */
static int unpack(const char *bundle, const char *dir, size_t max_entries,
		  unsigned long long max_bytes, int upload, tyche_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned long long total = 0;
	size_t count = 0;
	char buf[65536];
	int cls = 0, r, fd = -1;
	char *full = NULL;

	if (!a)
		return ty_error_at(err, TYCHE_ENOMEM, bundle, 0, 0, "out of memory"),
		       TYCHE_FETCH_INSTALL;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (upload)
		archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, bundle, 65536) != ARCHIVE_OK) {
		ty_error_at(err, TYCHE_EDATA, bundle, 0, 0, "not a %s: %s",
			    upload ? ".zip or .tar.gz archive" : ".tar.gz bundle",
			    archive_error_string(a));
		cls = TYCHE_FETCH_VERIFY;
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		char rel[TY_FETCH_MAX_PATH + 1];
		mode_t type = archive_entry_filetype(e);
		size_t len;
		la_ssize_t n;

		if (++count > max_entries) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0,
				    "%s has more than %zu entries%s", upload ? "archive" : "bundle",
				    max_entries, upload ? " (uploads.max_files)" : "");
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (!p) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0, "entry %zu has no path", count);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		len = strlen(p);
		if (len > TY_FETCH_MAX_PATH) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0, "entry %zu: path too long", count);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		memcpy(rel, p, len + 1);
		if (type == AE_IFDIR)
			while (len > 0 && rel[len - 1] == '/')
				rel[--len] = 0;
		if (type == AE_IFDIR && (!strcmp(rel, ".") || !*rel))
			continue;
		if (archive_entry_hardlink(e)) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0,
				    "entry '%s' is a hard link; only regular files and directories are allowed",
				    rel);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (type == AE_IFLNK) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0,
				    "entry '%s' is a symlink; only regular files and directories are allowed",
				    rel);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (type != AE_IFREG && type != AE_IFDIR) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0,
				    "entry '%s' is a device or special file; only regular files and directories are allowed",
				    rel);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (!ty_fetch_path_ok(rel)) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0,
				    "entry '%s' is an unsafe path (absolute, '..' or empty part)",
				    rel);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (make_parents(dir, rel, type == AE_IFDIR)) {
			ty_error_at(err, TYCHE_EIO, dir, 0, 0, "cannot create the directory of '%s': %s",
				    rel, strerror(errno));
			cls = TYCHE_FETCH_INSTALL;
			goto out;
		}
		if (type == AE_IFDIR)
			continue;
		free(full);
		full = ty_asprintf("%s/%s", dir, rel);
		if (!full) {
			ty_error_at(err, TYCHE_ENOMEM, bundle, 0, 0, "out of memory");
			cls = TYCHE_FETCH_INSTALL;
			goto out;
		}
		fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			ty_error_at(err, errno == EEXIST ? TYCHE_EDATA : TYCHE_EIO, bundle, 0, 0,
				    "cannot create '%s': %s", rel, strerror(errno));
			cls = errno == EEXIST ? TYCHE_FETCH_VERIFY : TYCHE_FETCH_INSTALL;
			goto out;
		}
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			total += (unsigned long long)n;
			if (total > max_bytes) {
				ty_error_at(err, TYCHE_EDATA, bundle, 0, 0,
					    "%s unpacks to more than %llu bytes%s",
					    upload ? "archive" : "bundle", max_bytes,
					    upload ? " (uploads.max_unpacked)" : "");
				cls = TYCHE_FETCH_VERIFY;
				goto out;
			}
			if (write(fd, buf, (size_t)n) != n) {
				ty_error_at(err, TYCHE_EIO, full, 0, 0, "cannot write: %s",
					    strerror(errno));
				cls = TYCHE_FETCH_INSTALL;
				goto out;
			}
		}
		if (n < 0) {
			ty_error_at(err, TYCHE_EDATA, bundle, 0, 0, "entry '%s': %s", rel,
				    archive_error_string(a));
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (fsync(fd) || close(fd)) {
			fd = -1;
			ty_error_at(err, TYCHE_EIO, full, 0, 0, "cannot write: %s", strerror(errno));
			cls = TYCHE_FETCH_INSTALL;
			goto out;
		}
		fd = -1;
	}
	if (r != ARCHIVE_EOF) {
		ty_error_at(err, TYCHE_EDATA, bundle, 0, 0, "corrupt %s: %s",
			    upload ? "archive" : "bundle", archive_error_string(a));
		cls = TYCHE_FETCH_VERIFY;
	}
out:
	if (fd >= 0)
		close(fd);
	free(full);
	archive_read_free(a);
	return cls;
}

int ty_fetch_unpack(const char *bundle, const char *dir, size_t max_entries,
		    unsigned long long max_bytes, tyche_error *err)
{
	return unpack(bundle, dir, max_entries, max_bytes, 0, err);
}

int ty_archive_unpack_upload(const char *archive, const char *dir, size_t max_entries,
			     unsigned long long max_bytes, tyche_error *err)
{
	return unpack(archive, dir, max_entries, max_bytes, 1, err) ? err->code : 0;
}
