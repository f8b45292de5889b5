#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7005-cgi-fcgid-apache.sh - tyche.cgi as a FastCGI responder behind
# Debian's apache2 with mod_fcgid (SetHandler fcgid-script, basic auth
# with two users) on a loopback port: the same API tests as t7000, that
# the answers come from a long-lived process, and that a study replaced
# while that process lives is seen by the next request.  Apache runs from
# a temp ServerRoot and is stopped on exit, pass or fail.
test_description='tyche.cgi as FastCGI behind Apache and mod_fcgid'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh
. "$TEST_DIR"/lib-cgi-api.sh

if [ "$(id -u)" != 0 ] || ! command -v apache2 >/dev/null || ! command -v htpasswd >/dev/null ||
   [ ! -f /usr/lib/apache2/modules/mod_fcgid.so ] || [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	test_skipped_all='needs root, apache2, mod_fcgid, htpasswd and a built tyche.cgi'
else
	cgi_setup && cgi_start_apache_fcgid ||
		test_skipped_all='apache2 did not start'
fi

cgi_api_tests

test_expect_success 'Apache passes PATH_INFO and REMOTE_USER through mod_fcgid' '
	test "$(api bob GET /)" = 200 &&
	json "j[\"user\"]" <body >actual && echo bob >expect && test_cmp expect actual
'

# The tyche.cgi processes mod_fcgid runs now (children of Apache's
# process manager, so under the Apache that this test started).
fcgid_pids() {
	for _p in $(pgrep -x tyche.cgi); do
		grep -qs "$SRV/cgi-bin/tyche.cgi" "/proc/$_p/cmdline" && echo "$_p"
	done | sort -n
}

test_expect_success 'a long-lived process answers, and sees a replaced table at once' '
	test "$(api alice GET /contexts)" = 200 &&
	fcgid_pids >before &&
	test -s before &&
	t=$SRV/contexts/electrolysis/tranches.csv &&
	test "$(api alice GET /contexts/electrolysis)" = 200 &&
	json "[c[\"max\"] for c in j[\"categories\"]]" <body >actual &&
	echo "[4000000, 5000000]" >expect && test_cmp expect actual &&
	sed "s/,5000000,/,5500000,/" "$t" >"$t.new" && chmod 644 "$t.new" && mv "$t.new" "$t" &&
	test "$(api alice GET /contexts/electrolysis)" = 200 &&
	json "[c[\"max\"] for c in j[\"categories\"]]" <body >actual &&
	echo "[4000000, 5500000]" >expect && test_cmp expect actual &&
	fcgid_pids >after &&
	test_cmp before after
'

test_done
