#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='sensitivity --shard and voi --shard, then tyche-run merge
Issue 20.  Shards of the Sobol indices (the model outputs of f(A), f(B),
f(AB_g) for a range of base samples) and of the value of information (each
candidate'"'"'s metric and the draws the regression uses) merge into exactly
the bytes one process writes: CSV and JSON, N = 1, 2, 3, 7 shards, on the
bundled example, a study with a correlations table and pv-residential-simple;
ranges of more than one block of samples, any thread count.  Shards of
another seed, metric, amounts, sense or candidates file are refused naming
the setting, and nothing is written.'
. ./test-lib.sh
. "$TEST_DIR/lib-shard.sh"
. "$TEST_DIR/lib/sens-toy.sh"

EX="$TOP/examples/electrolysis"

# same_bytes CMD STUDY [options]: for N in 1 2 3 7, the merge of N shards
# of `tyche-run CMD` equals its single-process output, byte for byte.
same_bytes() {
	cmd=$1; shift
	tyche-run $cmd "$@" >one.out &&
	for N in 1 2 3 7; do
		rm -f part-*.shard &&
		i=1 && while [ $i -le $N ]; do
			tyche-run $cmd "$@" --shard $i/$N --output part-$i.shard || return 1
			i=$((i + 1))
		done &&
		tyche-run merge -o merged.out part-*.shard &&
		cmp one.out merged.out || { echo "differs at N=$N"; return 1; }
	done
}

# sens STUDY [options]: sensitivity of the bundled portfolio
sens() {
	tyche-run sensitivity "$@" --amount "Stack R&D=2000000" --amount "Efficiency R&D=1000000"
}

test_expect_success 'sensitivity of a portfolio: 1, 2, 3, 7 shards merge to the same CSV and JSON' '
	same_bytes sensitivity "$EX" --amount "Stack R&D=2000000" --amount "Efficiency R&D=1000000" \
		--samples 101 --bootstrap 40 &&
	test $(wc -l <one.out) -eq 31 &&
	same_bytes sensitivity "$EX" --amount "Stack R&D=2000000" --amount "Efficiency R&D=1000000" \
		--samples 64 --format json --seed 9 &&
	grep -F "\"samples\":64,\"seed\":9,\"bootstrap\":200" one.out
'

test_expect_success 'a scenario, some groups, one metric; shards of several blocks; the format at merge' '
	same_bytes sensitivity "$EX" --scenario "Stack Moderate" --metric Cost \
		--groups parameter,table --samples 2500 --bootstrap 20 --level 0.9 &&
	tyche-run sensitivity "$EX" --scenario "Stack Moderate" --metric Cost --groups parameter,table \
		--samples 2500 --bootstrap 20 --level 0.9 --format json >one.json &&
	tyche-run merge --format json -o m.json part-*.shard && cmp one.json m.json
'

test_expect_success 'a shard file does not depend on the thread count' '
	tyche-run sensitivity "$EX" --scenario "Stack Moderate" --samples 3000 --bootstrap 10 \
		--threads 1 --shard 2/2 --output t1.shard &&
	tyche-run sensitivity "$EX" --scenario "Stack Moderate" --samples 3000 --bootstrap 10 \
		--threads 3 --shard 2/2 --output t3.shard &&
	cmp t1.shard t3.shard &&
	tyche-run voi "$EX" --metric Cost --sense max --samples 3000 --threads 1 --shard 2/3 --output v1.shard &&
	tyche-run voi "$EX" --metric Cost --sense max --samples 3000 --threads 3 --shard 2/3 --output v3.shard &&
	cmp v1.shard v3.shard
'

test_expect_success 'voi: investments and corners, CSV and JSON, 1, 2, 3, 7 shards' '
	same_bytes voi "$EX" --metric Cost --sense max --samples 300 &&
	grep -F "all,,,,EVPI," one.out &&
	same_bytes voi "$EX" --metric GHG --sense min --candidates corners --samples 200 --format json &&
	grep -F "\"sense\":\"min\",\"samples\":200" one.out &&
	same_bytes voi "$EX" --metric Electricity --sense max --candidates corners --budget 3000000 \
		--groups cell --samples 150 --seed 4
'

test_expect_success 'voi with a correlations table and a candidates file: the same bytes' '
	sens_toy toy &&
	printf "Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation\nToy,Go,Parameter,Payoff,Parameter,X1,0.9\n" >toy/correlations.csv &&
	printf "Candidate,Category,Amount\nOff,Choice,0\nOn,Choice,1\n" >cands.csv &&
	same_bytes voi toy --metric V --sense max --samples 1500 --candidates cands.csv &&
	awk -F, "\$5 == \"X1\" { found = 1; exit !(\$6 > 0) } END { exit !found }" one.out
'

test_expect_success 'setup: shards 1/3, 2/3, 3/3 of a sensitivity and a voi run' '
	for i in 1 2 3; do
		sens "$EX" --samples 90 --seed 5 --bootstrap 20 --shard $i/3 --output s$i.shard &&
		tyche-run voi "$EX" --metric Cost --sense max --samples 90 --seed 5 \
			--shard $i/3 --output v$i.shard || return 1
	done
'

test_expect_success 'sensitivity: another seed, metric, amounts, groups or bootstrap is refused, naming it' '
	sens "$EX" --samples 90 --seed 6 --bootstrap 20 --shard 2/3 --output seed.shard &&
	refused "seed.shard: its seed is 6 but s1.shard" s1.shard seed.shard s3.shard &&
	sens "$EX" --samples 90 --seed 5 --bootstrap 20 --metric GHG --shard 2/3 --output metric.shard &&
	refused "metric.shard: its metric is GHG but s1.shard'"'"'s is every metric" s1.shard metric.shard s3.shard &&
	tyche-run sensitivity "$EX" --amount "Stack R&D=2000000" --samples 90 --seed 5 --bootstrap 20 \
		--shard 2/3 --output am.shard &&
	refused "am.shard: its amounts is Stack R&D=2000000; Efficiency R&D=0 but s1.shard" s1.shard am.shard s3.shard &&
	tyche-run sensitivity "$EX" --scenario "Stack Moderate" --samples 90 --seed 5 --bootstrap 20 \
		--shard 2/3 --output sc.shard &&
	refused "sc.shard: its scenario is Stack Moderate but s1.shard" s1.shard sc.shard s3.shard &&
	sens "$EX" --samples 90 --seed 5 --bootstrap 20 --groups cell --shard 2/3 --output g.shard &&
	refused "its groups is cell but" s1.shard g.shard s3.shard &&
	sens "$EX" --samples 90 --seed 5 --bootstrap 21 --shard 2/3 --output b.shard &&
	refused "its bootstrap is 21 but" s1.shard b.shard s3.shard &&
	refused "samples 31-60 of 90 are missing (shard 2/3)" s1.shard s3.shard
'

test_expect_success 'amounts are compared as numbers: 2e6 is 2000000' '
	tyche-run sensitivity "$EX" --amount "Efficiency R&D=1e6" --amount "Stack R&D=2e6" \
		--samples 90 --seed 5 --bootstrap 20 --shard 2/3 --output am2.shard &&
	sens "$EX" --samples 90 --seed 5 --bootstrap 20 >one.csv &&
	tyche-run merge -o m.csv s1.shard am2.shard s3.shard && cmp one.csv m.csv
'

test_expect_success 'voi: another sense, metric, budget or candidates file is refused, naming it' '
	tyche-run voi "$EX" --metric Cost --sense min --samples 90 --seed 5 \
		--shard 2/3 --output sense.shard &&
	refused "sense.shard: its sense is min but v1.shard" v1.shard sense.shard v3.shard &&
	tyche-run voi "$EX" --metric GHG --sense max --samples 90 --seed 5 --shard 2/3 --output m.shard &&
	refused "m.shard: its metric is GHG but v1.shard" v1.shard m.shard v3.shard &&
	tyche-run voi "$EX" --metric Cost --sense max --samples 90 --seed 5 --budget 1e12 \
		--shard 2/3 --output bu.shard &&
	refused "bu.shard: its budget is 1000000000000 but v1.shard" v1.shard bu.shard v3.shard
'

test_expect_success 'voi: a changed candidates file is refused, naming the candidates' '
	cat >ex-cands.csv <<-EOF &&
	Candidate,Category,Amount
	A,Stack R&D,0
	B,Stack R&D,1500000
	EOF
	for i in 1 2 3; do
		tyche-run voi "$EX" --metric Cost --sense max --samples 90 --candidates ex-cands.csv \
			--shard $i/3 --output c$i.shard || return 1
	done &&
	tyche-run voi "$EX" --metric Cost --sense max --samples 90 --candidates ex-cands.csv >one.csv &&
	tyche-run merge -o m.csv c1.shard c2.shard c3.shard && cmp one.csv m.csv &&
	sed -i "s/1500000/4000000/" ex-cands.csv &&
	tyche-run voi "$EX" --metric Cost --sense max --samples 90 --candidates ex-cands.csv \
		--shard 2/3 --output c2b.shard &&
	refused "c2b.shard: its candidate amounts (hash) is" c1.shard c2b.shard c3.shard &&
	sed -i "s/^B,/C,/" ex-cands.csv &&
	tyche-run voi "$EX" --metric Cost --sense max --samples 90 --candidates ex-cands.csv \
		--shard 2/3 --output c2c.shard &&
	refused "c2c.shard: its candidate names is [\"A\",\"C\"] but c1.shard" c1.shard c2c.shard c3.shard
'

test_expect_success 'kinds do not mix; --summary, empty shards and --shard without --output are refused' '
	refused "it is a shard of voi but s1.shard is of sensitivity" s1.shard v2.shard s3.shard &&
	tyche-run evaluate --samples 90 --seed 5 --shard 2/3 --output e2.shard "$EX" &&
	refused "it is a shard of evaluate but s1.shard is of sensitivity" s1.shard e2.shard s3.shard &&
	test_expect_code 64 tyche-run merge --summary -o out.csv s1.shard s2.shard s3.shard 2>err &&
	grep -F "summary is for shards of evaluate, not of sensitivity" err && ! test -e out.csv &&
	test_expect_code 64 tyche-run sensitivity "$EX" --scenario "Stack Moderate" --samples 3 --shard 1/7 --output e.shard 2>err &&
	grep -F "shard 1/7 of 3 base samples is empty: use at most 3 shards" err && ! test -e e.shard &&
	test_expect_code 64 tyche-run voi "$EX" --metric Cost --sense max --shard 1/2 2>err &&
	grep -F -- "--shard needs --output" err &&
	test_expect_code 64 tyche-run sensitivity "$EX" --scenario "Stack Moderate" --shard 3/2 --output x 2>err &&
	grep -F "expected I/N" err && ! test -e x
'

test_skip_unless_shared

P="$SHARED/tyche/pv-residential-simple"

test_expect_success 'pv-residential-simple: sensitivity shards merge to the same CSV and JSON' '
	same_bytes sensitivity "$P" --amount "Module R&D=2000000" --amount "Inverter R&D=1500000" \
		--samples 120 --bootstrap 30 &&
	same_bytes sensitivity "$P" --scenario "BoS Fast Progress" --metric LCOE --samples 80 --format json
'

test_expect_success 'pv-residential-simple: voi shards merge to the same CSV and JSON' '
	same_bytes voi "$P" --metric GHG --sense max --samples 200 &&
	same_bytes voi "$P" --metric LCOE --sense max --candidates corners --budget 5000000 \
		--samples 150 --format json
'

test_done
