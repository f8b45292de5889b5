/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store-diff.c - compare two saved scenarios (tyche_store_diff): the
 * settings, the inputs and results leaf by leaf, and every metric
 * statistic with its difference b - a.
 *
 * What a newcomer would get wrong:
 *  - Both scenarios are loaded with the reader's rights: a private
 *    scenario of another user is "not found", as everywhere in the store.
 *  - Keys are RFC 6901 JSON pointers: '~' and '/' in a key are escaped
 *    ("~0", "~1"), or two different keys could print the same.
 *  - A side that lacks a key is null, not left out; a metric or statistic
 *    named twice in a hand-edited file is listed once (the first).
 *  - Results' "metrics" are compared statistic by statistic (with "diff"),
 *    so they are skipped by the generic leaf walk of the results.
 *  - Nesting is cut at 64 levels (the subtree is then compared whole):
 *    a hostile file must not exhaust the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal.h"
#include "store.h"

/* Append "/" + key escaped as in RFC 6901 to path. */
static char *pointer_join(const char *path, const char *key)
{
	struct ty_buf b = TY_BUF_INIT;

	ty_buf_adds(&b, path);
	ty_buf_addc(&b, '/');
	for (const char *k = key; *k; k++) {
		if (*k == '~')
			ty_buf_adds(&b, "~0");
		else if (*k == '/')
			ty_buf_adds(&b, "~1");
		else
			ty_buf_addc(&b, *k);
	}
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	return ty_buf_detach(&b);
}

