#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='issue 14: statuses that say what is known, auto, corners, strict limits.
Checks that every method names the limit of an infeasible problem (no NaN
error), that auto is proved optimal and at least as good as the best
feasible corner from tyche-run corners, that GHG>30 is refused, and that
extrapolation is said out loud: CLI (stderr, --extrapolate), JSON, check
and the report (notes under the plots, the corners section).'
. ./test-lib.sh

test_skip_unless_shared
REF=$SHARED/tyche/pv-residential-simple
M="--models $TOP/models --samples 200 --cache $PWD/cache"

test_expect_success 'infeasible: every method names the limit, exit 1' '
	for m in auto local global milp
	do
		test_expect_code 1 tyche-run optimize $M --metric LCOE --budget 0 \
			--limit "GHG>=30" --method $m "$REF" >out.csv 2>err &&
		grep "^Status,infeasible," out.csv &&
		grep "infeasible: no portfolio satisfies the constraints: mean(GHG) >= 30 cannot hold" err &&
		! grep NaN err || return 1
	done
'

test_expect_success 'auto is proved optimal and beats every feasible corner' '
	tyche-run optimize $M --metric GHG --budget 3e6 "$REF" >auto.csv 2>err &&
	grep "^Status,optimal," auto.csv &&
	tyche-run corners $M --budget 3e6 "$REF" >corners.csv &&
	head -1 corners.csv | grep "^Corner,.*,Budget,mean(GHG)" &&
	a=$(grep "^Objective," auto.csv | cut -d, -f3) &&
	col=$(head -1 corners.csv | tr , "\n" | grep -n "^mean(GHG)$" | cut -d: -f1) &&
	best=$(tail -n +2 corners.csv | cut -d, -f$col | sort -g | tail -1) &&
	test -n "$best" &&
	awk -v a="$a" -v b="$best" "BEGIN { exit !(a >= b - 1e-9 * (b < 0 ? -b : b)) }"
'

test_expect_success 'local says local optimum, global best found with starts' '
	tyche-run optimize $M --metric GHG --budget 3e6 --method local "$REF" >l.csv 2>err &&
	grep "^Status,local optimum," l.csv && grep "^Starts,,1," l.csv &&
	tyche-run optimize $M --metric GHG --budget 3e6 --method global --format json \
		"$REF" >g.json 2>err &&
	grep "\"status\":.*\"best found\"" g.json && grep "\"starts\":.*2" g.json
'

test_expect_success 'a q10 objective: auto reports best found and its starts' '
	tyche-run optimize $M --metric GHG --statistic q10 --budget 3e6 "$REF" >q.csv 2>err &&
	grep "^Status,best found," q.csv &&
	grep "local searches (SLSQP) from" err
'

test_expect_success 'strict limits are refused' '
	test_expect_code 64 tyche-run optimize $M --metric LCOE --limit "GHG>30" "$REF" 2>err &&
	grep "strict limits are not supported; write >=" err
'

test_expect_success 'an amount above the largest tranche is refused unless --extrapolate' '
	test_expect_code 64 tyche-run explore $M --amount "Module R&D=1e9" "$REF" >out 2>err &&
	grep "^tyche-run: --amount: category .Module R&D.: 1e+09 is above its largest tranche amount, out of range \[0, 4.5e+06\]; the response surface would extrapolate linearly there (give --extrapolate to allow it)$" err &&
	tyche-run explore $M --extrapolate --amount "Module R&D=1e9" --format json "$REF" >out.json 2>err &&
	grep "warning: category .Module R&D.: the amount lies outside its tranche amounts \[1.5e+06, 4.5e+06\]" err &&
	grep "\"extrapolated\":\[\"Module R&D\",\"Inverter R&D\",\"BoS R&D\"\]" out.json &&
	test_expect_code 64 tyche-run waterfall $M --amount "BoS R&D=2e6" "$REF" 2>err &&
	grep "category .BoS R&D.: 2e+06 is above" err
'

test_expect_success 'inside the tranche range nothing is flagged' '
	tyche-run explore $M --amount "Module R&D=3e6" --amount "Inverter R&D=2e6" \
		--amount "BoS R&D=9e5" --format json "$REF" >in.json 2>err &&
	grep "\"extrapolated\":\[\]" in.json &&
	! grep warning err
'

test_expect_success 'optimize flags the categories its answer extrapolates (stderr, CSV, JSON)' '
	tyche-run optimize $M --metric GHG --budget 3e6 "$REF" >o.csv 2>err &&
	grep "^Extrapolated,Inverter R&D," o.csv &&
	grep "warning: category .Inverter R&D.: the amount lies outside its tranche amounts" err &&
	tyche-run optimize $M --metric GHG --budget 3e6 --format json "$REF" >o.json 2>err &&
	grep "\"extrapolated\":" o.json && grep "\"Inverter R&D\"" o.json
'

test_expect_success 'check warns for each category without a zero tranche, exit 0' '
	tyche-run check --models "$TOP/models" "$REF" >out 2>err &&
	test $(grep -c "warning: category .* has no tranche of amount 0" err) = 3 &&
	grep "tranches.csv:2: warning: category .Module R&D. has no tranche of amount 0: .*add a tranche of category .Module R&D. with Amount 0" err &&
	tyche-run check "$TOP/examples/electrolysis" >out 2>err &&
	! grep "no tranche of amount 0" err
'

test_expect_success 'report: extrapolation under the plots and the corners section' '
	tyche-report $M --include explore,optimise,corners --metric GHG --budget 3e6 \
		"$REF" -o r.html 2>err &&
	grep "Extrapolated: in the &quot;no investment&quot; curve the amount of categories Module R&amp;D, Inverter R&amp;D, BoS R&amp;D lies outside" r.html &&
	grep "Extrapolated: in the optimum the amount of" r.html &&
	grep "id=\"corners\"" r.html &&
	grep "of the 27 corners cost at most the budget" r.html &&
	test_expect_code 64 tyche-report $M --amount "BoS R&D=2e6" "$REF" -o bad.html 2>err &&
	grep "^tyche-report: --amount: category .BoS R&D.: 2e+06 is above" err
'

test_done
