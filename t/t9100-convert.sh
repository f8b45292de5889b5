#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='workbooks: load as they are, convert to CSV'
. ./test-lib.sh
test_skip_unless_shared

for ctx in pv-residential-large pv-residential-simple simple-electrolysis \
	transport-model tutorial-basic tutorial-biorefinery utility-pv; do
	test_expect_success "$ctx: workbook, converted CSV and reference CSV agree" "
		tyche-run convert \"\$SHARED/tyche-xlsx/$ctx.xlsx\" conv-$ctx &&
		for t in designs parameters indices functions results tranches investments; do
			test -s conv-$ctx/\$t.csv || exit 1
		done &&
		tyche-run evaluate --samples 3 --models \"\$TOP/models\" \"\$SHARED/tyche-xlsx/$ctx.xlsx\" >book.csv &&
		tyche-run evaluate --samples 3 --models \"\$TOP/models\" conv-$ctx >conv.csv &&
		tyche-run evaluate --samples 3 --models \"\$TOP/models\" \"\$SHARED/tyche/$ctx\" >ref.csv &&
		cmp book.csv conv.csv && cmp book.csv ref.csv
	"
done

test_expect_success 'a workbook error names the workbook, sheet and cell' '
	mkdir bad && tyche-run convert "$SHARED/tyche-xlsx/simple-electrolysis.xlsx" bad &&
	tyche-run check --models "$TOP/models" "$SHARED/tyche-xlsx/simple-electrolysis.xlsx" >out &&
	grep "^technologies: 1$" out
'

test_expect_success 'convert: a missing workbook exits 66, bad usage 64' '
	test_expect_code 66 tyche-run convert nope.xlsx out &&
	test_expect_code 64 tyche-run convert only-one
'
test_done
