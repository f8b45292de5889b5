#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t6100-plot.sh - every plot type rendered by t/helper/tyche-plot is
# well-formed XML (xmllint --noout) and holds the expected elements;
# degenerate input (nothing, NaN only, one value, equal values) still
# renders; bad options are usage errors.
#
# Counts are taken from files with grep -o, never by piping tyche-plot
# into a filter: its exit status must be checked on its own.
test_description='SVG plots: well-formed, expected elements, degenerate data'
. "$(dirname "$0")"/test-lib.sh

if ! command -v xmllint >/dev/null 2>&1; then
	test_skipped_all='xmllint (libxml2-utils) not installed'
fi

# n_of PATTERN FILE: how many times PATTERN occurs in FILE
n_of() { grep -o "$1" "$2" | wc -l | tr -d ' '; }

# expect_n N PATTERN FILE
expect_n() {
	_got=$(n_of "$2" "$3")
	if [ "$_got" != "$1" ]; then
		echo "expected $1 of '$2' in $3, found $_got" >&2
		return 1
	fi
}

# Three groups of 300 samples each; group 2 has two far outliers.
awk 'BEGIN {
	srand(3)
	for (g = 0; g < 3; g++) {
		printf "Tech %d <&>\t", g
		for (i = 0; i < 300; i++)
			printf "%g ", 10 * (g + 1) + 3 * (rand() + rand() + rand())
		if (g == 1)
			printf "200 250"
		printf "\n"
	}
}' >"$TRASH/groups.txt"

test_expect_success 'box plot: one box, median and mean per group' '
	tyche-plot box -t "LCOE by technology" -y "LCOE (USD/MWh)" <groups.txt >box.svg &&
	xmllint --noout box.svg &&
	expect_n 3 "class=\"box\"" box.svg &&
	expect_n 3 "class=\"median\"" box.svg &&
	expect_n 3 "class=\"mean\"" box.svg &&
	test "$(n_of "class=\"outlier\"" box.svg)" -ge 2
'

test_expect_success 'user strings are escaped, never raw' '
	grep "Tech 0 &lt;&amp;&gt;" box.svg &&
	! grep "Tech 0 <&>" box.svg
'

test_expect_success 'plots are accessible and scalable' '
	grep "role=\"img\"" box.svg &&
	grep "aria-labelledby=\"typlot-title typlot-desc\"" box.svg &&
	grep "<title id=\"typlot-title\">LCOE by technology</title>" box.svg &&
	grep "viewBox=\"0 0 640 400\"" box.svg &&
	grep "font-family=\"system-ui, sans-serif\"" box.svg
'

test_expect_success 'violin: one shape per group' '
	tyche-plot violin -y "LCOE (USD/MWh)" <groups.txt >violin.svg &&
	xmllint --noout violin.svg &&
	expect_n 3 "class=\"violin\"" violin.svg &&
	expect_n 3 "class=\"iqr\"" violin.svg
'

test_expect_success 'density: one curve per group and a legend' '
	tyche-plot density -x "LCOE (USD/MWh)" <groups.txt >density.svg &&
	xmllint --noout density.svg &&
	expect_n 3 "class=\"density\"" density.svg &&
	expect_n 3 "class=\"swatch\"" density.svg
'

test_expect_success 'histogram: the given number of bins' '
	tyche-plot histogram -b 7 -x "LCOE (USD/MWh)" <groups.txt >hist.svg &&
	xmllint --noout hist.svg &&
	expect_n 7 "class=\"bar\"" hist.svg &&
	grep "300 values in 7 bins" hist.svg
'

test_expect_success 'histogram: automatic bins say which rule' '
	tyche-plot histogram <groups.txt >hist-auto.svg &&
	xmllint --noout hist-auto.svg &&
	grep "bins (Freedman-Diaconis)" hist-auto.svg
'

test_expect_success 'heatmap: rows x cols cells, NaN hatched' '
	printf "\tLCOE (USD/MWh)\tGHG (kg/MWh)\tJobs\tRisk\n" >heat.txt &&
	printf "#min\t20\t500\t100\t0\n#max\t80\t0\t1000\t1\n" >>heat.txt &&
	printf "Baseline\t60\t300\t250\t0.5\n" >>heat.txt &&
	printf "Module R&D\t45\t280\t400\tnan\n" >>heat.txt &&
	printf "Inverter R&D\t55\t250\t300\t0.1\n" >>heat.txt &&
	printf "Both\t35\t200\t900\t0.95\n" >>heat.txt &&
	printf "Neither\tnan\tnan\tnan\tnan\n" >>heat.txt &&
	tyche-plot heatmap -v -i heat1 <heat.txt >heat.svg &&
	xmllint --noout heat.svg &&
	expect_n 20 "<rect class=\"cell\"" heat.svg &&
	expect_n 5 "url(#heat1-hatch)" heat.svg &&
	expect_n 5 ">n/a</text>" heat.svg &&
	expect_n 15 "class=\"value\"" heat.svg &&
	grep "5 cells without a finite value" heat.svg
'

