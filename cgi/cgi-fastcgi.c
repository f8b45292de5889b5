/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cgi-fastcgi.c - tyche.cgi as a FastCGI responder: when the web server
 * (spawn-fcgi, a systemd socket unit, Apache's mod_fcgid) starts it with
 * a listening socket on fd 0, it accepts requests in a loop with libfcgi's
 * FCGX API and hands each to cgi_handle_io with the request's params and
 * streams (FCGX_GetParam, FCGX_GetStr, FCGX_PutStr).
 *
 * Easy to get wrong in a process that outlives its requests:
 *   - nothing of a request may survive it but the response surfaces
 *     and loaded studies of the last few contexts (cgi-analysis.c), each
 *     kept only while tyche_surface_is_current finds the study's files
 *     unchanged (device, inode, size, mtime and ctime against the cache's
 *     stamp: a dozen stat() calls).  cgi_handle_io reads the config and sets the work
 *     budget afresh on every request, so a study that tyche-fetch
 *     replaced, a table edited in place or an edited config is seen by
 *     the next request without a restart;
 *   - getenv() is the server process's environment, not the request's:
 *     request variables come only from FCGX_GetParam (struct cgi_io);
 *   - RLIMIT_CPU counts the whole process's life, so the hard guard is
 *     moved before each request (see set_cpu_rlimit_fastcgi);
 *   - memory: fragmentation and any leak grow a long-lived process.  It
 *     exits after TYCHE_FCGI_MAX_REQUESTS requests (default 10000, 0 = no
 *     limit) or once its peak resident size passes TYCHE_FCGI_MAX_RSS_MB
 *     (default 1024), always after an answer is complete, and the process
 *     manager (multiwatch, systemd, mod_fcgid) starts a fresh one.  But
 *     never within TYCHE_FCGI_MIN_SECONDS (default 2) of its start:
 *     process managers take a child that ends soon after its start for a
 *     failing one (multiwatch -t, systemd's start limit) and stop
 *     restarting it, and explore runs at thousands of requests a second a
 *     process (with 1000 requests and multiwatch -t 500, every request
 *     got a 502 after three quick ends);
 *   - SIGTERM (a process manager stopping it) ends an idle process at
 *     once but lets a request in progress finish first.
 * Detection is by fd 0 alone (a listening socket), without calling into
 * libfcgi: started as a CGI program the binary does exactly what it did
 * before FastCGI existed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cgi.h"

#define FCGI_DEFAULT_MAX_REQUESTS 10000
#define FCGI_DEFAULT_MAX_RSS_MB 1024
#define FCGI_DEFAULT_MIN_SECONDS 2

static volatile sig_atomic_t busy, stop;

static void on_term(int sig)
{
	(void)sig;
	if (!busy)
		_exit(0);
	stop = 1;
}

static const char *fcgi_param(void *ctx, const char *name)
{
	FCGX_Request *rq = ctx;

	return FCGX_GetParam(name, rq->envp);
}

static long fcgi_read(void *ctx, char *buf, size_t n)
{
	FCGX_Request *rq = ctx;
	long got = 0;

	/* FCGX_GetStr takes an int; it returns less only at the end */
	while (n) {
		int want = n > (1u << 30) ? 1 << 30 : (int)n;
		int k = FCGX_GetStr(buf, want, rq->in);

		if (k <= 0)
			break;
		got += k;
		buf += k;
		n -= (size_t)k;
		if (k < want)
			break;
	}
	return got;
}

static void fcgi_write(void *ctx, const char *buf, size_t n)
{
	FCGX_Request *rq = ctx;

	while (n) {
		int len = n > (1u << 30) ? 1 << 30 : (int)n;

		if (FCGX_PutStr(buf, len, rq->out) != len)
			return;   /* the server went away: nothing to tell it */
		buf += len;
		n -= (size_t)len;
	}
}

/* A non-negative integer from the process environment, or def. */
static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long x;

	if (!v || !*v)
		return def;
	errno = 0;
	x = strtol(v, &end, 10);
	if (*end || errno || x < 0) {
		fprintf(stderr, "tyche.cgi: %s='%.40s' is not a whole number >= 0; using %ld\n",
			name, v, def);
		return def;
	}
	return x;
}

int cgi_fastcgi_detect(void)
{
	int listening = 0;
	socklen_t len = sizeof listening;

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

int cgi_fastcgi_run(void)
{
	long max_requests = env_long("TYCHE_FCGI_MAX_REQUESTS", FCGI_DEFAULT_MAX_REQUESTS);
	long max_rss_mb = env_long("TYCHE_FCGI_MAX_RSS_MB", FCGI_DEFAULT_MAX_RSS_MB);
	long min_seconds = env_long("TYCHE_FCGI_MIN_SECONDS", FCGI_DEFAULT_MIN_SECONDS);
	struct sigaction sa;
	struct timespec t0;
	FCGX_Request rq;
	long served = 0;

	if (FCGX_Init() || FCGX_InitRequest(&rq, 0, 0)) {
		fputs("tyche.cgi: cannot start the FastCGI library\n", stderr);
		return 1;
	}
	cgi_keep_surfaces = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);   /* libfcgi's convention for a graceful stop */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);   /* a closed connection is an error */

	while (!stop && FCGX_Accept_r(&rq) == 0) {
		struct cgi_io io = { fcgi_param, fcgi_read, fcgi_write, &rq, CGI_LIMITS_FASTCGI };
		struct rusage ru;

		busy = 1;
		cgi_handle_io(&io);
		FCGX_Finish_r(&rq);
		busy = 0;
		served++;
		if (max_requests && served >= max_requests) {
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= min_seconds)
				break;
		}
		if (max_rss_mb && !getrusage(RUSAGE_SELF, &ru) && ru.ru_maxrss / 1024 >= max_rss_mb) {
			fprintf(stderr, "tyche.cgi: FastCGI process %ld has grown to %ld MiB "
				"(TYCHE_FCGI_MAX_RSS_MB=%ld): exiting after %ld requests\n",
				(long)getpid(), ru.ru_maxrss / 1024, max_rss_mb, served);
			break;
		}
	}
	FCGX_Free(&rq, 1);
	return 0;
}
