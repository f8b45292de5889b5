/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi.h - what the files of tyche.cgi share: the request, the response,
 * the config, strict JSON field checks and the handlers.
 *
 * A newcomer would get this wrong: every value that comes from the request
 * (path segments, query, JSON body) is untrusted.  Context names and
 * scenario ids are checked against a strict character set here before they
 * are joined to a directory, and error messages never carry server paths
 * (details go to stderr, which the web server puts in its error log).
 */
#ifndef TYCHE_CGI_H
#define TYCHE_CGI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

#include "tyche.h"

#define CGI_MAX_BODY (2u << 20)   /* store inputs may be 1 MiB */
#define CGI_MAX_UPLOAD (256u << 20)   /* a study upload, at most (uploads.max_bytes) */
#define CGI_DEFAULT_CONFIG "/etc/tyche/tyche.yml"
#define CGI_CONTEXT_NAME_MAX 100

/* The server config as the handlers use it: a view of the one parsed
 * config (lib/config.c, tyche/config.h); the strings belong to server. */
struct cgi_config {
	tyche_server_config *server;
	const char *contexts;    /* directory of decision contexts */
	const char *store;       /* scenario store directory */
	const char *cache;       /* surface cache directory */
	const char *models;      /* model search path, or NULL */
	long samples;      /* defaults */
	uint64_t seed;
	int single_user;
	char **allowed;    /* allowed_hosts: "name" or "name:port" */
	size_t nallowed;   /* default: localhost, 127.0.0.1, ::1 */
	double wall_seconds, cpu_seconds;   /* request_limits (default 30, 30) */
};

/* Where a request comes from and where its answer goes.  CGI: the
 * process environment, a file descriptor and a FILE (cgi_handle);
 * FastCGI: the request's params and streams (cgi-fastcgi.c).  Every read
 * of a request variable, of the body and every write of the answer goes
 * through here: in FastCGI mode getenv() is the server process's
 * environment, not the request's. */
struct cgi_io {
	const char *(*param)(void *ctx, const char *name);   /* NULL if unset */
	long (*read)(void *ctx, char *buf, size_t n);      /* bytes, 0 at EOF, <0 error */
	void (*write)(void *ctx, const char *buf, size_t n);
	void *ctx;
	int limits;   /* enum cgi_limits */
};
/* How cgi_handle_io sets RLIMIT_CPU around the request's CPU budget. */
enum cgi_limits {
	CGI_LIMITS_NONE = 0,   /* the fuzzer: many requests, no signals */
	CGI_LIMITS_CGI,        /* one request per process: soft and hard limit */
	CGI_LIMITS_FASTCGI,    /* many requests: soft limit = CPU used + budget */
};

struct cgi_request {
	const struct cgi_io *io;   /* for request variables */
	const char *method;
	const char *path;          /* PATH_INFO, "" if unset */
	const char *query;         /* QUERY_STRING, "" if unset */
	const char *content_type;
	const char *user;          /* REMOTE_USER or NULL */
	char *body;                /* exactly CONTENT_LENGTH bytes, NUL added */
	size_t body_len;
	char *seg[8];              /* decoded path segments */
	size_t nseg;
};

/* A growable byte buffer. */
struct cgi_buf {
	char *p;
	size_t len, cap;
};

struct cgi_response {
	int status;
	const char *content_type;  /* static string */
	struct cgi_buf body;
	int retry_after;           /* seconds; 0 = no header */
	int binary;                /* 1: body is bytes (a workbook): neither
	                              made valid UTF-8 nor gzipped */
};

void cgi_buf_add(struct cgi_buf *b, const void *s, size_t n);
void cgi_buf_adds(struct cgi_buf *b, const char *s);
void cgi_buf_release(struct cgi_buf *b);

