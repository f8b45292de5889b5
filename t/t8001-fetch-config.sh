#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# t8001-fetch-config.sh - tyche-fetch's config and usage errors (no network):
# every one exits 78 (or 64 for usage) with file:line:col and the reason;
# the whole file is checked (tyche.cgi's keys too: lib/config.c).
test_description='tyche-fetch: config errors are located and exit 78'
. ./test-lib.sh

KEY=jV9tG7eICGRkUBuVp0ontofSRM3URh4PfCnLWF24lHQ=

write_config() {
	cat >tyche.yml <<EOF
contexts: /srv/tyche/contexts
store: /srv/tyche/store
cache: $PWD/cache
defaults: { samples: 1000 }
single_user: false
sources:
  - name: lake
    url: https://datalake.example/tyche
    keys: [ "$KEY" ]
    dest: $PWD/dest
    max_bytes: 1000000
    timeout: 30
EOF
}

test_expect_success 'tyche.cgi keys are accepted (config parses)' '
	write_config &&
	test_expect_code 73 tyche-fetch --config tyche.yml --rollback lake 2>err &&
	grep "^tyche-fetch: lake: .*/dest: nothing installed: No such file or directory (install failed)" err &&
	mkdir dest &&
	test_expect_code 73 tyche-fetch --config tyche.yml --rollback lake 2>err &&
	grep "^tyche-fetch: lake: .*/dest: no previous version to roll back to (install failed)" err
'

test_expect_success '--syslog still reports on stderr' '
	write_config &&
	test_expect_code 73 tyche-fetch --syslog --config tyche.yml --rollback lake 2>err &&
	grep "no previous version to roll back to" err
'

test_expect_success 'an unknown key inside a source is located' '
	write_config &&
	echo "    maxbytes: 5" >>tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	echo "tyche-fetch: tyche.yml:13:5: unknown source key '\''maxbytes'\'' (expected name, url, keys, dest, ca_file, max_bytes, timeout, retries) (config error)" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown top-level key is an error' '
	write_config &&
	echo "sourcez: []" >>tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "^tyche-fetch: tyche.yml:13:1: unknown top-level key .sourcez." err
'

test_expect_success 'a non-https URL is an error' '
	write_config &&
	sed -i "s|https://datalake|http://datalake|" tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "^tyche-fetch: tyche.yml:8:10: .url.: .http://datalake.example/tyche. is not an https:// URL" err
'

test_expect_success 'a key that is not 32 bytes of base64 is an error' '
	write_config &&
	sed -i "s|$KEY|c2hvcnQ=|" tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "^tyche-fetch: tyche.yml:9:13: .keys.: .c2hvcnQ=. is not a base64 Ed25519 public key" err
'

test_expect_success 'a bad source name and a bad number are errors' '
	write_config &&
	sed -i "s|name: lake|name: Lake_1|" tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "tyche.yml:7:11: .name.: .Lake_1. must match" err &&
	write_config &&
	sed -i "s|timeout: 30|timeout: -3|" tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "tyche.yml:12:14: .timeout.: expected an integer from 1 to 86400, found .-3." err
'

test_expect_success 'a missing config file and an unknown source' '
	test_expect_code 78 tyche-fetch --config nope.yml 2>err &&
	grep "nope.yml" err &&
	write_config &&
	test_expect_code 78 tyche-fetch --config tyche.yml other 2>err &&
	grep "^tyche-fetch: other: no such source in tyche.yml" err
'

test_expect_success 'usage errors exit 64' '
	test_expect_code 64 tyche-fetch --bogus 2>err &&
	test_expect_code 64 tyche-fetch --rollback 2>err &&
	test_expect_code 64 tyche-fetch sign --key k.key src out 2>err &&
	tyche-fetch keygen k &&
	mkdir src &&
	test_expect_code 64 tyche-fetch sign --key k.key --source lake --version 1 --expires 2030-02-30T00:00:00Z src out 2>err &&
	grep "expires .2030-02-30T00:00:00Z. is not YYYY-MM-DDTHH:MM:SSZ" err
'

test_expect_success 'sign refuses a symlink in the release tree' '
	mkdir -p rel && echo a >rel/a && ln -s /etc/passwd rel/p &&
	test_must_fail tyche-fetch sign --key k.key --source lake --version 1 --expires 2030-01-01T00:00:00Z rel out 2>err &&
	grep "rel: .p. is not a regular file" err &&
	test ! -e out/manifest.json
'

test_expect_success 'trust-key: usage, unknown source, key not trusted (no network)' '
	write_config &&
	test_expect_code 64 tyche-fetch trust-key --config tyche.yml --key "$KEY" 2>err &&
	grep "^usage: tyche-fetch trust-key" err &&
	test_expect_code 64 tyche-fetch trust-key --config tyche.yml --source lake --key "$KEY" extra 2>err &&
	test_expect_code 64 tyche-fetch trust-key --bogus 2>err &&
	test_expect_code 78 tyche-fetch trust-key --config tyche.yml --source other --key "$KEY" 2>err &&
	grep "unknown source .other." err &&
	test_expect_code 78 tyche-fetch trust-key --config tyche.yml --source lake --key k.pub --reset-version 2>err &&
	grep "key [0-9a-f]\{16\} is not in the keys of source .lake.: add it there first (config error)" err &&
	echo "$KEY" >trusted.pub &&
	tyche-fetch trust-key --config tyche.yml --source lake --key trusted.pub >out &&
	echo "lake: the key is trusted" >expect && test_cmp expect out &&
	test ! -e dest/state.json &&
	TYCHE_CONFIG=tyche.yml tyche-fetch trust-key --source lake --key "$KEY" --reset-version >out &&
	grep "lake: trusted version 0 set aside" out &&
	grep "\"reset_key\"" dest/state.json
'

test_expect_success 'a key given twice is an error (found by fuzz-manifest)' '
	write_config &&
	cat tyche.yml >twice.yml &&
	sed -n "/^sources:/,\$p" tyche.yml >>twice.yml &&
	test_expect_code 78 tyche-fetch --config twice.yml 2>err &&
	grep "twice.yml:13:1: .sources. is given twice" err &&
	write_config &&
	echo "    timeout: 40" >>tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "tyche.yml:13:5: .timeout. is given twice" err
'

test_expect_success 'the CGI keys are checked too (one reader for the whole file)' '
	write_config &&
	sed -i "s/samples: 1000/samples: lots/" tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "^tyche-fetch: tyche.yml:4:22: .defaults.samples.: expected an integer from 1 to 1000000 (config error)" err &&
	write_config &&
	echo "store: /elsewhere" >>tyche.yml &&
	test_expect_code 78 tyche-fetch --config tyche.yml 2>err &&
	grep "tyche.yml:13:1: .store. is given twice" err &&
	write_config &&
	echo "cache: { dir: /x }" >tyche2.yml && sed -n "/^sources:/,\$p" tyche.yml >>tyche2.yml &&
	test_expect_code 78 tyche-fetch --config tyche2.yml 2>err &&
	grep "tyche2.yml:1:8: .cache.: expected a directory name" err
'

test_done
