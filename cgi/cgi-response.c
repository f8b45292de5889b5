/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-response.c - the bottom layer of tyche.cgi: the answer being built
 * (a growable body, JSON answers, error answers with the HTTP status
 * that a libtyche error code maps to).  Every other cgi/ file calls into
 * this one and this one calls none of them.
 *
 * Easy to get wrong: the status comes from the library's error code,
 * never from its message text (TYCHE_EPERM is 403, the store's "not
 * yours"); err->where may be a server path, so it goes to the log, never
 * into the answer.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"

double cgi_budget_wall, cgi_budget_cpu;

/* ------------------------------------------------------------ buffers */

void cgi_buf_add(struct cgi_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			fputs("tyche.cgi: out of memory\n", stderr);
			exit(1);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cgi_buf_adds(struct cgi_buf *b, const char *s)
{
	cgi_buf_add(b, s, strlen(s));
}

void cgi_buf_release(struct cgi_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ------------------------------------------------------------ answers */

int cgi_json(struct cgi_response *r, int status, cJSON *v)
{
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(v);
	r->body.len = 0;
	r->binary = 0;
	if (!text) {
		r->status = 500;
		r->content_type = "application/json";
		cgi_buf_adds(&r->body, "{\"error\":\"out of memory\",\"status\":500}");
		return 500;
	}
	r->status = status;
	r->content_type = "application/json";
	cgi_buf_adds(&r->body, text);
	cgi_buf_adds(&r->body, "\n");
	free(text);
	return status;
}

int cgi_fail(struct cgi_response *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	cJSON *o = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "error", msg);
	cJSON_AddNumberToObject(o, "status", status);
	return cgi_json(r, status, o);
}

int cgi_fail_tyche(struct cgi_response *r, int rc, const tyche_error *err,
		   const char *what)
{
	/* err->where may be a server path: log it, answer with msg only. */
	if (err->where[0])
		fprintf(stderr, "tyche.cgi: %s: %s: %s\n", what, err->where, err->msg);
	switch (rc) {
	case TYCHE_EDATA:
	case TYCHE_EUSAGE:
		return cgi_fail(r, 400, "%s: %s", what, err->msg);
	case TYCHE_EPERM:
		return cgi_fail(r, 403, "%s: %s", what, err->msg);
	case TYCHE_ENOENT:
		return cgi_fail(r, 404, "%s: not found", what);
	case TYCHE_ETIMEOUT:
		fprintf(stderr, "tyche.cgi: %s: %s\n", what, err->msg);
		return cgi_fail_timeout(r, what);
	case TYCHE_EBUSY:
		r->retry_after = 2;
		return cgi_fail(r, 503, "warming up: the response surface is being built, retry in a few seconds");
	case TYCHE_EINFEASIBLE:
		return cgi_fail(r, 422, "%s: %s", what, err->msg);
	default:
		fprintf(stderr, "tyche.cgi: %s: %s\n", what, err->msg);
		return cgi_fail(r, 500, "%s: internal error (see the server log)", what);
	}
}

int cgi_fail_timeout(struct cgi_response *r, const char *what)
{
	return cgi_fail(r, 504, "%s: stopped, this request ran out of its time budget "
			"(%g s of wall-clock time, %g s of CPU time); ask for fewer samples or a "
			"smaller problem (fewer categories or limits, a shorter max_time), or ask "
			"the server's administrator to raise request_limits in the server config",
			what, cgi_budget_wall, cgi_budget_cpu);
}
