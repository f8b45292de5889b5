#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7301-serve.sh - `make serve CONTEXTS=DIR PORT=N` (t/serve.sh): serves
# the given folder of studies in place on the given port, single-user,
# with the command line's samples and seed; the page's user is the owner
# of what it saves ("local"), so rename, share and delete are allowed.
test_description='make serve with a folder of studies and a port'
. "$(dirname "$0")"/test-lib.sh

command -v nginx >/dev/null && command -v fcgiwrap >/dev/null || {
	test_skip 'make serve' 'nginx or fcgiwrap not installed'
	test_expect_success 'a CONTEXTS that is not a folder is refused' '
	test_expect_code 2 env TYCHE_SERVE_CONTEXTS=nowhere sh "$TOP/t/serve.sh" "$BUILD" 2>err &&
	grep "CONTEXTS=nowhere is not a folder" err
'

test_done
}

TMPDIR=$TRASH
export TMPDIR
mkdir studies && cp -R "$TOP/examples/electrolysis" studies/ &&
cp -R "$TOP/examples/electrolysis" studies/second && chmod -R a+rX "$TRASH"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
B="http://127.0.0.1:$PORT/tyche/tyche.cgi"
post() {
	curl -s -o body -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H 'X-Tyche-Request: 1' --data-binary "$2" "$B$1"
}
json() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v, sort_keys=True))' "$1"
}
trap 'sh "$TOP/t/serve.sh" stop >/dev/null 2>&1' EXIT

test_expect_success 'serve starts on the port with the folder' '
	TYCHE_SERVE_CONTEXTS=studies TYCHE_SERVE_PORT=$PORT sh "$TOP/t/serve.sh" "$BUILD" >out &&
	grep "http://127.0.0.1:$PORT/tyche/" out &&
	grep "$TRASH/studies" out &&
	curl -s "$B/contexts" | json "[c[\"name\"] for c in j[\"contexts\"]]" >actual &&
	echo "[\"electrolysis\", \"second\"]" >expect && test_cmp expect actual
'

test_expect_success 'the page user is the owner of what it saves' '
	curl -s "$B/" | json "j[\"user\"]" >actual &&
	echo local >expect && test_cmp expect actual &&
	test "$(post /scenarios "{\"name\": \"a\", \"context\": \"second\", \"inputs\": {\"amounts\": {}}}")" = 201 &&
	json "j[\"scenario\"][\"owner\"]" <body >actual && test_cmp expect actual &&
	json "j[\"scenario\"][\"seed\"], j[\"scenario\"][\"samples\"]" <body >actual &&
	echo "('\''1'\'', 1000)" >expect && test_cmp expect actual
'

test_expect_success 'a study edited in the folder is seen at once' '
	cp -R studies/second studies/third &&
	chmod -R a+rX studies &&
	curl -s "$B/contexts" | json "len(j[\"contexts\"])" >actual &&
	echo 3 >expect && test_cmp expect actual
'

test_expect_success 'stop' '
	sh "$TOP/t/serve.sh" stop >out && grep stopped out
'
test_expect_success 'a CONTEXTS that is not a folder is refused' '
	test_expect_code 2 env TYCHE_SERVE_CONTEXTS=nowhere sh "$TOP/t/serve.sh" "$BUILD" 2>err &&
	grep "CONTEXTS=nowhere is not a folder" err
'

test_done
