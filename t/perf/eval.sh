#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# eval.sh - benchmarks of issues 2-3: loading the largest reference
# context; scenario-samples per second for pv-residential-simple and -large
# at N = 1e5 and 1e6, to /dev/null and with --summary, on 1 and 2
# threads (issue 17's targets are per CPU-second, user time, and 2 threads
# against 1 in wall time); peak RSS.  Skips what needs ../shared when it
# is absent.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${TYCHE_BUILD:-$TOP/build}
RUN=$B/bin/tyche-run
TIMEIT=$B/bin/tyche-timeit
REF=${TYCHE_SHARED:-$TOP/../shared/reference}
[ -d "$REF/tyche" ] || { echo "eval.sh: ../shared/reference absent, skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$tmp/t"; }

"$TIMEIT" -r 20 -o "$tmp/t" -- "$RUN" check --models "$TOP/models" "$REF/tyche/pv-residential-large" >/dev/null
echo "load+validate+compile pv-residential-large: $(awk "BEGIN { printf \"%.2f\", $(field wall_s) * 1000 }") ms (best of 20)"

for ctx in pv-residential-simple pv-residential-large; do
	nscen=$(tail -n +2 "$REF/tyche/$ctx/designs.csv" | cut -d, -f2 | sort -u | wc -l)
	for n in 100000 1000000; do
		for mode in stream summary; do
			for th in 1 2; do
				opt=
				[ $mode = summary ] && opt=--summary
				"$TIMEIT" -o "$tmp/t" -- "$RUN" evaluate $opt --samples $n --threads $th \
					--models "$TOP/models" "$REF/tyche/$ctx" >/dev/null || continue
				w=$(field wall_s)
				u=$(field user_s)
				rss=$(field maxrss_kb)
				awk -v c=$ctx -v n=$n -v m=$mode -v th=$th -v s=$nscen -v w="$w" -v u="$u" -v r="$rss" 'BEGIN {
					printf "%s N=%d %s threads=%s: %.2f s wall, %.3g scenario-samples/s, %.3g per CPU-second, peak RSS %.1f MB\n",
						c, n, m, th, w, s * n / w, s * n / u, r / 1024 }'
			done
		done
	done
done
