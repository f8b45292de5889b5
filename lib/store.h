/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.h - the scenario store's internals (lib/store*.c): the handle, the
 * names its four files share, and knobs for tests and benchmarks; cmd/
 * and cgi/ use tyche.h.
 *
 *   store.c        the store itself: open, save, load, share, rename,
 *                  delete, who may do what, the store lock, stale temp files
 *   store-index.c  listing and its cache DIR/index.tsv
 *   store-diff.c   comparing two scenarios
 *   store-json.c   one scenario as data: field checks, times, the file's
 *                  JSON (read and written), rendering for callers
 *
 * These are hidden symbols: a program linked against libtyche.a (the test
 * helper, t/perf) can reach them, the shared library does not export them.
 * The test hook that pauses a writer between its temp file and the rename
 * is fsutil's ty_before_rename_hook (internal.h).
 */
#ifndef TY_STORE_H
#define TY_STORE_H

#include <cJSON.h>

#include "internal.h"

#define TY_SCENARIO_MAX_SAMPLES 1000000000000L

struct tyche_store {
	char *dir;       /* as given */
	char *scdir;     /* DIR/scenarios, for messages */
	int dfd, sfd;    /* DIR and DIR/scenarios */
	int lockfd;
	int sync;        /* fsync files and directories */
	int use_index;
	size_t nstat;    /* files stat'ed by the last listing (for tests) */
};

/* 0: skip fsync of files and directories (bulk setup in benchmarks only;
 * a crash may then lose or empty files).  Default 1. */
TY_HIDDEN void ty_store_set_fsync(tyche_store *st, int on);

/* 0: list without the summary index cache (parse every file), to measure
 * what the index saves.  Default 1. */
TY_HIDDEN void ty_store_set_index(tyche_store *st, int on);

/* How many scenario files the last tyche_store_list stat'ed: 0 when it
 * trusted the index for every file (the directory had not changed since
 * the index was written, and had been quiet for SETTLE_SEC before). */
TY_HIDDEN size_t ty_store_list_nstat(const tyche_store *st);

/* ---- store.c, for the listing and the diff */

/* Read dfd/name (a regular file, not a link) of at most max bytes; path
 * names it in messages.  TYCHE_ENOENT when it does not exist. */
TY_HIDDEN int ty_store_read_at(int dfd, const char *name, const char *path, size_t max,
			       char **out, size_t *outlen, tyche_error *err);
/* Parse scenarios/<id>.json into *sc (no access check). */
TY_HIDDEN int ty_store_read_scenario(tyche_store *st, const char *id, tyche_scenario *sc,
				     int bodies, tyche_error *err);
/* Load id for user, checking that user may read it: another user's
 * private scenario is TYCHE_ENOENT with the message of a missing one. */
TY_HIDDEN int ty_store_load_visible(tyche_store *st, const char *user, const char *id,
				    tyche_scenario *sc, int bodies, tyche_error *err);

/* ---- store-json.c: checks of one field (1 = fine for is_*, 0 = fine and
 * TYCHE_EUSAGE with a message for check_*) */

TY_HIDDEN int ty_scenario_is_id(const char *s);
TY_HIDDEN int ty_scenario_is_user(const char *s);
TY_HIDDEN int ty_scenario_is_hash(const char *s);      /* "" or 64 lowercase hex */
TY_HIDDEN int ty_scenario_is_version(const char *s);
/* Valid UTF-8 of minlen..maxlen bytes without controls (and without ','
 * when nocomma): NULL, else what is wrong ("is empty", ...). */
TY_HIDDEN const char *ty_scenario_text_problem(const char *s, size_t minlen, size_t maxlen,
					       int nocomma);
TY_HIDDEN int ty_scenario_check_id(const char *id, tyche_error *err);
TY_HIDDEN int ty_scenario_check_user(const char *user, tyche_error *err);
TY_HIDDEN int ty_scenario_check_name(const char *name, tyche_error *err);
/* The caller-set fields of a scenario about to be saved. */
TY_HIDDEN int ty_scenario_check(const tyche_scenario *sc, tyche_error *err);
/* Copy src into dst[n]: -1 (dst untouched) when it does not fit. */
TY_HIDDEN int ty_scenario_copy_field(char *dst, size_t n, const char *src);

/* The file's JSON of *sc; with bodies, inputs and results (parsed by the
 * caller) are added, and they are taken over either way.  NULL: no memory. */
TY_HIDDEN cJSON *ty_scenario_to_cjson(const tyche_scenario *sc, cJSON *inputs,
				      cJSON *results, int bodies);
/* Read and validate a scenario file's JSON into *sc (without bodies: the
 * summary only).  TYCHE_EDATA, located at where, when anything is off. */
TY_HIDDEN int ty_scenario_from_cjson(const cJSON *o, tyche_scenario *sc, int bodies,
				     const char *where, tyche_error *err);

#endif
