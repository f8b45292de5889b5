#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='issue 14: statuses that say what is known, auto, corners, strict limits.
Checks that every method names the limit of an infeasible problem (no NaN
error), that auto is proved optimal and at least as good as the best
feasible corner from tyche-run corners, and that GHG>30 is refused.'
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

test_done
