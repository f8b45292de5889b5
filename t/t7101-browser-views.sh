#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7101-browser-views.sh - the page's views and tools in headless Chromium
# through nginx + fcgiwrap (issue 16): shared axes, heatmap legend, money,
# caps and statistics, saved optimiser settings, Pareto click, overlays,
# CSV/xlsx/HTML downloads, two screen sizes without overflow, axe-core,
# and the slider-to-redraw benchmark for electrolysis and
# pv-residential-large (8x8).  The TAP comes from t/browser/ui-views.js;
# screenshots and downloads are kept in $BUILD/t/artefacts.
test_description='browser views, downloads and accessibility'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh

if [ "$(id -u)" != 0 ] || ! command -v nginx >/dev/null || ! command -v fcgiwrap >/dev/null ||
   ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	echo "1..0 # SKIP needs root, nginx, fcgiwrap, node, chromium and a built tyche.cgi"
	exit 0
fi
if [ ! -d "$TEST_DIR/browser/node_modules/playwright-core" ] ||
   [ ! -d "$TEST_DIR/browser/node_modules/axe-core" ]; then
	echo "1..0 # SKIP playwright-core or axe-core not installed (make deps runs t/install-npm.sh)"
	exit 0
fi
bench=electrolysis
large() {
	[ -n "$SHARED" ] && [ -d "$SHARED/tyche/pv-residential-large" ] || return 0
	cp -R "$SHARED/tyche/pv-residential-large" "$SRV/contexts/" &&
	cp -R "$TOP/models" "$SRV/models" &&
	echo "models: $SRV/models" >>"$SRV/tyche.yml" &&
	chmod -R a+rX "$SRV/contexts" "$SRV/models" && bench="electrolysis pv-residential-large"
}
if ! { cgi_setup && large && cgi_start_nginx && cgi_warm; } >setup.log 2>&1; then
	sed 's/^/# /' setup.log
	echo "1..1"
	echo "not ok 1 - nginx and fcgiwrap start"
	exit 1
fi
art="$BUILD/t/artefacts"
rm -rf "$art" && mkdir -p "$art"
timeout 400 node "$TEST_DIR/browser/ui-views.js" "$BASE" "$art" "$BUILD/bin/tyche-xlsxdump" $bench
rc=$?
cd "$TEST_DIR" && [ $rc -eq 0 ] && rm -rf "$TRASH"
exit $rc
