#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run optimize, bounds, pareto, waterfall, tornado'
. ./test-lib.sh

# A hand-built context: technology Toy whose metrics X and Y return the
# parameters p[0] and p[1], so every tranche's metric is what is written
# here.  A: X 0, 10, 20 and Y 0, -5, -10 at 0, 100, 200; B: X 0, 4, 8 and
# Y 0, 1, 2; B's tranche at 100 has an uncertain X for the tornado.
write_toy() {
	mkdir -p toy &&
	cat >toy/toy.yml <<-\EOF &&
	capital:
	  Plant: 0 * p[0]
	fixed:
	  Upkeep: 0 * p[0]
	production:
	  Widget: 1 + 0 * p[0]
	metrics:
	  X: p[0]
	  Y: p[1]
	EOF
	cat >toy/functions.csv <<-\EOF &&
	Technology,Style,Model,Capital,Fixed,Production,Metrics,Notes
	Toy,numpy,toy,capital,fixed,production,metrics,
	EOF
	cat >toy/indices.csv <<-\EOF &&
	Technology,Type,Index,Offset,Description,Notes
	Toy,Capital,Plant,0,,
	Toy,Input,Stuff,0,,
	Toy,Output,Widget,0,,
	Toy,Metric,X,0,,
	Toy,Metric,Y,1,,
	EOF
	cat >toy/results.csv <<-\EOF &&
	Technology,Variable,Index,Units,Notes
	Toy,Cost,Cost,u,
	Toy,Metric,X,u,
	Toy,Metric,Y,u,
	Toy,Output,Widget,u,
	EOF
	echo "Technology,Scenario,Variable,Index,Value,Units,Notes" >toy/designs.csv &&
	echo "Technology,Scenario,Parameter,Offset,Value,Units,Notes" >toy/parameters.csv &&
	echo "Category,Tranche,Scenario,Amount,Notes" >toy/tranches.csv &&
	for t in "A,0,0,0" "A,100,10,-5" "A,200,20,-10" \
		 "B,0,0,0" "B,100,st.uniform(loc=2,scale=4),1" "B,200,8,2"
	do
		c=${t%%,*} rest=${t#*,}
		amt=${rest%%,*} rest=${rest#*,}
		x=${rest%,*} y=${rest##*,}
		s="$c$amt"
		for r in "Scale,,1" "Lifetime,Plant,1" "Input,Stuff,1" \
			 "Input efficiency,Stuff,1" "Input price,Stuff,0" \
			 "Output efficiency,Widget,1" "Output price,Widget,0"
		do
			echo "Toy,$s,$r,," >>toy/designs.csv || return 1
		done &&
		echo "Toy,$s,X,0,\"$x\",," >>toy/parameters.csv &&
		echo "Toy,$s,Y,1,\"$y\",," >>toy/parameters.csv &&
		echo "$c,$s,$s,$amt," >>toy/tranches.csv || return 1
	done &&
	printf "Investment,Category,Tranche,Notes\nI,A,A100,\nI,B,B100,\n" >toy/investments.csv &&
	tyche-run check toy >/dev/null
}

# value of a CSV row "Variable,Index,..." (third column)
val() {
	awk -F, -v v="$1" -v i="$2" '$1 == v && $2 == i { print $3 }' "$3"
}

test_expect_success 'the hand-built context loads' '
	write_toy
'

test_expect_success 'optimize: the budget binds, the better category first' '
	write_toy &&
	tyche-run optimize --metric X --budget 250 --samples 50 --no-cache toy >out.csv &&
	head -n 1 out.csv >hdr &&
	echo "Variable,Index,Value,Bound,Sense,Holds" >expect &&
	test_cmp expect hdr &&
	test "$(val Amount A out.csv)" = 200 &&
	test "$(val Amount B out.csv)" = 50 &&
	# X = 20 + half the mean of uniform(2, 6) samples
	awk -F, "\$1 == \"Objective\" { if (\$3 < 21.8 || \$3 > 22.2) exit 1 }" out.csv &&
	grep "^Constraint,budget,250,250,<=,yes$" out.csv &&
	grep "^Status,optimal," out.csv
'

test_expect_success 'optimize: a metric limit binds (Y >= -3 leaves X = 18)' '
	write_toy &&
	for m in local global milp
	do
		tyche-run optimize --metric X --limit "Y>=-3" --method $m --samples 20 \
			--no-cache toy >$m.csv || return 1
		awk -F, "\$1 == \"Objective\" { d = \$3 - 18; if (d < -1e-6 || d > 1e-6) exit 1 }" \
			$m.csv || return 1
		grep "^Constraint,mean(Y),.*,-3,>=,yes$" $m.csv || return 1
	done
'

test_expect_success 'optimize: infeasible limits exit 1 with the reason on stderr' '
	write_toy &&
	test_expect_code 1 tyche-run optimize --metric X --limit "Y>=5" --samples 20 \
		--no-cache toy >out.csv 2>err &&
	grep "^Status,infeasible," out.csv &&
	grep "^Constraint,mean(Y),2,5,>=,no$" out.csv &&
	grep "tyche-run: infeasible: no portfolio satisfies the constraints: mean(Y) >= 5 cannot hold within the upper limits, its largest value is 2$" err
'

test_expect_success 'optimize: --upper holds an unbounded-looking problem' '
	write_toy &&
	tyche-run optimize --metric X --upper A=150 --samples 20 --no-cache toy >out.csv &&
	test "$(val Amount A out.csv)" = 150 &&
	test "$(val Amount B out.csv)" = 200
'

test_expect_success 'optimize: a statistic of the portfolio distribution' '
	write_toy &&
	tyche-run optimize --metric X --statistic q10 --budget 100 --upper A=0 \
		--samples 2000 --no-cache toy >out.csv &&
	# all of B at 100: q10 of uniform(2, 6) is 2.4 (up to sampling)
	awk -F, "\$1 == \"Objective\" { if (\$3 < 2.3 || \$3 > 2.5) exit 1 }" out.csv &&
	grep "^Objective,q10(X)," out.csv
'

test_expect_success 'optimize --format json' '
	write_toy &&
	tyche-run optimize --metric X --budget 250 --samples 20 --no-cache --format json \
		toy >out.json &&
	grep "\"status\":[[:space:]]*\"optimal\"" out.json &&
	grep "\"constraint\":[[:space:]]*\"budget\"" out.json &&
	grep "\"holds\":[[:space:]]*true" out.json
'

test_expect_success 'global: the same seed gives the same output' '
	write_toy &&
	tyche-run optimize --metric X --limit "Y>=-3" --method global --seed 5 \
		--samples 20 --no-cache toy >g1.csv &&
	tyche-run optimize --metric X --limit "Y>=-3" --method global --seed 5 \
		--samples 20 --no-cache toy >g2.csv &&
	grep -v "^Seconds" g1.csv >a && grep -v "^Seconds" g2.csv >b &&
	test_cmp a b
'

test_expect_success 'usage errors exit 64' '
	write_toy &&
	test_expect_code 64 tyche-run optimize toy 2>err &&
	grep "metric is required" err &&
	test_expect_code 64 tyche-run optimize --metric Z --no-cache toy 2>err &&
	grep "unknown metric .Z.; the metrics are .X., .Y." err &&
	test_expect_code 64 tyche-run optimize --metric X --limit "Y=3" --no-cache toy 2>err &&
	grep "expected METRIC>=NUMBER" err &&
	test_expect_code 64 tyche-run optimize --metric X --upper "C=3" --no-cache toy 2>err &&
	grep "unknown category .C." err &&
	test_expect_code 64 tyche-run optimize --metric X --method magic --no-cache toy 2>err &&
	grep "unknown method .magic." err &&
	test_expect_code 64 tyche-run optimize --metric X --statistic q50 --method milp --max-eval 4 \
		--no-cache toy 2>err &&
	grep "the MILP grid has 9 corners (3 x 3 grid points per category), more than the limit of 4" err &&
	test_expect_code 66 tyche-run optimize --metric X nowhere 2>err
'

test_expect_success 'bounds: min and max of every metric' '
	write_toy &&
	tyche-run bounds --budget 200 --samples 20 --no-cache toy >b.csv &&
	awk -F, "\$7 == \"Objective\" { printf \"%s %s %.9g\\n\", \$2, \$3, \$9 }" b.csv >got &&
	cat >expect <<-\EOF &&
	X min 0
	X max 20
	Y min -10
	Y max 2
	EOF
	test_cmp expect got
'

test_expect_success 'pareto --budgets: one optimum per budget' '
	write_toy &&
	tyche-run pareto --metric X --budgets 0:400:100 --samples 20 --no-cache toy >p.csv &&
	awk -F, "\$7 == \"Objective\" { printf \"%s %.0f\\n\", \$4, \$9 }" p.csv >got &&
	printf "0 0\n100 10\n200 20\n300 24\n400 28\n" >expect &&
	test_cmp expect got
'

test_expect_success 'pareto --vs: X against a stepped limit on Y' '
	write_toy &&
	tyche-run pareto --metric X --vs "Y=-10:2:4" --samples 20 --no-cache toy >p.csv &&
	awk -F, "\$7 == \"Objective\" { printf \"%s %.9g\\n\", \$5, \$9 }" p.csv >got &&
	printf "%s\n" "-10 28" "-6 24" "-2 16" "2 8" >expect &&
	test_cmp expect got &&
	tyche-run pareto --metric X --vs Y --samples 20 --no-cache toy >auto.csv &&
	test $(grep -c ",Objective," auto.csv) = 17
'

test_expect_success 'waterfall: steps add up to the portfolio' '
	write_toy &&
	tyche-run waterfall --amount A=100 --amount B=200 --samples 20 --no-cache toy >w.csv &&
	head -n 1 w.csv >hdr &&
	echo "Order,Step,Category,Metric,Value,Delta" >expect &&
	test_cmp expect hdr &&
	grep "^1,1,A,mean(X),10,10$" w.csv &&
	grep "^1,2,B,mean(X),18,8$" w.csv &&
	tyche-run waterfall --amount A=100 --amount B=200 --order best --metric Y \
		--samples 20 --no-cache toy >best.csv &&
	grep "^1,1,B,mean(Y),2,2$" best.csv &&
	tyche-run waterfall --amount A=100 --amount B=200 --order all --samples 20 \
		--no-cache toy >all.csv &&
	test $(grep -c ",2,.*,mean(X),18," all.csv) = 2
'

test_expect_success 'tornado: the uncertain input and its swing' '
	write_toy &&
	tyche-run tornado --metric X --scenario B100 toy >t.csv &&
	cat >expect <<-\EOF &&
	Rank,Input,Low,High,Swing,Base
	1,Toy: X,2.4,5.6,3.1999999999999997,4
	EOF
	test_cmp expect t.csv &&
	tyche-run tornado --metric X --amount B=50 toy >p.csv &&
	grep "^1,Toy: X,1.2" p.csv &&
	test_expect_code 64 tyche-run tornado --metric X --scenario Nope toy
'

test_skip_unless_shared

test_expect_success 'pv-residential-simple: LCOE under a budget and a GHG limit' '
	pv="$SHARED/golden/pv-residential-simple/inputs-median" &&
	tyche-run optimize "$pv" --models "$TOP/models" --metric LCOE --budget 3e6 \
		--limit "GHG>=40" --samples 1 --no-cache >pv.csv &&
	grep "^Constraint,budget,.*,yes$" pv.csv &&
	grep "^Constraint,mean(GHG),.*,40,>=,yes$" pv.csv &&
	test_expect_code 1 tyche-run optimize "$pv" --models "$TOP/models" --metric LCOE \
		--budget 3e6 --limit "GHG>=50" --samples 1 --no-cache >inf.csv 2>err &&
	grep "mean(GHG) >= 50 cannot hold within the budget and upper limits, its largest value is 43.43" err
'

test_done
