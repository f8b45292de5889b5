#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='hostile model files and tables: a 50,000-term sum, 400,000
lets, a Model column naming a path, 100k-row broken tables; each gives the
right answer or a located error, in under 2 CPU seconds (issue 12)'
. "$(dirname "$0")/test-lib.sh"

EX="$TOP/examples/electrolysis"

# cpu_under SECONDS CMD...: run CMD (exit code kept in $rc), fail when
# it used SECONDS or more of user + system CPU time.  The cases below take
# 0.05-1.6 CPU s alone; the quadratic or recursive code they guard took
# minutes or crashed.  The limit (CPU_LIMIT, 10 s) leaves room for a
# machine loaded tenfold, where CPU time inflates too, and still fails on
# the old behaviour by a factor of ten or more.
CPU_LIMIT=${CPU_LIMIT:-10}
cpu_under() {
	limit=$1
	shift
	rc=0
	/usr/bin/time -f "%U %S" -o cpu "$@" || rc=$?
	tail -n 1 cpu | awk -v l="$limit" '{ exit !($1 + $2 < l) }'
}

test_expect_success 'a 50,000-term sum (350 KB) checks and evaluates' '
	rm -rf sum && cp -R "$EX" sum &&
	awk "BEGIN { printf \"  Stack: p[2] * p[4]\"
		for (i = 1; i < 50000; i++) printf \" + p[2]\"
		print \"\" }" >line &&
	awk "NR == FNR { l = \$0; next } /^  Stack:/ { print l; next } { print }" \
		line "$EX/alkaline_electrolysis.yml" >sum/alkaline_electrolysis.yml &&
	test $(wc -c <sum/alkaline_electrolysis.yml) -gt 350000 &&
	cpu_under $CPU_LIMIT tyche-run check sum >out 2>err &&
	test $rc = 0 && grep "^technologies: 1$" out &&
	cpu_under $CPU_LIMIT tyche-run tranches --samples 10 sum >out 2>err &&
	test $rc = 0
'

test_expect_success 'the same sum through tyche-eval: left-to-right rounding' '
	awk "BEGIN { printf \"s:\\n  x: p[0]\"
		for (i = 1; i < 50000; i++) printf \" + p[%d]\", i % 3
		print \"\" }" >s.yml &&
	cpu_under $CPU_LIMIT tyche-eval --capital x -D p=0.1,0.2,0.3 s.yml s capital >actual &&
	test $rc = 0 &&
	awk "BEGIN { p[0] = 0.1; p[1] = 0.2; p[2] = 0.3; a = p[0]
		for (i = 1; i < 50000; i++) a += p[i % 3]
		printf \"%.17g\\n\", a }" >want &&
	awk "{ printf \"%.17g\\n\", \$1 }" actual >got &&
	test_cmp want got
'

test_expect_success '100,000 nested parentheses: a located limit error' '
	awk "BEGIN { printf \"s:\\n  x: \"
		for (i = 0; i < 100000; i++) printf \"(\"
		printf \"1\"
		for (i = 0; i < 100000; i++) printf \")\"
		print \"\" }" >deep.yml &&
	cpu_under $CPU_LIMIT tyche-eval --capital x deep.yml s capital >out 2>err &&
	test $rc = 1 &&
	echo "deep.yml:2:262: expression too deeply nested (limit 256): expected fewer parentheses, unary '\''-'\'', '\''^'\'' or nested calls" >expect &&
	test_cmp expect err
'

test_expect_success '400,000 lets: a located size error, in time' '
	awk "BEGIN { print \"s:\\n  let:\\n    x0: p[0]\"
		for (i = 1; i < 400000; i++) printf \"    x%d: x%d + 1\\n\", i, i - 1
		print \"  x: x399999\" }" >lets.yml &&
	cpu_under $CPU_LIMIT tyche-eval --capital x -D p=1 lets.yml s capital >out 2>err &&
	test $rc = 1 &&
	echo "lets.yml:349528:22: section too large after inlining helpers and sums (more than 1048576 instructions)" >expect &&
	test_cmp expect err
'

test_expect_success '400,000 lets that fold: the right value, in time' '
	awk "BEGIN { print \"s:\\n  let:\\n    x0: 1\"
		for (i = 1; i < 400000; i++) printf \"    x%d: x%d + 1\\n\", i, i - 1
		print \"  x: x399999 * p[0]\" }" >lets.yml &&
	cpu_under $CPU_LIMIT tyche-eval --capital x -D p=2 lets.yml s capital >out 2>err &&
	test $rc = 0 &&
	echo 800000 >expect &&
	test_cmp expect out
'

test_expect_success 'the Model column names a model, never a path' '
	for m in ../../../etc/passwd /etc/x "..\\\\x" .hidden -opt "a b" \
		 $(printf "m%0200d" 0); do
		rm -rf path && cp -R "$EX" path &&
		awk -F, -v OFS=, -v m="$m" "NR == 2 { \$3 = m } { print }" \
			"$EX/functions.csv" >path/functions.csv &&
		test_expect_code 65 tyche-run check path >out 2>err &&
		grep "^path/functions.csv:2:3: error: model .* is not a model name: expected letters, digits, .\_., .-. or .\.. (at most 128, not starting with .\.. or .-.), never a path$" err &&
		! grep "not found" err || return 1
	done
'

test_expect_success 'a 100k-row broken table: 1,000 messages kept, all counted, in time' '
	rm -rf big && cp -R "$EX" big &&
	awk "BEGIN { for (i = 0; i < 100000; i++)
		printf \"Tech%d,Base%d,Wrong,Idx%d,abc,u,\\n\", i, i, i }" >>big/designs.csv &&
	awk "BEGIN { for (i = 0; i < 100000; i++)
		printf \"Alkaline electrolysis,Base,Par%d,%d,x%d,u,\\n\", i, i + 100, i }" \
		>>big/parameters.csv &&
	cpu_under $CPU_LIMIT tyche-run check big >out 2>err &&
	test $rc = 65 &&
	test $(wc -l <err) = 1002 &&
	tail -n 2 err >actual &&
	cat >expect <<-\EOF &&
	error: ... and 1299001 more problems not shown (only the first 1000 are kept; 1300001 errors and 0 warnings in all)
	big: 1300001 errors, 0 warnings
	EOF
	test_cmp expect actual
'

test_expect_success '100k tranches on 100k scenarios: checked in time' '
	rm -rf tr && cp -R "$EX" tr &&
	awk "BEGIN { for (i = 0; i < 100000; i++)
		printf \"Alkaline electrolysis,S%d,Scale,,1,,\\n\", i }" >>tr/designs.csv &&
	awk "BEGIN { for (i = 0; i < 100000; i++)
		printf \"Stack R&D,T%d,Nope%d,%d,\\n\", i, i, i + 10 }" >>tr/tranches.csv &&
	cpu_under $CPU_LIMIT tyche-run check tr >out 2>err &&
	test $rc = 65 &&
	tail -n 1 err >actual &&
	echo "tr: 1400000 errors, 0 warnings" >expect &&
	test_cmp expect actual
'

test_done
