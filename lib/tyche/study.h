/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/study.h - the analyst's own studies (lib/study.c): a workbook or
 * an archive of the seven tables plus model files, checked by the same
 * loader as `tyche-run check`, kept in the scenario store's tree so the
 * shell (`tyche-run study`) and the browser (tyche.cgi /studies) share
 * them.  Included by tyche.h.
 *
 * Layout under the store directory STORE:
 *   STORE/studies/OWNER/NAME/study.json     owner, shared, current version
 *   STORE/studies/OWNER/NAME/VERSION/NAME/  a folder of CSV tables + models
 *   STORE/studies/OWNER/NAME/VERSION/NAME.xlsx (+ model files beside it)
 *   STORE/studies/.staging-*                uploads being checked
 * VERSION is the first 16 hex digits of the context hash: replacing a
 * study adds a version and moves "current"; older versions stay, so a
 * scenario saved against one still names what it used.
 *
 * Ownership is the store's: a private study exists for its owner alone
 * (others get TYCHE_ENOENT), a shared one is readable by every user,
 * and only the owner changes it (TYCHE_EPERM).  A study is named to
 * other code by its reference "OWNER~NAME" (never a path).
 */
#ifndef TYCHE_STUDY_H
#define TYCHE_STUDY_H

#ifdef __cplusplus
extern "C" {
#endif

#define TYCHE_STUDY_VERSION_HEX 16

typedef struct tyche_study {
	char name[TYCHE_CONTEXT_NAME_MAX + 1];
	char owner[65];
	int shared;
	char version[TYCHE_STUDY_VERSION_HEX + 1];   /* current version */
	char hash[65];                               /* its context hash */
	int kind;                                    /* enum tyche_context_kind */
	int64_t created, modified;
	unsigned long long bytes;                    /* of every version */
	char *path;        /* the current version's context path (malloc'd) */
} tyche_study;

/* Free path and zero *s. */
TYCHE_API void tyche_study_release(tyche_study *s);
TYCHE_API void tyche_study_list_free(tyche_study *v, size_t n);

/* Split "OWNER~NAME" (checked: a store user name and a context name);
 * 0, or -1 when ref is not one. */
TYCHE_API int tyche_study_ref_split(const char *ref, char owner[65],
				    char name[TYCHE_CONTEXT_NAME_MAX + 1]);

/*
 * Add file as user's study `name` (a new one, or a new version of the
 * user's own study of that name).  filename (may be NULL: file) says the
 * kind by its ending: .xlsx, .zip, .tar.gz or .tgz.  An archive holds
 * one study: the seven CSV tables (at its top or in one folder) or one
 * workbook, with the model files beside them; it is unpacked with
 * tyche-fetch's defences (no links, no absolute or '..' paths, counted
 * entries and bytes).  The study is loaded with lo (model path) and
 * every problem goes to diags with its where relative to the upload
 * ("designs.csv", "name.xlsx:designs").  Every limit of lim that is
 * exceeded is TYCHE_EDATA naming its key ("uploads.max_files").
 * Returns 0 (and fills *out when not NULL), TYCHE_EDATA (bad upload,
 * nothing left on disk), TYCHE_EUSAGE (a bad name), TYCHE_EIO.
 */
TYCHE_API int tyche_study_add(tyche_study *out, const char *store_dir, const char *user,
			      const char *name, const char *file, const char *filename,
			      const tyche_study_limits *lim, const tyche_load_opts *lo,
			      tyche_diags *diags, tyche_error *err);

/* The studies user may see (own and shared), sorted by owner then name.
 * A study whose metadata cannot be read is skipped. */
TYCHE_API int tyche_study_list(tyche_study **out, size_t *n, const char *store_dir,
			       const char *user, tyche_error *err);

/* One study by owner and name as user sees it: TYCHE_ENOENT when absent
 * or another user's private study. */
TYCHE_API int tyche_study_get(tyche_study *out, const char *store_dir, const char *user,
			      const char *owner, const char *name, tyche_error *err);

/* Owner-only: share or unshare, delete (every version). */
TYCHE_API int tyche_study_set_shared(const char *store_dir, const char *user,
				     const char *name, int shared, tyche_error *err);
TYCHE_API int tyche_study_delete(const char *store_dir, const char *user,
				 const char *name, tyche_error *err);

/* Copy the current version of a shared study (owner~name) into the
 * installed contexts folder as `name` (an admin's promotion; the caller
 * checks who may).  TYCHE_EUSAGE when an installed study of that name
 * exists; TYCHE_ENOENT when the study is not shared. */
TYCHE_API int tyche_study_promote(const char *store_dir, const char *owner,
				  const char *name, const char *contexts_dir,
				  tyche_error *err);

/* Make dir a store shared by the members of group (NULL: the caller's
 * group): the folders store, scenarios and studies setgid and group-
 * writable (2770), the lock file 0660.  TYCHE_EUSAGE for an unknown
 * group, TYCHE_EIO (with the reason) otherwise. */
TYCHE_API int tyche_store_init(const char *dir, const char *group, tyche_error *err);

#ifdef __cplusplus
}
#endif

#endif
