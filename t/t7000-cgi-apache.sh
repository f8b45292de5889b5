#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7000-cgi-apache.sh - tyche.cgi behind Debian's apache2 (mod_cgid,
# ScriptAlias, basic auth with two users) on a loopback port: the whole
# HTTP API, privacy between users, cross-origin refusals and headers.
# Apache runs from a temp ServerRoot and is stopped on exit, pass or fail.
test_description='tyche.cgi behind Apache'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh
. "$TEST_DIR"/lib-cgi-api.sh

if [ "$(id -u)" != 0 ] || ! command -v apache2 >/dev/null || ! command -v htpasswd >/dev/null ||
   [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	test_skipped_all='needs root, apache2, htpasswd and a built tyche.cgi'
else
	cgi_setup && cgi_start_apache ||
		test_skipped_all='apache2 did not start'
fi

cgi_api_tests

test_expect_success 'Apache passes PATH_INFO and REMOTE_USER to the CGI' '
	test "$(api bob GET /)" = 200 &&
	json "j[\"user\"]" <body >actual && echo bob >expect && test_cmp expect actual
'

test_done
