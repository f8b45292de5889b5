#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cluster.sh - benchmarks of issue 20 on pv-residential-simple, side by
# side in one run (CPU seconds and ratios; the machine is shared):
#  1. evaluate --summary on 1 and 2 MPI ranks (one thread each): parallel
#     efficiency = wall(1) / (2 x wall(2));
#  2. the same run as 2 shards started together, against one process (one
#     thread each); the merge's cost as a share of the run, for the CSV of
#     every sample and for --summary;
#  3. peak RSS per rank of a streamed --summary of 1e8 scenario-samples (10
#     scenarios x 1e7 samples) with --summary-memory 64M on 2 ranks
#     (target < 100 MB).  CLUSTER_BIG=0 skips it (it takes minutes).
# Skips what needs ../shared, mpirun or tyche-mpi when absent.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${TYCHE_BUILD:-$TOP/build}
RUN=$B/bin/tyche-run
MPI=$B/bin/tyche-mpi
TIMEIT=$B/bin/tyche-timeit
REF=${TYCHE_SHARED:-$TOP/../shared/reference}
CTX=$REF/tyche/pv-residential-simple
[ -d "$CTX" ] || { echo "cluster.sh: ../shared/reference absent, skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
N=${CLUSTER_N:-1000000}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$tmp/t"; }
now() { date +%s.%N; }
M="--models $TOP/models"

if command -v mpirun >/dev/null 2>&1 && [ -x "$MPI" ]; then
	for np in 1 2; do
		"$TIMEIT" -o "$tmp/t" -- mpirun --oversubscribe -np $np "$MPI" evaluate $M --summary \
			--samples $N --threads 1 "$CTX" >"$tmp/mpi$np.csv" || exit 1
		eval "w$np=$(field wall_s)"
		eval "u$np=$(field user_s)"
	done
	"$RUN" evaluate $M --summary --samples $N --threads 1 "$CTX" >"$tmp/one.csv"
	cmp -s "$tmp/one.csv" "$tmp/mpi1.csv" && cmp -s "$tmp/one.csv" "$tmp/mpi2.csv" &&
		same=byte-identical || same=DIFFERENT
	awk -v n=$N -v w1="$w1" -v w2="$w2" -v u1="$u1" -v u2="$u2" -v s=$same 'BEGIN {
		printf "MPI evaluate --summary, N=%d x 10 scenarios: 1 rank %.2f s wall (%.2f CPU s), 2 ranks %.2f s wall (%.2f CPU s): speed-up %.2fx, parallel efficiency %.0f%% (%s)\n",
			n, w1, u1, w2, u2, w1 / w2, 100 * w1 / (2 * w2), s }'
else
	echo "cluster.sh: no mpirun or tyche-mpi: MPI figures skipped"
fi

# 2. shards started together against one process; outputs to /dev/null
# (a CSV of every sample is GBs: disk speed would be measured, not ours);
# t6300 checks the bytes
for mode in samples summary; do
	opt=
	[ $mode = summary ] && opt=--summary
	"$TIMEIT" -o "$tmp/t" -- "$RUN" evaluate $M $opt --samples $N --threads 1 "$CTX" >/dev/null
	w1=$(field wall_s)
	c1=$(awk "BEGIN { print $(field user_s) + $(field sys_s) }")
	t0=$(now)
	"$RUN" evaluate $M $opt --samples $N --threads 1 --shard 1/2 --output "$tmp/a.shard" "$CTX" &
	"$RUN" evaluate $M $opt --samples $N --threads 1 --shard 2/2 --output "$tmp/b.shard" "$CTX" &
	wait
	t1=$(now)
	"$TIMEIT" -o "$tmp/t" -- "$RUN" merge --threads 1 -o - "$tmp/a.shard" "$tmp/b.shard" >/dev/null
	wm=$(field wall_s)
	cm=$(awk "BEGIN { print $(field user_s) + $(field sys_s) }")
	sz=$(stat -c %s "$tmp/a.shard")
	awk -v m=$mode -v n=$N -v w1="$w1" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v wm="$wm" -v cm="$cm" -v sz="$sz" 'BEGIN {
		ws = t1 - t0;
		printf "shards (%s), N=%d: one process %.2f s wall (%.2f CPU s); 2 shards together %.2f s wall (speed-up %.2fx, efficiency %.0f%%); merge on one thread %.2f s wall, %.2f CPU s = %.0f%% of the one-process CPU (a shard file %.1f MB)\n",
			m, n, w1, c1, ws, w1 / ws, 100 * w1 / (2 * ws), wm, cm, 100 * cm / c1, sz / 1048576 }'
	rm -f "$tmp/a.shard" "$tmp/b.shard"
done

# 3. peak RSS per rank, 1e8 scenario-samples streamed
if [ "${CLUSTER_BIG:-1}" = 1 ] && command -v mpirun >/dev/null 2>&1 && [ -x "$MPI" ]; then
	t0=$(now)
	mpirun --oversubscribe -np 2 sh -c 'exec /usr/bin/time -o "$0.$OMPI_COMM_WORLD_RANK" \
		-f "%M %U %S" "$@"' "$tmp/rss" "$MPI" evaluate $M --summary --summary-memory 64M \
		--samples 10000000 --threads 1 "$CTX" >"$tmp/big.csv" 2>"$tmp/big.err" ||
		{ cat "$tmp/big.err"; exit 1; }
	t1=$(now)
	for r in 0 1; do
		awk -v r=$r -v t0="$t0" -v t1="$t1" '{ printf "1e8 scenario-samples, streamed --summary --summary-memory 64M, 2 ranks, %.0f s wall: rank %d peak RSS %.1f MB, %.1f CPU s\n", t1 - t0, r, $1 / 1024, $2 + $3 }' "$tmp/rss.$r"
	done
fi
