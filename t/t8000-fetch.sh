#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# t8000-fetch.sh - tyche-fetch against a real HTTPS server: nginx with a
# self-signed certificate on a loopback port, plus fcgiwrap for the two
# locations nginx cannot fake alone (500-then-200, a body cut mid-way).
# Also: versions are exact integers up to 2^53-1 (sign and fetch), the
# fast-forward recovery (trust-key --reset-version) and the cap on error
# pages (a 256 MB 404 page is not read), and an update or rollback drops
# the analysis cache files of the contexts it changed or removed only.
#
# Every fault case runs against an installed version 2 and then checks
# that DEST is byte-identical to before (snapshot) and that the message
# says why.  Servers are started by this script and stopped on exit.
test_description='tyche-fetch: verified, atomic updates over HTTPS'
. ./test-lib.sh

W=$TRASH
SRV=$W/srv
NGINX_PID=
FCGI_PID=
export TYCHE_FETCH_BACKOFF_MS=50

stop_servers() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	[ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null
	NGINX_PID=
	FCGI_PID=
}
trap stop_servers EXIT

for tool in nginx openssl fcgiwrap curl; do
	command -v $tool >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	command -v $tool >/dev/null 2>&1 || test_skipped_all="$tool not installed"
done

# snap DIR: every path, type, link target and file hash (not the lock file,
# whose content is the pid of the last run).
snap() {
	(cd "$1" && find . -path ./.lock -prune -o -printf '%p %y %l\n' | LC_ALL=C sort &&
	 find . -type f ! -name .lock -exec sha256sum {} + | LC_ALL=C sort)
}

# config NAME URLPATH [extra source lines...]: write NAME.yml for source
# "lake" with DEST $W/NAME.dest.
config() {
	_n=$1 _u=$2
	shift 2
	{
		echo "contexts: /srv/ignored"
		echo "cache: $W/$_n.cache"
		echo "sources:"
		echo "  - name: lake"
		echo "    url: https://127.0.0.1:$PORT/$_u/"
		echo "    keys: [ \"$(cat a.pub)\" ]"
		echo "    dest: $W/$_n.dest"
		echo "    ca_file: $SRV/cert.pem"
		echo "    retries: 1"
		for l in "$@"; do echo "    $l"; done
	} >"$_n.yml"
}

# manifest DIR VERSION EXPIRES 'path size sha' ...  (hand-made, then signed)
manifest() {
	_d=$1 _v=$2 _e=$3
	shift 3
	{
		printf '{"format":1,"source":"lake","version":%s,"expires":"%s","files":[' "$_v" "$_e"
		_sep=
		for f in "$@"; do
			set -- $f
			printf '%s{"path":"%s","size":%s,"sha256":"%s"}' "$_sep" "$1" "$2" "$3"
			_sep=,
		done
		printf ']'
		[ -n "$BUNDLE" ] && printf ',"bundle":{"path":"bundle.tar.gz","size":%s,"sha256":"%s"}' \
			$(wc -c <"$_d/v$_v/bundle.tar.gz") $(sha256sum "$_d/v$_v/bundle.tar.gz" | cut -d" " -f1)
		printf '}\n'
	} >"$_d/manifest.json" &&
	tyche-fetch sign-file --key a.key "$_d/manifest.json"
}

sum_of() { sha256sum "$1" | cut -d" " -f1; }

# A bundle release at www/NAME whose tar is made by GNU tar with tar-args.
evil_bundle() {
	_name=$1
	shift
	mkdir -p "$SRV/www/$_name/v3" &&
	tar -czPf "$SRV/www/$_name/v3/bundle.tar.gz" "$@" &&
	BUNDLE=1 manifest "$SRV/www/$_name" 3 2030-01-01T00:00:00Z \
		"evil 2 $(sum_of evil)"
}

if [ -z "$test_skipped_all" ]; then
	mkdir -p "$SRV/www" "$SRV/tmp" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$SRV/key.pem" -out "$SRV/cert.pem" -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
		test_skipped_all='cannot make a certificate'
fi
if [ -z "$test_skipped_all" ]; then
	fcgiwrap -s "unix:$SRV/fcgi.sock" >"$SRV/fcgiwrap.log" 2>&1 &
	FCGI_PID=$!
	cat >"$SRV/flaky.cgi" <<EOF
