#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run sensitivity: Sobol indices against closed forms'
#
# Issue 18.  On the toy study of t/lib/sens-toy.sh the first-order and
# total indices of a linear model of independent normals and of the Sobol
# g-function contain their closed forms in the reported 95 % intervals;
# the table group explains everything; a portfolio made of one scenario
# gives that scenario's indices; the output is byte-identical for any
# thread count; on a reference study first-order indices sum to at most
# 1 and total >= first within the intervals; bad requests are located.
. ./test-lib.sh
. "$TEST_DIR/lib/sens-toy.sh"

# check FILE METRIC INPUT FIRST TOTAL: both closed forms inside the intervals
check() {
	awk -F, -v m="$2" -v inp="$3" -v s1="$4" -v st="$5" '
		$1 == m && $3 == "cell" && $7 == inp {
			found = 1
			if (!($9 <= s1 && s1 <= $10)) { print "first", m, inp, s1, "not in", $9, $10; bad = 1 }
			if (!($13 <= st && st <= $14)) { print "total", m, inp, st, "not in", $13, $14; bad = 1 }
		}
		END { exit !found || bad }' "$1"
}

test_expect_success 'linear model: S_i = ST_i = a_i^2 / 14 within the intervals' '
	sens_toy toy &&
	tyche-run sensitivity toy --scenario Go --samples 10000 --groups cell >go.csv &&
	head -1 go.csv >hdr &&
	echo "Metric,Units,Level,Technology,Scenario,Table,Input,First,FirstLow,FirstHigh,FirstSE,Total,TotalLow,TotalHigh,TotalSE" >expect &&
	test_cmp expect hdr &&
	check go.csv Lin X1 0.0714285714 0.0714285714 &&
	check go.csv Lin X2 0.2857142857 0.2857142857 &&
	check go.csv Lin X3 0.6428571429 0.6428571429 &&
	check go.csv Lin U1 0 0
'

test_expect_success 'Sobol g-function (a = 0, 1, 9) within the intervals' '
	check go.csv G U1 0.7419635099 0.8062654140 &&
	check go.csv G U2 0.1854908775 0.2480816658 &&
	check go.csv G U3 0.0074196351 0.0107169924 &&
	check go.csv G X1 0 0
'

test_expect_success 'the table group explains all the variance' '
	tyche-run sensitivity toy --scenario Go --samples 2000 --groups table --metric G >tab.csv &&
	test $(wc -l <tab.csv) = 2 &&
	grep "^G,u,table,,,parameters,parameters,1,1,1,0," tab.csv
'

test_expect_success 'a portfolio of one scenario has that scenario'"'"'s indices' '
	tyche-run sensitivity toy --amount Choice=1 --samples 500 >p.csv &&
	tyche-run sensitivity toy --scenario Go --samples 500 >s.csv &&
	test_cmp s.csv p.csv &&
	tyche-run sensitivity toy --amount Choice=0.5 --samples 500 --metric V --format json >half.json &&
	grep "^{\"target\":\"portfolio\",\"samples\":500,\"seed\":1,\"bootstrap\":200,\"level\":0.95," half.json &&
	grep "\"input\":\"Payoff\",\"first\":1," half.json
'

test_expect_success 'byte-identical for any thread count' '
	tyche-run sensitivity toy --scenario Go --samples 3000 --threads 1 >t1.csv &&
	tyche-run sensitivity toy --scenario Go --samples 3000 --threads 3 >t3.csv &&
	tyche-run sensitivity toy --scenario Go --samples 3000 >t0.csv &&
	test_cmp t1.csv t3.csv &&
	test_cmp t1.csv t0.csv
'

test_expect_success 'bad requests name what was expected' '
	test_must_fail tyche-run sensitivity toy --scenario Nope 2>err &&
	grep "^tyche-run sensitivity: unknown scenario .Nope.$" err &&
	test_must_fail tyche-run sensitivity toy --scenario Go --metric Zzz 2>err &&
	grep "unknown metric .Zzz." err &&
	test_must_fail tyche-run sensitivity toy --scenario Base 2>err &&
	grep "no uncertain design or parameter cell" err &&
	test_must_fail tyche-run sensitivity toy --amount Nope=1 2>err &&
	grep "unknown category; the categories are .Choice.$" err &&
	test_must_fail tyche-run sensitivity toy --amount Choice=-1 2>err &&
	grep "expected a number >= 0" err &&
	test_must_fail tyche-run sensitivity toy --scenario Go --amount Choice=1 2>err &&
	grep "give --amount or --scenario, not both" err &&
	test_must_fail tyche-run sensitivity toy --groups cells 2>err &&
	grep "^tyche-run sensitivity: --groups: .cells. is not one of cell, parameter, table$" err &&
	test_must_fail tyche-run sensitivity toy --samples 1 2>err &&
	grep "samples: .1. is not a whole number in \[2, 1e+09\]" err
'

test_skip_unless_shared

test_expect_success 'reference study: sum of first <= 1 and total >= first, within the intervals' '
	tyche-run sensitivity "$SHARED/tyche/pv-residential-simple" --models "$TOP/models" \
		--amount "Module R&D=1000000" --amount "Inverter R&D=500000" \
		--samples 2000 --groups parameter >ref.csv &&
	awk -F, "NR > 1 { lo[\$1] += \$9; n[\$1]++; if (\$14 < \$9) { print \"total < first:\", \$0; bad = 1 } }
		END { for (m in lo) { if (lo[m] > 1) { print m, \"sum of first lows\", lo[m]; bad = 1 } }
		      exit bad || length(n) < 3 }" ref.csv
'

test_done
