# SPDX-License-Identifier: GPL-3.0-or-later
# lib-cgi-api.sh - the HTTP API tests of tyche.cgi, run through a real web
# server by t7000 (Apache) and t7001 (nginx + fcgiwrap).  Needs $BASE and
# $PORT (lib-cgi.sh) and two users, alice and bob, to test privacy.
#
# Expected numbers are not hard-coded: the explore totals are checked
# against the sum of the per-category cells, and the optimiser's answer
# against its own budget, so the checks fail if the surface, the sums or
# the constraint handling break, whatever the example's values.

cgi_api_tests() {

test_expect_success 'the surface warms up, then the context list answers' '
	cgi_warm &&
	test "$(api alice GET /contexts)" = 200 &&
	echo "{\"admin\": false, \"contexts\": [{\"name\": \"electrolysis\"}], \"landing\": \"electrolysis\", \"studies\": []}" >expect &&
	json j <body >actual &&
	test_cmp expect actual
'

test_expect_success 'no credentials: the web server answers 401' '
	test "$(curl -s -o /dev/null -w "%{http_code}" "$BASE/tyche.cgi/contexts")" = 401 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -u alice:wrong "$BASE/tyche.cgi/contexts")" = 401
'

test_expect_success 'context info: technologies, and metric bounds from the optimiser' '
	test "$(api alice GET /contexts/electrolysis)" = 200 &&
	json "[t[\"name\"] for t in j[\"technologies\"]]" <body >actual &&
	echo "[\"Alkaline electrolysis\"]" >expect &&
	test_cmp expect actual &&
	json "all(m[\"bounds\"][\"min\"] <= m[\"bounds\"][\"max\"] and m[\"bounds\"][\"min\"] <= m[\"min\"] + 1e-9 and m[\"max\"] <= m[\"bounds\"][\"max\"] + 1e-9 for m in j[\"metrics\"])" <body >actual &&
	echo True >expect &&
	test_cmp expect actual
'

test_expect_success 'context info: categories with max amounts, metrics with units' '
	test "$(api alice GET /contexts/electrolysis)" = 200 &&
	json "[(c[\"name\"], c[\"max\"]) for c in j[\"categories\"]]" <body >actual &&
	echo "[[\"Stack R&D\", 4000000], [\"Efficiency R&D\", 5000000]]" >expect &&
	test_cmp expect actual &&
	json "[m[\"name\"] + \"|\" + m[\"units\"] for m in j[\"metrics\"]]" <body >actual &&
	echo "[\"Cost|delta \$/kg H2\", \"Electricity|delta kWh/kg H2\", \"GHG|delta kgCO2e/kg H2\"]" >expect &&
	test_cmp expect actual &&
	json "j[\"plot_types\"]" <body >actual &&
	echo "[\"box\", \"violin\", \"density\", \"heatmap\", \"annotated-heatmap\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'explore: totals are the sum of the categories' '
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 1500000, \"Efficiency R&D\": 2000000}}")" = 200 &&
	json "all(abs(sum(r[m][\"mean\"] for r in j[\"cells\"]) - j[\"totals\"][m][\"mean\"]) <= 1e-9 * (1 + abs(j[\"totals\"][m][\"mean\"])) for m in range(3))" <body >actual &&
	echo True >expect && test_cmp expect actual &&
	json "j[\"totals\"][0][\"mean\"] > 0 and j[\"statistics\"] == [\"mean\", \"std\", \"q10\", \"q50\", \"q90\"]" <body >actual &&
	test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{}")" = 200 &&
	json "[list(j[\"amounts\"].values()), all(abs(sum(r[m][\"q50\"] for r in j[\"cells\"]) - j[\"totals\"][m][\"q50\"]) <= 1e-9 for m in range(3))]" <body >actual &&
	echo "[[0, 0], true]" >expect && test_cmp expect actual
'

test_expect_success 'explore with plots: one SVG per cell and per total' '
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 4000000}, \"statistics\": [\"mean\", \"q10\"], \"plot\": {\"type\": \"violin\"}}")" = 200 &&
	json "[len(j[\"plots\"][\"cells\"]), len(j[\"plots\"][\"totals\"]), all(s.startswith(\"<svg\") or s.startswith(\"<?xml\") for r in j[\"plots\"][\"cells\"] for s in r)]" <body >actual &&
	echo "[2, 3, true]" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"plot\": {\"type\": \"annotated-heatmap\"}}")" = 200 &&
	json "\"<svg\" in j[\"plots\"][\"svg\"]" <body >actual &&
	echo True >expect && test_cmp expect actual
