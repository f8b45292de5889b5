/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-request.c - one request of tyche.cgi, callable as a function
 * (cgi_handle) so that main() in tyche-cgi.c stays thin and the libFuzzer
 * target t/fuzz/fuzz-cgi.c drives the same code: read one RFC 3875
 * request, check it, route it, and write one answer (JSON or SVG, gzip
 * when accepted).
 *
 * The order of checks matters and is easy to get wrong:
 *   1. a POST's body is read first (exactly CONTENT_LENGTH bytes, capped),
 *      also when the POST will be refused: a CGI that exits while the web
 *      server still writes the body to its stdin gets its answer dropped
 *      (a reset, not a 403);
 *   2. the config is loaded and the request's work budget set;
 *   3. Host (and Origin, when present) must name one of the config's
 *      allowed_hosts, for every method and in every mode: comparing Origin
 *      with the request's own Host is no defence against DNS rebinding,
 *      where a hostile name resolves to this server and both agree;
 *   4. any POST that is cross-origin (Origin not ours, or Sec-Fetch-Site
 *      not same-origin) or lacks the X-Tyche-Request header is a 403
 *      before routing, whatever its path, so no handler can forget it;
 *   5. only GET and POST exist; every state change is a POST.
 * The custom header makes a cross-site form or no-cors fetch impossible:
 * a browser sends it cross-origin only after a CORS preflight, which this
 * program never approves.  Every answer goes through send_response, which
 * makes the body valid UTF-8 whatever a handler put in it (except a
 * workbook download, marked binary).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "cgi.h"

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
	case 504: return "Gateway Timeout";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* A request variable: the environment in CGI mode, the request's params
 * in FastCGI mode (never getenv() here: see struct cgi_io). */
static const char *param(const struct cgi_request *q, const char *name)
{
	return q->io->param(q->io->ctx, name);
}

static int accepts_gzip(const struct cgi_request *req)
{
	const char *ae = param(req, "HTTP_ACCEPT_ENCODING");
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

/* The headers and the body in one write. */
static void send_response(const struct cgi_request *q, struct cgi_response *r, int head_only)
{
	struct cgi_buf gz = { 0 }, h = { 0 };
	const struct cgi_buf *b = &r->body;
	char line[256];
	int zip = 0;

	if (!r->binary)
		cgi_utf8_fix(&r->body);

	if (!r->binary && b->len >= 512 && accepts_gzip(q) && gzip_body(b, &gz) == 0) {
		b = &gz;
		zip = 1;
	}
	snprintf(line, sizeof line, "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n",
		 r->status, reason(r->status),
		 r->content_type ? r->content_type : "application/json", b->len);
	cgi_buf_adds(&h, line);
	if (zip)
		cgi_buf_adds(&h, "Content-Encoding: gzip\r\n");
	cgi_buf_adds(&h, "Vary: Accept-Encoding\r\n"
	      "Cache-Control: no-store\r\n"
	      "X-Content-Type-Options: nosniff\r\n"
	      "Referrer-Policy: no-referrer\r\n"
	      "X-Frame-Options: DENY\r\n"
	      "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; "
	      "base-uri 'none'; form-action 'none'\r\n");
	if (r->retry_after) {
		snprintf(line, sizeof line, "Retry-After: %d\r\n", r->retry_after);
		cgi_buf_adds(&h, line);
	}
	if (r->status == 405)
		cgi_buf_adds(&h, "Allow: GET, POST\r\n");
	cgi_buf_adds(&h, "\r\n");
	q->io->write(q->io->ctx, h.p, h.len);
	if (!head_only && b->len)
		q->io->write(q->io->ctx, b->p, b->len);
	cgi_buf_release(&h);
	cgi_buf_release(&gz);
}

/* ------------------------------------------------------------ checks */


/* ------------------------------------------------------------ hosts */

/* Split "name", "name:port", "[v6]", "[v6]:port" or a bare v6 literal
 * into a lower-case name (no brackets, no trailing dot) and a port (""
 * when none); -1 when it is none of those. */

static void allowed_list(const struct cgi_config *c, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < c->nallowed; i++) {
		strncat(buf, i ? ", " : "", n - strlen(buf) - 1);
		strncat(buf, c->allowed[i], n - strlen(buf) - 1);
	}
}

