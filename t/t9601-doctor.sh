#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run doctor: a server setup checked, each problem named with its fix'
# Runs the doctor on a setup in the trash folder, as the current user
# standing in for the web server's user and its group: a good setup passes
# (warnings allowed: offline DNS, no users file), and each broken piece (a
# config error, a missing folder, a store not shared by the group, a cache
# the web user cannot write, a source that does not resolve) is reported
# with what to fix; problems exit 1, warnings alone exit 0.
. ./test-lib.sh

ME=$(id -un)
GRP=$(id -gn)
D=$TRASH/srv

setup() {
	rm -rf "$D" && mkdir -p "$D/contexts" "$D/cache" &&
	cp -R "$TOP/examples/electrolysis" "$D/contexts/" &&
	tyche-run store init "$D/store" --group "$GRP" >/dev/null &&
	chmod 2770 "$D/cache" &&
	cat >"$D/tyche.yml" <<-YML
	contexts: $D/contexts
	store: $D/store
	cache: $D/cache
	allowed_hosts: [tyche.intranet.example]
	YML
}
doctor() {
	tyche-run doctor --config "$D/tyche.yml" --web-user "$ME" --group "$GRP" "$@"
}

test_expect_success 'a good setup passes, with warnings only' '
	setup && : >"$D/htpasswd" &&
	doctor --offline >out && cat out &&
	grep "^ok *config reads: $D/tyche.yml" out &&
	grep "^ok *contexts $D/contexts" out &&
	grep "^ok *store $D/store ($ME:$GRP 2770)" out &&
	grep "^ok *cache $D/cache" out &&
	grep "^ok *users file $D/htpasswd" out &&
	grep "^warning  sources: none" out &&
	grep "^doctor: 0 problems" out
'

test_expect_success 'TYCHE_CONFIG is the default config' '
	TYCHE_CONFIG=$D/tyche.yml tyche-run doctor --web-user "$ME" --group "$GRP" --offline >out &&
	grep "^ok *config reads: $D/tyche.yml" out
'

test_expect_success 'a config error is a problem located at file:line:col' '
	setup && echo "stroe: /x" >>"$D/tyche.yml" &&
	test_expect_code 1 doctor --offline >out && cat out &&
	grep "^problem  config: $D/tyche.yml:5:1: .*stroe" out
'

test_expect_success 'a missing folder is a problem, with the command that makes it' '
	setup && rmdir "$D/cache" &&
	test_expect_code 1 doctor --offline >out && cat out &&
	grep "^problem  cache: $D/cache: No such file or directory" out &&
	grep "fix: install -d -o $ME -g $GRP -m 2770 $D/cache" out
'

test_expect_success 'a store not shared by the group is a problem: store init fixes it' '
	setup && chmod 0700 "$D/store" &&
	test_expect_code 1 doctor --offline >out && cat out &&
	grep "^problem  store $D/store: not shared by the group $GRP" out &&
	grep "fix: tyche-run store init $D/store --group $GRP" out &&
	tyche-run store init "$D/store" --group "$GRP" >/dev/null &&
	doctor --offline >out
'

test_expect_success 'a cache the web user cannot write is a problem (modes, not access(2))' '
	setup && chmod 0555 "$D/cache" &&
	test_expect_code 1 doctor --offline >out; rc=$?; chmod 2770 "$D/cache"; cat out; test $rc = 0 &&
	grep "^problem  cache $D/cache .*user $ME cannot write it" out
'

test_expect_success 'a web user outside the group is a problem' '
	setup &&
	test_expect_code 1 tyche-run doctor --config "$D/tyche.yml" --web-user "$ME" --group nogroup --offline >out;
	rc=$?; cat out; test $rc = 0 &&
	grep "^problem  the web server.s user $ME is not in the group nogroup" out
'

test_expect_success 'a source host that does not resolve is a warning, not a problem' '
	setup && cat >>"$D/tyche.yml" <<-YML &&
	sources:
	  - {name: lake, url: "https://lake.invalid/tyche/", dest: $D/contexts,
	     keys: [AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=]}
	YML
	doctor >out && cat out &&
	grep "^ok *source lake: 1 public key" out &&
	grep "^warning  source lake: lake.invalid does not resolve" out &&
	doctor --offline >out && grep "^ok *source lake: lake.invalid not looked up" out
'

test_expect_success 'usage errors exit 64' '
	test_expect_code 64 tyche-run doctor --bogus 2>err && grep "usage: tyche-run doctor" err &&
	test_expect_code 64 tyche-run doctor --config 2>err
'

test_done
