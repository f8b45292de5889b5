/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch-http.c - HTTPS GET for tyche-fetch, with libcurl.
 *
 * Only GET, only https (also after a redirect), TLS always verified, the
 * proxy only from the config (the environment's *_proxy are ignored, so a
 * cron job behaves as it did when tested by hand).  Redirects are followed
 * here, not by libcurl, because only redirects to the same host and port
 * are allowed and libcurl cannot express that.
 *
 * The size limit is enforced while receiving: the write callback refuses
 * the first byte past the stated size or max_bytes, so a hostile server
 * cannot fill the disk.  Only transient failures are retried (connect,
 * timeout, reset, 408/429/5xx); a wrong size never is: a second copy of a
 * bad release is no better than the first.  The body of any other answer
 * (error page, redirect) is discarded and read only up to
 * TY_FETCH_MAX_ERROR_BODY: an endless error page must not stall a run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "fetch.h"

#define MAX_REDIRECTS 5

struct xfer {
	FILE *f;
	struct ty_buf *mem;
	unsigned long long got, limit;
	long long expect;
	int over;                     /* 1: past expect, 2: past limit,
	                                 3: error page past its cap */
	long status;                  /* of the response being received */
	unsigned long long other;     /* bytes of a non-200 body so far */
	char *etag, *last_modified;
};

static size_t on_write(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;

	if (x->status != 200) {       /* a redirect's or an error's page */
		/* discarded, but read only up to a cap: a hostile or broken
		 * server must not make us read an endless error page */
		if (x->other + len > TY_FETCH_MAX_ERROR_BODY) {
			x->over = 3;
			return 0;
		}
		x->other += len;
		return len;
	}
	if (x->expect >= 0 && x->got + len > (unsigned long long)x->expect) {
		x->over = 1;
		return 0;
	}
	if (x->got + len > x->limit) {
		x->over = 2;
		return 0;
	}
	if (x->f) {
		if (fwrite(p, 1, len, x->f) != len)
			return 0;
	} else {
		ty_buf_add(x->mem, p, len);
		if (x->mem->oom)
			return 0;
	}
	x->got += len;
	return len;
}

static char *header_value(const char *p, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *v, *e;

	if (len <= nl || strncasecmp(p, name, nl) || p[nl] != ':')
		return NULL;
	v = p + nl + 1;
	e = p + len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
		e--;
	if (e - v > 512)
		return NULL;
	return ty_strndup(v, (size_t)(e - v));
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;
	char *v;

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {   /* a new response */
		const char *sp = memchr(p, ' ', len);

		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->other = 0;
		free(x->etag);
		free(x->last_modified);
		x->etag = x->last_modified = NULL;
	} else if ((v = header_value(p, len, "ETag"))) {
		free(x->etag);
		x->etag = v;
	} else if ((v = header_value(p, len, "Last-Modified"))) {
		free(x->last_modified);
		x->last_modified = v;
	}
	return len;
}

