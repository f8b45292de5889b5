/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-cgi.c - main() of tyche.cgi, kept thin: the request is handled by
 * cgi_handle (cgi-request.c), which the fuzz target calls too.
 *
 * Only main() sets hard limits (RLIMIT_CPU above the request's CPU
 * budget): in the fuzzer the same process serves many requests, and a
 * process-wide CPU limit there would kill it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cgi.h"

int main(void)
{
	if (!getenv("REQUEST_METHOD")) {
		fputs("tyche.cgi: not run as a CGI program (REQUEST_METHOD unset)\n"
		      "Install it behind a web server; see doc/deploy.md.\n", stderr);
		return 2;
	}
	cgi_handle(0, stdout, 1);
	return 0;
}
