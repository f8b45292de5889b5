#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# compare.sh - side-by-side CPU seconds of two builds of the tools on the
# same workloads, in one run, alternating old and new so machine load hits
# both alike (the machine is shared: compare ratios, not absolute times).
#
#   BEFORE=/path/to/old/build AFTER=/path/to/new/build sh t/perf/compare.sh
#
# AFTER defaults to $TYCHE_BUILD (this tree's build); without BEFORE the
# script only times AFTER.  Each figure is the median of REPS runs
# (default 3) of user+system CPU seconds.  Needs ../shared/reference.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
AFTER=${AFTER:-${TYCHE_BUILD:-$TOP/build}}
BEFORE=${BEFORE:-}
REPS=${REPS:-3}
REF=${TYCHE_SHARED:-$TOP/../shared/reference}
[ -d "$REF/tyche" ] || { echo "compare.sh: ../shared/reference absent, skipped"; exit 0; }
S=$REF/tyche/pv-residential-simple
L=$REF/tyche/pv-residential-large
M=$TOP/models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cpu BUILD CMD...: CPU seconds (user+sys) of one run, output discarded
cpu() {
	b=$1; shift
	tool=$1; shift
	/usr/bin/time -f '%U %S' -o "$tmp/t" "$b/bin/$tool" "$@" >/dev/null 2>"$tmp/err" ||
		{ echo "failed: $tool $*" >&2; tail -3 "$tmp/err" >&2; echo NaN; return; }
	awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/t"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bench() {
	name=$1; shift
	: >"$tmp/a"; : >"$tmp/b"
	i=0
	while [ $i -lt "$REPS" ]; do
		[ -n "$BEFORE" ] && cpu "$BEFORE" "$@" >>"$tmp/b"
		cpu "$AFTER" "$@" >>"$tmp/a"
		i=$((i + 1))
	done
	a=$(median <"$tmp/a")
	if [ -n "$BEFORE" ]; then
		b=$(median <"$tmp/b")
		awk -v n="$name" -v a="$a" -v b="$b" 'BEGIN {
			printf "%-44s before %7.3f s  after %7.3f s  before/after %6.2fx\n", n, b, a,
			       (a > 0 ? b / a : 0) }'
	else
		printf '%-44s %7.3f s\n' "$name" "$a"
	fi
}

C="--cache $tmp/cache"
for b in $BEFORE $AFTER; do   # warm both caches (not timed)
	"$b/bin/tyche-run" explore --samples 10000 $C --models "$M" "$S" >/dev/null 2>&1
	"$b/bin/tyche-run" explore --samples 10000 $C --models "$M" "$L" >/dev/null 2>&1
done
bench "evaluate simple 1e5, CSV" tyche-run evaluate --samples 100000 --models "$M" "$S"
bench "evaluate simple 1e5, --summary" tyche-run evaluate --summary --samples 100000 --models "$M" "$S"
bench "evaluate large 1e4, CSV" tyche-run evaluate --samples 10000 --models "$M" "$L"
bench "tranches large 1e4, CSV" tyche-run tranches --samples 10000 --models "$M" "$L"
bench "explore simple 1e4 (warm cache)" tyche-run explore --samples 10000 $C --models "$M" "$S"
bench "optimize simple 1e4 local (warm cache)" tyche-run optimize --metric LCOE --budget 3e6 --method local --samples 10000 $C --models "$M" "$S"
bench "optimize simple 1e4 auto mean (warm cache)" tyche-run optimize --metric LCOE --budget 3e6 --limit "GHG>=40" --method auto --samples 10000 $C --models "$M" "$S"
bench "optimize large 1e4 auto mean (warm cache)" tyche-run optimize --metric Capital --budget 2.5e7 --method auto --samples 10000 $C --models "$M" "$L"
bench "optimize simple 1e4 auto q10 (warm cache)" tyche-run optimize --metric LCOE --statistic q10 --budget 3e6 --method auto --samples 10000 $C --models "$M" "$S"
bench "optimize large 1e4 auto q10 (warm cache)" tyche-run optimize --metric Capital --statistic q10 --budget 2.5e7 --method auto --samples 10000 $C --models "$M" "$L"
bench "bounds large 1e4 (warm cache)" tyche-run bounds --samples 10000 $C --models "$M" "$L"
bench "tyche-report large 1e4, default sections" tyche-report --samples 10000 --no-cache --models "$M" "$L" -o "$tmp/r.html"
