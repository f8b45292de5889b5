/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-cgi.c - main() of tyche.cgi: read one RFC 3875 request, check it,
 * route it, and write one answer (JSON or SVG, gzip when accepted).
 *
 * The order of checks matters and is easy to get wrong:
 *   1. any POST that is cross-origin (Origin not ours, or Sec-Fetch-Site
 *      not same-origin) or lacks the X-Tyche-Request header is a 403
 *      before routing, whatever its path, so no handler can forget it;
 *   2. only GET and POST exist; every state change is a POST;
 *   3. the body is read (exactly CONTENT_LENGTH bytes, capped), also for
 *      a refused POST: a CGI that exits while the web server still writes
 *      the body to its stdin gets its answer dropped (a reset, not a 403).
 * The custom header makes a cross-site form or no-cors fetch impossible:
 * a browser sends it cross-origin only after a CORS preflight, which this
 * program never approves.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <zlib.h>

#include "cgi.h"

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
		return cgi_fail(r, strstr(err->msg, "another user") ? 403 : 400, "%s: %s", what, err->msg);
	case TYCHE_ENOENT:
		return cgi_fail(r, 404, "%s: not found", what);
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

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static int accepts_gzip(void)
{
	const char *ae = getenv("HTTP_ACCEPT_ENCODING");
	const char *p;

	if (!ae)
		return 0;
	for (p = ae; *p; p++) {
		const char *q = p + 4;

		if (strncasecmp(p, "gzip", 4) || (p != ae && p[-1] != ' ' && p[-1] != ','))
			continue;
		while (*q == ' ')
			q++;
		if (*q == ';') {   /* gzip;q=0 refuses it */
			const char *v = strstr(q, "q=");

			if (v && strtod(v + 2, NULL) <= 0)
				return 0;
		}
		return 1;
	}
	return 0;
}

static int gzip_body(const struct cgi_buf *in, struct cgi_buf *out)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	out->cap = deflateBound(&z, in->len) + 1;
	out->p = malloc(out->cap);
	if (!out->p) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (unsigned char *)in->p;
	z.avail_in = (uInt)in->len;
	z.next_out = (unsigned char *)out->p;
	z.avail_out = (uInt)out->cap;
	rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

static void send_response(struct cgi_response *r, int head_only)
{
	struct cgi_buf gz = { 0 };
	const struct cgi_buf *b = &r->body;
	int zip = 0;

	if (b->len >= 512 && accepts_gzip() && gzip_body(b, &gz) == 0) {
		b = &gz;
		zip = 1;
	}
	printf("Status: %d %s\r\n", r->status, reason(r->status));
	printf("Content-Type: %s\r\n", r->content_type ? r->content_type : "application/json");
	printf("Content-Length: %zu\r\n", b->len);
	if (zip)
		fputs("Content-Encoding: gzip\r\n", stdout);
	fputs("Vary: Accept-Encoding\r\n"
	      "Cache-Control: no-store\r\n"
	      "X-Content-Type-Options: nosniff\r\n"
	      "Referrer-Policy: no-referrer\r\n"
	      "X-Frame-Options: DENY\r\n"
	      "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; "
	      "base-uri 'none'; form-action 'none'\r\n", stdout);
	if (r->retry_after)
		printf("Retry-After: %d\r\n", r->retry_after);
	if (r->status == 405)
		fputs("Allow: GET, POST\r\n", stdout);
	fputs("\r\n", stdout);
	if (!head_only)
		fwrite(b->p ? b->p : "", 1, b->len, stdout);
	fflush(stdout);
	cgi_buf_release(&gz);
}

/* ------------------------------------------------------------ checks */

int cgi_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* Does Origin name this server?  HTTP_HOST is the Host header under
 * Apache, but Debian's nginx fastcgi_params pass $host, which drops the
 * port: then scheme://HTTP_HOST:SERVER_PORT is this server too. */
