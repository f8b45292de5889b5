#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7002-cgi-direct.sh - tyche.cgi run directly with RFC 3875 variables (no
# web server): the config file, single-user mode, the "warming up" answer
# while another process holds the surface lock, body length handling.
# The whole config is checked (a broken tyche-fetch source is a 500 too).
# Fast, and the place where ASan/UBSan see the CGI (a sanitizer report
# makes it exit 99 and the checks fail).
test_description='tyche.cgi as a plain CGI program'
. "$(dirname "$0")"/test-lib.sh

mkdir -p ctx && cp -R "$TOP/examples/electrolysis" ctx/
cat >tyche.yml <<EOT
contexts: $TRASH/ctx
store: $TRASH/store
cache: $TRASH/cache
sources: []
proxy: http://proxy.example:3128
defaults:
  samples: 200
  seed: 3
EOT

# cgi METHOD PATH [BODY]: run the CGI; headers to ./head, body to ./body.
cgi() {
	_b=${3-}
	printf '%s' "$_b" | env REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING="${QS-}" \
		CONTENT_TYPE=application/json CONTENT_LENGTH="${CL-${#_b}}" \
		HTTP_X_TYCHE_REQUEST=1 HTTP_HOST="${HOST-localhost}" TYCHE_CONFIG="${CFG-$TRASH/tyche.yml}" \
		${USR:+REMOTE_USER=$USR} tyche.cgi >out || return 1
	sed -n '1,/^\r$/p' out >head &&
	sed '1,/^\r$/d' out >body &&
	sed -n 's/^Status: \([0-9]*\).*/\1/p' head
}
json() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v, sort_keys=True))' "$1"
}

test_expect_success 'outside a web server it says so and exits 2' '
	test_expect_code 2 env -u REQUEST_METHOD tyche.cgi 2>err </dev/null &&
	grep "not run as a CGI program" err
'

test_expect_success 'contexts: the list, with fetch keys in the config ignored' '
	test "$(cgi GET /contexts)" = 200 &&
	json "j" <body >actual &&
	echo "{\"admin\": false, \"contexts\": [{\"name\": \"electrolysis\"}], \"landing\": \"electrolysis\"}" >expect &&
	test_cmp expect actual
'

test_expect_success 'a folder without designs.csv is neither listed nor served' '
	mkdir -p ctx/notes && echo hello >ctx/notes/readme.txt &&
	test "$(cgi GET /contexts)" = 200 &&
	json "j" <body >actual &&
	echo "{\"admin\": false, \"contexts\": [{\"name\": \"electrolysis\"}], \"landing\": \"electrolysis\"}" >expect &&
	test_cmp expect actual &&
	test "$(cgi GET /contexts/notes)" = 404 &&
	json "j[\"error\"]" <body >actual &&
	echo "no context named '\''notes'\''" >expect && test_cmp expect actual &&
	rm -r ctx/notes
'

test_expect_success 'an unknown config key is a 500 with line and column in the log' '
	sed "s/^store:/stroe:/" tyche.yml >bad.yml &&
	test "$(CFG=$TRASH/bad.yml cgi GET /contexts 2>err)" = 500 &&
	json "j[\"error\"]" <body >actual &&
	echo "server configuration error (see the server log)" >expect && test_cmp expect actual &&
	grep "bad.yml:2:1: unknown top-level key .stroe. (expected contexts, store, cache, models, single_user, defaults, allowed_hosts, request_limits, sources, proxy, admins, uploads)" err &&
	test "$(CFG=$TRASH/none.yml cgi GET /contexts 2>err)" = 500 &&
	grep "cannot read the config" err
'

test_expect_success 'a broken tyche-fetch source is a 500 naming its line too' '
	sed "s/^sources: \\[\\]/sources:\\n  - name: Lake_1/" tyche.yml >bad3.yml &&
	test "$(CFG=$TRASH/bad3.yml cgi GET /contexts 2>err)" = 500 &&
	grep "bad3.yml:5:11: .name.: .Lake_1. must match \\[a-z0-9-\\]+" err
'

test_expect_success 'a bad defaults value names the key' '
	sed "s/samples: 200/samples: lots/" tyche.yml >bad2.yml &&
	test "$(CFG=$TRASH/bad2.yml cgi GET /contexts 2>err)" = 500 &&
	grep "bad2.yml:7:12: .defaults.samples.: expected an integer from 1 to 1000000" err
