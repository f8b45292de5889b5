#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t5000-store.sh - the scenario store between processes: concurrent
# writers, a writer killed with SIGKILL between its temp file and the
# rename, and the `store` command line (through t/helper/tyche-store-test,
# which compiles in cmd/store-cli.c).
#
# The kill tests must stop the writer exactly between "temp file written"
# and "rename": TYCHE_STORE_TEST_PAUSE makes the helper announce the temp
# path in a flag file and sleep there.  Killing at a random moment would
# pass even if the store wrote in place.
test_description='scenario store: concurrency, crashes, CLI'
. "$(dirname "$0")"/test-lib.sh

H=tyche-store-test
cli() { tyche-store-test cli "$@"; }

# wait_for FILE: up to 10 s for FILE to appear
wait_for() {
	_i=0
	while [ ! -f "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -f "$1" ]
}

test_expect_success 'twenty processes saving at once leave twenty whole files' '
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		$H save conc alice "scenario $i" >id.$i &
	done &&
	wait &&
	cat id.* | sort -u >ids &&
	test $(wc -l <ids) -eq 20 &&
	ls conc/scenarios/*.json >files &&
	test $(wc -l <files) -eq 20 &&
	for id in $(cat ids); do
		$H load conc alice $id >>names || exit 1
	done &&
	test $(sort -u names | wc -l) -eq 20 &&
	$H count conc alice >count 2>warn &&
	echo "20 0" >expect &&
	test_cmp expect count &&
	test ! -s warn &&
	test -z "$(ls -A conc/scenarios | grep "^\.")"
'

test_expect_success 'twenty concurrent renames of one scenario leave one whole file' '
	id=$(head -n 1 ids) &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		cli --store conc --user alice rename $id "renamed $i" &
	done &&
	wait &&
	$H load conc alice $id >got &&
	grep -q "^renamed [0-9]*	alice\$" got &&
	$H count conc alice >count &&
	test_cmp expect count
'

test_expect_success 'concurrent overwrites and shares of one scenario stay whole' '
	id=$(sed -n 2p ids) &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		$H save conc alice "overwrite $i" $id >/dev/null &
		cli --store conc --user alice share $id &
	done &&
	wait &&
	$H load conc alice $id >got &&
	grep -q "^overwrite [0-9]*	alice\$" got &&
	$H count conc alice >count &&
	echo "20 0" >expect &&
	test_cmp expect count
'

test_expect_success 'a new save killed before its rename leaves no scenario' '
	$H save kill alice "first" >id1 &&
	rm -f flag &&
	{ (TYCHE_STORE_TEST_PAUSE=$PWD/flag exec $H save kill alice "never" >/dev/null) & } &&
	pid=$! &&
	wait_for flag &&
	tmp=$(cat flag) &&
	test -f "$tmp" &&
	ls kill/scenarios/*.json >files &&
	test $(wc -l <files) -eq 1 &&
	kill -9 $pid &&
	{ wait $pid; true; } &&
	test -f "$tmp" &&
	$H count kill alice >count 2>warn &&
	echo "1 0" >expect &&
	test_cmp expect count &&
	test ! -s warn &&
	test ! -e "$tmp"
'

test_expect_success 'an overwrite killed before its rename leaves the old file' '
	id=$(cat id1) &&
	cp kill/scenarios/$id.json before &&
	rm -f flag &&
	{ (TYCHE_STORE_TEST_PAUSE=$PWD/flag exec $H save kill alice "second" $id >/dev/null) & } &&
	pid=$! &&
	wait_for flag &&
	tmp=$(cat flag) &&
	grep -q "\"name\":	\"second\"" "$tmp" &&
	kill -9 $pid &&
	{ wait $pid; true; } &&
	test -e "$tmp" &&
	test_cmp before kill/scenarios/$id.json &&
	printf "first\talice\n" >expect &&
	$H load kill alice $id >got &&
	test_cmp expect got &&
	test ! -e "$tmp" &&
	$H save kill alice "third" $id >/dev/null &&
	printf "third\talice\n" >expect &&
	$H load kill alice $id >got &&
	test_cmp expect got
'

test_expect_success 'a rename killed before its rename keeps the old name' '
	id=$(cat id1) &&
	rm -f flag &&
	{ (TYCHE_STORE_TEST_PAUSE=$PWD/flag exec $H cli --store kill --user alice rename $id "fourth") & } &&
	pid=$! &&
	wait_for flag &&
	kill -9 $pid &&
	{ wait $pid; true; } &&
	printf "third\talice\n" >expect &&
	$H load kill alice $id >got &&
	test_cmp expect got &&
	cli --store kill --user alice rename $id "fifth" &&
	printf "fifth\talice\n" >expect &&
	$H load kill alice $id >got &&
	test_cmp expect got
'

test_expect_success 'CLI: list as CSV, newest first, only what the user may read' '
	$H save cli alice "alpha" >a.id &&
	sleep 1 &&
	$H save cli alice "beta, with comma" >b.id &&
	$H save cli bob "bob private" >c.id &&
	a=$(cat a.id) b=$(cat b.id) c=$(cat c.id) &&
	cli --store cli --user alice list >out &&
	test $(wc -l <out) -eq 3 &&
	test "$(sed -n 1p out)" = "id,name,owner,created,modified,visibility,context,tags,samples,seed" &&
	sed -n 2p out | grep -q "^$b,\"beta, with comma\",alice,20[0-9-]*T[0-9:]*Z,20[0-9-]*T[0-9:]*Z,private,,,100,7\$" &&
	sed -n 3p out | grep -q "^$a,alpha,alice," &&
	TYCHE_STORE=cli cli --user bob list >out &&
	test $(wc -l <out) -eq 2 &&
	grep -q "^$c,bob private,bob," out
'

test_expect_success 'CLI: share, filters and JSON output' '
	a=$(cat a.id) b=$(cat b.id) &&
	cli --store cli --user alice share $a &&
	cli --store cli --user bob list --shared --format json >out &&
	grep -q "\"id\":	\"$a\"" out &&
	! grep -q "\"id\":	\"$b\"" out &&
	cli --store cli --user bob list --mine >out &&
	test $(wc -l <out) -eq 2 &&
	cli --store cli --user bob list --owner alice >out &&
	test $(wc -l <out) -eq 2 &&
	cli --store cli --user alice unshare $a &&
	cli --store cli --user bob list --owner alice >out &&
	test $(wc -l <out) -eq 1
'

test_expect_success 'CLI: show, rename, diff and delete' '
	a=$(cat a.id) b=$(cat b.id) &&
	cli --store cli --user alice show $a >out &&
	grep -q "\"schema\":	\"tyche-scenario/1\"" out &&
	grep -q "\"LCOE\"" out &&
	cli --store cli --user alice rename $a "gamma" &&
	cli --store cli --user alice show $a >out &&
	grep -q "\"name\":	\"gamma\"" out &&
	cli --store cli --user alice diff $a $b >out &&
	grep -q "\"/amounts/A\"" out &&
	grep -q "\"metrics\"" out &&
	cli --store cli --user alice delete $a &&
	test_expect_code 66 cli --store cli --user alice show $a
'

test_expect_success 'CLI: exit codes for not found, not allowed, bad input' '
	b=$(cat b.id) c=$(cat c.id) &&
	test_expect_code 66 cli --store cli --user alice show 20000101T000000Z-000000000000 2>err &&
	grep -q "^tyche-run store: scenario .20000101T000000Z-000000000000. not found\$" err &&
	test_expect_code 66 cli --store cli --user alice show $c &&
	test_expect_code 66 cli --store cli --user alice delete $c &&
	cli --store cli --user bob share $c &&
	test_expect_code 77 cli --store cli --user alice rename $c "mine" 2>err &&
	grep -q "only its owner can change it" err &&
	test_expect_code 77 cli --store cli --user alice unshare $c &&
	test_expect_code 77 cli --store cli --user alice delete $c &&
	cli --store cli --user bob show $c >/dev/null &&
	test_expect_code 64 cli --store cli --user alice show ../../etc/passwd &&
	test_expect_code 64 cli --store cli --user "../x" list &&
	test_expect_code 64 cli --store cli --user alice rename $b "" &&
	test_expect_code 64 cli --store cli --user alice frobnicate &&
	test_expect_code 64 cli --store cli --user alice show &&
	test_expect_code 64 cli --store cli --user alice list --format xml &&
	test_expect_code 64 cli --user alice list &&
	test_expect_code 64 cli --store cli
'

test_expect_success 'CLI: a damaged file is a warning in lists, a data error to show' '
	printf "{\"schema\": \"tyche-scenario/1\", \"id\": \"broken\", \"na" >cli/scenarios/broken.json &&
	cli --store cli --user alice list >out 2>err &&
	test $(wc -l <out) -eq 3 &&
	grep -q "broken.json: warning: not valid JSON" err &&
	test_expect_code 65 cli --store cli --user alice show broken
'

if tyche-run store --help >/dev/null 2>&1; then
test_expect_success 'tyche-run dispatches the store subcommand' '
	c=$(cat c.id) &&
	tyche-run store --store cli --user bob list >out &&
	grep -q "^$c,bob private,bob," out &&
	test_expect_code 66 tyche-run store --store cli --user alice show nope
'
else
test_skip 'tyche-run dispatches the store subcommand' 'tyche-run has no store yet'
fi

test_done
