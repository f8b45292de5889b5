/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/config.h - the server config, /etc/tyche/tyche.yml (lib/config.c):
 * one reader of every key, shared by tyche.cgi (contexts, store, cache,
 * models, defaults, single_user, allowed_hosts, request_limits, admins,
 * uploads) and
 * tyche-fetch (sources, proxy, cache).  Included by tyche.h.
 *
 * The whole file is checked whoever reads it: an unknown key, a key given
 * twice, or a bad value anywhere is an error naming file:line:col, so a
 * typo in tyche-fetch's part is seen by the web server's log too, and
 * never silently falls back to a default.  What each program needs on
 * top (the CGI: contexts, store and cache; tyche-fetch: a sources list)
 * is asked for with the need flags.
 */
#ifndef TYCHE_CONFIG_H
#define TYCHE_CONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

#define TYCHE_CONFIG_DEFAULT_PATH "/etc/tyche/tyche.yml"
#define TYCHE_CONFIG_MAX_BYTES (1u << 20)
#define TYCHE_SOURCE_KEY_BYTES 32        /* an Ed25519 public key */

/* One entry of sources: (tyche-fetch). */
typedef struct tyche_server_source {
	char *name, *url, *dest, *ca_file;   /* url ends in '/'; ca_file or NULL */
	unsigned char (*keys)[TYCHE_SOURCE_KEY_BYTES];
	size_t nkeys;
	unsigned long long max_bytes;        /* default 1 GiB */
	long timeout;                        /* seconds, whole transfer; default 300 */
	int retries;                         /* default 3 */
} tyche_server_source;

/* Limits on the analyst's own studies (uploads: in the config; the same
 * for `tyche-run study add`).  Each refusal names its key. */
typedef struct tyche_study_limits {
	unsigned long long max_bytes;        /* one upload (32 MiB) */
	unsigned long long max_files;        /* files in one archive (64) */
	unsigned long long max_unpacked;     /* unpacked bytes of one upload (256 MiB) */
	unsigned long long max_studies;      /* studies per user (20) */
	unsigned long long max_user_bytes;   /* bytes of studies per user (1 GiB) */
} tyche_study_limits;
#define TYCHE_STUDY_LIMITS_INIT { .max_bytes = 32ull << 20, .max_files = 64, \
	.max_unpacked = 256ull << 20, .max_studies = 20, .max_user_bytes = 1ull << 30 }

typedef struct tyche_server_config {
	char *path;                          /* the file read */
	char *contexts, *store, *cache, *models;   /* NULL when not given */
	long samples;                        /* defaults.samples (1000) */
	uint64_t seed;                       /* defaults.seed (1) */
	int single_user;                     /* 0 unless true */
	char **allowed_hosts;                /* "name" or "name:port"; when not */
	size_t nallowed_hosts;               /* given: localhost, 127.0.0.1, ::1 */
	double wall_seconds, cpu_seconds;    /* request_limits (30, 30) */
	tyche_server_source *sources;
	size_t nsources;
	int has_sources;                     /* a sources: key was given */
	char *proxy;                         /* NULL = none */
	/* issue 15: user studies (uploads) */
	char **admins;                       /* admins: users who may promote */
	size_t nadmins;                      /* a shared study (default none) */
	tyche_study_limits uploads;          /* uploads: (TYCHE_STUDY_LIMITS_INIT) */
} tyche_server_config;

/* Is user one of the config's admins? */
TYCHE_API int tyche_server_config_is_admin(const tyche_server_config *c, const char *user);

/* What the caller needs beyond a valid file; a missing one is an error
 * located at the top of the file. */
enum {
	TYCHE_CONFIG_NEED_SERVE = 1,         /* contexts, store, cache */
	TYCHE_CONFIG_NEED_SOURCES = 2        /* a sources: list */
};

/* Read and check the config at path (at most 1 MiB).  0, or TYCHE_EDATA
 * naming path:line:col and what was expected (unknown keys list the
 * expected ones), TYCHE_ENOENT / TYCHE_EIO when it cannot be read. */
TYCHE_API int tyche_server_config_load(tyche_server_config **out, const char *path,
				       unsigned need, tyche_error *err);
TYCHE_API void tyche_server_config_free(tyche_server_config *c);   /* NULL is fine */

/* Split a Host value into a lower-case name (no brackets, no trailing
 * dot) and a port ("" if none); -1 when it is not "name", "name:port",
 * "[v6]", "[v6]:port" or a bare v6 literal. */
TYCHE_API int tyche_host_split(const char *s, char *name, size_t nn, char *port,
			       size_t pn);
/* Does "host[:port]" name one of c's allowed hosts (an entry without a
 * port matches any port)? */
TYCHE_API int tyche_server_config_host_allowed(const tyche_server_config *c,
					       const char *hostport);

#ifdef __cplusplus
}
#endif

#endif
