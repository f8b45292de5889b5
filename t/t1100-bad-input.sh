#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run check: hostile table files give a located error, never a crash'
#
# Each test puts one hostile file in place of designs.csv in a copy of the
# bundled example and expects exit 65 (66 when the context itself is
# missing) with the exact message and location.  test_expect_code also
# catches crashes, hangs (under timeout) and, in a SANITIZE=1 build, leaks:
# any of them changes the exit status.
#
# Tests run as root, so chmod 000 does not make a file unreadable; the
# unreadable cases are a dangling symlink and a FIFO (which must not block).
. ./test-lib.sh

EX="$TOP/examples/electrolysis"

# hostile NAME: a copy of the example in NAME/.
hostile() {
	rm -rf "$1" && cp -R "$EX" "$1"
}

# check_fails CTX: exit 65, stderr in err, within a minute.
check_fails() {
	test_expect_code 65 timeout 60 tyche-run check "$1" >out 2>err
}

# one_error CTX 'LINE': err is exactly that line and the count.
one_error() {
	printf '%s\n%s: 1 error, 0 warnings\n' "$2" "$1" >expect &&
	test_cmp expect err
}

test_expect_success 'binary garbage (a PNG header) as designs.csv' '
	hostile png &&
	printf "\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1" >png/designs.csv &&
	check_fails png &&
	one_error png "png/designs.csv:1:1: error: invalid UTF-8 byte 0x89, expected UTF-8 text (save the file as CSV UTF-8)"
'

test_expect_success 'binary garbage without NUL bytes' '
	hostile junk &&
	awk "BEGIN { for (i = 0; i < 4096; i++) printf \"%c\", 128 + i % 128 }" >junk/designs.csv &&
	check_fails junk &&
	one_error junk "junk/designs.csv:1:1: error: invalid UTF-8 byte 0x80, expected UTF-8 text (save the file as CSV UTF-8)"
'

# gzip -n: no name and no time stamp in the header.  Without it the file's
# mtime goes into bytes 4-7, and a CR, LF, comma or quote among them (about
# one checkout in sixteen) ends the first field before the NUL at byte 8:
# the error was then the 0x8B byte's instead.
test_expect_success 'a gzipped designs.csv' '
	hostile gz &&
	gzip -n -c "$EX/designs.csv" >gz/designs.csv &&
	check_fails gz &&
	one_error gz "gz/designs.csv:1:1: error: NUL byte in field, expected text"
'

test_expect_success 'a NUL byte in a cell' '
	hostile nul &&
	sed "3s/,Lifetime,/,Life\x00time,/" "$EX/designs.csv" >nul/designs.csv &&
	check_fails nul &&
	one_error nul "nul/designs.csv:3:3: error: NUL byte in field, expected text"
'

test_expect_success 'a Latin-1 byte in a Notes cell' '
	hostile latin1 &&
	sed "4s/,yr,/,yr,caf\xe9/" "$EX/designs.csv" >latin1/designs.csv &&
	check_fails latin1 &&
	one_error latin1 "latin1/designs.csv:4:7: error: invalid UTF-8 byte 0xE9, expected UTF-8 text (save the file as CSV UTF-8)"
'

test_expect_success 'a 2 MB field' '
	hostile big &&
	{
		head -n 2 "$EX/designs.csv" &&
		printf "Alkaline electrolysis,Base,Lifetime,Stack,7,yr," &&
		head -c 2097152 /dev/zero | tr "\0" n &&
		echo
	} >big/designs.csv &&
	check_fails big &&
	one_error big "big/designs.csv:3:7: error: field longer than 1048576 bytes"
'

test_expect_success 'a very long value is quoted in part, with what was expected' '
	hostile long &&
	{
		head -n 1 "$EX/designs.csv" &&
		printf "Alkaline electrolysis,Base,Scale,," &&
		head -c 900000 /dev/zero | tr "\0" 1 &&
		echo ",kg H2/yr," &&
		tail -n +3 "$EX/designs.csv"
	} >long/designs.csv &&
	check_fails long &&
	one_error long "long/designs.csv:2:5: error: column '\''Value'\'': '\''111111111111111111111111111111111111111111111111111111111111...'\'': at character 65537: distribution text is longer than 65536 bytes"