#!/bin/sh
rel=\${DOCUMENT_URI#/*/}
f=$SRV/www/r3/\$rel
case "\$DOCUMENT_URI" in
/flaky/manifest.json)
	if [ ! -e $SRV/flaky.hit ]; then
		: >$SRV/flaky.hit
		printf 'Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nboom\n'
		exit 0
	fi;;
/cut/v3/big.bin)
	printf 'Content-Type: application/octet-stream\r\nContent-Length: %s\r\n\r\n' \$(wc -c <"\$f")
	head -c 1000 "\$f"
	exit 0;;
esac
if [ -f "\$f" ]; then
	printf 'Content-Type: application/octet-stream\r\nContent-Length: %s\r\n\r\n' \$(wc -c <"\$f")
	cat "\$f"
else
	printf 'Status: 404 Not Found\r\n\r\n'
fi
EOF
	chmod +x "$SRV/flaky.cgi"
	PORT=
	for p in $(seq $((18400 + $$ % 50)) 18499); do
		cat >"$SRV/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $SRV/nginx.pid;
error_log $SRV/error.log;
events { worker_connections 64; }
http {
	access_log $SRV/access.log;
	client_body_temp_path $SRV/tmp/body;
	proxy_temp_path $SRV/tmp/proxy;
	fastcgi_temp_path $SRV/tmp/fcgi;
	uwsgi_temp_path $SRV/tmp/uwsgi;
	scgi_temp_path $SRV/tmp/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$p ssl;
		ssl_certificate $SRV/cert.pem;
		ssl_certificate_key $SRV/key.pem;
		root $SRV/www;
		location /fail500/ { return 500; }
		location /hugeerr/ { error_page 404 /huge-error.bin; }
		location = /huge-error.bin { internal; }
		location /redirect-other/ {
			rewrite ^/redirect-other/(.*)\$ https://127.0.0.2:$p/r3/\$1 redirect;
		}
		location /redirect-same/ {
			rewrite ^/redirect-same/(.*)\$ https://127.0.0.1:$p/r3/\$1 redirect;
		}
		location /slow/ { limit_rate 1; }
		location = /slow/manifest.json { }
		location = /slow/manifest.json.sig { }
		location /flaky/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $SRV/flaky.cgi;
			fastcgi_pass unix:$SRV/fcgi.sock;
		}
		location /cut/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $SRV/flaky.cgi;
			fastcgi_pass unix:$SRV/fcgi.sock;
		}
	}
}
EOF
		if nginx -p "$SRV" -c "$SRV/nginx.conf" 2>"$SRV/start.err"; then
			PORT=$p
			break
		fi
	done
	if [ -n "$PORT" ]; then
		sleep 0.2
		NGINX_PID=$(cat "$SRV/nginx.pid")
	else
		test_skipped_all="nginx did not start: $(tail -n 1 "$SRV/start.err")"
	fi
fi

test_expect_success 'publisher: keygen writes a base64 key and a 0600 secret' '
	tyche-fetch keygen a &&
	tyche-fetch keygen b &&
	test "$(stat -c %a a.key)" = 600 &&
	test "$(wc -l <a.pub)" = 1 &&
	test "$(base64 -d <a.pub | wc -c)" = 32 &&
	test_must_fail tyche-fetch keygen a 2>err &&
	grep "a.key: cannot create the secret key" err
'

