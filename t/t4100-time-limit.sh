#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run --time-limit: a long run stops within about the limit with the budget message'
#
# Issue 12: evaluate and the surface-building commands check the process's
# work budget as they go.  With --time-limit 1 a run of 1e8 samples (minutes
# of work) stops in about a second of wall clock, exits 75 and names what
# ran out; a stopped surface build leaves no cache file behind.
. ./test-lib.sh

EX="$TOP/examples/electrolysis"

# stops_fast CMD...: exits 75 within 3 s of wall clock; stderr in err.
stops_fast() {
	start=$(date +%s.%N) &&
	test_expect_code 75 timeout 60 tyche-run "$@" >out 2>err &&
	end=$(date +%s.%N) &&
	awk -v a="$start" -v b="$end" "BEGIN { d = b - a; print \"# took \" d \" s\"; exit !(d < 3) }"
}

test_expect_success 'evaluate of 1e8 samples stops at --time-limit 1' '
	stops_fast evaluate --time-limit 1 --samples 100000000 "$EX" &&
	grep "^tyche-run: stopped while evaluating the scenarios: the .* budget of 1 s ran out" err
'

test_expect_success 'evaluate --summary stops too' '
	stops_fast evaluate --summary --time-limit 1 --samples 100000000 "$EX" &&
	grep "budget of 1 s ran out" err
'

test_expect_success 'optimize stops while building its surface and caches nothing' '
	mkdir -p cache &&
	stops_fast optimize --metric GHG --cache cache --time-limit 1 --samples 20000000 "$EX" &&
	grep "budget of 1 s ran out" err &&
	test -z "$(find cache -type f ! -name "*.lock")"
'

test_expect_success 'the same command without the limit then builds and caches' '
	tyche-run optimize --metric GHG --cache cache --samples 200 "$EX" >out 2>err &&
	test -n "$(find cache -type f ! -name "*.lock")"
'

test_expect_success '--time-limit must be a positive number' '
	test_expect_code 64 tyche-run evaluate --time-limit 0 "$EX" 2>err &&
	grep "time-limit must be > 0" err &&
	test_expect_code 64 tyche-run evaluate --time-limit 1x "$EX" 2>err
'

test_done
