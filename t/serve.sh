#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# serve.sh - `make serve`: try the browser UI on this machine.  Starts
# nginx + fcgiwrap on 127.0.0.1:8080 (TYCHE_SERVE_PORT, `make serve
# PORT=N`) with the bundled example context, or the folder of studies
# TYCHE_SERVE_CONTEXTS (`make serve CONTEXTS=DIR`, served in place, so an
# edited study is seen on the next request), in single-user mode without
# a password (loopback only), and leaves them running.  The samples and
# seed are the command line's defaults (1000, 1), so the page and
# `tyche-run explore` agree.  Stop them with `sh t/serve.sh stop`.  The
# config keeps allowed_hosts at its loopback default (localhost, 127.0.0.1,
# ::1), so the CGI answers only URLs naming this machine by those names.
#
#   sh t/serve.sh [BUILD_DIR]     start (the Makefile passes its BUILD)
#   sh t/serve.sh stop            stop and remove the temp tree
TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=${TMPDIR:-/tmp}/tyche-serve.state

if [ "$1" = stop ]; then
	[ -f "$STATE" ] || { echo "serve.sh: nothing to stop" >&2; exit 0; }
	. "$STATE"
	. "$TOP/t/lib-cgi.sh"
	cgi_stop
	rm -f "$STATE"
	echo "Tyche test server stopped."
	exit 0
fi
if [ -f "$STATE" ]; then
	echo "serve.sh: already running ($STATE); stop it with: sh t/serve.sh stop" >&2
	exit 1
fi
BUILD=${1:-$TOP/build}
export TOP BUILD
[ -x "$BUILD/bin/tyche.cgi" ] || { echo "serve.sh: build first (make all)" >&2; exit 1; }
. "$TOP/t/lib-cgi.sh"
port=${TYCHE_SERVE_PORT:-8080}
if [ -n "$TYCHE_SERVE_CONTEXTS" ]; then
	[ -d "$TYCHE_SERVE_CONTEXTS" ] || {
		echo "serve.sh: CONTEXTS=$TYCHE_SERVE_CONTEXTS is not a folder" >&2; exit 2; }
	CGI_CONTEXTS=$(cd "$TYCHE_SERVE_CONTEXTS" && pwd)
	if [ "$(id -u)" = 0 ] && ! setpriv --reuid=www-data --regid=www-data --init-groups \
			test -r "$CGI_CONTEXTS" -a -x "$CGI_CONTEXTS"; then
		echo "serve.sh: the server runs as www-data, which cannot read $CGI_CONTEXTS" >&2
		exit 2
	fi
fi
CGI_MODELS=$TOP/models TYCHE_TEST_SAMPLES=1000 CGI_SEED=1
export CGI_CONTEXTS CGI_MODELS
cgi_setup true || exit 1
trap - EXIT
CGI_NO_AUTH=1
if ! cgi_start_nginx "$port"; then
	cgi_stop
	echo "serve.sh: nginx did not start on 127.0.0.1:$port (is the port taken?)" >&2
	exit 1
fi
printf 'SRV=%s\nCGI_PIDS="%s"\nCGI_PGIDS="%s"\n' "$SRV" "$CGI_PIDS" "$CGI_PGIDS" >"$STATE"
echo "Tyche is at http://127.0.0.1:$port/tyche/ (single user; studies in"
echo "${CGI_CONTEXTS:-$SRV/contexts}; files in $SRV)."
echo "Stop it with: sh t/serve.sh stop"