test_expect_success 'publisher: sign three releases and the fault variants' '
	mkdir -p src1/ctx src1/data &&
	cp "$TOP"/examples/electrolysis/* src1/ctx/ &&
	echo "x,y" >src1/data/a.csv &&
	echo "b" >src1/data/b.csv &&
	echo "release notes" >src1/readme.txt &&
	cp -R src1 src2 &&
	echo "x,y,z" >src2/data/a.csv &&
	rm src2/data/b.csv &&
	echo "c" >src2/data/c.csv &&
	cp -R src2 src3 &&
	echo "x,y,z,w" >src3/data/a.csv &&
	head -c 200000 /dev/urandom >src3/big.bin &&
	W=$SRV/www &&
	tyche-fetch sign --key a.key --source lake --version 1 --expires 2030-01-01T00:00:00Z src1 $W/r1 &&
	tyche-fetch sign --key a.key --source lake --version 2 --expires 2030-01-01T00:00:00Z src2 $W/r2 &&
	tyche-fetch sign --key a.key --source lake --version 3 --expires 2030-01-01T00:00:00Z src3 $W/r3 &&
	test -f $W/r3/v3/big.bin && test -f $W/r3/manifest.json.sig &&
	cmp src3/big.bin $W/r3/v3/big.bin &&
	tyche-fetch sign --key a.key --source lake --version 3 --expires 2030-01-01T00:00:00Z --bundle src3 $W/bundle &&
	cp -R $W/r3 $W/wronghash && echo "x,y,z,q" >$W/wronghash/v3/data/a.csv &&
	cp -R $W/r3 $W/bigger && echo "more" >>$W/bigger/v3/data/a.csv &&
	cp -R $W/r3 $W/shorter && truncate -s 1000 $W/shorter/v3/big.bin &&
	cp -R $W/r3 $W/badsig && sed -i "s/2030-01-01/2031-01-01/" $W/badsig/manifest.json &&
	cp -R $W/r3 $W/slow &&
	tyche-fetch sign --key b.key --source lake --version 3 --expires 2030-01-01T00:00:00Z src3 $W/unknownkey &&
	tyche-fetch sign --key a.key --source lake --version 3 --expires 2020-01-01T00:00:00Z src3 $W/expired &&
	tyche-fetch sign --key a.key --source lake --version 2 --expires 2030-01-01T00:00:00Z src3 $W/rerelease &&
	tyche-fetch sign --key a.key --source other --version 3 --expires 2030-01-01T00:00:00Z src3 $W/othersource &&
	cp -R src3 srcgate && mkdir srcgate/broken && cp src3/ctx/*.csv srcgate/broken/ &&
	echo "not,a,designs,table" >srcgate/broken/designs.csv &&
	tyche-fetch sign --key a.key --source lake --version 3 --expires 2030-01-01T00:00:00Z srcgate $W/gate &&
	mkdir -p $W/dotdot/v3 $W/abspath/v3 &&
	echo x >evil &&
	manifest $W/dotdot 3 2030-01-01T00:00:00Z "../evil 2 $(sum_of evil)" &&
	manifest $W/abspath 3 2030-01-01T00:00:00Z "/tmp/evil 2 $(sum_of evil)" &&
	evil_bundle bundle-dotdot --transform "s,^evil,../evil," evil &&
	evil_bundle bundle-abs "$PWD/evil" &&
	ln -s /etc link &&
	evil_bundle bundle-symlink link evil
'

test_expect_success 'the server answers over TLS with our certificate' '
	curl -sS --cacert "$SRV/cert.pem" -o got https://127.0.0.1:$PORT/r1/manifest.json &&
	cmp got "$SRV/www/r1/manifest.json"
'

test_expect_success 'happy path: version 1 installed, silent, byte-identical' '
	config main r1 &&
	tyche-fetch --config main.yml >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(readlink main.dest/current)" = versions/1 &&
	diff -r src1 main.dest/current &&
	grep "\"version\":[[:space:]]*1," main.dest/state.json
'

test_expect_success 'unchanged source: one conditional GET answered 304' '
	: >"$SRV/access.log.mark" &&
	n0=$(wc -l <"$SRV/access.log") &&
	tyche-fetch --config main.yml --verbose >out 2>err &&
	echo "lake: up to date (version 1)" >expect &&
	test_cmp expect out &&
	tail -n +$((n0 + 1)) "$SRV/access.log" >new &&
	test "$(wc -l <new)" = 1 &&
	grep "GET /r1/manifest.json HTTP/1.1\" 304" new
'

test_expect_success 'dry run says what would change and changes nothing' '
	config main r2 &&
	snap main.dest >before &&
	tyche-fetch --config main.yml --dry-run >out &&
	cat out &&
	grep "^lake: would update version 1 -> 2 (2 files to download, 8 bytes; 9 unchanged, 1 removed)" out &&
	snap main.dest >after &&
	test_cmp before after
'

test_expect_success 'update to version 2 downloads only changed files' '
	K=0123456789abcdef01234567 &&
	mkdir -p main.cache && : >main.cache/ctx-$K.tysurf && : >main.cache/ctx-$K.tysurf.bounds &&
	: >main.cache/keep.txt &&
	n0=$(wc -l <"$SRV/access.log") &&
	tyche-fetch --config main.yml --verbose >out &&
	cat out &&
	grep "^lake: updated version 1 -> 2 (2 files downloaded, 8 bytes; 9 unchanged, 1 removed; 1 contexts checked)" out &&
	tail -n +$((n0 + 1)) "$SRV/access.log" >new &&
	grep -c "GET /r2/v2/" new >count && echo 2 >expect && test_cmp expect count &&
	diff -r src2 main.dest/current &&
	test "$(readlink main.dest/previous)" = versions/1 &&
	test -e main.cache/ctx-$K.tysurf && test -e main.cache/ctx-$K.tysurf.bounds &&
	test -e main.cache/keep.txt &&
	ls main.dest/versions >vers && printf "1\n2\n" >expect && test_cmp expect vers
'

snap_main() { snap main.dest >"$1"; }

# fault URLPATH CODE MESSAGE [extra config lines]: the run fails with CODE,
# stderr names the source, the URL and MESSAGE, and DEST is untouched.
fault() {
	_u=$1 _code=$2 _msg=$3
	shift 3
	config main "$_u" "$@" &&
	snap main.dest >before &&
	test_expect_code "$_code" tyche-fetch --config main.yml 2>err &&
	cat err &&
	grep "^tyche-fetch: lake: .*https://127.0.0.1:$PORT/" err &&
	grep -e "$_msg" err &&
	snap main.dest >after &&
	test_cmp before after
}

test_expect_success 'wrong hash is refused' '
	fault wronghash 65 "v3/data/a.csv: sha256 mismatch: got [0-9a-f]*, the manifest states"
'
test_expect_success 'a body larger than stated is cut off and refused' '
	fault bigger 65 "v3/data/a.csv: body larger than the 8 bytes the manifest states"
'
test_expect_success 'a body shorter than stated is refused' '
	fault shorter 65 "v3/big.bin: truncated body: got 1000 bytes, the manifest states 200000"
'
test_expect_success 'a body cut mid-transfer is a network error' '
	fault cut 69 "v3/big.bin: transfer closed with .* (after 2 attempts)"
'
test_expect_success 'a release past max_bytes is refused before downloading' '
	fault r3 65 "manifest: .big.bin. is 200000 bytes, more than max_bytes 100000" "max_bytes: 100000"
'
test_expect_success 'bad signature is refused' '
	fault badsig 65 "manifest.json: bad signature: manifest.json does not verify with trusted key"
'
test_expect_success 'a manifest signed by an unknown key is refused' '
	fault unknownkey 65 "manifest.json: manifest signed by unknown key $(cut -d" " -f1 $SRV/www/unknownkey/manifest.json.sig)"
'
test_expect_success 'an older version is refused (rollback attack)' '
	fault r1 65 "rollback refused: offered version 1 is older than version 2 already accepted"
'
test_expect_success 'the same version with other content is refused' '
	fault rerelease 65 "version 2 was re-released with a different manifest"
'
test_expect_success 'an expired manifest is refused (freeze attack)' '
	fault expired 65 "manifest expired at 2020-01-01T00:00:00Z (version 3)"
'
test_expect_success 'a manifest for another source is refused' '
	fault othersource 65 "manifest is for source .other., not .lake."
'
test_expect_success 'redirect to another host is refused' '
	fault redirect-other 69 "redirect to another host or scheme refused: https://127.0.0.2:$PORT/r3/manifest.json"
'
test_expect_success 'HTTP 500 is retried, then reported' '
	fault fail500 69 "manifest.json: HTTP status 500 (after 2 attempts)"
'
test_expect_success 'a server too slow times out' '
	fault slow 69 "v3/big.bin: Operation t.* (after 2 attempts)" "timeout: 2"
'
test_expect_success ".. and absolute paths in a manifest are refused" '
	fault dotdot 65 "unsafe path .\.\./evil." &&
	fault abspath 65 "unsafe path ./tmp/evil." &&
	test ! -e main.dest/evil && test ! -e /tmp/evil
'
test_expect_success ".., absolute paths and symlinks in a bundle are refused" '
	fault bundle-dotdot 65 "entry .\.\./evil. is an unsafe path" &&
	fault bundle-abs 65 "entry .$W/evil. is an unsafe path" &&
	fault bundle-symlink 65 "entry .link. is a symlink" &&
	test ! -e main.dest/evil && test ! -e main.dest/versions/evil
'
test_expect_success 'quality gate: a release with a bad context is kept out' '
	fault gate 79 "quality gate: 1 of 2 decision contexts in the release failed to load" &&
	grep "broken/designs.csv" err
'
test_expect_success 'the CA is checked: the system store does not know our certificate' '
	config main r3 &&
	sed -i "/ca_file/d" main.yml &&
	snap main.dest >before &&
	test_expect_code 69 tyche-fetch --config main.yml 2>err &&
	grep -i "certificate" err &&
	snap main.dest >after && test_cmp before after
'

test_expect_success 'two concurrent runs: the second exits with a clear message' '
	config main slow "timeout: 60" &&
	snap main.dest >before &&
	(tyche-fetch --config main.yml 2>bg.err & echo $! >bg.pid; wait) &
	i=0 && while ! test -f main.dest/versions/.tmp-3-*/big.bin &&
		test $i -lt 100; do sleep 0.1; i=$((i + 1)); done &&
	test -f main.dest/versions/.tmp-3-*/big.bin &&
	sleep 0.5 &&
	test_expect_code 75 tyche-fetch --config main.yml 2>err &&
	cat err &&
	grep "tyche-fetch: lake: .*/.lock: another tyche-fetch run (pid $(cat bg.pid)) holds the lock; try later" err &&
	kill -9 $(cat bg.pid) && sleep 0.3 &&
	snap main.dest >after-kill &&
	grep -v "\.tmp-3-" after-kill >after &&
	test_cmp before after &&
	test "$(readlink main.dest/current)" = versions/2
