#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7302-cgi-studies.sh - user studies through tyche.cgi (run directly):
# upload a workbook or an archive, see it under the user's studies, use
# it like an installed study (info, explore, save), share it, the second
# user sees only shared ones and cannot change them; a broken upload
# answers its located errors; hostile archives and every upload limit
# are refused with a message naming the reason or the config key, and
# leave nothing on disk; a broken installed study is listed unavailable
# (admins see where) and never becomes the landing study.
test_description='tyche.cgi: user studies, uploads and their limits'
. "$(dirname "$0")"/test-lib.sh

EX="$TOP/examples/electrolysis"
SQ="'"
mkdir -p ctx && cp -R "$EX" ctx/
write_config() {
	cat >tyche.yml <<-EOF
	contexts: $TRASH/ctx
	store: $TRASH/store
	cache: $TRASH/cache
	models: $TOP/models
	admins: [alice]
	defaults: {samples: 100, seed: 3}
	$1
	EOF
}
write_config ""

# cgi USER METHOD PATH [BODYFILE]: headers to ./head, body to ./body.
cgi() {
	_f=${4:-/dev/null}
	_len=$(wc -c <"$_f")
	env REQUEST_METHOD="$2" PATH_INFO="$3" QUERY_STRING="${QS-}" \
		CONTENT_TYPE="${CT-application/json}" CONTENT_LENGTH="$_len" \
		HTTP_X_TYCHE_REQUEST=1 HTTP_HOST=localhost TYCHE_CONFIG="$TRASH/tyche.yml" \
		REMOTE_USER="$1" tyche.cgi <"$_f" >out 2>>cgi.log || return 1
	sed -n '1,/^\r$/p' out >head &&
	sed '1,/^\r$/d' out >body &&
	sed -n 's/^Status: \([0-9]*\).*/\1/p' head
}
up() {
	QS="filename=$2${3:+&name=$3}" CT=application/octet-stream cgi "$1" POST /studies "$2"
}
json() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v, sort_keys=True))' "$1"
}
nothing_staged() {
	! ls -a store/studies 2>/dev/null | grep staging && ! ls /tmp | grep -q "^tyche-upload\.$$"
}

test_expect_success 'a broken installed study is listed unavailable, never the landing' '
	cp -R "$EX" ctx/aaa-broken &&
	sed -i "2s/^\([^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1st.nope(1)/" ctx/aaa-broken/parameters.csv &&
	test "$(cgi bob GET /contexts)" = 200 &&
	json "j[\"landing\"]" <body >actual && echo electrolysis >expect && test_cmp expect actual &&
	json "j[\"contexts\"][0]" <body >actual &&
	echo "{\"available\": false, \"errors\": 1, \"name\": \"aaa-broken\", \"summary\": \"unavailable: 1 error, 0 warnings (an administrator sees where)\", \"warnings\": 0}" >expect &&
	test_cmp expect actual &&
	json "j[\"contexts\"][1]" <body >actual && echo "{\"name\": \"electrolysis\"}" >expect &&
	test_cmp expect actual
'

test_expect_success 'an admin sees the located errors, without server paths' '
	test "$(cgi alice GET /contexts)" = 200 &&
	json "j[\"contexts\"][0][\"problems\"][0]" <body >actual &&
	grep "\"where\": \"aaa-broken/parameters.csv\"" actual &&
	grep "\"line\": 2, \"message\": \"column .Value.: .st.nope(1).: at character 4: unknown distribution" actual &&
	! grep "$TRASH" body
'

# A study whose surface is cached for its files as they are is listed
# without loading it (stat() calls); an edit that breaks it is seen.
test_expect_success 'a study with a cached surface is listed without a load; breaking it is seen' '
	cp -R "$EX" ctx/bbb-cached &&
	test "$(cgi bob GET /contexts/bbb-cached)" = 200 &&
	ls cache/bbb-cached-*.tysurf &&
	test "$(cgi bob GET /contexts)" = 200 &&
	json "[c for c in j[\"contexts\"] if c[\"name\"] == \"bbb-cached\"][0]" <body >actual &&
	echo "{\"name\": \"bbb-cached\"}" >expect && test_cmp expect actual &&
	sed -i "2s/^\([^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1st.nope(1)/" ctx/bbb-cached/parameters.csv &&
	test "$(cgi bob GET /contexts)" = 200 &&
	json "[c for c in j[\"contexts\"] if c[\"name\"] == \"bbb-cached\"][0][\"available\"]" <body >actual &&
	echo False >expect && test_cmp expect actual &&
	rm -rf ctx/bbb-cached