'

test_expect_success 'plot: an SVG document for the current amounts' '
	curl -s -D head -o plot.svg -u alice:alice-pw -H "Content-Type: application/json" \
		-H "X-Tyche-Request: 1" --data-binary "{\"type\": \"box\", \"metric\": \"Cost\", \"amounts\": {\"Stack R&D\": 1000000}}" \
		"$BASE/tyche.cgi/contexts/electrolysis/plot" &&
	grep -i "^content-type: image/svg+xml" head &&
	grep "<svg" plot.svg && grep "Stack R&amp;D" plot.svg && grep ">Total<" plot.svg &&
	xmllint --noout plot.svg
'

test_expect_success 'answers gzip when asked, plain otherwise' '
	curl -s -D head -o /dev/null -u alice:alice-pw -H "Accept-Encoding: gzip" "$BASE/tyche.cgi/contexts/electrolysis" &&
	grep -i "^content-encoding: gzip" head &&
	curl -s --compressed -o body -u alice:alice-pw "$BASE/tyche.cgi/contexts/electrolysis" &&
	json "j[\"name\"]" <body >actual && echo electrolysis >expect && test_cmp expect actual &&
	curl -s -D head -o /dev/null -u alice:alice-pw "$BASE/tyche.cgi/contexts/electrolysis" &&
	! grep -i "^content-encoding" head
'

test_expect_success 'security headers on every API answer and on the page' '
	curl -s -D head -o /dev/null -u alice:alice-pw "$BASE/tyche.cgi/contexts" &&
	grep -i "^content-security-policy: default-src .none." head &&
	grep -i "^x-content-type-options: nosniff" head &&
	grep -i "^cache-control: no-store" head &&
	grep -i "^referrer-policy: no-referrer" head &&
	curl -s -D head -o page.html -u alice:alice-pw "$BASE/" &&
	grep -i "^content-security-policy: default-src .self.; script-src .self.;" head &&
	grep "<script type=\"module\" src=\"app.js\"" page.html &&
	! grep -i "<script>" page.html && ! grep -i " on[a-z]*=" page.html
'

test_expect_success 'strict JSON: unknown fields, types and ranges name the field' '
	test "$(api alice POST /contexts/electrolysis/explore "{\"amount\": {}}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "unknown field '\''amount'\'' (expected amounts, statistics, plot, format)" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": \"1\"}}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "field '\''amounts.Stack R&D'\'' must be a number" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {\"Stack R&D\": 4000001}}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "field '\''amounts.Stack R&D'\'' is 4000001, out of range [0, 4000000]" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"statistics\": 3}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "field '\''statistics'\'' must be an array" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"plot\": {\"type\": \"pie\"}}")" = 400 &&
	json "j[\"status\"]" <body >actual && echo 400 >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/explore "{\"amounts\": {}, \"amounts\": {}}")" = 400 &&
	test "$(api alice POST /contexts/electrolysis/explore "{} x")" = 400 &&
	test "$(api alice POST /contexts/electrolysis/explore "[1]")" = 400
'

test_expect_success 'a body over the limit is refused with 413' '
	python3 -c "print(\"{\\\"a\\\": \\\"\" + \"x\" * 2200000 + \"\\\"}\")" >big.json &&
	code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Content-Type: application/json" \
		-H "X-Tyche-Request: 1" -H "Expect:" --data-binary @big.json "$BASE/tyche.cgi/scenarios") &&
	test "$code" = 413
'

