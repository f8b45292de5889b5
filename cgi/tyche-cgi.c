/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-cgi.c - main() of tyche.cgi, kept thin: one binary for both ways
 * a web server runs it.  Started with a listening socket on fd 0 (a
 * FastCGI responder: spawn-fcgi, a systemd socket unit, mod_fcgid) it
 * serves requests in a loop (cgi-fastcgi.c); otherwise it is a CGI
 * program and answers the one request in its environment.  Each request
 * is handled by cgi_handle_io (cgi-request.c), which the fuzz target
 * calls too.
 *
 * Only main() decides on hard limits (RLIMIT_CPU above the request's CPU
 * budget): in the fuzzer the same process serves many requests, and a
 * process-wide CPU limit there would kill it; in FastCGI mode the limit
 * is moved before each request instead.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cgi.h"

int main(void)
{
	if (cgi_fastcgi_detect())
		return cgi_fastcgi_run();
	if (!getenv("REQUEST_METHOD")) {
		fputs("tyche.cgi: not run as a CGI program (REQUEST_METHOD unset) nor as a\n"
		      "FastCGI responder (fd 0 is not a listening socket).\n"
		      "Install it behind a web server; see doc/deploy.md.\n", stderr);
		return 2;
	}
	cgi_handle(0, stdout, 1);
	return 0;
}