/* 0 if Host (and Origin, when sent) name an allowed host; else the answer
 * is set.  In every mode: a DNS name an attacker points at this server
 * carries the attacker's name in Host, and the page's origin in Origin. */
static int check_hosts(const struct cgi_config *c, const struct cgi_request *q,
		       struct cgi_response *r)
{
	const char *host = param(q, "HTTP_HOST");
	const char *origin = param(q, "HTTP_ORIGIN");
	char list[600];

	allowed_list(c, list, sizeof list);
	if (!host || !*host) {
		cgi_fail(r, 403, "request refused: it has no Host header (this server answers for "
			 "the host names %s, set by allowed_hosts in its config)", list);
		return -1;
	}
	if (!cgi_host_allowed(c, host)) {
		fprintf(stderr, "tyche.cgi: refused a request for host '%.200s'\n", host);
		cgi_fail(r, 403, "request refused: the Host header '%.100s' is not a name of this "
			 "server (allowed hosts: %s; an administrator sets them with allowed_hosts "
			 "in the server config)", host, list);
		return -1;
	}
	if (origin) {
		const char *sep = strstr(origin, "://");
		size_t sl = sep ? (size_t)(sep - origin) : 0;

		if (!sep || !((sl == 4 && !strncasecmp(origin, "http", 4)) ||
			      (sl == 5 && !strncasecmp(origin, "https", 5))) ||
		    !cgi_host_allowed(c, sep + 3)) {
			fprintf(stderr, "tyche.cgi: refused a request from origin '%.200s'\n", origin);
			cgi_fail(r, 403, "request refused: the Origin header '%.100s' does not name "
				 "an allowed host of this server (allowed hosts: %s; an administrator "
				 "sets them with allowed_hosts in the server config)", origin, list);
			return -1;
		}
	}
	return 0;
}

/* Does Origin name this server?  HTTP_HOST is the Host header under
 * Apache, but Debian's nginx fastcgi_params pass $host, which drops the
 * port: then scheme://HTTP_HOST:SERVER_PORT is this server too. */
