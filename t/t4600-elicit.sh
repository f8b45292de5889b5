#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run elicit: experts judgements into a new study'
#
# Issue 19.  The bundled elicitation (examples/elicitation, three experts
# for two cells of examples/electrolysis) gives a study that checks clean
# and whose N=1e5 quantiles of the pooled Electricity input (seen through
# the Electricity metric, which is 50 minus it) lie within 4 binomial
# standard errors of the pool's own quantiles; the triangular average is
# the hand-computed weighted min/mode/max; Cooke weights come from the
# seed table; every mistake in a bad table is located and nothing is
# written.
. ./test-lib.sh

EX="$TOP/examples/electrolysis"
EL="$TOP/examples/elicitation"

test_expect_success 'the bundled elicitation gives a study that checks clean' '
	tyche-run elicit "$EX" "$EL/elicitation.csv" -o new >out 2>err &&
	grep "^tyche-run elicit: wrote new (2 cells)$" err &&
	tyche-run check new >check.out &&
	grep "^uncertain cells: 6$" check.out &&
	test -f new/alkaline_electrolysis.yml &&
	test -f new/elicitation-trace.csv
'

test_expect_success 'each generated cell names its experts, weights, families and fit errors' '
	grep "^Alkaline electrolysis,Efficiency Moderate,Input,Electricity,\"mixture(\[0.3333333333333333, 0.3333333333333333, 0.3333333333333333\], \[st.norm(" new/designs.csv >cell &&
	grep "\"elicited, linear pool of Ana (weight 0.3333333333333333, norm, fit error [^)]*); Ben (weight 0.3333333333333333, triang, fit error 0); Chen (weight" cell &&
	test $(grep -c "^designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity," new/elicitation-trace.csv) = 3 &&
	test $(grep -c "^parameters,Alkaline electrolysis,Stack Moderate,Stack cost,2," new/elicitation-trace.csv) = 3
'

test_expect_success 'cells not elicited are unchanged' '
	for t in indices functions results tranches investments; do
		test_cmp "$EX/$t.csv" new/$t.csv || return 1
	done &&
	grep -v "Efficiency Moderate,Input,Electricity" "$EX/designs.csv" >a &&
	grep -v "Efficiency Moderate,Input,Electricity" new/designs.csv >b &&
	test_cmp a b
'

test_expect_success 'the outlier (Chen on stack cost) is flagged' '
	grep "^  expert Chen: .* median 330 (outlier): st.norm(" out &&
	test $(grep -c "(outlier)" out) = 1
'

# The pooled Electricity input X; the Electricity metric is 50 - X, so
# its q10, q50, q90 are 50 minus X's q90, q50, q10.  Bounds: the pool's
# quantiles at p -/+ 4 sqrt(p (1 - p) / N).
test_expect_success 'evaluate: N=1e5 quantiles of the pooled cell match the pool' '
	sed -n "s/^  pooled (linear): \(mixture.*\)$/\1/p" out | head -n 1 >pool &&
	tyche-run evaluate --summary --samples 100000 new >sum.csv &&
	grep "^Alkaline electrolysis,Efficiency Moderate,Metric,Electricity," sum.csv >row &&
	N=100000 &&
	for p in 0.1 0.5 0.9; do
		d=$(awk -v p=$p -v n=$N "BEGIN { printf \"%.10f\", 4 * sqrt(p * (1 - p) / n) }") &&
		lo=$(awk -v p=$p -v d=$d "BEGIN { printf \"%.10f\", p - d }") &&
		hi=$(awk -v p=$p -v d=$d "BEGIN { printf \"%.10f\", p + d }") &&
		tyche-distq "$(cat pool)" $lo $hi >q || return 1
		case $p in 0.1) col=10 ;; 0.5) col=9 ;; 0.9) col=8 ;; esac &&
		m=$(cut -d, -f$col row) &&
		awk -v m=$m -v a=$(sed -n 1p q) -v b=$(sed -n 2p q) -v p=$p "BEGIN {
			x = 50 - m; ok = (x >= a && x <= b);
			printf \"p=%s: X=%s in [%s, %s]: %s\n\", p, x, a, b, ok ? \"yes\" : \"no\";
			exit !ok }" || return 1
	done
'

test_expect_success 'triangular average: the weighted min, mode and max by hand' '
	cat >tri.csv <<-\EOT &&
	Table,Technology,Scenario,Variable,Index,Expert,Weight,Min,Mode,Max
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,A,2,45,47,49.5
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,B,1,46,47.5,49
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,C,1,44,46,48
	EOT
	tyche-run elicit "$EX" tri.csv --pool triangular-average --weights table -o tri >out 2>err &&
	# lo = (2*45 + 46 + 44) / 4 = 45, mode = (94 + 47.5 + 46) / 4 = 46.875,
	# hi = (99 + 49 + 48) / 4 = 49: c = 1.875 / 4
	grep "^  pooled (triangular-average): st.triang(0.46875, loc=45, scale=4)$" out &&
	grep "^Alkaline electrolysis,Efficiency Moderate,Input,Electricity,\"st.triang(0.46875, loc=45, scale=4)\"" tri/designs.csv &&
	tyche-run check tri >/dev/null
