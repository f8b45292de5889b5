/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-studies.c - the list of studies (installed ones with their status,
 * and the user's own) and the routes of user studies (lib/study.c):
 *
 *   GET  /contexts                    installed + "studies" + "landing"
 *   GET  /studies                     the user's and the shared studies
 *   POST /studies?name=N&filename=F   the body is the file (.xlsx, .zip,
 *                                     .tar.gz): checked, then saved
 *   POST /studies/NAME/share          {"shared": bool}   (owner only)
 *   POST /studies/NAME/delete                            (owner only)
 *   POST /studies/OWNER~NAME/promote  into the installed set (admins)
 *
 * A user study is named "OWNER~NAME" wherever an installed study's name
 * goes (/contexts/alice~pv/explore, a scenario's context); the router
 * asks cgi_study_visible first, so another user's private study is a 404
 * exactly like a missing one.
 *
 * Easy to get wrong:
 *  - An installed study that does not load is listed as unavailable and
 *    never becomes the landing page; its problems go to admins in full
 *    (relative to the contexts folder, never a server path) and to
 *    others as a count.
 *  - An upload's problems are the uploader's own file: all of them are
 *    answered, located relative to the upload.
 *  - Every limit refused names its config key (uploads.max_bytes, ...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi.h"

#define PROBLEMS_MAX 200

static const char *study_user(const struct cgi_config *c, const struct cgi_request *q)
{
	if (q->user)
		return q->user;
	return c->single_user ? "local" : NULL;
}

void cgi_store_umask(const struct cgi_config *c)
{
	struct stat st;

	if (c->store && stat(c->store, &st) == 0 && (st.st_mode & S_ISGID))
		umask(007);
}

/* A model not found names the server's model folders and the command
 * line's options: in a web answer it names neither. */
static void scrub_model_path(char *msg, size_t n)
{
	static const char key[] = "nor on the model path (";
	static const char tail[] = "; name its folder with --models DIR or TYCHE_MODEL_PATH=DIR";
	char *p = strstr(msg, key), *e, out[1200];

	if (!p || !(e = strchr(p + sizeof key - 1, ')')))
		return;
	snprintf(out, sizeof out, "%.*sthe server's model library%s", (int)(p + sizeof key - 1 - msg),
		 msg, e);
	if ((p = strstr(out, tail)) && strlen(p) == sizeof tail - 1)
		snprintf(p, sizeof out - (size_t)(p - out), "; upload the model file with the tables");
	snprintf(msg, n, "%s", out);
}

/* Problems as [{where, line, col, severity, message}], with the prefix
 * (a server folder) taken out of where and messages. */
static cJSON *problems_json(const tyche_diags *d, const char *prefix)
{
	cJSON *a = cJSON_CreateArray();
	size_t k = prefix ? strlen(prefix) : 0;

	for (size_t i = 0; i < d->n && i < PROBLEMS_MAX; i++) {
		const tyche_diag *g = &d->v[i];
		cJSON *o = cJSON_CreateObject();
		const char *w = g->where ? g->where : "";
		char msg[1200], *p;

		if (k && !strncmp(w, prefix, k))
			w += k + (w[k] == '/');
		snprintf(msg, sizeof msg, "%s", g->msg ? g->msg : "");
		while (k && (p = strstr(msg, prefix)))
			memmove(p, p + k + (p[k] == '/'), strlen(p + k + (p[k] == '/')) + 1);
		scrub_model_path(msg, sizeof msg);
		cJSON_AddStringToObject(o, "where", w);
		cJSON_AddNumberToObject(o, "line", g->line);
		cJSON_AddNumberToObject(o, "col", g->col);
		cJSON_AddStringToObject(o, "severity", g->severity == TYCHE_SEV_ERROR ? "error" : "warning");
		cJSON_AddStringToObject(o, "message", msg);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *study_json(const tyche_study *s, const char *user)
{
	cJSON *o = cJSON_CreateObject();
	char ref[200];

	snprintf(ref, sizeof ref, "%s~%s", s->owner, s->name);
	cJSON_AddStringToObject(o, "name", ref);
	cJSON_AddStringToObject(o, "study", s->name);
	cJSON_AddStringToObject(o, "owner", s->owner);
	cJSON_AddBoolToObject(o, "shared", s->shared);
	cJSON_AddBoolToObject(o, "mine", user && !strcmp(user, s->owner));
	cJSON_AddStringToObject(o, "version", s->version);
	cJSON_AddStringToObject(o, "hash", s->hash);
	return o;
}

/* GET /contexts: installed studies, each loaded to know its status
 * (unless its surface is cached for its files as they are). */
static int contexts_list(const struct cgi_config *c, const struct cgi_request *q,
			 struct cgi_response *r)
{
	tyche_catalog *cat = NULL;
	tyche_error err = { 0 };
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_analysis_opts ao = TYCHE_ANALYSIS_OPTS_INIT;
	const char *user = study_user(c, q);
	int admin = tyche_server_config_is_admin(c->server, user);
	const char *landing = NULL;
	tyche_study *v = NULL;
	size_t n = 0;
	cJSON *o, *arr;

	if (tyche_catalog_list(&cat, c->contexts, 0, &err)) {
		fprintf(stderr, "tyche.cgi: cannot open contexts directory %s: %s\n", c->contexts,
			err.msg);
		return cgi_fail(r, 500, "the contexts directory cannot be read (see the server log)");
	}
	lo.model_path = c->models;
	ao.seed = c->seed;
	ao.samples = (size_t)c->samples;
	ao.cache_dir = c->cache;
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "contexts");
	for (size_t i = 0; i < cat->n; i++) {
		cJSON *x = cJSON_CreateObject();
		tyche_diags d = TYCHE_DIAGS_INIT;
		tyche_context *ctx = NULL;
		/* a study whose surface is cached as its files are now loaded
		 * when that was built: stat() calls instead of a load */
		int rc = tyche_surface_cached(cat->v[i].path, &lo, &ao)
			? 0 : tyche_context_load(&ctx, cat->v[i].path, &lo, &d);

		cJSON_AddStringToObject(x, "name", cat->v[i].name);
		if (rc) {
			char sum[200];

			snprintf(sum, sizeof sum, "unavailable: %zu error%s, %zu warning%s%s", d.nerrors,
				 d.nerrors == 1 ? "" : "s", d.nwarnings, d.nwarnings == 1 ? "" : "s",
				 admin ? "" : " (an administrator sees where)");
			cJSON_AddBoolToObject(x, "available", 0);
			cJSON_AddStringToObject(x, "summary", sum);
			cJSON_AddNumberToObject(x, "errors", (double)d.nerrors);
			cJSON_AddNumberToObject(x, "warnings", (double)d.nwarnings);
			if (admin)
				cJSON_AddItemToObject(x, "problems", problems_json(&d, c->contexts));
		} else if (!landing) {
			landing = cat->v[i].name;
		}
		tyche_context_free(ctx);
		tyche_diags_release(&d);
		cJSON_AddItemToArray(arr, x);
	}
	if (user && c->store && !tyche_study_list(&v, &n, c->store, user, &err)) {
		cJSON *sa = cJSON_AddArrayToObject(o, "studies");

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(sa, study_json(&v[i], user));
	}
	/* the page opens this one: never a study that does not load */
	if (landing) {
		cJSON_AddStringToObject(o, "landing", landing);
	} else if (n) {
		char ref[200];

		snprintf(ref, sizeof ref, "%s~%s", v[0].owner, v[0].name);
		cJSON_AddStringToObject(o, "landing", ref);
	}
	cJSON_AddBoolToObject(o, "admin", admin);
	tyche_study_list_free(v, n);
	tyche_catalog_free(cat);
	return cgi_json(r, 200, o);
}

static int fail_study(struct cgi_response *r, int rc, const tyche_error *err)
{
	switch (rc) {
	case TYCHE_ENOENT: return cgi_fail(r, 404, "no such study");
	case TYCHE_EPERM: return cgi_fail(r, 403, "only the owner may change this study");
	case TYCHE_EUSAGE:
	case TYCHE_EDATA: return cgi_fail(r, 400, "%s", err->msg);
	default:
		fprintf(stderr, "tyche.cgi: study: %s\n", err->msg);
		return cgi_fail(r, 500, "the study could not be saved (see the server log)");
	}
}

/* POST /studies?name=N&filename=F: the body is the file. */
static int upload(const struct cgi_config *c, const struct cgi_request *q, const char *user,
		  struct cgi_response *r)
{
	const tyche_study_limits *lim = &c->server->uploads;
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	tyche_study s;
	char *name = cgi_query_get(q->query, "name");
	char *filename = cgi_query_get(q->query, "filename");
	char tmp[] = "/tmp/tyche-upload.XXXXXX";
	int fd = -1, rc, status;

	if (!filename || !*filename) {
		status = cgi_fail(r, 400, "query parameter 'filename' is required (the uploaded "
				  "file's name: .xlsx, .zip or .tar.gz)");
		goto out;
	}
	if (!name || !*name) {
		/* the file name without its ending */
		static const char *const ends[] = { ".tar.gz", ".tgz", ".zip", ".xlsx" };
		const char *b = strrchr(filename, '/');

		free(name);
		name = strdup(b ? b + 1 : filename);
		for (size_t i = 0; name && i < sizeof ends / sizeof ends[0]; i++) {
			size_t n = strlen(name), k = strlen(ends[i]);

			if (n > k && !strcasecmp(name + n - k, ends[i])) {
				name[n - k] = '\0';
				break;
			}
		}
	}
	if (q->body_len > lim->max_bytes) {
		status = cgi_fail(r, 413, "the upload of %zu bytes is over the limit of %llu bytes "
				  "(uploads.max_bytes)", q->body_len, lim->max_bytes);
		goto out;
	}
	if (!q->body_len) {
		status = cgi_fail(r, 400, "the upload is empty");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || write(fd, q->body, q->body_len) != (ssize_t)q->body_len) {
		status = cgi_fail(r, 500, "cannot keep the upload (see the server log)");
		fprintf(stderr, "tyche.cgi: upload temp file: %s\n", strerror(errno));
		goto out;
	}
	cgi_store_umask(c);
	lo.model_path = c->models;
	rc = tyche_study_add(&s, c->store, user, name, tmp, filename, lim, &lo, &d, &err);
	if (rc == TYCHE_EDATA || rc == TYCHE_EUSAGE) {
		cJSON *o = cJSON_CreateObject();
		char msg[1024];

		if (err.where[0])
			snprintf(msg, sizeof msg, "%.200s: %.700s", err.where, err.msg);
		else
			snprintf(msg, sizeof msg, "%s", err.msg);
		cJSON_AddStringToObject(o, "error", msg);
		cJSON_AddNumberToObject(o, "status", 400);
		cJSON_AddNumberToObject(o, "errors", (double)d.nerrors);
		cJSON_AddItemToObject(o, "problems", problems_json(&d, NULL));
		status = cgi_json(r, strstr(err.msg, "(uploads.max_bytes)") ? 413 : 400, o);
	} else if (rc) {
		status = fail_study(r, rc, &err);
	} else {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "study", study_json(&s, user));
		cJSON_AddNumberToObject(o, "warnings", (double)d.nwarnings);
		cJSON_AddItemToObject(o, "problems", problems_json(&d, NULL));
		tyche_study_release(&s);
		status = cgi_json(r, 201, o);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	tyche_diags_release(&d);
	free(name);
	free(filename);
	return status;
}

int cgi_studies_route(const struct cgi_config *c, const struct cgi_request *q,
		      struct cgi_response *r)
{
	int get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
	int post = !strcmp(q->method, "POST");
	const char *user = study_user(c, q);
	tyche_error err = { 0 };
	int rc;

	if (!strcmp(q->seg[0], "contexts")) {
		if (!get)
			return cgi_fail(r, 405, "use GET for this resource");
		return contexts_list(c, q, r);
	}
	if (!user)
		return cgi_fail(r, 401, "studies need an authenticated user: configure the web "
				"server's authentication (REMOTE_USER), or set single_user: true");
	if (q->nseg == 1) {
		tyche_study *v = NULL;
		size_t n = 0;

		if (post)
			return upload(c, q, user, r);
		if (!get)
			return cgi_fail(r, 405, "use GET or POST for this resource");
		if (tyche_study_list(&v, &n, c->store, user, &err) == 0) {
			cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "studies");

			for (size_t i = 0; i < n; i++)
				cJSON_AddItemToArray(a, study_json(&v[i], user));
			tyche_study_list_free(v, n);
			return cgi_json(r, 200, o);
		}
		return fail_study(r, err.code, &err);
	}
	if (q->nseg != 3)
		return cgi_fail(r, 404, "no such resource");
	if (!post)
		return cgi_fail(r, 405, "use POST for %s", q->seg[2]);
	if (!strcmp(q->seg[2], "share")) {
		static const struct cgi_field f[] = { { "shared", CGI_J_BOOL, 1 } };
		cJSON *b = cgi_json_body(q, r);

		if (!b)
			return r->status;
		if (cgi_json_check(b, "body", f, 1, r)) {
			cJSON_Delete(b);
			return r->status;
		}
		rc = tyche_study_set_shared(c->store, user, q->seg[1],
					    cJSON_IsTrue(cJSON_GetObjectItem(b, "shared")), &err);
		cJSON_Delete(b);
	} else if (!strcmp(q->seg[2], "delete")) {
		rc = tyche_study_delete(c->store, user, q->seg[1], &err);
	} else if (!strcmp(q->seg[2], "promote")) {
		char owner[65], name[TYCHE_CONTEXT_NAME_MAX + 1];

		if (!tyche_server_config_is_admin(c->server, user))
			return cgi_fail(r, 403, "only an administrator (admins in the server config) "
					"may install a study for everyone");
		if (tyche_study_ref_split(q->seg[1], owner, name))
			return cgi_fail(r, 404, "no such study");
		rc = tyche_study_promote(c->store, owner, name, c->contexts, &err);
	} else {
		return cgi_fail(r, 404, "no such resource");
	}
	if (rc)
		return fail_study(r, rc, &err);
	{
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "study", q->seg[1]);
		cJSON_AddStringToObject(o, "done", q->seg[2]);
		return cgi_json(r, 200, o);
	}
}

int cgi_study_visible(const struct cgi_config *c, const struct cgi_request *q,
		      const char *ref, struct cgi_response *r)
{
	char owner[65], name[TYCHE_CONTEXT_NAME_MAX + 1];
	const char *user = study_user(c, q);
	tyche_study s;

	if (tyche_study_ref_split(ref, owner, name) || !c->store ||
	    tyche_study_get(&s, c->store, user, owner, name, NULL))
		return cgi_fail(r, 404, "no context named '%.100s'", ref), -1;
	tyche_study_release(&s);
	return 0;
}

int cgi_study_path(const struct cgi_config *c, const char *ref, char *buf, size_t n)
{
	char owner[65], name[TYCHE_CONTEXT_NAME_MAX + 1];
	tyche_study s;
	int ok;

	if (tyche_study_ref_split(ref, owner, name) || !c->store ||
	    tyche_study_get(&s, c->store, owner, owner, name, NULL))
		return -1;
	ok = strlen(s.path) < n;
	if (ok)
		memcpy(buf, s.path, strlen(s.path) + 1);
	tyche_study_release(&s);
	return ok ? 0 : -1;
}
