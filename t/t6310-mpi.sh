#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='evaluate over MPI ranks (tyche-mpi, make MPI=1): 1, 2 and 4 ranks
give output byte-identical to one process (CSV, JSON, summary) on the bundled
example and every reference study; tyche-run started by mpirun hands over to
tyche-mpi; a rank killed mid-run ends the job within seconds, naming the rank'
. ./test-lib.sh
. "$TEST_DIR/lib-shard.sh"

EX="$TOP/examples/electrolysis"
# OpenMPI refuses root unless told; CI runs as root
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# loopback only, no network probing beyond this machine
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo

if ! command -v mpirun >/dev/null 2>&1 || ! test -x "$BUILD/bin/tyche-mpi"; then
	test_skipped_all='no mpirun or no tyche-mpi (make deps; make MPI=1)'
fi

# Under SANITIZE=1, OpenMPI's own allocations (hwloc, PMIx) are reported
# as leaks at exit: leak checking is off for MPI runs, the rest stays on.
run_mpi() {
	np=$1; shift
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" timeout 300 mpirun --oversubscribe -np $np "$@"
}

# ranks_equal CONTEXT SAMPLES: 1, 2 and 4 ranks equal one process.
ranks_equal() {
	ctx=$1; n=$2
	tyche-run evaluate --models "$TOP/models" --samples $n --seed 3 "$ctx" >one.csv &&
	tyche-run evaluate --models "$TOP/models" --samples $n --seed 3 --summary "$ctx" >one-sum.csv &&
	for np in 1 2 4; do
		run_mpi $np tyche-mpi evaluate --models "$TOP/models" --samples $n --seed 3 \
			--threads 1 --output m.csv "$ctx" &&
		cmp one.csv m.csv &&
		run_mpi $np tyche-mpi evaluate --models "$TOP/models" --samples $n --seed 3 \
			--threads 1 --summary "$ctx" >m-sum.csv &&
		cmp one-sum.csv m-sum.csv || { echo "differs with $np ranks"; return 1; }
	done
}

test_expect_success 'bundled example: 1, 2 and 4 ranks write what one process writes' '
	ranks_equal "$EX" 5000
'

test_expect_success 'JSON and threads within ranks: still the same bytes' '
	tyche-run evaluate --samples 3000 --format json "$EX" >one.json &&
	run_mpi 2 tyche-mpi evaluate --samples 3000 --format json --threads 2 "$EX" >m.json &&
	cmp one.json m.json &&
	tyche-run evaluate --samples 3000 --format json --summary "$EX" >one-sum.json &&
	run_mpi 3 tyche-mpi evaluate --samples 3000 --format json --summary "$EX" >m-sum.json &&
	cmp one-sum.json m-sum.json
'

test_expect_success 'summary rows held in groups (a memory bound) split over ranks as well' '
	tyche-run evaluate --samples 20000 --summary "$EX" >one-sum.csv &&
	run_mpi 2 tyche-mpi evaluate --samples 20000 --summary --threads 1 "$EX" >m-sum.csv &&
	cmp one-sum.csv m-sum.csv
'

test_expect_success 'mpirun tyche-run hands over to tyche-mpi (no rank does the whole run twice)' '
	tyche-run evaluate --samples 2000 "$EX" >one.csv &&
	run_mpi 2 tyche-run evaluate --samples 2000 --threads 1 "$EX" >m.csv &&
	cmp one.csv m.csv
'

test_expect_success 'only rank 0 writes: the other ranks never open --output' '
	run_mpi 2 tyche-mpi evaluate --samples 100 --output only.csv "$EX" &&
	test $(ls only.csv* | wc -l) = 1
'