'

test_expect_success 'upload an archive: a private study of the uploader' '
	mkdir -p up/ely && cp "$EX"/* up/ely/ && (cd up && zip -qr ../ely.zip ely) &&
	test "$(up alice ely.zip)" = 201 &&
	json "j[\"study\"][\"name\"], j[\"study\"][\"mine\"], j[\"study\"][\"shared\"]" <body >actual &&
	echo "(${SQ}alice~ely${SQ}, True, False)" >expect && test_cmp expect actual &&
	test "$(cgi alice GET /contexts)" = 200 &&
	json "[s[\"name\"] for s in j[\"studies\"]]" <body >actual &&
	echo "[\"alice~ely\"]" >expect && test_cmp expect actual &&
	test "$(cgi bob GET /studies)" = 200 &&
	json "j[\"studies\"]" <body >actual && echo "[]" >expect && test_cmp expect actual &&
	nothing_staged
'

test_expect_success 'the study works like an installed one; others get a 404' '
	test "$(cgi alice GET /contexts/alice~ely)" = 200 &&
	json "j[\"name\"], j[\"samples\"], j[\"seed\"]" <body >actual &&
	echo "(${SQ}alice~ely${SQ}, 100, 3)" >expect && test_cmp expect actual &&
	echo "{\"amounts\": {\"Stack R&D\": 1000000}}" >b.json &&
	test "$(cgi alice POST /contexts/alice~ely/explore b.json)" = 200 &&
	json "j[\"context\"]" <body >actual && echo alice~ely >expect && test_cmp expect actual &&
	echo "{\"name\": \"on my study\", \"context\": \"alice~ely\", \"inputs\": {\"amounts\": {}}}" >s.json &&
	test "$(cgi alice POST /scenarios s.json)" = 201 &&
	test "$(cgi bob GET /contexts/alice~ely)" = 404 &&
	test "$(cgi bob POST /contexts/alice~ely/explore b.json)" = 404
'

test_expect_success 'share: the second user sees and uses it, cannot change it' '
	echo "{\"shared\": true}" >sh.json &&
	test "$(cgi alice POST /studies/ely/share sh.json)" = 200 &&
	test "$(cgi bob GET /studies)" = 200 &&
	json "[(s[\"name\"], s[\"mine\"]) for s in j[\"studies\"]]" <body >actual &&
	echo "[[\"alice~ely\", false]]" >expect && test_cmp expect actual &&
	test "$(cgi bob POST /contexts/alice~ely/explore b.json)" = 200 &&
	test "$(cgi bob POST /studies/ely/delete)" = 404 &&
	test -f store/studies/alice/ely/study.json
'

if [ -n "$SHARED" ] && [ -d "$SHARED/tyche-xlsx" ]; then
	test_expect_success 'upload a reference workbook' '
		cp "$SHARED/tyche-xlsx/pv-residential-simple.xlsx" pv.xlsx &&
		test "$(up bob pv.xlsx)" = 201 &&
		json "j[\"study\"][\"name\"], j[\"study\"][\"version\"]" <body >actual &&
		echo "(${SQ}bob~pv${SQ}, ${SQ}48a9822eb8c7c33c${SQ})" >expect && test_cmp expect actual &&
		test "$(cgi bob GET /contexts/bob~pv)" = 200
	'
else
	test_skip 'upload a reference workbook' '../shared/reference absent'
fi

test_expect_success 'a broken upload answers its located errors, saves nothing' '
	mkdir -p bad/b && cp "$EX"/* bad/b/ &&
	sed -i "2s/^\([^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1st.nope(1)/" bad/b/parameters.csv &&
	(cd bad && tar czf ../bad.tar.gz b) &&
	test "$(up alice bad.tar.gz)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "the study has errors (1); nothing was saved" >expect && test_cmp expect actual &&
	json "[(p[\"where\"], p[\"line\"], p[\"col\"]) for p in j[\"problems\"]]" <body >actual &&
	echo "[[\"b/parameters.csv\", 2, 5]]" >expect && test_cmp expect actual &&
	! test -e store/studies/alice/bad && nothing_staged
'

test_expect_success 'a missing model names no server folder' '
	mkdir -p nomodel/n && cp "$EX"/*.csv nomodel/n/ && (cd nomodel && zip -qr ../nomodel.zip n) &&
	test "$(up alice nomodel.zip)" = 400 &&
	json "j[\"problems\"][0][\"message\"]" <body >actual &&
	echo "technology ${SQ}Alkaline electrolysis${SQ}: model file ${SQ}alkaline_electrolysis.yml${SQ} not found beside the tables (./n) nor on the model path (the server${SQ}s model library); upload the model file with the tables" >expect &&
	test_cmp expect actual &&
	! grep "$TOP" body && ! grep "$TRASH" body
'

test_expect_success 'hostile archives are refused with their reason' '
	python3 - <<-\PY &&
	import tarfile, io, zipfile
	with tarfile.open("trav.tar.gz", "w:gz") as t:
	    i = tarfile.TarInfo("../evil.csv"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
	with tarfile.open("link.tar.gz", "w:gz") as t:
	    i = tarfile.TarInfo("s/designs.csv"); i.type = tarfile.SYMTYPE
	    i.linkname = "/etc/passwd"; t.addfile(i)
	with zipfile.ZipFile("bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
	    z.writestr("s/designs.csv", b"0" * (300 << 20))
	PY
	test "$(up alice trav.tar.gz)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "trav.tar.gz: entry ${SQ}../evil.csv${SQ} is an unsafe path (absolute, ${SQ}..${SQ} or empty part)" >expect &&
	test_cmp expect actual &&
	test "$(up alice link.tar.gz)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "link.tar.gz: entry ${SQ}s/designs.csv${SQ} is a symlink; only regular files and directories are allowed" >expect &&
	test_cmp expect actual &&
	test "$(up alice bomb.zip)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "bomb.zip: archive unpacks to more than 268435456 bytes (uploads.max_unpacked)" >expect &&
	test_cmp expect actual &&
	! test -e store/studies/alice/trav && ! test -e store/studies/alice/bomb &&
	! test -e store/evil.csv && ! test -e store/studies/evil.csv && nothing_staged
'

test_expect_success 'every upload limit is refused naming its key' '
	write_config "uploads: {max_bytes: 1000, max_files: 3, max_studies: 1}" &&
	test "$(up carol ely.zip)" = 413 &&
	json "j[\"error\"]" <body >actual &&
	grep "is over the limit of 1000 bytes (uploads.max_bytes)" actual &&
	write_config "uploads: {max_files: 3}" &&
	test "$(up carol ely.zip)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "ely.zip: archive has more than 3 entries (uploads.max_files)" >expect && test_cmp expect actual &&
	write_config "uploads: {max_studies: 1}" &&
	test "$(up carol ely.zip)" = 201 &&
	test "$(up carol ely.zip again)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	grep "(uploads.max_studies)" actual &&
	write_config "uploads: {max_user_bytes: 1000}" &&
	test "$(up dave ely.zip)" = 400 &&
	json "j[\"error\"]" <body >actual &&
	grep "over the limit of 1000 bytes per user (uploads.max_user_bytes)" actual &&
	write_config "" && nothing_staged
'

test_expect_success 'only an admin promotes a shared study into the installed set' '
	test "$(cgi bob POST /studies/alice~ely/promote)" = 403 &&
	json "j[\"error\"]" <body >actual &&
	grep "only an administrator (admins in the server config)" actual &&
	test "$(cgi alice POST /studies/alice~ely/promote)" = 200 &&
	test "$(cgi bob GET /contexts)" = 200 &&
	json "[c[\"name\"] for c in j[\"contexts\"]]" <body >actual &&
	echo "[\"aaa-broken\", \"electrolysis\", \"ely\"]" >expect && test_cmp expect actual
'

test_expect_success 'the owner deletes the study' '
	test "$(cgi alice POST /studies/ely/delete)" = 200 &&
	! test -e store/studies/alice/ely &&
	test "$(cgi alice GET /contexts/alice~ely)" = 404
'
test_done
