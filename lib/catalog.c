/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * catalog.c - which entries of a directory are decision contexts
 * (tyche/catalog.h): the list tyche.cgi serves (depth 1), the release tree
 * tyche-fetch's quality gate loads (recursive), the lookup of one context
 * by name, and per entry a load status and a content hash, so fetch can
 * tell which contexts a new release changed.
 *
 * Easy to get wrong:
 *  - The two walks differ on purpose.  Depth 1 follows symlinks (an
 *    administrator may link a context in) and drops names unfit for a URL
 *    or a cache file name; recursive never follows a symlink (a loop, or
 *    a link out of the release) and keeps every name, because the gate
 *    must load everything a release holds.
 *  - A folder is a context only when it holds a readable designs.csv;
 *    tyche_catalog_resolve applies the same rule, so what is listed is
 *    what resolves (a folder without designs.csv is no context).
 *  - The hash without loading (ty_context_quick_hash) exists for CSV
 *    folders only; a workbook's hash needs a load.  An empty hash means
 *    unknown, and a caller comparing releases must treat it as changed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"

int tyche_context_name_ok(const char *s)
{
	return tyche_safe_name(s, TYCHE_CONTEXT_NAME_MAX);
}

static int is_xlsx(const char *n)
{
	size_t len = strlen(n);

	return len > 5 && !strcmp(n + len - 5, ".xlsx");
}

/* A folder holding a readable designs.csv (symlinks followed or not). */
static int is_context_dir(const char *path, int follow)
{
	char *p = ty_asprintf("%s/designs.csv", path);
	struct stat st;
	int ok;

	if (!p)
		return 0;
	ok = !(follow ? stat(p, &st) : lstat(p, &st)) && S_ISREG(st.st_mode) && !access(p, R_OK);
	free(p);
	return ok;
}

static int add(tyche_catalog *c, size_t *cap, const char *name, size_t name_len,
	       const char *path, int kind)
{
	tyche_catalog_entry *e;

	if (c->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		tyche_catalog_entry *v = ty_realloc(c->v, ncap * sizeof(*v));

		if (!v)
			return -1;
		c->v = v;
		*cap = ncap;
	}
	e = &c->v[c->n];
	memset(e, 0, sizeof(*e));
	e->name = ty_strndup(name, name_len);
	e->path = ty_strdup(path);
	e->kind = kind;
	if (!e->name || !e->path) {
		free(e->name);
		free(e->path);
		return -1;
	}
	c->n++;
	return 0;
}

static int walk_flat(tyche_catalog *c, size_t *cap)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return -2;
	while (!rc && (de = readdir(d))) {
		const char *n = de->d_name;
		char *path;
		struct stat st;

		if (n[0] == '.')
			continue;
		path = ty_asprintf("%s/%s", c->dir, n);
		if (!path) {
			rc = -1;
			break;
		}
		if (!stat(path, &st)) {
			if (S_ISDIR(st.st_mode) && tyche_context_name_ok(n) && is_context_dir(path, 1)) {
				rc = add(c, cap, n, strlen(n), path, TYCHE_CONTEXT_FOLDER);
			} else if (S_ISREG(st.st_mode) && is_xlsx(n)) {
				char *base = ty_strndup(n, strlen(n) - 5);

				if (!base)
					rc = -1;
				else if (tyche_context_name_ok(base))
					rc = add(c, cap, base, strlen(base), path, TYCHE_CONTEXT_WORKBOOK);
				free(base);
			}
		}
		free(path);
	}
	closedir(d);
	return rc;
}