test_expect_success 'heatmap: a cell coloured at its place in its column range' '
	# Baseline LCOE: (60 - 20) / (80 - 20) = 2/3 of viridis, between the
	# stops #22a884 (0.6) and #44bf70 (0.7): #39b777.  Baseline GHG:
	# (300 - 500) / (0 - 500) = 0.4, exactly the stop #2a788e.
	grep "<rect class=\"cell\"[^>]*fill=\"#39b777\"[^>]*><title>Baseline / LCOE (USD/MWh): 60</title>" heat.svg &&
	grep "<rect class=\"cell\"[^>]*fill=\"#2a788e\"[^>]*><title>Baseline / GHG (kg/MWh): 300</title>" heat.svg
'

test_expect_success 'lines: a marker per point, a break at NaN' '
	printf "Budget 1M\t1 50 2 42 3 37 4 33.5\n" >lines.txt &&
	printf "Budget 2M\t1 45 2 38 nan 30 4 29\n" >>lines.txt &&
	tyche-plot lines -x "GHG (Mt/yr)" -y "LCOE (USD/MWh)" <lines.txt >lines.svg &&
	xmllint --noout lines.svg &&
	expect_n 7 "class=\"marker\"" lines.svg &&
	expect_n 2 "class=\"line\"" lines.svg &&
	grep "1 point with a non-finite coordinate skipped" lines.svg
'

test_expect_success 'waterfall: start, steps, total; ups and downs' '
	printf "Module\t-12.5\nInverter\t-4\nO&M\t2.5\nBOS\t-7\n" >wf.txt &&
	tyche-plot waterfall -v --start 60 --start-label 2020 --total-label 2030 <wf.txt >wf.svg &&
	xmllint --noout wf.svg &&
	expect_n 6 "class=\"bar " wf.svg &&
	expect_n 1 "class=\"bar up\"" wf.svg &&
	expect_n 3 "class=\"bar down\"" wf.svg &&
	grep "2030: 39</title>" wf.svg
'

test_expect_success 'tornado: two bars per input, largest swing on top' '
	printf "small\t58 62\nbig\t40 80\nmid\t70 50\n" >tor.txt &&
	tyche-plot tornado --base 60 <tor.txt >tor.svg &&
	xmllint --noout tor.svg &&
	expect_n 3 "class=\"bar low\"" tor.svg &&
	expect_n 3 "class=\"bar high\"" tor.svg &&
	sed -n "s/.*class=\"category\">\([^<]*\)<.*/\1/p" tor.svg >actual &&
	printf "big\nmid\nsmall\n" >expect &&
	test_cmp expect actual
'

# Degenerate input for every type: it must render, parse, and hold no
# NaN or inf in any attribute.  no_bad_attr FILE
no_bad_attr() {
	if grep -i "=\"[^\"]*\(nan\|inf\)" "$1"; then
		echo "non-finite attribute in $1" >&2
		return 1
	fi
}

for type in box violin density histogram lines waterfall tornado; do
	test_expect_success "$type: nothing, NaN only, one value, equal, extremes" '
		: >in &&
		tyche-plot '$type' <in >out.svg &&
		xmllint --noout out.svg &&
		for data in "" "only nan\tnan nan inf -inf" "one\t5" "same\t3 3 3 3" \
			"huge\t-1e308 1.7e308 0 1e300" "tiny\t1e-300 3e-300 2e-300 1e-310" \
			"neg\t-5e9 -3e9 -4e9 -1e9"; do
			printf "$data\n" >in &&
			tyche-plot '$type' <in >out.svg &&
			xmllint --noout out.svg &&
			no_bad_attr out.svg || exit 1
		done
	'
done

test_expect_success 'heatmap: nothing, NaN only, equal values, extremes' '
	printf "\tc1\tc2\n" >in &&
	tyche-plot heatmap <in >out.svg &&
	xmllint --noout out.svg &&
	grep "Heatmap of 0 rows and 0 columns" out.svg &&
	for row in "a\tnan\tinf" "a\t3\t3" "a\t-1e308\t1.7e308" "a\t1e-300\t-1e-300"; do
		printf "\tc1\tc2\n$row\n$row\n" >in &&
		tyche-plot heatmap -v <in >out.svg &&
		xmllint --noout out.svg &&
		expect_n 4 "<rect class=\"cell\"" out.svg &&
		no_bad_attr out.svg || exit 1
	done
'

test_expect_success 'a width under 120 px is a usage error' '
	test_expect_code 2 tyche-plot box -W 50 <groups.txt 2>err &&
	grep "plot size 50x0: expected 0 (default) or 120..20000 px" err
'

test_expect_success 'an id that is not a plain name is a usage error' '
	test_expect_code 2 tyche-plot heatmap -i "a\"b" <heat.txt 2>err &&
	grep "plot id" err
'

test_expect_success 'two plots with different ids share no id' '
	tyche-plot heatmap -i one <heat.txt >one.svg &&
	tyche-plot heatmap -i two <heat.txt >two.svg &&
	grep -o "id=\"[^\"]*\"" one.svg | sort >ids1 &&
	grep -o "id=\"[^\"]*\"" two.svg | sort >ids2 &&
	test -s ids1 &&
	! grep -F -x -f ids1 ids2
'

test_done