'

test_expect_success 'Cooke weights from the seed table' '
	tyche-run elicit "$EX" "$EL/elicitation.csv" --weights cooke "$EL/seeds.csv" -o ck >out 2>err &&
	grep "^cooke: 5 questions, cut-off " out &&
	grep "^  expert Ana: calibration " out &&
	! grep "expert Ana: weight 0.3333333333333333" out &&
	tyche-run check ck >/dev/null
'

test_expect_success 'a bad elicitation table: every mistake located, nothing written' '
	cat >bad.csv <<-\EOT &&
	Table,Technology,Scenario,Variable,Index,Expert,Weight,Min,P10,Mode,P50,P90,Max
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,A,1,,46,,45,48,
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,B,1,45,,50,,,49
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,C,-1,,46,,47,48,
	designs,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,D,1,,,,47,,
	desings,Alkaline electrolysis,Efficiency Moderate,Input,Electricity,E,1,,46,,47,48,
	EOT
	test_expect_code 65 tyche-run elicit "$EX" bad.csv -o out1 >out 2>err &&
	cat >expect <<-\EOT &&
	bad.csv:2:11: error: column '"'"'P50'"'"': 45 is not above P10 = 46; judgements must increase from Min through P05 ... P95 to Max
	bad.csv:3:10: error: column '"'"'Mode'"'"': 50 is outside [Min, Max] = [45, 49]
	bad.csv:4:7: error: column '"'"'Weight'"'"': '"'"'-1'"'"' is not a weight (a number >= 0)
	bad.csv:6:1: error: column '"'"'Table'"'"': '"'"'desings'"'"' is not designs, parameters or tranches
	bad.csv:5:6: error: no usable judgement from '"'"'D'"'"': give Min, Mode and Max, or at least two of P05 ... P95
	tyche-run elicit: 5 errors, nothing written
	EOT
	test_cmp expect err &&
	test ! -e out1
'

test_expect_success 'a key that names no cell of the study is located' '
	cat >nokey.csv <<-\EOT &&
	Table,Technology,Scenario,Variable,Index,Expert,P10,P50,P90
	parameters,Alkaline electrolysis,Stack Moderate,Stack cost,2,A,390,420,450
	parameters,Alkaline electrolysis,Stack Moderate,Stack costs,2,A,390,420,450
	tranches,,Stack Huge,Stack R&D,,A,1e6,2e6,3e6
	EOT
	test_expect_code 65 tyche-run elicit "$EX" nokey.csv -o out2 2>err &&
	grep "^nokey.csv:3:2: error: no parameters row for Technology .Alkaline electrolysis., Scenario .Stack Moderate., Parameter .Stack costs., Offset .2. in the study$" err &&
	grep "^nokey.csv:4:3: error: no tranche .Stack Huge. in category .Stack R&D. in the study.s tranches table$" err &&
	test ! -e out2
'

test_expect_success 'uncertain tranche amounts beside uncertain designs are refused' '
	cat >both.csv <<-\EOT &&
	Table,Technology,Scenario,Variable,Index,Expert,P10,P50,P90
	tranches,,Stack Moderate,Stack R&D,,A,1e6,1.5e6,2e6
	EOT
	test_expect_code 65 tyche-run elicit "$EX" both.csv -o out3 2>err &&
	grep "^both.csv:2:1: error: uncertainty on both sides: the new study would have 6 design/parameter distributions and 1 uncertain tranche amounts" err &&
	test ! -e out3
'

test_expect_success 'the study itself is never overwritten' '
	cp -R "$EX" mine &&
	test_expect_code 65 tyche-run elicit mine "$EL/elicitation.csv" -o mine 2>err &&
	grep "must not be written over the study" err &&
	test_cmp "$EX/designs.csv" mine/designs.csv
'

test_expect_success 'usage errors' '
	test_expect_code 64 tyche-run elicit "$EX" "$EL/elicitation.csv" &&
	test_expect_code 64 tyche-run elicit "$EX" "$EL/elicitation.csv" --pool median -o x &&
	test_expect_code 64 tyche-run elicit "$EX" "$EL/elicitation.csv" --weights cooke -o x &&
	test ! -e x
'

test_expect_success 'tyche-report --elicitation: one plot per cell, outliers, Cooke scores' '
	tyche-report --include evaluate --samples 100 --no-cache \
		--elicitation "$EL/elicitation.csv" --elicitation-seeds "$EL/seeds.csv" \
		"$EX" -o rep.html 2>err &&
	test $(grep -o "data-plot=\"elicitation\"" rep.html | wc -l) = 2 &&
	grep "Chen (outlier)" rep.html &&
	grep "scores on the seed questions" rep.html &&
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --html --noout rep.html 2>xerr || { cat xerr; false; }
	fi
'

test_expect_success 'tyche-report: a bad elicitation table is reported in the document' '
	tyche-report --include evaluate --samples 100 --no-cache --elicitation bad.csv \
		"$EX" -o rep2.html 2>err &&
	grep "elicitation failed: bad.csv:2:11: column" rep2.html &&
	grep "^tyche-report: elicitation: bad.csv:2:11: " err
'

test_done