/* rel: the path below c->dir ("" for the directory itself). */
static int walk_tree(tyche_catalog *c, size_t *cap, const char *rel, int depth)
{
	char *dir = *rel ? ty_asprintf("%s/%s", c->dir, rel) : ty_strdup(c->dir);
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (!dir)
		return -1;
	if (depth > 64) {               /* deeper than any release: refuse */
		free(dir);
		return -2;
	}
	if (is_context_dir(dir, 0))
		rc = *rel ? add(c, cap, rel, strlen(rel), dir, TYCHE_CONTEXT_FOLDER)
			  : add(c, cap, ".", 1, dir, TYCHE_CONTEXT_FOLDER);
	d = rc ? NULL : opendir(dir);
	if (!rc && !d)
		rc = -2;
	while (!rc && (de = readdir(d))) {
		const char *n = de->d_name;
		char *r, *full;
		struct stat st;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		r = *rel ? ty_asprintf("%s/%s", rel, n) : ty_strdup(n);
		full = r ? ty_asprintf("%s/%s", c->dir, r) : NULL;
		if (!full)
			rc = -1;
		else if (lstat(full, &st))
			rc = -2;
		else if (S_ISDIR(st.st_mode))
			rc = walk_tree(c, cap, r, depth + 1);
		else if (S_ISREG(st.st_mode) && is_xlsx(n))
			rc = add(c, cap, r, strlen(r) - 5, full, TYCHE_CONTEXT_WORKBOOK);
		free(r);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
	return rc;
}

static int entry_cmp(const void *a, const void *b)
{
	const tyche_catalog_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->kind - y->kind;
}

static void entry_release(tyche_catalog_entry *e)
{
	free(e->name);
	free(e->path);
}

void tyche_catalog_free(tyche_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_release(&c->v[i]);
	free(c->v);
	free(c->dir);
	free(c);
}

int tyche_catalog_list(tyche_catalog **out, const char *dir, unsigned flags, tyche_error *err)
{
	tyche_catalog *c = ty_calloc(1, sizeof(*c));
	size_t cap = 0;
	int rc;

	*out = NULL;
	if (!c || !(c->dir = ty_strdup(dir))) {
		tyche_catalog_free(c);
		return ty_error_at(err, TYCHE_ENOMEM, dir, 0, 0, "out of memory");
	}
	errno = 0;
	rc = flags & TYCHE_CATALOG_RECURSIVE ? walk_tree(c, &cap, "", 0) : walk_flat(c, &cap);
	if (rc) {
		int e = errno;

		tyche_catalog_free(c);
		if (rc == -1)
			return ty_error_at(err, TYCHE_ENOMEM, dir, 0, 0, "out of memory");
		return ty_error_at(err, e == ENOENT ? TYCHE_ENOENT : TYCHE_EIO, dir, 0, 0,
				   "cannot list the contexts: %s", e ? strerror(e) : "too deep");
	}
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), entry_cmp);
	if (!(flags & TYCHE_CATALOG_RECURSIVE)) {
		/* a folder and a workbook of one name: the folder, as resolve */
		size_t k = 0;

		for (size_t i = 0; i < c->n; i++) {
			if (k && !strcmp(c->v[k - 1].name, c->v[i].name))
				entry_release(&c->v[i]);
			else
				c->v[k++] = c->v[i];
		}
		c->n = k;
	}
	*out = c;
	return 0;
}

const tyche_catalog_entry *tyche_catalog_find(const tyche_catalog *c, const char *name, int kind)
{
	for (size_t i = 0; c && name && i < c->n; i++)
		if (!strcmp(c->v[i].name, name) && (!kind || c->v[i].kind == kind))
			return &c->v[i];
	return NULL;
}

int tyche_catalog_resolve(const char *dir, const char *name, char **path, int *kind)
{
	struct stat st;
	char *p;

	*path = NULL;
	if (!tyche_context_name_ok(name))
		return TYCHE_ENOENT;
	if (!(p = ty_asprintf("%s/%s", dir, name)))
		return TYCHE_ENOMEM;
	if (!stat(p, &st) && S_ISDIR(st.st_mode) && is_context_dir(p, 1)) {
		if (kind)
			*kind = TYCHE_CONTEXT_FOLDER;
		*path = p;
		return 0;
	}
	free(p);
	if (!(p = ty_asprintf("%s/%s.xlsx", dir, name)))
		return TYCHE_ENOMEM;
	if (!stat(p, &st) && S_ISREG(st.st_mode)) {
		if (kind)
			*kind = TYCHE_CONTEXT_WORKBOOK;
		*path = p;
		return 0;
	}
	free(p);
	return TYCHE_ENOENT;
}

size_t tyche_catalog_load(tyche_catalog *c, const tyche_load_opts *lo, tyche_diags *diags)
{
	size_t nbad = 0;

	for (size_t i = 0; c && i < c->n; i++) {
		tyche_catalog_entry *e = &c->v[i];
		tyche_diags local = TYCHE_DIAGS_INIT;
		tyche_diags *d = diags ? diags : &local;
		size_t ne = d->nerrors, nw = d->nwarnings;
		tyche_context *ctx = NULL;
		int rc = tyche_context_load(&ctx, e->path, lo, d);

		e->loaded = 1;
		e->ok = !rc;
		e->nerrors = d->nerrors - ne;
		e->nwarnings = d->nwarnings - nw;
		if (!rc && ctx)
			snprintf(e->hash, sizeof(e->hash), "%s", tyche_context_hash(ctx));
		else
			nbad++;
		tyche_context_free(ctx);
		tyche_diags_release(&local);
	}
	return nbad;
}

void tyche_catalog_hash(tyche_catalog *c, const tyche_load_opts *lo)
{
	for (size_t i = 0; c && i < c->n; i++) {
		tyche_catalog_entry *e = &c->v[i];
		tyche_context *ctx = NULL;

		if (e->hash[0])
			continue;
		if (e->kind == TYCHE_CONTEXT_FOLDER && !ty_context_quick_hash(e->path, lo, e->hash, NULL, NULL))
			continue;
		e->hash[0] = '\0';
		if (!tyche_context_load(&ctx, e->path, lo, NULL) && ctx)
			snprintf(e->hash, sizeof(e->hash), "%s", tyche_context_hash(ctx));
		tyche_context_free(ctx);
	}
}
