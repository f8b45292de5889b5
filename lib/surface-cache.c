/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * surface-cache.c - the analysis cache: where its files live, what they
 * are called, the lock while a surface is built, finding a cached surface
 * (also without loading the context: tyche_surface_open), and removing a
 * context's files (tyche_cache_invalidate).  This file owns the cache
 * files' names: no other file knows the suffixes.
 *
 * A context's files, in the cache directory:
 *   NAME-KEY.tysurf         the surface (format: lib/surface-file.c)
 *   NAME-KEY.tysurf.bounds  its metric bounds (lib/bounds-cache.c)
 *   NAME-KEY.tysurf.note    a caller's text about this version of the
 *                           context (lib/note-cache.c)
 *   NAME-KEY.tysurf.lock    flock'ed while the surface is being built
 *   NAME.tystamp            the context's files' identities and hash, so
 *                           finding KEY reads no table (context-stamp.c)
 * NAME is the context's name with '/' and bytes below 0x20 or from 0x80
 * up made '_'; KEY is 24 hex digits of SHA-256("tyche-surface/VERSION/
 * context hash/samples/seed").  The surface and bounds files also hold
 * their key inside and are checked against it, so a stale, renamed or
 * corrupt file is rebuilt, never trusted.
 *
 * Easy to get wrong:
 *  - The name sanitising must be the same for building a path and for
 *    invalidating: both go through cache_name().  Bytes >= 0x80 are
 *    replaced too (compared as signed char, as the first version did on
 *    x86, so file names stay the same on every platform).
 *  - Invalidation never removes .lock files: unlinking a lock another
 *    process holds lets a second builder in beside it.  It removes data
 *    files only; the next request rebuilds them.
 *  - A cache that cannot be written or read is not an error: the surface
 *    is built and returned all the same.
 *  - A build stopped (budget, error) writes no cache file and always
 *    releases the lock, so the next request builds afresh.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "surface.h"

#define SURF_SUFFIX ".tysurf"
#define BOUNDS_SUFFIX ".tysurf.bounds"
#define NOTE_SUFFIX ".tysurf.note"
#define LOCK_SUFFIX ".tysurf.lock"
#define STAMP_SUFFIX ".tystamp"
#define KEY_HEX 24

/* ------------------------------------------------------------ names */

/* The cache directory of tyche_analysis_opts.cache_dir = opt: 0 with *out
 * malloc'd, or NULL when there is no cache; -1 when out of memory. */
static int cache_dir_of(const char *opt, char **out)
{
	const char *e;

	*out = NULL;
	if (opt) {
		if (!opt[0])
			return 0;
		*out = ty_strdup(opt);
	} else if ((e = getenv("TYCHE_CACHE")) && *e) {
		*out = ty_strdup(e);
	} else if ((e = getenv("XDG_CACHE_HOME")) && *e) {
		*out = ty_asprintf("%s/tyche", e);
	} else if ((e = getenv("HOME")) && *e) {
		*out = ty_asprintf("%s/.cache/tyche", e);
	} else {
		return 0;
	}
	return *out ? 0 : -1;
}

/* The cache directory (malloc'd), or NULL: no cache or out of memory. */
static char *cache_dir(const char *opt)
{
	char *dir;

	cache_dir_of(opt, &dir);
	return dir;
}

/* The context name as it appears in file names (sanitised in place). */
static char *cache_name(char *name)
{
	/* the context name may hold characters unfit for a file name */
	for (char *q = name; q && *q; q++)
		if (*q == '/' || (signed char)*q < 0x20)
			*q = '_';
	return name;
}

/* DIR/NAME-KEY.tysurf for these settings (malloc'd), or NULL. */
static char *surface_path(const char *name, const char *hash, const tyche_analysis_opts *o)
{
	char *dir = cache_dir(o->cache_dir), *path = NULL, *key, *nm;
	unsigned char h[32];
	char hex[65];

	if (!dir)
		return NULL;
	/* a design other than MC is part of the key; MC keeps the old names */
	key = o->design ? ty_asprintf("tyche-surface/%u/%s/%zu/%llu/design%d",
				      TY_SURFACE_FILE_VERSION, hash, o->samples,
				      (unsigned long long)o->seed, o->design)
			: ty_asprintf("tyche-surface/%u/%s/%zu/%llu", TY_SURFACE_FILE_VERSION, hash,
				      o->samples, (unsigned long long)o->seed);
	nm = cache_name(ty_strdup(name));
	if (key && nm) {
		crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		path = ty_asprintf("%s/%s-%.*s" SURF_SUFFIX, dir, nm, KEY_HEX, hex);
	}
	free(nm);
	free(key);
	free(dir);
	return path;
}

char *tyche_surface_cache_path(const tyche_context *ctx, const tyche_analysis_opts *o)
{
	return surface_path(ctx->name, ctx->hash, o);
}

/* The file beside surface file surf with suffix (one of the .tysurf.*
 * ones) in place of .tysurf (malloc'd; NULL when surf is NULL). */
static char *beside(const char *surf, const char *suffix)
{
	return surf ? ty_asprintf("%s%s", surf, suffix + strlen(SURF_SUFFIX)) : NULL;
}

char *ty_cache_bounds_path(const tyche_context *ctx, const tyche_analysis_opts *o)
{
	char *surf = tyche_surface_cache_path(ctx, o), *path = beside(surf, BOUNDS_SUFFIX);

	free(surf);
	return path;
}

char *ty_cache_note_path(const tyche_context *ctx, const tyche_analysis_opts *o)
{
	char *surf = tyche_surface_cache_path(ctx, o), *path = beside(surf, NOTE_SUFFIX);

	free(surf);
	return path;
}

/* DIR/NAME.tystamp for the context at path (malloc'd), or NULL. */
static char *stamp_path(const char *path, const tyche_analysis_opts *o)
{
	char *dir = cache_dir(o->cache_dir), *nm = NULL, *p = NULL;

	if (dir && (nm = ty_context_name_of(path)))
		p = ty_asprintf("%s/%s" STAMP_SUFFIX, dir, cache_name(nm));
	free(nm);
	free(dir);
	return p;
}

/* The context's hash as ty_context_quick_hash computes it, through the
 * cache's stamp when the files are unchanged. */
static int open_hash(const char *path, const tyche_load_opts *lo,
		     const tyche_analysis_opts *o, char hash[65])
{
	char *sp = stamp_path(path, o);
	int rc = ty_context_stamp_hash(path, lo, sp, hash);

	free(sp);
	return rc;
}

/* ------------------------------------------------------------ lookup */

/* A cached surface for exactly these settings, or NULL. */
static tyche_surface *cache_try(const char *path, const char *hash,
				const tyche_analysis_opts *o)
{
	tyche_surface *s = NULL;
	tyche_error e = { 0 };

	if (ty_surface_load(&s, path, o->map_cache, &e))
		return NULL;
	if (strcmp(s->ctx_hash, hash) || s->N != o->samples || s->seed != o->seed) {
		tyche_surface_free(s);
		return NULL;
	}
	s->design = o->design;   /* the file's name holds it (surface_path) */
	return s;
}

int tyche_surface_build(tyche_surface **out, const tyche_context *ctx,
			const tyche_analysis_opts *o, int *from_cache, tyche_error *err)
{
	char *path = NULL, *lock = NULL, *dir = NULL;
	tyche_surface *s;
	int fd = -1, rc;

	if (o->samples < 1)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "the number of samples must be at least 1");
	if (from_cache)
		*from_cache = 0;
	path = tyche_surface_cache_path(ctx, o);
	if (path) {
		s = cache_try(path, ctx->hash, o);
		if (s) {
			if (from_cache)
				*from_cache = 1;
			*out = s;
			free(path);
			return 0;
		}
		dir = cache_dir(o->cache_dir);
		if (dir)
			ty_mkdir_p(dir, 0755);
		lock = beside(path, LOCK_SUFFIX);
		fd = lock ? open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
		if (fd >= 0) {
			if (flock(fd, LOCK_EX | LOCK_NB)) {
				if (o->nowait) {
					close(fd);
					free(lock);
					free(path);
					free(dir);
					return ty_error_at(err, TYCHE_EBUSY, "", 0, 0,
							   "the analysis of this context is being prepared; try again in a moment");
				}
				flock(fd, LOCK_EX);
			}
			/* someone may have built it while we waited */
			s = cache_try(path, ctx->hash, o);
			if (s) {
				flock(fd, LOCK_UN);
				close(fd);
				if (from_cache)
					*from_cache = 1;
				*out = s;
				free(lock);
				free(path);
				free(dir);
				return 0;
			}
		}
	}
	rc = ty_surface_build_sampled(&s, ctx, o, err);
	if (!rc && path) {
		tyche_error we = { 0 };

		/* a cache that cannot be written is not an error: it is rebuilt */
		tyche_surface_write(s, path, &we);
	}
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
	free(lock);
	free(path);
	free(dir);
	if (rc)
		return rc;
	*out = s;
	return 0;
}

