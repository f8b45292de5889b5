#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='evaluate --summary when the samples do not fit in --summary-memory:
rows in groups, or streamed (GSL mean and sd in sample order, quantiles by radix
selection over re-evaluations) -- the same bytes as in memory, on the bundled
example and every reference study, alone and split over MPI ranks'
. ./test-lib.sh

EX="$TOP/examples/electrolysis"

# same_summary CONTEXT N MEM: --summary with --summary-memory MEM equals the default
same_summary() {
	tyche-run evaluate --models "$TOP/models" --samples $2 --seed 9 --summary "$1" >mem.csv 2>/dev/null &&
	tyche-run evaluate --models "$TOP/models" --samples $2 --seed 9 --summary \
		--summary-memory $3 "$1" >small.csv 2>/dev/null &&
	cmp mem.csv small.csv
}

test_expect_success 'streamed (no row fits): the same bytes at N = 1, 2, 3, 10, 4097, 30001' '
	for n in 1 2 3 10 4097 30001; do
		same_summary "$EX" $n 8 || { echo "differs at N=$n"; exit 1; }
	done
'

test_expect_success 'rows in groups (some rows fit): the same bytes' '
	same_summary "$EX" 20000 400k &&
	same_summary "$EX" 20000 1M
'

test_expect_success 'JSON and the Latin hypercube design stream as well' '
	tyche-run evaluate --samples 9000 --summary --format json --design lhs "$EX" >mem.json &&
	tyche-run evaluate --samples 9000 --summary --format json --design lhs \
		--summary-memory 1k "$EX" >small.json &&
	cmp mem.json small.json
'

test_expect_success 'the thread count does not change a streamed summary' '
	tyche-run evaluate --samples 12345 --summary --summary-memory 1k --threads 1 "$EX" >t1.csv &&
	tyche-run evaluate --samples 12345 --summary --summary-memory 1k --threads 3 "$EX" >t3.csv &&
	cmp t1.csv t3.csv
'

test_expect_success 'a bad --summary-memory is refused' '
	test_expect_code 64 tyche-run evaluate --summary --summary-memory 0 "$EX" 2>err &&
	grep -F "is not a size" err &&
	test_expect_code 64 tyche-run evaluate --summary --summary-memory 12x "$EX"
'

if command -v mpirun >/dev/null 2>&1 && test -x "$BUILD/bin/tyche-mpi"; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
	test_expect_success 'streamed over 2 and 3 MPI ranks: the same bytes' '
		tyche-run evaluate --samples 25000 --summary "$EX" >mem.csv &&
		for np in 2 3; do
			ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
			timeout 300 mpirun --oversubscribe -np $np tyche-mpi evaluate --samples 25000 \
				--summary --summary-memory 1k --threads 1 "$EX" >m.csv &&
			cmp mem.csv m.csv || exit 1
		done
	'
else
	test_skip 'streamed over MPI ranks' 'no mpirun or tyche-mpi'
fi

test_skip_unless_shared

for c in pv-residential-large pv-residential-simple simple-electrolysis transport-model \
	 tutorial-basic tutorial-biorefinery utility-pv; do
	test_expect_success "$c: streamed summary equals the in-memory one" "
		same_summary \"\$SHARED/tyche/$c\" 20001 8
	"
done

test_done