static int is_own_origin(const char *origin)
{
	const char *https = getenv("HTTPS");
	const char *scheme = getenv("REQUEST_SCHEME");
	const char *host = getenv("HTTP_HOST");
	const char *port = getenv("SERVER_PORT");
	char own[600];

	if (!host || !*host)
		return 0;
	if (!scheme)
		scheme = https && (!strcasecmp(https, "on") || !strcmp(https, "1")) ? "https" : "http";
	snprintf(own, sizeof own, "%s://%.250s", scheme, host);
	if (!strcasecmp(origin, own))
		return 1;
	if (port && !strchr(host, ':') && !strchr(host, ']')) {
		snprintf(own, sizeof own, "%s://%.250s:%.10s", scheme, host, port);
		return !strcasecmp(origin, own);
	}
	return 0;
}

/* 0 if the POST may go on; else the answer is set. */
static int check_post_origin(struct cgi_response *r)
{
	const char *origin = getenv("HTTP_ORIGIN");
	const char *site = getenv("HTTP_SEC_FETCH_SITE");
	const char *custom = getenv("HTTP_X_TYCHE_REQUEST");
	if (site && strcmp(site, "same-origin")) {
		cgi_fail(r, 403, "cross-origin request refused (Sec-Fetch-Site: %s)",
			 strcmp(site, "cross-site") && strcmp(site, "same-site") && strcmp(site, "none")
				 ? "invalid" : site);
		return -1;
	}
	if (origin) {
		if (!is_own_origin(origin)) {
			fprintf(stderr, "tyche.cgi: refused a POST from origin '%.200s'\n", origin);
			cgi_fail(r, 403, "cross-origin request refused (Origin does not match this server)");
			return -1;
		}
	}
	if (!custom || strcmp(custom, "1")) {
		cgi_fail(r, 403, "a POST needs the header X-Tyche-Request: 1");
		return -1;
	}
	return 0;
}

static int read_body(struct cgi_request *q, struct cgi_response *r)
{
	const char *cl = getenv("CONTENT_LENGTH");
	unsigned long long len;
	char *end;
	size_t got = 0;

	if (!cl || !*cl) {
		q->body = calloc(1, 1);
		return 0;
	}
	errno = 0;
	len = strtoull(cl, &end, 10);
	if (*end || errno || cl[0] == '-' || cl[0] == '+') {
		cgi_fail(r, 400, "CONTENT_LENGTH is not a number");
		return -1;
	}
	if (len > CGI_MAX_BODY) {
		/* Drain a moderate excess so the server can deliver the answer
		 * (it is still writing the body to our stdin); beyond that the
		 * web server's own limit is meant to act (doc/deploy.md). */
		char sink[65536];

		for (size_t left = len < 16u * CGI_MAX_BODY ? len : 0; left;) {
			ssize_t k = read(0, sink, left < sizeof sink ? left : sizeof sink);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			left -= (size_t)k;
		}
		cgi_fail(r, 413, "request body of %llu bytes is over the limit of %u bytes",
			 len, CGI_MAX_BODY);
		return -1;
	}
	q->body = malloc(len + 1);
	if (!q->body) {
		cgi_fail(r, 500, "out of memory");
		return -1;
	}
	while (got < len) {
		ssize_t k = read(0, q->body + got, len - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			cgi_fail(r, 400, "request body shorter than CONTENT_LENGTH");
			return -1;
		}
		got += (size_t)k;
	}
	q->body[len] = '\0';
	q->body_len = len;
	return 0;
}