void ty_fetch_backoff(int n)
{
	const char *e = getenv("TYCHE_FETCH_BACKOFF_MS");
	long ms = 1000;
	struct timespec ts;

	if (e && *e) {
		char *end;
		long v = strtol(e, &end, 10);

		if (!*end && v >= 0 && v <= 60000)
			ms = v;
	}
	while (--n > 0 && ms < 60000)
		ms *= 2;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Same scheme, host and port: the only redirects followed. */
static int same_origin(const char *a, const char *b)
{
	CURLU *ua = curl_url(), *ub = curl_url();
	char *ha = NULL, *hb = NULL, *pa = NULL, *pb = NULL, *sb = NULL;
	int ok = 0;

	if (ua && ub && !curl_url_set(ua, CURLUPART_URL, a, 0) &&
	    !curl_url_set(ub, CURLUPART_URL, b, 0) &&
	    !curl_url_get(ua, CURLUPART_HOST, &ha, 0) &&
	    !curl_url_get(ub, CURLUPART_HOST, &hb, 0) &&
	    !curl_url_get(ua, CURLUPART_PORT, &pa, CURLU_DEFAULT_PORT) &&
	    !curl_url_get(ub, CURLUPART_PORT, &pb, CURLU_DEFAULT_PORT) &&
	    !curl_url_get(ub, CURLUPART_SCHEME, &sb, 0))
		ok = !strcasecmp(sb, "https") && !strcasecmp(ha, hb) && !strcmp(pa, pb);
	curl_free(ha);
	curl_free(hb);
	curl_free(pa);
	curl_free(pb);
	curl_free(sb);
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return ok;
}

static int transient_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/*
 * One GET (following same-origin redirects).  Returns a class; *transient
 * says whether trying again may help.
 */
static int get_once(const char *url0, const struct ty_http_req *q,
		    struct xfer *x, struct ty_http_resp *r, int *transient,
		    tyche_error *err)
{
	const struct ty_fetch_source *s = q->src;
	char errbuf[CURL_ERROR_SIZE];
	char *url = ty_strdup(url0);
	struct curl_slist *hdr = NULL;
	CURL *h = NULL;
	int hops, cls = TYCHE_FETCH_NETWORK;
	long status = 0;
	CURLcode c;

	*transient = 0;
	if (!url)
		return ty_error_at(err, TYCHE_ENOMEM, url0, 0, 0, "out of memory"),
		       TYCHE_FETCH_INSTALL;
	if (q->etag) {
		char *l = ty_asprintf("If-None-Match: %s", q->etag);

		if (l)
			hdr = curl_slist_append(hdr, l);
		free(l);
	}
	if (q->last_modified) {
		char *l = ty_asprintf("If-Modified-Since: %s", q->last_modified);

		if (l)
			hdr = curl_slist_append(hdr, l);
		free(l);
	}
	for (hops = 0;; hops++) {
		long ct = s->timeout < 30 ? s->timeout : 30;

		h = curl_easy_init();
		if (!h) {
			ty_error_at(err, TYCHE_ENOMEM, url, 0, 0, "cannot create a curl handle");
			cls = TYCHE_FETCH_INSTALL;
			goto out;
		}
		errbuf[0] = 0;
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (s->ca_file)
			curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
		curl_easy_setopt(h, CURLOPT_PROXY, q->proxy ? q->proxy : "");
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, ct);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 100L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, ct);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "tyche-fetch/" TYCHE_VERSION_STR);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->limit);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		c = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if ((c == CURLE_WRITE_ERROR && x->over == 3) ||
		    (c == CURLE_FILESIZE_EXCEEDED && status != 200 && status != 0)) {
			/* an error page too long to read: report the status */
			*transient = status == 408 || status == 429 || status >= 500;
			ty_error_at(err, TYCHE_EIO, url, 0, 0,
				    "HTTP status %ld (its body was not read past %u bytes)",
				    status, TY_FETCH_MAX_ERROR_BODY);
			goto out;
		}
		if (c == CURLE_WRITE_ERROR && x->over == 1) {
			ty_error_at(err, TYCHE_EDATA, url, 0, 0,
				    "body larger than the %lld bytes the manifest states",
				    q->expect);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if ((c == CURLE_WRITE_ERROR && x->over == 2) ||
		    c == CURLE_FILESIZE_EXCEEDED) {
			ty_error_at(err, TYCHE_EDATA, url, 0, 0,
				    "body larger than the limit of %llu bytes (max_bytes)",
				    q->limit);
			cls = TYCHE_FETCH_VERIFY;
			goto out;
		}
		if (c == CURLE_WRITE_ERROR) {
			ty_error_at(err, TYCHE_EIO, url, 0, 0, "cannot write the download: %s",
				    strerror(errno));
			cls = TYCHE_FETCH_INSTALL;
			goto out;
		}
		if (c != CURLE_OK) {
			*transient = transient_curl(c);
			ty_error_at(err, TYCHE_EIO, url, 0, 0, "%s",
				    errbuf[0] ? errbuf : curl_easy_strerror(c));
			goto out;
		}
		if (status >= 300 && status < 400 && status != 304) {
			char *loc = NULL;

			curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
			if (!loc) {
				ty_error_at(err, TYCHE_EIO, url, 0, 0,
					    "HTTP %ld without a Location", status);
				goto out;
			}
			if (!same_origin(url, loc)) {
				ty_error_at(err, TYCHE_EIO, url, 0, 0,
					    "redirect to another host or scheme refused: %s",
					    loc);
				goto out;
			}
			if (hops >= MAX_REDIRECTS) {
				ty_error_at(err, TYCHE_EIO, url, 0, 0, "more than %d redirects",
					    MAX_REDIRECTS);
				goto out;
			}
			free(url);
			url = ty_strdup(loc);
			curl_easy_cleanup(h);
			h = NULL;
			if (!url) {
				ty_error_at(err, TYCHE_ENOMEM, url0, 0, 0, "out of memory");
				cls = TYCHE_FETCH_INSTALL;
				goto out;
			}
			/* Whatever the 3xx body held is not the answer. */
			x->got = 0;
			if (x->mem)
				x->mem->len = 0;
			if (x->f && (fflush(x->f) || ftruncate(fileno(x->f), 0) ||
				     fseek(x->f, 0, SEEK_SET))) {
				ty_error_at(err, TYCHE_EIO, url, 0, 0, "cannot rewind the download file");
				cls = TYCHE_FETCH_INSTALL;
				goto out;
			}
			continue;
		}
		break;
	}
	if (status == 304 && (q->etag || q->last_modified)) {
		r->status = 304;
		cls = 0;
		goto out;
	}
	if (status != 200) {
		*transient = status == 408 || status == 429 || status >= 500;
		ty_error_at(err, TYCHE_EIO, url, 0, 0, "HTTP status %ld", status);
		goto out;
	}
	if (q->expect >= 0 && x->got != (unsigned long long)q->expect) {
		ty_error_at(err, TYCHE_EDATA, url, 0, 0,
			    "truncated body: got %llu bytes, the manifest states %lld",
			    x->got, q->expect);
		cls = TYCHE_FETCH_VERIFY;
		goto out;
	}
	r->status = 200;
	cls = 0;
