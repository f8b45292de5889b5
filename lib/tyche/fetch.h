/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/fetch.h - tyche-fetch: verified updates of data and models by HTTPS GET.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_FETCH_H
#define TYCHE_FETCH_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ fetch */
/* (tyche-fetch section: verified, atomic updates; see lib/fetch.c and
 * doc/fetch-protocol.md) */

/* Why an update failed; tyche-fetch maps each class to an exit code. */
enum tyche_fetch_class {
	TYCHE_FETCH_OK = 0,
	TYCHE_FETCH_CONFIG = 1,   /* bad or unreadable config, unknown source */
	TYCHE_FETCH_NETWORK = 2,  /* connect, TLS, HTTP status, timeout */
	TYCHE_FETCH_VERIFY = 3,   /* signature, key, expiry, rollback, size,
	                             hash, unsafe path or file type */
	TYCHE_FETCH_GATE = 4,     /* a decision context of the release is bad */
	TYCHE_FETCH_INSTALL = 5,  /* local file system: write, rename, link */
	TYCHE_FETCH_LOCKED = 6    /* another run holds the source's lock */
};

typedef struct tyche_fetch_config tyche_fetch_config;

/* Read the YAML config (sources, proxy; tyche.cgi's keys contexts, store,
 * cache, defaults, single_user are accepted).  Unknown keys and non-https
 * URLs are located TYCHE_EDATA errors. */
TYCHE_API int tyche_fetch_config_load(tyche_fetch_config **out,
				      const char *path, tyche_error *err);
TYCHE_API void tyche_fetch_config_free(tyche_fetch_config *c);
TYCHE_API size_t tyche_fetch_config_count(const tyche_fetch_config *c);
/* Name of source i (borrowed). */
TYCHE_API const char *tyche_fetch_config_name(const tyche_fetch_config *c,
					      size_t i);

typedef struct tyche_fetch_opts {
	int dry_run;      /* 1: fetch and verify the manifest, change nothing */
} tyche_fetch_opts;
#define TYCHE_FETCH_OPTS_INIT { .dry_run = 0 }

typedef struct tyche_fetch_result {
	int cls;                      /* TYCHE_FETCH_*; 0 = success */
	int changed;                  /* 1: a new version was (would be) installed */
	long long from_version;       /* installed before (0 = none) */
	long long to_version;         /* installed after / offered */
	size_t files_changed, files_removed, files_kept;
	unsigned long long bytes;     /* bytes downloaded (to download: dry run) */
	size_t contexts;              /* decision contexts checked by the gate */
	char url[1024];               /* the URL concerned by a failure, or "" */
} tyche_fetch_result;

/*
 * Update one source: conditional GET of the signed manifest, verification,
 * download of changed files, quality gate (every decision context of the
 * release is loaded as tyche_context_load does; its problems go to *diags),
 * atomic switch of DEST/current, cache invalidation.  Returns 0 or a
 * TYCHE_E* code; res->cls says the class and err the reason.
 */
TYCHE_API int tyche_fetch_update(const tyche_fetch_config *c,
				 const char *source,
				 const tyche_fetch_opts *opts,
				 tyche_fetch_result *res, tyche_diags *diags,
				 tyche_error *err);
/* Switch DEST/current back to the previous version (which becomes held:
 * the version rolled back from is not reinstalled). */
TYCHE_API int tyche_fetch_rollback(const tyche_fetch_config *c,
				   const char *source, tyche_fetch_result *res,
				   tyche_error *err);

/* Check that key (base64, or a NAME.pub file) is in the source's keys.
 * With reset_version, also record in DEST/state.json that the next release
 * signed by that key is accepted whatever its version (recovery from a
 * fast-forward signed by a key since retired; refused while the key that
 * signed the accepted version is still trusted).  res->from_version is
 * the trusted version set aside. */
TYCHE_API int tyche_fetch_trust_key(const tyche_fetch_config *c,
				    const char *source, const char *key,
				    int reset_version, tyche_fetch_result *res,
				    tyche_error *err);

/* Publisher side.  keygen writes NAME.pub (base64, one line) and NAME.key
 * (mode 0600).  sign writes OUT_DIR/manifest.json, manifest.json.sig and
 * the files under OUT_DIR/v<version>/ (or one bundle.tar.gz there). */
TYCHE_API int tyche_fetch_keygen(const char *name, tyche_error *err);
TYCHE_API int tyche_fetch_sign(const char *keyfile, const char *source,
			       long long version, const char *expires,
			       const char *src_dir, const char *out_dir,
			       int bundle, tyche_error *err);
/* Write FILE.sig, the detached signature of FILE (re-signing a manifest). */
TYCHE_API int tyche_fetch_sign_file(const char *keyfile, const char *file,
				    tyche_error *err);
/* (end of tyche-fetch section) */

#ifdef __cplusplus
}
#endif
#endif