test_expect_success 'cross-origin POSTs are 403 before routing, whatever the path' '
	for p in /contexts/electrolysis/explore /scenarios /no/such/path; do
		code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Content-Type: application/json" \
			-H "X-Tyche-Request: 1" -H "Origin: http://evil.example" --data-binary "{}" "$BASE/tyche.cgi$p") &&
		test "$code" = 403 &&
		json "j[\"error\"]" <body >actual &&
		grep "^request refused: the Origin header .http://evil.example. does not name an allowed host" actual || return 1
		# an allowed host name, but not the origin of this page
		code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Content-Type: application/json" \
			-H "X-Tyche-Request: 1" -H "Origin: http://localhost:1" --data-binary "{}" "$BASE/tyche.cgi$p") &&
		test "$code" = 403 &&
		json "j[\"error\"]" <body >actual &&
		echo "cross-origin request refused (Origin does not match this server)" >expect &&
		test_cmp expect actual || return 1
		code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Content-Type: application/json" \
			-H "X-Tyche-Request: 1" -H "Sec-Fetch-Site: cross-site" --data-binary "{}" "$BASE/tyche.cgi$p") &&
		test "$code" = 403 || return 1
	done &&
	code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Content-Type: application/json" \
		--data-binary "{}" "$BASE/tyche.cgi/contexts/electrolysis/explore") &&
	test "$code" = 403 &&
	code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Content-Type: application/json" \
		-H "X-Tyche-Request: 1" -H "Origin: http://127.0.0.1:$PORT" -H "Sec-Fetch-Site: same-origin" \
		--data-binary "{}" "$BASE/tyche.cgi/contexts/electrolysis/explore") &&
	test "$code" = 200
'

test_expect_success 'DNS rebinding: a Host that is not an allowed host is a 403, GET too' '
	for p in /contexts /contexts/electrolysis /scenarios; do
		code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Host: rebind.evil.example:$PORT" \
			"$BASE/tyche.cgi$p") &&
		test "$code" = 403 &&
		json "j[\"error\"]" <body >actual &&
		grep "^request refused: the Host header .rebind.evil.example\(:$PORT\)\{0,1\}. is not a name of this server (allowed hosts: localhost, 127.0.0.1, ::1;" actual || return 1
	done &&
	code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -H "Host: localhost:$PORT" \
		"$BASE/tyche.cgi/contexts") &&
	test "$code" = 200
'

test_expect_success 'methods: GET for reading, POST for the rest, nothing else' '
	test "$(api alice GET /contexts/electrolysis/explore)" = 405 &&
	code=$(curl -s -o body -w "%{http_code}" -u alice:alice-pw -X DELETE "$BASE/tyche.cgi/scenarios/x") &&
	test "$code" = 405 &&
	test "$(api alice GET /nothing)" = 404 &&
	json "j[\"error\"]" <body >actual && echo "no such resource" >expect && test_cmp expect actual
'

test_expect_success 'context names cannot walk out of the contexts directory' '
	test "$(api alice GET /contexts/..%2f..%2fetc)" = 404 &&
	test "$(api alice GET /contexts/.hidden)" = 404 &&
	test "$(api alice GET /contexts/nope)" = 404 &&
	json "j[\"error\"]" <body >actual && echo "no context named '\''nope'\''" >expect && test_cmp expect actual
'

test_expect_success 'optimise: the optimum respects the budget, the limit and an upper limit; statuses; strict limits are 400' '
	test "$(api alice POST /contexts/electrolysis/optimise "{\"metric\": \"Cost\", \"sense\": \"max\", \"budget\": 3000000, \"limits\": [{\"metric\": \"GHG\", \"sense\": \">=\", \"bound\": 0.1}], \"method\": \"local\"}")" = 200 &&
	json "[j[\"status\"], sum(j[\"amounts\"].values()) <= 3000000 * (1 + 1e-6), j[\"metrics\"][\"GHG\"] >= 0.1 - 1e-6, all(c[\"holds\"] for c in j[\"constraints\"])]" <body >actual &&
	echo "[\"local optimum\", true, true, true]" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/optimise "{\"metric\": \"Cost\", \"budget\": 3000000, \"upper\": {\"Stack R&D\": 1000000}}")" = 200 &&
	json "[j[\"status\"], j[\"method\"], j[\"amounts\"][\"Stack R&D\"] <= 1000000, j[\"extrapolated\"]]" <body >actual &&
	echo "[\"optimal\", \"auto\", true, []]" >expect && test_cmp expect actual &&
	test "$(api alice POST /contexts/electrolysis/optimise "{\"metric\": \"Cost\", \"limits\": [{\"metric\": \"GHG\", \"sense\": \">\", \"bound\": 0.1}]}")" = 400 &&
	test "$(api alice POST /contexts/electrolysis/optimise "{\"metric\": \"Cost\", \"sense\": \"sideways\"}")" = 400 &&
	test "$(api alice POST /contexts/electrolysis/optimise "{\"metric\": \"Nope\"}")" = 400 &&
	json "j[\"error\"].split(\";\")[0]" <body >actual && echo "field '\''metric'\'': unknown metric '\''Nope'\''" >expect && test_cmp expect actual
