#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# t9000-xlsx.sh - workbooks built by t/helper/mkxlsx read back (mkxlsx -d)
# cell by cell; hostile workbooks fail with a located message, no crash.
# mkxlsx names sheet parts against their order on purpose: a reader that
# guesses sheet names from file names fails the first test.

test_description='xlsx workbooks: cell kinds, sheet mapping, hostile files'
. "$(dirname "$0")"/test-lib.sh

test_expect_success 'every cell kind reads back as text' '
	cat >desc <<-\EOF &&
	sheet designs
	A1 s Name
	B1 inline  Value 
	C1 rich No|tes
	A2 s pump & <valve>
	B2 n 1.5E-3
	C2 f 3
	A4 b 1
	B4 e #DIV/0!
	C4 none
	A5 str 0012
	B5 n 44927
	C5 n 7.0000000000000007E-2
	A7 s last
	D7 n 2
	sheet params
	A1 s Name
	A2 s pump & <valve>
	EOF
	mkxlsx book.xlsx desc &&
	mkxlsx -d book.xlsx >out &&
	cat >expect <<-\EOF &&
	== designs (4 rows, 4 cols)
	1: Name|Value|Notes|
	2: pump & <valve>|0.0015|3|
	4: TRUE|#DIV/0!||
	5: 0012|44927|0.07|
	7: last|||2
	== params (1 rows, 1 cols)
	1: Name
	2: pump & <valve>
	EOF
	test_cmp expect out
'

test_expect_success 'sheet order comes from workbook.xml, not part names' '
	printf "sheet c\nA1 n 3\nsheet a\nA1 n 1\nsheet b\nA1 n 2\n" >desc3 &&
	mkxlsx three.xlsx desc3 &&
	mkxlsx -d three.xlsx | grep "^==" >out &&
	printf "== c (0 rows, 1 cols)\n== a (0 rows, 1 cols)\n== b (0 rows, 1 cols)\n" >expect &&
	test_cmp expect out &&
	mkxlsx -d three.xlsx | sed -n 2p >first &&
	echo "1: 3" >expect && test_cmp expect first
'

test_expect_success 'not a zip' '
	printf "Name,Value\na,1\n" >notzip.xlsx &&
	test_must_fail mkxlsx -d notzip.xlsx 2>err &&
	grep "^notzip.xlsx: not a zip archive" err
'

test_expect_success 'truncated archive' '
	mkxlsx book.xlsx desc &&
	head -c 900 book.xlsx >trunc.xlsx &&
	test_must_fail mkxlsx -d trunc.xlsx 2>err &&
	grep "^trunc.xlsx: .*zip" err
'

test_expect_success 'missing worksheet part names the sheet' '
	(cat desc && echo "omit xl/worksheets/ws1.xml") >desc-omit &&
	mkxlsx omit.xlsx desc-omit &&
	test_must_fail mkxlsx -d omit.xlsx 2>err &&
	grep "^omit.xlsx:params: worksheet part xl/worksheets/ws1.xml is missing" err
'

test_expect_success 'bad number names workbook, sheet and cell' '
	printf "sheet designs\nA1 s Name\nE17 n 12abc\n" >bad &&
	mkxlsx bad.xlsx bad &&
	test_must_fail mkxlsx -d bad.xlsx 2>err &&
	grep "^bad.xlsx:designs!E17: number cell holds .12abc." err
'

test_expect_success 'DOCTYPE and entities are refused' '
	cat >lol <<-\EOF &&
	sheet designs
	A1 s x
	part xl/worksheets/ws1.xml
	<?xml version="1.0"?>
	<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
	<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
	<worksheet><sheetData><row><c t="inlineStr"><is><t>&d;&d;&d;</t></is></c></row></sheetData></worksheet>
	.
	EOF
	mkxlsx lol.xlsx lol &&
	test_must_fail mkxlsx -d lol.xlsx 2>err &&
	grep "^lol.xlsx:designs: .*DOCTYPE" err
'

test_expect_success 'deeply nested XML' '
	{ printf "sheet designs\nA1 s x\npart xl/worksheets/ws1.xml\n<worksheet>" &&
	  i=0 && while [ $i -lt 200 ]; do printf "<a>"; i=$((i + 1)); done &&
	  printf "\n.\n"; } >deep &&
	mkxlsx deep.xlsx deep &&
	test_must_fail mkxlsx -d deep.xlsx 2>err &&
	grep "nested deeper than 64" err
'

test_expect_success 'entry declaring more than 64 MiB is refused' '
	printf "sheet designs\nA1 s x\nfiller xl/media/big.bin 104857600\n" >big &&
	mkxlsx big.xlsx big &&
	test_must_fail mkxlsx -d big.xlsx 2>err &&
	grep "^big.xlsx: zip entry .xl/media/big.bin. declares 104857600 bytes" err
'

test_expect_success 'zip bomb by ratio stops early' '
	printf "sheet designs\nA1 s x\nomit xl/worksheets/ws1.xml\nfiller xl/worksheets/ws1.xml 41943040\n" >bomb &&
	mkxlsx bomb.xlsx bomb &&
	test $(wc -c <bomb.xlsx) -lt 1000000 &&
	test_must_fail mkxlsx -d bomb.xlsx 2>err &&
	grep "zip bomb" err
'

test_expect_success 'too many entries' '
	printf "sheet designs\nA1 s x\nextra 10001\nstore\n" >many &&
	mkxlsx many.xlsx many &&
	test_must_fail mkxlsx -d many.xlsx 2>err &&
	grep "more than 10000 entries" err
'

test_skip_unless_shared
test_expect_success 'reference workbooks: as many rows as their CSV export' '
	for ctx in pv-residential-large tutorial-basic utility-pv; do
		mkxlsx -d "$SHARED/tyche-xlsx/$ctx.xlsx" >dump || return 1
		for s in designs parameters tranches; do
			rows=$(sed -n "s/^== $s (\([0-9]*\) rows.*/\1/p" dump) &&
			lines=$(($(wc -l <"$SHARED/tyche/$ctx/$s.csv") - 1)) &&
			test "$rows" = "$lines" || { echo "$ctx:$s $rows vs $lines"; return 1; }
		done
	done
'

test_done
