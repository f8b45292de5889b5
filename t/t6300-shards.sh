#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='evaluate --shard I/N and tyche-run merge: byte-identical to one process
(CSV, JSON, summary) for N = 1, 2, 3, 7 on the bundled example and every
reference study; mismatched, damaged, overlapping or incomplete shard sets are
refused with a message naming the problem, and nothing is written'
. ./test-lib.sh
. "$TEST_DIR/lib-shard.sh"

EX="$TOP/examples/electrolysis"

# shards_equal CONTEXT SAMPLES [extra evaluate options]: for N in 1 2 3 7,
# the merged CSV and summary equal one process's, byte for byte.
shards_equal() {
	ctx=$1; n=$2; shift 2
	tyche-run evaluate --models "$TOP/models" --samples $n --seed 11 "$@" "$ctx" >one.csv &&
	tyche-run evaluate --models "$TOP/models" --samples $n --seed 11 --summary "$@" "$ctx" >one-sum.csv &&
	for N in 1 2 3 7; do
		rm -f part-*.shard &&
		i=1 && while [ $i -le $N ]; do
			tyche-run evaluate --models "$TOP/models" --samples $n --seed 11 "$@" \
				--shard $i/$N --output part-$i.shard "$ctx" || return 1
			i=$((i + 1))
		done &&
		tyche-run merge -o merged.csv part-*.shard &&
		cmp one.csv merged.csv &&
		tyche-run merge --summary -o merged-sum.csv part-*.shard &&
		cmp one-sum.csv merged-sum.csv || { echo "differs at N=$N"; return 1; }
	done
}

test_expect_success 'bundled example: shards of 1, 2, 3, 7 merge to the same CSV and summary' '
	shards_equal "$EX" 1001
'

test_expect_success 'JSON, and a summary asked for at shard time, come out as one process writes them' '
	tyche-run evaluate --samples 500 --format json "$EX" >one.json &&
	tyche-run evaluate --samples 500 --format json --summary "$EX" >one-sum.json &&
	tyche-run evaluate --samples 500 --format json --shard 1/2 --output a.shard "$EX" &&
	tyche-run evaluate --samples 500 --format json --shard 2/2 --output b.shard "$EX" &&
	tyche-run merge -o m.json a.shard b.shard && cmp one.json m.json &&
	tyche-run merge --summary -o m-sum.json b.shard a.shard && cmp one-sum.json m-sum.json &&
	tyche-run evaluate --samples 500 --summary --shard 1/2 --output s1.shard "$EX" &&
	tyche-run evaluate --samples 500 --summary --shard 2/2 --output s2.shard "$EX" &&
	tyche-run evaluate --samples 500 --summary "$EX" >one-sum.csv &&
	tyche-run merge -o - s1.shard s2.shard >m-sum.csv && cmp one-sum.csv m-sum.csv
'

test_expect_success 'Latin hypercube and quasi-Monte-Carlo designs shard too (strata over all N)' '
	shards_equal "$EX" 700 --design lhs &&
	shards_equal "$EX" 300 --design qmc
'

test_expect_success 'a shard file does not depend on the thread count' '
	tyche-run evaluate --samples 2000 --threads 1 --shard 2/3 --output t1.shard "$EX" &&
	tyche-run evaluate --samples 2000 --threads 3 --shard 2/3 --output t3.shard "$EX" &&
	cmp t1.shard t3.shard
'

test_expect_success 'shards of different splits that tile the run merge as well' '
	tyche-run evaluate --samples 600 "$EX" >one.csv &&
	tyche-run evaluate --samples 600 --shard 1/2 --output h1.shard "$EX" &&
	tyche-run evaluate --samples 600 --shard 3/4 --output q3.shard "$EX" &&
	tyche-run evaluate --samples 600 --shard 4/4 --output q4.shard "$EX" &&
	tyche-run merge -o m.csv q4.shard h1.shard q3.shard && cmp one.csv m.csv
'

test_expect_success 'setup: shards 1/3, 2/3, 3/3 of one run' '
	for i in 1 2 3; do
		tyche-run evaluate --samples 300 --seed 5 --shard $i/3 --output r$i.shard "$EX" || exit 1
	done
