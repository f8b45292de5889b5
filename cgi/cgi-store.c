/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-store.c - the scenario store over HTTP: list, save, load, share,
 * rename, delete, diff.  The acting user is REMOTE_USER as the web server
 * authenticated it; without one the store is refused (401) unless the
 * config says single_user, then everybody is the user "local".
 *
 * Privacy is the library's (tyche_store_*: another user's private
 * scenario is ENOENT, never a hint that it exists); this file only maps
 * codes to statuses.  The results saved with a scenario are computed here
 * from the surface, never taken from the client, so a diff of two saved
 * scenarios compares what the server would answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"

static const char *acting_user(const struct cgi_config *c, const struct cgi_request *q,
			       struct cgi_response *r)
{
	if (q->user) {
		if (!cgi_name_ok(q->user, TYCHE_SCENARIO_USER_MAX) && !strchr(q->user, '@')) {
			cgi_fail(r, 403, "the user name given by the web server is not usable "
				 "for the scenario store");
			return NULL;
		}
		return q->user;
	}
	if (c->single_user)
		return "local";
	cgi_fail(r, 401, "the scenario store needs an authenticated user: configure the web "
		 "server's authentication (REMOTE_USER), or set single_user: true");
	return NULL;
}

static int answer_text_json(struct cgi_response *r, int status, const char *wrap, char *text)
{
	if (!text)
		return cgi_fail(r, 500, "out of memory");
	r->status = status;
	r->content_type = "application/json";
	r->body.len = 0;
	if (wrap) {
		cgi_buf_adds(&r->body, "{\"");
		cgi_buf_adds(&r->body, wrap);
		cgi_buf_adds(&r->body, "\":");
	}
	cgi_buf_adds(&r->body, text);
	cgi_buf_adds(&r->body, wrap ? "}\n" : "\n");
	free(text);
	return status;
}

static int do_list(tyche_store *st, const char *user, const struct cgi_request *q,
		   struct cgi_response *r)
{
	tyche_store_filter f = TYCHE_STORE_FILTER_INIT;
	tyche_scenario *v = NULL;
	tyche_error err = { 0 };
	char *ctx = cgi_query_get(q->query, "context");
	char *mine = cgi_query_get(q->query, "mine");
	char *shared = cgi_query_get(q->query, "shared");
	size_t n = 0;
	int rc;

	f.context = ctx;
	f.mine = mine && !strcmp(mine, "1");
	f.shared = shared && !strcmp(shared, "1");
	rc = tyche_store_list(&v, &n, st, user, &f, NULL, &err);
	free(ctx);
	free(mine);
	free(shared);
	if (rc)
		return cgi_fail_tyche(r, rc, &err, "list");
	rc = answer_text_json(r, 200, "scenarios", tyche_scenario_list_to_json(v, n, 0));
	tyche_scenario_list_free(v, n);
	return rc;
}

static int do_save(const struct cgi_config *c, tyche_store *st, const char *user,
		   const struct cgi_request *q, struct cgi_response *r)
{
	static const struct cgi_field f[] = {
		{ "name", CGI_J_STRING, 1 }, { "context", CGI_J_STRING, 1 },
		{ "shared", CGI_J_BOOL, 0 }, { "inputs", CGI_J_OBJECT, 1 },
		{ "tags", CGI_J_ARRAY, 0 },
	};
	cJSON *in = cgi_json_body(q, r), *inputs, *results = NULL;
	const cJSON *v;
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_surface *s = NULL;
	tyche_error err = { 0 };
	double *amounts = NULL;
	int rc;

	if (!in)
		return r->status;
	if (cgi_json_check(in, "", f, 5, r))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(in, "name");
	if (strlen(v->valuestring) > TYCHE_SCENARIO_NAME_MAX || !*v->valuestring) {
		cgi_fail(r, 400, "field 'name' must hold 1 to %d bytes", TYCHE_SCENARIO_NAME_MAX);
		goto out;
	}
	snprintf(sc.name, sizeof sc.name, "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(in, "context");
	/* the surface alone (from the cache, no table read): it carries the
	 * context's hash */
	if (cgi_load_surface(c, v->valuestring, NULL, &s, r))
		goto out;
	snprintf(sc.context, sizeof sc.context, "%s", v->valuestring);
	snprintf(sc.context_hash, sizeof sc.context_hash, "%s", tyche_surface_context_hash(s));
	sc.seed = tyche_surface_seed(s);
	sc.samples = (long)tyche_surface_nsamples(s);
	v = cJSON_GetObjectItemCaseSensitive(in, "shared");
	sc.shared = v && cJSON_IsTrue(v);
	inputs = cJSON_GetObjectItemCaseSensitive(in, "inputs");
	v = cJSON_GetObjectItemCaseSensitive(inputs, "amounts");
	if (v && !cJSON_IsObject(v)) {
		cgi_fail(r, 400, "field 'inputs.amounts' must be an object");
		goto out;
	}
	amounts = calloc(tyche_surface_ncategories(s) + 1, sizeof *amounts);
	if (!amounts) {
		cgi_fail(r, 500, "out of memory");
		goto out;
	}
	if (cgi_parse_amounts(s, v, amounts, r))
		goto out;
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "tags"))) {
		size_t i = 0;

		for (const cJSON *t = v->child; t; t = t->next, i++) {
			if (!cJSON_IsString(t)) {
				cgi_fail(r, 400, "field 'tags[%zu]' must be a string", i);
				goto out;
			}
			if (tyche_scenario_add_tag(&sc, t->valuestring, &err)) {
				cgi_fail(r, 400, "field 'tags[%zu]': %s", i, err.msg);
				goto out;
			}
		}
	}
	sc.inputs_json = cJSON_PrintUnformatted(inputs);
	results = cgi_results_summary(s, amounts);
	sc.results_json = results ? cJSON_PrintUnformatted(results) : NULL;
	if (!sc.inputs_json || !sc.results_json) {
		cgi_fail(r, 500, "out of memory");
		goto out;
	}
	rc = tyche_store_save(st, user, &sc, &err);
	if (rc) {
		cgi_fail_tyche(r, rc, &err, "save");
		goto out;
	}
	answer_text_json(r, 201, "scenario", tyche_scenario_to_json(&sc, 0));
