#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run check: every modelling mistake is located'
. ./test-lib.sh

EX="$TOP/examples/electrolysis"

# mistake NAME: a copy of the example in NAME/, to be broken by the test.
mistake() {
	rm -rf "$1" && cp -R "$EX" "$1"
}

# check_fails CTX: tyche-run check exits 65 and leaves its stderr in err.
check_fails() {
	test_expect_code 65 tyche-run check "$1" >out 2>err
}

test_expect_success 'the bundled example is clean' '
	tyche-run check "$EX" >out 2>err &&
	grep "^technologies: 1$" out &&
	grep "^scenarios: 5$" out &&
	grep "^categories: 2$" out &&
	grep "^tranches: 6$" out &&
	grep "^investments: 4$" out &&
	grep "^metrics: 3$" out &&
	test ! -s err
'

test_expect_success 'a typo in a designs Variable' '
	mistake typo-var &&
	sed -i "3s/,Lifetime,/,lifetime,/" typo-var/designs.csv &&
	check_fails typo-var &&
	grep "^typo-var/designs.csv:3:3: error: unknown Variable .lifetime. (did you mean .Lifetime.?), expected one of Input, Input efficiency, Input price, Output efficiency, Output price, Lifetime, Scale$" err &&
	grep "^typo-var/designs.csv:2:2: error: technology .Alkaline electrolysis., scenario .Base. has no .Lifetime. row for Capital index .Stack.$" err
'

test_expect_success 'a typo in an indices Type' '
	mistake typo-type &&
	sed -i "2s/,Capital,/,Captial,/" typo-type/indices.csv &&
	check_fails typo-type &&
	grep "^typo-type/indices.csv:2:2: error: unknown Type .Captial., expected one of Capital, Input, Output, Metric, Fixed$" err
'

test_expect_success 'a scenario missing from the parameters table' '
	mistake no-params &&
	sed -i "/,Stack Moderate,/d" no-params/parameters.csv &&
	check_fails no-params &&
	grep "^no-params/parameters.csv: error: technology .Alkaline electrolysis., scenario .Stack Moderate. is in the designs table but has no rows in the parameters table$" err
'

test_expect_success 'a gap in indices offsets' '
	mistake gap &&
	sed -i "10s/,Electricity,2,/,Electricity,3,/" gap/indices.csv &&
	check_fails gap &&
	grep "^gap/indices.csv:10:4: error: gap in Offsets of Type .Metric. of technology .Alkaline electrolysis.: found 3 after 1, expected 2$" err
'

test_expect_success 'a duplicate parameter offset' '
	mistake dup-off &&
	sed -i "3s/,Oxygen per kg H2,1,/,Oxygen per kg H2,0,/" dup-off/parameters.csv &&
	check_fails dup-off &&
	grep "^dup-off/parameters.csv:3:4: error: duplicate Offset 0 in technology .Alkaline electrolysis., scenario .Base. (also on row 2)$" err
'

test_expect_success 'a tranche that points at no scenario' '
	mistake tranche &&
	sed -i "3s/,Stack Moderate,1500000/,Stack Moderat,1500000/" tranche/tranches.csv &&
	check_fails tranche &&
	grep "^tranche/tranches.csv:3:3: error: tranche .Stack Moderate. points at scenario .Stack Moderat., which no technology has; expected one of .Base., .Efficiency Ambitious., .Efficiency Moderate., .Stack Ambitious., .Stack Moderate.$" err
'

test_expect_success 'an investment naming an unknown tranche' '
	mistake invest &&
	sed -i "4s/Stack Moderate/Stack Medium/" invest/investments.csv &&
	check_fails invest &&
	grep "^invest/investments.csv:4:3: error: investment .Balanced. names tranche .Stack Medium., which category .Stack R&D. does not have; expected one of .Stack None., .Stack Moderate., .Stack Ambitious.$" err
'

test_expect_success 'a technology missing from one table' '
	mistake notech &&
	sed -i "s/^Alkaline electrolysis,/Alkaline electrolyser,/" notech/results.csv &&
	check_fails notech &&
	grep "^notech/results.csv: error: technology .Alkaline electrolysis. of the designs table is missing from the results table$" err &&
	grep "^notech/results.csv:2:1: error: technology .Alkaline electrolyser. is not in the designs table$" err
'

test_expect_success 'text where a number belongs' '
	mistake text &&
	sed -i "4s/,Stack cost,2,500,/,Stack cost,2,5OO,/" text/parameters.csv &&
	sed -i "4s/,Water,0,/,Water,zero,/" text/indices.csv &&
	check_fails text &&
	grep "^text/parameters.csv:4:5: error: column .Value.: .5OO.: at character 2: unexpected .OO. after the number" err &&
	grep "^text/indices.csv:4:4: error: column .Offset.: .zero. is not an offset, expected an integer 0, 1, 2, ...$" err
'

test_expect_success 'an empty file and a missing file' '
	mistake empty &&
	: >empty/investments.csv &&
	rm empty/results.csv &&
	check_fails empty &&
	grep "^empty/investments.csv:1: error: empty file, expected a header row$" err &&
	grep "^empty/results.csv: error: missing table: the context needs results.csv$" err
'

test_expect_success 'a duplicate row' '
	mistake dup &&
	sed -i "5p" dup/designs.csv &&
	check_fails dup &&
	grep "^dup/designs.csv:6:3: error: duplicate row: technology .Alkaline electrolysis., scenario .Base. already has Variable .Input. with Index .Water.$" err
'