'

test_expect_success '5000 columns' '
	hostile wide &&
	awk "BEGIN { printf \"Technology\"; for (i = 1; i < 5000; i++) printf \",c%d\", i; print \"\" }" >wide/designs.csv &&
	check_fails wide &&
	one_error wide "wide/designs.csv:1:4097: error: more than 4096 columns"
'

test_expect_success 'an unterminated quote at end of file' '
	hostile quote &&
	{ cat "$EX/designs.csv" && printf "Alkaline electrolysis,\"Base,Scale\n,,7\n"; } >quote/designs.csv &&
	check_fails quote &&
	one_error quote "quote/designs.csv:67:2: error: unterminated quoted field (started here), expected a closing '\''\"'\''"
'

test_expect_success 'designs.csv is a directory' '
	hostile dir &&
	rm dir/designs.csv && mkdir dir/designs.csv &&
	check_fails dir &&
	one_error dir "dir/designs.csv: error: is a directory, expected a file"
'

test_expect_success 'designs.csv is a dangling symlink' '
	hostile dangling &&
	rm dangling/designs.csv && ln -s ../no/such/designs.csv dangling/designs.csv &&
	check_fails dangling &&
	one_error dangling "dangling/designs.csv: error: missing table: the context needs designs.csv"
'

test_expect_success 'designs.csv is a FIFO: refused, not waited on' '
	hostile fifo &&
	rm fifo/designs.csv && mkfifo fifo/designs.csv &&
	check_fails fifo &&
	one_error fifo "fifo/designs.csv: error: is not a regular file (a FIFO, socket or device), expected a file"
'

test_expect_success 'an empty designs.csv' '
	hostile empty &&
	: >empty/designs.csv &&
	check_fails empty &&
	one_error empty "empty/designs.csv:1: error: empty file, expected a header row"
'

test_expect_success 'a designs.csv larger than 64 MB (sparse)' '
	hostile huge &&
	truncate -s 70M huge/designs.csv &&
	check_fails huge &&
	one_error huge "huge/designs.csv: error: file is larger than the limit of 67108864 bytes"
'

test_expect_success 'a truncated UTF-8 byte order mark' '
	hostile bom &&
	{ printf "\357\273" && cat "$EX/designs.csv"; } >bom/designs.csv &&
	check_fails bom &&
	one_error bom "bom/designs.csv:1:1: error: invalid UTF-8 byte 0xEF, expected UTF-8 text (save the file as CSV UTF-8)"
'

test_expect_success 'a whole BOM is fine' '
	hostile bomok &&
	{ printf "\357\273\277" && cat "$EX/designs.csv"; } >bomok/designs.csv &&
	tyche-run check bomok >out 2>err &&
	grep "^scenarios: 5$" out &&
	test ! -s err
'

test_expect_success 'CR-only line ends read like LF' '
	hostile cr &&
	for t in designs parameters tranches; do
		tr "\n" "\r" <"$EX/$t.csv" >cr/$t.csv || return 1
	done &&
	tyche-run check cr >out 2>err &&
	grep "^scenarios: 5$" out &&
	grep "^tranches: 6$" out &&
	test ! -s err
'

test_expect_success 'CR-only line ends: errors name the right line' '
	hostile crbad &&
	sed "3s/,Lifetime,/,lifetime,/; 6s/,Input,/,\"In\rput\",/; 9s/,Input price,/,Input prise,/" \
		"$EX/designs.csv" | tr "\n" "\r" >crbad/designs.csv &&
	check_fails crbad &&
	grep "^crbad/designs.csv:3:3: error: unknown Variable .lifetime. (did you mean .Lifetime.?)" err &&
	grep "^crbad/designs.csv:6:3: error: unknown Variable .In.put." err &&
	grep "^crbad/designs.csv:10:3: error: unknown Variable .Input prise." err
'