static int is_own_origin(const struct cgi_request *q, const char *origin)
{
	const char *https = param(q, "HTTPS");
	const char *scheme = param(q, "REQUEST_SCHEME");
	const char *host = param(q, "HTTP_HOST");
	const char *port = param(q, "SERVER_PORT");
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
static int check_post_origin(const struct cgi_request *q, struct cgi_response *r)
{
	const char *origin = param(q, "HTTP_ORIGIN");
	const char *site = param(q, "HTTP_SEC_FETCH_SITE");
	const char *custom = param(q, "HTTP_X_TYCHE_REQUEST");
	if (site && strcmp(site, "same-origin")) {
		cgi_fail(r, 403, "cross-origin request refused (Sec-Fetch-Site: %s)",
			 strcmp(site, "cross-site") && strcmp(site, "same-site") && strcmp(site, "none")
				 ? "invalid" : site);
		return -1;
	}
	if (origin) {
		if (!is_own_origin(q, origin)) {
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
	const char *cl = param(q, "CONTENT_LENGTH");
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
	/* an upload of a study may be larger (uploads.max_bytes is checked
	 * by its handler, up to this hard ceiling) */
	size_t cap = !strncmp(q->path ? q->path : "", "/studies", 8) ? CGI_MAX_UPLOAD : CGI_MAX_BODY;

	if (len > cap) {
		/* Drain a moderate excess so the server can deliver the answer
		 * (it is still writing the body to our stdin); beyond that the
		 * web server's own limit is meant to act (doc/deploy.md). */
		char sink[65536];

		for (size_t left = len < 16u * CGI_MAX_BODY ? len : 0; left;) {
			long k = q->io->read(q->io->ctx, sink, left < sizeof sink ? left : sizeof sink);

			if (k <= 0)
				break;
			left -= (size_t)k;
		}
		cgi_fail(r, 413, "request body of %llu bytes is over the limit of %zu bytes",
			 len, cap);
		return -1;
	}
	q->body = malloc(len + 1);
	if (!q->body) {
		cgi_fail(r, 500, "out of memory");
		return -1;
	}
	while (got < len) {
		long k = q->io->read(q->io->ctx, q->body + got, len - got);

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
		cJSON *o;

		if (!get)
			return cgi_fail(r, 405, "use GET for this resource");
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "service", "tyche");
		cJSON_AddStringToObject(o, "version", tyche_version());
		/* single-user mode: the page's user is the store's owner "local" */
		cJSON_AddStringToObject(o, "user", q->user ? q->user : c->single_user ? "local" : "");
		cJSON_AddBoolToObject(o, "store", q->user || c->single_user);
		return cgi_json(r, 200, o);
	}
	if (!strcmp(q->seg[0], "contexts")) {
		if (q->nseg == 1) {
			if (!get)
				return cgi_fail(r, 405, "use GET for this resource");
			return cgi_studies_route(c, q, r);
		}
		name = q->seg[1];
		if (strchr(name, '~') ? cgi_study_visible(c, q, name, r) != 0
				      : !cgi_name_ok(name, CGI_CONTEXT_NAME_MAX))
			return strchr(name, '~') ? r->status : cgi_fail(r, 404, "no such context");
		if (q->nseg == 2) {
			if (!get)
				return cgi_fail(r, 405, "use GET for this resource");
			return cgi_context_info(c, name, r);
		}
		if (q->nseg == 3 && (!strcmp(q->seg[2], "explore") || !strcmp(q->seg[2], "plot") ||
				     !strcmp(q->seg[2], "optimise") || !strcmp(q->seg[2], "pareto"))) {
			if (!post)
				return cgi_fail(r, 405, "use POST with a JSON body for %s", q->seg[2]);
			if (!strcmp(q->seg[2], "explore"))
				return cgi_explore(c, name, q, r);
			if (!strcmp(q->seg[2], "plot"))
				return cgi_plot(c, name, q, r);
			if (!strcmp(q->seg[2], "pareto"))
				return cgi_pareto(c, name, q, r);
			return cgi_optimise(c, name, q, r);
		}
		if (q->nseg == 3 && (!strcmp(q->seg[2], "sensitivity") || !strcmp(q->seg[2], "voi")))
			return cgi_sens_route(c, name, q, r);
		return cgi_fail(r, 404, "no such resource");
	}
	if (!strcmp(q->seg[0], "scenarios"))
		return cgi_store_route(c, q, r);
	if (!strcmp(q->seg[0], "studies"))
		return cgi_studies_route(c, q, r);
	return cgi_fail(r, 404, "no such resource");
}

/* RLIMIT_CPU a little above the budget: the last guard when a loop does
 * not check the budget.  Never raises a limit already set lower. */
static void set_cpu_rlimit(double cpu)
{
	struct rlimit rl;
	rlim_t soft;

	if (!(cpu > 0) || getrlimit(RLIMIT_CPU, &rl))
		return;
	soft = (rlim_t)ceil(cpu) + 2;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < soft + 2)
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < soft)
		return;
	rl.rlim_cur = soft;
	rl.rlim_max = soft + 2;
	setrlimit(RLIMIT_CPU, &rl);
}

/* The same guard in a process that serves many requests.  RLIMIT_CPU
 * counts the process's CPU time since it started, so the soft limit is
 * moved before each request to the CPU used so far plus the budget plus
 * 2 s; the hard limit is left alone (lowering it cannot be undone
 * without privilege).  Past the soft limit the kernel sends SIGXCPU,
 * whose default action ends the process: the web server answers 502 for
 * that request and starts a new process.  Never above the soft limit
 * the process started with. */
static void set_cpu_rlimit_fastcgi(double cpu)
{
	static rlim_t start_soft;
	static int have_start;
	struct rlimit rl;
	struct timespec ts;
	rlim_t soft;

	if (getrlimit(RLIMIT_CPU, &rl))
		return;
	if (!have_start) {
		start_soft = rl.rlim_cur;
		have_start = 1;
	}
	soft = start_soft;
	if (cpu > 0 && !clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)) {
		rlim_t want = (rlim_t)ts.tv_sec + (rlim_t)ceil(cpu) + 3;

		if (soft == RLIM_INFINITY || want < soft)
			soft = want;
	}
	if (rl.rlim_max != RLIM_INFINITY && soft > rl.rlim_max)
		soft = rl.rlim_max;
	if (soft == rl.rlim_cur)
		return;
	rl.rlim_cur = soft;
	setrlimit(RLIMIT_CPU, &rl);
}