/* Set an error answer: {"error": msg, "status": status}. Returns status. */
int cgi_fail(struct cgi_response *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Answer with a JSON value (consumed). */
int cgi_json(struct cgi_response *r, int status, cJSON *v);
/* Map a libtyche error to an answer: 400 for EDATA/EUSAGE, 404 ENOENT,
 * 403 for someone else's scenario, 503 EBUSY, 500 otherwise. */
int cgi_fail_tyche(struct cgi_response *r, int rc, const tyche_error *err,
		   const char *what);

/* 504 naming what stopped and how to ask for less; the budget of the
 * current request is in cgi_budget_wall / cgi_budget_cpu. */
int cgi_fail_timeout(struct cgi_response *r, const char *what);
extern double cgi_budget_wall, cgi_budget_cpu;

/* One request: RFC 3875 variables from the environment, the body from
 * in_fd, the answer to out.  hard_limits: also set RLIMIT_CPU (only in a
 * process that serves one request).  Returns the answer's status. */
int cgi_handle(int in_fd, FILE *out, int hard_limits);
/* The same for any source of requests (see struct cgi_io). */
int cgi_handle_io(const struct cgi_io *io);
/* FastCGI mode (cgi-fastcgi.c): is fd 0 a listening socket, as a
 * FastCGI responder's is?  And the accept loop; returns the exit code. */
int cgi_fastcgi_detect(void);
int cgi_fastcgi_run(void);
/* Split a Host value into a lower-case name and a port ("" if none); -1
 * when it is not "name", "name:port", "[v6]", "[v6]:port" or bare v6. */
int cgi_split_hostport(const char *s, char *name, size_t nn, char *port, size_t pn);
/* Does "host[:port]" name one of the config's allowed hosts? */
int cgi_host_allowed(const struct cgi_config *c, const char *hostport);
/* Replace every invalid UTF-8 sequence in b by U+FFFD. */
void cgi_utf8_fix(struct cgi_buf *b);
/* Log at most the first few diagnostics of a study to stderr, then how
 * many more there were (a broken 100k-row table must not flood the web
 * server's error log on every request). */
void cgi_log_diags(const tyche_diags *d, const char *context);

/* Config (cgi-config.c). */
int cgi_config_load(struct cgi_config *c, const char *path, char *msg, size_t n);
void cgi_config_release(struct cgi_config *c);

/* Strict JSON (cgi-json.c).  A field spec lists the names an object may
 * hold; cgi_json_check refuses anything else, duplicates, and wrong
 * types, naming the field. */
enum cgi_jtype { CGI_J_NUMBER, CGI_J_STRING, CGI_J_BOOL, CGI_J_OBJECT, CGI_J_ARRAY };
struct cgi_field {
	const char *name;
	int type;       /* enum cgi_jtype */
	int required;
};
/* Parse a request body as one JSON object; NULL and an answer on error. */
cJSON *cgi_json_body(const struct cgi_request *q, struct cgi_response *r);
int cgi_json_check(const cJSON *obj, const char *where, const struct cgi_field *f,
		   size_t nf, struct cgi_response *r);
/* A finite number in [lo, hi] or an answer naming where. */
int cgi_json_number(const cJSON *v, const char *where, double lo, double hi,
		    double *out, struct cgi_response *r);
/* Add v to obj under name as libtyche formats every number (the
 * shortest text that reads back to v; cJSON's own printing can take a
 * digit more), or null when v is not finite. */
void cgi_json_add_num(cJSON *obj, const char *name, double v);
/* Query string parameter (decoded, malloc'd) or NULL. */
char *cgi_query_get(const char *query, const char *key);
/* %-decode in place; -1 on a bad escape or an embedded NUL. */
int cgi_url_decode(char *s);

/* Names that may become path components. */
int cgi_name_ok(const char *s, size_t max);

/* Handlers (cgi-analysis.c, cgi-store.c). */
int cgi_context_info(const struct cgi_config *c, const char *name,
		     struct cgi_response *r);
int cgi_explore(const struct cgi_config *c, const char *name,
		const struct cgi_request *q, struct cgi_response *r);
int cgi_plot(const struct cgi_config *c, const char *name,
	     const struct cgi_request *q, struct cgi_response *r);
int cgi_optimise(const struct cgi_config *c, const char *name,
		 const struct cgi_request *q, struct cgi_response *r);
int cgi_pareto(const struct cgi_config *c, const char *name,
	       const struct cgi_request *q, struct cgi_response *r);
int cgi_store_route(const struct cgi_config *c, const struct cgi_request *q,
		    struct cgi_response *r);
/* POST /contexts/NAME/sensitivity and /voi (cgi-sens.c). */
int cgi_sens_route(const struct cgi_config *c, const char *name, const struct cgi_request *q,
		   struct cgi_response *r);

/* Load a context and its surface (nowait: a build by another process is a
 * 503 "warming up").  With ctx NULL only the surface is wanted: a cached
 * one is then found without parsing the tables.  On failure the answer is
 * set and -1 returned. */
int cgi_load_surface(const struct cgi_config *c, const char *name,
		     tyche_context **ctx, tyche_surface **s, struct cgi_response *r);
/* Done with a surface from cgi_load_surface with ctx NULL: freed, unless
 * this process keeps it for its next requests (cgi_keep_surfaces, set in
 * FastCGI mode: see cgi-analysis.c). */
void cgi_surface_done(tyche_surface *s);
extern int cgi_keep_surfaces;
/* cgi_load_surface with a context, which this process may keep as well
 * (read-only: release both with cgi_context_done, never free them). */
int cgi_load_context(const struct cgi_config *c, const char *name,
		     tyche_context **ctx, tyche_surface **s, struct cgi_response *r);
void cgi_context_done(tyche_context *ctx, tyche_surface *s);
/* Summary statistics of amounts, as {"metrics": {M: {stat: v}}} for the
 * store, computed on the server. */
cJSON *cgi_results_summary(const tyche_surface *s, const double *amounts);
/* Parse {"Category": amount} into amounts[] (0 for missing). */
int cgi_parse_amounts(const tyche_surface *s, const cJSON *obj, double *amounts,
		      struct cgi_response *r);

/* Issue 15: user studies (cgi-studies.c).  The /contexts list (installed
 * ones with their status, and the user's studies), GET/POST /studies...,
 * and whether a study reference "OWNER~NAME" is visible to the request's
 * user (else the answer is a 404). */
int cgi_studies_route(const struct cgi_config *c, const struct cgi_request *q,
		      struct cgi_response *r);
int cgi_study_visible(const struct cgi_config *c, const struct cgi_request *q,
		      const char *ref, struct cgi_response *r);
/* The context path of a visible study reference; -1 if none. */
int cgi_study_path(const struct cgi_config *c, const char *ref, char *buf, size_t n);
/* umask 007 when the store is group-shared (its folder is setgid). */
void cgi_store_umask(const struct cgi_config *c);

#endif