'

test_expect_success 'the next run cleans up after the killed one' '
	config main r3 &&
	tyche-fetch --config main.yml &&
	test "$(readlink main.dest/current)" = versions/3 &&
	test "$(readlink main.dest/previous)" = versions/2 &&
	ls -a main.dest/versions >vers && printf ".\n..\n2\n3\n" >expect && test_cmp expect vers &&
	diff -r src3 main.dest/current
'

test_expect_success 'rollback switches back and the version stays out' '
	tyche-fetch --config main.yml --rollback lake &&
	test "$(readlink main.dest/current)" = versions/2 &&
	diff -r src2 main.dest/current &&
	tyche-fetch --config main.yml --verbose >out &&
	grep "up to date" out &&
	test "$(readlink main.dest/current)" = versions/2 &&
	tyche-fetch --config main.yml --rollback lake &&
	test "$(readlink main.dest/current)" = versions/3
'

# A run killed (SIGKILL, via the test hook) at each install step.
for point in staged renamed switched; do
	test_expect_success "a run killed after '$point' leaves current whole" '
		rm -rf k.dest && config k r2 &&
		tyche-fetch --config k.yml &&
		config k r3 &&
		test_expect_code 137 env TYCHE_FETCH_TEST_KILL='$point' tyche-fetch --config k.yml &&
		cur=$(readlink k.dest/current) &&
		case $cur in versions/2) diff -r src2 k.dest/current ;; versions/3) diff -r src3 k.dest/current ;; *) false ;; esac &&
		tyche-fetch --config k.yml &&
		test "$(readlink k.dest/current)" = versions/3 &&
		diff -r src3 k.dest/current &&
		ls -a k.dest/versions >vers && printf ".\n..\n2\n3\n" >expect && test_cmp expect vers &&
		ls -a k.dest >top && ! grep "tmp" top
	'
