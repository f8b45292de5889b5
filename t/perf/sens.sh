#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# sens.sh - benchmarks of issue 18, on one thread (per-core figures):
# Sobol indices of every metric of pv-residential-simple at one portfolio
# w.r.t. every uncertain cell at 1e4 base samples; the same for
# pv-residential-large by parameter groups; EVPI and per-cell EVPPI over
# the investments of pv-residential-simple at 1e4 samples.  Each as
# scenario-samples per second per core (the "evaluations" of the JSON),
# against plain evaluate --summary on the same study.  Skips what needs
# ../shared when it is absent.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${TYCHE_BUILD:-$TOP/build}
RUN=$B/bin/tyche-run
TIMEIT=$B/bin/tyche-timeit
REF=${TYCHE_SHARED:-$TOP/../shared/reference}
[ -d "$REF/tyche" ] || { echo "sens.sh: ../shared/reference absent, skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$tmp/t"; }
evals() { sed -n 's/.*"evaluations":\([0-9.e+]*\).*/\1/p' "$tmp/out" | head -1; }

# bench LABEL CMD...: time CMD (JSON to $tmp/out), print per-core rate
bench() {
	label=$1
	shift
	"$TIMEIT" -o "$tmp/t" -- "$@" >"$tmp/out" || { echo "$label: failed"; return 1; }
	awk -v l="$label" -v e="$(evals)" -v w="$(field wall_s)" -v u="$(field user_s)" 'BEGIN {
		printf "%s: %.2f s wall, %.3g s CPU, %.4g scenario-samples, %.3g scenario-samples/s per core\n",
			l, w, u, e, e / u }'
}

# base LABEL CONTEXT: plain evaluate --summary at 1e5 samples, 1 thread
base() {
	nscen=$(tail -n +2 "$REF/tyche/$2/designs.csv" | cut -d, -f2 | sort -u | wc -l)
	"$TIMEIT" -o "$tmp/t" -- "$RUN" evaluate --summary --samples 100000 --threads 1 \
		--models "$TOP/models" "$REF/tyche/$2" >/dev/null || return 1
	awk -v l="$1" -v s="$nscen" -v u="$(field user_s)" 'BEGIN {
		printf "%s: %.3g scenario-samples/s per core\n", l, s * 100000 / u }'
}

S=$REF/tyche/pv-residential-simple
L=$REF/tyche/pv-residential-large
base "evaluate pv-residential-simple (reference rate)" pv-residential-simple
bench "sobol pv-residential-simple, every metric, all cells, N=1e4" \
	"$RUN" sensitivity "$S" --models "$TOP/models" --threads 1 --samples 10000 \
	--amount "Module R&D=3000000" --amount "Inverter R&D=2000000" --amount "BoS R&D=600000" \
	--groups cell --format json
bench "voi pv-residential-simple, investments, EVPI + per-cell EVPPI, N=1e4" \
	"$RUN" voi "$S" --models "$TOP/models" --threads 1 --samples 10000 \
	--metric LCOE --sense max --groups cell --format json
base "evaluate pv-residential-large (reference rate)" pv-residential-large
bench "sobol pv-residential-large, every metric, by parameter, N=1e4" \
	"$RUN" sensitivity "$L" --models "$TOP/models" --threads 1 --samples 10000 \
	--amount "CIGS=1000000" --amount "Perovskite=1000000" --amount "Soft Costs=1000000" \
	--groups parameter --format json
