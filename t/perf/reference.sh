#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reference.sh - issue 17's whole-pipeline benchmark: CPU seconds of the
# same pipeline run by NREL's Python Tyche (the reference) and by our
# tyche-run, side by side in one run, alternating the two so machine load
# hits both alike, and their ratio with the reference's import excluded and
# included, for CSV output and for evaluate --summary.
#
#   TYCHE_REFERENCE_SRC=/dir/holding/the/tyche/package \
#   N="1000 10000" STUDIES="pv-residential-simple" REPS=3 sh t/perf/reference.sh
#
# The reference is not part of this tree: TYCHE_REFERENCE_SRC names a
# directory holding its `tyche` package (unset: the script says so and
# exits 0); TYCHE_REFERENCE_PYTHON is the Python with numpy, pandas and
# scipy (default /usr/bin/python3).  Its models are imported as the
# package `technology` from ../shared/reference/python-models, copied to a
# temporary directory; the study's CSV tables are read in place (the
# reference's Designs and Investments must accept the study directory).
#
# Per study, N and repetition, each side does the same work at the same N
# (the reference draws from numpy's unseeded generator, ours from seed 1:
# the samples differ, not their number; both SLSQPs reach the same optimum
# on pv-residential-simple):
#   reference (the Python driver below, one process): load Designs and
#     Investments, designs.compile(); evaluate_scenarios(N) written with
#     DataFrame.to_csv (CSV) - and again, reduced to per-row mean, std,
#     q10, q50, q90 written to CSV (summary); evaluate_tranches(N), its
#     metrics to CSV; evaluate_investments(N), its summary to CSV;
#     Evaluator(tranches with amounts parsed, summary) (the surface: one
#     interpolator per category, metric and sample); evaluate_statistic(mean) at half of
#     each category's largest amount; one maximize_slsqp(METRIC,
#     total_amount=BUDGET, mean) from 10 % of the upper limits.
#   ours (one process per command): evaluate --samples N --output F (CSV)
#     and evaluate --summary (summary); tranches and investments --output
#     F; surface --cache D (built afresh); explore --statistic mean at the
#     same amounts; optimize --metric METRIC --budget BUDGET --method
#     local (SLSQP, same start) with the cache of the surface step.
# The reference's steps are timed in-process (time.process_time, user +
# system) and its whole process with /usr/bin/time; our commands with
# tyche-timeit (getrusage, ms) when built, else /usr/bin/time.  The
# reference's CSV pipeline is its whole process minus the summary step,
# its summary pipeline the whole process minus the CSV step; ours are the
# sums of the commands' medians.  The import figure is a separate process
# that only starts Python and imports numpy, pandas, scipy and tyche;
# "import excl." subtracts it.  Each figure is the median of REPS runs.
# The last two lines leave the SLSQP step out on both sides: the
# reference's SLSQP evaluates its surface with a pandas row-wise apply over
# categories x metrics x N interpolators per call, and is 95 % of its time
# at N=1e4, so they show the rest of the pipeline.  One repetition of the
# reference takes ~11 CPU minutes for pv-residential-simple at N=1e4 and
# ~3 for -large at N=100 (SLSQP grows with N: -large at 1e4 would take hours).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${TYCHE_BUILD:-$TOP/build}
RUN=$B/bin/tyche-run
REPS=${REPS:-3}
N=${N:-10000}
STUDIES=${STUDIES:-pv-residential-simple}
REF=${TYCHE_SHARED:-$TOP/../shared/reference}
PY=${TYCHE_REFERENCE_PYTHON:-/usr/bin/python3}
[ -n "${TYCHE_REFERENCE_SRC:-}" ] || { echo "reference.sh: TYCHE_REFERENCE_SRC unset, skipped"; exit 0; }
[ -d "$TYCHE_REFERENCE_SRC/tyche" ] ||
	{ echo "reference.sh: no tyche package in $TYCHE_REFERENCE_SRC" >&2; exit 1; }