/* The cache file a surface of the context at `path`, as its files are
 * now, would have (its quick hash in hash), or NULL. */
static char *open_cache_path(const char *path, const tyche_load_opts *lo,
			     const tyche_analysis_opts *o, char hash[65])
{
	char *name, *cpath;

	if (o->samples < 1 || open_hash(path, lo, o, hash))
		return NULL;
	name = ty_context_name_of(path);
	cpath = name ? surface_path(name, hash, o) : NULL;
	free(name);
	return cpath;
}

char *ty_cache_note_path_open(const char *path, const tyche_load_opts *lo,
			      const tyche_analysis_opts *o, char hash[65], char **bounds)
{
	char *surf = open_cache_path(path, lo, o, hash), *p;
	struct stat st;

	/* a note is beside a surface file: none without one (a removed
	 * surface is rebuilt, and answers wait for it as before) */
	if (!surf || stat(surf, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		free(surf);
		return NULL;
	}
	p = beside(surf, NOTE_SUFFIX);
	*bounds = beside(surf, BOUNDS_SUFFIX);
	free(surf);
	if (!p || !*bounds) {
		free(p);
		free(*bounds);
		*bounds = NULL;
		return NULL;
	}
	return p;
}

int tyche_surface_open(tyche_surface **out, const char *path, const tyche_load_opts *lo,
		       const tyche_analysis_opts *o, tyche_diags *diags, tyche_error *err)
{
	tyche_context *ctx = NULL;
	char hash[65], *cpath = open_cache_path(path, lo, o, hash);
	int rc;

	if (cpath) {
		tyche_surface *s = cache_try(cpath, hash, o);

		free(cpath);
		if (s) {
			*out = s;
			return 0;
		}
	}
	{
		tyche_diags local = TYCHE_DIAGS_INIT;
		tyche_diags *d = diags ? diags : &local;
		size_t before = d->nerrors;

		rc = tyche_context_load(&ctx, path, lo, d);
		if (rc)
			ty_error_at(err, rc, path, 0, 0,
				    rc == TYCHE_EDATA ? "the context does not load (%zu errors)"
						      : "the context cannot be read (%zu errors)",
				    d->nerrors - before);
		tyche_diags_release(&local);
		if (rc)
			return rc;
	}
	rc = tyche_surface_build(out, ctx, o, NULL, err);
	tyche_context_free(ctx);
	return rc;
}

int tyche_surface_cached(const char *path, const tyche_load_opts *lo,
			 const tyche_analysis_opts *o)
{
	char hash[65], *cpath = open_cache_path(path, lo, o, hash);
	struct stat st;
	int yes = cpath && !stat(cpath, &st) && S_ISREG(st.st_mode) && st.st_size > 0;

	free(cpath);
	return yes;
}

int tyche_surface_is_current(const tyche_surface *s, const char *path,
			     const tyche_load_opts *lo, const tyche_analysis_opts *o)
{
	char hash[65];

	return s && s->N == o->samples && s->seed == o->seed && s->design == o->design &&
	       !open_hash(path, lo, o, hash) &&
	       !strcmp(hash, s->ctx_hash);
}

/* ------------------------------------------------------------ invalidation */

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !memcmp(s + n - k, suf, k);
}

