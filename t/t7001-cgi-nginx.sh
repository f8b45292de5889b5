#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7001-cgi-nginx.sh - tyche.cgi behind nginx + fcgiwrap (fastcgi_param
# SCRIPT_FILENAME, PATH_INFO, REMOTE_USER; auth_basic with two users) on a
# loopback port: the same API tests as t7000.  Both daemons run from a
# temp prefix and are stopped on exit, pass or fail.
test_description='tyche.cgi behind nginx and fcgiwrap'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh
. "$TEST_DIR"/lib-cgi-api.sh

if [ "$(id -u)" != 0 ] || ! command -v nginx >/dev/null || ! command -v fcgiwrap >/dev/null ||
   ! command -v htpasswd >/dev/null || [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	test_skipped_all='needs root, nginx, fcgiwrap, htpasswd and a built tyche.cgi'
else
	cgi_setup && cgi_start_nginx ||
		test_skipped_all='nginx or fcgiwrap did not start'
fi

cgi_api_tests

test_expect_success 'nginx passes PATH_INFO and REMOTE_USER to the CGI' '
	test "$(api alice GET /version)" = 200 &&
	json "j[\"user\"]" <body >actual && echo alice >expect && test_cmp expect actual
'

test_done
