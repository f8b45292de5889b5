#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run evaluate on the bundled example'
. ./test-lib.sh

EX="$TOP/examples/electrolysis"

test_expect_success 'the Base scenario matches the numbers worked out by hand' '
	tyche-run evaluate --samples 1 "$EX" >out.csv &&
	grep "^Alkaline electrolysis,Base,1," out.csv >base.csv &&
	# K = (500*1000/7 + 400*1000/20)/1e5 + 0.03*900*1000/1e5
	#     + (0.002*9 + 0.05*50) - 0.02*8
	awk -F, "
		\$4 == \"Cost\" && \$5 == \"Cost\" { k = \$6 }
		\$4 == \"Output\" && \$5 == \"Oxygen\" { o = \$6 }
		\$4 == \"Metric\" && \$5 == \"GHG\" { g = \$6 }
		END {
			want = (500*1000/7 + 400*1000/20)/100000 + 0.03*900*1000/100000 + (0.002*9 + 0.05*50) - 0.02*8;
			d = k - want; if (d < 0) d = -d;
			if (d > 1e-12 || o != 8 || g != 0) { print k, want, o, g; exit 1 }
		}" base.csv
'

test_expect_success 'rows are in the reference order with the reference header' '
	head -n 1 out.csv >hdr &&
	echo "Technology,Scenario,Sample,Variable,Index,Value,Units" >expect &&
	test_cmp expect hdr &&
	tail -n +2 out.csv | cut -d, -f2 | uniq >scen &&
	printf "Base\nEfficiency Ambitious\nEfficiency Moderate\nStack Ambitious\nStack Moderate\n" >expect &&
	test_cmp expect scen &&
	test $(wc -l <out.csv) = 31
'

test_expect_success 'same seed: identical bytes with 1 and 2 threads and any block' '
	tyche-run evaluate --samples 3000 --seed 7 --threads 1 "$EX" >t1.csv &&
	tyche-run evaluate --samples 3000 --seed 7 --threads 2 --block 77 "$EX" >t2.csv &&
	cmp t1.csv t2.csv
'

# Lines are copied in 16-byte pieces from padded buffers, with a plain path
# for names too long for the 256-byte line head: names of every length
# around that edge must come out whole, and equal to the JSON output.
test_expect_success 'long and quoted names: CSV lines whole, equal to JSON' '
	for len in 1 15 16 17 200 209 210 211 212 213 228 300; do
		rm -rf long && cp -R "$EX" long &&
		name=$(python3 -c "import sys; n=int(sys.argv[1]); print((\"Sc,\\\"q\\\" \" + \"x\" * n)[:n])" $len) &&
		quoted=$(printf "%s" "$name" | sed "s/\"/\"\"/g") &&
		for f in long/*.csv; do
			sed "s/,Base,/,\"$quoted\",/" "$f" >tmp.csv && mv tmp.csv "$f" || return 1
		done &&
		tyche-run evaluate --samples 40 --seed 3 long >long.csv &&
		tyche-run evaluate --samples 40 --seed 3 --format json long >long.json &&
		python3 - long.csv long.json "$name" <<-\EOF || return 1
		import csv, json, sys
		rows = list(csv.DictReader(open(sys.argv[1], newline="")))
		objs = json.load(open(sys.argv[2]))
		assert len(rows) == len(objs) == 5 * 40 * 6, (len(rows), len(objs))
		seen = 0
		for r, o in zip(rows, objs):
		    for k in ("Technology", "Scenario", "Variable", "Index", "Units"):
		        assert r[k] == o[k], (k, r[k], o[k])
		    assert int(r["Sample"]) == o["Sample"]
		    assert float(r["Value"]) == o["Value"] or r["Value"] == o["Value"]
		    seen += r["Scenario"] == sys.argv[3]
		assert seen == 40 * 6, seen
		EOF
	done
'

test_expect_success 'different seeds give different samples' '
	tyche-run evaluate --samples 50 --seed 8 "$EX" >s8.csv &&
	tyche-run evaluate --samples 50 --seed 9 "$EX" >s9.csv &&
	! cmp -s s8.csv s9.csv &&
	grep "^Alkaline electrolysis,Base," s8.csv >b8 &&
	grep "^Alkaline electrolysis,Base," s9.csv >b9 &&
	test_cmp b8 b9
'

test_expect_success 'a sample is the same whatever the sample count' '
	tyche-run evaluate --samples 10 --seed 3 "$EX" | grep ",Stack Ambitious,7," >a &&
	tyche-run evaluate --samples 2000 --seed 3 "$EX" | grep ",Stack Ambitious,7," >b &&
	test_cmp a b
'

test_expect_success '--summary gives mean, std and quantiles per row' '
	tyche-run evaluate --samples 2000 --summary "$EX" >sum.csv &&
	head -n 1 sum.csv >hdr &&
	echo "Technology,Scenario,Variable,Index,Units,Mean,Std,Q10,Q50,Q90" >expect &&
	test_cmp expect hdr &&
	grep "^Alkaline electrolysis,Base,Output,Oxygen,kg,8,0,8,8,8$" sum.csv &&
	test $(wc -l <sum.csv) = 31
'

test_expect_success '--format json is valid JSON with one object per row' '
	tyche-run evaluate --samples 2 --format json "$EX" >out.json &&
	test $(grep -c "\"Technology\"" out.json) = 60 &&
	head -c 1 out.json | grep -q "\[" &&
	tail -n 1 out.json | grep -q "\]"
'

test_expect_success 'NaN results are written as NaN and warned about' '
	cp -R "$EX" nan &&
	sed -i "s/^\(Alkaline electrolysis,Base,Water per kg H2,0,\)9,/\10,/" nan/parameters.csv &&
	tyche-run evaluate --samples 1 nan >nan.csv 2>err &&
	grep "^Alkaline electrolysis,Base,1,Output,Hydrogen,inf,kg$" nan.csv &&
	grep "^Alkaline electrolysis,Base,1,Output,Oxygen,inf,kg$" nan.csv &&
	grep "warning: technology .Alkaline electrolysis., scenario .Base., Output .Hydrogen.: 1 of 1 samples are NaN or infinite" err
'

test_expect_success 'bad options are usage errors (64)' '
	test_expect_code 64 tyche-run evaluate --samples 0 "$EX" &&
	test_expect_code 64 tyche-run evaluate --samples 1x "$EX" &&
	test_expect_code 64 tyche-run evaluate --format xml "$EX" &&
	test_expect_code 64 tyche-run evaluate
'

test_expect_success 'a missing context exits 66' '
	test_expect_code 66 tyche-run evaluate does-not-exist
'
test_done
