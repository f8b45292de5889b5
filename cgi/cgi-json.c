/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-json.c - strict request decoding: one JSON object per body, only
 * the fields a handler lists, each of the listed type, numbers finite and
 * in range; and query strings.
 *
 * cJSON alone is lenient: it keeps duplicate keys (and reads the first),
 * accepts trailing garbage unless asked, and turns 1e999 into inf.  Each
 * of those is refused here with a message naming the field, because a
 * client that sends "amount" twice or "samples": "10" has a bug we want
 * it to see.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgi.h"

static const char *type_name(int t)
{
	switch (t) {
	case CGI_J_NUMBER: return "a number";
	case CGI_J_STRING: return "a string";
	case CGI_J_BOOL: return "true or false";
	case CGI_J_OBJECT: return "an object";
	default: return "an array";
	}
}

static int has_type(const cJSON *v, int t)
{
	switch (t) {
	case CGI_J_NUMBER: return cJSON_IsNumber(v);
	case CGI_J_STRING: return cJSON_IsString(v);
	case CGI_J_BOOL: return cJSON_IsBool(v);
	case CGI_J_OBJECT: return cJSON_IsObject(v);
	default: return cJSON_IsArray(v);
	}
}

/* Duplicate keys anywhere in the tree are refused. */
static const char *find_duplicate(const cJSON *v)
{
	for (const cJSON *a = v ? v->child : NULL; a; a = a->next) {
		const char *d;

		if (cJSON_IsObject(v))
			for (const cJSON *b = a->next; b; b = b->next)
				if (a->string && b->string && !strcmp(a->string, b->string))
					return a->string;
		if ((d = find_duplicate(a)))
			return d;
	}
	return NULL;
}

cJSON *cgi_json_body(const struct cgi_request *q, struct cgi_response *r)
{
	const char *end = NULL;
	const char *dup;
	cJSON *v;

	if (!q->content_type || strncasecmp(q->content_type, "application/json", 16) ||
	    (q->content_type[16] && q->content_type[16] != ';' && q->content_type[16] != ' ')) {
		cgi_fail(r, 415, "expected Content-Type: application/json");
		return NULL;
	}
	if (q->body_len == 0) {
		cgi_fail(r, 400, "empty request body, expected a JSON object");
		return NULL;
	}
	if (strlen(q->body) != q->body_len) {
		cgi_fail(r, 400, "request body holds a NUL byte");
		return NULL;
	}
	v = cJSON_ParseWithLengthOpts(q->body, q->body_len + 1, &end, 1);  /* + the NUL */
	if (!v) {
		cgi_fail(r, 400, "request body is not valid JSON (near byte %ld)",
			 end ? (long)(end - q->body) : (long)(cJSON_GetErrorPtr()
				 ? cJSON_GetErrorPtr() - q->body : 0));
		return NULL;
	}
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		cgi_fail(r, 400, "request body must be a JSON object");
		return NULL;
	}
	if ((dup = find_duplicate(v))) {
		cgi_fail(r, 400, "field '%.100s' appears twice", dup);
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

int cgi_json_check(const cJSON *obj, const char *where, const struct cgi_field *f,
		   size_t nf, struct cgi_response *r)
{
	char pre[160];

	snprintf(pre, sizeof pre, "%s%s", where ? where : "", where && *where ? "." : "");
	for (const cJSON *it = obj->child; it; it = it->next) {
		size_t i;

		for (i = 0; i < nf; i++)
			if (!strcmp(it->string, f[i].name))
				break;
		if (i == nf) {
			char list[400] = "";

			for (size_t k = 0; k < nf; k++) {
				strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
				strncat(list, f[k].name, sizeof list - strlen(list) - 1);
			}
			cgi_fail(r, 400, "unknown field '%s%.100s' (expected %s)", pre, it->string, list);
			return -1;
		}
		if (!has_type(it, f[i].type)) {
			cgi_fail(r, 400, "field '%s%s' must be %s", pre, f[i].name, type_name(f[i].type));
			return -1;
		}
	}
	for (size_t i = 0; i < nf; i++)
		if (f[i].required && !cJSON_GetObjectItemCaseSensitive(obj, f[i].name)) {
			cgi_fail(r, 400, "missing field '%s%s'", pre, f[i].name);
			return -1;
		}
	return 0;
}

int cgi_json_number(const cJSON *v, const char *where, double lo, double hi,
		    double *out, struct cgi_response *r)
{
	if (!cJSON_IsNumber(v)) {
		cgi_fail(r, 400, "field '%s' must be a number", where);
		return -1;
	}
	if (!isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi) {
		cgi_fail(r, 400, "field '%s' is %.15g, out of range [%.15g, %.15g]", where,
			 v->valuedouble, lo, hi);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cgi_url_decode(char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		if (*p == '%') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);

			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			*w++ = (char)(h * 16 + l);
			p += 2;
		} else if (*p == '+') {
			*w++ = ' ';
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return 0;
}

char *cgi_query_get(const char *query, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			char *v = strndup(p + kl + 1, len - kl - 1);

			if (v && cgi_url_decode(v)) {
				free(v);
				return NULL;
			}
			return v;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}
