#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7006-cgi-fastcgi-systemd.sh - tyche.cgi started as the shipped systemd
# units start it (systemd/tyche-fcgi.socket and .service): the units say
# what the test relies on (a socket on a path, StandardInput=socket, no
# Accept=, tyche.cgi as ExecStart, the Environment= it sets), then
# systemd's own socket activation (systemd-socket-activate --inetd, the
# same hand-over as StandardInput=socket with Accept=no) binds the socket
# and starts tyche.cgi at the first connection, with the unit's
# environment, behind nginx's fastcgi_pass.  The API suite passes through
# it; one process answers request after request; it exits after
# TYCHE_FCGI_MAX_REQUESTS requests, each answered.  systemd's restart of
# the service is not run here (t7004 tests a restart with multiwatch).
test_description='tyche.cgi as FastCGI started by systemd socket activation'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh
. "$TEST_DIR"/lib-cgi-api.sh

UNIT=$TOP/systemd/tyche-fcgi

# unit_key FILE KEY: the values of KEY= in a unit file, one a line
unit_key() {
	sed -n "s/^$2=//p" "$1"
}

test_expect_success 'the units hand a listening socket to tyche.cgi on standard input' '
	test "$(unit_key "$UNIT.socket" ListenStream)" = /run/tyche/tyche.sock &&
	test -z "$(unit_key "$UNIT.socket" Accept)" &&
	test "$(unit_key "$UNIT.service" StandardInput)" = socket &&
	test "$(unit_key "$UNIT.service" ExecStart)" = /usr/lib/cgi-bin/tyche.cgi &&
	unit_key "$UNIT.service" Environment >env &&
	grep -q "TYCHE_FCGI_MAX_REQUESTS=[1-9]" env
'

# Every exit after the last request is a start to systemd: its default
# start limit (5 in 10 s) would stop a busy service for good.
test_expect_success 'the service allows the restarts of a busy process' '
	test "$(unit_key "$UNIT.service" StartLimitBurst)" -ge 20 &&
	test "$(unit_key "$UNIT.service" StartLimitIntervalSec)" = 10s
'

# The unit's environment, its config path replaced by the test server's.
CGI_FCGI_ENV=$(unit_key "$UNIT.service" Environment | tr ' ' '\n' | grep -v '^TYCHE_CONFIG=')

if [ "$(id -u)" != 0 ] || ! command -v nginx >/dev/null ||
   ! command -v systemd-socket-activate >/dev/null || ! command -v htpasswd >/dev/null ||
   [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	test_skipped_all='needs root, nginx, systemd-socket-activate, htpasswd and a built tyche.cgi'
else
	CGI_FCGI_LAUNCH=systemd
	cgi_setup && cgi_start_nginx_fastcgi ||
		test_skipped_all='nginx or systemd-socket-activate did not start'
fi

test_expect_success 'tyche.cgi is started at the first connection, not before' '
	! pgrep -g "$CGI_FCGI_PGID" -x tyche.cgi &&
	test "$(api alice GET /version)" = 200 &&
	cgi_fastcgi_pids >pids && test "$(wc -l <pids)" = 1
'

cgi_api_tests

test_expect_success 'one process, with the unit environment, answers request after request' '
	cgi_fastcgi_pids >before &&
	test "$(wc -l <before)" = 1 &&
	tr "\0" "\n" </proc/$(cat before)/environ >environ &&
	for e in $CGI_FCGI_ENV; do
		grep -qx "$e" environ || return 1
	done &&
	for i in 1 2 3 4 5 6; do
		test "$(api bob GET /contexts)" = 200 || return 1
	done &&
	cgi_fastcgi_pids >after && test_cmp before after
'

# A fresh activation whose process ends after 3 requests.
if [ -z "$test_skipped_all" ]; then
	cgi_stop_fastcgi
	CGI_FCGI_ENV="TYCHE_FCGI_MAX_REQUESTS=3 TYCHE_FCGI_MIN_SECONDS=0" cgi_spawn_fastcgi
fi

test_expect_success 'the process exits after TYCHE_FCGI_MAX_REQUESTS, every request answered' '
	for i in 1 2 3; do
		test "$(api alice GET /contexts)" = 200 || return 1
	done &&
	i=0 &&
	while pgrep -g "$CGI_FCGI_PGID" -x tyche.cgi >/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done &&
	! pgrep -g "$CGI_FCGI_PGID" -x tyche.cgi
'

test_done