out:
	cJSON_Delete(results);
	cJSON_Delete(in);
	free(amounts);
	tyche_scenario_release(&sc);
	cgi_surface_done(s);     /* a FastCGI process may keep it */
	return r->status;
}

static int do_load(tyche_store *st, const char *user, const char *id,
		   struct cgi_response *r)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	int rc = tyche_store_load(&sc, st, user, id, &err);

	if (rc == TYCHE_ENOENT)
		return cgi_fail(r, 404, "no scenario '%s'", id);
	if (rc)
		return cgi_fail_tyche(r, rc, &err, "load");
	rc = answer_text_json(r, 200, "scenario", tyche_scenario_to_json(&sc, 0));
	tyche_scenario_release(&sc);
	return rc;
}

static int do_change(tyche_store *st, const char *user, const char *id, const char *op,
		     const struct cgi_request *q, struct cgi_response *r)
{
	static const struct cgi_field fshare[] = { { "shared", CGI_J_BOOL, 1 } };
	static const struct cgi_field fname[] = { { "name", CGI_J_STRING, 1 } };
	tyche_error err = { 0 };
	cJSON *in = NULL;
	int rc;

	if (!strcmp(op, "delete") && q->body_len == 0) {
		rc = tyche_store_delete(st, user, id, &err);
	} else {
		if (!(in = cgi_json_body(q, r)))
			return r->status;
		if (!strcmp(op, "share")) {
			if (cgi_json_check(in, "", fshare, 1, r))
				goto out;
			rc = tyche_store_set_shared(st, user, id,
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "shared")), &err);
		} else if (!strcmp(op, "rename")) {
			if (cgi_json_check(in, "", fname, 1, r))
				goto out;
			rc = tyche_store_rename(st, user, id,
				cJSON_GetObjectItemCaseSensitive(in, "name")->valuestring, &err);
		} else {
			if (cgi_json_check(in, "", NULL, 0, r))
				goto out;
			rc = tyche_store_delete(st, user, id, &err);
		}
	}
	if (rc == TYCHE_ENOENT)
		cgi_fail(r, 404, "no scenario '%s'", id);
	else if (rc)
		cgi_fail_tyche(r, rc, &err, op);
	else if (!strcmp(op, "delete")) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "deleted", id);
		cgi_json(r, 200, o);
	} else
		do_load(st, user, id, r);
out:
	cJSON_Delete(in);
	return r->status;
}

static int do_diff(tyche_store *st, const char *user, const struct cgi_request *q,
		   struct cgi_response *r)
{
	char *a = cgi_query_get(q->query, "a"), *b = cgi_query_get(q->query, "b");
	char *json = NULL;
	tyche_error err = { 0 };
	int rc;

	if (!a || !b || !cgi_name_ok(a, TYCHE_SCENARIO_ID_MAX) ||
	    !cgi_name_ok(b, TYCHE_SCENARIO_ID_MAX)) {
		rc = cgi_fail(r, 400, "diff needs two scenario ids: ?a=ID&b=ID");
	} else if ((rc = tyche_store_diff(&json, st, user, a, b, &err))) {
		rc = rc == TYCHE_ENOENT ? cgi_fail(r, 404, "no such scenario")
					: cgi_fail_tyche(r, rc, &err, "diff");
	} else {
		rc = answer_text_json(r, 200, NULL, json);
	}
	free(a);
	free(b);
	return rc;
}

int cgi_store_route(const struct cgi_config *c, const struct cgi_request *q,
		    struct cgi_response *r)
{
	int get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
	const char *user, *id;
	tyche_store *st = NULL;
	tyche_error err = { 0 };
	int rc;

	if (q->nseg > 3)
		return cgi_fail(r, 404, "no such resource");
	if (q->nseg >= 2 && strcmp(q->seg[1], "diff") &&
	    !cgi_name_ok(q->seg[1], TYCHE_SCENARIO_ID_MAX))
		return cgi_fail(r, 404, "no such scenario");
	if (!(user = acting_user(c, q, r)))
		return r->status;
	cgi_store_umask(c);
	if ((rc = tyche_store_open(&st, c->store, &err))) {
		fprintf(stderr, "tyche.cgi: store %s: %s\n", c->store, err.msg);
		return cgi_fail(r, 500, "the scenario store cannot be opened (see the server log)");
	}
	id = q->nseg >= 2 ? q->seg[1] : NULL;
	if (q->nseg == 1)
		rc = get ? do_list(st, user, q, r) : do_save(c, st, user, q, r);
	else if (q->nseg == 2 && !strcmp(id, "diff"))
		rc = get ? do_diff(st, user, q, r) : cgi_fail(r, 405, "use GET for diff");
	else if (q->nseg == 2)
		rc = get ? do_load(st, user, id, r)
			 : cgi_fail(r, 405, "use POST .../scenarios/ID/{share,rename,delete}");
	else if (!strcmp(q->seg[2], "share") || !strcmp(q->seg[2], "rename") ||
		 !strcmp(q->seg[2], "delete"))
		rc = get ? cgi_fail(r, 405, "use POST to change a scenario")
			 : do_change(st, user, id, q->seg[2], q, r);
	else
		rc = cgi_fail(r, 404, "no such resource");
	tyche_store_free(st);
	return rc;
}