'

test_expect_success 'a missing shard is named, with its samples' '
	refused "samples 101-200 of 300 are missing (shard 2/3)" r1.shard r3.shard &&
	refused "samples 201-300 of 300 are missing (shard 3/3)" r1.shard r2.shard &&
	refused "samples 1-100 of 300 are missing (shard 1/3)" r2.shard r3.shard
'

test_expect_success 'a shard given twice, and overlapping splits, are refused' '
	cp r2.shard again.shard &&
	refused "shard 2/3 (samples 101-200) is given twice" r1.shard r2.shard again.shard r3.shard &&
	tyche-run evaluate --samples 300 --seed 5 --shard 1/2 --output half.shard "$EX" &&
	refused "overlap samples 1-150 of half.shard (shard 1/2)" half.shard r2.shard r3.shard
'

test_expect_success 'another seed, sample count or design is refused, naming the setting' '
	tyche-run evaluate --samples 300 --seed 6 --shard 2/3 --output seed6.shard "$EX" &&
	refused "seed6.shard: its seed is 6 but r1.shard" r1.shard seed6.shard r3.shard &&
	tyche-run evaluate --samples 301 --seed 5 --shard 2/3 --output n301.shard "$EX" &&
	refused "it is a run of 301 samples" r1.shard n301.shard r3.shard &&
	tyche-run evaluate --samples 300 --seed 5 --design lhs --shard 2/3 --output lhs.shard "$EX" &&
	refused "its sampling design is lhs" r1.shard lhs.shard r3.shard
'

test_expect_success 'another version of the study is refused' '
	cp -r "$EX" changed &&
	sed -i "2s/\$/ /" changed/designs.csv &&
	tyche-run check changed >/dev/null &&
	test "$(tyche-run check "$EX" | grep ^hash)" != "$(tyche-run check changed | grep ^hash)" &&
	tyche-run evaluate --samples 300 --seed 5 --shard 2/3 --output v2.shard changed &&
	refused "its study version (hash) is" r1.shard v2.shard r3.shard
'

test_expect_success 'a damaged, truncated or foreign file is refused' '
	cp r2.shard bad.shard &&
	printf X | dd of=bad.shard bs=1 seek=3000 conv=notrunc 2>/dev/null &&
	refused "bad.shard: the shard" r1.shard bad.shard r3.shard &&
	grep -F "checksum does not match" err &&
	head -c 2000 r2.shard >short.shard &&
	refused "short.shard: the shard" r1.shard short.shard r3.shard &&
	tyche-run evaluate --samples 3 "$EX" >plain.csv &&
	refused "plain.csv: not a shard file" r1.shard plain.csv r3.shard &&
	: >empty.shard && refused "empty.shard: not a shard file" empty.shard &&
	test_expect_code 66 tyche-run merge -o out.csv r1.shard nosuch.shard 2>err &&
	grep -F "nosuch.shard: cannot open the shard" err && ! test -e out.csv
'

test_expect_success 'usage errors: bad I/N, --shard without --output, --shard on another command' '
	test_expect_code 64 tyche-run evaluate --shard 4/3 --output x "$EX" 2>err &&
	grep -F "expected I/N" err &&
	test_expect_code 64 tyche-run evaluate --shard 0/3 --output x "$EX" &&
	test_expect_code 64 tyche-run evaluate --shard 1/x --output x "$EX" &&
	test_expect_code 64 tyche-run evaluate --shard 1/2 "$EX" 2>err &&
	grep -F -- "--shard needs --output" err &&
	test_expect_code 64 tyche-run explore --shard 1/2 "$EX" 2>err &&
	grep -F "not built for this command" err &&
	test_expect_code 64 tyche-run merge r1.shard 2>err && grep -F -- "-o OUT" err &&
	! test -e x
'

test_skip_unless_shared

for c in pv-residential-large pv-residential-simple simple-electrolysis transport-model \
	 tutorial-basic tutorial-biorefinery utility-pv; do
	test_expect_success "$c: shards of 1, 2, 3, 7 merge to the single-process CSV and summary" "
		shards_equal \"\$SHARED/tyche/$c\" 333
	"
done

test_done