'

test_expect_success 'store: a private scenario is invisible to another user' '
	test "$(api alice POST /scenarios "{\"name\": \"alice plan\", \"context\": \"electrolysis\", \"inputs\": {\"amounts\": {\"Stack R&D\": 1500000}}}")" = 201 &&
	json "j[\"scenario\"][\"id\"]" <body >id_a &&
	json "[j[\"scenario\"][\"owner\"], j[\"scenario\"][\"visibility\"], j[\"scenario\"][\"results\"][\"metrics\"][\"Cost\"][\"mean\"] > 0]" <body >actual &&
	echo "[\"alice\", \"private\", true]" >expect && test_cmp expect actual &&
	test "$(api bob GET /scenarios)" = 200 &&
	json "len(j[\"scenarios\"])" <body >actual && echo 0 >expect && test_cmp expect actual &&
	test "$(api bob GET /scenarios/$(cat id_a))" = 404 &&
	test "$(api bob POST /scenarios/$(cat id_a)/rename "{\"name\": \"mine now\"}")" = 404 &&
	test "$(api bob POST /scenarios/$(cat id_a)/delete)" = 404 &&
	test "$(api alice GET /scenarios/$(cat id_a))" = 200
'

test_expect_success 'store: shared scenarios are readable, never changeable, by others' '
	test "$(api alice POST /scenarios/$(cat id_a)/share "{\"shared\": true}")" = 200 &&
	test "$(api bob GET "/scenarios?shared=1")" = 200 &&
	json "[s[\"name\"] for s in j[\"scenarios\"]]" <body >actual &&
	echo "[\"alice plan\"]" >expect && test_cmp expect actual &&
	test "$(api bob GET /scenarios/$(cat id_a))" = 200 &&
	json "j[\"scenario\"][\"inputs\"]" <body >actual &&
	echo "{\"amounts\": {\"Stack R&D\": 1500000}}" >expect && test_cmp expect actual &&
	test "$(api bob POST /scenarios/$(cat id_a)/rename "{\"name\": \"mine now\"}")" = 403 &&
	test "$(api bob POST /scenarios/$(cat id_a)/delete)" = 403 &&
	test "$(api bob GET "/scenarios?mine=1")" = 200 &&
	json "len(j[\"scenarios\"])" <body >actual && echo 0 >expect && test_cmp expect actual
'

test_expect_success 'store: rename, diff, delete by the owner' '
	test "$(api alice POST /scenarios "{\"name\": \"bigger\", \"context\": \"electrolysis\", \"shared\": false, \"inputs\": {\"amounts\": {\"Stack R&D\": 4000000}}}")" = 201 &&
	json "j[\"scenario\"][\"id\"]" <body >id_b &&
	test "$(api alice POST /scenarios/$(cat id_b)/rename "{\"name\": \"biggest\"}")" = 200 &&
	json "j[\"scenario\"][\"name\"]" <body >actual && echo biggest >expect && test_cmp expect actual &&
	test "$(api alice GET "/scenarios/diff?a=$(cat id_a)&b=$(cat id_b)")" = 200 &&
	json "[j[\"inputs\"][\"/amounts/Stack R&D\"][\"b\"], j[\"metrics\"][\"Cost\"][\"mean\"][\"diff\"] > 0]" <body >actual &&
	echo "[4000000, true]" >expect && test_cmp expect actual &&
	test "$(api bob GET "/scenarios/diff?a=$(cat id_a)&b=$(cat id_b)")" = 404 &&
	test "$(api alice POST /scenarios/$(cat id_b)/delete)" = 200 &&
	test "$(api alice GET /scenarios/$(cat id_b))" = 404 &&
	test "$(api alice POST /scenarios "{\"name\": \"x\", \"context\": \"electrolysis\", \"inputs\": {}, \"owner\": \"bob\"}")" = 400 &&
	json "j[\"error\"]" <body >actual &&
	echo "unknown field '\''owner'\'' (expected name, context, shared, inputs, tags)" >expect && test_cmp expect actual
'

test_expect_success 'no error answer carries a server path' '
	test "$(api alice GET /contexts/nope)" = 404 &&
	! grep "$SRV" body
'
}