test_expect_success 'a missing required column' '
	mistake nocol &&
	sed -i "1s/,Amount,/,Amt,/" nocol/tranches.csv &&
	check_fails nocol &&
	grep "^nocol/tranches.csv:1: error: missing required column .Amount. (the header has .Category., .Tranche., .Scenario., .Amt., .Notes.)$" err
'

test_expect_success 'a bad distribution is located at the character' '
	mistake dist &&
	sed -i "s/st.triang(0.5, loc=380, scale=80)/st.triang(0.5, loc=380, scale=-80)/" dist/parameters.csv &&
	sed -i "s/st.triang(0.5, loc=46, scale=3)/st.trinag(0.5, loc=46, scale=3)/" dist/designs.csv &&
	check_fails dist &&
	grep "^dist/parameters.csv:[0-9]*:5: error: column .Value.: .st.triang(0.5, loc=380, scale=-80).: " err &&
	grep "^dist/designs.csv:[0-9]*:5: error: column .Value.: .st.trinag(0.5, loc=46, scale=3).: at character 4: " err
'

test_expect_success 'uncertainty in both designs and tranche amounts' '
	mistake both &&
	sed -i "3s/,1500000,/,\"st.uniform(1e6, 1e6)\",/" both/tranches.csv &&
	check_fails both &&
	grep "^both/tranches.csv: error: uncertainty on both sides: 6 design/parameter cells are distributions" err &&
	grep "1 tranche amounts are too (e.g. .st.uniform(1e6, 1e6). (tranche .Stack Moderate., row 3))" err
'

test_expect_success 'equal tranche amounts within a category' '
	mistake amounts &&
	sed -i "4s/,4000000,/,1500000,/" amounts/tranches.csv &&
	check_fails amounts &&
	grep "^amounts/tranches.csv:4:4: error: Amount .1500000. of tranche .Stack Ambitious. equals that of tranche .Stack Moderate. (row 3); amounts within category .Stack R&D. must differ$" err
'

test_expect_success 'a model file that cannot be found' '
	mistake nomodel &&
	rm nomodel/alkaline_electrolysis.yml &&
	check_fails nomodel &&
	grep "^nomodel/functions.csv: error: technology .Alkaline electrolysis.: model file .alkaline_electrolysis.yml. not found beside the tables (nomodel) nor on the model path (.*); name its folder with --models DIR or TYCHE_MODEL_PATH=DIR$" err &&
	TYCHE_MODEL_PATH=/nowhere:/elsewhere test_expect_code 65 tyche-run check nomodel 2>err &&
	grep "nor on the model path (/nowhere:/elsewhere); name its folder" err
'

if [ -n "$SHARED" ]; then
	test_expect_success 'from a build tree the in-tree models/ is on the default path' '
		cp -R "$SHARED/tyche/simple-electrolysis" intree &&
		! test -e intree/simple_electrolysis.yml &&
		tyche-run check intree >out 2>err &&
		grep "^technologies: 1$" out
	'
else
	test_skip 'from a build tree the in-tree models/ is on the default path' \
		'../shared/reference absent'
fi

test_expect_success 'several mistakes are all reported in one run' '
	mistake many &&
	sed -i "3s/,Lifetime,/,Lifetim,/" many/designs.csv &&
	sed -i "2s/,Capital,/,Capitol,/" many/indices.csv &&
	sed -i "4s/Stack Moderate/Stack Medium/" many/investments.csv &&
	check_fails many &&
	grep "designs.csv:3:3: error: unknown Variable" err &&
	grep "indices.csv:2:2: error: unknown Type" err &&
	grep "investments.csv:4:3: error: investment" err &&
	grep "^many: [0-9]* errors, 0 warnings$" err
'

test_expect_success 'model errors are located in the model file, beside table errors' '
	mistake model &&
	sed -i "s/  GHG: p\[8\] - input\[Electricity\]/  GHG: p[8] - input[Electricty]/" model/alkaline_electrolysis.yml &&
	sed -i "s/Oxygen: h2 \* p\[1\]/Oxygen: h2 * p[11]/" model/alkaline_electrolysis.yml &&
	sed -i "4s/Stack Moderate/Stack Medium/" model/investments.csv &&
	check_fails model &&
	grep "^model/alkaline_electrolysis.yml:17:18: error: parameter offset 11 out of range: expected p\[0\] to p\[9\] (10 parameters)$" err &&
	grep "^model/alkaline_electrolysis.yml:20:21: error: .Electricty. is not an Input index: expected an offset or one of Water, Electricity$" err &&
	grep "^model/investments.csv:4:3: error: investment .Balanced. names tranche .Stack Medium." err
'

test_expect_success 'CRLF line ends, a BOM and quoted fields load clean' '
	mistake crlf &&
	for f in crlf/*.csv; do
		printf "\357\273\277" >tmp && sed "s/\$/\r/" "$f" >>tmp && mv tmp "$f" || exit 1
	done &&
	sed -i "2s/^Alkaline electrolysis,Base,/\"Alkaline electrolysis\",\"Base\",/" crlf/designs.csv &&
	tyche-run check crlf >out 2>err &&
	grep "^scenarios: 5$" out
'

test_expect_success 'exit codes: missing path 66, usage 64, --help and --version 0' '
	test_expect_code 66 tyche-run check no-such-dir &&
	test_expect_code 64 tyche-run check &&
	test_expect_code 64 tyche-run frobnicate x &&
	tyche-run --help >out && grep "^usage: tyche-run" out &&
	tyche-run check --help >out && grep "^usage: tyche-run check" out &&
	tyche-run --version >out && grep "^tyche-run [0-9]" out
'
test_done