static cJSON *dup_or_null(const cJSON *v)
{
	return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

static int add_pair(cJSON *out, const char *key, const cJSON *a, const cJSON *b)
{
	cJSON *p = cJSON_CreateObject();

	if (!p || !cJSON_AddItemToObject(p, "a", dup_or_null(a)) ||
	    !cJSON_AddItemToObject(p, "b", dup_or_null(b)) ||
	    !cJSON_AddItemToObject(out, key, p)) {
		cJSON_Delete(p);
		return -1;
	}
	return 0;
}

/* Leaves of a and b (objects or NULL) that differ, keyed by pointer.
 * skip: a top-level key left out (NULL = none). */
static int diff_tree(const cJSON *a, const cJSON *b, const char *path,
		     const char *skip, cJSON *out, int depth)
{
	if (depth > 64)
		return add_pair(out, path[0] ? path : "/", a, b);
	if ((cJSON_IsObject(a) || !a) && (cJSON_IsObject(b) || !b) && (a || b)) {
		for (int side = 0; side < 2; side++) {
			const cJSON *from = side ? b : a, *other = side ? a : b;

			for (const cJSON *c = from ? from->child : NULL; c; c = c->next) {
				const cJSON *oc;
				char *p;
				int rc;

				if (skip && !strcmp(c->string, skip))
					continue;
				oc = other ? cJSON_GetObjectItemCaseSensitive(other, c->string) : NULL;
				if (side && oc)
					continue;      /* done from a's side */
				if (!(p = pointer_join(path, c->string)))
					return -1;
				rc = side ? diff_tree(NULL, c, p, NULL, out, depth + 1)
					  : diff_tree(c, oc, p, NULL, out, depth + 1);
				free(p);
				if (rc)
					return rc;
			}
		}
		return 0;
	}
	if (a && b && cJSON_Compare(a, b, 1))
		return 0;
	return add_pair(out, path[0] ? path : "/", a, b);
}

static int diff_metrics(const cJSON *ra, const cJSON *rb, cJSON *out)
{
	const cJSON *ma = cJSON_GetObjectItemCaseSensitive(ra, "metrics");
	const cJSON *mb = cJSON_GetObjectItemCaseSensitive(rb, "metrics");

	if (!cJSON_IsObject(ma))
		ma = NULL;
	if (!cJSON_IsObject(mb))
		mb = NULL;
	for (int side = 0; side < 2; side++) {
		const cJSON *from = side ? mb : ma, *other = side ? ma : mb;

		for (const cJSON *m = from ? from->child : NULL; m; m = m->next) {
			const cJSON *om = other ? cJSON_GetObjectItemCaseSensitive(other, m->string) : NULL;
			const cJSON *sa = side ? om : m, *sb = side ? m : om;
			cJSON *stats;

			if (side && om)
				continue;
			if (cJSON_GetObjectItemCaseSensitive(out, m->string))
				continue;      /* a duplicate key */
			if (!(stats = cJSON_AddObjectToObject(out, m->string)))
				return -1;
			for (int s2 = 0; s2 < 2; s2++) {
				const cJSON *sf = s2 ? sb : sa, *so = s2 ? sa : sb;

				if (!cJSON_IsObject(sf))
					continue;
				for (const cJSON *v = sf->child; v; v = v->next) {
					const cJSON *ov = cJSON_IsObject(so) ? cJSON_GetObjectItemCaseSensitive(so, v->string) : NULL;
					const cJSON *va = s2 ? ov : v, *vb = s2 ? v : ov;
					cJSON *p;

					if ((s2 && ov) || cJSON_GetObjectItemCaseSensitive(stats, v->string))
						continue;
					p = cJSON_CreateObject();
					if (!p || !cJSON_AddItemToObject(p, "a", dup_or_null(va)) ||
					    !cJSON_AddItemToObject(p, "b", dup_or_null(vb)) ||
					    !(cJSON_IsNumber(va) && cJSON_IsNumber(vb)
						      ? cJSON_AddNumberToObject(p, "diff", vb->valuedouble - va->valuedouble)
						      : cJSON_AddNullToObject(p, "diff")) ||
					    !cJSON_AddItemToObject(stats, v->string, p)) {
						cJSON_Delete(p);
						return -1;
					}
				}
			}
		}
	}
	return 0;
}

static int diff_settings(const tyche_scenario *a, const tyche_scenario *b,
			 cJSON *out)
{
	char sa[32], sb[32], ta[256], tb[256];
	struct { const char *key, *va, *vb; } f[] = {
		{ "name", a->name, b->name },
		{ "owner", a->owner, b->owner },
		{ "visibility", a->shared ? "shared" : "private", b->shared ? "shared" : "private" },
		{ "tags", ta, tb },
		{ "context", a->context, b->context },
		{ "context_hash", a->context_hash, b->context_hash },
		{ "version", a->version, b->version },
		{ "seed", sa, sb },
	};

	snprintf(sa, sizeof(sa), "%llu", (unsigned long long)a->seed);
	snprintf(sb, sizeof(sb), "%llu", (unsigned long long)b->seed);
	for (int k = 0; k < 2; k++) {
		const tyche_scenario *s = k ? b : a;
		char *t = k ? tb : ta;
		size_t n = 0;

		t[0] = '\0';
		for (size_t i = 0; i < s->ntags && n < 255; i++)
			n += (size_t)snprintf(t + n, 256 - n, "%s%s", i ? "," : "", s->tags[i]);
	}
	for (size_t i = 0; i < TY_ARRAY_SIZE(f); i++) {
		cJSON *p;

		if (!strcmp(f[i].va, f[i].vb))
			continue;
		p = cJSON_CreateObject();
		if (!p || !cJSON_AddStringToObject(p, "a", f[i].va) ||
		    !cJSON_AddStringToObject(p, "b", f[i].vb) ||
		    !cJSON_AddItemToObject(out, f[i].key, p)) {
			cJSON_Delete(p);
			return -1;
		}
	}
	if (a->samples != b->samples) {
		cJSON *p = cJSON_CreateObject();

		if (!p || !cJSON_AddNumberToObject(p, "a", (double)a->samples) ||
		    !cJSON_AddNumberToObject(p, "b", (double)b->samples) ||
		    !cJSON_AddItemToObject(out, "samples", p)) {
			cJSON_Delete(p);
			return -1;
		}
	}
	return 0;
}

int tyche_store_diff(char **json_out, tyche_store *st, const char *user,
		     const char *id_a, const char *id_b, tyche_error *err)
{
	tyche_scenario a = TYCHE_SCENARIO_INIT, b = TYCHE_SCENARIO_INIT;
	cJSON *ia = NULL, *ib = NULL, *ra = NULL, *rb = NULL, *o = NULL;
	cJSON *settings, *inputs, *results, *metrics;
	char *text;
	int rc;

	if ((rc = ty_store_load_visible(st, user, id_a, &a, 1, err)) ||
	    (rc = ty_store_load_visible(st, user, id_b, &b, 1, err)))
		goto out;
	ia = cJSON_Parse(a.inputs_json);
	ib = cJSON_Parse(b.inputs_json);
	ra = cJSON_Parse(a.results_json);
	rb = cJSON_Parse(b.results_json);
	o = cJSON_CreateObject();
	rc = TYCHE_ENOMEM;
	if (!ia || !ib || !ra || !rb || !o ||
	    !cJSON_AddStringToObject(o, "a", a.id) ||
	    !cJSON_AddStringToObject(o, "b", b.id) ||
	    !(settings = cJSON_AddObjectToObject(o, "settings")) ||
	    !(inputs = cJSON_AddObjectToObject(o, "inputs")) ||
	    !(results = cJSON_AddObjectToObject(o, "results")) ||
	    !(metrics = cJSON_AddObjectToObject(o, "metrics")) ||
	    diff_settings(&a, &b, settings) ||
	    diff_tree(ia, ib, "", NULL, inputs, 0) ||
	    diff_tree(ra, rb, "", "metrics", results, 0) ||
	    diff_metrics(ra, rb, metrics) ||
	    !(text = cJSON_Print(o))) {
		ty_error_at(err, rc, "", 0, 0, "out of memory");
		goto out;
	}
	*json_out = text;
	rc = 0;
out:
	cJSON_Delete(ia);
	cJSON_Delete(ib);
	cJSON_Delete(ra);
	cJSON_Delete(rb);
	cJSON_Delete(o);
	tyche_scenario_release(&a);
	tyche_scenario_release(&b);
	return rc;
}