done

test_expect_success 'HTTP 500 then 200: the retry succeeds' '
	rm -f "$SRV/flaky.hit" && config flaky flaky &&
	tyche-fetch --config flaky.yml &&
	test "$(readlink flaky.dest/current)" = versions/3 &&
	grep -c "GET /flaky/manifest.json HTTP/1.1\" 500" "$SRV/access.log" >n &&
	echo 1 >expect && test_cmp expect n
'

test_expect_success 'a redirect to the same host is followed' '
	config same redirect-same &&
	tyche-fetch --config same.yml &&
	diff -r src3 same.dest/current
'

test_expect_success 'a bundle release is unpacked and checked' '
	config bun bundle &&
	tyche-fetch --config bun.yml --verbose >out &&
	grep "updated version 0 -> 3" out &&
	diff -r src3 bun.dest/current
'

test_expect_success 'an unreachable server is a network error naming the URL' '
	sed "s/:$PORT\\//:1\\//" bun.yml >down.yml &&
	test_expect_code 69 tyche-fetch --config down.yml 2>err &&
	grep "^tyche-fetch: lake: https://127.0.0.1:1/bundle/manifest.json: .*(after 2 attempts) (network error)" err
'

test_expect_success 'an expired installed manifest with a 304 is reported (freeze)' '
	config fr r3 &&
	tyche-fetch --config fr.yml &&
	sed -i "s/\"expires\":.*/\"expires\": \"2021-01-01T00:00:00Z\",/" fr.dest/state.json &&
	test_expect_code 65 tyche-fetch --config fr.yml 2>err &&
	grep "the installed manifest expired and the server offers nothing newer" err
