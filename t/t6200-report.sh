#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-report: self-contained HTML reports'
. ./test-lib.sh

EX=$TOP/examples/electrolysis
export TYCHE_CACHE="$TRASH/cache"

# Every SVG of an HTML report, one file each (svg-1.svg, ...).
split_svgs() {
	awk -v pre="$2" '
		/<svg / { n++; f = sprintf("%s-%d.svg", pre, n); on = 1 }
		on { print > f }
		/<\/svg>/ { if (on) close(f); on = 0 }
	' "$1"
}

# Check each SVG parses as XML; print how many there were.
check_svgs() {
	split_svgs "$1" "$2" &&
	n=0 &&
	for f in "$2"-*.svg; do
		xmllint --noout "$f" || return 1
		n=$((n + 1))
	done &&
	echo $n
}

test_expect_success 'usage: --help, unknown section, --csv without -o' '
	tyche-report --help >out &&
	grep "^usage: tyche-report" out &&
	test_expect_code 64 tyche-report --include nope "$EX" -o r.html 2>err &&
	grep "unknown section .nope." err &&
	test_expect_code 64 tyche-report --csv "$EX" 2>err &&
	grep -e "--csv needs --output" err &&
	test_expect_code 66 tyche-report "$TRASH/no-such-context" -o r.html 2>err &&
	test_must_fail test -e r.html
'

test_expect_success 'the default report is well-formed and holds the default sections' '
	tyche-report "$EX" -o default.html 2>err &&
	grep "^tyche-report: wrote /.*/default.html (8 sections, [0-9]* plots)$" err &&
	xmllint --noout default.html &&
	xmllint --html --noout default.html &&
	for s in summary scenarios investments explore optimum waterfall bounds tornado; do
		grep -q "<section id=\"$s\">" default.html || { echo "no $s"; return 1; }
		grep -q "<li><a href=\"#$s\">" default.html || { echo "no toc $s"; return 1; }
	done &&
	! grep -q "<section id=\"pareto\">" default.html &&
	! grep -q "<section id=\"tranches\">" default.html &&
	! grep -q "<p class=\"warning\">" default.html
'

test_expect_success 'the summary names hash, seed, samples and version' '
	tyche-run check "$EX" >check.out &&
	hash=$(sed -n "s/^hash: //p" check.out) &&
	test -n "$hash" &&
	tyche-report --seed 42 --samples 300 --include evaluate "$EX" -o s.html &&
	grep -q "<code>$hash</code>" s.html &&
	grep -q "<dt>Seed</dt><dd>42</dd>" s.html &&
	grep -q "<dt>Samples</dt><dd>300 per scenario</dd>" s.html &&
	v=$(tyche-run --version | sed "s/^tyche-run //") &&
	grep -q "libtyche $v" s.html
'

test_expect_success 'nothing external: no script, no remote or file reference' '
	! grep -qi "<script" default.html &&
	! grep -Eqi "(src|href)=\"(https?:|//|file:)" default.html &&
	! grep -qi "<link " default.html &&
	! grep -qi "@import" default.html
'

test_expect_success 'every plot type renders and every SVG parses as XML (example)' '
	tyche-report --include all --csv "$EX" -o all.html &&
	xmllint --noout all.html &&
	for k in violin box density histogram heatmap lines waterfall tornado; do
		grep -q "data-plot=\"$k\"" all.html || { echo "no $k plot"; return 1; }
	done &&
	n=$(check_svgs all.html ex) &&
	figs=$(grep -c "<figure class=\"plot\"" all.html) &&
	test "$n" -eq "$figs" &&
	test "$n" -ge 8
'

test_expect_success 'CSV beside the report: explore agrees with tyche-run explore' '
	test -s all-explore.csv &&
	test -s all-investments.csv &&
	test -s all-tornado.csv &&
	grep -q "href=\"all-explore.csv\"" all.html &&
	tyche-run explore --amount "Stack R&D=2000000" --amount "Efficiency R&D=2500000" \
		--statistic mean "$EX" >explore.csv &&
	for m in Cost GHG Electricity; do
		want=$(awk -F, -v m=$m "\$1 == \"portfolio\" && \$3 == m { print \$5 }" explore.csv) &&
		got=$(awk -F, -v m=$m "\$1 == m { print \$3 }" all-explore.csv) &&
		test -n "$want" && test "$want" = "$got" || { echo "$m: $want != $got"; return 1; }
	done
'

test_expect_success 'the standard errors beside the report are tyche-run explore --se'"'"'s' '
	test -s all-explore-se.csv &&
	head -1 all-explore-se.csv | grep -x "Metric,Units,Mean,Std,q10,q50,q90" &&
	tyche-run explore --amount "Stack R&D=2000000" --amount "Efficiency R&D=2500000" \
		--se "$EX" >se.csv &&
	for m in Cost GHG Electricity; do
		k=3
		for st in mean std q10 q50 q90; do
			want=$(awk -F, -v m=$m -v s=$st "\$1 == \"portfolio\" && \$3 == m && \$4 == s { print \$6 }" se.csv) &&
			got=$(awk -F, -v m=$m -v k=$k "\$1 == m { print \$k }" all-explore-se.csv) &&
			test -n "$want" && test "$want" = "$got" || { echo "$m $st: $want != $got"; return 1; }
			k=$((k + 1))
		done
	done
'

