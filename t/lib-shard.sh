# SPDX-License-Identifier: GPL-3.0-or-later
# lib-shard.sh - helpers of the shard and MPI tests (t63*.sh), sourced
# after test-lib.sh.
#
# refused CHECK-TEXT SHARDS...: `tyche-run merge -o out.csv SHARDS` exits
#   65, says CHECK-TEXT on stderr (left in ./err), and writes no out.csv
#   (nor its temporary file).
# unclock FILE: FILE with each Pareto point's wall-clock seconds blanked
#   (CSV row Seconds, JSON "seconds"): the one field two runs of one sweep
#   never share.
refused() {
	want=$1; shift
	rm -f out.csv out.csv.tmp.* &&
	test_expect_code 65 tyche-run merge -o out.csv "$@" 2>err &&
	cat err && grep -F -- "$want" err &&
	! ls out.csv* 2>/dev/null
}

unclock() {
	sed -e 's/,Seconds,,[0-9.]*,/,Seconds,,-,/' \
	    -e 's/"seconds":[[:space:]]*[-0-9.eE+]*/"seconds":-/' "$1"
}