/* Split PATH_INFO into decoded segments; -1 on anything odd. */
static int split_path(struct cgi_request *q)
{
	char *copy = strdup(q->path), *p = copy, *save = NULL;

	if (!copy)
		return -1;
	for (char *s = strtok_r(p, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (q->nseg == sizeof q->seg / sizeof q->seg[0] || cgi_url_decode(s) ||
		    !strcmp(s, ".") || !strcmp(s, "..")) {
			free(copy);
			return -1;
		}
		q->seg[q->nseg] = strdup(s);
		if (!q->seg[q->nseg]) {
			free(copy);
			return -1;
		}
		q->nseg++;
	}
	free(copy);
	return 0;
}

/* ------------------------------------------------------------ routing */

static int route(const struct cgi_config *c, struct cgi_request *q,
		 struct cgi_response *r)
{
	int get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
	int post = !strcmp(q->method, "POST");
	const char *name;

	if (q->nseg == 0 || (q->nseg == 1 && !strcmp(q->seg[0], "version"))) {
		cJSON *o = cJSON_CreateObject();

		if (!get)
			return cgi_fail(r, 405, "use GET for this resource");
		cJSON_AddStringToObject(o, "service", "tyche");
		cJSON_AddStringToObject(o, "version", tyche_version());
		cJSON_AddStringToObject(o, "user", q->user ? q->user : "");
		cJSON_AddBoolToObject(o, "store", q->user || c->single_user);
		return cgi_json(r, 200, o);
	}
	if (!strcmp(q->seg[0], "contexts")) {
		if (q->nseg == 1) {
			if (!get)
				return cgi_fail(r, 405, "use GET for this resource");
			return cgi_contexts_list(c, r);
		}
		name = q->seg[1];
		if (!cgi_name_ok(name, CGI_CONTEXT_NAME_MAX))
			return cgi_fail(r, 404, "no such context");
		if (q->nseg == 2) {
			if (!get)
				return cgi_fail(r, 405, "use GET for this resource");
			return cgi_context_info(c, name, r);
		}
		if (q->nseg == 3 && (!strcmp(q->seg[2], "explore") || !strcmp(q->seg[2], "plot") ||
				     !strcmp(q->seg[2], "optimise"))) {
			if (!post)
				return cgi_fail(r, 405, "use POST with a JSON body for %s", q->seg[2]);
			if (!strcmp(q->seg[2], "explore"))
				return cgi_explore(c, name, q, r);
			if (!strcmp(q->seg[2], "plot"))
				return cgi_plot(c, name, q, r);
			return cgi_optimise(c, name, q, r);
		}
		return cgi_fail(r, 404, "no such resource");
	}
	if (!strcmp(q->seg[0], "scenarios"))
		return cgi_store_route(c, q, r);
	return cgi_fail(r, 404, "no such resource");
}

int main(void)
{
	struct cgi_config c;
	struct cgi_request q;
	struct cgi_response r;
	const char *cfg = getenv("TYCHE_CONFIG");
	char msg[1024];
	int head = 0;

	memset(&c, 0, sizeof c);
	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	q.method = getenv("REQUEST_METHOD");
	q.path = getenv("PATH_INFO");
	q.query = getenv("QUERY_STRING");
	q.content_type = getenv("CONTENT_TYPE");
	q.user = getenv("REMOTE_USER");
	if (q.user && !*q.user)
		q.user = NULL;
	if (!q.path)
		q.path = "";
	if (!q.query)
		q.query = "";
	if (!q.method) {
		fputs("tyche.cgi: not run as a CGI program (REQUEST_METHOD unset)\n"
		      "Install it behind a web server; see doc/deploy.md.\n", stderr);
		return 2;
	}
	head = !strcmp(q.method, "HEAD");
	if (!strcmp(q.method, "POST")) {
		if (check_post_origin(&r)) {
			/* read the body anyway: a CGI that exits while the server
			 * is still writing it gets its answer dropped */
			struct cgi_response ignored;

			memset(&ignored, 0, sizeof ignored);
			read_body(&q, &ignored);
			cgi_buf_release(&ignored.body);
			goto send;
		}
	} else if (strcmp(q.method, "GET") && !head) {
		cgi_fail(&r, 405, "method %s is not allowed; use GET or POST",
			 strlen(q.method) < 16 ? q.method : "(long)");
		goto send;
	}
	if (!strcmp(q.method, "POST") && read_body(&q, &r))
		goto send;
	if (cgi_config_load(&c, cfg && *cfg ? cfg : CGI_DEFAULT_CONFIG, msg, sizeof msg)) {
		fprintf(stderr, "tyche.cgi: %s\n", msg);
		cgi_fail(&r, 500, "server configuration error (see the server log)");
		goto send;
	}
	if (split_path(&q)) {
		cgi_fail(&r, 404, "no such resource");
		goto send;
	}
	route(&c, &q, &r);
send:
	send_response(&r, head);
	cgi_buf_release(&r.body);
	for (size_t i = 0; i < q.nseg; i++)
		free(q.seg[i]);
	free(q.body);
	cgi_config_release(&c);
	return 0;
}