/* ------------------------------------------------------------ one request */

static const char *env_param(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

struct cgi_fds {
	int in_fd;
	FILE *out;
};

static long fd_read(void *ctx, char *buf, size_t n)
{
	const struct cgi_fds *f = ctx;

	for (;;) {
		ssize_t k = read(f->in_fd, buf, n);

		if (k < 0 && errno == EINTR)
			continue;
		return (long)k;
	}
}

static void file_write(void *ctx, const char *buf, size_t n)
{
	const struct cgi_fds *f = ctx;

	fwrite(buf, 1, n, f->out);
}

int cgi_handle(int in_fd, FILE *out, int hard_limits)
{
	struct cgi_fds f = { in_fd, out };
	struct cgi_io io = { env_param, fd_read, file_write, &f,
			     hard_limits ? CGI_LIMITS_CGI : CGI_LIMITS_NONE };
	int status = cgi_handle_io(&io);

	fflush(out);
	return status;
}

int cgi_handle_io(const struct cgi_io *io)
{
	struct cgi_config c;
	struct cgi_request q;
	struct cgi_response r, body_err;
	const char *cfg;
	char msg[1024];
	int head = 0, post, body_failed = 0;

	memset(&c, 0, sizeof c);
	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	memset(&body_err, 0, sizeof body_err);
	q.io = io;
	/* a web server may pass TYCHE_CONFIG per request (nginx's
	 * fastcgi_param, Apache's SetEnv) or in the process environment
	 * (spawn-fcgi, FcgidInitialEnv, systemd) */
	cfg = param(&q, "TYCHE_CONFIG");
	if (!cfg || !*cfg)
		cfg = getenv("TYCHE_CONFIG");
	q.method = param(&q, "REQUEST_METHOD");
	q.path = param(&q, "PATH_INFO");
	q.query = param(&q, "QUERY_STRING");
	q.content_type = param(&q, "CONTENT_TYPE");
	q.user = param(&q, "REMOTE_USER");
	if (q.user && !*q.user)
		q.user = NULL;
	if (!q.path)
		q.path = "";
	if (!q.query)
		q.query = "";
	if (!q.method)
		q.method = "";
	head = !strcmp(q.method, "HEAD");
	post = !strcmp(q.method, "POST");
	if (!post && strcmp(q.method, "GET") && !head) {
		cgi_fail(&r, 405, "method %s is not allowed; use GET or POST",
			 strlen(q.method) < 16 && cgi_name_ok(q.method, 16) ? q.method : "(unknown)");
		goto send;
	}
	/* the body first, whatever the answer will be (see the top) */
	if (post && read_body(&q, &body_err))
		body_failed = 1;
	/* read on every request, also in FastCGI mode: a few hundred bytes
	 * of YAML (tens of microseconds), and an edited config is in force
	 * from the next request with nothing kept from the last */
	if (cgi_config_load(&c, cfg && *cfg ? cfg : CGI_DEFAULT_CONFIG, msg, sizeof msg)) {
		fprintf(stderr, "tyche.cgi: %s\n", msg);
		cgi_fail(&r, 500, "server configuration error (see the server log)");
		goto send;
	}
	cgi_budget_wall = c.wall_seconds;
	cgi_budget_cpu = c.cpu_seconds;
	tyche_budget_set(c.wall_seconds, c.cpu_seconds);
	if (io->limits == CGI_LIMITS_CGI)
		set_cpu_rlimit(c.cpu_seconds);
	else if (io->limits == CGI_LIMITS_FASTCGI)
		set_cpu_rlimit_fastcgi(c.cpu_seconds);
	if (check_hosts(&c, &q, &r))
		goto send;
	if (post && check_post_origin(&q, &r))
		goto send;
	if (body_failed) {
		r = body_err;
		memset(&body_err, 0, sizeof body_err);
		goto send;
	}
	if (split_path(&q)) {
		cgi_fail(&r, 404, "no such resource");
		goto send;
	}
	route(&c, &q, &r);
send:
	send_response(&q, &r, head);
	cgi_buf_release(&r.body);
	cgi_buf_release(&body_err.body);
	for (size_t i = 0; i < q.nseg; i++)
		free(q.seg[i]);
	free(q.body);
	cgi_config_release(&c);
	tyche_budget_set(0, 0);
	return r.status;
}
