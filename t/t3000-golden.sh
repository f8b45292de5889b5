#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='evaluate reproduces the reference on median inputs'
. ./test-lib.sh
test_skip_unless_shared

for ctx in pv-residential-large pv-residential-simple simple-electrolysis \
	transport-model tutorial-basic tutorial-biorefinery utility-pv; do
	test_expect_success "$ctx: one sample of the median inputs matches the reference" "
		tyche-run evaluate --samples 1 --models \"\$TOP/models\" \
			\"\$SHARED/golden/$ctx/inputs-median\" >actual.csv 2>err &&
		tyche-csvcmp --rel 1e-9 --abs 1e-12 \
			\"\$SHARED/golden/$ctx/scenarios-median.csv\" actual.csv
	"
done

test_expect_success 'transport-model: the never-produced Cost/LCOD row is a warning, not a row' '
	tyche-run evaluate --samples 1 --models "$TOP/models" \
		"$SHARED/golden/transport-model/inputs-median" >actual.csv 2>err &&
	grep "warning: results row Cost/.LCOD. is never produced" err &&
	! grep LCOD actual.csv
'

test_expect_success 'every reference context validates clean with the model library' '
	for c in "$SHARED"/tyche/*/; do
		tyche-run check --models "$TOP/models" "$c" >out 2>err || {
			cat err; exit 1; }
		grep "^technologies: 1$" out || exit 1
	done
'
test_done
