#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh - run every benchmark in turn: each executable in
# $TYCHE_BUILD/t/perf/ (built from t/perf/*.c by `make perf`), then each
# t/perf/*.sh script other than this one.  Add a benchmark by adding a
# file; nothing here names one.  Exits non-zero if any benchmark failed,
# after running all of them (one broken benchmark should not hide the
# figures of the others).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TYCHE_BUILD=${TYCHE_BUILD:-$TOP/build}
export TYCHE_BUILD TOP
status=0

for bin in "$TYCHE_BUILD"/t/perf/*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case "$bin" in *.o|*.d) continue ;; esac
	echo "== $(basename "$bin")"
	"$bin" || { echo "$(basename "$bin"): exit $?" >&2; status=1; }
done
for script in "$TOP"/t/perf/*.sh; do
	[ -f "$script" ] || continue
	[ "$(basename "$script")" = run.sh ] && continue
	echo "== $(basename "$script")"
	sh "$script" || { echo "$(basename "$script"): exit $?" >&2; status=1; }
done
exit $status
