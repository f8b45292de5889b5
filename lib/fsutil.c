/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fsutil.c - the one atomic file write and the one mkdir -p of libtyche
 * (the scenario store, the surface and bounds caches, tyche-fetch's
 * install, workbook conversion all use these).
 *
 * Easy to get wrong:
 *  - the temp file lives in the target's own directory (rename(2) is
 *    atomic only within one file system) under a name no other writer can
 *    pick (pid + random), created O_EXCL | O_NOFOLLOW so a planted link
 *    is never followed;
 *  - it is flock'ed while it exists, so a cleaner that removes stale
 *    temp files (the store's) never removes one that is being written;
 *  - with sync, the data is fsync'ed before the rename and the directory
 *    after it: only then does the new content survive a power cut;
 *  - mkdir -p reports a path component that exists but is not a
 *    directory (ENOTDIR) instead of pretending success.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "internal.h"

void (*ty_before_rename_hook)(const char *tmp_path);

int ty_mkdir_p(const char *dir, mode_t mode)
{
	char *p = ty_strdup(dir);
	struct stat st;

	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -1;
	if (stat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int ty_write_atomic_at(int dfd, const char *dirpath, const char *name, const void *data,
		       size_t len, mode_t mode, int sync, tyche_error *err)
{
	char tmp[96], path[4200];
	unsigned char rnd[8];
	struct stat st;
	int fd = -1, e;

	/* libsodium wants sodium_init before its generator is used (safe to
	 * repeat: later calls return at once) */
	if (sodium_init() < 0)
		return ty_error_at(err, TYCHE_EINTERNAL, "", 0, 0, "libsodium failed to initialise");
	for (int attempt = 0; fd < 0; attempt++) {
		if (attempt == 20)
			return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
					   "cannot create a temp file");
		randombytes_buf(rnd, sizeof rnd);
		snprintf(tmp, sizeof tmp, TY_TMP_PREFIX "%ld.%02x%02x%02x%02x%02x%02x%02x%02x",
			 (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
			 rnd[7]);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
					   "cannot create a temp file: %s", strerror(errno));
		}
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
		/* a cleaner took it for stale before we locked it: start over */
		if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
			close(fd);
			fd = -1;
		}
	}
	/* the umask must not widen nor narrow what the caller asked for */
	fchmod(fd, mode);
	if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		e = errno;
		unlinkat(dfd, tmp, 0);
		close(fd);
		return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0, "cannot write %s: %s", name,
				   strerror(e));
	}
	if (ty_before_rename_hook) {
		snprintf(path, sizeof path, "%s/%s", dirpath, tmp);
		ty_before_rename_hook(path);
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		e = errno;
		unlinkat(dfd, tmp, 0);
		close(fd);
		return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
				   "cannot rename the temp file to %s: %s", name, strerror(e));
	}
	close(fd);
	if (sync && fsync(dfd) < 0)
		return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
				   "cannot sync the directory: %s", strerror(errno));
	return 0;
}

int ty_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int sync,
		    tyche_error *err)
{
	char *d = ty_strdup(path), *b = ty_strdup(path);
	const char *dir, *base;
	int dfd, rc;

	if (!d || !b) {
		free(d);
		free(b);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	dir = dirname(d);
	base = basename(b);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot open the folder %s: %s", dir,
				 strerror(errno));
	} else {
		rc = ty_write_atomic_at(dfd, dir, base, data, len, mode, sync, err);
		close(dfd);
	}
	free(d);
	free(b);
	return rc;
}
