#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t5100-study.sh - `tyche-run study`: the analyst's own studies in the
# store (lib/study.c).  A clean workbook or archive becomes a private
# study, shared on request, replaced by a new version, deleted; a study
# with errors is refused with located errors relative to the upload; a
# hostile archive (traversal, symlink, bomb) is refused with its reason
# and leaves nothing on disk; other users see shared studies only and
# cannot change them.
test_description='tyche-run study: user studies in the store'
. "$(dirname "$0")"/test-lib.sh

EX="$TOP/examples/electrolysis"
S="$TRASH/st"
study() { tyche-run study --store "$S" "$@"; }

test_expect_success 'a folder of tables in a .zip becomes a private study' '
	mkdir -p up/ely && cp "$EX"/* up/ely/ &&
	(cd up && zip -qr ../ely.zip ely) &&
	study --user alice add ely.zip >out &&
	grep "^study alice~ely version [0-9a-f]\{16\} (private)$" out &&
	study --user alice list >out &&
	grep "^alice~ely,alice,ely,[0-9a-f]*,private$" out &&
	study --user bob list >out &&
	! grep ely out
'

test_expect_success 'the study loads like any context (tyche-run check)' '
	p=$(ls -d "$S"/studies/alice/ely/*/ely) &&
	tyche-run check "$p" >out &&
	grep "^scenarios: 5$" out
'

test_expect_success 'a .tar.gz under another name; sharing shows it to others' '
	(cd up && tar czf ../ely.tar.gz ely) &&
	study --user alice add ely.tar.gz --name ely2 --share >out &&
	grep "^study alice~ely2 version .* (shared)$" out &&
	study --user bob list >out &&
	grep "^alice~ely2,alice,ely2,.*,shared$" out &&
	! grep "alice~ely," out
'

test_expect_success 'analysis commands take OWNER~NAME from the store' '
	tyche-run explore --store "$S" --samples 50 --amount "Stack R&D=1000000" \
		--save "cli on ely2" alice~ely2 >out 2>err &&
	grep "^portfolio,,Cost,mean," out &&
	tyche-run store --store "$S" list >out &&
	grep ",cli on ely2,.*,alice~ely2," out &&
	tyche-report --store "$S" --samples 20 alice~ely2 -o rep.html 2>err &&
	grep "wrote .*/rep.html (8 sections" err && grep -q "<svg" rep.html &&
	test_expect_code 66 tyche-run explore --store "$S" alice~ely 2>err &&
	grep "alice~ely: no such study in the store" err
'

test_expect_success 'only the owner changes a study' '
	test_expect_code 66 tyche-run study --store "$S" --user bob unshare ely2 2>err &&
	test_expect_code 66 tyche-run study --store "$S" --user bob rm ely2 2>err &&
	study --user bob list >out && grep "alice~ely2" out
'

test_expect_success 'a new version replaces the current one and keeps the old' '
	v1=$(ls "$S"/studies/alice/ely2 | grep -v study.json) &&
	echo "# a new version" >>up/ely/alkaline_electrolysis.yml &&
	(cd up && tar czf ../ely.tar.gz ely) &&
	study --user alice add ely.tar.gz --name ely2 >out &&
	v2=$(cut -d" " -f4 out) &&
	test -n "$v2" && test "$v1" != "$v2" &&
	test -d "$S/studies/alice/ely2/$v1" && test -d "$S/studies/alice/ely2/$v2" &&
	study --user bob list >out && grep "alice~ely2,alice,ely2,$v2,shared" out
'

if [ -n "$SHARED" ] && [ -d "$SHARED/tyche-xlsx" ]; then
	test_expect_success 'a workbook upload, models from the in-tree library' '
		study --user alice add "$SHARED/tyche-xlsx/pv-residential-simple.xlsx" >out &&
		grep "^study alice~pv-residential-simple version 48a9822eb8c7c33c (private)$" out
	'
else
	test_skip 'a workbook upload' '../shared/reference absent'
fi

test_expect_success 'a study with errors is refused with located errors' '
	mkdir -p bad/b && cp "$EX"/* bad/b/ &&
	sed -i "2s/^\([^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1st.nope(1)/" bad/b/parameters.csv &&
	(cd bad && zip -qr ../bad.zip b) &&
	test_expect_code 65 tyche-run study --store "$S" --user alice add bad.zip 2>err &&
	grep "^b/parameters.csv:2:5: error: column .Value.: .st.nope(1).: at character 4: unknown distribution" err &&
	grep "the study has errors (1); nothing was saved" err &&
	! test -e "$S/studies/alice/bad" &&
	! grep "$S" err
'

test_expect_success 'hostile archives are refused with the reason, nothing left' '
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
	test_expect_code 65 tyche-run study --store "$S" --user alice add trav.tar.gz 2>err &&
	grep "trav.tar.gz: entry .../evil.csv. is an unsafe path" err &&
	test_expect_code 65 tyche-run study --store "$S" --user alice add link.tar.gz 2>err &&
	grep "link.tar.gz: entry .s/designs.csv. is a symlink" err &&
	test_expect_code 65 tyche-run study --store "$S" --user alice add bomb.zip 2>err &&
	grep "bomb.zip: archive unpacks to more than 268435456 bytes (uploads.max_unpacked)" err &&
	test_expect_code 65 tyche-run study --store "$S" --user alice add notes.txt 2>err &&
	grep "is not a study upload: expected a Tyche workbook (.xlsx)" err &&
	ls -a "$S/studies" >out && ! grep staging out && ! test -e "$TRASH/evil.csv" &&
	! test -e "$S/studies/alice/trav" && ! test -e "$S/studies/alice/bomb"
'

test_expect_success 'a staging folder left by a dead upload is cleaned later' '
	mkdir -p "$S/studies/.staging-1-dead/u" && touch -d "2 hours ago" "$S/studies/.staging-1-dead" &&
	mkdir -p "$S/studies/.staging-2-young" &&
	study --user alice add ely.zip --name ely3 >out &&
	! test -e "$S/studies/.staging-1-dead" && test -d "$S/studies/.staging-2-young" &&
	rmdir "$S/studies/.staging-2-young" && study --user alice rm ely3
'

test_expect_success 'delete removes every version' '
	study --user alice rm ely2 &&
	! test -e "$S/studies/alice/ely2" &&
	study --user bob list >out && ! grep ely2 out
'

test_expect_success 'promote installs a shared study for all' '
	study --user alice share ely &&
	mkdir ctx &&
	study promote alice~ely --contexts ctx >out &&
	tyche-run check ctx/ely >out && grep "^scenarios: 5$" out &&
	test_expect_code 64 tyche-run study --store "$S" promote alice~ely --contexts ctx 2>err &&
	grep "an installed study named .ely. exists already" err
'
test_done
