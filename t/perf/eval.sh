#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# eval.sh - benchmarks of issues 2-3: loading the largest reference
# context; scenario-samples per second for pv-residential-simple and -large
# at N = 1e5 and 1e6, to /dev/null and with --summary, on 1 and 2
# threads (issue 17's targets are per CPU-second, user time, and 2 threads
# against 1 in wall time); peak RSS.  Skips what needs ../shared when it
# is absent.  EVAL_REPS=k (default 3) rounds, medians reported.
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

# Each (study, N, mode) runs 1 and 2 threads alternately EVAL_REPS times
# (default 3; the machine is shared, so one run can be 20 % off): the
# figures are medians, and the 2-thread ratio is the median of the
# per-round ratios of wall time.
REPS=${EVAL_REPS:-3}
status=0
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for ctx in pv-residential-simple pv-residential-large; do
	nscen=$(tail -n +2 "$REF/tyche/$ctx/designs.csv" | cut -d, -f2 | sort -u | wc -l)
	for n in 100000 1000000; do
		for mode in stream summary; do
			opt=
			[ $mode = summary ] && opt=--summary
			: >"$tmp/runs"
			failed=
			rep=1
			while [ $rep -le "$REPS" ]; do
				for th in 1 2; do
					"$TIMEIT" -o "$tmp/t" -- "$RUN" evaluate $opt --samples $n --threads $th \
						--models "$TOP/models" "$REF/tyche/$ctx" >/dev/null || { failed=1; break 2; }
					echo "$rep $th $(field wall_s) $(field user_s) $(field maxrss_kb)" >>"$tmp/runs"
				done
				rep=$((rep + 1))
			done
			if [ -n "$failed" ]; then
				echo "$ctx N=$n $mode: evaluate failed" >&2
				status=1
				continue
			fi
			for th in 1 2; do
				w=$(awk -v t=$th '$2 == t { print $3 }' "$tmp/runs" | med)
				u=$(awk -v t=$th '$2 == t { print $4 }' "$tmp/runs" | med)
				rss=$(awk -v t=$th '$2 == t { print $5 }' "$tmp/runs" | med)
				ratio=
				if [ $th = 2 ]; then
					ratio=$(awk '{ w[$1, $2] = $3 } END { for (r = 1; w[r, 1] != ""; r++) if (w[r, 2] > 0) print w[r, 1] / w[r, 2] }' "$tmp/runs" | med)
				fi
				awk -v c=$ctx -v n=$n -v m=$mode -v th=$th -v s=$nscen -v w="$w" -v u="$u" -v r="$rss" \
					-v k="$REPS" -v x="$ratio" 'BEGIN {
					printf "%s N=%d %s threads=%s: %.2f s wall, %.3g scenario-samples/s, %.3g per CPU-second, peak RSS %.1f MB (median of %d)%s\n",
						c, n, m, th, w, s * n / w, s * n / u, r / 1024, k,
						x != "" ? sprintf("; 2 threads / 1: %.2fx", x) : "" }'
			done
		done
	done
done
exit $status