'

test_expect_success 'the store needs REMOTE_USER unless single_user is set' '
	test "$(cgi GET /scenarios)" = 401 &&
	json "j[\"error\"]" <body >actual &&
	grep "needs an authenticated user" actual &&
	test "$(USR=carol cgi GET /scenarios)" = 200 &&
	sed "s/^sources: \[\]/single_user: true/" tyche.yml >single.yml &&
	test "$(CFG=$TRASH/single.yml cgi POST /scenarios "{\"name\": \"s\", \"context\": \"electrolysis\", \"inputs\": {}}")" = 201 &&
	json "j[\"scenario\"][\"owner\"]" <body >actual && echo local >expect && test_cmp expect actual &&
	json "j[\"scenario\"][\"context_hash\"]" <body >saved &&
	test "$(cgi GET /contexts/electrolysis)" = 200 &&
	json "j[\"hash\"]" <body >expect && test_cmp expect saved &&
	test "$(USR="../x" cgi GET /scenarios)" = 403
'

test_expect_success 'while another process builds the surface: 503 warming up' '
	rm -rf cache && mkdir cache &&
	test "$(cgi GET /contexts/electrolysis)" = 200 &&
	lock=$(ls cache/*.lock) && rm -f cache/*.tysurf &&
	flock -x "$lock" -c "touch held; sleep 3" &
	while [ ! -f held ]; do sleep 0.05; done &&
	test "$(cgi GET /contexts/electrolysis)" = 503 &&
	grep "^Retry-After: 2" head &&
	json "j[\"error\"]" <body >actual &&
	grep "^warming up" actual &&
	wait &&
	test "$(cgi GET /contexts/electrolysis)" = 200
'

# GET /contexts/NAME keeps its answer beside the surface (a note, lib/
# note-cache.c): the next process answers from it after stat() of the
# study's files, with no table read, and never for another version of the
# study, another name, or from a broken note.  (LeakSanitizer cannot run
# under strace's ptrace: off for that one run.)
test_expect_success 'GET /contexts/NAME: the second process reads no table and answers the same' '
	rm -rf cache && mkdir cache &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && cp body first &&
	ls cache/electrolysis-*.tysurf.note &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test_cmp first body &&
	if command -v strace >/dev/null; then
		printf "" | env REQUEST_METHOD=GET PATH_INFO=/contexts/electrolysis HTTP_HOST=localhost \
			TYCHE_CONFIG=$TRASH/tyche.yml ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -e trace=open,openat -o trace tyche.cgi >out &&
		grep "^Status: 200" out &&
		grep "tysurf.note" trace &&
		! grep "\.csv\"" trace && ! grep "\.yml\", O_RDONLY" trace | grep -v tyche.yml
	fi
'

test_expect_success 'GET /contexts/NAME: an edited table, another name, a broken note' '
	json "[c[\"max\"] for c in j[\"categories\"] if c[\"name\"] == \"Stack R&D\"][0]" <first >actual &&
	echo 4000000 >expect && test_cmp expect actual &&
	sed -i "s/Stack Ambitious,4000000,/Stack Ambitious,4200000,/" ctx/electrolysis/tranches.csv &&
	test "$(cgi GET /contexts/electrolysis)" = 200 &&
	json "[c[\"max\"] for c in j[\"categories\"] if c[\"name\"] == \"Stack R&D\"][0]" <body >actual &&
	echo 4200000 >expect && test_cmp expect actual &&
	! test_cmp first body &&
	cp body edited &&
	cp -R ctx/electrolysis ctx/electrolysis2 &&
	test "$(cgi GET /contexts/electrolysis2)" = 200 &&
	json "j[\"name\"]" <body >actual && echo electrolysis2 >expect && test_cmp expect actual &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test_cmp edited body &&
	for note in cache/electrolysis-*.tysurf.note; do
		head -c 100 "$note" >cut && mv cut "$note" || return 1
	done &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test_cmp edited body &&
	for note in cache/electrolysis-*.tysurf.note; do
		head -c -20 "$note" >cut && mv cut "$note" || return 1
	done &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test_cmp edited body &&
	rm -rf ctx/electrolysis2 &&
	sed -i "s/Stack Ambitious,4200000,/Stack Ambitious,4000000,/" ctx/electrolysis/tranches.csv &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test_cmp first body
'

test_expect_success 'GET /contexts/NAME: a rebuilt or reinstalled tyche.cgi writes a new note' '
	rm -rf cache &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test_cmp first body &&
	note=$(ls cache/electrolysis-*.tysurf.note) && ino=$(stat -c %i "$note") &&
	test "$(cgi GET /contexts/electrolysis)" = 200 && test "$(stat -c %i "$note")" = "$ino" &&
	mkdir -p newbin && cp "$BUILD/bin/tyche.cgi" newbin/ &&
	test "$(PATH=$TRASH/newbin:$PATH cgi GET /contexts/electrolysis)" = 200 &&
	test_cmp first body && ino2=$(stat -c %i "$note") && test "$ino2" != "$ino" &&
	test "$(PATH=$TRASH/newbin:$PATH cgi GET /contexts/electrolysis)" = 200 &&
	test "$(stat -c %i "$note")" = "$ino2"
'

test_expect_success 'CONTENT_LENGTH: exactly that many bytes are read' '
	test "$(CL=2 cgi POST /contexts/electrolysis/explore "{}garbage")" = 200 &&
	test "$(CL=40 cgi POST /contexts/electrolysis/explore "{}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "request body shorter than CONTENT_LENGTH" >expect && test_cmp expect actual &&
	test "$(CL=-1 cgi POST /contexts/electrolysis/explore "{}")" = 400
'

test_expect_success 'POST without the custom header, PUT, odd paths' '
	printf "{}" | env REQUEST_METHOD=POST PATH_INFO=/scenarios CONTENT_LENGTH=2 \
		CONTENT_TYPE=application/json HTTP_HOST=localhost TYCHE_CONFIG=$TRASH/tyche.yml \
		tyche.cgi >out &&
	grep "^Status: 403" out && grep "needs the header X-Tyche-Request: 1" out &&
	test "$(cgi PUT /scenarios)" = 405 &&
	test "$(cgi GET /contexts/electrolysis/../../etc)" = 404 &&
	test "$(cgi GET /contexts/%00x)" = 404 &&
	test "$(cgi GET /contexts/a/b/c/d/e/f/g/h/i)" = 404
'

test_expect_success 'plot types all draw, unknown ones name the choices' '
	for t in box violin density; do
		test "$(cgi POST /contexts/electrolysis/plot "{\"type\": \"$t\", \"metric\": \"GHG\"}")" = 200 &&
		grep "^Content-Type: image/svg+xml" head && grep -q "</svg>" body || return 1
	done &&
	for t in heatmap annotated-heatmap; do
		test "$(cgi POST /contexts/electrolysis/plot "{\"type\": \"$t\", \"statistic\": \"q10\"}")" = 200 || return 1
	done &&
	test "$(cgi POST /contexts/electrolysis/plot "{\"type\": \"box\"}")" = 400 &&
	test "$(cgi POST /contexts/electrolysis/plot "{\"type\": \"pie\"}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "field '\''type'\'' must be one of box, violin, density, heatmap, annotated-heatmap" >expect &&
	test_cmp expect actual
'

test_expect_success 'NLopt is not loaded at start (0.1 ms a process); an optimisation opens it' '
	! ldd "$BUILD/bin/tyche.cgi" | grep -i nlopt &&
	test "$(USR=alice cgi POST /contexts/electrolysis/optimise \
		"{\"metric\": \"Cost\", \"sense\": \"max\", \"budget\": 3000000, \"method\": \"local\"}")" = 200 &&
	json "j[\"status\"]" <body >status && grep -Fx "local optimum" status
'

test_expect_success 'libxlsxwriter is not loaded at start (it costs a process 2.3 ms); an xlsx download opens it' '
	! ldd "$BUILD/bin/tyche.cgi" | grep -i xlsxwriter &&
	test "$(USR=alice cgi POST /contexts/electrolysis/explore \
		"{\"amounts\": {\"Stack R&D\": 1000000}, \"format\": \"xlsx\"}")" = 200 &&
	grep -i "^Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" head &&
	test "$(head -c 2 body)" = PK &&
	tyche-xlsxdump body Statistics >dump &&
	grep "^portfolio	*Cost	mean	" dump
'

test_done