/* Is file name f a surface, bounds, note or stamp file of the context whose file name
 * part is nm (NULL: of any context)? */
static int is_cache_file(const char *f, const char *nm)
{
	size_t n = strlen(f), k, base;

	if (has_suffix(f, n, STAMP_SUFFIX))
		return !nm || (n == strlen(nm) + strlen(STAMP_SUFFIX) && !strncmp(f, nm, strlen(nm)));
	if (has_suffix(f, n, BOUNDS_SUFFIX))
		base = n - strlen(BOUNDS_SUFFIX);
	else if (has_suffix(f, n, NOTE_SUFFIX))
		base = n - strlen(NOTE_SUFFIX);
	else if (has_suffix(f, n, SURF_SUFFIX))
		base = n - strlen(SURF_SUFFIX);
	else
		return 0;
	if (!nm)
		return 1;
	/* exactly NAME "-" KEY: "a" must not take the files of "a-b" */
	k = strlen(nm);
	if (base != k + 1 + KEY_HEX || strncmp(f, nm, k) || f[k] != '-')
		return 0;
	for (size_t i = k + 1; i < base; i++)
		if (!((f[i] >= '0' && f[i] <= '9') || (f[i] >= 'a' && f[i] <= 'f')))
			return 0;
	return 1;
}

int tyche_cache_invalidate(const char *cache_dir_opt, const char *context, tyche_error *err)
{
	char *dir, *nm = NULL;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (cache_dir_of(cache_dir_opt, &dir))
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (!dir)
		return 0;                 /* no cache: nothing to remove */
	if (context) {
		nm = ty_context_name_of(context);
		if (!nm) {
			free(dir);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		cache_name(nm);
	}
	d = opendir(dir);
	if (!d) {
		int e = errno;

		if (e != ENOENT)
			rc = ty_error_at(err, TYCHE_EIO, dir, 0, 0, "cannot read the cache folder: %s",
					 strerror(e));
		free(nm);
		free(dir);
		return rc;
	}
	while ((de = readdir(d))) {
		char *p;

		if (!is_cache_file(de->d_name, nm))
			continue;
		p = ty_asprintf("%s/%s", dir, de->d_name);
		if (!p) {
			if (!rc)
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			continue;
		}
		/* one that cannot go is reported; the others go all the same */
		if (unlink(p) && errno != ENOENT && !rc)
			rc = ty_error_at(err, TYCHE_EIO, p, 0, 0, "cannot remove the cache file: %s",
					 strerror(errno));
		free(p);
	}
	closedir(d);
	free(nm);
	free(dir);
	return rc;
}