[ -d "$REF/tyche" ] && [ -d "$REF/python-models" ] ||
	{ echo "reference.sh: ../shared/reference absent, skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/pkg/technology"
cp "$REF"/python-models/*.py "$tmp/pkg/technology/"
: >"$tmp/pkg/technology/__init__.py"
export PYTHONPATH="$tmp/pkg:$TYCHE_REFERENCE_SRC"

cat >"$tmp/driver.py" <<'EOF'
# The reference's pipeline; argv: mode study N outdir metric budget
# (mode "import" stops after the imports).  Prints "step=cpu_s ..." last.
import sys, os, time, warnings
mode, study, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
import numpy as np, pandas as pd
import scipy.stats, scipy.optimize, scipy.interpolate
import tyche as ty
if mode == "import":
    sys.exit(0)
warnings.simplefilter("ignore")   # pandas FutureWarnings of the reference
T = {}
t0 = time.process_time()
def lap(name):
    global t0
    t = time.process_time(); T[name] = t - t0; t0 = t
designs = ty.Designs(study, "")
investments = ty.Investments(study, "")
designs.compile()
lap("load")
res = designs.evaluate_scenarios(sample_count=n)
res.to_csv(os.path.join(out, "evaluate.csv"))
del res
lap("eval_csv")
res = designs.evaluate_scenarios(sample_count=n)
g = res.groupby(level=["Technology", "Scenario", "Variable", "Index"]).Value
pd.DataFrame({"mean": g.mean(), "std": g.std(), "q10": g.quantile(0.1),
              "q50": g.quantile(0.5), "q90": g.quantile(0.9)}
             ).to_csv(os.path.join(out, "summary.csv"))
del res, g
lap("eval_summary")
tr = investments.evaluate_tranches(designs, sample_count=n)
tr.metrics.to_csv(os.path.join(out, "tranches.csv"))
lap("tranches")
inv = investments.evaluate_investments(designs, tranche_results=tr, sample_count=n)
inv.summary.to_csv(os.path.join(out, "investments.csv"))
lap("investments")
# Amounts as floats: the tranches table is read as text
ev = ty.Evaluator(investments.compiled_tranches[["Amount"]], tr.summary)
lap("surface")
half = pd.Series(ev.max_amount.Amount.values / 2, name="Amount", index=ev.max_amount.index)
ev.evaluate_statistic(half, np.mean).to_csv(os.path.join(out, "statistic.csv"))
lap("statistic")
opt = ty.EpsilonConstraintOptimizer(ev).maximize_slsqp(
    sys.argv[5], total_amount=float(sys.argv[6]), statistic=np.mean)
lap("slsqp")
print("optimum:", opt.exit_message, dict(opt.amounts), file=sys.stderr)
print(" ".join("%s=%.3f" % kv for kv in T.items()), file=sys.stderr)
EOF

# cpu CMD...: CPU seconds (user+sys) of one run, output discarded; from
# getrusage by tyche-timeit (ms), else /usr/bin/time (10 ms steps)
TIMEIT=$B/bin/tyche-timeit
cpu() {
	if [ -x "$TIMEIT" ]; then
		"$TIMEIT" -o "$tmp/t" -- "$@" >/dev/null 2>"$tmp/err" &&
			sed 's/.*user_s=\([0-9.]*\) sys_s=\([0-9.]*\).*/\1 \2/' "$tmp/t" >"$tmp/us"
	else
		/usr/bin/time -f '%U %S' -o "$tmp/us" "$@" >/dev/null 2>"$tmp/err"
	fi || { echo "failed: $*" >&2; tail -3 "$tmp/err" >&2; echo NaN; return; }
	awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/us"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# add NAME VALUE: append a figure of this repetition
add() { echo "$2" >>"$tmp/f.$1"; }
med() { median <"$tmp/f.$1"; }

for study in $STUDIES; do
	S=$REF/tyche/$study
	[ -d "$S" ] || { echo "reference.sh: no study $study" >&2; continue; }
	case $study in
	pv-residential-large) metric=Capital budget=2.5e7 ;;
	*) metric=LCOE budget=3e6 ;;
	esac
	# half of each category's largest tranche amount (the statistic step),
	# one argument a line: category names hold spaces
	amounts=$(awk -F, 'NR > 1 && (!($1 in m) || $4 + 0 > m[$1] + 0) { m[$1] = $4 }
		END { for (c in m) printf "--amount\n%s=%.17g\n", c, m[c] / 2 }' "$S/tranches.csv")
	for n in $N; do
		rm -f "$tmp"/f.*
		i=0
		while [ $i -lt "$REPS" ]; do
			o=$tmp/o; rm -rf "$o"; mkdir -p "$o"
			add ref_import "$(cpu "$PY" "$tmp/driver.py" import "$S" "$n" "$o")"
			/usr/bin/time -f '%U %S' -o "$tmp/t" "$PY" "$tmp/driver.py" run "$S" "$n" "$o" \
				"$metric" "$budget" >/dev/null 2>"$tmp/err" ||
				{ echo "reference failed ($study, N=$n):" >&2; tail -5 "$tmp/err" >&2; break; }
			tot=$(awk '{ printf "%.3f", $1 + $2 }' "$tmp/t")
			laps=$(tail -1 "$tmp/err")
			for kv in $laps; do add "ref_${kv%%=*}" "${kv#*=}"; done
			ec=$(echo "$laps" | sed -n 's/.*eval_csv=\([0-9.]*\).*/\1/p')
			es=$(echo "$laps" | sed -n 's/.*eval_summary=\([0-9.]*\).*/\1/p')
			add ref_csv "$(awk -v t="$tot" -v e="$es" 'BEGIN { printf "%.3f", t - e }')"
			add ref_sum "$(awk -v t="$tot" -v e="$ec" 'BEGIN { printf "%.3f", t - e }')"

			M="--models $TOP/models"
			rm -rf "$o/cache"
			add our_eval_csv "$(cpu "$RUN" evaluate --samples "$n" $M --output "$o/e.csv" "$S")"
			add our_eval_summary "$(cpu "$RUN" evaluate --summary --samples "$n" $M --output "$o/s.csv" "$S")"
			add our_tranches "$(cpu "$RUN" tranches --samples "$n" $M --output "$o/t.csv" "$S")"
			add our_investments "$(cpu "$RUN" investments --samples "$n" $M --output "$o/i.csv" "$S")"
			add our_surface "$(cpu "$RUN" surface --samples "$n" --cache "$o/cache" $M "$S")"
			IFS='
'
			# shellcheck disable=SC2086
			add our_statistic "$(cpu "$RUN" explore $amounts --statistic mean --samples "$n" \
				--cache "$o/cache" --models "$TOP/models" "$S")"
			unset IFS
			add our_slsqp "$(cpu "$RUN" optimize --metric "$metric" --budget "$budget" --method local \
				--samples "$n" --cache "$o/cache" $M "$S")"
			i=$((i + 1))
		done
		[ -s "$tmp/f.ref_csv" ] || continue
		# our totals: the sums of the medians of each command
		oc=0; os=0
		for k in tranches investments surface statistic slsqp; do
			oc=$(awk -v a="$oc" -v b="$(med our_$k)" 'BEGIN { printf "%.3f", a + b }')
		done
		os=$(awk -v a="$oc" -v b="$(med our_eval_summary)" 'BEGIN { printf "%.3f", a + b }')
		oc=$(awk -v a="$oc" -v b="$(med our_eval_csv)" 'BEGIN { printf "%.3f", a + b }')
		echo "== $study, N=$n, median of $REPS (CPU s, user+sys); optimum of $metric, budget $budget"
		printf '%-28s %10s %10s %10s\n' step reference ours ratio
		for k in load eval_csv eval_summary tranches investments surface statistic slsqp; do
			r=$(med ref_$k)
			if [ $k = load ]; then u=-; else u=$(med our_$k); fi
			awk -v k="$k" -v r="$r" -v u="$u" 'BEGIN {
				if (u == "-") printf "%-28s %10.3f %10s %10s\n", k, r, "(in each)", ""
				else printf "%-28s %10.3f %10.3f %9.0fx\n", k, r, u, (u > 0 ? r / u : 0) }'
		done
		imp=$(med ref_import)
		rc=$(med ref_csv)
		rs=$(med ref_sum)
		rq=$(med ref_slsqp)
		oq=$(med our_slsqp)
		awk -v i="$imp" -v rc="$rc" -v rs="$rs" -v oc="$oc" -v os="$os" -v rq="$rq" -v oq="$oq" 'BEGIN {
			printf "%-28s %10.3f\n", "reference import (alone)", i
			printf "%-28s %10.3f %10.3f %9.0fx\n", "pipeline CSV, import incl.", rc, oc, rc / oc
			printf "%-28s %10.3f %10.3f %9.0fx\n", "pipeline CSV, import excl.", rc - i, oc, (rc - i) / oc
			printf "%-28s %10.3f %10.3f %9.0fx\n", "pipeline summary, incl.", rs, os, rs / os
			printf "%-28s %10.3f %10.3f %9.0fx\n", "pipeline summary, excl.", rs - i, os, (rs - i) / os
			printf "%-28s %10.3f %10.3f %9.0fx\n", "CSV, excl., without SLSQP", rc - i - rq, oc - oq,
			       (rc - i - rq) / (oc - oq)
			printf "%-28s %10.3f %10.3f %9.0fx\n", "summary, excl., w/o SLSQP", rs - i - rq, os - oq,
			       (rs - i - rq) / (os - oq)
			print "targets: >= 200x with CSV output, >= 400x with --summary" }'
	done
done
