/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-cgi.c - libFuzzer target for tyche.cgi's request path: the input
 * is one HTTP-like request, turned into RFC 3875 variables and a body and
 * handed to cgi_handle (cgi/cgi-request.c), the function main() calls.
 *
 *   METHOD PATH[?QUERY]\n          e.g. "POST /contexts/electrolysis/explore"
 *   Name: value\n ...              Host, Origin, Content-Type, Content-Length,
 *   \n                             X-Tyche-Request, Sec-Fetch-Site,
 *   body                           Remote-User, Accept-Encoding, Config
 *
 * Host defaults to localhost, Content-Type to application/json and
 * X-Tyche-Request to 1, so that most inputs get past the checks to the
 * handlers; a header given empty is unset.  "Config: multi" uses a config
 * without single_user (Remote-User then matters).  Content-Length
 * defaults to the body's length.
 *
 * No network, and nothing is written outside one scratch directory (under
 * /dev/shm when it exists) holding the config, the store and the cache;
 * the context is the bundled example, found next to this file at build
 * time or via $TYCHE_FUZZ_CONTEXT.  The surface is built once at start, so
 * an input costs a cache read.  The store is emptied every 256 inputs.
 * Each answer must start with a Status line, and an uncompressed JSON
 * answer must parse and be valid UTF-8: anything else aborts.  The
 * request budget in the config (8 s) is below libFuzzer's -timeout=10,
 * so a slow input that the budget does not stop is reported as a timeout.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[256], cfg_single[320], cfg_multi[320], store[320], bodyf[320];
static unsigned long runs;

static const char *const vars[] = {
	"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
	"HTTP_HOST", "HTTP_ORIGIN", "HTTP_X_TYCHE_REQUEST", "HTTP_SEC_FETCH_SITE",
	"REMOTE_USER", "HTTP_ACCEPT_ENCODING", "TYCHE_CONFIG",
};

static void write_config(const char *path, int single)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fprintf(f, "contexts: %s/contexts\nstore: %s\ncache: %s/cache\nsingle_user: %s\n"
		"defaults: { samples: 20, seed: 1 }\n"
		"request_limits: { wall_seconds: 8, cpu_seconds: 8 }\n",
		dir, store, dir, single ? "true" : "false");
	if (fclose(f))
		abort();
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level > 0)
		remove(p);
	return 0;
}

/* The whole answer; abort when it is not one. */
static void check_answer(const char *out, size_t len, int head)
{
	const char *sep = memmem(out, len, "\r\n\r\n", 4), *body;
	size_t blen;

	if (len < 8 || strncmp(out, "Status: ", 8) || !sep)
		abort();
	body = sep + 4;
	blen = len - (size_t)(body - out);
	if (head)
		return;   /* headers only */
	if (memmem(out, (size_t)(sep - out), "Content-Encoding: gzip", 22) ||
	    !memmem(out, (size_t)(sep - out), "Content-Type: application/json", 30))
		return;
	{
		struct cgi_buf b = { 0 };
		cJSON *v;

		cgi_buf_add(&b, body, blen);
		cgi_utf8_fix(&b);
		if (b.len != blen || memcmp(b.p, body, blen))
			abort();   /* invalid UTF-8 in an answer */
		v = cJSON_ParseWithLength(b.p, b.len);
		if (!v)
			abort();   /* a JSON answer that does not parse */
		cJSON_Delete(v);
		cgi_buf_release(&b);
	}
}

