/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/store.h - the scenario store: saved scenarios as flat files, owners and sharing.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_STORE_H
#define TYCHE_STORE_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- scenario store */
/*
 * A directory tree of flat files shared by the CLI and the CGI: one JSON
 * file ("schema": "tyche-scenario/1") per saved scenario.  Writes are atomic
 * (temp file, fsync, rename, fsync of the directory) and safe between
 * processes; readers never see a partial file.  Every call takes the acting
 * user: a private scenario exists for its owner alone (others get
 * TYCHE_ENOENT, never a hint that it exists), a shared one is readable by
 * every user; only the owner may change or delete a scenario (others get
 * TYCHE_EUSAGE).  A tyche_store handle is for one thread at a time.
 *
 * Limits (longer or malformed values are TYCHE_EUSAGE, nothing is cut):
 * ids [A-Za-z0-9_-]{1,64}; users [A-Za-z0-9._@-]{1,64} not starting with
 * '.' or '-'; names and context names valid UTF-8 without control
 * characters, 1..200 (context 0..200) bytes; at most 32 tags of 1..64 bytes
 * under the name rules without ','; inputs and results JSON objects of at
 * most 1 MiB each.
 */
typedef struct tyche_store tyche_store;

#define TYCHE_SCENARIO_ID_MAX 64
#define TYCHE_SCENARIO_USER_MAX 64
#define TYCHE_SCENARIO_NAME_MAX 200
#define TYCHE_SCENARIO_TAG_MAX 64
#define TYCHE_SCENARIO_TAGS_MAX 32

typedef struct tyche_scenario {
	char id[TYCHE_SCENARIO_ID_MAX + 1];      /* "" = new (save fills it) */
	char name[TYCHE_SCENARIO_NAME_MAX + 1];  /* UTF-8 */
	char owner[TYCHE_SCENARIO_USER_MAX + 1]; /* set by save */
	int64_t created, modified;  /* seconds since the epoch; set by save */
	int shared;                 /* 0 private, 1 shared with every user */
	char **tags;                /* malloc'd strings, freed by release */
	size_t ntags;
	char context[TYCHE_SCENARIO_NAME_MAX + 1]; /* context name, may be "" */
	char context_hash[65];      /* hex SHA-256 of the context, or "" */
	char version[32];           /* tyche_version() at save; set by save */
	uint64_t seed;
	long samples;
	char *inputs_json;   /* JSON object text (amounts, optimiser settings);
	                        NULL = {}; malloc'd, freed by release */
	char *results_json;  /* JSON object text; by convention
	                        {"metrics": {METRIC: {STAT: number}}, ...};
	                        NULL = {}; malloc'd, freed by release */
} tyche_scenario;
#define TYCHE_SCENARIO_INIT { .id = "", .name = "", .owner = "", .created = 0, \
	.modified = 0, .shared = 0, .tags = NULL, .ntags = 0, .context = "", \
	.context_hash = "", .version = "", .seed = 0, .samples = 0, \
	.inputs_json = NULL, .results_json = NULL }

/* Free the tags and JSON texts and reset *s to TYCHE_SCENARIO_INIT. */
TYCHE_API void tyche_scenario_release(tyche_scenario *s);
/* Append a copy of tag (TYCHE_EUSAGE if invalid or one too many). */
TYCHE_API int tyche_scenario_add_tag(tyche_scenario *s, const char *tag,
				     tyche_error *err);
/* Release every element of a list from tyche_store_list, then the array. */
TYCHE_API void tyche_scenario_list_free(tyche_scenario *v, size_t n);

/*
 * Open the store rooted at dir, creating dir (and its parents) and the
 * layout if missing, and remove temp files left by writers that died.
 * TYCHE_EIO when dir cannot be created or opened.  *out only on success.
 */
TYCHE_API int tyche_store_open(tyche_store **out, const char *dir,
			       tyche_error *err);
TYCHE_API void tyche_store_free(tyche_store *st);  /* NULL is fine */

/* The login name of the calling process (getpwuid(getuid()), else $USER),
 * or NULL.  Points to static storage: not thread-safe. */
TYCHE_API const char *tyche_store_default_user(void);

