#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# install-npm.sh - install the browser test's npm packages (playwright-core
# and axe-core; playwright drives Debian's /usr/bin/chromium, so no browser
# is downloaded)
# into t/browser/node_modules, from the committed package-lock.json.
# Does nothing when they are already there or npm is missing.
dir=$(dirname "$0")/browser
[ -d "$dir/node_modules/playwright-core" ] && [ -d "$dir/node_modules/axe-core" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "install-npm.sh: npm not found; the browser test (t7100) will be skipped" >&2
	exit 0
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dir" --no-audit --no-fund
