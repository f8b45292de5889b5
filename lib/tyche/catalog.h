/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/catalog.h - which folders and files of a directory are decision
 * contexts (lib/catalog.c): the one rule the web server's list and
 * tyche-fetch's quality gate share.  Included by tyche.h.
 *
 * A context is a folder holding designs.csv (the seven CSV tables), or a
 * NAME.xlsx workbook.  Two walks:
 *  - depth 1 (the web server's contexts directory): the entries of the
 *    directory itself, symlinks followed, hidden ones and names that are
 *    not valid context names (tyche_context_name_ok) left out; a folder
 *    and a workbook of the same name are listed once, as the folder
 *    (what tyche_catalog_resolve finds);
 *  - recursive (a release tree): every context at any depth, the
 *    directory itself included (name "."), symlinks never followed, every
 *    name kept: a release is checked whole, whatever the names.
 * Entries are sorted by name (then folder before workbook).
 */
#ifndef TYCHE_CATALOG_H
#define TYCHE_CATALOG_H

#ifdef __cplusplus
extern "C" {
#endif

#define TYCHE_CONTEXT_NAME_MAX 100

enum tyche_context_kind {
	TYCHE_CONTEXT_FOLDER = 1,      /* a folder of CSV tables */
	TYCHE_CONTEXT_WORKBOOK = 2     /* a .xlsx workbook */
};

enum { TYCHE_CATALOG_RECURSIVE = 1 };

typedef struct tyche_catalog_entry {
	char *name;        /* depth 1: the folder's name or the workbook's without
	                      .xlsx; recursive: the path below the directory, '/'-
	                      separated, without .xlsx ("." for the directory) */
	char *path;        /* the directory joined with the entry */
	int kind;          /* enum tyche_context_kind */
	/* filled by tyche_catalog_load (status) and tyche_catalog_hash: */
	int loaded;        /* 1 once tyche_catalog_load tried it */
	int ok;            /* it loaded without errors */
	size_t nerrors, nwarnings;
	char hash[65];     /* the context hash (as tyche_context_hash), "" unknown */
} tyche_catalog_entry;

typedef struct tyche_catalog {
	char *dir;
	tyche_catalog_entry *v;
	size_t n;
} tyche_catalog;

/* A name a context may have where it becomes a path component: 1 to 100
 * of [A-Za-z0-9._-], not starting with '.' or '-'. */
TYCHE_API int tyche_context_name_ok(const char *name);

/* List the contexts of dir (flags: TYCHE_CATALOG_RECURSIVE).  0, or
 * TYCHE_ENOENT / TYCHE_EIO naming dir when it cannot be read. */
TYCHE_API int tyche_catalog_list(tyche_catalog **out, const char *dir, unsigned flags,
				 tyche_error *err);
TYCHE_API void tyche_catalog_free(tyche_catalog *c);       /* NULL is fine */
/* The entry named name of the given kind (0: any kind), or NULL. */
TYCHE_API const tyche_catalog_entry *tyche_catalog_find(const tyche_catalog *c,
							 const char *name, int kind);

/* The path of context `name` in dir, by the depth-1 rule (a folder
 * holding designs.csv, else NAME.xlsx), without listing dir: 0 with
 * *path malloc'd (and *kind set when kind is not NULL), TYCHE_ENOENT
 * when the name is not valid or names no context, TYCHE_ENOMEM. */
TYCHE_API int tyche_catalog_resolve(const char *dir, const char *name, char **path,
				    int *kind);

/* Load every entry (tyche_context_load with lo; problems appended to
 * diags, which may be NULL) and record its status and hash.  Returns
 * how many did not load. */
TYCHE_API size_t tyche_catalog_load(tyche_catalog *c, const tyche_load_opts *lo,
				    tyche_diags *diags);
/* Fill the hash of every entry that has none: for a folder without
 * parsing the tables, else by loading it.  An entry that does not load
 * keeps "" (compare "" as "unknown": changed). */
TYCHE_API void tyche_catalog_hash(tyche_catalog *c, const tyche_load_opts *lo);

#ifdef __cplusplus
}
#endif

#endif