'

# A version is an exact integer from 1 to 2^53-1 on both sides.
MAXV=9007199254740991
test_expect_success 'sign and fetch version 2^53-1: written and asked for exactly' '
	tyche-fetch sign --key a.key --source lake --version $MAXV \
		--expires 2030-01-01T00:00:00Z src1 "$SRV/www/maxv" &&
	grep "\"version\":[[:space:]]*$MAXV," "$SRV/www/maxv/manifest.json" &&
	! grep "e+" "$SRV/www/maxv/manifest.json" &&
	test -d "$SRV/www/maxv/v$MAXV" &&
	config maxv maxv &&
	tyche-fetch --config maxv.yml &&
	test "$(readlink maxv.dest/current)" = versions/$MAXV &&
	diff -r src1 maxv.dest/current &&
	grep "GET /maxv/v$MAXV/readme.txt HTTP/1.1\" 200" "$SRV/access.log" &&
	grep "\"version\":[[:space:]]*$MAXV," maxv.dest/state.json &&
	tyche-fetch --config maxv.yml --verbose >out &&
	echo "lake: up to date (version $MAXV)" >expect && test_cmp expect out
'

test_expect_success 'sign refuses 2^53, 1.5, 1e3 and other non-integers' '
	test_expect_code 64 tyche-fetch sign --key a.key --source lake --version 9007199254740992 \
		--expires 2030-01-01T00:00:00Z src1 out53 2>err &&
	grep "version 9007199254740992 is out of range: versions go from 1 to 9007199254740991" err &&
	for v in 1.5 1e3 0x10 +7 -1 " 7" ""; do
		test_expect_code 64 tyche-fetch sign --key a.key --source lake --version "$v" \
			--expires 2030-01-01T00:00:00Z src1 outbad 2>err &&
		grep "version .$v. is not an integer (decimal digits only" err || return 1
	done &&
	test_expect_code 64 tyche-fetch sign --key a.key --source lake --version 0 \
		--expires 2030-01-01T00:00:00Z src1 outbad 2>err &&
	grep "version 0 is out of range" err &&
	test ! -e out53 && test ! -e outbad
'

test_expect_success 'fetch refuses a manifest whose version is 2^53, 1.5, 1e3 or 007' '
	rm -rf v.dest &&
	for v in 9007199254740992 1.5 1e3 1000.0 007 -3; do
		rm -rf "$SRV/www/badv" && mkdir -p "$SRV/www/badv" &&
		manifest "$SRV/www/badv" "$v" 2030-01-01T00:00:00Z &&
		config v badv &&
		test_expect_code 65 tyche-fetch --config v.yml 2>err &&
		cat err &&
		case $v in
		9007199254740992) grep "manifest: .version. 9007199254740992 is out of range: versions go from 1 to 9007199254740991" err ;;
		*) grep "manifest: .version. is $v; expected an integer written as plain decimal digits" err ;;
		esac || return 1
		test ! -e v.dest/current || return 1
	done
'