test_expect_success 'the optimum in the report is tyche-run optimize'"'"'s' '
	tyche-run optimize --metric Cost --budget 4500000 "$EX" >opt.csv &&
	grep -q "Status: optimal" all.html &&
	for c in "Stack R&D" "Efficiency R&D"; do
		want=$(awk -F, -v c="$c" "\$1 == \"Amount\" && \$2 == c { print \$3 }" opt.csv) &&
		got=$(awk -F, -v c="$c" "\$1 == c { print \$2 }" all-optimum-amounts.csv) &&
		awk -v a="$want" -v b="$got" "BEGIN { d = a - b; if (d < 0) d = -d;
			exit !(a != \"\" && d <= 1e-6 * (a < 0 ? -a : a) + 1e-9) }" ||
		{ echo "$c: want $want, got $got"; return 1; }
	done
'

test_expect_success 'names from the data are escaped' '
	cp -R "$EX" evil &&
	sed -i "s/Stack R&D/Stack <b>R\&amp;D<\/b> \"q\"/g" evil/tranches.csv evil/investments.csv &&
	sed -i "s/Efficiency Ambitious/Eff <script>alert(1)<\/script>/g" \
		evil/tranches.csv evil/designs.csv evil/parameters.csv evil/investments.csv &&
	tyche-run check evil >/dev/null &&
	tyche-report --include all evil -o evil.html &&
	xmllint --noout evil.html &&
	! grep -q "<b>R" evil.html &&
	! grep -q "<script" evil.html &&
	grep -q "Stack &lt;b&gt;R&amp;amp;D&lt;/b&gt; &quot;q&quot;" evil.html &&
	grep -q "Eff &lt;script&gt;" evil.html
'

test_expect_success 'stored scenarios side by side' '
	tyche-run explore --amount "Stack R&D=1000000" --save "Low <stack>" --store st "$EX" \
		>/dev/null 2>&1 &&
	tyche-run explore --amount "Stack R&D=4000000" --amount "Efficiency R&D=2000000" \
		--save "High & mighty" --store st "$EX" >/dev/null 2>&1 &&
	tyche-run store --store st list >list.csv &&
	a=$(grep ",High & mighty," list.csv | cut -d, -f1) &&
	b=$(grep ",Low <stack>," list.csv | cut -d, -f1) &&
	test -n "$a" && test -n "$b" &&
	tyche-report --stored "$a" --stored "$b" --store st --csv -o cmp.html &&
	xmllint --noout cmp.html &&
	grep -q "High &amp; mighty" cmp.html &&
	grep -q "Low &lt;stack&gt;" cmp.html &&
	grep -q "data-plot=\"heatmap\"" cmp.html &&
	grep "^/amounts/Stack R&D," cmp-inputs.csv >row &&
	grep -q ",4000000,1000000,-3000000\$" row &&
	grep -q "^/Cost/mean," cmp-metrics.csv &&
	test_expect_code 66 tyche-report --stored nope --store st -o x.html &&
	test_expect_code 64 tyche-report --stored "$a" --store st --samples 3 -o x.html
'

test_expect_success 'an unwritable output is exit 73' '
	test_expect_code 73 tyche-report --include evaluate "$EX" -o "$TRASH/no/dir/r.html"
'

if test -x /usr/bin/chromium; then
	test_expect_success 'headless Chromium renders the report (not blank)' '
		prof=$(mktemp -d) &&
		timeout 180 /usr/bin/chromium --headless --no-sandbox --disable-gpu \
			--disable-quic --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync --user-data-dir="$prof" \
			--screenshot="$TRASH/shot.png" --window-size=1200,2000 \
			"file://$TRASH/all.html" >chromium.log 2>&1
		rm -rf "$prof" &&
		tyche-pngcheck --min-colours 64 --min-nonwhite 3 shot.png
	'
	test_expect_success 'tyche-pngcheck says a blank page is blank' '
		printf "<!DOCTYPE html><html><body></body></html>\n" >blank.html &&
		prof=$(mktemp -d) &&
		timeout 180 /usr/bin/chromium --headless --no-sandbox --disable-gpu \
			--disable-quic --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync --user-data-dir="$prof" \
			--screenshot="$TRASH/blank.png" --window-size=400,300 \
			"file://$TRASH/blank.html" >chromium.log 2>&1
		rm -rf "$prof" &&
		test_expect_code 1 tyche-pngcheck --min-colours 2 blank.png
	'
else
	test_skip 'headless Chromium renders the report' '/usr/bin/chromium absent'
	test_skip 'tyche-pngcheck says a blank page is blank' '/usr/bin/chromium absent'
fi

test_skip_unless_shared
for dir in "$SHARED"/tyche/*/; do
	ctx=$(basename "$dir")
	test -f "$dir/tranches.csv" || continue
	test_expect_success "every plot type renders for $ctx" '
		tyche-report --include all --samples 200 --models "$TOP/models" \
			"$SHARED/tyche/$ctx" -o "$ctx.html" 2>err &&
		xmllint --noout "$ctx.html" &&
		for k in violin box density histogram heatmap lines waterfall tornado; do
			grep -q "data-plot=\"$k\"" "$ctx.html" || { echo "no $k plot"; return 1; }
		done &&
		n=$(check_svgs "$ctx.html" "$ctx") &&
		test "$n" -ge 8
	'
done

test_done