/*
 * Save *sc as user.  With sc->id "" a new scenario is created: save fills
 * id, owner, created, modified and version in *sc.  With an id, the stored
 * scenario of that id is replaced (it must exist and belong to user; its
 * created time and owner are kept; modified and version are updated).
 * TYCHE_EUSAGE for an invalid field or invalid JSON in inputs/results;
 * TYCHE_EPERM when the scenario is another user's (shared); TYCHE_ENOENT
 * when the id is not visible.
 */
TYCHE_API int tyche_store_save(tyche_store *st, const char *user,
			       tyche_scenario *sc, tyche_error *err);

/* Load scenario id as user into *out (which is released first).
 * TYCHE_ENOENT if absent or private to another user; TYCHE_EDATA if the
 * file is corrupt. */
TYCHE_API int tyche_store_load(tyche_scenario *out, tyche_store *st,
			       const char *user, const char *id,
			       tyche_error *err);

typedef struct tyche_store_filter {
	const char *owner;    /* only this owner's scenarios, or NULL */
	const char *context;  /* only this context name, or NULL */
	const char *tag;      /* only scenarios carrying this tag, or NULL */
	int mine;             /* 1: only the acting user's */
	int shared;           /* 1: only shared ones */
} tyche_store_filter;
#define TYCHE_STORE_FILTER_INIT { .owner = NULL, .context = NULL, .tag = NULL, .mine = 0, \
	.shared = 0 }

/*
 * List the scenarios visible to user (own ones and shared ones) matching
 * *filter (NULL = all), newest created first.  *out is an array of *n
 * summaries with inputs_json and results_json NULL; free it with
 * tyche_scenario_list_free.  Corrupt or foreign files in the store are
 * skipped and each is reported as a warning in *diags (may be NULL).
 */
TYCHE_API int tyche_store_list(tyche_scenario **out, size_t *n,
			       tyche_store *st,
			       const char *user, const tyche_store_filter *filter,
			       tyche_diags *diags, tyche_error *err);

/* Owner-only changes (TYCHE_ENOENT if not visible, TYCHE_EPERM if not the
 * owner, TYCHE_EUSAGE if the new name is invalid).  Each updates the
 * modified time. */
TYCHE_API int tyche_store_set_shared(tyche_store *st, const char *user,
				     const char *id, int shared,
				     tyche_error *err);
TYCHE_API int tyche_store_rename(tyche_store *st, const char *user,
				 const char *id, const char *name,
				 tyche_error *err);
TYCHE_API int tyche_store_delete(tyche_store *st, const char *user,
				 const char *id, tyche_error *err);

/*
 * Compare scenarios a and b (both readable by user).  *json_out (malloc'd)
 * is a JSON object:
 *   {"a": ID, "b": ID,
 *    "settings": {FIELD: {"a": v, "b": v}},        context, seed, ... that differ
 *    "inputs":   {POINTER: {"a": v, "b": v}},      leaves that differ
 *    "results":  {POINTER: {"a": v, "b": v}},      results outside "metrics"
 *    "metrics":  {METRIC: {STAT: {"a": x, "b": y, "diff": y - x}}}}
 * POINTER is an RFC 6901 JSON pointer ("/amounts/Module R&D") to a leaf of
 * the nested objects; a side that lacks a key is null.  Every numeric
 * statistic found in either side's results.metrics is listed (diff null
 * unless both are numbers).
 */
TYCHE_API int tyche_store_diff(char **json_out, tyche_store *st,
			       const char *user, const char *id_a,
			       const char *id_b, tyche_error *err);

/* Format t (seconds since the epoch) as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ";
 * buf must hold 21 bytes. */
TYCHE_API const char *tyche_time_format(int64_t t, char *buf);

/* The scenario as the JSON object of its file (schema, id, name, owner,
 * created, modified, visibility, tags, context, context_hash, version,
 * seed as a string, samples, and inputs / results when not NULL); a list
 * as a JSON array of such objects.  malloc'd text (free with free()), or
 * NULL when out of memory or when inputs_json / results_json is not JSON. */
TYCHE_API char *tyche_scenario_to_json(const tyche_scenario *sc, int pretty);
TYCHE_API char *tyche_scenario_list_to_json(const tyche_scenario *v, size_t n,
					    int pretty);

#ifdef __cplusplus
}
#endif
#endif
