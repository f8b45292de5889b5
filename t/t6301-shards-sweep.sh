#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='pareto --shard I/N and surface --shard I/N, joined by tyche-run merge:
for N = 1, 2, 3, 7 the merged Pareto CSV and JSON equal one process'"'"'s (but for
each point'"'"'s wall-clock seconds, which differ between any two runs) and the
merged surface file equals tyche-run surface'"'"'s byte for byte, on the bundled
example and pv-residential-simple; shards of another seed or other settings are
refused naming the setting, and nothing is written'
. ./test-lib.sh
. "$TEST_DIR/lib-shard.sh"

EX="$TOP/examples/electrolysis"
TYCHE_CACHE="$PWD/cache"
export TYCHE_CACHE

# shards N OUT-PREFIX COMMAND...: shards 1/N .. N/N of COMMAND.
shards() {
	N=$1; pre=$2; shift 2
	rm -f "$pre".*.shard &&
	i=1 && while [ $i -le $N ]; do
		"$@" --shard $i/$N --output "$pre.$i.shard" || return 1
		i=$((i + 1))
	done
}

# pareto_equal CONTEXT OPTIONS...: for N in 1 2 3 7 the merged CSV and
# JSON equal one process's (seconds aside).
pareto_equal() {
	ctx=$1; shift
	tyche-run pareto --samples 200 --seed 3 "$@" "$ctx" >one.csv &&
	tyche-run pareto --samples 200 --seed 3 --format json "$@" "$ctx" >one.json &&
	unclock one.csv >one.csv.u && unclock one.json >one.json.u &&
	for N in 1 2 3 7; do
		shards $N p tyche-run pareto --samples 200 --seed 3 "$@" "$ctx" &&
		tyche-run merge -o m.csv p.*.shard && unclock m.csv >m.csv.u &&
		cmp one.csv.u m.csv.u &&
		tyche-run merge --format json -o m.json p.*.shard && unclock m.json >m.json.u &&
		cmp one.json.u m.json.u || { echo "differs at N=$N"; return 1; }
	done
}

# surface_equal CONTEXT OPTIONS...: for N in 1 2 3 7 the merged surface
# file is the one tyche-run surface writes, byte for byte.
surface_equal() {
	ctx=$1; shift
	tyche-run surface --no-cache --output one.tysurf "$@" "$ctx" >/dev/null &&
	for N in 1 2 3 7; do
		shards $N s tyche-run surface "$@" "$ctx" &&
		tyche-run merge -o m.tysurf s.*.shard &&
		cmp one.tysurf m.tysurf || { echo "differs at N=$N"; return 1; }
	done
}

test_expect_success 'the sweep is independent of the points around it (no warm start)' '
	tyche-run pareto --samples 200 --budgets 0:3e6:1e6 "$EX" >all.csv &&
	tyche-run pareto --samples 200 --budgets 2e6:3e6:1e6 "$EX" >two.csv &&
	grep "^[0-9]*,[^,]*,max,3000000," all.csv | cut -d, -f2- | unclock /dev/stdin >a &&
	grep "^[0-9]*,[^,]*,max,3000000," two.csv | cut -d, -f2- | unclock /dev/stdin >b &&
	test -s a && cmp a b
'

test_expect_success 'bundled example: pareto --budgets shards merge to one process'"'"'s CSV and JSON' '
	pareto_equal "$EX" --budgets 0:3e6:1e6
'

test_expect_success 'bundled example: pareto --vs (points from the range, and given) too' '
	pareto_equal "$EX" --metric GHG --sense min --vs Cost &&
	pareto_equal "$EX" --metric GHG --sense min --vs "Cost<=0:0.2:0.025" --statistic q50
'

test_expect_success 'JSON asked for at shard time is the merge'"'"'s default' '
	shards 2 j tyche-run pareto --samples 200 --seed 3 --format json --budgets 0:3e6:1e6 "$EX" &&
	tyche-run pareto --samples 200 --seed 3 --format json --budgets 0:3e6:1e6 "$EX" >one.json &&
	tyche-run merge -o - j.*.shard >m.json &&
	unclock one.json >a && unclock m.json >b && cmp a b
'

test_expect_success 'points that fail are merged, and named in warnings as pareto names them' '
	shards 2 f tyche-run pareto --samples 100 --budgets 0:2e6:1e6 --limit "GHG>=1e9" \
		--metric Cost "$EX" &&
	test_expect_code 1 tyche-run pareto --samples 100 --budgets 0:2e6:1e6 --limit "GHG>=1e9" \
		--metric Cost "$EX" >one.csv &&
	test_expect_code 1 tyche-run merge -o m.csv f.*.shard 2>err &&
	unclock one.csv >a && unclock m.csv >b && cmp a b &&
	grep -F "warning: point 2 (max Cost, budget 1000000): infeasible: no portfolio" err &&
	test $(grep -c "^warning: point" err) = 3
'

test_expect_success 'bundled example: surface shards merge to the surface file, every design' '
	surface_equal "$EX" --samples 301 --seed 7 &&
	surface_equal "$EX" --samples 200 --design lhs &&
	surface_equal "$EX" --samples 100 --design qmc
'