test_expect_success 'a size written as 2e2 is refused too' '
	rm -rf "$SRV/www/bads" && mkdir -p "$SRV/www/bads" &&
	manifest "$SRV/www/bads" 3 2030-01-01T00:00:00Z "evil 2e0 $(sum_of evil)" &&
	config v bads &&
	test_expect_code 65 tyche-fetch --config v.yml 2>err &&
	grep "manifest: .size. is 2e0; expected an integer written as plain decimal digits" err
'

# Fast-forward: key a signs version 2^53-1 (compromised, or a slip); the
# admin retires a and trusts c; c's releases start again at 2.
test_expect_success 'fast-forward: a lower version signed by the new key is refused' '
	tyche-fetch keygen c &&
	tyche-fetch sign --key a.key --source lake --version 1 \
		--expires 2030-01-01T00:00:00Z src1 "$SRV/www/ff1" &&
	tyche-fetch sign --key c.key --source lake --version 2 \
		--expires 2030-01-01T00:00:00Z src2 "$SRV/www/ff2" &&
	config ff ff1 &&
	tyche-fetch --config ff.yml &&
	config ff maxv && tyche-fetch --config ff.yml &&
	test "$(readlink ff.dest/current)" = versions/$MAXV &&
	config ff ff2 &&
	sed -i "s|keys: .*|keys: [ \"$(cat c.pub)\" ]|" ff.yml &&
	snap ff.dest >before &&
	for i in 1 2; do
		test_expect_code 65 tyche-fetch --config ff.yml 2>err &&
		cat err &&
		grep "rollback refused: offered version 2 is older than version $MAXV already accepted (after retiring the key that signed it: tyche-fetch trust-key --source lake --key NEW.pub --reset-version)" err || return 1
	done &&
	snap ff.dest >after && test_cmp before after
'

test_expect_success 'trust-key: the key must be in keys:, the old signer out of them' '
	snap ff.dest >before &&
	test_expect_code 78 tyche-fetch trust-key --config ff.yml --source lake --key a.pub --reset-version 2>err &&
	grep "ff.yml: key [0-9a-f]* is not in the keys of source .lake.: add it there first" err &&
	sed "s|keys: .*|keys: [ \"$(cat a.pub)\", \"$(cat c.pub)\" ]|" ff.yml >ff-both.yml &&
	test_expect_code 78 tyche-fetch trust-key --config ff-both.yml --source lake --key c.pub --reset-version 2>err &&
	grep "key $(cut -d" " -f1 "$SRV/www/maxv/manifest.json.sig"), which signed the accepted version $MAXV, is still in the keys of source .lake.: remove it first" err &&
	test_expect_code 78 tyche-fetch trust-key --config ff-both.yml --source lake --key a.pub --reset-version 2>err &&
	grep "signed the accepted version $MAXV itself; a reset needs a new key" err &&
	test_expect_code 64 tyche-fetch trust-key --config ff.yml --source lake 2>err &&
	grep "usage: tyche-fetch trust-key" err &&
	test_expect_code 78 tyche-fetch trust-key --config ff.yml --source lake --key nonsense 2>err &&
	grep "expected a base64 Ed25519 public key" err &&
	tyche-fetch trust-key --config ff.yml --source lake --key "$(cat c.pub)" >out &&
	echo "lake: the key is trusted" >expect && test_cmp expect out &&
	snap ff.dest >after && test_cmp before after
'

test_expect_success 'trust-key --reset-version: the new key'"'"'s lower version is installed' '
	tyche-fetch trust-key --config ff.yml --source lake --key c.pub --reset-version >out &&
	cat out &&
	grep "lake: trusted version $MAXV set aside" out &&
	grep "\"reset_key\":[[:space:]]*\"$(cut -d" " -f1 "$SRV/www/ff2/manifest.json.sig")\"" ff.dest/state.json &&
	tyche-fetch --config ff.yml --verbose >out &&
	cat out &&
	grep "lake: updated version $MAXV -> 2" out &&
	test "$(readlink ff.dest/current)" = versions/2 &&
	test ! -e ff.dest/previous &&
	ls ff.dest/versions >vers && echo 2 >expect && test_cmp expect vers &&
	diff -r src2 ff.dest/current &&
	! grep reset_key ff.dest/state.json &&
	grep "\"version\":[[:space:]]*2," ff.dest/state.json
'

