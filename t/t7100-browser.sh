#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7100-browser.sh - the page in headless Chromium, through nginx +
# fcgiwrap with basic auth: load, move a slider and see the plot change,
# optimise, save, reload, load the scenario back, compare, statuses and
# per-category upper limits, extrapolated cells marked, screenshot
# (kept as $BUILD/t/tyche-ui.png).  The TAP comes from t/browser/ui-test.js
# (playwright-core driving Debian's /usr/bin/chromium); `make deps` runs
# t/install-npm.sh, which installs playwright-core into t/browser.
test_description='browser UI in headless Chromium'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh

if [ "$(id -u)" != 0 ] || ! command -v nginx >/dev/null || ! command -v fcgiwrap >/dev/null ||
   ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	echo "1..0 # SKIP needs root, nginx, fcgiwrap, node, chromium and a built tyche.cgi"
	exit 0
fi
if [ ! -d "$TEST_DIR/browser/node_modules/playwright-core" ]; then
	echo "1..0 # SKIP playwright-core not installed (make deps runs t/install-npm.sh)"
	exit 0
fi
# nozero: the example without its zero tranches, so "no investment"
# lies below every category's tranche amounts (the page marks the cells)
nozero() {
	d="$SRV/contexts/nozero" &&
	cp -R "$SRV/contexts/electrolysis" "$d" &&
	grep -v ",0,$" "$TOP/examples/electrolysis/tranches.csv" >"$d/tranches.csv" &&
	grep -v "None" "$TOP/examples/electrolysis/investments.csv" >"$d/investments.csv" &&
	chmod -R a+rX "$d"
}
if ! { cgi_setup && nozero && cgi_start_nginx && cgi_warm; } >setup.log 2>&1; then
	cat setup.log | sed 's/^/# /'
	echo "1..1"
	echo "not ok 1 - nginx and fcgiwrap start"
	exit 1
fi
mkdir -p "$BUILD/t"
# node's TAP goes straight to prove; a hung browser is killed.
timeout 180 node "$TEST_DIR/browser/ui-test.js" "$BASE" "$BUILD/t/tyche-ui.png"
rc=$?
cd "$TEST_DIR" && [ $rc -eq 0 ] && rm -rf "$TRASH"
exit $rc
