#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='sensitivity and VOI in the report and the web API'
#
# Issue 18.  tyche-report --sensitivity --voi adds the two sections (a
# Sobol plot with first-order and total bars and interval whiskers, the
# tables, their CSV files); tyche.cgi answers POST /contexts/NAME/
# sensitivity (with the plot) and /voi with the library's numbers (the
# same as tyche-run's for the server's seed and samples), and bad
# requests with 400 naming the field.
. ./test-lib.sh
. "$TEST_DIR/lib/sens-toy.sh"

mkdir -p ctx && sens_toy ctx/toy
cat >tyche.yml <<EOT
contexts: $TRASH/ctx
store: $TRASH/store
cache: $TRASH/cache
sources: []
defaults:
  samples: 200
  seed: 3
EOT

cgi() {
	_b=${3-}
	printf '%s' "$_b" | env REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING= \
		CONTENT_TYPE=application/json CONTENT_LENGTH="${#_b}" \
		HTTP_X_TYCHE_REQUEST=1 HTTP_HOST=localhost TYCHE_CONFIG="$TRASH/tyche.yml" \
		tyche.cgi >out || return 1
	sed -n '1,/^\r$/p' out >head &&
	sed '1,/^\r$/d' out >body &&
	sed -n 's/^Status: \([0-9]*\).*/\1/p' head
}

test_expect_success 'report: the sensitivity and VOI sections, plot and CSV tables' '
	tyche-report ctx/toy --metric V --sense max --amount Choice=1 --sensitivity --voi \
		--sens-samples 2000 --output rep.html --csv 2>err &&
	grep "<section id=\"sensitivity\">" rep.html &&
	grep "<section id=\"voi\">" rep.html &&
	grep -c "class=\"bar first\"" rep.html >nfirst &&
	test $(cat nfirst) -ge 1 &&
	grep "class=\"interval\"" rep.html &&
	grep "EVPI of choosing among 2 investments by V: 0\.[34][0-9]*" rep.html &&
	head -1 rep-sensitivity.csv >h &&
	echo "Input,Technology,First-order,Low,High,Total,Low,High" >expect &&
	test_cmp expect h &&
	grep "^Payoff,Toy,1,1,1," rep-sensitivity.csv &&
	grep "^Payoff,Toy," rep-voi.csv
'

test_expect_success 'report: the sections are off unless asked for' '
	tyche-report ctx/toy --metric V --sense max --output plain.html 2>err &&
	! grep "<section id=\"sensitivity\">" plain.html &&
	test_must_fail tyche-report ctx/toy --sens-samples 5 --output x.html 2>err &&
	grep "^tyche-report: --sens-samples: .5. is not a whole number in \[10, 1e7\]$" err
'

test_expect_success 'API: sensitivity matches tyche-run, with the plot' '
	test "$(cgi POST /contexts/toy/sensitivity "{\"scenario\":\"Go\",\"metric\":\"Lin\",\"samples\":300,\"groups\":[\"parameter\"],\"plot\":true}")" = 200 &&
	grep "\"svg\":\"<svg" body &&
	grep "\"target\":\"Go\",\"samples\":300,\"seed\":3," body && grep "\"design\":\"mc\",\"evaluations\":2700," body &&
	tyche-run sensitivity ctx/toy --scenario Go --metric Lin --samples 300 --seed 3 \
		--groups parameter --format json >cli.json &&
	grep -o "\"input\":\"X3\",\"first\":[^,]*,\"first_low\":[^,]*" cli.json >a &&
	grep -o "\"input\":\"X3\",\"first\":[^,]*,\"first_low\":[^,]*" body >b &&
	test_cmp a b
'

test_expect_success 'API: voi' '
	test "$(cgi POST /contexts/toy/voi "{\"metric\":\"V\",\"sense\":\"max\",\"samples\":500}")" = 200 &&
	grep "\"metric\":\"V\",\"units\":\"\$\",\"sense\":\"max\",\"samples\":500,\"seed\":3,\"evpi\":" body &&
	grep "\"chosen\":" body
'

test_expect_success 'API: bad requests are 400 naming the field' '
	test "$(cgi POST /contexts/toy/sensitivity "{\"samples\":1e9}")" = 400 &&
	grep "samples" body &&
	test "$(cgi POST /contexts/toy/sensitivity "{\"groups\":[\"x\"]}")" = 400 &&
	grep "groups: expected" body &&
	test "$(cgi POST /contexts/toy/sensitivity "{\"scenario\":\"Nope\"}")" = 400 &&
	grep "unknown scenario" body &&
	test "$(cgi POST /contexts/toy/voi "{\"metric\":\"V\",\"sense\":\"up\"}")" = 400 &&
	grep "sense: expected" body &&
	test "$(cgi POST /contexts/toy/voi "{\"sense\":\"max\"}")" = 400 &&
	test "$(cgi GET /contexts/toy/voi)" = 405
'

test_done