out:
	if (!cls) {
		r->etag = x->etag;
		r->last_modified = x->last_modified;
		x->etag = x->last_modified = NULL;
		r->bytes = x->got;
	}
	free(x->etag);
	free(x->last_modified);
	x->etag = x->last_modified = NULL;
	curl_slist_free_all(hdr);
	if (h)
		curl_easy_cleanup(h);
	free(url);
	return cls;
}

static int get_retry(const char *url, const struct ty_http_req *q, FILE *f,
		     struct ty_buf *mem, struct ty_http_resp *r,
		     tyche_error *err)
{
	int attempt, cls = 0, transient;

	for (attempt = 0;; attempt++) {
		struct xfer x = { .f = f, .mem = mem, .limit = q->limit, .expect = q->expect };

		if (mem)
			mem->len = 0;
		if (f && (fflush(f) || ftruncate(fileno(f), 0) || fseek(f, 0, SEEK_SET)))
			return ty_error_at(err, TYCHE_EIO, url, 0, 0,
					   "cannot rewind the download file"),
			       TYCHE_FETCH_INSTALL;
		cls = get_once(url, q, &x, r, &transient, err);
		if (!cls || !transient || attempt >= q->src->retries)
			break;
		ty_fetch_backoff(attempt + 1);
	}
	if (cls && attempt > 0) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l, " (after %d attempts)",
			 attempt + 1);
	}
	if (!cls && f && fflush(f))
		return ty_error_at(err, TYCHE_EIO, url, 0, 0, "cannot write the download: %s",
				   strerror(errno)),
		       TYCHE_FETCH_INSTALL;
	return cls;
}

void ty_http_resp_release(struct ty_http_resp *r)
{
	free(r->etag);
	free(r->last_modified);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int ty_http_get_mem(const char *url, const struct ty_http_req *q,
		    struct ty_http_resp *r, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int cls = get_retry(url, q, NULL, &b, r, err);

	if (cls) {
		ty_buf_release(&b);
		return cls;
	}
	r->len = b.len;
	ty_buf_addc(&b, 0);
	if (b.oom) {
		ty_buf_release(&b);
		return ty_error_at(err, TYCHE_ENOMEM, url, 0, 0, "out of memory"),
		       TYCHE_FETCH_INSTALL;
	}
	r->body = ty_buf_detach(&b);
	return 0;
}

int ty_http_get_file(const char *url, const struct ty_http_req *q, FILE *f,
		     struct ty_http_resp *r, tyche_error *err)
{
	return get_retry(url, q, f, NULL, r, err);
}
