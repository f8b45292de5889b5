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
 *
 * Also easy to get wrong: cJSON decodes "\u0000" into a NUL and so
 * silently truncates the string ("electrolysis\u0000x" becomes a valid
 * category name), and it passes invalid UTF-8 through, which would then
 * be echoed into an answer.  So the body's text is scanned once more for
 * both, and the field is named by its path ("amounts.X", "limits[0]").
 * The duplicate-key check sorts each object's keys (n log n): a pairwise
 * check costs minutes on a 2 MiB body of distinct keys.
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

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate keys anywhere in the tree are refused: each object's keys are
 * sorted and neighbours compared.  *oom is set when memory ran out. */
static const char *find_duplicate(const cJSON *v, int *oom)
{
	const char *d = NULL;

	if (cJSON_IsObject(v)) {
		size_t n = 0, i = 0;
		const char **keys;

		for (const cJSON *a = v->child; a; a = a->next)
			n++;
		if (n > 1) {
			keys = malloc(n * sizeof *keys);
			if (!keys) {
				*oom = 1;
				return NULL;
			}
			for (const cJSON *a = v->child; a; a = a->next)
				keys[i++] = a->string ? a->string : "";
			qsort(keys, n, sizeof *keys, cmp_key);
			for (i = 1; i < n && !d; i++)
				if (!strcmp(keys[i - 1], keys[i]))
					d = keys[i];
			free(keys);
			if (d)
				return d;
		}
	}
	for (const cJSON *a = v ? v->child : NULL; a && !*oom; a = a->next)
		if ((d = find_duplicate(a, oom)))
			return d;
	return NULL;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80 || (s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

void cgi_utf8_fix(struct cgi_buf *b)
{
	struct cgi_buf o = { 0 };
	const unsigned char *p = (const unsigned char *)b->p;
	size_t i = 0, run = 0, k;

	while (i < b->len && (k = utf8_len(p + i, b->len - i)))
		i += k;
	if (i >= b->len)
		return;
	cgi_buf_add(&o, b->p, i);
	while (i < b->len) {
		k = utf8_len(p + i, b->len - i);
		if (k) {
			i += k;
			run += k;
			continue;
		}
		cgi_buf_add(&o, b->p + i - run, run);
		cgi_buf_add(&o, "\xef\xbf\xbd", 3);   /* U+FFFD */
		run = 0;
		i++;
	}
	cgi_buf_add(&o, b->p + i - run, run);
	cgi_buf_release(b);
	*b = o;
}

/* Where a JSON text is while scanning it: per open container, an object's
 * current key (raw text, cut) or an array's index. */
struct jframe {
	int obj, want_key;
	long idx;
	char key[64];
};

static void jpath(const struct jframe *f, size_t depth, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < depth; i++) {
		size_t l = strlen(buf);

		if (f[i].obj)
			snprintf(buf + l, n - l, "%s%s", i ? "." : "", f[i].key);
		else
			snprintf(buf + l, n - l, "[%ld]", f[i].idx);
	}
}

/* Scan a body cJSON accepted for a string (key or value) holding \u0000
 * or invalid UTF-8; 0 if none, else -1 and the answer names the field. */
static int scan_strings(const char *s, size_t n, struct cgi_response *r)
{
	size_t depth = 0, cap = 64;
	struct jframe *f = malloc(cap * sizeof *f);
	char path[400];

	if (!f) {
		cgi_fail(r, 500, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '"') {
			size_t start = ++i;
			const char *bad = NULL;
			int is_key = depth && f[depth - 1].obj && f[depth - 1].want_key;

			while (i < n && s[i] != '"') {
				if (s[i] == '\\') {
					if (i + 5 < n && s[i + 1] == 'u' && !memcmp(s + i + 2, "0000", 4))
						bad = "must not hold a NUL character (\\u0000)";
					i += 2;
				} else if ((unsigned char)s[i] >= 0x80) {
					size_t k = utf8_len((const unsigned char *)s + i, n - i);

					if (!k)
						bad = "is not valid UTF-8";
					i += k ? k : 1;
				} else {
					i++;
				}
			}
			if (is_key) {
				size_t kl = i - start;

				if (kl >= sizeof f[0].key)
					kl = sizeof f[0].key - 1;
				memcpy(f[depth - 1].key, s + start, kl);
				f[depth - 1].key[kl] = '\0';
			}
			if (bad) {
				jpath(f, depth, path, sizeof path);
				cgi_fail(r, 400, "field '%s'%s %s", path, is_key ? ": its name" : "", bad);
				free(f);
				return -1;
			}
		} else if (c == '{' || c == '[') {
			if (depth == cap) {
				struct jframe *nf = realloc(f, 2 * cap * sizeof *f);

				if (!nf) {
					free(f);
					cgi_fail(r, 500, "out of memory");
					return -1;
				}
				f = nf;
				cap *= 2;
			}
			f[depth].obj = c == '{';
			f[depth].want_key = c == '{';
			f[depth].idx = 0;
			f[depth].key[0] = '\0';
			depth++;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		} else if (c == ':' && depth) {
			f[depth - 1].want_key = 0;
		} else if (c == ',' && depth) {
			if (f[depth - 1].obj)
				f[depth - 1].want_key = 1;
			else
				f[depth - 1].idx++;
		}
	}
	free(f);
	return 0;
}

cJSON *cgi_json_body(const struct cgi_request *q, struct cgi_response *r)
{
	const char *end = NULL;
	const char *dup;
	cJSON *v;
	int oom = 0;

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
	if (scan_strings(q->body, q->body_len, r)) {
		cJSON_Delete(v);
		return NULL;
	}
	if ((dup = find_duplicate(v, &oom)) || oom) {
		if (oom)
			cgi_fail(r, 500, "out of memory");
		else
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

void cgi_json_add_num(cJSON *obj, const char *name, double v)
{
	char buf[32];

	if (isfinite(v))
		cJSON_AddRawToObject(obj, name, tyche_format_double(v, buf));
	else
		cJSON_AddNullToObject(obj, name);
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

int cgi_name_ok(const char *s, size_t max)
{
	return tyche_safe_name(s, max);
}