test_expect_success 'after the reset: the floor is the new version, the old key stays out' '
	tyche-fetch sign --key c.key --source lake --version 1 \
		--expires 2030-01-01T00:00:00Z src1 "$SRV/www/ffold" &&
	config ff ffold &&
	sed -i "s|keys: .*|keys: [ \"$(cat c.pub)\" ]|" ff.yml &&
	test_expect_code 65 tyche-fetch --config ff.yml 2>err &&
	grep "rollback refused: offered version 1 is older than version 2 already accepted" err &&
	config ff maxv &&
	sed -i "s|keys: .*|keys: [ \"$(cat c.pub)\" ]|" ff.yml &&
	test_expect_code 65 tyche-fetch --config ff.yml 2>err &&
	grep "manifest signed by unknown key" err &&
	test "$(readlink ff.dest/current)" = versions/2
'

# An error page is discarded, and read only up to 64 KiB.
test_expect_success 'a huge error page is not read past the cap' '
	truncate -s 256M "$SRV/www/huge-error.bin" &&
	mkdir -p "$SRV/www/hugeerr" &&
	cp "$SRV/www/r3/manifest.json" "$SRV/www/r3/manifest.json.sig" "$SRV/www/hugeerr/" &&
	rm -rf he.dest && config he hugeerr &&
	test_expect_code 69 tyche-fetch --config he.yml 2>err &&
	cat err &&
	grep "hugeerr/v3/.*: HTTP status 404 (its body was not read past 65536 bytes)" err &&
	grep "GET /hugeerr/v3/.* 404 " "$SRV/access.log" | awk "{print \$10}" >sent &&
	cat sent &&
	test -s sent &&
	while read n; do test "$n" -lt 16777216 || exit 1; done <sent &&
	config he hugeerr/none &&
	test_expect_code 69 tyche-fetch --config he.yml 2>err &&
	cat err &&
	grep "hugeerr/none/manifest.json: HTTP status 404 (its body was not read past 65536 bytes)" err &&
	test ! -e he.dest/current
'

test_expect_success 'an update drops the cache of changed and removed contexts only' '
	# same: untouched; tables: a parameter changed; model: only its model
	# file changed; gone: not in version 2
	mkdir -p inv1 &&
	for c in same tables model gone; do cp -R "$TOP/examples/electrolysis" inv1/$c || return 1; done &&
	cp -R inv1 inv2 && rm -r inv2/gone &&
	sed -i "s/^Alkaline electrolysis,Base,Water per kg H2,0,9,/Alkaline electrolysis,Base,Water per kg H2,0,10,/" inv2/tables/parameters.csv &&
	! cmp -s inv1/tables/parameters.csv inv2/tables/parameters.csv &&
	echo "# version 2" >>inv2/model/alkaline_electrolysis.yml &&
	tyche-fetch sign --key a.key --source lake --version 1 --expires 2030-01-01T00:00:00Z inv1 "$SRV/www/inv1" &&
	tyche-fetch sign --key a.key --source lake --version 2 --expires 2030-01-01T00:00:00Z inv2 "$SRV/www/inv2" &&
	config inv inv1 &&
	tyche-fetch --config inv.yml &&
	K=0123456789abcdef01234567 &&
	mkdir -p inv.cache &&
	for c in same tables model gone other; do
		: >inv.cache/$c-$K.tysurf && : >inv.cache/$c-$K.tysurf.bounds &&
		: >inv.cache/$c-$K.tysurf.note || return 1
	done &&
	: >inv.cache/tables-$K.tysurf.lock &&
	config inv inv2 &&
	tyche-fetch --config inv.yml --verbose >out &&
	grep "^lake: updated version 1 -> 2 .*3 contexts checked" out &&
	LC_ALL=C ls inv.cache >actual &&
	printf "%s\n" other-$K.tysurf other-$K.tysurf.bounds other-$K.tysurf.note same-$K.tysurf \
		same-$K.tysurf.bounds same-$K.tysurf.note tables-$K.tysurf.lock >expect &&
	test_cmp expect actual &&
	: >inv.cache/tables-$K.tysurf &&
	tyche-fetch --config inv.yml --rollback lake &&
	test -e inv.cache/same-$K.tysurf && test -e inv.cache/other-$K.tysurf &&
	test ! -e inv.cache/tables-$K.tysurf
'

stop_servers
test_done
