#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7004-cgi-fastcgi-nginx.sh - tyche.cgi as a FastCGI responder behind
# nginx (fastcgi_pass to a unix socket that spawn-fcgi binds; multiwatch
# keeps the processes running): the same API tests as t7000/t7001, then
# what only a long-lived process can get wrong: the answers come from the
# same processes request after request; a study replaced as tyche-fetch
# installs it (a new version directory and a symlink renamed over the
# old one), and a table edited in place with its size unchanged, are seen
# by the very next request without a restart, also by explore and the
# context's description, which answer from what a process keeps; a
# process exits after
# TYCHE_FCGI_MAX_REQUESTS requests and its replacement answers with no
# request lost.  Every daemon runs from a temp prefix and is stopped on
# exit, pass or fail.
test_description='tyche.cgi as FastCGI behind nginx and spawn-fcgi'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh
. "$TEST_DIR"/lib-cgi-api.sh

if [ "$(id -u)" != 0 ] || ! command -v nginx >/dev/null || ! command -v spawn-fcgi >/dev/null ||
   [ ! -x /usr/bin/multiwatch ] || ! command -v htpasswd >/dev/null ||
   [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	test_skipped_all='needs root, nginx, spawn-fcgi, multiwatch, htpasswd and a built tyche.cgi'
else
	cgi_setup && cgi_start_nginx_fastcgi ||
		test_skipped_all='nginx or spawn-fcgi did not start'
fi

cgi_api_tests

test_expect_success 'nginx passes PATH_INFO and REMOTE_USER through FastCGI' '
	test "$(api alice GET /version)" = 200 &&
	json "j[\"user\"]" <body >actual && echo alice >expect && test_cmp expect actual
'

# Stack R&D's largest tranche, as context info reports it.
stack_max() {
	test "$(api alice GET /contexts/electrolysis)" = 200 &&
	json "[c[\"max\"] for c in j[\"categories\"] if c[\"name\"] == \"Stack R&D\"][0]" <body
}

test_expect_success 'the same FastCGI processes answer request after request' '
	cgi_fastcgi_pids >before &&
	test "$(wc -l <before)" = 2 &&
	for i in 1 2 3 4 5 6 7 8; do
		test "$(api bob GET /contexts)" = 200 || return 1
	done &&
	cgi_fastcgi_pids >after &&
	test_cmp before after &&
	! pgrep -x fcgiwrap -g "$CGI_FCGI_PGID"
'

test_expect_success 'a study installed as tyche-fetch does is seen by the next request' '
	cgi_fastcgi_pids >before &&
	echo 4000000 >expect && stack_max >actual && test_cmp expect actual &&
	d=$SRV/contexts &&
	mkdir -p "$d/versions" &&
	mv "$d/electrolysis" "$d/versions/1" &&
	ln -s versions/1 "$d/electrolysis" &&
	echo 4000000 >expect && stack_max >actual && test_cmp expect actual &&
	cp -R "$d/versions/1" "$d/versions/2" &&
	sed "s/Stack Ambitious,Stack Ambitious,4000000/Stack Ambitious,Stack Ambitious,4500000/" \
		"$d/versions/1/tranches.csv" >"$d/versions/2/tranches.csv" &&
	chmod -R a+rX "$d" &&
	ln -s versions/2 "$d/new" && mv -T "$d/new" "$d/electrolysis" &&
	echo 4500000 >expect && stack_max >actual && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 4500000}}")" = 200 &&
	ln -s versions/1 "$d/new" && mv -T "$d/new" "$d/electrolysis" &&
	echo 4000000 >expect && stack_max >actual && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 4500000}}")" = 400 &&
	cgi_fastcgi_pids >after && test_cmp before after
'

test_expect_success 'a table edited in place, same size and inode, is seen by the next request' '
	cgi_fastcgi_pids >before &&
	t=$SRV/contexts/versions/1/tranches.csv &&
	ls -i "$t" >inode.before &&
	sed "s/,4000000,/,4100000,/" "$t" >new.csv &&
	test "$(wc -c <new.csv)" = "$(wc -c <"$t")" &&
	for i in 1 2 3; do
		test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 4100000}}")" = 400 &&
		echo 4000000 >expect && stack_max >actual && test_cmp expect actual ||
		return 1
	done &&
	cat new.csv >"$t" &&
	ls -i "$t" >inode.after && test_cmp inode.before inode.after &&
	for i in 1 2 3; do
		test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 4100000}}")" = 200 &&
		echo 4100000 >expect && stack_max >actual && test_cmp expect actual ||
		return 1
	done &&
	cgi_fastcgi_pids >after && test_cmp before after
'

# One process that exits after every 3rd request (multiwatch told to
# retry without end: each child lives a few milliseconds here).
if [ -z "$test_skipped_all" ]; then
	cgi_stop_fastcgi
	TYCHE_FCGI_MAX_REQUESTS=3 TYCHE_FCGI_MIN_SECONDS=0 CGI_FCGI_CHILDREN=1 \
		CGI_MULTIWATCH_RETRIES=1000000 cgi_spawn_fastcgi
fi

test_expect_success 'after TYCHE_FCGI_MAX_REQUESTS a new process answers; no request is lost' '
	cgi_fastcgi_pids >first &&
	test "$(wc -l <first)" = 1 &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		test "$(api alice GET /contexts)" = 200 || return 1
	done &&
	cgi_fastcgi_pids >last &&
	test "$(wc -l <last)" = 1 &&
	! test_cmp first last
'

# A busy process must not look like a failing one to its manager:
# multiwatch (-t 500, 3 retries here, as deploy.md says) stops restarting
# a child that ends within 500 ms of its start three times, and then every
# request gets a 502.  Processes that end after 20 requests, under a few
# seconds of load, must end no sooner than TYCHE_FCGI_MIN_SECONDS.
if [ -z "$test_skipped_all" ]; then
	cgi_stop_fastcgi
	TYCHE_FCGI_MAX_REQUESTS=20 CGI_FCGI_CHILDREN=2 cgi_spawn_fastcgi
fi

test_expect_success 'under load, processes that reach their last request are still restarted' '
	command -v wrk >/dev/null || { echo "wrk missing"; false; } &&
	cgi_fastcgi_pids >first &&
	wrk -t2 -c4 -d5s -H "Authorization: Basic $(printf alice:alice-pw | base64)" \
		"$BASE/tyche.cgi/version" >wrk.out 2>&1 &&
	cat wrk.out &&
	! grep -q "Non-2xx" wrk.out &&
	awk "/^Requests\/sec/ { exit !(\$2 > 50) }" wrk.out &&
	test "$(api alice GET /version)" = 200 &&
	# a process that has just answered its last request may not have been
	# replaced yet: wait for multiwatch to bring the count back to two
	n=0 &&
	while cgi_fastcgi_pids >last && test "$(wc -l <last)" != 2 && test $n -lt 50; do
		sleep 0.1 && n=$((n + 1))
	done &&
	test "$(wc -l <last)" = 2 &&
	! test_cmp first last
'

test_done