test_expect_success 'tyche-run surface writes where explore looks, and explore uses it' '
	path=$(tyche-run surface --samples 150 "$EX") &&
	case "$path" in "$TYCHE_CACHE"/*.tysurf) ;; *) false ;; esac &&
	tyche-run surface --no-cache --samples 150 --output fresh.tysurf "$EX" &&
	cmp "$path" fresh.tysurf &&
	shards 3 c tyche-run surface --samples 150 "$EX" &&
	rm "$path" && tyche-run merge -o "$path" c.*.shard && cmp "$path" fresh.tysurf &&
	tyche-run explore --samples 150 --amount "Stack R&D=1e6" "$EX" >e1.csv &&
	tyche-run explore --samples 150 --amount "Stack R&D=1e6" --no-cache "$EX" >e2.csv &&
	cmp e1.csv e2.csv
'

test_expect_success 'setup: shards of one pareto run and one surface run' '
	shards 3 r tyche-run pareto --samples 200 --seed 5 --budgets 0:3e6:1e6 "$EX" &&
	shards 3 u tyche-run surface --samples 200 --seed 5 "$EX"
'

test_expect_success 'pareto: another seed, budgets, metric, statistic, limit or method is refused' '
	tyche-run pareto --samples 200 --seed 6 --budgets 0:3e6:1e6 --shard 2/3 --output x.shard "$EX" &&
	refused "x.shard: its seed is 6 but r.1.shard" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 200 --seed 5 --budgets 1:3000001:1e6 --shard 2/3 --output x.shard "$EX" &&
	refused "its budgets is [\"1\",\"1000001\",\"2000001\",\"3000001\"] but" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 200 --seed 5 --budgets 0:3e6:1e6 --statistic q50 \
		--shard 2/3 --output x.shard "$EX" &&
	refused "its statistic is q50 but r.1.shard" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 200 --seed 5 --budgets 0:3e6:1e6 --limit "GHG<=40" \
		--shard 2/3 --output x.shard "$EX" &&
	refused "its limits is [\"mean(GHG)<=40\"] but r.1.shard" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 200 --seed 5 --budgets 0:3e6:1e6 --method local \
		--shard 2/3 --output x.shard "$EX" &&
	refused "its method is local but r.1.shard" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 300 --seed 5 --budgets 0:3e6:1e6 --shard 2/3 --output x.shard "$EX" &&
	refused "its samples is 300 but r.1.shard" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 200 --seed 5 --budgets 0:3e6:1e6 --metric GHG \
		--shard 1/1 --output x.shard "$EX" &&
	refused "it is a run of 4 points but r.1.shard is of 12" r.1.shard x.shard r.3.shard &&
	tyche-run pareto --samples 200 --seed 5 --metric GHG --vs Cost --shard 2/3 --output x.shard "$EX" &&
	refused "x.shard: it is a run of 17 points" r.1.shard x.shard r.3.shard &&
	refused "1-4 of 12 are missing (shard 1/3)" r.2.shard r.3.shard
'

test_expect_success 'surface: another seed, design or sample count, or another kind, is refused' '
	tyche-run surface --samples 200 --seed 6 --shard 2/3 --output x.shard "$EX" &&
	refused "x.shard: its seed is 6 but u.1.shard" u.1.shard x.shard u.3.shard &&
	tyche-run surface --samples 200 --seed 5 --design lhs --shard 2/3 --output x.shard "$EX" &&
	refused "its sampling design is lhs but u.1.shard" u.1.shard x.shard u.3.shard &&
	tyche-run surface --samples 201 --seed 5 --shard 2/3 --output x.shard "$EX" &&
	refused "it is a run of 201 samples" u.1.shard x.shard u.3.shard &&
	refused "it is a shard of pareto but u.1.shard is of surface" u.1.shard r.2.shard u.3.shard
'

test_expect_success 'usage: --shard needs --output; more shards than points or samples' '
	test_expect_code 64 tyche-run surface --shard 1/2 "$EX" 2>err &&
	grep -F -- "--shard needs --output" err &&
	test_expect_code 64 tyche-run pareto --budgets 0:1:1 --shard 1/2 "$EX" 2>err &&
	grep -F -- "--shard needs --output" err &&
	test_expect_code 64 tyche-run surface --samples 3 --shard 1/4 --output x4 "$EX" 2>err &&
	grep -F "holds none: use at most 3 shards" err &&
	test_expect_code 64 tyche-run pareto --samples 20 --metric GHG --budgets 0:1:1 \
		--shard 1/3 --output x4 "$EX" 2>err &&
	grep -F "holds none: use at most 2 shards" err &&
	test_expect_code 64 tyche-run tornado --metric GHG --shard 1/2 --output x4 "$EX" 2>err &&
	grep -F "not built for this command (it is for evaluate, pareto, surface" err &&
	! test -e x4
'

test_skip_unless_shared

P="$SHARED/tyche/pv-residential-simple"

test_expect_success 'pv-residential-simple: pareto (budgets and vs) shards merge to one process'"'"'s' '
	pareto_equal "$P" --budgets 0:6e6:2e6 &&
	pareto_equal "$P" --metric LCOE --sense min --vs GHG
'

test_expect_success 'pv-residential-simple: surface shards merge to the surface file' '
	surface_equal "$P" --samples 333 &&
	surface_equal "$P" --samples 100 --design lhs
'

test_done