test_expect_success 'sensitivity, voi, surface and pareto: 2 and 3 ranks (shards) equal one process' '
	tyche-run sensitivity --amount "Stack R&D=1e6" --samples 400 "$EX" >sens1.csv &&
	tyche-run voi --metric Cost --sense max --samples 400 --format json "$EX" >voi1.json &&
	tyche-run surface --samples 300 --output surf1.bin "$EX" >/dev/null &&
	tyche-run pareto --samples 100 --budgets 0:3e6:1e6 --metric Cost "$EX" >par1.csv &&
	for np in 2 3; do
		run_mpi $np tyche-mpi sensitivity --amount "Stack R&D=1e6" --samples 400 "$EX" >sens.csv &&
		cmp sens1.csv sens.csv &&
		run_mpi $np tyche-run voi --metric Cost --sense max --samples 400 --format json \
			--output voi.json "$EX" &&
		cmp voi1.json voi.json &&
		run_mpi $np tyche-mpi surface --samples 300 --output surf.bin "$EX" >path &&
		cmp surf1.bin surf.bin && test "$(cat path)" = surf.bin &&
		run_mpi $np tyche-mpi pareto --samples 100 --budgets 0:3e6:1e6 --metric Cost "$EX" >par.csv &&
		unclock par1.csv >a && unclock par.csv >b && cmp a b || { echo "differs with $np ranks"; exit 1; }
	done &&
	! ls "${TMPDIR:-/tmp}"/tyche-mpi.* 2>/dev/null
'

test_expect_success 'surface over ranks needs --output (never the binary file on stdout)' '
	test_must_fail run_mpi 2 tyche-mpi surface --samples 100 "$EX" >out 2>err &&
	grep -F -- "--output FILE" err && ! test -s out
'

test_expect_success 'a command not split over ranks is refused, not run K times' '
	test_must_fail run_mpi 2 tyche-mpi explore --amount "Stack R&D=1" "$EX" >out 2>err &&
	grep -F "'\''explore'\'' is not split over ranks" err &&
	! test -s out
'

# Every rank loads the study and fails; whichever reaches MPI_Abort first
# ends the others, so the message may name rank 0 or rank 1 (and when
# the abort outruns our line, only OpenMPI's own MPI_ABORT notice names it).
test_expect_success 'a bad study fails on every rank with its message, and the job ends' '
	mkdir broken && cp "$EX"/* broken/ &&
	sed -i "2s/,9,/,nine,/" broken/parameters.csv &&
	test_must_fail run_mpi 2 tyche-mpi evaluate --samples 10 broken >out 2>err &&
	grep -F "parameters.csv:2:" err && grep -E "rank [01] of 2 failed|MPI_ABORT was invoked on rank [01]" err && ! test -s out
'

test_expect_success 'a rank killed mid-run ends the job within seconds, naming the rank' '
	( run_mpi 2 tyche-mpi evaluate --samples 5000000 --threads 1 --output big.csv "$EX" \
		>/dev/null 2>kill.err; echo $? >kill.rc ) &
	pid=
	for i in $(seq 1 100); do
		for p in $(pgrep -f "tyche-mpi evaluate --samples 5000000"); do
			tr "\000" "\n" </proc/$p/environ 2>/dev/null |
				grep -qx OMPI_COMM_WORLD_RANK=1 && pid=$p
		done
		test -n "$pid" && break
		sleep 0.1
	done &&
	test -n "$pid" && sleep 1 && kill -9 $pid &&
	t0=$(date +%s) &&
	while ! test -s kill.rc; do
		sleep 0.2
		test $(($(date +%s) - t0)) -lt 30 || { echo "job still running"; exit 1; }
	done &&
	t1=$(date +%s) && echo "ended after $((t1 - t0)) s" &&
	test $((t1 - t0)) -le 10 &&
	test "$(cat kill.rc)" != 0 &&
	cat kill.err && grep -E "rank 1\b" kill.err
'

test_skip_unless_shared

for c in pv-residential-large pv-residential-simple simple-electrolysis transport-model \
	 tutorial-basic tutorial-biorefinery utility-pv; do
	test_expect_success "$c: 1, 2 and 4 ranks equal one process (CSV and summary)" "
		ranks_equal \"\$SHARED/tyche/$c\" 2500
	"
done

test_done
