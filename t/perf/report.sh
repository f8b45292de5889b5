#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# report.sh - benchmark of issue 6: time to write the HTML report of
# pv-residential-large with every section (--include all), at 1000 and
# 10000 samples, with the response surface built from scratch (--no-cache)
# and loaded from a warm cache; the report's size and plot count.  The
# surface build and the tornado dominate; the HTML itself is milliseconds.
# Skips when ../shared/reference is absent.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${TYCHE_BUILD:-$TOP/build}
REPORT=$B/bin/tyche-report
REF=${TYCHE_SHARED:-$TOP/../shared/reference}
CTX=$REF/tyche/pv-residential-large
[ -d "$CTX" ] || { echo "report.sh: ../shared/reference absent, skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Wall seconds of one run of "$@" (stdout and stderr to files in $tmp).
wall() {
	if [ -x "$B/bin/tyche-timeit" ]; then
		"$B/bin/tyche-timeit" -o "$tmp/t" -- "$@" >"$tmp/out" 2>"$tmp/err" || return 1
		sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$tmp/t"
	else
		s=$(date +%s.%N)
		"$@" >"$tmp/out" 2>"$tmp/err" || return 1
		e=$(date +%s.%N)
		awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
	fi
}

status=0
for n in 1000 10000; do
	for cache in cold warm; do
		opt="--cache $tmp/cache"
		[ $cache = cold ] && opt=--no-cache
		# warm: build the cache first
		[ $cache = warm ] && "$REPORT" --include optimise --samples $n $opt \
			--models "$TOP/models" "$CTX" -o "$tmp/warmup.html" 2>/dev/null
		w=$(wall "$REPORT" --include all --csv --samples $n $opt --models "$TOP/models" \
			"$CTX" -o "$tmp/r.html") || { echo "report.sh: N=$n $cache failed"; cat "$tmp/err"; status=1; continue; }
		size=$(wc -c <"$tmp/r.html")
		plots=$(grep -c '<figure class="plot"' "$tmp/r.html")
		printf 'pv-residential-large --include all N=%d %s surface: %.2f s wall, %.1f kB HTML, %d plots\n' \
			"$n" "$cache" "$w" "$(awk -v s="$size" 'BEGIN { print s / 1024 }')" "$plots"
	done
done
exit $status