static void run(const char *method, const char *path, const char *host, const uint8_t *body,
		size_t blen)
{
	FILE *in = fopen(bodyf, "w+"), *out;
	char *text = NULL, clen[32];
	size_t tlen = 0;

	if (!in || (blen && fwrite(body, 1, blen, in) != blen) || fflush(in))
		abort();
	rewind(in);
	snprintf(clen, sizeof clen, "%zu", blen);
	setenv("REQUEST_METHOD", method, 1);
	setenv("PATH_INFO", path, 1);
	setenv("HTTP_HOST", host, 1);
	setenv("CONTENT_LENGTH", clen, 1);
	setenv("CONTENT_TYPE", "application/json", 1);
	setenv("HTTP_X_TYCHE_REQUEST", "1", 1);
	setenv("TYCHE_CONFIG", cfg_single, 1);
	out = open_memstream(&text, &tlen);
	if (!out)
		abort();
	cgi_handle(fileno(in), out, 0);
	fclose(out);
	fclose(in);
	free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("TYCHE_FUZZ_CONTEXT");
	char from[1024], link[600], real[4096];

	(void)argc;
	(void)argv;
	if (!src) {
		/* __FILE__ is t/fuzz/fuzz-cgi.c as the compiler saw it */
		const char *slash = strrchr(__FILE__, '/');
		int n = slash ? (int)(slash - __FILE__) : 1;

		snprintf(from, sizeof from, "%.*s/../../examples/electrolysis", n,
			 slash ? __FILE__ : ".");
		src = from;
	}
	if (!realpath(src, real)) {
		fprintf(stderr, "fuzz-cgi: cannot find %s (set TYCHE_FUZZ_CONTEXT)\n", src);
		abort();
	}
	snprintf(dir, sizeof dir, "%s/tyche-fuzz-cgi.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(link, sizeof link, "%s/contexts", dir);
	if (mkdir(link, 0755))
		abort();
	snprintf(link, sizeof link, "%s/contexts/electrolysis", dir);
	if (symlink(real, link))
		abort();
	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(bodyf, sizeof bodyf, "%s/body", dir);
	snprintf(cfg_single, sizeof cfg_single, "%s/single.yml", dir);
	snprintf(cfg_multi, sizeof cfg_multi, "%s/multi.yml", dir);
	write_config(cfg_single, 1);
	write_config(cfg_multi, 0);
	/* build the surface and the bounds once */
	run("GET", "/contexts/electrolysis", "localhost", NULL, 0);
	return 0;
}

/* The value of the first header called name, or NULL. */
static const char *header(char *const *names, char *const *values, size_t n,
			  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(names[i], name))
			return values[i];
	return NULL;
}

static void set_or_unset(const char *var, const char *v, const char *dflt)
{
	if (!v)
		v = dflt;
	if (v && *v)
		setenv(var, v, 1);
	else
		unsetenv(var);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	char *line, *sp, *q, *names[16], *values[16], clen[32];
	const char *v;
	size_t nh = 0;
	FILE *in, *out;
	char *text = NULL;
	size_t tlen = 0;

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	nl = memchr(p, '\n', size);
	line = strndup((const char *)p, nl ? (size_t)(nl - p) : size);
	if (!line)
		return 0;
	p = nl ? nl + 1 : end;
	sp = strchr(line, ' ');
	if (sp)
		*sp++ = '\0';
	setenv("REQUEST_METHOD", line, 1);
	if (sp) {
		if ((q = strchr(sp, '?'))) {
			*q++ = '\0';
			setenv("QUERY_STRING", q, 1);
		}
		setenv("PATH_INFO", sp, 1);
	}
	while (p < end && *p != '\n' && nh < 16) {
		char *h, *colon;

		nl = memchr(p, '\n', (size_t)(end - p));
		h = strndup((const char *)p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		p = nl ? nl + 1 : end;
		if (!h)
			break;
		colon = strchr(h, ':');
		if (!colon) {
			free(h);
			continue;
		}
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		names[nh] = h;
		values[nh++] = colon;
	}
	if (p < end && *p == '\n')
		p++;
	set_or_unset("HTTP_HOST", header(names, values, nh, "Host"), "localhost");
	set_or_unset("HTTP_ORIGIN", header(names, values, nh, "Origin"), NULL);
	set_or_unset("CONTENT_TYPE", header(names, values, nh, "Content-Type"), "application/json");
	set_or_unset("HTTP_X_TYCHE_REQUEST", header(names, values, nh, "X-Tyche-Request"), "1");
	set_or_unset("HTTP_SEC_FETCH_SITE", header(names, values, nh, "Sec-Fetch-Site"), NULL);
	set_or_unset("REMOTE_USER", header(names, values, nh, "Remote-User"), NULL);
	set_or_unset("HTTP_ACCEPT_ENCODING", header(names, values, nh, "Accept-Encoding"), NULL);
	snprintf(clen, sizeof clen, "%zu", (size_t)(end - p));
	set_or_unset("CONTENT_LENGTH", header(names, values, nh, "Content-Length"), clen);
	v = header(names, values, nh, "Config");
	setenv("TYCHE_CONFIG", v && !strcmp(v, "multi") ? cfg_multi : cfg_single, 1);

	in = fopen(bodyf, "w+");
	if (!in || (end > p && fwrite(p, 1, (size_t)(end - p), in) != (size_t)(end - p)) ||
	    fflush(in))
		abort();
	rewind(in);
	out = open_memstream(&text, &tlen);
	if (!out)
		abort();
	cgi_handle(fileno(in), out, 0);
	fclose(out);
	fclose(in);
	check_answer(text, tlen, !strcmp(line, "HEAD"));
	free(text);
	for (size_t i = 0; i < nh; i++)
		free(names[i]);
	free(line);
	if (++runs % 256 == 0)
		nftw(store, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
