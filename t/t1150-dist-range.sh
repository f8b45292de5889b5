#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run check: distribution shapes outside the range where the sampler is known to return'
#
# Issue 12: st.beta(1e6, 1e6, ...) passed check, and evaluate then never
# returned (GSL's beta inverse CDF loops).  Now check refuses the cell with
# its file:row:col, the character of the shape and the allowed range, in
# well under 2 CPU seconds; an in-range beta stays fine
# (and beta(1e4, 2), where GSL's own inverse gives NaN at some p, draws no NaN).
. ./test-lib.sh

EX="$TOP/examples/electrolysis"

# bad NAME SED: a copy of the example in NAME/ with designs.csv edited by SED.
bad() {
	rm -rf "$1" && cp -R "$EX" "$1" &&
	sed -i "$2" "$1/designs.csv"
}

# check_fails CTX: exit 65 within 2 s of CPU (ulimit -t counts whole seconds, so 3).
check_fails() {
	test_expect_code 65 sh -c "ulimit -t 3; exec tyche-run check \"$1\"" >out 2>err
}

test_expect_success 'st.beta(1e6, 1e6, loc=7, scale=2) is refused at the shape' '
	bad b6 "s/,Stack,7,yr,/,Stack,\"st.beta(1e6, 1e6, loc=7, scale=2)\",yr,/" &&
	check_fails b6 &&
	grep "^b6/designs.csv:3:5: error: column .Value.: .st.beta(1e6, 1e6, loc=7, scale=2).: at character 9: a of beta must be in \[0.001, 10000\] (the range where its quantile is known to converge), found 1000000$" err
'

test_expect_success 'st.beta(3e59, 3e59, 6) and beta(1, 2.5e300) are refused' '
	bad b59 "s/,Stack,7,yr,/,Stack,\"st.beta(3e59, 3e59, 6)\",yr,/; s/,Balance of plant,20,yr,/,Balance of plant,\"beta(1, 2.5e300)\",yr,/" &&
	check_fails b59 &&
	grep "^b59/designs.csv:3:5: error: .*at character 9: a of beta must be in \[0.001, 10000\].*found 3e+59$" err &&
	grep "^b59/designs.csv:4:5: error: .*at character 9: b of beta must be in \[0.001, 10000\].*found 2.5e+300$" err
'

test_expect_success 'a gamma shape out of range inside a mixture is located' '
	bad g8 "s/,Stack,7,yr,/,Stack,\"mixture([1, 1], [st.norm(7, 1), st.gamma(1e8)])\",yr,/" &&
	check_fails g8 &&
	grep "^g8/designs.csv:3:5: error: .*at character 42: a of gamma must be in \[0.001, 1e+07\].*found 100000000$" err
'

test_expect_success 'a beta inside the range checks and evaluates' '
	bad ok "s/,Stack,7,yr,/,Stack,\"st.beta(1e4, 2, loc=6, scale=2)\",yr,/" &&
	tyche-run check ok >out 2>err &&
	test ! -s err &&
	sh -c "ulimit -t 20; exec tyche-run evaluate --samples 200 ok" >out 2>err &&
	test ! -s err
'

test_done
