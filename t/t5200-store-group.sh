#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t5200-store-group.sh - one store for shell and browser: `tyche-run
# store init DIR --group G` makes a store the members of G share.  Two
# Unix users created here and the CGI's user (www-data with the group)
# save and share into it; each sees what the others shared, not their
# private scenarios, and cannot change what is not theirs (exit 77 / 403).
# Needs root (useradd); otherwise every test is a TAP skip saying why.
test_description='a group-shared store for the shell and the browser'
. "$(dirname "$0")"/test-lib.sh

why=
[ "$(id -u)" = 0 ] || why='not root: cannot create test users'
[ -z "$why" ] && ! command -v useradd >/dev/null && why='useradd not installed'
[ -z "$why" ] && ! id www-data >/dev/null 2>&1 && why='no www-data user'
if [ -n "$why" ]; then
	test_skip 'a group-shared store' "$why"
	test_done
fi

G=tyg$$ U1=tyu1$$ U2=tyu2$$
D=$(mktemp -d /tmp/tyche-grp.XXXXXX) && chmod 755 "$D"
cleanup() {
	userdel "$U1" 2>/dev/null
	userdel "$U2" 2>/dev/null
	groupdel "$G" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
mkdir -p "$D/bin" "$D/ctx" &&
cp "$BUILD/bin/tyche-run" "$BUILD/bin/tyche.cgi" "$D/bin/" &&
cp -R "$TOP/examples/electrolysis" "$D/ctx/" &&
chmod -R a+rX "$D"
S="$D/store"

as() {
	_u=$1
	shift
	setpriv --reuid="$_u" --regid=users --init-groups env TYCHE_STORE="$S" HOME=/ "$@"
}
cgi() {
	printf '%s' "${3-}" | setpriv --reuid=www-data --regid=www-data --groups="$(getent group "$G" | cut -d: -f3)" \
		env REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING= CONTENT_TYPE=application/json \
		CONTENT_LENGTH="${#3}" HTTP_X_TYCHE_REQUEST=1 HTTP_HOST=localhost \
		TYCHE_CONFIG="$D/tyche.yml" REMOTE_USER=carol sh -c 'umask 007; exec "$0"' "$D/bin/tyche.cgi" >out &&
	sed '1,/^\r$/d' out >body &&
	sed -n 's/^Status: \([0-9]*\).*/\1/p' out
}
json() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v, sort_keys=True))' "$1"
}

test_expect_success 'users and a group for the test' '
	groupadd "$G" &&
	useradd -M -N -G "$G" -s /bin/sh "$U1" &&
	useradd -M -N -G "$G" -s /bin/sh "$U2"
'

test_expect_success 'store init --group makes setgid, group-writable folders' '
	"$D/bin/tyche-run" store init "$S" --group "$G" >out &&
	grep "is ready for group $G" out &&
	for d in "$S" "$S/scenarios" "$S/studies"; do
		test "$(stat -c %A:%G "$d")" = "drwxrws---:$G" || exit 1
	done &&
	test "$(stat -c %a:%G "$S/.lock")" = "660:$G" &&
	test_expect_code 64 "$D/bin/tyche-run" store init "$D/x" --group no-such-group-$$ 2>err &&
	grep "no group named" err
'

test_expect_success 'a user outside the group cannot open it' '
	test_expect_code 74 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env TYCHE_STORE="$S" "$D/bin/tyche-run" store list 2>err &&
	grep "Permission denied" err
'

test_expect_success 'the first user saves a shared and a private scenario from the shell' '
	as "$U1" "$D/bin/tyche-run" explore --samples 50 --save "u1 shared" --share "$D/ctx/electrolysis" >/dev/null 2>err &&
	as "$U1" "$D/bin/tyche-run" explore --samples 50 --save "u1 private" "$D/ctx/electrolysis" >/dev/null 2>err &&
	as "$U1" "$D/bin/tyche-run" store list >out &&
	test $(grep -c ",$U1," out) = 2
'

test_expect_success 'the second user sees the shared one only, and cannot change it' '
	as "$U2" "$D/bin/tyche-run" store list >out &&
	grep "u1 shared,$U1," out && ! grep "u1 private" out &&
	id=$(grep "u1 shared" out | cut -d, -f1) &&
	test_expect_code 77 as "$U2" "$D/bin/tyche-run" store delete "$id" 2>err &&
	test_expect_code 77 as "$U2" "$D/bin/tyche-run" store unshare "$id" 2>err &&
	as "$U2" "$D/bin/tyche-run" explore --samples 50 --save "u2 shared" --share "$D/ctx/electrolysis" >/dev/null 2>err
'

cat >"$D/tyche.yml" <<EOF
contexts: $D/ctx
store: $S
cache: $D/cache
defaults: {samples: 50, seed: 1}
EOF
chmod 644 "$D/tyche.yml"
mkdir -p "$D/cache" && chown www-data "$D/cache"

test_expect_success 'the browser user (www-data with the group) sees both shared ones' '
	test "$(cgi GET /scenarios)" = 200 &&
	json "sorted(s[\"name\"] for s in j[\"scenarios\"])" <body >actual &&
	echo "[\"u1 shared\", \"u2 shared\"]" >expect && test_cmp expect actual
'

test_expect_success 'the browser saves a shared scenario; the shell users see it' '
	test "$(cgi POST /scenarios "{\"name\": \"carol web\", \"context\": \"electrolysis\", \"inputs\": {\"amounts\": {}}, \"shared\": true}")" = 201 &&
	as "$U1" "$D/bin/tyche-run" store list >out &&
	grep "carol web,carol," out &&
	id=$(grep "carol web" out | cut -d, -f1) &&
	test_expect_code 77 as "$U1" "$D/bin/tyche-run" store delete "$id" 2>err &&
	id1=$(grep "u1 shared" out | cut -d, -f1) &&
	test "$(cgi POST /scenarios/$id1/delete "{}")" = 403
'

test_expect_success 'the second user can still write after the others (group modes)' '
	as "$U2" "$D/bin/tyche-run" explore --samples 50 --save "u2 again" "$D/ctx/electrolysis" >/dev/null 2>err &&
	as "$U1" "$D/bin/tyche-run" explore --samples 50 --save "u1 again" "$D/ctx/electrolysis" >/dev/null 2>err &&
	find "$S" -newer "$S/.lock" ! -group "$G" >bad && ! test -s bad
'

test_expect_success 'studies added at the shell are shared the same way' '
	mkdir -p "$D/up/ely" && cp "$D/ctx/electrolysis/"* "$D/up/ely/" &&
	(cd "$D/up" && zip -qr ../ely.zip ely) && chmod -R a+rX "$D/up" "$D/ely.zip" &&
	as "$U1" "$D/bin/tyche-run" study add "$D/ely.zip" --share >out &&
	as "$U1" "$D/bin/tyche-run" study add "$D/ely.zip" --name mine >out &&
	as "$U2" "$D/bin/tyche-run" study list >out &&
	grep "^$U1~ely,.*,shared$" out && ! grep "~mine" out &&
	test_expect_code 66 as "$U2" "$D/bin/tyche-run" study rm ely 2>err &&
	as "$U1" "$D/bin/tyche-run" study rm mine
'
test_done