test_expect_success 'a value beyond the last column' '
	hostile beyond &&
	sed "5s/\$/,stray/" "$EX/designs.csv" >beyond/designs.csv &&
	check_fails beyond &&
	one_error beyond "beyond/designs.csv:5:8: error: value '\''stray'\'' beyond the last column (the header has 7 columns)"
'

# A load keeps the first 1,000 diagnostics (TY_MAX_DIAGS) and counts the
# rest: one last line says how many were not shown, the total is exact.
test_expect_success '100k rows of distinct scenarios: all counted, 1,000 shown, in seconds' '
	hostile rows &&
	awk -v h="$(head -n 1 "$EX/designs.csv")" "BEGIN {
		print h
		for (i = 1; i <= 100000; i++)
			printf \"Alkaline electrolysis,S%d,Scale,,1,,\\n\", i
	}" >rows/designs.csv &&
	check_fails rows &&
	head -n 1 err >actual &&
	echo "rows/designs.csv:2:2: error: technology '\''Alkaline electrolysis'\'', scenario '\''S1'\'' has no '\''Input'\'' row for Input index '\''Water'\''" >expect &&
	test_cmp expect actual &&
	test $(wc -l <err) = 1002 &&
	tail -n 2 err >actual &&
	cat >expect <<-\EOF &&
	error: ... and 1299068 more problems not shown (only the first 1000 are kept; 1300068 errors and 0 warnings in all)
	rows: 1300068 errors, 0 warnings
	EOF
	test_cmp expect actual
'

test_expect_success '20k distinct technologies: missing ones named, the rest counted' '
	hostile techs &&
	awk -v h="$(head -n 1 "$EX/designs.csv")" "BEGIN {
		print h
		for (i = 1; i <= 20000; i++)
			printf \"T%05d,Base,Scale,,1,,\\n\", i
	}" >techs/designs.csv &&
	check_fails techs &&
	grep -c "^techs/parameters.csv: error: technology .T[0-9]*. of the designs table is missing from the parameters table$" err >count &&
	echo 1000 >expect &&
	test_cmp expect count &&
	grep "^error: \.\.\. and [0-9]* more problems not shown (only the first 1000 are kept" err &&
	tail -n 1 err >actual &&
	echo "techs: 220075 errors, 2 warnings" >expect &&
	test_cmp expect actual
'

test_expect_success '100k tranches of one amount: one message per row, not per pair' '
	hostile tranches &&
	awk "BEGIN { for (i = 1; i <= 100000; i++)
		printf \"Stack R&D,Stack T%d,Stack Ambitious,4000000,\\n\", i }" >more &&
	cat more >>tranches/tranches.csv &&
	check_fails tranches &&
	head -n 1 err >actual &&
	echo "tranches/tranches.csv:8:4: error: Amount '\''4000000'\'' of tranche '\''Stack T1'\'' equals that of tranche '\''Stack Ambitious'\'' (row 4); amounts within category '\''Stack R&D'\'' must differ" >expect &&
	test_cmp expect actual &&
	grep -c "equals that of tranche .Stack Ambitious. (row 4)" err >count &&
	echo 1000 >expect &&
	test_cmp expect count &&
	tail -n 2 err >actual &&
	cat >expect <<-\EOF &&
	error: ... and 99000 more problems not shown (only the first 1000 are kept; 100000 errors and 0 warnings in all)
	tranches: 100000 errors, 0 warnings
	EOF
	test_cmp expect actual
'

test_expect_success '100k investments load, in first-appearance order' '
	hostile invest &&
	awk "BEGIN { for (i = 1; i <= 100000; i++)
		printf \"I%d,Stack R&D,Stack Moderate,\\n\", i }" >>invest/investments.csv &&
	tyche-run check invest >out 2>err &&
	grep "^investments: 100004$" out &&
	test ! -s err
'

test_expect_success 'a context that does not exist exits 66' '
	test_expect_code 66 tyche-run check no-such-context >out 2>err &&
	grep "^no-such-context: error: cannot open: No such file or directory$" err
'

test_done
